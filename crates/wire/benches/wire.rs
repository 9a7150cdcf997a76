//! Writing and reading documents, and verifying a signature, each against a floor measured
//! in the same run: `serde_json` on a plain struct of the same shape (derived `Serialize`
//! and `Deserialize`, kebab keys, chrono's own instants), and `hmac` over the same bytes.
//!
//! `cargo bench -p inquiry-lifecycle-wire`; medians and ratios are in `docs/BENCHMARKS.md`.

use std::hint::black_box;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use hmac::{Hmac, Mac};
use inquiry_lifecycle::{Inquiry, Policy, ReferenceId, SeededRandom};
use inquiry_lifecycle_wire::{
    sign, verify, EventDocument, Inflection, InquiryDocument, InquiryResource, WebhookSecret,
    DEFAULT_TOLERANCE,
};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

/// A pending inquiry with three sessions and a reference id, and the events of its last
/// change (a resume).
fn inquiry() -> (Inquiry, Inquiry, Vec<inquiry_lifecycle::Event>) {
    let mut random = SeededRandom::new(1);
    let reference = ReferenceId::parse("user-4711").unwrap();
    let (mut inquiry, _) =
        Inquiry::create_with_reference(&Policy::default(), reference, t0(), &mut random).unwrap();
    let opened = inquiry
        .start(t0() + TimeDelta::minutes(1), &mut random)
        .unwrap();
    let _ = inquiry
        .access(Some(&opened.token), t0() + TimeDelta::minutes(2))
        .unwrap();
    let _ = inquiry
        .link(t0() + TimeDelta::minutes(3), &mut random)
        .unwrap();
    let before = inquiry.clone();
    let resumed = inquiry
        .resume(t0() + TimeDelta::minutes(4), &mut random)
        .unwrap();
    (before, inquiry, resumed.events.into_vec())
}

// ----- the floor: a plain struct of the same shape, derived --------------------------------

#[derive(Serialize, Deserialize)]
struct PlainDocument {
    data: PlainInquiry,
}

#[derive(Serialize, Deserialize)]
struct PlainInquiry {
    #[serde(rename = "type")]
    kind: String,
    id: String,
    attributes: PlainAttributes,
    relationships: PlainRelationships,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct PlainAttributes {
    status: String,
    reference_id: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    started_at: Option<DateTime<Utc>>,
    expires_at: Option<DateTime<Utc>>,
    completed_at: Option<DateTime<Utc>>,
    failed_at: Option<DateTime<Utc>>,
    expired_at: Option<DateTime<Utc>>,
    marked_for_review_at: Option<DateTime<Utc>>,
    decisioned_at: Option<DateTime<Utc>>,
    redacted_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, Deserialize)]
struct PlainRelationships {
    sessions: PlainList,
}

#[derive(Serialize, Deserialize)]
struct PlainList {
    data: Vec<PlainIdentifier>,
}

#[derive(Serialize, Deserialize)]
struct PlainIdentifier {
    #[serde(rename = "type")]
    kind: String,
    id: String,
}

#[derive(Serialize, Deserialize)]
struct PlainEventDocument {
    data: PlainEvent,
}

