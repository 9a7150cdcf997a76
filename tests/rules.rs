//! One or more tests per rule of the rule book, each named after what it shows.

mod common;

use chrono::TimeDelta;
use common::*;
use inquiry_lifecycle::rules::{decide, Verdict, RULE_IDS};
use inquiry_lifecycle::*;

// ----- statuses and transitions -------------------------------------------------------------

#[test]
fn t1_create_yields_created_with_revision_one_and_sequence_one() {
    let mut random = random();
    let (inquiry, events) = Inquiry::create(&Policy::default(), t0(), &mut random).unwrap();
    assert_eq!(inquiry.recorded_status(), Status::Created);
    assert_eq!(inquiry.revision(), 1);
    assert_eq!(names(&events), [EventName::InquiryCreated]);
    assert_eq!(events[0].sequence, 1);
    assert_eq!(events[0].status_before, None);
    assert_eq!(events[0].inquiry_id, inquiry.id());
}

#[test]
fn t2_start_moves_created_to_pending_and_opens_a_session() {
    let (mut inquiry, mut random) = created();
    let opened = inquiry.start(min(5), &mut random).unwrap();
    assert_eq!(inquiry.recorded_status(), Status::Pending);
    assert_eq!(
        names(&opened.events),
        [EventName::InquiryStarted, EventName::SessionCreated]
    );
    assert_eq!(opened.events[1].session_id, Some(opened.session_id));
    assert_eq!(inquiry.started_at(), Some(min(5)));
}

#[test]
fn t3_t4_how_an_inquiry_finished_survives_its_review_and_decision() {
    for (action, completed) in [(Action::Complete, true), (Action::Fail, false)] {
        let (mut inquiry, mut random) = created();
        let _opened = inquiry.start(min(1), &mut random).unwrap();
        let _finished = inquiry.act(action, min(2), &mut random).unwrap();
        for decide in [Action::MarkForReview, Action::Decline, Action::Redact] {
            let _decided = inquiry.act(decide, min(3), &mut random).unwrap();
            let expected = (completed.then_some(min(2)), (!completed).then_some(min(2)));
            assert_eq!(
                (inquiry.completed_at(), inquiry.failed_at()),
                expected,
                "{action:?} then {decide:?}"
            );
            assert_eq!(inquiry.finished_at(), Some(min(2)));
            let reloaded = Inquiry::from_json(&serde_json::to_string(&inquiry).unwrap()).unwrap();
            assert_eq!((reloaded.completed_at(), reloaded.failed_at()), expected);
        }
    }
    let (inquiry, _random) = created();
    assert_eq!((inquiry.completed_at(), inquiry.failed_at()), (None, None));
}

#[test]
fn t1_a_reference_id_given_at_creation_is_kept_through_redaction() {
    let mut random = random();
    let reference = ReferenceId::parse("user-4711").unwrap();
    let (mut inquiry, events) =
        Inquiry::create_with_reference(&Policy::default(), reference.clone(), t0(), &mut random)
            .unwrap();
    assert_eq!(names(&events), [EventName::InquiryCreated]);
    assert_eq!(inquiry.reference_id(), Some(&reference));
    let _redacted = inquiry.redact(min(1)).unwrap();
    let reloaded = Inquiry::from_json(&serde_json::to_string(&inquiry).unwrap()).unwrap();
    assert_eq!(reloaded.reference_id(), Some(&reference));
    // Without one, the record has no such field (a 0.1 record's form).
    let (plain, _created) = Inquiry::create(&Policy::default(), t0(), &mut random).unwrap();
    assert_eq!(plain.reference_id(), None);
    assert!(!serde_json::to_string(&plain)
        .unwrap()
        .contains("reference_id"));
    // A refused creation draws nothing and creates nothing.
    let late = LATEST_NOW + TimeDelta::seconds(1);
    let refused = Inquiry::create_with_reference(&Policy::default(), reference, late, &mut random)
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::ClockOutOfRange);
}

#[test]
fn t3_t4_complete_and_fail_apply_only_to_pending() {
    for (action, to) in [
        (Action::Complete, Status::Completed),
        (Action::Fail, Status::Failed),
    ] {
        let (mut inquiry, mut random) = created();
        let refused = inquiry.act(action, min(1), &mut random).unwrap_err();
        assert_eq!(refused.code(), ErrorCode::InvalidTransition);
        let _ = inquiry.start(min(2), &mut random).unwrap();
        let _ = inquiry.act(action, min(3), &mut random).unwrap();
        assert_eq!(inquiry.recorded_status(), to);
        assert_eq!(inquiry.finished_at(), Some(min(3)));
    }
}

#[test]
fn t5_explicit_expire_applies_to_created_and_pending() {
    let (mut inquiry, _) = created();
    let events = inquiry.expire(min(1)).unwrap();
    assert_eq!(names(&events), [EventName::InquiryExpired]);
    assert_eq!(inquiry.recorded_status(), Status::Expired);
    assert_eq!(inquiry.expired_at(), Some(min(1)));
}

#[test]
fn t6_resume_of_a_live_inquiry_keeps_status_and_deadline() {
    let (mut inquiry, mut random) = created();
    let _ = inquiry.start(min(5), &mut random).unwrap();
    let deadline = inquiry.deadline();
    let opened = inquiry.resume(min(10), &mut random).unwrap();
    assert_eq!(inquiry.recorded_status(), Status::Pending);
    assert_eq!(inquiry.deadline(), deadline, "E3: T6 buys no time");
    assert_eq!(opened.events[0].name, EventName::InquiryResumed);
    assert_eq!(inquiry.resumed_at(), None);
}

#[test]
fn t7_resume_of_expired_inquiry_moves_it_to_pending_with_a_new_deadline() {
    let policy = Policy::builder()
        .expire_after_resume(TimeDelta::minutes(30))
        .build()
        .unwrap();
    let (mut inquiry, mut random) = created_with(&policy);
    let _ = inquiry.expire(min(1)).unwrap();
    let opened = inquiry.resume(min(10), &mut random).unwrap();
    assert_eq!(inquiry.recorded_status(), Status::Pending);
    assert_eq!(inquiry.deadline(), Some(min(40)));
    assert_eq!(opened.events[0].status_before, Some(Status::Expired));
    assert_eq!(opened.events[0].status_after, Status::Pending);
}

#[test]
fn t6_t7_resume_of_finished_or_post_inquiry_statuses_is_not_resumable() {
    for status in [
        Status::Completed,
        Status::Failed,
        Status::NeedsReview,
        Status::Approved,
        Status::Declined,
    ] {
        let refused = decide(status, false, Action::Resume).unwrap_err();
        assert_eq!(refused.code(), ErrorCode::NotResumable, "{status}");
        assert_eq!(refused.http_status(), 409);
    }
}

