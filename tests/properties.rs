//! Property tests: random action sequences with random time steps (small steps, jumps past
//! deadlines, steps backwards), checking the rule book's invariants after every step.
#![cfg(feature = "proptest")]

mod common;

use chrono::{DateTime, TimeDelta, Utc};
use common::*;
use inquiry_lifecycle::strategies::{self, Player, Step, Timeline};
use inquiry_lifecycle::*;
use proptest::prelude::*;
use std::collections::BTreeSet;

/// The transition table as the rule book draws it, written here apart from the library.
fn edge_allowed(from: Status, to: Status) -> bool {
    use Status::*;
    match (from, to) {
        (from, to) if from == to => true,      // T6, T11, session events
        (Created, Pending) => true,            // T2
        (Pending, Completed | Failed) => true, // T3, T4
        (Created | Pending, Expired) => true,  // T5
        (Expired, Pending) => true,            // T7
        (Created | Pending | Expired | Completed | Failed, NeedsReview) => true, // T8
        (from, Approved | Declined) => !from.is_decided(), // T9, T10
        (from, to) => from == to,              // T6, T11, session events
    }
}

/// One run of a sequence, with everything observed along the way.
struct Run {
    player: Player,
    now: DateTime<Utc>,
    /// Sessions seen to expire.
    expired_sessions: BTreeSet<SessionId>,
    changing_calls: u64,
}

impl Run {
    fn new(timeline: &Timeline) -> Run {
        Run {
            player: Player::new(&timeline.policy, timeline.seed, timeline.start).unwrap(),
            now: timeline.start,
            expired_sessions: BTreeSet::new(),
            changing_calls: 1,
        }
    }

    fn inquiry(&self) -> &Inquiry {
        self.player.inquiry()
    }

    fn history(&self) -> &[Event] {
        self.player.events()
    }

    /// Performs `step` at `now`, checks the per-step invariants, returns the events.
    fn step(&mut self, step: Step, now: DateTime<Utc>) -> Result<Vec<Event>, TestCaseError> {
        self.now = now;
        let before = snapshot(self.inquiry());
        let status_before = self.inquiry().recorded_status();
        let revision_before = self.inquiry().revision();
        let live_at_now = self.inquiry().status_at(now).is_live();
        let result = self.player.step(step, now);
        if let (Step::Access(choice), Ok(_)) = (step, &result) {
            // No token is accepted once the inquiry left the live statuses, from another
            // inquiry or nobody, or after its session was seen to expire.
            prop_assert!(live_at_now, "access granted on a non-live inquiry");
            let token_given = self.player.token(choice).is_some();
            let session = self.player.session_of(choice);
            prop_assert!(
                !token_given || session.is_some(),
                "a foreign or forged token was accepted"
            );
            if let Some(id) = session {
                prop_assert!(
                    !self.expired_sessions.contains(&id),
                    "token of an expired session accepted"
                );
            }
        }
        let events = match result {
            Err(error) => {
                // E8: a refused action leaves the inquiry exactly unchanged.
                prop_assert_eq!(
                    &snapshot(self.inquiry()),
                    &before,
                    "refusal {} changed the inquiry",
                    error
                );
                Vec::new()
            }
            Ok(events) => events.into_vec(),
        };
        // V3: the revision counts the accepted calls that changed anything; V1: every
        // change yields events, but for a repeat redemption within its grace (L3), which
        // only replaces a token.
        let changed = self.inquiry().revision() != revision_before;
        if changed {
            self.changing_calls += 1;
            prop_assert_eq!(self.inquiry().revision(), revision_before + 1);
        }
        if events.is_empty() && changed {
            prop_assert!(
                matches!(step, Step::Redeem(_)),
                "{:?} changed the inquiry without an event",
                step
            );
        } else if events.is_empty() {
            prop_assert_eq!(
                snapshot(self.inquiry()),
                before,
                "a call without events changed the inquiry"
            );
        } else {
            prop_assert!(changed, "events without a new revision");
        }
        prop_assert_eq!(self.inquiry().revision(), self.changing_calls);
        // Decided inquiries never change status again.
        if status_before.is_decided() {
            prop_assert_eq!(self.inquiry().recorded_status(), status_before);
        }
        for event in &events {
            if event.name == EventName::SessionExpired {
                self.expired_sessions.extend(event.session_id);
            }
        }
        self.check_state()?;
        Ok(events)
    }

    /// Invariants of the whole history and state so far.
    fn check_state(&self) -> Result<(), TestCaseError> {
        // V1: sequence numbers run 1..n without gaps.
        for (index, event) in self.history().iter().enumerate() {
            prop_assert_eq!(event.sequence, index as u64 + 1);
            prop_assert_eq!(event.inquiry_id, self.inquiry().id());
        }
        prop_assert_eq!(self.inquiry().last_sequence(), self.history().len() as u64);
        // Every status change follows the transition table, and each event starts where
        // the one before it ended.
        for pair in self.history().windows(2) {
            prop_assert_eq!(pair[1].status_before, Some(pair[0].status_after));
            prop_assert!(
                edge_allowed(pair[0].status_after, pair[1].status_after),
                "{} -> {} is not in the table",
                pair[0].status_after,
                pair[1].status_after
            );
            // Recorded timestamps never go backwards.
            prop_assert!(pair[0].at <= pair[1].at, "time ran backwards");
        }
        let last = self.history().last().map(|e| e.status_after);
        prop_assert_eq!(last, Some(self.inquiry().recorded_status()));
        // Serialization round-trips exactly.
        let text = snapshot(self.inquiry());
        let back: Inquiry =
            serde_json::from_str(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&back, self.inquiry());
        // S7: bounded memory; S6: no live session outside the live statuses.
        prop_assert!(self.inquiry().sessions().len() <= MAX_SESSIONS);
        if !self.inquiry().recorded_status().is_live() || self.inquiry().is_redacted() {
            prop_assert!(self.inquiry().sessions().iter().all(|s| !s.is_live()));
        }
        Ok(())
    }
}

