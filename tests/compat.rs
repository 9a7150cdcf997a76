//! Records written by version 0.1 (`tests/fixtures/v0.1/`, never regenerated) still load,
//! keep their meaning, and act under the rules of revision 2: S2's tokens without a
//! selector keep working for the sessions that issued them, S4b reuses such a session,
//! and the one-time link TTL they lack takes its default (E1).

mod common;

use chrono::TimeDelta;
use common::*;
use inquiry_lifecycle::*;
use serde_json::{json, Value};

const CREATED: &str = include_str!("fixtures/v0.1/created.json");
const PENDING: &str = include_str!("fixtures/v0.1/pending-with-sessions.json");
const REDACTED: &str = include_str!("fixtures/v0.1/redacted.json");

/// The tokens version 0.1 handed out for the pending fixture's two sessions: the verifier
/// alone, 43 characters, no selector. Test secrets of a test record.
const ACTIVE_TOKEN: &str = "zgtSkk5U4mLZ-cDnlHaMjY-RfupzDEGbyl8lVAhlQzg";
const NEW_TOKEN: &str = "-aytjoYvhwy3Cg5pidOYOFX2_-nGzDcfL9LXyC9m-0E";

fn load(text: &str) -> Inquiry {
    Inquiry::from_json(text).unwrap_or_else(|error| panic!("a 0.1 record: {error}"))
}

/// The fixture as written, with what revision 2 adds to every record: the one-time link
/// TTL, at its default.
fn as_written_today(text: &str) -> Value {
    let mut value: Value = serde_json::from_str(text).unwrap();
    value["intervals"]["one_time_link_ttl"] = json!("1d");
    value
}

#[test]
fn every_0_1_record_loads_and_writes_back_as_it_was_plus_the_link_ttl() {
    for text in [CREATED, PENDING, REDACTED] {
        let inquiry = load(text);
        inquiry.check_invariants().unwrap();
        assert_eq!(
            inquiry.intervals().one_time_link_ttl.to_string(),
            "1d",
            "E1"
        );
        // Sessions opened by 0.1 are written back without `bearer`: they keep meaning
        // "a token without a selector".
        assert_eq!(
            serde_json::to_value(&inquiry).unwrap(),
            as_written_today(text)
        );
    }
}

#[test]
fn a_0_1_created_record_keeps_its_meaning() {
    let inquiry = load(CREATED);
    assert_eq!(inquiry.recorded_status(), Status::Created);
    assert_eq!(inquiry.revision(), 1);
    assert_eq!(inquiry.deadline(), Some(hours(24)));
    let mut inquiry = inquiry;
    let mut random = random();
    let linked = inquiry.link(min(1), &mut random).unwrap();
    let opened = inquiry.redeem(&linked.code, min(2), &mut random).unwrap();
    let _ = inquiry.access(Some(&opened.token), min(3)).unwrap();
    assert_eq!(load(&serde_json::to_string(&inquiry).unwrap()), inquiry);
}

#[test]
fn tokens_handed_out_by_0_1_keep_working_until_their_sessions_end() {
    let inquiry = load(PENDING);
    assert_eq!(inquiry.recorded_status(), Status::Pending);
    assert_eq!(inquiry.deadline(), Some(min(5) + TimeDelta::hours(2)));
    let sessions = inquiry.sessions();
    assert_eq!(sessions.len(), 2);
    assert!(sessions.iter().all(Session::is_from_revision_1));
    assert_eq!(sessions[0].status(), SessionStatus::Active);
    assert_eq!(sessions[1].status(), SessionStatus::New);
    let active = SessionToken::parse(ACTIVE_TOKEN).unwrap();
    let new = SessionToken::parse(NEW_TOKEN).unwrap();
    assert_eq!(active.session(), None);

    let mut used = inquiry.clone();
    let granted = used.access(Some(&active), min(30)).unwrap();
    assert_eq!(granted.session_id, Some(sessions[0].id()));
    let granted = used.access(Some(&new), min(31)).unwrap();
    assert_eq!(granted.session_id, Some(sessions[1].id()));
    assert_eq!(
        granted.events[0].name,
        EventName::SessionStarted,
        "A3 still applies"
    );
    // Until the session ends: the deadline (S5, S6).
    let _ = used
        .access(Some(&active), min(5) + TimeDelta::hours(2))
        .unwrap_err();
    assert_eq!(
        used.status_at(min(5) + TimeDelta::hours(2)),
        Status::Expired
    );
}

#[test]
fn a_0_1_session_nobody_used_is_reused_by_resume_and_gets_a_selector() {
    let mut inquiry = load(PENDING);
    let mut random = random();
    let unused = inquiry.sessions()[1].id();
    let resumed = inquiry.resume(min(40), &mut random).unwrap();
    assert_eq!(resumed.session_id, unused, "S4b");
    assert_eq!(resumed.token.session(), Some(unused));
    let new = SessionToken::parse(NEW_TOKEN).unwrap();
    assert_eq!(
        inquiry.access(Some(&new), min(41)).unwrap_err().code(),
        ErrorCode::InvalidToken,
        "the 0.1 token was replaced"
    );
    let _ = inquiry.access(Some(&resumed.token), min(41)).unwrap();
    let active = SessionToken::parse(ACTIVE_TOKEN).unwrap();
    let _ = inquiry.access(Some(&active), min(42)).unwrap();
    // Written back: the reused session now has a selector (`bearer`), the other not.
    let value = serde_json::to_value(&inquiry).unwrap();
    assert!(value["sessions"][0].get("bearer").is_none());
    assert_eq!(value["sessions"][1]["bearer"], json!("token"));
    assert_eq!(load(&value.to_string()), inquiry);
    // And a start is refused as it always was (T2 applies to created inquiries).
    assert_eq!(
        inquiry.start(min(43), &mut random).unwrap_err().code(),
        ErrorCode::InvalidTransition
    );
}

#[test]
fn a_0_1_redacted_record_stays_frozen() {
    let mut inquiry = load(REDACTED);
    assert!(inquiry.is_redacted());
    assert_eq!(inquiry.recorded_status(), Status::Completed);
    // 0.1 recorded no `finished_as`; its status still says how it finished.
    assert_eq!(inquiry.completed_at(), inquiry.finished_at());
    assert!(inquiry.completed_at().is_some());
    assert_eq!(inquiry.failed_at(), None);
    assert_eq!(inquiry.next_due(), None);
    let before = serde_json::to_value(&inquiry).unwrap();
    let mut random = random();
    for action in Action::ALL {
        let outcome = inquiry.act(action, hours(100), &mut random);
        match action {
            Action::Redact => assert!(outcome.unwrap().events.is_empty()),
            _ => assert_eq!(outcome.unwrap_err().code(), ErrorCode::Redacted, "{action}"),
        }
    }
    assert_eq!(serde_json::to_value(&inquiry).unwrap(), before);
}
