//! M2–M4: one inquiry's mirror, and how an event or a fetched resource changes it.

use std::fmt;

use chrono::{DateTime, Utc};
use inquiry_lifecycle::rules::reachable;
use inquiry_lifecycle::{EventId, InquiryId, Status};
use inquiry_lifecycle_wire::{EventDocument, InquiryResource, Resource};

use crate::{Answer, Refusal};

/// The most events a mirror remembers (M2's de-duplication and M3's history). Past it the
/// oldest entries are forgotten: a redelivery of a forgotten event is then answered
/// [`Answer::Stale`] (an inquiry event older than the state) or recorded again (a session
/// event), and still never changes the mirrored state. An inquiry of the rule book yields
/// far fewer events unless it is expired and resumed hundreds of times.
pub const MAX_HISTORY: usize = 1024;

/// One inquiry as mirrored from an upstream provider's events (M3), storable with a
/// revision (M6).
///
/// Build one with [`Mirror::new`], feed it events with [`Mirror::apply`] (or deliveries
/// through [`read`](crate::read)), and repair it with [`Mirror::reconcile`] when it says
/// it [needs reconciling](Mirror::needs_reconcile).
///
/// ```
/// use chrono::{TimeDelta, TimeZone, Utc};
/// use inquiry_lifecycle::{Inquiry, Policy, SeededRandom, Status};
/// use inquiry_lifecycle_mirror::{Answer, Mirror};
/// use inquiry_lifecycle_wire::EventDocument;
///
/// // The provider's side: an inquiry created, then approved.
/// let mut random = SeededRandom::new(1);
/// let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
/// let (mut inquiry, created) = Inquiry::create(&Policy::default(), t0, &mut random)?;
/// let mut events = EventDocument::for_change(None, &inquiry, &created)?;
/// let before = inquiry.clone();
/// let approved = inquiry.approve(t0 + TimeDelta::minutes(1))?;
/// events.extend(EventDocument::for_change(Some(&before), &inquiry, &approved)?);
///
/// // The integrator's side: the approval arrives first, then the creation, then the
/// // approval again.
/// let mut mirror = Mirror::new(inquiry.id());
/// assert_eq!(mirror.apply(&events[1]), Answer::Applied);
/// assert_eq!(mirror.apply(&events[0]), Answer::Stale); // older: kept in the history only
/// assert_eq!(mirror.apply(&events[1]), Answer::Duplicate);
/// assert_eq!(mirror.status(), Some(Status::Approved));
/// assert_eq!(mirror.revision(), 2); // the duplicate changed nothing
/// # Ok::<(), inquiry_lifecycle::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mirror {
    pub(crate) inquiry: InquiryId,
    pub(crate) revision: u64,
    pub(crate) state: Option<InquiryResource>,
    pub(crate) newest: Option<Key>,
    pub(crate) last_event: Option<EventId>,
    pub(crate) unreachable: Option<Unreachable>,
    pub(crate) history: Vec<Seen>,
}

/// M3's order of `inquiry.*` events: `created-at`, then `sequence` (absent counts as 0),
/// then the status's rank, then the event id, compared in that order (the derived `Ord`
/// follows the fields' order).
/// Stored as it is in a mirror record (`Mirror::to_json`).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(deny_unknown_fields)]
pub(crate) struct Key {
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) sequence: u64,
    pub(crate) rank: u8,
    /// `None` for a state set by [`Mirror::reconcile`], which sorts after every event at or
    /// before its `updated-at` through its sequence (`u64::MAX`).
    pub(crate) event: Option<EventId>,
}

impl Key {
    fn of(event: &EventDocument, status: Status) -> Key {
        Key {
            created_at: event.created_at,
            sequence: event.sequence.unwrap_or(0),
            rank: rank(status),
            event: Some(event.id),
        }
    }

    /// A fetched resource reflects every change up to its `updated-at`, so every event at
    /// or before that instant is older than it.
    fn fetched(resource: &InquiryResource) -> Key {
        Key {
            created_at: resource.updated_at,
            sequence: u64::MAX,
            rank: u8::MAX,
            event: None,
        }
    }
}

