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

impl StoreError {
    /// The stable snake_case code (the table in the [crate docs](crate)).
    pub const fn code(&self) -> &'static str {
        match self {
            StoreError::Conflict { .. } => "conflict",
            StoreError::Duplicate(_) => "duplicate",
            StoreError::NotFound(_) => "not_found",
            StoreError::Corrupt { .. } => "corrupt_record",
            StoreError::Unavailable(_) => "store_unavailable",
            StoreError::Backend(_) => "store_failed",
        }
    }

    /// The HTTP status a REST API answers with (the table in the [crate docs](crate)).
    pub const fn http_status(&self) -> u16 {
        match self {
            StoreError::NotFound(_) => 404,
            StoreError::Conflict { .. } | StoreError::Duplicate(_) => 409,
            StoreError::Corrupt { .. } => 500,
            StoreError::Unavailable(_) | StoreError::Backend(_) => 503,
        }
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
    /// The stable snake_case code: a refusal's own ([`ErrorCode`](inquiry_lifecycle::ErrorCode)), or
    /// the store's ([`StoreError::code`]); `conflict` when every attempt met a concurrent
    /// change.
    pub fn code(&self) -> &'static str {
        match self {
            ActError::Refused(error) => error.code().as_str(),
            ActError::Store(error) => error.code(),
            ActError::GaveUp(_) => "conflict",
        }
    }

    /// The HTTP status a REST API answers with: a refusal's own, the store's, or 409 when
    /// every attempt met a concurrent change.
    pub fn http_status(&self) -> u16 {
        match self {
            ActError::Refused(error) => error.http_status(),
            ActError::Store(error) => error.http_status(),
            ActError::GaveUp(_) => 409,
        }
    }
}
