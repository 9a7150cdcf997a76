//! H1: webhook signatures, as the vendor signs them.
//!
//! `Persona-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, keyed
//! with the endpoint's secret. While a secret is rotated the header carries several
//! `t=…,v1=…` pairs separated by a space; one match suffices.

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

/// The header that carries the signature.
pub const SIGNATURE_HEADER: &str = "Persona-Signature";

/// How far a signature's timestamp may be from `now`, either side, by default: 5 minutes.
pub const DEFAULT_TOLERANCE: TimeDelta = TimeDelta::minutes(5);

type HmacSha256 = Hmac<Sha256>;

/// The shortest webhook secret accepted, in bytes: 16, as many as 128 random bits take in
/// any text form (the vendor's `wbhsec_…` secrets are longer). A shorter key can be
/// guessed, and an empty one signs every body with no secret at all.
pub const MIN_SECRET_BYTES: usize = 16;

/// An endpoint's webhook secret. `Debug` never shows it, and it is wiped from memory when
/// dropped.
///
/// ```
/// use inquiry_lifecycle_wire::{SecretError, WebhookSecret};
/// let secret = WebhookSecret::new("wbhsec_test_0123456789").unwrap();
/// assert_eq!(format!("{secret:?}"), "WebhookSecret(<redacted>)");
/// assert_eq!(WebhookSecret::new("").unwrap_err(), SecretError::TooShort { bytes: 0 });
/// ```
#[derive(Clone)]
pub struct WebhookSecret(Zeroizing<Vec<u8>>);

/// Why a webhook secret was refused. It never carries the secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SecretError {
    /// Shorter than [`MIN_SECRET_BYTES`] (or empty).
    #[error("a webhook secret of {bytes} bytes is too short to sign with; use at least {MIN_SECRET_BYTES} bytes, as the vendor's own secrets are")]
    TooShort {
        /// Its length.
        bytes: usize,
    },
}

