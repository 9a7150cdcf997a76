//! The reference model: the rule book written as plainly as possible, apart from `src/`.
//! It shares only the public vocabulary types (statuses, actions, codes, event names).

use chrono::{DateTime, TimeDelta, Utc};
use inquiry_lifecycle::strategies::{CodeChoice, TokenChoice};
use inquiry_lifecycle::{Action, ErrorCode, EventName, Status};

/// L3: how long after its first redemption a link may be redeemed again.
const GRACE: TimeDelta = TimeDelta::minutes(5);

/// What a step is expected to do: the event names, or the refusal's code.
pub type Outcome = Result<Vec<EventName>, ErrorCode>;

#[derive(Debug, Clone)]
pub struct Session {
    /// S5: the deadline when it was opened.
    pub ends: DateTime<Utc>,
    /// S5: token issued + token TTL (S4b restarts it), or link created + link TTL (L2),
    /// while unused.
    pub unused_until: DateTime<Utc>,
    pub used: bool,
    pub expired: bool,
    /// S7: false once its record is dropped.
    pub kept: bool,
    /// L1: opened by a one-time link.
    pub link: bool,
    /// L3: when the link was first redeemed.
    pub redeemed_at: Option<DateTime<Utc>>,
    /// S4b, L3: which of the session's tokens is current (1 for the first; 0 for a link
    /// session never redeemed, which has none).
    pub token: u32,
}

impl Session {
    pub fn expiry(&self) -> DateTime<Utc> {
        if self.used {
            self.ends
        } else {
            self.ends.min(self.unused_until)
        }
    }
}

#[derive(Debug, Clone)]
pub struct Model {
    /// The time the next step happens at (moved by `Advance`).
    pub clock: DateTime<Utc>,
    pub after_create: TimeDelta,
    pub after_start: TimeDelta,
    pub after_resume: TimeDelta,
    pub ttl: TimeDelta,
    pub link_ttl: TimeDelta,
    pub status: Status,
    pub redacted: bool,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub resumed_at: Option<DateTime<Utc>>,
    pub last_change: DateTime<Utc>,
    pub revision: u64,
    /// Every session ever opened, in order; dropped records stay with `kept: false`.
    pub sessions: Vec<Session>,
    /// Every session token handed out, in order: (session, which of its tokens).
    pub tokens: Vec<(usize, u32)>,
    /// Every link code handed out, in order: its session.
    pub codes: Vec<usize>,
    /// What the last step was expected to do.
    pub last: Option<Outcome>,
}

type Events = Vec<(EventName, DateTime<Utc>)>;

impl Model {
    pub fn new(start: DateTime<Utc>, intervals: [i64; 5]) -> Model {
        let [c, s, r, t, l] = intervals.map(TimeDelta::seconds);
        Model {
            clock: start,
            after_create: c,
            after_start: s,
            after_resume: r,
            ttl: t,
            link_ttl: l,
            status: Status::Created,
            redacted: false,
            created_at: start,
            started_at: None,
            resumed_at: None,
            last_change: start,
            revision: 1,
            sessions: Vec::new(),
            tokens: Vec::new(),
            codes: Vec::new(),
            last: None,
        }
    }

    fn live(status: Status) -> bool {
        status == Status::Created || status == Status::Pending
    }

    /// E3.
    pub fn deadline(&self) -> Option<DateTime<Utc>> {
        if self.redacted {
            return None;
        }
        match self.status {
            Status::Created => Some(self.created_at + self.after_create),
            Status::Pending => match self.resumed_at {
                Some(resumed) => Some(resumed + self.after_resume),
                None => self.started_at.map(|started| started + self.after_start),
            },
            _ => None,
        }
    }

