//! M6: keeping mirrors, with the same compare-and-swap and errors as inquiries.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};
use inquiry_lifecycle::InquiryId;
use inquiry_lifecycle_store::StoreError;
use inquiry_lifecycle_wire::InquiryResource;

use crate::{inquiry_of, read, Answer, Arrival, Delivery, Mirror, Verifier};

/// What a service implements to keep mirrors: the inquiry store's contract
/// ([`InquiryStore`](inquiry_lifecycle_store::InquiryStore)) for a mirror record, without
/// an outbox. Every method is atomic; errors are the inquiry store's [`StoreError`]s, with
/// their codes and HTTP statuses.
///
/// The methods are named `*_mirror` so that one type can keep both inquiries and mirrors
/// (the PostgreSQL store does) without calls becoming ambiguous.
pub trait MirrorStore: Send + Sync {
    /// The mirror of this inquiry, if stored; a record that does not read back is
    /// [`StoreError::Corrupt`].
    fn load_mirror(
        &self,
        inquiry: InquiryId,
    ) -> impl Future<Output = Result<Option<Mirror>, StoreError>> + Send;

    /// Stores a new mirror; refuses an inquiry whose mirror is stored already
    /// ([`StoreError::Duplicate`]).
    fn insert_mirror(&self, mirror: &Mirror)
        -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Replaces the stored mirror if its revision is still `expected`; otherwise writes
    /// nothing and answers [`StoreError::Conflict`].
    fn save_mirror(
        &self,
        mirror: &Mirror,
        expected: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Up to `limit` stored mirrors whose inquiry id sorts after `after` (from the first
    /// with `None`), in inquiry id order: page through every mirror by passing the last
    /// id of each page.
    fn list_mirrors(
        &self,
        after: Option<InquiryId>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Mirror>, StoreError>> + Send;
}

/// Mirrors kept in memory, for tests and single-process receivers.
#[derive(Debug, Default)]
pub struct MemoryMirrorStore {
    mirrors: Mutex<BTreeMap<InquiryId, Mirror>>,
}

impl MemoryMirrorStore {
    /// An empty store.
    pub fn new() -> MemoryMirrorStore {
        MemoryMirrorStore::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut BTreeMap<InquiryId, Mirror>) -> T) -> T {
        // A panic while the lock was held cannot leave a half-written map: every write is
        // one insert of a whole mirror.
        f(&mut self.mirrors.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

impl MirrorStore for MemoryMirrorStore {
    async fn load_mirror(&self, inquiry: InquiryId) -> Result<Option<Mirror>, StoreError> {
        Ok(self.with(|mirrors| mirrors.get(&inquiry).cloned()))
    }

    async fn insert_mirror(&self, mirror: &Mirror) -> Result<(), StoreError> {
        self.with(|mirrors| {
            if mirrors.contains_key(&mirror.inquiry()) {
                return Err(StoreError::Duplicate(mirror.inquiry()));
            }
            mirrors.insert(mirror.inquiry(), mirror.clone());
            Ok(())
        })
    }

    async fn save_mirror(&self, mirror: &Mirror, expected: u64) -> Result<(), StoreError> {
        self.with(|mirrors| {
            let stored = mirrors.get(&mirror.inquiry()).map(Mirror::revision);
            if stored != Some(expected) {
                return Err(StoreError::Conflict {
                    id: mirror.inquiry(),
                    expected,
                    stored,
                });
            }
            mirrors.insert(mirror.inquiry(), mirror.clone());
            Ok(())
        })
    }

    async fn list_mirrors(
        &self,
        after: Option<InquiryId>,
        limit: usize,
    ) -> Result<Vec<Mirror>, StoreError> {
        Ok(self.with(|mirrors| {
            mirrors
                .values()
                .filter(|mirror| after.is_none_or(|after| mirror.inquiry() > after))
                .take(limit)
                .cloned()
                .collect()
        }))
    }
}

/// Receives one delivery into the store (M1–M6): verifies and reads it, loads the mirror
/// of its inquiry (a new one if none is stored), applies the event, and saves the mirror
/// with compare-and-swap, trying again up to `attempts` times when a concurrent delivery
/// of the same inquiry won. Answer the provider with [`Answer::http_status`].
///
/// A refused, duplicate or skipped delivery writes nothing. When every attempt met a
/// concurrent change, the last [`StoreError::Conflict`] is returned (HTTP 409: the
/// provider delivers again later).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use chrono::{TimeZone, Utc};
/// use inquiry_lifecycle::{Inquiry, Policy, SeededRandom, Status};
/// use inquiry_lifecycle_mirror::{receive, Answer, Delivery, MemoryMirrorStore, MirrorStore, Verifier};
/// use inquiry_lifecycle_wire::{sign, EventDocument, Inflection, WebhookSecret};
///
/// let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
/// let (inquiry, created) = Inquiry::create(&Policy::default(), t0, &mut SeededRandom::new(1))?;
/// let body = EventDocument::for_change(None, &inquiry, &created)?[0].to_json(Inflection::Kebab);
/// let header = sign(&[WebhookSecret::new("wbhsec_example_0123456789").unwrap()], t0.timestamp(), body.as_bytes());
///
/// let store = MemoryMirrorStore::new();
/// let verifier = Verifier::new(vec![WebhookSecret::new("wbhsec_example_0123456789").unwrap()]);
/// let delivery = Delivery { body: body.as_bytes(), signature: Some(&header) };
/// assert_eq!(receive(&store, &delivery, &verifier, t0, 3).await?, Answer::Applied);
/// assert_eq!(receive(&store, &delivery, &verifier, t0, 3).await?, Answer::Duplicate);
/// let mirror = store.load_mirror(inquiry.id()).await?.unwrap();
/// assert_eq!(mirror.status(), Some(Status::Created));
/// # Ok(())
/// # }
/// ```
pub async fn receive<S: MirrorStore + ?Sized>(
    store: &S,
    delivery: &Delivery<'_>,
    verifier: &Verifier,
    now: DateTime<Utc>,
    attempts: usize,
) -> Result<Answer, StoreError> {
    let event = match read(delivery, verifier, now) {
        Err(refusal) => return Ok(Answer::Refused(refusal)),
        Ok(Arrival::Unknown { .. }) => return Ok(Answer::Skipped),
        Ok(Arrival::Event(event)) => event,
    };
    change(store, inquiry_of(&event), attempts, |mirror| {
        mirror.apply(&event)
    })
    .await
}

/// Reconciles the stored mirror of `resource`'s inquiry with that freshly fetched
/// resource ([`Mirror::reconcile`], M4), with compare-and-swap as [`receive`].
pub async fn reconcile<S: MirrorStore + ?Sized>(
    store: &S,
    resource: &InquiryResource,
    attempts: usize,
) -> Result<Answer, StoreError> {
    change(store, resource.id, attempts, |mirror| {
        mirror.reconcile(resource)
    })
    .await
}

/// Load (or start) the mirror, change it, insert or save it; again on a lost race.
async fn change<S: MirrorStore + ?Sized>(
    store: &S,
    inquiry: InquiryId,
    attempts: usize,
    mut operation: impl FnMut(&mut Mirror) -> Answer,
) -> Result<Answer, StoreError> {
    let mut lost = None;
    for _ in 0..attempts.max(1) {
        let stored = store.load_mirror(inquiry).await?;
        let expected = stored.as_ref().map(Mirror::revision);
        let mut mirror = stored.unwrap_or_else(|| Mirror::new(inquiry));
        let answer = operation(&mut mirror);
        if !answer.changed() {
            return Ok(answer);
        }
        let written = match expected {
            None => store.insert_mirror(&mirror).await,
            Some(expected) => store.save_mirror(&mirror, expected).await,
        };
        match written {
            Ok(()) => return Ok(answer),
            Err(race @ (StoreError::Conflict { .. } | StoreError::Duplicate(_))) => {
                lost = Some(race)
            }
            Err(error) => return Err(error),
        }
    }
    Err(lost.unwrap_or(StoreError::Conflict {
        id: inquiry,
        expected: 0,
        stored: None,
    }))
}
