//! The memory store passes the mirror store suite (M6).

#![cfg(feature = "store-suite")]

use inquiry_lifecycle_mirror::{suite, MemoryMirrorStore};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_mirror_store_passes_the_suite() {
    suite::run(MemoryMirrorStore::new).await.unwrap();
}
