//! The one error vocabulary: every refusal and every bad input.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::rules::{self, Action, Attempt};
use crate::{SessionId, Status};

/// Why an operation was refused or an input rejected.
///
/// Every variant has a stable snake_case [`ErrorCode`] ([`Error::code`]) and the HTTP
/// status a REST API built on this library would answer ([`Error::http_status`]). The
/// [`Display`](fmt::Display) text starts with the code and explains the refusal by the
/// rule that refused it, e.g.
/// `not_resumable: an approved inquiry is decided; only created, pending or expired
/// inquiries can be resumed (T6, T7)`.
///
/// A refused operation changes nothing (rule E8). No variant ever carries a session token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The action does not apply to the status (409).
    InvalidTransition {
        /// What was attempted.
        action: Action,
        /// The inquiry's status at the time of the attempt.
        status: Status,
    },
    /// Resume on `completed`, `failed`, `needs_review`, `approved` or `declined` (409).
    NotResumable {
        /// The inquiry's status at the time of the attempt.
        status: Status,
    },
    /// A contrary review or decision on an `approved` or `declined` inquiry (409).
    DecisionFinal {
        /// What was attempted.
        action: Action,
        /// `approved` or `declined`.
        status: Status,
    },
    /// Anything but a repeated redact on a redacted inquiry (409).
    Redacted {
        /// What was attempted.
        attempted: Attempt,
    },
    /// Start, complete, fail, link, redeem or access on an expired inquiry (410).
    InquiryExpired {
        /// What was attempted.
        attempted: Attempt,
    },
    /// Access to a done or post-inquiry inquiry (403).
    InquiryFinished {
        /// The inquiry's status at the time of the attempt.
        status: Status,
    },
    /// Access to a pending inquiry without a token (401).
    SessionRequired,
    /// A token or link code that is not the current one of a kept session of this inquiry
    /// (401).
    InvalidToken,
    /// A token or link code of this inquiry whose session has expired (401).
    SessionExpired {
        /// The expired session the token or code belonged to.
        session: SessionId,
    },
    /// A one-time link redeemed again after its grace period (L3, 410).
    LinkUsed {
        /// The link's session.
        session: SessionId,
    },
    /// A malformed id, token, interval, policy, stored record or scenario (422).
    InvalidInput(InvalidInput),
    /// `now` lies outside the instants the library records, [`EARLIEST_NOW`](crate::EARLIEST_NOW)
    /// to [`LATEST_NOW`](crate::LATEST_NOW): the embedding service's clock is wrong, which
    /// is not its caller's mistake (500).
    ClockOutOfRange {
        /// The instant the call was given.
        now: chrono::DateTime<chrono::Utc>,
    },
    /// The inquiry has used up its changes: its revision or last sequence number is too
    /// near 2^53, the largest a record keeps, for another call (V1, V3; 409). Nothing the
    /// caller sends can change that.
    CountersExhausted {
        /// The inquiry's revision.
        revision: u64,
        /// The inquiry's last event sequence number.
        last_sequence: u64,
    },
    /// The random source gave a session id, token or link code already in use, three times
    /// over (S1, S2, L2): it is broken or seeded the same way twice (500).
    RandomSourceRepeats,
}

/// What was wrong with an input; carried by [`Error::InvalidInput`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidInput {
    message: Cow<'static, str>,
}

impl InvalidInput {
    /// What was wrong, and where possible how to fix it.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl Error {
    /// An `invalid_input` error (422) with this message: for stores, wire formats and tools
    /// built on the library that refuse a malformed input or stored record. Say what was
    /// wrong and where (a key, a path, a column), and how to fix it where you can.
    pub fn invalid_input(message: impl Into<Cow<'static, str>>) -> Self {
        Error::InvalidInput(InvalidInput {
            message: message.into(),
        })
    }

