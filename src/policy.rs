//! The expiry policy (rule E1) and the intervals an inquiry captures (rule E2).

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use crate::{Error, Interval};

/// How long inquiries and session tokens live, for inquiries created under it (rule E1).
///
/// Defaults: 24 h after create, after start the after-create value, 24 h after a resume
/// from `expired`, 24 h session token TTL, 24 h one-time link TTL. An inquiry captures its intervals when it is
/// created (rule E2), so changing the policy later changes no existing inquiry.
///
/// ```
/// use inquiry_lifecycle::Policy;
/// use chrono::TimeDelta;
///
/// let policy = Policy::builder()
///     .expire_after_start(TimeDelta::hours(1))
///     .build()?;
/// assert_eq!(policy.intervals().expire_after_start.to_string(), "1h");
///
/// // Per-inquiry overrides: a policy derived from the service's own.
/// let rushed = policy.to_builder().expire_after_create(TimeDelta::minutes(10)).build()?;
/// assert_eq!(rushed.intervals().expire_after_create.to_string(), "10m");
///
/// let refused = Policy::builder().session_token_ttl(TimeDelta::zero()).build();
/// assert!(refused.unwrap_err().to_string().contains("session_token_ttl"));
/// # Ok::<(), inquiry_lifecycle::Error>(())
/// ```
///
/// A policy can come from configuration: it (de)serializes with the keys and interval
/// text of a scenario file's `policy`, a key left out keeping its default. Read it with
/// [`Policy::from_json`] for the library's `invalid_input` naming the key:
///
/// ```
/// use inquiry_lifecycle::Policy;
///
/// let policy = Policy::from_json(r#"{ "expire_after_start": "1h30m", "one_time_link_ttl": "15m" }"#)?;
/// assert_eq!(policy.intervals().expire_after_start.to_string(), "1h30m");
/// assert_eq!(serde_json::to_string(&policy).unwrap(),
///            r#"{"expire_after_start":"1h30m","one_time_link_ttl":"15m"}"#);
/// let refused = Policy::from_json(r#"{ "session_token_ttl": "0s" }"#).unwrap_err();
/// assert_eq!(refused.to_string(),
///            "invalid_input: policy, at `session_token_ttl`: interval of 0s is not positive; \
///             every interval must be at least 1s (E1) at line 1 column 29");
/// // The builder takes an `Interval` as well as a `TimeDelta`.
/// let from_text = Policy::builder()
///     .expire_after_start("1h30m".parse::<inquiry_lifecycle::Interval>()?)
///     .one_time_link_ttl(chrono::TimeDelta::minutes(15))
///     .build()?;
/// assert_eq!(from_text, policy);
/// let typo = Policy::from_json(r#"{ "expire_after_strat": "1h" }"#).unwrap_err();
/// assert!(typo.to_string().contains("unknown field `expire_after_strat`"), "{typo}");
/// # Ok::<(), inquiry_lifecycle::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Policy {
    settings: Settings,
}

/// The five intervals, each possibly left to its default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Settings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expire_after_create: Option<Interval>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expire_after_start: Option<Interval>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expire_after_resume: Option<Interval>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    session_token_ttl: Option<Interval>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    one_time_link_ttl: Option<Interval>,
}

const DEFAULT_INTERVAL: Interval = Interval::hours(24);

impl Policy {
    /// Reads a policy from JSON configuration (the keys and interval text of a scenario's
    /// `policy`); anything wrong is `invalid_input` naming the key.
    pub fn from_json(text: &str) -> Result<Policy, Error> {
        crate::record::from_json_text("policy", text)
    }

    /// A builder starting from the defaults.
    pub fn builder() -> PolicyBuilder {
        PolicyBuilder::default()
    }

    /// A builder starting from this policy, for per-inquiry overrides.
    pub fn to_builder(&self) -> PolicyBuilder {
        let with = |interval: Option<Interval>| interval.map(Interval::as_time_delta);
        PolicyBuilder {
            expire_after_create: with(self.settings.expire_after_create),
            expire_after_start: with(self.settings.expire_after_start),
            expire_after_resume: with(self.settings.expire_after_resume),
            session_token_ttl: with(self.settings.session_token_ttl),
            one_time_link_ttl: with(self.settings.one_time_link_ttl),
        }
    }

