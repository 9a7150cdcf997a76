//! Heap use, counted by an instrumented global allocator: a refused access or redemption
//! allocates nothing, and loading a huge record is bounded (the memory store's own figure is
//! in crates/store/tests/alloc.rs).
//! One test function, so that no other test thread allocates while it counts.

use std::alloc::System;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use inquiry_lifecycle::{ErrorCode, Inquiry, LinkCode, Policy, SeededRandom, SessionToken};
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

mod common;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

fn minutes(m: i64) -> DateTime<Utc> {
    t0() + TimeDelta::minutes(m)
}

/// Allocations made by `f`.
fn allocations<T>(f: impl FnOnce() -> T) -> (usize, T) {
    let region = Region::new(GLOBAL);
    let value = f();
    (region.change().allocations, value)
}

fn refused_access_allocates_nothing() {
    let mut random = SeededRandom::new(1);
    let forged = common::forged_token();
    let short = Policy::builder()
        .session_token_ttl(TimeDelta::minutes(1))
        .build()
        .unwrap();
    let (mut pending, _) = Inquiry::create(&short, t0(), &mut random).unwrap();
    let first = pending.start(minutes(1), &mut random).unwrap(); // unused: ends at 2m (S5)
    let (mut finished, _) = Inquiry::create(&Policy::default(), t0(), &mut random).unwrap();
    let _ = finished.approve(minutes(1)).unwrap();
    let (mut redacted, _) = Inquiry::create(&Policy::default(), t0(), &mut random).unwrap();
    let _ = redacted.redact(minutes(1)).unwrap();
    let (mut expired, _) = Inquiry::create(&Policy::default(), t0(), &mut random).unwrap();
    let (mut replaced, _) = Inquiry::create(&Policy::default(), t0(), &mut random).unwrap();
    let first_of_replaced = replaced.start(minutes(1), &mut random).unwrap();
    // S4b: the resume gives the unused session a fresh token; the first stops working.
    let _ = replaced.resume(minutes(2), &mut random).unwrap();

    let cases: [(
        &mut Inquiry,
        Option<&SessionToken>,
        DateTime<Utc>,
        ErrorCode,
    ); 7] = [
        (
            &mut pending.clone(),
            None,
            minutes(3),
            ErrorCode::SessionRequired,
        ),
        (
            &mut pending.clone(),
            Some(&forged),
            minutes(3),
            ErrorCode::InvalidToken,
        ),
        (
            &mut pending.clone(),
            Some(&first.token),
            minutes(3),
            ErrorCode::SessionExpired,
        ),
        (
            &mut replaced,
            Some(&first_of_replaced.token),
            minutes(3),
            ErrorCode::InvalidToken,
        ),
        (
            &mut finished,
            Some(&forged),
            minutes(3),
            ErrorCode::InquiryFinished,
        ),
        (&mut redacted, None, minutes(3), ErrorCode::Redacted),
        (
            &mut expired,
            None,
            minutes(60 * 25),
            ErrorCode::InquiryExpired,
        ),
    ];
    for (inquiry, token, now, code) in cases {
        let (count, result) = allocations(|| inquiry.access(token, now).map(|_| ()));
        assert_eq!(result.unwrap_err().code(), code);
        assert_eq!(
            count, 0,
            "a refused access ({code}) allocated {count} times"
        );
    }
}

fn refused_redemption_allocates_nothing() {
    let mut random = SeededRandom::new(4);
    let short = Policy::builder()
        .one_time_link_ttl(TimeDelta::minutes(10))
        .build()
        .unwrap();
    let (mut inquiry, _) = Inquiry::create(&short, t0(), &mut random).unwrap();
    let used = inquiry.link(minutes(1), &mut random).unwrap();
    let _ = inquiry.redeem(&used.code, minutes(2), &mut random).unwrap();
    let unredeemed = inquiry.link(minutes(3), &mut random).unwrap();
    let started = inquiry.start(minutes(4), &mut random).unwrap();
    let token_as_code = LinkCode::parse(&started.token.expose_secret()).unwrap();
    let forged = LinkCode::parse(&common::forged_token().expose_secret()).unwrap();
    let (mut approved, _) = Inquiry::create(&short, t0(), &mut random).unwrap();
    let approved_code = approved.link(minutes(1), &mut random).unwrap().code;
    let _ = approved.approve(minutes(2)).unwrap();
    let cases: [(&mut Inquiry, &LinkCode, DateTime<Utc>, ErrorCode); 5] = [
        (
            &mut inquiry.clone(),
            &used.code,
            minutes(7),
            ErrorCode::LinkUsed,
        ),
        (
            &mut inquiry.clone(),
            &unredeemed.code,
            minutes(13),
            ErrorCode::SessionExpired,
        ),
        (
            &mut inquiry.clone(),
            &token_as_code,
            minutes(5),
            ErrorCode::InvalidToken,
        ),
        (
            &mut inquiry.clone(),
            &forged,
            minutes(5),
            ErrorCode::InvalidToken,
        ),
        (
            &mut approved,
            &approved_code,
            minutes(5),
            ErrorCode::InquiryFinished,
        ),
    ];
    for (inquiry, code, now, expected) in cases {
        let (count, result) = allocations(|| inquiry.redeem(code, now, &mut random).map(|_| ()));
        assert_eq!(result.unwrap_err().code(), expected);
        assert_eq!(
            count, 0,
            "a refused redemption ({expected}) allocated {count} times"
        );
    }
}

/// Loading a 70 MB record of 300,000 sessions (the audit's: 400 MB of memory before the
/// loader stopped at the 26th) allocates little beyond the 26 records it reads.
fn loading_a_record_of_300000_sessions_is_bounded() {
    let (text, one) = common::record_with_sessions(300_000);
    let region = Region::new(GLOBAL);
    let refused = Inquiry::from_json(&text).unwrap_err();
    let allocated = region.change().bytes_allocated;
    assert!(text.len() > 300_000 * one.len());
    assert!(refused.to_string().contains("more than 25 session records"));
    println!(
        "loading 300,000 sessions ({} MB of JSON): {allocated} bytes allocated before the refusal",
        text.len() / 1_000_000
    );
    assert!(allocated < 64 * 1024, "allocated {allocated} bytes");
}

#[test]
fn heap_use() {
    refused_access_allocates_nothing();
    refused_redemption_allocates_nothing();
    loading_a_record_of_300000_sessions_is_bounded();
}
