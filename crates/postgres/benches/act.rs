//! `act` on PostgreSQL (load, resume, compare-and-swap save with the outbox insert) against
//! a floor measured in the same run on the same server: a plain single-row `UPDATE`.
//! 1 and 8 concurrent callers, each on its own rows; throughput in operations per second.
//! Two records: a fresh inquiry's (its resumes give its one unused session a fresh token,
//! S4b: about 700 bytes), and one at S7's cap of 25 sessions (about 7 KB).
//!
//! Needs a server: `export INQUIRY_PG_URL="$(bash .ci/postgres.sh)"`, then
//! `cargo bench -p inquiry-lifecycle-postgres --bench act`. Without `INQUIRY_PG_URL` it
//! says so and measures nothing. Figures: `docs/BENCHMARKS.md`.
// A benchmark times itself; the library never reads the clock.
#![allow(clippy::disallowed_methods)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use inquiry_lifecycle::{Inquiry, Policy, SeededRandom};
use inquiry_lifecycle_postgres::{Options, PostgresStore};
use inquiry_lifecycle_store::{act, InquiryStore, Outgoing};

const SCHEMA: &str = "bench_act";

/// Seeds for the resumes' random sources, each used once.
static SEEDS: AtomicU64 = AtomicU64::new(1_000);

/// A pool of plain connections to the bench's schema, the same size as the store's, for the
/// floor's statements.
fn floor_pool(url: &str, callers: usize) -> deadpool_postgres::Pool {
    let config: tokio_postgres::Config = format!("{url} options='-c search_path={SCHEMA}'")
        .parse()
        .unwrap();
    let manager = deadpool_postgres::Manager::new(config, tokio_postgres::NoTls);
    deadpool_postgres::Pool::builder(manager)
        .max_size(callers.max(1))
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .build()
        .unwrap()
}

async fn store(url: &str, callers: usize) -> PostgresStore {
    let (admin, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    admin
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA};
             CREATE TABLE {SCHEMA}.counters (id BIGINT PRIMARY KEY, n BIGINT NOT NULL);
             INSERT INTO {SCHEMA}.counters SELECT g, 0 FROM generate_series(0, 63) g;"
        ))
        .await
        .unwrap();
    let mut options = Options::default();
    options.pool_size = callers.max(1);
    let store =
        PostgresStore::connect_with(&format!("{url} options='-c search_path={SCHEMA}'"), options)
            .await
            .unwrap();
    store.migrate().await.unwrap();
    store
}

/// Runs `per_caller` operations on each of `callers` tasks at once; the elapsed time.
async fn concurrently<F, Fut>(callers: usize, per_caller: u64, operation: F) -> Duration
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let operation = Arc::new(operation);
    let start = Instant::now();
    let tasks: Vec<_> = (0..callers)
        .map(|caller| {
            let operation = Arc::clone(&operation);
            tokio::spawn(async move {
                for i in 0..per_caller {
                    operation(caller, i).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    start.elapsed()
}

fn act_against_update(c: &mut Criterion) {
    let Ok(url) = std::env::var("INQUIRY_PG_URL") else {
        eprintln!("INQUIRY_PG_URL is not set: nothing measured (see .ci/postgres.sh)");
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut group = c.benchmark_group("postgres act (resume) vs plain UPDATE");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(8));
    for callers in [1usize, 8] {
        let store = Arc::new(runtime.block_on(store(&url, callers)));
        let inquiries = |sessions: usize| {
            let store = Arc::clone(&store);
            runtime.block_on(async move {
                let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
                let mut random = SeededRandom::new(1 + sessions as u64);
                let mut ids = Vec::new();
                for _ in 0..callers {
                    let (mut inquiry, events) =
                        Inquiry::create(&Policy::default(), t0, &mut random).unwrap();
                    // Used sessions stay (S4b reuses only unused ones): the record grows.
                    for _ in 0..sessions {
                        let opened = inquiry.resume(t0, &mut random).unwrap();
                        let _ = inquiry.access(Some(&opened.token), t0).unwrap();
                    }
                    store
                        .insert(&inquiry, &Outgoing::plain(&events), None)
                        .await
                        .unwrap();
                    ids.push(inquiry.id());
                }
                Arc::new(ids)
            })
        };
        let fresh = inquiries(0);
        let full = inquiries(25);
        group.throughput(Throughput::Elements(callers as u64));
        let floor = runtime.block_on(async { floor_pool(&url, callers) });
        group.bench_function(format!("floor: UPDATE one row, {callers} caller(s)"), |b| {
            b.to_async(&runtime).iter_custom(|iters| {
                let floor = floor.clone();
                concurrently(callers, iters, move |caller, _| {
                    let floor = floor.clone();
                    async move {
                        let client = floor.get().await.unwrap();
                        // Prepared once per connection, as the store's statements are.
                        let update = client
                            .prepare_cached("UPDATE counters SET n = n + 1 WHERE id = $1")
                            .await
                            .unwrap();
                        client.execute(&update, &[&(caller as i64)]).await.unwrap();
                    }
                })
            })
        });
        for (label, ids) in [("1 session", fresh), ("25 sessions", full)] {
            let act_store = Arc::clone(&store);
            group.bench_function(format!("act: resume, {label}, {callers} caller(s)"), |b| {
                b.iter_custom(|iters| {
                    let (store, ids) = (Arc::clone(&act_store), Arc::clone(&ids));
                    runtime.block_on(concurrently(callers, iters, move |caller, _| {
                        let (store, ids) = (Arc::clone(&store), Arc::clone(&ids));
                        async move {
                            let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
                            // A seed never used before: a repeated one would repeat tokens.
                            let mut random =
                                SeededRandom::new(SEEDS.fetch_add(1, Ordering::Relaxed));
                            let acted = act(store.as_ref(), ids[caller], 3, |inquiry| {
                                inquiry.resume(t0, &mut random)
                            })
                            .await
                            .unwrap();
                            drop(acted);
                        }
                    }))
                })
            });
        }
        // Keep the outbox from growing across samples.
        runtime.block_on(async {
            let client = floor.get().await.unwrap();
            client
                .batch_execute("TRUNCATE inquiry_outbox")
                .await
                .unwrap();
        });
    }
    group.finish();
}

criterion_group!(benches, act_against_update);
criterion_main!(benches);
