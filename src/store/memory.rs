//! A thread-safe in-memory store with an expiry index.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::{ready, Future};
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, TimeDelta, Utc};

use super::{InquiryStore, Outbound, Outgoing, StoreError};
use crate::{Inquiry, InquiryId};

/// How many independently locked parts the inquiries are spread over, by id.
const SHARDS: usize = 16;

/// Keeps inquiries in memory: for tests, development, and single-process services.
///
/// Thread-safe, and calls on different inquiries mostly run side by side: the inquiries
/// are spread by id over 16 independently locked shards, copies are made and freed outside
/// any lock, and the one shared lock, the outbox's, covers only appending, leasing and acknowledging
/// events. No lock is held across an `await`: every call completes at once.
///
/// Each shard keeps an index ordered by next due instant: [`due`](InquiryStore::due) finds
/// the `k` due inquiries among `n` without a scan, in `O(log n)` per shard plus
/// `O(k log k)` to merge the shards' answers.
#[derive(Debug, Default)]
pub struct MemoryStore {
    shards: [Mutex<Shard>; SHARDS],
    /// Committed events not yet acknowledged. Appended while the inquiry's shard is locked,
    /// so an inquiry's events enter in the order its saves were accepted.
    outbox: Mutex<Outbox>,
    /// Picks an id's shard; keyed at random per store, like `HashMap`'s own hashing.
    hasher: RandomState,
}

#[derive(Debug, Default)]
struct Shard {
    inquiries: HashMap<InquiryId, Stored>,
    /// (next due, id) of every inquiry of the shard that has something due.
    due_index: BTreeSet<(DateTime<Utc>, InquiryId)>,
}

/// A kept inquiry and its next due instant, the key of its entry in the due index.
#[derive(Debug)]
struct Stored {
    /// Behind `Arc` so that copies are made and dropped outside the lock.
    inquiry: Arc<Inquiry>,
    due: Option<DateTime<Utc>>,
}

/// The outbox: committed events by position (oldest first), each leased or not.
#[derive(Debug, Default)]
struct Outbox {
    next_position: u64,
    entries: BTreeMap<u64, OutboxEntry>,
    /// Where each event is, by inquiry and sequence, for acknowledgements.
    positions: HashMap<(InquiryId, u64), u64>,
}

#[derive(Debug)]
struct OutboxEntry {
    outgoing: Outgoing,
    /// Held by a publisher until then; claimable again from then on.
    leased_until: Option<DateTime<Utc>>,
    /// Parked after its last failed attempt: claimed again only once redriven.
    parked: bool,
}

impl Outbox {
    fn append(&mut self, events: Vec<Outgoing>) {
        for outgoing in events {
            let position = self.next_position;
            self.next_position += 1;
            let event = &outgoing.event;
            self.positions
                .insert((event.inquiry_id, event.sequence), position);
            let entry = OutboxEntry {
                outgoing,
                leased_until: None,
                parked: false,
            };
            self.entries.insert(position, entry);
        }
    }

    /// Leases up to `limit` unparked entries free at `now` until `until`, oldest first.
    fn claim(&mut self, now: DateTime<Utc>, until: DateTime<Utc>, limit: usize) -> Vec<Outgoing> {
        let free = self
            .entries
            .values_mut()
            .filter(|entry| !entry.parked && entry.leased_until.is_none_or(|end| end <= now));
        free.take(limit)
            .map(|entry| {
                entry.leased_until = Some(until);
                entry.outgoing.clone()
            })
            .collect()
    }

    /// Applies `change` to the entry of each of `events` still in the outbox.
    fn update<E: Outbound>(&mut self, events: &[E], mut change: impl FnMut(&mut OutboxEntry)) {
        for event in events {
            let event = event.event();
            let position = self.positions.get(&(event.inquiry_id, event.sequence));
            if let Some(entry) = position.and_then(|position| self.entries.get_mut(position)) {
                change(entry);
            }
        }
    }

    fn ack<E: Outbound>(&mut self, events: &[E]) {
        for event in events {
            let event = event.event();
            if let Some(position) = self.positions.remove(&(event.inquiry_id, event.sequence)) {
                self.entries.remove(&position);
            }
        }
    }

    fn fail<E: Outbound>(
        &mut self,
        events: &[E],
        attempted_at: DateTime<Utc>,
        retry_at: Option<DateTime<Utc>>,
    ) {
        self.update(events, |entry| {
            let outgoing = &mut entry.outgoing;
            outgoing.attempts = outgoing.attempts.saturating_add(1);
            outgoing.first_attempted_at.get_or_insert(attempted_at);
            entry.leased_until = retry_at;
            entry.parked = retry_at.is_none();
        });
    }

    fn parked(&self, limit: usize) -> Vec<Outgoing> {
        let parked = self.entries.values().filter(|entry| entry.parked);
        parked.take(limit).map(|e| e.outgoing.clone()).collect()
    }

