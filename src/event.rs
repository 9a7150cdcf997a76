//! Events: every change comes out as events, in order (rules V1–V3).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{InquiryId, SessionId, Status};

/// What happened; serialized as the rule book's dotted name, e.g. `inquiry.marked-for-review`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum EventName {
    /// `inquiry.created` (T1).
    #[serde(rename = "inquiry.created")]
    InquiryCreated,
    /// `inquiry.started` (T2).
    #[serde(rename = "inquiry.started")]
    InquiryStarted,
    /// `inquiry.expired` (T5, E4).
    #[serde(rename = "inquiry.expired")]
    InquiryExpired,
    /// `inquiry.resumed` (T6, T7).
    #[serde(rename = "inquiry.resumed")]
    InquiryResumed,
    /// `inquiry.completed` (T3).
    #[serde(rename = "inquiry.completed")]
    InquiryCompleted,
    /// `inquiry.failed` (T4).
    #[serde(rename = "inquiry.failed")]
    InquiryFailed,
    /// `inquiry.marked-for-review` (T8).
    #[serde(rename = "inquiry.marked-for-review")]
    InquiryMarkedForReview,
    /// `inquiry.approved` (T9).
    #[serde(rename = "inquiry.approved")]
    InquiryApproved,
    /// `inquiry.declined` (T10).
    #[serde(rename = "inquiry.declined")]
    InquiryDeclined,
    /// `inquiry.redacted` (T11).
    #[serde(rename = "inquiry.redacted")]
    InquiryRedacted,
    /// `inquiry-session.created` (S3).
    #[serde(rename = "inquiry-session.created")]
    SessionCreated,
    /// `inquiry-session.started`: the first granted use of a session (A3).
    #[serde(rename = "inquiry-session.started")]
    SessionStarted,
    /// `inquiry-session.expired` (S4–S7).
    #[serde(rename = "inquiry-session.expired")]
    SessionExpired,
}

impl EventName {
    /// Every event name, inquiry events first (V2).
    pub const ALL: [EventName; 13] = [
        EventName::InquiryCreated,
        EventName::InquiryStarted,
        EventName::InquiryExpired,
        EventName::InquiryResumed,
        EventName::InquiryCompleted,
        EventName::InquiryFailed,
        EventName::InquiryMarkedForReview,
        EventName::InquiryApproved,
        EventName::InquiryDeclined,
        EventName::InquiryRedacted,
        EventName::SessionCreated,
        EventName::SessionStarted,
        EventName::SessionExpired,
    ];

    /// The wire name, e.g. `"inquiry-session.started"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            EventName::InquiryCreated => "inquiry.created",
            EventName::InquiryStarted => "inquiry.started",
            EventName::InquiryExpired => "inquiry.expired",
            EventName::InquiryResumed => "inquiry.resumed",
            EventName::InquiryCompleted => "inquiry.completed",
            EventName::InquiryFailed => "inquiry.failed",
            EventName::InquiryMarkedForReview => "inquiry.marked-for-review",
            EventName::InquiryApproved => "inquiry.approved",
            EventName::InquiryDeclined => "inquiry.declined",
            EventName::InquiryRedacted => "inquiry.redacted",
            EventName::SessionCreated => "inquiry-session.created",
            EventName::SessionStarted => "inquiry-session.started",
            EventName::SessionExpired => "inquiry-session.expired",
        }
    }

    /// Whether this is an `inquiry-session.*` event.
    pub const fn is_session_event(self) -> bool {
        matches!(
            self,
            EventName::SessionCreated | EventName::SessionStarted | EventName::SessionExpired
        )
    }
}

impl fmt::Display for EventName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for EventName {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventName::ALL
            .into_iter()
            .find(|name| name.as_str() == s)
            .ok_or_else(|| crate::Error::invalid_input(format!("unknown event name {s:?}")))
    }
}

/// One change to one inquiry (rule V1).
///
/// `sequence` runs 1, 2, 3, … per inquiry without gaps: it orders events and lets a
/// consumer drop duplicates. Session events carry the session's id and the inquiry's
/// status at that moment as both `status_before` and `status_after`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// What happened.
    pub name: EventName,
    /// The inquiry it happened to.
    pub inquiry_id: InquiryId,
    /// When it happened (for a due expiry, the deadline itself: rule E4).
    pub at: DateTime<Utc>,
    /// The inquiry's status before; `None` only for `inquiry.created`.
    pub status_before: Option<Status>,
    /// The inquiry's status after.
    pub status_after: Status,
    /// The session concerned, for `inquiry-session.*` events.
    pub session_id: Option<SessionId>,
    /// The event's place in the inquiry's history, from 1.
    pub sequence: u64,
}