impl WebhookSecret {
    /// A secret from its text (the vendor's look like `wbhsec_…`); the HMAC key is its
    /// UTF-8 bytes. Shorter than [`MIN_SECRET_BYTES`] is refused.
    pub fn new(secret: &str) -> Result<WebhookSecret, SecretError> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(SecretError::TooShort {
                bytes: secret.len(),
            });
        }
        Ok(WebhookSecret(Zeroizing::new(secret.as_bytes().to_vec())))
    }

    fn mac(&self, timestamp: &str, body: &[u8]) -> HmacSha256 {
        // HMAC takes a key of any length (RFC 2104: a long key is hashed first), so
        // `new_from_slice` never fails for it.
        #[allow(clippy::expect_used)]
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC accepts keys of any length");
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(body);
        mac
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

/// The `Persona-Signature` value for `body` sent at `timestamp` (Unix seconds), one
/// `t=…,v1=…` pair per secret, separated by a space (rotation: sign with the new secret
/// and the old one until every receiver has the new one).
///
/// ```
/// use inquiry_lifecycle_wire::{sign, WebhookSecret};
/// let header = sign(&[WebhookSecret::new("wbhsec_test_0123456789")?], 1_767_225_600, b"{}");
/// assert!(header.starts_with("t=1767225600,v1="));
/// assert_eq!(header.len(), "t=1767225600,v1=".len() + 64);
/// # Ok::<(), inquiry_lifecycle_wire::SecretError>(())
/// ```
pub fn sign(secrets: &[WebhookSecret], timestamp: i64, body: &[u8]) -> String {
    let t = timestamp.to_string();
    secrets
        .iter()
        .map(|secret| {
            let tag = secret.mac(&t, body).finalize().into_bytes();
            format!("t={t},v1={}", hex::encode(tag))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why a delivery's signature was refused. No variant carries the secret or the
/// signature's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The delivery has no `Persona-Signature` header.
    #[error("missing {SIGNATURE_HEADER} header")]
    Missing,
    /// The header is not `t=<unix seconds>,v1=<64 hex digits>` pairs.
    #[error("malformed {SIGNATURE_HEADER} header: {0}; expected t=<unix seconds>,v1=<64 hex digits>, pairs separated by a space")]
    Malformed(&'static str),
    /// Every timestamp in the header is further from `now` than the tolerance (a replay,
    /// or a clock far off).
    #[error("stale {SIGNATURE_HEADER}: signed at {signed_at} (Unix seconds), {off_by_seconds} s from now; at most {tolerance_seconds} s either side is accepted")]
    Stale {
        /// The timestamp nearest to `now`.
        signed_at: i64,
        /// How far it is from `now`, in seconds.
        off_by_seconds: i64,
        /// The tolerance, in seconds.
        tolerance_seconds: i64,
    },
    /// No signature in the header matches the body under any of the secrets.
    #[error("no signature in {SIGNATURE_HEADER} matches the body under the endpoint's secrets (wrong secret, or a changed body)")]
    NoMatch,
}

/// Checks a delivery's `Persona-Signature` header against its raw body (H1): at least one
/// pair whose timestamp is within `tolerance` of `now`, either side, and whose signature
/// matches under one of `secrets`, compared in constant time.
///
/// ```
/// use chrono::{TimeDelta, TimeZone, Utc};
/// use inquiry_lifecycle_wire::{sign, verify, SignatureError, WebhookSecret, DEFAULT_TOLERANCE};
///
/// let secrets = [WebhookSecret::new("wbhsec_test_0123456789")?];
/// let now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
/// let header = sign(&secrets, now.timestamp(), b"{}");
/// assert_eq!(verify(Some(&header), b"{}", &secrets, now, DEFAULT_TOLERANCE), Ok(()));
/// assert_eq!(verify(Some(&header), b"{ }", &secrets, now, DEFAULT_TOLERANCE), Err(SignatureError::NoMatch));
/// let later = now + TimeDelta::minutes(6);
/// assert!(matches!(verify(Some(&header), b"{}", &secrets, later, DEFAULT_TOLERANCE), Err(SignatureError::Stale { .. })));
/// assert_eq!(verify(None, b"{}", &secrets, now, DEFAULT_TOLERANCE), Err(SignatureError::Missing));
/// # Ok::<(), inquiry_lifecycle_wire::SecretError>(())
/// ```
pub fn verify(
    header: Option<&str>,
    body: &[u8],
    secrets: &[WebhookSecret],
    now: DateTime<Utc>,
    tolerance: TimeDelta,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let pairs = parse(header)?;
    let now = now.timestamp();
    let tolerance = tolerance.num_seconds();
    let off_by = |t: i64| t.saturating_sub(now).saturating_abs();
    let fresh = |t: i64| off_by(t) <= tolerance;
    if !pairs.iter().any(|pair| fresh(pair.timestamp)) {
        // `parse` refuses a header with no pair, so there is a nearest one.
        let signed_at = pairs
            .iter()
            .map(|pair| pair.timestamp)
            .min_by_key(|t| off_by(*t))
            .unwrap_or(0);
        return Err(SignatureError::Stale {
            signed_at,
            off_by_seconds: off_by(signed_at),
            tolerance_seconds: tolerance,
        });
    }
    let matched = pairs
        .iter()
        .filter(|pair| fresh(pair.timestamp))
        .any(|pair| {
            secrets.iter().any(|secret| {
                let mac = secret.mac(pair.timestamp_text, body);
                pair.signatures
                    .iter()
                    .any(|signature| mac.clone().verify_slice(signature).is_ok())
            })
        });
    if matched {
        Ok(())
    } else {
        Err(SignatureError::NoMatch)
    }
}

/// One `t=…,v1=…` pair, with every `v1` it holds.
struct Pair<'a> {
    timestamp_text: &'a str,
    timestamp: i64,
    signatures: Vec<[u8; 32]>,
}

/// At most this many pairs are read from one header, and this many `v1` in all (rotation
/// needs two).
const MAX_PAIRS: usize = 8;

fn parse(header: &str) -> Result<Vec<Pair<'_>>, SignatureError> {
    let mut pairs = Vec::new();
    let mut signatures_read = 0;
    for group in header.split_ascii_whitespace() {
        if pairs.len() == MAX_PAIRS {
            return Err(SignatureError::Malformed("more than 8 pairs"));
        }
        let (mut timestamp, mut signatures) = (None, Vec::new());
        for part in group.split(',') {
            match part.split_once('=') {
                Some(("t", t)) => timestamp = Some(t),
                Some(("v1", v1)) => {
                    signatures_read += 1;
                    if signatures_read > MAX_PAIRS {
                        return Err(SignatureError::Malformed("more than 8 signatures"));
                    }
                    let mut decoded = [0u8; 32];
                    hex::decode_to_slice(v1, &mut decoded)
                        .map_err(|_| SignatureError::Malformed("v1= is not 64 hex digits"))?;
                    signatures.push(decoded);
                }
                // Other schemes (a future v2) are not ours to judge.
                Some(_) => {}
                None => return Err(SignatureError::Malformed("a part without `=`")),
            }
        }
        let timestamp_text = timestamp.ok_or(SignatureError::Malformed("a pair without t="))?;
        if signatures.is_empty() {
            return Err(SignatureError::Malformed("a pair without v1="));
        }
        if timestamp_text.is_empty() || !timestamp_text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SignatureError::Malformed("t= is not a number of seconds"));
        }
        let timestamp = timestamp_text
            .parse::<i64>()
            .map_err(|_| SignatureError::Malformed("t= is out of range"))?;
        pairs.push(Pair {
            timestamp_text,
            timestamp,
            signatures,
        });
    }
    if pairs.is_empty() {
        return Err(SignatureError::Malformed("it is empty"));
    }
    Ok(pairs)
}