#[test]
fn t8_mark_for_review_applies_to_every_status_before_a_decision() {
    for from in [
        Status::Created,
        Status::Pending,
        Status::Expired,
        Status::Completed,
        Status::Failed,
    ] {
        let Ok(Verdict::Applies(rule)) = decide(from, false, Action::MarkForReview) else {
            panic!("mark_for_review on {from} should apply");
        };
        assert_eq!(rule.id, "T8");
    }
    assert_eq!(
        decide(Status::NeedsReview, false, Action::MarkForReview),
        Ok(Verdict::Repeat)
    );
}

#[test]
fn t9_t10_decisions_apply_to_every_undecided_status_and_are_final() {
    for from in Status::ALL {
        for action in [Action::Approve, Action::Decline] {
            let verdict = decide(from, false, action);
            match (from.is_decided(), verdict) {
                (false, Ok(Verdict::Applies(rule))) => {
                    assert!(rule.id == "T9" || rule.id == "T10")
                }
                (true, Ok(Verdict::Repeat)) => {
                    assert!(
                        (from == Status::Approved) == (action == Action::Approve),
                        "only the same decision repeats"
                    )
                }
                (true, Err(error)) => assert_eq!(error.code(), ErrorCode::DecisionFinal),
                other => panic!("{action} on {from}: {other:?}"),
            }
        }
    }
}

#[test]
fn t9_repeating_approve_is_a_no_op_without_event_or_revision_bump() {
    let (mut inquiry, _) = created();
    let _ = inquiry.approve(min(1)).unwrap();
    let before = snapshot(&inquiry);
    let events = inquiry.approve(min(2)).unwrap();
    assert!(events.is_empty());
    assert_eq!(snapshot(&inquiry), before);
}

#[test]
fn t10_decline_of_an_approved_inquiry_is_decision_final_and_changes_nothing() {
    let (mut inquiry, _) = created();
    let _ = inquiry.approve(min(1)).unwrap();
    let before = snapshot(&inquiry);
    let refused = inquiry.decline(min(2)).unwrap_err();
    assert_eq!(refused.code(), ErrorCode::DecisionFinal);
    assert_eq!(snapshot(&inquiry), before);
}

#[test]
fn t11_redact_sets_redacted_at_keeps_status_and_freezes_everything_else() {
    let (mut inquiry, mut random) = created();
    let _ = inquiry.start(min(1), &mut random).unwrap();
    let events = inquiry.redact(min(2)).unwrap();
    assert_eq!(
        names(&events),
        [EventName::InquiryRedacted, EventName::SessionExpired]
    );
    assert_eq!(inquiry.recorded_status(), Status::Pending);
    assert_eq!(inquiry.redacted_at(), Some(min(2)));
    for action in Action::ALL {
        let result = inquiry.act(action, min(3), &mut random);
        match action {
            Action::Redact => assert!(result.unwrap().events.is_empty()),
            _ => assert_eq!(result.unwrap_err().code(), ErrorCode::Redacted),
        }
    }
    assert_eq!(
        inquiry.access(None, min(3)).unwrap_err().code(),
        ErrorCode::Redacted
    );
}

#[test]
fn refusal_precedence_puts_redacted_first_and_inquiry_expired_before_invalid_transition() {
    assert_eq!(
        decide(Status::Expired, true, Action::Start)
            .unwrap_err()
            .code(),
        ErrorCode::Redacted
    );
    for action in [Action::Start, Action::Complete, Action::Fail] {
        assert_eq!(
            decide(Status::Expired, false, action).unwrap_err().code(),
            ErrorCode::InquiryExpired
        );
    }
    assert_eq!(
        decide(Status::Completed, false, Action::Start)
            .unwrap_err()
            .code(),
        ErrorCode::InvalidTransition
    );
}

#[test]
fn refusal_messages_explain_by_rule() {
    let refused = decide(Status::Approved, false, Action::Resume).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "not_resumable: an approved inquiry is decided; only created, pending or expired inquiries can be resumed (T6, T7)"
    );
    let refused = decide(Status::Created, false, Action::Complete).unwrap_err();
    assert!(refused.to_string().contains("(T3)"), "{refused}");
}

// ----- deadlines and expiry -----------------------------------------------------------------

#[test]
fn e1_defaults_are_24_hours_and_after_start_follows_after_create() {
    let intervals = Policy::default().intervals();
    assert_eq!(intervals.expire_after_create.as_secs(), 86_400);
    assert_eq!(intervals.expire_after_start.as_secs(), 86_400);
    assert_eq!(intervals.expire_after_resume.as_secs(), 86_400);
    assert_eq!(intervals.session_token_ttl.as_secs(), 86_400);
    let policy = Policy::builder()
        .expire_after_create(TimeDelta::hours(2))
        .build()
        .unwrap();
    assert_eq!(policy.intervals().expire_after_start.as_secs(), 7_200);
}

#[test]
fn e1_zero_or_negative_intervals_are_refused_when_the_policy_is_built() {
    for bad in [TimeDelta::zero(), TimeDelta::seconds(-5)] {
        let refused = Policy::builder()
            .expire_after_resume(bad)
            .build()
            .unwrap_err();
        assert_eq!(refused.code(), ErrorCode::InvalidInput);
        assert!(
            refused.to_string().contains("expire_after_resume"),
            "{refused}"
        );
    }
}

#[test]
fn e2_an_inquiry_keeps_the_intervals_it_was_created_with() {
    let short = Policy::builder()
        .expire_after_create(TimeDelta::hours(1))
        .build()
        .unwrap();
    let (inquiry, _) = created_with(&short);
    let _changed_later = Policy::builder()
        .expire_after_create(TimeDelta::hours(9))
        .build()
        .unwrap();
    assert_eq!(inquiry.deadline(), Some(hours(1)));
    assert_eq!(inquiry.intervals(), &short.intervals());
}

#[test]
fn e3_deadline_follows_created_then_started_and_is_none_when_finished() {
    let policy = Policy::builder()
        .expire_after_create(TimeDelta::hours(2))
        .expire_after_start(TimeDelta::hours(1))
        .build()
        .unwrap();
    let (mut inquiry, mut random) = created_with(&policy);
    assert_eq!(inquiry.deadline(), Some(hours(2)));
    let _ = inquiry.start(min(30), &mut random).unwrap();
    assert_eq!(inquiry.deadline(), Some(min(90)));
    let _ = inquiry.complete(min(40)).unwrap();
    assert_eq!(inquiry.deadline(), None);
}

#[test]
fn e4_a_live_inquiry_is_expired_at_its_deadline_even_before_anything_is_applied() {
    let (inquiry, _) = created();
    assert_eq!(
        inquiry.status_at(hours(24) - TimeDelta::seconds(1)),
        Status::Created
    );
    assert_eq!(inquiry.status_at(hours(24)), Status::Expired);
    assert_eq!(
        inquiry.recorded_status(),
        Status::Created,
        "nothing applied yet"
    );
}

#[test]
fn e4_a_due_expiry_comes_first_and_is_recorded_at_the_deadline() {
    let (mut inquiry, mut random) = created();
    let opened = inquiry.resume(hours(30), &mut random).unwrap();
    assert_eq!(
        names(&opened.events),
        [
            EventName::InquiryExpired,
            EventName::InquiryResumed,
            EventName::SessionCreated
        ]
    );
    assert_eq!(opened.events[0].at, hours(24));
    assert_eq!(inquiry.expired_at(), Some(hours(24)));
    assert_eq!(inquiry.revision(), 2, "V3: one call, one bump");
}

