//! The transition table (T1–T11) as data, and the one function that reads it.
//!
//! Every accepted (status, action) pair is a row of [`TRANSITIONS`]; [`decide`] looks the
//! pair up and, for a pair that is not there, picks the refusal by the rule book's
//! precedence: `redacted`, `inquiry_expired`, `decision_final`, `not_resumable`,
//! `invalid_transition`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Error, ErrorCode, EventName, Status};

/// Every rule ID of the rule book, in its order.
pub const RULE_IDS: &[&str] = &[
    "T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "T10", "T11", "E1", "E2", "E3", "E4",
    "E5", "E6", "E7", "E8", "S1", "S2", "S3", "S4", "S4a", "S4b", "S5", "S6", "S7", "L1", "L2",
    "L3", "L4", "A1", "A2", "A3", "V1", "V2", "V3",
];

/// An action that may move an inquiry (everything but create, which has no "from").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// T2: the person begins a verification.
    Start,
    /// T3: all required checks passed.
    Complete,
    /// T4: a required check failed, attempts exhausted.
    Fail,
    /// T5: explicit expire.
    Expire,
    /// T6, T7: hand out a new session token.
    Resume,
    /// T8: send to human review.
    MarkForReview,
    /// T9: approve.
    Approve,
    /// T10: decline.
    Decline,
    /// T11: redact.
    Redact,
    /// L1: create a one-time link, opening a session whose bearer is a link code.
    Link,
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 10] = [
        Action::Start,
        Action::Complete,
        Action::Fail,
        Action::Expire,
        Action::Resume,
        Action::MarkForReview,
        Action::Approve,
        Action::Decline,
        Action::Redact,
        Action::Link,
    ];

    /// The wire name, e.g. `"mark_for_review"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Action::Start => "start",
            Action::Complete => "complete",
            Action::Fail => "fail",
            Action::Expire => "expire",
            Action::Resume => "resume",
            Action::MarkForReview => "mark_for_review",
            Action::Approve => "approve",
            Action::Decline => "decline",
            Action::Redact => "redact",
            Action::Link => "link",
        }
    }

    /// The action as a verb for messages and tables, e.g. "mark for review".
    pub const fn verb(self) -> &'static str {
        match self {
            Action::MarkForReview => "mark for review",
            Action::Link => "create a one-time link",
            other => other.as_str(),
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Action {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Action::ALL
            .into_iter()
            .find(|action| action.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Action::ALL.iter().map(|action| action.as_str()).collect();
                Error::invalid_input(format!(
                    "unknown action {s:?}; expected one of {}",
                    names.join(", ")
                ))
            })
    }
}

/// What was attempted, in an error: an action, or a person opening the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attempt {
    /// An action of the transition table.
    Action(Action),
    /// A person opening the flow (the access table).
    Access,
    /// A person redeeming a one-time link's code (L3: an access).
    Redeem,
}

impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Attempt::Action(action) => f.write_str(action.verb()),
            Attempt::Access => f.write_str("access"),
            Attempt::Redeem => f.write_str("redeeming a one-time link"),
        }
    }
}

/// Where an accepted action leaves the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// The status becomes this one.
    Status(Status),
    /// The status stays as it is (T6 resume of a live inquiry, T11 redact).
    Unchanged,
}

/// One row of the transition table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionRule {
    /// The rule ID, e.g. `"T7"`.
    pub id: &'static str,
    /// The action.
    pub action: Action,
    /// The statuses it applies to.
    pub from: &'static [Status],
    /// Where it leaves the status.
    pub to: Target,
    /// The event it yields.
    pub event: EventName,
    /// What the rule does, in one sentence.
    pub summary: &'static str,
}

use Status::*;

/// Statuses every decision and review applies to: all but the decided ones.
const UNDECIDED: &[Status] = &[Created, Pending, Expired, Completed, Failed, NeedsReview];

/// T1, creating an inquiry: it has no "from" and no action of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreateRule {
    /// `"T1"`.
    pub id: &'static str,
    /// `created`.
    pub to: Status,
    /// `inquiry.created`.
    pub event: EventName,
}

/// T1: an inquiry is created `created`, yielding `inquiry.created`.
pub const CREATE: CreateRule = CreateRule {
    id: "T1",
    to: Created,
    event: EventName::InquiryCreated,
};