    /// E6.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.max(self.last_change)
    }

    /// E4: the status as seen now.
    pub fn status_now(&self) -> Status {
        match self.deadline() {
            Some(deadline) if self.now() >= deadline => Status::Expired,
            _ => self.status,
        }
    }

    pub fn live_sessions_now(&self) -> usize {
        if !Self::live(self.status_now()) || self.redacted {
            return 0;
        }
        let now = self.now();
        self.sessions
            .iter()
            .filter(|s| s.kept && !s.expired && now < s.expiry())
            .count()
    }

    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        let sessions = self
            .sessions
            .iter()
            .filter(|s| s.kept && !s.expired)
            .map(Session::expiry);
        sessions.chain(self.deadline()).min()
    }

    fn end_sessions(&mut self, at: DateTime<Utc>, events: &mut Events) {
        for session in self.sessions.iter_mut().filter(|s| s.kept && !s.expired) {
            session.expired = true;
            events.push((EventName::SessionExpired, at));
        }
    }

    /// E4, E5: everything due up to now, in time order, the inquiry first on a tie.
    fn apply_due(&mut self, events: &mut Events) {
        let now = self.now();
        while let Some(at) = self.next_due().filter(|at| *at <= now) {
            if self.deadline() == Some(at) {
                self.status = Status::Expired;
                events.push((EventName::InquiryExpired, at));
                self.end_sessions(at, events);
            } else {
                for session in self.sessions.iter_mut() {
                    if session.kept && !session.expired && session.expiry() == at {
                        session.expired = true;
                        events.push((EventName::SessionExpired, at));
                    }
                }
            }
        }
    }

    /// V3: a changing call bumps the revision once; the last event's time is the last change.
    fn finish(&mut self, events: Events) -> Outcome {
        if let Some((_, at)) = events.last() {
            self.revision += 1;
            self.last_change = *at;
        }
        Ok(events.into_iter().map(|(name, _)| name).collect())
    }

    /// The rule book's verdict on an action, refusals by precedence.
    fn verdict(&self, action: Action) -> Result<Option<Status>, ErrorCode> {
        use Status::*;
        let status = self.status_now();
        if self.redacted {
            return if action == Action::Redact {
                Ok(None)
            } else {
                Err(ErrorCode::Redacted)
            };
        }
        let to = match (action, status) {
            (Action::Start, Created) => Some(Pending),
            (Action::Complete, Pending) => Some(Completed),
            (Action::Fail, Pending) => Some(Failed),
            (Action::Expire, Created | Pending) => Some(Expired),
            (Action::Resume, Created | Pending) => Some(status),
            (Action::Resume, Expired) => Some(Pending),
            (Action::MarkForReview, Created | Pending | Expired | Completed | Failed) => {
                Some(NeedsReview)
            }
            (Action::Approve, s) if !matches!(s, Approved | Declined) => Some(Approved),
            (Action::Decline, s) if !matches!(s, Approved | Declined) => Some(Declined),
            (Action::Redact, s) => Some(s),
            (Action::Link, Created | Pending) => Some(status),
            _ => None,
        };
        if to.is_some() {
            return Ok(to);
        }
        let repeat = matches!(
            (action, status),
            (Action::Approve, Approved)
                | (Action::Decline, Declined)
                | (Action::MarkForReview, NeedsReview)
                | (Action::Expire, Expired)
        );
        if repeat {
            return Ok(None);
        }
        Err(match (action, status) {
            (Action::Start | Action::Complete | Action::Fail | Action::Link, Expired) => {
                ErrorCode::InquiryExpired
            }
            (Action::MarkForReview | Action::Approve | Action::Decline, Approved | Declined) => {
                ErrorCode::DecisionFinal
            }
            (Action::Resume, _) => ErrorCode::NotResumable,
            _ => ErrorCode::InvalidTransition,
        })
    }

    pub fn act(&mut self, action: Action) -> Outcome {
        let to = self.verdict(action)?;
        let now = self.now();
        let mut events = Vec::new();
        self.apply_due(&mut events);
        let Some(to) = to else {
            return self.finish(events);
        };
        if action == Action::Link {
            // L1: a session whose bearer is a link code; nothing else changes.
            self.open_session(now, true, &mut events);
            self.codes.push(self.sessions.len() - 1);
            return self.finish(events);
        }
        let before = self.status;
        // S4b: a resume of a live inquiry reuses a token session nobody used, still live.
        let reused = (action == Action::Resume && Self::live(before))
            .then(|| {
                self.sessions
                    .iter()
                    .rposition(|s| s.kept && !s.expired && !s.used && !s.link && now < s.expiry())
            })
            .flatten();
        self.status = to;
        match action {
            Action::Start => self.started_at = Some(now),
            Action::Resume if before == Status::Expired => self.resumed_at = Some(now),
            Action::Redact => self.redacted = true,
            _ => {}
        }
        let name = match action {
            Action::Start => EventName::InquiryStarted,
            Action::Complete => EventName::InquiryCompleted,
            Action::Fail => EventName::InquiryFailed,
            Action::Expire => EventName::InquiryExpired,
            Action::Resume => EventName::InquiryResumed,
            Action::MarkForReview => EventName::InquiryMarkedForReview,
            Action::Approve => EventName::InquiryApproved,
            Action::Decline => EventName::InquiryDeclined,
            Action::Redact => EventName::InquiryRedacted,
            Action::Link => unreachable!("handled above"),
        };
        events.push((name, now));
        if !Self::live(self.status) || self.redacted {
            self.end_sessions(now, &mut events);
        }
        if let Some(index) = reused {
            let session = &mut self.sessions[index];
            session.token += 1;
            session.unused_until = now + self.ttl;
            self.tokens.push((index, session.token));
        } else if matches!(action, Action::Start | Action::Resume) {
            if action == Action::Start {
                // S4a: start supersedes every token session nobody used.
                for session in self.sessions.iter_mut() {
                    if session.kept && !session.expired && !session.used && !session.link {
                        session.expired = true;
                        events.push((EventName::SessionExpired, now));
                    }
                }
            }
            self.open_session(now, false, &mut events);
            self.tokens.push((self.sessions.len() - 1, 1));
        }
        self.finish(events)
    }

    /// S3, S5, S7, L1: a new session, a token's or a link's.
    fn open_session(&mut self, now: DateTime<Utc>, link: bool, events: &mut Events) {
        if self.sessions.iter().filter(|s| s.kept).count() >= 25 {
            if let Some(oldest) = self.sessions.iter_mut().find(|s| s.kept && s.expired) {
                oldest.kept = false;
            } else if let Some(oldest) = self.sessions.iter_mut().find(|s| s.kept) {
                oldest.kept = false;
                oldest.expired = true;
                events.push((EventName::SessionExpired, now));
            }
        }
        let ends = self.deadline().unwrap_or(now);
        self.sessions.push(Session {
            ends,
            unused_until: now + if link { self.link_ttl } else { self.ttl },
            used: false,
            expired: false,
            kept: true,
            link,
            redeemed_at: None,
            token: if link { 0 } else { 1 },
        });
        events.push((EventName::SessionCreated, now));
    }

    /// The access table's rows that refuse whatever is presented: redacted, expired,
    /// done or post-inquiry (an access and a redemption, L3, alike).
    fn row_refusal(&self, status: Status) -> Result<(), ErrorCode> {
        if self.redacted {
            return Err(ErrorCode::Redacted);
        }
        match status {
            Status::Expired => Err(ErrorCode::InquiryExpired),
            Status::Created | Status::Pending => Ok(()),
            _ => Err(ErrorCode::InquiryFinished),
        }
    }

    /// L3, L4: a redemption is an access: the table's rows first, then the code.
    pub fn redeem(&mut self, code: CodeChoice) -> Outcome {
        let now = self.now();
        let status = self.status_now();
        self.row_refusal(status)?;
        // Only a code this inquiry handed out names a link session with that code; tokens
        // given as codes, forged and foreign codes do not (L4).
        let index = match code {
            CodeChoice::Issued(n) if !self.codes.is_empty() => self.codes[n % self.codes.len()],
            _ => return Err(ErrorCode::InvalidToken),
        };
        let session = &self.sessions[index];
        if !session.kept {
            return Err(ErrorCode::InvalidToken);
        }
        if session.expired || now >= session.expiry() {
            return Err(ErrorCode::SessionExpired);
        }
        if session
            .redeemed_at
            .is_some_and(|first| now >= first + GRACE)
        {
            return Err(ErrorCode::LinkUsed);
        }
        let mut events = Vec::new();
        self.apply_due(&mut events);
        let session = &mut self.sessions[index];
        if !session.used {
            session.used = true;
            session.redeemed_at = Some(now);
            events.push((EventName::SessionStarted, now));
        }
        session.token += 1;
        self.tokens.push((index, session.token));
        // V1: a token was replaced, a change even without an event; recorded at now (E6).
        self.revision += 1;
        self.last_change = now;
        Ok(events.into_iter().map(|(name, _)| name).collect())
    }

    /// The access table, then A3.
    pub fn access(&mut self, token: TokenChoice) -> Outcome {
        let now = self.now();
        let status = self.status_now();
        self.row_refusal(status)?;
        let session = match token {
            TokenChoice::None if status == Status::Pending => {
                return Err(ErrorCode::SessionRequired)
            }
            TokenChoice::None => None,
            TokenChoice::Forged | TokenChoice::Foreign => return Err(ErrorCode::InvalidToken),
            // A link code is not a token (L4).
            TokenChoice::Code(_) if !self.codes.is_empty() => return Err(ErrorCode::InvalidToken),
            TokenChoice::Code(_) => None,
            TokenChoice::Issued(_) if self.tokens.is_empty() => None,
            TokenChoice::Issued(n) => {
                let (index, token) = self.tokens[n % self.tokens.len()];
                let s = &self.sessions[index];
                // S2: the verifier is checked before the session's state.
                if !s.kept || s.token != token {
                    return Err(ErrorCode::InvalidToken);
                }
                if s.expired || now >= s.expiry() {
                    return Err(ErrorCode::SessionExpired);
                }
                Some(index)
            }
        };
        // With no token issued yet, an "issued" choice presents no token at all.
        if session.is_none() && status == Status::Pending {
            return Err(ErrorCode::SessionRequired);
        }
        let mut events = Vec::new();
        self.apply_due(&mut events);
        if let Some(index) = session {
            if !self.sessions[index].used {
                self.sessions[index].used = true;
                events.push((EventName::SessionStarted, now));
            }
        }
        self.finish(events)
    }

    pub fn tick(&mut self) -> Outcome {
        let mut events = Vec::new();
        self.apply_due(&mut events);
        self.finish(events)
    }
}
