//! M1–M6 end to end: the service delivers its webhooks, made hostile by its test option
//! (duplicates, first attempts dropped then redelivered behind later events, random delays
//! that reorder concurrent posts), to a receiver built on the mirror; after a load of
//! random actions the receiver's mirrors equal what the service holds.
//!
//! `MIRROR_E2E_INQUIRIES` sets the number of inquiries (default 60); CI runs it larger with
//! `--nocapture` for the figures.

mod common;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use axum::routing::post;
use axum::Router;
use chrono::{DateTime, Utc};
use common::{advance, call, create, fresh_database, service_on, service_with};
use inquiry_lifecycle::{EventId, InquiryId};
use inquiry_lifecycle_mirror::{receive, Delivery, MemoryMirrorStore, MirrorStore, Verifier};
use inquiry_lifecycle_postgres::PostgresStore;
use inquiry_lifecycle_server::{deliverer, App, Storage};
use inquiry_lifecycle_wire::{InquiryResource, WebhookSecret};
use reqwest::Method;
use serde_json::json;

const SECRET: &str = "wbhsec_mirror_e2e";

/// The integrator's receiver: every delivery goes through `receive` into a mirror store;
/// it answers with the answer's HTTP status and counts the answers by code.
struct Receiver<S> {
    mirrors: Arc<S>,
    verifier: Arc<Verifier>,
    answers: Arc<Mutex<BTreeMap<&'static str, usize>>>,
}

impl<S> Clone for Receiver<S> {
    fn clone(&self) -> Self {
        Receiver {
            mirrors: Arc::clone(&self.mirrors),
            verifier: Arc::clone(&self.verifier),
            answers: Arc::clone(&self.answers),
        }
    }
}

#[allow(clippy::disallowed_methods)] // a receiver checks signatures in real time
fn real_now() -> DateTime<Utc> {
    Utc::now()
}

async fn webhook<S: MirrorStore + 'static>(
    State(receiver): State<Receiver<S>>,
    headers: HeaderMap,
    body: Bytes,
) -> AxumStatus {
    let signature = headers
        .get("persona-signature")
        .and_then(|value| value.to_str().ok());
    let delivery = Delivery {
        body: &body,
        signature,
    };
    match receive(
        &*receiver.mirrors,
        &delivery,
        &receiver.verifier,
        real_now(),
        32,
    )
    .await
    {
        Ok(answer) => {
            *receiver
                .answers
                .lock()
                .unwrap()
                .entry(answer.code())
                .or_default() += 1;
            AxumStatus::from_u16(answer.http_status()).unwrap()
        }
        Err(error) => {
            *receiver
                .answers
                .lock()
                .unwrap()
                .entry("store_error")
                .or_default() += 1;
            AxumStatus::from_u16(error.http_status()).unwrap()
        }
    }
}

impl<S: MirrorStore + 'static> Receiver<S> {
    async fn start(mirrors: S) -> (Receiver<S>, String) {
        let receiver = Receiver {
            mirrors: Arc::new(mirrors),
            verifier: Arc::new(Verifier::new(vec![WebhookSecret::new(SECRET).unwrap()])),
            answers: Arc::default(),
        };
        let app = Router::new()
            .route("/webhooks", post(webhook::<S>))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/webhooks", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (receiver, url)
    }

    fn answers(&self) -> BTreeMap<&'static str, usize> {
        self.answers.lock().unwrap().clone()
    }
}

/// A small deterministic generator for the load's choices.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// One random action on `id` through the API; refusals (a typed 4xx) are part of the load.
async fn act(base: &str, id: &str, dice: &mut Dice) -> bool {
    let url = |path: &str| format!("{base}/api/v1/inquiries/{id}{path}");
    let simulate = |action: &str| Some(json!({"meta": {"actions": [action]}}));
    let (method, url, body) = match dice.below(10) {
        0 | 1 => (Method::POST, url("/resume"), None),
        2 => (
            Method::POST,
            url("/perform-simulate-actions"),
            simulate("start_inquiry"),
        ),
        3 => (
            Method::POST,
            url("/perform-simulate-actions"),
            simulate("complete_inquiry"),
        ),
        4 => (
            Method::POST,
            url("/perform-simulate-actions"),
            simulate("fail_inquiry"),
        ),
        5 => (Method::POST, url("/mark-for-review"), None),
        6 => (
            Method::POST,
            url(if dice.below(2) == 0 {
                "/approve"
            } else {
                "/decline"
            }),
            None,
        ),
        7 => (Method::POST, url("/expire"), None),
        8 => (Method::POST, url("/generate-one-time-link"), None),
        _ => (Method::DELETE, url(""), None),
    };
    let (status, body, _) = call(method, &url, body, &[]).await;
    assert!(
        status.is_success() || (status.is_client_error() && body["errors"][0]["code"].is_string()),
        "{status} {body}"
    );
    status.is_success()
}

/// The service's record as a webhook payload shows it, without what later session-only
/// changes move (`updated-at`, the session list), which no `inquiry.*` event reports.
fn comparable(mut resource: InquiryResource) -> InquiryResource {
    resource.updated_at = DateTime::UNIX_EPOCH;
    resource.sessions.clear();
    resource
}

/// The service's webhook flags: fast retries, hostile delivery.
const HOSTILE: [&str; 6] = [
    "--webhook-secret",
    SECRET,
    "--webhook-backoff-ms",
    "40",
    "--test-hostile-delivery",
    "duplicate=0.3,drop=0.2,delay-ms=25",
];

