//! What an adversarial audit found, and the properties that keep it fixed: an accepted
//! action never writes a record the loader refuses, and the loader accepts only what the
//! rules can produce, with typed, bounded loading.

mod common;

use chrono::{DateTime, TimeDelta, Utc};
use common::*;
use inquiry_lifecycle::strategies::{self, Player, Step};
use inquiry_lifecycle::*;
use proptest::prelude::*;
use serde_json::{json, Value};

/// Reloads an inquiry through the typed loader, as a store would.
fn reload(inquiry: &Inquiry) -> Result<Inquiry, Error> {
    Inquiry::from_json(&serde_json::to_string(inquiry).unwrap())
}

fn refused_as_invalid_input(result: Result<impl std::fmt::Debug, Error>, needle: &str) {
    refused_with(result, ErrorCode::InvalidInput, needle);
}

fn refused_with(result: Result<impl std::fmt::Debug, Error>, code: ErrorCode, needle: &str) {
    let error = result.unwrap_err();
    assert_eq!(error.code(), code, "{error}");
    assert!(
        error.to_string().contains(needle),
        "{needle:?} not in {error}"
    );
}

/// A `now` outside the recorded range is the embedding service's clock at fault, not its
/// caller's input: `clock_out_of_range`, 500.
fn refused_for_the_clock(result: Result<impl std::fmt::Debug, Error>) {
    refused_with(result, ErrorCode::ClockOutOfRange, "outside the instants");
}

// ----- item 1: an accepted action never produces a record the loader refuses ------------

#[test]
fn create_near_the_end_of_time_is_refused_not_saturated() {
    let mut random = random();
    let policy = Policy::default();
    // The audit: MAX_UTC - 1h saturated the deadline instead of adding 24 h (E3).
    let late = DateTime::<Utc>::MAX_UTC - TimeDelta::hours(1);
    refused_for_the_clock(Inquiry::create(&policy, late, &mut random));
    refused_for_the_clock(Inquiry::create(
        &policy,
        DateTime::<Utc>::MAX_UTC,
        &mut random,
    ));
    refused_for_the_clock(Inquiry::create(
        &policy,
        LATEST_NOW + TimeDelta::nanoseconds(1),
        &mut random,
    ));
    refused_for_the_clock(Inquiry::create(
        &policy,
        EARLIEST_NOW - TimeDelta::nanoseconds(1),
        &mut random,
    ));
    // At the first instant accepted, the record reloads.
    let (first, _created) = Inquiry::create(&policy, EARLIEST_NOW, &mut random).unwrap();
    assert_eq!(reload(&first).unwrap(), first);
    // At the last instant accepted, the deadline is exactly 24 h later, and it reloads.
    let (inquiry, _created) = Inquiry::create(&policy, LATEST_NOW, &mut random).unwrap();
    assert_eq!(inquiry.deadline(), Some(LATEST_NOW + TimeDelta::hours(24)));
    assert_eq!(reload(&inquiry).unwrap(), inquiry);
    let longest = Policy::builder()
        .expire_after_create(Interval::MAX.as_time_delta())
        .session_token_ttl(Interval::MAX.as_time_delta())
        .build()
        .unwrap();
    let (mut inquiry, _created) = Inquiry::create(&longest, LATEST_NOW, &mut random).unwrap();
    let _ = inquiry.resume(LATEST_NOW, &mut random).unwrap();
    assert_eq!(reload(&inquiry).unwrap(), inquiry);
    let _ = inquiry.apply_due(DateTime::<Utc>::MAX_UTC);
    assert_eq!(inquiry.recorded_status(), Status::Expired);
    assert_eq!(reload(&inquiry).unwrap(), inquiry);
}

