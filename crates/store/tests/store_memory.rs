//! The in-memory store passes the store conformance suite.
#![cfg(feature = "store-suite")]

use inquiry_lifecycle_store::{suite, MemoryStore};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_store_passes_the_conformance_suite() {
    suite::run(MemoryStore::new).await.unwrap();
}

/// A store picked at run time, behind `Arc<dyn Store>`, keeps the whole contract.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_store_chosen_at_run_time_passes_the_conformance_suite() {
    use inquiry_lifecycle_store::Store;
    use std::sync::Arc;
    suite::run(|| Arc::new(MemoryStore::new()) as Arc<dyn Store>)
        .await
        .unwrap();
}

/// `act` hands back what the action returned: start's token opens the flow, and the
/// returned inquiry is the one stored.
#[tokio::test(flavor = "current_thread")]
async fn act_hands_back_the_token_that_start_made_and_the_saved_inquiry() {
    use chrono::{TimeDelta, TimeZone, Utc};
    use inquiry_lifecycle::{Inquiry, Policy, SeededRandom, Status};
    use inquiry_lifecycle_store::{act, InquiryStore, Outgoing};
    let store = MemoryStore::new();
    let mut random = SeededRandom::new(1);
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let (inquiry, created) = Inquiry::create(&Policy::default(), t0, &mut random).unwrap();
    store
        .insert(&inquiry, &Outgoing::plain(&created), None)
        .await
        .unwrap();
    let started = act(&store, inquiry.id(), 3, |i| i.start(t0, &mut random))
        .await
        .unwrap();
    assert_eq!(started.inquiry.recorded_status(), Status::Pending);
    assert_eq!(started.inquiry.revision(), 2);
    let stored = store.load(inquiry.id()).await.unwrap().unwrap();
    assert_eq!(stored, started.inquiry);
    let token = started.outcome.token;
    let later = t0 + TimeDelta::minutes(1);
    let granted = act(&store, inquiry.id(), 3, |i| i.access(Some(&token), later))
        .await
        .unwrap();
    assert_eq!(granted.outcome.session_id, Some(started.outcome.session_id));
    assert_eq!(
        granted.outcome.events[0].name.as_str(),
        "inquiry-session.started"
    );
    // A no-op saves nothing and hands back the inquiry as loaded.
    let again = act(&store, inquiry.id(), 3, |i| i.access(Some(&token), later))
        .await
        .unwrap();
    assert!(again.outcome.events.is_empty());
    assert_eq!(again.inquiry.revision(), 3);
}

