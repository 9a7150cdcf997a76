//! M5: for every history the rule book can produce, turned into event documents (W6) and
//! delivered as any multiset that holds the newest event (any order, duplicates, drops,
//! redeliveries after a refused attempt), the mirror ends at the newest event's payload,
//! whatever the order; a state is never replaced by an older event's.

use chrono::TimeDelta;
use inquiry_lifecycle::strategies::{self, Player, Timeline};
use inquiry_lifecycle::EventId;
use inquiry_lifecycle_mirror::{read, Answer, Arrival, Delivery, Mirror, Refusal, Verifier};
use inquiry_lifecycle_wire::{
    sign, EventDocument, Inflection, InquiryResource, Resource, WebhookSecret,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestRunner};

/// Every event document of a played timeline, in sequence order.
fn documents(timeline: &Timeline) -> Option<Vec<EventDocument>> {
    let mut player = Player::new(&timeline.policy, timeline.seed, timeline.start).ok()?;
    let mut documents = EventDocument::for_change(None, player.inquiry(), player.events()).ok()?;
    for (step, now) in timeline.steps.iter().zip(timeline.times()) {
        let before = player.inquiry().clone();
        let Ok(events) = player.step(step.step, now) else {
            continue;
        };
        documents.extend(EventDocument::for_change(Some(&before), player.inquiry(), &events).ok()?);
    }
    Some(documents)
}

/// The payload of the last `inquiry.*` event by sequence: the source's newest state.
fn newest(documents: &[EventDocument]) -> Option<&InquiryResource> {
    documents
        .iter()
        .rev()
        .find_map(|document| match &document.payload {
            Resource::Inquiry(resource) => Some(resource),
            Resource::Session(_) => None,
        })
}

/// How one delivery attempt arrives.
#[derive(Debug, Clone, Copy)]
enum Attempt {
    /// Signed with the endpoint's secret.
    Good,
    /// Signed with another secret (a forgery, or a secret rotated away): refused.
    Forged,
    /// Its body cut short in transit: refused.
    Truncated,
}

/// For each document: how many times it is delivered (0 = dropped, unless it is the
/// newest), each attempt's kind, and a sort key that places it in the arrival order.
fn plan() -> impl Strategy<Value = Vec<Vec<(u32, Attempt)>>> {
    let attempt = prop_oneof![
        6 => Just(Attempt::Good),
        1 => Just(Attempt::Forged),
        1 => Just(Attempt::Truncated),
    ];
    prop::collection::vec(prop::collection::vec((any::<u32>(), attempt), 0..4), 200)
}

const SECRET: &str = "wbhsec_convergence";

struct Counts {
    timelines: usize,
    deliveries: usize,
    events: usize,
}

