//! The session records of one inquiry and every rule about them (S2–S7, A3): opening,
//! superseding, the cap, timing out, ending, and finding a token's session.
//!
//! The inquiry decides *when* (its status, the action, the time); this type decides *which*
//! sessions are touched and how. Each method that ends or starts sessions reports their ids
//! in order through `changed`, so that the inquiry records one event each (V1).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::de::{SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::rules::Presented;
use crate::session::{Session, SessionStatus, MAX_SESSIONS};
use crate::{Error, RandomSource, SessionId, SessionToken, TokenDigest};

/// The session records kept by one inquiry, oldest first; at most [`MAX_SESSIONS`] (S7).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub(crate) struct Sessions(Vec<Session>);

impl<'de> Deserialize<'de> for Sessions {
    /// Reads at most [`MAX_SESSIONS`] records: a 26th is refused before it is parsed, so a
    /// hostile record with 300,000 sessions costs no more than one with 26.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Bounded;

        impl<'de> Visitor<'de> for Bounded {
            type Value = Sessions;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "a list of at most {MAX_SESSIONS} session records")
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Sessions, A::Error> {
                let mut records =
                    Vec::with_capacity(seq.size_hint().unwrap_or(0).min(MAX_SESSIONS));
                while let Some(record) = seq.next_element::<Session>()? {
                    if records.len() == MAX_SESSIONS {
                        return Err(serde::de::Error::custom(Error::invalid_input(format!(
                            "more than {MAX_SESSIONS} session records; at most {MAX_SESSIONS} are kept (S7)"
                        ))));
                    }
                    records.push(record);
                }
                Ok(Sessions(records))
            }
        }

        deserializer.deserialize_seq(Bounded)
    }
}

impl std::ops::Deref for Sessions {
    type Target = [Session];

    fn deref(&self) -> &[Session] {
        &self.0
    }
}

/// What a token presented at `now` is, for the access table, and its session.
pub(crate) struct Presentation {
    /// The access table's column.
    pub(crate) presented: Presented,
    /// The kept session whose token it is, if any.
    pub(crate) session: Option<usize>,
}

impl Sessions {
    /// A1, A2, S2: what the person presents. A token is always checked, and only this
    /// inquiry's sessions match it; a kept session's token is valid while the session is
    /// live at `now`.
    pub(crate) fn present(&self, token: Option<&SessionToken>, now: DateTime<Utc>) -> Presentation {
        let Some(token) = token else {
            return Presentation {
                presented: Presented::NoToken,
                session: None,
            };
        };
        match self.find(token) {
            None => Presentation {
                presented: Presented::WrongToken,
                session: None,
            },
            Some((index, session)) => Presentation {
                presented: if session.is_live_at(now) {
                    Presented::ValidToken
                } else {
                    Presented::ExpiredSessionToken
                },
                session: Some(index),
            },
        }
    }

    /// S2: the record whose digest matches `token`. Every kept digest is compared, each in
    /// constant time, so the answer's timing does not depend on which one matched.
    fn find(&self, token: &SessionToken) -> Option<(usize, &Session)> {
        let digest = token.digest();
        let mut found = None;
        for (index, session) in self.0.iter().enumerate() {
            if *session.token_digest() == digest {
                found = Some((index, session));
            }
        }
        found
    }

    /// The id of the session at `index`, if kept.
    pub(crate) fn id_at(&self, index: usize) -> Option<SessionId> {
        self.0.get(index).map(Session::id)
    }

    /// A3: a granted use of the session at `index` at `now`. Returns its id, and whether
    /// this was its first use (which starts it: `new` becomes `active`).
    pub(crate) fn use_at(&mut self, index: usize, now: DateTime<Utc>) -> Option<(SessionId, bool)> {
        let session = self.0.get_mut(index)?;
        let first = session.status() == SessionStatus::New;
        if first {
            session.mark_used(now);
        }
        Some((session.id(), first))
    }

    /// S5: the earliest instant at which a live session times out, if any is live.
    pub(crate) fn next_expiry(&self) -> Option<DateTime<Utc>> {
        self.0
            .iter()
            .filter(|session| session.is_live())
            .map(Session::expires_at)
            .min()
    }

    /// How many sessions are live at `now` (the inquiry being live).
    pub(crate) fn live_at(&self, now: DateTime<Utc>) -> usize {
        self.0.iter().filter(|s| s.is_live_at(now)).count()
    }

    /// S5: ends, at `at`, every live session whose own expiry is `at`, oldest first.
    pub(crate) fn time_out(&mut self, at: DateTime<Utc>, mut changed: impl FnMut(SessionId)) {
        for session in &mut self.0 {
            if session.is_live() && session.expires_at() == at {
                session.mark_expired(at);
                changed(session.id());
            }
        }
    }

    /// S6: ends every live session at `at`, oldest first.
    pub(crate) fn end_all(&mut self, at: DateTime<Utc>, mut changed: impl FnMut(SessionId)) {
        for session in &mut self.0 {
            if session.is_live() {
                session.mark_expired(at);
                changed(session.id());
            }
        }
    }

    /// S1, S2: a new session's id and token, drawn from `random` (the token first). Neither
    /// may be one a kept record already has: a collision (which a sound source makes
    /// vanishingly rare, but a source seeded the same way twice makes certain) is drawn
    /// again, twice at most, and then refused rather than written into a record the loader
    /// would refuse.
    pub(crate) fn draw(
        &self,
        random: &mut dyn RandomSource,
    ) -> Result<(SessionId, SessionToken, TokenDigest), Error> {
        for _ in 0..3 {
            let token = SessionToken::generate(random);
            let id = SessionId::generate(random);
            let digest = token.digest();
            let taken = self
                .0
                .iter()
                .any(|s| s.id() == id || s.token_digest().same_stored_digest(&digest));
            if !taken {
                return Ok((id, token, digest));
            }
        }
        Err(Error::invalid_input(
            "the random source gave a session id or token already in use, three times over (S1, S2): is it seeded the same way twice? Use SecureRandom in production",
        ))
    }

    /// S3, S4, S7: opens the session `id` whose token has `digest` (from [`Sessions::draw`])
    /// at `now`, ending at `ends_at` (S5: the inquiry's deadline as it stands) and, unused,
    /// at `unused_until`.
    ///
    /// First every session still `new` expires (S4: the new one supersedes them), then, if
    /// 25 records are kept, the oldest expired record is dropped, or else the oldest live
    /// session expires and its record is dropped (S7). `changed` hears of each session
    /// ended, in that order.
    pub(crate) fn open(
        &mut self,
        id: SessionId,
        digest: TokenDigest,
        now: DateTime<Utc>,
        ends_at: DateTime<Utc>,
        unused_until: DateTime<Utc>,
        mut changed: impl FnMut(SessionId),
    ) {
        for session in &mut self.0 {
            if session.status() == SessionStatus::New {
                session.mark_expired(now);
                changed(session.id());
            }
        }
        if self.0.len() >= MAX_SESSIONS {
            match self.0.iter().position(|s| !s.is_live()) {
                Some(index) => {
                    self.0.remove(index);
                }
                // 25 records, none expired: the oldest is live, and there is one.
                None => {
                    let oldest = self.0.remove(0);
                    changed(oldest.id());
                }
            }
        }
        let session = Session::open(id, digest, now, ends_at, unused_until);
        self.0.push(session);
    }
}
