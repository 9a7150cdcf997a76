//! S1: the endpoints, each a few lines: read the request, act through the store, answer
//! the document (W1–W4).

use std::future::Future;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, Path, RawQuery, Request, State};
use axum::http::{HeaderValue, Method};
use axum::response::Response;
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use inquiry_lifecycle::{
    Action, Event, EventId, Inquiry, InquiryId, Interval, Policy, PolicyBuilder, ReferenceId,
    SessionToken,
};
use inquiry_lifecycle_store::{
    act_keyed, act_rendering, ActError, Acted, Change, IdempotencyKey, InquiryStore, Outbox,
    Outgoing, Render,
};
use inquiry_lifecycle_wire::{
    ActionMeta, Inflection, InquiryDocument, InquiryResource, OneTimeLink, SessionResource,
    SessionsDocument,
};
use serde_json::Value;

use crate::error::{json_response, ok_json, ApiCode, ApiError};
use crate::idempotency::{self, Claimed, Stored};
use crate::webhooks::{self, WireRender};
use crate::App;

/// How many times a change is retried when a concurrent one wins (compare-and-swap).
pub(crate) const ATTEMPTS: usize = 5;

/// A request to `/api/v1`: its API key checked (S2), its inflection (W5), its
/// `Idempotency-Key` (S3) and its body, within the size limit.
pub struct ApiRequest {
    client: [u8; 32],
    inflection: Inflection,
    idempotency_key: Option<String>,
    method: Method,
    path: String,
    body: Bytes,
}

impl FromRequest<Arc<App>> for ApiRequest {
    type Rejection = Response;

    async fn from_request(request: Request, app: &Arc<App>) -> Result<Self, Response> {
        let headers = request.headers();
        // W5: a readable Key-Inflection inflects even the 401; an unreadable one is
        // answered only to a client that holds a key (S2 first).
        let asked = headers.get("key-inflection").map(|value| {
            value
                .to_str()
                .ok()
                .and_then(|text| text.parse::<Inflection>().ok())
        });
        let client = app.client(headers).ok_or_else(|| {
            ApiError::unauthorized().respond(asked.flatten().unwrap_or(Inflection::Kebab))
        })?;
        let inflection = match asked {
            None => Inflection::Kebab,
            Some(Some(inflection)) => inflection,
            Some(None) => {
                return Err(ApiError::bad_request(
                    "Key-Inflection must be camel, kebab or snake (W5)",
                )
                .respond(Inflection::Kebab))
            }
        };
        let idempotency_key = match headers.get("idempotency-key") {
            None => None,
            Some(value) => Some(
                value
                    .to_str()
                    .ok()
                    .filter(|key| !key.is_empty() && key.len() <= 255)
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        ApiError::bad_request(
                            "Idempotency-Key must be 1 to 255 visible ASCII characters (S3)",
                        )
                        .respond(inflection)
                    })?,
            ),
        };
        let method = request.method().clone();
        let path = request.uri().path().to_owned();
        let body = Bytes::from_request(request, app)
            .await
            .map_err(|rejection| {
                let status = rejection.status().as_u16();
                let error = if status == 413 {
                    ApiError::new(
                        ApiCode::PayloadTooLarge,
                        format!(
                            "the request body is larger than the {} bytes the service accepts",
                            app.max_body_bytes
                        ),
                    )
                } else {
                    ApiError::bad_request(format!("the request body cannot be read: {rejection}"))
                };
                error.respond(inflection)
            })?;
        Ok(ApiRequest {
            client,
            inflection,
            idempotency_key,
            method,
            path,
            body,
        })
    }
}

/// What an endpoint answers: an inquiry document, or another JSON body.
pub(crate) trait Answered: Send + 'static {
    /// The answer as kept for replays (never a secret).
    fn stored(&self) -> Stored;
    /// The response, keys in `inflection`.
    fn respond(self, inflection: Inflection) -> Response;
}

/// An inquiry document, with the action's `meta` (a token or a link) if any.
struct Answer {
    status: u16,
    inquiry: InquiryResource,
    meta: Option<ActionMeta>,
}

impl Answer {
    fn ok(inquiry: InquiryResource) -> Answer {
        Answer {
            status: 200,
            inquiry,
            meta: None,
        }
    }
}

impl Answered for Answer {
    fn stored(&self) -> Stored {
        Stored::Inquiry(self.status, self.inquiry.clone())
    }

