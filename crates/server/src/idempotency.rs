//! S3: `Idempotency-Key` on any POST. A retry with the same key and the same request changes
//! nothing and answers the first outcome, marked `Idempotent-Replayed: true`; the same key
//! with another request is `idempotency_conflict`. Outcomes are kept 24 hours, without any
//! secret: a replay of a resume answers the inquiry without `meta`.
//!
//! The keys live in the service's store ([`IdempotencyStore`]): in memory for a service in
//! memory, in PostgreSQL for a service on PostgreSQL, so that a retry sent to another
//! process of the same database replays too. A change's answer is recorded **in the same
//! write as the change** (`act_keyed`, `insert` with a `Keyed`): a process that dies after
//! the commit leaves the answer behind, so a retry is answered, never applied twice.
//!
//! Which answers are kept: every success, and every refusal of the request as it stands
//! (the rule book's refusals, `not_found`). A request that could not be read or was invalid
//! (400, 413, 422 `invalid_input`) and a failure worth retrying (409 `conflict`, 5xx) give
//! the key back: the corrected or retried request runs.

use std::time::Duration;

use chrono::{DateTime, Utc};
use inquiry_lifecycle::Inquiry;
use inquiry_lifecycle_store::{IdempotencyKey, IdempotencyStore, KeptAnswer, KeyClaim};
use inquiry_lifecycle_wire::{Inflection, InquiryDocument, InquiryResource};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::error::{ApiCode, ApiError};

/// How often, and how many times, a request looks again at another request with the same
/// key that is still running before it gives up (10 s in all).
const POLL: Duration = Duration::from_millis(25);
const POLLS: u32 = 400;

/// What a request answered, as kept for replays: never a token or a link code.
#[derive(Debug, Clone)]
pub enum Stored {
    /// An inquiry document with this status (its `meta` is not kept).
    Inquiry(u16, InquiryResource),
    /// Another JSON body with this status (the sandbox clock, parked deliveries).
    Json(u16, String),
    /// A refusal.
    Error(ApiError),
}

/// The fingerprint of a request: its method, path and body. A JSON body counts by its
/// value, not its spelling: the same object re-indented or with its members in another
/// order is the same request.
pub fn fingerprint(method: &str, path: &str, body: &[u8]) -> [u8; 32] {
    let canonical = serde_json::from_slice::<Value>(body)
        .ok()
        .map(|value| value.to_string().into_bytes());
    let body = canonical.as_deref().unwrap_or(body);
    [method.as_bytes(), path.as_bytes(), body]
        .iter()
        .fold(Sha256::new(), |hash, part| {
            hash.chain_update((part.len() as u64).to_be_bytes())
                .chain_update(part)
        })
        .finalize()
        .into()
}

/// What became of a key: run the request, or answer again what it answered.
pub enum Claimed {
    /// The key is this request's: run it.
    Run,
    /// The same request was answered before.
    Replay(Stored),
}

/// Takes `key` for the request with this fingerprint, waiting while another request with
/// it runs (in this process or another).
pub async fn claim(
    store: &dyn IdempotencyStore,
    key: &IdempotencyKey,
    fingerprint: [u8; 32],
    now: DateTime<Utc>,
) -> Result<Claimed, ApiError> {
    for _ in 0..POLLS {
        match store.claim_key(key, fingerprint, now).await? {
            KeyClaim::Taken => return Ok(Claimed::Run),
            KeyClaim::Replay(kept) => return Ok(Claimed::Replay(stored(kept)?)),
            KeyClaim::Mismatch => return Err(conflict()),
            // Running, or a variant a later store version adds: look again shortly.
            _ => tokio::time::sleep(POLL).await,
        }
    }
    Err(ApiError::new(
        ApiCode::Conflict,
        "a request with this Idempotency-Key is still running; retry it later",
    ))
}

fn conflict() -> ApiError {
    ApiError::new(ApiCode::IdempotencyConflict,
        "this Idempotency-Key was used with another request in the last 24 hours; use a new key for a new request (S3)",
    )
}

