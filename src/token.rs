//! Bearer secrets: session tokens and one-time link codes (rules S2, L2), and their digests.
//!
//! Both have the same shape: the session's id as a public *selector* and 256 secret bits as
//! the *verifier* (S2, revision 2). Text form: `iqse_…` (the session id), a dot, then the
//! verifier as 43 base64url characters; 73 characters in all. A token handed out by
//! revision 1 of the rule book (version 0.1) is the 43 characters alone, with no selector.
//! The inquiry keeps only the SHA-256 digest of a verifier, never the verifier.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq;
use zeroize::{ZeroizeOnDrop, Zeroizing};

use crate::{Error, RandomSource, SessionId};

/// Bytes of entropy in a verifier: 256 bits.
const SECRET_BYTES: usize = 32;
/// Length of a verifier's text form: base64url of 32 bytes, without padding.
const SECRET_CHARS: usize = 43;
/// Length of a session id's text form: `iqse_` and 24 characters.
const SELECTOR_CHARS: usize = 29;

/// The secret part of a token or a link code: 256 random bits, wiped when dropped.
#[derive(Clone, ZeroizeOnDrop)]
struct Secret([u8; SECRET_BYTES]);

impl Secret {
    fn generate(random: &mut dyn RandomSource) -> Self {
        // Filled in place: no copy of the secret is left in a local that is not wiped.
        let mut secret = Secret([0u8; SECRET_BYTES]);
        random.fill_bytes(&mut secret.0);
        secret
    }

    fn digest(&self) -> TokenDigest {
        // By reference: passing the array by value would leave a copy on the stack.
        TokenDigest(Sha256::digest(&self.0[..]).into())
    }
}

/// A selector and a verifier: what tokens and link codes are made of.
#[derive(Clone)]
struct Credential {
    session: Option<SessionId>,
    secret: Secret,
}

impl Credential {
    /// Reads the text form; `what` names the kind in the message ("session token", "link
    /// code"), which never repeats the text.
    fn parse(text: &str, what: &str) -> Result<Self, Error> {
        let malformed = || {
            Error::invalid_input(format!(
                "malformed {what}: expected a session id, a dot and {SECRET_CHARS} base64url characters (A-Z, a-z, 0-9, '-', '_'), {} characters in all; got {} characters",
                SELECTOR_CHARS + 1 + SECRET_CHARS,
                text.chars().count()
            ))
        };
        let (session, verifier) = match text.split_once('.') {
            // Revision 1: the verifier alone.
            None => (None, text),
            Some((selector, verifier)) => (
                Some(SessionId::parse(selector).map_err(|_| malformed())?),
                verifier,
            ),
        };
        if verifier.len() != SECRET_CHARS {
            return Err(malformed());
        }
        // Decoded in place; a refused one is wiped when dropped.
        let mut secret = Secret([0u8; SECRET_BYTES]);
        match URL_SAFE_NO_PAD.decode_slice(verifier, &mut secret.0) {
            Ok(SECRET_BYTES) => Ok(Credential { session, secret }),
            _ => Err(malformed()),
        }
    }

    fn expose(&self) -> Zeroizing<String> {
        let mut text = Zeroizing::new(String::with_capacity(SELECTOR_CHARS + 1 + SECRET_CHARS));
        if let Some(session) = self.session {
            session.push_to(&mut text);
            text.push('.');
        }
        // Encoded straight into the wiped string.
        URL_SAFE_NO_PAD.encode_string(self.secret.0, &mut text);
        text
    }

    fn fmt(&self, kind: &str, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.session {
            Some(session) => write!(f, "{kind}({session}.<redacted>)"),
            None => write!(f, "{kind}(<redacted>)"),
        }
    }
}

impl PartialEq for Credential {
    /// The verifier in constant time: comparing leaks nothing about where they differ.
    fn eq(&self, other: &Self) -> bool {
        let same_secret: bool = self.secret.0.ct_eq(&other.secret.0).into();
        same_secret & (self.session == other.session)
    }
}

/// A secret handed out for a session: drawn before the session's id (as version 0.1 drew
/// tokens), then made to name it.
pub(crate) trait Issued: Sized {
    /// A fresh secret that names no session yet.
    fn draw(random: &mut dyn RandomSource) -> Self;
    /// The secret, naming `session` as its selector.
    fn for_session(self, session: SessionId) -> Self;
    /// The digest an inquiry keeps.
    fn digest(&self) -> TokenDigest;
}

