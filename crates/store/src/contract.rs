//! The contract: three small object-safe traits, one capability each, over concrete types.

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use inquiry_lifecycle::{Event, Inquiry, InquiryId};

use crate::StoreError;

/// An event in the outbox, as [`Outbox::claim_outbox`] and [`Outbox::parked_outbox`] hand
/// it out: the event, the payload the service rendered for it when it committed the change,
/// and how its delivery went so far.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Outgoing {
    /// The event.
    pub event: Event,
    /// What the service rendered for the event when it committed the change (a webhook
    /// document, say), kept by the store as given and never read by it; `None` when the
    /// change was saved with plain events.
    pub payload: Option<String>,
    /// Failed delivery attempts recorded so far ([`Outbox::fail_outbox`]), since the event
    /// was committed or last redriven.
    pub attempts: u32,
    /// When the first failed attempt was made, if one was; kept through a redrive.
    pub first_attempted_at: Option<DateTime<Utc>>,
    /// Where the event stands in the outbox's order (commit order), as the store handed it
    /// out; 0 for an event on its way in. The cursor of [`Outbox::parked_outbox`].
    pub position: u64,
    /// The receivers that took the event already (opaque names the publisher chose, such
    /// as endpoint URLs), recorded by [`Outbox::fail_outbox`] and kept through retries and
    /// redrives, so that a publisher skips them: an event acknowledged by some receivers
    /// and not others is retried to the others only. Sorted, without duplicates.
    pub delivered_to: Vec<String>,
}

impl Outgoing {
    /// An event on its way into the outbox, with what was rendered for it.
    pub fn new(event: Event, payload: Option<String>) -> Outgoing {
        Outgoing {
            event,
            payload,
            attempts: 0,
            first_attempted_at: None,
            position: 0,
            delivered_to: Vec::new(),
        }
    }

    /// Plain events on their way into the outbox, with no payload.
    pub fn plain(events: &[Event]) -> Vec<Outgoing> {
        events
            .iter()
            .map(|event| Outgoing::new(event.clone(), None))
            .collect()
    }
}

/// Renders what a change's events carry into the outbox, when the change is committed:
/// [`act_rendering`](crate::act_rendering) and [`sweep_rendering`](crate::sweep_rendering)
/// call it with the inquiry before the change (`None` for a creation), after it, and the
/// change's events, and save what it returns. A webhook document whose payload is the
/// resource as it stood right after each event can only be rendered then: later the store
/// holds only the newest state.
pub trait Render: Send + Sync {
    /// One [`Outgoing`] per event, in the events' order.
    fn render(&self, before: Option<&Inquiry>, after: &Inquiry, events: &[Event]) -> Vec<Outgoing>;
}

/// An `Idempotency-Key` as a store keeps it: scoped to the client that sent it (the
/// SHA-256 digest of its API key, never the key itself), so two clients never share one.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdempotencyKey {
    /// The digest of the client's credential.
    pub client: [u8; 32],
    /// The key the client sent.
    pub key: String,
}

impl std::fmt::Debug for IdempotencyKey {
    // The client digest is not a secret, but it is noise in a log line: the key is enough.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdempotencyKey")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// What a keyed request answered, as a store keeps it for replays: an HTTP status, the
/// refusal's code for a refusal (`None` for a success), and a body the service wrote and
/// reads back. The store never looks inside it. Never a secret: a service keeps the answer
/// without tokens or link codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptAnswer {
    /// The HTTP status answered.
    pub status: u16,
    /// The refusal's code, or `None` for a success.
    pub code: Option<String>,
    /// The body (a document, or a refusal's detail), as the service wrote it.
    pub body: String,
}

/// A kept answer with the key it answers, for a store to record together with the change
/// the request made ([`InquiryStore::insert`], [`InquiryStore::save`]): both, or neither.
#[derive(Debug, Clone, Copy)]
pub struct Keyed<'a> {
    /// The key, claimed by this request ([`IdempotencyStore::claim_key`]).
    pub key: &'a IdempotencyKey,
    /// What the request answers.
    pub answer: &'a KeptAnswer,
}

/// What [`IdempotencyStore::claim_key`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyClaim {
    /// The key is new (or its answer expired, or its request was abandoned): it is now
    /// this request's. Run the request, then record its answer (with the change, or with
    /// [`IdempotencyStore::keep_answer`]) or give the key back
    /// ([`IdempotencyStore::release_key`]).
    Taken,
    /// The same request was answered before: answer this again.
    Replay(KeptAnswer),
    /// The same request is running now, in this process or another: ask again shortly.
    Running,
    /// The key was used with another request within [`KEPT_FOR`].
    Mismatch,
}