    /// Prefixes an `invalid_input` message with where the input was (a key, a step, a
    /// file), e.g. `key `policy``; any other error is returned as it is. For tools that read
    /// nested input and name the place of a refusal.
    ///
    /// ```
    /// use inquiry_lifecycle::{Error, Interval};
    ///
    /// let refused = "90x".parse::<Interval>().unwrap_err().within("key `ttl`");
    /// assert!(refused.detail().to_string().starts_with("key `ttl`: bad duration \"90x\""));
    /// assert_eq!(Error::InvalidToken.within("step 2"), Error::InvalidToken);
    /// ```
    pub fn within(self, place: impl fmt::Display) -> Self {
        match self {
            Error::InvalidInput(input) => {
                Error::invalid_input(format!("{place}: {}", input.message))
            }
            other => other,
        }
    }

    /// The refusal of an access or a redemption (`attempted`), from its code in the access
    /// table (or L4) and its context.
    pub(crate) fn access_refusal(
        attempted: Attempt,
        code: ErrorCode,
        status: Status,
        session: Option<SessionId>,
    ) -> Self {
        match (code, session) {
            (ErrorCode::Redacted, _) => Error::Redacted { attempted },
            (ErrorCode::InquiryExpired, _) => Error::InquiryExpired { attempted },
            (ErrorCode::InquiryFinished, _) => Error::InquiryFinished { status },
            (ErrorCode::SessionRequired, _) => Error::SessionRequired,
            (ErrorCode::SessionExpired, Some(session)) => Error::SessionExpired { session },
            (ErrorCode::LinkUsed, Some(session)) => Error::LinkUsed { session },
            _ => Error::InvalidToken,
        }
    }

    /// What went wrong, with the rule IDs that refused it, without the code in front: the
    /// `detail` of a JSON:API error object, say. `Display` is the code, `": "`, and this.
    ///
    /// ```
    /// use inquiry_lifecycle::{Error, Status};
    /// let refusal = Error::NotResumable { status: Status::Approved };
    /// assert!(refusal.detail().to_string().starts_with("an approved inquiry"));
    /// assert_eq!(refusal.to_string(), format!("not_resumable: {}", refusal.detail()));
    /// ```
    pub fn detail(&self) -> impl fmt::Display + '_ {
        Detail(self)
    }

    /// The stable machine-readable code.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::InvalidTransition { .. } => ErrorCode::InvalidTransition,
            Error::NotResumable { .. } => ErrorCode::NotResumable,
            Error::DecisionFinal { .. } => ErrorCode::DecisionFinal,
            Error::Redacted { .. } => ErrorCode::Redacted,
            Error::InquiryExpired { .. } => ErrorCode::InquiryExpired,
            Error::InquiryFinished { .. } => ErrorCode::InquiryFinished,
            Error::SessionRequired => ErrorCode::SessionRequired,
            Error::InvalidToken => ErrorCode::InvalidToken,
            Error::SessionExpired { .. } => ErrorCode::SessionExpired,
            Error::LinkUsed { .. } => ErrorCode::LinkUsed,
            Error::InvalidInput(_) => ErrorCode::InvalidInput,
            Error::ClockOutOfRange { .. } => ErrorCode::ClockOutOfRange,
            Error::CountersExhausted { .. } => ErrorCode::CountersExhausted,
            Error::RandomSourceRepeats => ErrorCode::RandomSourceFailed,
        }
    }

    /// The HTTP status a REST API built on this library answers; see [`ErrorCode::http_status`].
    pub fn http_status(&self) -> u16 {
        self.code().http_status()
    }
}

impl fmt::Display for Error {
    /// The code, then the [detail](Error::detail): `not_resumable: an approved inquiry …`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.detail())
    }
}

/// An error's message without its code; see [`Error::detail`].
struct Detail<'a>(&'a Error);

