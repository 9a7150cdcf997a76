//! The failures integrators report most, each replayed against the mirror (M3, M4).

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use inquiry_lifecycle::{Event, Inquiry, Policy, SeededRandom, Status};
use inquiry_lifecycle_mirror::{Answer, Mirror};
use inquiry_lifecycle_wire::{EventDocument, InquiryResource, Resource};

fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap() + TimeDelta::minutes(minutes)
}

/// The provider's side: an inquiry and the documents of every change so far.
struct Provider {
    inquiry: Inquiry,
    random: SeededRandom,
    documents: Vec<EventDocument>,
}

impl Provider {
    fn new() -> Provider {
        let mut random = SeededRandom::new(42);
        let (inquiry, created) = Inquiry::create(&Policy::default(), at(0), &mut random).unwrap();
        let documents = EventDocument::for_change(None, &inquiry, &created).unwrap();
        Provider {
            inquiry,
            random,
            documents,
        }
    }

    /// Applies one change and returns its documents (also kept in `documents`).
    fn change(
        &mut self,
        operation: impl FnOnce(&mut Inquiry, &mut SeededRandom) -> Vec<Event>,
    ) -> Vec<EventDocument> {
        let before = self.inquiry.clone();
        let events = operation(&mut self.inquiry, &mut self.random);
        let documents = EventDocument::for_change(Some(&before), &self.inquiry, &events).unwrap();
        self.documents.extend(documents.iter().cloned());
        documents
    }

    fn named(&self, name: &str) -> Vec<EventDocument> {
        self.documents
            .iter()
            .filter(|d| d.name.as_str() == name)
            .cloned()
            .collect()
    }
}

fn status_of(document: &EventDocument) -> Status {
    match &document.payload {
        Resource::Inquiry(resource) => resource.status,
        Resource::Session(_) => panic!("{} is a session event", document.name),
    }
}

/// A `processing`-like event arriving after the final one: the provider retried
/// `inquiry.started` (pending) after the inquiry was completed and approved. It is older,
/// so it is kept in the history and the approval stands.
#[test]
fn a_late_non_final_event_after_the_final_one_is_stale() {
    let mut provider = Provider::new();
    let started =
        provider.change(|inquiry, random| inquiry.start(at(1), random).unwrap().events.into_vec());
    provider.change(|inquiry, _| inquiry.complete(at(8)).unwrap().into_vec());
    let approved = provider.change(|inquiry, _| inquiry.approve(at(30)).unwrap().into_vec());
    let mut mirror = Mirror::new(provider.inquiry.id());
    for document in &approved {
        mirror.apply(document);
    }
    assert_eq!(mirror.status(), Some(Status::Approved));
    let late = &started[0];
    assert_eq!(status_of(late), Status::Pending);
    assert_eq!(mirror.apply(late), Answer::Stale);
    assert_eq!(mirror.status(), Some(Status::Approved));
    assert_eq!(mirror.last_event(), Some(approved[0].id));
    assert!(mirror
        .history()
        .iter()
        .any(|seen| seen.event == late.id && seen.answer == "stale"));
}

/// The same late `pending`, forged or from a broken provider with a *newer* timestamp:
/// decisions are final, so the mirror does not apply it, says so, and takes a fetched
/// resource to reconcile (M4).
#[test]
fn a_newer_pending_after_a_decision_needs_reconcile_and_a_fetch_clears_it() {
    let mut provider = Provider::new();
    let started =
        provider.change(|inquiry, random| inquiry.start(at(1), random).unwrap().events.into_vec());
    let approved = provider.change(|inquiry, _| inquiry.approve(at(30)).unwrap().into_vec());
    let mut mirror = Mirror::new(provider.inquiry.id());
    mirror.apply(&approved[0]);
    let mut forged = started[0].clone();
    forged.created_at = at(60);
    let Answer::NeedsReconcile(unreachable) = mirror.apply(&forged) else {
        panic!("not marked")
    };
    assert_eq!(unreachable.mirrored, (Status::Approved, false));
    assert_eq!(unreachable.arrived, (Status::Pending, false));
    assert!(
        unreachable.to_string().contains("reconcile it (M4)"),
        "{unreachable}"
    );
    assert_eq!(mirror.status(), Some(Status::Approved));
    assert_eq!(mirror.needs_reconcile(), Some(&unreachable));
    // The integrator fetches the inquiry (GET) and reconciles.
    let fetched = InquiryResource::of(&provider.inquiry);
    assert_eq!(mirror.reconcile(&fetched), Answer::Applied);
    assert!(mirror.needs_reconcile().is_none());
    assert_eq!(mirror.state(), Some(&fetched));
    assert_eq!(mirror.last_event(), None);
    // Every event up to the fetched `updated-at` is older than it.
    assert_eq!(mirror.apply(&started[1]), Answer::Recorded);
    let mut replayed_approval = approved[0].clone();
    replayed_approval.id = inquiry_lifecycle::EventId::of(provider.inquiry.id(), 77);
    assert_eq!(mirror.apply(&replayed_approval), Answer::Stale);
}

