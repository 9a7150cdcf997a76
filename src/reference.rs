//! The embedding service's own reference for an inquiry (the vendor's `reference-id`).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};

use crate::Error;

/// The most characters a [`ReferenceId`] may have.
pub const MAX_REFERENCE_CHARS: usize = 255;

/// The embedding service's own reference for an inquiry, given when it is created
/// ([`Inquiry::create_with_reference`](crate::Inquiry::create_with_reference)) and shown as
/// `reference-id` on the wire: typically the id of the user in the service's own records,
/// so that every inquiry of one person can be found by it.
///
/// It is not a secret and, like the vendor's, not treated as personal data: redaction keeps
/// it (see `docs/DESIGN.md`). Use an opaque key, never an e-mail address or a name. A new
/// one has 1 to 255 characters, none of them a control character (Unicode category Cc) or
/// a format character (Cf: bidirectional overrides, zero-width spaces and joiners, soft
/// hyphens), which would make one id look like another in a dashboard.
///
/// ```
/// use inquiry_lifecycle::{ErrorCode, ReferenceId};
/// let reference = ReferenceId::parse("user-4711")?;
/// assert_eq!(reference.as_str(), "user-4711");
/// assert_eq!(ReferenceId::parse("").unwrap_err().code(), ErrorCode::InvalidInput);
/// assert_eq!(ReferenceId::parse("a\nb").unwrap_err().code(), ErrorCode::InvalidInput);
/// // A right-to-left override makes "user-1234" show as "user-4321".
/// assert_eq!(ReferenceId::parse("user-\u{202E}1234").unwrap_err().code(), ErrorCode::InvalidInput);
/// # Ok::<(), inquiry_lifecycle::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReferenceId(Box<str>);

impl ReferenceId {
    /// Checks a new reference: 1 to 255 characters, no control (Cc) or format (Cf)
    /// characters; anything else is `invalid_input` naming the character by its code point.
    pub fn parse(text: &str) -> Result<ReferenceId, Error> {
        ReferenceId::checked(text, true)
    }

    /// `parse`, or with `new_input` false the check that records written by earlier
    /// versions (and documents from elsewhere) passed: no format-character rule, so that
    /// nothing stored before becomes unreadable.
    fn checked(text: &str, new_input: bool) -> Result<ReferenceId, Error> {
        let chars = text.chars().count();
        let problem = if chars == 0 {
            Some("it is empty".to_owned())
        } else if chars > MAX_REFERENCE_CHARS {
            Some(format!("it has {chars} characters"))
        } else {
            text.chars().find_map(|c| {
                if c.is_control() {
                    Some(format!("it holds the control character U+{:04X}", u32::from(c)))
                } else if new_input && c.general_category() == GeneralCategory::Format {
                    Some(format!(
                        "it holds the invisible format character U+{:04X}, which can make one id look like another",
                        u32::from(c)
                    ))
                } else {
                    None
                }
            })
        };
        match problem {
            Some(problem) => Err(Error::invalid_input(format!(
                "malformed reference id: {problem}; expected 1 to {MAX_REFERENCE_CHARS} characters, none of them a control or format character (Unicode Cc, Cf)"
            ))),
            None => Ok(ReferenceId(text.into())),
        }
    }

    /// The reference's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ReferenceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ReferenceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReferenceId({:?})", self.0)
    }
}

impl std::str::FromStr for ReferenceId {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        ReferenceId::parse(text)
    }
}

impl Serialize for ReferenceId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for ReferenceId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        ReferenceId::checked(&text, false).map_err(crate::record::de_error)
    }
}
