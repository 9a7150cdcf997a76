//! The conformance suite for store implementers (feature `store-suite`).
//!
//! A downstream store runs it from its own tests in a few lines:
//!
//! ```
//! use inquiry_lifecycle_store::{suite, MemoryStore};
//!
//! #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! async fn main() {
//!     suite::run(MemoryStore::new).await.unwrap();
//! }
//! ```
//!
//! It checks insert and load, compare-and-swap conflicts, that a change without events is
//! saved ([`a_change_without_events_is_saved`]), that no update is lost under
//! concurrent writers (the final revision equals the number of accepted changes, and each
//! accepted change's events reach the outbox exactly once), the order and limit of the
//! due listing, and the outbox's at-least-once delivery: a publisher that claims and dies
//! leaves its events to the next one ([`publisher_dies_and_the_next_delivers`]), and two
//! publishers never hold the same event at once ([`publishers_never_share_an_event`]);
//! payloads rendered at commit come back with their events, and failed deliveries are
//! counted, retried when due, parked and redriven ([`payloads_and_failed_deliveries`]).
//! [`check_corrupt_record`] checks that a record planted by the caller that
//! fails validation is reported as [`StoreError::Corrupt`].

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};

use crate::{
    act, act_keyed, act_rendering, ActError, IdempotencyKey, KeptAnswer, KeyClaim, Keyed, Outgoing,
    Render, Store, StoreError, KEPT_FOR,
};
use inquiry_lifecycle::{Event, EventId, Events, Inquiry, InquiryId, Policy, SeededRandom};

/// The lease the suite's publishers take.
const LEASE: TimeDelta = TimeDelta::seconds(30);

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
    S: Store + 'static,
    F: Fn() -> S,
{
    insert_and_load(&make()).await?;
    compare_and_swap(&make()).await?;
    a_change_without_events_is_saved(&make()).await?;
    no_lost_update(Arc::new(make()), 4, 50).await?;
    due_listing(&make()).await?;
    publisher_dies_and_the_next_delivers(&make()).await?;
    publishers_never_share_an_event(Arc::new(make())).await?;
    payloads_and_failed_deliveries(&make()).await?;
    parked_events_page(&make()).await?;
    receivers_are_remembered(&make()).await?;
    idempotency_keys(&make()).await?;
    a_keyed_answer_commits_with_its_change(&make()).await?;
    a_lost_answer_is_replayed_never_applied_twice(&make()).await?;
    Ok(())
}

/// An inquiry created at `t0` and inserted with its creation events (plain).
async fn inserted<S: Store + ?Sized>(
    store: &S,
    random: &mut SeededRandom,
) -> Result<(Inquiry, Events), SuiteFailure> {
    let (inquiry, events) = Inquiry::create(&Policy::default(), t0(), random).map_err(backend)?;
    store
        .insert(&inquiry, &Outgoing::plain(&events), None)
        .await
        .map_err(backend)?;
    Ok((inquiry, events))
}

/// The events of claimed outbox entries.
fn plain(claimed: Vec<Outgoing>) -> Vec<Event> {
    claimed.into_iter().map(|outgoing| outgoing.event).collect()
}

/// Inserted inquiries load back equal; a second insert of the same id is refused.
pub async fn insert_and_load<S: Store>(store: &S) -> Result<(), SuiteFailure> {
    let mut random = SeededRandom::new(1);
    let (inquiry, events) =
        Inquiry::create(&Policy::default(), t0(), &mut random).map_err(backend)?;
    ensure!(
        store.load(inquiry.id()).await.map_err(backend)?.is_none(),
        "an empty store loads an inquiry"
    );
    store
        .insert(&inquiry, &Outgoing::plain(&events), None)
        .await
        .map_err(backend)?;
    let loaded = store.load(inquiry.id()).await.map_err(backend)?;
    ensure!(
        loaded.as_ref() == Some(&inquiry),
        "loaded {loaded:?}, inserted {inquiry:?}"
    );
    let again = store
        .insert(&inquiry, &Outgoing::plain(&events), None)
        .await;
    ensure!(
        matches!(again, Err(StoreError::Duplicate(_))),
        "a duplicate insert answered {again:?}"
    );
    let outbox = drain(store).await?;
    ensure!(
        events == outbox,
        "the outbox holds {outbox:?}, expected the creation events once"
    );
    Ok(())
}

