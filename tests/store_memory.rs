//! The in-memory store passes the store conformance suite.
#![cfg(feature = "store-suite")]

use inquiry_lifecycle::store::{suite, MemoryStore};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_store_passes_the_conformance_suite() {
    suite::run(MemoryStore::new).await.unwrap();
}

/// A store picked at run time, behind `Box<dyn DynStore>`, keeps the whole contract.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_store_chosen_at_run_time_passes_the_conformance_suite() {
    use inquiry_lifecycle::store::DynStore;
    suite::run(|| Box::new(MemoryStore::new()) as Box<dyn DynStore>)
        .await
        .unwrap();
}

/// `act` hands back what the action returned: start's token opens the flow, and the
/// returned inquiry is the one stored.
#[tokio::test(flavor = "current_thread")]
async fn act_hands_back_the_token_that_start_made_and_the_saved_inquiry() {
    use chrono::{TimeDelta, TimeZone, Utc};
    use inquiry_lifecycle::store::{act, InquiryStore};
    use inquiry_lifecycle::{Inquiry, Policy, SeededRandom, Status};
    let store = MemoryStore::new();
    let mut random = SeededRandom::new(1);
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let (inquiry, created) = Inquiry::create(&Policy::default(), t0, &mut random).unwrap();
    store.insert(&inquiry, &created).await.unwrap();
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
    use inquiry_lifecycle::store::{act, InquiryStore};
    use inquiry_lifecycle::{Action, Inquiry, Policy, SeededRandom, Status};
    let store = MemoryStore::new();
    let mut random = SeededRandom::new(2);
    let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let (inquiry, created) = Inquiry::create(&Policy::default(), t0, &mut random).unwrap();
    store.insert(&inquiry, &created).await.unwrap();
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
}

/// The memory store with one fault.
struct Broken(MemoryStore, Fault);

mod broken {
    use super::{Broken, Fault};
    use chrono::{DateTime, TimeDelta, Utc};
    use inquiry_lifecycle::store::{InquiryStore, Outbound, Outgoing, StoreError};
    use inquiry_lifecycle::{Inquiry, InquiryId};
    use pollster::block_on;
    use std::future::{ready, Future};

    impl Broken {
        /// The events as this store keeps them.
        fn kept<E: Outbound>(&self, events: &[E]) -> Vec<Outgoing> {
            let keep = |e: &E| {
                let payload = match self.1 {
                    Fault::DropsPayloads => None,
                    _ => e.payload().map(str::to_owned),
                };
                Outgoing::new(e.event().clone(), payload)
            };
            match self.1 {
                Fault::LosesEvents => Vec::new(),
                _ => events.iter().map(keep).collect(),
            }
        }
    }

