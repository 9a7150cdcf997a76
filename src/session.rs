//! Sessions: what lets one person open a live inquiry (rules S1–S7).

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::id::Truncated;
use crate::{Error, SessionId, TokenDigest};

/// At most this many session records are kept per inquiry, live or expired (rule S7).
pub const MAX_SESSIONS: usize = 25;

/// How long after its first redemption a one-time link may be redeemed again (rule L3): a
/// reload, or a mail scanner's prefetch, does not lock the person out.
pub const LINK_GRACE: TimeDelta = TimeDelta::minutes(5);

/// What a session's bearer presents to open it (rules S1, L1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bearer {
    /// A session token, handed out by start or resume (S3).
    Token,
    /// A one-time link's code (L1), exchanged for session tokens by redeeming it (L3).
    Link,
}

impl Bearer {
    /// Both kinds.
    pub const ALL: [Bearer; 2] = [Bearer::Token, Bearer::Link];

    /// The wire name: `token` or `link`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Bearer::Token => "token",
            Bearer::Link => "link",
        }
    }
}

impl fmt::Display for Bearer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Bearer {
    type Err = Error;

    /// Reads a wire name; anything else is `invalid_input`.
    fn from_str(text: &str) -> Result<Self, Error> {
        Bearer::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "unknown session kind {:?}; expected token or link",
                    Truncated(text)
                ))
            })
    }
}

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
    /// All three.
    pub const ALL: [SessionStatus; 3] = [
        SessionStatus::New,
        SessionStatus::Active,
        SessionStatus::Expired,
    ];

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

impl std::str::FromStr for SessionStatus {
    type Err = Error;

    /// Reads a wire name; anything else is `invalid_input`.
    fn from_str(text: &str) -> Result<Self, Error> {
        SessionStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "unknown session status {:?}; expected new, active or expired",
                    Truncated(text)
                ))
            })
    }
}

/// One session record of an inquiry. It keeps the digests of its token and link code,
/// never the secrets.
///
/// Serialized with `bearer` (`"token"` or `"link"`); a record without it is a token session
/// opened by version 0.1, whose token carries no selector (S2, revision 2), and is written
/// back without it, so that it keeps that meaning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    id: SessionId,
    /// `None`: a token session of version 0.1 (its token has no selector).
    #[serde(skip_serializing_if = "Option::is_none")]
    bearer: Option<Bearer>,
    /// The digest of the current session token; a link session has one once redeemed.
    #[serde(skip_serializing_if = "Option::is_none")]
    token_digest: Option<TokenDigest>,
    /// The digest of a link session's code (L2).
    #[serde(skip_serializing_if = "Option::is_none")]
    link_digest: Option<TokenDigest>,
    created_at: DateTime<Utc>,
    /// S5: the inquiry's deadline as it stood when the session was opened.
    ends_at: DateTime<Utc>,
    /// S5: while the session is `new`, it ends here: one token TTL after its token was
    /// issued (S4b restarts it), or for a link session one link TTL after the link was
    /// created (L2).
    unused_until: DateTime<Utc>,
    first_used_at: Option<DateTime<Utc>>,
    expired_at: Option<DateTime<Utc>>,
}

impl Session {
    /// A new session whose bearer presents `digest`'s secret (a token's or a link code's).
    pub(crate) fn open(
        id: SessionId,
        bearer: Bearer,
        digest: TokenDigest,
        created_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        unused_until: DateTime<Utc>,
    ) -> Self {
        let (token_digest, link_digest) = match bearer {
            Bearer::Token => (Some(digest), None),
            Bearer::Link => (None, Some(digest)),
        };
        Session {
            id,
            bearer: Some(bearer),
            token_digest,
            link_digest,
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

    /// Whether the session was opened with a token (start, resume) or a link (L1).
    pub fn bearer(&self) -> Bearer {
        self.bearer.unwrap_or(Bearer::Token)
    }

    /// Whether the session was opened by version 0.1, before tokens carried a selector: a
    /// token without a selector is compared only with such sessions (S2, revision 2).
    pub fn is_from_revision_1(&self) -> bool {
        self.bearer.is_none()
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

    pub(crate) fn token_digest(&self) -> Option<&TokenDigest> {
        self.token_digest.as_ref()
    }

    pub(crate) fn link_digest(&self) -> Option<&TokenDigest> {
        self.link_digest.as_ref()
    }

    /// The digests the record keeps: its token's and its link code's, where it has them.
    pub(crate) fn digests(&self) -> impl Iterator<Item = &TokenDigest> {
        self.token_digest.iter().chain(&self.link_digest)
    }

    /// L3: the session's token is replaced; the previous one stops working.
    pub(crate) fn replace_token(&mut self, digest: TokenDigest) {
        self.token_digest = Some(digest);
        // A session issued by version 0.1 gets a token with a selector from now on.
        self.bearer = Some(self.bearer());
    }

    /// S4b: an unused token session gets a fresh token, and its unused-token TTL restarts
    /// (`unused_until`, one TTL after the fresh token; its end, S5, stays).
    pub(crate) fn reissue(&mut self, digest: TokenDigest, unused_until: DateTime<Utc>) {
        self.replace_token(digest);
        self.unused_until = unused_until;
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
    #[serde(default)]
    bearer: Option<Bearer>,
    #[serde(default)]
    token_digest: Option<TokenDigest>,
    #[serde(default)]
    link_digest: Option<TokenDigest>,
    created_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    unused_until: DateTime<Utc>,
    first_used_at: Option<DateTime<Utc>>,
    expired_at: Option<DateTime<Utc>>,
}

impl<'de> serde::Deserialize<'de> for Session {
    /// Reads the stored form and checks it; a refusal is the library's detail, which
    /// the record loader places at its JSON path under `invalid_input`.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = UncheckedSession::deserialize(deserializer)?;
        Session::try_from(raw).map_err(crate::record::de_error)
    }
}

impl TryFrom<UncheckedSession> for Session {
    type Error = Error;

    fn try_from(raw: UncheckedSession) -> Result<Self, Error> {
        let bearer = raw.bearer.unwrap_or(Bearer::Token);
        let problem = if bearer == Bearer::Token
            && (raw.token_digest.is_none() || raw.link_digest.is_some())
        {
            Some("a token session has exactly a token digest (S2)")
        } else if bearer == Bearer::Link
            && (raw.link_digest.is_none()
                || raw.token_digest.is_some() != raw.first_used_at.is_some())
        {
            Some("a link session has a code digest, and a token digest once redeemed (L2, L3)")
        } else if raw.ends_at <= raw.created_at || raw.unused_until <= raw.created_at {
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
                bearer: raw.bearer,
                token_digest: raw.token_digest,
                link_digest: raw.link_digest,
                created_at: raw.created_at,
                ends_at: raw.ends_at,
                unused_until: raw.unused_until,
                first_used_at: raw.first_used_at,
                expired_at: raw.expired_at,
            }),
        }
    }
}