/// A change that yields no event (a repeat redemption of a one-time link within its grace
/// replaces the session's token: V1, L3) is saved, with nothing added to the outbox: the
/// stored record holds the new token's digest, so the token handed out works after a
/// reload and the one before it does not.
pub async fn a_change_without_events_is_saved<S: Store>(store: &S) -> Result<(), SuiteFailure> {
    let mut random = SeededRandom::new(7);
    let (inquiry, _events) = inserted(store, &mut random).await?;
    let id = inquiry.id();
    let at = |minutes| t0() + TimeDelta::minutes(minutes);
    let linked = act(store, id, 3, |inquiry| inquiry.link(at(1), &mut random))
        .await
        .map_err(backend)?
        .outcome;
    let first = act(store, id, 3, |inquiry| {
        inquiry.redeem(&linked.code, at(2), &mut random)
    })
    .await
    .map_err(backend)?;
    let _ = drain(store).await?;
    let again = act(store, id, 3, |inquiry| {
        inquiry.redeem(&linked.code, at(3), &mut random)
    })
    .await
    .map_err(backend)?;
    ensure!(
        again.outcome.events.is_empty(),
        "a repeat redemption yielded events"
    );
    let mut stored = store
        .load(id)
        .await
        .map_err(backend)?
        .ok_or_else(|| SuiteFailure(format!("{id} is gone")))?;
    ensure!(
        stored == again.inquiry && stored.revision() == first.inquiry.revision() + 1,
        "a change without events was not saved: stored revision {}, expected {}",
        stored.revision(),
        first.inquiry.revision() + 1
    );
    ensure!(
        stored.access(Some(&again.outcome.token), at(4)).is_ok()
            && stored.access(Some(&first.outcome.token), at(4)).is_err(),
        "the stored record does not hold the newest token"
    );
    let outbox = drain(store).await?;
    ensure!(outbox.is_empty(), "the outbox got {outbox:?} for no event");
    Ok(())
}

/// A save on a stale revision is refused and never overwrites.
pub async fn compare_and_swap<S: Store>(store: &S) -> Result<(), SuiteFailure> {
    let mut random = SeededRandom::new(2);
    let (inquiry, events) = inserted(store, &mut random).await?;
    let mut first = inquiry.clone();
    let mut second = inquiry.clone();
    let first_events = first.start(t0(), &mut random).map_err(backend)?.events;
    let second_events = second.expire(t0()).map_err(backend)?;
    let first_events = first_events.into_vec();
    store
        .save(&first, 1, &Outgoing::plain(&first_events), None)
        .await
        .map_err(backend)?;
    let stale = store
        .save(&second, 1, &Outgoing::plain(&second_events), None)
        .await;
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
    let outbox = drain(store).await?;
    let expected: Vec<Event> = events.into_iter().chain(first_events).collect();
    ensure!(
        outbox == expected,
        "a refused save left events in the outbox"
    );
    Ok(())
}

/// `writers` tasks each make `changes` resumes on the same three inquiries at once: the final
/// revisions count exactly the accepted changes, and every event reaches the outbox once.
pub async fn no_lost_update<S: Store + 'static>(
    store: Arc<S>,
    writers: usize,
    changes: usize,
) -> Result<(), SuiteFailure> {
    let mut random = SeededRandom::new(3);
    let mut ids = Vec::new();
    for _ in 0..3 {
        let (inquiry, _events) = inserted(&*store, &mut random).await?;
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
                    inquiry.resume(now, &mut random)
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
    let outbox = drain(store.as_ref()).await?;
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
        each_event_once(&outbox, &stored)?;
    }
    Ok(())
}

