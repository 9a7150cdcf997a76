//! M1: a delivery is verified before it is read.

use chrono::{DateTime, TimeDelta, Utc};
use inquiry_lifecycle::EventId;
use inquiry_lifecycle_wire::{
    verify, EventDocument, IncomingEvent, WebhookSecret, DEFAULT_TOLERANCE,
};

use crate::Refusal;

/// A webhook delivery as it arrived: the raw body, byte for byte, and the value of its
/// `Persona-Signature` header, if it had one.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    /// The raw body (the signature covers these bytes, so never a re-serialised copy).
    pub body: &'a [u8],
    /// The `Persona-Signature` header's value.
    pub signature: Option<&'a str>,
}

/// How deliveries are checked (H1): the endpoint's secrets (several while one is rotated;
/// one match suffices) and how far a signature's timestamp may be from `now`.
#[derive(Debug, Clone)]
pub struct Verifier {
    secrets: Vec<WebhookSecret>,
    tolerance: TimeDelta,
}

impl Verifier {
    /// Checks against these secrets, with the default tolerance (5 minutes either side).
    pub fn new(secrets: Vec<WebhookSecret>) -> Verifier {
        Verifier {
            secrets,
            tolerance: DEFAULT_TOLERANCE,
        }
    }

    /// The same secrets with another tolerance: replaying a log long after it was written
    /// needs a wide one (`TimeDelta::MAX` checks who signed, not when).
    pub fn with_tolerance(self, tolerance: TimeDelta) -> Verifier {
        Verifier { tolerance, ..self }
    }
}

/// A verified delivery, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arrival {
    /// An event of the rule book, for the mirror of [`inquiry_of`](crate::inquiry_of) it.
    Event(EventDocument),
    /// An event whose name the rule book does not have (W7): acknowledge it, skip it.
    Unknown {
        /// Its id.
        id: EventId,
        /// Its name (at most 40 characters of it).
        name: String,
    },
}

/// Verifies the delivery's signature against its raw body (H1), then reads the body as an
/// event document (W6, W7). A refusal says why without showing a secret or the signature.
///
/// ```
/// use chrono::{TimeDelta, TimeZone, Utc};
/// use inquiry_lifecycle_mirror::{read, Arrival, Delivery, Refusal, Verifier};
/// use inquiry_lifecycle_wire::{sign, SignatureError, WebhookSecret};
///
/// let verifier = Verifier::new(vec![WebhookSecret::new("wbhsec_example_0123456789").unwrap()]);
/// let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
/// let body = br#"{"data":{"type":"event","id":"evt_000000000000000000000001","attributes":{"name":"inquiry.transitioned","created-at":"2026-01-01T00:00:00.000Z"}}}"#;
/// let header = sign(&[WebhookSecret::new("wbhsec_example_0123456789").unwrap()], now.timestamp(), body);
///
/// let arrival = read(&Delivery { body, signature: Some(&header) }, &verifier, now).unwrap();
/// assert!(matches!(arrival, Arrival::Unknown { .. }));
///
/// let forged = sign(&[WebhookSecret::new("wbhsec_guess_0123456789").unwrap()], now.timestamp(), body);
/// let refused = read(&Delivery { body, signature: Some(&forged) }, &verifier, now).unwrap_err();
/// assert_eq!(refused, Refusal::Signature(SignatureError::NoMatch));
/// ```
pub fn read(
    delivery: &Delivery<'_>,
    verifier: &Verifier,
    now: DateTime<Utc>,
) -> Result<Arrival, Refusal> {
    verify(
        delivery.signature,
        delivery.body,
        &verifier.secrets,
        now,
        verifier.tolerance,
    )?;
    read_unsigned(delivery.body)
}

/// Reads a body already trusted (a log verified when it arrived) as an event document.
pub fn read_unsigned(body: &[u8]) -> Result<Arrival, Refusal> {
    let text = std::str::from_utf8(body).map_err(|error| {
        Refusal::Document(inquiry_lifecycle::Error::invalid_input(format!(
            "the body is not UTF-8 text (invalid byte at {})",
            error.valid_up_to()
        )))
    })?;
    match EventDocument::from_json(text).map_err(Refusal::Document)? {
        IncomingEvent::Known(event) => Ok(Arrival::Event(event)),
        IncomingEvent::Unknown { id, name } => Ok(Arrival::Unknown { id, name }),
    }
}