/// `act` saves what `Inquiry::act` yields for actions given as data, token included.
#[tokio::test(flavor = "current_thread")]
async fn act_saves_the_events_of_an_action_given_as_data() {
    use chrono::{TimeZone, Utc};
    use inquiry_lifecycle::{Action, Inquiry, Policy, SeededRandom, Status};
    use inquiry_lifecycle_store::{act, InquiryStore, Outgoing};
    let store = MemoryStore::new();
    let mut random = SeededRandom::new(2);
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let (inquiry, created) = Inquiry::create(&Policy::default(), t0, &mut random).unwrap();
    store
        .insert(&inquiry, &Outgoing::plain(&created), None)
        .await
        .unwrap();
    let acted = act(&store, inquiry.id(), 3, |i| {
        i.act(Action::Start, t0, &mut random)
    })
    .await
    .unwrap();
    assert!(acted.outcome.opened.is_some());
    assert_eq!(acted.outcome.events.len(), 2);
    let stored = store.load(inquiry.id()).await.unwrap().unwrap();
    assert_eq!(stored.recorded_status(), Status::Pending);
    assert_eq!(stored.revision(), 2);
    // Every change's events reach the outbox with it: the action's (an `Outcome`), and an
    // access that starts the session (a `Granted`).
    let token = acted.outcome.opened.unwrap().1;
    let granted = act(&store, inquiry.id(), 3, |i| i.access(Some(&token), t0))
        .await
        .unwrap();
    assert_eq!(granted.outcome.events.len(), 1);
    let outbox = suite::drain(&store).await.unwrap();
    let names: Vec<&str> = outbox.iter().map(|event| event.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "inquiry.created",
            "inquiry.started",
            "inquiry-session.created",
            "inquiry-session.started"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_store_loses_no_update_under_heavy_contention() {
    let store = std::sync::Arc::new(MemoryStore::new());
    suite::no_lost_update(store, 8, 400).await.unwrap();
}

/// One way a store can break the contract, for showing that the suite notices it.
#[derive(Clone, Copy)]
enum Fault {
    /// `save` ignores the expected revision: last writer wins.
    NoCompareAndSwap,
    /// Committed events never reach the outbox.
    LosesEvents,
    /// `load` finds nothing.
    LoadsNothing,
    /// `due` lists latest first.
    DueLatestFirst,
    /// `due` lists what will be due at any time, not only by `now`.
    DueIgnoresNow,
    /// `claim_outbox` hands out events another publisher holds.
    ClaimIgnoresLeases,
    /// `claim_outbox` leases forever: a dead publisher's events never come back.
    LeaseNeverEnds,
    /// `ack_outbox` removes nothing.
    AckForgets,
    /// `save` with no events writes nothing (and says it did): a store that took the
    /// outbox's events as the sign of a change.
    SkipsQuietSaves,
    /// `insert` and `save` keep the events but not the payloads rendered for them.
    DropsPayloads,
    /// `fail_outbox` without a retry instant retries at once instead of parking.
    NeverParks,
    /// `redrive_outbox` does nothing: a parked event stays parked.
    RedriveForgets,
    /// `insert` and `save` commit the change but not the keyed answer given with it.
    AnswerNotCommitted,
    /// `claim_key` takes every key as new, whatever it answered before.
    KeyAlwaysNew,
    /// `release_key` does nothing: a failed request's key stays taken.
    ReleaseForgets,
    /// Kept answers are never forgotten.
    KeysNeverExpire,
    /// `fail_outbox` forgets which receivers took the event.
    ForgetsReceivers,
    /// `parked_outbox` ignores its cursor: every page is the first.
    ParkedFromTheStart,
    /// The record of this inquiry fails validation when loaded.
    CorruptRecord(inquiry_lifecycle::InquiryId),
}

/// The memory store with one fault.
struct Broken(MemoryStore, Fault);

mod broken {
    use super::{Broken, Fault};
    use async_trait::async_trait;
    use chrono::{DateTime, TimeDelta, TimeZone, Utc};
    use inquiry_lifecycle::{Inquiry, InquiryId};
    use inquiry_lifecycle_store::{
        IdempotencyKey, IdempotencyStore, InquiryStore, KeptAnswer, KeyClaim, Keyed, Outbox,
        Outgoing, StoreError,
    };

    impl Broken {
        /// The events as this store keeps them.
        fn kept(&self, events: &[Outgoing]) -> Vec<Outgoing> {
            let keep = |e: &Outgoing| {
                let payload = match self.1 {
                    Fault::DropsPayloads => None,
                    _ => e.payload.clone(),
                };
                Outgoing::new(e.event.clone(), payload)
            };
            match self.1 {
                Fault::LosesEvents => Vec::new(),
                _ => events.iter().map(keep).collect(),
            }
        }

        /// The keyed answer as this store commits it.
        fn keyed<'a>(&self, keyed: Option<Keyed<'a>>) -> Option<Keyed<'a>> {
            match self.1 {
                Fault::AnswerNotCommitted => None,
                _ => keyed,
            }
        }
    }

    #[async_trait]
    impl InquiryStore for Broken {
        async fn load(&self, id: InquiryId) -> Result<Option<Inquiry>, StoreError> {
            match self.1 {
                Fault::LoadsNothing => Ok(None),
                Fault::CorruptRecord(bad) if bad == id => Err(StoreError::Corrupt {
                    id,
                    error: inquiry_lifecycle::Error::invalid_input("a planted bad record"),
                }),
                _ => self.0.load(id).await,
            }
        }
        async fn insert(
            &self,
            inquiry: &Inquiry,
            events: &[Outgoing],
            keyed: Option<Keyed<'_>>,
        ) -> Result<(), StoreError> {
            self.0
                .insert(inquiry, &self.kept(events), self.keyed(keyed))
                .await
        }
        async fn save(
            &self,
            inquiry: &Inquiry,
            expected: u64,
            events: &[Outgoing],
            keyed: Option<Keyed<'_>>,
        ) -> Result<(), StoreError> {
            let expected = match self.1 {
                // Reads the stored revision and saves over it.
                Fault::NoCompareAndSwap => self
                    .0
                    .load(inquiry.id())
                    .await
                    .ok()
                    .flatten()
                    .map_or(1, |stored| stored.revision()),
                _ => expected,
            };
            if let (Fault::SkipsQuietSaves, true) = (self.1, events.is_empty()) {
                return Ok(());
            }
            self.0
                .save(inquiry, expected, &self.kept(events), self.keyed(keyed))
                .await
        }
        async fn due(
            &self,
            now: DateTime<Utc>,
            limit: usize,
        ) -> Result<Vec<InquiryId>, StoreError> {
            let by = match self.1 {
                Fault::DueIgnoresNow => DateTime::<Utc>::MAX_UTC,
                _ => now,
            };
            self.0.due(by, limit).await.map(|mut ids| {
                if let Fault::DueLatestFirst = self.1 {
                    ids.reverse();
                }
                ids
            })
        }
    }

    #[async_trait]
    impl Outbox for Broken {
        async fn claim_outbox(
            &self,
            now: DateTime<Utc>,
            lease: TimeDelta,
            limit: usize,
        ) -> Result<Vec<Outgoing>, StoreError> {
            let (now, lease) = match self.1 {
                // Claims as if every lease had run out, and leases until `now + lease`.
                Fault::ClaimIgnoresLeases => {
                    let year = TimeDelta::days(365);
                    (now + year, lease - year)
                }
                Fault::LeaseNeverEnds => (now, TimeDelta::days(365)),
                _ => (now, lease),
            };
            self.0.claim_outbox(now, lease, limit).await
        }
        async fn ack_outbox(&self, events: &[Outgoing]) -> Result<(), StoreError> {
            let acked = match self.1 {
                Fault::AckForgets => &[],
                _ => events,
            };
            self.0.ack_outbox(acked).await
        }
        async fn fail_outbox(
            &self,
            events: &[Outgoing],
            attempted_at: DateTime<Utc>,
            retry_at: Option<DateTime<Utc>>,
        ) -> Result<(), StoreError> {
            let retry_at = match self.1 {
                Fault::NeverParks => retry_at.or(Some(attempted_at)),
                _ => retry_at,
            };
            let forgotten: Vec<Outgoing>;
            let events = match self.1 {
                Fault::ForgetsReceivers => {
                    forgotten = self.kept(events);
                    &forgotten
                }
                _ => events,
            };
            self.0.fail_outbox(events, attempted_at, retry_at).await
        }
        async fn parked_outbox(
            &self,
            after: Option<u64>,
            limit: usize,
        ) -> Result<Vec<Outgoing>, StoreError> {
            let after = match self.1 {
                Fault::ParkedFromTheStart => None,
                _ => after,
            };
            self.0.parked_outbox(after, limit).await
        }
        async fn redrive_outbox(&self, events: &[Outgoing]) -> Result<(), StoreError> {
            let redriven = match self.1 {
                Fault::RedriveForgets => &[],
                _ => events,
            };
            self.0.redrive_outbox(redriven).await
        }
    }

    #[async_trait]
    impl IdempotencyStore for Broken {
        async fn claim_key(
            &self,
            key: &IdempotencyKey,
            fingerprint: [u8; 32],
            now: DateTime<Utc>,
        ) -> Result<KeyClaim, StoreError> {
            match self.1 {
                Fault::KeyAlwaysNew => {
                    self.0.release_key(key).await?;
                    self.0.claim_key(key, fingerprint, now).await
                }
                // Every claim at one instant: nothing ever grows old.
                Fault::KeysNeverExpire => {
                    let epoch = Utc.timestamp_opt(0, 0).unwrap();
                    self.0.claim_key(key, fingerprint, epoch).await
                }
                _ => self.0.claim_key(key, fingerprint, now).await,
            }
        }
        async fn keep_answer(
            &self,
            key: &IdempotencyKey,
            answer: &KeptAnswer,
        ) -> Result<(), StoreError> {
            self.0.keep_answer(key, answer).await
        }
        async fn release_key(&self, key: &IdempotencyKey) -> Result<(), StoreError> {
            match self.1 {
                Fault::ReleaseForgets => Ok(()),
                _ => self.0.release_key(key).await,
            }
        }
    }
}

