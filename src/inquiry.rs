//! The inquiry: its state, and every operation on it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::limits;
use crate::rules::{
    self, AccessRow, AccessVerdict, Action, Attempt, Target, TransitionRule, Verdict,
};
use crate::session::{Bearer, Session};
use crate::sessions::{LinkRefusal, Sessions};
use crate::{
    Error, ErrorCode, Event, EventName, Events, InquiryId, Intervals, LinkCode, Policy,
    RandomSource, ReferenceId, SessionId, SessionToken, Status,
};

/// One person's attempt to verify their identity: its lifecycle, never personal data.
///
/// Every operation takes `now`; none reads the clock. Every change comes out as
/// [`Event`]s, in order, and bumps [`revision`](Inquiry::revision) by one. A refused
/// operation returns an [`Error`] and changes nothing at all (rule E8).
///
/// ```
/// use chrono::{TimeDelta, TimeZone, Utc};
/// use inquiry_lifecycle::{Inquiry, Policy, SeededRandom, Status};
///
/// let mut random = SeededRandom::new(1);
/// let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
/// let (mut inquiry, _created) = Inquiry::create(&Policy::default(), t0, &mut random)?;
/// let opened = inquiry.start(t0 + TimeDelta::minutes(5), &mut random)?;
/// let granted = inquiry.access(Some(&opened.token), t0 + TimeDelta::minutes(6))?;
/// let completed = inquiry.complete(t0 + TimeDelta::minutes(30))?;
/// // Publish every call's events, in order:
/// for event in opened.events.iter().chain(&granted.events).chain(&completed) {
///     println!("{} #{}", event.name, event.sequence);
/// }
/// assert_eq!(inquiry.status_at(t0 + TimeDelta::minutes(30)), Status::Completed);
/// # Ok::<(), inquiry_lifecycle::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Inquiry {
    pub(crate) id: InquiryId,
    /// The embedding service's own reference, given at creation; written only when set,
    /// so records without one keep their 0.1 form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) reference_id: Option<ReferenceId>,
    pub(crate) status: Status,
    pub(crate) intervals: Intervals,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) started_at: Option<DateTime<Utc>>,
    /// The last resume from `expired` (T7); a resume of a live inquiry (T6) leaves it.
    pub(crate) resumed_at: Option<DateTime<Utc>>,
    pub(crate) expired_at: Option<DateTime<Utc>>,
    pub(crate) finished_at: Option<DateTime<Utc>>,
    /// How it finished: `completed` (T3) or `failed` (T4), so that a review or decision
    /// after it still tells which. Written only when set: a record of version 0.1 has none,
    /// and its status tells while it is `completed` or `failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) finished_as: Option<Status>,
    pub(crate) reviewed_at: Option<DateTime<Utc>>,
    pub(crate) decided_at: Option<DateTime<Utc>>,
    pub(crate) redacted_at: Option<DateTime<Utc>>,
    /// When the last recorded change happened (E6).
    pub(crate) updated_at: DateTime<Utc>,
    pub(crate) revision: u64,
    pub(crate) last_sequence: u64,
    pub(crate) sessions: Sessions,
    /// The deadline that [`Inquiry::deadline_rule`] gives for the fields above, kept so
    /// that a call need not redo the calendar arithmetic (about 9 ns each time). Set
    /// through [`Inquiry::refresh_deadline`] after every change to the status or a stamp;
    /// never serialized.
    #[serde(skip)]
    pub(crate) deadline: Option<DateTime<Utc>>,
}

/// What hands out a session token: [`Inquiry::start`] (a new session), [`Inquiry::resume`]
/// (a new session, or an unused one given a fresh token: S4b) and [`Inquiry::redeem`] (the
/// link's session: L3).
///
/// The token is handed out exactly once, here (rule S2); the inquiry keeps only its digest.
#[derive(Debug)]
#[non_exhaustive]
#[must_use = "the token is handed out only once: hand it to the person, and publish the events"]
pub struct Opened {
    /// The session the token opens.
    pub session_id: SessionId,
    /// The session's token; any earlier token of that session stops working.
    pub token: SessionToken,
    /// The events of the call, in order.
    pub events: Events,
}

/// What [`Inquiry::link`] hands out: a new session whose bearer is a one-time link's code
/// (L1).
///
/// The code is handed out exactly once, here (L2); the inquiry keeps only its digest.
#[derive(Debug)]
#[non_exhaustive]
#[must_use = "the code is handed out only once: put it in the link, and publish the events"]
pub struct Linked {
    /// The link's session.
    pub session_id: SessionId,
    /// The link's code, for the URL the person receives.
    pub code: LinkCode,
    /// The events of the call, in order.
    pub events: Events,
}

/// What a granted [`Inquiry::access`] returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[must_use = "a granted access may start a session (A3): publish the events"]
pub struct Granted {
    /// The session the token belongs to; `None` for a `created` inquiry opened by link.
    pub session_id: Option<SessionId>,
    /// The events of the call, in order (a first use starts the session, rule A3).
    pub events: Events,
}

