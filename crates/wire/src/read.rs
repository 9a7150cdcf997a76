//! Reading documents (W7): strict where it protects (types, ids, statuses, instants),
//! lenient where the vendor grows (unknown keys are ignored, keys in any inflection).
//!
//! A document is parsed into `serde_json`'s value tree (which refuses nesting deeper than
//! 128 levels) and walked; every refusal is `invalid_input` naming the JSON path as the
//! document spells it (`data.attributes.created-at`).

use chrono::{DateTime, Timelike, Utc};
use inquiry_lifecycle::{
    Bearer, Error, EventId, EventName, InquiryId, ReferenceId, SessionId, SessionStatus,
    SessionToken, Status,
};
use serde_json::{Map, Value};

use crate::document::{ActionMeta, ErrorObject, OneTimeLink};
use crate::inflection::{Inflection, Key};
use crate::write::{EVENT_TYPE, INQUIRY_TYPE, SESSION_TYPE};
use crate::{EventDocument, IncomingEvent, InquiryResource, Resource, SessionResource};

/// The largest document read: 1 MiB. An inquiry document with 25 sessions is under 3 KiB.
pub const MAX_DOCUMENT_BYTES: usize = 1 << 20;

/// A parsed document, ready to be walked.
pub(crate) struct Reader {
    subject: &'static str,
    value: Value,
}

impl Reader {
    /// Parses `text` as JSON; `subject` names the document in errors.
    pub(crate) fn parse(subject: &'static str, text: &str) -> Result<Reader, Error> {
        if text.len() > MAX_DOCUMENT_BYTES {
            return Err(Error::invalid_input(format!(
                "{subject}: {} bytes is more than the {MAX_DOCUMENT_BYTES} bytes a document may have",
                text.len()
            )));
        }
        let value = serde_json::from_str(text)
            .map_err(|e| Error::invalid_input(format!("{subject}: not JSON: {e}")))?;
        Ok(Reader { subject, value })
    }

    /// The document's top level, which must be an object.
    pub(crate) fn root(&self) -> Result<Node<'_>, Error> {
        let node = Node {
            subject: self.subject,
            root: &self.value,
            value: &self.value,
        };
        node.object()?;
        Ok(node)
    }
}

/// A value of the document. Where it is, is worked out only for a refusal ([`path_to`]),
/// so that reading a good document builds no paths.
#[derive(Clone, Copy)]
pub(crate) struct Node<'a> {
    subject: &'static str,
    root: &'a Value,
    value: &'a Value,
}

impl<'a> Node<'a> {
    /// A refusal naming this node's path.
    fn problem(&self, problem: impl std::fmt::Display) -> Error {
        let path = path_to(self.root, self.value).unwrap_or_default();
        let path = if path.is_empty() { "." } else { &path };
        Error::invalid_input(format!("{}, at `{path}`: {problem}", self.subject))
    }

    fn child(&self, value: &'a Value) -> Node<'a> {
        Node { value, ..*self }
    }

    fn object(&self) -> Result<&'a Map<String, Value>, Error> {
        self.value
            .as_object()
            .ok_or_else(|| self.problem(format!("expected an object, found {}", kind(self.value))))
    }

