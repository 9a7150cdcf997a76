//! The details of each answer: codes and HTTP statuses, the tie-breaks of M3's order, the
//! tolerance of a verifier, what a reconcile does to the revision, and how an unreachable
//! event is described.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use inquiry_lifecycle::{EventId, EventName, Inquiry, InquiryId, Policy, SeededRandom, Status};
use inquiry_lifecycle_mirror::{
    rank, read, Answer, Arrival, Delivery, Mirror, Refusal, Unreachable, Verifier,
};
use inquiry_lifecycle_wire::{
    sign, EventDocument, Inflection, InquiryResource, Resource, SignatureError, WebhookSecret,
};

fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 7, 1, 12, 0, 0).unwrap() + TimeDelta::minutes(minutes)
}

/// An inquiry's creation document, and a way to make `inquiry.*` events of it with any
/// status, instant, sequence and id (as a vendor, or a forger, could send).
fn created() -> (Inquiry, EventDocument) {
    let (inquiry, events) =
        Inquiry::create(&Policy::default(), at(0), &mut SeededRandom::new(3)).unwrap();
    let document = EventDocument::for_change(None, &inquiry, &events)
        .unwrap()
        .remove(0);
    (inquiry, document)
}

fn event(
    base: &EventDocument,
    status: Status,
    created_at: DateTime<Utc>,
    sequence: Option<u64>,
    id: u64,
) -> EventDocument {
    let Resource::Inquiry(mut resource) = base.payload.clone() else {
        unreachable!()
    };
    resource.status = status;
    resource.updated_at = created_at;
    let mut event = base.clone();
    event.id = EventId::of(resource.id, id);
    event.name = EventName::InquiryMarkedForReview;
    event.created_at = created_at;
    event.sequence = sequence;
    event.payload = Resource::Inquiry(resource);
    event
}

#[test]
fn every_answer_has_its_code_and_http_status() {
    let other = InquiryId::parse("inq_AAAAAAAAAAAAAAAAAAAAAAAA").unwrap();
    let unreachable = Unreachable {
        event: EventId::of(other, 1),
        mirrored: (Status::Approved, false),
        arrived: (Status::Pending, false),
    };
    let cases = [
        (Answer::Applied, "applied", 200, true),
        (Answer::Recorded, "recorded", 200, true),
        (Answer::Duplicate, "duplicate", 200, false),
        (Answer::Stale, "stale", 200, true),
        (
            Answer::NeedsReconcile(unreachable),
            "needs_reconcile",
            200,
            true,
        ),
        (Answer::Skipped, "skipped", 200, false),
        (
            Answer::Refused(Refusal::Signature(SignatureError::Missing)),
            "invalid_signature",
            401,
            false,
        ),
        (
            Answer::Refused(Refusal::Document(inquiry_lifecycle::Error::invalid_input(
                "x",
            ))),
            "invalid_input",
            422,
            false,
        ),
        (
            Answer::Refused(Refusal::OtherInquiry {
                mirror: other,
                event: other,
            }),
            "other_inquiry",
            422,
            false,
        ),
    ];
    for (answer, code, status, changed) in cases {
        assert_eq!(
            (answer.code(), answer.http_status(), answer.changed()),
            (code, status, changed),
            "{answer:?}"
        );
        if let Answer::Refused(refusal) = &answer {
            assert_eq!((refusal.code(), refusal.http_status()), (code, status));
        }
    }
}

#[test]
fn m3_ranks_are_the_rule_books() {
    let ranks: Vec<u8> = Status::ALL.into_iter().map(rank).collect();
    // created, pending, expired, completed, failed, needs_review, approved, declined
    assert_eq!(ranks, [0, 1, 2, 3, 3, 4, 5, 5]);
}

