//! Writing documents: each value through serde's data model, each key in the caller's
//! inflection (W5), each instant in UTC with milliseconds.

use std::fmt;

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::ser::{SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;

use crate::document::{ActionMeta, ErrorObject};
use crate::inflection::{Inflection, Key};
use crate::{EventDocument, InquiryResource, Resource, SessionResource};

/// The JSON:API `type` of an inquiry resource.
pub(crate) const INQUIRY_TYPE: &str = "inquiry";
/// The JSON:API `type` of a session resource.
pub(crate) const SESSION_TYPE: &str = "inquiry-session";
/// The JSON:API `type` of an event.
pub(crate) const EVENT_TYPE: &str = "event";

/// Writes `value` as compact JSON text.
pub(crate) fn to_json(value: &impl Serialize) -> String {
    // Serializing these types cannot fail: every key is a string, every value a string,
    // number, null, map or sequence.
    serde_json::to_string(value).unwrap_or_default()
}

/// W5: an instant as RFC 3339 in UTC with milliseconds, `2026-01-01T00:05:00.000Z`.
pub(crate) struct Millis(pub(crate) DateTime<Utc>);

impl Millis {
    /// The 24 bytes of the text, written digit by digit (the formatting machinery took a
    /// third of the time of writing a document).
    fn text(&self) -> [u8; 24] {
        let at = self.0;
        let mut out = *b"0000-00-00T00:00:00.000Z";
        let mut put = |range: std::ops::Range<usize>, mut value: u32| {
            for at in range.rev() {
                out[at] = b'0' + (value % 10) as u8;
                value /= 10;
            }
        };
        // The library's instants lie in the years 1970 to 9999; a year outside 0..=9999
        // cannot be read from RFC 3339 text either.
        put(0..4, at.year().clamp(0, 9999) as u32);
        put(5..7, at.month());
        put(8..10, at.day());
        put(11..13, at.hour());
        put(14..16, at.minute());
        put(17..19, at.second());
        // A leap second's nanoseconds run past 10^9; it still shows as .999.
        put(20..23, (at.nanosecond() / 1_000_000).min(999));
        out
    }
}

impl Serialize for Millis {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(std::str::from_utf8(&self.text()).unwrap_or_default())
    }
}

/// An optional instant: `null` when unset.
fn stamp(at: Option<DateTime<Utc>>) -> Option<Millis> {
    at.map(Millis)
}

/// A value written with keys in an inflection.
pub(crate) struct Inflected<'a, T: ?Sized>(pub(crate) &'a T, pub(crate) Inflection);

/// A map whose keys are spelled in one inflection.
struct Map<M> {
    map: M,
    inflection: Inflection,
}

impl<M: SerializeMap> Map<M> {
    fn entry(&mut self, key: Key, value: &(impl Serialize + ?Sized)) -> Result<(), M::Error> {
        self.map.serialize_entry(key.name(self.inflection), value)
    }

    fn end(self) -> Result<M::Ok, M::Error> {
        self.map.end()
    }
}

fn map<S: Serializer>(
    serializer: S,
    inflection: Inflection,
    len: usize,
) -> Result<Map<S::SerializeMap>, S::Error> {
    Ok(Map {
        map: serializer.serialize_map(Some(len))?,
        inflection,
    })
}

/// `{"type": …, "id": …}`: a resource identifier.
struct Identifier<'a>(&'static str, &'a dyn fmt::Display);

impl Serialize for Inflected<'_, Identifier<'_>> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = map(serializer, self.1, 2)?;
        map.entry(Key::Type, self.0 .0)?;
        map.entry(Key::Id, &Display(self.0 .1))?;
        map.end()
    }
}

/// A `Display` value written as a JSON string, without an intermediate `String`.
struct Display<'a>(&'a dyn fmt::Display);

impl Serialize for Display<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self.0)
    }
}

/// `{"data": …}` around a value.
pub(crate) struct Data<'a, T: ?Sized>(pub(crate) &'a T);