/// The suite is not a check that cannot fail: each broken store is caught by `run`, by the
/// check meant for its fault, with a message that names the problem.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_suite_catches_each_broken_store() {
    let cases = [
        (Fault::LoadsNothing, "loaded None"),
        (Fault::LosesEvents, "the outbox holds"),
        (Fault::NoCompareAndSwap, "stale save"),
        (Fault::DueLatestFirst, "due at 01:04 listed"),
        (Fault::DueIgnoresNow, "due at 01:04 listed"),
        (
            Fault::ClaimIgnoresLeases,
            "during the lease another claim returned",
        ),
        (
            Fault::LeaseNeverEnds,
            "after the lease the next claim returned",
        ),
        (Fault::AckForgets, "acknowledged events were claimed again"),
        (
            Fault::SkipsQuietSaves,
            "a change without events was not saved",
        ),
        (Fault::DropsPayloads, "claimed payloads [None, None]"),
        (
            Fault::NeverParks,
            "claimed before the retry was due, or a parked event",
        ),
        (
            Fault::RedriveForgets,
            "a redriven event is still listed as parked",
        ),
        (
            Fault::AnswerNotCommitted,
            "a keyed insert's answer came back as Running",
        ),
        (
            Fault::KeyAlwaysNew,
            "a key whose request runs answered Taken",
        ),
        (Fault::ReleaseForgets, "a released key answered Mismatch"),
        (Fault::KeysNeverExpire, "old was still kept"),
        (Fault::ParkedFromTheStart, "did not end after 3 pages"),
        (
            Fault::ForgetsReceivers,
            "after an attempt that reached b, claimed with receivers [[]]",
        ),
    ];
    for (fault, expected) in cases {
        let failure = suite::run(|| Broken(MemoryStore::new(), fault))
            .await
            .expect_err(expected);
        let message = failure.to_string();
        assert!(message.starts_with("store contract broken: "), "{message}");
        assert!(message.contains(expected), "{expected}: {message}");
    }
}

