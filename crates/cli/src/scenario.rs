//! Scenario files: the rules as stories anyone can read and run.
//!
//! A scenario is a JSON file telling a short story of one inquiry, step by step, with what
//! must hold after each step; the format is `docs/SCENARIOS.md`, included below. A file is
//! checked as a whole before anything runs: one bad key, action, status, error code,
//! event name, offset or token label refuses the file with a message naming the file, the
//! step and the key.
//!
//! ```
//! use inquiry_lifecycle_cli::scenario::Scenario;
//!
//! let scenario = Scenario::from_json("example.json", r#"{
//!   "name": "resume of a completed inquiry is refused",
//!   "rules": ["T3", "T6"],
//!   "steps": [
//!     { "at": "0s", "do": "create" },
//!     { "at": "1m", "do": "start", "token": "t" },
//!     { "at": "2m", "do": "complete", "expect": { "status": "completed" } },
//!     { "at": "3m", "do": "resume", "expect": { "error": "not_resumable" } }
//!   ]
//! }"#)?;
//! let report = scenario.run();
//! assert!(report.passed(), "{report}");
//! # Ok::<(), inquiry_lifecycle::Error>(())
//! ```

//!
//! ---
//!
#![doc = include_str!("../../../docs/SCENARIOS.md")]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};

use inquiry_lifecycle::rules::{Action, RULE_IDS};
use inquiry_lifecycle::{
    Error, ErrorCode, EventName, Events, Inquiry, LinkCode, Policy, RandomSource, SeededRandom,
    SessionId, SessionToken, Span, Status,
};

/// The label that stands for a well-formed token or code no session issued.
const FORGED: &str = "forged";

/// A checked scenario, ready to run.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Where it was read from.
    pub source: String,
    /// One line saying what the story shows.
    pub name: String,
    /// The rule IDs it illustrates.
    pub rules: Vec<String>,
    start: DateTime<Utc>,
    steps: Vec<Step>,
}

#[derive(Debug, Clone)]
struct Step {
    at: i64,
    what: Do,
    token: Option<String>,
    /// On `redeem`: the label for the session token handed out.
    issue: Option<String>,
    expect: Expect,
}

#[derive(Debug, Clone)]
enum Do {
    Create(Policy),
    Act(Action),
    Access,
    Redeem,
    Tick,
    Check,
}

impl Do {
    fn name(&self) -> &'static str {
        match self {
            Do::Create(_) => "create",
            Do::Act(action) => action.as_str(),
            Do::Access => "access",
            Do::Redeem => "redeem",
            Do::Tick => "tick",
            Do::Check => "check",
        }
    }
}

/// A secret a step handed out, remembered under its label.
enum Remembered {
    Token(SessionToken),
    Code(LinkCode),
}

impl Remembered {
    /// As a session token, for `access`: a link code given as a token is the same text, and
    /// is refused `invalid_token` (L4).
    fn as_token(&self) -> Result<SessionToken, Error> {
        match self {
            Remembered::Token(token) => Ok(token.clone()),
            Remembered::Code(code) => SessionToken::parse(&code.expose_secret()),
        }
    }

