//! Property tests: random action sequences with random time steps (small steps, jumps past
//! deadlines, steps backwards), checking the rule book's invariants after every step.

mod common;

use chrono::{DateTime, TimeDelta, Utc};
use common::*;
use inquiry_lifecycle::*;
use proptest::prelude::*;
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy)]
enum Token {
    None,
    /// The n-th token issued so far (modulo how many there are).
    Issued(usize),
    /// Well formed, issued by nobody.
    Forged,
    /// Issued by another inquiry.
    Foreign,
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Act(Action),
    Access(Token),
    Tick,
}

#[derive(Debug, Clone, Copy)]
struct Step {
    /// Seconds from the previous step; negative steps go back in time (E6).
    dt: i64,
    op: Op,
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        3 => Just(Action::Start),
        3 => Just(Action::Resume),
        1 => Just(Action::Complete),
        1 => Just(Action::Fail),
        1 => Just(Action::Expire),
        1 => Just(Action::MarkForReview),
        1 => Just(Action::Approve),
        1 => Just(Action::Decline),
        1 => Just(Action::Redact),
    ]
}

fn token() -> impl Strategy<Value = Token> {
    prop_oneof![
        1 => Just(Token::None),
        4 => (0usize..8).prop_map(Token::Issued),
        1 => Just(Token::Forged),
        1 => Just(Token::Foreign),
    ]
}

fn dt() -> impl Strategy<Value = i64> {
    prop_oneof![
        4 => 0i64..=600,
        2 => 600i64..=7_200,
        1 => 3_600i64..=172_800,
        1 => -7_200i64..0,
    ]
}

fn step() -> impl Strategy<Value = Step> {
    let op = prop_oneof![
        4 => action().prop_map(Op::Act),
        4 => token().prop_map(Op::Access),
        1 => Just(Op::Tick),
    ];
    (dt(), op).prop_map(|(dt, op)| Step { dt, op })
}

fn policy() -> impl Strategy<Value = Policy> {
    let interval = || prop::sample::select(vec![600i64, 1_800, 3_600, 7_200, 86_400]);
    (interval(), interval(), interval(), interval()).prop_map(|(c, s, r, t)| {
        Policy::builder()
            .expire_after_create(TimeDelta::seconds(c))
            .expire_after_start(TimeDelta::seconds(s))
            .expire_after_resume(TimeDelta::seconds(r))
            .session_token_ttl(TimeDelta::seconds(t))
            .build()
            .unwrap()
    })
}

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
    inquiry: Inquiry,
    random: SeededRandom,
    now: DateTime<Utc>,
    tokens: Vec<(SessionId, SessionToken)>,
    forged: SessionToken,
    foreign: SessionToken,
    history: Vec<Event>,
    /// Sessions seen to expire.
    expired_sessions: BTreeSet<SessionId>,
    changing_calls: u64,
}

impl Run {
    fn new(policy: &Policy, seed: u64) -> Run {
        let mut random = SeededRandom::new(seed);
        let (inquiry, history) = Inquiry::create(policy, t0(), &mut random);
        let (mut other, _) = Inquiry::create(policy, t0(), &mut random);
        let foreign = other.start(t0(), &mut random).unwrap().token;
        Run {
            inquiry,
            random,
            now: t0(),
            tokens: Vec::new(),
            forged: SessionToken::generate(&mut SeededRandom::new(!seed)),
            foreign,
            history,
            expired_sessions: BTreeSet::new(),
            changing_calls: 1,
        }
    }