/// The transition table, T2–T11: every accepted (status, action) pair that moves or marks
/// an inquiry. Pairs that are absent are refused or, for a repeated decision, a no-op.
pub const TRANSITIONS: &[TransitionRule] = &[
    TransitionRule {
        id: "T2",
        action: Action::Start,
        from: &[Created],
        to: Target::Status(Pending),
        event: EventName::InquiryStarted,
        summary:
            "the person begins a verification; a session opens and its token is handed out (S3)",
    },
    TransitionRule {
        id: "T3",
        action: Action::Complete,
        from: &[Pending],
        to: Target::Status(Completed),
        event: EventName::InquiryCompleted,
        summary: "all required checks passed; every session ends (S6)",
    },
    TransitionRule {
        id: "T4",
        action: Action::Fail,
        from: &[Pending],
        to: Target::Status(Failed),
        event: EventName::InquiryFailed,
        summary: "a required check failed and attempts are exhausted; every session ends (S6)",
    },
    TransitionRule {
        id: "T5",
        action: Action::Expire,
        from: &[Created, Pending],
        to: Target::Status(Expired),
        event: EventName::InquiryExpired,
        summary: "the deadline is reached or an explicit expire; every session ends (E7)",
    },
    TransitionRule {
        id: "T6",
        action: Action::Resume,
        from: &[Created, Pending],
        to: Target::Unchanged,
        event: EventName::InquiryResumed,
        summary: "a live inquiry hands out a new session token; status and deadline stay (E3)",
    },
    TransitionRule {
        id: "T7",
        action: Action::Resume,
        from: &[Expired],
        to: Target::Status(Pending),
        event: EventName::InquiryResumed,
        summary:
            "an expired inquiry becomes pending with a new deadline and a new session token (E3)",
    },
    TransitionRule {
        id: "T8",
        action: Action::MarkForReview,
        from: &[Created, Pending, Expired, Completed, Failed],
        to: Target::Status(NeedsReview),
        event: EventName::InquiryMarkedForReview,
        summary: "the inquiry goes to human review; every session ends (S6)",
    },
    TransitionRule {
        id: "T9",
        action: Action::Approve,
        from: UNDECIDED,
        to: Target::Status(Approved),
        event: EventName::InquiryApproved,
        summary: "the inquiry is approved, finally; every session ends (S6)",
    },
    TransitionRule {
        id: "T10",
        action: Action::Decline,
        from: UNDECIDED,
        to: Target::Status(Declined),
        event: EventName::InquiryDeclined,
        summary: "the inquiry is declined, finally; every session ends (S6)",
    },
    TransitionRule {
        id: "T11",
        action: Action::Redact,
        from: &Status::ALL,
        to: Target::Unchanged,
        event: EventName::InquiryRedacted,
        summary: "`redacted_at` is set; the inquiry is frozen and every session ends (S6)",
    },
];

/// L1: a one-time link opens a session on a live inquiry; not a transition (the status
/// stays), so not in [`TRANSITIONS`]. Its event is the new session's own.
pub const LINK: TransitionRule = TransitionRule {
    id: "L1",
    action: Action::Link,
    from: &[Created, Pending],
    to: Target::Unchanged,
    event: EventName::SessionCreated,
    summary: "a one-time link opens a session whose bearer is a link code; status, deadline and other sessions stay (L1, L2)",
};

/// Every rule an action is decided by: the transition table, then [`LINK`].
pub fn action_rules() -> impl Iterator<Item = &'static TransitionRule> {
    TRANSITIONS.iter().chain(std::iter::once(&LINK))
}

/// The rule book's verdict on an action, before anything is changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The action applies: this row of the table.
    Applies(&'static TransitionRule),
    /// The same decision again (approve an approved inquiry, mark a `needs_review` one for
    /// review, expire an expired one, redact a redacted one): success, nothing changes.
    Repeat,
}