/// The due listing returns only due inquiries, earliest first, and honours its limit.
pub async fn due_listing<S: Store>(store: &S) -> Result<(), SuiteFailure> {
    let mut random = SeededRandom::new(4);
    let policy = Policy::builder()
        .expire_after_create(TimeDelta::hours(1))
        .build()
        .map_err(backend)?;
    let mut expected = Vec::new();
    // Created one minute apart, in scrambled order: due one minute apart from 01:00.
    for minute in [3, 0, 4, 1, 2, 9] {
        let created = t0() + TimeDelta::minutes(minute);
        let (inquiry, events) = Inquiry::create(&policy, created, &mut random).map_err(backend)?;
        store
            .insert(&inquiry, &Outgoing::plain(&events), None)
            .await
            .map_err(backend)?;
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
    let swept = crate::sweep(store, at, 100).await.map_err(backend)?;
    let _published = drain(store).await?;
    ensure!(
        swept.events.len() == 5 && swept.set_aside.is_empty(),
        "sweeping expired {} inquiries and set aside {:?}, expected 5 and none",
        swept.events.len(),
        swept.set_aside
    );
    ensure!(
        store.due(at, 100).await.map_err(backend)?.is_empty(),
        "swept inquiries are still due"
    );
    Ok(())
}

/// With a record under `id` that fails validation (planted by the caller), `load` answers
/// [`StoreError::Corrupt`] and nothing panics.
pub async fn check_corrupt_record<S: Store>(store: &S, id: InquiryId) -> Result<(), SuiteFailure> {
    let loaded = store.load(id).await;
    ensure!(
        matches!(loaded, Err(StoreError::Corrupt { .. })),
        "loading a corrupt record answered {loaded:?}"
    );
    Ok(())
}

/// Stores a new inquiry, then starts it: three committed events (created, started, and the
/// session's), returned in order.
async fn created_and_started<S: Store + ?Sized>(
    store: &S,
    random: &mut SeededRandom,
) -> Result<Vec<Event>, SuiteFailure> {
    let (mut inquiry, created) =
        Inquiry::create(&Policy::default(), t0(), random).map_err(backend)?;
    store
        .insert(&inquiry, &Outgoing::plain(&created), None)
        .await
        .map_err(backend)?;
    let started = inquiry.start(t0(), random).map_err(backend)?;
    store
        .save(&inquiry, 1, &Outgoing::plain(&started.events), None)
        .await
        .map_err(backend)?;
    Ok(created.into_iter().chain(started.events).collect())
}

/// Every event of `inquiry`'s history (sequence 1 to its last) is among `events` exactly
/// once: none lost, none duplicated.
pub fn each_event_once(events: &[Event], inquiry: &Inquiry) -> Result<(), SuiteFailure> {
    let id = inquiry.id();
    let mut sequences: Vec<u64> = events
        .iter()
        .filter(|e| e.inquiry_id == id)
        .map(|e| e.sequence)
        .collect();
    sequences.sort_unstable();
    let expected: Vec<u64> = (1..=inquiry.last_sequence()).collect();
    ensure!(
        sequences == expected,
        "{id}: the outbox holds sequences {sequences:?}, expected each of 1..={} once",
        inquiry.last_sequence()
    );
    Ok(())
}

/// Claims and acknowledges every event in the outbox, as one publisher that delivers
/// everything it gets; returns them in the order claimed.
pub async fn drain<S: Store + ?Sized>(store: &S) -> Result<Vec<Event>, SuiteFailure> {
    let mut all = Vec::new();
    loop {
        let batch = store
            .claim_outbox(t0(), LEASE, 1_000)
            .await
            .map_err(backend)?;
        if batch.is_empty() {
            return Ok(all);
        }
        store.ack_outbox(&batch).await.map_err(backend)?;
        all.extend(plain(batch));
    }
}

/// At least once: a publisher claims events and dies before acknowledging them. Until its
/// lease ends nobody else gets them; from then on the next publisher claims the same events
/// (same ids, same order), delivers and acknowledges them, and they are gone for good.
pub async fn publisher_dies_and_the_next_delivers<S: Store>(store: &S) -> Result<(), SuiteFailure> {
    let committed = created_and_started(store, &mut SeededRandom::new(5)).await?;

    // The first publisher claims two of the three events, then dies.
    let dying = plain(store.claim_outbox(t0(), LEASE, 2).await.map_err(backend)?);
    ensure!(
        dying == committed[..2],
        "a claim of 2 returned {dying:?}, expected the oldest two of {committed:?}"
    );
    let during = t0() + LEASE - TimeDelta::seconds(1);
    let rest = plain(
        store
            .claim_outbox(during, LEASE, 10)
            .await
            .map_err(backend)?,
    );
    ensure!(
        rest == committed[2..],
        "during the lease another claim returned {rest:?}, expected only the unclaimed event"
    );
    store
        .ack_outbox(&Outgoing::plain(&rest))
        .await
        .map_err(backend)?;

    // The lease ends unacknowledged: the next publisher gets the same events.
    let after = t0() + LEASE;
    let redelivered = plain(
        store
            .claim_outbox(after, LEASE, 10)
            .await
            .map_err(backend)?,
    );
    let ids = |events: &[Event]| events.iter().map(Event::id).collect::<Vec<EventId>>();
    ensure!(
        ids(&redelivered) == ids(&dying),
        "after the lease the next claim returned {:?}, expected the dead publisher's {:?}",
        ids(&redelivered),
        ids(&dying)
    );
    store
        .ack_outbox(&Outgoing::plain(&redelivered))
        .await
        .map_err(backend)?;
    // Acknowledged events are gone for good; acknowledging again is harmless.
    store
        .ack_outbox(&Outgoing::plain(&redelivered))
        .await
        .map_err(backend)?;
    let later = after + LEASE + LEASE;
    let left = store
        .claim_outbox(later, LEASE, 10)
        .await
        .map_err(backend)?;
    ensure!(
        left.is_empty(),
        "acknowledged events were claimed again: {left:?}"
    );
    Ok(())
}

/// No event is held by two publishers at once. First deterministically: a second publisher
/// claims while the first holds its batch, and gets other events. Then four publishers
/// claim small batches at once from what is left; together they deliver every event
/// exactly once (each acknowledges what it claimed; no lease runs out).
pub async fn publishers_never_share_an_event<S: Store + 'static>(
    store: Arc<S>,
) -> Result<(), SuiteFailure> {
    let mut random = SeededRandom::new(6);
    let mut committed = Vec::new();
    for _ in 0..50 {
        let events = created_and_started(store.as_ref(), &mut random).await?;
        committed.extend(events.iter().map(Event::id));
    }
    // Two publishers in turn: the second claims while the first still holds its batch.
    let first = plain(store.claim_outbox(t0(), LEASE, 7).await.map_err(backend)?);
    let second = plain(store.claim_outbox(t0(), LEASE, 7).await.map_err(backend)?);
    let shared: Vec<EventId> = second
        .iter()
        .map(Event::id)
        .filter(|id| first.iter().any(|e| e.id() == *id))
        .collect();
    ensure!(
        shared.is_empty() && first.len() == 7 && second.len() == 7,
        "events held by two publishers at once: {shared:?} (claims of 7 got {} and {})",
        first.len(),
        second.len()
    );
    store
        .ack_outbox(&Outgoing::plain(&first))
        .await
        .map_err(backend)?;
    store
        .ack_outbox(&Outgoing::plain(&second))
        .await
        .map_err(backend)?;
    // Disjoint, as checked: each delivered once so far.
    let mut delivered: BTreeMap<EventId, usize> =
        first.iter().chain(&second).map(|e| (e.id(), 1)).collect();
    // Then four at once, on what is left.
    let mut publishers = Vec::new();
    for _ in 0..4 {
        let store = Arc::clone(&store);
        publishers.push(tokio::spawn(async move {
            let mut delivered = Vec::new();
            loop {
                let batch = store.claim_outbox(t0(), LEASE, 7).await.map_err(backend)?;
                if batch.is_empty() {
                    return Ok::<_, SuiteFailure>(delivered);
                }
                tokio::task::yield_now().await;
                store.ack_outbox(&batch).await.map_err(backend)?;
                delivered.extend(batch.iter().map(|outgoing| outgoing.event.id()));
            }
        }));
    }
    for publisher in publishers {
        for id in publisher.await.map_err(backend)?? {
            *delivered.entry(id).or_default() += 1;
        }
    }
    let twice: Vec<_> = delivered.iter().filter(|(_, n)| **n > 1).collect();
    ensure!(
        twice.is_empty(),
        "events held by two publishers at once: {twice:?}"
    );
    let missing: Vec<_> = committed
        .iter()
        .filter(|id| !delivered.contains_key(id))
        .collect();
    ensure!(
        missing.is_empty() && delivered.len() == committed.len(),
        "{} of {} committed events were never delivered: {missing:?}",
        missing.len(),
        committed.len()
    );
    Ok(())
}