    fn redrive<E: Outbound>(&mut self, events: &[E]) {
        self.update(events, |entry| {
            if entry.parked {
                entry.parked = false;
                entry.leased_until = None;
                entry.outgoing.attempts = 0;
            }
        });
    }
}

/// A write prepared outside the lock: what to keep, and the events to publish.
struct Write {
    stored: Stored,
    events: Vec<Outgoing>,
}

impl Write {
    fn new<E: Outbound>(inquiry: &Inquiry, events: &[E]) -> Self {
        let stored = Stored {
            inquiry: Arc::new(inquiry.clone()),
            due: inquiry.next_due(),
        };
        Write {
            stored,
            events: events.iter().map(Outbound::to_outgoing).collect(),
        }
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many inquiries are stored.
    pub fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| lock(shard).inquiries.len())
            .sum()
    }

    /// Whether no inquiry is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn shard(&self, id: InquiryId) -> MutexGuard<'_, Shard> {
        let index = (self.hasher.hash_one(id) % SHARDS as u64) as usize;
        lock(&self.shards[index])
    }

    /// Stores a prepared write in its locked shard and its events in the outbox; returns
    /// the replaced copy, to be dropped after unlocking.
    fn put(&self, shard: &mut Shard, write: Write) -> Option<Arc<Inquiry>> {
        let id = write.stored.inquiry.id();
        let due = write.stored.due;
        let old = shard.inquiries.insert(id, write.stored);
        if let Some(old_due) = old.as_ref().and_then(|old| old.due) {
            shard.due_index.remove(&(old_due, id));
        }
        if let Some(due) = due {
            shard.due_index.insert((due, id));
        }
        lock(&self.outbox).append(write.events);
        old.map(|old| old.inquiry)
    }
}

/// Locks `mutex`. A panic in another thread cannot leave a shard or the outbox half-written:
/// every change is made by `MemoryStore::put` after all checks passed.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl InquiryStore for MemoryStore {
    fn load(
        &self,
        id: InquiryId,
    ) -> impl Future<Output = Result<Option<Inquiry>, StoreError>> + Send {
        let stored = self
            .shard(id)
            .inquiries
            .get(&id)
            .map(|s| Arc::clone(&s.inquiry));
        // The copy handed out is made after the lock is released.
        ready(Ok(stored.map(|inquiry| Inquiry::clone(&inquiry))))
    }

    fn insert<E: Outbound>(
        &self,
        inquiry: &Inquiry,
        events: &[E],
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let write = Write::new(inquiry, events);
        let mut shard = self.shard(inquiry.id());
        let result = if shard.inquiries.contains_key(&inquiry.id()) {
            Err(StoreError::Duplicate(inquiry.id()))
        } else {
            // A new id replaces nothing.
            let _none = self.put(&mut shard, write);
            Ok(())
        };
        ready(result)
    }

    fn save<E: Outbound>(
        &self,
        inquiry: &Inquiry,
        expected: u64,
        events: &[E],
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let write = Write::new(inquiry, events);
        let (result, replaced) = {
            let mut shard = self.shard(inquiry.id());
            let stored = shard
                .inquiries
                .get(&inquiry.id())
                .map(|s| s.inquiry.revision());
            if stored == Some(expected) {
                (Ok(()), self.put(&mut shard, write))
            } else {
                let conflict = StoreError::Conflict {
                    id: inquiry.id(),
                    expected,
                    stored,
                };
                (Err(conflict), None)
            }
        };
        // The replaced copy is freed after the lock is released.
        drop(replaced);
        ready(result)
    }

    fn due(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<InquiryId>, StoreError>> + Send {
        // The earliest `limit` of each shard, then the earliest `limit` of those.
        let mut due: Vec<(DateTime<Utc>, InquiryId)> = Vec::new();
        for shard in &self.shards {
            let shard = lock(shard);
            let earliest = shard.due_index.iter().take_while(|(at, _)| *at <= now);
            due.extend(earliest.take(limit));
        }
        due.sort_unstable();
        let ids = due.into_iter().take(limit).map(|(_, id)| id).collect();
        ready(Ok(ids))
    }

    fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        lease: TimeDelta,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Outgoing>, StoreError>> + Send {
        let until = now
            .checked_add_signed(lease)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        ready(Ok(lock(&self.outbox).claim(now, until, limit)))
    }

    fn ack_outbox<E: Outbound>(
        &self,
        events: &[E],
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        lock(&self.outbox).ack(events);
        ready(Ok(()))
    }

    fn fail_outbox<E: Outbound>(
        &self,
        events: &[E],
        attempted_at: DateTime<Utc>,
        retry_at: Option<DateTime<Utc>>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        lock(&self.outbox).fail(events, attempted_at, retry_at);
        ready(Ok(()))
    }

    fn parked_outbox(
        &self,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Outgoing>, StoreError>> + Send {
        ready(Ok(lock(&self.outbox).parked(limit)))
    }

    fn redrive_outbox<E: Outbound>(
        &self,
        events: &[E],
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        lock(&self.outbox).redrive(events);
        ready(Ok(()))
    }
}
