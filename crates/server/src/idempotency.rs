//! S3: `Idempotency-Key` on any POST. A retry with the same key and the same request changes
//! nothing and answers the first outcome, marked `Idempotent-Replayed: true`; the same key
//! with another request is `idempotency_conflict`. Outcomes are kept 24 hours, without any
//! secret: a replay of a resume answers the inquiry without `meta`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeDelta, Utc};
use inquiry_lifecycle_wire::InquiryResource;
use sha2::{Digest, Sha256};

use crate::error::ApiError;

/// How long an outcome is kept.
pub const KEPT_FOR: TimeDelta = TimeDelta::hours(24);

/// What a request answered, as kept for replays: never a token or a link code.
#[derive(Debug, Clone)]
pub enum Stored {
    /// An inquiry document with this status (its `meta` is not kept).
    Inquiry(u16, InquiryResource),
    /// A refusal.
    Error(ApiError),
}

/// One key's record, locked while its first request runs.
type Slot = Arc<tokio::sync::Mutex<Option<Entry>>>;

/// One key's record.
#[derive(Debug)]
struct Entry {
    fingerprint: [u8; 32],
    outcome: Stored,
    at: DateTime<Utc>,
}

/// The keys seen in the last 24 hours, per API key. Requests with one key are answered one
/// at a time, so that a retry racing the first request waits for its outcome.
#[derive(Debug, Default)]
pub struct Idempotency {
    keys: Mutex<HashMap<(usize, String), Slot>>,
}

/// What to do with a request that carries a key.
pub enum Replay {
    /// The key is new (or expired): run the request, then [`Idempotency::keep`] its
    /// outcome through the guard.
    Run(Guard),
    /// The same request was answered before: answer this again.
    Replay(Stored),
}

/// Holds a key while its first request runs.
pub struct Guard {
    slot: tokio::sync::OwnedMutexGuard<Option<Entry>>,
    fingerprint: [u8; 32],
}

impl Idempotency {
    /// Looks `key` up for the API key numbered `client`; `request` identifies the request
    /// (method, path and body).
    pub async fn begin(
        &self,
        client: usize,
        key: &str,
        request: &[&[u8]],
        now: DateTime<Utc>,
    ) -> Result<Replay, ApiError> {
        let fingerprint = request
            .iter()
            .fold(Sha256::new(), |hash, part| {
                hash.chain_update((part.len() as u64).to_be_bytes())
                    .chain_update(part)
            })
            .finalize()
            .into();
        let slot = {
            let mut keys = self
                .keys
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            keys.retain(|_, slot| {
                slot.try_lock().map_or(true, |entry| {
                    entry.as_ref().is_none_or(|e| now - e.at < KEPT_FOR)
                })
            });
            keys.entry((client, key.to_owned())).or_default().clone()
        };
        let slot = slot.lock_owned().await;
        match slot.as_ref() {
            Some(entry) if now - entry.at < KEPT_FOR => {
                if entry.fingerprint == fingerprint {
                    Ok(Replay::Replay(entry.outcome.clone()))
                } else {
                    Err(ApiError::new(
                        422,
                        "idempotency_conflict",
                        "this Idempotency-Key was used with another request in the last 24 hours; use a new key for a new request (S3)",
                    ))
                }
            }
            _ => Ok(Replay::Run(Guard { slot, fingerprint })),
        }
    }
}

impl Guard {
    /// Keeps the outcome of the request the key was first used for. Outcomes the client
    /// should retry (the store was unavailable, a conflict) are not kept.
    pub fn keep(mut self, outcome: Stored, now: DateTime<Utc>) {
        if let Stored::Error(error) = &outcome {
            if error.status >= 500 || error.code == "conflict" {
                return;
            }
        }
        *self.slot = Some(Entry {
            fingerprint: self.fingerprint,
            outcome,
            at: now,
        });
    }
}