/// Renders each event as its name and sequence, for [`payloads_and_failed_deliveries`].
struct NameAndSequence;

impl Render for NameAndSequence {
    fn render(&self, _: Option<&Inquiry>, _: &Inquiry, events: &[Event]) -> Vec<Outgoing> {
        let render =
            |e: &Event| Outgoing::new(e.clone(), Some(format!("{}#{}", e.name, e.sequence)));
        events.iter().map(render).collect()
    }
}

/// The outbox's delivery bookkeeping. A payload given with an event at commit comes back
/// with it, byte for byte (and none for a plain event). A failed attempt counts one more
/// attempt, keeps the first attempt's instant, and hides the event until its retry is
/// due; a last failure parks it: never claimed again, listed as parked; a redrive makes it
/// claimable at once with its attempts counted from 0, and an acknowledgement removes it.
pub async fn payloads_and_failed_deliveries<S: Store>(store: &S) -> Result<(), SuiteFailure> {
    let mut random = SeededRandom::new(8);
    let (inquiry, _created) = inserted(store, &mut random).await?;
    let expire = |inquiry: &mut Inquiry| inquiry.expire(t0());
    let expired = act_rendering(store, inquiry.id(), 1, &NameAndSequence, expire)
        .await
        .map_err(backend)?;
    ensure!(
        expired.outcome.len() == 1,
        "an expiry yielded {:?}",
        expired.outcome
    );

    let claimed = store.claim_outbox(t0(), LEASE, 10).await.map_err(backend)?;
    let payloads: Vec<Option<&str>> = claimed.iter().map(|o| o.payload.as_deref()).collect();
    ensure!(
        payloads == [None, Some("inquiry.expired#2")],
        "claimed payloads {payloads:?}, expected none for the plain creation event and the rendered one for the expiry"
    );
    ensure!(
        claimed
            .iter()
            .all(|o| o.attempts == 0 && o.first_attempted_at.is_none()),
        "fresh events claimed with attempts: {claimed:?}"
    );

    // Both fail at t1; the first is retried from t2, the second is parked.
    let (t1, t2) = (t0() + LEASE, t0() + LEASE + LEASE);
    store
        .fail_outbox(&claimed[..1], t1, Some(t2))
        .await
        .map_err(backend)?;
    store
        .fail_outbox(&claimed[1..], t1, None)
        .await
        .map_err(backend)?;
    let before_retry = t2 - TimeDelta::seconds(1);
    let early = store
        .claim_outbox(before_retry, LEASE, 10)
        .await
        .map_err(backend)?;
    ensure!(
        early.is_empty(),
        "claimed before the retry was due, or a parked event: {early:?}"
    );
    let retried = store.claim_outbox(t2, LEASE, 10).await.map_err(backend)?;
    ensure!(
        retried.len() == 1
            && retried[0].event == claimed[0].event
            && retried[0].attempts == 1
            && retried[0].first_attempted_at == Some(t1),
        "at the retry claimed {retried:?}, expected the first event with 1 attempt made at {t1}"
    );
    // A second failure counts, and keeps the first attempt's instant.
    let t3 = t2 + LEASE;
    store
        .fail_outbox(&retried, t3, Some(t3))
        .await
        .map_err(backend)?;
    let again = store.claim_outbox(t3, LEASE, 10).await.map_err(backend)?;
    ensure!(
        again.len() == 1 && again[0].attempts == 2 && again[0].first_attempted_at == Some(t1),
        "after a second failure claimed {again:?}, expected 2 attempts, the first at {t1}"
    );
    store.ack_outbox(&again).await.map_err(backend)?;

    let parked = store.parked_outbox(None, 10).await.map_err(backend)?;
    ensure!(
        parked.len() == 1
            && parked[0].event == claimed[1].event
            && parked[0].attempts == 1
            && parked[0].payload.as_deref() == Some("inquiry.expired#2"),
        "parked {parked:?}, expected the expiry with its payload after 1 attempt"
    );
    let much_later = t3 + TimeDelta::days(365);
    let none = store
        .claim_outbox(much_later, LEASE, 10)
        .await
        .map_err(backend)?;
    ensure!(none.is_empty(), "a parked event was claimed: {none:?}");

    store.redrive_outbox(&parked).await.map_err(backend)?;
    ensure!(
        store
            .parked_outbox(None, 10)
            .await
            .map_err(backend)?
            .is_empty(),
        "a redriven event is still listed as parked"
    );
    let redriven = store.claim_outbox(t3, LEASE, 10).await.map_err(backend)?;
    ensure!(
        redriven.len() == 1
            && redriven[0].event == claimed[1].event
            && redriven[0].attempts == 0
            && redriven[0].first_attempted_at == Some(t1),
        "after a redrive claimed {redriven:?}, expected the expiry at once, attempts from 0, first attempt kept"
    );
    store.ack_outbox(&redriven).await.map_err(backend)?;
    let left = store
        .claim_outbox(much_later, LEASE, 10)
        .await
        .map_err(backend)?;
    ensure!(
        left.is_empty(),
        "acknowledged events were claimed again: {left:?}"
    );
    Ok(())
}

