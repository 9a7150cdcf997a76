//! Properties of the wire format over every reachable inquiry and history the core's
//! strategies draw.

use chrono::{DateTime, TimeDelta, Utc};
use inquiry_lifecycle::strategies::{self, Player};
use inquiry_lifecycle::{Inquiry, SessionStatus, Status};
use inquiry_lifecycle_wire::{
    EventDocument, IncomingEvent, Inflection, InquiryDocument, InquiryResource, Resource,
    SessionResource, SessionsDocument,
};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// What the core says about `inquiry` at `now`, field by field, as W1 names them.
fn expected_at(inquiry: &Inquiry, now: DateTime<Utc>) -> InquiryResource {
    // The core's own view at `now`: what is due applied to a copy (E4, E5).
    let mut seen = inquiry.clone();
    let _view = seen.apply_due(now);
    let resource = InquiryResource::of(&seen);
    assert_eq!(resource.status, inquiry.status_at(now));
    assert_eq!(resource.expires_at, inquiry.deadline_at(now));
    resource
}

proptest! {
    #![proptest_config(config())]

    /// Writing any reachable inquiry, as seen at any time, in any inflection, then reading
    /// it back keeps every lifecycle field: status, reference, each stamp, the deadline,
    /// and the session records (W1, W2, W5, W7).
    #[test]
    fn writing_then_reading_keeps_every_lifecycle_field(
        player in strategies::played(),
        later in 0i64..3 * 86_400,
    ) {
        let inquiry = player.inquiry();
        let now = inquiry.updated_at() + TimeDelta::seconds(later);
        let resource = InquiryResource::at(inquiry, now);
        let expected = expected_at(inquiry, now);
        prop_assert_eq!(&resource, &expected);
        prop_assert_eq!(resource.status, inquiry.status_at(now));
        prop_assert_eq!(resource.completed_at.or(resource.failed_at), inquiry.finished_at());
        prop_assert_eq!(resource.decisioned_at, inquiry.decided_at());
        prop_assert_eq!(resource.redacted_at, inquiry.redacted_at());
        prop_assert_eq!(resource.started_at, inquiry.started_at());
        prop_assert_eq!(resource.created_at, inquiry.created_at());
        let sessions = SessionResource::list_at(inquiry, now);
        prop_assert_eq!(sessions.len(), inquiry.sessions().len());
        prop_assert_eq!(
            sessions.iter().filter(|s| s.status != SessionStatus::Expired).count(),
            inquiry.live_sessions_at(now)
        );
        for inflection in Inflection::ALL {
            let text = InquiryDocument::new(resource.clone()).to_json(inflection);
            prop_assert_eq!(&InquiryDocument::from_json(&text).unwrap().inquiry, &resource);
            let text = SessionsDocument::new(sessions.clone()).to_json(inflection);
            prop_assert_eq!(&SessionsDocument::from_json(&text).unwrap().sessions, &sessions);
        }
    }

    /// Every change of every history turns into event documents (W6) whose payload is the
    /// resource right after the event: an inquiry event's payload status is the event's
    /// status after, the change's last inquiry event shows the inquiry exactly as the
    /// change left it, a session event's payload is in the status its name says; ids are
    /// the core's, and every document reads back as written, in every inflection.
    #[test]
    fn event_payloads_are_the_resource_right_after_the_event(timeline in strategies::timeline(0..40)) {
        let Ok(mut player) = Player::new(&timeline.policy, timeline.seed, timeline.start) else {
            return Ok(());
        };
        let created = EventDocument::for_change(None, player.inquiry(), player.events()).unwrap();
        prop_assert_eq!(created.len(), 1);
        prop_assert_eq!(&created[0].payload, &Resource::Inquiry(InquiryResource::of(player.inquiry())));
        for (step, now) in timeline.steps.iter().zip(timeline.times()) {
            let before = player.inquiry().clone();
            let Ok(events) = player.step(step.step, now) else { continue };
            let after = player.inquiry();
            let documents = EventDocument::for_change(Some(&before), after, &events).unwrap();
            prop_assert_eq!(documents.len(), events.len());
            let last_inquiry_event = events.iter().rposition(|e| !e.name.is_session_event());
            for (index, (document, event)) in documents.iter().zip(events.iter()).enumerate() {
                prop_assert_eq!(document.id, event.id());
                prop_assert_eq!(document.created_at, event.at);
                prop_assert_eq!(document.sequence, Some(event.sequence));
                match &document.payload {
                    Resource::Inquiry(inquiry) => {
                        prop_assert!(!event.name.is_session_event());
                        prop_assert_eq!(inquiry.status, event.status_after);
                        prop_assert_eq!(inquiry.updated_at, event.at);
                        if Some(index) == last_inquiry_event {
                            let mut expected = InquiryResource::of(after);
                            expected.updated_at = event.at;
                            prop_assert_eq!(inquiry, &expected);
                        } else {
                            // V1: only a due expiry comes before the change's own event.
                            prop_assert_eq!(inquiry.status, Status::Expired);
                            prop_assert_eq!(inquiry.expires_at, None);
                            prop_assert_eq!(inquiry.expired_at, Some(event.at));
                        }
                    }
                    Resource::Session(session) => {
                        prop_assert!(event.name.is_session_event());
                        prop_assert_eq!(Some(session.id), event.session_id);
                        let status = match event.name.as_str() {
                            "inquiry-session.created" => SessionStatus::New,
                            "inquiry-session.started" => SessionStatus::Active,
                            _ => SessionStatus::Expired,
                        };
                        prop_assert_eq!(session.status, status);
                        if status == SessionStatus::Expired {
                            prop_assert_eq!(session.expired_at, Some(event.at));
                        }
                    }
                }
                for inflection in Inflection::ALL {
                    let text = document.to_json(inflection);
                    prop_assert_eq!(
                        EventDocument::from_json(&text).unwrap(),
                        IncomingEvent::Known(document.clone())
                    );
                }
            }
        }
    }
}

/// A change's events are refused when they are not the events from `before` to `after`.
#[test]
fn events_of_another_change_are_refused() {
    let mut player = Player::new(
        &inquiry_lifecycle::Policy::default(),
        1,
        chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 1, 1, 0, 0, 0).unwrap(),
    )
    .unwrap();
    let t0 = player.inquiry().created_at();
    let before = player.inquiry().clone();
    let events = player
        .step(strategies::Step::Act(inquiry_lifecycle::Action::Start), t0)
        .unwrap();
    let after = player.inquiry().clone();
    let refused = |before: Option<&Inquiry>, events: &[inquiry_lifecycle::Event]| {
        let error = EventDocument::for_change(before, &after, events).unwrap_err();
        assert!(error.to_string().contains("not one change"), "{error}");
    };
    refused(Some(&before), &events[..1]); // one missing
    refused(Some(&after), &events); // already applied
    refused(None, &events); // not a creation
    refused(Some(&before), &[events[1].clone(), events[0].clone()]); // out of order
    let other = Player::new(&inquiry_lifecycle::Policy::default(), 2, t0).unwrap();
    refused(Some(other.inquiry()), &events); // another inquiry
                                             // The change itself is accepted, and so is an empty change of an unchanged inquiry.
    assert_eq!(
        EventDocument::for_change(Some(&before), &after, &events)
            .unwrap()
            .len(),
        2
    );
    assert!(EventDocument::for_change(Some(&after), &after, &[])
        .unwrap()
        .is_empty());
}