/// A store that loses events fails the concurrent writers' check on its own: every
/// revision is right, but the outbox misses sequence numbers.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_suite_catches_lost_events_under_contention() {
    let store = std::sync::Arc::new(Broken(MemoryStore::new(), Fault::LosesEvents));
    let failure = suite::no_lost_update(store, 4, 40).await.unwrap_err();
    assert!(
        failure.0.contains("the outbox holds sequences"),
        "{failure}"
    );
}

/// A store whose claims ignore leases fails the concurrent publishers' check on its own:
/// two publishers hold the same events.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_suite_catches_two_publishers_holding_one_event() {
    let store = std::sync::Arc::new(Broken(MemoryStore::new(), Fault::ClaimIgnoresLeases));
    let failure = suite::publishers_never_share_an_event(store)
        .await
        .unwrap_err();
    assert!(
        failure.0.contains("events held by two publishers at once"),
        "{failure}"
    );
    // The same check passes on the real store.
    let store = std::sync::Arc::new(MemoryStore::new());
    suite::publishers_never_share_an_event(store).await.unwrap();
}

/// A store without compare-and-swap also fails the concurrent check on its own: updates
/// are lost, or events reach the outbox twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_suite_catches_lost_updates_under_contention() {
    let store = std::sync::Arc::new(Broken(MemoryStore::new(), Fault::NoCompareAndSwap));
    let failure = suite::no_lost_update(store, 8, 400).await.unwrap_err();
    assert!(
        failure.0.contains("revision") || failure.0.contains("outbox"),
        "{failure}"
    );
}