/// Events of the same instant without a sequence (a vendor's) order by status rank, then
/// by event id, whichever arrives first.
#[test]
fn m3_ties_break_on_rank_then_on_event_id() {
    let (inquiry, creation) = created();
    let review = event(&creation, Status::NeedsReview, at(5), None, 10);
    let approval = event(&creation, Status::Approved, at(5), None, 9);
    for order in [[&review, &approval], [&approval, &review]] {
        let mut mirror = Mirror::new(inquiry.id());
        for document in order {
            mirror.apply(document);
        }
        assert_eq!(
            mirror.status(),
            Some(Status::Approved),
            "rank 5 beats rank 4"
        );
    }
    let (low, high) = {
        let a = event(&creation, Status::Completed, at(5), None, 20);
        // The same status: two statuses of one rank cannot reach each other (M4).
        let b = event(&creation, Status::Completed, at(5), None, 21);
        if a.id < b.id {
            (a, b)
        } else {
            (b, a)
        }
    };
    for order in [[&low, &high], [&high, &low]] {
        let mut mirror = Mirror::new(inquiry.id());
        for document in order {
            mirror.apply(document);
        }
        assert_eq!(
            mirror.last_event(),
            Some(high.id),
            "the greater id wins a full tie"
        );
    }
    // A sequence beats rank at the same instant; an instant beats both.
    let sequenced = event(&creation, Status::Pending, at(5), Some(3), 30);
    let ranked = event(&creation, Status::NeedsReview, at(5), Some(2), 31);
    let mut mirror = Mirror::new(inquiry.id());
    mirror.apply(&sequenced);
    assert_eq!(mirror.apply(&ranked), Answer::Stale);
    let later = event(&creation, Status::Pending, at(6), Some(1), 32);
    assert_eq!(mirror.apply(&later), Answer::Applied);
}

#[test]
fn a_verifier_checks_freshness_within_its_tolerance() {
    let (_, creation) = created();
    let body = creation.to_json(Inflection::Kebab);
    let secrets = [WebhookSecret::new("wbhsec_t_0123456789").unwrap()];
    let header = sign(&secrets, at(0).timestamp(), body.as_bytes());
    let delivery = Delivery {
        body: body.as_bytes(),
        signature: Some(&header),
    };
    let strict = Verifier::new(vec![WebhookSecret::new("wbhsec_t_0123456789").unwrap()]);
    let refused = read(&delivery, &strict, at(10)).unwrap_err();
    assert!(
        matches!(refused, Refusal::Signature(SignatureError::Stale { .. })),
        "{refused:?}"
    );
    let wide = strict.clone().with_tolerance(TimeDelta::minutes(15));
    assert_eq!(
        read(&delivery, &wide, at(10)).unwrap(),
        Arrival::Event(creation.clone())
    );
    assert!(read(&delivery, &wide, at(16)).is_err());
    // Not UTF-8: refused as a document, saying where.
    let bytes = [b'{', 0xff, b'}'];
    let header = sign(&secrets, at(0).timestamp(), &bytes);
    let refused = read(
        &Delivery {
            body: &bytes,
            signature: Some(&header),
        },
        &strict,
        at(0),
    )
    .unwrap_err();
    assert_eq!(refused.code(), "invalid_input");
    assert!(refused.to_string().contains("not UTF-8"), "{refused}");
}

#[test]
fn m4_reconcile_counts_as_a_change_and_never_goes_back() {
    let (inquiry, creation) = created();
    let mut mirror = Mirror::new(inquiry.id());
    mirror.apply(&event(&creation, Status::Approved, at(30), Some(5), 5));
    mirror.apply(&event(&creation, Status::Pending, at(40), Some(6), 6));
    assert!(mirror.needs_reconcile().is_some());
    let revision = mirror.revision();

    // A fetch older than the state: the mark is cleared, the state kept.
    let mut old = InquiryResource::of(&inquiry);
    old.updated_at = at(10);
    assert_eq!(mirror.reconcile(&old), Answer::Stale);
    assert_eq!(mirror.revision(), revision + 1);
    assert!(mirror.needs_reconcile().is_none());
    assert_eq!(mirror.status(), Some(Status::Approved));

    // A fetch as new as the state replaces it.
    let mut fresh = InquiryResource::of(&inquiry);
    fresh.status = Status::Approved;
    fresh.updated_at = at(30);
    assert_eq!(mirror.reconcile(&fresh), Answer::Applied);
    assert_eq!(mirror.revision(), revision + 2);
    assert_eq!(mirror.state(), Some(&fresh));

    // Another inquiry's resource changes nothing.
    let (other, _) = Inquiry::create(&Policy::default(), at(0), &mut SeededRandom::new(4)).unwrap();
    let before = mirror.clone();
    let answer = mirror.reconcile(&InquiryResource::of(&other));
    assert_eq!(answer.code(), "other_inquiry");
    assert_eq!(mirror, before);
}