/// M3's status rank: how far into the lifecycle a status is, for events at the same
/// instant and sequence.
pub const fn rank(status: Status) -> u8 {
    match status {
        Status::Created => 0,
        Status::Pending => 1,
        Status::Expired => 2,
        Status::Completed | Status::Failed => 3,
        Status::NeedsReview => 4,
        Status::Approved | Status::Declined => 5,
    }
}

/// Why a mirror needs reconciling (M4): a newer `inquiry.*` event said a status the rule
/// book cannot reach from the mirrored one, so it was not applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreachable {
    /// The event that was not applied.
    pub event: EventId,
    /// The mirrored status when it arrived, and whether the inquiry was redacted.
    pub mirrored: (Status, bool),
    /// The status the event said, and whether it said the inquiry was redacted.
    pub arrived: (Status, bool),
}

impl fmt::Display for Unreachable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} says {} but the mirror holds {}, and the rule book cannot go from there to there (decisions are final, redaction freezes); fetch the inquiry and reconcile it (M4)",
            self.event,
            Described(self.arrived),
            Described(self.mirrored)
        )
    }
}

/// "approved", or "approved (redacted)".
struct Described((Status, bool));

impl fmt::Display for Described {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (status, redacted) = self.0;
        f.write_str(status.as_str())?;
        if redacted {
            f.write_str(" (redacted)")?;
        }
        Ok(())
    }
}

/// An event a mirror has seen, in its history (M3), in arrival order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// The event's id.
    pub event: EventId,
    /// Its name, e.g. `inquiry.completed`.
    pub name: &'static str,
    /// Its `created-at`.
    pub created_at: DateTime<Utc>,
    /// Its `sequence`, if it had one.
    pub sequence: Option<u64>,
    /// What the mirror answered when it first arrived: [`Answer::Applied`],
    /// [`Answer::Recorded`], [`Answer::Stale`] or [`Answer::NeedsReconcile`]'s code.
    pub answer: &'static str,
}

/// The inquiry an event belongs to: the payload's own id, or the session's inquiry.
pub fn inquiry_of(event: &EventDocument) -> InquiryId {
    match &event.payload {
        Resource::Inquiry(inquiry) => inquiry.id,
        Resource::Session(session) => session.inquiry_id,
    }
}

impl Mirror {
    /// A mirror of `inquiry` that has seen nothing yet, at revision 0 (not stored).
    pub fn new(inquiry: InquiryId) -> Mirror {
        Mirror {
            inquiry,
            revision: 0,
            state: None,
            newest: None,
            last_event: None,
            unreachable: None,
            history: Vec::new(),
        }
    }

    /// The mirrored inquiry's id.
    pub fn inquiry(&self) -> InquiryId {
        self.inquiry
    }

    /// How many times the mirror changed: 0 for a new one, one more for every event it
    /// took in (all answers but [`Answer::Duplicate`] and refusals) and every reconcile.
    /// Stores save with compare-and-swap on it (M6).
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// The mirrored inquiry (M3): the payload of the newest `inquiry.*` event applied, or
    /// the resource last reconciled; `None` until one arrived.
    pub fn state(&self) -> Option<&InquiryResource> {
        self.state.as_ref()
    }

    /// The mirrored status; `None` until an `inquiry.*` event arrived.
    pub fn status(&self) -> Option<Status> {
        self.state.as_ref().map(|state| state.status)
    }

    /// Whether the mirrored inquiry is redacted (`redacted-at` is set; redaction keeps the
    /// status).
    pub fn is_redacted(&self) -> bool {
        self.state
            .as_ref()
            .is_some_and(|state| state.redacted_at.is_some())
    }

    /// The event whose payload is the mirrored state; `None` before the first, or after a
    /// reconcile (the state is then the fetched resource).
    pub fn last_event(&self) -> Option<EventId> {
        self.last_event
    }

