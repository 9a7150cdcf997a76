//! What every record the rules can produce satisfies, in one place.
//!
//! [`Inquiry::check_invariants`] states the invariants of a *reachable* inquiry: one that
//! some sequence of accepted actions, from `create` on, can produce. The loader refuses any
//! record that breaks one ([`Inquiry::from_json`], `Deserialize`), the property tests check
//! that every accepted action keeps them, and the robustness tests that tampered records
//! are refused exactly when they break one.

use chrono::{DateTime, Utc};

use crate::limits::{room_for_what_falls_due, EARLIEST_NOW, LATEST_RECORDED, MAX_COUNTER};
use crate::session::{Bearer, Session, SessionStatus, MAX_SESSIONS};
use crate::{Error, Inquiry, Status};

impl Inquiry {
    /// Checks every invariant of a reachable inquiry; the first broken one is an
    /// `invalid_input` error naming it. Every inquiry the library hands out passes.
    ///
    /// The invariants: instants within the library's range and in the order the rules
    /// record them; counters from 1 to 2^53; each
    /// status with exactly the stamps the transitions that reach it set (T2–T11); a live
    /// deadline still ahead (E4); at most 25 session records, in order, distinct, consistent
    /// with their inquiry (S1–S7).
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use inquiry_lifecycle::{Inquiry, Policy, SeededRandom};
    ///
    /// let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// let (inquiry, _created) = Inquiry::create(&Policy::default(), t0, &mut SeededRandom::new(1))?;
    /// inquiry.check_invariants()?;
    /// # Ok::<(), inquiry_lifecycle::Error>(())
    /// ```
    pub fn check_invariants(&self) -> Result<(), Error> {
        match self.problem() {
            None => Ok(()),
            Some(problem) => Err(Error::invalid_input(format!(
                "stored inquiry {}: {problem}",
                self.id
            ))),
        }
    }

    /// The first broken invariant, if any.
    fn problem(&self) -> Option<String> {
        self.time_problem()
            .or_else(|| self.counter_problem())
            .or_else(|| self.status_problem().map(str::to_owned))
            .or_else(|| self.sessions_problem())
    }

    /// Instants: within the library's range, stamps between creation and the last change,
    /// in the order the transitions record them, and a redaction as the last change.
    fn time_problem(&self) -> Option<String> {
        if self.created_at < EARLIEST_NOW || self.updated_at > LATEST_RECORDED {
            return Some(
                "an instant lies outside the range the library records (1970 to 9999-12-29)"
                    .to_owned(),
            );
        }
        if self.created_at > self.updated_at {
            return Some("created_at is after updated_at".to_owned());
        }
        let named = [
            ("started_at", self.started_at),
            ("resumed_at", self.resumed_at),
            ("expired_at", self.expired_at),
            ("finished_at", self.finished_at),
            ("reviewed_at", self.reviewed_at),
            ("decided_at", self.decided_at),
            ("redacted_at", self.redacted_at),
        ];
        let outside = |at: &DateTime<Utc>| *at < self.created_at || *at > self.updated_at;
        if let Some((name, _)) = named
            .iter()
            .find(|(_, stamp)| stamp.as_ref().is_some_and(outside))
        {
            return Some(format!("{name} lies outside created_at..=updated_at"));
        }
        let stamps = named.map(|(_, stamp)| stamp);
        // T2 happens while created, before any expiry or resume; every later phase follows
        // the earlier ones: finish after the last resume and expiry, review after finishing,
        // a decision after review, redaction after everything.
        let ordered = |earlier: &[Option<DateTime<Utc>>], later: Option<DateTime<Utc>>| {
            later.is_none_or(|later| earlier.iter().flatten().all(|at| *at <= later))
        };
        let chain = [
            (&stamps[..1], self.expired_at),
            (&stamps[..1], self.resumed_at),
            (&stamps[..3], self.finished_at),
            (&stamps[..4], self.reviewed_at),
            (&stamps[..5], self.decided_at),
            (&stamps[..6], self.redacted_at),
        ];
        if !chain
            .iter()
            .all(|(earlier, later)| ordered(earlier, *later))
        {
            return Some("the stamps are not in the order the transitions set them".to_owned());
        }
        if self.redacted_at.is_some_and(|at| at != self.updated_at) {
            return Some(
                "redacted_at is not the last change (a redacted inquiry is frozen)".to_owned(),
            );
        }
        None
    }

