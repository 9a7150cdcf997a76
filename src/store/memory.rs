//! A thread-safe in-memory store with an expiry index.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::future::{ready, Future};
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};

use super::{InquiryStore, StoreError};
use crate::{Event, Inquiry, InquiryId};

/// Keeps inquiries in memory: for tests, development, and single-process services.
///
/// Thread-safe (one lock, never held across an `await`: every call completes at once).
/// An index ordered by next due instant finds the `k` due inquiries among `n` in
/// `O(k + log n)`, without a scan.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    inquiries: HashMap<InquiryId, Inquiry>,
    /// (next due, id) of every inquiry that has something due.
    due_index: BTreeSet<(DateTime<Utc>, InquiryId)>,
    outbox: VecDeque<Event>,
}

impl State {
    fn put(&mut self, inquiry: &Inquiry, events: &[Event]) {
        let id = inquiry.id();
        if let Some(due) = self.inquiries.get(&id).and_then(Inquiry::next_due) {
            self.due_index.remove(&(due, id));
        }
        if let Some(due) = inquiry.next_due() {
            self.due_index.insert((due, id));
        }
        self.inquiries.insert(id, inquiry.clone());
        self.outbox.extend(events.iter().cloned());
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many inquiries are stored.
    pub fn len(&self) -> usize {
        self.lock().inquiries.len()
    }

    /// Whether no inquiry is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic in another thread cannot leave the state half-written: every change is
        // made by `State::put` after all checks passed.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl InquiryStore for MemoryStore {
    fn load(
        &self,
        id: InquiryId,
    ) -> impl Future<Output = Result<Option<Inquiry>, StoreError>> + Send {
        ready(Ok(self.lock().inquiries.get(&id).cloned()))
    }

    fn insert(
        &self,
        inquiry: &Inquiry,
        events: &[Event],
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let mut state = self.lock();
        let result = if state.inquiries.contains_key(&inquiry.id()) {
            Err(StoreError::Duplicate(inquiry.id()))
        } else {
            state.put(inquiry, events);
            Ok(())
        };
        ready(result)
    }

    fn save(
        &self,
        inquiry: &Inquiry,
        expected: u64,
        events: &[Event],
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let mut state = self.lock();
        let stored = state.inquiries.get(&inquiry.id()).map(Inquiry::revision);
        let result = if stored == Some(expected) {
            state.put(inquiry, events);
            Ok(())
        } else {
            Err(StoreError::Conflict {
                id: inquiry.id(),
                expected,
                stored,
            })
        };
        ready(result)
    }

    fn due(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<InquiryId>, StoreError>> + Send {
        let state = self.lock();
        let ids = state
            .due_index
            .iter()
            .take_while(|(due, _)| *due <= now)
            .take(limit)
            .map(|(_, id)| *id)
            .collect();
        ready(Ok(ids))
    }

    fn take_outbox(
        &self,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Event>, StoreError>> + Send {
        let mut state = self.lock();
        let count = limit.min(state.outbox.len());
        ready(Ok(state.outbox.drain(..count).collect()))
    }
}
