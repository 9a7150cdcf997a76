//! S4 under contention, in the plain `cargo test`: a change that keeps losing its
//! compare-and-swap to concurrent writers is retried in paused, jittered rounds (eight of
//! five attempts each), and answers 409 `conflict` only when every round lost; a change
//! that wins in a later round lands once. The store here loses a set number of saves, as
//! one would under writers in other processes (`tests/processes.rs` does it with two real
//! processes on PostgreSQL).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use inquiry_lifecycle::{Inquiry, InquiryId};
use inquiry_lifecycle_server::Storage;
use inquiry_lifecycle_store::{
    IdempotencyKey, IdempotencyStore, InquiryStore, KeptAnswer, KeyClaim, Keyed, MemoryStore,
    Outbox, Outgoing, StoreError,
};
use reqwest::Method;

mod common;

use common::{call, create, error_code, service_on};

/// A memory store whose next `losing` saves lose to a concurrent writer.
#[derive(Default)]
struct Contended {
    inner: MemoryStore,
    losing: AtomicUsize,
}

impl Contended {
    fn lose(&self, saves: usize) {
        self.losing.store(saves, Ordering::SeqCst);
    }

    fn losing(&self) -> usize {
        self.losing.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl InquiryStore for Contended {
    async fn load(&self, id: InquiryId) -> Result<Option<Inquiry>, StoreError> {
        self.inner.load(id).await
    }

    async fn insert(
        &self,
        inquiry: &Inquiry,
        events: &[Outgoing],
        keyed: Option<Keyed<'_>>,
    ) -> Result<(), StoreError> {
        self.inner.insert(inquiry, events, keyed).await
    }

    async fn save(
        &self,
        inquiry: &Inquiry,
        expected: u64,
        events: &[Outgoing],
        keyed: Option<Keyed<'_>>,
    ) -> Result<(), StoreError> {
        let lost = self
            .losing
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1));
        if lost.is_ok() {
            return Err(StoreError::Conflict {
                id: inquiry.id(),
                expected,
                stored: Some(expected + 1),
            });
        }
        self.inner.save(inquiry, expected, events, keyed).await
    }

    async fn due(&self, now: DateTime<Utc>, limit: usize) -> Result<Vec<InquiryId>, StoreError> {
        self.inner.due(now, limit).await
    }

    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<InquiryId>, StoreError> {
        self.inner.claim_due(now, limit).await
    }
}

#[async_trait]
impl Outbox for Contended {
    async fn claim_outbox(
        &self,
        now: DateTime<Utc>,
        lease: TimeDelta,
        limit: usize,
    ) -> Result<Vec<Outgoing>, StoreError> {
        self.inner.claim_outbox(now, lease, limit).await
    }

    async fn ack_outbox(&self, events: &[Outgoing]) -> Result<(), StoreError> {
        self.inner.ack_outbox(events).await
    }

    async fn fail_outbox(
        &self,
        events: &[Outgoing],
        attempted_at: DateTime<Utc>,
        retry_at: Option<DateTime<Utc>>,
    ) -> Result<(), StoreError> {
        self.inner.fail_outbox(events, attempted_at, retry_at).await
    }

    async fn parked_outbox(
        &self,
        after: Option<u64>,
        limit: usize,
    ) -> Result<Vec<Outgoing>, StoreError> {
        self.inner.parked_outbox(after, limit).await
    }

    async fn redrive_outbox(&self, events: &[Outgoing]) -> Result<(), StoreError> {
        self.inner.redrive_outbox(events).await
    }
}

#[async_trait]
impl IdempotencyStore for Contended {
    async fn claim_key(
        &self,
        key: &IdempotencyKey,
        fingerprint: [u8; 32],
        now: DateTime<Utc>,
    ) -> Result<KeyClaim, StoreError> {
        self.inner.claim_key(key, fingerprint, now).await
    }

    async fn keep_answer(
        &self,
        key: &IdempotencyKey,
        answer: &KeptAnswer,
    ) -> Result<(), StoreError> {
        self.inner.keep_answer(key, answer).await
    }

    async fn release_key(&self, key: &IdempotencyKey) -> Result<(), StoreError> {
        self.inner.release_key(key).await
    }
}

/// Five attempts a round, eight rounds.
const SAVES_PER_CALL: usize = 5 * 8;

async fn contended_service() -> (String, Arc<Contended>) {
    let store = Arc::new(Contended::default());
    let (base, _) = service_on(&[], Storage::of(store.clone())).await;
    (base, store)
}

async fn resume(base: &str, id: &str, key: Option<&str>) -> (u16, serde_json::Value) {
    let headers: Vec<(&str, &str)> = key
        .map(|key| ("Idempotency-Key", key))
        .into_iter()
        .collect();
    let url = format!("{base}/api/v1/inquiries/{id}/resume");
    let (status, body, headers) = call(Method::POST, &url, None, &headers).await;
    let replayed = headers.contains_key("idempotent-replayed");
    (
        status.as_u16(),
        serde_json::json!({ "body": body, "replayed": replayed }),
    )
}

/// A change that loses every save of its first round and more still lands, once, in a
/// later round; one that loses every save of every round is 409 `conflict`, and the
/// inquiry is unchanged.
#[tokio::test]
async fn s4_a_change_lost_to_concurrent_writers_retries_in_rounds_then_answers_conflict() {
    let (base, store) = contended_service().await;
    let id = create(&base).await;
    let inquiry = InquiryId::parse(&id).unwrap();
    let revision = || async { store.inner.load(inquiry).await.unwrap().unwrap().revision() };
    assert_eq!(revision().await, 1);

    // Lost in all five attempts of the first round and two of the second: lands once.
    store.lose(5 + 2);
    let (status, answer) = resume(&base, &id, None).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(store.losing(), 0, "every lost save was retried");
    assert_eq!(revision().await, 2);

    // Lost in every attempt of every round: conflict, and nothing changed.
    store.lose(SAVES_PER_CALL);
    let (status, answer) = resume(&base, &id, None).await;
    assert_eq!(
        (status, error_code(&answer["body"])),
        (409, "conflict"),
        "{answer}"
    );
    assert_eq!(store.losing(), 0, "all eight rounds were tried");
    assert_eq!(revision().await, 2, "a refused change changes nothing");

    // One save fewer than every round holds: the last attempt of the last round lands,
    // and its key replays it.
    store.lose(SAVES_PER_CALL - 1);
    let (status, answer) = resume(&base, &id, Some("contended-key")).await;
    assert_eq!(
        (status, &answer["replayed"]),
        (200, &serde_json::json!(false)),
        "{answer}"
    );
    assert_eq!(revision().await, 3);
    let (status, replay) = resume(&base, &id, Some("contended-key")).await;
    assert_eq!(
        (status, &replay["replayed"]),
        (200, &serde_json::json!(true)),
        "{replay}"
    );
    assert_eq!(revision().await, 3, "a replay changes nothing");
}