#[test]
fn memory_store_counts_what_it_holds() {
    use chrono::TimeZone;
    use inquiry_lifecycle::{Inquiry, Policy, SeededRandom};
    use inquiry_lifecycle_store::{InquiryStore, Outgoing};
    use pollster::block_on;
    let store = MemoryStore::new();
    assert!(store.is_empty());
    assert_eq!(store.len(), 0);
    let t0 = chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let (inquiry, events) =
        Inquiry::create(&Policy::default(), t0, &mut SeededRandom::new(1)).unwrap();
    block_on(store.insert(&inquiry, &Outgoing::plain(&events), None)).unwrap();
    assert!(!store.is_empty());
    assert_eq!(store.len(), 1);
}

/// Issue 14: a handler answers any error with one line; the table in the store docs.
#[test]
fn every_store_and_act_error_has_a_code_and_an_http_status() {
    use inquiry_lifecycle::{Error, InquiryId};
    use inquiry_lifecycle_store::{ActError, StoreError};
    let id = InquiryId::parse("inq_AAAAAAAAAAAAAAAAAAAAAAAA").unwrap();
    let cases: Vec<(ActError, &str, u16)> = vec![
        (StoreError::NotFound(id).into(), "not_found", 404),
        (
            StoreError::Conflict {
                id,
                expected: 1,
                stored: Some(2),
            }
            .into(),
            "conflict",
            409,
        ),
        (ActError::GaveUp(3), "conflict", 409),
        (StoreError::Duplicate(id).into(), "duplicate", 409),
        (
            StoreError::Corrupt {
                id,
                error: Error::invalid_input("x"),
            }
            .into(),
            "corrupt_record",
            500,
        ),
        (
            StoreError::Unavailable("down".into()).into(),
            "store_unavailable",
            503,
        ),
        (
            StoreError::Backend("broken".into()).into(),
            "store_failed",
            503,
        ),
        (
            Error::InvalidTransition {
                action: inquiry_lifecycle::Action::Start,
                status: inquiry_lifecycle::Status::Approved,
            }
            .into(),
            "invalid_transition",
            409,
        ),
        (Error::SessionRequired.into(), "session_required", 401),
    ];
    for (error, code, status) in cases {
        assert_eq!(
            (error.code().as_str(), error.http_status()),
            (code, status),
            "{error}"
        );
        assert_eq!(error.code().to_string(), code);
        if let ActError::Store(store) = &error {
            assert_eq!((store.code().as_str(), store.http_status()), (code, status));
        }
    }
}

