//! The conformance suite for store implementers (feature `store-suite`).
//!
//! A downstream store runs it from its own tests in a few lines:
//!
//! ```
//! use inquiry_lifecycle::store::{suite, MemoryStore};
//!
//! #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! async fn main() {
//!     suite::run(MemoryStore::new).await.unwrap();
//! }
//! ```
//!
//! It checks insert and load, compare-and-swap conflicts, that no update is lost under
//! concurrent writers (the final revision equals the number of accepted changes, and each
//! accepted change's events reach the outbox exactly once), and the order and limit of the
//! due listing. [`check_corrupt_record`] checks that a record planted by the caller that
//! fails validation is reported as [`StoreError::Corrupt`].

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use super::{act, ActError, InquiryStore, StoreError};
use crate::{Event, Inquiry, InquiryId, Policy, SeededRandom};

/// A property of the contract that a store broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuiteFailure(pub String);

impl fmt::Display for SuiteFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "store contract broken: {}", self.0)
    }
}

impl std::error::Error for SuiteFailure {}

macro_rules! ensure {
    ($cond:expr, $($why:tt)+) => {
        if !$cond {
            return Err(SuiteFailure(format!($($why)+)));
        }
    };
}

fn backend(error: impl fmt::Display) -> SuiteFailure {
    SuiteFailure(format!("unexpected store error: {error}"))
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default()
}

/// Runs every check on fresh stores from `make`; the first broken property is the error.
pub async fn run<S, F>(make: F) -> Result<(), SuiteFailure>
where
    S: InquiryStore + 'static,
    F: Fn() -> S,
{
    insert_and_load(&make()).await?;
    compare_and_swap(&make()).await?;
    no_lost_update(Arc::new(make()), 4, 50).await?;
    due_listing(&make()).await?;
    Ok(())
}

/// Inserted inquiries load back equal; a second insert of the same id is refused.
pub async fn insert_and_load<S: InquiryStore>(store: &S) -> Result<(), SuiteFailure> {
    let mut random = SeededRandom::new(1);
    let (inquiry, events) = Inquiry::create(&Policy::default(), t0(), &mut random);
    ensure!(
        store.load(inquiry.id()).await.map_err(backend)?.is_none(),
        "an empty store loads an inquiry"
    );
    store.insert(&inquiry, &events).await.map_err(backend)?;
    let loaded = store.load(inquiry.id()).await.map_err(backend)?;
    ensure!(
        loaded.as_ref() == Some(&inquiry),
        "loaded {loaded:?}, inserted {inquiry:?}"
    );
    let again = store.insert(&inquiry, &events).await;
    ensure!(
        matches!(again, Err(StoreError::Duplicate(_))),
        "a duplicate insert answered {again:?}"
    );
    let outbox = store.take_outbox(100).await.map_err(backend)?;
    ensure!(
        outbox == events,
        "the outbox holds {outbox:?}, expected the creation events once"
    );
    Ok(())
}

/// A save on a stale revision is refused and never overwrites.
pub async fn compare_and_swap<S: InquiryStore>(store: &S) -> Result<(), SuiteFailure> {
    let mut random = SeededRandom::new(2);
    let (inquiry, events) = Inquiry::create(&Policy::default(), t0(), &mut random);
    store.insert(&inquiry, &events).await.map_err(backend)?;
    let mut first = inquiry.clone();
    let mut second = inquiry.clone();
    let first_events = first.start(t0(), &mut random).map_err(backend)?.events;
    let second_events = second.expire(t0()).map_err(backend)?;
    store
        .save(&first, 1, &first_events)
        .await
        .map_err(backend)?;
    let stale = store.save(&second, 1, &second_events).await;
    ensure!(
        matches!(
            stale,
            Err(StoreError::Conflict {
                expected: 1,
                stored: Some(2),
                ..
            })
        ),
        "a stale save answered {stale:?}"
    );
    let stored = store.load(inquiry.id()).await.map_err(backend)?;
    ensure!(
        stored.as_ref() == Some(&first),
        "a refused save overwrote the record"
    );
    let outbox = store.take_outbox(100).await.map_err(backend)?;
    let expected: Vec<Event> = events.into_iter().chain(first_events).collect();
    ensure!(
        outbox == expected,
        "a refused save left events in the outbox"
    );
    Ok(())
}

