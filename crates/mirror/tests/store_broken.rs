//! The mirror store suite fails stores that break the contract: each broken store below
//! must be caught, or the suite would be a check that cannot fail.

#![cfg(feature = "store-suite")]

use std::sync::Arc;

use inquiry_lifecycle::InquiryId;
use inquiry_lifecycle_mirror::{suite, MemoryMirrorStore, Mirror, MirrorStore};
use inquiry_lifecycle_store::StoreError;

#[derive(Debug, Clone, Copy)]
enum Fault {
    /// `save_mirror` writes whatever the stored revision (no compare-and-swap).
    IgnoresRevision,
    /// The record loses its `needs_reconcile` mark on the way through storage.
    ForgetsMark,
    /// The listing ignores `after`.
    ListsFromTheStart,
    /// A refused insert names another inquiry.
    DuplicateOfAnother,
    /// A refused save says neither revision right.
    ConflictMisreported,
    /// A save answers `Ok` and writes nothing.
    SavesNothing,
}

struct Broken(MemoryMirrorStore, Fault);

impl MirrorStore for Broken {
    async fn load_mirror(&self, inquiry: InquiryId) -> Result<Option<Mirror>, StoreError> {
        let mirror = self.0.load_mirror(inquiry).await?;
        Ok(match (mirror, self.1) {
            (Some(mirror), Fault::ForgetsMark) => {
                let mut record: serde_json::Value =
                    serde_json::from_str(&mirror.to_json()).unwrap();
                record["needs_reconcile"] = serde_json::Value::Null;
                Some(Mirror::from_json(&record.to_string()).unwrap())
            }
            (mirror, _) => mirror,
        })
    }

    async fn insert_mirror(&self, mirror: &Mirror) -> Result<(), StoreError> {
        match (self.0.insert_mirror(mirror).await, self.1) {
            (Err(StoreError::Duplicate(_)), Fault::DuplicateOfAnother) => Err(
                StoreError::Duplicate(InquiryId::parse("inq_AAAAAAAAAAAAAAAAAAAAAAAA").unwrap()),
            ),
            (outcome, _) => outcome,
        }
    }

    async fn save_mirror(&self, mirror: &Mirror, expected: u64) -> Result<(), StoreError> {
        match self.1 {
            Fault::IgnoresRevision => {
                let stored = self
                    .0
                    .load_mirror(mirror.inquiry())
                    .await?
                    .map(|m| m.revision());
                match stored {
                    Some(revision) => self.0.save_mirror(mirror, revision).await,
                    None => self.0.save_mirror(mirror, expected).await,
                }
            }
            Fault::SavesNothing => Ok(()),
            Fault::ConflictMisreported => match self.0.save_mirror(mirror, expected).await {
                // The expected revision right, the stored one wrong.
                Err(StoreError::Conflict {
                    id,
                    expected,
                    stored,
                }) => Err(StoreError::Conflict {
                    id,
                    expected,
                    stored: stored.map(|revision| revision + 7),
                }),
                outcome => outcome,
            },
            _ => self.0.save_mirror(mirror, expected).await,
        }
    }

    async fn list_mirrors(
        &self,
        after: Option<InquiryId>,
        limit: usize,
    ) -> Result<Vec<Mirror>, StoreError> {
        match self.1 {
            Fault::ListsFromTheStart => self.0.list_mirrors(None, limit).await,
            _ => self.0.list_mirrors(after, limit).await,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_suite_catches_every_broken_store() {
    let make = |fault| move || Broken(MemoryMirrorStore::new(), fault);
    let failure = suite::compare_and_swap(&make(Fault::IgnoresRevision)())
        .await
        .unwrap_err();
    assert!(failure.0.contains("wrong revision"), "{failure}");
    let failure = suite::insert_and_load(&make(Fault::ForgetsMark)())
        .await
        .unwrap_err();
    assert!(failure.0.contains("loaded"), "{failure}");
    let failure = suite::listing(&make(Fault::ListsFromTheStart)())
        .await
        .unwrap_err();
    assert!(failure.0.contains("paging"), "{failure}");
    let failure = suite::insert_and_load(&make(Fault::DuplicateOfAnother)())
        .await
        .unwrap_err();
    assert!(failure.0.contains("second insert"), "{failure}");
    let failure = suite::compare_and_swap(&make(Fault::ConflictMisreported)())
        .await
        .unwrap_err();
    assert!(failure.0.contains("wrong revision"), "{failure}");
    // Receivers whose saves vanish: only the first delivery (an insert) is kept.
    let failure = suite::concurrent_receivers(Arc::new(make(Fault::SavesNothing)()), 2)
        .await
        .unwrap_err();
    assert!(failure.0.contains("each must be there once"), "{failure}");
    for fault in [
        Fault::IgnoresRevision,
        Fault::ForgetsMark,
        Fault::ListsFromTheStart,
        Fault::DuplicateOfAnother,
        Fault::ConflictMisreported,
        Fault::SavesNothing,
    ] {
        assert!(
            suite::run(make(fault)).await.is_err(),
            "{fault:?} passed the whole suite"
        );
    }
}