    /// The member `key` in any inflection, `None` when absent or `null`.
    pub(crate) fn optional(&self, key: Key) -> Result<Option<Node<'a>>, Error> {
        let object = self.object()?;
        let found = spellings(key).find_map(|name| object.get_key_value(name));
        Ok(match found {
            Some((_, Value::Null)) | None => None,
            Some((_, value)) => Some(self.child(value)),
        })
    }

    /// The member `key` in any inflection; absent or `null` is refused.
    pub(crate) fn field(&self, key: Key) -> Result<Node<'a>, Error> {
        self.optional(key)?
            .ok_or_else(|| self.problem(format!("`{}` is missing", key.name(Inflection::Kebab))))
    }

    /// The elements of an array.
    pub(crate) fn elements(&self) -> Result<Vec<Node<'a>>, Error> {
        let array = self.value.as_array().ok_or_else(|| {
            self.problem(format!("expected an array, found {}", kind(self.value)))
        })?;
        Ok(array.iter().map(|value| self.child(value)).collect())
    }

    pub(crate) fn str(&self) -> Result<&'a str, Error> {
        self.value
            .as_str()
            .ok_or_else(|| self.problem(format!("expected a string, found {}", kind(self.value))))
    }

    fn parsed<T>(&self, parse: impl FnOnce(&str) -> Result<T, Error>) -> Result<T, Error> {
        parse(self.str()?).map_err(|error| self.problem(error.detail()))
    }

    fn instant(&self) -> Result<DateTime<Utc>, Error> {
        let text = self.str()?;
        DateTime::parse_from_rfc3339(text)
            .map(|at| to_millis(at.with_timezone(&Utc)))
            .map_err(|e| {
                self.problem(format!(
                    "{:?} is not an RFC 3339 instant ({e}); expected e.g. 2026-01-01T00:05:00.000Z",
                    truncated(text)
                ))
            })
    }

    fn u64(&self) -> Result<u64, Error> {
        self.value.as_u64().ok_or_else(|| {
            self.problem(format!(
                "expected a whole number, found {}",
                kind(self.value)
            ))
        })
    }

    /// Checks that the member `type` is `expected`.
    fn expect_type(&self, expected: &str) -> Result<(), Error> {
        let node = self.field(Key::Type)?;
        match node.str()? {
            found if found == expected => Ok(()),
            found => Err(node.problem(format!(
                "type {:?}, expected {expected:?}",
                truncated(found)
            ))),
        }
    }

    fn stamp(&self, key: Key) -> Result<Option<DateTime<Utc>>, Error> {
        self.optional(key)?.map(|node| node.instant()).transpose()
    }
}

/// The path from `root` to `target` (the very value, by address), as the document spells
/// it: `data.attributes.created-at`, `data[1].id`; empty for the root itself.
fn path_to(root: &Value, target: &Value) -> Option<String> {
    if std::ptr::eq(root, target) {
        return Some(String::new());
    }
    let join = |segment: String, rest: String| match rest.as_str() {
        "" => segment,
        _ if rest.starts_with('[') => segment + &rest,
        _ => format!("{segment}.{rest}"),
    };
    match root {
        Value::Object(map) => map
            .iter()
            .find_map(|(key, value)| path_to(value, target).map(|rest| join(key.clone(), rest))),
        Value::Array(items) => items.iter().enumerate().find_map(|(index, value)| {
            path_to(value, target).map(|rest| join(format!("[{index}]"), rest))
        }),
        _ => None,
    }
}

/// W5: the wire's precision is the millisecond; a finer instant is cut to it (and a leap
/// second reads as its last millisecond, as it is written), so that whatever is read writes
/// back to itself.
fn to_millis(at: DateTime<Utc>) -> DateTime<Utc> {
    let millis = (at.nanosecond() / 1_000_000).min(999);
    at.with_nanosecond(millis * 1_000_000).unwrap_or(at)
}

