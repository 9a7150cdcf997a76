//! Stored inquiries round-trip exactly, and a record that breaks an invariant is refused.

mod common;

use common::*;
use inquiry_lifecycle::*;
use serde_json::{json, Value};

fn busy_inquiry() -> Inquiry {
    let (mut inquiry, mut random) = created();
    let opened = inquiry.start(min(1), &mut random).unwrap();
    let _ = inquiry.access(Some(&opened.token), min(2)).unwrap();
    let _ = inquiry.resume(min(3), &mut random).unwrap();
    inquiry
}

/// An inquiry keeping 25 session records, all used (so none is reused by S4b).
fn full_inquiry() -> Inquiry {
    let (mut inquiry, mut random) = created();
    for i in 0..30 {
        let opened = inquiry.resume(min(i), &mut random).unwrap();
        let _ = inquiry.access(Some(&opened.token), min(i)).unwrap();
    }
    inquiry
}

/// Refused by plain serde: the message says what is wrong (the library's detail, its code
/// left to the typed loader, `Inquiry::from_json`, which answers `invalid_input`).
fn refused(value: Value) -> String {
    let typed = Inquiry::from_json_value(&value).unwrap_err();
    assert_eq!(typed.code(), ErrorCode::InvalidInput, "{typed}");
    let error = serde_json::from_value::<Inquiry>(value).unwrap_err();
    let message = error.to_string();
    assert!(
        !message.contains("invalid_input"),
        "one code, once: {message}"
    );
    assert!(
        typed
            .to_string()
            .contains(&message[..message.len().min(20)]),
        "{typed} / {message}"
    );
    message
}

#[test]
fn an_inquiry_round_trips_through_json_exactly() {
    let inquiry = busy_inquiry();
    let text = serde_json::to_string(&inquiry).unwrap();
    let back: Inquiry = serde_json::from_str(&text).unwrap();
    assert_eq!(back, inquiry);
    assert_eq!(serde_json::to_string(&back).unwrap(), text);
}

#[test]
fn statuses_and_error_codes_serialize_as_wire_names() {
    assert_eq!(
        serde_json::to_value(Status::NeedsReview).unwrap(),
        json!("needs_review")
    );
    assert_eq!(
        serde_json::to_value(ErrorCode::SessionExpired).unwrap(),
        json!("session_expired")
    );
    assert!(serde_json::from_value::<Status>(json!("archived")).is_err());
}

#[test]
fn approved_without_a_decision_time_is_refused() {
    let (mut inquiry, _) = created();
    let _ = inquiry.approve(min(1)).unwrap();
    let mut value = serde_json::to_value(&inquiry).unwrap();
    value["decided_at"] = Value::Null;
    assert!(refused(value).contains("decided_at"));
}

#[test]
fn revision_zero_is_refused() {
    let mut value = serde_json::to_value(busy_inquiry()).unwrap();
    value["revision"] = json!(0);
    assert!(refused(value).contains("revision"));
}

#[test]
fn an_unknown_status_is_refused() {
    let mut value = serde_json::to_value(busy_inquiry()).unwrap();
    value["status"] = json!("archived");
    assert!(serde_json::from_value::<Inquiry>(value).is_err());
}

#[test]
fn more_than_25_session_records_are_refused() {
    let mut value = serde_json::to_value(full_inquiry()).unwrap();
    let sessions = value["sessions"].as_array_mut().unwrap();
    let mut extra = sessions[0].clone();
    extra["id"] = json!("iqse_AAAAAAAAAAAAAAAAAAAAAAAA");
    extra["token_digest"] = json!("A".repeat(43));
    sessions.insert(0, extra);
    assert!(refused(value).contains("25"));
}

#[test]
fn a_live_session_on_a_finished_inquiry_is_refused() {
    let (mut inquiry, mut random) = created();
    let _ = inquiry.start(min(1), &mut random).unwrap();
    let _ = inquiry.complete(min(2)).unwrap();
    let mut value = serde_json::to_value(&inquiry).unwrap();
    value["sessions"][0]["expired_at"] = Value::Null;
    assert!(refused(value).contains("S6"));
}