/// Parked events page: with a cursor (the last one's position), every parked event is
/// listed once, in commit order, however many there are; the positions grow; a page after
/// the last is empty.
pub async fn parked_events_page<S: Store>(store: &S) -> Result<(), SuiteFailure> {
    let mut random = SeededRandom::new(9);
    for _ in 0..5 {
        let _in_the_outbox = inserted(store, &mut random).await?;
    }
    let claimed = store.claim_outbox(t0(), LEASE, 10).await.map_err(backend)?;
    ensure!(
        claimed.len() == 5,
        "claimed {} events, expected 5",
        claimed.len()
    );
    store
        .fail_outbox(&claimed, t0(), None)
        .await
        .map_err(backend)?;
    let mut listed = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let page = store.parked_outbox(after, 2).await.map_err(backend)?;
        let Some(last) = page.last() else { break };
        pages += 1;
        ensure!(
            pages <= 3,
            "paging 5 parked events by 2 did not end after 3 pages"
        );
        after = Some(last.position);
        listed.extend(page);
    }
    let events: Vec<&Event> = listed.iter().map(|o| &o.event).collect();
    let expected: Vec<&Event> = claimed.iter().map(|o| &o.event).collect();
    ensure!(
        events == expected,
        "paging the parked events by 2 listed {events:?}, expected each of the 5 once, in order"
    );
    ensure!(
        listed
            .windows(2)
            .all(|pair| pair[0].position < pair[1].position),
        "parked positions do not grow: {listed:?}"
    );
    Ok(())
}