/// Whether a refusal is kept for the key (see the module docs), or the key given back: a
/// request that could not be read or was invalid, and a failure worth retrying, keep
/// nothing.
pub fn is_kept(error: &ApiError) -> bool {
    let request_at_fault = matches!(
        error.code,
        ApiCode::BadRequest | ApiCode::PayloadTooLarge | ApiCode::INVALID_INPUT
    );
    let not_the_requests = error.code.is_retryable() || error.code == ApiCode::CorruptRecord;
    !(request_at_fault || not_the_requests)
}

/// The answer a store keeps for a request that answered this inquiry with this status: the
/// resource as at `now`, in kebab case, without `meta` (never a secret).
pub fn kept_inquiry(status: u16, inquiry: &Inquiry, now: DateTime<Utc>) -> KeptAnswer {
    kept(&Stored::Inquiry(status, InquiryResource::at(inquiry, now)))
}

/// The answer a store keeps for `stored`.
pub fn kept(stored: &Stored) -> KeptAnswer {
    match stored {
        Stored::Inquiry(status, inquiry) => KeptAnswer {
            status: *status,
            code: None,
            body: InquiryDocument::new(inquiry.clone()).to_json(Inflection::Kebab),
        },
        Stored::Json(status, body) => KeptAnswer {
            status: *status,
            code: None,
            body: body.clone(),
        },
        Stored::Error(error) => KeptAnswer {
            status: error.status(),
            code: Some(error.code.as_str().to_owned()),
            body: error.detail.clone(),
        },
    }
}

/// A kept answer, as read back: a refusal (it has a code), an inquiry document (earlier
/// versions kept only these and refusals), or another JSON body.
fn stored(kept: KeptAnswer) -> Result<Stored, ApiError> {
    if let Some(code) = kept.code {
        // Every code this service kept is one of its own; anything else is a broken record.
        let code = code.parse::<ApiCode>().map_err(|_| {
            ApiError::new(
                ApiCode::CorruptRecord,
                format!("a kept idempotent answer has an unknown code {code:?}"),
            )
        })?;
        return Ok(Stored::Error(ApiError::new(code, kept.body)));
    }
    let is_inquiry = serde_json::from_str::<Value>(&kept.body)
        .ok()
        .and_then(|value| value.pointer("/data/type").cloned())
        .is_some_and(|kind| kind == "inquiry");
    if !is_inquiry {
        return Ok(Stored::Json(kept.status, kept.body));
    }
    let read = InquiryDocument::from_json(&kept.body).map_err(|e| {
        ApiError::new(
            ApiCode::CorruptRecord,
            format!("a kept idempotent answer does not read back: {e}"),
        )
    })?;
    Ok(Stored::Inquiry(kept.status, read.inquiry))
}

/// Records how a request that holds `key` ended: its answer when it is kept (a change's
/// answer is already committed with it, so this writes nothing then), else the key given
/// back. A failure here leaves the key taken until the store frees it.
pub async fn settle(store: &dyn IdempotencyStore, key: &IdempotencyKey, outcome: &Stored) {
    let settled = match outcome {
        Stored::Error(error) if !is_kept(error) => store.release_key(key).await,
        _ => store.keep_answer(key, &kept(outcome)).await,
    };
    if let Err(error) = settled {
        tracing::warn!(%error, "cannot settle an idempotency key");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use inquiry_lifecycle::ErrorCode;

    /// Which refusals a key keeps: those of the request as it stands; not those of a
    /// request that could not be read or was invalid, nor failures worth retrying.
    #[test]
    fn a_key_keeps_the_refusals_of_the_request_as_it_stands() {
        let kept = |code| is_kept(&ApiError::new(code, "detail"));
        for code in [
            ApiCode::Lifecycle(ErrorCode::NotResumable),
            ApiCode::Lifecycle(ErrorCode::InquiryExpired),
            ApiCode::NotFound,
            ApiCode::Unauthorized,
            ApiCode::IdempotencyConflict,
        ] {
            assert!(kept(code), "{code} is not kept");
        }
        for code in [
            ApiCode::BadRequest,
            ApiCode::PayloadTooLarge,
            ApiCode::INVALID_INPUT,
            ApiCode::Conflict,
            ApiCode::Unavailable,
            ApiCode::Internal,
            ApiCode::CorruptRecord,
        ] {
            assert!(!kept(code), "{code} is kept");
        }
    }
}