/// Decides `action` on an inquiry in `status` (as seen at the time of the attempt),
/// `redacted` or not.
///
/// ```
/// use inquiry_lifecycle::rules::{decide, Action, Verdict};
/// use inquiry_lifecycle::{ErrorCode, Status};
///
/// let Ok(Verdict::Applies(rule)) = decide(Status::Expired, false, Action::Resume) else { panic!() };
/// assert_eq!(rule.id, "T7");
/// assert_eq!(decide(Status::Approved, false, Action::Approve), Ok(Verdict::Repeat));
/// let refusal = decide(Status::Approved, false, Action::Resume).unwrap_err();
/// assert_eq!(refusal.code(), ErrorCode::NotResumable);
/// ```
pub fn decide(status: Status, redacted: bool, action: Action) -> Result<Verdict, Error> {
    if redacted {
        // A redacted inquiry is frozen (decision); only a repeated redact succeeds.
        return match action {
            Action::Redact => Ok(Verdict::Repeat),
            _ => Err(Error::Redacted {
                attempted: Attempt::Action(action),
            }),
        };
    }
    if let Some(rule) =
        action_rules().find(|rule| rule.action == action && rule.from.contains(&status))
    {
        return Ok(Verdict::Applies(rule));
    }
    let repeat = matches!(
        (action, status),
        (Action::Approve, Approved)
            | (Action::Decline, Declined)
            | (Action::MarkForReview, NeedsReview)
            | (Action::Expire, Expired)
    );
    if repeat {
        return Ok(Verdict::Repeat);
    }
    Err(refusal(status, action))
}

/// Whether the rule book can take an inquiry from `from` (its status, redacted or not) to
/// `to` in any number of accepted actions, none included: the transitive closure of
/// [`TRANSITIONS`] (a mirror's M4 check: skipped events are fine, reachability is not one
/// step). Decisions are final and redaction freezes, so nothing but itself is reachable
/// from `approved`, `declined` or a redacted inquiry, and redaction is never undone.
///
/// ```
/// use inquiry_lifecycle::rules::reachable;
/// use inquiry_lifecycle::Status;
///
/// assert!(reachable((Status::Created, false), (Status::Approved, false)));
/// assert!(reachable((Status::Expired, false), (Status::Pending, false))); // T7
/// assert!(reachable((Status::Pending, false), (Status::Pending, true))); // T11
/// assert!(!reachable((Status::Approved, false), (Status::Pending, false)));
/// assert!(!reachable((Status::Completed, true), (Status::Approved, true)));
/// ```
pub fn reachable(from: (Status, bool), to: (Status, bool)) -> bool {
    // At most 16 states: a depth-first search over the table, no allocation beyond it.
    let mut seen = [[false; 2]; Status::ALL.len()];
    let mut stack = vec![from];
    while let Some((status, redacted)) = stack.pop() {
        if (status, redacted) == to {
            return true;
        }
        let seen = &mut seen[status as usize][usize::from(redacted)];
        if std::mem::replace(seen, true) || redacted {
            continue;
        }
        for rule in TRANSITIONS
            .iter()
            .filter(|rule| rule.from.contains(&status))
        {
            stack.push(match rule.to {
                Target::Status(next) => (next, false),
                Target::Unchanged => (status, rule.action == Action::Redact),
            });
        }
    }
    false
}

/// The refusal for a pair that is neither in the table nor a repeat, by precedence.
fn refusal(status: Status, action: Action) -> Error {
    let expired_blocks = matches!(
        action,
        Action::Start | Action::Complete | Action::Fail | Action::Link
    );
    let is_review_or_decision = matches!(
        action,
        Action::MarkForReview | Action::Approve | Action::Decline
    );
    if status == Expired && expired_blocks {
        Error::InquiryExpired {
            attempted: Attempt::Action(action),
        }
    } else if status.is_decided() && is_review_or_decision {
        Error::DecisionFinal { action, status }
    } else if action == Action::Resume {
        Error::NotResumable { status }
    } else {
        Error::InvalidTransition { action, status }
    }
}

/// The statuses an action applies to, as words, and the IDs of its rules; for messages.
pub(crate) fn applies_to(action: Action) -> (StatusList, RuleList) {
    (StatusList(action), RuleList(action))
}

/// Displays the statuses `action` applies to, e.g. "created or pending inquiries".
pub(crate) struct StatusList(Action);

impl fmt::Display for StatusList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut from = Status::ALL.into_iter().filter(|status| {
            action_rules().any(|rule| rule.action == self.0 && rule.from.contains(status))
        });
        let mut next = from.next();
        let mut first = true;
        while let Some(status) = next {
            next = from.next();
            if !first {
                f.write_str(if next.is_none() { " or " } else { ", " })?;
            }
            first = false;
            f.write_str(status.as_str())?;
        }
        f.write_str(" inquiries")
    }
}