/// A failed attempt records the receivers that took the event already: claimed again after
/// a retry, listed as parked, and claimed after a redrive, the event names them, gathered
/// over its attempts, sorted and without duplicates, so a publisher retries it only to the
/// others.
pub async fn receivers_are_remembered<S: Store>(store: &S) -> Result<(), SuiteFailure> {
    let mut random = SeededRandom::new(10);
    let _in_the_outbox = inserted(store, &mut random).await?;
    let mut claimed = store.claim_outbox(t0(), LEASE, 10).await.map_err(backend)?;
    ensure!(
        claimed.len() == 1 && claimed[0].delivered_to.is_empty(),
        "a new event was claimed as {claimed:?}, expected one taken by no receiver yet"
    );
    claimed[0].delivered_to = vec!["b".to_owned()];
    store
        .fail_outbox(&claimed, t0(), Some(t0()))
        .await
        .map_err(backend)?;
    let mut again = store.claim_outbox(t0(), LEASE, 10).await.map_err(backend)?;
    let names = |outgoing: &[Outgoing]| -> Vec<Vec<String>> {
        outgoing.iter().map(|o| o.delivered_to.clone()).collect()
    };
    ensure!(
        names(&again) == [vec!["b".to_owned()]],
        "after an attempt that reached b, claimed with receivers {:?}",
        names(&again)
    );
    again[0].delivered_to = vec!["b".to_owned(), "a".to_owned(), "a".to_owned()];
    store
        .fail_outbox(&again, t0(), None)
        .await
        .map_err(backend)?;
    let both = vec!["a".to_owned(), "b".to_owned()];
    let parked = store.parked_outbox(None, 10).await.map_err(backend)?;
    ensure!(
        names(&parked) == [both.clone()],
        "parked with receivers {:?}, expected [a, b]",
        names(&parked)
    );
    store.redrive_outbox(&parked).await.map_err(backend)?;
    let redriven = store.claim_outbox(t0(), LEASE, 10).await.map_err(backend)?;
    ensure!(
        names(&redriven) == [both],
        "redriven with receivers {:?}, expected [a, b] kept",
        names(&redriven)
    );
    store.ack_outbox(&redriven).await.map_err(backend)?;
    Ok(())
}

fn key(name: &str) -> IdempotencyKey {
    IdempotencyKey {
        client: [7; 32],
        key: name.to_owned(),
    }
}

fn answer(status: u16, body: &str) -> KeptAnswer {
    KeptAnswer {
        status,
        code: None,
        body: body.to_owned(),
    }
}

