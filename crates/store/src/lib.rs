//! # inquiry-lifecycle-store
//!
//! Persisting [`inquiry_lifecycle`] inquiries: the contract a store implements, an
//! in-memory store, the helpers that load, act, save and publish, and a conformance suite.
//!
//! The lifecycle crate stays pure; a store is where the embedding service keeps inquiries.
//! The contract is three small object-safe traits, one capability each:
//!
//! - [`InquiryStore`]: load by id, insert, save with compare-and-swap on the
//!   [revision](inquiry_lifecycle::Inquiry::revision) together with the change's events
//!   (an outbox: the events are committed with the state or not at all) and, for a keyed
//!   request, its answer; list and claim what is due.
//! - [`Outbox`]: lease the committed events to publishers, at least once; count failed
//!   attempts, park, redrive.
//! - [`IdempotencyStore`]: what keyed requests answered (`Idempotency-Key`), recorded in
//!   the same write as the change they made.
//!
//! A store that implements all three is a [`Store`]; a service holds it as
//! `Arc<dyn Store>` and picks memory or a database at run time. [`MemoryStore`] is one;
//! `PostgresStore` (crate `inquiry-lifecycle-postgres`) is another.
//!
//! The methods are `async` (boxed `Send` futures, through `async-trait`, so that the traits
//! are object-safe), because most embedding services run on tokio and their database
//! clients are asynchronous; see `docs/DESIGN.md`.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use chrono::{TimeDelta, TimeZone, Utc};
//! use inquiry_lifecycle_store::{act, InquiryStore, MemoryStore, Outbox, Outgoing};
//! use inquiry_lifecycle::{Inquiry, Policy, SeededRandom, Status};
//!
//! let store = MemoryStore::new();
//! let mut random = SeededRandom::new(1);
//! let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
//! let (inquiry, events) = Inquiry::create(&Policy::default(), t0, &mut random)?;
//! store.insert(&inquiry, &Outgoing::plain(&events), None).await?;
//!
//! // Load, act, save with compare-and-swap, retrying on conflict.
//! let acted = act(&store, inquiry.id(), 3, |inquiry| inquiry.expire(t0)).await?;
//! assert_eq!(acted.outcome.len(), 1);
//! assert_eq!(acted.inquiry.recorded_status(), Status::Expired);
//!
//! // A publisher leases the committed events, delivers them, then acknowledges them.
//! let lease = TimeDelta::seconds(30);
//! let claimed = store.claim_outbox(t0, lease, 10).await?;
//! assert_eq!(claimed.len(), 2); // inquiry.created, inquiry.expired
//! // ... deliver each, de-duplicated downstream by `event.id()` ...
//! store.ack_outbox(&claimed).await?;
//! assert!(store.claim_outbox(t0 + lease, lease, 10).await?.is_empty());
//! # Ok(())
//! # }
//! ```
//!
//! A service that picks its store at run time (memory or a database, from configuration)
//! holds it as an `Arc<dyn` [`Store`]`>`; [`act`] and [`sweep`] take that too:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use chrono::{TimeDelta, TimeZone, Utc};
//! use inquiry_lifecycle_store::{sweep, InquiryStore, MemoryStore, Outgoing, Store};
//! use inquiry_lifecycle::{Inquiry, Policy, SeededRandom};
//!
//! let database_url: Option<String> = None; // from configuration
//! let store: Arc<dyn Store> = match database_url {
//!     None => Arc::new(MemoryStore::new()),
//!     // Some(url) => Arc::new(PostgresStore::connect(&url).await?), // inquiry-lifecycle-postgres
//!     Some(url) => return Err(format!("this example has no database for {url}").into()),
//! };
//! let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
//! let (inquiry, events) = Inquiry::create(&Policy::default(), t0, &mut SeededRandom::new(1))?;
//! store.insert(&inquiry, &Outgoing::plain(&events), None).await?;
//! let swept = sweep(&*store, t0 + TimeDelta::days(2), 100).await?;
//! assert_eq!(swept.events[0].name.as_str(), "inquiry.expired");
//! # Ok(())
//! # }
//! ```
//!
//! # Errors, codes and HTTP statuses
//!
//! Every error a handler meets has a stable `code()` and the `http_status()` to answer
//! with, so one match-free line answers any of them: the rules' refusals keep their own
//! ([`ErrorCode`](inquiry_lifecycle::ErrorCode)), and the store's are:
//!
//! | error | `code()` (a [`Code`]) | `http_status()` |
//! |---|---|---|
//! | [`ActError::Refused`] | `Code::Lifecycle`: the refusal's own code, e.g. `not_resumable` | the refusal's own, e.g. 409 |
//! | [`StoreError::NotFound`] | `not_found` | 404 |
//! | [`StoreError::Conflict`], [`ActError::GaveUp`] (conflicts until the attempts ran out) | `conflict` | 409 |
//! | [`StoreError::Duplicate`] | `duplicate` | 409 |
//! | [`StoreError::Corrupt`] | `corrupt_record` | 500 |
//! | [`StoreError::Unavailable`] | `store_unavailable` | 503 |
//! | [`StoreError::Backend`] | `store_failed` | 503 |
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use chrono::{TimeZone, Utc};
//! use inquiry_lifecycle_store::{act, Code, MemoryStore};
//! use inquiry_lifecycle::InquiryId;
//!
//! let store = MemoryStore::new();
//! let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
//! let missing = InquiryId::parse("inq_AAAAAAAAAAAAAAAAAAAAAAAA").unwrap();
//! let error = act(&store, missing, 3, |inquiry| inquiry.expire(t0)).await.unwrap_err();
//! // In a handler: answer (error.http_status(), error.code(), error.to_string()).
//! assert_eq!((error.http_status(), error.code()), (404, Code::NotFound));
//! assert_eq!(error.code().as_str(), "not_found");
//! # }
//! ```

#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod act;
mod contract;
mod error;
mod memory;
#[cfg(feature = "store-suite")]
#[cfg_attr(docsrs, doc(cfg(feature = "store-suite")))]
pub mod suite;

pub use act::{act, act_keyed, act_rendering, sweep, sweep_rendering, Acted, Change, Swept};
pub use contract::{
    IdempotencyKey, IdempotencyStore, InquiryStore, KeptAnswer, KeyClaim, Keyed, Outbox, Outgoing,
    Render, Store, KEPT_FOR,
};
pub use error::{ActError, Code, StoreError};
pub use memory::MemoryStore;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
