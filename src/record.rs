//! Reading a stored inquiry back: every invariant is checked, a broken record is refused.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

use crate::sessions::Sessions;
use crate::{Error, Inquiry, InquiryId, Intervals, ReferenceId, Status};

/// An inquiry as read from storage, before its invariants are checked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredInquiry {
    id: InquiryId,
    #[serde(default)]
    reference_id: Option<ReferenceId>,
    status: Status,
    intervals: Intervals,
    created_at: DateTime<Utc>,
    started_at: Option<DateTime<Utc>>,
    resumed_at: Option<DateTime<Utc>>,
    expired_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    #[serde(default)]
    finished_as: Option<Status>,
    reviewed_at: Option<DateTime<Utc>>,
    decided_at: Option<DateTime<Utc>>,
    redacted_at: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
    revision: u64,
    last_sequence: u64,
    sessions: Sessions,
}

impl<'de> Deserialize<'de> for Inquiry {
    /// Reads a stored inquiry and checks every invariant; a record that breaks one is
    /// refused with an `invalid_input` message naming the problem.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let stored = StoredInquiry::deserialize(deserializer)?;
        let mut inquiry = Inquiry {
            id: stored.id,
            reference_id: stored.reference_id,
            status: stored.status,
            intervals: stored.intervals,
            created_at: stored.created_at,
            started_at: stored.started_at,
            resumed_at: stored.resumed_at,
            expired_at: stored.expired_at,
            finished_at: stored.finished_at,
            finished_as: stored.finished_as,
            reviewed_at: stored.reviewed_at,
            decided_at: stored.decided_at,
            redacted_at: stored.redacted_at,
            updated_at: stored.updated_at,
            revision: stored.revision,
            last_sequence: stored.last_sequence,
            sessions: stored.sessions,
            deadline: None,
        };
        inquiry.refresh_deadline();
        inquiry
            .check_invariants()
            .map(|()| inquiry)
            .map_err(crate::record::de_error)
    }
}

impl Inquiry {
    /// Loads a stored inquiry from its JSON text (as `serde_json` wrote it) and checks every
    /// invariant of a reachable record ([`Inquiry::check_invariants`]).
    ///
    /// Every refusal is `invalid_input`, and names the JSON path where the record went wrong
    /// (`sessions[3].ends_at`, or `.` for the record as a whole): malformed JSON, an unknown
    /// or missing field, a wrong type, a bad id or instant, more than 25 session records
    /// (refused at the 26th, before the rest is read), or a broken invariant.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use inquiry_lifecycle::{ErrorCode, Inquiry, Policy, SeededRandom};
    ///
    /// let t0 = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    /// let (inquiry, _created) = Inquiry::create(&Policy::default(), t0, &mut SeededRandom::new(1))?;
    /// let text = serde_json::to_string(&inquiry).unwrap();
    /// assert_eq!(Inquiry::from_json(&text)?, inquiry);
    ///
    /// let tampered = text.replace(r#""revision":1"#, r#""revision":"one""#);
    /// let refused = Inquiry::from_json(&tampered).unwrap_err();
    /// assert_eq!(refused.code(), ErrorCode::InvalidInput);
    /// assert!(refused.to_string().contains("at `revision`"), "{refused}");
    /// # Ok::<(), inquiry_lifecycle::Error>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Inquiry, Error> {
        from_json_text("stored inquiry", text)
    }

    /// Loads a stored inquiry from a JSON value (a JSONB column, say); as
    /// [`Inquiry::from_json`].
    pub fn from_json_value(value: &serde_json::Value) -> Result<Inquiry, Error> {
        serde_path_to_error::deserialize(value).map_err(|e| json_error("stored inquiry", e))
    }
}

/// Reads a whole JSON text as a `T` (`subject` names it in errors): every refusal is
/// `invalid_input` naming the JSON path, and so is anything after the value.
pub(crate) fn from_json_text<T: serde::de::DeserializeOwned>(
    subject: &str,
    text: &str,
) -> Result<T, Error> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value =
        serde_path_to_error::deserialize(&mut deserializer).map_err(|e| json_error(subject, e))?;
    deserializer
        .end()
        .map_err(|e| Error::invalid_input(format!("{subject}: {e}")))?;
    Ok(value)
}

/// A JSON reading error as the library's: `invalid_input`, naming what was read
/// (`subject`) and the JSON path.
fn json_error(subject: &str, error: serde_path_to_error::Error<serde_json::Error>) -> Error {
    let path = error.path().to_string();
    let inner = error.into_inner();
    Error::invalid_input(format!("{subject}, at `{path}`: {inner}"))
}

/// One of the library's refusals as a deserializer's error: its detail only (what is
/// wrong, with its rule IDs), which [`json_error`] then places at its JSON path under the
/// one code of a bad record, `invalid_input`.
pub(crate) fn de_error<E: serde::de::Error>(error: Error) -> E {
    E::custom(error.detail())
}