/// A resume replaced the session the person started with; the old session's late events
/// (its start, its end) arrive after the new session's and after the completion they
/// belong to. Session events never move the inquiry, and the completion, newer than the
/// resume, is applied whichever came first, so nothing is lost for good.
#[test]
fn events_of_a_replaced_session_are_kept_and_lose_nothing() {
    let mut provider = Provider::new();
    let mut token = None;
    provider.change(|inquiry, random| {
        let opened = inquiry.start(at(1), random).unwrap();
        token = Some(opened.token);
        opened.events.into_vec()
    });
    provider.change(|inquiry, _| {
        inquiry
            .access(token.as_ref(), at(2))
            .unwrap()
            .events
            .into_vec()
    });
    let resumed = provider
        .change(|inquiry, random| inquiry.resume(at(20), random).unwrap().events.into_vec());
    let completed = provider.change(|inquiry, _| inquiry.complete(at(25)).unwrap().into_vec());
    let session_of = |document: &EventDocument| match &document.payload {
        Resource::Session(session) => Some(session.id),
        Resource::Inquiry(_) => None,
    };
    let new_session = resumed.iter().find_map(session_of).unwrap();
    let (new_session_events, old_session_events): (Vec<_>, Vec<_>) = provider
        .documents
        .iter()
        .filter(|document| session_of(document).is_some())
        .cloned()
        .partition(|document| session_of(document) == Some(new_session));
    assert!(
        old_session_events.len() >= 3,
        "created, started, expired: {old_session_events:?}"
    );

    let mut mirror = Mirror::new(provider.inquiry.id());
    for document in &new_session_events {
        assert_eq!(mirror.apply(document), Answer::Recorded);
    }
    let completion = &completed[0];
    assert_eq!(completion.name.as_str(), "inquiry.completed");
    assert_eq!(mirror.apply(completion), Answer::Applied);
    for document in &old_session_events {
        assert_eq!(mirror.apply(document), Answer::Recorded);
    }
    for name in ["inquiry.created", "inquiry.started", "inquiry.resumed"] {
        for document in provider.named(name) {
            assert_eq!(mirror.apply(&document), Answer::Stale, "{name}");
        }
    }
    assert_eq!(mirror.status(), Some(Status::Completed));
    let Resource::Inquiry(completed_state) = &completion.payload else {
        unreachable!()
    };
    assert_eq!(mirror.state(), Some(completed_state));
    assert_eq!(mirror.history().len(), provider.documents.len());
}

/// An inquiry expired at its deadline and was resumed later (T7): the resume's `pending`
/// is newer than the `expired`, whichever arrives first, and reachable from it, so it is
/// applied in both orders and never marked.
#[test]
fn a_resumes_pending_after_expired_wins_in_either_order() {
    let mut provider = Provider::new();
    provider.change(|inquiry, random| inquiry.start(at(1), random).unwrap().events.into_vec());
    let deadline = provider.inquiry.deadline().unwrap();
    let expired = provider.change(|inquiry, _| {
        inquiry
            .apply_due(deadline + TimeDelta::minutes(5))
            .into_vec()
    });
    let expiry = expired
        .iter()
        .find(|d| d.name.as_str() == "inquiry.expired")
        .unwrap()
        .clone();
    assert_eq!(
        expiry.created_at, deadline,
        "a due expiry is dated at the deadline (E4)"
    );
    let resumed = provider.change(|inquiry, random| {
        inquiry
            .resume(deadline + TimeDelta::hours(2), random)
            .unwrap()
            .events
            .into_vec()
    });
    let resume = resumed
        .iter()
        .find(|d| d.name.as_str() == "inquiry.resumed")
        .unwrap()
        .clone();
    assert_eq!(status_of(&resume), Status::Pending);

    let mut in_order = Mirror::new(provider.inquiry.id());
    assert_eq!(in_order.apply(&expiry), Answer::Applied);
    assert_eq!(in_order.status(), Some(Status::Expired));
    assert_eq!(
        in_order.apply(&resume),
        Answer::Applied,
        "T7 makes pending reachable from expired"
    );

    let mut reversed = Mirror::new(provider.inquiry.id());
    assert_eq!(reversed.apply(&resume), Answer::Applied);
    assert_eq!(reversed.apply(&expiry), Answer::Stale);

    for mirror in [&in_order, &reversed] {
        assert_eq!(mirror.status(), Some(Status::Pending));
        assert!(mirror.needs_reconcile().is_none());
        assert_eq!(mirror.state(), in_order.state());
    }
}
