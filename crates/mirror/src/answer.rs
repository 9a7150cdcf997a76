//! What a mirror answers for each delivery, and why it refuses one.

use inquiry_lifecycle::InquiryId;
use inquiry_lifecycle_wire::SignatureError;

use crate::Unreachable;

/// What a delivery did to the mirror. Every answer but [`Answer::Refused`] acknowledges
/// the delivery (HTTP 200: a redelivery would change nothing); each has a stable
/// [`code`](Answer::code) and the [`http_status`](Answer::http_status) a receiver answers
/// the provider with.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Answer {
    /// `applied`: an `inquiry.*` event newer than the mirrored state; its payload is the
    /// state now (M3). From [`Mirror::reconcile`](crate::Mirror::reconcile): the fetched
    /// resource is.
    Applied,
    /// `recorded`: an `inquiry-session.*` event, kept in the history; it never changes
    /// the mirrored inquiry (M3).
    Recorded,
    /// `duplicate`: an event id seen before; nothing changed (M2).
    Duplicate,
    /// `stale`: an `inquiry.*` event older than the mirrored state, kept in the history;
    /// the state did not change (M3).
    Stale,
    /// `needs_reconcile`: a newer `inquiry.*` event whose status the rule book cannot
    /// reach from the mirrored one; not applied, the mirror is marked until a reconcile
    /// (M4).
    NeedsReconcile(Unreachable),
    /// `skipped`: an event whose name the rule book does not have; acknowledged and
    /// skipped, no mirror touched (W7).
    Skipped,
    /// `refused`: the delivery was not taken in and changed nothing (M1).
    Refused(Refusal),
}

impl Answer {
    /// The stable snake_case code: `applied`, `recorded`, `duplicate`, `stale`,
    /// `needs_reconcile`, `skipped`, or the refusal's own ([`Refusal::code`]).
    pub const fn code(&self) -> &'static str {
        match self {
            Answer::Applied => "applied",
            Answer::Recorded => "recorded",
            Answer::Duplicate => "duplicate",
            Answer::Stale => "stale",
            Answer::NeedsReconcile(_) => "needs_reconcile",
            Answer::Skipped => "skipped",
            Answer::Refused(refusal) => refusal.code(),
        }
    }

    /// 200 for every acknowledged delivery; a refusal's own status otherwise.
    pub const fn http_status(&self) -> u16 {
        match self {
            Answer::Refused(refusal) => refusal.http_status(),
            _ => 200,
        }
    }

    /// Whether the delivery changed the mirror (so that it must be saved): every answer
    /// but [`Answer::Duplicate`], [`Answer::Skipped`] and [`Answer::Refused`].
    pub const fn changed(&self) -> bool {
        !matches!(
            self,
            Answer::Duplicate | Answer::Skipped | Answer::Refused(_)
        )
    }
}

/// Why a delivery was refused (M1). Nothing was changed, and no variant shows a secret or
/// a signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Refusal {
    /// The `Persona-Signature` header is missing, malformed, stale, or matches under no
    /// secret (H1).
    #[error("signature refused: {0}")]
    Signature(#[from] SignatureError),
    /// The body is not an event document (W6, W7); the message names the JSON path.
    #[error("not an event document: {0}")]
    Document(inquiry_lifecycle::Error),
    /// An event or resource of one inquiry given to another's mirror: the caller's
    /// mistake (pick the mirror by [`inquiry_of`](crate::inquiry_of)).
    #[error("an event or resource of {event} was given to the mirror of {mirror}")]
    OtherInquiry {
        /// The mirror's inquiry.
        mirror: InquiryId,
        /// The inquiry the event or resource belongs to.
        event: InquiryId,
    },
}

impl Refusal {
    /// `invalid_signature`, `invalid_input` or `other_inquiry`.
    pub const fn code(&self) -> &'static str {
        match self {
            Refusal::Signature(_) => "invalid_signature",
            Refusal::Document(_) => "invalid_input",
            Refusal::OtherInquiry { .. } => "other_inquiry",
        }
    }

    /// 401 for a signature, 422 for a document or a mismatched inquiry (as the core's
    /// `invalid_input`).
    pub const fn http_status(&self) -> u16 {
        match self {
            Refusal::Signature(_) => 401,
            Refusal::Document(_) | Refusal::OtherInquiry { .. } => 422,
        }
    }
}
