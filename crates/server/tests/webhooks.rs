//! H1, H2, W6 end to end: the service posts every committed event to local receivers on
//! loopback, signed, with the delivery headers, the payload as it stood right after the
//! event, in each endpoint's inflection; failed deliveries are retried, parked after the
//! last attempt, listed, and redriven.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::routing::post;
use axum::Router;
use chrono::{DateTime, Utc};
use common::{advance, call, create, service_clocked, service_with};
use inquiry_lifecycle::{InquiryId, Status};
use inquiry_lifecycle_server::{deliver_once, deliverer, flush, sweeper, Clock, Storage};
use inquiry_lifecycle_wire::{
    verify, EventDocument, IncomingEvent, Resource, WebhookSecret, DEFAULT_TOLERANCE,
};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const SECRET: &str = "wbhsec_test_0123456789";

/// One request a receiver got.
#[derive(Debug, Clone)]
struct Received {
    path: String,
    headers: HeaderMap,
    body: String,
}

/// Receivers on one loopback port: `POST /{name}` is kept, and answered with the status
/// set for `name` (200 unless set; 0 hangs for a minute, then answers 200).
#[derive(Clone, Default)]
struct Receiver {
    received: Arc<Mutex<Vec<Received>>>,
    answers: Arc<Mutex<HashMap<String, u16>>>,
}

impl Receiver {
    async fn start() -> (Receiver, String) {
        let receiver = Receiver::default();
        let app = Router::new()
            .route("/{name}", post(receive))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (receiver, base)
    }

    fn answer(&self, name: &str, status: u16) {
        self.answers.lock().unwrap().insert(name.to_owned(), status);
    }

