//! A load test on loopback, bounded in requests and time: clients create inquiries, resume
//! them, open the flow with the token, and resume a few shared inquiries at once, against
//! the service (in memory, or on PostgreSQL with `--database-url`), which posts every event
//! to a local receiver. Then the same clients send the same number of requests to a floor:
//! the same framework (axum on tokio, in this process) answering a fixed body of the size
//! of a resume's answer. It prints requests per second and latency percentiles for both,
//! and fails (exit 1) on a broken invariant: a 5xx (outside an outage), a lost update, or
//! an event not delivered.
//!
//! ```sh
//! cargo run --release -p inquiry-lifecycle-server --example load -- --clients 16 --requests 20000
//! cargo run --release -p inquiry-lifecycle-server --example load -- --database-url "$INQUIRY_PG_URL" \
//!   --outage "bash .ci/postgres-restart.sh immediate 2"
//! ```
//!
//! With `--outage CMD` the command runs a third of the way in (it should stop the database
//! and start it again): meanwhile the service answers 503, then recovers by itself; every
//! inquiry it answered 201 for is kept, and every event is delivered.

// A load test measures time as it passes: the clock rule is the libraries'.
#![allow(clippy::disallowed_methods)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::routing::post;
use axum::Router;
use clap::Parser;
use inquiry_lifecycle::{InquiryId, SessionToken};
use inquiry_lifecycle_server::{deliverer, router, storage, sweeper, App, Clock, Config};
use inquiry_lifecycle_wire::{EventDocument, IncomingEvent};
use serde_json::Value;

/// The load test's flags.
#[derive(Debug, Parser)]
struct Args {
    /// Concurrent clients.
    #[arg(long, default_value_t = 16)]
    clients: usize,
    /// Requests in all, to the service and again to the floor.
    #[arg(long, default_value_t = 20_000)]
    requests: usize,
    /// The most a run may take, in seconds; it stops early when reached.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// PostgreSQL; in memory without it.
    #[arg(long)]
    database_url: Option<String>,
    /// A shell command run a third of the way in that stops the database and starts it
    /// again.
    #[arg(long)]
    outage: Option<String>,
    /// No webhook URL: the outbox is acknowledged as it fills, and no event is posted (the
    /// service's own throughput, without the deliveries' HTTP work in this process).
    #[arg(long)]
    no_webhooks: bool,
    /// Then this many pairs of runs, service then floor, of `--round-requests` each, for
    /// the throughput comparison (medians: a shared machine is noisy).
    #[arg(long, default_value_t = 5)]
    rounds: usize,
    /// Requests per run of a round.
    #[arg(long, default_value_t = 10_000)]
    round_requests: usize,
}

const KEY: &str = "load_key";
/// Inquiries every client resumes besides its own, for contention.
const SHARED: usize = 4;

/// What one kind of request did.
#[derive(Default)]
struct Tally {
    latencies: Vec<Duration>,
    statuses: BTreeMap<u16, usize>,
}

#[derive(Default)]
struct Tallies {
    by_kind: Mutex<BTreeMap<&'static str, Tally>>,
    /// Every 5xx, with when it was answered.
    errors: Mutex<Vec<(Instant, u16)>>,
    /// Inquiries answered 201.
    created: Mutex<Vec<String>>,
    sent: AtomicUsize,
    /// Bytes of every answer's body, for the floor's body size.
    bytes: AtomicUsize,
}

impl Tallies {
    fn record(&self, kind: &'static str, status: u16, took: Duration) {
        let mut by_kind = self.by_kind.lock().unwrap();
        let tally = by_kind.entry(kind).or_default();
        tally.latencies.push(took);
        *tally.statuses.entry(status).or_default() += 1;
        if status >= 500 {
            self.errors.lock().unwrap().push((Instant::now(), status));
        }
    }