impl fmt::Display for Detail<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Error::InvalidTransition { action, status } => {
                let (from, rule) = rules::applies_to(*action);
                write!(
                    f,
                    "cannot {} when {}; {} applies only to {} ({rule})",
                    action.verb(),
                    status.described(),
                    action.verb(),
                    from
                )
            }
            Error::NotResumable { status } => write!(
                f,
                "{}; only created, pending or expired inquiries can be resumed (T6, T7)",
                status.described()
            ),
            Error::DecisionFinal { action, status } => write!(
                f,
                "{} and decisions are final; it cannot {} any more (T9, T10)",
                status.described(),
                action.verb()
            ),
            Error::Redacted {
                attempted: attempted @ (Attempt::Access | Attempt::Redeem),
            } => write!(
                f,
                "the inquiry is redacted and frozen; {attempted} is refused (T11; access table, row \"redacted\")"
            ),
            Error::Redacted { attempted } => write!(
                f,
                "the inquiry is redacted and frozen; {attempted} is refused, only a repeated redact succeeds (T11)"
            ),
            Error::InquiryExpired {
                attempted: Attempt::Redeem,
            } => f.write_str(
                "the inquiry expired, so its one-time links no longer open it; resume it first, then create a new link (L3, T7; access table, row \"expired\")",
            ),
            Error::InquiryExpired {
                attempted: Attempt::Access,
            } => f.write_str(
                "the inquiry expired and nobody can open it; resume it to hand out a new session token (E4, T7; access table, row \"expired\")",
            ),
            Error::InquiryExpired { attempted } => write!(
                f,
                "the inquiry expired, so {attempted} is refused; resume it first (T5, T7)"
            ),
            Error::InquiryFinished { status } => write!(
                f,
                "{}; nobody can open it any more (S6; access table, row \"done or post-inquiry\")",
                status.described()
            ),
            Error::SessionRequired => f.write_str(
                "a pending inquiry opens only with a valid session token; resume the inquiry to issue one (S3, T6; access table, row \"pending\", column \"no token\")",
            ),
            Error::InvalidToken => f.write_str(
                "the token or link code is not the current one of a kept session of this inquiry (A1, A2, S2, S7, L4; access table, column \"wrong or forged token\")",
            ),
            Error::SessionExpired { session } => write!(
                f,
                "session {session} has expired; resume the inquiry to issue a new token (S5, S6, L4; access table, column \"token of an expired session\")"
            ),
            Error::LinkUsed { session } => write!(
                f,
                "the one-time link of session {session} was redeemed more than 5 minutes ago; use the session token it handed out, or create a new link (L3, L4)"
            ),
            Error::InvalidInput(input) => f.write_str(input.message()),
            Error::ClockOutOfRange { now } => write!(
                f,
                "now ({now}) is outside the instants this library records, {} to {}: deadlines and session ends must stay representable; check the service's clock (E3, S5)",
                crate::EARLIEST_NOW,
                crate::LATEST_NOW
            ),
            Error::CountersExhausted {
                revision,
                last_sequence,
            } => write!(
                f,
                "the inquiry has used up its changes: revision {revision} or sequence {last_sequence} is too near 2^53, the largest a record keeps, for another call (V1, V3)"
            ),
            Error::RandomSourceRepeats => f.write_str(
                "the random source gave a session id, token or link code already in use, three times over (S1, S2, L2): is it seeded the same way twice? Use SecureRandom in production",
            ),
        }
    }
}

/// The stable, machine-readable code of an [`Error`]; serialized as its snake_case name.
///
/// ```
/// use inquiry_lifecycle::ErrorCode;
/// assert_eq!(ErrorCode::NotResumable.as_str(), "not_resumable");
/// assert_eq!(ErrorCode::NotResumable.http_status(), 409);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// `invalid_transition`: the action does not apply to the status.
    InvalidTransition,
    /// `not_resumable`: resume on a finished or post-inquiry status.
    NotResumable,
    /// `decision_final`: a contrary decision on a decided inquiry.
    DecisionFinal,
    /// `redacted`: any action but redact on a redacted inquiry.
    Redacted,
    /// `inquiry_expired`: start, complete, fail, link, redeem or access on an expired inquiry.
    InquiryExpired,
    /// `inquiry_finished`: access to a done or post-inquiry inquiry.
    InquiryFinished,
    /// `session_required`: access to a pending inquiry without a token.
    SessionRequired,
    /// `invalid_token`: a token that belongs to no kept session of this inquiry.
    InvalidToken,
    /// `session_expired`: a token of this inquiry whose session expired.
    SessionExpired,
    /// `link_used`: a one-time link redeemed again after its grace period (L3).
    LinkUsed,
    /// `invalid_input`: malformed input.
    InvalidInput,
    /// `clock_out_of_range`: the embedding service's `now` is outside the recorded range.
    ClockOutOfRange,
    /// `counters_exhausted`: the inquiry has used up its changes.
    CountersExhausted,
    /// `random_source_failed`: the random source repeats itself.
    RandomSourceFailed,
}

