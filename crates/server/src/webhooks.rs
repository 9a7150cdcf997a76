//! H1, H2, W6: webhooks. Every change is committed with its event documents rendered
//! ([`WireRender`]: the payload is the resource as it stood right after each event, which
//! only the change itself knows); a delivery task takes them from the store's outbox and
//! posts them, signed, to every configured URL, at least once, with retries, backoff and
//! jitter, parking an event after its last failed attempt.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use inquiry_lifecycle::{Event, Inquiry, RandomSource};
use inquiry_lifecycle_store::{InquiryStore, Outbox, Outgoing, Render};
use inquiry_lifecycle_wire::{
    sign, EventDocument, IncomingEvent, Inflection, InquiryResource, Resource, SessionResource,
    WebhookSecret, SIGNATURE_HEADER,
};

use crate::clock::wall_clock;
use crate::error::StartError;
#[cfg(feature = "hostile-delivery")]
use crate::hostile::{Hostility, Plan};
/// Without the `hostile-delivery` feature there is no plan: every post is made as it is.
#[cfg(not(feature = "hostile-delivery"))]
type Plan = ();
use crate::App;

/// How long a receiver has to answer one attempt (H2).
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
/// Attempts per event before it is parked, by default (H2): with [`DEFAULT_BACKOFF_MS`],
/// retries span about three days, as the vendor's and Stripe's do, so a receiver that is
/// down over a weekend still gets every event without an operator's redrive.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 18;
/// The wait before the first retry, by default, in milliseconds; each next wait doubles.
pub const DEFAULT_BACKOFF_MS: u64 = 60_000;
/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(12 * 3600);
/// How long a claimed batch is held: every attempt of the batch fits in it.
const LEASE: TimeDelta = TimeDelta::seconds(60);
/// Events claimed at once.
const BATCH: usize = 64;
/// How often an idle deliverer looks at the outbox again.
const IDLE: Duration = Duration::from_millis(100);

/// Renders each event of a change as its W6 document, in kebab case; every endpoint's
/// inflection is made from it at delivery.
#[derive(Debug, Clone, Copy, Default)]
pub struct WireRender;

impl Render for WireRender {
    fn render(&self, before: Option<&Inquiry>, after: &Inquiry, events: &[Event]) -> Vec<Outgoing> {
        match EventDocument::for_change(before, after, events) {
            Ok(documents) => events
                .iter()
                .zip(documents)
                .map(|(event, document)| {
                    Outgoing::new(event.clone(), Some(document.to_json(Inflection::Kebab)))
                })
                .collect(),
            // Cannot happen for a change the library made; delivery then renders the
            // event from the inquiry as it stands (see `document_of`).
            Err(error) => {
                tracing::error!(%error, "cannot render a change's event documents");
                let plain = |event: &Event| Outgoing::new(event.clone(), None);
                events.iter().map(plain).collect()
            }
        }
    }
}

/// A webhook URL and the inflection its bodies are written in (W5). Its `Debug` and its
/// logs show the URL without a query, a fragment or user information ([`Endpoint::shown`]):
/// a receiver's token placed there is never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Where events are posted.
    pub url: String,
    /// The keys' inflection of the bodies.
    pub inflection: Inflection,
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("url", &self.shown())
            .field("inflection", &self.inflection)
            .finish()
    }
}

impl Endpoint {
    /// The URL as logs show it: scheme, host, port and path, without user information,
    /// query or fragment (`https://user:pw@h/hook?token=…` shows as `https://h/hook?…`).
    pub fn shown(&self) -> String {
        let (scheme, rest) = self.url.split_once("://").unwrap_or(("", &self.url));
        let end = rest.find(['?', '#']).unwrap_or(rest.len());
        let (before, after) = rest.split_at(end);
        let authority_end = before.find('/').unwrap_or(before.len());
        let (authority, path) = before.split_at(authority_end);
        let host = authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host);
        let hidden = if after.is_empty() { "" } else { "?…" };
        format!("{scheme}://{host}{path}{hidden}")
    }

    /// The name the outbox records for this endpoint once it has taken an event
    /// ([`Outgoing::delivered_to`]): its inflection and URL, as the flag gives them.
    pub fn key(&self) -> String {
        format!("{}={}", self.inflection, self.url)
    }
}

impl std::str::FromStr for Endpoint {
    type Err = String;

