//! W5: the three key inflections, and every key the documents use.

use std::fmt;
use std::str::FromStr;

use inquiry_lifecycle::Error;

/// How a document's keys are spelled (W5): `kebab-case` by default, `camelCase` or
/// `snake_case` on request (the `Key-Inflection` request header). Values are never changed:
/// a status stays `needs_review` in every inflection.
///
/// ```
/// use inquiry_lifecycle_wire::Inflection;
/// let inflection: Inflection = "camel".parse()?;
/// assert_eq!(inflection, Inflection::Camel);
/// assert_eq!(Inflection::default(), Inflection::Kebab);
/// assert!("pascal".parse::<Inflection>().is_err());
/// # Ok::<(), inquiry_lifecycle::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Inflection {
    /// `created-at` (the vendor's default).
    #[default]
    Kebab,
    /// `createdAt`.
    Camel,
    /// `created_at`.
    Snake,
}

impl Inflection {
    /// All three, kebab first.
    pub const ALL: [Inflection; 3] = [Inflection::Kebab, Inflection::Camel, Inflection::Snake];

    /// The header value naming it: `kebab`, `camel` or `snake`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Inflection::Kebab => "kebab",
            Inflection::Camel => "camel",
            Inflection::Snake => "snake",
        }
    }
}

impl fmt::Display for Inflection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Inflection {
    type Err = Error;

    /// Reads a `Key-Inflection` header value (`camel`, `kebab` or `snake`, any case,
    /// surrounding blanks ignored); anything else is `invalid_input`.
    fn from_str(text: &str) -> Result<Self, Error> {
        let text = text.trim();
        Inflection::ALL
            .into_iter()
            .find(|inflection| text.eq_ignore_ascii_case(inflection.as_str()))
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "unknown key inflection {:?}; expected camel, kebab or snake",
                    text.chars().take(40).collect::<String>()
                ))
            })
    }
}

impl Inflection {
    /// A key in any inflection, spelled in kebab case (`createdAt`, `created_at` →
    /// `created-at`): for reading members this crate has no table entry for, such as a
    /// service's own request attributes.
    ///
    /// ```
    /// use inquiry_lifecycle_wire::Inflection;
    /// assert_eq!(Inflection::to_kebab("oneTimeLinkExpirationSeconds"), "one-time-link-expiration-seconds");
    /// assert_eq!(Inflection::to_kebab("reference_id"), "reference-id");
    /// ```
    pub fn to_kebab(key: &str) -> String {
        let mut out = String::with_capacity(key.len() + 4);
        for c in key.chars() {
            match c {
                '_' => out.push('-'),
                c if c.is_ascii_uppercase() => {
                    out.push('-');
                    out.push(c.to_ascii_lowercase());
                }
                c => out.push(c),
            }
        }
        out
    }

    /// A kebab-case key spelled in this inflection (`created-at` → `createdAt`,
    /// `created_at`): for writing members this crate has no table entry for, such as a
    /// service's own documents.
    ///
    /// ```
    /// use inquiry_lifecycle_wire::Inflection;
    /// assert_eq!(Inflection::Camel.spell("first-attempted-at"), "firstAttemptedAt");
    /// assert_eq!(Inflection::Snake.spell("first-attempted-at"), "first_attempted_at");
    /// assert_eq!(Inflection::Kebab.spell("first-attempted-at"), "first-attempted-at");
    /// ```
    pub fn spell(self, kebab: &str) -> String {
        match self {
            Inflection::Kebab => kebab.to_owned(),
            Inflection::Snake => kebab.replace('-', "_"),
            Inflection::Camel => {
                let mut words = kebab.split('-');
                let mut out = words.next().unwrap_or_default().to_owned();
                for word in words {
                    let mut chars = word.chars();
                    if let Some(first) = chars.next() {
                        out.push(first.to_ascii_uppercase());
                        out.extend(chars);
                    }
                }
                out
            }
        }
    }
}