    fn all_latencies(&self) -> Vec<Duration> {
        let by_kind = self.by_kind.lock().unwrap();
        let mut all: Vec<Duration> = by_kind
            .values()
            .flat_map(|t| t.latencies.iter().copied())
            .collect();
        all.sort();
        all
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

/// Event ids and sequences the receiver got, by inquiry.
#[derive(Default, Clone)]
struct Receiver {
    sequences: Arc<Mutex<HashMap<InquiryId, BTreeSet<u64>>>>,
    posts: Arc<AtomicUsize>,
}

async fn receive(State(receiver): State<Receiver>, body: Bytes) -> &'static str {
    receiver.posts.fetch_add(1, Ordering::Relaxed);
    let text = String::from_utf8_lossy(&body);
    if let Ok(IncomingEvent::Known(event)) = EventDocument::from_json(&text) {
        let inquiry = match &event.payload {
            inquiry_lifecycle_wire::Resource::Inquiry(inquiry) => inquiry.id,
            inquiry_lifecycle_wire::Resource::Session(session) => session.inquiry_id,
        };
        let mut sequences = receiver.sequences.lock().unwrap();
        sequences
            .entry(inquiry)
            .or_default()
            .insert(event.sequence.unwrap_or(0));
    }
    "ok"
}

async fn serve(router: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    base
}

/// One client's requests: create, resume, access, resume a shared one; until `budget`
/// requests were sent in all or the deadline passed.
async fn client(
    http: reqwest::Client,
    base: String,
    shared: Vec<String>,
    tallies: Arc<Tallies>,
    budget: usize,
    deadline: Instant,
) {
    let mut round = 0usize;
    let send = |kind: &'static str, request: reqwest::RequestBuilder| {
        let tallies = Arc::clone(&tallies);
        async move {
            tallies.sent.fetch_add(1, Ordering::Relaxed);
            let start = Instant::now();
            let outcome = request.send().await;
            let (status, body) = match outcome {
                Ok(response) => {
                    let status = response.status().as_u16();
                    (status, response.bytes().await.unwrap_or_default())
                }
                Err(_) => (599, Bytes::new()),
            };
            tallies.record(kind, status, start.elapsed());
            tallies.bytes.fetch_add(body.len(), Ordering::Relaxed);
            if status == 503 {
                // As a client should: wait a little before trying again.
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            // Every answer is read as JSON, as the floor's client reads its answers.
            (
                status,
                serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null),
            )
        }
    };
    let auth = format!("Bearer {KEY}");
    while tallies.sent.load(Ordering::Relaxed) < budget && Instant::now() < deadline {
        round += 1;
        let (status, document) = send(
            "create",
            http.post(format!("{base}/api/v1/inquiries"))
                .header("authorization", &auth),
        )
        .await;
        if status != 201 {
            continue;
        }
        let id = document["data"]["id"].as_str().unwrap().to_owned();
        tallies.created.lock().unwrap().push(id.clone());
        let (status, document) = send(
            "resume",
            http.post(format!("{base}/api/v1/inquiries/{id}/resume"))
                .header("authorization", &auth),
        )
        .await;
        if status == 200 {
            let token = document["meta"]["session-token"]
                .as_str()
                .unwrap()
                .to_owned();
            assert!(SessionToken::parse(&token).is_ok());
            send(
                "access",
                http.post(format!("{base}/flow/inquiries/{id}/access"))
                    .header("session-token", token),
            )
            .await;
        }
        let shared_id = &shared[round % shared.len()];
        send(
            "resume shared",
            http.post(format!("{base}/api/v1/inquiries/{shared_id}/resume"))
                .header("authorization", &auth),
        )
        .await;
    }
}

