//! A sweeper and publisher: applies what is due, then delivers the outbox at least once.
//!
//! The store is chosen at run time, as a service would from its configuration: in memory
//! (seeded with a few inquiries that fall due within seconds) when given nothing, on
//! PostgreSQL when given a connection string. The program is written once, against
//! `Arc<dyn Store>`.
//!
//! ```sh
//! cargo run -p inquiry-lifecycle-postgres --example worker
//! cargo run -p inquiry-lifecycle-postgres --example worker -- "$(bash .ci/postgres.sh)"
//! ```
//!
//! The worker reads the clock here, at the edge; the library never does.
#![allow(clippy::disallowed_methods)]

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use std::sync::Arc;

use inquiry_lifecycle::{Event, Inquiry, Policy, SecureRandom};
use inquiry_lifecycle_postgres::PostgresStore;
use inquiry_lifecycle_store::{sweep, MemoryStore, Outgoing, Store};

/// How long a claimed event stays with this publisher before another may deliver it.
const LEASE: TimeDelta = TimeDelta::seconds(30);

/// "Delivers" an event: prints it. A real publisher posts it to a webhook or a queue, and
/// the receiver drops duplicates by `event.id()`.
fn deliver(event: &Event) {
    println!(
        "{} {} {} #{} {}",
        event.at.format("%H:%M:%S%.3f"),
        event.id(),
        event.inquiry_id,
        event.sequence,
        event.name
    );
}

/// Sweeps until `expected` events were delivered or `rounds` seconds passed, one round a
/// second; returns how many events were delivered.
async fn run(
    store: &dyn Store,
    rounds: usize,
    expected: usize,
) -> Result<usize, Box<dyn std::error::Error>> {
    let mut delivered = 0;
    for _ in 0..rounds {
        let now = Utc::now();
        // The swept events are committed to the outbox with the state; deliver from there.
        let swept = sweep(store, now, 100).await?;
        for (id, error) in &swept.set_aside {
            eprintln!("set aside {id}: {error}");
        }
        let claimed = store.claim_outbox(now, LEASE, 1_000).await?;
        for outgoing in &claimed {
            deliver(&outgoing.event);
        }
        store.ack_outbox(&claimed).await?;
        delivered += claimed.len();
        if delivered >= expected {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    Ok(delivered)
}

/// Three inquiries that expire one to three seconds from now; returns their events' count
/// once expired (created, then expired).
async fn seed(store: &dyn Store) -> Result<usize, Box<dyn std::error::Error>> {
    let mut random = SecureRandom::from_os()?;
    for seconds in 1..=3 {
        let policy = Policy::builder()
            .expire_after_create(TimeDelta::seconds(seconds))
            .build()?;
        let (inquiry, events) = Inquiry::create(&policy, Utc::now(), &mut random).unwrap();
        store
            .insert(&inquiry, &Outgoing::plain(&events), None)
            .await?;
    }
    Ok(6)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store: Arc<dyn Store> = match std::env::args().nth(1) {
        Some(url) => {
            let store = PostgresStore::connect(&url).await?;
            store.migrate().await?;
            println!("store: PostgreSQL");
            Arc::new(store)
        }
        None => {
            println!("store: in memory");
            Arc::new(MemoryStore::new())
        }
    };
    let expected = seed(store.as_ref()).await?;
    let delivered = run(store.as_ref(), 10, expected).await?;
    println!("delivered {delivered} events");
    if delivered < expected {
        return Err(format!("expected at least {expected} events, delivered {delivered}").into());
    }
    Ok(())
}