/// Displays the rule IDs of `action`, e.g. "T6, T7".
pub(crate) struct RuleList(Action);

impl fmt::Display for RuleList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids = action_rules().filter(|rule| rule.action == self.0);
        for (i, rule) in ids.enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(rule.id)?;
        }
        Ok(())
    }
}

// ----- the access table --------------------------------------------------------------------

/// A row of the access table: the inquiry as seen at the time of the access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessRow {
    /// `created`.
    Created,
    /// `pending`.
    Pending,
    /// `expired`.
    Expired,
    /// done (`completed`, `failed`) or post-inquiry (`needs_review`, `approved`, `declined`).
    Finished,
    /// Redacted, whatever its status.
    Redacted,
}

impl AccessRow {
    /// The row an inquiry in `status`, redacted or not, falls in.
    pub const fn of(status: Status, redacted: bool) -> AccessRow {
        match (redacted, status) {
            (true, _) => AccessRow::Redacted,
            (false, Created) => AccessRow::Created,
            (false, Pending) => AccessRow::Pending,
            (false, Expired) => AccessRow::Expired,
            (false, _) => AccessRow::Finished,
        }
    }

    /// The row's label in the rendered table.
    pub const fn label(self) -> &'static str {
        match self {
            AccessRow::Created => "`created`",
            AccessRow::Pending => "`pending`",
            AccessRow::Expired => "`expired`",
            AccessRow::Finished => "done or post-inquiry",
            AccessRow::Redacted => "redacted",
        }
    }
}

/// A column of the access table: what the person presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Presented {
    /// No token.
    NoToken,
    /// A token of a session that is live at the time of the access.
    ValidToken,
    /// A token that matches no kept session of this inquiry (wrong, forged, another
    /// inquiry's, or one whose record was dropped).
    WrongToken,
    /// A token of a kept session that has expired.
    ExpiredSessionToken,
}

impl Presented {
    /// Every column, in the table's order.
    pub const ALL: [Presented; 4] = [
        Presented::NoToken,
        Presented::ValidToken,
        Presented::WrongToken,
        Presented::ExpiredSessionToken,
    ];

    /// The column's label in the rendered table.
    pub const fn label(self) -> &'static str {
        match self {
            Presented::NoToken => "no token",
            Presented::ValidToken => "valid token",
            Presented::WrongToken => "wrong or forged token",
            Presented::ExpiredSessionToken => "token of an expired session",
        }
    }
}

/// A cell of the access table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessVerdict {
    /// The person may open the flow.
    Granted,
    /// Refused with this code.
    Refused(ErrorCode),
}

use crate::ErrorCode::{
    InquiryExpired as X, InquiryFinished as F, InvalidToken as W, Redacted as R,
    SessionExpired as E, SessionRequired as Q,
};
use AccessVerdict::{Granted as G, Refused as No};

/// The access table (rule book, "Access"; A1): one row per [`AccessRow`], one column per
/// [`Presented`], in [`Presented::ALL`] order. [`Inquiry::access`](crate::Inquiry::access)
/// decides by looking its case up here.
pub const ACCESS_TABLE: [(AccessRow, [AccessVerdict; 4]); 5] = [
    (AccessRow::Created, [G, G, No(W), No(E)]),
    (AccessRow::Pending, [No(Q), G, No(W), No(E)]),
    (AccessRow::Expired, [No(X), No(X), No(X), No(X)]),
    (AccessRow::Finished, [No(F), No(F), No(F), No(F)]),
    (AccessRow::Redacted, [No(R), No(R), No(R), No(R)]),
];

/// Looks up the access table.
///
/// ```
/// use inquiry_lifecycle::rules::{access_verdict, AccessRow, AccessVerdict, Presented};
/// use inquiry_lifecycle::ErrorCode;
/// assert_eq!(access_verdict(AccessRow::Created, Presented::NoToken), AccessVerdict::Granted);
/// assert_eq!(
///     access_verdict(AccessRow::Pending, Presented::NoToken),
///     AccessVerdict::Refused(ErrorCode::SessionRequired),
/// );
/// ```
pub const fn access_verdict(row: AccessRow, presented: Presented) -> AccessVerdict {
    // Rows are in `AccessRow` order and columns in `Presented` order (checked below, at
    // compile time), so both enums index the table directly and every cell exists.
    ACCESS_TABLE[row as usize].1[presented as usize]
}