    /// As a link code, for `redeem`: a session token given as a code is the same text, and
    /// is refused `invalid_token` (L4).
    fn as_code(&self) -> Result<LinkCode, Error> {
        match self {
            Remembered::Token(token) => LinkCode::parse(&token.expose_secret()),
            Remembered::Code(code) => Ok(code.clone()),
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Expect {
    error: Option<ErrorCode>,
    status: Option<Status>,
    events: Option<Vec<EventName>>,
    session_events: Option<Vec<EventName>>,
    deadline: Option<Option<i64>>,
    live_sessions: Option<usize>,
    revision: Option<u64>,
}

// ----- the file format, as written ------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileScenario {
    name: String,
    #[serde(default)]
    rules: Vec<String>,
    start: Option<String>,
    policy: Option<FilePolicy>,
    steps: Vec<serde_json::Value>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FilePolicy {
    expire_after_create: Option<String>,
    expire_after_start: Option<String>,
    expire_after_resume: Option<String>,
    session_token_ttl: Option<String>,
    one_time_link_ttl: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileStep {
    at: String,
    #[serde(rename = "do")]
    what: String,
    token: Option<String>,
    issue: Option<String>,
    overrides: Option<FilePolicy>,
    #[serde(default)]
    expect: FileExpect,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileExpect {
    error: Option<String>,
    status: Option<String>,
    events: Option<Vec<String>>,
    session_events: Option<Vec<String>>,
    /// Absent: not judged; `null`: no deadline.
    #[serde(default, deserialize_with = "present")]
    deadline: Option<Option<String>>,
    live_sessions: Option<usize>,
    revision: Option<u64>,
}

fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

fn parse_json<T: DeserializeOwned>(value: serde_json::Value, place: &str) -> Result<T, Error> {
    serde_json::from_value(value).map_err(|e| Error::invalid_input(format!("{place}: {e}")))
}

impl FilePolicy {
    fn apply(&self, base: &Policy) -> Result<Policy, Error> {
        let mut builder = base.to_builder();
        let fields = [
            ("expire_after_create", &self.expire_after_create),
            ("expire_after_start", &self.expire_after_start),
            ("expire_after_resume", &self.expire_after_resume),
            ("session_token_ttl", &self.session_token_ttl),
            ("one_time_link_ttl", &self.one_time_link_ttl),
        ];
        for (key, text) in fields {
            let Some(text) = text else { continue };
            let delta = text
                .parse::<Span>()
                .map_err(|e| e.within(format_args!("key `{key}`")))?
                .as_time_delta();
            builder = match key {
                "expire_after_create" => builder.expire_after_create(delta),
                "expire_after_start" => builder.expire_after_start(delta),
                "expire_after_resume" => builder.expire_after_resume(delta),
                "session_token_ttl" => builder.session_token_ttl(delta),
                _ => builder.one_time_link_ttl(delta),
            };
        }
        builder.build()
    }
}

impl Scenario {
    /// Parses and checks a scenario from JSON text; `source` names it in messages.
    pub fn from_json(source: &str, text: &str) -> Result<Scenario, Error> {
        Scenario::parse(source, text).map_err(|e| e.within(format_args!("{source}")))
    }

    fn parse(source: &str, text: &str) -> Result<Scenario, Error> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| Error::invalid_input(format!("not valid JSON: {e}")))?;
        let file: FileScenario = parse_json(value, "top level")?;
        if let Some(rule) = file.rules.iter().find(|r| !RULE_IDS.contains(&r.as_str())) {
            return Err(Error::invalid_input(format!(
                "key `rules`: unknown rule ID {rule:?}"
            )));
        }
        let start = match &file.start {
            None => DateTime::<Utc>::from_timestamp(1_767_225_600, 0).unwrap_or_default(),
            Some(text) => DateTime::parse_from_rfc3339(text)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| Error::invalid_input(format!("key `start`: {text:?}: {e}")))?,
        };
        let policy = file
            .policy
            .unwrap_or_default()
            .apply(&Policy::default())
            .map_err(|e| e.within(format_args!("key `policy`")))?;
        if file.steps.is_empty() {
            return Err(Error::invalid_input(
                "key `steps`: a scenario needs at least one step",
            ));
        }
        let mut labels = BTreeSet::new();
        let mut steps = Vec::with_capacity(file.steps.len());
        for (index, value) in file.steps.into_iter().enumerate() {
            let place = format!("step {}", index + 1);
            let raw: FileStep = parse_json(value, &place)?;
            let step = Step::check(raw, index, &policy, start, &mut labels)
                .map_err(|e| e.within(format_args!("{place}")))?;
            steps.push(step);
        }
        Ok(Scenario {
            source: source.to_owned(),
            name: file.name,
            rules: file.rules,
            start,
            steps,
        })
    }
}

impl Step {
    fn check(
        raw: FileStep,
        index: usize,
        policy: &Policy,
        start: DateTime<Utc>,
        labels: &mut BTreeSet<String>,
    ) -> Result<Step, Error> {
        let at = parse_at(&raw.at, start)?;
        let what = match raw.what.as_str() {
            "create" => {
                let overrides = raw.overrides.as_ref();
                Do::Create(
                    overrides
                        .map_or(Ok(*policy), |overrides| overrides.apply(policy))
                        .map_err(|e| e.within(format_args!("key `overrides`")))?,
                )
            }
            "access" => Do::Access,
            "redeem" => Do::Redeem,
            "tick" => Do::Tick,
            "check" => Do::Check,
            other => Do::Act(other.parse().map_err(|_| {
                Error::invalid_input(format!(
                    "key `do`: unknown action {other:?}; expected create, start, complete, fail, expire, resume, mark_for_review, approve, decline, redact, access, link, redeem, tick or check"
                ))
            })?),
        };
        if matches!(what, Do::Create(_)) != (index == 0) {
            return Err(Error::invalid_input(
                "key `do`: the first step is `create`, and there is only one `create`",
            ));
        }
        if raw.overrides.is_some() && !matches!(what, Do::Create(_)) {
            return Err(Error::invalid_input(
                "key `overrides`: only a `create` step takes overrides",
            ));
        }
        check_labels(&what, raw.token.as_deref(), raw.issue.as_deref(), labels)?;
        Ok(Step {
            at,
            what,
            token: raw.token,
            issue: raw.issue,
            expect: Expect::check(raw.expect)?,
        })
    }
}

/// A step's `at`: an offset from the scenario's `start` (`1h30m`), or an RFC 3339 instant
/// at or after it, in whole seconds; as seconds after `start`.
fn parse_at(text: &str, start: DateTime<Utc>) -> Result<i64, Error> {
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        let offset = instant.with_timezone(&Utc).signed_duration_since(start);
        if offset < TimeDelta::zero() {
            return Err(Error::invalid_input(format!(
                "key `at`: {text} is before the scenario's start, {start}; steps happen at or after it"
            )));
        }
        if offset.subsec_nanos() != 0 {
            return Err(Error::invalid_input(format!(
                "key `at`: {text} is not a whole second after the scenario's start"
            )));
        }
        return Ok(offset.num_seconds());
    }
    text.parse::<Span>().map(Span::as_secs).map_err(|error| {
        Error::invalid_input(format!(
            "key `at`: {text:?} is neither an RFC 3339 instant (such as 2026-01-01T00:30:00Z) nor an offset from `start`: {}",
            error.detail()
        ))
    })
}

/// The `token` and `issue` keys: which steps take them, and that every label used was
/// issued by an earlier step (start, resume and link issue under `token`, redeem under
/// `issue`).
fn check_labels(
    what: &Do,
    token: Option<&str>,
    issue: Option<&str>,
    labels: &mut BTreeSet<String>,
) -> Result<(), Error> {
    let issues_under_token = matches!(what, Do::Act(Action::Start | Action::Resume | Action::Link));
    let uses_token = matches!(what, Do::Access | Do::Redeem);
    if issue.is_some() && !matches!(what, Do::Redeem) {
        return Err(Error::invalid_input(
            "key `issue`: only redeem takes `issue` (the label of the token it hands out)",
        ));
    }
    if matches!(what, Do::Redeem) && token.is_none() {
        return Err(Error::invalid_input(
            "key `token`: redeem needs the label of a link's code (or \"forged\")",
        ));
    }
    let issued = [
        ("token", token.filter(|_| issues_under_token)),
        ("issue", issue),
    ];
    for (key, new) in issued {
        let Some(new) = new else { continue };
        if new == FORGED {
            return Err(Error::invalid_input(format!(
                "key `{key}`: {FORGED:?} is reserved for a token or code no session issued"
            )));
        }
        labels.insert(new.to_owned());
    }
    match token {
        None => Ok(()),
        Some(_) if issues_under_token => Ok(()),
        Some(label) if uses_token && (label == FORGED || labels.contains(label)) => Ok(()),
        Some(label) if uses_token => Err(Error::invalid_input(format!(
            "key `token`: label {label:?} was never issued by an earlier start, resume, link or redeem"
        ))),
        Some(_) => Err(Error::invalid_input(
            "key `token`: only start, resume, link, access and redeem take a token",
        )),
    }
}

impl Expect {
    fn check(raw: FileExpect) -> Result<Expect, Error> {
        let names = |key: &str, list: Option<Vec<String>>, session: bool| {
            list.map(|list| {
                list.iter()
                    .map(|name| {
                        let parsed: EventName = name.parse()?;
                        if parsed.is_session_event() == session {
                            Ok(parsed)
                        } else {
                            Err(Error::invalid_input(format!(
                                "{name:?} belongs in {}",
                                if session {
                                    "`events`"
                                } else {
                                    "`session_events`"
                                }
                            )))
                        }
                    })
                    .collect::<Result<Vec<_>, Error>>()
                    .map_err(|e| e.within(format_args!("key `expect.{key}`")))
            })
            .transpose()
        };
        Ok(Expect {
            error: raw
                .error
                .map(|code| code.parse())
                .transpose()
                .map_err(|e: Error| e.within(format_args!("key `expect.error`")))?,
            status: raw
                .status
                .map(|status| status.parse())
                .transpose()
                .map_err(|e: Error| e.within(format_args!("key `expect.status`")))?,
            events: names("events", raw.events, false)?,
            session_events: names("session_events", raw.session_events, true)?,
            deadline: raw
                .deadline
                .map(|deadline| {
                    deadline
                        .map(|text| text.parse::<Span>().map(Span::as_secs))
                        .transpose()
                })
                .transpose()
                .map_err(|e| e.within(format_args!("key `expect.deadline`")))?,
            live_sessions: raw.live_sessions,
            revision: raw.revision,
        })
    }
}

// ----- running ---------------------------------------------------------------------------

/// What running one scenario showed: a line per step.
#[derive(Debug, Clone)]
pub struct Report {
    /// The scenario's name.
    pub name: String,
    /// Where it was read from.
    pub source: String,
    /// One entry per step run.
    pub steps: Vec<StepReport>,
}

/// What one step did, and where it parted ways with its expectations.
#[derive(Debug, Clone)]
pub struct StepReport {
    /// The step's offset, e.g. `1h5m`.
    pub at: String,
    /// The step's action, e.g. `resume`.
    pub action: String,
    /// What happened: the status, or the refusal, and the events.
    pub happened: String,
    /// Each expectation that did not hold: (key, expected, actual).
    pub mismatches: Vec<(String, String, String)>,
}

impl Report {
    /// Whether every step held its expectations.
    pub fn passed(&self) -> bool {
        self.steps.iter().all(|step| step.mismatches.is_empty())
    }
}

/// Seconds from the scenario's start, in the file's `1h30m` form. Steps and deadlines
/// never precede the start; an instant beyond [`Span::MAX`] shows in seconds.
struct Offset(i64);

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match Span::from_secs(self.0) {
            Ok(span) => span.fmt(f),
            Err(_) => write!(f, "{}s", self.0),
        }
    }
}