    /// Performs `op` at `now`, checks the per-step invariants, returns the events.
    fn step(&mut self, op: Op, now: DateTime<Utc>) -> Result<Vec<Event>, TestCaseError> {
        self.now = now;
        let before = snapshot(&self.inquiry);
        let status_before = self.inquiry.status();
        let revision_before = self.inquiry.revision();
        let result: Result<Vec<Event>, Error> = match op {
            Op::Act(action) => self
                .inquiry
                .act(action, now, &mut self.random)
                .map(|outcome| {
                    self.tokens.extend(outcome.opened);
                    outcome.events
                }),
            Op::Access(choice) => {
                let (token, session) = match choice {
                    Token::None => (None, None),
                    Token::Issued(_) if self.tokens.is_empty() => (None, None),
                    Token::Issued(n) => {
                        let (id, token) = &self.tokens[n % self.tokens.len()];
                        (Some(token), Some(*id))
                    }
                    Token::Forged => (Some(&self.forged), None),
                    Token::Foreign => (Some(&self.foreign), None),
                };
                let live_at_now = self.inquiry.status_at(now).is_live();
                let result = self.inquiry.access(token, now);
                if let Ok(granted) = &result {
                    // No token is accepted once the inquiry left the live statuses, from
                    // another inquiry or nobody, or after its session was seen to expire.
                    prop_assert!(live_at_now, "access granted on a non-live inquiry");
                    prop_assert_eq!(
                        granted.session_id,
                        session,
                        "a foreign or forged token was accepted"
                    );
                    if let Some(id) = session {
                        prop_assert!(
                            !self.expired_sessions.contains(&id),
                            "token of an expired session accepted"
                        );
                    }
                }
                result.map(|granted| granted.events)
            }
            Op::Tick => Ok(self.inquiry.apply_due(now)),
        };
        let events = match result {
            Err(error) => {
                // E8: a refused action leaves the inquiry exactly unchanged.
                prop_assert_eq!(
                    &snapshot(&self.inquiry),
                    &before,
                    "refusal {} changed the inquiry",
                    error
                );
                Vec::new()
            }
            Ok(events) => events,
        };
        // V3: the revision counts the accepted calls that changed anything.
        if events.is_empty() {
            prop_assert_eq!(
                snapshot(&self.inquiry),
                before,
                "a call without events changed the inquiry"
            );
        } else {
            self.changing_calls += 1;
            prop_assert_eq!(self.inquiry.revision(), revision_before + 1);
        }
        prop_assert_eq!(self.inquiry.revision(), self.changing_calls);
        // Decided inquiries never change status again.
        if status_before.is_decided() {
            prop_assert_eq!(self.inquiry.status(), status_before);
        }
        for event in &events {
            if event.name == EventName::SessionExpired {
                self.expired_sessions.extend(event.session_id);
            }
        }
        self.history.extend(events.iter().cloned());
        self.check_state()?;
        Ok(events)
    }

