//! The session records of one inquiry and every rule about them (S2–S7, A3, L2–L4):
//! opening, superseding, reusing, the cap, timing out, ending, and finding the session of a
//! token or a link code.
//!
//! The inquiry decides *when* (its status, the action, the time); this type decides *which*
//! sessions are touched and how. Each method that ends or starts sessions reports their ids
//! in order through `changed`, so that the inquiry records one event each (V1).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::de::{SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::rules::Presented;
use crate::session::{Bearer, Session, SessionStatus, LINK_GRACE, MAX_SESSIONS};
use crate::token::Issued;
use crate::{Error, LinkCode, RandomSource, SessionId, SessionToken, TokenDigest};

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
                        return Err(crate::record::de_error(Error::invalid_input(format!(
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

/// Why a link code is refused (L4), before anything changes.
pub(crate) enum LinkRefusal {
    /// No kept link session issued it.
    InvalidToken,
    /// Its session ended, or its link was not redeemed within its TTL.
    SessionExpired(SessionId),
    /// Redeemed, and the grace after the first redemption is over.
    LinkUsed(SessionId),
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

    /// S2 (revision 2): the session whose *current* token `token` is. The selector names
    /// the session and its verifier's digest is compared once, in constant time, so the
    /// cost does not depend on how many sessions are kept. A token without a selector
    /// (revision 1) is compared with each session opened by revision 1, each in constant
    /// time.
    fn find(&self, token: &SessionToken) -> Option<(usize, &Session)> {
        let digest = token.digest();
        let current = |session: &Session| session.token_digest() == Some(&digest);
        match token.session() {
            Some(id) => self.by_id(id).filter(|(_, session)| current(session)),
            None => {
                let mut found = None;
                for (index, session) in self.0.iter().enumerate() {
                    if session.is_from_revision_1() && current(session) {
                        found = Some((index, session));
                    }
                }
                found
            }
        }
    }

    /// S2, L4: the kept record a selector names, with its index.
    fn by_id(&self, id: SessionId) -> Option<(usize, &Session)> {
        self.0
            .iter()
            .enumerate()
            .find(|(_, session)| session.id() == id)
    }

    /// L4: the link session `code` opens at `now`, or why not. The verifier is checked
    /// before the session's state: a code no kept link session issued is `invalid_token`
    /// whatever else holds.
    pub(crate) fn redeemable(
        &self,
        code: &LinkCode,
        now: DateTime<Utc>,
    ) -> Result<(usize, SessionId), LinkRefusal> {
        let digest = code.digest();
        let (index, session) = code
            .session()
            .and_then(|id| self.by_id(id))
            .filter(|(_, session)| session.link_digest() == Some(&digest))
            .ok_or(LinkRefusal::InvalidToken)?;
        if !session.is_live_at(now) {
            return Err(LinkRefusal::SessionExpired(session.id()));
        }
        match session.first_used_at() {
            Some(first)
                if first
                    .checked_add_signed(LINK_GRACE)
                    .is_some_and(|grace_end| now >= grace_end) =>
            {
                Err(LinkRefusal::LinkUsed(session.id()))
            }
            _ => Ok((index, session.id())),
        }
    }

    /// S4b: the token session that a resume at `now` reuses: one still `new` and live at
    /// `now` (there is at most one: S4a and S4b never leave two). Link sessions are never
    /// reused.
    pub(crate) fn reusable(&self, now: DateTime<Utc>) -> Option<(usize, SessionId)> {
        self.0
            .iter()
            .enumerate()
            .rfind(|(_, session)| {
                session.bearer() == Bearer::Token
                    && session.status() == SessionStatus::New
                    && session.is_live_at(now)
            })
            .map(|(index, session)| (index, session.id()))
    }

    /// S4b: gives the unused token session at `index` (from [`Sessions::reusable`]) the
    /// token whose digest is `digest` (from [`Sessions::draw_token`]); its previous token
    /// stops working and its unused-token TTL restarts at `unused_until`.
    pub(crate) fn reissue(
        &mut self,
        index: usize,
        digest: TokenDigest,
        unused_until: DateTime<Utc>,
    ) {
        if let Some(session) = self.0.get_mut(index) {
            session.reissue(digest, unused_until);
        }
    }

    /// L3: gives the redeemed link session at `index` the token whose digest is `digest`;
    /// the previous one from that link stops working.
    pub(crate) fn replace_token(&mut self, index: usize, digest: TokenDigest) {
        if let Some(session) = self.0.get_mut(index) {
            session.replace_token(digest);
        }
    }

    /// The id of the session at `index`, if kept.
    pub(crate) fn id_at(&self, index: usize) -> Option<SessionId> {
        self.0.get(index).map(Session::id)
    }

    /// A3, L3: a granted use of the session at `index` at `now`. Returns its id, and
    /// whether this was its first use (which starts it: `new` becomes `active`).
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

    /// S1, S2, L2: a new session's id, and its bearer's secret (a token or a link code
    /// naming that id) with the secret's digest, drawn from `random` (the secret first, as
    /// version 0.1 drew them). Neither may be one a kept record already has: a collision
    /// (which a sound source makes vanishingly rare, but a source seeded the same way twice
    /// makes certain) is drawn again, twice at most, and then refused rather than written
    /// into a record the loader would refuse.
    pub(crate) fn draw<T: Issued>(
        &self,
        random: &mut dyn RandomSource,
    ) -> Result<(SessionId, T, TokenDigest), Error> {
        for _ in 0..3 {
            let secret = T::draw(random);
            let id = SessionId::generate(random);
            let digest = secret.digest();
            if self.by_id(id).is_none() && !self.holds(&digest) {
                return Ok((id, secret.for_session(id), digest));
            }
        }
        Err(Error::RandomSourceRepeats)
    }

    /// S4b, L3: a fresh token for the kept session `id`, and its digest, drawn from
    /// `random`; as [`Sessions::draw`], never a digest a kept record already has.
    pub(crate) fn draw_token(
        &self,
        id: SessionId,
        random: &mut dyn RandomSource,
    ) -> Result<(SessionToken, TokenDigest), Error> {
        for _ in 0..3 {
            let token = SessionToken::generate(id, random);
            let digest = token.digest();
            if !self.holds(&digest) {
                return Ok((token, digest));
            }
        }
        Err(Error::RandomSourceRepeats)
    }

    /// Whether a kept record has this digest, as its token's or its link code's.
    fn holds(&self, digest: &TokenDigest) -> bool {
        self.0
            .iter()
            .any(|s| s.digests().any(|kept| kept.same_stored_digest(digest)))
    }

    /// S3, S4a, S7, L1: opens `session` (from the id and digest of [`Sessions::draw`]).
    ///
    /// With `supersede` (a start, S4a) every token session still `new` expires first;
    /// link sessions never do. Then, if 25 records are kept, the oldest expired record is
    /// dropped, or else the oldest live session expires and its record is dropped (S7).
    /// `changed` hears of each session ended, in that order.
    pub(crate) fn open(
        &mut self,
        session: Session,
        supersede: bool,
        mut changed: impl FnMut(SessionId),
    ) {
        if supersede {
            for kept in &mut self.0 {
                if kept.bearer() == Bearer::Token && kept.status() == SessionStatus::New {
                    kept.mark_expired(session.created_at());
                    changed(kept.id());
                }
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
        self.0.push(session);
    }
}
