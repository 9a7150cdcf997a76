//! Sessions: what lets one person open a live inquiry (rules S1–S7).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{Error, SessionId, TokenDigest};

/// At most this many session records are kept per inquiry, live or expired (rule S7).
pub const MAX_SESSIONS: usize = 25;

/// A session's status (rule S1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// Issued, never used.
    New,
    /// Used at least once (rule A3).
    Active,
    /// Over: superseded, timed out, or ended with the inquiry's live statuses.
    Expired,
}

impl SessionStatus {
    /// The wire name.
    pub const fn as_str(self) -> &'static str {
        match self {
            SessionStatus::New => "new",
            SessionStatus::Active => "active",
            SessionStatus::Expired => "expired",
        }
    }
}

impl fmt::Display for SessionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One session record of an inquiry. It keeps the token's digest, never the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "UncheckedSession", deny_unknown_fields)]
pub struct Session {
    id: SessionId,
    token_digest: TokenDigest,
    created_at: DateTime<Utc>,
    /// S5: the inquiry's deadline as it stood when the session was opened.
    ends_at: DateTime<Utc>,
    /// S5: `created_at` plus the token TTL; applies only while the session is `new`.
    unused_until: DateTime<Utc>,
    first_used_at: Option<DateTime<Utc>>,
    expired_at: Option<DateTime<Utc>>,
}

impl Session {
    pub(crate) fn open(
        id: SessionId,
        token_digest: TokenDigest,
        created_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        unused_until: DateTime<Utc>,
    ) -> Self {
        Session {
            id,
            token_digest,
            created_at,
            ends_at,
            unused_until,
            first_used_at: None,
            expired_at: None,
        }
    }

    /// The session's id.
    pub fn id(&self) -> SessionId {
        self.id
    }

    /// `new`, `active` or `expired`, as recorded (see [`Session::is_live_at`] for a given time).
    pub fn status(&self) -> SessionStatus {
        match (self.expired_at, self.first_used_at) {
            (Some(_), _) => SessionStatus::Expired,
            (None, Some(_)) => SessionStatus::Active,
            (None, None) => SessionStatus::New,
        }
    }

    /// When the session was opened.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    /// When the session was first used, if it was.
    pub fn first_used_at(&self) -> Option<DateTime<Utc>> {
        self.first_used_at
    }

    /// When the session expired, if it has (as recorded).
    pub fn expired_at(&self) -> Option<DateTime<Utc>> {
        self.expired_at
    }

    /// When the session ends on its own if nothing ends it sooner (rule S5): the inquiry's
    /// deadline as it stood when the session was opened, or, while the session is still
    /// `new`, one token TTL after it was issued, whichever is sooner.
    pub fn expires_at(&self) -> DateTime<Utc> {
        match self.first_used_at {
            Some(_) => self.ends_at,
            None => self.ends_at.min(self.unused_until),
        }
    }

    /// Whether the session is `new` or `active` as recorded.
    pub fn is_live(&self) -> bool {
        self.expired_at.is_none()
    }

    /// Whether the session is live at `now`: not expired, and `now` before [`Session::expires_at`].
    pub fn is_live_at(&self, now: DateTime<Utc>) -> bool {
        self.is_live() && now < self.expires_at()
    }

    pub(crate) fn token_digest(&self) -> &TokenDigest {
        &self.token_digest
    }

    pub(crate) fn unused_until(&self) -> DateTime<Utc> {
        self.unused_until
    }

    pub(crate) fn mark_used(&mut self, now: DateTime<Utc>) {
        self.first_used_at = Some(now);
    }

    pub(crate) fn mark_expired(&mut self, at: DateTime<Utc>) {
        self.expired_at = Some(at);
    }
}

/// A session as read from storage, before its own invariants are checked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UncheckedSession {
    id: SessionId,
    token_digest: TokenDigest,
    created_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    unused_until: DateTime<Utc>,
    first_used_at: Option<DateTime<Utc>>,
    expired_at: Option<DateTime<Utc>>,
}

impl TryFrom<UncheckedSession> for Session {
    type Error = Error;

    fn try_from(raw: UncheckedSession) -> Result<Self, Error> {
        let problem = if raw.ends_at <= raw.created_at || raw.unused_until <= raw.created_at {
            Some("it ends before it was opened")
        } else if raw.first_used_at.is_some_and(|used| used < raw.created_at) {
            Some("it was first used before it was opened")
        } else if raw
            .expired_at
            .is_some_and(|expired| expired < raw.created_at)
        {
            Some("it expired before it was opened")
        } else if raw
            .first_used_at
            .zip(raw.expired_at)
            .is_some_and(|(used, expired)| used > expired)
        {
            Some("it was first used after it expired")
        } else if raw.first_used_at.is_some_and(|used| used >= raw.ends_at)
            || raw.expired_at.is_some_and(|expired| expired > raw.ends_at)
        {
            Some("it was used or expired after its end (S5)")
        } else {
            None
        };
        match problem {
            Some(problem) => Err(Error::invalid_input(format!(
                "stored session {}: {problem}",
                raw.id
            ))),
            None => Ok(Session {
                id: raw.id,
                token_digest: raw.token_digest,
                created_at: raw.created_at,
                ends_at: raw.ends_at,
                unused_until: raw.unused_until,
                first_used_at: raw.first_used_at,
                expired_at: raw.expired_at,
            }),
        }
    }
}