    /// `URL`, or `INFLECTION=URL` (`camel=http://…`) for bodies in another inflection.
    fn from_str(text: &str) -> Result<Endpoint, String> {
        let (inflection, url) = match text.split_once('=') {
            Some((name, url)) if !name.contains(':') && !name.contains('/') => {
                let inflection = name.parse::<Inflection>().map_err(|e| e.to_string())?;
                (inflection, url)
            }
            _ => (Inflection::Kebab, text),
        };
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(format!(
                "a webhook URL starts with http:// or https://, got {url:?}"
            ));
        }
        Ok(Endpoint {
            url: url.to_owned(),
            inflection,
        })
    }
}

/// What the delivery task needs: endpoints, secrets, the HTTP client, the retry policy.
pub struct Webhooks {
    endpoints: Vec<Endpoint>,
    secrets: Vec<WebhookSecret>,
    client: reqwest::Client,
    max_attempts: u32,
    backoff: Duration,
    /// The test option that makes deliveries hostile (feature `hostile-delivery`).
    #[cfg(feature = "hostile-delivery")]
    hostility: Option<Hostility>,
}

impl std::fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhooks")
            .field("endpoints", &self.endpoints)
            .field(
                "secrets",
                &format_args!("[{} redacted]", self.secrets.len()),
            )
            .field("max_attempts", &self.max_attempts)
            .field("backoff", &self.backoff)
            .finish_non_exhaustive()
    }
}

/// How one attempt at one event went.
enum Attempt {
    /// Every endpoint has taken it: acknowledge.
    Delivered,
    /// Some endpoint has not: retry, or park after the last attempt. The endpoints that
    /// have taken it so far, by [`Endpoint::key`].
    Failed(Vec<String>),
}

impl Webhooks {
    /// Webhooks to `endpoints`, signed with `secrets` (the first signs; all sign while a
    /// secret is rotated, H1), `max_attempts` per event, the first retry after `backoff`
    /// and each next one after twice as long, with jitter.
    pub fn new(
        endpoints: Vec<Endpoint>,
        secrets: Vec<WebhookSecret>,
        max_attempts: u32,
        backoff: Duration,
    ) -> Result<Webhooks, StartError> {
        if !endpoints.is_empty() && secrets.is_empty() {
            return Err(StartError::WebhooksNeedASecret);
        }
        if max_attempts == 0 {
            return Err(StartError::NoWebhookAttempts);
        }
        let client = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(StartError::WebhookClient)?;
        Ok(Webhooks {
            endpoints,
            secrets,
            client,
            max_attempts,
            backoff,
            #[cfg(feature = "hostile-delivery")]
            hostility: None,
        })
    }

    /// The same webhooks, delivered with this hostility (a test option; see
    /// [`Hostility`]). The service warns when it starts with one.
    #[cfg(feature = "hostile-delivery")]
    pub fn with_hostility(self, hostility: Option<Hostility>) -> Webhooks {
        if let Some(hostility) = hostility {
            tracing::warn!(%hostility, "TEST OPTION: webhooks are delivered hostile (duplicates, drops, delays); never use this in production");
        }
        Webhooks { hostility, ..self }
    }

    /// The wait before the next attempt after `made` failed ones, before jitter:
    /// `backoff · 2^(made−1)`, at most 12 hours.
    fn full_backoff_after(&self, made: u32) -> Duration {
        let doubled = self
            .backoff
            .saturating_mul(1u32 << made.saturating_sub(1).min(20));
        doubled.min(MAX_BACKOFF)
    }

    /// The wait before the next attempt after `made` failed ones: the full backoff times a
    /// random factor in [0.5, 1) drawn from `random`, so that receivers that failed
    /// together are not retried together.
    fn backoff_after(&self, made: u32, random: &mut dyn RandomSource) -> Duration {
        crate::jittered(self.full_backoff_after(made), random)
    }

    /// One attempt at `outgoing`, made at `now`, to every endpoint that has not taken it
    /// yet ([`Outgoing::delivered_to`]), all at once: a slow or hanging endpoint holds up
    /// none of the others. `plan` makes it hostile (a test option).
    async fn attempt(
        &self,
        outgoing: &Outgoing,
        body: &Body,
        now: DateTime<Utc>,
        plan: Option<Plan>,
    ) -> Attempt {
        let waiting = self
            .endpoints
            .iter()
            .filter(|endpoint| !outgoing.delivered_to.contains(&endpoint.key()));
        let posts = waiting.map(|endpoint| async move {
            let took = self.post(outgoing, body, endpoint, now, plan).await;
            took.then(|| endpoint.key())
        });
        let took = futures_util::future::join_all(posts).await;
        let mut delivered_to = outgoing.delivered_to.clone();
        delivered_to.extend(took.into_iter().flatten());
        let every = self
            .endpoints
            .iter()
            .all(|endpoint| delivered_to.contains(&endpoint.key()));
        if every {
            Attempt::Delivered
        } else {
            Attempt::Failed(delivered_to)
        }
    }