// The table has one row per `AccessRow`, in declaration order, and one column per
// `Presented` in declaration order: a table edited out of order does not compile.
const _: () = {
    let mut i = 0;
    while i < ACCESS_TABLE.len() {
        assert!(ACCESS_TABLE[i].0 as usize == i);
        i += 1;
    }
    let mut j = 0;
    while j < Presented::ALL.len() {
        assert!(Presented::ALL[j] as usize == j);
        j += 1;
    }
};

/// L3: redeeming a link code is an access, so on an `expired`, done or post-inquiry, or
/// redacted inquiry the access table's row answers, whatever the code; on `created` and
/// `pending` the code decides (L4), and this is `None`.
pub const fn redemption_refusal(row: AccessRow) -> Option<ErrorCode> {
    match (row, access_verdict(row, Presented::ValidToken)) {
        (AccessRow::Created | AccessRow::Pending, _) | (_, AccessVerdict::Granted) => None,
        (_, AccessVerdict::Refused(code)) => Some(code),
    }
}

/// What a redemption of a link code answers (L3, L4): the first row that applies, in
/// this order. [`Inquiry::redeem`](crate::Inquiry::redeem) decides so (the table
/// documents it; `tests/rules.rs` holds each row to the behaviour).
pub const REDEMPTION_TABLE: [RedemptionRule; 5] = [
    RedemptionRule {
        id: "L3",
        when: "the inquiry is `expired`, done or post-inquiry, or redacted (a redemption is an access)",
        answer: "the access table's row: `inquiry_expired`, `inquiry_finished`, `redacted`",
    },
    RedemptionRule {
        id: "L4",
        when: "no kept link session issued the code: never issued, its record dropped (S7), another inquiry's, or a session token given as a code",
        answer: "`invalid_token`",
    },
    RedemptionRule {
        id: "L4",
        when: "the link's session ended (S5, S6), or the link was not redeemed within its TTL (L2)",
        answer: "`session_expired`",
    },
    RedemptionRule {
        id: "L3",
        when: "the link was first redeemed 5 minutes ago or more",
        answer: "`link_used`",
    },
    RedemptionRule {
        id: "L3",
        when: "otherwise: the code is the credential, on a `created` or `pending` inquiry",
        answer: "granted: a fresh session token for the link's session (the previous one stops working); the first redemption starts the session (`inquiry-session.started`), a repeat yields no event",
    },
];

/// A row of [`REDEMPTION_TABLE`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RedemptionRule {
    /// The rule ID.
    pub id: &'static str,
    /// When the row applies.
    pub when: &'static str,
    /// What the redemption answers.
    pub answer: &'static str,
}

// ----- explanations ------------------------------------------------------------------------

/// Whether an action is allowed on a status, and why, by rule ID and one sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// What the rule book decides.
    pub verdict: Result<Verdict, ErrorCode>,
    /// The sentence: the rule and its reason, e.g. `T7: an expired inquiry becomes pending …`,
    /// or for a refusal the refusal's message.
    pub text: String,
}

/// Explains `action` on an inquiry in `status`, redacted or not.
///
/// ```
/// use inquiry_lifecycle::rules::{explain, Action};
/// use inquiry_lifecycle::Status;
///
/// let why = explain(Status::Approved, false, Action::Resume);
/// assert_eq!(
///     why.text,
///     "not_resumable: an approved inquiry is decided; only created, pending or expired inquiries can be resumed (T6, T7)"
/// );
/// assert!(explain(Status::Expired, false, Action::Resume).text.starts_with("T7: "));
/// ```
pub fn explain(status: Status, redacted: bool, action: Action) -> Explanation {
    match decide(status, redacted, action) {
        Ok(Verdict::Applies(rule)) => Explanation {
            verdict: Ok(Verdict::Applies(rule)),
            text: format!("{}: {}", rule.id, rule.summary),
        },
        Ok(Verdict::Repeat) => Explanation {
            verdict: Ok(Verdict::Repeat),
            text: format!(
                "no-op: {} again changes nothing, so retries are safe (decision, {})",
                action.verb(),
                RuleList(action)
            ),
        },
        Err(error) => Explanation {
            verdict: Err(error.code()),
            text: error.to_string(),
        },
    }
}
