//! The conformance suite for mirror stores (feature `store-suite`).
//!
//! A store runs it from its own tests:
//!
//! ```
//! use inquiry_lifecycle_mirror::{suite, MemoryMirrorStore};
//!
//! #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! async fn main() {
//!     suite::run(MemoryMirrorStore::new).await.unwrap();
//! }
//! ```
//!
//! It checks insert and load (a record comes back equal), compare-and-swap (a stale
//! revision writes nothing), the listing's order, pages and limit, and that concurrent
//! receivers of one inquiry's deliveries lose no update: every event is in the history
//! exactly once, the revision counts the deliveries that changed the mirror, and the state
//! is the newest event's payload ([`concurrent_receivers`]).

use std::fmt;
use std::sync::Arc;

pub use inquiry_lifecycle_store::suite::SuiteFailure;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use inquiry_lifecycle::{Inquiry, InquiryId, Policy, SeededRandom};
use inquiry_lifecycle_store::StoreError;
use inquiry_lifecycle_wire::{sign, EventDocument, Inflection, Resource, WebhookSecret};

use crate::{receive, Answer, Delivery, Mirror, MirrorStore, Verifier};

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

const SECRET: &str = "wbhsec_suite_0123456789";

/// The event documents of one inquiry's history: created, started, resumed a few times,
/// completed, approved, redacted (with their session events), in sequence order.
pub fn history(seed: u64) -> Result<Vec<EventDocument>, SuiteFailure> {
    let broken =
        |error: inquiry_lifecycle::Error| SuiteFailure(format!("the suite's history: {error}"));
    let mut random = SeededRandom::new(seed);
    let at = |minutes: i64| t0() + TimeDelta::minutes(minutes);
    let (mut inquiry, created) =
        Inquiry::create(&Policy::default(), at(0), &mut random).map_err(broken)?;
    let mut documents = EventDocument::for_change(None, &inquiry, &created).map_err(broken)?;
    use inquiry_lifecycle::rules::Action::*;
    for (minutes, action) in [
        (1, Start),
        (2, Resume),
        (3, Resume),
        (4, Resume),
        (5, Complete),
        (6, Approve),
        (7, Redact),
    ] {
        let before = inquiry.clone();
        let events = inquiry
            .act(action, at(minutes), &mut random)
            .map_err(broken)?
            .events;
        documents
            .extend(EventDocument::for_change(Some(&before), &inquiry, &events).map_err(broken)?);
    }
    // Every change at its own, later instant (a check on the suite's own data).
    ensure!(
        documents
            .windows(2)
            .all(|pair| pair[0].created_at <= pair[1].created_at)
            && documents.last().map(|last| last.created_at) == Some(at(7)),
        "the suite's history does not move forward in time"
    );
    Ok(documents)
}

/// Runs every check on fresh stores from `make`; the first broken property is the error.
pub async fn run<S, F>(make: F) -> Result<(), SuiteFailure>
where
    S: MirrorStore + 'static,
    F: Fn() -> S,
{
    insert_and_load(&make()).await?;
    compare_and_swap(&make()).await?;
    listing(&make()).await?;
    concurrent_receivers(Arc::new(make()), 4).await
}

/// A mirror with a state, a history and a mark, as a store must keep it.
fn sample(seed: u64) -> Result<Mirror, SuiteFailure> {
    let documents = history(seed)?;
    let inquiry = crate::inquiry_of(&documents[0]);
    let mut mirror = Mirror::new(inquiry);
    for document in documents.iter().rev().take(6) {
        let _answer = mirror.apply(document);
    }
    // A forged `pending` a day after the redaction marks it (M4).
    let mut forged = documents[0].clone();
    forged.id = inquiry_lifecycle::EventId::of(inquiry, 999);
    forged.sequence = Some(999);
    forged.created_at = t0() + TimeDelta::days(1);
    if let Resource::Inquiry(resource) = &mut forged.payload {
        resource.status = inquiry_lifecycle::Status::Pending;
    }
    let _answer = mirror.apply(&forged);
    Ok(mirror)
}

/// Insert then load gives the mirror back equal; a second insert is
/// [`StoreError::Duplicate`]; a mirror never stored loads as `None`.
pub async fn insert_and_load<S: MirrorStore>(store: &S) -> Result<(), SuiteFailure> {
    let mirror = sample(1)?;
    ensure!(
        mirror.needs_reconcile().is_some(),
        "the sample mirror should be marked"
    );
    store.insert_mirror(&mirror).await.map_err(backend)?;
    let loaded = store.load_mirror(mirror.inquiry()).await.map_err(backend)?;
    ensure!(
        loaded.as_ref() == Some(&mirror),
        "loaded {loaded:?}, inserted {mirror:?}"
    );
    match store.insert_mirror(&mirror).await {
        Err(StoreError::Duplicate(id)) if id == mirror.inquiry() => {}
        other => {
            return Err(SuiteFailure(format!(
                "a second insert answered {other:?}, not Duplicate"
            )))
        }
    }
    let missing = sample(2)?.inquiry();
    let loaded = store.load_mirror(missing).await.map_err(backend)?;
    ensure!(
        loaded.is_none(),
        "a mirror never stored loaded as {loaded:?}"
    );
    Ok(())
}