#[test]
fn e5_next_due_is_the_earliest_of_deadline_and_session_expiry() {
    let policy = Policy::builder()
        .session_token_ttl(TimeDelta::minutes(10))
        .build()
        .unwrap();
    let (mut inquiry, mut random) = created_with(&policy);
    assert_eq!(inquiry.next_due(), Some(hours(24)));
    let _ = inquiry.start(min(5), &mut random).unwrap();
    assert_eq!(inquiry.next_due(), Some(min(15)));
    let events = inquiry.apply_due(min(15));
    assert_eq!(names(&events), [EventName::SessionExpired]);
    assert_eq!(inquiry.next_due(), Some(min(5) + TimeDelta::hours(24)));
}

#[test]
fn e5_applying_due_early_or_twice_changes_nothing() {
    let (mut inquiry, _) = created();
    let before = snapshot(&inquiry);
    assert!(inquiry.apply_due(hours(23)).is_empty());
    assert_eq!(snapshot(&inquiry), before);
    assert_eq!(inquiry.apply_due(hours(25)).len(), 1);
    let after = snapshot(&inquiry);
    assert!(inquiry.apply_due(hours(26)).is_empty());
    assert_eq!(snapshot(&inquiry), after);
}

#[test]
fn e6_an_earlier_now_is_taken_as_the_last_change() {
    let (mut inquiry, mut random) = created();
    let _ = inquiry.start(min(30), &mut random).unwrap();
    let events = inquiry.complete(min(10)).unwrap();
    assert_eq!(events[0].at, min(30));
    assert_eq!(inquiry.finished_at(), Some(min(30)));
}

#[test]
fn e7_explicit_expire_ends_every_session_and_can_be_resumed() {
    let (mut inquiry, mut random) = created();
    let opened = inquiry.start(min(1), &mut random).unwrap();
    let _ = inquiry.access(Some(&opened.token), min(2)).unwrap();
    let events = inquiry.expire(min(3)).unwrap();
    assert_eq!(
        names(&events),
        [EventName::InquiryExpired, EventName::SessionExpired]
    );
    assert_eq!(inquiry.live_sessions_at(min(3)), 0);
    let _ = inquiry.resume(min(4), &mut random).unwrap();
    assert_eq!(inquiry.recorded_status(), Status::Pending);
}

#[test]
fn e8_a_refused_action_does_not_apply_a_due_expiry() {
    let (mut inquiry, _) = created();
    let _ = inquiry.approve(min(1)).unwrap();
    let (mut live, _) = created();
    let before = snapshot(&live);
    let refused = live.complete(hours(30)).unwrap_err();
    assert_eq!(refused.code(), ErrorCode::InquiryExpired);
    assert_eq!(
        snapshot(&live),
        before,
        "nothing changed, not even the expiry"
    );
    let events = live.apply_due(hours(31));
    assert_eq!(
        events[0].at,
        hours(24),
        "applied later with the same recorded time"
    );
}

// ----- sessions and tokens ------------------------------------------------------------------

#[test]
fn s1_session_ids_have_the_iqse_prefix_and_start_new() {
    let (mut inquiry, mut random) = created();
    let opened = inquiry.start(min(1), &mut random).unwrap();
    assert!(opened.session_id.to_string().starts_with("iqse_"));
    assert_eq!(opened.session_id.to_string().len(), 29);
    assert_eq!(inquiry.sessions()[0].status(), SessionStatus::New);
    assert_eq!(inquiry.sessions()[0].created_at(), min(1));
}

#[test]
fn s2_tokens_are_256_bits_digest_only_and_never_shown() {
    let (mut inquiry, mut random) = created();
    let opened = inquiry.start(min(1), &mut random).unwrap();
    let text = opened.token.expose_secret();
    assert_eq!(
        text.len(),
        73,
        "the session id, a dot, 32 bytes in base64url"
    );
    let stored = snapshot(&inquiry);
    assert!(!stored.contains(text.as_str()));
    assert!(stored.contains("token_digest"));
    assert!(!format!("{:?}", opened).contains(text.as_str()));
    assert!(!format!("{:?}", inquiry).contains(text.as_str()));
    let _ = inquiry.access(Some(&opened.token), min(2)).unwrap();
}

#[test]
fn s2_two_tokens_from_a_secure_source_differ() {
    let mut random = SecureRandom::from_os().unwrap();
    let session = SessionId::generate(&mut random);
    let a = SessionToken::generate(session, &mut random);
    let b = SessionToken::generate(session, &mut random);
    assert_ne!(a, b);
}

#[test]
fn s4a_start_supersedes_unused_token_sessions_but_not_active_or_link_ones() {
    let (mut inquiry, mut random) = created();
    let active = inquiry.resume(min(1), &mut random).unwrap();
    let _ = inquiry.access(Some(&active.token), min(2)).unwrap();
    let unused = inquiry.resume(min(3), &mut random).unwrap();
    let linked = inquiry.link(min(4), &mut random).unwrap();
    let started = inquiry.start(min(5), &mut random).unwrap();
    assert_eq!(
        names(&started.events),
        [
            EventName::InquiryStarted,
            EventName::SessionExpired,
            EventName::SessionCreated
        ]
    );
    assert_eq!(started.events[1].session_id, Some(unused.session_id));
    assert_eq!(inquiry.sessions()[1].expired_at(), Some(min(5)));
    assert_eq!(
        inquiry
            .access(Some(&unused.token), min(6))
            .unwrap_err()
            .code(),
        ErrorCode::SessionExpired
    );
    let _ = inquiry.access(Some(&active.token), min(6)).unwrap();
    let _ = inquiry.access(Some(&started.token), min(6)).unwrap();
    let redeemed = inquiry.redeem(&linked.code, min(7), &mut random).unwrap();
    assert_eq!(
        redeemed.session_id, linked.session_id,
        "L1: S4a spares links"
    );
}

