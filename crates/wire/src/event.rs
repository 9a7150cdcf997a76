//! W6: event documents, whose payload is the resource as it stood right after the event.

use chrono::{DateTime, Utc};
use inquiry_lifecycle::{Error, Event, EventId, EventName, Inquiry, Session, SessionStatus};

use crate::read::Reader;
use crate::write::{self, Inflected};
use crate::{Inflection, InquiryResource, SessionResource};

/// A resource an event carries as its payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// An `inquiry.*` event's payload: the inquiry (W1).
    Inquiry(InquiryResource),
    /// An `inquiry-session.*` event's payload: the session (W2).
    Session(SessionResource),
}

/// An event document (W6): `{"data": {"type": "event", "id": "evt_…", "attributes":
/// {"name": …, "created-at": …, "sequence": …, "payload": {"data": <resource>}}}}`.
///
/// Build a change's documents with [`EventDocument::for_change`]; read one with
/// [`EventDocument::from_json`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EventDocument {
    /// The event's id, a pure function of inquiry id and sequence ([`EventId::of`]): every
    /// redelivery, from any process, carries the same one.
    pub id: EventId,
    /// `name`.
    pub name: EventName,
    /// `created-at`: when the event happened (a due expiry: its deadline, E4).
    pub created_at: DateTime<Utc>,
    /// `sequence` (V1): this project's extension; `None` in a vendor's event.
    pub sequence: Option<u64>,
    /// `payload.data`: the inquiry, or the session, as it stood right after the event.
    pub payload: Resource,
}

/// An event document as read (W7): a known event, or one whose name this library does not
/// know, to be acknowledged and skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncomingEvent {
    /// An event of the rule book (V2).
    Known(EventDocument),
    /// An event with a name the rule book does not have (a vendor's `inquiry.transitioned`,
    /// say); not an error.
    Unknown {
        /// Its id, to acknowledge it by.
        id: EventId,
        /// Its name (at most 40 characters of it).
        name: String,
    },
}

impl EventDocument {
    /// The document of `event` with this payload: for an event whose change is gone (it
    /// was saved without its documents), shown with the resource as it stands now. A
    /// change's own documents come from [`EventDocument::for_change`].
    pub fn of(event: &Event, payload: Resource) -> EventDocument {
        EventDocument {
            id: event.id(),
            name: event.name,
            created_at: event.at,
            sequence: Some(event.sequence),
            payload,
        }
    }

    /// The document as compact JSON text, keys in `inflection`.
    pub fn to_json(&self, inflection: Inflection) -> String {
        write::to_json(&Inflected(&crate::write::Data(self), inflection))
    }

    /// Reads an event document in any inflection (W7): malformed ids, names' payloads,
    /// statuses or instants are `invalid_input` naming the JSON path; an unknown event
    /// name is [`IncomingEvent::Unknown`]; unknown keys are ignored.
    pub fn from_json(text: &str) -> Result<IncomingEvent, Error> {
        let reader = Reader::parse("event document", text)?;
        crate::read::event(&reader.root()?)
    }

    /// The documents of one change's events: `before` is the inquiry as loaded (`None` for
    /// a creation), `after` as the change left it, `events` what the change yielded.
    ///
    /// An `inquiry.*` event's payload has the inquiry's attributes as they stood right
    /// after that event (its status is the event's status after; a due expiry applied on
    /// the way shows `expired` with no deadline, even when the call then resumed it); its
    /// `relationships` list the session records kept at the end of the change. An
    /// `inquiry-session.*` event's payload is the session as it stood right after the
    /// event (a session the change dropped under S7 shows as it ended).
    ///
    /// Refused with `invalid_input` when `events` are not exactly the events between
    /// `before` and `after` (another inquiry's, missing or extra sequence numbers).
    ///
    /// ```
    /// use chrono::{TimeDelta, TimeZone, Utc};
    /// use inquiry_lifecycle::{Inquiry, Policy, SeededRandom, Status};
    /// use inquiry_lifecycle_wire::{EventDocument, Resource};
    ///
    /// let mut random = SeededRandom::new(1);
    /// let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// let (mut inquiry, _created) = Inquiry::create(&Policy::default(), t0, &mut random)?;
    /// let before = inquiry.clone();
    /// // A resume a day later applies the due expiry first, then resumes (T7).
    /// let resumed = inquiry.resume(t0 + TimeDelta::hours(25), &mut random)?;
    /// let documents = EventDocument::for_change(Some(&before), &inquiry, &resumed.events)?;
    /// let statuses: Vec<_> = documents.iter().map(|document| match &document.payload {
    ///     Resource::Inquiry(inquiry) => inquiry.status.as_str(),
    ///     Resource::Session(session) => session.status.as_str(),
    /// }).collect();
    /// assert_eq!(statuses, ["expired", "pending", "new"]);
    /// # Ok::<(), inquiry_lifecycle::Error>(())
    /// ```
    pub fn for_change(
        before: Option<&Inquiry>,
        after: &Inquiry,
        events: &[Event],
    ) -> Result<Vec<EventDocument>, Error> {
        check_change(before, after, events)?;
        let mut inquiry = InquiryResource::of(before.unwrap_or(after));
        // Every payload shows the reference and the session records kept at the change's end.
        inquiry.reference_id = after.reference_id().cloned();
        inquiry.sessions = after.sessions().iter().map(Session::id).collect();
        // Only the change's last inquiry event leaves the inquiry as `after` has it; an
        // earlier one is a due expiry (V1's order), which leaves no deadline.
        let last_inquiry_event = events
            .iter()
            .rposition(|event| !event.name.is_session_event());
        let mut documents = Vec::with_capacity(events.len());
        for (index, event) in events.iter().enumerate() {
            let payload = if event.name.is_session_event() {
                Resource::Session(session_after(before, after, event)?)
            } else {
                let expires_at = if Some(index) == last_inquiry_event {
                    after.deadline()
                } else {
                    None
                };
                apply(&mut inquiry, event, expires_at);
                if inquiry.expires_at.is_none()
                    && inquiry.status.is_live()
                    && inquiry.redacted_at.is_none()
                {
                    return Err(not_a_change(format!(
                        "{} #{} leaves a live inquiry with no deadline before the change's last inquiry event",
                        event.name, event.sequence
                    )));
                }
                Resource::Inquiry(inquiry.clone())
            };
            documents.push(EventDocument {
                id: event.id(),
                name: event.name,
                created_at: event.at,
                sequence: Some(event.sequence),
                payload,
            });
        }
        Ok(documents)
    }
}

