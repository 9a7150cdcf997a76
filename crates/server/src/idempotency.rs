//! S3: `Idempotency-Key` on any POST. A retry with the same key and the same request changes
//! nothing and answers the first outcome, marked `Idempotent-Replayed: true`; the same key
//! with another request is `idempotency_conflict`. Outcomes are kept 24 hours, without any
//! secret: a replay of a resume answers the inquiry without `meta`.
//!
//! In memory for a service in memory; in PostgreSQL (table `inquiry_idempotency`) for a
//! service on PostgreSQL, so that a retry sent to another process of the same database
//! replays too, instead of applying the change a second time (S4).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use inquiry_lifecycle::store::StoreError;
use inquiry_lifecycle_postgres::PostgresStore;
use inquiry_lifecycle_wire::{Inflection, InquiryDocument, InquiryResource};
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
pub struct Entry {
    fingerprint: [u8; 32],
    outcome: Stored,
    at: DateTime<Utc>,
}

/// The keys seen in the last 24 hours, per API key. Requests with one key are answered one
/// at a time, so that a retry racing the first request waits for its outcome.
pub enum Idempotency {
    /// In this process.
    Memory(Mutex<HashMap<([u8; 32], String), Slot>>),
    /// In the service's PostgreSQL database, shared by its processes.
    Postgres(PostgresStore),
}

impl Default for Idempotency {
    fn default() -> Self {
        Idempotency::Memory(Mutex::default())
    }
}

impl std::fmt::Debug for Idempotency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Idempotency::Memory(_) => "Idempotency::Memory",
            Idempotency::Postgres(_) => "Idempotency::Postgres",
        })
    }
}

/// The table of PostgreSQL-kept keys; created at start (idempotent).
pub const POSTGRES_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS inquiry_idempotency (
    client      BYTEA NOT NULL,       -- SHA-256 of the API key: never the key itself
    key         TEXT NOT NULL,
    fingerprint BYTEA NOT NULL,       -- SHA-256 of method, path and body
    created_at  TIMESTAMPTZ NOT NULL,
    taken_at    TIMESTAMPTZ NOT NULL, -- when the running request took the key (wall clock)
    status      INTEGER,              -- NULL while the first request runs
    document    TEXT,                 -- the inquiry document, without meta; or the error's detail
    code        TEXT,                 -- the error's code, for a refusal
    PRIMARY KEY (client, key)
);
CREATE INDEX IF NOT EXISTS inquiry_idempotency_created ON inquiry_idempotency (created_at);
";

/// How long a key stays taken by a request that never finished (its process died) before
/// another request may take it.
const ABANDONED: TimeDelta = TimeDelta::seconds(30);
/// How often, and how many times, a request looks again at another process's request with
/// the same key before it gives up (10 s in all).
const POLL: Duration = Duration::from_millis(25);
const POLLS: u32 = 400;

fn conflict() -> ApiError {
    ApiError::new(
        422,
        "idempotency_conflict",
        "this Idempotency-Key was used with another request in the last 24 hours; use a new key for a new request (S3)",
    )
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
pub enum Guard {
    /// In this process.
    Memory {
        /// The key's record, locked.
        slot: tokio::sync::OwnedMutexGuard<Option<Entry>>,
        /// The request's fingerprint.
        fingerprint: [u8; 32],
    },
    /// In PostgreSQL: the key's row, taken.
    Postgres {
        /// The database.
        store: PostgresStore,
        /// The API key's digest.
        client: [u8; 32],
        /// The key.
        key: String,
    },
}

impl Idempotency {
    /// Looks `key` up for the API key whose digest is `client`; `request` identifies the
    /// request (method, path and body).
    pub async fn begin(
        &self,
        client: [u8; 32],
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
        let keys = match self {
            Idempotency::Memory(keys) => keys,
            Idempotency::Postgres(store) => {
                return postgres::begin(store, client, key, fingerprint, now).await;
            }
        };
        let slot = {
            let mut keys = keys.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
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
                    Err(conflict())
                }
            }
            _ => Ok(Replay::Run(Guard::Memory { slot, fingerprint })),
        }
    }
}

impl Guard {
    /// Keeps the outcome of the request the key was first used for. Outcomes the client
    /// should retry (the store was unavailable, a conflict) are not kept.
    pub async fn keep(self, outcome: Stored, now: DateTime<Utc>) {
        let retry = match &outcome {
            Stored::Error(error) => error.status >= 500 || error.code == "conflict",
            Stored::Inquiry(..) => false,
        };
        match self {
            Guard::Memory { .. } if retry => {}
            Guard::Memory {
                mut slot,
                fingerprint,
            } => {
                *slot = Some(Entry {
                    fingerprint,
                    outcome,
                    at: now,
                });
            }
            Guard::Postgres { store, client, key } => {
                let kept = if retry {
                    postgres::release(&store, client, &key).await
                } else {
                    postgres::keep(&store, client, &key, &outcome).await
                };
                if let Err(error) = kept {
                    // The key stays taken until ABANDONED passes; a retry then runs again.
                    tracing::warn!(code = %error.code, detail = %error.detail, "cannot keep an idempotency outcome");
                }
            }
        }
    }
}