/// The floor's client: the same number of requests, with the same API key header, each
/// answered the fixed body, which it reads as JSON as the service's client does.
async fn floor_client(
    http: reqwest::Client,
    url: String,
    tallies: Arc<Tallies>,
    budget: usize,
    deadline: Instant,
) {
    let auth = format!("Bearer {KEY}");
    while tallies.sent.fetch_add(1, Ordering::Relaxed) < budget && Instant::now() < deadline {
        let start = Instant::now();
        let request = http.post(&url).header("authorization", &auth);
        let (status, body) = match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                (status, response.bytes().await.unwrap_or_default())
            }
            Err(_) => (599, Bytes::new()),
        };
        tallies.record("floor", status, start.elapsed());
        let document = serde_json::from_slice::<Value>(&body).unwrap_or(Value::Null);
        assert!(document.is_object(), "the floor answers its fixed document");
    }
}

struct Run {
    requests: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

impl Run {
    fn rps(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }
}

async fn run_clients<F, Fut>(args: &Args, tallies: &Arc<Tallies>, make: F) -> Run
where
    F: Fn(reqwest::Client, Arc<Tallies>, Instant) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(args.clients)
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let start = Instant::now();
    let tasks: Vec<_> = (0..args.clients)
        .map(|_| tokio::spawn(make(http.clone(), Arc::clone(tallies), deadline)))
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let elapsed = start.elapsed();
    let latencies = tallies.all_latencies();
    Run {
        requests: latencies.len(),
        elapsed,
        latencies,
    }
}