#[test]
fn two_new_sessions_are_refused() {
    let (mut inquiry, mut random) = created();
    let first = inquiry.resume(min(1), &mut random).unwrap();
    let _ = inquiry.access(Some(&first.token), min(1)).unwrap();
    let _ = inquiry.resume(min(2), &mut random).unwrap();
    let mut value = serde_json::to_value(&inquiry).unwrap();
    value["sessions"][0]["first_used_at"] = Value::Null;
    let message = refused(value);
    assert!(message.contains("2 token sessions are new"), "{message}");
    assert!(message.contains("S4a, S4b"), "{message}");
    // Link sessions may be new side by side (L1).
    let (mut links, mut random) = created();
    let _ = links.link(min(1), &mut random).unwrap();
    let _ = links.link(min(2), &mut random).unwrap();
    let _ = links.resume(min(3), &mut random).unwrap();
    let text = serde_json::to_string(&links).unwrap();
    assert_eq!(Inquiry::from_json(&text).unwrap(), links);
}

#[test]
fn a_session_record_whose_digests_contradict_its_bearer_is_refused() {
    let (mut inquiry, mut random) = created();
    let started = inquiry.start(min(1), &mut random).unwrap();
    let _ = inquiry.access(Some(&started.token), min(1)).unwrap();
    let linked = inquiry.link(min(2), &mut random).unwrap();
    let base = serde_json::to_value(&inquiry).unwrap();
    assert_eq!(base["sessions"][0]["bearer"], json!("token"));
    assert_eq!(base["sessions"][1]["bearer"], json!("link"));
    assert!(
        base["sessions"][1].get("token_digest").is_none(),
        "unredeemed: no token"
    );
    let digest = base["sessions"][0]["token_digest"].clone();
    let code = base["sessions"][1]["link_digest"].clone();
    let cases = [
        (0, "token_digest", Value::Null, "exactly a token digest"),
        (0, "link_digest", code.clone(), "exactly a token digest"),
        (
            1,
            "link_digest",
            Value::Null,
            "a link session has a code digest",
        ),
        (
            1,
            "token_digest",
            json!("A".repeat(43)),
            "a token digest once redeemed",
        ),
        (1, "bearer", json!("carrier pigeon"), "unknown variant"),
    ];
    for (index, field, replacement, needle) in cases {
        let mut value = base.clone();
        if replacement.is_null() {
            value["sessions"][index]
                .as_object_mut()
                .unwrap()
                .remove(field);
        } else {
            value["sessions"][index][field] = replacement;
        }
        let message = match Inquiry::from_json_value(&value) {
            Err(error) => error.to_string(),
            Ok(_) => panic!("accepted {field} of session {index}"),
        };
        assert!(message.contains(needle), "{field}: {message}");
    }
    // Once redeemed, the link session keeps both digests, and the record round-trips.
    let _ = inquiry.redeem(&linked.code, min(3), &mut random).unwrap();
    let value = serde_json::to_value(&inquiry).unwrap();
    assert_eq!(value["sessions"][1]["link_digest"], code);
    assert!(value["sessions"][1]["token_digest"].is_string());
    assert_ne!(value["sessions"][1]["token_digest"], digest);
    assert_eq!(Inquiry::from_json_value(&value).unwrap(), inquiry);
}

#[test]
fn unknown_fields_and_malformed_ids_are_refused() {
    let mut value = serde_json::to_value(busy_inquiry()).unwrap();
    value["token"] = json!("x");
    assert!(serde_json::from_value::<Inquiry>(value).is_err());
    let mut value = serde_json::to_value(busy_inquiry()).unwrap();
    value["id"] = json!("inq_short");
    assert!(serde_json::from_value::<Inquiry>(value).is_err());
}

#[test]
fn a_timestamp_after_the_last_change_is_refused() {
    let (mut inquiry, mut random) = created();
    let _ = inquiry.start(min(1), &mut random).unwrap();
    let mut value = serde_json::to_value(&inquiry).unwrap();
    value["started_at"] = json!("2027-01-01T00:00:00Z");
    assert!(refused(value).contains("started_at"));
}