#[derive(Serialize, Deserialize)]
struct PlainEvent {
    #[serde(rename = "type")]
    kind: String,
    id: String,
    attributes: PlainEventAttributes,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct PlainEventAttributes {
    name: String,
    created_at: DateTime<Utc>,
    sequence: u64,
    payload: PlainDocument,
}

fn plain(resource: &InquiryResource) -> PlainDocument {
    PlainDocument {
        data: PlainInquiry {
            kind: "inquiry".into(),
            id: resource.id.to_string(),
            attributes: PlainAttributes {
                status: resource.status.as_str().into(),
                reference_id: resource.reference_id.as_ref().map(|r| r.as_str().into()),
                created_at: resource.created_at,
                updated_at: resource.updated_at,
                started_at: resource.started_at,
                expires_at: resource.expires_at,
                completed_at: resource.completed_at,
                failed_at: resource.failed_at,
                expired_at: resource.expired_at,
                marked_for_review_at: resource.marked_for_review_at,
                decisioned_at: resource.decisioned_at,
                redacted_at: resource.redacted_at,
            },
            relationships: PlainRelationships {
                sessions: PlainList {
                    data: resource
                        .sessions
                        .iter()
                        .map(|id| PlainIdentifier {
                            kind: "inquiry-session".into(),
                            id: id.to_string(),
                        })
                        .collect(),
                },
            },
        },
    }
}

fn documents(c: &mut Criterion) {
    let (before, after, events) = inquiry();
    let resource = InquiryResource::of(&after);
    let document = InquiryDocument::new(resource.clone());
    let floor = plain(&resource);
    let text = document.to_json(Inflection::Kebab);
    let floor_text = serde_json::to_string(&floor).unwrap();
    // The same document, give or take the instants' digits (chrono writes no milliseconds).
    assert!(
        text.len().abs_diff(floor_text.len()) < 200,
        "{text}\n{floor_text}"
    );

    let mut group = c.benchmark_group("inquiry document");
    group.bench_function("write", |b| {
        b.iter(|| black_box(&document).to_json(Inflection::Kebab))
    });
    group.bench_function("write floor (serde_json, plain struct)", |b| {
        b.iter(|| serde_json::to_string(black_box(&floor)).unwrap())
    });
    group.bench_function("read", |b| {
        b.iter(|| InquiryDocument::from_json(black_box(&text)).unwrap())
    });
    group.bench_function("read floor (serde_json, plain struct)", |b| {
        b.iter(|| serde_json::from_str::<PlainDocument>(black_box(&floor_text)).unwrap())
    });
    // Where reading's time goes: the value tree it walks, parsed and dropped.
    group.bench_function("read's value tree alone", |b| {
        b.iter(|| serde_json::from_str::<serde_json::Value>(black_box(&text)).unwrap())
    });
    group.finish();

    // The resume's inquiry event, with the inquiry as its payload.
    let event = EventDocument::for_change(Some(&before), &after, &events)
        .unwrap()
        .into_iter()
        .find(|event| matches!(event.payload, inquiry_lifecycle_wire::Resource::Inquiry(_)))
        .unwrap();
    let event_text = event.to_json(Inflection::Kebab);
    let floor_event = PlainEventDocument {
        data: PlainEvent {
            kind: "event".into(),
            id: event.id.to_string(),
            attributes: PlainEventAttributes {
                name: event.name.as_str().into(),
                created_at: event.created_at,
                sequence: event.sequence.unwrap(),
                payload: plain(&resource),
            },
        },
    };
    let floor_event_text = serde_json::to_string(&floor_event).unwrap();
    let mut group = c.benchmark_group("event document");
    group.bench_function("write", |b| {
        b.iter(|| black_box(&event).to_json(Inflection::Kebab))
    });
    group.bench_function("write floor (serde_json, plain struct)", |b| {
        b.iter(|| serde_json::to_string(black_box(&floor_event)).unwrap())
    });
    group.bench_function("read", |b| {
        b.iter(|| EventDocument::from_json(black_box(&event_text)).unwrap())
    });
    group.bench_function("read floor (serde_json, plain struct)", |b| {
        b.iter(|| serde_json::from_str::<PlainEventDocument>(black_box(&floor_event_text)).unwrap())
    });
    group.bench_function("for_change (the resume's 2 documents)", |b| {
        b.iter(|| EventDocument::for_change(Some(black_box(&before)), &after, &events).unwrap())
    });
    group.finish();
}

fn signatures(c: &mut Criterion) {
    let (_, after, _) = inquiry();
    let body = InquiryDocument::new(InquiryResource::of(&after)).to_json(Inflection::Kebab);
    let secrets = [WebhookSecret::new("wbhsec_bench_0123456789").unwrap()];
    let now = t0();
    let header = sign(&secrets, now.timestamp(), body.as_bytes());
    let (t, v1) = header.split_once(",v1=").unwrap();
    let t = t.trim_start_matches("t=").to_owned();
    let tag = hex::decode(v1).unwrap();

    let mut group = c.benchmark_group("signature");
    group.bench_function("verify", |b| {
        b.iter(|| {
            verify(
                Some(black_box(&header)),
                body.as_bytes(),
                &secrets,
                now,
                DEFAULT_TOLERANCE,
            )
            .unwrap()
        })
    });
    group.bench_function(
        "verify floor (hmac over the same bytes, verify_slice)",
        |b| {
            b.iter(|| {
                let mut mac = Hmac::<Sha256>::new_from_slice(b"wbhsec_bench_0123456789").unwrap();
                mac.update(black_box(t.as_bytes()));
                mac.update(b".");
                mac.update(body.as_bytes());
                mac.verify_slice(&tag).unwrap()
            })
        },
    );
    group.finish();
}

criterion_group!(benches, documents, signatures);
criterion_main!(benches);