    /// Posts `outgoing` to `endpoint`; whether it answered 2xx.
    async fn post(
        &self,
        outgoing: &Outgoing,
        body: &Body,
        endpoint: &Endpoint,
        now: DateTime<Utc>,
        plan: Option<Plan>,
    ) -> bool {
        let made = outgoing.attempts.saturating_add(1);
        let first = outgoing.first_attempted_at.unwrap_or(now);
        #[cfg(not(feature = "hostile-delivery"))]
        let _no_plan = plan;
        #[cfg(feature = "hostile-delivery")]
        if let Some(plan) = plan {
            if plan.drop {
                tracing::debug!(event = %outgoing.event.id(), url = %endpoint.shown(), "hostile delivery: first attempt dropped");
                return false;
            }
            tokio::time::sleep(plan.delay).await;
        }
        let body = body.for_endpoint(endpoint).into_owned();
        let signature = sign(&self.secrets, now.timestamp(), body.as_bytes());
        let request = self
            .client
            .post(&endpoint.url)
            .header("content-type", "application/json")
            .header(SIGNATURE_HEADER, signature)
            .header("persona-webhook-attempts-made", made.to_string())
            .header(
                "persona-webhook-attempts-left",
                self.max_attempts.saturating_sub(made).to_string(),
            )
            .header(
                "persona-webhook-first-attempted-at",
                first.to_rfc3339_opts(SecondsFormat::Millis, true),
            )
            .body(body);
        #[cfg(feature = "hostile-delivery")]
        let duplicate = plan
            .and_then(|plan| plan.duplicate_after)
            .and_then(|after| Some((after, request.try_clone()?)));
        match request.send().await {
            Ok(response) if response.status().is_success() => {
                #[cfg(feature = "hostile-delivery")]
                if let Some((after, again)) = duplicate {
                    tokio::spawn(async move {
                        tokio::time::sleep(after).await;
                        let _ = again.send().await;
                    });
                }
                true
            }
            Ok(response) => {
                tracing::info!(
                    event = %outgoing.event.id(), url = %endpoint.shown(), status = response.status().as_u16(),
                    attempt = made, "webhook refused"
                );
                false
            }
            Err(error) => {
                tracing::info!(
                    event = %outgoing.event.id(), url = %endpoint.shown(), error = %error.without_url(),
                    attempt = made, "webhook not delivered"
                );
                false
            }
        }
    }
}

/// What is posted for one event: the kebab text rendered at commit, and the document
/// read from it only when an endpoint wants another inflection.
struct Body {
    kebab: String,
    document: Option<EventDocument>,
}

impl Body {
    fn for_endpoint(&self, endpoint: &Endpoint) -> Cow<'_, str> {
        match (&self.document, endpoint.inflection) {
            (Some(document), inflection) if inflection != Inflection::Kebab => {
                Cow::Owned(document.to_json(inflection))
            }
            _ => Cow::Borrowed(&self.kebab),
        }
    }
}

/// The body to post for `outgoing`: the document rendered at commit; for an event saved
/// without one (by a process that does not render), the resource as it stands now.
async fn body_of(app: &App, outgoing: &Outgoing) -> Option<Body> {
    let other_inflections = app
        .webhooks
        .endpoints
        .iter()
        .any(|endpoint| endpoint.inflection != Inflection::Kebab);
    if let Some(payload) = &outgoing.payload {
        let kebab = payload.clone();
        if !other_inflections {
            return Some(Body {
                kebab,
                document: None,
            });
        }
        if let Ok(IncomingEvent::Known(document)) = EventDocument::from_json(payload) {
            return Some(Body {
                kebab,
                document: Some(document),
            });
        }
        tracing::error!(event = %outgoing.event.id(), "a stored webhook payload does not read back");
    }
    let event = &outgoing.event;
    let inquiry = app.store.load(event.inquiry_id).await.ok()??;
    let session = event
        .session_id
        .and_then(|id| inquiry.sessions().iter().find(|session| session.id() == id));
    let payload = match session {
        Some(session) => Resource::Session(SessionResource::of(inquiry.id(), session)),
        None => Resource::Inquiry(InquiryResource::of(&inquiry)),
    };
    let document = EventDocument::of(event, payload);
    Some(Body {
        kebab: document.to_json(Inflection::Kebab),
        document: Some(document),
    })
}