/// A bearer secret type: a [`Credential`] with its name, its text for messages, and its
/// docs. Both kinds have the same shape and the same operations (S2, L2).
macro_rules! credential_type {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq)]
        pub struct $name(Credential);

        impl $name {
            #[doc = concat!("Draws a new ", $what, " for `session` from `random`.")]
            pub fn generate(session: SessionId, random: &mut dyn RandomSource) -> Self {
                $name(Credential {
                    session: Some(session),
                    secret: Secret::generate(random),
                })
            }

            #[doc = concat!("Parses a ", $what, "'s text form: a session id, a dot and 43 base64url characters")]
            /// (a session token of revision 1: the 43 characters alone).
            ///
            /// Malformed text is refused with `invalid_input`; the message never repeats the text.
            pub fn parse(text: &str) -> Result<Self, Error> {
                Credential::parse(text, $what).map($name)
            }

            #[doc = concat!("The session the ", $what, " names (its selector); `None` only for a session")]
            /// token of revision 1.
            pub fn session(&self) -> Option<SessionId> {
                self.0.session
            }

            #[doc = concat!("The ", $what, "'s text form, to hand to the person (in the flow, or in the link")]
            /// they receive). The returned string is wiped from memory when dropped.
            pub fn expose_secret(&self) -> Zeroizing<String> {
                self.0.expose()
            }

            #[doc = concat!("The SHA-256 digest of the verifier: what an inquiry keeps instead of the ", $what, ".")]
            pub fn digest(&self) -> TokenDigest {
                self.0.secret.digest()
            }
        }

        impl Eq for $name {}

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(stringify!($name), f)
            }
        }

        impl Issued for $name {
            fn draw(random: &mut dyn RandomSource) -> Self {
                $name(Credential {
                    session: None,
                    secret: Secret::generate(random),
                })
            }

            fn for_session(mut self, session: SessionId) -> Self {
                self.0.session = Some(session);
                self
            }

            fn digest(&self) -> TokenDigest {
                $name::digest(self)
            }
        }
    };
}

credential_type!(
    /// A session token: the bearer secret that opens a pending inquiry, handed out once when a
    /// session is opened or given a fresh token (S2, S3, S4b, L3).
    ///
    /// It carries its session's id as a public selector ([`SessionToken::session`]) beside a
    /// 256-bit verifier. It never appears in `Debug` (only the selector does), has no
    /// `Display` and no `Serialize`, and its bytes are wiped from memory when it is dropped.
    /// Read its text form, to hand it to the person, with [`SessionToken::expose_secret`]; turn
    /// text that comes back into a token with [`SessionToken::parse`].
    ///
    /// ```
    /// use inquiry_lifecycle::{SeededRandom, SessionId, SessionToken};
    /// let mut random = SeededRandom::new(1);
    /// let session = SessionId::generate(&mut random);
    /// let token = SessionToken::generate(session, &mut random);
    /// assert_eq!(format!("{token:?}"), format!("SessionToken({session}.<redacted>)"));
    /// let text = token.expose_secret();
    /// assert_eq!(text.len(), 73);
    /// assert!(text.starts_with(&format!("{session}.")));
    /// assert_eq!(SessionToken::parse(&text).unwrap(), token);
    /// ```
    SessionToken,
    "session token"
);

credential_type!(
    /// A one-time link's code: the bearer secret a person exchanges for a session token
    /// ([`Inquiry::redeem`](crate::Inquiry::redeem), rules L1–L4).
    ///
    /// A secret exactly like a [`SessionToken`] (L2): the session's id as selector, 256 secret
    /// bits, digest only, constant-time comparison, never shown in `Debug`, no `Display`, no
    /// `Serialize`, wiped on drop. It is not a token: given to
    /// [`Inquiry::access`](crate::Inquiry::access) it is `invalid_token` (L4).
    ///
    /// ```
    /// use inquiry_lifecycle::{LinkCode, SeededRandom, SessionId};
    /// let mut random = SeededRandom::new(1);
    /// let session = SessionId::generate(&mut random);
    /// let code = LinkCode::generate(session, &mut random);
    /// assert_eq!(format!("{code:?}"), format!("LinkCode({session}.<redacted>)"));
    /// assert_eq!(LinkCode::parse(&code.expose_secret()).unwrap(), code);
    /// ```
    LinkCode,
    "link code"
);

/// L4's cross-use, for the strategies: the same selector and
/// verifier presented as the other kind of secret (what a person gets by pasting a code
/// where a token goes).
#[cfg(feature = "proptest")]
impl SessionToken {
    pub(crate) fn as_link_code(&self) -> LinkCode {
        LinkCode(self.0.clone())
    }
}

#[cfg(feature = "proptest")]
impl LinkCode {
    pub(crate) fn as_session_token(&self) -> SessionToken {
        SessionToken(self.0.clone())
    }
}

/// The SHA-256 digest of a token's or a link code's verifier: what an inquiry stores
/// (rules S2, L2).
///
/// Compared in constant time. Serialized as 43 base64url characters.
#[derive(Clone, Copy)]
pub struct TokenDigest([u8; 32]);

impl TokenDigest {
    /// Whether `token`'s verifier hashes to this digest, compared in constant time.
    pub fn matches(&self, token: &SessionToken) -> bool {
        *self == token.digest()
    }

    /// Plain (not constant-time) equality, for comparing two *stored* digests with each
    /// other, as validation of a stored record does: neither side comes from a request, so
    /// the timing tells an attacker nothing, and 300 pairs of 25 sessions cost 0.6 µs
    /// instead of 11 µs. Anything compared with a presented secret uses `==`.
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
        TokenDigest::parse(&text).map_err(crate::record::de_error)
    }
}