#[test]
fn s4b_resume_gives_an_unused_live_token_session_a_fresh_token() {
    let policy = Policy::builder()
        .session_token_ttl(TimeDelta::minutes(10))
        .expire_after_start(TimeDelta::minutes(18))
        .build()
        .unwrap();
    let (mut inquiry, mut random) = created_with(&policy);
    let started = inquiry.start(min(0), &mut random).unwrap();
    assert_eq!(inquiry.sessions()[0].expires_at(), min(10));
    let revision = inquiry.revision();
    let resumed = inquiry.resume(min(5), &mut random).unwrap();
    // Same session, no session event; inquiry.resumed names it.
    assert_eq!(resumed.session_id, started.session_id);
    assert_eq!(names(&resumed.events), [EventName::InquiryResumed]);
    assert_eq!(resumed.events[0].session_id, Some(started.session_id));
    assert_eq!(inquiry.sessions().len(), 1);
    assert_eq!(inquiry.revision(), revision + 1);
    // The unused-token TTL restarts from the fresh token (5 + 10 = 15m)...
    assert_eq!(inquiry.sessions()[0].expires_at(), min(15));
    // ...but never runs past the session's end (the deadline when it opened: 18m).
    let again = inquiry.resume(min(12), &mut random).unwrap();
    assert_eq!(again.session_id, started.session_id);
    assert_eq!(inquiry.sessions()[0].expires_at(), min(18));
    // Only the newest token works; older ones are invalid_token (S2: verifier first).
    for old in [&started.token, &resumed.token] {
        let refused = inquiry.access(Some(old), min(13)).unwrap_err();
        assert_eq!(refused.code(), ErrorCode::InvalidToken);
    }
    let granted = inquiry.access(Some(&again.token), min(13)).unwrap();
    assert_eq!(names(&granted.events), [EventName::SessionStarted]);
    // Now active: the next resume opens a new session.
    let fresh = inquiry.resume(min(14), &mut random).unwrap();
    assert_ne!(fresh.session_id, started.session_id);
    assert_eq!(
        names(&fresh.events),
        [EventName::InquiryResumed, EventName::SessionCreated]
    );
    assert_eq!(fresh.events[0].session_id, None);
}

#[test]
fn s4b_a_replaced_token_stays_invalid_after_its_session_ended() {
    let (mut inquiry, mut random) = created();
    let first = inquiry.start(min(1), &mut random).unwrap();
    let second = inquiry.resume(min(2), &mut random).unwrap();
    let _ = inquiry.expire(min(4)).unwrap();
    let _ = inquiry.resume(min(5), &mut random).unwrap();
    // The session ended with the expiry; its replaced token is still not its token.
    assert_eq!(
        inquiry
            .access(Some(&first.token), min(6))
            .unwrap_err()
            .code(),
        ErrorCode::InvalidToken
    );
    assert_eq!(
        inquiry
            .access(Some(&second.token), min(6))
            .unwrap_err()
            .code(),
        ErrorCode::SessionExpired
    );
}

#[test]
fn s4b_resume_from_expired_and_link_sessions_always_open_a_new_session() {
    let (mut inquiry, mut random) = created();
    let linked = inquiry.link(min(1), &mut random).unwrap();
    let resumed = inquiry.resume(min(2), &mut random).unwrap();
    assert_ne!(
        resumed.session_id, linked.session_id,
        "links are never reused"
    );
    assert_eq!(
        names(&resumed.events),
        [EventName::InquiryResumed, EventName::SessionCreated]
    );
    let _ = inquiry.expire(min(3)).unwrap();
    let after = inquiry.resume(min(4), &mut random).unwrap();
    assert_ne!(
        after.session_id, resumed.session_id,
        "T7 opens a new session"
    );
    assert_eq!(inquiry.recorded_status(), Status::Pending);
}

#[test]
fn s2_a_token_is_found_by_its_selector_and_checked_once() {
    let (mut inquiry, mut random) = created();
    let mut tokens = Vec::new();
    for i in 0..25 {
        let opened = inquiry.resume(min(i), &mut random).unwrap();
        let _ = inquiry.access(Some(&opened.token), min(i)).unwrap();
        tokens.push(opened);
    }
    // Every token names its own session.
    for opened in &tokens {
        assert_eq!(opened.token.session(), Some(opened.session_id));
    }
    // A token's verifier under another kept session's selector opens nothing.
    let verifier = tokens[3].token.expose_secret();
    let verifier = verifier.split_once('.').unwrap().1;
    let moved = SessionToken::parse(&format!("{}.{verifier}", tokens[4].session_id)).unwrap();
    assert_eq!(
        inquiry.access(Some(&moved), min(30)).unwrap_err().code(),
        ErrorCode::InvalidToken
    );
    // Without a selector, a token of this revision matches no session: only sessions
    // opened by version 0.1 are compared with bare verifiers (tests/compat.rs).
    let bare = SessionToken::parse(verifier).unwrap();
    assert_eq!(
        inquiry.access(Some(&bare), min(30)).unwrap_err().code(),
        ErrorCode::InvalidToken
    );
    let _ = inquiry.access(Some(&tokens[3].token), min(30)).unwrap();
}

#[test]
fn s5_an_unused_session_expires_after_the_ttl_a_used_one_lives_to_its_deadline() {
    let policy = Policy::builder()
        .session_token_ttl(TimeDelta::minutes(10))
        .expire_after_start(TimeDelta::hours(2))
        .build()
        .unwrap();
    let (mut inquiry, mut random) = created_with(&policy);
    let unused = inquiry.start(min(0), &mut random).unwrap();
    assert_eq!(inquiry.sessions()[0].expires_at(), min(10));
    assert_eq!(
        inquiry
            .access(Some(&unused.token), min(10))
            .unwrap_err()
            .code(),
        ErrorCode::SessionExpired
    );
    let used = inquiry.resume(min(20), &mut random).unwrap();
    let _ = inquiry.access(Some(&used.token), min(21)).unwrap();
    let _ = inquiry.access(Some(&used.token), min(100)).unwrap();
    assert_eq!(inquiry.sessions()[1].expires_at(), min(120));
}

#[test]
fn s5_a_later_deadline_does_not_extend_an_older_session() {
    let policy = Policy::builder()
        .expire_after_create(TimeDelta::hours(1))
        .expire_after_start(TimeDelta::hours(5))
        .build()
        .unwrap();
    let (mut inquiry, mut random) = created_with(&policy);
    let early = inquiry.resume(min(10), &mut random).unwrap();
    let _ = inquiry.access(Some(&early.token), min(11)).unwrap();
    let _ = inquiry.start(min(20), &mut random).unwrap();
    assert_eq!(inquiry.deadline(), Some(min(20) + TimeDelta::hours(5)));
    assert_eq!(
        inquiry
            .access(Some(&early.token), hours(1))
            .unwrap_err()
            .code(),
        ErrorCode::SessionExpired
    );
}

#[test]
fn s6_every_session_ends_when_the_inquiry_leaves_the_live_statuses() {
    for action in [
        Action::Complete,
        Action::Fail,
        Action::Expire,
        Action::MarkForReview,
        Action::Approve,
        Action::Decline,
        Action::Redact,
    ] {
        let (mut inquiry, mut random) = created();
        let opened = inquiry.start(min(1), &mut random).unwrap();
        let _ = inquiry.act(action, min(2), &mut random).unwrap();
        assert!(inquiry.sessions().iter().all(|s| !s.is_live()), "{action}");
        assert!(inquiry.access(Some(&opened.token), min(3)).is_err());
    }
}