/// Claims a batch from the outbox and delivers it; the number of events claimed.
pub async fn deliver_once(app: &Arc<App>) -> usize {
    let claimed = match app.store.claim_outbox(wall_clock(), LEASE, BATCH).await {
        Ok(claimed) => claimed,
        Err(error) => {
            tracing::warn!(%error, "cannot claim the outbox; retrying");
            return 0;
        }
    };
    let count = claimed.len();
    if app.webhooks.endpoints.is_empty() {
        // Nowhere to deliver: delivered to every one of no endpoints, all at once.
        if let Err(error) = app.store.ack_outbox(&claimed).await {
            tracing::warn!(%error, "cannot acknowledge the outbox; its lease runs out");
        }
        return count;
    }
    let mut tasks = tokio::task::JoinSet::new();
    for outgoing in claimed {
        let app = Arc::clone(app);
        tasks.spawn(async move { deliver(&app, outgoing).await });
    }
    while tasks.join_next().await.is_some() {}
    count
}

/// Delivers one event: acknowledges it, or records the failed attempt.
async fn deliver(app: &App, outgoing: Outgoing) {
    let webhooks = &app.webhooks;
    let now = wall_clock();
    #[cfg(feature = "hostile-delivery")]
    let plan = webhooks
        .hostility
        .map(|hostility| hostility.plan(outgoing.attempts, &mut *app.random()));
    #[cfg(not(feature = "hostile-delivery"))]
    let plan: Option<Plan> = None;
    let outcome = match body_of(app, &outgoing).await {
        Some(body) => webhooks.attempt(&outgoing, &body, now, plan).await,
        None => Attempt::Failed(outgoing.delivered_to.clone()),
    };
    let mut outgoing = outgoing;
    let stored = match outcome {
        Attempt::Delivered => app.store.ack_outbox(std::slice::from_ref(&outgoing)).await,
        Attempt::Failed(delivered_to) => {
            outgoing.delivered_to = delivered_to;
            let made = outgoing.attempts.saturating_add(1);
            let retry_at = (made < webhooks.max_attempts).then(|| {
                let wait = webhooks.backoff_after(made, &mut *app.random());
                now + TimeDelta::from_std(wait).unwrap_or(TimeDelta::MAX)
            });
            if retry_at.is_none() {
                tracing::warn!(event = %outgoing.event.id(), attempts = made, "webhook parked after its last attempt");
            }
            app.store
                .fail_outbox(std::slice::from_ref(&outgoing), now, retry_at)
                .await
        }
    };
    if let Err(error) = stored {
        // The lease runs out and the event is claimed again: at least once.
        tracing::warn!(%error, event = %outgoing.event.id(), "cannot record a delivery");
    }
}

/// Delivers what the outbox holds, batch after batch, until a claim finds nothing due or
/// `within` has passed: how a stopping service hands over what its last requests
/// committed (an attempt that fails stays in the outbox, for the next process on
/// PostgreSQL). Whether the outbox was emptied in time.
pub async fn flush(app: &Arc<App>, within: Duration) -> bool {
    let emptying = async { while deliver_once(app).await > 0 {} };
    tokio::time::timeout(within, emptying).await.is_ok()
}

/// Delivers the outbox until the service stops.
pub async fn deliverer(app: Arc<App>) {
    loop {
        if deliver_once(&app).await == 0 {
            tokio::time::sleep(IDLE).await;
        }
    }
}