/// What [`Inquiry::act`] returns for an accepted action.
#[derive(Debug)]
#[non_exhaustive]
#[must_use = "publish the events, and hand out the token if a session was opened"]
pub struct Outcome {
    /// The events of the call, in order; empty for a no-op.
    pub events: Events,
    /// For start and resume: the session's id and its token.
    pub opened: Option<(SessionId, SessionToken)>,
    /// For link: the link's session and its code.
    pub linked: Option<(SessionId, LinkCode)>,
}

impl Inquiry {
    /// T1: creates an inquiry with a fresh random id, capturing `policy`'s intervals (E2).
    ///
    /// Refused with `invalid_input` only for a `now` outside
    /// [`EARLIEST_NOW`](crate::EARLIEST_NOW)`..=`[`LATEST_NOW`](crate::LATEST_NOW), where the
    /// deadline would not be representable.
    pub fn create(
        policy: &Policy,
        now: DateTime<Utc>,
        random: &mut dyn RandomSource,
    ) -> Result<(Inquiry, Events), Error> {
        // Checked before the id is drawn, so a refused create draws nothing.
        limits::check_room(now, 1, 1)?;
        Ok(Inquiry::created(
            InquiryId::generate(random),
            None,
            policy,
            now,
        ))
    }

    /// T1: creates an inquiry with a fresh random id that carries the embedding service's
    /// own reference (`reference-id` on the wire); as [`Inquiry::create`].
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use inquiry_lifecycle::{Inquiry, Policy, ReferenceId, SeededRandom};
    ///
    /// let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// let reference = ReferenceId::parse("user-4711")?;
    /// let (inquiry, _created) =
    ///     Inquiry::create_with_reference(&Policy::default(), reference, t0, &mut SeededRandom::new(1))?;
    /// assert_eq!(inquiry.reference_id().map(|r| r.as_str()), Some("user-4711"));
    /// # Ok::<(), inquiry_lifecycle::Error>(())
    /// ```
    pub fn create_with_reference(
        policy: &Policy,
        reference_id: ReferenceId,
        now: DateTime<Utc>,
        random: &mut dyn RandomSource,
    ) -> Result<(Inquiry, Events), Error> {
        limits::check_room(now, 1, 1)?;
        let id = InquiryId::generate(random);
        Ok(Inquiry::created(id, Some(reference_id), policy, now))
    }

    /// T1: creates an inquiry with an id chosen by the caller; as [`Inquiry::create`].
    pub fn create_with_id(
        id: InquiryId,
        policy: &Policy,
        now: DateTime<Utc>,
    ) -> Result<(Inquiry, Events), Error> {
        limits::check_room(now, 1, 1)?;
        Ok(Inquiry::created(id, None, policy, now))
    }

    /// T1 itself, for a `now` already checked.
    fn created(
        id: InquiryId,
        reference_id: Option<ReferenceId>,
        policy: &Policy,
        now: DateTime<Utc>,
    ) -> (Inquiry, Events) {
        let mut inquiry = Inquiry {
            id,
            reference_id,
            status: rules::CREATE.to,
            intervals: policy.intervals(),
            created_at: now,
            started_at: None,
            resumed_at: None,
            expired_at: None,
            finished_at: None,
            finished_as: None,
            reviewed_at: None,
            decided_at: None,
            redacted_at: None,
            updated_at: now,
            revision: 1,
            last_sequence: 0,
            sessions: Sessions::default(),
            deadline: None,
        };
        inquiry.refresh_deadline();
        let mut events = Vec::with_capacity(1);
        inquiry.record(&mut events, rules::CREATE.event, now, None, None);
        (inquiry, Events::from(events))
    }

    // ----- queries -------------------------------------------------------------------

    /// The inquiry's id.
    pub fn id(&self) -> InquiryId {
        self.id
    }

    /// The embedding service's own reference, if one was given at creation.
    pub fn reference_id(&self) -> Option<&ReferenceId> {
        self.reference_id.as_ref()
    }

    /// The status as last recorded, which lags behind time: a live inquiry whose deadline
    /// has passed is expired all the same (E4) until something applies the expiry. To show
    /// or decide anything (a GET endpoint, a check before acting) use
    /// [`Inquiry::status_at`]`(now)`; this one is for storage and audits.
    pub fn recorded_status(&self) -> Status {
        self.status
    }

    /// The status as seen at `now`: `expired` once a live inquiry's deadline is reached,
    /// whether or not anything applied it yet (E4). This is the status to show and to
    /// decide on; [`Inquiry::recorded_status`] may still say `pending` after the deadline.
    ///
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use inquiry_lifecycle::{Inquiry, Policy, SeededRandom, Status};
    ///
    /// let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// let (inquiry, _) = Inquiry::create(&Policy::default(), t0, &mut SeededRandom::new(1)).unwrap();
    /// assert_eq!(inquiry.status_at(t0 + TimeDelta::hours(24)), Status::Expired);
    /// assert_eq!(inquiry.recorded_status(), Status::Created); // nothing was applied yet
    /// ```
    pub fn status_at(&self, now: DateTime<Utc>) -> Status {
        let now = self.clamp(now);
        match self.deadline() {
            Some(deadline) if now >= deadline => Status::Expired,
            _ => self.status,
        }
    }