/// `writers` tasks each make `changes` resumes on the same three inquiries at once: the final
/// revisions count exactly the accepted changes, and every event reaches the outbox once.
pub async fn no_lost_update<S: InquiryStore + 'static>(
    store: Arc<S>,
    writers: usize,
    changes: usize,
) -> Result<(), SuiteFailure> {
    let mut random = SeededRandom::new(3);
    let mut ids = Vec::new();
    for _ in 0..3 {
        let (inquiry, events) = Inquiry::create(&Policy::default(), t0(), &mut random);
        store.insert(&inquiry, &events).await.map_err(backend)?;
        ids.push(inquiry.id());
    }
    let mut tasks = Vec::new();
    for writer in 0..writers {
        let store = Arc::clone(&store);
        let ids = ids.clone();
        tasks.push(tokio::spawn(async move {
            let mut random = SeededRandom::new(100 + writer as u64);
            let mut accepted: BTreeMap<InquiryId, u64> = BTreeMap::new();
            for change in 0..changes {
                let id = ids[change % ids.len()];
                let now = t0() + TimeDelta::seconds(change as i64);
                let result = act(store.as_ref(), id, 1_000, |inquiry| {
                    inquiry.resume(now, &mut random).map(|opened| opened.events)
                })
                .await;
                match result {
                    Ok(_) => *accepted.entry(id).or_default() += 1,
                    Err(ActError::GaveUp(_)) => {}
                    Err(error) => return Err(backend(error)),
                }
            }
            Ok(accepted)
        }));
    }
    let mut accepted: BTreeMap<InquiryId, u64> = BTreeMap::new();
    for task in tasks {
        for (id, count) in task.await.map_err(backend)?? {
            *accepted.entry(id).or_default() += count;
        }
    }
    let mut outbox = Vec::new();
    loop {
        let batch = store.take_outbox(1_000).await.map_err(backend)?;
        if batch.is_empty() {
            break;
        }
        outbox.extend(batch);
    }
    for id in ids {
        let stored = store
            .load(id)
            .await
            .map_err(backend)?
            .ok_or_else(|| backend("lost"))?;
        let changes = accepted.get(&id).copied().unwrap_or(0);
        ensure!(
            stored.revision() == 1 + changes,
            "{id}: revision {} after {changes} accepted changes",
            stored.revision()
        );
        let mut sequences: Vec<u64> = outbox
            .iter()
            .filter(|e| e.inquiry_id == id)
            .map(|e| e.sequence)
            .collect();
        sequences.sort_unstable();
        let expected: Vec<u64> = (1..=stored.last_sequence()).collect();
        ensure!(
            sequences == expected,
            "{id}: the outbox holds sequences {sequences:?}, expected each of 1..={} once",
            stored.last_sequence()
        );
    }
    Ok(())
}

/// The due listing returns only due inquiries, earliest first, and honours its limit.
pub async fn due_listing<S: InquiryStore>(store: &S) -> Result<(), SuiteFailure> {
    let mut random = SeededRandom::new(4);
    let policy = Policy::builder()
        .expire_after_create(TimeDelta::hours(1))
        .build()
        .map_err(backend)?;
    let mut expected = Vec::new();
    // Created one minute apart, in scrambled order: due one minute apart from 01:00.
    for minute in [3, 0, 4, 1, 2, 9] {
        let created = t0() + TimeDelta::minutes(minute);
        let (inquiry, events) = Inquiry::create(&policy, created, &mut random);
        store.insert(&inquiry, &events).await.map_err(backend)?;
        expected.push((minute, inquiry.id()));
    }
    expected.sort();
    let order: Vec<InquiryId> = expected.iter().map(|(_, id)| *id).collect();
    let at = t0() + TimeDelta::hours(1) + TimeDelta::minutes(4);
    let due = store.due(at, 100).await.map_err(backend)?;
    ensure!(
        due == order[..5],
        "due at 01:04 listed {due:?}, expected {:?}",
        &order[..5]
    );
    let limited = store.due(at, 2).await.map_err(backend)?;
    ensure!(limited == order[..2], "a limit of 2 listed {limited:?}");
    ensure!(
        store.due(t0(), 100).await.map_err(backend)?.is_empty(),
        "nothing is due at creation"
    );
    let swept = super::sweep(store, at, 100).await.map_err(backend)?;
    ensure!(
        swept.len() == 5,
        "sweeping expired {} inquiries, expected 5",
        swept.len()
    );
    ensure!(
        store.due(at, 100).await.map_err(backend)?.is_empty(),
        "swept inquiries are still due"
    );
    Ok(())
}

/// With a record under `id` that fails validation (planted by the caller), `load` answers
/// [`StoreError::Corrupt`] and nothing panics.
pub async fn check_corrupt_record<S: InquiryStore>(
    store: &S,
    id: InquiryId,
) -> Result<(), SuiteFailure> {
    let loaded = store.load(id).await;
    ensure!(
        matches!(loaded, Err(StoreError::Corrupt { .. })),
        "loading a corrupt record answered {loaded:?}"
    );
    Ok(())
}