/// S3, one key's life: a new key is taken; while its request runs a retry is told it is
/// running; the same key with another request is a mismatch; a kept answer is replayed
/// (exactly as kept); a released key is taken again; keys are per client; an answer is
/// forgotten [`KEPT_FOR`] after the key was first taken, and the key is new again.
pub async fn idempotency_keys<S: Store>(store: &S) -> Result<(), SuiteFailure> {
    let (a, b) = ([1; 32], [2; 32]);
    let first = key("k-1");
    let claim = store.claim_key(&first, a, t0()).await.map_err(backend)?;
    ensure!(claim == KeyClaim::Taken, "a new key answered {claim:?}");
    let claim = store.claim_key(&first, a, t0()).await.map_err(backend)?;
    ensure!(
        claim == KeyClaim::Running,
        "a key whose request runs answered {claim:?}"
    );
    let claim = store.claim_key(&first, b, t0()).await.map_err(backend)?;
    ensure!(
        claim == KeyClaim::Mismatch,
        "a key used with another request answered {claim:?}"
    );
    let refused = KeptAnswer {
        status: 409,
        code: Some("not_resumable".to_owned()),
        body: "an approved inquiry is decided".to_owned(),
    };
    store.keep_answer(&first, &refused).await.map_err(backend)?;
    let claim = store.claim_key(&first, a, t0()).await.map_err(backend)?;
    ensure!(
        claim == KeyClaim::Replay(refused.clone()),
        "a kept answer came back as {claim:?}"
    );
    // A kept answer is final: neither a second keep nor a release changes it.
    store
        .keep_answer(&first, &answer(200, "other"))
        .await
        .map_err(backend)?;
    store.release_key(&first).await.map_err(backend)?;
    let claim = store.claim_key(&first, a, t0()).await.map_err(backend)?;
    ensure!(
        claim == KeyClaim::Replay(refused.clone()),
        "a kept answer was changed by a later keep or release: {claim:?}"
    );
    // Another client's key of the same name is its own.
    let other_client = IdempotencyKey {
        client: [8; 32],
        key: "k-1".to_owned(),
    };
    let claim = store
        .claim_key(&other_client, b, t0())
        .await
        .map_err(backend)?;
    ensure!(
        claim == KeyClaim::Taken,
        "another client's key of the same name answered {claim:?}"
    );
    // Released: the next request with the key runs.
    let second = key("k-2");
    store.claim_key(&second, a, t0()).await.map_err(backend)?;
    store.release_key(&second).await.map_err(backend)?;
    let claim = store.claim_key(&second, b, t0()).await.map_err(backend)?;
    ensure!(
        claim == KeyClaim::Taken,
        "a released key answered {claim:?}"
    );
    // Kept for KEPT_FOR, then new again (with any request).
    let almost = t0() + KEPT_FOR - TimeDelta::seconds(1);
    let claim = store.claim_key(&first, a, almost).await.map_err(backend)?;
    ensure!(
        claim == KeyClaim::Replay(refused),
        "an answer was forgotten before {KEPT_FOR}: {claim:?}"
    );
    let claim = store
        .claim_key(&first, b, t0() + KEPT_FOR)
        .await
        .map_err(backend)?;
    ensure!(
        claim == KeyClaim::Taken,
        "an answer {KEPT_FOR} old was still kept: {claim:?}"
    );
    Ok(())
}