    fn respond(self, inflection: Inflection) -> Response {
        let document = match self.meta {
            Some(meta) => InquiryDocument::answer(self.inquiry, meta),
            None => InquiryDocument::new(self.inquiry),
        };
        json_response(self.status, document.to_json(inflection))
    }
}

/// A 200 answer with a JSON body of its own (the clock, parked deliveries).
pub(crate) struct JsonAnswer(pub(crate) String);

impl Answered for JsonAnswer {
    fn stored(&self) -> Stored {
        Stored::Json(200, self.0.clone())
    }

    fn respond(self, _inflection: Inflection) -> Response {
        json_response(200, self.0)
    }
}

/// Runs `work` for `request` and answers. A POST with an `Idempotency-Key` runs through
/// its key (S3): a retry is answered again, and the work runs in a task of its own, to its
/// end even if the client goes away, so that its key is always settled. The work gets the
/// key it holds, to commit its answer with its change.
pub(crate) async fn answer<A, F, Fut>(app: &Arc<App>, request: &ApiRequest, work: F) -> Response
where
    A: Answered,
    F: FnOnce(Arc<App>, Option<IdempotencyKey>) -> Fut + Send + 'static,
    Fut: Future<Output = Result<A, ApiError>> + Send + 'static,
{
    let inflection = request.inflection;
    let key = request
        .idempotency_key
        .clone()
        .filter(|_| request.method == Method::POST);
    let Some(key) = key else {
        return respond(work(Arc::clone(app), None).await, inflection);
    };
    let key = IdempotencyKey {
        client: request.client,
        key,
    };
    let fingerprint =
        idempotency::fingerprint(request.method.as_str(), &request.path, &request.body);
    match idempotency::claim(&*app.store, &key, fingerprint, app.clock.now()).await {
        Err(error) => error.respond(inflection),
        Ok(Claimed::Replay(stored)) => {
            // Rendered as the first answer was, in this request's inflection; never a secret.
            let mut response = match stored {
                Stored::Inquiry(status, inquiry) => Answer {
                    status,
                    inquiry,
                    meta: None,
                }
                .respond(inflection),
                Stored::Json(status, body) => json_response(status, body),
                Stored::Error(error) => error.respond(inflection),
            };
            response
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            response
        }
        Ok(Claimed::Run) => {
            let app = Arc::clone(app);
            let task = tokio::spawn(async move {
                let outcome = work(Arc::clone(&app), Some(key.clone())).await;
                let stored = match &outcome {
                    Ok(answer) => answer.stored(),
                    Err(error) => Stored::Error(error.clone()),
                };
                idempotency::settle(&*app.store, &key, &stored).await;
                outcome
            });
            let outcome = task.await.unwrap_or_else(|error| {
                tracing::error!(%error, "a keyed request's task failed");
                Err(ApiError::new(
                    ApiCode::Internal,
                    "the request failed; retry it",
                ))
            });
            respond(outcome, inflection)
        }
    }
}

fn respond<A: Answered>(outcome: Result<A, ApiError>, inflection: Inflection) -> Response {
    match outcome {
        Ok(answer) => answer.respond(inflection),
        Err(error) => error.respond(inflection),
    }
}

/// Rounds of [`ATTEMPTS`] a change gets while concurrent changes keep winning, and the
/// pause before the second round; each next pause doubles, times a random factor in
/// [0.5, 1), so that contending requests spread out instead of colliding again (at most
/// about 0.6 s of pauses in all before `conflict`).
const ROUNDS: u32 = 8;
const FIRST_PAUSE: std::time::Duration = std::time::Duration::from_millis(5);

/// Loads, applies `operation` and saves (rendering the events as webhook documents),
/// committing the keyed answer (`status` and the inquiry as at `now`) with the change when
/// the request holds a key. When concurrent changes win every attempt of a round, it pauses
/// with jitter and tries another round, up to [`ROUNDS`].
async fn act_on<T, F>(
    app: &App,
    id: InquiryId,
    key: Option<&IdempotencyKey>,
    status: u16,
    now: DateTime<Utc>,
    mut operation: F,
) -> Result<Acted<T>, ApiError>
where
    T: Change,
    F: FnMut(&mut Inquiry) -> Result<T, inquiry_lifecycle::Error> + Send,
{
    let mut pause = FIRST_PAUSE;
    let mut round = 1;
    loop {
        let acted = match key {
            None => act_rendering(&*app.store, id, ATTEMPTS, &WireRender, &mut operation).await,
            Some(key) => {
                let answer =
                    |inquiry: &Inquiry, _: &T| idempotency::kept_inquiry(status, inquiry, now);
                act_keyed(
                    &*app.store,
                    id,
                    ATTEMPTS,
                    Some(&WireRender),
                    key,
                    &mut operation,
                    answer,
                )
                .await
            }
        };
        match acted {
            Err(ActError::GaveUp(_)) if round < ROUNDS => {
                let wait = crate::jittered(pause, &mut *app.random());
                tokio::time::sleep(wait).await;
                pause = pause.saturating_mul(2);
                round += 1;
            }
            acted => return Ok(acted?),
        }
    }
}

