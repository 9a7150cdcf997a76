//! proptest strategies for property-test suites, ours and downstream (feature `proptest`).
//!
//! Everything here produces only what the library itself can produce: inquiries are built
//! by playing [`Timeline`]s through the public API (never an impossible state), and tokens
//! and link codes are issued by inquiries, forged (well formed, issued by nobody) or taken
//! from another inquiry.
//!
//! ```
//! use inquiry_lifecycle::strategies;
//! use proptest::prelude::*;
//!
//! proptest! {
//!     // Whatever happened to an inquiry, it survives a trip through storage unchanged.
//!     fn stored_inquiries_round_trip(inquiry in strategies::inquiry()) {
//!         let text = serde_json::to_string(&inquiry).unwrap();
//!         let back: inquiry_lifecycle::Inquiry = serde_json::from_str(&text).unwrap();
//!         prop_assert_eq!(back, inquiry);
//!     }
//! }
//! # stored_inquiries_round_trip();
//! ```

use std::fmt;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use proptest::collection::SizeRange;
use proptest::prelude::*;

use crate::{
    Action, Error, Event, Events, Inquiry, LinkCode, Policy, PolicyBuilder, RandomSource,
    SeededRandom, SessionId, SessionToken, Status,
};

/// Any status.
///
/// ```
/// # use inquiry_lifecycle::strategies;
/// # use proptest::prelude::*;
/// proptest! {
///     fn wire_names_parse_back(status in strategies::status()) {
///         prop_assert_eq!(status.as_str().parse::<inquiry_lifecycle::Status>().unwrap(), status);
///     }
/// }
/// # wire_names_parse_back();
/// ```
pub fn status() -> impl Strategy<Value = Status> {
    prop::sample::select(Status::ALL.to_vec())
}

/// Any action, weighted so that random sequences often start and resume before an
/// absorbing decision ends the story.
///
/// ```
/// # use inquiry_lifecycle::{rules, strategies};
/// # use proptest::prelude::*;
/// proptest! {
///     fn decide_never_panics(status in strategies::status(), action in strategies::action()) {
///         let _ = rules::decide(status, false, action);
///     }
/// }
/// # decide_never_panics();
/// ```
pub fn action() -> impl Strategy<Value = Action> {
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
        2 => Just(Action::Link),
    ]
}

/// A valid interval: mostly short ones (10 minutes to 2 hours, so that random timelines
/// reach deadlines), sometimes the 24 h default, sometimes any whole number of seconds up to
/// 30 days.
pub fn interval() -> impl Strategy<Value = TimeDelta> {
    prop_oneof![
        4 => prop::sample::select(vec![600i64, 1_800, 3_600, 7_200]).prop_map(TimeDelta::seconds),
        1 => Just(TimeDelta::hours(24)),
        1 => (1i64..=30 * 86_400).prop_map(TimeDelta::seconds),
    ]
}

/// A valid policy; each interval is set or left to its default.
///
/// ```
/// # use inquiry_lifecycle::strategies;
/// # use proptest::prelude::*;
/// proptest! {
///     fn after_start_defaults_to_after_create(policy in strategies::policy()) {
///         let intervals = policy.intervals();
///         prop_assert!(intervals.expire_after_start.as_secs() > 0);
///     }
/// }
/// # after_start_defaults_to_after_create();
/// ```
pub fn policy() -> impl Strategy<Value = Policy> {
    let maybe = || prop::option::weighted(0.8, interval());
    let intervals = (maybe(), maybe(), maybe(), maybe(), maybe());
    intervals.prop_map(|(create, start, resume, ttl, link_ttl)| {
        let mut builder = Policy::builder();
        if let Some(interval) = create {
            builder = builder.expire_after_create(interval);
        }
        if let Some(interval) = start {
            builder = builder.expire_after_start(interval);
        }
        if let Some(interval) = resume {
            builder = builder.expire_after_resume(interval);
        }
        if let Some(interval) = ttl {
            builder = builder.session_token_ttl(interval);
        }
        if let Some(interval) = link_ttl {
            builder = builder.one_time_link_ttl(interval);
        }
        builder.build().unwrap_or_default()
    })
}