#[test]
fn actions_at_the_end_of_time_are_refused_and_change_nothing() {
    let (mut inquiry, mut random) = created();
    let opened = inquiry.start(min(1), &mut random).unwrap();
    let before = snapshot(&inquiry);
    let end = DateTime::<Utc>::MAX_UTC;
    // The audit: resume at MAX_UTC wrote a session that "ends before it was opened".
    refused_for_the_clock(inquiry.resume(end, &mut random));
    refused_for_the_clock(inquiry.complete(end));
    refused_for_the_clock(inquiry.access(Some(&opened.token), end));
    assert_eq!(
        snapshot(&inquiry),
        before,
        "a refused action changes nothing (E8)"
    );
    // Applying what is due is never refused: the expiry is recorded at the deadline.
    let events = inquiry.apply_due(end);
    assert_eq!(events[0].at, inquiry.expired_at().unwrap());
    assert_eq!(reload(&inquiry).unwrap(), inquiry);
}

#[test]
fn a_record_whose_counters_are_used_up_refuses_actions_and_changes_nothing() {
    let (mut inquiry, mut random) = created();
    let _ = inquiry.start(min(1), &mut random).unwrap();
    let _ = inquiry.approve(min(2)).unwrap(); // nothing left to fall due
    let mut value = serde_json::to_value(&inquiry).unwrap();
    value["revision"] = json!(MAX_COUNTER);
    value["last_sequence"] = json!(MAX_COUNTER);
    // The audit's record: it loads (nothing can fall due on it) ...
    let mut loaded = Inquiry::from_json_value(&value).unwrap();
    let before = snapshot(&loaded);
    // ... and an expire (here a redact, approve being final) no longer writes 2^53 + 1.
    refused_with(
        loaded.redact(min(3)),
        ErrorCode::CountersExhausted,
        "used up its changes",
    );
    refused_with(
        loaded.decline(min(3)),
        ErrorCode::CountersExhausted,
        "used up its changes",
    );
    assert_eq!(snapshot(&loaded), before);
    // A live record at the limit has no room for its own expiry: the loader refuses it.
    let (live, _) = created();
    let mut value = serde_json::to_value(&live).unwrap();
    value["revision"] = json!(MAX_COUNTER);
    value["last_sequence"] = json!(MAX_COUNTER);
    refused_as_invalid_input(Inquiry::from_json_value(&value), "no room below 2^53");
}

/// An instant anywhere from the start to the end of chrono's range, weighted towards the
/// library's bounds and the inquiry's own times.
fn instant(around: DateTime<Utc>) -> impl Strategy<Value = DateTime<Utc>> {
    let ns = TimeDelta::nanoseconds;
    prop_oneof![
        4 => (-3_600i64..3 * 86_400).prop_map(move |s| around + TimeDelta::seconds(s)),
        1 => Just(DateTime::<Utc>::MAX_UTC),
        1 => Just(DateTime::<Utc>::MIN_UTC),
        1 => Just(LATEST_NOW),
        1 => Just(LATEST_NOW + ns(1)),
        1 => Just(EARLIEST_NOW - ns(1)),
        1 => (0i64..=i64::MAX).prop_map(|n| DateTime::<Utc>::MIN_UTC + TimeDelta::nanoseconds(n)),
    ]
}

/// One call of any kind.
fn call() -> impl Strategy<Value = Step> {
    strategies::step()
}

