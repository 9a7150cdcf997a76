//! The in-memory store: insert, compare-and-swap save, sweeping 1,000 due inquiries among
//! 10^4, 10^5 and 10^6, and throughput with 1 and 2 threads on disjoint inquiries.
//!
//! `cargo bench --bench store`; medians and ratios are in `docs/BENCHMARKS.md`.
// A benchmark times itself; the library never reads the clock.
#![allow(clippy::disallowed_methods)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use inquiry_lifecycle::{Inquiry, InquiryId, Policy, SeededRandom};
use inquiry_lifecycle_store::{act, sweep, InquiryStore, MemoryStore, Outbox, Outgoing};
use pollster::block_on;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

fn insert_and_save(c: &mut Criterion) {
    let mut random = SeededRandom::new(1);
    let store = MemoryStore::new();
    let mut group = c.benchmark_group("memory store");
    group.bench_function("insert", |b| {
        b.iter_batched(
            || Inquiry::create(&Policy::default(), t0(), &mut random).unwrap(),
            |(inquiry, events)| {
                block_on(store.insert(&inquiry, &Outgoing::plain(&events), None)).unwrap()
            },
            BatchSize::SmallInput,
        )
    });
    let (inquiry, events) = Inquiry::create(&Policy::default(), t0(), &mut random).unwrap();
    block_on(store.insert(&inquiry, &Outgoing::plain(&events), None)).unwrap();
    let mut current = inquiry;
    group.bench_function("compare-and-swap save (resume)", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut next = current.clone();
                let events = next.resume(t0(), &mut random).unwrap().events;
                let start = Instant::now();
                block_on(store.save(&next, current.revision(), &Outgoing::plain(&events), None))
                    .unwrap();
                total += start.elapsed();
                current = next;
            }
            total
        })
    });
    drain_outbox(&store);
    group.finish();
}

/// A store of `n` inquiries of which 1,000 are due at `due_at` and the rest much later.
fn store_with(n: usize) -> (MemoryStore, Vec<Inquiry>, DateTime<Utc>) {
    let mut random = SeededRandom::new(2);
    let store = MemoryStore::new();
    let soon = Policy::builder()
        .expire_after_create(TimeDelta::hours(1))
        .build()
        .unwrap();
    let late = Policy::builder()
        .expire_after_create(TimeDelta::days(30))
        .build()
        .unwrap();
    let mut due = Vec::new();
    for i in 0..n {
        let at = t0() + TimeDelta::milliseconds(i as i64);
        let (inquiry, events) = if i % (n / 1_000) == 0 {
            Inquiry::create(&soon, at, &mut random).unwrap()
        } else {
            Inquiry::create(&late, at, &mut random).unwrap()
        };
        block_on(store.insert(&inquiry, &Outgoing::plain(&events), None)).unwrap();
        if inquiry.intervals().expire_after_create.as_secs() == 3_600 {
            due.push(inquiry);
        }
    }
    drain_outbox(&store);
    (store, due, t0() + TimeDelta::days(1))
}

fn sweeping(c: &mut Criterion) {
    let mut group = c.benchmark_group("sweep 1,000 due");
    group.sample_size(20);
    for n in [10_000usize, 100_000, 1_000_000] {
        let (store, due, at) = store_with(n);
        assert_eq!(due.len(), 1_000);
        group.bench_function(format!("among {n}"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    let swept = block_on(sweep(&store, at, 1_000)).unwrap();
                    total += start.elapsed();
                    assert_eq!(swept.events.len(), 1_000);
                    // Put the swept inquiries back as they were, untimed.
                    for inquiry in &due {
                        block_on(store.save(inquiry, 2, &[], None)).unwrap();
                    }
                    drain_outbox(&store);
                }
                total
            })
        });
    }
    group.finish();
}

/// Delivers the whole outbox, untimed where it is called outside the timed code: claims
/// every event and acknowledges it. Returns how many there were.
fn drain_outbox(store: &MemoryStore) -> usize {
    let claimed = block_on(store.claim_outbox(t0(), TimeDelta::seconds(30), usize::MAX)).unwrap();
    block_on(store.ack_outbox(&claimed)).unwrap();
    claimed.len()
}

/// Runs `work(index, part)` on one thread per part, then `after`, `iters` times; the time.
fn timed_on_threads<P: Sync>(
    iters: u64,
    parts: &[P],
    work: impl Fn(usize, &P) + Sync,
    after: impl Fn(),
) -> Duration {
    let start = Instant::now();
    for _ in 0..iters {
        std::thread::scope(|scope| {
            for (index, part) in parts.iter().enumerate() {
                let work = &work;
                scope.spawn(move || work(index, part));
            }
        });
        after();
    }
    start.elapsed()
}

fn threads(c: &mut Criterion) {
    const PER_THREAD: usize = 2_000;
    let mut group = c.benchmark_group("throughput (resume via act)");
    group.sample_size(20);
    for threads in [1usize, 2] {
        let store = MemoryStore::new();
        let mut random = SeededRandom::new(3);
        let ids: Vec<Vec<_>> = (0..threads)
            .map(|_| {
                (0..64)
                    .map(|_| {
                        let (inquiry, events) =
                            Inquiry::create(&Policy::default(), t0(), &mut random).unwrap();
                        block_on(store.insert(&inquiry, &Outgoing::plain(&events), None)).unwrap();
                        inquiry.id()
                    })
                    .collect()
            })
            .collect();
        group.throughput(criterion::Throughput::Elements(
            (threads * PER_THREAD) as u64,
        ));
        group.bench_function(format!("{threads} thread(s), disjoint inquiries"), |b| {
            b.iter_custom(|iters| {
                let work = |t: usize, mine: &Vec<InquiryId>| {
                    let mut random = SeededRandom::new(t as u64);
                    for i in 0..PER_THREAD {
                        let id = mine[i % mine.len()];
                        let _ = block_on(act(&store, id, 3, |inquiry| {
                            inquiry.resume(t0(), &mut random)
                        }))
                        .unwrap();
                    }
                };
                let drain = || {
                    black_box(drain_outbox(&store));
                };
                timed_on_threads(iters, &ids, work, drain)
            })
        });
        // The baseline: the same work (copy, resume, keep the result) on thread-local
        // inquiries with no store, which shows how far this machine scales at all.
        let local: Vec<Vec<Inquiry>> = ids
            .iter()
            .map(|mine| {
                mine.iter()
                    .map(|id| block_on(store.load(*id)).unwrap().unwrap())
                    .collect()
            })
            .collect();
        group.bench_function(format!("baseline: {threads} thread(s), no store"), |b| {
            b.iter_custom(|iters| {
                let work = |t: usize, mine: &Vec<Inquiry>| {
                    let mut random = SeededRandom::new(t as u64);
                    let mut mine = mine.clone();
                    let mut outbox = Vec::new();
                    for i in 0..PER_THREAD {
                        let slot = i % mine.len();
                        let mut next = mine[slot].clone();
                        let opened = next.resume(t0(), &mut random).unwrap();
                        outbox.extend(opened.events);
                        mine[slot] = next;
                    }
                    black_box(outbox);
                };
                timed_on_threads(iters, &local, work, || {})
            })
        });
    }
    group.finish();
}

criterion_group!(benches, insert_and_save, sweeping, threads);
criterion_main!(benches);
