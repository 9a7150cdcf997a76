//! Receiving a delivery into a mirror, against a floor measured in the same run: verifying
//! and reading the same delivery with the wire crate alone (what any receiver must do), so
//! the ratio is what the mirror's fold (M2–M4) and its record add.
//!
//! `cargo bench -p inquiry-lifecycle-mirror`; medians and ratios are in `docs/BENCHMARKS.md`.

use std::hint::black_box;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use inquiry_lifecycle::{Event, Inquiry, Policy, SeededRandom};
use inquiry_lifecycle_mirror::{inquiry_of, read, Arrival, Delivery, Mirror, Verifier};
use inquiry_lifecycle_wire::{
    sign, verify, EventDocument, Inflection, InquiryDocument, WebhookSecret, DEFAULT_TOLERANCE,
};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

/// The documents of a typical history: created, started, opened, completed, approved.
fn documents() -> Vec<EventDocument> {
    let mut random = SeededRandom::new(1);
    let at = |minutes| t0() + TimeDelta::minutes(minutes);
    let (mut inquiry, created) = Inquiry::create(&Policy::default(), at(0), &mut random).unwrap();
    let mut documents = EventDocument::for_change(None, &inquiry, &created).unwrap();
    let mut change = |inquiry: &mut Inquiry, before: Inquiry, events: Vec<Event>| {
        documents.extend(EventDocument::for_change(Some(&before), inquiry, &events).unwrap());
    };
    let before = inquiry.clone();
    let opened = inquiry.start(at(1), &mut random).unwrap();
    change(&mut inquiry, before, opened.events.into_vec());
    let before = inquiry.clone();
    let accessed = inquiry
        .access(Some(&opened.token), at(2))
        .unwrap()
        .events
        .into_vec();
    change(&mut inquiry, before, accessed);
    let before = inquiry.clone();
    let completed = inquiry.complete(at(9)).unwrap().into_vec();
    change(&mut inquiry, before, completed);
    let before = inquiry.clone();
    let approved = inquiry.approve(at(30)).unwrap().into_vec();
    change(&mut inquiry, before, approved);
    documents
}

fn benches(c: &mut Criterion) {
    let documents = documents();
    let secrets = [WebhookSecret::new("wbhsec_bench_0123456789").unwrap()];
    let verifier = Verifier::new(vec![WebhookSecret::new("wbhsec_bench_0123456789").unwrap()]);
    let deliveries: Vec<(String, String)> = documents
        .iter()
        .map(|document| {
            let body = document.to_json(Inflection::Kebab);
            let header = sign(&secrets, t0().timestamp(), body.as_bytes());
            (body, header)
        })
        .collect();
    let inquiry = inquiry_of(&documents[0]);

    // A whole history received in reverse order (the newest first, so that every other
    // event is stale), then every delivery again (duplicates).
    let mut group = c.benchmark_group("receive a history, newest first, then again");
    group.bench_function("floor: verify and read each delivery (wire only)", |b| {
        b.iter(|| {
            for (body, header) in deliveries.iter().rev().chain(&deliveries) {
                verify(
                    Some(header),
                    body.as_bytes(),
                    &secrets,
                    t0(),
                    DEFAULT_TOLERANCE,
                )
                .unwrap();
                black_box(EventDocument::from_json(body).unwrap());
            }
        })
    });
    group.bench_function("mirror: read and apply each delivery", |b| {
        b.iter(|| {
            let mut mirror = Mirror::new(inquiry);
            for (body, header) in deliveries.iter().rev().chain(&deliveries) {
                let delivery = Delivery {
                    body: body.as_bytes(),
                    signature: Some(header),
                };
                let Arrival::Event(event) = read(&delivery, &verifier, t0()).unwrap() else {
                    unreachable!()
                };
                black_box(mirror.apply(&event));
            }
            mirror
        })
    });
    group.finish();

    // The record a store keeps, written and read back.
    let mut mirror = Mirror::new(inquiry);
    for document in &documents {
        mirror.apply(document);
    }
    let state = mirror.state().unwrap().clone();
    let mut group = c.benchmark_group("store a mirror record and load it");
    group.bench_function(
        "floor: the state's inquiry document, written and read",
        |b| {
            b.iter(|| {
                let text = InquiryDocument::new(state.clone()).to_json(Inflection::Kebab);
                black_box(InquiryDocument::from_json(&text).unwrap())
            })
        },
    );
    group.bench_function("mirror: Mirror::to_json then Mirror::from_json", |b| {
        b.iter(|| black_box(Mirror::from_json(&mirror.to_json()).unwrap()))
    });
    group.finish();
}

criterion_group!(mirror_benches, benches);
criterion_main!(mirror_benches);