    fn at(&self, name: &str) -> Vec<Received> {
        let path = format!("/{name}");
        let received = self.received.lock().unwrap();
        received
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    /// Waits (at most 10 s) until `name` got `count` requests; returns them.
    async fn wait_for(&self, name: &str, count: usize) -> Vec<Received> {
        for _ in 0..1000 {
            let got = self.at(name);
            if got.len() >= count {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!(
            "{name} got {} requests, expected {count}",
            self.at(name).len()
        );
    }
}

/// A service that posts every event to `url`, signed with `SECRET`: its base URL and state.
async fn posting_to(url: &str) -> (String, std::sync::Arc<inquiry_lifecycle_server::App>) {
    service_with(&["--webhook-url", url, "--webhook-secret", SECRET]).await
}

async fn receive(
    State(receiver): State<Receiver>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> AxumStatus {
    receiver.received.lock().unwrap().push(Received {
        path: format!("/{name}"),
        headers,
        body: String::from_utf8(body.to_vec()).unwrap(),
    });
    let status = receiver.answers.lock().unwrap().get(&name).copied();
    if status == Some(0) {
        tokio::time::sleep(Duration::from_secs(60)).await;
        return AxumStatus::OK;
    }
    AxumStatus::from_u16(status.unwrap_or(200)).unwrap()
}

fn header<'a>(received: &'a Received, name: &str) -> &'a str {
    received.headers[name].to_str().unwrap()
}

fn read(received: &Received) -> EventDocument {
    match EventDocument::from_json(&received.body).unwrap() {
        IncomingEvent::Known(document) => document,
        unknown => panic!("an unknown event: {unknown:?}"),
    }
}

#[allow(clippy::disallowed_methods)] // the receiver checks signatures in real time
fn real_now() -> DateTime<Utc> {
    Utc::now()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h2_every_event_is_delivered_signed_with_its_payload_in_each_inflection() {
    let (receiver, hooks) = Receiver::start().await;
    let kebab = format!("{hooks}/kebab");
    let camel = format!("camel={hooks}/camel");
    let (base, app) = service_with(&[
        "--webhook-url",
        &kebab,
        "--webhook-url",
        &camel,
        "--webhook-secret",
        SECRET,
    ])
    .await;
    tokio::spawn(deliverer(app));

    let id = create(&base).await;
    let url = format!("{base}/api/v1/inquiries/{id}/perform-simulate-actions");
    let actions = json!({"meta": {"actions": ["start_inquiry", "complete_inquiry"]}});
    let (status, _, _) = call(Method::POST, &url, Some(actions), &[]).await;
    assert_eq!(status, StatusCode::OK);
    // created; started, session created; completed, which ends the session (S7).
    let delivered = receiver.wait_for("kebab", 5).await;
    let mut documents: Vec<EventDocument> = delivered.iter().map(read).collect();
    documents.sort_by_key(|document| document.sequence);
    let names: Vec<&str> = documents.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "inquiry.created",
            "inquiry.started",
            "inquiry-session.created",
            "inquiry.completed",
            "inquiry-session.expired"
        ]
    );
    // W6: each inquiry event's payload is the inquiry right after it.
    let statuses: Vec<&str> = documents
        .iter()
        .map(|document| match &document.payload {
            Resource::Inquiry(inquiry) => inquiry.status.as_str(),
            Resource::Session(session) => session.status.as_str(),
        })
        .collect();
    assert_eq!(
        statuses,
        ["created", "pending", "new", "completed", "expired"]
    );

    let secrets = [WebhookSecret::new(SECRET).unwrap()];
    for received in &delivered {
        // H1: signed with the endpoint's secret, verifiable now.
        let signature = received
            .headers
            .get("persona-signature")
            .map(|v| v.to_str().unwrap());
        verify(
            signature,
            received.body.as_bytes(),
            &secrets,
            real_now(),
            DEFAULT_TOLERANCE,
        )
        .unwrap();
        let wrong = [WebhookSecret::new("wbhsec_other_0123456789").unwrap()];
        assert!(verify(
            signature,
            received.body.as_bytes(),
            &wrong,
            real_now(),
            DEFAULT_TOLERANCE
        )
        .is_err());
        // H2's headers, on a first attempt.
        assert_eq!(header(received, "persona-webhook-attempts-made"), "1");
        assert_eq!(header(received, "persona-webhook-attempts-left"), "17");
        let first = header(received, "persona-webhook-first-attempted-at");
        assert!(DateTime::parse_from_rfc3339(first).is_ok(), "{first}");
        assert_eq!(header(received, "content-type"), "application/json");
    }

    // The camel endpoint got the same events, every key in camel case (W5).
    let camel = receiver.wait_for("camel", 5).await;
    for received in &camel {
        let body: Value = serde_json::from_str(&received.body).unwrap();
        let attributes = &body["data"]["attributes"];
        assert!(attributes.get("createdAt").is_some(), "{body}");
        assert!(attributes.get("created-at").is_none(), "{body}");
        let same = delivered.iter().find(|d| read(d).id == read(received).id);
        assert_eq!(
            same.map(read),
            Some(read(received)),
            "same document, other keys"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h2_an_expiry_goes_out_when_the_clock_passes_the_deadline() {
    let (receiver, hooks) = Receiver::start().await;
    let (base, app) = posting_to(&format!("{hooks}/hook")).await;
    tokio::spawn(deliverer(app));
    let id = create(&base).await;
    receiver.wait_for("hook", 1).await;
    advance(&base, "25h").await;
    let delivered = receiver.wait_for("hook", 2).await;
    let expired = read(&delivered[1]);
    assert_eq!(expired.name.as_str(), "inquiry.expired");
    let Resource::Inquiry(inquiry) = &expired.payload else {
        panic!("an inquiry payload")
    };
    assert_eq!(inquiry.id.to_string(), id);
    // E4: the event happened at the deadline (24 h after creation), not when swept.
    let created = read(&delivered[0]);
    assert_eq!(
        expired.created_at - created.created_at,
        chrono::TimeDelta::hours(24)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h2_failures_are_retried_with_backoff_parked_and_redriven() {
    let (receiver, hooks) = Receiver::start().await;
    receiver.answer("down", 503);
    let (base, app) = service_with(&[
        "--webhook-url",
        &format!("{hooks}/down"),
        "--webhook-secret",
        SECRET,
        "--webhook-max-attempts",
        "3",
        "--webhook-backoff-ms",
        "50",
    ])
    .await;
    tokio::spawn(deliverer(app));
    let id = create(&base).await;

    // Three attempts, then parked.
    let attempts = receiver.wait_for("down", 3).await;
    let made: Vec<&str> = attempts
        .iter()
        .map(|r| header(r, "persona-webhook-attempts-made"))
        .collect();
    let left: Vec<&str> = attempts
        .iter()
        .map(|r| header(r, "persona-webhook-attempts-left"))
        .collect();
    assert_eq!((made, left), (vec!["1", "2", "3"], vec!["2", "1", "0"]));
    let first: Vec<&str> = attempts
        .iter()
        .map(|r| header(r, "persona-webhook-first-attempted-at"))
        .collect();
    assert!(first.iter().all(|f| *f == first[0]), "{first:?}");
    // The same event each time: same id, same body.
    assert!(attempts.iter().all(|r| r.body == attempts[0].body));

    let parked_url = format!("{base}/api/v1/webhooks/parked");
    let mut parked = Value::Null;
    for _ in 0..200 {
        let (status, body, _) = call(Method::GET, &parked_url, None, &[]).await;
        assert_eq!(status, StatusCode::OK);
        if body["data"].as_array().unwrap().len() == 1 {
            parked = body;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let delivery = &parked["data"][0];
    assert_eq!(delivery["type"], "webhook-delivery", "{parked}");
    assert_eq!(delivery["attributes"]["name"], "inquiry.created");
    assert_eq!(delivery["attributes"]["inquiry-id"], id.as_str());
    assert_eq!(delivery["attributes"]["attempts-made"], 3);
    // Parked: no fourth attempt.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(receiver.at("down").len(), 3);

    // Keys in the request's inflection.
    let (_, snake, _) = call(
        Method::GET,
        &parked_url,
        None,
        &[("Key-Inflection", "snake")],
    )
    .await;
    assert_eq!(
        snake["data"][0]["attributes"]["attempts_made"], 3,
        "{snake}"
    );

    // An unknown id is not found; a malformed one is invalid.
    let missing = format!("{parked_url}/evt_AAAAAAAAAAAAAAAAAAAAAAAA/redrive");
    let (status, body, _) = call(Method::POST, &missing, None, &[]).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, _, _) = call(
        Method::POST,
        &format!("{parked_url}/nope/redrive"),
        None,
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // The receiver is back; a redrive delivers it, with a fresh run of attempts.
    receiver.answer("down", 200);
    let event_id = delivery["id"].as_str().unwrap();
    let redrive = format!("{parked_url}/{event_id}/redrive");
    let (status, body, _) = call(Method::POST, &redrive, None, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["id"], event_id);
    let all = receiver.wait_for("down", 4).await;
    assert_eq!(header(&all[3], "persona-webhook-attempts-made"), "1");
    assert_eq!(
        header(&all[3], "persona-webhook-first-attempted-at"),
        first[0],
        "the first attempt's instant is kept"
    );
    let (_, body, _) = call(Method::GET, &parked_url, None, &[]).await;
    assert_eq!(body["data"], json!([]));
    let (status, body, _) = call(Method::POST, &format!("{parked_url}/redrive"), None, &[]).await;
    assert_eq!(
        (status, &body["meta"]["redriven"]),
        (StatusCode::OK, &json!(0))
    );
}

#[tokio::test]
async fn webhook_flags_are_checked_at_start() {
    use inquiry_lifecycle_server::{App, Clock, Config, Storage};
    let start = |flags: &[&str]| {
        let mut args = vec!["inquiry-server", "--api-key", "k"];
        args.extend_from_slice(flags);
        let config = <Config as clap::Parser>::try_parse_from(args)?;
        Ok::<_, clap::Error>(App::new(&config, Storage::memory(), Clock::test()).map(|_| ()))
    };
    let no_secret = start(&["--webhook-url", "http://127.0.0.1:9/hook"]).unwrap();
    assert!(no_secret
        .unwrap_err()
        .to_string()
        .contains("--webhook-secret"));
    let empty = start(&[
        "--webhook-url",
        "http://127.0.0.1:9/hook",
        "--webhook-secret",
        "",
    ])
    .unwrap();
    let empty = empty.unwrap_err().to_string();
    assert!(empty.contains("too short"), "{empty}");
    let bad_url = start(&["--webhook-url", "ftp://example/hook"]).unwrap_err();
    assert!(bad_url.to_string().contains("http://"), "{bad_url}");
    let bad_inflection = start(&["--webhook-url", "pascal=http://127.0.0.1:9/"]).unwrap_err();
    assert!(
        bad_inflection.to_string().contains("inflection"),
        "{bad_inflection}"
    );
    let zero = start(&[
        "--webhook-url",
        "http://127.0.0.1:9/hook",
        "--webhook-secret",
        SECRET,
        "--webhook-max-attempts",
        "0",
    ])
    .unwrap();
    assert!(zero.unwrap_err().to_string().contains("at least 1"));
    assert!(start(&[
        "--webhook-url",
        "snake=http://127.0.0.1:9/hook",
        "--webhook-secret",
        SECRET
    ])
    .unwrap()
    .is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h2_an_event_saved_without_its_document_is_sent_with_the_inquiry_as_it_stands() {
    use inquiry_lifecycle::{Inquiry, Policy, SeededRandom};
    use inquiry_lifecycle_store::Outgoing;
    let (receiver, hooks) = Receiver::start().await;
    let camel = format!("camel={hooks}/camel");
    let (_, app) = service_with(&[
        "--webhook-url",
        &format!("{hooks}/hook"),
        "--webhook-url",
        &camel,
        "--webhook-secret",
        SECRET,
    ])
    .await;
    // Saved by a process that renders nothing (a worker of its own, say).
    let mut random = SeededRandom::new(9);
    let (mut inquiry, created) =
        Inquiry::create(&Policy::default(), real_now(), &mut random).unwrap();
    let opened = inquiry.start(real_now(), &mut random).unwrap();
    let mut events = created.into_vec();
    events.extend(opened.events.iter().cloned());
    let plain: Vec<Outgoing> = events
        .iter()
        .map(|e| Outgoing::new(e.clone(), None))
        .collect();
    app.store().insert(&inquiry, &plain, None).await.unwrap();
    tokio::spawn(deliverer(app));
    // Events go out concurrently: each is found by its name.
    let named = |received: &[Received], name: &str| {
        received
            .iter()
            .map(read)
            .find(|document| document.name.as_str() == name)
            .unwrap_or_else(|| panic!("{name} was delivered"))
    };
    // A session's event is sent with that session as it stands.
    let all = receiver.wait_for("hook", events.len()).await;
    let session_event = named(&all, "inquiry-session.created");
    let Resource::Session(session) = &session_event.payload else {
        panic!("a session payload: {session_event:?}")
    };
    assert_eq!(session.id, opened.session_id);
    let delivered = named(&all, "inquiry.created");
    assert_eq!(delivered.id, events[0].id());
    assert_eq!(delivered.name.as_str(), "inquiry.created");
    let Resource::Inquiry(payload) = &delivered.payload else {
        panic!("an inquiry payload")
    };
    assert_eq!(payload.id, inquiry.id());
    assert_eq!(
        payload.status.as_str(),
        "pending",
        "the inquiry as it stands"
    );
    let camel = named(
        &receiver.wait_for("camel", events.len()).await,
        "inquiry.created",
    );
    assert_eq!(camel, delivered);
}

/// W5: an endpoint that wants camel case gets camel keys even when it is the only one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn w5_a_lone_camel_endpoint_gets_camel_keys() {
    let (receiver, hooks) = Receiver::start().await;
    let (base, app) = posting_to(&format!("camel={hooks}/camel")).await;
    tokio::spawn(deliverer(app));
    create(&base).await;
    let body = &receiver.wait_for("camel", 1).await[0].body;
    assert!(body.contains("\"createdAt\""), "{body}");
    assert!(!body.contains("\"created-at\""), "{body}");
}

/// H2: a failed attempt is retried after its backoff, not at once: right after it the
/// outbox has nothing due.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h2_a_failed_attempt_waits_for_its_backoff() {
    let (receiver, hooks) = Receiver::start().await;
    receiver.answer("hook", 500);
    let (base, app) = posting_to(&format!("{hooks}/hook")).await;
    create(&base).await;
    assert_eq!(deliver_once(&app).await, 1, "the event is attempted");
    assert_eq!(receiver.at("hook").len(), 1);
    assert_eq!(
        deliver_once(&app).await,
        0,
        "its retry is a minute away, not due now"
    );
}

/// The audit parked 1,100 events: the list showed 1,000 with no hint of more, redriving one
/// of the other 100 by id answered 404, and "redrive all" left 100 parked. Now the list
/// pages (`links.next`), and both redrives reach every parked event.
#[tokio::test]
async fn h2_every_parked_event_is_listed_and_redriven_past_the_first_thousand() {
    use inquiry_lifecycle::{Inquiry, Policy, SeededRandom};
    use inquiry_lifecycle_store::Outgoing;
    let (base, app) = service_with(&[]).await;
    let mut random = SeededRandom::new(11);
    for _ in 0..1_100 {
        let (inquiry, events) =
            Inquiry::create(&Policy::default(), real_now(), &mut random).unwrap();
        app.store()
            .insert(&inquiry, &Outgoing::plain(&events), None)
            .await
            .unwrap();
    }
    let claimed = app
        .store()
        .claim_outbox(real_now(), chrono::TimeDelta::seconds(60), 2_000)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1_100);
    app.store()
        .fail_outbox(&claimed, real_now(), None)
        .await
        .unwrap();

    let parked_url = format!("{base}/api/v1/webhooks/parked");
    let (status, first, _) = call(Method::GET, &parked_url, None, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first["data"].as_array().unwrap().len(), 1_000);
    let next = first["links"]["next"].as_str().expect("a next page");
    let (_, second, _) = call(Method::GET, &format!("{base}{next}"), None, &[]).await;
    let rest = second["data"].as_array().unwrap();
    assert_eq!(rest.len(), 100);
    assert!(second["links"]["next"].is_null(), "{}", second["links"]);
    let (status, small, _) = call(
        Method::GET,
        &format!("{parked_url}?page[size]=7"),
        None,
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(small["data"].as_array().unwrap().len(), 7);
    let (status, _, _) = call(
        Method::GET,
        &format!("{parked_url}?page[size]=0"),
        None,
        &[],
    )
    .await;
    assert_eq!(status.as_u16(), 422);

    // One of the last hundred, by id.
    let last = rest[99]["id"].as_str().unwrap();
    let (status, body, _) = call(
        Method::POST,
        &format!("{parked_url}/{last}/redrive"),
        None,
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["id"], last);
    // Every other one.
    let (status, body, _) = call(Method::POST, &format!("{parked_url}/redrive"), None, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["meta"]["redriven"], 1_099);
    let (_, empty, _) = call(Method::GET, &parked_url, None, &[]).await;
    assert!(empty["data"].as_array().unwrap().is_empty(), "{empty}");
}

/// The audit: endpoints were posted one after another, so an endpoint that hangs, listed
/// first, held a healthy one's events for its whole timeout (300 events waited 165 s).
/// Each event now goes to every endpoint at once: the healthy one gets it without waiting
/// for the 5 s the hanging one is given.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::disallowed_methods)] // the test measures how long the healthy endpoint waited
async fn h2_a_hanging_endpoint_holds_up_no_other() {
    let (receiver, hooks) = Receiver::start().await;
    receiver.answer("hangs", 0);
    let (base, app) = service_with(&[
        "--webhook-url",
        &format!("{hooks}/hangs"),
        "--webhook-url",
        &format!("{hooks}/healthy"),
        "--webhook-secret",
        SECRET,
    ])
    .await;
    tokio::spawn(deliverer(app));
    let started = std::time::Instant::now();
    for _ in 0..3 {
        create(&base).await;
    }
    let got = receiver.wait_for("healthy", 3).await;
    let waited = started.elapsed();
    assert_eq!(got.len(), 3);
    assert!(
        waited < Duration::from_secs(3),
        "the healthy endpoint waited {waited:?}: behind the hanging one's 5 s timeout"
    );
}

/// The audit: a redrive re-posted an event to the endpoints that had taken it already. The
/// outbox now remembers which endpoints took each event (in the store, so every process
/// and restart does too): retries and redrives go to the others only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn h2_retries_and_redrives_skip_the_endpoints_that_took_the_event() {
    let (receiver, hooks) = Receiver::start().await;
    receiver.answer("down", 503);
    let (base, app) = service_with(&[
        "--webhook-url",
        &format!("{hooks}/up"),
        "--webhook-url",
        &format!("{hooks}/down"),
        "--webhook-secret",
        SECRET,
        "--webhook-max-attempts",
        "2",
        "--webhook-backoff-ms",
        "30",
    ])
    .await;
    tokio::spawn(deliverer(Arc::clone(&app)));
    create(&base).await;
    receiver.wait_for("down", 2).await;
    let parked_url = format!("{base}/api/v1/webhooks/parked");
    let mut parked = Value::Null;
    for _ in 0..200 {
        let (_, body, _) = call(Method::GET, &parked_url, None, &[]).await;
        if body["data"].as_array().is_some_and(|data| !data.is_empty()) {
            parked = body;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(parked["data"].as_array().map(Vec::len), Some(1), "{parked}");
    receiver.answer("down", 200);
    let (status, _, _) = call(Method::POST, &format!("{parked_url}/redrive"), None, &[]).await;
    assert_eq!(status, StatusCode::OK);
    receiver.wait_for("down", 3).await;
    // Time for a wrong re-post to arrive.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        receiver.at("up").len(),
        1,
        "the endpoint that took it got it again"
    );
    assert_eq!(receiver.at("down").len(), 3);
}

/// A stopping service flushes the whole outbox, batch after batch (150 events are three
/// claims of 64), to every endpoint; with nothing left it returns at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::disallowed_methods)] // the test measures how long an empty flush takes
async fn h2_a_stopping_service_flushes_every_batch_of_the_outbox() {
    let (receiver, hooks) = Receiver::start().await;
    let (base, app) = posting_to(&format!("{hooks}/hook")).await;
    for _ in 0..150 {
        create(&base).await;
    }
    assert!(receiver.at("hook").is_empty(), "no deliverer runs here");
    assert!(
        flush(&app, Duration::from_secs(20)).await,
        "flushed in time"
    );
    assert_eq!(receiver.at("hook").len(), 150, "every event, once");
    assert_eq!(deliver_once(&app).await, 0, "the outbox is empty");
    let started = std::time::Instant::now();
    assert!(flush(&app, Duration::from_secs(5)).await);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "an empty outbox flushes at once, took {:?}",
        started.elapsed()
    );
}

/// E5 in the service: the sweeper applies a due expiry by itself, with no request, and the
/// event goes out at the deadline's instant.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e5_the_sweeper_applies_due_expiries_by_itself() {
    let clock = Clock::test();
    let (base, app) = service_clocked(&[], Storage::memory(), clock.clone()).await;
    let id = InquiryId::parse(&create(&base).await).unwrap();
    let stored = || async { app.store().load(id).await.unwrap().unwrap() };
    // The clock passes the deadline without a request: nothing has applied it yet.
    clock
        .set(clock.now() + chrono::TimeDelta::hours(25))
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        stored().await.revision(),
        1,
        "nothing sweeps without the sweeper"
    );
    tokio::spawn(sweeper(Arc::clone(&app), Duration::from_millis(10)));
    let mut revision = 1;
    for _ in 0..200 {
        revision = stored().await.revision();
        if revision > 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(revision, 2, "the sweeper applied the expiry, once");
    let expired = stored().await;
    assert_eq!(expired.recorded_status(), Status::Expired);
}
