//! S5: the service's time: the real clock, or a sandbox test clock that only moves when told.

use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use chrono::{DateTime, DurationRound, TimeDelta, Utc};

use crate::error::{ApiCode, ApiError};

/// Where the service's `now` comes from.
#[derive(Debug, Clone)]
pub enum Clock {
    /// The operating system's clock, to the millisecond (the wire's precision, W5).
    Real,
    /// A test clock (`--test-clock`): it starts at the real time, to the second, and moves
    /// only through `POST /sandbox/clock`, never backwards.
    Test(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    /// A test clock starting now.
    pub fn test() -> Clock {
        let start = real_now()
            .duration_trunc(TimeDelta::seconds(1))
            .unwrap_or_else(|_| real_now());
        Clock::Test(Arc::new(Mutex::new(start)))
    }

    /// The service's `now`.
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::Real => real_now(),
            Clock::Test(now) => *now.lock().unwrap_or_else(|poisoned| poisoned.into_inner()),
        }
    }

    /// Moves a test clock to `to`; earlier than its `now`, or later than the last instant
    /// the library records ([`LATEST_NOW`](inquiry_lifecycle::LATEST_NOW), after which no
    /// inquiry could change again), is `invalid_input` (S5).
    pub fn set(&self, to: DateTime<Utc>) -> Result<DateTime<Utc>, ApiError> {
        let Clock::Test(now) = self else {
            return Err(ApiError::not_found(
                "no test clock: start the service with --test-clock",
            ));
        };
        let mut now = now.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if to < *now {
            return Err(ApiError::new(
                ApiCode::INVALID_INPUT,
                format!(
                    "the test clock cannot move backwards: it is {}, asked for {}",
                    now.to_rfc3339(),
                    to.to_rfc3339()
                ),
            ));
        }
        if to > inquiry_lifecycle::LATEST_NOW {
            return Err(ApiError::new(
                ApiCode::INVALID_INPUT,
                format!(
                    "the test clock cannot move past {}, the last instant inquiries record; asked for {}",
                    inquiry_lifecycle::LATEST_NOW.to_rfc3339(),
                    to.to_rfc3339()
                ),
            ));
        }
        *now = to;
        Ok(to)
    }
}

/// The operating system's time, whatever the service's clock: webhook deliveries are
/// signed, retried and leased in real time (a receiver checks the signature's timestamp
/// against its own clock, H1), even while a test clock stands still.
pub fn wall_clock() -> DateTime<Utc> {
    real_now()
}

/// The operating system's time, to the millisecond. This crate is the service, the one
/// place that reads the clock; the libraries are told the time.
#[allow(clippy::disallowed_methods)]
fn real_now() -> DateTime<Utc> {
    let now = DateTime::<Utc>::from(SystemTime::now());
    now.duration_trunc(TimeDelta::milliseconds(1))
        .unwrap_or(now)
}