    /// The intervals an inquiry created under this policy captures, defaults filled in:
    /// after-start is the after-create value when it is not set (E1).
    pub fn intervals(&self) -> Intervals {
        let expire_after_create = self
            .settings
            .expire_after_create
            .unwrap_or(DEFAULT_INTERVAL);
        Intervals {
            expire_after_create,
            expire_after_start: self
                .settings
                .expire_after_start
                .unwrap_or(expire_after_create),
            expire_after_resume: self
                .settings
                .expire_after_resume
                .unwrap_or(DEFAULT_INTERVAL),
            session_token_ttl: self.settings.session_token_ttl.unwrap_or(DEFAULT_INTERVAL),
            one_time_link_ttl: self.settings.one_time_link_ttl.unwrap_or(DEFAULT_INTERVAL),
        }
    }
}

/// Builds a [`Policy`]; every interval is checked when [`build`](PolicyBuilder::build) runs.
/// Each setter takes a `TimeDelta` or an [`Interval`] (one parsed from `"1h30m"`, say).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[must_use]
pub struct PolicyBuilder {
    expire_after_create: Option<TimeDelta>,
    expire_after_start: Option<TimeDelta>,
    expire_after_resume: Option<TimeDelta>,
    session_token_ttl: Option<TimeDelta>,
    one_time_link_ttl: Option<TimeDelta>,
}

impl PolicyBuilder {
    /// How long a `created` inquiry lives (default 24 h).
    pub fn expire_after_create(mut self, interval: impl Into<TimeDelta>) -> Self {
        self.expire_after_create = Some(interval.into());
        self
    }

    /// How long an inquiry lives after it is started (default: the after-create value).
    pub fn expire_after_start(mut self, interval: impl Into<TimeDelta>) -> Self {
        self.expire_after_start = Some(interval.into());
        self
    }

    /// How long an inquiry lives after a resume from `expired` (default 24 h).
    pub fn expire_after_resume(mut self, interval: impl Into<TimeDelta>) -> Self {
        self.expire_after_resume = Some(interval.into());
        self
    }

    /// How long a session token lives if it is never used (default 24 h).
    pub fn session_token_ttl(mut self, interval: impl Into<TimeDelta>) -> Self {
        self.session_token_ttl = Some(interval.into());
        self
    }

    /// How long a one-time link may first be redeemed after it is created (default 24 h;
    /// rules E1, L2).
    pub fn one_time_link_ttl(mut self, interval: impl Into<TimeDelta>) -> Self {
        self.one_time_link_ttl = Some(interval.into());
        self
    }

    /// Checks every interval set: each must be positive, whole seconds, at most 3650 days.
    /// A bad one is refused with `invalid_input` naming it.
    pub fn build(self) -> Result<Policy, Error> {
        let check = |name: &str, delta: Option<TimeDelta>| {
            delta
                .map(|delta| {
                    Interval::new(delta)
                        .map_err(|error| error.within(format_args!("policy {name}")))
                })
                .transpose()
        };
        Ok(Policy {
            settings: Settings {
                expire_after_create: check("expire_after_create", self.expire_after_create)?,
                expire_after_start: check("expire_after_start", self.expire_after_start)?,
                expire_after_resume: check("expire_after_resume", self.expire_after_resume)?,
                session_token_ttl: check("session_token_ttl", self.session_token_ttl)?,
                one_time_link_ttl: check("one_time_link_ttl", self.one_time_link_ttl)?,
            },
        })
    }
}

/// The intervals one inquiry lives by, captured when it was created (rule E2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Intervals {
    /// The deadline while `created` is `created_at` plus this.
    pub expire_after_create: Interval,
    /// The deadline once `pending` is `started_at` plus this.
    pub expire_after_start: Interval,
    /// The deadline after a resume from `expired` is `resumed_at` plus this.
    pub expire_after_resume: Interval,
    /// A token session still `new` expires this long after its token was issued (S5, S4b).
    pub session_token_ttl: Interval,
    /// A one-time link not yet redeemed expires this long after it was created (E1, L2).
    /// Records written by version 0.1 have none and take the default, 24 h.
    #[serde(default = "default_link_ttl")]
    pub one_time_link_ttl: Interval,
}

/// E1: the one-time link TTL of an inquiry created before links existed.
fn default_link_ttl() -> Interval {
    DEFAULT_INTERVAL
}

impl Default for Intervals {
    fn default() -> Self {
        Policy::default().intervals()
    }
}
