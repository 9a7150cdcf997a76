//! A server restart in the middle of writes, fast and immediate (a crash). Its own test
//! binary, so that no other test's connections see the server go away.
//!
//! Ignored unless run with `--ignored`, `INQUIRY_PG_URL` set, and `INQUIRY_PG_RESTART` a
//! command that restarts that server given `fast` or `immediate` (`.ci/run` uses
//! `.ci/postgres-restart.sh`).

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use inquiry_lifecycle::{Inquiry, InquiryId, Policy, SeededRandom};
use inquiry_lifecycle_postgres::Options;
use inquiry_lifecycle_store::{act, suite, ActError, InquiryStore, Outgoing, StoreError};

mod common;

use common::{connect_with, fresh, own};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

/// What one writer saw during the restarts.
#[derive(Debug, Default)]
struct Tally {
    accepted: BTreeMap<InquiryId, u64>,
    unavailable: BTreeMap<InquiryId, u64>,
    other_errors: Vec<String>,
    last_results: Vec<bool>,
}

/// A write loop (resumes through `act`, 4 writers) runs while the server restarts, first
/// fast, then immediately (a crash). While it is down calls fail typed, `Unavailable`;
/// after, they succeed again with no intervention; nothing is lost or duplicated: each
/// inquiry's revision lies between its acknowledged and its attempted changes, and its
/// outbox holds every sequence number exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs PostgreSQL and INQUIRY_PG_RESTART (see .ci/postgres-restart.sh)"]
async fn a_server_restart_during_writes_loses_and_duplicates_nothing() {
    let restart = std::env::var("INQUIRY_PG_RESTART")
        .expect("INQUIRY_PG_RESTART: a command that restarts the server, given fast or immediate");
    let store = fresh("restart").await;
    let mut quick = Options::default();
    quick.call_timeout = Duration::from_secs(2);
    quick.connect_timeout = Duration::from_secs(1);
    let writer_store = std::sync::Arc::new(connect_with(&own("restart"), quick).await);
    let mut random = SeededRandom::new(4);
    let mut ids = Vec::new();
    for _ in 0..4 {
        let (inquiry, events) = Inquiry::create(&Policy::default(), t0(), &mut random).unwrap();
        store
            .insert(&inquiry, &Outgoing::plain(&events), None)
            .await
            .unwrap();
        ids.push(inquiry.id());
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for writer in 0..4usize {
        let (store, ids, stop) = (writer_store.clone(), ids.clone(), stop.clone());
        writers.push(tokio::spawn(async move {
            let mut random = SeededRandom::new(100 + writer as u64);
            let mut tally = Tally::default();
            let mut round = 0usize;
            // Bounded: at most 20,000 calls, and it stops when told.
            while round < 20_000 && !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let id = ids[(writer + round) % ids.len()];
                let now = t0() + TimeDelta::seconds(round as i64);
                let result = act(store.as_ref(), id, 20, |inquiry| {
                    inquiry.resume(now, &mut random)
                })
                .await;
                let ok = match result {
                    Ok(_) => {
                        *tally.accepted.entry(id).or_default() += 1;
                        true
                    }
                    Err(ActError::Store(StoreError::Unavailable(_))) => {
                        *tally.unavailable.entry(id).or_default() += 1;
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        false
                    }
                    Err(other) => {
                        tally.other_errors.push(other.to_string());
                        false
                    }
                };
                tally.last_results.push(ok);
                round += 1;
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            tally
        }));
    }
    for mode in ["fast", "immediate"] {
        tokio::time::sleep(Duration::from_millis(700)).await;
        let status = tokio::process::Command::new("bash")
            .arg("-c")
            .arg(format!("{restart} {mode}"))
            .status()
            .await
            .unwrap();
        assert!(status.success(), "restart {mode}");
    }
    // Let the writers recover and run a while on the restarted server.
    tokio::time::sleep(Duration::from_secs(3)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut accepted: BTreeMap<InquiryId, u64> = BTreeMap::new();
    let mut unavailable: BTreeMap<InquiryId, u64> = BTreeMap::new();
    let mut failures = 0;
    for writer in writers {
        let tally = writer.await.unwrap();
        assert!(
            tally.other_errors.is_empty(),
            "untyped failures: {:?}",
            tally.other_errors
        );
        // Recovered by itself: the last calls of every writer succeeded.
        let tail = &tally.last_results[tally.last_results.len().saturating_sub(10)..];
        assert!(
            tail.iter().all(|ok| *ok),
            "a writer did not recover: {tail:?}"
        );
        for (id, n) in tally.accepted {
            *accepted.entry(id).or_default() += n;
        }
        for (id, n) in tally.unavailable {
            *unavailable.entry(id).or_default() += n;
            failures += n;
        }
    }
    assert!(
        failures > 0,
        "the restarts were not noticed: every call succeeded"
    );
    let events = suite::drain(&store).await.unwrap();
    for id in ids {
        let stored = store.load(id).await.unwrap().unwrap();
        let acknowledged = accepted.get(&id).copied().unwrap_or(0);
        let ambiguous = unavailable.get(&id).copied().unwrap_or(0);
        let changes = stored.revision() - 1;
        assert!(
            acknowledged <= changes && changes <= acknowledged + ambiguous,
            "{id}: {changes} changes stored, {acknowledged} acknowledged, {ambiguous} unanswered"
        );
        suite::each_event_once(&events, &stored).unwrap();
    }
    println!(
        "restart fast + immediate: {} changes acknowledged, {failures} calls answered unavailable",
        accepted.values().sum::<u64>()
    );
}
