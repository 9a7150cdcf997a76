//! # inquiry-lifecycle
//!
//! The identity-verification *inquiry* lifecycle as a pure state machine: statuses,
//! transitions, resume rules, session tokens and expiry, with every change coming out as
//! events.
//!
//! **Deterministic and sans-IO.** This crate reads no clock, touches no network, disk or
//! database, and keeps no global state. Time comes in as an argument (`now`) to every
//! operation; randomness for tokens and ids comes from a [`RandomSource`] you pass in
//! ([`SecureRandom`] in production, [`SeededRandom`] in tests). The embedding service
//! stores inquiries (they are `serde` records with a [`revision`](Inquiry::revision) for
//! compare-and-swap), publishes the events, and sets a timer for
//! [`next_due`](Inquiry::next_due).
//!
//! ```
//! use chrono::{TimeDelta, TimeZone, Utc};
//! use inquiry_lifecycle::{ErrorCode, Inquiry, Policy, SeededRandom, Status};
//!
//! let mut random = SeededRandom::new(7); // SecureRandom::from_os()? in production
//! let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
//! let minutes = |m| t0 + TimeDelta::minutes(m);
//!
//! let policy = Policy::builder().expire_after_start(TimeDelta::hours(1)).build()?;
//! let (mut inquiry, created) = Inquiry::create(&policy, t0, &mut random)?;
//! assert_eq!(created[0].name.as_str(), "inquiry.created");
//! let mut outbox = created.into_vec(); // every call's events go to the service's publisher
//!
//! // The person starts; the service hands them the token, once.
//! let opened = inquiry.start(minutes(5), &mut random)?;
//! outbox.extend(opened.events);
//! assert_eq!(inquiry.deadline(), Some(minutes(65)));
//!
//! // They lose it: a pending inquiry does not open without one.
//! let refused = inquiry.access(None, minutes(20)).unwrap_err();
//! assert_eq!(refused.code(), ErrorCode::SessionRequired);
//!
//! // The service resumes it; the new token opens the flow.
//! let resumed = inquiry.resume(minutes(21), &mut random)?;
//! outbox.extend(resumed.events);
//! outbox.extend(inquiry.access(Some(&resumed.token), minutes(22))?.events);
//! outbox.extend(inquiry.complete(minutes(30))?);
//! assert_eq!(inquiry.status_at(minutes(30)), Status::Completed);
//! assert_eq!(outbox.last().map(|event| event.sequence), Some(inquiry.last_sequence()));
//!
//! // Finished inquiries cannot be resumed; the refusal says why, by rule.
//! let refused = inquiry.resume(minutes(31), &mut random).unwrap_err();
//! assert_eq!(refused.code(), ErrorCode::NotResumable);
//! # Ok::<(), inquiry_lifecycle::Error>(())
//! ```
//!
//! ## A tour of the lifecycle
//!
//! - **Create** ([`Inquiry::create`], T1): the inquiry is `created`; anyone with the link may
//!   open it ([`Inquiry::access`] with no token). Its deadline is 24 h away by default.
//! - **Start** ([`Inquiry::start`], T2): the person begins; the inquiry is `pending` and only
//!   the holder of a session token may open it. Start hands out a token ([`Opened`]) exactly
//!   once; the inquiry keeps its SHA-256 digest.
//! - **Resume** ([`Inquiry::resume`], T6, T7): a new session and token for a person who lost
//!   theirs, or for an `expired` inquiry, which becomes `pending` again with a new deadline.
//! - **Finish** ([`Inquiry::complete`], [`Inquiry::fail`]), **review and decide**
//!   ([`Inquiry::mark_for_review`], [`Inquiry::approve`], [`Inquiry::decline`]), **expire**
//!   ([`Inquiry::expire`]) and **redact** ([`Inquiry::redact`]): each ends every session.
//!   Decisions are final; repeating one is a harmless no-op.
//! - **Time** moves only when you say so: [`Inquiry::status_at`] shows the inquiry as seen at
//!   any `now` (a live inquiry is expired from its deadline on, whether or not anything
//!   applied it), [`Inquiry::next_due`] says when to wake up, and [`Inquiry::apply_due`]
//!   applies what is due, each change recorded at its own instant.
//! - **Refusals** are [`Error`]s with a stable [`ErrorCode`], an HTTP status, and a message
//!   naming the rule; a refused call changes nothing at all.
//!
//! The rules themselves are data: [`rules::TRANSITIONS`], [`rules::ACCESS_TABLE`],
//! [`ErrorCode::ALL`], [`EventName::ALL`]. [`rules::explain`] says for any status and action
//! whether it is allowed and why; the command-line tools (`inquiry-lifecycle-cli`) draw the
//! tables and diagrams the docs embed from the same data.
//!
//! ## Worked examples
//!
//! The repository's `scenarios/` folder tells each rule as a short story that the
//! `inquiry-scenarios` runner (crate `inquiry-lifecycle-cli`) executes and checks: losing a token and
//! resuming (`01-lost-token-resume-finish.json`), exact expiry and resume from `expired`
//! (`03-expiry-exact-and-resume.json`), final decisions (`06-decisions-are-final.json`), the
//! 25-record cap on sessions (`11-session-records-are-bounded.json`), and more.
//!
//! ## What this crate does not do
//!
//! No clock, no network, no database, no file system, no timers, no personal data: an
//! inquiry holds only its lifecycle. Storage is a crate of its own
//! (`inquiry-lifecycle-store`: the store contract, an in-memory store, `act` and `sweep`),
//! and so are the PostgreSQL store (`inquiry-lifecycle-postgres`) and the command-line tools
//! (`inquiry-lifecycle-cli`). Pair it with your own store, web framework and scheduler;
//! persist the
//! [`Inquiry`] (serde) with compare-and-swap on [`Inquiry::revision`], publish its
//! [`Event`]s, and call [`Inquiry::apply_due`] when [`Inquiry::next_due`] comes.
//!
//! ## The rules
//!
//! The rule IDs (T1–T11, E1–E8, S1–S7, A1–A3, V1–V3, L1–L4) are those of the project's rule
//! book, `docs/RULES.md`; every refusal's message names the rule that refused it.
//!
//! ## Features
//!
//! - `proptest`: proptest strategies for inquiries, policies, actions, time steps, tokens
//!   and whole timelines (`strategies` module), and a conformance harness that checks another
//!   implementation of the rules against this one (`conformance` module). Adds `proptest`
//!   (without its file-persistence and forking features).
//!
//! No feature adds a clock, networking, a database client or file access.

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// Every example publishes or binds the events it gets: dropping them is an error there.
#![doc(test(attr(deny(unused_must_use))))]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod error;
mod event;
mod id;
mod inquiry;
mod interval;
mod invariants;
mod limits;
mod policy;
mod random;
mod record;
mod reference;
pub mod rules;
mod session;
mod sessions;
mod status;
mod token;

#[cfg(feature = "proptest")]
#[cfg_attr(docsrs, doc(cfg(feature = "proptest")))]
pub mod strategies;

#[cfg(feature = "proptest")]
#[cfg_attr(docsrs, doc(cfg(feature = "proptest")))]
pub mod conformance;

pub use error::{Error, ErrorCode, InvalidInput};
pub use event::{Event, EventName, Events};
pub use id::{EventId, InquiryId, SessionId};
pub use inquiry::{Granted, Inquiry, Linked, Opened, Outcome};
pub use interval::{Interval, Span};
pub use limits::{EARLIEST_NOW, LATEST_NOW, MAX_COUNTER};
pub use policy::{Intervals, Policy, PolicyBuilder};
pub use random::{RandomSource, RandomUnavailable, SecureRandom, SeededRandom};
pub use reference::{ReferenceId, MAX_REFERENCE_CHARS};
pub use rules::{Action, Attempt};
pub use session::{Bearer, Session, SessionStatus, LINK_GRACE, MAX_SESSIONS};
pub use status::{Phase, Status};
pub use token::{LinkCode, SessionToken, TokenDigest};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
