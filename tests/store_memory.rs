//! The in-memory store passes the store conformance suite.
#![cfg(feature = "store-suite")]

use inquiry_lifecycle::store::{suite, MemoryStore};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_store_passes_the_conformance_suite() {
    suite::run(MemoryStore::new).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_store_loses_no_update_under_heavy_contention() {
    let store = std::sync::Arc::new(MemoryStore::new());
    suite::no_lost_update(store, 8, 400).await.unwrap();
}

/// The suite is not a check that cannot fail: a store that ignores the expected revision
/// loses updates, and the suite says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_suite_catches_a_store_without_compare_and_swap() {
    use chrono::{DateTime, Utc};
    use inquiry_lifecycle::store::{InquiryStore, StoreError};
    use inquiry_lifecycle::{Event, Inquiry, InquiryId};
    use std::future::Future;

    struct Blind(MemoryStore);
    impl InquiryStore for Blind {
        fn load(
            &self,
            id: InquiryId,
        ) -> impl Future<Output = Result<Option<Inquiry>, StoreError>> + Send {
            self.0.load(id)
        }
        fn insert(
            &self,
            inquiry: &Inquiry,
            events: &[Event],
        ) -> impl Future<Output = Result<(), StoreError>> + Send {
            self.0.insert(inquiry, events)
        }
        fn save(
            &self,
            inquiry: &Inquiry,
            _expected: u64,
            events: &[Event],
        ) -> impl Future<Output = Result<(), StoreError>> + Send {
            // Last writer wins: reads the stored revision and saves over it.
            let stored = inquiry_lifecycle::store::block_on(self.0.load(inquiry.id()))
                .ok()
                .flatten()
                .map_or(1, |i| i.revision());
            self.0.save(inquiry, stored, events)
        }
        fn due(
            &self,
            now: DateTime<Utc>,
            limit: usize,
        ) -> impl Future<Output = Result<Vec<InquiryId>, StoreError>> + Send {
            self.0.due(now, limit)
        }
        fn take_outbox(
            &self,
            limit: usize,
        ) -> impl Future<Output = Result<Vec<Event>, StoreError>> + Send {
            self.0.take_outbox(limit)
        }
    }
    let failure = suite::compare_and_swap(&Blind(MemoryStore::new()))
        .await
        .unwrap_err();
    assert!(failure.0.contains("stale save"), "{failure}");
}

#[test]
fn memory_store_counts_what_it_holds() {
    use chrono::TimeZone;
    use inquiry_lifecycle::store::{block_on, InquiryStore};
    use inquiry_lifecycle::{Inquiry, Policy, SeededRandom};
    let store = MemoryStore::new();
    assert!(store.is_empty());
    assert_eq!(store.len(), 0);
    let t0 = chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let (inquiry, events) = Inquiry::create(&Policy::default(), t0, &mut SeededRandom::new(1));
    block_on(store.insert(&inquiry, &events)).unwrap();
    assert!(!store.is_empty());
    assert_eq!(store.len(), 1);
}