#[test]
fn events_round_trip() {
    let (mut inquiry, mut random) = created();
    let opened = inquiry.start(min(1), &mut random).unwrap();
    assert_eq!(opened.events.len(), 2);
    for event in &opened.events {
        let text = serde_json::to_string(event).unwrap();
        assert_eq!(&serde_json::from_str::<Event>(&text).unwrap(), event);
    }
    let value = serde_json::to_value(&opened.events[0]).unwrap();
    assert_eq!(value["name"], json!("inquiry.started"));
    assert_eq!(value["status_before"], json!("created"));
    assert_eq!(value["id"], json!(opened.events[0].id().to_string()));
}

/// Events are a contract that can grow: an event written by a later version, with fields
/// this one does not know, still loads, and keeps every field this version knows.
#[test]
fn an_event_with_fields_this_version_does_not_know_still_loads() {
    let (mut inquiry, mut random) = created();
    let opened = inquiry.start(min(1), &mut random).unwrap();
    let event = &opened.events[1];
    let mut value = serde_json::to_value(event).unwrap();
    value["region"] = json!("eu-west");
    value["payload"] = json!({ "data": { "nested": [1, 2, 3] } });
    let loaded: Event = serde_json::from_value(value.clone()).unwrap();
    assert_eq!(&loaded, event);
    // An event stored without its id (as 0.1 wrote them) loads too.
    value.as_object_mut().unwrap().remove("id");
    assert_eq!(&serde_json::from_value::<Event>(value).unwrap(), event);
    // A stored batch of events, as an outbox row or a log keeps them.
    let batch = serde_json::to_value(&opened.events).unwrap();
    let loaded: Events = serde_json::from_value(batch).unwrap();
    assert_eq!(loaded, opened.events);
}

#[test]
fn an_event_whose_id_is_not_its_own_is_refused() {
    let (mut inquiry, mut random) = created();
    let opened = inquiry.start(min(1), &mut random).unwrap();
    let mut value = serde_json::to_value(&opened.events[0]).unwrap();
    value["id"] = json!(opened.events[1].id().to_string());
    let message = serde_json::from_value::<Event>(value)
        .unwrap_err()
        .to_string();
    // The library's detail, once, without a code in front (the typed loaders add theirs).
    assert!(!message.contains("invalid_input"), "{message}");
    assert!(message.contains("is not the id of"), "{message}");
}

/// Event ids are a pure function of inquiry id and sequence, the same in every version:
/// these values are pinned so that a change to the function cannot go unnoticed.
#[test]
fn event_ids_are_pinned() {
    let inquiry = InquiryId::parse("inq_RQ4jHMYx8wHMCSjQ2M43jf4r").unwrap();
    let ids: Vec<String> = [1, 2, 1000]
        .into_iter()
        .map(|sequence| EventId::of(inquiry, sequence).to_string())
        .collect();
    assert_eq!(ids, PINNED_EVENT_IDS);
    let other = InquiryId::parse("inq_RQ4jHMYx8wHMCSjQ2M43jf4s").unwrap();
    assert_ne!(EventId::of(other, 1), EventId::of(inquiry, 1));
}

/// Computed independently of this crate, with Python's hashlib:
/// `A = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"`;
/// `d = hashlib.sha256(b"inquiry-lifecycle event id\0" + b"inq_RQ4jHMYx8wHMCSjQ2M43jf4r" + s.to_bytes(8, "big")).digest()`;
/// `"evt_" + bytes(A[b % 62] for b in d[:24]).decode()` for `s` in 1, 2, 1000.
const PINNED_EVENT_IDS: [&str; 3] = [
    "evt_QkxpTCBBZwB0Gjgita1rbI9O",
    "evt_W4YIRthwnCAljEG1oeN9bgv1",
    "evt_ZM7CWRmvAsPScKzL2nnZQSOk",
];

#[test]
fn a_created_inquiry_whose_deadline_precedes_its_last_change_is_refused() {
    // Found by tests/robustness.rs: a one-character edit of created_at ("026-01-01…"),
    // which is now refused earlier, as outside the library's range; within the range:
    let (inquiry, _) = created();
    let mut value = serde_json::to_value(&inquiry).unwrap();
    value["created_at"] = json!("0026-01-01T00:00:00Z");
    assert!(refused(value).contains("outside the range the library records"));
    let (mut inquiry, mut random) = created();
    let _ = inquiry.resume(min(1), &mut random).unwrap(); // T6: still created, revision 2
    let mut value = serde_json::to_value(&inquiry).unwrap();
    value["created_at"] = json!("2025-01-01T00:00:00Z");
    assert!(refused(value).contains("E4"));
}