fn fail(message: String) -> ! {
    eprintln!("load: FAILED: {message}");
    std::process::exit(1);
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let kind = if args.database_url.is_some() {
        "postgresql"
    } else {
        "memory"
    };

    // The receiver, and the service posting to it.
    let receiver = Receiver::default();
    let hooks = serve(
        Router::new()
            .route("/hooks", post(receive))
            .with_state(receiver.clone()),
    )
    .await;
    let mut flags = vec![
        "inquiry-server".to_owned(),
        "--api-key".into(),
        KEY.into(),
        "--webhook-secret".into(),
        "wbhsec_load_0123456789".into(),
        "--webhook-backoff-ms".into(),
        "200".into(),
    ];
    if !args.no_webhooks {
        flags.extend(["--webhook-url".into(), format!("{hooks}/hooks")]);
    }
    if let Some(url) = &args.database_url {
        flags.extend(["--database-url".into(), url.clone()]);
    }
    let config = Config::try_parse_from(flags).unwrap_or_else(|e| fail(e.to_string()));
    let app = Arc::new(
        App::new(
            &config,
            storage(&config)
                .await
                .unwrap_or_else(|e| fail(e.to_string())),
            Clock::Real,
        )
        .unwrap_or_else(|e| fail(e.to_string())),
    );
    tokio::spawn(sweeper(Arc::clone(&app), Duration::from_secs(1)));
    tokio::spawn(deliverer(Arc::clone(&app)));
    let base = serve(router(Arc::clone(&app))).await;

    // Shared inquiries, and a resume's answer for the floor's body size.
    let http = reqwest::Client::new();
    let mut shared = Vec::new();
    let mut resume_body = Bytes::new();
    for _ in 0..SHARED {
        let created: Value = http
            .post(format!("{base}/api/v1/inquiries"))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = created["data"]["id"].as_str().unwrap().to_owned();
        resume_body = http
            .post(format!("{base}/api/v1/inquiries/{id}/resume"))
            .bearer_auth(KEY)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        shared.push(id);
    }

    // The service under load, with the outage a third of the way in.
    let tallies = Arc::new(Tallies::default());
    let outage = args.outage.clone().map(|command| {
        let wait = Duration::from_secs(args.seconds).min(Duration::from_millis(
            (args.requests as u64).saturating_mul(100) / 1000,
        )) / 3;
        tokio::spawn(async move {
            tokio::time::sleep(wait.max(Duration::from_secs(2))).await;
            let began = Instant::now();
            let status = tokio::process::Command::new("bash")
                .args(["-c", &command])
                .status()
                .await;
            (
                began,
                Instant::now(),
                status.map(|s| s.success()).unwrap_or(false),
            )
        })
    });
    let run_service = |tallies: Arc<Tallies>, budget: usize| {
        let (base, shared, args) = (base.clone(), shared.clone(), &args);
        async move {
            run_clients(args, &tallies, |http, tallies, deadline| {
                client(
                    http,
                    base.clone(),
                    shared.clone(),
                    tallies,
                    budget,
                    deadline,
                )
            })
            .await
        }
    };
    let service = run_service(Arc::clone(&tallies), args.requests).await;
    let outage = match outage {
        Some(task) => Some(task.await.unwrap()),
        None => None,
    };

    // The floor: the same framework answering a fixed body of the service's mean answer
    // size (a resume's answer, padded with spaces), same clients and count.
    let mean = tallies.bytes.load(Ordering::Relaxed) / service.requests.max(1);
    let mut padded = resume_body.to_vec();
    padded.resize(mean.max(padded.len()), b' ');
    let resume_body = Bytes::from(padded);
    let fixed = resume_body.clone();
    let floor_base = serve(Router::new().route(
        "/floor",
        post(move || {
            let fixed = fixed.clone();
            async move {
                (
                    [(axum::http::header::CONTENT_TYPE, "application/json")],
                    fixed,
                )
            }
        }),
    ))
    .await;
    let floor_url = format!("{floor_base}/floor");
    let run_floor = |budget: usize| {
        let tallies = Arc::new(Tallies::default());
        let url = floor_url.clone();
        let args = &args;
        async move {
            run_clients(args, &tallies, |http, tallies, deadline| {
                floor_client(http, url.clone(), tallies, budget, deadline)
            })
            .await
        }
    };
    let floor = run_floor(service.requests).await;

    // Rounds for the throughput comparison: service, floor, service, floor, …
    let mut pairs = Vec::new();
    for _ in 0..args.rounds {
        let tallies = Arc::new(Tallies::default());
        let service = run_service(Arc::clone(&tallies), args.round_requests).await;
        if !tallies.errors.lock().unwrap().is_empty() {
            fail("5xx answers in a round".into());
        }
        pairs.push((service, run_floor(args.round_requests).await));
    }

    // Report.
    println!(
        "load ({kind}, {}, {} clients, {} cores): {} requests in {:.2} s",
        if args.no_webhooks {
            "no webhooks"
        } else {
            "webhooks to a receiver in this process"
        },
        args.clients,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        service.requests,
        service.elapsed.as_secs_f64()
    );
    {
        let by_kind = tallies.by_kind.lock().unwrap();
        for (kind, tally) in by_kind.iter() {
            let mut sorted = tally.latencies.clone();
            sorted.sort();
            println!(
                "  {kind:<14} n={:<6} p50={:>7.2} ms p99={:>7.2} ms statuses={:?}",
                sorted.len(),
                percentile(&sorted, 0.5).as_secs_f64() * 1e3,
                percentile(&sorted, 0.99).as_secs_f64() * 1e3,
                tally.statuses
            );
        }
    }
    let line = |name: &str, run: &Run| {
        println!(
            "  {name:<8} {:>8.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms  ({} requests, {} bytes per answer on average)",
            run.rps(),
            percentile(&run.latencies, 0.5).as_secs_f64() * 1e3,
            percentile(&run.latencies, 0.99).as_secs_f64() * 1e3,
            run.requests,
            resume_body.len()
        );
    };
    line("service", &service);
    line("floor", &floor);
    println!(
        "  service/floor throughput: {:.2}",
        service.rps() / floor.rps()
    );
    if !pairs.is_empty() {
        for (index, (service, floor)) in pairs.iter().enumerate() {
            println!(
                "  round {}: service {:>6.0} req/s (p50 {:.2} ms, p99 {:.2} ms), floor {:>6.0} req/s (p50 {:.2} ms, p99 {:.2} ms): {:.2}",
                index + 1,
                service.rps(),
                percentile(&service.latencies, 0.5).as_secs_f64() * 1e3,
                percentile(&service.latencies, 0.99).as_secs_f64() * 1e3,
                floor.rps(),
                percentile(&floor.latencies, 0.5).as_secs_f64() * 1e3,
                percentile(&floor.latencies, 0.99).as_secs_f64() * 1e3,
                service.rps() / floor.rps()
            );
        }
        let median = |mut values: Vec<f64>| {
            values.sort_by(f64::total_cmp);
            values[values.len() / 2]
        };
        println!(
            "  median of {} rounds: service {:.0} req/s, floor {:.0} req/s, service/floor {:.2}",
            pairs.len(),
            median(pairs.iter().map(|(s, _)| s.rps()).collect()),
            median(pairs.iter().map(|(_, f)| f.rps()).collect()),
            median(pairs.iter().map(|(s, f)| s.rps() / f.rps()).collect())
        );
    }

    // Invariants.
    let errors = tallies.errors.lock().unwrap().clone();
    match &outage {
        None if !errors.is_empty() => fail(format!(
            "{} answers were 5xx: {:?}",
            errors.len(),
            errors.iter().map(|(_, s)| *s).collect::<BTreeSet<_>>()
        )),
        None => {}
        Some((began, ended, ok)) => {
            if !ok {
                fail("the outage command failed".into());
            }
            let unexpected: Vec<u16> = errors
                .iter()
                .map(|(_, s)| *s)
                .filter(|s| *s != 503)
                .collect();
            if !unexpected.is_empty() {
                fail(format!(
                    "5xx other than 503 during the outage: {unexpected:?}"
                ));
            }
            // Recovered by itself: nothing after the database was back for 5 s failed.
            let late: Vec<_> = errors
                .iter()
                .filter(|(at, _)| *at > *ended + Duration::from_secs(5))
                .collect();
            if !late.is_empty() {
                fail(format!(
                    "{} answers were 503 more than 5 s after the database was back",
                    late.len()
                ));
            }
            println!(
                "  outage: the database was down for {:.1} s; {} answers were 503, none after it was back for 5 s",
                (*ended - *began).as_secs_f64(),
                errors.len()
            );
        }
    }

    // Every inquiry answered 201 is kept, and its events are delivered: every sequence
    // from 1 to its last, at least once (no lost update, no lost event).
    let mut ids: Vec<InquiryId> = tallies
        .created
        .lock()
        .unwrap()
        .iter()
        .map(|id| InquiryId::parse(id).unwrap())
        .collect();
    ids.extend(shared.iter().map(|id| InquiryId::parse(id).unwrap()));
    let mut expected: HashMap<InquiryId, u64> = HashMap::new();
    for id in &ids {
        let inquiry = loop {
            match app.store().load(*id).await {
                Ok(Some(inquiry)) => break inquiry,
                Ok(None) => fail(format!("{id} was answered 201 and is not kept")),
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        expected.insert(*id, inquiry.last_sequence());
    }
    let events: u64 = expected.values().sum();
    if args.no_webhooks {
        println!("  {} inquiries kept, {events} events", ids.len());
        return;
    }
    let waited = Instant::now();
    loop {
        let missing: u64 = {
            let sequences = receiver.sequences.lock().unwrap();
            expected
                .iter()
                .map(|(id, last)| {
                    let got = sequences.get(id);
                    (1..=*last)
                        .filter(|s| !got.is_some_and(|g| g.contains(s)))
                        .count() as u64
                })
                .sum()
        };
        if missing == 0 {
            break;
        }
        if waited.elapsed() > Duration::from_secs(60) {
            fail(format!(
                "{missing} of {events} events were not delivered within 60 s"
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!(
        "  {} inquiries kept, {events} events, each delivered at least once ({:.1} s after the load ended; the receiver got {} posts in all runs)",
        ids.len(),
        waited.elapsed().as_secs_f64(),
        receiver.posts.load(Ordering::Relaxed)
    );
}