struct Observed {
    /// The step's instant.
    now: DateTime<Utc>,
    error: Option<Error>,
    events: Events,
    status: Option<Status>,
    deadline: Option<i64>,
    live_sessions: usize,
    revision: u64,
}

impl Scenario {
    /// Runs the story, with a seeded random source, and reports every step.
    pub fn run(&self) -> Report {
        let mut random = SeededRandom::new(0x5ce7_a210);
        let mut forger = SeededRandom::new(u64::MAX);
        let forged_session = SessionId::generate(&mut forger);
        let forged = Remembered::Token(SessionToken::generate(forged_session, &mut forger));
        let mut secrets: BTreeMap<&str, Remembered> = BTreeMap::new();
        // Labels of steps that were refused, with the step: using one fails the step.
        let mut unissued: BTreeMap<&str, usize> = BTreeMap::new();
        let mut inquiry: Option<Inquiry> = None;
        let mut steps = Vec::with_capacity(self.steps.len());
        for (index, step) in self.steps.iter().enumerate() {
            let now = self.instant(step.at);
            let (error, events) = match (&step.what, inquiry.as_mut()) {
                (Do::Create(policy), _) => match Inquiry::create(policy, now, &mut random) {
                    Ok((created, events)) => {
                        inquiry = Some(created);
                        (None, events)
                    }
                    Err(error) => (Some(error), Events::default()),
                },
                (_, None) => (
                    Some(Error::invalid_input("no inquiry was created")),
                    Events::default(),
                ),
                (what, Some(inquiry)) => {
                    let uses = matches!(what, Do::Access | Do::Redeem);
                    let used = step.token.as_deref().filter(|_| uses);
                    let secret = used.map(|label| match label {
                        FORGED => Ok(&forged),
                        label => secrets.get(label).ok_or(label),
                    });
                    let outcome = match secret {
                        Some(Err(label)) => Err(Error::invalid_input(format!(
                            "label {label:?} was not issued: step {} that issues it was refused, so this step cannot run (A1: it is never run without its token)",
                            unissued.get(label).map_or(0, |index| index + 1)
                        ))),
                        Some(Ok(secret)) => Self::perform(what, inquiry, now, Some(secret), &mut random),
                        None => Self::perform(what, inquiry, now, None, &mut random),
                    };
                    let issued_label = match what {
                        Do::Redeem => step.issue.as_deref(),
                        _ => step.token.as_deref().filter(|_| !uses),
                    };
                    match outcome {
                        Ok((events, issued)) => {
                            if let (Some(label), Some(secret)) = (issued_label, issued) {
                                secrets.insert(label, secret);
                                unissued.remove(label);
                            }
                            (None, events)
                        }
                        Err(error) => {
                            if let Some(label) = issued_label {
                                if !secrets.contains_key(label) {
                                    unissued.insert(label, index);
                                }
                            }
                            (Some(error), Events::default())
                        }
                    }
                }
            };
            let observed = Observed {
                now,
                error,
                events,
                status: inquiry.as_ref().map(|i| i.status_at(now)),
                deadline: inquiry
                    .as_ref()
                    .and_then(|i| i.deadline_at(now))
                    .map(|d| (d - self.start).num_seconds()),
                live_sessions: inquiry.as_ref().map_or(0, |i| i.live_sessions_at(now)),
                revision: inquiry.as_ref().map_or(0, Inquiry::revision),
            };
            steps.push(self.judge(step, &observed));
        }
        Report {
            name: self.name.clone(),
            source: self.source.clone(),
            steps,
        }
    }