/// A played timeline, sometimes moved to the last instants the library accepts, sometimes
/// with counters just below the limit.
fn edge_player() -> impl Strategy<Value = (Player, u64)> {
    (
        strategies::played(),
        prop_oneof![Just(0u64), 0u64..200, Just(MAX_COUNTER)],
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// For every reachable record (and the same record with its counters raised toward
    /// 2^53, where it still loads) and every call at every instant, the ends of time
    /// included: a refused call changes nothing, and an accepted call's result reloads,
    /// equal, and keeps every invariant.
    #[test]
    fn an_accepted_call_always_writes_a_record_that_reloads(
        (player, raise) in edge_player(),
        call in call(),
        at in instant(chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 6, 1, 0, 0, 0).unwrap()),
    ) {
        let mut player = player;
        if raise > 0 {
            let mut value = serde_json::to_value(player.inquiry()).unwrap();
            let headroom = MAX_COUNTER.saturating_sub(raise);
            let revision = value["revision"].as_u64().unwrap();
            let sequence = value["last_sequence"].as_u64().unwrap();
            // The revision keeps its distance from the last sequence, either way: a change
            // without events (a repeat redemption, L3) puts the revision ahead.
            let distance = i128::from(sequence) - i128::from(revision);
            let raised = (i128::from(headroom) - distance).clamp(0, i128::from(MAX_COUNTER));
            value["revision"] = json!(revision.max(u64::try_from(raised).unwrap()));
            value["last_sequence"] = json!(sequence.max(headroom));
            if let Ok(raised) = Inquiry::from_json_value(&value) {
                prop_assert!(raised.check_invariants().is_ok());
                player = Player::from_inquiry(raised, 9);
            }
        }
        let before = snapshot(player.inquiry());
        let result = player.step(call, at);
        match result {
            Err(error) => prop_assert_eq!(
                snapshot(player.inquiry()), before, "refused {} changed the record", error
            ),
            Ok(_) => {
                let inquiry = player.inquiry();
                prop_assert!(inquiry.check_invariants().is_ok(), "{:?}", inquiry.check_invariants());
                let reloaded = reload(inquiry);
                prop_assert!(reloaded.is_ok(), "{:?}", reloaded);
                prop_assert_eq!(&reloaded.unwrap(), inquiry);
            }
        }
    }
}

// ----- item 2: the loader accepts only what the rules can produce -----------------------

fn refused(value: Value, needle: &str) {
    refused_as_invalid_input(Inquiry::from_json_value(&value), needle);
}

#[test]
fn records_no_sequence_of_actions_can_reach_are_refused() {
    let (created, mut random) = created();
    let mut pending = created.clone();
    let opened = pending.start(min(1), &mut random).unwrap();
    let _ = pending.access(Some(&opened.token), min(2)).unwrap();
    let mut completed = pending.clone();
    let _ = completed.complete(min(3)).unwrap();
    let mut redacted = pending.clone();
    let _ = redacted.redact(min(4)).unwrap();
    let stamp = |inquiry: &Inquiry, field: &str, at: DateTime<Utc>| {
        let mut value = serde_json::to_value(inquiry).unwrap();
        value[field] = json!(at);
        value
    };
    // decided_at on an undecided status
    refused(
        stamp(&completed, "decided_at", min(3)),
        "decided_at on an undecided",
    );
    // finished_at on a live one
    refused(
        stamp(&pending, "finished_at", min(2)),
        "finished_at on a status",
    );
    // how it finished (W1's completed-at / failed-at): only completed or failed, the
    // status it finished with while that lasts, and never without finished_at
    let mut finished_as_approved = serde_json::to_value(&completed).unwrap();
    finished_as_approved["finished_as"] = json!("approved");
    refused(finished_as_approved, "finished_as is neither");
    let mut completed_as_failed = serde_json::to_value(&completed).unwrap();
    completed_as_failed["finished_as"] = json!("failed");
    refused(completed_as_failed, "finished_as is neither");
    let mut finished_as_alone = serde_json::to_value(&pending).unwrap();
    finished_as_alone["finished_as"] = json!("completed");
    refused(finished_as_alone, "finished_as with no finished_at");
    // a reference id the parser refuses
    let mut bad_reference = serde_json::to_value(&created).unwrap();
    bad_reference["reference_id"] = json!("");
    refused(bad_reference, "malformed reference id");
    // reviewed_at without a review
    refused(
        stamp(&completed, "reviewed_at", min(3)),
        "reviewed_at on a status",
    );
    // finished but never started
    let mut never_started = serde_json::to_value(&completed).unwrap();
    never_started["started_at"] = Value::Null;
    refused(never_started, "never started or resumed");
    // redacted_at before the last change
    refused(
        stamp(&redacted, "redacted_at", min(3)),
        "redacted_at is not the last change",
    );
    // stamps out of the order transitions set them
    refused(
        stamp(&completed, "started_at", min(3) + TimeDelta::seconds(1)),
        "started_at lies outside",
    );
    let mut finished_before_start = serde_json::to_value(&completed).unwrap();
    finished_before_start["started_at"] = json!(min(3));
    finished_before_start["finished_at"] = json!(min(2));
    refused(finished_before_start, "not in the order");
    // resumed without an expiry
    refused(
        stamp(&pending, "resumed_at", min(2)),
        "resumed_at without an expiry",
    );
    // expired, but resumed after its last expiry
    let mut expired_again = created.clone();
    let _ = expired_again.expire(min(1)).unwrap();
    let _ = expired_again.resume(min(2), &mut random).unwrap();
    let _ = expired_again.expire(min(3)).unwrap();
    expired_again.check_invariants().unwrap();
    refused(
        stamp(&expired_again, "expired_at", min(1)),
        "its last resume came after its last expiry",
    );
    // ... while a resume and an expiry at the same instant is reachable, and loads.
    let mut same_instant = created.clone();
    let _ = same_instant.expire(min(1)).unwrap();
    let _ = same_instant.resume(min(1), &mut random).unwrap();
    let _ = same_instant.expire(min(1)).unwrap();
    assert_eq!(same_instant.resumed_at(), same_instant.expired_at());
    assert_eq!(reload(&same_instant).unwrap(), same_instant);
    // revision 1 with changes
    let mut not_fresh = serde_json::to_value(&pending).unwrap();
    not_fresh["revision"] = json!(1);
    refused(not_fresh, "revision 1");
    // every reachable record passes the same check the loader uses
    for inquiry in [&created, &pending, &completed, &redacted] {
        inquiry.check_invariants().unwrap();
        assert_eq!(&reload(inquiry).unwrap(), inquiry);
    }
}