/// A policy builder with at least one bad interval (zero, negative, fractional seconds, or
/// longer than 3650 days), for error paths: `build` must refuse it with `invalid_input`.
///
/// ```
/// # use inquiry_lifecycle::{strategies, ErrorCode};
/// # use proptest::prelude::*;
/// proptest! {
///     fn bad_policies_are_refused(builder in strategies::invalid_policy()) {
///         prop_assert_eq!(builder.build().unwrap_err().code(), ErrorCode::InvalidInput);
///     }
/// }
/// # bad_policies_are_refused();
/// ```
pub fn invalid_policy() -> impl Strategy<Value = PolicyBuilder> {
    let bad = prop_oneof![
        Just(TimeDelta::zero()),
        (1i64..=1_000_000).prop_map(|s| TimeDelta::seconds(-s)),
        (1i64..1_000).prop_map(|ms| TimeDelta::seconds(60) + TimeDelta::milliseconds(ms)),
        (3651i64..=100_000).prop_map(TimeDelta::days),
    ];
    (bad, 0usize..5, policy()).prop_map(|(bad, field, base)| {
        let builder = base.to_builder();
        match field {
            0 => builder.expire_after_create(bad),
            1 => builder.expire_after_start(bad),
            2 => builder.expire_after_resume(bad),
            3 => builder.session_token_ttl(bad),
            _ => builder.one_time_link_ttl(bad),
        }
    })
}

/// The time between two steps: mostly seconds to minutes, sometimes hours, sometimes a
/// jump of up to two days past any deadline, sometimes up to two hours backwards (E6).
pub fn time_step() -> impl Strategy<Value = TimeDelta> {
    prop_oneof![
        4 => (0i64..=600).prop_map(TimeDelta::seconds),
        2 => (600i64..=7_200).prop_map(TimeDelta::seconds),
        1 => (3_600i64..=172_800).prop_map(TimeDelta::seconds),
        1 => (-7_200i64..0).prop_map(TimeDelta::seconds),
    ]
}

/// Which token a person presents when opening the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenChoice {
    /// No token.
    None,
    /// The n-th session token the inquiry handed out so far (by start, resume or redeem),
    /// modulo how many there are (no token if none). A token replaced since (S4b, L3) is
    /// among them.
    Issued(usize),
    /// The n-th link code the inquiry handed out, presented as a token (L4: it is not
    /// one), modulo how many there are (no token if none).
    Code(usize),
    /// A well-formed token no session issued.
    Forged,
    /// A token issued by another inquiry.
    Foreign,
}

/// Any token choice, mostly issued ones.
pub fn token_choice() -> impl Strategy<Value = TokenChoice> {
    prop_oneof![
        1 => Just(TokenChoice::None),
        4 => (0usize..8).prop_map(TokenChoice::Issued),
        1 => (0usize..4).prop_map(TokenChoice::Code),
        1 => Just(TokenChoice::Forged),
        1 => Just(TokenChoice::Foreign),
    ]
}

/// Which code a person redeems (L3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeChoice {
    /// The n-th link code the inquiry handed out, modulo how many there are (a forged code
    /// if none).
    Issued(usize),
    /// The n-th session token the inquiry handed out, presented as a code (L4: it is not
    /// one), modulo how many there are (a forged code if none).
    Token(usize),
    /// A well-formed code no session issued.
    Forged,
    /// A code issued by another inquiry.
    Foreign,
}

/// Any code choice, mostly issued ones.
pub fn code_choice() -> impl Strategy<Value = CodeChoice> {
    prop_oneof![
        5 => (0usize..4).prop_map(CodeChoice::Issued),
        1 => (0usize..8).prop_map(CodeChoice::Token),
        1 => Just(CodeChoice::Forged),
        1 => Just(CodeChoice::Foreign),
    ]
}