impl<T: ?Sized> Serialize for Inflected<'_, Data<'_, T>>
where
    for<'b> Inflected<'b, T>: Serialize,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = map(serializer, self.1, 1)?;
        map.entry(Key::Data, &Inflected(self.0 .0, self.1))?;
        map.end()
    }
}

impl Serialize for Inflected<'_, InquiryResource> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (inquiry, inflection) = (self.0, self.1);
        let mut map = map(serializer, inflection, 4)?;
        map.entry(Key::Type, INQUIRY_TYPE)?;
        map.entry(Key::Id, &Display(&inquiry.id))?;
        map.entry(
            Key::Attributes,
            &Inflected(&Attributes(inquiry), inflection),
        )?;
        map.entry(
            Key::Relationships,
            &Inflected(&InquiryRelationships(&inquiry.sessions), inflection),
        )?;
        map.end()
    }
}

/// W1's attributes, every one present.
struct Attributes<'a>(&'a InquiryResource);

impl Serialize for Inflected<'_, Attributes<'_>> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let inquiry = self.0 .0;
        let mut map = map(serializer, self.1, 13)?;
        map.entry(Key::Status, inquiry.status.as_str())?;
        map.entry(
            Key::ReferenceId,
            &inquiry.reference_id.as_ref().map(|r| r.as_str()),
        )?;
        map.entry(Key::CreatedAt, &Millis(inquiry.created_at))?;
        map.entry(Key::UpdatedAt, &Millis(inquiry.updated_at))?;
        map.entry(Key::StartedAt, &stamp(inquiry.started_at))?;
        map.entry(Key::ExpiresAt, &stamp(inquiry.expires_at))?;
        map.entry(Key::CompletedAt, &stamp(inquiry.completed_at))?;
        map.entry(Key::FailedAt, &stamp(inquiry.failed_at))?;
        map.entry(Key::ExpiredAt, &stamp(inquiry.expired_at))?;
        map.entry(Key::MarkedForReviewAt, &stamp(inquiry.marked_for_review_at))?;
        map.entry(Key::DecisionedAt, &stamp(inquiry.decisioned_at))?;
        map.entry(Key::RedactedAt, &stamp(inquiry.redacted_at))?;
        map.end()
    }
}

/// `{"sessions": {"data": [identifiers]}}`.
struct InquiryRelationships<'a>(&'a [inquiry_lifecycle::SessionId]);

impl Serialize for Inflected<'_, InquiryRelationships<'_>> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = map(serializer, self.1, 1)?;
        map.entry(Key::Sessions, &Inflected(&Data(self.0 .0), self.1))?;
        map.end()
    }
}

/// A session in a relationship: its identifier.
impl Serialize for Inflected<'_, inquiry_lifecycle::SessionId> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Inflected(&Identifier(SESSION_TYPE, self.0), self.1).serialize(serializer)
    }
}

impl Serialize for Inflected<'_, SessionResource> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (session, inflection) = (self.0, self.1);
        let mut map = map(serializer, inflection, 4)?;
        map.entry(Key::Type, SESSION_TYPE)?;
        map.entry(Key::Id, &Display(&session.id))?;
        map.entry(
            Key::Attributes,
            &Inflected(&SessionAttributes(session), inflection),
        )?;
        map.entry(
            Key::Relationships,
            &Inflected(&SessionRelationships(session), inflection),
        )?;
        map.end()
    }
}

/// W2's attributes.
struct SessionAttributes<'a>(&'a SessionResource);

impl Serialize for Inflected<'_, SessionAttributes<'_>> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let session = self.0 .0;
        let mut map = map(serializer, self.1, 6)?;
        map.entry(Key::Status, session.status.as_str())?;
        map.entry(Key::Kind, session.kind.as_str())?;
        map.entry(Key::CreatedAt, &Millis(session.created_at))?;
        map.entry(Key::StartedAt, &stamp(session.started_at))?;
        map.entry(Key::ExpiresAt, &Millis(session.expires_at))?;
        map.entry(Key::ExpiredAt, &stamp(session.expired_at))?;
        map.end()
    }
}