    /// The deadline as recorded (E3): `created_at` + after-create while `created`;
    /// `started_at` + after-start once `pending`; `resumed_at` + after-resume after a
    /// resume from `expired`. Only a live, unredacted inquiry has one.
    pub fn deadline(&self) -> Option<DateTime<Utc>> {
        self.deadline
    }

    /// E3: the deadline as the status and stamps give it.
    fn deadline_rule(&self) -> Option<DateTime<Utc>> {
        if self.is_redacted() {
            return None;
        }
        let intervals = &self.intervals;
        match self.status {
            Status::Created => Some(intervals.expire_after_create.after(self.created_at)),
            Status::Pending => match (self.resumed_at, self.started_at) {
                (Some(resumed_at), _) => Some(intervals.expire_after_resume.after(resumed_at)),
                (None, Some(started_at)) => Some(intervals.expire_after_start.after(started_at)),
                // Not reachable: pending is entered by start or by a resume from expired.
                (None, None) => None,
            },
            _ => None,
        }
    }

    /// The deadline as seen at `now`: none once it has passed (E3, E4).
    pub fn deadline_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.deadline()
            .filter(|deadline| self.clamp(now) < *deadline)
    }

    /// The next instant at which something happens on its own (the inquiry's deadline or a
    /// session's expiry), for the embedding service's timer (E5). Call
    /// [`Inquiry::apply_due`] at or after it.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use inquiry_lifecycle::{Inquiry, Policy, SeededRandom, Status};
    ///
    /// let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// let (mut inquiry, _) = Inquiry::create(&Policy::default(), t0, &mut SeededRandom::new(1)).unwrap();
    /// let due = inquiry.next_due().unwrap(); // set a timer for this instant
    /// let events = inquiry.apply_due(due);  // ...and apply what is due when it fires
    /// assert_eq!(events[0].at, due);
    /// assert_eq!(inquiry.recorded_status(), Status::Expired);
    /// assert!(inquiry.apply_due(due).is_empty()); // a second call changes nothing
    /// ```
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        match (self.deadline, self.sessions.next_expiry()) {
            (Some(deadline), Some(expiry)) => Some(deadline.min(expiry)),
            (deadline, expiry) => deadline.or(expiry),
        }
    }

    /// The session records kept (at most 25, rule S7), oldest first.
    pub fn sessions(&self) -> &[Session] {
        &self.sessions
    }

    /// How many sessions are live (`new` or `active`) as seen at `now`.
    pub fn live_sessions_at(&self, now: DateTime<Utc>) -> usize {
        if !self.status_at(now).is_live() {
            return 0;
        }
        self.sessions.live_at(self.clamp(now))
    }

    /// The revision: 1 when created, one more for every call that changed anything (V3).
    /// Stores use it for compare-and-swap.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// The sequence number of the last event yielded (V1).
    pub fn last_sequence(&self) -> u64 {
        self.last_sequence
    }

    /// The intervals captured when the inquiry was created (E2).
    pub fn intervals(&self) -> &Intervals {
        &self.intervals
    }

    /// When the inquiry was created.
    pub fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }

    /// When the inquiry was started (T2), if it was.
    pub fn started_at(&self) -> Option<DateTime<Utc>> {
        self.started_at
    }

    /// When the inquiry was last resumed from `expired` (T7), if it was.
    pub fn resumed_at(&self) -> Option<DateTime<Utc>> {
        self.resumed_at
    }

    /// When the inquiry last expired, if it did (its deadline, for a due expiry: E4).
    pub fn expired_at(&self) -> Option<DateTime<Utc>> {
        self.expired_at
    }

    /// When the inquiry completed or failed, if it did.
    pub fn finished_at(&self) -> Option<DateTime<Utc>> {
        self.finished_at
    }

    /// When the inquiry completed (T3), if it did, whatever happened after (a review or a
    /// decision). `None` for a record of version 0.1 that was reviewed or decided after it
    /// finished: it did not record how ([`Inquiry::finished_at`] still says when).
    pub fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.finished_at
            .filter(|_| self.finished_as() == Some(Status::Completed))
    }

    /// When the inquiry failed (T4), if it did; as [`Inquiry::completed_at`].
    pub fn failed_at(&self) -> Option<DateTime<Utc>> {
        self.finished_at
            .filter(|_| self.finished_as() == Some(Status::Failed))
    }

    /// How the inquiry finished, as recorded or, for a record of version 0.1, as its
    /// status still says.
    fn finished_as(&self) -> Option<Status> {
        self.finished_as.or_else(|| {
            matches!(self.status, Status::Completed | Status::Failed).then_some(self.status)
        })
    }

    /// When the inquiry was marked for review, if it was.
    pub fn reviewed_at(&self) -> Option<DateTime<Utc>> {
        self.reviewed_at
    }

    /// When the inquiry was approved or declined, if it was.
    pub fn decided_at(&self) -> Option<DateTime<Utc>> {
        self.decided_at
    }

    /// When the inquiry was redacted, if it was.
    pub fn redacted_at(&self) -> Option<DateTime<Utc>> {
        self.redacted_at
    }

    /// Whether the inquiry is redacted, and so frozen.
    pub fn is_redacted(&self) -> bool {
        self.redacted_at.is_some()
    }

    /// When the last recorded change happened; an earlier `now` is taken as this (E6).
    pub fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }

    // ----- operations ----------------------------------------------------------------

    /// T2: the person begins; opens a session and hands out its token (S3). Every token
    /// session nobody used yet expires (S4a).
    pub fn start(
        &mut self,
        now: DateTime<Utc>,
        random: &mut dyn RandomSource,
    ) -> Result<Opened, Error> {
        self.open(Opening::Start, now, random)
    }

    /// T6, T7: hands out a session token (S3); an expired inquiry becomes `pending` with a
    /// new deadline (E3).
    ///
    /// On a live inquiry (T6) a token session nobody used yet, and still live, is reused
    /// (S4b): it gets a fresh token and keeps its id and its end, its previous token stops
    /// working, and `inquiry.resumed` names it. Otherwise, and always from `expired` (T7),
    /// a new session opens.
    ///
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use inquiry_lifecycle::{Inquiry, Policy, SeededRandom, Status};
    ///
    /// let mut random = SeededRandom::new(1);
    /// let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// let (mut inquiry, _) = Inquiry::create(&Policy::default(), t0, &mut random)?;
    /// let later = t0 + TimeDelta::hours(30); // past the 24 h deadline
    /// let opened = inquiry.resume(later, &mut random)?;
    /// assert_eq!(opened.events[0].name.as_str(), "inquiry.expired"); // recorded at the deadline
    /// assert_eq!(inquiry.recorded_status(), Status::Pending);
    /// assert_eq!(inquiry.deadline(), Some(later + TimeDelta::hours(24)));
    /// # Ok::<(), inquiry_lifecycle::Error>(())
    /// ```
    pub fn resume(
        &mut self,
        now: DateTime<Utc>,
        random: &mut dyn RandomSource,
    ) -> Result<Opened, Error> {
        self.open(Opening::Resume, now, random)
    }

    /// T3: all required checks passed.
    pub fn complete(&mut self, now: DateTime<Utc>) -> Result<Events, Error> {
        self.change(NonOpening::Complete, now)
    }

    /// T4: a required check failed, attempts exhausted.
    pub fn fail(&mut self, now: DateTime<Utc>) -> Result<Events, Error> {
        self.change(NonOpening::Fail, now)
    }

    /// T5: expires a live inquiry now, ending every session (E7). A no-op if expired.
    pub fn expire(&mut self, now: DateTime<Utc>) -> Result<Events, Error> {
        self.change(NonOpening::Expire, now)
    }

    /// T8: sends the inquiry to review, ending every session. A no-op if in review.
    pub fn mark_for_review(&mut self, now: DateTime<Utc>) -> Result<Events, Error> {
        self.change(NonOpening::MarkForReview, now)
    }

    /// T9: approves, ending every session. Final; a no-op if already approved.
    pub fn approve(&mut self, now: DateTime<Utc>) -> Result<Events, Error> {
        self.change(NonOpening::Approve, now)
    }

    /// T10: declines, ending every session. Final; a no-op if already declined.
    pub fn decline(&mut self, now: DateTime<Utc>) -> Result<Events, Error> {
        self.change(NonOpening::Decline, now)
    }

    /// T11: redacts, ending every session and freezing the inquiry. A no-op if redacted.
    pub fn redact(&mut self, now: DateTime<Utc>) -> Result<Events, Error> {
        self.change(NonOpening::Redact, now)
    }

    /// L1: creates a one-time link: opens a session whose bearer is a link code, leaving the
    /// status, the deadline and the other sessions as they are. Allowed on `created` and
    /// `pending`; on `expired` refused with `inquiry_expired` (resume it first).
    ///
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use inquiry_lifecycle::{ErrorCode, Inquiry, Policy, SeededRandom, SessionToken};
    ///
    /// let mut random = SeededRandom::new(1);
    /// let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// let (mut inquiry, _) = Inquiry::create(&Policy::default(), t0, &mut random)?;
    /// let linked = inquiry.link(t0, &mut random)?;
    /// let url = format!("https://verify.example/link?code={}", &*linked.code.expose_secret());
    /// # let _ = url;
    /// // The person follows the link: the code is exchanged for a session token (L3).
    /// let opened = inquiry.redeem(&linked.code, t0 + TimeDelta::minutes(1), &mut random)?;
    /// assert_eq!(opened.session_id, linked.session_id);
    /// assert_eq!(opened.events[0].name.as_str(), "inquiry-session.started");
    /// // A reload within five minutes gets a fresh token; later, the link is used up.
    /// let again = inquiry.redeem(&linked.code, t0 + TimeDelta::minutes(3), &mut random)?;
    /// assert!(again.events.is_empty());
    /// let late = inquiry.redeem(&linked.code, t0 + TimeDelta::minutes(6), &mut random);
    /// assert_eq!(late.unwrap_err().code(), ErrorCode::LinkUsed);
    /// // The code is not a session token (L4).
    /// let as_token = SessionToken::parse(&linked.code.expose_secret())?;
    /// let refused = inquiry.access(Some(&as_token), t0 + TimeDelta::minutes(7));
    /// assert_eq!(refused.unwrap_err().code(), ErrorCode::InvalidToken);
    /// # Ok::<(), inquiry_lifecycle::Error>(())
    /// ```
    pub fn link(
        &mut self,
        now: DateTime<Utc>,
        random: &mut dyn RandomSource,
    ) -> Result<Linked, Error> {
        let (now, verdict) = self.decide(Action::Link, now)?;
        // L2: the code and the session id, drawn before anything changes (E8).
        let (session_id, code, digest) = self.sessions.draw::<LinkCode>(random)?;
        let mut events = self.apply(now, verdict, None);
        self.add_session(session_id, Bearer::Link, digest, now, false, &mut events);
        self.commit(&events);
        Ok(Linked {
            session_id,
            code,
            events: events.into(),
        })
    }

    /// L3: the person redeems a one-time link's code for a session token.
    ///
    /// A redemption is an access: on an `expired`, done or post-inquiry, or redacted
    /// inquiry the access table's row refuses it (`inquiry_expired`, `inquiry_finished`,
    /// `redacted`). On `created` and `pending` the code decides (L4): a code no kept link
    /// session issued is `invalid_token`; the code of an ended session, or of a link not
    /// redeemed within its TTL, `session_expired`; a redemption 5 minutes or more after the
    /// first, `link_used`. Granted, it hands out a fresh session token for the link's
    /// session (the previous one from that link stops working); the first redemption marks
    /// the session `active` (`inquiry-session.started`). A repeat within the grace changes
    /// only the token: it bumps the revision and yields no event (V1).
    pub fn redeem(
        &mut self,
        code: &LinkCode,
        now: DateTime<Utc>,
        random: &mut dyn RandomSource,
    ) -> Result<Opened, Error> {
        let now = self.clamp(now);
        limits::check_room(now, self.revision, self.last_sequence)?;
        // Decided on the inquiry as seen at `now`, changing nothing (E8).
        let status = self.status_at(now);
        if let Some(code) = rules::redemption_refusal(AccessRow::of(status, self.is_redacted())) {
            return Err(Error::access_refusal(Attempt::Redeem, code, status, None));
        }
        let (index, session_id) = self.sessions.redeemable(code, now).map_err(|refusal| {
            let (code, session) = match refusal {
                LinkRefusal::InvalidToken => (ErrorCode::InvalidToken, None),
                LinkRefusal::SessionExpired(id) => (ErrorCode::SessionExpired, Some(id)),
                LinkRefusal::LinkUsed(id) => (ErrorCode::LinkUsed, Some(id)),
            };
            Error::access_refusal(Attempt::Redeem, code, status, session)
        })?;
        let (token, digest) = self.sessions.draw_token(session_id, random)?;
        let mut events = Vec::new();
        self.expire_due(now, &mut events);
        // L3: the first redemption starts the session.
        self.use_session(index, now, &mut events);
        self.sessions.replace_token(index, digest);
        self.commit_token_replaced(now);
        Ok(Opened {
            session_id,
            token,
            events: events.into(),
        })
    }

    /// Applies any `action` at `now`: for callers whose actions arrive as data. Start,
    /// resume and link draw secrets and ids from `random`; no other action touches it.
    ///
    /// First the rule book decides on the inquiry as seen at `now` (E4); a refusal returns
    /// before anything changes (E8). Then whatever is due up to `now` is applied, with its
    /// events first (E4), then the action itself.
    pub fn act(
        &mut self,
        action: Action,
        now: DateTime<Utc>,
        random: &mut dyn RandomSource,
    ) -> Result<Outcome, Error> {
        match Kind::of(action) {
            Kind::Token(opening) => {
                let opened = self.open(opening, now, random)?;
                Ok(Outcome {
                    events: opened.events,
                    opened: Some((opened.session_id, opened.token)),
                    linked: None,
                })
            }
            Kind::Code => {
                let linked = self.link(now, random)?;
                Ok(Outcome {
                    events: linked.events,
                    opened: None,
                    linked: Some((linked.session_id, linked.code)),
                })
            }
            Kind::Nothing(other) => Ok(Outcome {
                events: self.change(other, now)?,
                opened: None,
                linked: None,
            }),
        }
    }

    /// A person opens the flow, with or without a token (the access table, A1–A3).
    ///
    /// A granted first use of a session marks it `active`. A refusal says why:
    /// `redacted`, `inquiry_expired`, `inquiry_finished`, `session_required`,
    /// `invalid_token` or `session_expired`.
    ///
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use inquiry_lifecycle::{ErrorCode, Inquiry, Policy, SeededRandom, SessionToken};
    ///
    /// let mut random = SeededRandom::new(1);
    /// let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// let (mut inquiry, _) = Inquiry::create(&Policy::default(), t0, &mut random)?;
    /// let granted = inquiry.access(None, t0)?; // created: anyone with the link
    /// assert!(granted.events.is_empty()); // no session was used, nothing changed
    /// let opened = inquiry.start(t0, &mut random)?;
    /// // The service gets the token back as text from the person's browser.
    /// let token = SessionToken::parse(&opened.token.expose_secret())?;
    /// let granted = inquiry.access(Some(&token), t0 + TimeDelta::minutes(1))?;
    /// assert_eq!(granted.session_id, Some(opened.session_id));
    /// let refused = inquiry.access(None, t0 + TimeDelta::minutes(2)).unwrap_err();
    /// assert_eq!(refused.code(), ErrorCode::SessionRequired);
    /// assert_eq!(refused.http_status(), 401);
    /// # Ok::<(), inquiry_lifecycle::Error>(())
    /// ```
    pub fn access(
        &mut self,
        token: Option<&SessionToken>,
        now: DateTime<Utc>,
    ) -> Result<Granted, Error> {
        let now = self.clamp(now);
        limits::check_room(now, self.revision, self.last_sequence)?;
        // Decided on the inquiry as seen at `now`, changing nothing (E8).
        let status = self.status_at(now);
        let presentation = self.sessions.present(token, now);
        let row = AccessRow::of(status, self.is_redacted());
        if let AccessVerdict::Refused(code) = rules::access_verdict(row, presentation.presented) {
            let session = presentation.session.and_then(|i| self.sessions.id_at(i));
            return Err(Error::access_refusal(
                Attempt::Access,
                code,
                status,
                session,
            ));
        }
        let mut events = Vec::new();
        self.expire_due(now, &mut events);
        let used = presentation
            .session
            .and_then(|index| self.use_session(index, now, &mut events));
        self.commit(&events);
        Ok(Granted {
            session_id: used,
            events: events.into(),
        })
    }

    /// Applies everything due up to `now` (E4, E5): the inquiry's deadline and sessions'
    /// expiries, each recorded at its own instant, in order. Calling it early, late or
    /// twice changes nothing more.
    pub fn apply_due(&mut self, now: DateTime<Utc>) -> Events {
        let now = self.clamp(now);
        let mut events = Vec::new();
        self.expire_due(now, &mut events);
        self.commit(&events);
        events.into()
    }

    // ----- the rules, one place each --------------------------------------------------

    /// Recomputes the kept deadline; called after every change to the status or a stamp.
    pub(crate) fn refresh_deadline(&mut self) {
        self.deadline = self.deadline_rule();
    }

    /// E6: time never runs backwards inside one inquiry.
    fn clamp(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now.max(self.updated_at)
    }

    /// Start or resume: the transition, then the session whose token is handed out:
    /// reused by a resume of a live inquiry where S4b allows, else new (S3, S4a, S5, S7).
    fn open(
        &mut self,
        opening: Opening,
        now: DateTime<Utc>,
        random: &mut dyn RandomSource,
    ) -> Result<Opened, Error> {
        let (now, verdict) = self.decide(opening.action(), now)?;
        // S4b: a resume reuses an unused token session that is live at `now`. Only a
        // resume of a live inquiry (T6) can find one: from `expired` (T7) every session
        // ended with the inquiry (S6), and the only sessions that can outlive a deadline,
        // unused token sessions opened while `created`, were retired by start (S4a).
        let reused = match opening {
            Opening::Resume => self.sessions.reusable(now),
            Opening::Start => None,
        };
        if let Some((index, session_id)) = reused {
            // Drawn before anything changes, so that a refusal changes nothing (E8).
            let (token, digest) = self.sessions.draw_token(session_id, random)?;
            let events = self.apply(now, verdict, Some(session_id));
            let unused_until = self.intervals.session_token_ttl.after(now);
            self.sessions.reissue(index, digest, unused_until);
            self.commit(&events);
            return Ok(Opened {
                session_id,
                token,
                events: events.into(),
            });
        }
        // S1, S2: the new session's id and token, drawn before anything changes, so that a
        // random source that repeats itself is refused with nothing changed (E8).
        let (session_id, token, digest) = self.sessions.draw::<SessionToken>(random)?;
        let mut events = self.apply(now, verdict, None);
        let supersede = matches!(opening, Opening::Start);
        self.add_session(
            session_id,
            Bearer::Token,
            digest,
            now,
            supersede,
            &mut events,
        );
        self.commit(&events);
        Ok(Opened {
            session_id,
            token,
            events: events.into(),
        })
    }

    /// S5, S7, S4a, V1: opens a session `id` at `now` whose bearer presents the secret
    /// hashed to `digest`, and records its events: the sessions it ends (S4a with
    /// `supersede`, an S7 eviction), then its own `inquiry-session.created`.
    fn add_session(
        &mut self,
        id: SessionId,
        bearer: Bearer,
        digest: crate::TokenDigest,
        now: DateTime<Utc>,
        supersede: bool,
        events: &mut Vec<Event>,
    ) {
        // S5: the session ends at the deadline as it stands now. Start, resume and link
        // leave the inquiry live, and a live inquiry has a deadline (E3): `now` stands in
        // only for a record the loader refuses ("pending with neither started_at nor
        // resumed_at").
        let ends_at = self.deadline.unwrap_or(now);
        // S5, L2: a session nobody used ends one token TTL, or one link TTL, after it opened.
        let unused_until = match bearer {
            Bearer::Token => self.intervals.session_token_ttl,
            Bearer::Link => self.intervals.one_time_link_ttl,
        }
        .after(now);
        let session = Session::open(id, bearer, digest, now, ends_at, unused_until);
        let status = self.status;
        let mut log = Log::new(self.id, &mut self.last_sequence, events);
        self.sessions.open(session, supersede, |ended| {
            log.session(EventName::SessionExpired, now, status, ended);
        });
        log.session(EventName::SessionCreated, now, status, id);
    }

    /// Every action but start and resume: the transition, committed.
    fn change(&mut self, action: NonOpening, now: DateTime<Utc>) -> Result<Events, Error> {
        let (now, verdict) = self.decide(action.action(), now)?;
        let events = self.apply(now, verdict, None);
        self.commit(&events);
        Ok(events.into())
    }

    /// Decides `action` on the inquiry as seen at `now`, changing nothing (E8): the clamped
    /// `now` (E6) and the rule book's verdict, or the refusal.
    fn decide(
        &self,
        action: Action,
        now: DateTime<Utc>,
    ) -> Result<(DateTime<Utc>, Verdict), Error> {
        let now = self.clamp(now);
        limits::check_room(now, self.revision, self.last_sequence)?;
        let verdict = rules::decide(self.status_at(now), self.is_redacted(), action)?;
        Ok((now, verdict))
    }

    /// Applies an accepted verdict at `now`: what is due up to `now` first (E4), then the
    /// rule, whose event names `session` (a reused session, S4b). Returns the events, not
    /// yet committed.
    fn apply(
        &mut self,
        now: DateTime<Utc>,
        verdict: Verdict,
        session: Option<SessionId>,
    ) -> Vec<Event> {
        let mut events = Vec::new();
        self.expire_due(now, &mut events);
        if let Verdict::Applies(rule) = verdict {
            self.apply_rule(rule, now, session, &mut events);
        }
        events
    }

    /// E4, E5: applies every deadline and session expiry up to `now`, each at its own
    /// instant, earliest first. On a tie the inquiry's deadline goes first, and the
    /// sessions end with it (S6).
    fn expire_due(&mut self, now: DateTime<Utc>, events: &mut Vec<Event>) {
        while let Some(at) = self.next_due().filter(|due| *due <= now) {
            if self.deadline == Some(at) {
                let before = self.status;
                self.status = Status::Expired;
                self.expired_at = Some(at);
                self.refresh_deadline();
                self.record(events, EventName::InquiryExpired, at, Some(before), None);
                self.end_sessions(at, events);
            } else {
                let status = self.status;
                let mut log = Log::new(self.id, &mut self.last_sequence, events);
                self.sessions.time_out(at, |ended| {
                    log.session(EventName::SessionExpired, at, status, ended);
                });
            }
        }
    }

    /// Applies an accepted row of the transition table at `now`: status, stamp, deadline,
    /// the rule's event, and the end of every session where the inquiry stops being live.
    fn apply_rule(
        &mut self,
        rule: &TransitionRule,
        now: DateTime<Utc>,
        session: Option<SessionId>,
        events: &mut Vec<Event>,
    ) {
        let before = self.status;
        if let Target::Status(to) = rule.to {
            self.status = to;
        }
        let stamp = match rule.action {
            Action::Start => Some(&mut self.started_at),
            Action::Complete | Action::Fail => Some(&mut self.finished_at),
            Action::Expire => Some(&mut self.expired_at),
            // E3: only a resume from expired (T7) moves the deadline; T6 does not.
            Action::Resume if before == Status::Expired => Some(&mut self.resumed_at),
            Action::Resume => None,
            Action::MarkForReview => Some(&mut self.reviewed_at),
            Action::Approve | Action::Decline => Some(&mut self.decided_at),
            Action::Redact => Some(&mut self.redacted_at),
            Action::Link => None,
        };
        if let Some(stamp) = stamp {
            *stamp = Some(now);
        }
        if matches!(rule.action, Action::Complete | Action::Fail) {
            self.finished_as = Some(self.status);
        }
        self.refresh_deadline();
        // L1's event is the new session's own `inquiry-session.created`, recorded when the
        // session opens; every other rule yields an inquiry event here.
        if rule.action != Action::Link {
            self.record(events, rule.event, now, Some(before), session);
        }
        if !self.status.is_live() || self.is_redacted() {
            // S6, E7: leaving the live statuses, or redaction, ends every session.
            self.end_sessions(now, events);
        }
    }

    /// A3, L3: a granted use of the session at `index` at `now`; its first use starts it
    /// (`new` becomes `active`, `inquiry-session.started`). Returns its id.
    fn use_session(
        &mut self,
        index: usize,
        now: DateTime<Utc>,
        events: &mut Vec<Event>,
    ) -> Option<SessionId> {
        let (session, first) = self.sessions.use_at(index, now)?;
        if first {
            let status = self.status;
            self.record(
                events,
                EventName::SessionStarted,
                now,
                Some(status),
                Some(session),
            );
        }
        Some(session)
    }

    /// S6: ends every live session at `at`.
    fn end_sessions(&mut self, at: DateTime<Utc>, events: &mut Vec<Event>) {
        let status = self.status;
        let mut log = Log::new(self.id, &mut self.last_sequence, events);
        self.sessions.end_all(at, |ended| {
            log.session(EventName::SessionExpired, at, status, ended);
        });
    }

    /// V1: appends an inquiry-level event with the next sequence number.
    fn record(
        &mut self,
        events: &mut Vec<Event>,
        name: EventName,
        at: DateTime<Utc>,
        status_before: Option<Status>,
        session_id: Option<SessionId>,
    ) {
        let status_after = self.status;
        Log::new(self.id, &mut self.last_sequence, events).push(
            name,
            at,
            status_before,
            status_after,
            session_id,
        );
    }

    /// V3, E6: a call that yielded events bumps the revision by exactly one and records
    /// when its last change happened.
    fn commit(&mut self, events: &[Event]) {
        if let Some(last) = events.last() {
            self.revision += 1;
            self.updated_at = last.at;
        }
    }

    /// V1, V3, E6: a call that replaced a token (L3) changed the inquiry, with or without
    /// events: the revision goes up by one, and the change is recorded at the call's `now`
    /// (every event of the call is at or before it).
    fn commit_token_replaced(&mut self, now: DateTime<Utc>) {
        self.revision += 1;
        self.updated_at = now;
    }
}