/// One step of a timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// An action of the transition table, or link (L1).
    Act(Action),
    /// A person opens the flow.
    Access(TokenChoice),
    /// A person redeems a one-time link's code (L3).
    Redeem(CodeChoice),
    /// Apply whatever is due.
    Tick,
}

/// Any step.
pub fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => action().prop_map(Step::Act),
        4 => token_choice().prop_map(Step::Access),
        2 => code_choice().prop_map(Step::Redeem),
        1 => Just(Step::Tick),
    ]
}

/// A step and how long after the previous one it happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimedStep {
    /// Time since the previous step (negative: back in time).
    pub after: TimeDelta,
    /// What happens.
    pub step: Step,
}

/// The story of one inquiry: created at `start` under `policy`, then `steps`.
///
/// `Debug` and `Display` print it as a story, a line per step, so that a failing property
/// shows something readable:
///
/// ```text
/// timeline: seed 7, created 2026-01-01 00:00:00 UTC; intervals: after create 1d, after start 10m, after resume 1d, token TTL 1d, link TTL 1d
///    1. +5m             start
///    2. +1m             access with issued token #0
///    3. -2h             tick
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Timeline {
    /// The policy the inquiry is created under.
    pub policy: Policy,
    /// Seeds the random source that issues ids and tokens.
    pub seed: u64,
    /// When the inquiry is created.
    pub start: DateTime<Utc>,
    /// What happens next, in order.
    pub steps: Vec<TimedStep>,
}

impl fmt::Display for Timeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = self.policy.intervals();
        writeln!(
            f,
            "timeline: seed {}, created {}; intervals: after create {}, after start {}, after resume {}, token TTL {}, link TTL {}",
            self.seed,
            self.start,
            i.expire_after_create,
            i.expire_after_start,
            i.expire_after_resume,
            i.session_token_ttl,
            i.one_time_link_ttl
        )?;
        for (index, step) in self.steps.iter().enumerate() {
            let seconds = step.after.num_seconds();
            let sign = if seconds < 0 { '-' } else { '+' };
            // Every drawn step is well within a span; one beyond it shows in seconds.
            let after = crate::Span::from_secs(seconds.saturating_abs()).map_or_else(
                |_| format!("{sign}{}s", seconds.unsigned_abs()),
                |span| format!("{sign}{span}"),
            );
            writeln!(f, "  {:>3}. {after:<15} {}", index + 1, step.step)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Timeline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Act(action) => f.write_str(action.as_str()),
            Step::Access(choice) => write!(f, "access with {choice}"),
            Step::Redeem(choice) => write!(f, "redeem {choice}"),
            Step::Tick => f.write_str("tick"),
        }
    }
}

impl fmt::Display for TokenChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenChoice::None => f.write_str("no token"),
            TokenChoice::Issued(n) => write!(f, "issued token #{n}"),
            TokenChoice::Code(n) => write!(f, "link code #{n} as a token"),
            TokenChoice::Forged => f.write_str("a forged token"),
            TokenChoice::Foreign => f.write_str("another inquiry's token"),
        }
    }
}

impl fmt::Display for CodeChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodeChoice::Issued(n) => write!(f, "link code #{n}"),
            CodeChoice::Token(n) => write!(f, "issued token #{n} as a code"),
            CodeChoice::Forged => f.write_str("a forged code"),
            CodeChoice::Foreign => f.write_str("another inquiry's code"),
        }
    }
}