    fn instant(&self, offset: i64) -> DateTime<Utc> {
        self.start
            .checked_add_signed(TimeDelta::seconds(offset))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// Performs a step's action with the secret its `token` label names, if any; returns
    /// the events and the secret the step hands out, if any.
    fn perform(
        what: &Do,
        inquiry: &mut Inquiry,
        now: DateTime<Utc>,
        secret: Option<&Remembered>,
        random: &mut dyn RandomSource,
    ) -> Result<(Events, Option<Remembered>), Error> {
        Ok(match what {
            Do::Create(_) => return Err(Error::invalid_input("there is only one create")),
            Do::Act(action) => {
                let outcome = inquiry.act(*action, now, random)?;
                let handed = match (outcome.opened, outcome.linked) {
                    (Some((_, token)), _) => Some(Remembered::Token(token)),
                    (None, Some((_, code))) => Some(Remembered::Code(code)),
                    (None, None) => None,
                };
                (outcome.events, handed)
            }
            Do::Access => {
                let token = secret.map(Remembered::as_token).transpose()?;
                (inquiry.access(token.as_ref(), now)?.events, None)
            }
            Do::Redeem => {
                let Some(code) = secret.map(Remembered::as_code).transpose()? else {
                    return Err(Error::InvalidToken);
                };
                let opened = inquiry.redeem(&code, now, random)?;
                (opened.events, Some(Remembered::Token(opened.token)))
            }
            Do::Tick => (inquiry.apply_due(now), None),
            Do::Check => (Events::default(), None),
        })
    }

    fn judge(&self, step: &Step, seen: &Observed) -> StepReport {
        let (inquiry_events, session_events): (Vec<_>, Vec<_>) = seen
            .events
            .iter()
            .map(|event| event.name)
            .partition(|name| !name.is_session_event());
        let list = |names: &[EventName]| {
            let names: Vec<_> = names.iter().map(|n| n.as_str()).collect();
            format!("[{}]", names.join(", "))
        };
        let deadline = |d: Option<i64>| d.map_or("none".to_owned(), |d| Offset(d).to_string());
        let mut mismatches = Vec::new();
        let mut judge = |key: &str, expected: String, actual: String| {
            if expected != actual {
                mismatches.push((key.to_owned(), expected, actual));
            }
        };
        let error = seen.error.as_ref().map(Error::code);
        let show_error =
            |code: Option<ErrorCode>| code.map_or("success".to_owned(), |c| c.to_string());
        judge("error", show_error(step.expect.error), show_error(error));
        if let Some(status) = step.expect.status {
            let actual = seen.status.map_or("none".to_owned(), |s| s.to_string());
            judge("status", status.to_string(), actual);
        }
        if let Some(expected) = &step.expect.events {
            judge("events", list(expected), list(&inquiry_events));
        }
        if let Some(expected) = &step.expect.session_events {
            judge("session_events", list(expected), list(&session_events));
        }
        if let Some(expected) = step.expect.deadline {
            judge("deadline", deadline(expected), deadline(seen.deadline));
        }
        if let Some(expected) = step.expect.live_sessions {
            judge(
                "live_sessions",
                expected.to_string(),
                seen.live_sessions.to_string(),
            );
        }
        if let Some(expected) = step.expect.revision {
            judge("revision", expected.to_string(), seen.revision.to_string());
        }
        let mut happened = match &seen.error {
            Some(error) => format!("refused {error}"),
            None => seen.status.map_or("-".to_owned(), |s| s.to_string()),
        };
        if !seen.events.is_empty() {
            // An event recorded at another time than the step's (a due expiry at its
            // deadline, E4; a step back in time, E6) says when.
            let names: Vec<String> = seen
                .events
                .iter()
                .map(|event| match event.at == seen.now {
                    true => event.name.as_str().to_owned(),
                    false => format!(
                        "{} at {}",
                        event.name,
                        Offset(event.at.signed_duration_since(self.start).num_seconds())
                    ),
                })
                .collect();
            happened.push_str(&format!(" · {}", names.join(", ")));
        }
        StepReport {
            at: Offset(step.at).to_string(),
            action: match &step.token {
                Some(label) => format!("{} [{label}]", step.what.name()),
                None => step.what.name().to_owned(),
            },
            happened,
            mismatches,
        }
    }
}

impl fmt::Display for Report {
    /// The timeline: a line per step, and under a failed step what was expected.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = if self.passed() { "PASS" } else { "FAIL" };
        writeln!(f, "{verdict} {} ({})", self.name, self.source)?;
        for step in &self.steps {
            let mark = if step.mismatches.is_empty() {
                "ok  "
            } else {
                "FAIL"
            };
            writeln!(
                f,
                "  {mark} {:>7}  {:<22} {}",
                step.at, step.action, step.happened
            )?;
            for (key, expected, actual) in &step.mismatches {
                writeln!(f, "         expected {key}: {expected}")?;
                writeln!(f, "         happened {key}: {actual}")?;
            }
        }
        Ok(())
    }
}