/// V1: numbers one inquiry's events and collects those of one call. Borrows only the
/// sequence counter, so it can record while the sessions are being changed.
struct Log<'a> {
    inquiry_id: InquiryId,
    last_sequence: &'a mut u64,
    events: &'a mut Vec<Event>,
}

impl<'a> Log<'a> {
    fn new(inquiry_id: InquiryId, last_sequence: &'a mut u64, events: &'a mut Vec<Event>) -> Self {
        Log {
            inquiry_id,
            last_sequence,
            events,
        }
    }

    fn push(
        &mut self,
        name: EventName,
        at: DateTime<Utc>,
        status_before: Option<Status>,
        status_after: Status,
        session_id: Option<SessionId>,
    ) {
        *self.last_sequence += 1;
        self.events.push(Event {
            name,
            inquiry_id: self.inquiry_id,
            at,
            status_before,
            status_after,
            session_id,
            sequence: *self.last_sequence,
        });
    }

    /// A session event: the inquiry's status is both before and after.
    fn session(&mut self, name: EventName, at: DateTime<Utc>, status: Status, id: SessionId) {
        self.push(name, at, Some(status), status, Some(id));
    }
}

/// Start and resume: the actions that hand out a session token (S3). With link, the only
/// ones that need randomness.
#[derive(Clone, Copy)]
enum Opening {
    Start,
    Resume,
}

