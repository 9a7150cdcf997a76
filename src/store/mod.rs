//! Persisting inquiries: the contract a store implements, an in-memory store, and the
//! helpers that load, act, save and publish.
//!
//! The library stays pure; a store is where the embedding service keeps inquiries. The
//! contract ([`InquiryStore`]) is small: load by id, insert, save with compare-and-swap on
//! the [revision](crate::Inquiry::revision) together with the call's events (an outbox: the
//! events are committed with the state or not at all), list what is due, and hand the
//! committed events to a publisher.
//!
//! The methods are `async` (returning `Send` futures), because most embedding services run
//! on tokio and their database clients are asynchronous; see `docs/DESIGN.md`.
//!
//! ```
//! # tokio_test_block_on(async {
//! use chrono::{TimeZone, Utc};
//! use inquiry_lifecycle::store::{act, InquiryStore, MemoryStore};
//! use inquiry_lifecycle::{Inquiry, Policy, SeededRandom, Status};
//!
//! let store = MemoryStore::new();
//! let mut random = SeededRandom::new(1);
//! let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
//! let (inquiry, events) = Inquiry::create(&Policy::default(), t0, &mut random);
//! store.insert(&inquiry, &events).await?;
//!
//! // Load, act, save with compare-and-swap, retrying on conflict.
//! let events = act(&store, inquiry.id(), 3, |inquiry| inquiry.expire(t0)).await?;
//! assert_eq!(events.len(), 1);
//! assert_eq!(store.load(inquiry.id()).await?.unwrap().status(), Status::Expired);
//! assert_eq!(store.take_outbox(10).await?.len(), 2); // inquiry.created, inquiry.expired
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
//! #     inquiry_lifecycle::store::block_on(f)
//! # }
//! ```

mod memory;
#[cfg(feature = "store-suite")]
#[cfg_attr(docsrs, doc(cfg(feature = "store-suite")))]
pub mod suite;

use std::future::Future;

use chrono::{DateTime, Utc};

use crate::{Error, Event, Inquiry, InquiryId};

pub use memory::MemoryStore;

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Compare-and-swap refused: the stored revision is not the one the change was made on.
    /// Load again and retry; nothing was written.
    #[error("conflict on {id}: expected revision {expected}, stored {stored:?}; load it again and retry")]
    Conflict {
        /// The inquiry.
        id: InquiryId,
        /// The revision the change was made on.
        expected: u64,
        /// The revision stored, if the inquiry exists.
        stored: Option<u64>,
    },
    /// Insert refused: an inquiry with this id is stored already.
    #[error("inquiry {0} is stored already")]
    Duplicate(InquiryId),
    /// No inquiry with this id is stored.
    #[error("no inquiry {0} is stored")]
    NotFound(InquiryId),
    /// A stored record failed validation (it breaks an invariant, or is not a record).
    #[error("stored inquiry {id} is corrupt: {error}")]
    Corrupt {
        /// The inquiry whose record is corrupt.
        id: InquiryId,
        /// What is wrong with it.
        error: Error,
    },
    /// The backend failed (connection, query, …).
    #[error("store backend: {0}")]
    Backend(Box<dyn std::error::Error + Send + Sync>),
}

/// What a service implements to persist inquiries.
///
/// Every method is atomic. `save` is compare-and-swap: it writes only if the stored
/// revision equals `expected`, and commits `events` to the outbox in the same step.
pub trait InquiryStore: Send + Sync {
    /// The inquiry with this id, if stored. A record that fails validation is
    /// [`StoreError::Corrupt`].
    fn load(
        &self,
        id: InquiryId,
    ) -> impl Future<Output = Result<Option<Inquiry>, StoreError>> + Send;

    /// Stores a new inquiry and its creation events; refuses an id that is stored already.
    fn insert(
        &self,
        inquiry: &Inquiry,
        events: &[Event],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Replaces the stored inquiry if its revision is still `expected`, and commits `events`
    /// to the outbox with it; otherwise writes nothing and answers [`StoreError::Conflict`].
    fn save(
        &self,
        inquiry: &Inquiry,
        expected: u64,
        events: &[Event],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The ids whose [`next_due`](Inquiry::next_due) is at or before `now`, earliest first,
    /// at most `limit`.
    fn due(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<InquiryId>, StoreError>> + Send;

    /// Like [`due`](InquiryStore::due), for a worker about to process what it gets: a store
    /// shared by several workers claims the ids it returns for a while, so that no two
    /// workers get the same one. The default is `due` (enough for one process; concurrent
    /// sweeps stay correct anyway through compare-and-swap, they only waste work).
    fn claim_due(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<InquiryId>, StoreError>> + Send {
        self.due(now, limit)
    }

    /// Removes and returns up to `limit` committed events, oldest first, for publishing.
    fn take_outbox(
        &self,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Event>, StoreError>> + Send;
}

/// Why [`act`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ActError {
    /// The rules refused the operation; nothing was saved.
    #[error(transparent)]
    Refused(#[from] Error),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Every attempt met a concurrent change.
    #[error("gave up after {0} conflicting attempts")]
    GaveUp(usize),
}

/// Loads the inquiry, applies `operation`, and saves it with compare-and-swap together
/// with the events, retrying up to `attempts` times when a concurrent change wins. Returns
/// the events, which are in the outbox already. A no-op (no events) saves nothing.
///
/// `operation` may run more than once: it must only act on the inquiry it is given.
pub async fn act<S, F>(
    store: &S,
    id: InquiryId,
    attempts: usize,
    mut operation: F,
) -> Result<Vec<Event>, ActError>
where
    S: InquiryStore,
    F: FnMut(&mut Inquiry) -> Result<Vec<Event>, Error> + Send,
{
    for _ in 0..attempts {
        let mut inquiry = store.load(id).await?.ok_or(StoreError::NotFound(id))?;
        let expected = inquiry.revision();
        let events = operation(&mut inquiry)?;
        if events.is_empty() {
            return Ok(events);
        }
        match store.save(&inquiry, expected, &events).await {
            Ok(()) => return Ok(events),
            Err(StoreError::Conflict { .. }) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(ActError::GaveUp(attempts))
}

/// Applies what is due at `now` to up to `limit` due inquiries (E5); returns their events.
pub async fn sweep<S: InquiryStore>(
    store: &S,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Vec<Event>, ActError> {
    let mut events = Vec::new();
    for id in store.claim_due(now, limit).await? {
        events.extend(act(store, id, 3, |inquiry| Ok(inquiry.apply_due(now))).await?);
    }
    Ok(events)
}

/// Runs a future whose store calls never wait (as [`MemoryStore`]'s never do) to completion
/// on the current thread; for examples, tests and synchronous callers of the memory store.
pub fn block_on<F: Future>(future: F) -> F::Output {
    use std::pin::pin;
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};

    struct ThreadWaker(std::thread::Thread);
    impl Wake for ThreadWaker {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        match future.as_mut().poll(&mut context) {
            Poll::Ready(output) => return output,
            Poll::Pending => std::thread::park(),
        }
    }
}
