//! Shared helpers for the integration tests.
#![allow(dead_code)]

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use inquiry_lifecycle::{Event, EventName, Inquiry, Policy, SeededRandom};

/// The instant every test counts from.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

/// `t0` plus `m` minutes.
pub fn min(m: i64) -> DateTime<Utc> {
    t0() + TimeDelta::minutes(m)
}

/// `t0` plus `h` hours.
pub fn hours(h: i64) -> DateTime<Utc> {
    t0() + TimeDelta::hours(h)
}

pub fn random() -> SeededRandom {
    SeededRandom::new(42)
}

/// A fresh inquiry created at `t0` under the default policy.
pub fn created() -> (Inquiry, SeededRandom) {
    created_with(&Policy::default())
}

pub fn created_with(policy: &Policy) -> (Inquiry, SeededRandom) {
    let mut random = random();
    let (inquiry, _) = Inquiry::create(policy, t0(), &mut random).unwrap();
    (inquiry, random)
}

pub fn names(events: &[Event]) -> Vec<EventName> {
    events.iter().map(|e| e.name).collect()
}

/// The serialized form, to compare whole states.
pub fn snapshot(inquiry: &Inquiry) -> String {
    serde_json::to_string(inquiry).unwrap()
}

/// A started inquiry's record as JSON text with its one session record repeated `n` times,
/// and that one record's text: the audit's oversized record.
pub fn record_with_sessions(n: usize) -> (String, String) {
    let (mut inquiry, mut random) = created();
    let _ = inquiry.start(min(1), &mut random).unwrap();
    let value = serde_json::to_value(&inquiry).unwrap();
    let one = serde_json::to_string(&value["sessions"][0]).unwrap();
    let many = vec![one.as_str(); n].join(",");
    let text = serde_json::to_string(&value)
        .unwrap()
        .replace(&format!("[{one}]"), &format!("[{many}]"));
    (text, one)
}

/// A well-formed token no session of any inquiry issued.
pub fn forged_token() -> inquiry_lifecycle::SessionToken {
    let mut random = SeededRandom::new(999);
    let session = inquiry_lifecycle::SessionId::generate(&mut random);
    inquiry_lifecycle::SessionToken::generate(session, &mut random)
}
