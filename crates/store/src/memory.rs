//! A thread-safe in-memory store with an expiry index.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::BuildHasher;
use std::ops::Bound;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use inquiry_lifecycle::{Inquiry, InquiryId};

use crate::{
    IdempotencyKey, IdempotencyStore, InquiryStore, KeptAnswer, KeyClaim, Keyed, Outbox, Outgoing,
    StoreError, KEPT_FOR,
};

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
///
/// Idempotency keys are found by a hash look-up, and expired ones are dropped from an index
/// ordered by creation: a keyed request costs `O(log n)` however many keys are kept. Keys
/// live and die with the process: a request abandoned by a dead process cannot hold one.
#[derive(Debug, Default)]
pub struct MemoryStore {
    shards: [Mutex<Shard>; SHARDS],
    /// Committed events not yet acknowledged. Appended while the inquiry's shard is locked,
    /// so an inquiry's events enter in the order its saves were accepted.
    outbox: Mutex<Events>,
    /// What keyed requests answered.
    keys: Mutex<Keys>,
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
struct Events {
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

impl Events {
    fn append(&mut self, events: Vec<Outgoing>) {
        for outgoing in events {
            // Positions start at 1: 0 is an event not yet in the outbox.
            self.next_position += 1;
            let position = self.next_position;
            let mut outgoing = outgoing;
            outgoing.position = position;
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

    /// Applies `change` to the entry of each of `events` still in the outbox, with the
    /// event as given.
    fn update(&mut self, events: &[Outgoing], mut change: impl FnMut(&mut OutboxEntry, &Outgoing)) {
        for given in events {
            let event = &given.event;
            let position = self.positions.get(&(event.inquiry_id, event.sequence));
            if let Some(entry) = position.and_then(|position| self.entries.get_mut(position)) {
                change(entry, given);
            }
        }
    }

    fn ack(&mut self, events: &[Outgoing]) {
        for Outgoing { event, .. } in events {
            if let Some(position) = self.positions.remove(&(event.inquiry_id, event.sequence)) {
                self.entries.remove(&position);
            }
        }
    }

    fn fail(
        &mut self,
        events: &[Outgoing],
        attempted_at: DateTime<Utc>,
        retry_at: Option<DateTime<Utc>>,
    ) {
        self.update(events, |entry, given| {
            let outgoing = &mut entry.outgoing;
            outgoing.attempts = outgoing.attempts.saturating_add(1);
            outgoing
                .delivered_to
                .extend(given.delivered_to.iter().cloned());
            outgoing.delivered_to.sort_unstable();
            outgoing.delivered_to.dedup();
            outgoing.first_attempted_at.get_or_insert(attempted_at);
            entry.leased_until = retry_at;
            entry.parked = retry_at.is_none();
        });
    }

    fn parked(&self, after: Option<u64>, limit: usize) -> Vec<Outgoing> {
        let from = after.map_or(Bound::Unbounded, Bound::Excluded);
        let parked = self.entries.range((from, Bound::Unbounded));
        let parked = parked.filter(|(_, entry)| entry.parked);
        parked
            .take(limit)
            .map(|(_, e)| e.outgoing.clone())
            .collect()
    }

    fn redrive(&mut self, events: &[Outgoing]) {
        self.update(events, |entry, _| {
            if entry.parked {
                entry.parked = false;
                entry.leased_until = None;
                entry.outgoing.attempts = 0;
            }
        });
    }
}

/// The idempotency keys: each key's entry, and the keys by creation for expiry.
#[derive(Debug, Default)]
struct Keys {
    entries: HashMap<IdempotencyKey, KeyEntry>,
    by_creation: BTreeSet<(DateTime<Utc>, IdempotencyKey)>,
}

#[derive(Debug)]
struct KeyEntry {
    fingerprint: [u8; 32],
    created_at: DateTime<Utc>,
    /// `None` while its request runs.
    answer: Option<KeptAnswer>,
}

impl Keys {
    fn claim(
        &mut self,
        key: &IdempotencyKey,
        fingerprint: [u8; 32],
        now: DateTime<Utc>,
    ) -> KeyClaim {
        // Drop what expired, oldest first: each key is dropped once, so the work is
        // bounded by the keys added.
        while let Some((created_at, _)) = self.by_creation.first() {
            if now - *created_at < KEPT_FOR {
                break;
            }
            if let Some((_, expired)) = self.by_creation.pop_first() {
                self.entries.remove(&expired);
            }
        }
        if let Some(entry) = self.entries.get(key) {
            return match &entry.answer {
                _ if entry.fingerprint != fingerprint => KeyClaim::Mismatch,
                Some(answer) => KeyClaim::Replay(answer.clone()),
                None => KeyClaim::Running,
            };
        }
        let entry = KeyEntry {
            fingerprint,
            created_at: now,
            answer: None,
        };
        self.entries.insert(key.clone(), entry);
        self.by_creation.insert((now, key.clone()));
        KeyClaim::Taken
    }

    fn keep(&mut self, key: &IdempotencyKey, answer: &KeptAnswer) {
        if let Some(entry) = self.entries.get_mut(key) {
            if entry.answer.is_none() {
                entry.answer = Some(answer.clone());
            }
        }
    }

    fn release(&mut self, key: &IdempotencyKey) {
        if let Some(entry) = self.entries.get(key) {
            if entry.answer.is_none() {
                self.by_creation.remove(&(entry.created_at, key.clone()));
                self.entries.remove(key);
            }
        }
    }
}

/// A write prepared outside the lock: what to keep, and the events to publish.
struct Write {
    stored: Stored,
    events: Vec<Outgoing>,
}

impl Write {
    fn new(inquiry: &Inquiry, events: &[Outgoing]) -> Self {
        let stored = Stored {
            inquiry: Arc::new(inquiry.clone()),
            due: inquiry.next_due(),
        };
        Write {
            stored,
            events: events.to_vec(),
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

    /// Stores a prepared write in its locked shard, its events in the outbox and its kept
    /// answer with its key; returns the replaced copy, to be dropped after unlocking.
    fn put(
        &self,
        shard: &mut Shard,
        write: Write,
        keyed: Option<Keyed<'_>>,
    ) -> Option<Arc<Inquiry>> {
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
        if let Some(Keyed { key, answer }) = keyed {
            lock(&self.keys).keep(key, answer);
        }
        old.map(|old| old.inquiry)
    }
}

/// Locks `mutex`. A panic in another thread cannot leave a shard or the outbox half-written:
/// every change is made by `MemoryStore::put` after all checks passed.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[async_trait]
impl InquiryStore for MemoryStore {
    async fn load(&self, id: InquiryId) -> Result<Option<Inquiry>, StoreError> {
        let stored = self
            .shard(id)
            .inquiries
            .get(&id)
            .map(|s| Arc::clone(&s.inquiry));
        // The copy handed out is made after the lock is released.
        Ok(stored.map(|inquiry| Inquiry::clone(&inquiry)))
    }

    async fn insert(
        &self,
        inquiry: &Inquiry,
        events: &[Outgoing],
        keyed: Option<Keyed<'_>>,
    ) -> Result<(), StoreError> {
        let write = Write::new(inquiry, events);
        let mut shard = self.shard(inquiry.id());
        if shard.inquiries.contains_key(&inquiry.id()) {
            return Err(StoreError::Duplicate(inquiry.id()));
        }
        // A new id replaces nothing.
        let _none = self.put(&mut shard, write, keyed);
        Ok(())
    }

    async fn save(
        &self,
        inquiry: &Inquiry,
        expected: u64,
        events: &[Outgoing],
        keyed: Option<Keyed<'_>>,
    ) -> Result<(), StoreError> {
        let write = Write::new(inquiry, events);
        let (result, replaced) = {
            let mut shard = self.shard(inquiry.id());
            let stored = shard
                .inquiries
                .get(&inquiry.id())
                .map(|s| s.inquiry.revision());
            if stored == Some(expected) {
                (Ok(()), self.put(&mut shard, write, keyed))
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
        result
    }

    async fn due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<InquiryId>, StoreError> {
        // The earliest `limit` of each shard, then the earliest `limit` of those.
        let mut due: Vec<(DateTime<Utc>, InquiryId)> = Vec::new();
        for shard in &self.shards {
            let shard = lock(shard);
            let earliest = shard.due_index.iter().take_while(|(at, _)| *at <= now);
            due.extend(earliest.take(limit));
        }
        due.sort_unstable();
        Ok(due.into_iter().take(limit).map(|(_, id)| id).collect())
    }
}

#[async_trait]
impl Outbox for MemoryStore {
    async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        lease: TimeDelta,
        limit: usize,
    ) -> Result<Vec<Outgoing>, StoreError> {
        let until = now
            .checked_add_signed(lease)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        Ok(lock(&self.outbox).claim(now, until, limit))
    }

    async fn ack_outbox(&self, events: &[Outgoing]) -> Result<(), StoreError> {
        lock(&self.outbox).ack(events);
        Ok(())
    }

    async fn fail_outbox(
        &self,
        events: &[Outgoing],
        attempted_at: DateTime<Utc>,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        lock(&self.outbox).fail(events, attempted_at, retry_at);
        Ok(())
    }

    async fn parked_outbox(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<Outgoing>, StoreError> {
        Ok(lock(&self.outbox).parked(after, limit))
    }

    async fn redrive_outbox(&self, events: &[Outgoing]) -> Result<(), StoreError> {
        lock(&self.outbox).redrive(events);
        Ok(())
    }
}

#[async_trait]
impl IdempotencyStore for MemoryStore {
    async fn claim_key(
        &self,
        key: &IdempotencyKey,
        fingerprint: [u8; 32],
        now: DateTime<Utc>,
    ) -> Result<KeyClaim, StoreError> {
        Ok(lock(&self.keys).claim(key, fingerprint, now))
    }

    async fn keep_answer(
        &self,
        key: &IdempotencyKey,
        answer: &KeptAnswer,
    ) -> Result<(), StoreError> {
        lock(&self.keys).keep(key, answer);
        Ok(())
    }

    async fn release_key(&self, key: &IdempotencyKey) -> Result<(), StoreError> {
        lock(&self.keys).release(key);
        Ok(())
    }
}