#[test]
fn s7_at_most_25_records_the_oldest_live_session_goes_when_all_are_live() {
    let (mut inquiry, mut random) = created();
    let mut tokens = Vec::new();
    for i in 0..25 {
        let opened = inquiry.resume(min(2 * i), &mut random).unwrap();
        let _ = inquiry.access(Some(&opened.token), min(2 * i + 1)).unwrap();
        tokens.push(opened.token);
    }
    assert_eq!(inquiry.sessions().len(), MAX_SESSIONS);
    let opened = inquiry.resume(min(60), &mut random).unwrap();
    assert_eq!(
        names(&opened.events),
        [
            EventName::InquiryResumed,
            EventName::SessionExpired,
            EventName::SessionCreated
        ]
    );
    assert_eq!(inquiry.sessions().len(), MAX_SESSIONS);
    assert_eq!(
        inquiry
            .access(Some(&tokens[0]), min(61))
            .unwrap_err()
            .code(),
        ErrorCode::InvalidToken,
        "a token whose record is gone"
    );
    let _ = inquiry.access(Some(&tokens[1]), min(61)).unwrap();
}

#[test]
fn s7_the_oldest_expired_record_is_dropped_first() {
    // A one-minute token TTL: each unused session times out before the next resume, which
    // then opens a new one (S4b reuses only a live one): 24 expired, 1 new.
    let policy = Policy::builder()
        .session_token_ttl(TimeDelta::minutes(1))
        .build()
        .unwrap();
    let (mut inquiry, mut random) = created_with(&policy);
    let mut tokens = Vec::new();
    for i in 0..25 {
        tokens.push(inquiry.resume(min(2 * i), &mut random).unwrap().token);
    }
    let _ = inquiry.resume(min(60), &mut random).unwrap();
    assert_eq!(inquiry.sessions().len(), MAX_SESSIONS);
    assert_eq!(
        inquiry
            .access(Some(&tokens[0]), min(61))
            .unwrap_err()
            .code(),
        ErrorCode::InvalidToken
    );
    assert_eq!(
        inquiry
            .access(Some(&tokens[1]), min(31))
            .unwrap_err()
            .code(),
        ErrorCode::SessionExpired,
        "a kept but expired record"
    );
}

// ----- access -------------------------------------------------------------------------------

#[test]
fn access_table_created_opens_by_link_pending_needs_a_token() {
    let (mut inquiry, mut random) = created();
    let granted = inquiry.access(None, min(1)).unwrap();
    assert_eq!(granted.session_id, None);
    assert!(granted.events.is_empty());
    let _ = inquiry.start(min(2), &mut random).unwrap();
    let refused = inquiry.access(None, min(3)).unwrap_err();
    assert_eq!(refused.code(), ErrorCode::SessionRequired);
    assert_eq!(refused.http_status(), 401);
}

#[test]
fn access_table_expired_finished_and_redacted_refuse_every_token() {
    let mut random = random();
    let forged = forged_token();
    let cases = [
        (Action::Expire, ErrorCode::InquiryExpired),
        (Action::Complete, ErrorCode::InquiryFinished),
        (Action::Approve, ErrorCode::InquiryFinished),
        (Action::Redact, ErrorCode::Redacted),
    ];
    for (end, code) in cases {
        let (mut inquiry, _) = Inquiry::create(&Policy::default(), t0(), &mut random).unwrap();
        let opened = inquiry.start(min(1), &mut random).unwrap();
        let _ = inquiry.act(end, min(5), &mut random).unwrap();
        for token in [None, Some(&opened.token), Some(&forged)] {
            assert_eq!(inquiry.access(token, min(6)).unwrap_err().code(), code);
        }
    }
}

#[test]
fn a1_a_wrong_token_is_never_ignored_even_by_link() {
    let (mut inquiry, _) = created();
    let forged = forged_token();
    let refused = inquiry.access(Some(&forged), min(1)).unwrap_err();
    assert_eq!(refused.code(), ErrorCode::InvalidToken);
}

#[test]
fn a2_a_token_opens_only_the_inquiry_that_issued_it() {
    let (mut first, mut random) = created();
    let (mut second, _) = Inquiry::create(&Policy::default(), t0(), &mut random).unwrap();
    let opened = first.start(min(1), &mut random).unwrap();
    let _ = second.start(min(1), &mut random).unwrap();
    assert_eq!(
        second
            .access(Some(&opened.token), min(2))
            .unwrap_err()
            .code(),
        ErrorCode::InvalidToken
    );
}

#[test]
fn a3_the_first_granted_use_starts_the_session_once() {
    let (mut inquiry, mut random) = created();
    let opened = inquiry.start(min(1), &mut random).unwrap();
    let first = inquiry.access(Some(&opened.token), min(2)).unwrap();
    assert_eq!(names(&first.events), [EventName::SessionStarted]);
    assert_eq!(first.session_id, Some(opened.session_id));
    assert_eq!(inquiry.sessions()[0].status(), SessionStatus::Active);
    assert_eq!(inquiry.sessions()[0].first_used_at(), Some(min(2)));
    let revision = inquiry.revision();
    let again = inquiry.access(Some(&opened.token), min(3)).unwrap();
    assert!(again.events.is_empty());
    assert_eq!(inquiry.revision(), revision);
}

// ----- events -------------------------------------------------------------------------------

#[test]
fn v1_events_carry_sequence_status_and_session() {
    let (mut inquiry, mut random) = created();
    let opened = inquiry.start(min(1), &mut random).unwrap();
    let [started, session] = &opened.events[..] else {
        panic!("two events")
    };
    assert_eq!((started.sequence, session.sequence), (2, 3));
    assert_eq!(started.status_before, Some(Status::Created));
    assert_eq!(started.status_after, Status::Pending);
    assert_eq!(started.session_id, None);
    assert_eq!(session.session_id, Some(opened.session_id));
    assert_eq!(inquiry.last_sequence(), 3);
}

#[test]
fn v2_event_names_are_the_rule_books() {
    let wire: Vec<_> = EventName::ALL.iter().map(|n| n.as_str()).collect();
    assert_eq!(
        wire,
        [
            "inquiry.created",
            "inquiry.started",
            "inquiry.expired",
            "inquiry.resumed",
            "inquiry.completed",
            "inquiry.failed",
            "inquiry.marked-for-review",
            "inquiry.approved",
            "inquiry.declined",
            "inquiry.redacted",
            "inquiry-session.created",
            "inquiry-session.started",
            "inquiry-session.expired",
        ]
    );
    for name in EventName::ALL {
        assert_eq!(
            serde_json::to_string(&name).unwrap(),
            format!("\"{}\"", name.as_str())
        );
    }
}

#[test]
fn v3_each_changing_call_bumps_the_revision_by_exactly_one() {
    let (mut inquiry, mut random) = created();
    let _ = inquiry.start(min(1), &mut random).unwrap();
    assert_eq!(inquiry.revision(), 2);
    let _ = inquiry.resume(min(2), &mut random).unwrap(); // S4b: a fresh token, one event
    assert_eq!(inquiry.revision(), 3);
    let _ = inquiry.expire(min(3)).unwrap(); // two events: expired, and its session
    assert_eq!(inquiry.revision(), 4);
    let _ = inquiry.start(min(4), &mut random).unwrap_err();
    assert_eq!(inquiry.revision(), 4);
}

// ----- errors and ids -----------------------------------------------------------------------

