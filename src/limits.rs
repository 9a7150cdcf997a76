//! The ranges an accepted action stays within, so that every record it writes loads again.
//!
//! Every deadline and session end is `now` plus an interval of at most
//! [`Interval::MAX`](crate::Interval::MAX)
//! (3650 days). Accepting `now` only up to [`LATEST_NOW`] keeps every instant the library
//! records at or before 9999-12-31, four-digit years that every JSON reader and PostgreSQL
//! keep exactly; [`EARLIEST_NOW`] keeps them after the Unix epoch. The revision and the
//! sequence numbers stay at or below [`MAX_COUNTER`] (2^53, the largest integer every JSON
//! reader keeps exactly): a call that could pass it is refused.

use chrono::{DateTime, Utc};

use crate::session::MAX_SESSIONS;
use crate::Error;

/// The earliest `now` an action accepts: 1970-01-01T00:00:00Z.
pub const EARLIEST_NOW: DateTime<Utc> = match DateTime::from_timestamp(0, 0) {
    Some(instant) => instant,
    None => panic!("the Unix epoch is representable"),
};

/// The latest `now` an action accepts: 9989-12-31T23:59:59.999999999Z, so that `now` plus
/// the longest interval (3650 days) is still before the year 10000.
pub const LATEST_NOW: DateTime<Utc> = match DateTime::from_timestamp(253_086_767_999, 999_999_999) {
    Some(instant) => instant,
    None => panic!("9989-12-31 is representable"),
};

/// The latest instant a record may hold: [`LATEST_NOW`] plus `Interval::MAX` (a deadline
/// or session end set at the latest `now`).
pub(crate) const LATEST_RECORDED: DateTime<Utc> =
    match DateTime::from_timestamp(253_402_127_999, 999_999_999) {
        Some(instant) => instant,
        None => panic!("9999-12-29 is representable"),
    };

/// The largest revision or sequence number a record may hold: 2^53.
pub const MAX_COUNTER: u64 = 1 << 53;

/// More events than one call can yield: at most 25 sessions each end once, plus one
/// expiry, the action's event, a new session's and a started one's.
const MAX_EVENTS_PER_CALL: u64 = 64;

/// The most that can fall due on its own after any call: one expiry per kept session and
/// one for the deadline, each an event and at most a change.
const MAX_FALLING_DUE: u64 = MAX_SESSIONS as u64 + 1;

/// Whether a call at `now` may record changes on a record with these counters: `now`
/// within [`EARLIEST_NOW`]`..=`[`LATEST_NOW`], and room below [`MAX_COUNTER`] for this
/// call and for everything that may fall due after it, so that applying what is due is
/// never refused (the record invariant [`room_for_what_falls_due`]). Checked before
/// anything changes, so a refusal changes nothing (E8).
pub(crate) fn check_room(
    now: DateTime<Utc>,
    revision: u64,
    last_sequence: u64,
) -> Result<(), Error> {
    if now < EARLIEST_NOW || now > LATEST_NOW {
        return Err(Error::ClockOutOfRange { now });
    }
    let events = MAX_EVENTS_PER_CALL + MAX_FALLING_DUE;
    let changes = 1 + MAX_FALLING_DUE;
    if revision > MAX_COUNTER - changes || last_sequence > MAX_COUNTER - events {
        return Err(Error::CountersExhausted {
            revision,
            last_sequence,
        });
    }
    Ok(())
}

/// Whether a record with these counters, `falling_due` of its expiries (live sessions and
/// the deadline) still to come, has room below [`MAX_COUNTER`] for each of them: an event
/// and at most one change each. Every record the library writes has.
pub(crate) fn room_for_what_falls_due(revision: u64, last_sequence: u64, falling_due: u64) -> bool {
    revision.saturating_add(falling_due) <= MAX_COUNTER
        && last_sequence.saturating_add(falling_due) <= MAX_COUNTER
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Interval;

    /// The room a call needs: one change and 64 events for itself, and 26 of each for what
    /// may fall due after it. At the last counters with that room a call is accepted; one
    /// further and it is refused.
    #[test]
    fn a_call_needs_room_for_itself_and_for_what_may_fall_due() {
        let now = EARLIEST_NOW;
        let (revision, sequence) = (MAX_COUNTER - 27, MAX_COUNTER - 90);
        assert!(check_room(now, revision, sequence).is_ok());
        assert!(check_room(now, revision + 1, sequence).is_err());
        assert!(check_room(now, revision, sequence + 1).is_err());
        assert!(check_room(LATEST_NOW, 1, 1).is_ok());
        assert!(room_for_what_falls_due(
            MAX_COUNTER - 26,
            MAX_COUNTER - 26,
            26
        ));
        assert!(!room_for_what_falls_due(
            MAX_COUNTER - 25,
            MAX_COUNTER - 26,
            26
        ));
        assert!(!room_for_what_falls_due(
            MAX_COUNTER - 26,
            MAX_COUNTER - 25,
            26
        ));
        assert!(room_for_what_falls_due(MAX_COUNTER, MAX_COUNTER, 0));
    }

    #[test]
    fn the_latest_recorded_instant_is_the_latest_now_plus_the_longest_interval() {
        assert_eq!(LATEST_NOW + Interval::MAX.as_time_delta(), LATEST_RECORDED);
        assert_eq!(
            LATEST_NOW.to_rfc3339(),
            "9989-12-31T23:59:59.999999999+00:00"
        );
        assert_eq!(
            LATEST_RECORDED.to_rfc3339(),
            "9999-12-29T23:59:59.999999999+00:00"
        );
        assert_eq!(EARLIEST_NOW.to_rfc3339(), "1970-01-01T00:00:00+00:00");
    }
}
