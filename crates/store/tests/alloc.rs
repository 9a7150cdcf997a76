//! Heap use, counted by an instrumented global allocator: the memory an inquiry takes in the
//! in-memory store is bounded. One test function, so that no other test thread allocates
//! while it counts.

use std::alloc::System;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use inquiry_lifecycle::{Inquiry, Policy, SeededRandom};
use inquiry_lifecycle_store::{InquiryStore, MemoryStore};
use pollster::block_on;
use stats_alloc::{Region, StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

fn minutes(m: i64) -> DateTime<Utc> {
    t0() + TimeDelta::minutes(m)
}

#[test]
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
            block_on(store.insert(inquiry, &[], None)).unwrap();
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
