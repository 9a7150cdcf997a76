//! A sweeper: applies what is due and publishes the events, in a loop.
//!
//! On the in-memory store by default (seeded with a few inquiries that fall due within
//! seconds); on PostgreSQL when given a connection string:
//!
//! ```sh
//! cargo run --example worker --features postgres
//! cargo run --example worker --features postgres -- "host=127.0.0.1 port=54329 user=postgres dbname=postgres"
//! ```
//!
//! The worker reads the clock here, at the edge; the library never does.
#![allow(clippy::disallowed_methods)]

use std::time::Duration;

use chrono::{TimeDelta, Utc};
use inquiry_lifecycle::store::{sweep, InquiryStore, MemoryStore};
use inquiry_lifecycle::{Inquiry, Policy, SecureRandom};

/// Sweeps `rounds` times, one second apart, printing each published event.
async fn run<S: InquiryStore>(store: &S, rounds: usize) -> Result<(), Box<dyn std::error::Error>> {
    for _ in 0..rounds {
        let now = Utc::now();
        let swept = sweep(store, now, 100).await?;
        // The events are in the outbox already, committed with the state: publish them.
        for event in store.take_outbox(1_000).await? {
            println!(
                "{} {} #{} {}",
                event.at.format("%H:%M:%S"),
                event.inquiry_id,
                event.sequence,
                event.name
            );
        }
        if swept.is_empty() {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
    Ok(())
}

/// A few inquiries that expire one to three seconds from now.
async fn seed<S: InquiryStore>(store: &S) -> Result<(), Box<dyn std::error::Error>> {
    let mut random = SecureRandom::from_os()?;
    for seconds in 1..=3 {
        let policy = Policy::builder()
            .expire_after_create(TimeDelta::seconds(seconds))
            .build()?;
        let (inquiry, events) = Inquiry::create(&policy, Utc::now(), &mut random);
        store.insert(&inquiry, &events).await?;
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    match std::env::args().nth(1) {
        Some(url) => {
            let store = inquiry_lifecycle_postgres::PostgresStore::connect(&url).await?;
            store.migrate().await?;
            seed(&store).await?;
            run(&store, 6).await
        }
        None => {
            let store = MemoryStore::new();
            seed(&store).await?;
            run(&store, 6).await
        }
    }
}
