//! Persisting inquiries: the contract a store implements, an in-memory store, and the
//! helpers that load, act, save and publish.
//!
//! The library stays pure; a store is where the embedding service keeps inquiries. The
//! contract ([`InquiryStore`]) is small: load by id, insert, save with compare-and-swap on
//! the [revision](crate::Inquiry::revision) together with the call's events (an outbox: the
//! events are committed with the state or not at all), list what is due, and lease the
//! committed events to publishers, at least once.
//!
//! The methods are `async` (returning `Send` futures), because most embedding services run
//! on tokio and their database clients are asynchronous; see `docs/DESIGN.md`.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use chrono::{TimeDelta, TimeZone, Utc};
//! use inquiry_lifecycle::store::{act, InquiryStore, MemoryStore};
//! use inquiry_lifecycle::{Inquiry, Policy, SeededRandom, Status};
//!
//! let store = MemoryStore::new();
//! let mut random = SeededRandom::new(1);
//! let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
//! let (inquiry, events) = Inquiry::create(&Policy::default(), t0, &mut random)?;
//! store.insert(&inquiry, &events).await?;
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
//! holds it as a `Box<dyn` [`DynStore`]`>`; [`act`] and [`sweep`] take that too.
//!
//! # Errors, codes and HTTP statuses
//!
//! Every error a handler meets has a stable `code()` and the `http_status()` to answer
//! with, so one match-free line answers any of them: the rules' refusals keep their own
//! ([`ErrorCode`](crate::ErrorCode)), and the store's are:
//!
//! | error | `code()` | `http_status()` |
//! |---|---|---|
//! | [`ActError::Refused`] | the refusal's own code, e.g. `not_resumable` | the refusal's own, e.g. 409 |
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
//! use inquiry_lifecycle::store::{act, MemoryStore};
//! use inquiry_lifecycle::InquiryId;
//!
//! let store = MemoryStore::new();
//! let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
//! let missing = InquiryId::parse("inq_AAAAAAAAAAAAAAAAAAAAAAAA").unwrap();
//! let error = act(&store, missing, 3, |inquiry| inquiry.expire(t0)).await.unwrap_err();
//! // In a handler: answer (error.http_status(), error.code(), error.to_string()).
//! assert_eq!((error.http_status(), error.code()), (404, "not_found"));
//! # }
//! ```

mod dynamic;
mod memory;
#[cfg(feature = "store-suite")]
#[cfg_attr(docsrs, doc(cfg(feature = "store-suite")))]
pub mod suite;

use std::future::Future;

use chrono::{DateTime, TimeDelta, Utc};

use crate::{Error, Event, Events, Granted, Inquiry, InquiryId, Linked, Opened, Outcome};

pub use dynamic::DynStore;
pub use memory::MemoryStore;

/// An event in the outbox, as [`claim_outbox`](InquiryStore::claim_outbox) and
/// [`parked_outbox`](InquiryStore::parked_outbox) hand it out: the event, the payload the
/// service rendered for it when it committed the change, and how its delivery went so far.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Outgoing {
    /// The event.
    pub event: Event,
    /// What the service rendered for the event when it committed the change (a webhook
    /// document, say), kept by the store as given and never read by it; `None` when the
    /// change was saved with plain [`Event`]s.
    pub payload: Option<String>,
    /// Failed delivery attempts recorded so far ([`fail_outbox`](InquiryStore::fail_outbox)),
    /// since the event was committed or last redriven.
    pub attempts: u32,
    /// When the first failed attempt was made, if one was; kept through a redrive.
    pub first_attempted_at: Option<DateTime<Utc>>,
}

impl Outgoing {
    /// An event on its way into the outbox, with what was rendered for it.
    pub fn new(event: Event, payload: Option<String>) -> Outgoing {
        Outgoing {
            event,
            payload,
            attempts: 0,
            first_attempted_at: None,
        }
    }
}

/// What [`insert`](InquiryStore::insert), [`save`](InquiryStore::save) and the outbox's
/// bookkeeping take: plain [`Event`]s, or [`Outgoing`] events with a payload.
pub trait Outbound: Sync {
    /// The event.
    fn event(&self) -> &Event;
    /// What the service rendered for it, if anything.
    fn payload(&self) -> Option<&str>;

    /// Both, owned, as a store keeps them.
    fn to_outgoing(&self) -> Outgoing {
        Outgoing::new(self.event().clone(), self.payload().map(str::to_owned))
    }
}