proptest! {
    /// The loader and `check_invariants` are one definition: every reachable inquiry passes
    /// both, and a record with one stamp moved loads exactly when it passes the check.
    #[test]
    fn the_loader_accepts_exactly_the_records_that_keep_the_invariants(
        inquiry in strategies::inquiry(),
        field in prop::sample::select(vec![
            "started_at", "resumed_at", "expired_at", "finished_at", "reviewed_at",
            "decided_at", "redacted_at", "updated_at", "created_at",
        ]),
        shift in prop_oneof![Just(None), (-7_200i64..7_200).prop_map(Some)],
    ) {
        prop_assert!(inquiry.check_invariants().is_ok());
        prop_assert_eq!(&reload(&inquiry).unwrap(), &inquiry);
        let mut value = serde_json::to_value(&inquiry).unwrap();
        value[field] = match shift {
            None => Value::Null,
            Some(s) => json!(inquiry.updated_at() + TimeDelta::seconds(s)),
        };
        let loaded = Inquiry::from_json_value(&value);
        if let Ok(loaded) = &loaded {
            prop_assert!(loaded.check_invariants().is_ok());
        }
        // Loading does its own parse; its verdict agrees with the check on what it parsed.
        let parsed: Result<Inquiry, _> = serde_json::from_value(value);
        prop_assert_eq!(parsed.is_ok(), loaded.is_ok());
    }
}

// ----- item 3: every load error is typed, and loading is bounded ------------------------

#[test]
fn load_errors_are_typed_and_name_the_json_path() {
    let (mut inquiry, mut random) = created();
    let _ = inquiry.start(min(1), &mut random).unwrap();
    let value = serde_json::to_value(&inquiry).unwrap();
    let cases: [(Value, &str); 5] = [
        (
            {
                let mut v = value.clone();
                v["colour"] = json!("red");
                v
            },
            "unknown field `colour`",
        ),
        (
            {
                let mut v = value.clone();
                v.as_object_mut().unwrap().remove("status");
                v
            },
            "missing field `status`",
        ),
        (
            {
                let mut v = value.clone();
                v["revision"] = json!("two");
                v
            },
            "at `revision`",
        ),
        (
            {
                let mut v = value.clone();
                v["sessions"][0]["ends_at"] = json!(17);
                v
            },
            "at `sessions[0].ends_at`",
        ),
        (
            {
                let mut v = value.clone();
                v["sessions"][0]["id"] = json!("iqse_short");
                v
            },
            "at `sessions[0].id`",
        ),
    ];
    for (value, needle) in cases {
        refused_as_invalid_input(Inquiry::from_json_value(&value), needle);
        refused_as_invalid_input(Inquiry::from_json(&value.to_string()), needle);
    }
    refused_as_invalid_input(Inquiry::from_json("{"), "stored inquiry");
    refused_as_invalid_input(Inquiry::from_json(&format!("{value} trailing")), "trailing");
}