#[test]
fn error_codes_and_http_statuses_are_the_rule_books() {
    let table: Vec<_> = ErrorCode::ALL
        .iter()
        .map(|c| (c.as_str(), c.http_status()))
        .collect();
    assert_eq!(
        table,
        [
            ("invalid_transition", 409),
            ("not_resumable", 409),
            ("decision_final", 409),
            ("redacted", 409),
            ("inquiry_expired", 410),
            ("inquiry_finished", 403),
            ("session_required", 401),
            ("invalid_token", 401),
            ("session_expired", 401),
            ("link_used", 410),
            ("invalid_input", 422),
            // The project's own, beyond the rule book's table: failures that are not the
            // caller's input (docs/DESIGN.md, "Types").
            ("clock_out_of_range", 500),
            ("counters_exhausted", 409),
            ("random_source_failed", 500),
        ]
    );
}

#[test]
fn ids_parse_only_their_exact_form() {
    assert!(InquiryId::parse("inq_RQ4jHMYx8wHMCSjQ2M43jf4r").is_ok());
    for bad in [
        "",
        "inq_",
        "inq_RQ4jHMYx8wHMCSjQ2M43jf4",
        "inq_RQ4jHMYx8wHMCSjQ2M43jf4rX",
        "inq_RQ4jHMYx8wHMCSjQ2M43jf4!",
        "iqse_RQ4jHMYx8wHMCSjQ2M43jf4r",
        "INQ_RQ4jHMYx8wHMCSjQ2M43jf4r",
        "inq_RQ4jHMYx8wHMCSjQ2M43jf4é",
    ] {
        let refused = InquiryId::parse(bad).unwrap_err();
        assert_eq!(refused.code(), ErrorCode::InvalidInput, "{bad:?}");
    }
    assert!(SessionId::parse("iqse_RQ4jHMYx8wHMCSjQ2M43jf4r").is_ok());
}

#[test]
fn malformed_token_text_is_invalid_input_and_the_message_does_not_repeat_it() {
    for bad in ["", "short", &"A".repeat(44), &"!".repeat(43)] {
        let refused = SessionToken::parse(bad).unwrap_err();
        assert_eq!(refused.code(), ErrorCode::InvalidInput);
        if !bad.is_empty() {
            assert!(!refused.to_string().contains(bad));
        }
    }
}

#[test]
fn s1_generated_ids_draw_every_character_evenly() {
    let mut random = random();
    let mut counts = std::collections::BTreeMap::new();
    for _ in 0..2_000 {
        let id = InquiryId::generate(&mut random).to_string();
        for c in id["inq_".len()..].chars() {
            *counts.entry(c).or_insert(0u32) += 1;
        }
    }
    assert_eq!(counts.len(), 62, "every character of [A-Za-z0-9] appears");
    let (min, max) = (
        counts.values().min().unwrap(),
        counts.values().max().unwrap(),
    );
    // 48,000 draws, about 774 per character: a skewed draw is far outside this band.
    assert!(*max < 2 * *min, "uneven: min {min}, max {max}");
}

#[test]
fn t4_t8_fail_and_mark_for_review_record_their_events_and_times() {
    let (mut inquiry, mut random) = created();
    let _ = inquiry.start(min(1), &mut random).unwrap();
    let events = inquiry.fail(min(2)).unwrap();
    assert_eq!(
        names(&events),
        [EventName::InquiryFailed, EventName::SessionExpired]
    );
    let events = inquiry.mark_for_review(min(3)).unwrap();
    assert_eq!(names(&events), [EventName::InquiryMarkedForReview]);
    assert_eq!(inquiry.reviewed_at(), Some(min(3)));
    let _ = inquiry.decline(min(4)).unwrap();
    assert_eq!(inquiry.decided_at(), Some(min(4)));
    assert_eq!(inquiry.recorded_status(), Status::Declined);
}

#[test]
fn t7_records_when_an_expired_inquiry_was_resumed() {
    let (mut inquiry, mut random) = created();
    let _ = inquiry.expire(min(1)).unwrap();
    let _ = inquiry.resume(min(2), &mut random).unwrap();
    assert_eq!(inquiry.resumed_at(), Some(min(2)));
}

#[test]
fn a_malformed_id_is_quoted_in_the_message_cut_to_40_characters() {
    let message = InquiryId::parse("inq_bad!").unwrap_err().to_string();
    assert!(message.contains("\"inq_bad!\""), "{message}");
    let long = "x".repeat(100);
    let message = InquiryId::parse(&long).unwrap_err().to_string();
    assert!(
        message.contains(&format!("\"{}\"…", "x".repeat(40))),
        "{message}"
    );
    assert!(!message.contains(&"x".repeat(41)), "{message}");
}

#[test]
fn s4a_a_superseded_session_records_when_it_expired() {
    let (mut inquiry, mut random) = created();
    let _ = inquiry.resume(min(1), &mut random).unwrap();
    assert_eq!(inquiry.sessions()[0].expired_at(), None);
    let _ = inquiry.start(min(2), &mut random).unwrap();
    assert_eq!(inquiry.sessions()[0].expired_at(), Some(min(2)));
    assert_eq!(inquiry.sessions()[0].status(), SessionStatus::Expired);
}

// ----- one-time links -------------------------------------------------------------------------

#[test]
fn l1_a_link_opens_a_session_on_created_and_pending_and_changes_nothing_else() {
    for pending in [false, true] {
        let (mut inquiry, mut random) = created();
        if pending {
            let _ = inquiry.start(min(1), &mut random).unwrap();
        }
        let (status, deadline, revision) = (
            inquiry.recorded_status(),
            inquiry.deadline(),
            inquiry.revision(),
        );
        let others: Vec<_> = inquiry.sessions().to_vec();
        let linked = inquiry.link(min(2), &mut random).unwrap();
        assert_eq!(names(&linked.events), [EventName::SessionCreated]);
        assert_eq!(linked.events[0].session_id, Some(linked.session_id));
        assert_eq!(inquiry.recorded_status(), status);
        assert_eq!(inquiry.deadline(), deadline);
        assert_eq!(inquiry.revision(), revision + 1);
        assert_eq!(&inquiry.sessions()[..others.len()], &others[..]);
        let session = inquiry.sessions().last().unwrap();
        assert_eq!(session.bearer(), Bearer::Link);
        assert_eq!(session.status(), SessionStatus::New);
        assert_eq!(linked.code.session(), Some(linked.session_id));
        // The code is kept only as a digest (L2).
        let text = linked.code.expose_secret();
        assert!(!snapshot(&inquiry).contains(text.as_str()));
        assert!(!format!("{linked:?}").contains(text.as_str()));
    }
}