/// How long a kept answer is replayed for (S3: 24 hours).
pub const KEPT_FOR: TimeDelta = TimeDelta::hours(24);

/// Keeps inquiries. Every method is atomic.
///
/// `save` is compare-and-swap: it writes only if the stored revision equals `expected`,
/// and commits the change's events to the outbox (see [`Outbox`]) and the request's kept
/// answer (see [`IdempotencyStore`]) in the same step: all of it, or nothing.
#[async_trait]
pub trait InquiryStore: Send + Sync {
    /// The inquiry with this id, if stored. A record that fails validation is
    /// [`StoreError::Corrupt`].
    async fn load(&self, id: InquiryId) -> Result<Option<Inquiry>, StoreError>;

    /// Stores a new inquiry, its creation events and, for a keyed request, its answer;
    /// refuses an id that is stored already ([`StoreError::Duplicate`]).
    async fn insert(
        &self,
        inquiry: &Inquiry,
        events: &[Outgoing],
        keyed: Option<Keyed<'_>>,
    ) -> Result<(), StoreError>;

    /// Replaces the stored inquiry if its revision is still `expected`, and commits
    /// `events` to the outbox and `keyed`'s answer with it; otherwise writes nothing and
    /// answers [`StoreError::Conflict`].
    async fn save(
        &self,
        inquiry: &Inquiry,
        expected: u64,
        events: &[Outgoing],
        keyed: Option<Keyed<'_>>,
    ) -> Result<(), StoreError>;

    /// The ids whose [`next_due`](Inquiry::next_due) is at or before `now`, earliest first,
    /// at most `limit`.
    async fn due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<InquiryId>, StoreError>;

    /// Like [`due`](InquiryStore::due), for a worker about to process what it gets: a store
    /// shared by several workers claims the ids it returns for a while, so that no two
    /// workers get the same one. The default is `due` (enough for one process; concurrent
    /// sweeps stay correct anyway through compare-and-swap, they only waste work).
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<InquiryId>, StoreError> {
        self.due(now, limit).await
    }
}

/// The outbox: the events [`InquiryStore`] committed with their changes, delivered at least
/// once.
///
/// [`claim_outbox`](Outbox::claim_outbox) leases committed events to one publisher: for the
/// lease they are invisible to every other claim. [`ack_outbox`](Outbox::ack_outbox) removes
/// delivered events for good. An event whose lease ran out unacknowledged (its publisher
/// died, or gave up) is claimed again by the next publisher, with the same
/// [`Event::id`], so receivers drop duplicates by it. See `docs/DESIGN.md` for the exact
/// guarantee.
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Leases up to `limit` committed events that nobody holds at `now` and that are not
    /// parked, oldest first, to the caller until `now + lease`: no other claim returns them
    /// before then. Events of one inquiry come in sequence order. Deliver them, then
    /// [`ack_outbox`](Outbox::ack_outbox) them (or record a failed attempt with
    /// [`fail_outbox`](Outbox::fail_outbox)); an event not acknowledged by the end of its
    /// lease is claimed again.
    async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        lease: TimeDelta,
        limit: usize,
    ) -> Result<Vec<Outgoing>, StoreError>;

    /// Removes these events from the outbox for good: they were delivered. Events already
    /// removed are skipped, so acknowledging twice is harmless.
    async fn ack_outbox(&self, events: &[Outgoing]) -> Result<(), StoreError>;

    /// Records a failed delivery attempt of these events, made at `attempted_at`: one more
    /// attempt, the first attempt's instant kept, and each event's
    /// [`delivered_to`](Outgoing::delivered_to) added to the receivers recorded for it.
    /// Each is then claimable again from `retry_at`, or, with `None`, **parked**: never
    /// claimed again until [`redrive_outbox`](Outbox::redrive_outbox). Events no longer in
    /// the outbox are skipped.
    async fn fail_outbox(
        &self,
        events: &[Outgoing],
        attempted_at: DateTime<Utc>,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError>;

    /// Up to `limit` parked events after the one at position `after` (from the first with
    /// `None`), oldest first: page through them all by passing the last one's
    /// [`position`](Outgoing::position).
    async fn parked_outbox(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<Outgoing>, StoreError>;

    /// Puts these parked events back in the outbox: claimable at once, with their attempts
    /// counted from 0 again (the first attempt's instant kept). Events that are not parked
    /// are skipped.
    async fn redrive_outbox(&self, events: &[Outgoing]) -> Result<(), StoreError>;
}

/// Keeps what keyed requests answered (S3), so that a retry with the same key is answered
/// again instead of being carried out twice.
///
/// A request takes its key with [`claim_key`](IdempotencyStore::claim_key). If it changes
/// an inquiry, its answer is recorded **by the same write as the change**
/// ([`InquiryStore::insert`] or [`InquiryStore::save`] given a [`Keyed`]): a process that
/// dies after the commit leaves the answer behind, never a change without one. An answer
/// that changed nothing (a refusal by the rules) is kept with
/// [`keep_answer`](IdempotencyStore::keep_answer); a failure the client should retry gives
/// the key back with [`release_key`](IdempotencyStore::release_key). Answers are kept for
/// [`KEPT_FOR`], measured on the `now` the caller passes.
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Takes `key` for a request whose `fingerprint` identifies it (method, path, body), or
    /// says what became of the key's earlier request.
    async fn claim_key(
        &self,
        key: &IdempotencyKey,
        fingerprint: [u8; 32],
        now: DateTime<Utc>,
    ) -> Result<KeyClaim, StoreError>;

    /// Records the answer of a request that holds `key` and changed nothing. A key not
    /// held (released, or never claimed) is left as it is.
    async fn keep_answer(
        &self,
        key: &IdempotencyKey,
        answer: &KeptAnswer,
    ) -> Result<(), StoreError>;

    /// Gives back a key whose request failed in a way the client should retry: the next
    /// request with it runs. A key whose answer was kept is left as it is.
    async fn release_key(&self, key: &IdempotencyKey) -> Result<(), StoreError>;
}