/// `POST /api/v1/inquiries` → 201: creates an inquiry, with an optional body
/// `{"data": {"attributes": {"reference-id": …, "<interval>-seconds": …}}}`.
pub async fn create(State(app): State<Arc<App>>, request: ApiRequest) -> Response {
    let body = request.body.clone();
    let work = |app: Arc<App>, key: Option<IdempotencyKey>| async move {
        let (reference, policy) = creation(&body, &app.policy)?;
        let now = app.clock.now();
        let (inquiry, events) = {
            let mut random = app.random();
            match reference {
                Some(reference) => {
                    Inquiry::create_with_reference(&policy, reference, now, &mut *random)?
                }
                None => Inquiry::create(&policy, now, &mut *random)?,
            }
        };
        let rendered = WireRender.render(None, &inquiry, &events);
        // The kept answer is rendered only for a request that holds a key.
        let kept = key
            .as_ref()
            .map(|key| (key, idempotency::kept_inquiry(201, &inquiry, now)));
        let keyed = kept
            .as_ref()
            .map(|(key, answer)| inquiry_lifecycle_store::Keyed { key, answer });
        app.store.insert(&inquiry, &rendered, keyed).await?;
        Ok(Answer {
            status: 201,
            inquiry: InquiryResource::at(&inquiry, now),
            meta: None,
        })
    };
    answer(&app, &request, work).await
}

/// Sets one interval on a policy builder.
type SetInterval = fn(PolicyBuilder, TimeDelta) -> PolicyBuilder;

/// The intervals a creation may set, each in whole seconds (E2).
const INTERVALS: [(&str, SetInterval); 5] = [
    ("expiration-after-create-interval-seconds", |b, d| {
        b.expire_after_create(d)
    }),
    ("expiration-after-start-interval-seconds", |b, d| {
        b.expire_after_start(d)
    }),
    ("expiration-after-resume-interval-seconds", |b, d| {
        b.expire_after_resume(d)
    }),
    ("session-token-expiration-seconds", |b, d| {
        b.session_token_ttl(d)
    }),
    ("one-time-link-expiration-seconds", |b, d| {
        b.one_time_link_ttl(d)
    }),
];

/// Reads a creation body: none, or `{"data": {"attributes": {…}}}` in any inflection.
fn creation(body: &[u8], base: &Policy) -> Result<(Option<ReferenceId>, Policy), ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok((None, *base));
    }
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("the body is not JSON: {e}")))?;
    let shape = "expected {\"data\": {\"attributes\": {…}}} (or no body)";
    let attributes = match value.get("data") {
        _ if !value.is_object() => return Err(ApiError::bad_request(shape)),
        None | Some(Value::Null) => return Ok((None, *base)),
        Some(data) => match data.get("attributes") {
            None | Some(Value::Null) if data.is_object() => return Ok((None, *base)),
            Some(Value::Object(attributes)) => attributes,
            _ => return Err(ApiError::bad_request(shape)),
        },
    };
    // Keys in any inflection (W5), compared in kebab case.
    let attribute = |kebab: &str| {
        attributes
            .iter()
            .find(|(key, _)| Inflection::to_kebab(key) == kebab)
            .map(|(_, value)| value)
            .filter(|value| !value.is_null())
    };
    let reference = match attribute("reference-id") {
        None => None,
        Some(Value::String(text)) => Some(ReferenceId::parse(text).map_err(|e| {
            let error = ApiError::from(e);
            ApiError::new(
                error.code,
                format!("data.attributes.reference-id: {}", error.detail),
            )
        })?),
        Some(_) => {
            return Err(ApiError::bad_request(
                "data.attributes.reference-id must be a string",
            ))
        }
    };
    let mut builder = base.to_builder();
    for (name, set) in INTERVALS {
        let Some(value) = attribute(name) else {
            continue;
        };
        let member = |detail: String| {
            ApiError::new(
                ApiCode::INVALID_INPUT,
                format!("data.attributes.{name}: {detail}"),
            )
        };
        let seconds = value
            .as_i64()
            .ok_or_else(|| member(format!("must be a whole number of seconds, found {value}")))?;
        // E1: 1 s to 3650 d, checked here so that the member is named (and no number is
        // too large for a length of time).
        let interval = Interval::from_secs(seconds).map_err(|e| member(e.detail().to_string()))?;
        builder = set(builder, interval.as_time_delta());
    }
    let policy = builder.build().map_err(ApiError::from)?;
    Ok((reference, policy))
}

