//! The transition table (T1–T11) as data, and the one function that reads it.
//!
//! Every accepted (status, action) pair is a row of [`TRANSITIONS`]; [`decide`] looks the
//! pair up and, for a pair that is not there, picks the refusal by the rule book's
//! precedence: `redacted`, `inquiry_expired`, `decision_final`, `not_resumable`,
//! `invalid_transition`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Error, EventName, Status};

/// Every rule ID of the rule book, in its order.
pub const RULE_IDS: &[&str] = &[
    "T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9", "T10", "T11", "E1", "E2", "E3", "E4",
    "E5", "E6", "E7", "E8", "S1", "S2", "S3", "S4", "S5", "S6", "S7", "A1", "A2", "A3", "V1", "V2",
    "V3",
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
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 9] = [
        Action::Start,
        Action::Complete,
        Action::Fail,
        Action::Expire,
        Action::Resume,
        Action::MarkForReview,
        Action::Approve,
        Action::Decline,
        Action::Redact,
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
        }
    }

    /// The action as a verb for messages, e.g. "mark for review".
    pub(crate) const fn verb(self) -> &'static str {
        match self {
            Action::MarkForReview => "mark for review",
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
            .ok_or_else(|| Error::invalid_input(format!("unknown action {s:?}")))
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
}

impl fmt::Display for Attempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Attempt::Action(action) => f.write_str(action.verb()),
            Attempt::Access => f.write_str("access"),
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
}

use Status::*;

/// Statuses every decision and review applies to: all but the decided ones.
const UNDECIDED: &[Status] = &[Created, Pending, Expired, Completed, Failed, NeedsReview];

/// The transition table, T2–T11: every accepted (status, action) pair that moves or marks
/// an inquiry. Pairs that are absent are refused or, for a repeated decision, a no-op.
pub const TRANSITIONS: &[TransitionRule] = &[
    TransitionRule {
        id: "T2",
        action: Action::Start,
        from: &[Created],
        to: Target::Status(Pending),
        event: EventName::InquiryStarted,
    },
    TransitionRule {
        id: "T3",
        action: Action::Complete,
        from: &[Pending],
        to: Target::Status(Completed),
        event: EventName::InquiryCompleted,
    },
    TransitionRule {
        id: "T4",
        action: Action::Fail,
        from: &[Pending],
        to: Target::Status(Failed),
        event: EventName::InquiryFailed,
    },
    TransitionRule {
        id: "T5",
        action: Action::Expire,
        from: &[Created, Pending],
        to: Target::Status(Expired),
        event: EventName::InquiryExpired,
    },
    TransitionRule {
        id: "T6",
        action: Action::Resume,
        from: &[Created, Pending],
        to: Target::Unchanged,
        event: EventName::InquiryResumed,
    },
    TransitionRule {
        id: "T7",
        action: Action::Resume,
        from: &[Expired],
        to: Target::Status(Pending),
        event: EventName::InquiryResumed,
    },
    TransitionRule {
        id: "T8",
        action: Action::MarkForReview,
        from: &[Created, Pending, Expired, Completed, Failed],
        to: Target::Status(NeedsReview),
        event: EventName::InquiryMarkedForReview,
    },
    TransitionRule {
        id: "T9",
        action: Action::Approve,
        from: UNDECIDED,
        to: Target::Status(Approved),
        event: EventName::InquiryApproved,
    },
    TransitionRule {
        id: "T10",
        action: Action::Decline,
        from: UNDECIDED,
        to: Target::Status(Declined),
        event: EventName::InquiryDeclined,
    },
    TransitionRule {
        id: "T11",
        action: Action::Redact,
        from: &Status::ALL,
        to: Target::Unchanged,
        event: EventName::InquiryRedacted,
    },
];

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
    if let Some(rule) = TRANSITIONS
        .iter()
        .find(|rule| rule.action == action && rule.from.contains(&status))
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

/// The refusal for a pair that is neither in the table nor a repeat, by precedence.
fn refusal(status: Status, action: Action) -> Error {
    let expired_blocks = matches!(action, Action::Start | Action::Complete | Action::Fail);
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
            TRANSITIONS
                .iter()
                .any(|rule| rule.action == self.0 && rule.from.contains(status))
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
        let ids = TRANSITIONS.iter().filter(|rule| rule.action == self.0);
        for (i, rule) in ids.enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(rule.id)?;
        }
        Ok(())
    }
}
