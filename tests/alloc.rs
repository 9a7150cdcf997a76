//! Heap use, counted by an instrumented global allocator: a refused access allocates
//! nothing, and the memory an inquiry takes in the in-memory store is bounded.
//! One test function, so that no other test thread allocates while it counts.

use std::alloc::System;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use inquiry_lifecycle::store::{InquiryStore, MemoryStore};
use inquiry_lifecycle::{ErrorCode, Inquiry, Policy, SeededRandom, SessionToken};
use pollster::block_on;
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
    let forged = SessionToken::generate(&mut SeededRandom::new(2));
    let (mut pending, _) = Inquiry::create(&Policy::default(), t0(), &mut random).unwrap();
    let first = pending.start(minutes(1), &mut random).unwrap();
    let _second = pending.resume(minutes(2), &mut random).unwrap(); // supersedes the first
    let (mut finished, _) = Inquiry::create(&Policy::default(), t0(), &mut random).unwrap();
    let _ = finished.approve(minutes(1)).unwrap();
    let (mut redacted, _) = Inquiry::create(&Policy::default(), t0(), &mut random).unwrap();
    let _ = redacted.redact(minutes(1)).unwrap();
    let (mut expired, _) = Inquiry::create(&Policy::default(), t0(), &mut random).unwrap();

    let cases: [(
        &mut Inquiry,
        Option<&SessionToken>,
        DateTime<Utc>,
        ErrorCode,
    ); 6] = [
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

fn memory_per_inquiry_in_the_memory_store() {
    const N: usize = 10_000;
    let mut random = SeededRandom::new(3);
    for (label, sessions, bound) in [
        ("created", 0usize, 1_024usize),
        ("pending, 1 session", 1, 1_536),
    ] {
        let prepared: Vec<_> = (0..N)
            .map(|_| {
                let (mut inquiry, _) =
                    Inquiry::create(&Policy::default(), t0(), &mut random).unwrap();
                if sessions > 0 {
                    let _ = inquiry.start(minutes(1), &mut random).unwrap();
                }
                inquiry
            })
            .collect();
        let store = MemoryStore::new();
        let region = Region::new(GLOBAL);
        for inquiry in &prepared {
            block_on(store.insert(inquiry, &[])).unwrap();
        }
        let change = region.change();
        let net = change.bytes_allocated as isize - change.bytes_deallocated as isize
            + change.bytes_reallocated;
        let per_inquiry = net as usize / N;
        println!("memory store, {label}: {per_inquiry} bytes per inquiry (n = {N})");
        assert!(
            per_inquiry < bound,
            "{label}: {per_inquiry} bytes per inquiry"
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
    memory_per_inquiry_in_the_memory_store();
    loading_a_record_of_300000_sessions_is_bounded();
}