/// The PostgreSQL side: one row per (API key digest, key).
mod postgres {
    use super::*;

    fn unavailable(error: StoreError) -> ApiError {
        ApiError::from(error)
    }

    fn query(error: tokio_postgres::Error) -> ApiError {
        ApiError::from(StoreError::Unavailable(Box::new(error)))
    }

    /// Takes the key (new, expired, or abandoned by a process that died), or answers what
    /// its first request answered, waiting while that request runs in another process.
    pub(super) async fn begin(
        store: &PostgresStore,
        client: [u8; 32],
        key: &str,
        fingerprint: [u8; 32],
        now: DateTime<Utc>,
    ) -> Result<Replay, ApiError> {
        let db = store.client().await.map_err(unavailable)?;
        let expired_before = now - KEPT_FOR;
        let mut polls = 0;
        loop {
            let wall = crate::clock::wall_clock();
            let taken = db
                .query_opt(
                    "INSERT INTO inquiry_idempotency (client, key, fingerprint, created_at, taken_at)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (client, key) DO UPDATE
                         SET fingerprint = EXCLUDED.fingerprint, created_at = EXCLUDED.created_at,
                             taken_at = EXCLUDED.taken_at, status = NULL, document = NULL, code = NULL
                         WHERE inquiry_idempotency.created_at < $6
                            OR (inquiry_idempotency.status IS NULL
                                AND inquiry_idempotency.fingerprint = EXCLUDED.fingerprint
                                AND inquiry_idempotency.taken_at < $7)
                     RETURNING 1",
                    &[
                        &client.as_slice(),
                        &key,
                        &fingerprint.as_slice(),
                        &now,
                        &wall,
                        &expired_before,
                        &(wall - ABANDONED),
                    ],
                )
                .await
                .map_err(query)?;
            if taken.is_some() {
                return Ok(Replay::Run(Guard::Postgres {
                    store: store.clone(),
                    client,
                    key: key.to_owned(),
                }));
            }
            let row = db
                .query_opt(
                    "SELECT fingerprint, status, document, code FROM inquiry_idempotency
                     WHERE client = $1 AND key = $2",
                    &[&client.as_slice(), &key],
                )
                .await
                .map_err(query)?;
            // Gone between the two statements (released by a failed first request): again.
            let Some(row) = row else { continue };
            let stored_fingerprint: Vec<u8> = row.get(0);
            if stored_fingerprint != fingerprint {
                return Err(conflict());
            }
            let status: Option<i32> = row.get(1);
            if let Some(status) = status {
                let document: String = row.get(2);
                let code: Option<String> = row.get(3);
                return Ok(Replay::Replay(stored(status, document, code)?));
            }
            polls += 1;
            if polls > POLLS {
                return Err(ApiError::new(
                    409,
                    "conflict",
                    "a request with this Idempotency-Key is still running; retry it later",
                ));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// A kept outcome, as read back.
    fn stored(status: i32, document: String, code: Option<String>) -> Result<Stored, ApiError> {
        let status = u16::try_from(status).unwrap_or(500);
        match code {
            Some(code) => Ok(Stored::Error(ApiError {
                status,
                code: Cow::Owned(code),
                detail: document,
            })),
            None => {
                let read = InquiryDocument::from_json(&document).map_err(|e| {
                    ApiError::new(
                        500,
                        "corrupt_record",
                        format!("a kept idempotent outcome: {e}"),
                    )
                })?;
                Ok(Stored::Inquiry(status, read.inquiry))
            }
        }
    }

    pub(super) async fn keep(
        store: &PostgresStore,
        client: [u8; 32],
        key: &str,
        outcome: &Stored,
    ) -> Result<(), ApiError> {
        let (status, document, code) = match outcome {
            Stored::Inquiry(status, inquiry) => (
                i32::from(*status),
                InquiryDocument::new(inquiry.clone()).to_json(Inflection::Kebab),
                None,
            ),
            Stored::Error(error) => (
                i32::from(error.status),
                error.detail.clone(),
                Some(error.code.to_string()),
            ),
        };
        let db = store.client().await.map_err(unavailable)?;
        db.execute(
            "UPDATE inquiry_idempotency SET status = $3, document = $4, code = $5
             WHERE client = $1 AND key = $2",
            &[&client.as_slice(), &key, &status, &document, &code],
        )
        .await
        .map_err(query)?;
        Ok(())
    }

    /// Gives the key back: the outcome is one the client should retry.
    pub(super) async fn release(
        store: &PostgresStore,
        client: [u8; 32],
        key: &str,
    ) -> Result<(), ApiError> {
        let db = store.client().await.map_err(unavailable)?;
        db.execute(
            "DELETE FROM inquiry_idempotency WHERE client = $1 AND key = $2 AND status IS NULL",
            &[&client.as_slice(), &key],
        )
        .await
        .map_err(query)?;
        Ok(())
    }
}
