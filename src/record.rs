//! Reading a stored inquiry back: every invariant is checked, a broken record is refused.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

use crate::session::{Session, SessionStatus, MAX_SESSIONS};
use crate::{Error, Inquiry, InquiryId, Intervals, Status};

/// The largest revision or sequence number accepted: 2^53, the largest integer every JSON
/// reader keeps exactly. Reaching it would take 2^53 changes to one inquiry.
const MAX_COUNTER: u64 = 1 << 53;

/// An inquiry as read from storage, before its invariants are checked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredInquiry {
    id: InquiryId,
    status: Status,
    intervals: Intervals,
    created_at: DateTime<Utc>,
    started_at: Option<DateTime<Utc>>,
    resumed_at: Option<DateTime<Utc>>,
    expired_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    reviewed_at: Option<DateTime<Utc>>,
    decided_at: Option<DateTime<Utc>>,
    redacted_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
    revision: u64,
    last_sequence: u64,
    sessions: Vec<Session>,
}

impl<'de> Deserialize<'de> for Inquiry {
    /// Reads a stored inquiry and checks every invariant; a record that breaks one is
    /// refused with an `invalid_input` message naming the problem.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let stored = StoredInquiry::deserialize(deserializer)?;
        let mut inquiry = Inquiry {
            id: stored.id,
            status: stored.status,
            intervals: stored.intervals,
            created_at: stored.created_at,
            started_at: stored.started_at,
            resumed_at: stored.resumed_at,
            expired_at: stored.expired_at,
            finished_at: stored.finished_at,
            reviewed_at: stored.reviewed_at,
            decided_at: stored.decided_at,
            redacted_at: stored.redacted_at,
            updated_at: stored.updated_at,
            revision: stored.revision,
            last_sequence: stored.last_sequence,
            sessions: stored.sessions.into(),
            deadline: None,
        };
        inquiry.refresh_deadline();
        match inquiry.problem() {
            None => Ok(inquiry),
            Some(problem) => Err(serde::de::Error::custom(Error::invalid_input(format!(
                "stored inquiry {}: {problem}",
                inquiry.id
            )))),
        }
    }
}

impl Inquiry {
    /// The first broken invariant of this inquiry, if any; every reachable inquiry has none.
    fn problem(&self) -> Option<String> {
        let within = |stamp: Option<DateTime<Utc>>| {
            stamp.is_none_or(|at| self.created_at <= at && at <= self.updated_at)
        };
        let stamps = [
            ("started_at", self.started_at),
            ("resumed_at", self.resumed_at),
            ("expired_at", self.expired_at),
            ("finished_at", self.finished_at),
            ("reviewed_at", self.reviewed_at),
            ("decided_at", self.decided_at),
            ("redacted_at", self.redacted_at),
        ];
        if self.created_at > self.updated_at {
            return Some("created_at is after updated_at".to_owned());
        }
        if let Some((name, _)) = stamps.iter().find(|(_, stamp)| !within(*stamp)) {
            return Some(format!("{name} lies outside created_at..=updated_at"));
        }
        if self.revision == 0 || self.revision > MAX_COUNTER {
            return Some(format!(
                "revision {} is not between 1 and 2^53",
                self.revision
            ));
        }
        if self.last_sequence < self.revision || self.last_sequence > MAX_COUNTER {
            return Some(format!(
                "last_sequence {} is below the revision {} or above 2^53 (every change yields an event)",
                self.last_sequence, self.revision
            ));
        }
        if let Some(problem) = self.status_problem() {
            return Some(problem.to_owned());
        }
        self.sessions_problem()
    }

    /// The timestamps each status requires, those a `created` inquiry cannot have, and a
    /// live deadline still ahead of the last change.
    fn status_problem(&self) -> Option<&'static str> {
        let moved = [
            self.started_at,
            self.resumed_at,
            self.expired_at,
            self.finished_at,
            self.reviewed_at,
            self.decided_at,
        ];
        let problem = match self.status {
            Status::Created if moved.iter().any(Option::is_some) => {
                Some("a created inquiry has been started, expired or decided")
            }
            Status::Pending if self.started_at.or(self.resumed_at).is_none() => {
                Some("pending with neither started_at nor resumed_at")
            }
            Status::Expired if self.expired_at.is_none() => Some("expired with no expired_at"),
            Status::Completed | Status::Failed if self.finished_at.is_none() => {
                Some("completed or failed with no finished_at")
            }
            Status::NeedsReview if self.reviewed_at.is_none() => {
                Some("needs_review with no reviewed_at")
            }
            Status::Approved | Status::Declined if self.decided_at.is_none() => {
                Some("approved or declined with no decided_at")
            }
            _ => None,
        };
        problem.or_else(|| {
            self.deadline()
                .is_some_and(|deadline| deadline <= self.updated_at)
                .then_some("a live inquiry whose deadline passed before its last change (E4)")
        })
    }

    /// S1–S7 on the session records.
    fn sessions_problem(&self) -> Option<String> {
        if self.sessions.len() > MAX_SESSIONS {
            return Some(format!(
                "{} session records; at most {MAX_SESSIONS} are kept (S7)",
                self.sessions.len()
            ));
        }
        let may_have_live = self.status.is_live() && !self.is_redacted();
        let mut new_sessions = 0;
        for (index, session) in self.sessions.iter().enumerate() {
            let id = session.id();
            let earlier = self.sessions.get(..index).unwrap_or_default();
            let problem = if earlier.iter().any(|other| other.id() == id) {
                Some("its id is used twice")
            } else if earlier.iter().any(|other| {
                other
                    .token_digest()
                    .same_stored_digest(session.token_digest())
            }) {
                Some("its token digest is used twice")
            } else if earlier
                .last()
                .is_some_and(|prev| prev.created_at() > session.created_at())
            {
                Some("records are not in the order they were opened")
            } else if session.created_at() < self.created_at
                || session.created_at() > self.updated_at
                || session
                    .first_used_at()
                    .is_some_and(|at| at > self.updated_at)
                || session.expired_at().is_some_and(|at| at > self.updated_at)
            {
                Some("it lies outside created_at..=updated_at")
            } else if session.unused_until()
                != self.intervals.session_token_ttl.after(session.created_at())
            {
                Some("its unused_until is not created_at plus the token TTL (S5)")
            } else if session.is_live() && !may_have_live {
                Some("it is live on an inquiry that is not live (S6)")
            } else if session.is_live() && session.expires_at() <= self.updated_at {
                Some("it is live past its expiry (S5)")
            } else {
                None
            };
            if let Some(problem) = problem {
                return Some(format!("session {id}: {problem}"));
            }
            if session.status() == SessionStatus::New {
                new_sessions += 1;
            }
        }
        (new_sessions > 1).then(|| {
            format!("{new_sessions} sessions are new; a new session supersedes the others (S4)")
        })
    }
}