impl Outbound for Event {
    fn event(&self) -> &Event {
        self
    }

    fn payload(&self) -> Option<&str> {
        None
    }
}

impl Outbound for Outgoing {
    fn event(&self) -> &Event {
        &self.event
    }

    fn payload(&self) -> Option<&str> {
        self.payload.as_deref()
    }
}

/// Renders what a change's events carry into the outbox, when the change is committed:
/// [`act_rendering`] and [`sweep_rendering`] call it with the inquiry before the change
/// (`None` for a creation), after it, and the change's events, and save what it returns.
/// A webhook document whose payload is the resource as it stood right after each event
/// (the wire's W6) can only be rendered then: later the store holds only the newest state.
pub trait Render: Send + Sync {
    /// One [`Outgoing`] per event, in the events' order.
    fn render(&self, before: Option<&Inquiry>, after: &Inquiry, events: &[Event]) -> Vec<Outgoing>;
}

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
    /// The store could not be reached, or did not answer in time (connection refused or
    /// lost, server restarting, pool exhausted, a call past its timeout). Retry later. A
    /// write that failed this way may or may not have been committed: reload before acting
    /// on the assumption that it was not (compare-and-swap makes a blind retry safe).
    #[error("store unavailable: {0}")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The backend failed otherwise (a query error, a value it cannot store, …).
    #[error("store backend: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// The stable snake_case code (the table in the [module docs](self)).
    pub const fn code(&self) -> &'static str {
        match self {
            StoreError::Conflict { .. } => "conflict",
            StoreError::Duplicate(_) => "duplicate",
            StoreError::NotFound(_) => "not_found",
            StoreError::Corrupt { .. } => "corrupt_record",
            StoreError::Unavailable(_) => "store_unavailable",
            StoreError::Backend(_) => "store_failed",
        }
    }

    /// The HTTP status a REST API answers with (the table in the [module docs](self)).
    pub const fn http_status(&self) -> u16 {
        match self {
            StoreError::NotFound(_) => 404,
            StoreError::Conflict { .. } | StoreError::Duplicate(_) => 409,
            StoreError::Corrupt { .. } => 500,
            StoreError::Unavailable(_) | StoreError::Backend(_) => 503,
        }
    }
}

/// What a service implements to persist inquiries.
///
/// Every method is atomic. `save` is compare-and-swap: it writes only if the stored
/// revision equals `expected`, and commits `events` to the outbox in the same step.
///
/// **The outbox delivers at least once.** [`claim_outbox`](InquiryStore::claim_outbox)
/// leases committed events to one publisher: for the lease they are invisible to every other
/// claim. [`ack_outbox`](InquiryStore::ack_outbox) removes delivered events for good. An
/// event whose lease ran out unacknowledged (its publisher died, or gave up) is claimed
/// again by the next publisher, with the same [`Event::id`], so receivers drop duplicates by
/// it. See `docs/DESIGN.md` for the exact guarantee.
pub trait InquiryStore: Send + Sync {
    /// The inquiry with this id, if stored. A record that fails validation is
    /// [`StoreError::Corrupt`].
    fn load(
        &self,
        id: InquiryId,
    ) -> impl Future<Output = Result<Option<Inquiry>, StoreError>> + Send;

