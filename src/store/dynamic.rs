//! A store chosen at run time: the object-safe face of [`InquiryStore`].

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use super::{InquiryStore, Outbound, Outgoing, StoreError};
use crate::{Inquiry, InquiryId};

/// A boxed `Send` future, as an object-safe trait returns it.
type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// [`InquiryStore`] as a trait object, for a service that picks its store from
/// configuration (in memory, PostgreSQL, …) without writing its program twice.
///
/// Every `InquiryStore` is a `DynStore`; `dyn DynStore` (and `Box<dyn DynStore>`,
/// `Arc<dyn DynStore>`) is an `InquiryStore` again, so [`act`](super::act),
/// [`sweep`](super::sweep) and everything generic over stores take it. Each call costs one
/// allocation for the boxed future; a call given events copies them as [`Outgoing`] (the
/// one type an object-safe method can take).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use chrono::{TimeZone, Utc};
/// use inquiry_lifecycle::store::{sweep, DynStore, InquiryStore, MemoryStore};
/// use inquiry_lifecycle::{Inquiry, Policy, SeededRandom};
///
/// let database_url: Option<String> = None; // from configuration
/// let store: Box<dyn DynStore> = match database_url {
///     None => Box::new(MemoryStore::new()),
///     // Some(url) => Box::new(PostgresStore::connect(&url).await?), // inquiry-lifecycle-postgres
///     Some(url) => return Err(format!("this example has no database for {url}").into()),
/// };
/// let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
/// let (inquiry, events) = Inquiry::create(&Policy::default(), t0, &mut SeededRandom::new(1))?;
/// store.insert(&inquiry, &events).await?;
/// let expired = sweep(&store, t0 + chrono::TimeDelta::days(2), 100).await?;
/// assert_eq!(expired[0].name.as_str(), "inquiry.expired");
/// # Ok(())
/// # }
/// ```
pub trait DynStore: Send + Sync {
    /// [`InquiryStore::load`].
    fn load_boxed(&self, id: InquiryId) -> BoxFuture<'_, Result<Option<Inquiry>, StoreError>>;

    /// [`InquiryStore::insert`].
    fn insert_boxed<'a>(
        &'a self,
        inquiry: &'a Inquiry,
        events: &'a [Outgoing],
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// [`InquiryStore::save`].
    fn save_boxed<'a>(
        &'a self,
        inquiry: &'a Inquiry,
        expected: u64,
        events: &'a [Outgoing],
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// [`InquiryStore::due`].
    fn due_boxed(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<InquiryId>, StoreError>>;

    /// [`InquiryStore::claim_due`].
    fn claim_due_boxed(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<InquiryId>, StoreError>>;

    /// [`InquiryStore::claim_outbox`].
    fn claim_outbox_boxed(
        &self,
        now: DateTime<Utc>,
        lease: TimeDelta,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<Outgoing>, StoreError>>;

    /// [`InquiryStore::ack_outbox`].
    fn ack_outbox_boxed<'a>(
        &'a self,
        events: &'a [Outgoing],
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// [`InquiryStore::fail_outbox`].
    fn fail_outbox_boxed<'a>(
        &'a self,
        events: &'a [Outgoing],
        attempted_at: DateTime<Utc>,
        retry_at: Option<DateTime<Utc>>,
    ) -> BoxFuture<'a, Result<(), StoreError>>;

    /// [`InquiryStore::parked_outbox`].
    fn parked_outbox_boxed(&self, limit: usize)
        -> BoxFuture<'_, Result<Vec<Outgoing>, StoreError>>;

    /// [`InquiryStore::redrive_outbox`].
    fn redrive_outbox_boxed<'a>(
        &'a self,
        events: &'a [Outgoing],
    ) -> BoxFuture<'a, Result<(), StoreError>>;
}

/// The events as the one type an object-safe method takes.
fn owned<E: Outbound>(events: &[E]) -> Vec<Outgoing> {
    events.iter().map(Outbound::to_outgoing).collect()
}

impl<S: InquiryStore> DynStore for S {
    fn load_boxed(&self, id: InquiryId) -> BoxFuture<'_, Result<Option<Inquiry>, StoreError>> {
        Box::pin(self.load(id))
    }

