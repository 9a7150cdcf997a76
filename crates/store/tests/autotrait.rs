//! Every public type of the store crate is `Send + Sync`, so a service shares it across
//! tasks and threads.

use std::sync::Arc;

use inquiry_lifecycle::{Events, Opened};
use inquiry_lifecycle_store::*;

fn assert_send_sync<T: Send + Sync + ?Sized>() {}

#[test]
fn store_types_are_send_and_sync() {
    assert_send_sync::<MemoryStore>();
    assert_send_sync::<StoreError>();
    assert_send_sync::<ActError>();
    assert_send_sync::<Acted<Events>>();
    assert_send_sync::<Acted<Opened>>();
    assert_send_sync::<Outgoing>();
    assert_send_sync::<IdempotencyKey>();
    assert_send_sync::<KeptAnswer>();
    assert_send_sync::<KeyClaim>();
    assert_send_sync::<Arc<dyn Store>>();
    assert_send_sync::<Arc<dyn InquiryStore>>();
    assert_send_sync::<Arc<dyn Outbox>>();
    assert_send_sync::<Arc<dyn IdempotencyStore>>();
}