/// `sweep_rendering` applies what is due and commits what its `Render` makes of each
/// change's events: the expiry's payload comes back from the outbox.
#[tokio::test]
async fn sweep_rendering_commits_the_rendered_events() {
    use chrono::{TimeDelta, TimeZone, Utc};
    use inquiry_lifecycle::{Event, Inquiry, Policy, SeededRandom};
    use inquiry_lifecycle_store::{sweep_rendering, InquiryStore, Outbox, Outgoing, Render};

    struct Named;
    impl Render for Named {
        fn render(
            &self,
            before: Option<&Inquiry>,
            after: &Inquiry,
            events: &[Event],
        ) -> Vec<Outgoing> {
            let was = before
                .map(|b| b.recorded_status().as_str())
                .unwrap_or("none");
            let now = after.recorded_status().as_str();
            let tag =
                |e: &Event| Outgoing::new(e.clone(), Some(format!("{} {was}->{now}", e.name)));
            events.iter().map(tag).collect()
        }
    }
    let store = MemoryStore::new();
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let (inquiry, created) =
        Inquiry::create(&Policy::default(), t0, &mut SeededRandom::new(3)).unwrap();
    store
        .insert(&inquiry, &Outgoing::plain(&created), None)
        .await
        .unwrap();
    let later = t0 + TimeDelta::days(2);
    let swept = sweep_rendering(&store, later, 10, &Named).await.unwrap();
    assert_eq!(swept.events.len(), 1);
    assert_eq!(swept.events[0].name.as_str(), "inquiry.expired");
    let claimed = store
        .claim_outbox(later, TimeDelta::seconds(30), 10)
        .await
        .unwrap();
    let payloads: Vec<Option<&str>> = claimed.iter().map(|o| o.payload.as_deref()).collect();
    assert_eq!(payloads, [None, Some("inquiry.expired created->expired")]);
}

/// A change that renders its own events (`Change::rendered`) is saved as it rendered them,
/// by `act` and by `act_rendering` alike: its documents win over the `Render` given.
#[tokio::test]
async fn a_change_that_renders_its_events_is_saved_as_rendered() {
    use chrono::{TimeDelta, TimeZone, Utc};
    use inquiry_lifecycle::{Event, Inquiry, Policy, SeededRandom};
    use inquiry_lifecycle_store::{
        act, act_rendering, Change, InquiryStore, Outbox, Outgoing, Render,
    };

    struct Expired(Vec<Event>, Vec<Outgoing>);
    impl Change for Expired {
        fn events(&self) -> &[Event] {
            &self.0
        }
        fn rendered(&self) -> Option<&[Outgoing]> {
            Some(&self.1)
        }
    }
    struct Never;
    impl Render for Never {
        fn render(&self, _: Option<&Inquiry>, _: &Inquiry, events: &[Event]) -> Vec<Outgoing> {
            let never = |e: &Event| Outgoing::new(e.clone(), Some("from the Render".into()));
            events.iter().map(never).collect()
        }
    }
    let expire = |at| {
        move |inquiry: &mut Inquiry| {
            let events = inquiry.expire(at)?.into_vec();
            let own = |e: &Event| Outgoing::new(e.clone(), Some(format!("own {}", e.name)));
            let rendered = events.iter().map(own).collect();
            Ok(Expired(events, rendered))
        }
    };
    let store = MemoryStore::new();
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let mut random = SeededRandom::new(4);
    for through_render in [false, true] {
        let (inquiry, created) = Inquiry::create(&Policy::default(), t0, &mut random).unwrap();
        store
            .insert(&inquiry, &Outgoing::plain(&created), None)
            .await
            .unwrap();
        let acted = if through_render {
            act_rendering(&store, inquiry.id(), 1, &Never, expire(t0)).await
        } else {
            act(&store, inquiry.id(), 1, expire(t0)).await
        };
        assert_eq!(acted.unwrap().outcome.0.len(), 1);
        let claimed = store
            .claim_outbox(t0, TimeDelta::seconds(30), 10)
            .await
            .unwrap();
        let payloads: Vec<Option<&str>> = claimed.iter().map(|o| o.payload.as_deref()).collect();
        assert_eq!(
            payloads,
            [None, Some("own inquiry.expired")],
            "{through_render}"
        );
        store.ack_outbox(&claimed).await.unwrap();
    }
}

