//! A conformance harness: check another implementation of the rules against this library
//! (feature `proptest`).
//!
//! A team that implements the same lifecycle elsewhere (its own service, a mock of the
//! vendor API, a database-backed version) implements [`Lifecycle`] for it. [`check`] then
//! drives random timelines through both, step by step, and on the first difference returns
//! a [`Divergence`]: the shrunk timeline, what the rules expect at each step and what the
//! implementation did. The timeline is shrunk by proptest, then by [`minimize`], so no
//! single step of it can be removed with the divergence still there.
//!
//! ```
//! use inquiry_lifecycle::conformance::{check, Library};
//! use proptest::test_runner::Config;
//!
//! // The library conforms to itself.
//! check(Library::default, Config::with_cases(16)).unwrap();
//! ```

use std::fmt;

use chrono::{DateTime, Utc};
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};

use crate::strategies::{timeline, CodeChoice, Player, Step, Timeline, TokenChoice};
use crate::{Action, ErrorCode, EventName, Policy, Status};

/// What an implementation under test must do. Tokens and codes never cross this trait: the
/// implementation keeps the tokens and link codes it handed out and resolves a
/// [`TokenChoice`] or [`CodeChoice`] itself, as [`Player`] does.
pub trait Lifecycle {
    /// Creates the inquiry at `now` under `policy` (T1); `seed` may seed its randomness.
    fn create(&mut self, policy: &Policy, seed: u64, now: DateTime<Utc>);
    /// Performs `action` at `now` (link included): the event names yielded, or the
    /// refusal's code.
    fn act(&mut self, action: Action, now: DateTime<Utc>) -> Result<Vec<EventName>, ErrorCode>;
    /// A person opens the flow presenting `token`.
    fn access(
        &mut self,
        token: TokenChoice,
        now: DateTime<Utc>,
    ) -> Result<Vec<EventName>, ErrorCode>;
    /// A person redeems the one-time link's code `code` (L3).
    fn redeem(&mut self, code: CodeChoice, now: DateTime<Utc>)
        -> Result<Vec<EventName>, ErrorCode>;
    /// Applies what is due at `now`.
    fn apply_due(&mut self, now: DateTime<Utc>) -> Vec<EventName>;
    /// The inquiry as seen at `now`.
    fn observe(&self, now: DateTime<Utc>) -> Observed;
}

/// The inquiry as seen from outside at one instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observed {
    /// The status as seen at that instant (E4).
    pub status: Status,
    /// The deadline as seen at that instant.
    pub deadline: Option<DateTime<Utc>>,
    /// How many sessions are live at that instant.
    pub live_sessions: usize,
    /// The revision (V3).
    pub revision: u64,
}

/// This library behind [`Lifecycle`]: the reference every other implementation is held to.
#[derive(Debug, Default)]
pub struct Library {
    player: Option<Player>,
}

impl Library {
    fn run(&mut self, step: Step, now: DateTime<Utc>) -> Result<Vec<EventName>, ErrorCode> {
        match self.player.as_mut() {
            Some(player) => player
                .step(step, now)
                .map(|events| events.iter().map(|e| e.name).collect())
                .map_err(|e| e.code()),
            None => Err(ErrorCode::InvalidInput),
        }
    }
}

impl Lifecycle for Library {
    fn create(&mut self, policy: &Policy, seed: u64, now: DateTime<Utc>) {
        // Outside the library's range there is no inquiry: every later step is refused.
        self.player = Player::new(policy, seed, now).ok();
    }

    fn act(&mut self, action: Action, now: DateTime<Utc>) -> Result<Vec<EventName>, ErrorCode> {
        self.run(Step::Act(action), now)
    }

    fn access(
        &mut self,
        token: TokenChoice,
        now: DateTime<Utc>,
    ) -> Result<Vec<EventName>, ErrorCode> {
        self.run(Step::Access(token), now)
    }

    fn redeem(
        &mut self,
        code: CodeChoice,
        now: DateTime<Utc>,
    ) -> Result<Vec<EventName>, ErrorCode> {
        self.run(Step::Redeem(code), now)
    }

    fn apply_due(&mut self, now: DateTime<Utc>) -> Vec<EventName> {
        self.run(Step::Tick, now).unwrap_or_default()
    }

    fn observe(&self, now: DateTime<Utc>) -> Observed {
        match &self.player {
            Some(player) => {
                let inquiry = player.inquiry();
                Observed {
                    status: inquiry.status_at(now),
                    deadline: inquiry.deadline_at(now),
                    live_sessions: inquiry.live_sessions_at(now),
                    revision: inquiry.revision(),
                }
            }
            None => Observed {
                status: Status::Created,
                deadline: None,
                live_sessions: 0,
                revision: 0,
            },
        }
    }
}

/// What one step did in one implementation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepResult {
    /// The events, or the refusal.
    pub outcome: Result<Vec<EventName>, ErrorCode>,
    /// The inquiry afterwards, as seen at the step's instant.
    pub observed: Observed,
}

impl fmt::Display for StepResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.outcome {
            Ok(events) => {
                let names: Vec<_> = events.iter().map(|e| e.as_str()).collect();
                write!(f, "ok [{}]", names.join(", "))?;
            }
            Err(code) => write!(f, "refused {code}")?,
        }
        let o = &self.observed;
        write!(
            f,
            "; {} rev {} live {}",
            o.status, o.revision, o.live_sessions
        )?;
        match o.deadline {
            Some(deadline) => write!(f, " deadline {}", deadline.format("%Y-%m-%d %H:%M:%S")),
            None => f.write_str(" no deadline"),
        }
    }
}

