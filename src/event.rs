//! Events: every change comes out as events, in order (rules V1–V3).

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{EventId, InquiryId, SessionId, Status};

/// What happened; serialized as the rule book's dotted name, e.g. `inquiry.marked-for-review`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum EventName {
    /// `inquiry.created` (T1).
    #[serde(rename = "inquiry.created")]
    InquiryCreated,
    /// `inquiry.started` (T2).
    #[serde(rename = "inquiry.started")]
    InquiryStarted,
    /// `inquiry.expired` (T5, E4).
    #[serde(rename = "inquiry.expired")]
    InquiryExpired,
    /// `inquiry.resumed` (T6, T7).
    #[serde(rename = "inquiry.resumed")]
    InquiryResumed,
    /// `inquiry.completed` (T3).
    #[serde(rename = "inquiry.completed")]
    InquiryCompleted,
    /// `inquiry.failed` (T4).
    #[serde(rename = "inquiry.failed")]
    InquiryFailed,
    /// `inquiry.marked-for-review` (T8).
    #[serde(rename = "inquiry.marked-for-review")]
    InquiryMarkedForReview,
    /// `inquiry.approved` (T9).
    #[serde(rename = "inquiry.approved")]
    InquiryApproved,
    /// `inquiry.declined` (T10).
    #[serde(rename = "inquiry.declined")]
    InquiryDeclined,
    /// `inquiry.redacted` (T11).
    #[serde(rename = "inquiry.redacted")]
    InquiryRedacted,
    /// `inquiry-session.created` (S3).
    #[serde(rename = "inquiry-session.created")]
    SessionCreated,
    /// `inquiry-session.started`: the first granted use of a session (A3).
    #[serde(rename = "inquiry-session.started")]
    SessionStarted,
    /// `inquiry-session.expired` (S4–S7).
    #[serde(rename = "inquiry-session.expired")]
    SessionExpired,
}

impl EventName {
    /// Every event name, inquiry events first (V2).
    pub const ALL: [EventName; 13] = [
        EventName::InquiryCreated,
        EventName::InquiryStarted,
        EventName::InquiryExpired,
        EventName::InquiryResumed,
        EventName::InquiryCompleted,
        EventName::InquiryFailed,
        EventName::InquiryMarkedForReview,
        EventName::InquiryApproved,
        EventName::InquiryDeclined,
        EventName::InquiryRedacted,
        EventName::SessionCreated,
        EventName::SessionStarted,
        EventName::SessionExpired,
    ];

    /// The wire name, e.g. `"inquiry-session.started"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            EventName::InquiryCreated => "inquiry.created",
            EventName::InquiryStarted => "inquiry.started",
            EventName::InquiryExpired => "inquiry.expired",
            EventName::InquiryResumed => "inquiry.resumed",
            EventName::InquiryCompleted => "inquiry.completed",
            EventName::InquiryFailed => "inquiry.failed",
            EventName::InquiryMarkedForReview => "inquiry.marked-for-review",
            EventName::InquiryApproved => "inquiry.approved",
            EventName::InquiryDeclined => "inquiry.declined",
            EventName::InquiryRedacted => "inquiry.redacted",
            EventName::SessionCreated => "inquiry-session.created",
            EventName::SessionStarted => "inquiry-session.started",
            EventName::SessionExpired => "inquiry-session.expired",
        }
    }

    /// Whether this is an `inquiry-session.*` event.
    pub const fn is_session_event(self) -> bool {
        matches!(
            self,
            EventName::SessionCreated | EventName::SessionStarted | EventName::SessionExpired
        )
    }
}

impl fmt::Display for EventName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for EventName {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventName::ALL
            .into_iter()
            .find(|name| name.as_str() == s)
            .ok_or_else(|| crate::Error::invalid_input(format!("unknown event name {s:?}")))
    }
}

/// One change to one inquiry (rule V1).
///
/// `sequence` runs 1, 2, 3, … per inquiry without gaps: it orders events and lets a
/// consumer drop duplicates; [`Event::id`] is the same fact as a stable `evt_` id. Session
/// events carry the session's id and the inquiry's status at that moment as both
/// `status_before` and `status_after`.
///
/// Events are a contract that can grow: the struct is `#[non_exhaustive]`, its serialized
/// form carries its `id`, and a serialized event with fields this version does not know
/// still loads (they are ignored). A serialized `id` that is not the one its inquiry and
/// sequence give is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(into = "WireEvent")]
#[non_exhaustive]
#[must_use = "an event is a change that happened: publish it"]
pub struct Event {
    /// What happened.
    pub name: EventName,
    /// The inquiry it happened to.
    pub inquiry_id: InquiryId,
    /// When it happened (for a due expiry, the deadline itself: rule E4).
    pub at: DateTime<Utc>,
    /// The inquiry's status before; `None` only for `inquiry.created`.
    pub status_before: Option<Status>,
    /// The inquiry's status after.
    pub status_after: Status,
    /// The session concerned, for `inquiry-session.*` events.
    pub session_id: Option<SessionId>,
    /// The event's place in the inquiry's history, from 1.
    pub sequence: u64,
}

impl Event {
    /// The event's stable id, a pure function of its inquiry and sequence number: every
    /// redelivery carries the same one.
    pub fn id(&self) -> EventId {
        EventId::of(self.inquiry_id, self.sequence)
    }
}