/// `GET /api/v1/inquiries/{id}` → 200: the inquiry as it stands at the service's `now`
/// (a passed deadline shows `expired` before the sweeper ran, E4).
pub async fn show(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    request: ApiRequest,
) -> Response {
    let work = |app: Arc<App>, _key| async move {
        let inquiry = app.load(InquiryId::parse(&id)?).await?;
        Ok(Answer::ok(InquiryResource::at(&inquiry, app.clock.now())))
    };
    answer(&app, &request, work).await
}

/// `GET /api/v1/inquiries/{id}/sessions` → 200: `{"data": [<session>…]}`.
pub async fn sessions(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    request: ApiRequest,
) -> Response {
    let work = async {
        let inquiry = app.load(InquiryId::parse(&id)?).await?;
        Ok::<_, ApiError>(SessionResource::list_at(&inquiry, app.clock.now()))
    };
    let document = work.await.map(SessionsDocument::new);
    ok_json(
        document.map(|d| d.to_json(request.inflection)),
        request.inflection,
    )
}

/// The actions an endpoint of its own applies (`POST …/{id}/<action>`, `DELETE …/{id}`).
pub async fn action(app: Arc<App>, id: String, request: ApiRequest, action: Action) -> Response {
    let work = move |app: Arc<App>, key: Option<IdempotencyKey>| async move {
        let id = InquiryId::parse(&id)?;
        let now = app.clock.now();
        let acted = act_on(&app, id, key.as_ref(), 200, now, |inquiry| {
            let mut random = app.random();
            inquiry.act(action, now, &mut *random)
        })
        .await?;
        let inquiry = InquiryResource::at(&acted.inquiry, now);
        let outcome = acted.outcome;
        let meta = match (outcome.opened, outcome.linked) {
            (Some((_, token)), _) => Some(ActionMeta::SessionToken(token)),
            (None, Some((_, code))) => Some(ActionMeta::OneTimeLink(OneTimeLink::new(
                &app.public_url,
                id,
                code,
            ))),
            (None, None) => None,
        };
        Ok(Answer {
            status: 200,
            inquiry,
            meta,
        })
    };
    answer(&app, &request, work).await
}

/// The vendor's sandbox action names (`perform-simulate-actions`).
const SIMULATED: [(&str, Action); 7] = [
    ("start_inquiry", Action::Start),
    ("complete_inquiry", Action::Complete),
    ("fail_inquiry", Action::Fail),
    ("expire_inquiry", Action::Expire),
    ("mark_for_review_inquiry", Action::MarkForReview),
    ("approve_inquiry", Action::Approve),
    ("decline_inquiry", Action::Decline),
];

/// What a run of simulated actions did: every event, each call's events rendered from the
/// state that call started from (W6), and the last token handed out.
struct Simulated {
    events: Vec<Event>,
    rendered: Vec<Outgoing>,
    token: Option<SessionToken>,
}

impl Change for Simulated {
    fn events(&self) -> &[Event] {
        &self.events
    }

    fn rendered(&self) -> Option<&[Outgoing]> {
        Some(&self.rendered)
    }
}