proptest! {
    /// Every step keeps every invariant: refusals change nothing, sequences have no gaps,
    /// the revision counts changing calls, statuses move only along the table, decided
    /// inquiries stay decided, timestamps never go backwards, no dead, forged or foreign
    /// token is accepted, and every state round-trips through serde.
    #[test]
    fn random_timelines_keep_every_invariant(timeline in strategies::timeline(1..60)) {
        let mut run = Run::new(&timeline);
        for (step, now) in timeline.steps.iter().zip(timeline.times()) {
            run.step(step.step, now)?;
        }
    }

    /// The history is the same whether due deadlines are applied early, late or
    /// repeatedly: inserting ticks between steps changes no event and no state but the
    /// revision, once both have applied what is due at the end. A tick is a recorded change
    /// (E6), so it is placed no later than any later step's time: steps may still go
    /// backwards, but never behind a tick.
    #[test]
    fn ticks_between_steps_do_not_change_the_history(
        timeline in strategies::timeline(1..40),
        ticks in prop::collection::vec((0.0f64..=1.0, 1usize..3), 40),
    ) {
        let mut plain = Run::new(&timeline);
        let mut ticked = Run::new(&timeline);
        let times = timeline.times();
        // The earliest time of this step and every later one.
        let mut horizon = times.clone();
        for i in (0..horizon.len().saturating_sub(1)).rev() {
            horizon[i] = horizon[i].min(horizon[i + 1]);
        }
        let mut previous = timeline.start;
        for (((step, now), until), (fraction, repeats)) in
            timeline.steps.iter().zip(&times).zip(&horizon).zip(ticks)
        {
            if *until > previous {
                // A tick somewhere between the previous step and this one, maybe twice.
                let span = (*until - previous).num_seconds() as f64;
                let at = previous + TimeDelta::seconds((span * fraction) as i64);
                for _ in 0..repeats {
                    ticked.step(Step::Tick, at)?;
                }
            }
            plain.step(step.step, *now)?;
            ticked.step(step.step, *now)?;
            previous = previous.max(*now);
        }
        // Both end by applying what is due at the last time either was told.
        plain.step(Step::Tick, previous)?;
        ticked.step(Step::Tick, previous)?;
        prop_assert_eq!(plain.history(), ticked.history());
        let strip = |inquiry: &Inquiry| {
            let mut value = serde_json::to_value(inquiry).unwrap();
            value["revision"] = serde_json::Value::Null;
            value
        };
        prop_assert_eq!(strip(plain.inquiry()), strip(ticked.inquiry()));
    }

    /// M4's reachability is sound: every state a history passes through (status,
    /// redacted) is reachable from every earlier one, so a mirror never marks a true
    /// history for reconciling.
    #[test]
    fn every_later_state_of_a_history_is_reachable_from_every_earlier_one(
        timeline in strategies::timeline(1..40),
    ) {
        let mut player = Player::new(&timeline.policy, timeline.seed, timeline.start).unwrap();
        let state = |inquiry: &Inquiry| (inquiry.recorded_status(), inquiry.is_redacted());
        let mut states = vec![state(player.inquiry())];
        for (step, now) in timeline.steps.iter().zip(timeline.times()) {
            if player.step(step.step, now).is_ok() {
                states.push(state(player.inquiry()));
            }
        }
        for (i, earlier) in states.iter().enumerate() {
            for later in &states[i..] {
                prop_assert!(rules::reachable(*earlier, *later), "{:?} → {:?}", earlier, later);
            }
        }
    }

    /// Whatever happened, the status as seen at any later time is what applying what is
    /// due at that time makes it, and so are the deadline and the live sessions.
    #[test]
    fn status_at_agrees_with_applying_what_is_due(
        timeline in strategies::timeline(1..30),
        later in 0i64..200_000,
    ) {
        let mut player = timeline.play().unwrap();
        let last = timeline.times().into_iter().fold(timeline.start, DateTime::max);
        let at = last.max(player.inquiry().updated_at()) + TimeDelta::seconds(later);
        let seen = player.inquiry().status_at(at);
        let live_seen = player.inquiry().live_sessions_at(at);
        let deadline_seen = player.inquiry().deadline_at(at);
        let _ = player.step(Step::Tick, at).unwrap();
        let inquiry = player.inquiry();
        prop_assert_eq!(inquiry.recorded_status(), seen);
        prop_assert_eq!(inquiry.deadline(), deadline_seen);
        let live = inquiry.sessions().iter().filter(|s| s.is_live()).count();
        prop_assert_eq!(live, live_seen);
        prop_assert!(inquiry.next_due().is_none_or(|due| due > at));
    }
}

proptest! {
    /// Parsers never panic, and accept only what they can print back identically.
    #[test]
    fn parsers_accept_only_canonical_text(text in "\\PC{0,64}") {
        if let Ok(id) = InquiryId::parse(&text) { prop_assert_eq!(id.to_string(), text.clone()); }
        if let Ok(id) = SessionId::parse(&text) { prop_assert_eq!(id.to_string(), text.clone()); }
        if let Ok(token) = SessionToken::parse(&text) {
            let shown = token.expose_secret();
            prop_assert_eq!(shown.as_str(), text.as_str());
        }
        if let Ok(interval) = text.parse::<Interval>() {
            prop_assert!(interval.as_secs() > 0);
        }
        let _ = serde_json::from_str::<Inquiry>(&text);
    }
}
