//! The service's flags, each also an environment variable `INQUIRY_*`.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Parser;

#[cfg(feature = "hostile-delivery")]
use crate::hostile::Hostility;
use crate::webhooks::{Endpoint, DEFAULT_BACKOFF_MS, DEFAULT_MAX_ATTEMPTS};

/// The inquiry lifecycle as an HTTP service: the seed's API (`/api/v1/inquiries/…`), in
/// memory or on PostgreSQL, with a sandbox test clock for integrators' tests.
///
/// Every flag can also be given as the environment variable shown beside it.
#[derive(Debug, Clone, Parser)]
#[command(name = "inquiry-server", version, about, long_about = None)]
pub struct Config {
    /// The address to listen on.
    #[arg(long, env = "INQUIRY_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// An API key clients send as `Authorization: Bearer <key>`; repeat for several
    /// (comma-separated in the environment variable). At least one is required.
    #[arg(
        long = "api-key",
        env = "INQUIRY_API_KEY",
        value_delimiter = ',',
        required = true,
        hide_env_values = true
    )]
    pub api_keys: Vec<String>,

    /// A PostgreSQL connection string (`host=… user=… dbname=…`); without it, inquiries
    /// are kept in memory and lost when the service stops.
    #[arg(long, env = "INQUIRY_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// Use a sandbox test clock, moved with `POST /sandbox/clock` (`{"advance": "25h"}` or
    /// `{"now": "<RFC 3339>"}`), instead of the real one.
    #[arg(long, env = "INQUIRY_TEST_CLOCK")]
    pub test_clock: bool,

    /// The URL people reach this service at, for one-time links
    /// (`<public URL>/verify?inquiry-id=…&code=…`). Default: `http://<listen address>`.
    #[arg(long, env = "INQUIRY_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// A request head must arrive whole within this many milliseconds, and a keep-alive
    /// connection idle for as long is closed.
    #[arg(long, env = "INQUIRY_HEADER_READ_TIMEOUT_MS", default_value_t = crate::serve::DEFAULT_HEADER_READ_TIMEOUT_MS, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_read_timeout_ms: u64,

    /// A request, its body included, must be sent and answered within this many
    /// milliseconds; after it the answer is 408 `request_timeout`.
    #[arg(long, env = "INQUIRY_REQUEST_TIMEOUT_MS", default_value_t = crate::serve::DEFAULT_REQUEST_TIMEOUT_MS, value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout_ms: u64,

    /// At most this many connections are open at once; more wait to be accepted.
    #[arg(long, env = "INQUIRY_MAX_CONNECTIONS", default_value_t = crate::serve::DEFAULT_MAX_CONNECTIONS as u64, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_connections: u64,

    /// On SIGTERM, requests in flight get this many milliseconds to finish; then the
    /// connections still open are closed and the service stops.
    #[arg(long, env = "INQUIRY_SHUTDOWN_GRACE_MS", default_value_t = crate::serve::DEFAULT_SHUTDOWN_GRACE_MS)]
    pub shutdown_grace_ms: u64,

    /// The largest request body accepted, in bytes; larger is answered 413.
    #[arg(long, env = "INQUIRY_MAX_BODY_BYTES", default_value_t = 64 * 1024)]
    pub max_body_bytes: usize,

    /// A URL every event is posted to (H2), signed (H1); repeat for several
    /// (comma-separated in the environment variable). `camel=URL` or `snake=URL` writes
    /// that endpoint's bodies in another key inflection (W5; kebab by default).
    #[arg(
        long = "webhook-url",
        env = "INQUIRY_WEBHOOK_URL",
        value_delimiter = ','
    )]
    pub webhook_urls: Vec<Endpoint>,

    /// The secret webhook bodies are signed with (`Persona-Signature`, H1). Repeat while
    /// rotating a secret: every delivery is then signed with each (comma-separated in the
    /// environment variable). Required with --webhook-url.
    #[arg(
        long = "webhook-secret",
        env = "INQUIRY_WEBHOOK_SECRET",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub webhook_secrets: Vec<String>,

    /// Attempts per event before it is parked (H2): listed by
    /// `GET /api/v1/webhooks/parked`, re-driven by `POST /api/v1/webhooks/parked/redrive`.
    #[arg(long, env = "INQUIRY_WEBHOOK_MAX_ATTEMPTS", default_value_t = DEFAULT_MAX_ATTEMPTS)]
    pub webhook_max_attempts: u32,

    /// The wait before the first retry, in milliseconds; each next wait doubles (at most
    /// 12 hours), times a random factor in [0.5, 1). With the defaults (18 attempts, a
    /// minute) an event is retried for about three days (2.1 to 4.2) before it is parked.
    #[arg(long, env = "INQUIRY_WEBHOOK_BACKOFF_MS", default_value_t = DEFAULT_BACKOFF_MS)]
    pub webhook_backoff_ms: u64,

    /// Test option: deliver webhooks as badly as a provider may (at least once, in no
    /// order), to test a receiver: `duplicate=P` posts a delivered event again later,
    /// `drop=P` skips an event's first attempt (it is redelivered after the backoff, behind
    /// later events), `delay-ms=N` waits up to N ms before each post, so that concurrent
    /// posts arrive in any order. E.g. `duplicate=0.3,drop=0.2,delay-ms=50`. Never in
    /// production (built only with the feature `hostile-delivery`).
    #[cfg(feature = "hostile-delivery")]
    #[arg(long, env = "INQUIRY_TEST_HOSTILE_DELIVERY", value_name = "SPEC")]
    pub test_hostile_delivery: Option<Hostility>,
}

impl Config {
    /// The connection limits the flags set.
    pub fn connection_limits(&self) -> crate::ConnectionLimits {
        crate::ConnectionLimits {
            header_read_timeout: Duration::from_millis(self.header_read_timeout_ms),
            request_timeout: Duration::from_millis(self.request_timeout_ms),
            max_connections: usize::try_from(self.max_connections).unwrap_or(usize::MAX),
            shutdown_grace: Duration::from_millis(self.shutdown_grace_ms),
        }
    }

    /// The public URL, defaulting to the listen address.
    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
    }
}