#[test]
fn l1_link_is_refused_on_expired_finished_and_redacted_inquiries() {
    let cases = [
        (Action::Expire, ErrorCode::InquiryExpired),
        (Action::Approve, ErrorCode::InvalidTransition),
        (Action::MarkForReview, ErrorCode::InvalidTransition),
        (Action::Redact, ErrorCode::Redacted),
    ];
    for (end, code) in cases {
        let (mut inquiry, mut random) = created();
        let _ = inquiry.act(end, min(1), &mut random).unwrap();
        let before = snapshot(&inquiry);
        let refused = inquiry.link(min(2), &mut random).unwrap_err();
        assert_eq!(refused.code(), code, "after {end}");
        assert_eq!(snapshot(&inquiry), before, "E8");
    }
    // Expired by its deadline, unnoticed: the message says to resume first.
    let (mut inquiry, mut random) = created();
    let refused = inquiry.link(hours(25), &mut random).unwrap_err();
    assert_eq!(refused.code(), ErrorCode::InquiryExpired);
    assert!(refused.to_string().contains("resume it first"), "{refused}");
    let completed = {
        let (mut inquiry, mut random) = created();
        let _ = inquiry.start(min(1), &mut random).unwrap();
        let _ = inquiry.complete(min(2)).unwrap();
        inquiry.link(min(3), &mut random).unwrap_err().to_string()
    };
    assert!(
        completed.contains("applies only to created or pending inquiries (L1)"),
        "{completed}"
    );
}

#[test]
fn l2_an_unredeemed_link_ends_at_its_ttl_or_its_sessions_end() {
    let policy = Policy::builder()
        .one_time_link_ttl(TimeDelta::minutes(30))
        .expire_after_create(TimeDelta::hours(2))
        .build()
        .unwrap();
    let (mut inquiry, mut random) = created_with(&policy);
    let linked = inquiry.link(min(10), &mut random).unwrap();
    assert_eq!(inquiry.next_due(), Some(min(40)));
    assert_eq!(
        inquiry
            .redeem(&linked.code, min(40), &mut random)
            .unwrap_err()
            .code(),
        ErrorCode::SessionExpired
    );
    let due = inquiry.apply_due(min(40));
    assert_eq!(names(&due), [EventName::SessionExpired]);
    assert_eq!(due[0].session_id, Some(linked.session_id));
    // A link whose TTL outlasts the deadline ends with the session, at the deadline.
    let late = inquiry.link(min(100), &mut random).unwrap();
    assert_eq!(inquiry.sessions().last().unwrap().expires_at(), hours(2));
    let refused = inquiry
        .redeem(&late.code, hours(2), &mut random)
        .unwrap_err();
    assert_eq!(
        refused.code(),
        ErrorCode::InquiryExpired,
        "the row answers first"
    );
}

#[test]
fn l3_redeeming_hands_out_a_fresh_token_each_time_within_the_grace() {
    let (mut inquiry, mut random) = created();
    let _ = inquiry.start(min(1), &mut random).unwrap();
    let linked = inquiry.link(min(2), &mut random).unwrap();
    let (status, deadline) = (inquiry.recorded_status(), inquiry.deadline());
    let first = inquiry.redeem(&linked.code, min(3), &mut random).unwrap();
    assert_eq!(first.session_id, linked.session_id);
    assert_eq!(names(&first.events), [EventName::SessionStarted]);
    assert_eq!(
        inquiry.sessions().last().unwrap().status(),
        SessionStatus::Active
    );
    assert_eq!(
        (inquiry.recorded_status(), inquiry.deadline()),
        (status, deadline)
    );
    let _ = inquiry.access(Some(&first.token), min(4)).unwrap();
    // A reload within the grace: a fresh token, no event, one more revision (V1), and the
    // change recorded at the call's time (E6).
    let revision = inquiry.revision();
    let again = inquiry
        .redeem(&linked.code, min(3) + TimeDelta::seconds(299), &mut random)
        .unwrap();
    assert!(again.events.is_empty());
    assert_eq!(inquiry.revision(), revision + 1);
    assert_eq!(inquiry.updated_at(), min(3) + TimeDelta::seconds(299));
    assert_eq!(
        inquiry
            .access(Some(&first.token), min(9))
            .unwrap_err()
            .code(),
        ErrorCode::InvalidToken,
        "the previous token from the link stops working"
    );
    let _ = inquiry.access(Some(&again.token), min(9)).unwrap();
    // At first redemption + 5 minutes, the link is used up; its last token still works.
    let before = snapshot(&inquiry);
    let used = inquiry
        .redeem(&linked.code, min(8), &mut random)
        .unwrap_err();
    assert_eq!(used.code(), ErrorCode::LinkUsed);
    assert_eq!(used.http_status(), 410);
    assert!(used.to_string().contains("(L3, L4)"), "{used}");
    assert_eq!(snapshot(&inquiry), before, "E8");
    let _ = inquiry.access(Some(&again.token), min(10)).unwrap();
}

#[test]
fn l3_a_redemption_is_an_access_the_table_rows_answer_first() {
    let cases = [
        (Action::Expire, ErrorCode::InquiryExpired),
        (Action::Approve, ErrorCode::InquiryFinished),
        (Action::Redact, ErrorCode::Redacted),
    ];
    for (end, code) in cases {
        let (mut inquiry, mut random) = created();
        let linked = inquiry.link(min(1), &mut random).unwrap();
        let _ = inquiry.act(end, min(2), &mut random).unwrap();
        let before = snapshot(&inquiry);
        let refused = inquiry
            .redeem(&linked.code, min(3), &mut random)
            .unwrap_err();
        assert_eq!(refused.code(), code, "after {end}");
        assert_eq!(snapshot(&inquiry), before);
    }
    // A pending inquiry's link is the credential: no session token needed.
    let (mut inquiry, mut random) = created();
    let _ = inquiry.start(min(1), &mut random).unwrap();
    let linked = inquiry.link(min(2), &mut random).unwrap();
    let opened = inquiry.redeem(&linked.code, min(3), &mut random).unwrap();
    let _ = inquiry.access(Some(&opened.token), min(4)).unwrap();
    assert_eq!(inquiry.recorded_status(), Status::Pending);
}

#[test]
fn l4_codes_and_tokens_are_not_interchangeable_and_dropped_codes_are_invalid() {
    let (mut inquiry, mut random) = created();
    let linked = inquiry.link(min(1), &mut random).unwrap();
    let started = inquiry.start(min(2), &mut random).unwrap();
    let code_as_token = SessionToken::parse(&linked.code.expose_secret()).unwrap();
    assert_eq!(
        inquiry
            .access(Some(&code_as_token), min(3))
            .unwrap_err()
            .code(),
        ErrorCode::InvalidToken
    );
    let token_as_code = LinkCode::parse(&started.token.expose_secret()).unwrap();
    let forged_code = LinkCode::parse(&forged_token().expose_secret()).unwrap();
    for code in [&token_as_code, &forged_code] {
        assert_eq!(
            inquiry
                .redeem(code, min(3), &mut random)
                .unwrap_err()
                .code(),
            ErrorCode::InvalidToken
        );
    }
    // Another inquiry's code names a session this one does not keep.
    let (mut other, _) = Inquiry::create(&Policy::default(), t0(), &mut random).unwrap();
    let foreign = other.link(min(1), &mut random).unwrap();
    assert_eq!(
        inquiry
            .redeem(&foreign.code, min(3), &mut random)
            .unwrap_err()
            .code(),
        ErrorCode::InvalidToken
    );
    // S7 drops the link's record (the oldest expired one) after 25 more sessions: its
    // code is then no kept session's.
    let short = Policy::builder()
        .one_time_link_ttl(TimeDelta::minutes(1))
        .build()
        .unwrap();
    let (mut capped, mut random) = created_with(&short);
    let first = capped.link(min(0), &mut random).unwrap();
    for i in 1..=25 {
        let _ = capped.link(min(2 * i), &mut random).unwrap();
    }
    assert_eq!(capped.sessions().len(), MAX_SESSIONS);
    assert_eq!(
        capped
            .redeem(&first.code, min(60), &mut random)
            .unwrap_err()
            .code(),
        ErrorCode::InvalidToken
    );
}