    impl InquiryStore for Broken {
        fn load(
            &self,
            id: InquiryId,
        ) -> impl Future<Output = Result<Option<Inquiry>, StoreError>> + Send {
            let found = match self.1 {
                Fault::LoadsNothing => Ok(None),
                _ => block_on(self.0.load(id)),
            };
            ready(found)
        }
        fn insert<E: Outbound>(
            &self,
            inquiry: &Inquiry,
            events: &[E],
        ) -> impl Future<Output = Result<(), StoreError>> + Send {
            ready(block_on(self.0.insert(inquiry, &self.kept(events))))
        }
        fn save<E: Outbound>(
            &self,
            inquiry: &Inquiry,
            expected: u64,
            events: &[E],
        ) -> impl Future<Output = Result<(), StoreError>> + Send {
            let expected = match self.1 {
                // Reads the stored revision and saves over it.
                Fault::NoCompareAndSwap => block_on(self.0.load(inquiry.id()))
                    .ok()
                    .flatten()
                    .map_or(1, |stored| stored.revision()),
                _ => expected,
            };
            if let (Fault::SkipsQuietSaves, true) = (self.1, events.is_empty()) {
                return ready(Ok(()));
            }
            ready(block_on(self.0.save(inquiry, expected, &self.kept(events))))
        }
        fn due(
            &self,
            now: DateTime<Utc>,
            limit: usize,
        ) -> impl Future<Output = Result<Vec<InquiryId>, StoreError>> + Send {
            let by = match self.1 {
                Fault::DueIgnoresNow => DateTime::<Utc>::MAX_UTC,
                _ => now,
            };
            let listed = block_on(self.0.due(by, limit)).map(|mut ids| {
                if let Fault::DueLatestFirst = self.1 {
                    ids.reverse();
                }
                ids
            });
            ready(listed)
        }
        fn claim_outbox(
            &self,
            now: DateTime<Utc>,
            lease: TimeDelta,
            limit: usize,
        ) -> impl Future<Output = Result<Vec<Outgoing>, StoreError>> + Send {
            let (now, lease) = match self.1 {
                // Claims as if every lease had run out, and leases until `now + lease`.
                Fault::ClaimIgnoresLeases => {
                    let year = TimeDelta::days(365);
                    (now + year, lease - year)
                }
                Fault::LeaseNeverEnds => (now, TimeDelta::days(365)),
                _ => (now, lease),
            };
            self.0.claim_outbox(now, lease, limit)
        }
        fn ack_outbox<E: Outbound>(
            &self,
            events: &[E],
        ) -> impl Future<Output = Result<(), StoreError>> + Send {
            let acked = match self.1 {
                Fault::AckForgets => &[],
                _ => events,
            };
            self.0.ack_outbox(acked)
        }
        fn fail_outbox<E: Outbound>(
            &self,
            events: &[E],
            attempted_at: DateTime<Utc>,
            retry_at: Option<DateTime<Utc>>,
        ) -> impl Future<Output = Result<(), StoreError>> + Send {
            let retry_at = match self.1 {
                Fault::NeverParks => retry_at.or(Some(attempted_at)),
                _ => retry_at,
            };
            self.0.fail_outbox(events, attempted_at, retry_at)
        }
        fn parked_outbox(
            &self,
            limit: usize,
        ) -> impl Future<Output = Result<Vec<Outgoing>, StoreError>> + Send {
            self.0.parked_outbox(limit)
        }
        fn redrive_outbox<E: Outbound>(
            &self,
            events: &[E],
        ) -> impl Future<Output = Result<(), StoreError>> + Send {
            let redriven = match self.1 {
                Fault::RedriveForgets => &[],
                _ => events,
            };
            self.0.redrive_outbox(redriven)
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
    use inquiry_lifecycle::store::InquiryStore;
    use inquiry_lifecycle::{Inquiry, Policy, SeededRandom};
    use pollster::block_on;
    let store = MemoryStore::new();
    assert!(store.is_empty());
    assert_eq!(store.len(), 0);
    let t0 = chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let (inquiry, events) =
        Inquiry::create(&Policy::default(), t0, &mut SeededRandom::new(1)).unwrap();
    block_on(store.insert(&inquiry, &events)).unwrap();
    assert!(!store.is_empty());
    assert_eq!(store.len(), 1);
}

/// Issue 14: a handler answers any error with one line; the table in the store docs.
#[test]
fn every_store_and_act_error_has_a_code_and_an_http_status() {
    use inquiry_lifecycle::store::{ActError, StoreError};
    use inquiry_lifecycle::{Error, InquiryId};
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
            (error.code(), error.http_status()),
            (code, status),
            "{error}"
        );
        if let ActError::Store(store) = &error {
            assert_eq!((store.code(), store.http_status()), (code, status));
        }
    }
}

/// `sweep_rendering` applies what is due and commits what its `Render` makes of each
/// change's events: the expiry's payload comes back from the outbox.
#[tokio::test]
async fn sweep_rendering_commits_the_rendered_events() {
    use chrono::{TimeDelta, TimeZone, Utc};
    use inquiry_lifecycle::store::{sweep_rendering, InquiryStore, Outgoing, Render};
    use inquiry_lifecycle::{Event, Inquiry, Policy, SeededRandom};

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
    store.insert(&inquiry, &created).await.unwrap();
    let later = t0 + TimeDelta::days(2);
    let swept = sweep_rendering(&store, later, 10, &Named).await.unwrap();
    assert_eq!(swept.len(), 1);
    assert_eq!(swept[0].name.as_str(), "inquiry.expired");
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
    use inquiry_lifecycle::store::{act, act_rendering, Change, InquiryStore, Outgoing, Render};
    use inquiry_lifecycle::{Event, Inquiry, Policy, SeededRandom};

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
        store.insert(&inquiry, &created).await.unwrap();
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
