//! Inquiry statuses and their phases.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where an inquiry stands in its lifecycle.
///
/// The wire names (serde, [`Status::as_str`], [`fmt::Display`]) are the rule book's
/// snake_case strings: `created`, `pending`, `expired`, `completed`, `failed`,
/// `needs_review`, `approved`, `declined`.
///
/// ```
/// use inquiry_lifecycle::Status;
/// assert_eq!(Status::NeedsReview.as_str(), "needs_review");
/// assert_eq!("approved".parse::<Status>().unwrap(), Status::Approved);
/// assert!(Status::Pending.is_live());
/// assert!(Status::Declined.is_decided());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Created; anyone with the link may open it, no token needed.
    Created,
    /// The person has begun; only the holder of a valid session token may open it.
    Pending,
    /// The deadline passed (or an explicit expire); nobody may open it, it may be resumed.
    Expired,
    /// All required checks passed; the flow is finished.
    Completed,
    /// A required check failed and attempts are exhausted.
    Failed,
    /// Waiting for a human review.
    NeedsReview,
    /// Decided: approved. Final.
    Approved,
    /// Decided: declined. Final.
    Declined,
}

/// The phase a [`Status`] belongs to (rule book, "Statuses").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// `created`.
    Created,
    /// `pending`.
    Pending,
    /// `expired`, `completed`, `failed`.
    Done,
    /// `needs_review`, `approved`, `declined`.
    PostInquiry,
}

impl Status {
    /// Every status, in lifecycle order.
    pub const ALL: [Status; 8] = [
        Status::Created,
        Status::Pending,
        Status::Expired,
        Status::Completed,
        Status::Failed,
        Status::NeedsReview,
        Status::Approved,
        Status::Declined,
    ];

    /// The wire name, e.g. `"needs_review"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Pending => "pending",
            Status::Expired => "expired",
            Status::Completed => "completed",
            Status::Failed => "failed",
            Status::NeedsReview => "needs_review",
            Status::Approved => "approved",
            Status::Declined => "declined",
        }
    }

    /// The phase of this status.
    pub const fn phase(self) -> Phase {
        match self {
            Status::Created => Phase::Created,
            Status::Pending => Phase::Pending,
            Status::Expired | Status::Completed | Status::Failed => Phase::Done,
            Status::NeedsReview | Status::Approved | Status::Declined => Phase::PostInquiry,
        }
    }

    /// `created` or `pending`: the person can still make progress, sessions can live,
    /// and the inquiry has a deadline.
    pub const fn is_live(self) -> bool {
        matches!(self, Status::Created | Status::Pending)
    }

    /// `approved` or `declined`: final.
    pub const fn is_decided(self) -> bool {
        matches!(self, Status::Approved | Status::Declined)
    }

    /// A short phrase for explanations, e.g. "an approved inquiry is decided".
    pub(crate) const fn described(self) -> &'static str {
        match self {
            Status::Created => "a created inquiry is live",
            Status::Pending => "a pending inquiry is live",
            Status::Expired => "an expired inquiry is past its deadline",
            Status::Completed => "a completed inquiry is finished",
            Status::Failed => "a failed inquiry is finished",
            Status::NeedsReview => "an inquiry in needs_review awaits a decision",
            Status::Approved => "an approved inquiry is decided",
            Status::Declined => "a declined inquiry is decided",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Status {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| {
                crate::Error::invalid_input(format!(
                    "unknown status {s:?}; expected one of created, pending, expired, completed, failed, needs_review, approved, declined"
                ))
            })
    }
}