impl Timeline {
    /// The shortest timeline found by removing steps one at a time while `fails` still
    /// holds, until no single step can go; for a property's failing timeline (proptest's
    /// shrinking tries each deletion only once, before simplifying the rest, so a step that
    /// became removable later stays). A removed step's delay is added to the next step's,
    /// so later steps keep their instants. `fails` must hold for `self`.
    ///
    /// ```
    /// use inquiry_lifecycle::strategies::{Step, TimedStep, Timeline};
    /// use inquiry_lifecycle::{Action, Policy, Status};
    /// use chrono::{TimeDelta, TimeZone, Utc};
    ///
    /// let step = |action| TimedStep { after: TimeDelta::minutes(1), step: Step::Act(action) };
    /// let timeline = Timeline {
    ///     policy: Policy::default(),
    ///     seed: 1,
    ///     start: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
    ///     steps: vec![step(Action::Resume), step(Action::Start), step(Action::Link), step(Action::Complete)],
    /// };
    /// // "It never ends completed" fails; the shortest story that shows it:
    /// let completed = |t: &Timeline| t.play().unwrap().inquiry().recorded_status() == Status::Completed;
    /// let shortest = timeline.minimize(completed);
    /// assert_eq!(shortest.steps.len(), 2); // start, complete
    /// println!("{shortest}");
    /// ```
    pub fn minimize(&self, mut fails: impl FnMut(&Timeline) -> bool) -> Timeline {
        let mut shortest = self.clone();
        let mut index = 0;
        while index < shortest.steps.len() {
            let mut candidate = shortest.clone();
            let removed = candidate.steps.remove(index);
            if let Some(next) = candidate.steps.get_mut(index) {
                next.after = next.after.checked_add(&removed.after).unwrap_or(next.after);
            }
            if fails(&candidate) {
                // Shorter and still failing: keep it, and try every step again.
                shortest = candidate;
                index = 0;
            } else {
                index += 1;
            }
        }
        shortest
    }

    /// The instant of each step.
    pub fn times(&self) -> Vec<DateTime<Utc>> {
        let mut now = self.start;
        self.steps
            .iter()
            .map(|step| {
                now = now.checked_add_signed(step.after).unwrap_or(now);
                now
            })
            .collect()
    }

    /// Plays the whole timeline through the library; refused only where `start` is outside
    /// the instants the library records ([`Inquiry::create`]), which [`timeline`] never draws.
    pub fn play(&self) -> Result<Player, Error> {
        let mut player = Player::new(&self.policy, self.seed, self.start)?;
        for (step, now) in self.steps.iter().zip(self.times()) {
            let _ = player.step(step.step, now);
        }
        Ok(player)
    }
}

/// A timeline of `steps` steps (a range or a number).
///
/// ```
/// # use inquiry_lifecycle::strategies;
/// # use proptest::prelude::*;
/// proptest! {
///     // Every event is numbered: the last sequence is the number of events (V1). (The
///     // revision counts changes, not events: a call may yield several events, and a
///     // repeat redemption changes a token and yields none.)
///     fn every_event_is_numbered(timeline in strategies::timeline(0..30)) {
///         let played = timeline.play().unwrap();
///         prop_assert_eq!(played.inquiry().last_sequence(), played.events().len() as u64);
///     }
/// }
/// # every_event_is_numbered();
/// ```
pub fn timeline(steps: impl Into<SizeRange>) -> impl Strategy<Value = Timeline> {
    let start = (0i64..=365 * 86_400).prop_map(|s| {
        Utc.timestamp_opt(1_767_225_600 + s, 0)
            .single()
            .unwrap_or_default()
    });
    let timed = (time_step(), step()).prop_map(|(after, step)| TimedStep { after, step });
    (
        policy(),
        any::<u64>(),
        start,
        prop::collection::vec(timed, steps),
    )
        .prop_map(|(policy, seed, start, steps)| Timeline {
            policy,
            seed,
            start,
            steps,
        })
}

/// An inquiry in any reachable state, built by playing a random timeline.
pub fn inquiry() -> impl Strategy<Value = Inquiry> {
    timeline(0..40).prop_filter_map("start within the library's range", |timeline| {
        timeline.play().ok().map(Player::into_inquiry)
    })
}

/// A played timeline: the inquiry, its whole history, and the tokens it issued.
pub fn played() -> impl Strategy<Value = Player> {
    timeline(0..40).prop_filter_map("start within the library's range", |timeline| {
        timeline.play().ok()
    })
}

/// Plays steps on one inquiry and keeps what a test needs: every event, every token and
/// link code handed out, forged ones and another inquiry's.
#[derive(Debug)]
pub struct Player {
    inquiry: Inquiry,
    random: SeededRandom,
    events: Vec<Event>,
    issued: Vec<(SessionId, SessionToken)>,
    codes: Vec<(SessionId, LinkCode)>,
    forged: (SessionToken, LinkCode),
    foreign: (SessionToken, LinkCode),
}

