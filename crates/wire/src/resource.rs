//! W1, W2: the inquiry and session resources, as plain values built from the core's types.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use inquiry_lifecycle::{
    Bearer, Inquiry, InquiryId, ReferenceId, Session, SessionId, SessionStatus, Status,
};

/// An inquiry as the wire shows it (W1): every attribute, `None` where unset.
///
/// Build it from an [`Inquiry`] with [`InquiryResource::at`] (as seen at `now`, for a GET)
/// or [`InquiryResource::of`] (as recorded); write it with
/// [`InquiryDocument`](crate::InquiryDocument), read it back with
/// [`InquiryDocument::from_json`](crate::InquiryDocument::from_json).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InquiryResource {
    /// `id`.
    pub id: InquiryId,
    /// `status`; redaction keeps it (`redacted_at` is the signal).
    pub status: Status,
    /// `reference-id`: the embedding service's own reference, given at creation.
    pub reference_id: Option<ReferenceId>,
    /// `created-at`.
    pub created_at: DateTime<Utc>,
    /// `updated-at`: the instant of the last recorded change (E6).
    pub updated_at: DateTime<Utc>,
    /// `started-at` (T2).
    pub started_at: Option<DateTime<Utc>>,
    /// `expires-at`: the deadline (E3); `None` where there is none.
    pub expires_at: Option<DateTime<Utc>>,
    /// `completed-at` (T3).
    pub completed_at: Option<DateTime<Utc>>,
    /// `failed-at` (T4).
    pub failed_at: Option<DateTime<Utc>>,
    /// `expired-at`: the last expiry's instant; it stays after a resume (T7).
    pub expired_at: Option<DateTime<Utc>>,
    /// `marked-for-review-at` (T8).
    pub marked_for_review_at: Option<DateTime<Utc>>,
    /// `decisioned-at` (T9, T10).
    pub decisioned_at: Option<DateTime<Utc>>,
    /// `redacted-at` (T11).
    pub redacted_at: Option<DateTime<Utc>>,
    /// `relationships.sessions`: the session records kept, oldest first.
    pub sessions: Vec<SessionId>,
}

impl InquiryResource {
    /// The inquiry as recorded (its last change), for an event's payload or a stored copy.
    pub fn of(inquiry: &Inquiry) -> InquiryResource {
        InquiryResource {
            id: inquiry.id(),
            status: inquiry.recorded_status(),
            reference_id: inquiry.reference_id().cloned(),
            created_at: inquiry.created_at(),
            updated_at: inquiry.updated_at(),
            started_at: inquiry.started_at(),
            expires_at: inquiry.deadline(),
            completed_at: inquiry.completed_at(),
            failed_at: inquiry.failed_at(),
            expired_at: inquiry.expired_at(),
            marked_for_review_at: inquiry.reviewed_at(),
            decisioned_at: inquiry.decided_at(),
            redacted_at: inquiry.redacted_at(),
            sessions: inquiry.sessions().iter().map(Session::id).collect(),
        }
    }

    /// The inquiry as seen at `now` (S1's GET): what is due by `now` is applied to a copy
    /// first, so a passed deadline shows `expired` at the deadline, with its sessions ended,
    /// exactly as the record will read once a sweeper applied it (E4, E5). The inquiry
    /// itself is not changed.
    pub fn at(inquiry: &Inquiry, now: DateTime<Utc>) -> InquiryResource {
        InquiryResource::of(&seen_at(inquiry, now))
    }
}

/// A session as the wire shows it (W2).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionResource {
    /// `id`.
    pub id: SessionId,
    /// `relationships.inquiry`.
    pub inquiry_id: InquiryId,
    /// `status`: `new`, `active` or `expired` (S1).
    pub status: SessionStatus,
    /// `kind`: `token` (start, resume) or `link` (a one-time link, L1).
    pub kind: Bearer,
    /// `created-at`.
    pub created_at: DateTime<Utc>,
    /// `started-at`: its first use (A3, L3).
    pub started_at: Option<DateTime<Utc>>,
    /// `expires-at`: when it ends on its own if nothing ends it sooner (S5, L2).
    pub expires_at: DateTime<Utc>,
    /// `expired-at`.
    pub expired_at: Option<DateTime<Utc>>,
}

impl SessionResource {
    /// A session record of `inquiry`, as recorded.
    pub fn of(inquiry: InquiryId, session: &Session) -> SessionResource {
        SessionResource {
            id: session.id(),
            inquiry_id: inquiry,
            status: session.status(),
            kind: session.bearer(),
            created_at: session.created_at(),
            started_at: session.first_used_at(),
            expires_at: session.expires_at(),
            expired_at: session.expired_at(),
        }
    }

    /// Every session record of the inquiry as seen at `now` (S1's session list), oldest
    /// first; as [`InquiryResource::at`].
    pub fn list_at(inquiry: &Inquiry, now: DateTime<Utc>) -> Vec<SessionResource> {
        let seen = seen_at(inquiry, now);
        seen.sessions()
            .iter()
            .map(|session| SessionResource::of(seen.id(), session))
            .collect()
    }
}

/// The inquiry as it will read once what is due by `now` is applied: a copy when something
/// is due, else the inquiry itself.
fn seen_at(inquiry: &Inquiry, now: DateTime<Utc>) -> Cow<'_, Inquiry> {
    match inquiry.next_due() {
        Some(due) if due <= now => {
            let mut copy = inquiry.clone();
            // A view, not a change: the events are the sweeper's to publish.
            let _seen_only = copy.apply_due(now);
            Cow::Owned(copy)
        }
        _ => Cow::Borrowed(inquiry),
    }
}