    /// V1, V3: a revision and a last sequence from 1 to 2^53, and a fresh record for
    /// revision 1.
    fn counter_problem(&self) -> Option<String> {
        if self.revision == 0 || self.revision > MAX_COUNTER {
            return Some(format!(
                "revision {} is not between 1 and 2^53",
                self.revision
            ));
        }
        // Revision 1 of the rule book had every change yield an event (last_sequence >=
        // revision); revision 2's repeat redemption within its grace (L3) changes a token
        // and yields none (V1's exception), so the two counters are independent but for
        // the fresh record below.
        if self.last_sequence == 0 || self.last_sequence > MAX_COUNTER {
            return Some(format!(
                "last_sequence {} is not between 1 and 2^53 (creation yields the first event)",
                self.last_sequence
            ));
        }
        let falling_due = self.sessions.iter().filter(|s| s.is_live()).count() as u64
            + u64::from(self.deadline().is_some());
        if !room_for_what_falls_due(self.revision, self.last_sequence, falling_due) {
            return Some(format!(
                "no room below 2^53 for the {falling_due} expiries still to come (V1, V3)"
            ));
        }
        let fresh = self.status == Status::Created
            && self.last_sequence == 1
            && self.updated_at == self.created_at
            && self.redacted_at.is_none()
            && self.sessions.is_empty();
        if (self.revision == 1) != fresh {
            return Some(
                "revision 1 is a record nothing has changed since creation, and only that"
                    .to_owned(),
            );
        }
        None
    }

    /// T2–T11: each status with the stamps the transitions reaching it set, and none they
    /// cannot have set yet; a live deadline still ahead of the last change (E4).
    fn status_problem(&self) -> Option<&'static str> {
        use Status::*;
        let status = self.status;
        let ever_pending = self.started_at.is_some() || self.resumed_at.is_some();
        let finished = matches!(status, Completed | Failed);
        let after_finish = matches!(
            status,
            Completed | Failed | NeedsReview | Approved | Declined
        );
        let reviewed = matches!(status, NeedsReview | Approved | Declined);
        let problem = if status == Created && (ever_pending || self.expired_at.is_some()) {
            Some("a created inquiry has been started, resumed or expired")
        } else if self.resumed_at.is_some() && self.expired_at.is_none() {
            Some("resumed_at without an expiry (T7 resumes expired inquiries)")
        } else if status == Pending && !ever_pending {
            Some("pending with neither started_at nor resumed_at")
        } else if status == Pending && self.expired_at > self.resumed_at {
            Some("pending, but its last expiry came after its last resume (T7)")
        } else if status == Expired && self.expired_at.is_none() {
            Some("expired with no expired_at")
        } else if status == Expired && self.resumed_at > self.expired_at {
            Some("expired, but its last resume came after its last expiry")
        } else if finished && self.finished_at.is_none() {
            Some("completed or failed with no finished_at")
        } else if self.finished_as.is_some() && self.finished_at.is_none() {
            Some("finished_as with no finished_at")
        } else if self.finished_as.is_some_and(|finish| {
            !matches!(finish, Completed | Failed) || (finished && finish != status)
        }) {
            Some("finished_as is neither completed nor failed, or not the status it finished with")
        } else if self.finished_at.is_some() && !after_finish {
            Some("finished_at on a status T3 and T4 cannot lead to")
        } else if self.finished_at.is_some() && !ever_pending {
            Some("finished but never started or resumed")
        } else if self.finished_at.is_some() && self.expired_at > self.resumed_at {
            Some("finished while expired (T3 and T4 apply to pending inquiries)")
        } else if status == NeedsReview && self.reviewed_at.is_none() {
            Some("needs_review with no reviewed_at")
        } else if self.reviewed_at.is_some() && !reviewed {
            Some("reviewed_at on a status T8 cannot lead to")
        } else if status.is_decided() && self.decided_at.is_none() {
            Some("approved or declined with no decided_at")
        } else if self.decided_at.is_some() && !status.is_decided() {
            Some("decided_at on an undecided inquiry (decisions are final)")
        } else {
            None
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
                other.digests().any(|kept| {
                    session
                        .digests()
                        .any(|digest| kept.same_stored_digest(digest))
                })
            }) {
                Some("its token or code digest is used twice")
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
            } else if !self.unused_until_fits(session) {
                Some("its unused_until is not one TTL after its token or link was issued (S5, S4b, L2)")
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
            if session.status() == SessionStatus::New && session.bearer() == Bearer::Token {
                new_sessions += 1;
            }
        }
        (new_sessions > 1).then(|| {
            format!(
                "{new_sessions} token sessions are new; start supersedes unused ones and resume reuses one (S4a, S4b)"
            )
        })
    }

    /// S5, S4b, L2: a link session's `unused_until` is one link TTL after it opened; a
    /// token session's, one token TTL after its current token was issued: when it opened,
    /// or a later resume (S4b) up to the last change.
    fn unused_until_fits(&self, session: &Session) -> bool {
        let opened = session.created_at();
        match session.bearer() {
            Bearer::Link => {
                session.unused_until() == self.intervals.one_time_link_ttl.after(opened)
            }
            Bearer::Token => {
                let ttl = self.intervals.session_token_ttl;
                ttl.after(opened) <= session.unused_until()
                    && session.unused_until() <= ttl.after(self.updated_at)
            }
        }
    }
}
