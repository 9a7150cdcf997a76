//! # inquiry-lifecycle-mirror
//!
//! Keep your own copy of each inquiry an upstream provider runs, from its webhooks, when
//! they arrive late, twice or out of order. Rule IDs (M1–M6, with W6 and H1) are those of
//! the project's `docs/INTEGRATION.md`; `docs/MIRROR.md` explains the design in a page.
//!
//! The bug integrators report most is a late non-final event overwriting a final one: a
//! `pending` that arrives after `approved` flips an approved user back. A mirror never
//! does that:
//!
//! - **M1** a delivery is verified (H1) before it is read; a refused one changes nothing;
//! - **M2** an event id seen before is acknowledged and changes nothing;
//! - **M3** the state is the payload of the newest `inquiry.*` event, newest by
//!   (`created-at`, `sequence`, status rank, event id); older events are kept in the
//!   history only, and so are `inquiry-session.*` events;
//! - **M4** a newer event whose status the rule book cannot reach from the mirrored one
//!   (`approved` then `pending`: decisions are final, redaction freezes) is not applied; the
//!   mirror is marked until [`Mirror::reconcile`] with a freshly fetched resource;
//! - **M5** so for any history the rule book can produce, delivered in any order with any
//!   duplicates, once the newest event arrived the state is its payload;
//! - **M6** the fold is pure (deliveries and `now` in, answers out), and a [`Mirror`] is a
//!   record with a revision, kept by a [`MirrorStore`] with compare-and-swap.
//!
//! ```
//! use chrono::{TimeDelta, TimeZone, Utc};
//! use inquiry_lifecycle::{Inquiry, Policy, SeededRandom, Status};
//! use inquiry_lifecycle_mirror::{read, Answer, Arrival, Delivery, Mirror, Verifier};
//! use inquiry_lifecycle_wire::{sign, EventDocument, Inflection, WebhookSecret};
//!
//! // The provider: an inquiry is started, then completed; each event is a signed webhook.
//! let mut random = SeededRandom::new(7);
//! let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
//! let (mut inquiry, created) = Inquiry::create(&Policy::default(), t0, &mut random)?;
//! let mut documents = EventDocument::for_change(None, &inquiry, &created)?;
//! let before = inquiry.clone();
//! let started = inquiry.start(t0 + TimeDelta::minutes(1), &mut random)?;
//! documents.extend(EventDocument::for_change(Some(&before), &inquiry, &started.events)?);
//! let before = inquiry.clone();
//! let completed = inquiry.complete(t0 + TimeDelta::minutes(9))?;
//! documents.extend(EventDocument::for_change(Some(&before), &inquiry, &completed)?);
//! let secrets = [WebhookSecret::new("wbhsec_example_0123456789").unwrap()];
//!
//! // The integrator: deliveries arrive newest first, one of them twice.
//! let verifier = Verifier::new(vec![WebhookSecret::new("wbhsec_example_0123456789").unwrap()]);
//! let mut mirror = Mirror::new(inquiry.id());
//! let mut answers = Vec::new();
//! for document in documents.iter().rev().chain(documents.last()) {
//!     let body = document.to_json(Inflection::Kebab);
//!     let header = sign(&secrets, t0.timestamp(), body.as_bytes());
//!     let delivery = Delivery { body: body.as_bytes(), signature: Some(&header) };
//!     let Arrival::Event(event) = read(&delivery, &verifier, t0)? else { unreachable!() };
//!     answers.push(mirror.apply(&event).code());
//! }
//! // The session's end, inquiry.completed, the session's creation, inquiry.started,
//! // inquiry.created, then the session's end again:
//! assert_eq!(answers, ["recorded", "applied", "recorded", "stale", "stale", "duplicate"]);
//! assert_eq!(mirror.status(), Some(Status::Completed));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## What is where
//!
//! - The fold: [`Mirror`] ([`Mirror::apply`], [`Mirror::reconcile`]), [`Answer`],
//!   [`Refusal`], [`Unreachable`].
//! - Deliveries: [`read`] verifies and reads a [`Delivery`] with a [`Verifier`].
//! - Storage: [`MirrorStore`] (memory: [`MemoryMirrorStore`]; PostgreSQL: the
//!   `inquiry-lifecycle-postgres` crate with its `mirror` feature), [`receive`] and
//!   [`reconcile`] (load, apply, compare-and-swap, retry), [`Mirror::to_json`].
//! - The `inquiry-mirror` command replays webhook logs: see the crate's README.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod answer;
mod delivery;
mod mirror;
mod record;
mod store;
#[cfg(feature = "store-suite")]
pub mod suite;

pub use answer::{Answer, Refusal};
pub use delivery::{read, read_unsigned, Arrival, Delivery, Verifier};
pub use mirror::{inquiry_of, rank, Mirror, Seen, Unreachable, MAX_HISTORY};
pub use store::{receive, reconcile, MemoryMirrorStore, MirrorStore};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