#[test]
fn a_record_with_300000_sessions_is_refused_at_the_26th() {
    let (text, one) = record_with_sessions(300_000);
    assert!(text.len() > 70_000_000);
    let error = Inquiry::from_json(&text).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("more than 25 session records"),
        "{message}"
    );
    assert!(message.contains("at `sessions`"), "{message}");
    // Refused where the 26th record ends, a few kilobytes into a 70 MB text.
    let column: usize = message
        .rsplit("column ")
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(
        column < 27 * (one.len() + 1) + 1_000,
        "read up to column {column}: {message}"
    );
}

/// Found by the PostgreSQL benchmark: a source seeded the same way twice handed a resume
/// the session id of a kept record, and the record written could not be loaded ("its id
/// is used twice"). A repeated id or token is now drawn again, then refused, changing
/// nothing.
#[test]
fn a_random_source_that_repeats_itself_is_refused_not_written() {
    struct Stuck;
    impl RandomSource for Stuck {
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            dest.fill(7);
        }
    }
    let (mut inquiry, _) = created();
    let _ = inquiry.start(min(1), &mut Stuck).unwrap();
    let before = snapshot(&inquiry);
    let refused = inquiry.resume(min(2), &mut Stuck).unwrap_err();
    // Not the caller's input: the source is broken (500).
    assert_eq!(refused.code(), ErrorCode::RandomSourceFailed);
    assert_eq!(refused.http_status(), 500);
    assert!(refused.to_string().contains("already in use"), "{refused}");
    assert_eq!(
        snapshot(&inquiry),
        before,
        "a refused resume changes nothing (E8)"
    );
    // Only the ids repeat (each token differs): still refused, since a record keeps each
    // session id once.
    struct SameIds(u8);
    impl RandomSource for SameIds {
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            self.0 = self.0.wrapping_add(1);
            let byte = if dest.len() == 32 { self.0 } else { 9 };
            dest.fill(byte);
        }
    }
    let (mut same_ids, _) = created();
    let mut source = SameIds(0);
    let first = same_ids.resume(min(1), &mut source).unwrap();
    // Used, so that the next resume opens a session instead of reusing this one (S4b).
    let _ = same_ids.access(Some(&first.token), min(1)).unwrap();
    let before = snapshot(&same_ids);
    let refused = same_ids.resume(min(2), &mut source).unwrap_err();
    assert!(refused.to_string().contains("already in use"), "{refused}");
    assert_eq!(snapshot(&same_ids), before);
    // The same seed twice: the second resume's first draw repeats the first resume's, so
    // it draws again, and the record keeps distinct ids and loads.
    let (mut twice, _) = created();
    let first = twice.resume(min(1), &mut SeededRandom::new(5)).unwrap();
    let _ = twice.access(Some(&first.token), min(1)).unwrap();
    let second = twice.resume(min(2), &mut SeededRandom::new(5)).unwrap();
    assert_ne!(first.session_id, second.session_id);
    assert_ne!(first.token, second.token);
    assert_eq!(reload(&twice).unwrap(), twice);
    // S4b and L3 draw only a token for a kept session; a repeat of its current one is
    // drawn again, so the fresh token always differs from the one it replaces.
    let third = twice.resume(min(3), &mut SeededRandom::new(5)).unwrap();
    assert_eq!(third.session_id, second.session_id);
    assert_ne!(third.token, second.token);
    assert_eq!(reload(&twice).unwrap(), twice);
}