impl ErrorCode {
    /// Every code, in the rule book's order.
    pub const ALL: [ErrorCode; 14] = [
        ErrorCode::InvalidTransition,
        ErrorCode::NotResumable,
        ErrorCode::DecisionFinal,
        ErrorCode::Redacted,
        ErrorCode::InquiryExpired,
        ErrorCode::InquiryFinished,
        ErrorCode::SessionRequired,
        ErrorCode::InvalidToken,
        ErrorCode::SessionExpired,
        ErrorCode::LinkUsed,
        ErrorCode::InvalidInput,
        ErrorCode::ClockOutOfRange,
        ErrorCode::CountersExhausted,
        ErrorCode::RandomSourceFailed,
    ];

    /// The wire name, e.g. `"session_expired"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidTransition => "invalid_transition",
            ErrorCode::NotResumable => "not_resumable",
            ErrorCode::DecisionFinal => "decision_final",
            ErrorCode::Redacted => "redacted",
            ErrorCode::InquiryExpired => "inquiry_expired",
            ErrorCode::InquiryFinished => "inquiry_finished",
            ErrorCode::SessionRequired => "session_required",
            ErrorCode::InvalidToken => "invalid_token",
            ErrorCode::SessionExpired => "session_expired",
            ErrorCode::LinkUsed => "link_used",
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::ClockOutOfRange => "clock_out_of_range",
            ErrorCode::CountersExhausted => "counters_exhausted",
            ErrorCode::RandomSourceFailed => "random_source_failed",
        }
    }

    /// When this code is answered, in one line (rule book, "Errors").
    pub const fn description(self) -> &'static str {
        match self {
            ErrorCode::InvalidTransition => "the action does not apply to the status",
            ErrorCode::NotResumable => {
                "resume on completed, failed, needs_review, approved, declined"
            }
            ErrorCode::DecisionFinal => "a contrary decision on an approved or declined inquiry",
            ErrorCode::Redacted => "any action but redact on a redacted inquiry",
            ErrorCode::InquiryExpired => {
                "start, complete, fail, link, redeem or access on an expired inquiry"
            }
            ErrorCode::InquiryFinished => "access to a done or post-inquiry inquiry",
            ErrorCode::SessionRequired => "access to a pending inquiry without a token",
            ErrorCode::InvalidToken => {
                "a token or code that is not the current one of a kept session of this inquiry"
            }
            ErrorCode::SessionExpired => "a token of this inquiry whose session expired",
            ErrorCode::LinkUsed => "a one-time link redeemed again after its grace period (L3)",
            ErrorCode::InvalidInput => {
                "a malformed id, token, interval, policy, stored record or scenario"
            }
            ErrorCode::ClockOutOfRange => {
                "the service's now is outside 1970-01-01 to 9989-12-31 (its clock is wrong)"
            }
            ErrorCode::CountersExhausted => {
                "the inquiry's revision or sequence is too near 2^53 for another change"
            }
            ErrorCode::RandomSourceFailed => {
                "the random source repeats itself (broken, or seeded twice the same way)"
            }
        }
    }

    /// The HTTP status a REST API answers with for this code (rule book, "Errors").
    pub const fn http_status(self) -> u16 {
        match self {
            ErrorCode::InvalidTransition
            | ErrorCode::NotResumable
            | ErrorCode::DecisionFinal
            | ErrorCode::Redacted => 409,
            ErrorCode::InquiryExpired | ErrorCode::LinkUsed => 410,
            ErrorCode::InquiryFinished => 403,
            ErrorCode::SessionRequired | ErrorCode::InvalidToken | ErrorCode::SessionExpired => 401,
            ErrorCode::InvalidInput => 422,
            ErrorCode::CountersExhausted => 409,
            ErrorCode::ClockOutOfRange | ErrorCode::RandomSourceFailed => 500,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ErrorCode {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ErrorCode::ALL
            .into_iter()
            .find(|code| code.as_str() == s)
            .ok_or_else(|| Error::invalid_input(format!("unknown error code {s:?}")))
    }
}