/// A keyed change commits its answer with it: after `act_keyed` the key replays that
/// answer; a save refused by compare-and-swap records no answer (the key still runs); a
/// keyed insert keeps its answer too; a keyed no-op keeps its answer on its own.
pub async fn a_keyed_answer_commits_with_its_change<S: Store>(
    store: &S,
) -> Result<(), SuiteFailure> {
    let mut random = SeededRandom::new(21);
    let (inquiry, events) =
        Inquiry::create(&Policy::default(), t0(), &mut random).map_err(backend)?;
    let create = key("create");
    store
        .claim_key(&create, [1; 32], t0())
        .await
        .map_err(backend)?;
    let created = answer(201, "created");
    let keyed = Keyed {
        key: &create,
        answer: &created,
    };
    store
        .insert(&inquiry, &Outgoing::plain(&events), Some(keyed))
        .await
        .map_err(backend)?;
    let claim = store
        .claim_key(&create, [1; 32], t0())
        .await
        .map_err(backend)?;
    ensure!(
        claim == KeyClaim::Replay(created),
        "a keyed insert's answer came back as {claim:?}"
    );

    // A stale save records nothing for its key.
    let stale_key = key("stale");
    store
        .claim_key(&stale_key, [2; 32], t0())
        .await
        .map_err(backend)?;
    let mut stale = inquiry.clone();
    let stale_events = stale.expire(t0()).map_err(backend)?;
    let stale_answer = answer(200, "stale");
    let refused = store
        .save(
            &stale,
            99,
            &Outgoing::plain(&stale_events),
            Some(Keyed {
                key: &stale_key,
                answer: &stale_answer,
            }),
        )
        .await;
    ensure!(
        matches!(refused, Err(StoreError::Conflict { .. })),
        "a save at the wrong revision answered {refused:?}"
    );
    let claim = store
        .claim_key(&stale_key, [2; 32], t0())
        .await
        .map_err(backend)?;
    ensure!(
        claim == KeyClaim::Running,
        "a refused save recorded its key's answer: {claim:?}"
    );

    let resume = key("resume");
    store
        .claim_key(&resume, [3; 32], t0())
        .await
        .map_err(backend)?;
    let acted = act_keyed(
        store,
        inquiry.id(),
        3,
        None,
        &resume,
        |inquiry| inquiry.start(t0(), &mut random),
        |saved, _| answer(200, saved.recorded_status().as_str()),
    )
    .await
    .map_err(backend)?;
    let claim = store
        .claim_key(&resume, [3; 32], t0())
        .await
        .map_err(backend)?;
    ensure!(
        claim == KeyClaim::Replay(answer(200, "pending")),
        "act_keyed's answer came back as {claim:?}"
    );
    ensure!(
        acted.inquiry.revision() == 2,
        "act_keyed saved revision {}",
        acted.inquiry.revision()
    );

    // A no-op (approving twice) has nothing to commit: its answer is kept on its own.
    let _approved = act(store, inquiry.id(), 3, |inquiry| inquiry.approve(t0()))
        .await
        .map_err(backend)?;
    let again = key("approve-again");
    store
        .claim_key(&again, [4; 32], t0())
        .await
        .map_err(backend)?;
    let _repeated = act_keyed(
        store,
        inquiry.id(),
        3,
        None,
        &again,
        |inquiry| inquiry.approve(t0()),
        |_, events| answer(200, &format!("{} events", events.len())),
    )
    .await
    .map_err(backend)?;
    let claim = store
        .claim_key(&again, [4; 32], t0())
        .await
        .map_err(backend)?;
    ensure!(
        claim == KeyClaim::Replay(answer(200, "0 events")),
        "a keyed no-op's answer came back as {claim:?}"
    );
    Ok(())
}

/// The crash the audit found: a keyed change committed, and its process died before the
/// client heard the answer. The client retries with its key: the retry is answered with
/// the committed change's answer and applies nothing (the revision and the outbox show the
/// change once).
pub async fn a_lost_answer_is_replayed_never_applied_twice<S: Store>(
    store: &S,
) -> Result<(), SuiteFailure> {
    let mut random = SeededRandom::new(22);
    let (inquiry, _events) = inserted(store, &mut random).await?;
    let resume = key("lost");
    let fingerprint = [9; 32];
    for attempt in 0..3 {
        match store
            .claim_key(&resume, fingerprint, t0())
            .await
            .map_err(backend)?
        {
            KeyClaim::Taken if attempt == 0 => {
                // The first request commits its change with its answer, as `act_keyed`
                // does, and its process dies right then: nothing after the save runs.
                let mut changed = store
                    .load(inquiry.id())
                    .await
                    .map_err(backend)?
                    .ok_or_else(|| SuiteFailure("the inserted inquiry is gone".to_owned()))?;
                let expected = changed.revision();
                let resumed = changed.resume(t0(), &mut random).map_err(|error| {
                    SuiteFailure(format!("the suite's resume was refused: {error}"))
                })?;
                let committed = answer(200, &changed.revision().to_string());
                let keyed = Keyed {
                    key: &resume,
                    answer: &committed,
                };
                store
                    .save(&changed, expected, &Outgoing::plain(&resumed.events), Some(keyed))
                    .await
                    .map_err(backend)?;
            }
            KeyClaim::Replay(kept) if attempt > 0 => {
                ensure!(
                    kept == answer(200, "2"),
                    "the retry replayed {kept:?}, not the committed answer"
                );
            }
            other => {
                return Err(SuiteFailure(format!(
                    "attempt {attempt} of a keyed request whose answer was lost: {other:?} (the change would run twice)"
                )))
            }
        }
    }
    let stored = store.load(inquiry.id()).await.map_err(backend)?;
    let revision = stored.map(|inquiry| inquiry.revision());
    ensure!(
        revision == Some(2),
        "after one keyed resume and two retries the revision is {revision:?}"
    );
    let outbox = drain(store).await?;
    let resumed = outbox
        .iter()
        .filter(|event| event.name.as_str() == "inquiry.resumed")
        .count();
    ensure!(
        resumed == 1,
        "the outbox holds {resumed} inquiry.resumed events for one keyed resume"
    );
    Ok(())
}