/// Every other action: none opens a session.
#[derive(Clone, Copy)]
enum NonOpening {
    Complete,
    Fail,
    Expire,
    MarkForReview,
    Approve,
    Decline,
    Redact,
}

/// What an action hands out, which decides how [`Inquiry::act`] runs it.
enum Kind {
    /// Start and resume: a session token.
    Token(Opening),
    /// Link: a one-time link's code (L1).
    Code,
    /// Every other action: nothing.
    Nothing(NonOpening),
}

impl Kind {
    fn of(action: Action) -> Kind {
        match action {
            Action::Start => Kind::Token(Opening::Start),
            Action::Resume => Kind::Token(Opening::Resume),
            Action::Link => Kind::Code,
            Action::Complete => Kind::Nothing(NonOpening::Complete),
            Action::Fail => Kind::Nothing(NonOpening::Fail),
            Action::Expire => Kind::Nothing(NonOpening::Expire),
            Action::MarkForReview => Kind::Nothing(NonOpening::MarkForReview),
            Action::Approve => Kind::Nothing(NonOpening::Approve),
            Action::Decline => Kind::Nothing(NonOpening::Decline),
            Action::Redact => Kind::Nothing(NonOpening::Redact),
        }
    }
}

impl Opening {
    fn action(self) -> Action {
        match self {
            Opening::Start => Action::Start,
            Opening::Resume => Action::Resume,
        }
    }
}

impl NonOpening {
    fn action(self) -> Action {
        match self {
            NonOpening::Complete => Action::Complete,
            NonOpening::Fail => Action::Fail,
            NonOpening::Expire => Action::Expire,
            NonOpening::MarkForReview => Action::MarkForReview,
            NonOpening::Approve => Action::Approve,
            NonOpening::Decline => Action::Decline,
            NonOpening::Redact => Action::Redact,
        }
    }
}
