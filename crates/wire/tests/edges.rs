//! Edges the property and golden tests do not reach on their own: the document size limit
//! at its exact boundary, a one-time link's debug form, a failure's stamp in its event's
//! payload, and a session dropped by S7 within the change that drops it.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use inquiry_lifecycle::{EventName, Inquiry, Policy, SeededRandom, SessionStatus};
use inquiry_lifecycle_wire::{
    EventDocument, Inflection, InquiryDocument, OneTimeLink, Resource, MAX_DOCUMENT_BYTES,
};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

#[test]
fn w7_a_document_of_exactly_the_limit_is_read_and_one_byte_more_is_refused() {
    let mut random = SeededRandom::new(1);
    let (inquiry, _) = Inquiry::create(&Policy::default(), t0(), &mut random).unwrap();
    let text = InquiryDocument::new(inquiry_lifecycle_wire::InquiryResource::of(&inquiry))
        .to_json(Inflection::Kebab);
    // Whitespace after the document keeps it the same JSON.
    let padded = format!("{text}{}", " ".repeat(MAX_DOCUMENT_BYTES - text.len()));
    assert_eq!(padded.len(), MAX_DOCUMENT_BYTES);
    let read = InquiryDocument::from_json(&padded).unwrap();
    assert_eq!(read.inquiry.id, inquiry.id());
    let over = format!("{padded} ");
    let refused = InquiryDocument::from_json(&over).unwrap_err();
    assert!(
        refused.to_string().contains(&format!(
            "{} bytes is more than the {MAX_DOCUMENT_BYTES} bytes",
            MAX_DOCUMENT_BYTES + 1
        )),
        "{refused}"
    );
}

#[test]
fn a_one_time_links_debug_form_names_its_inquiry_and_hides_its_code() {
    let mut random = SeededRandom::new(2);
    let (mut inquiry, _) = Inquiry::create(&Policy::default(), t0(), &mut random).unwrap();
    let linked = inquiry.link(t0(), &mut random).unwrap();
    let secret = linked.code.expose_secret().to_string();
    let link = OneTimeLink::new("https://verify.example", inquiry.id(), linked.code);
    let debug = format!("{link:?}");
    assert_eq!(
        debug,
        format!(
            "OneTimeLink(https://verify.example/verify?inquiry-id={}&code=<redacted>)",
            inquiry.id()
        )
    );
    assert!(!debug.contains(&secret));
    assert!(
        link.expose_url().contains(&secret),
        "the URL itself carries it"
    );
}

#[test]
fn w6_a_failures_payload_carries_when_it_failed() {
    let mut random = SeededRandom::new(3);
    let (mut inquiry, _) = Inquiry::create(&Policy::default(), t0(), &mut random).unwrap();
    let _ = inquiry.start(t0(), &mut random).unwrap();
    let before = inquiry.clone();
    let at = t0() + TimeDelta::minutes(7);
    let events = inquiry.fail(at).unwrap();
    let documents = EventDocument::for_change(Some(&before), &inquiry, &events).unwrap();
    let failed = documents
        .iter()
        .find(|d| d.name == EventName::InquiryFailed)
        .expect("an inquiry.failed event");
    let Resource::Inquiry(payload) = &failed.payload else {
        panic!("an inquiry payload")
    };
    assert_eq!(payload.failed_at, Some(at));
    assert_eq!(payload.completed_at, None);
    assert_eq!(payload.updated_at, at);
}

#[test]
fn w6_a_session_dropped_by_s7_shows_as_it_ended_in_the_change_that_dropped_it() {
    let mut random = SeededRandom::new(4);
    let (mut inquiry, _) = Inquiry::create(&Policy::default(), t0(), &mut random).unwrap();
    let first = inquiry.link(t0(), &mut random).unwrap().session_id;
    // Links until one more would pass the cap: the oldest, still new, is dropped (S7).
    for minute in 1.. {
        let before = inquiry.clone();
        let at = t0() + TimeDelta::minutes(minute);
        let linked = inquiry.link(at, &mut random).unwrap();
        let dropped = linked
            .events
            .iter()
            .any(|e| e.name == EventName::SessionExpired && e.session_id == Some(first));
        if !dropped {
            continue;
        }
        assert!(inquiry.sessions().iter().all(|s| s.id() != first));
        let documents = EventDocument::for_change(Some(&before), &inquiry, &linked.events).unwrap();
        let ended = documents
            .iter()
            .find(|d| d.name == EventName::SessionExpired)
            .unwrap();
        let Resource::Session(session) = &ended.payload else {
            panic!("a session payload")
        };
        assert_eq!(session.id, first);
        assert_eq!(session.status, SessionStatus::Expired);
        assert_eq!(session.expired_at, Some(at));
        assert_eq!(ended.created_at, at);
        // Before the change it was new and unexpired: the payload is not a stale copy.
        let was = before.sessions().iter().find(|s| s.id() == first).unwrap();
        assert_eq!(was.status(), SessionStatus::New);
        // Only an expiry can name a session the change dropped: the same change with that
        // event named otherwise is not a change the rules make, and is refused.
        let mut forged = linked.events.to_vec();
        for event in &mut forged {
            if event.name == EventName::SessionExpired && event.session_id == Some(first) {
                event.name = EventName::SessionStarted;
            }
        }
        let refused = EventDocument::for_change(Some(&before), &inquiry, &forged).unwrap_err();
        assert!(
            refused
                .to_string()
                .contains("names a session neither inquiry keeps"),
            "{refused}"
        );
        return;
    }
}

#[test]
fn an_event_whose_change_is_gone_is_shown_with_the_payload_given() {
    let mut random = SeededRandom::new(5);
    let (inquiry, events) = Inquiry::create(&Policy::default(), t0(), &mut random).unwrap();
    let payload = Resource::Inquiry(inquiry_lifecycle_wire::InquiryResource::of(&inquiry));
    let document = EventDocument::of(&events[0], payload.clone());
    assert_eq!(document.id, events[0].id());
    assert_eq!(document.name, EventName::InquiryCreated);
    assert_eq!(document.created_at, t0());
    assert_eq!(document.sequence, Some(1));
    assert_eq!(document.payload, payload);
    // The same document as the change itself renders, here where nothing happened since.
    let rendered = EventDocument::for_change(None, &inquiry, &events).unwrap();
    assert_eq!(rendered[0], document);
}