/// A token and a code that no session of any inquiry issued: well formed, naming a session
/// id drawn from `seed`.
fn forged(seed: u64) -> (SessionToken, LinkCode) {
    let mut random = SeededRandom::new(seed);
    let session = SessionId::generate(&mut random);
    (
        SessionToken::generate(session, &mut random),
        LinkCode::generate(session, &mut random),
    )
}

impl Player {
    /// Creates an inquiry at `start`; refused as [`Inquiry::create`] is.
    pub fn new(policy: &Policy, seed: u64, start: DateTime<Utc>) -> Result<Player, Error> {
        let mut random = SeededRandom::new(seed);
        let (inquiry, events) = Inquiry::create(policy, start, &mut random)?;
        // Another inquiry's token and code, handed out by it.
        let (mut other, _) = Inquiry::create(policy, start, &mut random)?;
        let code = other.link(start, &mut random)?.code;
        let token = other.start(start, &mut random)?.token;
        Ok(Player {
            inquiry,
            random,
            events: events.into_vec(),
            issued: Vec::new(),
            codes: Vec::new(),
            forged: forged(!seed),
            foreign: (token, code),
        })
    }

    /// Plays on from an inquiry obtained elsewhere (a loaded record, say), drawing from
    /// `seed`; no token or code of it is known, so only forged and foreign ones can be
    /// presented until a start, resume, link or redeem hands one out.
    pub fn from_inquiry(inquiry: Inquiry, seed: u64) -> Player {
        Player {
            events: Vec::new(),
            inquiry,
            random: SeededRandom::new(seed),
            issued: Vec::new(),
            codes: Vec::new(),
            forged: forged(!seed),
            foreign: forged(seed),
        }
    }

    /// The token a choice stands for, if any (a link code's text read as a token for
    /// [`TokenChoice::Code`]).
    pub fn token(&self, choice: TokenChoice) -> Option<SessionToken> {
        match choice {
            TokenChoice::None => None,
            TokenChoice::Issued(n) => nth(&self.issued, n).map(|(_, token)| token.clone()),
            TokenChoice::Code(n) => nth(&self.codes, n).map(|(_, code)| code.as_session_token()),
            TokenChoice::Forged => Some(self.forged.0.clone()),
            TokenChoice::Foreign => Some(self.foreign.0.clone()),
        }
    }

    /// The code a choice stands for (a token's text read as a code for
    /// [`CodeChoice::Token`]); a forged code where the inquiry handed out none.
    pub fn code(&self, choice: CodeChoice) -> LinkCode {
        let issued = match choice {
            CodeChoice::Issued(n) => nth(&self.codes, n).map(|(_, code)| code.clone()),
            CodeChoice::Token(n) => nth(&self.issued, n).map(|(_, token)| token.as_link_code()),
            CodeChoice::Forged => None,
            CodeChoice::Foreign => Some(self.foreign.1.clone()),
        };
        issued.unwrap_or_else(|| self.forged.1.clone())
    }

    /// The session an issued-token choice stands for; `None` for every other choice.
    pub fn session_of(&self, choice: TokenChoice) -> Option<SessionId> {
        match choice {
            TokenChoice::Issued(n) => nth(&self.issued, n).map(|(id, _)| *id),
            _ => None,
        }
    }

    /// Performs one step at `now`; returns its events, or the refusal.
    pub fn step(&mut self, step: Step, now: DateTime<Utc>) -> Result<Events, Error> {
        let events = match step {
            Step::Act(action) => {
                let random: &mut dyn RandomSource = &mut self.random;
                let outcome = self.inquiry.act(action, now, random)?;
                self.issued.extend(outcome.opened);
                self.codes.extend(outcome.linked);
                outcome.events
            }
            Step::Access(choice) => {
                let token = self.token(choice);
                self.inquiry.access(token.as_ref(), now)?.events
            }
            Step::Redeem(choice) => {
                let code = self.code(choice);
                let opened = self.inquiry.redeem(&code, now, &mut self.random)?;
                self.issued.push((opened.session_id, opened.token));
                opened.events
            }
            Step::Tick => self.inquiry.apply_due(now),
        };
        self.events.extend(events.iter().cloned());
        Ok(events)
    }