/// The audit: the sweeper stopped a whole batch at the first bad record, so a corrupt record
/// due first starved every other due inquiry of its expiry. Now it is set aside, reported
/// with why, and the others expire.
#[tokio::test(flavor = "current_thread")]
async fn a_corrupt_record_is_set_aside_and_the_other_due_inquiries_expire() {
    use chrono::{TimeDelta, TimeZone, Utc};
    use inquiry_lifecycle::{Inquiry, Policy, SeededRandom};
    use inquiry_lifecycle_store::{sweep, ActError, InquiryStore, Outgoing, StoreError};
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let inner = MemoryStore::new();
    let mut random = SeededRandom::new(30);
    let mut ids = Vec::new();
    for minute in 0..5 {
        let created = t0 + TimeDelta::minutes(minute);
        let (inquiry, events) = Inquiry::create(&Policy::default(), created, &mut random).unwrap();
        inner
            .insert(&inquiry, &Outgoing::plain(&events), None)
            .await
            .unwrap();
        ids.push(inquiry.id());
    }
    // The first one falls due first.
    let store = Broken(inner, Fault::CorruptRecord(ids[0]));
    let swept = sweep(&store, t0 + TimeDelta::days(2), 100).await.unwrap();
    assert_eq!(swept.events.len(), 4, "the other four expire");
    assert!(swept
        .events
        .iter()
        .all(|event| event.name.as_str() == "inquiry.expired" && event.inquiry_id != ids[0]));
    assert_eq!(swept.set_aside.len(), 1);
    let (id, error) = &swept.set_aside[0];
    assert_eq!(*id, ids[0]);
    assert!(
        matches!(error, ActError::Store(StoreError::Corrupt { .. })),
        "{error:?}"
    );
}

/// An idempotency key's debug form names the key, not the client's digest (noise in a log
/// line, and a key is what an operator searches for).
#[test]
fn an_idempotency_key_debugs_as_its_key() {
    let key = inquiry_lifecycle_store::IdempotencyKey {
        client: [0xAB; 32],
        key: "resume-1".to_owned(),
    };
    let shown = format!("{key:?}");
    assert_eq!(shown, "IdempotencyKey { key: \"resume-1\", .. }");
}

/// The suite's corrupt-record check fails for a store that answers a record it should
/// have refused (the memory store keeps typed inquiries, so a good one stands in), and for
/// one that finds nothing.
#[tokio::test(flavor = "current_thread")]
async fn the_corrupt_record_check_fails_for_a_store_that_loads_the_record() {
    use chrono::{TimeZone, Utc};
    use inquiry_lifecycle::{Inquiry, InquiryId, Policy, SeededRandom};
    use inquiry_lifecycle_store::{InquiryStore, Outgoing};
    let store = MemoryStore::new();
    let mut random = SeededRandom::new(3);
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let (inquiry, events) = Inquiry::create(&Policy::default(), t0, &mut random).unwrap();
    store
        .insert(&inquiry, &Outgoing::plain(&events), None)
        .await
        .unwrap();
    let failure = suite::check_corrupt_record(&store, inquiry.id())
        .await
        .unwrap_err();
    assert!(
        failure
            .to_string()
            .contains("loading a corrupt record answered Ok(Some"),
        "{failure}"
    );
    let nothing = InquiryId::generate(&mut random);
    let failure = suite::check_corrupt_record(&store, nothing)
        .await
        .unwrap_err();
    assert!(failure.to_string().contains("Ok(None)"), "{failure}");
}

/// The suite's crash test on its own: a store that does not commit a keyed answer with its
/// change (the process dies before anything else could record it) would run the retried
/// change twice, and the check says so; the real store passes it.
#[tokio::test(flavor = "current_thread")]
async fn the_crash_test_catches_a_store_that_would_apply_a_retry_twice() {
    let broken = Broken(MemoryStore::new(), Fault::AnswerNotCommitted);
    let failure = suite::a_lost_answer_is_replayed_never_applied_twice(&broken)
        .await
        .unwrap_err();
    assert!(
        failure
            .0
            .contains("attempt 1 of a keyed request whose answer was lost")
            && failure.0.contains("the change would run twice"),
        "{failure}"
    );
    suite::a_lost_answer_is_replayed_never_applied_twice(&MemoryStore::new())
        .await
        .unwrap();
}