/// An inquiry event's effect on the attributes: its status, the stamp its transition sets,
/// the time of the change, the deadline it leaves.
fn apply(inquiry: &mut InquiryResource, event: &Event, expires_at: Option<DateTime<Utc>>) {
    inquiry.status = event.status_after;
    inquiry.updated_at = event.at;
    inquiry.expires_at = expires_at;
    let stamp = match event.name {
        EventName::InquiryStarted => Some(&mut inquiry.started_at),
        EventName::InquiryExpired => Some(&mut inquiry.expired_at),
        EventName::InquiryCompleted => Some(&mut inquiry.completed_at),
        EventName::InquiryFailed => Some(&mut inquiry.failed_at),
        EventName::InquiryMarkedForReview => Some(&mut inquiry.marked_for_review_at),
        EventName::InquiryApproved | EventName::InquiryDeclined => Some(&mut inquiry.decisioned_at),
        EventName::InquiryRedacted => Some(&mut inquiry.redacted_at),
        _ => None,
    };
    if let Some(stamp) = stamp {
        *stamp = Some(event.at);
    }
}

/// A session event's payload: the session's record after the change (or, dropped by S7,
/// before it, ended by the event), which must agree with what the event says.
fn session_after(
    before: Option<&Inquiry>,
    after: &Inquiry,
    event: &Event,
) -> Result<SessionResource, Error> {
    let find = |inquiry: &Inquiry| {
        inquiry
            .sessions()
            .iter()
            .find(|session| Some(session.id()) == event.session_id)
            .map(|session| SessionResource::of(inquiry.id(), session))
    };
    let resource = match (find(after), before.and_then(find)) {
        (Some(kept), _) => kept,
        (None, Some(mut dropped)) if event.name == EventName::SessionExpired => {
            dropped.status = SessionStatus::Expired;
            dropped.expired_at = Some(event.at);
            dropped
        }
        _ => {
            return Err(not_a_change(format!(
                "{} #{} names a session neither inquiry keeps",
                event.name, event.sequence
            )))
        }
    };
    let expected = match event.name {
        EventName::SessionCreated => SessionStatus::New,
        EventName::SessionStarted => SessionStatus::Active,
        _ => SessionStatus::Expired,
    };
    if resource.status != expected {
        return Err(not_a_change(format!(
            "{} #{} but the session is {}",
            event.name, event.sequence, resource.status
        )));
    }
    Ok(resource)
}

/// Checks that `events` are exactly the events from `before` to `after`.
fn check_change(before: Option<&Inquiry>, after: &Inquiry, events: &[Event]) -> Result<(), Error> {
    let first = before.map_or(1, |before| before.last_sequence() + 1);
    if let Some(before) = before.filter(|before| before.id() != after.id()) {
        return Err(not_a_change(format!(
            "before is {}, after is {}",
            before.id(),
            after.id()
        )));
    }
    for (offset, event) in (0u64..).zip(events) {
        if event.inquiry_id != after.id() || event.sequence != first + offset {
            return Err(not_a_change(format!(
                "expected {} #{}, found {} #{}",
                after.id(),
                first + offset,
                event.inquiry_id,
                event.sequence
            )));
        }
    }
    let last = first + events.len() as u64 - 1;
    if last != after.last_sequence() {
        return Err(not_a_change(format!(
            "the events end at #{last}, the inquiry's last event is #{}",
            after.last_sequence()
        )));
    }
    if before.is_none() && events.first().map(|event| event.name) != Some(EventName::InquiryCreated)
    {
        return Err(not_a_change(
            "with no inquiry before, the change must be the creation".to_owned(),
        ));
    }
    Ok(())
}

fn not_a_change(problem: String) -> Error {
    Error::invalid_input(format!(
        "events are not one change from before to after: {problem}"
    ))
}
