//! Positive intervals ([`Interval`]), lengths of time that may be zero ([`Span`]), and
//! their shared `1h30m` text form.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::Error;

const UNITS: [(char, i64); 4] = [('d', 86_400), ('h', 3_600), ('m', 60), ('s', 1)];

/// A positive length of time in whole seconds, at most [`Interval::MAX`] (rule E1).
///
/// Its text form (serde, `Display`, `FromStr`) is whole numbers each followed by a unit
/// `d`, `h`, `m` or `s`, largest unit first, e.g. `90m`, `1h30m`, `2d`.
///
/// ```
/// use inquiry_lifecycle::Interval;
/// use chrono::TimeDelta;
///
/// let interval: Interval = "1h30m".parse().unwrap();
/// assert_eq!(interval.as_time_delta(), TimeDelta::minutes(90));
/// assert_eq!(Interval::new(TimeDelta::minutes(90)).unwrap().to_string(), "1h30m");
/// assert!(Interval::new(TimeDelta::zero()).is_err());
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Interval {
    seconds: i64,
}

impl Interval {
    /// The longest interval accepted: 3650 days.
    pub const MAX: Interval = Interval {
        seconds: 3650 * 86_400,
    };

    /// `hours` hours; a const constructor for defaults and tests (`hours` must be 1 to 87 600).
    pub(crate) const fn hours(hours: i64) -> Interval {
        Interval {
            seconds: hours * 3_600,
        }
    }

    /// An interval of `delta`, which must be positive, whole seconds, and at most
    /// [`Interval::MAX`]; anything else is refused with `invalid_input`.
    pub fn new(delta: TimeDelta) -> Result<Self, Error> {
        if delta.subsec_nanos() != 0 {
            return Err(Error::invalid_input(format!(
                "interval {delta} is not a whole number of seconds"
            )));
        }
        Self::from_secs(delta.num_seconds())
    }

    /// An interval of `seconds` seconds, which must be from 1 to `Interval::MAX`.
    pub fn from_secs(seconds: i64) -> Result<Self, Error> {
        if seconds <= 0 {
            return Err(Error::invalid_input(format!(
                "interval of {seconds}s is not positive; every interval must be at least 1s (E1)"
            )));
        }
        if seconds > Self::MAX.seconds {
            return Err(Error::invalid_input(format!(
                "interval of {seconds}s is longer than the maximum of 3650d"
            )));
        }
        Ok(Interval { seconds })
    }

    /// The interval in seconds.
    pub fn as_secs(self) -> i64 {
        self.seconds
    }

    /// The interval as a chrono `TimeDelta`.
    pub const fn as_time_delta(self) -> TimeDelta {
        TimeDelta::seconds(self.seconds)
    }

    /// `instant + self`, saturating at the latest representable instant instead of failing.
    pub(crate) fn after(self, instant: DateTime<Utc>) -> DateTime<Utc> {
        instant
            .checked_add_signed(self.as_time_delta())
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

/// A length of time of zero or more whole seconds, at most [`Span::MAX`], in
/// [`Interval`]'s text form: `0s`, `90m`, `1h30m`, `2d`.
///
/// Where an [`Interval`] is a rule's setting (positive, at most 3650 days), a `Span`
/// measures how far apart two instants are: the offsets of a scenario's steps from its
/// start, the time steps of a drawn timeline. Its text form is `FromStr` and `Display`.
///
/// ```
/// use inquiry_lifecycle::Span;
///
/// let span: Span = "1h30m".parse().unwrap();
/// assert_eq!(span.as_secs(), 5_400);
/// assert_eq!(Span::ZERO.to_string(), "0s");
/// assert_eq!(Span::from_secs(90_061).unwrap().to_string(), "1d1h1m1s");
/// let refused = "90x".parse::<Span>().unwrap_err();
/// assert_eq!(refused.detail().to_string(), format!("bad duration \"90x\": 'x' is not a unit; expected {}", Span::FORM));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    seconds: i64,
}

impl Span {
    /// No time at all, `0s`.
    pub const ZERO: Span = Span { seconds: 0 };