/// `POST /api/v1/inquiries/{id}/perform-simulate-actions` → 200, body
/// `{"meta": {"actions": ["start_inquiry", …]}}`: applied in order as one change, all or
/// none.
pub async fn simulate(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    request: ApiRequest,
) -> Response {
    let body = request.body.clone();
    let work = move |app: Arc<App>, key: Option<IdempotencyKey>| async move {
        let id = InquiryId::parse(&id)?;
        let actions = simulated_actions(&body)?;
        let now = app.clock.now();
        let acted = act_on(&app, id, key.as_ref(), 200, now, |inquiry| {
            let mut random = app.random();
            let mut simulated = Simulated {
                events: Vec::new(),
                rendered: Vec::new(),
                token: None,
            };
            for action in &actions {
                let before = inquiry.clone();
                // The first refusal is answered; `act` saves nothing then (all or none).
                let outcome = inquiry.act(*action, now, &mut *random)?;
                let rendered = WireRender.render(Some(&before), inquiry, &outcome.events);
                simulated.rendered.extend(rendered);
                simulated.events.extend(outcome.events);
                if let Some((_, token)) = outcome.opened {
                    simulated.token = Some(token);
                }
            }
            Ok(simulated)
        })
        .await?;
        Ok(Answer {
            status: 200,
            inquiry: InquiryResource::at(&acted.inquiry, now),
            meta: acted.outcome.token.map(ActionMeta::SessionToken),
        })
    };
    answer(&app, &request, work).await
}

fn simulated_actions(body: &[u8]) -> Result<Vec<Action>, ApiError> {
    let shape = "expected {\"meta\": {\"actions\": [\"start_inquiry\", …]}}";
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::bad_request(format!("the body is not JSON ({e}); {shape}")))?;
    let actions = value
        .get("meta")
        .and_then(|meta| meta.get("actions"))
        .and_then(Value::as_array)
        .ok_or_else(|| ApiError::bad_request(shape))?;
    actions
        .iter()
        .enumerate()
        .map(|(index, name)| {
            let name = name.as_str().ok_or_else(|| ApiError::bad_request(shape))?;
            SIMULATED
                .iter()
                .find(|(known, _)| *known == name)
                .map(|(_, action)| *action)
                .ok_or_else(|| {
                    ApiError::new(
                        ApiCode::INVALID_INPUT,
                        format!(
                            "meta.actions[{index}]: unknown action {:?}; expected one of {}",
                            name.chars().take(40).collect::<String>(),
                            SIMULATED.map(|(name, _)| name).join(", ")
                        ),
                    )
                })
        })
        .collect()
}

/// `POST /sandbox/clock` (only with `--test-clock`): `{"advance": "25h"}` or
/// `{"now": "<RFC 3339>"}` → 200 `{"now": …}`; then applies what is due (E5).
pub async fn sandbox_clock(State(app): State<Arc<App>>, request: ApiRequest) -> Response {
    let body = request.body.clone();
    let work = |app: Arc<App>, _key| async move {
        let value: Value = serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request(format!("the body is not JSON: {e}")))?;
        let now = app.clock.now();
        let to = match (value.get("advance"), value.get("now")) {
            (Some(Value::String(text)), None) => {
                let interval = text
                    .parse::<inquiry_lifecycle::Interval>()
                    .map_err(ApiError::from)?;
                now.checked_add_signed(TimeDelta::from(interval))
                    .ok_or_else(|| {
                        ApiError::new(ApiCode::INVALID_INPUT, "the clock cannot move that far")
                    })?
            }
            (None, Some(Value::String(text))) => DateTime::parse_from_rfc3339(text)
                .map(|at| at.with_timezone(&Utc))
                .map_err(|e| {
                    ApiError::new(
                        ApiCode::INVALID_INPUT,
                        format!("`now` is not an RFC 3339 instant: {e}"),
                    )
                })?,
            _ => {
                return Err(ApiError::bad_request(
                    "expected {\"advance\": \"25h\"} or {\"now\": \"2026-01-01T00:00:00Z\"}",
                ))
            }
        };
        let now = app.clock.set(to)?;
        app.sweep(now).await;
        let now = now.to_rfc3339_opts(SecondsFormat::Millis, true);
        Ok(JsonAnswer(serde_json::json!({ "now": now }).to_string()))
    };
    answer(&app, &request, work).await
}

/// The answer to any path the service does not serve.
pub async fn no_such_endpoint(method: Method, uri: axum::http::Uri) -> Response {
    ApiError::not_found(format!("no endpoint {method} {}", uri.path())).respond(Inflection::Kebab)
}

/// The answer to a path served for other methods only.
pub async fn method_not_allowed(method: Method, uri: axum::http::Uri) -> Response {
    ApiError::new(
        ApiCode::MethodNotAllowed,
        format!("{} does not answer {method}", uri.path()),
    )
    .respond(Inflection::Kebab)
}