/// A save on the stored revision replaces the mirror; a save on another revision, or of a
/// mirror never stored, is [`StoreError::Conflict`] and writes nothing.
pub async fn compare_and_swap<S: MirrorStore>(store: &S) -> Result<(), SuiteFailure> {
    let documents = history(3)?;
    let mut mirror = Mirror::new(crate::inquiry_of(&documents[0]));
    let _answer = mirror.apply(&documents[0]);
    store.insert_mirror(&mirror).await.map_err(backend)?;
    let stored = mirror.clone();
    let _answer = mirror.apply(&documents[1]);
    match store.save_mirror(&mirror, stored.revision() + 1).await {
        Err(StoreError::Conflict {
            expected,
            stored: Some(revision),
            ..
        }) if expected == stored.revision() + 1 && revision == stored.revision() => {}
        other => {
            return Err(SuiteFailure(format!(
                "a save on a wrong revision answered {other:?}"
            )))
        }
    }
    let loaded = store.load_mirror(mirror.inquiry()).await.map_err(backend)?;
    ensure!(
        loaded.as_ref() == Some(&stored),
        "a refused save wrote {loaded:?}"
    );
    store
        .save_mirror(&mirror, stored.revision())
        .await
        .map_err(backend)?;
    let loaded = store.load_mirror(mirror.inquiry()).await.map_err(backend)?;
    ensure!(
        loaded.as_ref() == Some(&mirror),
        "a save on the stored revision left {loaded:?}"
    );
    let never = Mirror::new(crate::inquiry_of(&history(4)?[0]));
    match store.save_mirror(&never, 0).await {
        Err(StoreError::Conflict { stored: None, .. }) => {}
        other => {
            return Err(SuiteFailure(format!(
                "saving a mirror never stored answered {other:?}"
            )))
        }
    }
    Ok(())
}

/// The listing gives mirrors in inquiry id order, from after the id given, at most
/// `limit`; paging through it gives every mirror once.
pub async fn listing<S: MirrorStore>(store: &S) -> Result<(), SuiteFailure> {
    let mut ids: Vec<InquiryId> = Vec::new();
    for seed in 10..17 {
        let mirror = sample(seed)?;
        store.insert_mirror(&mirror).await.map_err(backend)?;
        ids.push(mirror.inquiry());
    }
    ids.sort();
    let mut paged = Vec::new();
    let mut after = None;
    // Bounded, so that a store whose pages never end fails instead of looping.
    for _ in 0..=ids.len() {
        let page = store.list_mirrors(after, 3).await.map_err(backend)?;
        ensure!(page.len() <= 3, "a page of at most 3 held {}", page.len());
        let Some(last) = page.last() else { break };
        after = Some(last.inquiry());
        paged.extend(page.iter().map(Mirror::inquiry));
    }
    ensure!(paged == ids, "paging listed {paged:?}, expected {ids:?}");
    let empty = store.list_mirrors(None, 0).await.map_err(backend)?;
    ensure!(empty.is_empty(), "a limit of 0 listed {}", empty.len());
    Ok(())
}

/// `receivers` tasks receive one inquiry's deliveries at once, each in its own order
/// (and every delivery twice, as a provider retrying): no update is lost. Every event is
/// in the stored history once, the revision counts the answers that changed the mirror,
/// and the state is the newest event's payload.
pub async fn concurrent_receivers<S: MirrorStore + 'static>(
    store: Arc<S>,
    receivers: usize,
) -> Result<(), SuiteFailure> {
    let documents = history(5)?;
    let inquiry = crate::inquiry_of(&documents[0]);
    let bodies: Arc<Vec<String>> = Arc::new(
        documents
            .iter()
            .map(|document| document.to_json(Inflection::Kebab))
            .collect(),
    );
    let secret = WebhookSecret::new(SECRET)
        .map_err(|error| SuiteFailure(format!("the suite's secret: {error}")))?;
    let mut tasks = Vec::new();
    for receiver in 0..receivers {
        let (store, bodies) = (Arc::clone(&store), Arc::clone(&bodies));
        let secret = secret.clone();
        tasks.push(tokio::spawn(async move {
            let verifier = Verifier::new(vec![secret.clone()]);
            let secrets = [secret];
            let mut answers = Vec::new();
            // Each receiver takes every delivery twice: forward from its own starting
            // point round to it, then backward from the newest.
            let (before, from) = bodies.split_at(receiver.min(bodies.len()));
            for body in from.iter().chain(before).chain(bodies.iter().rev()) {
                let header = sign(&secrets, t0().timestamp(), body.as_bytes());
                let delivery = Delivery {
                    body: body.as_bytes(),
                    signature: Some(&header),
                };
                answers.push(receive(&*store, &delivery, &verifier, t0(), 64).await);
            }
            answers
        }));
    }
    let mut changed = 0;
    for task in tasks {
        let answers = task
            .await
            .map_err(|error| SuiteFailure(format!("a receiver panicked: {error}")))?;
        for answer in answers {
            let answer = answer.map_err(backend)?;
            ensure!(
                !matches!(answer, Answer::Refused(_) | Answer::NeedsReconcile(_)),
                "a true history answered {answer:?}"
            );
            changed += u64::from(answer.changed());
        }
    }
    let mirror = store
        .load_mirror(inquiry)
        .await
        .map_err(backend)?
        .ok_or_else(|| SuiteFailure("the receivers stored no mirror".to_owned()))?;
    let mut seen: Vec<_> = mirror.history().iter().map(|seen| seen.event).collect();
    seen.sort();
    let mut expected: Vec<_> = documents.iter().map(|document| document.id).collect();
    expected.sort();
    ensure!(
        seen == expected,
        "the history holds {} events, {} were delivered (each must be there once)",
        seen.len(),
        expected.len()
    );
    ensure!(
        mirror.revision() == changed,
        "revision {} after {changed} changing answers: an update was lost",
        mirror.revision()
    );
    let newest = documents
        .iter()
        .rev()
        .find_map(|document| match &document.payload {
            Resource::Inquiry(resource) => Some(resource),
            Resource::Session(_) => None,
        });
    ensure!(
        mirror.state() == newest,
        "the state is {:?}, the newest event's payload {newest:?}",
        mirror.state()
    );
    Ok(())
}