    /// Stores a new inquiry and its creation events (plain [`Event`]s, or [`Outgoing`] ones
    /// with a payload); refuses an id that is stored already.
    fn insert<E: Outbound>(
        &self,
        inquiry: &Inquiry,
        events: &[E],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Replaces the stored inquiry if its revision is still `expected`, and commits `events`
    /// (plain, or with payloads) to the outbox with it; otherwise writes nothing and answers
    /// [`StoreError::Conflict`].
    fn save<E: Outbound>(
        &self,
        inquiry: &Inquiry,
        expected: u64,
        events: &[E],
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

    /// Leases up to `limit` committed events that nobody holds at `now` and that are not
    /// parked, oldest first, to the caller until `now + lease`: no other claim returns them
    /// before then. Events of one inquiry come in sequence order. Deliver them, then
    /// [`ack_outbox`](InquiryStore::ack_outbox) them (or record a failed attempt with
    /// [`fail_outbox`](InquiryStore::fail_outbox)); an event not acknowledged by the end of
    /// its lease is claimed again.
    fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        lease: TimeDelta,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Outgoing>, StoreError>> + Send;

    /// Removes these events from the outbox for good: they were delivered. Events already
    /// removed are skipped, so acknowledging twice is harmless.
    fn ack_outbox<E: Outbound>(
        &self,
        events: &[E],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Records a failed delivery attempt of these events, made at `attempted_at`: one more
    /// attempt, the first attempt's instant kept. Each is then claimable again from
    /// `retry_at`, or, with `None`, **parked**: never claimed again until
    /// [`redrive_outbox`](InquiryStore::redrive_outbox). Events no longer in the outbox are
    /// skipped.
    fn fail_outbox<E: Outbound>(
        &self,
        events: &[E],
        attempted_at: DateTime<Utc>,
        retry_at: Option<DateTime<Utc>>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Up to `limit` parked events, oldest first.
    fn parked_outbox(
        &self,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Outgoing>, StoreError>> + Send;

    /// Puts these parked events back in the outbox: claimable at once, with their attempts
    /// counted from 0 again (the first attempt's instant kept). Events that are not parked
    /// are skipped.
    fn redrive_outbox<E: Outbound>(
        &self,
        events: &[E],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
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

impl ActError {
    /// The stable snake_case code: a refusal's own ([`ErrorCode`](crate::ErrorCode)), or
    /// the store's ([`StoreError::code`]); `conflict` when every attempt met a concurrent
    /// change.
    pub fn code(&self) -> &'static str {
        match self {
            ActError::Refused(error) => error.code().as_str(),
            ActError::Store(error) => error.code(),
            ActError::GaveUp(_) => "conflict",
        }
    }

    /// The HTTP status a REST API answers with: a refusal's own, the store's, or 409 when
    /// every attempt met a concurrent change.
    pub fn http_status(&self) -> u16 {
        match self {
            ActError::Refused(error) => error.http_status(),
            ActError::Store(error) => error.http_status(),
            ActError::GaveUp(_) => 409,
        }
    }
}

/// What an operation on an inquiry hands back: something holding the call's events, and
/// perhaps more (a token, a session id). [`act`] saves the events with the inquiry.
pub trait Change {
    /// The events the call yielded, in order; none for a no-op.
    fn events(&self) -> &[Event];

    /// What the change rendered for its events itself, one [`Outgoing`] per event in
    /// order, to be saved as it is: a change made of several calls renders each call from
    /// the state that call started from, which no [`Render`] given the state before and
    /// after the whole change can do. `None` (the default): the events are saved plain, or
    /// as [`act_rendering`]'s `Render` makes them.
    fn rendered(&self) -> Option<&[Outgoing]> {
        None
    }
}

impl Change for Events {
    fn events(&self) -> &[Event] {
        self
    }
}

impl Change for Opened {
    fn events(&self) -> &[Event] {
        &self.events
    }
}

impl Change for Linked {
    fn events(&self) -> &[Event] {
        &self.events
    }
}

impl Change for Granted {
    fn events(&self) -> &[Event] {
        &self.events
    }
}

impl Change for Outcome {
    fn events(&self) -> &[Event] {
        &self.events
    }
}

/// What [`act`] did: the operation's own result (an [`Opened`] with its token, a
/// [`Granted`], the [`Events`]) and the inquiry as it now stands in the store.
#[derive(Debug)]
#[non_exhaustive]
#[must_use = "the outcome may hold a token that is handed out only once"]
pub struct Acted<T> {
    /// What the operation returned. Its events are in the outbox already.
    pub outcome: T,
    /// The inquiry as saved (as loaded, for a no-op).
    pub inquiry: Inquiry,
}

/// Loads the inquiry, applies `operation`, and saves it with compare-and-swap together
/// with the events, retrying up to `attempts` times when a concurrent change wins. Returns
/// what the operation returned (so a start or resume hands back its token) and the inquiry
/// as saved. A no-op (revision unchanged) saves nothing.
///
/// `operation` may run more than once: it must only act on the inquiry it is given.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use chrono::{TimeDelta, TimeZone, Utc};
/// use inquiry_lifecycle::store::{act, InquiryStore, MemoryStore};
/// use inquiry_lifecycle::{Inquiry, Policy, SeededRandom, Status};
///
/// let store = MemoryStore::new();
/// let mut random = SeededRandom::new(1);
/// let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
/// let (inquiry, events) = Inquiry::create(&Policy::default(), t0, &mut random)?;
/// store.insert(&inquiry, &events).await?;
///
/// let started = act(&store, inquiry.id(), 3, |inquiry| inquiry.start(t0, &mut random)).await?;
/// let token = started.outcome.token; // hand it to the person, once
/// assert_eq!(started.inquiry.recorded_status(), Status::Pending);
/// let later = t0 + TimeDelta::minutes(1);
/// let opened = act(&store, inquiry.id(), 3, |inquiry| inquiry.access(Some(&token), later)).await?;
/// assert_eq!(opened.outcome.events[0].name.as_str(), "inquiry-session.started");
/// # Ok(())
/// # }
/// ```
pub async fn act<S, T, F>(
    store: &S,
    id: InquiryId,
    attempts: usize,
    operation: F,
) -> Result<Acted<T>, ActError>
where
    S: InquiryStore + ?Sized,
    T: Change,
    F: FnMut(&mut Inquiry) -> Result<T, Error> + Send,
{
    act_with(store, id, attempts, None, operation).await
}

/// [`act`], committing what `render` makes of the change's events (a webhook document per
/// event, say) instead of the plain events.
pub async fn act_rendering<S, T, F>(
    store: &S,
    id: InquiryId,
    attempts: usize,
    render: &dyn Render,
    operation: F,
) -> Result<Acted<T>, ActError>
where
    S: InquiryStore + ?Sized,
    T: Change,
    F: FnMut(&mut Inquiry) -> Result<T, Error> + Send,
{
    act_with(store, id, attempts, Some(render), operation).await
}

async fn act_with<S, T, F>(
    store: &S,
    id: InquiryId,
    attempts: usize,
    render: Option<&dyn Render>,
    mut operation: F,
) -> Result<Acted<T>, ActError>
where
    S: InquiryStore + ?Sized,
    T: Change,
    F: FnMut(&mut Inquiry) -> Result<T, Error> + Send,
{
    for _ in 0..attempts {
        let mut inquiry = store.load(id).await?.ok_or(StoreError::NotFound(id))?;
        let expected = inquiry.revision();
        // The state before, only when something is rendered from it.
        let before = render.map(|_| inquiry.clone());
        let outcome = operation(&mut inquiry)?;
        // V3: an operation changed the inquiry exactly when it bumped the revision (a
        // repeat redemption within its grace changes a token and yields no event, L3).
        if inquiry.revision() == expected {
            return Ok(Acted { outcome, inquiry });
        }
        let saved = match (outcome.rendered(), render) {
            (Some(rendered), _) => store.save(&inquiry, expected, rendered).await,
            (None, None) => store.save(&inquiry, expected, outcome.events()).await,
            (None, Some(render)) => {
                let rendered = render.render(before.as_ref(), &inquiry, outcome.events());
                store.save(&inquiry, expected, &rendered).await
            }
        };
        match saved {
            Ok(()) => return Ok(Acted { outcome, inquiry }),
            Err(StoreError::Conflict { .. }) => continue,
            Err(error) => return Err(error.into()),
        }
    }
    Err(ActError::GaveUp(attempts))
}

/// Applies what is due at `now` to up to `limit` due inquiries (E5); returns their events,
/// which are in the outbox already.
pub async fn sweep<S: InquiryStore + ?Sized>(
    store: &S,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<Events, ActError> {
    sweep_with(store, now, limit, None).await
}

/// [`sweep`], committing what `render` makes of each change's events, as
/// [`act_rendering`] does.
pub async fn sweep_rendering<S: InquiryStore + ?Sized>(
    store: &S,
    now: DateTime<Utc>,
    limit: usize,
    render: &dyn Render,
) -> Result<Events, ActError> {
    sweep_with(store, now, limit, Some(render)).await
}

async fn sweep_with<S: InquiryStore + ?Sized>(
    store: &S,
    now: DateTime<Utc>,
    limit: usize,
    render: Option<&dyn Render>,
) -> Result<Events, ActError> {
    let mut events = Vec::new();
    for id in store.claim_due(now, limit).await? {
        let apply = |inquiry: &mut Inquiry| Ok(inquiry.apply_due(now));
        let acted = act_with(store, id, 3, render, apply).await?;
        events.extend(acted.outcome);
    }
    Ok(events.into())
}