#[test]
fn created_after_the_last_change_is_refused() {
    let (inquiry, _) = created();
    let mut value = serde_json::to_value(&inquiry).unwrap();
    value["created_at"] = json!("2026-01-01T00:00:01Z");
    assert!(refused(value).contains("created_at is after updated_at"));
}

#[test]
fn counters_beyond_2_pow_53_or_zero_are_refused() {
    let base = serde_json::to_value(busy_inquiry()).unwrap();
    let beyond = (1u64 << 53) + 1;
    for (revision, last_sequence, needle) in [
        (beyond, beyond, "revision"),
        (3, 0, "last_sequence"),
        (3, beyond, "last_sequence"),
    ] {
        let mut value = base.clone();
        value["revision"] = json!(revision);
        value["last_sequence"] = json!(last_sequence);
        assert!(
            refused(value).contains(needle),
            "{revision} {last_sequence}"
        );
    }
    // A revision above the last sequence is reachable since revision 2: a repeat
    // redemption within its grace changes a token and yields no event (V1, L3).
    let (mut inquiry, mut random) = created();
    let linked = inquiry.link(min(1), &mut random).unwrap();
    for m in 2..6 {
        let _ = inquiry.redeem(&linked.code, min(m), &mut random).unwrap();
    }
    assert!(inquiry.revision() > inquiry.last_sequence());
    let text = serde_json::to_string(&inquiry).unwrap();
    assert_eq!(Inquiry::from_json(&text).unwrap(), inquiry);
    // 2^53 itself is allowed where nothing can fall due any more ...
    let mut decided = busy_inquiry();
    let _ = decided.approve(min(4)).unwrap();
    let mut value = serde_json::to_value(&decided).unwrap();
    value["revision"] = json!(1u64 << 53);
    value["last_sequence"] = json!(1u64 << 53);
    assert!(
        serde_json::from_value::<Inquiry>(value).is_ok(),
        "2^53 itself is allowed"
    );
    // ... but not on a live record, whose deadline and sessions still have to expire.
    let mut value = base.clone();
    value["revision"] = json!(1u64 << 53);
    value["last_sequence"] = json!(1u64 << 53);
    assert!(refused(value).contains("no room below 2^53"));
}

#[test]
fn each_status_requires_its_timestamp() {
    let mut random = random();
    let mut build = |actions: &[Action]| {
        let (mut inquiry, _) = Inquiry::create(&Policy::default(), t0(), &mut random).unwrap();
        for action in actions {
            let _ = inquiry.act(*action, min(1), &mut random).unwrap();
        }
        serde_json::to_value(&inquiry).unwrap()
    };
    let cases = [
        (vec![Action::Start], "started_at", "pending"),
        (vec![Action::Expire], "expired_at", "expired"),
        (
            vec![Action::Start, Action::Complete],
            "finished_at",
            "completed",
        ),
        (vec![Action::MarkForReview], "reviewed_at", "needs_review"),
        (vec![Action::Decline], "decided_at", "approved or declined"),
    ];
    for (actions, stamp, needle) in cases {
        let mut value = build(&actions);
        value[stamp] = Value::Null;
        assert!(refused(value).contains(needle), "{stamp}");
    }
    let mut value = build(&[]);
    value["started_at"] = json!("2026-01-01T00:00:00Z");
    assert!(refused(value).contains("a created inquiry has been started"));
}

#[test]
fn exactly_25_session_records_are_accepted() {
    let inquiry = full_inquiry();
    assert_eq!(inquiry.sessions().len(), MAX_SESSIONS);
    let text = serde_json::to_string(&inquiry).unwrap();
    assert_eq!(serde_json::from_str::<Inquiry>(&text).unwrap(), inquiry);
}

