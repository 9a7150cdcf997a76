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
    let (inquiry, _) = Inquiry::create(policy, t0(), &mut random);
    (inquiry, random)
}

pub fn names(events: &[Event]) -> Vec<EventName> {
    events.iter().map(|e| e.name).collect()
}

/// The serialized form, to compare whole states.
pub fn snapshot(inquiry: &Inquiry) -> String {
    serde_json::to_string(inquiry).unwrap()
}