/// The first place where an implementation parts ways with the rules.
#[derive(Debug, Clone)]
pub struct Divergence {
    /// The (shrunk) timeline that shows it, ending at the diverging step.
    pub timeline: Timeline,
    /// Each step up to the first divergence: (instant, step, expected, actual).
    pub steps: Vec<(DateTime<Utc>, Step, StepResult, StepResult)>,
}

impl Divergence {
    /// The step at which the implementation diverged, with what was expected and done.
    pub fn first(&self) -> Option<&(DateTime<Utc>, Step, StepResult, StepResult)> {
        self.steps.last()
    }
}

impl fmt::Display for Divergence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "the implementation diverges from the rules after {} step(s); policy {:?}, created at {}",
            self.steps.len(),
            self.timeline.policy.intervals(),
            self.timeline.start
        )?;
        for (index, (at, step, expected, actual)) in self.steps.iter().enumerate() {
            let mark = if expected == actual { "  " } else { "=>" };
            writeln!(
                f,
                "{mark} {:>2}. {}  {step}",
                index + 1,
                at.format("%H:%M:%S")
            )?;
            writeln!(f, "         rules: {expected}")?;
            if expected != actual {
                writeln!(f, "         yours: {actual}")?;
            }
        }
        Ok(())
    }
}

fn run_step(implementation: &mut dyn Lifecycle, step: Step, now: DateTime<Utc>) -> StepResult {
    let outcome = match step {
        Step::Act(action) => implementation.act(action, now),
        Step::Access(choice) => implementation.access(choice, now),
        Step::Redeem(choice) => implementation.redeem(choice, now),
        Step::Tick => Ok(implementation.apply_due(now)),
    };
    StepResult {
        outcome,
        observed: implementation.observe(now),
    }
}

/// Plays `timeline` on the reference and on `candidate`, up to the first difference; the
/// divergence keeps the timeline up to that step.
pub fn compare(timeline: &Timeline, candidate: &mut dyn Lifecycle) -> Option<Divergence> {
    let mut reference = Library::default();
    reference.create(&timeline.policy, timeline.seed, timeline.start);
    candidate.create(&timeline.policy, timeline.seed, timeline.start);
    let mut steps = Vec::new();
    for (timed, now) in timeline.steps.iter().zip(timeline.times()) {
        let expected = run_step(&mut reference, timed.step, now);
        let actual = run_step(candidate, timed.step, now);
        let diverged = expected != actual;
        steps.push((now, timed.step, expected, actual));
        if diverged {
            let mut shown = timeline.clone();
            shown.steps.truncate(steps.len());
            return Some(Divergence {
                timeline: shown,
                steps,
            });
        }
    }
    None
}

/// Removes steps from a divergence's timeline, one at a time, for as long as the
/// implementation still diverges, until no single step can go; returns the shortest
/// divergence found ([`Timeline::minimize`], which ordinary properties use too).
///
/// [`check`] calls it on what proptest's shrinking leaves: that tries deleting each step
/// only once, before it simplifies the rest, so a step that became removable later stays.
/// Useful on its own for a failing timeline kept from elsewhere, such as a regression
/// file: [`compare`] it, then minimize.
pub fn minimize<L: Lifecycle>(divergence: Divergence, make: impl Fn() -> L) -> Divergence {
    let timeline = divergence
        .timeline
        .minimize(|timeline| compare(timeline, &mut make()).is_some());
    compare(&timeline, &mut make()).unwrap_or(divergence)
}

/// Why [`check`] failed. `Debug` prints the same readable report as `Display`, so that
/// `check(...).unwrap()` in a test shows the story, not a dump of the structure.
#[derive(Clone)]
pub enum CheckFailure {
    /// The implementation parted ways with the rules; the divergence is shrunk.
    Diverged(Box<Divergence>),
    /// proptest gave up before finishing (its message says why).
    Aborted(String),
}

impl fmt::Display for CheckFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckFailure::Diverged(divergence) => divergence.fmt(f),
            CheckFailure::Aborted(reason) => write!(f, "the check gave up: {reason}"),
        }
    }
}

impl fmt::Debug for CheckFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::error::Error for CheckFailure {}

/// Drives random timelines (up to 40 steps) through `make()`'s implementations and this
/// library; returns the first divergence found, shrunk to a short timeline.
pub fn check<L: Lifecycle>(make: impl Fn() -> L, config: Config) -> Result<(), CheckFailure> {
    // Failures are reported, not persisted: a harness has no source file to keep them beside.
    let mut runner = TestRunner::new(Config {
        failure_persistence: None,
        ..config
    });
    let result = runner.run(&timeline(1..40), |timeline| {
        match compare(&timeline, &mut make()) {
            None => Ok(()),
            Some(divergence) => Err(TestCaseError::fail(divergence.to_string())),
        }
    });
    match result {
        Ok(()) => Ok(()),
        Err(TestError::Fail(reason, timeline)) => match compare(&timeline, &mut make()) {
            Some(divergence) => Err(CheckFailure::Diverged(Box::new(minimize(divergence, make)))),
            // The implementation is not deterministic: the shrunk timeline passed this time.
            None => Err(CheckFailure::Aborted(format!(
                "a divergence did not reproduce on a second run ({reason}); is the implementation deterministic?"
            ))),
        },
        Err(TestError::Abort(reason)) => Err(CheckFailure::Aborted(reason.message().to_owned())),
    }
}