/// `MIRROR_E2E_INQUIRIES`, or `default`.
fn inquiries(default: usize) -> usize {
    std::env::var("MIRROR_E2E_INQUIRIES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn m5_a_receiver_on_the_mirror_converges_under_hostile_delivery() {
    let (receiver, url) = Receiver::start(MemoryMirrorStore::new()).await;
    let mut flags = vec!["--webhook-url", &url];
    flags.extend(HOSTILE);
    let (base, app) = service_with(&flags).await;
    converges("memory", inquiries(60), &base, app, &receiver).await;
}

/// The same on PostgreSQL: the service keeps its inquiries and outbox there, the receiver
/// its mirrors (`MirrorStore` of `PostgresStore`, M6), in one database.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: set INQUIRY_PG_URL and run with --ignored (see .ci/postgres.sh)"]
async fn m6_the_same_with_the_service_and_the_mirrors_on_postgresql() {
    let database = fresh_database("inquiry_mirror_e2e").await;
    let mirrors = PostgresStore::connect(&database).await.unwrap();
    mirrors.migrate().await.unwrap();
    let (receiver, url) = Receiver::start(mirrors).await;
    let mut flags = vec!["--webhook-url", &url];
    flags.extend(HOSTILE);
    let storage = Storage::postgres(&database).await.unwrap();
    let (base, app) = service_on(&flags, storage).await;
    converges("PostgreSQL", inquiries(60) / 3, &base, app, &receiver).await;
}

/// Runs the load, waits for the receiver to converge, checks it, prints the figures.
async fn converges<S: MirrorStore + 'static>(
    storage: &str,
    inquiries: usize,
    base: &str,
    app: Arc<App>,
    receiver: &Receiver<S>,
) {
    let base = base.to_owned();
    tokio::spawn(deliverer(Arc::clone(&app)));
    #[allow(clippy::disallowed_methods)] // the figures say how long convergence took
    let started = std::time::Instant::now();

    // The load: inquiries created, then rounds of random actions on all of them at once;
    // a day passes before the third round, so that deadlines fall due inside changes.
    let mut ids = Vec::new();
    for _ in 0..inquiries {
        ids.push(create(&base).await);
    }
    let mut changes = inquiries;
    for round in 0..4u64 {
        if round == 2 {
            advance(&base, "25h").await;
        }
        let mut tasks = tokio::task::JoinSet::new();
        for (index, id) in ids.iter().enumerate() {
            let (base, id) = (base.clone(), id.clone());
            let mut dice = Dice(round * 1_000_003 + index as u64);
            tasks.spawn(async move {
                let mut applied = 0;
                for _ in 0..=dice.below(3) {
                    applied += usize::from(act(&base, &id, &mut dice).await);
                }
                applied
            });
        }
        while let Some(applied) = tasks.join_next().await {
            changes += applied.unwrap();
        }
    }

    // Converged: every inquiry's mirror equals the service's record, and holds every
    // event it committed. Drops wait for their backoff, so this takes a moment.
    let ids: Vec<InquiryId> = ids.iter().map(|id| id.parse().unwrap()).collect();
    let mut waited = 0;
    let events = loop {
        match differences(&app, receiver, &ids).await {
            Ok(events) => break events,
            Err(difference) if waited >= 600 => panic!("not converged after 60 s: {difference}"),
            Err(_) => {
                waited += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    let converged_after = started.elapsed();
    // Late duplicates (posted up to 25 ms after their delivery) change nothing.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(differences(&app, receiver, &ids).await, Ok(events));

    let answers = receiver.answers();
    let count = |code: &str| answers.get(code).copied().unwrap_or(0);
    let posts: usize = answers.values().sum();
    eprintln!(
        "mirror end to end ({storage}): {inquiries} inquiries, {changes} changes, {events} events; {posts} hostile deliveries \
         (duplicate=0.3, drop=0.2, delay-ms=25) answered {answers:?}; converged {:.1} s after the load began",
        converged_after.as_secs_f64()
    );
    for never in [
        "needs_reconcile",
        "invalid_signature",
        "invalid_input",
        "store_error",
    ] {
        assert_eq!(count(never), 0, "{never}: {answers:?}");
    }
    assert_eq!(
        count("applied") + count("recorded") + count("stale"),
        events,
        "each event taken in once: {answers:?}"
    );
    assert!(
        count("duplicate") > 0 && count("stale") > 0,
        "the delivery was not hostile: {answers:?}"
    );
}

/// `Ok(number of events)` when every mirror equals its inquiry and holds every event id;
/// otherwise the first difference.
async fn differences<S: MirrorStore>(
    app: &App,
    receiver: &Receiver<S>,
    ids: &[InquiryId],
) -> Result<usize, String> {
    let mut events = 0;
    for id in ids {
        let inquiry = app.store().load(*id).await.unwrap().unwrap();
        let mirror = receiver.mirrors.load_mirror(*id).await.unwrap();
        let Some(mirror) = mirror else {
            return Err(format!("no mirror of {id}"));
        };
        let expected = comparable(InquiryResource::of(&inquiry));
        let mirrored = mirror.state().cloned().map(comparable);
        if mirrored.as_ref() != Some(&expected) {
            return Err(format!("{id}: mirrored {mirrored:?}, service {expected:?}"));
        }
        let seen: std::collections::BTreeSet<EventId> =
            mirror.history().iter().map(|seen| seen.event).collect();
        for sequence in 1..=inquiry.last_sequence() {
            if !seen.contains(&EventId::of(*id, sequence)) {
                return Err(format!("{id}: event #{sequence} not received yet"));
            }
        }
        events += seen.len();
    }
    Ok(events)
}