#[test]
fn a_session_outside_the_inquirys_lifetime_is_refused() {
    let (mut inquiry, mut random) = created();
    let opened = inquiry.start(min(5), &mut random).unwrap();
    let _ = inquiry.access(Some(&opened.token), min(6)).unwrap();
    let base = serde_json::to_value(&inquiry).unwrap();
    for (field, at) in [
        ("created_at", "2025-12-31T23:59:00Z"),
        ("created_at", "2026-01-01T00:07:00Z"),
        ("first_used_at", "2026-01-01T00:07:00Z"),
    ] {
        let mut value = base.clone();
        value["sessions"][0][field] = json!(at);
        let message = refused(value);
        assert!(message.contains("session"), "{field} {at}: {message}");
    }
}

#[test]
fn a_session_record_that_contradicts_itself_is_refused() {
    let (mut inquiry, mut random) = created();
    let _ = inquiry.start(min(5), &mut random).unwrap();
    let _ = inquiry.complete(min(6)).unwrap();
    let base = serde_json::to_value(&inquiry).unwrap();
    let ends_at = base["sessions"][0]["ends_at"].clone();
    for (field, at, needle) in [
        (
            "unused_until",
            json!("2026-01-01T00:04:00Z"),
            "ends before it was opened",
        ),
        (
            "ends_at",
            json!("2026-01-01T00:05:00Z"),
            "ends before it was opened",
        ),
        ("first_used_at", ends_at.clone(), "after its end"),
        (
            "first_used_at",
            json!("2026-01-01T00:04:00Z"),
            "first used before it was opened",
        ),
        (
            "expired_at",
            json!("2026-01-01T00:04:00Z"),
            "expired before it was opened",
        ),
    ] {
        let mut value = base.clone();
        value["sessions"][0][field] = at;
        if field == "first_used_at" && needle == "after its end" {
            value["sessions"][0]["expired_at"] = ends_at.clone();
        }
        let message = refused(value);
        assert!(message.contains(needle), "{field}: {message}");
    }
}

#[test]
fn a_session_opened_after_the_last_change_is_refused() {
    let (mut inquiry, mut random) = created();
    let _ = inquiry.start(min(5), &mut random).unwrap();
    let mut value = serde_json::to_value(&inquiry).unwrap();
    value["sessions"][0]["created_at"] = json!("2026-01-01T00:07:00Z");
    assert!(refused(value).contains("it lies outside created_at..=updated_at"));
}

#[test]
fn a_session_id_or_token_digest_used_twice_is_refused() {
    let value = serde_json::to_value(busy_inquiry()).unwrap();
    for (field, problem) in [
        ("id", "its id is used twice"),
        ("token_digest", "its token or code digest is used twice"),
    ] {
        let mut value = value.clone();
        let first = value["sessions"][0][field].clone();
        value["sessions"][1][field] = first;
        let message = refused(value);
        assert!(message.contains(problem), "{field}: {message}");
    }
}

/// S5, S4b, L2: a session's unused-until is one TTL after its token or link was issued:
/// a token session's between its opening and the last change (S4b reissues move it), a
/// link session's exactly one link TTL after it opened.
#[test]
fn an_unused_until_that_no_issue_explains_is_refused() {
    let (mut inquiry, mut random) = created();
    let _ = inquiry.resume(min(10), &mut random).unwrap(); // token session, TTL 24 h
    let _ = inquiry.link(min(20), &mut random).unwrap(); // link session, TTL 24 h
    let _ = inquiry.resume(min(30), &mut random).unwrap(); // S4b: its TTL restarts at 30m
    let base = serde_json::to_value(&inquiry).unwrap();
    assert_eq!(
        base["sessions"][0]["unused_until"],
        json!("2026-01-02T00:30:00Z")
    );
    assert_eq!(Inquiry::from_json_value(&base).unwrap(), inquiry);
    for (index, unused_until) in [
        (0, "2026-01-02T00:09:59Z"), // before one TTL after it opened
        (0, "2026-01-02T00:30:01Z"), // after one TTL after the last change
        (1, "2026-01-02T00:21:00Z"), // a link's is exactly one link TTL after it opened
        (1, "2026-01-02T00:19:00Z"),
    ] {
        let mut value = base.clone();
        value["sessions"][index]["unused_until"] = json!(unused_until);
        let message = refused(value);
        assert!(
            message.contains("its unused_until is not one TTL after"),
            "{index} {unused_until}: {message}"
        );
    }
}
