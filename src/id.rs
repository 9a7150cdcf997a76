//! Inquiry and session ids: a prefix and 24 characters from `[A-Za-z0-9]`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Error, RandomSource};

const ID_CHARS: usize = 24;
const ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// 62^8: the values of eight characters, all drawn from one `u64`.
const CHUNK_SPACE: u64 = 62u64.pow(8);
/// 62^4: the values of four characters.
const HALF_SPACE: u64 = 62u64.pow(4);
/// The largest multiple of [`CHUNK_SPACE`] a `u64` holds; draws below it are uniform modulo it.
const CHUNK_LIMIT: u64 = (u64::MAX / CHUNK_SPACE) * CHUNK_SPACE;

/// The 24 characters after an id's prefix, always from `[A-Za-z0-9]`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct IdBody([u8; ID_CHARS]);

impl IdBody {
    fn parse(prefix: &str, kind: &str, text: &str) -> Result<Self, Error> {
        let body = text
            .strip_prefix(prefix)
            .and_then(|body| <[u8; ID_CHARS]>::try_from(body.as_bytes()).ok())
            .filter(|body| body.iter().all(u8::is_ascii_alphanumeric));
        body.map(IdBody).ok_or_else(|| {
            Error::invalid_input(format!(
                "malformed {kind} id {:?}: expected {prefix:?} followed by {ID_CHARS} characters from [A-Za-z0-9]",
                Truncated(text)
            ))
        })
    }

    /// Draws 24 uniformly distributed characters, eight per 64-bit draw: a draw below
    /// [`CHUNK_LIMIT`] taken modulo 62^8 is uniform, and its eight base-62 digits are the
    /// characters. A draw at or above the limit (3 in a million) is drawn again, so no
    /// character is favoured.
    fn generate(random: &mut dyn RandomSource) -> Self {
        let mut draws = [0u8; ID_CHARS];
        random.fill_bytes(&mut draws);
        let mut body = [0u8; ID_CHARS];
        for (chars, draw) in body.chunks_exact_mut(8).zip(draws.chunks_exact(8)) {
            // `chunks_exact(8)` gives eight bytes every time.
            let mut value = <[u8; 8]>::try_from(draw).map_or(0, u64::from_le_bytes);
            while value >= CHUNK_LIMIT {
                let mut again = [0u8; 8];
                random.fill_bytes(&mut again);
                value = u64::from_le_bytes(again);
            }
            value %= CHUNK_SPACE;
            // The base-62 digits, lowest first, as two halves of four so that the two
            // chains of divisions run side by side (both halves are below 62^4 < 2^32).
            let (mut low, mut high) = ((value % HALF_SPACE) as u32, (value / HALF_SPACE) as u32);
            let (low_chars, high_chars) = chars.split_at_mut(4);
            for (low_char, high_char) in low_chars.iter_mut().zip(high_chars) {
                *low_char = ALPHABET[(low % 62) as usize];
                *high_char = ALPHABET[(high % 62) as usize];
                low /= 62;
                high /= 62;
            }
        }
        IdBody(body)
    }

    fn as_str(&self) -> &str {
        // Only ASCII alphanumerics are ever stored, so this never fails.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// Shows at most 40 characters of untrusted text in a message.
pub(crate) struct Truncated<'a>(pub(crate) &'a str);

impl fmt::Debug for Truncated<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.char_indices().nth(40) {
            Some((cut, _)) => write!(f, "{:?}…", &self.0[..cut]),
            None => write!(f, "{:?}", self.0),
        }
    }
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal, $kind:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(IdBody);

        impl $name {
            /// The prefix every id of this kind starts with.
            pub const PREFIX: &'static str = $prefix;

            /// Parses an id, refusing anything malformed with `invalid_input`.
            pub fn parse(text: &str) -> Result<Self, Error> {
                IdBody::parse($prefix, $kind, text).map($name)
            }

            /// A fresh random id drawn from `random`.
            pub fn generate(random: &mut dyn RandomSource) -> Self {
                $name(IdBody::generate(random))
            }

            /// Appends the id's text to `out`, without the formatting machinery (a token's
            /// text starts with its session's id, written on every token handed out).
            #[allow(dead_code)]
            pub(crate) fn push_to(&self, out: &mut String) {
                out.push_str($prefix);
                out.push_str(self.0.as_str());
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str($prefix)?;
                f.write_str(self.0.as_str())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}(\"{}\")", stringify!($name), self)
            }
        }

        impl FromStr for $name {
            type Err = Error;

            fn from_str(text: &str) -> Result<Self, Error> {
                Self::parse(text)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
                Self::parse(&text).map_err(crate::record::de_error)
            }
        }
    };
}

id_type!(
    /// An inquiry's id: `inq_` followed by 24 characters from `[A-Za-z0-9]`.
    ///
    /// ```
    /// use inquiry_lifecycle::{ErrorCode, InquiryId};
    /// let id: InquiryId = "inq_RQ4jHMYx8wHMCSjQ2M43jf4r".parse().unwrap();
    /// assert_eq!(id.to_string(), "inq_RQ4jHMYx8wHMCSjQ2M43jf4r");
    /// assert_eq!(InquiryId::parse("inq_short").unwrap_err().code(), ErrorCode::InvalidInput);
    /// ```
    InquiryId,
    "inq_",
    "inquiry"
);

id_type!(
    /// A session's id: `iqse_` followed by 24 characters from `[A-Za-z0-9]` (rule S1).
    ///
    /// ```
    /// use inquiry_lifecycle::SessionId;
    /// assert!(SessionId::parse("iqse_000000000000000000000000").is_ok());
    /// assert!(SessionId::parse("inq_000000000000000000000000").is_err());
    /// ```
    SessionId,
    "iqse_",
    "session"
);

id_type!(
    /// An event's id: `evt_` followed by 24 characters from `[A-Za-z0-9]`.
    ///
    /// It is a pure function of the inquiry's id and the event's sequence number
    /// ([`EventId::of`]), so every delivery of an event, from any process, carries the same
    /// id and a receiver can drop duplicates by it.
    ///
    /// ```
    /// use inquiry_lifecycle::{EventId, InquiryId};
    /// let inquiry: InquiryId = "inq_RQ4jHMYx8wHMCSjQ2M43jf4r".parse().unwrap();
    /// assert_eq!(EventId::of(inquiry, 1), EventId::of(inquiry, 1));
    /// assert_ne!(EventId::of(inquiry, 1), EventId::of(inquiry, 2));
    /// assert!(EventId::of(inquiry, 1).to_string().starts_with("evt_"));
    /// ```
    EventId,
    "evt_",
    "event"
);

impl EventId {
    /// The id of the event with this sequence number (V1) of this inquiry: 24 characters
    /// read off the SHA-256 digest of a fixed label, the inquiry id and the sequence number.
    /// Not a secret; stable across versions (a test pins known values).
    pub fn of(inquiry: InquiryId, sequence: u64) -> EventId {
        use sha2::{Digest, Sha256};
        let digest = Sha256::new()
            .chain_update(b"inquiry-lifecycle event id\0")
            .chain_update(inquiry.to_string().as_bytes())
            .chain_update(sequence.to_be_bytes())
            .finalize();
        let mut body = [0u8; ID_CHARS];
        for (char, byte) in body.iter_mut().zip(digest.iter()) {
            // A slight bias towards the first characters does not matter for an id that
            // only has to be distinct.
            *char = ALPHABET[usize::from(byte % 62)];
        }
        EventId(IdBody(body))
    }
}