    /// Why the mirror needs reconciling, if it does (M4): until [`Mirror::reconcile`], the
    /// state may be behind the provider's.
    pub fn needs_reconcile(&self) -> Option<&Unreachable> {
        self.unreachable.as_ref()
    }

    /// The events seen, oldest first (at most [`MAX_HISTORY`]).
    pub fn history(&self) -> &[Seen] {
        &self.history
    }

    /// Takes in one event (M2–M4) and answers what it did:
    ///
    /// - an event id seen before: [`Answer::Duplicate`], nothing changes (M2);
    /// - an `inquiry-session.*` event: [`Answer::Recorded`], kept in the history only (M3);
    /// - an `inquiry.*` event not newer than the state (M3's order): [`Answer::Stale`], kept
    ///   in the history only;
    /// - a newer one whose status the rule book cannot reach from the mirrored one:
    ///   [`Answer::NeedsReconcile`], not applied, the mirror marked (M4);
    /// - otherwise [`Answer::Applied`]: its payload is the state now.
    ///
    /// An event of another inquiry is [`Answer::Refused`] and changes nothing.
    pub fn apply(&mut self, event: &EventDocument) -> Answer {
        let of = inquiry_of(event);
        if of != self.inquiry {
            return Answer::Refused(Refusal::OtherInquiry {
                mirror: self.inquiry,
                event: of,
            });
        }
        if self.history.iter().any(|seen| seen.event == event.id) {
            return Answer::Duplicate;
        }
        let answer = match &event.payload {
            Resource::Session(_) => Answer::Recorded,
            Resource::Inquiry(resource) => self.fold(event, resource),
        };
        self.remember(event, &answer);
        answer
    }

    /// M3 and M4 for an `inquiry.*` event not seen before.
    fn fold(&mut self, event: &EventDocument, resource: &InquiryResource) -> Answer {
        let key = Key::of(event, resource.status);
        if self.newest.is_some_and(|newest| key <= newest) {
            return Answer::Stale;
        }
        let arrived = (resource.status, resource.redacted_at.is_some());
        if let Some(state) = &self.state {
            let mirrored = (state.status, state.redacted_at.is_some());
            if !reachable(mirrored, arrived) {
                let unreachable = Unreachable {
                    event: event.id,
                    mirrored,
                    arrived,
                };
                self.unreachable = Some(unreachable.clone());
                return Answer::NeedsReconcile(unreachable);
            }
        }
        self.state = Some(resource.clone());
        self.newest = Some(key);
        self.last_event = Some(event.id);
        Answer::Applied
    }

    fn remember(&mut self, event: &EventDocument, answer: &Answer) {
        if self.history.len() == MAX_HISTORY {
            self.history.remove(0);
        }
        self.history.push(Seen {
            event: event.id,
            name: event.name.as_str(),
            created_at: event.created_at,
            sequence: event.sequence,
            answer: answer.code(),
        });
        self.revision += 1;
    }

    /// Replaces the state with a freshly fetched inquiry resource (W1) and clears the
    /// [`needs_reconcile`](Mirror::needs_reconcile) mark (M4). The resource counts as newer
    /// than every event at or before its `updated-at`.
    ///
    /// A resource older than the mirrored state (its `updated-at` before the newest
    /// applied event's `created-at`: the fetch raced a newer event) clears the mark but
    /// keeps the state: [`Answer::Stale`]. Otherwise [`Answer::Applied`]. A resource of
    /// another inquiry is [`Answer::Refused`] and changes nothing.
    pub fn reconcile(&mut self, resource: &InquiryResource) -> Answer {
        if resource.id != self.inquiry {
            return Answer::Refused(Refusal::OtherInquiry {
                mirror: self.inquiry,
                event: resource.id,
            });
        }
        self.unreachable = None;
        self.revision += 1;
        let key = Key::fetched(resource);
        if self
            .newest
            .is_some_and(|newest| newest.created_at > key.created_at)
        {
            return Answer::Stale;
        }
        self.state = Some(resource.clone());
        self.newest = Some(key);
        self.last_event = None;
        Answer::Applied
    }
}