/// Everything a service keeps, in one object: a store that implements all three traits is a
/// `Store`, and a service holds it as `Arc<dyn Store>`. `&dyn Store` works wherever one of
/// the three is wanted ([`act`](crate::act), [`sweep`](crate::sweep)).
pub trait Store: InquiryStore + Outbox + IdempotencyStore {}

impl<S: InquiryStore + Outbox + IdempotencyStore + ?Sized> Store for S {}

// A shared store is a store: `Arc<dyn Store>` (or `Arc<MyStore>`) goes wherever a store is
// wanted, the suite's `run` included.
#[async_trait]
impl<T: InquiryStore + ?Sized> InquiryStore for std::sync::Arc<T> {
    async fn load(&self, id: InquiryId) -> Result<Option<Inquiry>, StoreError> {
        (**self).load(id).await
    }

    async fn insert(
        &self,
        inquiry: &Inquiry,
        events: &[Outgoing],
        keyed: Option<Keyed<'_>>,
    ) -> Result<(), StoreError> {
        (**self).insert(inquiry, events, keyed).await
    }

    async fn save(
        &self,
        inquiry: &Inquiry,
        expected: u64,
        events: &[Outgoing],
        keyed: Option<Keyed<'_>>,
    ) -> Result<(), StoreError> {
        (**self).save(inquiry, expected, events, keyed).await
    }

    async fn due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<InquiryId>, StoreError> {
        (**self).due(now, limit).await
    }

    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<InquiryId>, StoreError> {
        (**self).claim_due(now, limit).await
    }
}

#[async_trait]
impl<T: Outbox + ?Sized> Outbox for std::sync::Arc<T> {
    async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        lease: TimeDelta,
        limit: usize,
    ) -> Result<Vec<Outgoing>, StoreError> {
        (**self).claim_outbox(now, lease, limit).await
    }

    async fn ack_outbox(&self, events: &[Outgoing]) -> Result<(), StoreError> {
        (**self).ack_outbox(events).await
    }

    async fn fail_outbox(
        &self,
        events: &[Outgoing],
        attempted_at: DateTime<Utc>,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        (**self).fail_outbox(events, attempted_at, retry_at).await
    }

    async fn parked_outbox(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<Outgoing>, StoreError> {
        (**self).parked_outbox(after, limit).await
    }

    async fn redrive_outbox(&self, events: &[Outgoing]) -> Result<(), StoreError> {
        (**self).redrive_outbox(events).await
    }
}

#[async_trait]
impl<T: IdempotencyStore + ?Sized> IdempotencyStore for std::sync::Arc<T> {
    async fn claim_key(
        &self,
        key: &IdempotencyKey,
        fingerprint: [u8; 32],
        now: DateTime<Utc>,
    ) -> Result<KeyClaim, StoreError> {
        (**self).claim_key(key, fingerprint, now).await
    }

    async fn keep_answer(
        &self,
        key: &IdempotencyKey,
        answer: &KeptAnswer,
    ) -> Result<(), StoreError> {
        (**self).keep_answer(key, answer).await
    }

    async fn release_key(&self, key: &IdempotencyKey) -> Result<(), StoreError> {
        (**self).release_key(key).await
    }
}