/// How many parked events one page of the parked list shows at most, and how many a
/// redrive takes from the store at once.
const PARKED_PAGE: usize = 1000;

/// The parked list's page: `page[after]` (the cursor `links.next` carries) and
/// `page[size]` (1 to 1000, 1000 by default).
fn parked_page(query: Option<&str>) -> Result<(Option<u64>, usize), ApiError> {
    let mut after = None;
    let mut size = PARKED_PAGE;
    for pair in query
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty())
    {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let number = || {
            value.parse::<u64>().map_err(|_| {
                ApiError::new(
                    ApiCode::INVALID_INPUT,
                    format!("{name} must be a whole number, found {value:?}"),
                )
            })
        };
        match name {
            "page[after]" | "page%5Bafter%5D" => after = Some(number()?),
            "page[size]" | "page%5Bsize%5D" => {
                size = usize::try_from(number()?)
                    .ok()
                    .filter(|size| (1..=PARKED_PAGE).contains(size))
                    .ok_or_else(|| {
                        ApiError::new(
                            ApiCode::INVALID_INPUT,
                            format!("page[size] must be 1 to {PARKED_PAGE}, found {value:?}"),
                        )
                    })?;
            }
            _ => {}
        }
    }
    Ok((after, size))
}

/// Every parked event, page by page, for the redrives.
async fn all_parked(app: &App) -> Result<Vec<Outgoing>, ApiError> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = app.store.parked_outbox(after, PARKED_PAGE).await?;
        let Some(last) = page.last() else {
            return Ok(all);
        };
        after = Some(last.position);
        all.extend(page);
    }
}

/// `GET /api/v1/webhooks/parked` → 200 `{"data": [<webhook-delivery>…], "links": {"next"}}`:
/// events whose last delivery attempt failed (H2), oldest first, a page at a time
/// (`page[size]`, at most 1000); `links.next` is the next page's address, `null` after the
/// last.
pub async fn parked(
    State(app): State<Arc<App>>,
    RawQuery(query): RawQuery,
    request: ApiRequest,
) -> Response {
    let work = async {
        let (after, size) = parked_page(query.as_deref())?;
        let parked = app.store.parked_outbox(after, size).await?;
        let data: Vec<Value> = parked
            .iter()
            .map(|outgoing| webhooks::parked_json(outgoing, request.inflection))
            .collect();
        // A full page may have a next one; an empty next page ends the walk.
        let next = parked.last().filter(|_| parked.len() == size).map(|last| {
            format!(
                "/api/v1/webhooks/parked?page[after]={}&page[size]={size}",
                last.position
            )
        });
        Ok::<_, ApiError>(
            serde_json::json!({ "data": data, "links": { "next": next } }).to_string(),
        )
    };
    ok_json(work.await, request.inflection)
}

/// `POST /api/v1/webhooks/parked/redrive` → 200 `{"meta": {"redriven": n}}`: every parked
/// event, however many, is delivered again, with a fresh run of attempts.
pub async fn redrive_all(State(app): State<Arc<App>>, request: ApiRequest) -> Response {
    let work = |app: Arc<App>, _key| async move {
        let parked = all_parked(&app).await?;
        for page in parked.chunks(PARKED_PAGE) {
            app.store.redrive_outbox(page).await?;
        }
        let count = parked.len();
        Ok(JsonAnswer(
            serde_json::json!({ "meta": { "redriven": count } }).to_string(),
        ))
    };
    answer(&app, &request, work).await
}

/// `POST /api/v1/webhooks/parked/{event_id}/redrive` → 200 `{"data": <webhook-delivery>}`
/// as it was parked; `not_found` when no parked event has this id.
pub async fn redrive_one(
    State(app): State<Arc<App>>,
    Path(event_id): Path<String>,
    request: ApiRequest,
) -> Response {
    let inflection = request.inflection;
    let work = move |app: Arc<App>, _key| async move {
        let id = EventId::parse(&event_id)?;
        let parked = all_parked(&app).await?;
        let outgoing = parked
            .iter()
            .find(|outgoing| outgoing.event.id() == id)
            .ok_or_else(|| ApiError::not_found(format!("no parked event {id}")))?;
        app.store
            .redrive_outbox(std::slice::from_ref(outgoing))
            .await?;
        let delivery = webhooks::parked_json(outgoing, inflection);
        Ok(JsonAnswer(
            serde_json::json!({ "data": delivery }).to_string(),
        ))
    };
    answer(&app, &request, work).await
}