    /// The inquiry as it stands.
    pub fn inquiry(&self) -> &Inquiry {
        &self.inquiry
    }

    /// The inquiry, giving up the rest.
    pub fn into_inquiry(self) -> Inquiry {
        self.inquiry
    }

    /// Every event so far, from `inquiry.created` on.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// Every session token handed out so far with its session, oldest first (a session
    /// given a fresh token appears once per token).
    pub fn issued(&self) -> &[(SessionId, SessionToken)] {
        &self.issued
    }

    /// Every link code handed out so far with its session, oldest first.
    pub fn codes(&self) -> &[(SessionId, LinkCode)] {
        &self.codes
    }
}

/// The n-th of `list`, modulo its length; `None` if it is empty.
fn nth<T>(list: &[T], n: usize) -> Option<&T> {
    match list.len() {
        0 => None,
        len => list.get(n % len),
    }
}

/// One edit of a text, for robustness tests of any parser of the lifecycle's inputs
/// (records, ids, tokens, scenario files): positions are taken modulo the text's length, so
/// any edit applies to any text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextEdit {
    /// Replace the character at this position (nothing on an empty text).
    Replace(usize, char),
    /// Insert a character before this position (or at the end).
    Insert(usize, char),
    /// Delete the character at this position (nothing on an empty text).
    Delete(usize),
    /// Keep only this many characters.
    Truncate(usize),
}

/// Any [`TextEdit`]; inserted and replacing characters are as often drawn from JSON's
/// punctuation, digits and the letters of ids and instants as from all of Unicode.
///
/// ```
/// # use inquiry_lifecycle::strategies::{self, TextEdit};
/// # use proptest::prelude::*;
/// proptest! {
///     // Whatever a stored record becomes, loading it refuses or accepts; it never panics.
///     fn an_edited_record_is_refused_or_loaded(edits in prop::collection::vec(strategies::text_edit(), 1..4)) {
///         let text = TextEdit::apply_all(r#"{"id":"inq_1"}"#, &edits);
///         let _ = inquiry_lifecycle::Inquiry::from_json(&text);
///     }
/// }
/// # an_edited_record_is_refused_or_loaded();
/// assert_eq!(TextEdit::apply_all("abc", &[TextEdit::Replace(4, 'x'), TextEdit::Truncate(2)]), "ax");
/// ```
pub fn text_edit() -> impl Strategy<Value = TextEdit> {
    let at = any::<usize>();
    let ch = prop_oneof![
        4 => any::<char>(),
        4 => prop::sample::select("{}[]\":,0123456789-_aAzZ.T\\n ".chars().collect::<Vec<_>>()),
    ];
    prop_oneof![
        (at, ch.clone()).prop_map(|(i, c)| TextEdit::Replace(i, c)),
        (at, ch).prop_map(|(i, c)| TextEdit::Insert(i, c)),
        at.prop_map(TextEdit::Delete),
        at.prop_map(TextEdit::Truncate),
    ]
}

impl TextEdit {
    /// `text` with `edits` applied in order.
    pub fn apply_all(text: &str, edits: &[TextEdit]) -> String {
        let mut chars: Vec<char> = text.chars().collect();
        for edit in edits {
            let len = chars.len().max(1);
            match *edit {
                TextEdit::Replace(i, c) if !chars.is_empty() => chars[i % len] = c,
                TextEdit::Insert(i, c) => chars.insert(i % (chars.len() + 1), c),
                TextEdit::Delete(i) if !chars.is_empty() => {
                    chars.remove(i % len);
                }
                TextEdit::Truncate(i) => chars.truncate(i % (chars.len() + 1)),
                _ => {}
            }
        }
        chars.into_iter().collect()
    }
}