/// A parked event as the parked list shows it.
pub fn parked_json(outgoing: &Outgoing, inflection: Inflection) -> serde_json::Value {
    let event = &outgoing.event;
    let at =
        |at: Option<DateTime<Utc>>| at.map(|at| at.to_rfc3339_opts(SecondsFormat::Millis, true));
    let mut attributes = serde_json::Map::new();
    let mut put = |key: &str, value: serde_json::Value| {
        attributes.insert(inflection.spell(key), value);
    };
    put("name", event.name.as_str().into());
    put("inquiry-id", event.inquiry_id.to_string().into());
    put("sequence", event.sequence.into());
    put("created-at", at(Some(event.at)).into());
    put("attempts-made", outgoing.attempts.into());
    put("first-attempted-at", at(outgoing.first_attempted_at).into());
    serde_json::json!({
        "type": "webhook-delivery",
        "id": event.id().to_string(),
        "attributes": attributes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `URL` or `INFLECTION=URL`: an `=` inside a URL (its query) is the URL's, and a
    /// name before `=` is an inflection only when it holds no `:` or `/`.
    #[test]
    fn an_endpoint_flag_is_a_url_or_an_inflection_and_a_url() {
        let parse = |text: &str| text.parse::<Endpoint>();
        let plain = parse("http://127.0.0.1:9/hook?a=b").unwrap();
        assert_eq!(plain.key(), "kebab=http://127.0.0.1:9/hook?a=b");
        let camel = parse("camel=https://example.test/hook").unwrap();
        assert_eq!(camel.key(), "camel=https://example.test/hook");
        for (text, why) in [
            ("shouting=http://h/hook", "inflection"),
            ("snake:x=http://h/hook", "starts with http"),
            ("snake/x=http://h/hook", "starts with http"),
            ("ftp://h/hook", "starts with http"),
        ] {
            let error = parse(text).unwrap_err();
            assert!(error.contains(why), "{text}: {error}");
        }
    }

    /// Issue 25, item 6: a URL is logged and debugged without user information, query or
    /// fragment, where a receiver may have put a token.
    #[test]
    fn an_endpoint_shows_its_url_without_query_or_credentials() {
        let shown = |url: &str| url.parse::<Endpoint>().unwrap().shown();
        assert_eq!(shown("http://127.0.0.1:9/hook"), "http://127.0.0.1:9/hook");
        assert_eq!(
            shown("https://h.test/hook?token=s3cret"),
            "https://h.test/hook?…"
        );
        assert_eq!(shown("https://h.test/hook#s3cret"), "https://h.test/hook?…");
        assert_eq!(
            shown("https://user:s3cret@h.test:8443/a/b"),
            "https://h.test:8443/a/b"
        );
        assert_eq!(
            shown("camel=https://h.test?token=s3cret"),
            "https://h.test?…"
        );
        let endpoint: Endpoint = "https://user:pw@h.test/hook?token=s3cret".parse().unwrap();
        let debugged = format!("{endpoint:?}");
        assert!(
            !debugged.contains("s3cret") && !debugged.contains("pw"),
            "{debugged}"
        );
        assert!(debugged.contains("https://h.test/hook?…"), "{debugged}");
    }

    /// The delivery settings debug without their secrets.
    #[test]
    fn webhooks_debug_without_their_secrets() {
        let endpoint = "http://127.0.0.1:9/hook".parse().unwrap();
        let secret = WebhookSecret::new("wbhsec_do_not_show").unwrap();
        let webhooks =
            Webhooks::new(vec![endpoint], vec![secret], 3, Duration::from_secs(1)).unwrap();
        let shown = format!("{webhooks:?}");
        assert!(shown.contains("http://127.0.0.1:9/hook"), "{shown}");
        assert!(shown.contains("[1 redacted]"), "{shown}");
        assert!(shown.contains("max_attempts: 3"), "{shown}");
        assert!(!shown.contains("do_not_show"), "{shown}");
    }

    /// H2 (decision): with the default flags, an event is retried for about three days
    /// before it is parked (the audit found it parked after 88 s of receiver downtime).
    #[test]
    fn the_default_schedule_spans_about_three_days() {
        let webhooks = Webhooks::new(
            Vec::new(),
            Vec::new(),
            DEFAULT_MAX_ATTEMPTS,
            Duration::from_millis(DEFAULT_BACKOFF_MS),
        )
        .unwrap();
        let waits = (1..DEFAULT_MAX_ATTEMPTS).map(|made| webhooks.full_backoff_after(made));
        let full: Duration = waits.sum();
        let day = 86_400.0;
        let (least, most) = (full.as_secs_f64() * 0.5 / day, full.as_secs_f64() / day);
        assert!((2.0..2.5).contains(&least), "at least {least:.2} days");
        assert!((4.0..4.5).contains(&most), "at most {most:.2} days");
        let mean = (least + most) / 2.0;
        assert!((2.9..3.5).contains(&mean), "{mean:.2} days on average");
    }

    /// Each wait doubles, from the backoff, up to 12 hours; jitter keeps it within
    /// [half, all] of that.
    #[test]
    fn waits_double_up_to_twelve_hours_with_jitter() {
        let webhooks = Webhooks::new(Vec::new(), Vec::new(), 30, Duration::from_secs(60)).unwrap();
        assert_eq!(webhooks.full_backoff_after(1), Duration::from_secs(60));
        assert_eq!(webhooks.full_backoff_after(2), Duration::from_secs(120));
        assert_eq!(
            webhooks.full_backoff_after(10),
            Duration::from_secs(60 * 512)
        );
        assert_eq!(webhooks.full_backoff_after(11), MAX_BACKOFF);
        assert_eq!(webhooks.full_backoff_after(29), MAX_BACKOFF);
        let mut random = inquiry_lifecycle::SeededRandom::new(1);
        for made in 1..30 {
            let full = webhooks.full_backoff_after(made);
            let wait = webhooks.backoff_after(made, &mut random);
            assert!(wait >= full / 2 && wait < full, "{wait:?} of {full:?}");
        }
    }
}