    /// Invariants of the whole history and state so far.
    fn check_state(&self) -> Result<(), TestCaseError> {
        // V1: sequence numbers run 1..n without gaps.
        for (index, event) in self.history.iter().enumerate() {
            prop_assert_eq!(event.sequence, index as u64 + 1);
            prop_assert_eq!(event.inquiry_id, self.inquiry.id());
        }
        prop_assert_eq!(self.inquiry.last_sequence(), self.history.len() as u64);
        // Every status change follows the transition table, and each event starts where
        // the one before it ended.
        for pair in self.history.windows(2) {
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
        let last = self.history.last().map(|e| e.status_after);
        prop_assert_eq!(last, Some(self.inquiry.status()));
        // Serialization round-trips exactly.
        let text = snapshot(&self.inquiry);
        let back: Inquiry =
            serde_json::from_str(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&back, &self.inquiry);
        // S7: bounded memory; S6: no live session outside the live statuses.
        prop_assert!(self.inquiry.sessions().len() <= MAX_SESSIONS);
        if !self.inquiry.status().is_live() || self.inquiry.is_redacted() {
            prop_assert!(self.inquiry.sessions().iter().all(|s| !s.is_live()));
        }
        Ok(())
    }
}

fn times(steps: &[Step]) -> Vec<DateTime<Utc>> {
    let mut now = t0();
    steps
        .iter()
        .map(|step| {
            now += TimeDelta::seconds(step.dt);
            now
        })
        .collect()
}

proptest! {
    /// Every step keeps every invariant: refusals change nothing, sequences have no gaps,
    /// the revision counts changing calls, statuses move only along the table, decided
    /// inquiries stay decided, timestamps never go backwards, no dead, forged or foreign
    /// token is accepted, and every state round-trips through serde.
    #[test]
    fn random_timelines_keep_every_invariant(
        policy in policy(),
        seed in any::<u64>(),
        steps in prop::collection::vec(step(), 1..60),
    ) {
        let mut run = Run::new(&policy, seed);
        for (step, now) in steps.iter().zip(times(&steps)) {
            run.step(step.op, now)?;
        }
    }

    /// The history is the same whether due deadlines are applied early, late or
    /// repeatedly: inserting ticks between steps changes no event and no state but the
    /// revision, once both have applied what is due at the end. A tick is a recorded change (E6), so it is placed no later than any later
    /// step's time: steps may still go backwards, but never behind a tick.
    #[test]
    fn ticks_between_steps_do_not_change_the_history(
        policy in policy(),
        seed in any::<u64>(),
        steps in prop::collection::vec(step(), 1..40),
        ticks in prop::collection::vec((0.0f64..=1.0, 1usize..3), 40),
    ) {
        let mut plain = Run::new(&policy, seed);
        let mut ticked = Run::new(&policy, seed);
        let times = times(&steps);
        // The earliest time of this step and every later one.
        let mut horizon = times.clone();
        for i in (0..horizon.len().saturating_sub(1)).rev() {
            horizon[i] = horizon[i].min(horizon[i + 1]);
        }
        let mut previous = t0();
        for (((step, now), until), (fraction, repeats)) in
            steps.iter().zip(&times).zip(&horizon).zip(ticks)
        {
            if *until > previous {
                // A tick somewhere between the previous step and this one, maybe twice.
                let span = (*until - previous).num_seconds() as f64;
                let at = previous + TimeDelta::seconds((span * fraction) as i64);
                for _ in 0..repeats {
                    ticked.step(Op::Tick, at)?;
                }
            }
            plain.step(step.op, *now)?;
            ticked.step(step.op, *now)?;
            previous = previous.max(*now);
        }
        // Both end by applying what is due at the last time either was told.
        plain.step(Op::Tick, previous)?;
        ticked.step(Op::Tick, previous)?;
        prop_assert_eq!(&plain.history, &ticked.history);
        let strip = |inquiry: &Inquiry| {
            let mut value = serde_json::to_value(inquiry).unwrap();
            value["revision"] = serde_json::Value::Null;
            value
        };
        prop_assert_eq!(strip(&plain.inquiry), strip(&ticked.inquiry));
    }

    /// Whatever happened, the status as seen at any time is expired exactly when a live
    /// inquiry's deadline has been reached, and applying what is due makes it so.
    #[test]
    fn status_at_agrees_with_applying_what_is_due(
        policy in policy(),
        seed in any::<u64>(),
        steps in prop::collection::vec(step(), 1..30),
        later in 0i64..200_000,
    ) {
        let mut run = Run::new(&policy, seed);
        for (step, now) in steps.iter().zip(times(&steps)) {
            run.step(step.op, now)?;
        }
        let at = run.now.max(run.inquiry.updated_at()) + TimeDelta::seconds(later);
        let seen = run.inquiry.status_at(at);
        let live_seen = run.inquiry.live_sessions_at(at);
        let deadline_seen = run.inquiry.deadline_at(at);
        run.inquiry.apply_due(at);
        prop_assert_eq!(run.inquiry.status(), seen);
        prop_assert_eq!(run.inquiry.deadline(), deadline_seen);
        let live = run.inquiry.sessions().iter().filter(|s| s.is_live()).count();
        prop_assert_eq!(live, live_seen);
        prop_assert!(run.inquiry.next_due().is_none_or(|due| due > at));
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