macro_rules! keys {
    ($($key:ident = $kebab:literal, $camel:literal, $snake:literal;)*) => {
        /// A key of the documents, spelled in each inflection.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum Key {
            $($key,)*
        }

        impl Key {
            /// Every key.
            #[cfg(test)]
            pub(crate) const ALL: &'static [Key] = &[$(Key::$key,)*];

            /// The key as spelled in `inflection`.
            pub(crate) const fn name(self, inflection: Inflection) -> &'static str {
                match (self, inflection) {
                    $(
                        (Key::$key, Inflection::Kebab) => $kebab,
                        (Key::$key, Inflection::Camel) => $camel,
                        (Key::$key, Inflection::Snake) => $snake,
                    )*
                }
            }
        }
    };
}

keys! {
    Data = "data", "data", "data";
    Type = "type", "type", "type";
    Id = "id", "id", "id";
    Attributes = "attributes", "attributes", "attributes";
    Relationships = "relationships", "relationships", "relationships";
    Meta = "meta", "meta", "meta";
    Errors = "errors", "errors", "errors";
    Sessions = "sessions", "sessions", "sessions";
    Inquiry = "inquiry", "inquiry", "inquiry";
    Status = "status", "status", "status";
    ReferenceId = "reference-id", "referenceId", "reference_id";
    CreatedAt = "created-at", "createdAt", "created_at";
    UpdatedAt = "updated-at", "updatedAt", "updated_at";
    StartedAt = "started-at", "startedAt", "started_at";
    ExpiresAt = "expires-at", "expiresAt", "expires_at";
    CompletedAt = "completed-at", "completedAt", "completed_at";
    FailedAt = "failed-at", "failedAt", "failed_at";
    ExpiredAt = "expired-at", "expiredAt", "expired_at";
    MarkedForReviewAt = "marked-for-review-at", "markedForReviewAt", "marked_for_review_at";
    DecisionedAt = "decisioned-at", "decisionedAt", "decisioned_at";
    RedactedAt = "redacted-at", "redactedAt", "redacted_at";
    Kind = "kind", "kind", "kind";
    SessionToken = "session-token", "sessionToken", "session_token";
    OneTimeLink = "one-time-link", "oneTimeLink", "one_time_link";
    Code = "code", "code", "code";
    Title = "title", "title", "title";
    Detail = "detail", "detail", "detail";
    Name = "name", "name", "name";
    Payload = "payload", "payload", "payload";
    Sequence = "sequence", "sequence", "sequence";
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table's camel and snake spellings follow from the kebab one by the vendor's rule,
    /// so the table cannot drift.
    #[test]
    fn every_key_is_spelled_by_the_rule_in_each_inflection() {
        for key in Key::ALL {
            let kebab = key.name(Inflection::Kebab);
            let snake = kebab.replace('-', "_");
            let mut camel = String::new();
            for (index, word) in kebab.split('-').enumerate() {
                let mut chars = word.chars();
                if let (true, Some(first)) = (index > 0, chars.next()) {
                    camel.push(first.to_ascii_uppercase());
                    camel.extend(chars);
                } else {
                    camel.push_str(word);
                }
            }
            assert_eq!(key.name(Inflection::Snake), snake);
            assert_eq!(key.name(Inflection::Camel), camel);
            // `spell` writes what the table says, and `to_kebab` reads it back.
            for inflection in Inflection::ALL {
                assert_eq!(inflection.spell(kebab), key.name(inflection));
                assert_eq!(Inflection::to_kebab(&inflection.spell(kebab)), kebab);
            }
        }
    }

    #[test]
    fn header_values_parse_in_any_case_and_others_are_refused() {
        assert_eq!(" Snake ".parse::<Inflection>().unwrap(), Inflection::Snake);
        assert_eq!("KEBAB".parse::<Inflection>().unwrap(), Inflection::Kebab);
        let refused = "pascal".parse::<Inflection>().unwrap_err();
        assert!(
            refused.to_string().contains("camel, kebab or snake"),
            "{refused}"
        );
        for inflection in Inflection::ALL {
            assert_eq!(
                inflection.to_string().parse::<Inflection>().unwrap(),
                inflection
            );
        }
    }
}
