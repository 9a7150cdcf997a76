//! A test option (`--test-hostile-delivery`): webhooks delivered as badly as a provider may
//! deliver them (H2 promises at least once and no order), so that integrators, and this
//! project's mirror, are tested against duplicates, drops then redeliveries, and delays
//! that reorder. Never for production: the service says so loudly when it starts.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use inquiry_lifecycle::RandomSource;

/// How hostile deliveries are: `duplicate=P,drop=P,delay-ms=N` (each part optional).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hostility {
    /// The chance that a delivered event is posted again, later (after another delay).
    pub duplicate: f64,
    /// The chance that an event's first attempt is not posted at all and counts as failed,
    /// so that it is redelivered after the backoff, behind later events.
    pub drop: f64,
    /// Each post waits a random time below this first, so that the events of one batch
    /// (posted concurrently) arrive in any order.
    pub max_delay: Duration,
}

/// What hostility does to one attempt at one event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Plan {
    /// Not posted; the attempt fails.
    pub(crate) drop: bool,
    /// Waited before posting.
    pub(crate) delay: Duration,
    /// Posted again this long after a delivery that succeeded.
    pub(crate) duplicate_after: Option<Duration>,
}

/// A number in [0, 1) from the random source.
fn unit(random: &mut dyn RandomSource) -> f64 {
    let mut bytes = [0u8; 8];
    random.fill_bytes(&mut bytes);
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

impl Hostility {
    /// The plan for an attempt at an event that failed `attempts` times so far.
    pub(crate) fn plan(&self, attempts: u32, random: &mut dyn RandomSource) -> Plan {
        let delay = |random: &mut dyn RandomSource| self.max_delay.mul_f64(unit(random));
        Plan {
            // Only a first attempt is dropped: the redelivery always comes.
            drop: attempts == 0 && unit(random) < self.drop,
            delay: delay(random),
            duplicate_after: (unit(random) < self.duplicate).then(|| delay(random)),
        }
    }
}

impl FromStr for Hostility {
    type Err = String;

    fn from_str(text: &str) -> Result<Hostility, String> {
        let mut hostility = Hostility {
            duplicate: 0.0,
            drop: 0.0,
            max_delay: Duration::ZERO,
        };
        let chance = |name: &str, value: &str| -> Result<f64, String> {
            match value.parse::<f64>() {
                Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
                _ => Err(format!("{name}={value:?} is not a chance between 0 and 1")),
            }
        };
        for part in text
            .split(',')
            .map(str::trim)
            .filter(|part| !part.is_empty())
        {
            match part.split_once('=') {
                Some(("duplicate", value)) => hostility.duplicate = chance("duplicate", value)?,
                Some(("drop", value)) => hostility.drop = chance("drop", value)?,
                Some(("delay-ms", value)) => {
                    let ms: u64 = value
                        .parse()
                        .ok()
                        .filter(|ms| *ms <= 60_000)
                        .ok_or_else(|| format!("delay-ms={value:?} is not a number of milliseconds up to 60000"))?;
                    hostility.max_delay = Duration::from_millis(ms);
                }
                _ => {
                    return Err(format!(
                        "unknown part {part:?}; expected duplicate=P, drop=P and delay-ms=N, comma-separated"
                    ))
                }
            }
        }
        Ok(hostility)
    }
}

impl fmt::Display for Hostility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "duplicate={},drop={},delay-ms={}",
            self.duplicate,
            self.drop,
            self.max_delay.as_millis()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use inquiry_lifecycle::SeededRandom;

    #[test]
    fn the_option_reads_and_writes_back() {
        let hostility: Hostility = "duplicate=0.3, drop=0.25,delay-ms=40".parse().unwrap();
        assert_eq!(hostility.to_string(), "duplicate=0.3,drop=0.25,delay-ms=40");
        assert_eq!(
            "".parse::<Hostility>().unwrap().to_string(),
            "duplicate=0,drop=0,delay-ms=0"
        );
        for (bad, says) in [
            ("duplicate=2", "not a chance"),
            ("drop=x", "not a chance"),
            ("delay-ms=-1", "milliseconds"),
            ("delay-ms=60001", "milliseconds"),
            ("reorder", "unknown part"),
        ] {
            let error = bad.parse::<Hostility>().unwrap_err();
            assert!(error.contains(says), "{bad}: {error}");
        }
    }

    /// The chances are kept over many draws, only first attempts are dropped, and delays
    /// stay below the maximum.
    #[test]
    fn plans_follow_the_chances() {
        let hostility: Hostility = "duplicate=0.3,drop=0.2,delay-ms=20".parse().unwrap();
        let mut random = SeededRandom::new(7);
        let plans: Vec<Plan> = (0..4000).map(|_| hostility.plan(0, &mut random)).collect();
        let share = |count: usize| count as f64 / plans.len() as f64;
        let dropped = share(plans.iter().filter(|plan| plan.drop).count());
        let duplicated = share(
            plans
                .iter()
                .filter(|plan| plan.duplicate_after.is_some())
                .count(),
        );
        assert!((0.16..0.24).contains(&dropped), "{dropped}");
        assert!((0.25..0.35).contains(&duplicated), "{duplicated}");
        assert!(plans
            .iter()
            .all(|plan| plan.delay < Duration::from_millis(20)));
        assert!(plans
            .iter()
            .any(|plan| plan.delay > Duration::from_millis(10)));
        assert!((0..100).all(|_| !hostility.plan(1, &mut random).drop));
        // Chances of 0 and 1 are kept exactly.
        let never: Hostility = "duplicate=0,drop=0".parse().unwrap();
        let always: Hostility = "duplicate=1,drop=1".parse().unwrap();
        for _ in 0..100 {
            let (never, always) = (never.plan(0, &mut random), always.plan(0, &mut random));
            assert!(!never.drop && never.duplicate_after.is_none());
            assert!(always.drop && always.duplicate_after.is_some());
        }
    }
}