fn converges(
    timeline: &Timeline,
    plan: &[Vec<(u32, Attempt)>],
    inflection: Inflection,
    counts: &mut Counts,
) -> Result<(), TestCaseError> {
    let Some(documents) = documents(timeline) else {
        return Ok(());
    };
    let newest_state = newest(&documents).cloned();
    let newest_index = documents
        .iter()
        .rposition(|d| matches!(d.payload, Resource::Inquiry(_)));
    // The arrival order: every planned attempt, sorted by its key; the newest inquiry
    // event is delivered well at least once (M5's multiset holds it), a refused attempt
    // is redelivered with a good signature after it (the provider retries a non-2xx).
    let mut arrivals: Vec<(u32, usize, Attempt)> = Vec::new();
    for (index, attempts) in plan.iter().take(documents.len()).enumerate() {
        for &(key, attempt) in attempts {
            arrivals.push((key, index, attempt));
            if !matches!(attempt, Attempt::Good) {
                arrivals.push((key.saturating_add(key / 2 + 1), index, Attempt::Good));
            }
        }
    }
    if let Some(index) = newest_index {
        let key = plan
            .get(index)
            .and_then(|a| a.first())
            .map_or(u32::MAX / 2, |a| a.0);
        arrivals.push((key, index, Attempt::Good));
    }
    arrivals.sort_by_key(|arrival| arrival.0);

    let secrets = [WebhookSecret::new(SECRET).unwrap()];
    let forger = [WebhookSecret::new("wbhsec_someone_else").unwrap()];
    let verifier = Verifier::new(vec![WebhookSecret::new(SECRET).unwrap()]);
    let now = timeline.start + TimeDelta::days(30);
    let bodies: Vec<String> = documents
        .iter()
        .map(|document| document.to_json(inflection))
        .collect();
    let inquiry = inquiry_lifecycle_mirror::inquiry_of(&documents[0]);
    let mut mirror = Mirror::new(inquiry);
    let mut delivered = std::collections::BTreeSet::<EventId>::new();
    let mut applied_sequences = Vec::new();
    for (_, index, attempt) in &arrivals {
        let body = &bodies[*index];
        let (body, signed_with) = match attempt {
            Attempt::Good => (body.as_str(), &secrets),
            Attempt::Forged => (body.as_str(), &forger),
            Attempt::Truncated => (&body[..body.len() / 2], &secrets),
        };
        let header = sign(signed_with, now.timestamp(), body.as_bytes());
        let delivery = Delivery {
            body: body.as_bytes(),
            signature: Some(&header),
        };
        let before = mirror.clone();
        let answer = match read(&delivery, &verifier, now) {
            Ok(Arrival::Event(event)) => mirror.apply(&event),
            Ok(Arrival::Unknown { .. }) => Answer::Skipped,
            Err(refusal) => Answer::Refused(refusal),
        };
        counts.deliveries += 1;
        match (&answer, attempt) {
            // M1: a refused delivery changes nothing.
            (Answer::Refused(Refusal::Signature(_)), Attempt::Forged)
            | (Answer::Refused(Refusal::Document(_)), Attempt::Truncated) => {
                prop_assert_eq!(&mirror, &before);
                continue;
            }
            (Answer::Refused(_) | Answer::Skipped | Answer::NeedsReconcile(_), _) => {
                return Err(TestCaseError::fail(format!(
                    "a true history's delivery answered {answer:?} ({attempt:?})"
                )));
            }
            _ => {}
        }
        let id = documents[*index].id;
        // M2: the second and later arrivals of an id change nothing.
        if !delivered.insert(id) {
            prop_assert_eq!(&answer, &Answer::Duplicate);
            prop_assert_eq!(&mirror, &before);
            continue;
        }
        prop_assert_eq!(mirror.revision(), before.revision() + 1);
        if answer == Answer::Applied {
            // Never replaced by an older event: applied sequences only grow.
            let sequence = documents[*index].sequence.unwrap_or(0);
            prop_assert!(applied_sequences.last().is_none_or(|last| *last < sequence));
            applied_sequences.push(sequence);
            prop_assert_eq!(
                mirror.state(),
                match &documents[*index].payload {
                    Resource::Inquiry(resource) => Some(resource),
                    Resource::Session(_) => None,
                }
            );
        } else {
            prop_assert_eq!(mirror.state(), before.state());
        }
    }
    // M5: the newest event's payload, whatever the order; M4 never marked a true history.
    prop_assert_eq!(mirror.state(), newest_state.as_ref());
    prop_assert!(mirror.needs_reconcile().is_none());
    let history: std::collections::BTreeSet<EventId> =
        mirror.history().iter().map(|seen| seen.event).collect();
    prop_assert_eq!(&history, &delivered);
    // M6: the record reads back as the same mirror.
    prop_assert_eq!(&Mirror::from_json(&mirror.to_json()).unwrap(), &mirror);
    counts.timelines += 1;
    counts.events += documents.len();
    Ok(())
}

/// A runner's configuration: `cases` cases, failures shown (with the input, shrunk), not
/// written to a file (there is no source file to write beside for a hand-run runner).
fn config(cases: u32) -> Config {
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::Off)),
        ..Config::default()
    }
}

/// Run by hand (not `proptest!`) to report how much it checked.
#[test]
fn m5_any_arrival_order_converges_to_the_newest_events_payload() {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1024);
    let mut runner = TestRunner::new(config(cases));
    let mut counts = Counts {
        timelines: 0,
        deliveries: 0,
        events: 0,
    };
    let inflection = prop_oneof![
        Just(Inflection::Kebab),
        Just(Inflection::Camel),
        Just(Inflection::Snake)
    ];
    let counted = std::cell::RefCell::new(&mut counts);
    runner
        .run(
            &(strategies::timeline(0..40), plan(), inflection),
            |(timeline, plan, inflection)| {
                converges(&timeline, &plan, inflection, &mut counted.borrow_mut())
            },
        )
        .unwrap();
    // Every case counts, shrinking included, so these are at least `cases` timelines.
    assert!(
        counts.timelines >= cases as usize,
        "{} timelines",
        counts.timelines
    );
    eprintln!(
        "M5 convergence: {} timelines ({} events), {} deliveries in shuffled orders with duplicates, drops, forged and truncated attempts",
        counts.timelines, counts.events, counts.deliveries
    );
}

/// The same history delivered in two opposite orders ends at the same mirror state.
#[test]
fn m5_opposite_orders_end_in_the_same_state() {
    let mut runner = TestRunner::new(config(256));
    runner
        .run(&strategies::timeline(0..40), |timeline| {
            let Some(documents) = documents(&timeline) else {
                return Ok(());
            };
            let inquiry = inquiry_lifecycle_mirror::inquiry_of(&documents[0]);
            let (mut forward, mut backward) = (Mirror::new(inquiry), Mirror::new(inquiry));
            for document in &documents {
                let _answer = forward.apply(document);
            }
            for document in documents.iter().rev() {
                let _answer = backward.apply(document);
            }
            prop_assert_eq!(forward.state(), backward.state());
            prop_assert_eq!(forward.state(), newest(&documents));
            prop_assert_eq!(forward.last_event(), backward.last_event());
            Ok(())
        })
        .unwrap();
}
