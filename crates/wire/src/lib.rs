//! # inquiry-lifecycle-wire
//!
//! The vendor's wire format for [`inquiry_lifecycle`]: JSON:API documents for inquiries,
//! sessions, action responses, errors and events, in the three key inflections the vendor
//! speaks, and signed webhooks. Rule IDs (W1–W7, H1) are those of the project's
//! `docs/INTEGRATION.md`, summarised in this crate's README.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use inquiry_lifecycle::{Inquiry, Policy, SeededRandom};
//! use inquiry_lifecycle_wire::{
//!     sign, verify, EventDocument, IncomingEvent, Inflection, InquiryDocument, InquiryResource,
//!     WebhookSecret, DEFAULT_TOLERANCE,
//! };
//!
//! let mut random = SeededRandom::new(1);
//! let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
//! let (inquiry, created) = Inquiry::create(&Policy::default(), t0, &mut random)?;
//!
//! // An API answers with the inquiry as seen now (W1), in the client's inflection (W5).
//! let answer = InquiryDocument::new(InquiryResource::at(&inquiry, t0)).to_json(Inflection::Camel);
//! assert!(answer.contains(r#""createdAt":"2026-01-01T00:00:00.000Z""#));
//!
//! // A webhook carries each event with the inquiry as it stood right after it (W6),
//! // signed with the endpoint's secret (H1).
//! let documents = EventDocument::for_change(None, &inquiry, &created)?;
//! let body = documents[0].to_json(Inflection::Kebab);
//! let secrets = [WebhookSecret::new("wbhsec_example_0123456789").unwrap()];
//! let header = sign(&secrets, t0.timestamp(), body.as_bytes());
//!
//! // The receiver verifies before it reads.
//! verify(Some(&header), body.as_bytes(), &secrets, t0, DEFAULT_TOLERANCE).unwrap();
//! let IncomingEvent::Known(event) = EventDocument::from_json(&body)? else { unreachable!() };
//! assert_eq!(event, documents[0]);
//! # Ok::<(), inquiry_lifecycle::Error>(())
//! ```
//!
//! ## What is where
//!
//! - Resources (W1, W2): [`InquiryResource`], [`SessionResource`], plain values built from
//!   the core's [`Inquiry`](inquiry_lifecycle::Inquiry) as seen at `now` or as recorded.
//! - Documents (W1–W4): [`InquiryDocument`] (with an action's [`ActionMeta`]: a session
//!   token or a [`OneTimeLink`]), [`SessionsDocument`], [`ErrorDocument`] (from any
//!   [`Error`](inquiry_lifecycle::Error), or a service's own [`ErrorObject`]).
//! - Events (W6): [`EventDocument::for_change`] turns a change's events into documents;
//!   [`EventDocument::from_json`] reads one, [`IncomingEvent::Unknown`] for a name the rule
//!   book does not have.
//! - Keys (W5): [`Inflection`]; instants are written in UTC with milliseconds.
//! - Reading (W7): every `from_json` refuses a malformed `type`, id, status or instant
//!   with `invalid_input` naming the JSON path, ignores unknown keys, accepts keys in any
//!   inflection, and refuses documents over [`MAX_DOCUMENT_BYTES`] or nested deeper than
//!   128 levels.
//! - Webhook signatures (H1): [`sign`], [`verify`], [`WebhookSecret`], [`SignatureError`].
//!
//! ## What this crate does not do
//!
//! No HTTP, no clock, no storage: it turns values into text and back, and checks
//! signatures against the `now` it is given. The service (`inquiry-lifecycle-server`)
//! answers requests with these documents and delivers the webhooks.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod document;
mod event;
mod inflection;
mod read;
mod resource;
mod signature;
mod write;

pub use document::{
    ActionMeta, ErrorDocument, ErrorObject, InquiryDocument, OneTimeLink, SessionsDocument,
};
pub use event::{EventDocument, IncomingEvent, Resource};
pub use inflection::Inflection;
pub use read::MAX_DOCUMENT_BYTES;
pub use resource::{InquiryResource, SessionResource};
pub use signature::{
    sign, verify, SecretError, SignatureError, WebhookSecret, DEFAULT_TOLERANCE, MIN_SECRET_BYTES,
    SIGNATURE_HEADER,
};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