    fn insert_boxed<'a>(
        &'a self,
        inquiry: &'a Inquiry,
        events: &'a [Outgoing],
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.insert(inquiry, events))
    }

    fn save_boxed<'a>(
        &'a self,
        inquiry: &'a Inquiry,
        expected: u64,
        events: &'a [Outgoing],
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.save(inquiry, expected, events))
    }

    fn due_boxed(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<InquiryId>, StoreError>> {
        Box::pin(self.due(now, limit))
    }

    fn claim_due_boxed(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<InquiryId>, StoreError>> {
        Box::pin(self.claim_due(now, limit))
    }

    fn claim_outbox_boxed(
        &self,
        now: DateTime<Utc>,
        lease: TimeDelta,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<Outgoing>, StoreError>> {
        Box::pin(self.claim_outbox(now, lease, limit))
    }

    fn ack_outbox_boxed<'a>(
        &'a self,
        events: &'a [Outgoing],
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.ack_outbox(events))
    }

    fn fail_outbox_boxed<'a>(
        &'a self,
        events: &'a [Outgoing],
        attempted_at: DateTime<Utc>,
        retry_at: Option<DateTime<Utc>>,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.fail_outbox(events, attempted_at, retry_at))
    }

    fn parked_outbox_boxed(
        &self,
        limit: usize,
    ) -> BoxFuture<'_, Result<Vec<Outgoing>, StoreError>> {
        Box::pin(self.parked_outbox(limit))
    }

    fn redrive_outbox_boxed<'a>(
        &'a self,
        events: &'a [Outgoing],
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(self.redrive_outbox(events))
    }
}

// `async fn` here: the futures borrow the arguments, which an `impl Future` in a trait impl
// of this edition may not capture implicitly.
impl InquiryStore for dyn DynStore + '_ {
    async fn load(&self, id: InquiryId) -> Result<Option<Inquiry>, StoreError> {
        self.load_boxed(id).await
    }

    async fn insert<E: Outbound>(&self, inquiry: &Inquiry, events: &[E]) -> Result<(), StoreError> {
        self.insert_boxed(inquiry, &owned(events)).await
    }

    async fn save<E: Outbound>(
        &self,
        inquiry: &Inquiry,
        expected: u64,
        events: &[E],
    ) -> Result<(), StoreError> {
        self.save_boxed(inquiry, expected, &owned(events)).await
    }

    async fn due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<InquiryId>, StoreError> {
        self.due_boxed(now, limit).await
    }

    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<InquiryId>, StoreError> {
        self.claim_due_boxed(now, limit).await
    }

    async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        lease: TimeDelta,
        limit: usize,
    ) -> Result<Vec<Outgoing>, StoreError> {
        self.claim_outbox_boxed(now, lease, limit).await
    }

    async fn ack_outbox<E: Outbound>(&self, events: &[E]) -> Result<(), StoreError> {
        self.ack_outbox_boxed(&owned(events)).await
    }

    async fn fail_outbox<E: Outbound>(
        &self,
        events: &[E],
        attempted_at: DateTime<Utc>,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        self.fail_outbox_boxed(&owned(events), attempted_at, retry_at)
            .await
    }

    async fn parked_outbox(&self, limit: usize) -> Result<Vec<Outgoing>, StoreError> {
        self.parked_outbox_boxed(limit).await
    }

    async fn redrive_outbox<E: Outbound>(&self, events: &[E]) -> Result<(), StoreError> {
        self.redrive_outbox_boxed(&owned(events)).await
    }
}

/// Forwards every call to the store behind a pointer (`Box`, `Arc`).
macro_rules! forward_store {
    ($pointer:ident) => {
        impl<S: InquiryStore + ?Sized> InquiryStore for $pointer<S> {
            async fn load(&self, id: InquiryId) -> Result<Option<Inquiry>, StoreError> {
                (**self).load(id).await
            }

            async fn insert<E: Outbound>(
                &self,
                inquiry: &Inquiry,
                events: &[E],
            ) -> Result<(), StoreError> {
                (**self).insert(inquiry, events).await
            }

            async fn save<E: Outbound>(
                &self,
                inquiry: &Inquiry,
                expected: u64,
                events: &[E],
            ) -> Result<(), StoreError> {
                (**self).save(inquiry, expected, events).await
            }

            async fn due(
                &self,
                now: DateTime<Utc>,
                limit: usize,
            ) -> Result<Vec<InquiryId>, StoreError> {
                (**self).due(now, limit).await
            }

            async fn claim_due(
                &self,
                now: DateTime<Utc>,
                limit: usize,
            ) -> Result<Vec<InquiryId>, StoreError> {
                (**self).claim_due(now, limit).await
            }

            async fn claim_outbox(
                &self,
                now: DateTime<Utc>,
                lease: TimeDelta,
                limit: usize,
            ) -> Result<Vec<Outgoing>, StoreError> {
                (**self).claim_outbox(now, lease, limit).await
            }

            async fn ack_outbox<E: Outbound>(&self, events: &[E]) -> Result<(), StoreError> {
                (**self).ack_outbox(events).await
            }

            async fn fail_outbox<E: Outbound>(
                &self,
                events: &[E],
                attempted_at: DateTime<Utc>,
                retry_at: Option<DateTime<Utc>>,
            ) -> Result<(), StoreError> {
                (**self).fail_outbox(events, attempted_at, retry_at).await
            }

            async fn parked_outbox(&self, limit: usize) -> Result<Vec<Outgoing>, StoreError> {
                (**self).parked_outbox(limit).await
            }

            async fn redrive_outbox<E: Outbound>(&self, events: &[E]) -> Result<(), StoreError> {
                (**self).redrive_outbox(events).await
            }
        }
    };
}

forward_store!(Box);
forward_store!(Arc);
