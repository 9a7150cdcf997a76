//! Why a store call or an `act` failed, with stable codes and HTTP statuses.

use inquiry_lifecycle::{Error, InquiryId};

/// Why a store call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Compare-and-swap refused: the stored revision is not the one the change was made on.
    /// Load again and retry; nothing was written.
    #[error("conflict on {id}: expected revision {expected}, stored {stored:?}; load it again and retry")]
    Conflict {
        /// The inquiry.
        id: InquiryId,
        /// The revision the change was made on.
        expected: u64,
        /// The revision stored, if the inquiry exists.
        stored: Option<u64>,
    },
    /// Insert refused: an inquiry with this id is stored already.
    #[error("inquiry {0} is stored already")]
    Duplicate(InquiryId),
    /// No inquiry with this id is stored.
    #[error("no inquiry {0} is stored")]
    NotFound(InquiryId),
    /// A stored record failed validation (it breaks an invariant, or is not a record).
    #[error("stored inquiry {id} is corrupt: {error}")]
    Corrupt {
        /// The inquiry whose record is corrupt.
        id: InquiryId,
        /// What is wrong with it.
        error: Error,
    },
    /// The store could not be reached, or did not answer in time (connection refused or
    /// lost, server restarting, pool exhausted, a call past its timeout). Retry later. A
    /// write that failed this way may or may not have been committed: reload before acting
    /// on the assumption that it was not (compare-and-swap makes a blind retry safe).
    #[error("store unavailable: {0}")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The backend failed otherwise (a query error, a value it cannot store, …).
    #[error("store backend: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// The stable code of a store call's or an `act`'s failure: the lifecycle's own for a
/// refusal of the rules, or the store's. Each has one HTTP status ([`Code::http_status`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Code {
    /// A refusal of the rules ([`ActError::Refused`]), with the lifecycle's code.
    Lifecycle(inquiry_lifecycle::ErrorCode),
    /// `conflict` (409): compare-and-swap refused, or every attempt met a concurrent change.
    Conflict,
    /// `duplicate` (409): an insert of an id that is stored already.
    Duplicate,
    /// `not_found` (404).
    NotFound,
    /// `corrupt_record` (500): a stored record fails validation.
    CorruptRecord,
    /// `store_unavailable` (503): the store could not be reached, or did not answer in time.
    StoreUnavailable,
    /// `store_failed` (503): the backend failed otherwise.
    StoreFailed,
}

impl Code {
    /// The wire name, e.g. `"not_found"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::Lifecycle(code) => code.as_str(),
            Code::Conflict => "conflict",
            Code::Duplicate => "duplicate",
            Code::NotFound => "not_found",
            Code::CorruptRecord => "corrupt_record",
            Code::StoreUnavailable => "store_unavailable",
            Code::StoreFailed => "store_failed",
        }
    }

    /// The HTTP status a REST API answers with (the table in the [crate docs](crate)).
    pub fn http_status(self) -> u16 {
        match self {
            Code::Lifecycle(code) => code.http_status(),
            Code::NotFound => 404,
            Code::Conflict | Code::Duplicate => 409,
            Code::CorruptRecord => 500,
            Code::StoreUnavailable | Code::StoreFailed => 503,
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl StoreError {
    /// The stable code (the table in the [crate docs](crate)).
    pub const fn code(&self) -> Code {
        match self {
            StoreError::Conflict { .. } => Code::Conflict,
            StoreError::Duplicate(_) => Code::Duplicate,
            StoreError::NotFound(_) => Code::NotFound,
            StoreError::Corrupt { .. } => Code::CorruptRecord,
            StoreError::Unavailable(_) => Code::StoreUnavailable,
            StoreError::Backend(_) => Code::StoreFailed,
        }
    }

    /// The HTTP status a REST API answers with: the code's.
    pub fn http_status(&self) -> u16 {
        self.code().http_status()
    }
}

/// Why [`act`](crate::act) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ActError {
    /// The rules refused the operation; nothing was saved.
    #[error(transparent)]
    Refused(#[from] Error),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Every attempt met a concurrent change.
    #[error("gave up after {0} conflicting attempts")]
    GaveUp(usize),
}

impl ActError {
    /// The stable code: a refusal's own ([`Code::Lifecycle`]), or the store's
    /// ([`StoreError::code`]); [`Code::Conflict`] when every attempt met a concurrent
    /// change.
    pub fn code(&self) -> Code {
        match self {
            ActError::Refused(error) => Code::Lifecycle(error.code()),
            ActError::Store(error) => error.code(),
            ActError::GaveUp(_) => Code::Conflict,
        }
    }

    /// The HTTP status a REST API answers with: the code's.
    pub fn http_status(&self) -> u16 {
        self.code().http_status()
    }
}