    /// The longest span accepted: 100 times [`Interval::MAX`] (365,000 days), room for any
    /// story that runs past an inquiry's longest deadline.
    pub const MAX: Span = Span {
        seconds: 100 * Interval::MAX.seconds,
    };

    /// How the text form is written, for messages that say what was expected.
    pub const FORM: &'static str =
        "whole numbers each followed by d, h, m or s, largest first, e.g. 0s, 90m, 1h30m, 2d";

    /// A span of `seconds` seconds, from 0 to `Span::MAX`; anything else is refused with
    /// `invalid_input`.
    pub fn from_secs(seconds: i64) -> Result<Span, Error> {
        if !(0..=Self::MAX.seconds).contains(&seconds) {
            return Err(Error::invalid_input(format!(
                "a span of {seconds}s is outside 0s to {}",
                Self::MAX
            )));
        }
        Ok(Span { seconds })
    }

    /// The span in seconds.
    pub const fn as_secs(self) -> i64 {
        self.seconds
    }

    /// The span as a chrono `TimeDelta`.
    pub const fn as_time_delta(self) -> TimeDelta {
        TimeDelta::seconds(self.seconds)
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format_seconds(f, self.seconds)
    }
}

impl FromStr for Span {
    type Err = Error;

    /// Reads the `1h30m` form: digits then a unit, units from largest to smallest, each at
    /// most once; `0s` is zero.
    fn from_str(text: &str) -> Result<Self, Error> {
        seconds_or_problem(text)
            .map(|seconds| Span { seconds })
            .map_err(|why| {
                Error::invalid_input(format!(
                    "bad duration {text:?}: {why}; expected {}",
                    Span::FORM
                ))
            })
    }
}

/// The seconds `text` writes (at most `Span::MAX`), or what is wrong with it, in a few
/// words (the caller says what was expected, once).
fn seconds_or_problem(text: &str) -> Result<i64, String> {
    if text.is_empty() {
        return Err("it is empty".to_owned());
    }
    let mut total: i64 = 0;
    let mut rest = text;
    let mut next_unit = 0;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err("a unit must follow a number".to_owned());
        }
        let (number, tail) = rest.split_at(digits);
        let mut tail_chars = tail.chars();
        let unit = tail_chars
            .next()
            .ok_or_else(|| "the last number has no unit".to_owned())?;
        let Some(position) = UNITS[next_unit..]
            .iter()
            .position(|(name, _)| *name == unit)
        else {
            return Err(if UNITS.iter().any(|(name, _)| *name == unit) {
                format!("{unit:?} comes twice or after a smaller unit")
            } else {
                format!("{unit:?} is not a unit")
            });
        };
        let scale = UNITS[next_unit + position].1;
        next_unit += position + 1;
        let value: i64 = number
            .parse()
            .map_err(|_| "a number is too large".to_owned())?;
        total = value
            .checked_mul(scale)
            .and_then(|seconds| total.checked_add(seconds))
            .filter(|seconds| *seconds <= Span::MAX.seconds)
            .ok_or_else(|| "it is too long".to_owned())?;
        rest = tail_chars.as_str();
    }
    Ok(total)
}

/// Writes seconds in the `1h30m` form, `0s` for zero. Every caller passes a non-negative
/// count (an interval's or a span's).
fn format_seconds(f: &mut fmt::Formatter<'_>, seconds: i64) -> fmt::Result {
    if seconds == 0 {
        return f.write_str("0s");
    }
    let mut rest = seconds.unsigned_abs();
    for (unit, scale) in UNITS {
        let scale = scale.unsigned_abs();
        if rest >= scale {
            write!(f, "{}{unit}", rest / scale)?;
            rest %= scale;
        }
    }
    Ok(())
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        format_seconds(f, self.seconds)
    }
}

impl fmt::Debug for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Interval({self})")
    }
}

impl FromStr for Interval {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        Interval::from_secs(text.parse::<Span>()?.seconds)
    }
}

impl From<Interval> for TimeDelta {
    fn from(interval: Interval) -> TimeDelta {
        interval.as_time_delta()
    }
}

impl Serialize for Interval {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Interval {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<str>::deserialize(deserializer)?;
        text.parse().map_err(crate::record::de_error)
    }
}