/// An event as serialized: its fields and its id. Unknown fields are ignored on reading, so
/// events written by a later version still load.
#[derive(Serialize, Deserialize)]
struct WireEvent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    id: Option<EventId>,
    name: EventName,
    inquiry_id: InquiryId,
    at: DateTime<Utc>,
    status_before: Option<Status>,
    status_after: Status,
    session_id: Option<SessionId>,
    sequence: u64,
}

impl From<Event> for WireEvent {
    fn from(event: Event) -> Self {
        WireEvent {
            id: Some(event.id()),
            name: event.name,
            inquiry_id: event.inquiry_id,
            at: event.at,
            status_before: event.status_before,
            status_after: event.status_after,
            session_id: event.session_id,
            sequence: event.sequence,
        }
    }
}

impl<'de> Deserialize<'de> for Event {
    /// Reads the serialized form and checks its id; a refusal is the library's detail.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let wire = WireEvent::deserialize(deserializer)?;
        Event::try_from(wire).map_err(crate::record::de_error)
    }
}

impl TryFrom<WireEvent> for Event {
    type Error = crate::Error;

    fn try_from(wire: WireEvent) -> Result<Self, Self::Error> {
        let event = Event {
            name: wire.name,
            inquiry_id: wire.inquiry_id,
            at: wire.at,
            status_before: wire.status_before,
            status_after: wire.status_after,
            session_id: wire.session_id,
            sequence: wire.sequence,
        };
        match wire.id {
            Some(id) if id != event.id() => Err(crate::Error::invalid_input(format!(
                "event {id} is not the id of {} #{} (expected {})",
                event.inquiry_id,
                event.sequence,
                event.id()
            ))),
            _ => Ok(event),
        }
    }
}

/// The events one call yielded, in order (V1). They must not be dropped unseen: the type is
/// `#[must_use]`, so `inquiry.complete(now)?;` warns. Publish them, store them in an outbox
/// with the inquiry, or bind them where dropping is deliberate (`let _unpublished = …`).
///
/// Derefs to `[Event]`; iterate it, index it, or take the `Vec` with [`Events::into_vec`].
///
/// Dropping a call's events unseen is caught by the compiler (here made an error):
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// # use chrono::{TimeZone, Utc};
/// # use inquiry_lifecycle::{Inquiry, Policy, SeededRandom};
/// # fn main() -> Result<(), inquiry_lifecycle::Error> {
/// # let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
/// # let (mut inquiry, _created) = Inquiry::create(&Policy::default(), t0, &mut SeededRandom::new(1))?;
/// inquiry.approve(t0)?; // error: unused `Events` that must be used
/// # Ok(())
/// # }
/// ```
///
/// and so is dropping a granted access, which may carry `inquiry-session.started`:
///
/// ```compile_fail
/// #![deny(unused_must_use)]
/// # use chrono::{TimeZone, Utc};
/// # use inquiry_lifecycle::{Inquiry, Policy, SeededRandom};
/// # fn main() -> Result<(), inquiry_lifecycle::Error> {
/// # let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
/// # let (mut inquiry, _created) = Inquiry::create(&Policy::default(), t0, &mut SeededRandom::new(1))?;
/// inquiry.access(None, t0)?; // error: unused `Granted` that must be used
/// # Ok(())
/// # }
/// ```
///
/// The same code that publishes what it gets compiles:
///
/// ```
/// #![deny(unused_must_use)]
/// # use chrono::{TimeZone, Utc};
/// # use inquiry_lifecycle::{Event, Inquiry, Policy, SeededRandom};
/// # fn publish(_: &Event) {}
/// # fn main() -> Result<(), inquiry_lifecycle::Error> {
/// # let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
/// # let (mut inquiry, _created) = Inquiry::create(&Policy::default(), t0, &mut SeededRandom::new(1))?;
/// for event in inquiry.approve(t0)? {
///     publish(&event);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
#[must_use = "these events record a change: publish them (or store them in the outbox with the inquiry)"]
pub struct Events(Vec<Event>);

impl Events {
    /// The events as a `Vec`.
    pub fn into_vec(self) -> Vec<Event> {
        self.0
    }

    /// The events as a slice.
    pub fn as_slice(&self) -> &[Event] {
        &self.0
    }
}

impl From<Vec<Event>> for Events {
    fn from(events: Vec<Event>) -> Self {
        Events(events)
    }
}

impl From<Events> for Vec<Event> {
    fn from(events: Events) -> Self {
        events.0
    }
}

impl std::ops::Deref for Events {
    type Target = [Event];

    fn deref(&self) -> &[Event] {
        &self.0
    }
}

impl AsRef<[Event]> for Events {
    fn as_ref(&self) -> &[Event] {
        &self.0
    }
}

impl IntoIterator for Events {
    type Item = Event;
    type IntoIter = std::vec::IntoIter<Event>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Events {
    type Item = &'a Event;
    type IntoIter = std::slice::Iter<'a, Event>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl PartialEq<[Event]> for Events {
    fn eq(&self, other: &[Event]) -> bool {
        self.0 == other
    }
}

impl PartialEq<Vec<Event>> for Events {
    fn eq(&self, other: &Vec<Event>) -> bool {
        &self.0 == other
    }
}