/// `{"inquiry": {"data": identifier}}`.
struct SessionRelationships<'a>(&'a SessionResource);

impl Serialize for Inflected<'_, SessionRelationships<'_>> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let identifier = Identifier(INQUIRY_TYPE, &self.0 .0.inquiry_id);
        let mut map = map(serializer, self.1, 1)?;
        map.entry(Key::Inquiry, &Inflected(&Data(&identifier), self.1))?;
        map.end()
    }
}

/// A list, each element written in the same inflection.
impl<T> Serialize for Inflected<'_, [T]>
where
    for<'b> Inflected<'b, T>: Serialize,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.len()))?;
        for element in self.0 {
            seq.serialize_element(&Inflected(element, self.1))?;
        }
        seq.end()
    }
}

impl Serialize for Inflected<'_, Resource> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Resource::Inquiry(inquiry) => Inflected(inquiry, self.1).serialize(serializer),
            Resource::Session(session) => Inflected(session, self.1).serialize(serializer),
        }
    }
}

/// W3: an inquiry document with its `meta`.
pub(crate) struct WithMeta<'a>(pub(crate) &'a InquiryResource, pub(crate) &'a ActionMeta);

impl Serialize for Inflected<'_, WithMeta<'_>> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (WithMeta(inquiry, meta), inflection) = (self.0, self.1);
        let mut map = map(serializer, inflection, 2)?;
        map.entry(Key::Data, &Inflected(*inquiry, inflection))?;
        map.entry(Key::Meta, &Inflected(*meta, inflection))?;
        map.end()
    }
}

impl Serialize for Inflected<'_, ActionMeta> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = map(serializer, self.1, 1)?;
        match self.0 {
            ActionMeta::SessionToken(token) => {
                map.entry(Key::SessionToken, token.expose_secret().as_str())?
            }
            ActionMeta::OneTimeLink(link) => {
                map.entry(Key::OneTimeLink, link.expose_url().as_str())?
            }
        }
        map.end()
    }
}

/// W4: `{"errors": [objects]}`.
pub(crate) struct Errors<'a>(pub(crate) &'a [ErrorObject]);

impl Serialize for Inflected<'_, Errors<'_>> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = map(serializer, self.1, 1)?;
        map.entry(Key::Errors, &Inflected(self.0 .0, self.1))?;
        map.end()
    }
}

impl Serialize for Inflected<'_, ErrorObject> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let error = self.0;
        let mut map = map(serializer, self.1, 4)?;
        map.entry(Key::Status, &Display(&error.status))?;
        map.entry(Key::Code, &*error.code)?;
        map.entry(Key::Title, &*error.title)?;
        map.entry(Key::Detail, &*error.detail)?;
        map.end()
    }
}

impl Serialize for Inflected<'_, EventDocument> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (event, inflection) = (self.0, self.1);
        let mut map = map(serializer, inflection, 3)?;
        map.entry(Key::Type, EVENT_TYPE)?;
        map.entry(Key::Id, &Display(&event.id))?;
        map.entry(
            Key::Attributes,
            &Inflected(&EventAttributes(event), inflection),
        )?;
        map.end()
    }
}

/// W6's attributes, with this project's `sequence` where known.
struct EventAttributes<'a>(&'a EventDocument);

impl Serialize for Inflected<'_, EventAttributes<'_>> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let event = self.0 .0;
        let mut map = map(serializer, self.1, 4)?;
        map.entry(Key::Name, event.name.as_str())?;
        map.entry(Key::CreatedAt, &Millis(event.created_at))?;
        if let Some(sequence) = event.sequence {
            map.entry(Key::Sequence, &sequence)?;
        }
        map.entry(Key::Payload, &Inflected(&Data(&event.payload), self.1))?;
        map.end()
    }
}