#[test]
fn l4_the_code_of_a_session_that_ended_while_the_inquiry_lives_is_session_expired() {
    // A link opened while created ends at the created deadline (S5); start sets a later
    // deadline, so the inquiry outlives the link's session.
    let policy = Policy::builder()
        .expire_after_create(TimeDelta::hours(1))
        .expire_after_start(TimeDelta::hours(5))
        .build()
        .unwrap();
    let (mut inquiry, mut random) = created_with(&policy);
    let linked = inquiry.link(min(10), &mut random).unwrap();
    let _ = inquiry.redeem(&linked.code, min(11), &mut random).unwrap();
    let _ = inquiry.start(min(20), &mut random).unwrap();
    let refused = inquiry
        .redeem(&linked.code, hours(2), &mut random)
        .unwrap_err();
    assert_eq!(
        refused.code(),
        ErrorCode::SessionExpired,
        "ended, before link_used"
    );
}

#[test]
fn v1_a_link_at_the_cap_evicts_before_its_own_session_event() {
    let (mut inquiry, mut random) = created();
    for i in 0..25 {
        let linked = inquiry.link(min(i), &mut random).unwrap();
        let _ = inquiry.redeem(&linked.code, min(i), &mut random).unwrap();
    }
    let oldest = inquiry.sessions()[0].id();
    let linked = inquiry.link(min(30), &mut random).unwrap();
    assert_eq!(
        names(&linked.events),
        [EventName::SessionExpired, EventName::SessionCreated]
    );
    assert_eq!(linked.events[0].session_id, Some(oldest));
}

#[test]
fn e1_the_one_time_link_ttl_defaults_to_24_hours_and_is_overridable_per_inquiry() {
    assert_eq!(
        Policy::default().intervals().one_time_link_ttl.to_string(),
        "1d"
    );
    let refused = Policy::builder()
        .one_time_link_ttl(TimeDelta::zero())
        .build()
        .unwrap_err();
    assert!(
        refused.to_string().contains("one_time_link_ttl"),
        "{refused}"
    );
    let service = Policy::default();
    let rushed = service
        .to_builder()
        .one_time_link_ttl(TimeDelta::minutes(15))
        .build()
        .unwrap();
    let (mut inquiry, mut random) = created_with(&rushed);
    let _ = inquiry.link(min(0), &mut random).unwrap();
    assert_eq!(inquiry.sessions()[0].expires_at(), min(15));
    assert_eq!(service.intervals().one_time_link_ttl.to_string(), "1d");
}

#[test]
fn every_access_refusal_cites_its_rules_and_the_access_tables_row_or_column() {
    let policy = Policy::builder()
        .session_token_ttl(TimeDelta::minutes(1))
        .build()
        .unwrap();
    let mut messages = Vec::new();
    let (mut inquiry, mut random) = created_with(&policy);
    let unused = inquiry.start(min(1), &mut random).unwrap();
    messages.push(inquiry.access(None, min(3)).unwrap_err());
    messages.push(inquiry.access(Some(&forged_token()), min(3)).unwrap_err());
    messages.push(inquiry.access(Some(&unused.token), min(3)).unwrap_err());
    for end in [Action::Expire, Action::Approve, Action::Redact] {
        let (mut inquiry, mut random) = created();
        let _ = inquiry.act(end, min(1), &mut random).unwrap();
        messages.push(inquiry.access(None, min(2)).unwrap_err());
    }
    for error in messages {
        let text = error.to_string();
        assert!(text.contains("access table, "), "{text}");
        assert!(
            text.contains("row \"") || text.contains("column \""),
            "{text}"
        );
        assert!(
            RULE_IDS.iter().any(|id| text.contains(&format!("({id}"))
                || text.contains(&format!(" {id},"))
                || text.contains(&format!(" {id};"))),
            "{text}"
        );
    }
}

// ----- reachability (a mirror's M4 check) ---------------------------------------------------

/// `rules::reachable` against the table written out by hand from T2–T11: what each status
/// can become, none of which a redacted inquiry can (redaction freezes, T11), while any
/// of them can be redacted on the way.
#[test]
fn m4_reachable_is_the_closure_of_the_transition_table() {
    use inquiry_lifecycle::rules::reachable;
    use Status::*;
    let expected: [(Status, &[Status]); 8] = [
        (Created, &Status::ALL),
        (
            Pending,
            &[
                Pending,
                Expired,
                Completed,
                Failed,
                NeedsReview,
                Approved,
                Declined,
            ],
        ),
        (
            Expired,
            &[
                Expired,
                Pending,
                Completed,
                Failed,
                NeedsReview,
                Approved,
                Declined,
            ],
        ),
        (Completed, &[Completed, NeedsReview, Approved, Declined]),
        (Failed, &[Failed, NeedsReview, Approved, Declined]),
        (NeedsReview, &[NeedsReview, Approved, Declined]),
        (Approved, &[Approved]),
        (Declined, &[Declined]),
    ];
    for (from, to) in expected {
        for status in Status::ALL {
            let plain = to.contains(&status);
            assert_eq!(
                reachable((from, false), (status, false)),
                plain,
                "{from} → {status}"
            );
            assert_eq!(
                reachable((from, false), (status, true)),
                plain,
                "{from} → redacted {status}"
            );
            assert!(
                !reachable((from, true), (status, false)),
                "redacted {from} → {status}"
            );
            let frozen = status == from;
            assert_eq!(
                reachable((from, true), (status, true)),
                frozen,
                "redacted {from} → redacted {status}"
            );
        }
    }
}

/// E4 at the instant itself: the deadline is shown until just before it, and at the
/// deadline the inquiry is expired and shows none.
#[test]
fn e4_the_deadline_is_shown_until_the_instant_it_passes() {
    let (inquiry, _) = common::created();
    let deadline = inquiry.deadline().unwrap();
    let just_before = deadline - chrono::TimeDelta::seconds(1);
    assert_eq!(inquiry.deadline_at(just_before), Some(deadline));
    assert_eq!(inquiry.status_at(just_before), Status::Created);
    assert_eq!(inquiry.deadline_at(deadline), None);
    assert_eq!(inquiry.status_at(deadline), Status::Expired);
}
