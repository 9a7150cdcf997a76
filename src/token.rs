//! Session tokens (bearer secrets) and their digests (rule S2).

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq;
use zeroize::{ZeroizeOnDrop, Zeroizing};

use crate::{Error, RandomSource};

/// Bytes of entropy in a token: 256 bits.
const TOKEN_BYTES: usize = 32;
/// Length of a token's text form: base64url of 32 bytes, without padding.
const TOKEN_CHARS: usize = 43;

/// A session token: a 256-bit bearer secret, handed out once when a session is opened.
///
/// It never appears in `Debug`, has no `Display` and no `Serialize`, and its bytes are
/// wiped from memory when it is dropped. Read its text form, to hand it to the person,
/// with [`SessionToken::expose_secret`]; turn text that comes back into a token with
/// [`SessionToken::parse`].
///
/// ```
/// use inquiry_lifecycle::{SeededRandom, SessionToken};
/// let token = SessionToken::generate(&mut SeededRandom::new(1));
/// assert_eq!(format!("{token:?}"), "SessionToken(<redacted>)");
/// let text = token.expose_secret();
/// assert_eq!(text.len(), 43);
/// assert_eq!(SessionToken::parse(&text).unwrap(), token);
/// ```
#[derive(Clone, ZeroizeOnDrop)]
pub struct SessionToken([u8; TOKEN_BYTES]);

impl SessionToken {
    /// Draws a new token from `random`.
    pub fn generate(random: &mut dyn RandomSource) -> Self {
        // Filled in place: no copy of the secret is left in a local that is not wiped.
        let mut token = SessionToken([0u8; TOKEN_BYTES]);
        random.fill_bytes(&mut token.0);
        token
    }

    /// Parses a token's text form (43 base64url characters, no padding).
    ///
    /// Malformed text is refused with `invalid_input`; the message never repeats the text.
    pub fn parse(text: &str) -> Result<Self, Error> {
        let malformed = || {
            Error::invalid_input(format!(
                "malformed session token: expected {TOKEN_CHARS} base64url characters (A-Z, a-z, 0-9, '-', '_'), got {} characters",
                text.chars().count()
            ))
        };
        if text.len() != TOKEN_CHARS {
            return Err(malformed());
        }
        // Decoded in place; a refused token is wiped when dropped.
        let mut token = SessionToken([0u8; TOKEN_BYTES]);
        match URL_SAFE_NO_PAD.decode_slice(text, &mut token.0) {
            Ok(TOKEN_BYTES) => Ok(token),
            _ => Err(malformed()),
        }
    }

    /// The token's text form, to hand to the person who will open the flow.
    ///
    /// The returned string is wiped from memory when dropped.
    pub fn expose_secret(&self) -> Zeroizing<String> {
        Zeroizing::new(URL_SAFE_NO_PAD.encode(self.0))
    }

    /// The SHA-256 digest that an inquiry keeps instead of the token.
    pub fn digest(&self) -> TokenDigest {
        // By reference: passing the array by value would leave a copy of the secret on the
        // stack.
        TokenDigest(Sha256::digest(&self.0[..]).into())
    }
}

impl PartialEq for SessionToken {
    /// Constant-time: comparing tokens leaks nothing about where they differ.
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for SessionToken {}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

/// The SHA-256 digest of a session token: what an inquiry stores (rule S2).
///
/// Compared in constant time. Serialized as 43 base64url characters.
#[derive(Clone, Copy)]
pub struct TokenDigest([u8; 32]);

impl TokenDigest {
    /// Whether `token` hashes to this digest, compared in constant time.
    pub fn matches(&self, token: &SessionToken) -> bool {
        *self == token.digest()
    }

    /// Plain (not constant-time) equality, for comparing two *stored* digests with each
    /// other, as validation of a stored record does: neither side comes from a request, so
    /// the timing tells an attacker nothing, and 300 pairs of 25 sessions cost 0.6 µs
    /// instead of 11 µs. Anything compared with a presented token uses `==`.
    pub(crate) fn same_stored_digest(&self, other: &TokenDigest) -> bool {
        self.0 == other.0
    }

    fn parse(text: &str) -> Result<Self, Error> {
        let mut bytes = [0u8; 32];
        match URL_SAFE_NO_PAD.decode_slice(text, &mut bytes) {
            Ok(32) => Ok(TokenDigest(bytes)),
            _ => Err(Error::invalid_input(
                "malformed token digest: expected 43 base64url characters (a SHA-256 digest)",
            )),
        }
    }
}

impl PartialEq for TokenDigest {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for TokenDigest {}

impl fmt::Debug for TokenDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A digest is not a secret, but there is no reason to print it in full either.
        let text = URL_SAFE_NO_PAD.encode(self.0);
        write!(f, "TokenDigest({}…)", text.get(..8).unwrap_or_default())
    }
}

impl Serialize for TokenDigest {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&URL_SAFE_NO_PAD.encode(self.0))
    }
}

impl<'de> Deserialize<'de> for TokenDigest {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        TokenDigest::parse(&text).map_err(serde::de::Error::custom)
    }
}