#[test]
fn m4_a_redacted_mirror_says_so_and_is_frozen() {
    let (inquiry, creation) = created();
    let mut redacted = event(&creation, Status::Completed, at(20), Some(4), 4);
    if let Resource::Inquiry(resource) = &mut redacted.payload {
        resource.redacted_at = Some(at(20));
    }
    let mut mirror = Mirror::new(inquiry.id());
    assert!(!mirror.is_redacted());
    mirror.apply(&redacted);
    assert!(mirror.is_redacted());
    let Answer::NeedsReconcile(unreachable) =
        mirror.apply(&event(&creation, Status::Approved, at(25), Some(5), 5))
    else {
        panic!("redaction freezes")
    };
    let text = unreachable.to_string();
    assert!(
        text.contains("says approved but the mirror holds completed (redacted)"),
        "{text}"
    );
    assert!(mirror.is_redacted());
}

/// The history forgets its oldest entries past `MAX_HISTORY`, and a forgotten event is
/// no longer a duplicate, but still changes no state.
#[test]
fn m2_the_history_is_bounded() {
    let (inquiry, creation) = created();
    let mut mirror = Mirror::new(inquiry.id());
    let first = event(&creation, Status::Pending, at(1), Some(1), 1);
    mirror.apply(&first);
    for n in 2..=(inquiry_lifecycle_mirror::MAX_HISTORY as u64 + 1) {
        mirror.apply(&event(&creation, Status::Pending, at(1), Some(n), n));
    }
    assert_eq!(
        mirror.history().len(),
        inquiry_lifecycle_mirror::MAX_HISTORY
    );
    assert_ne!(mirror.history()[0].event, first.id);
    let state = mirror.state().cloned();
    assert_eq!(mirror.apply(&first), Answer::Stale);
    assert_eq!(mirror.state().cloned(), state);
    assert_eq!(
        mirror.history().len(),
        inquiry_lifecycle_mirror::MAX_HISTORY
    );
}

/// M6: a record reads back equal, at the history's bound too; a record that is not one is
/// refused saying what is wrong.
#[test]
fn m6_records_read_back_and_broken_ones_are_refused() {
    let (inquiry, creation) = created();
    let mut mirror = Mirror::new(inquiry.id());
    for n in 1..=(inquiry_lifecycle_mirror::MAX_HISTORY as u64) {
        mirror.apply(&event(&creation, Status::Pending, at(1), Some(n), n));
    }
    let text = mirror.to_json();
    assert_eq!(Mirror::from_json(&text).unwrap(), mirror);
    let record: serde_json::Value = serde_json::from_str(&text).unwrap();
    let broken = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut record = record.clone();
        edit(&mut record);
        Mirror::from_json(&record.to_string())
            .unwrap_err()
            .to_string()
    };
    let over = broken(&|record| {
        let first = record["history"][0].clone();
        record["history"].as_array_mut().unwrap().push(first);
    });
    assert!(
        over.contains("at most 1024 events, this one 1025"),
        "{over}"
    );
    let other = broken(&|record| record["inquiry"] = "inq_AAAAAAAAAAAAAAAAAAAAAAAA".into());
    assert!(other.contains("holds the state of"), "{other}");
    let answer = broken(&|record| record["history"][0]["answer"] = "duplicate".into());
    assert!(answer.contains("unknown answer \"duplicate\""), "{answer}");
    let name = broken(&|record| record["history"][0]["name"] = "inquiry.transitioned".into());
    assert!(name.contains("inquiry.transitioned"), "{name}");
    let format = broken(&|record| record["format"] = 2.into());
    assert!(format.contains("format 2"), "{format}");
    let extra = broken(&|record| record["surprise"] = true.into());
    assert!(extra.contains("not a mirror record"), "{extra}");
}