/// The spellings of `key` to try, kebab first, each once.
fn spellings(key: Key) -> impl Iterator<Item = &'static str> {
    let [kebab, camel, snake] = Inflection::ALL.map(|inflection| key.name(inflection));
    let camel = (camel != kebab).then_some(camel);
    let snake = (snake != kebab).then_some(snake);
    std::iter::once(kebab).chain(camel).chain(snake)
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// At most 40 characters of untrusted text, for a message.
fn truncated(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// W1: an inquiry resource (the value of `data`).
pub(crate) fn inquiry(data: &Node<'_>) -> Result<InquiryResource, Error> {
    data.expect_type(INQUIRY_TYPE)?;
    let id = data.field(Key::Id)?.parsed(InquiryId::parse)?;
    let attributes = data.field(Key::Attributes)?;
    let sessions = match data.optional(Key::Relationships)? {
        Some(relationships) => match relationships.optional(Key::Sessions)? {
            Some(sessions) => sessions
                .field(Key::Data)?
                .elements()?
                .iter()
                .map(|identifier| {
                    identifier.expect_type(SESSION_TYPE)?;
                    identifier.field(Key::Id)?.parsed(SessionId::parse)
                })
                .collect::<Result<_, _>>()?,
            None => Vec::new(),
        },
        None => Vec::new(),
    };
    Ok(InquiryResource {
        id,
        status: attributes
            .field(Key::Status)?
            .parsed(str::parse::<Status>)?,
        reference_id: attributes
            .optional(Key::ReferenceId)?
            .map(|node| node.parsed(ReferenceId::parse))
            .transpose()?,
        created_at: attributes.field(Key::CreatedAt)?.instant()?,
        updated_at: attributes.field(Key::UpdatedAt)?.instant()?,
        started_at: attributes.stamp(Key::StartedAt)?,
        expires_at: attributes.stamp(Key::ExpiresAt)?,
        completed_at: attributes.stamp(Key::CompletedAt)?,
        failed_at: attributes.stamp(Key::FailedAt)?,
        expired_at: attributes.stamp(Key::ExpiredAt)?,
        marked_for_review_at: attributes.stamp(Key::MarkedForReviewAt)?,
        decisioned_at: attributes.stamp(Key::DecisionedAt)?,
        redacted_at: attributes.stamp(Key::RedactedAt)?,
        sessions,
    })
}

/// W2: a session resource.
pub(crate) fn session(data: &Node<'_>) -> Result<SessionResource, Error> {
    data.expect_type(SESSION_TYPE)?;
    let id = data.field(Key::Id)?.parsed(SessionId::parse)?;
    let attributes = data.field(Key::Attributes)?;
    let inquiry = data
        .field(Key::Relationships)?
        .field(Key::Inquiry)?
        .field(Key::Data)?;
    inquiry.expect_type(INQUIRY_TYPE)?;
    Ok(SessionResource {
        id,
        inquiry_id: inquiry.field(Key::Id)?.parsed(InquiryId::parse)?,
        status: attributes
            .field(Key::Status)?
            .parsed(str::parse::<SessionStatus>)?,
        kind: attributes.field(Key::Kind)?.parsed(str::parse::<Bearer>)?,
        created_at: attributes.field(Key::CreatedAt)?.instant()?,
        started_at: attributes.stamp(Key::StartedAt)?,
        expires_at: attributes.field(Key::ExpiresAt)?.instant()?,
        expired_at: attributes.stamp(Key::ExpiredAt)?,
    })
}

/// W3: an action's `meta`; `None` when it hands out nothing this library knows.
pub(crate) fn action_meta(meta: &Node<'_>) -> Result<Option<ActionMeta>, Error> {
    if let Some(token) = meta.optional(Key::SessionToken)? {
        return token
            .str()
            .and_then(|text| {
                SessionToken::parse(text).map_err(|_| token.problem("a malformed session token"))
            })
            .map(|token| Some(ActionMeta::SessionToken(token)));
    }
    if let Some(link) = meta.optional(Key::OneTimeLink)? {
        return link
            .parsed(OneTimeLink::parse)
            .map(|link| Some(ActionMeta::OneTimeLink(link)));
    }
    Ok(None)
}

/// W4: one error object.
pub(crate) fn error_object(error: &Node<'_>) -> Result<ErrorObject, Error> {
    let status = error.field(Key::Status)?;
    let status = status
        .str()?
        .parse::<u16>()
        .ok()
        .filter(|s| (100..600).contains(s))
        .ok_or_else(|| {
            status.problem("expected an HTTP status as a string of three digits, e.g. \"409\"")
        })?;
    let code = error.field(Key::Code)?.str()?.to_owned();
    let title = match error.optional(Key::Title)? {
        Some(title) => title.str()?.to_owned(),
        None => String::new(),
    };
    let detail = match error.optional(Key::Detail)? {
        Some(detail) => detail.str()?.to_owned(),
        None => String::new(),
    };
    let mut object = ErrorObject::new(status, code, detail);
    object.title = title;
    Ok(object)
}

/// W6: an event document; an unknown event name is not an error (W7).
pub(crate) fn event(root: &Node<'_>) -> Result<IncomingEvent, Error> {
    let data = root.field(Key::Data)?;
    data.expect_type(EVENT_TYPE)?;
    let id = data.field(Key::Id)?.parsed(EventId::parse)?;
    let attributes = data.field(Key::Attributes)?;
    let name_node = attributes.field(Key::Name)?;
    let name_text = name_node.str()?;
    let Ok(name) = name_text.parse::<EventName>() else {
        return Ok(IncomingEvent::Unknown {
            id,
            name: truncated(name_text),
        });
    };
    let created_at = attributes.field(Key::CreatedAt)?.instant()?;
    let sequence = attributes
        .optional(Key::Sequence)?
        .map(|node| node.u64())
        .transpose()?;
    let payload = attributes.field(Key::Payload)?.field(Key::Data)?;
    let payload = if name.is_session_event() {
        Resource::Session(session(&payload)?)
    } else {
        Resource::Inquiry(inquiry(&payload)?)
    };
    Ok(IncomingEvent::Known(EventDocument {
        id,
        name,
        created_at,
        sequence,
        payload,
    }))
}
