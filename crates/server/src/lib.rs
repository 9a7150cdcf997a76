//! # inquiry-lifecycle-server
//!
//! The seed's inquiry API (`POST /api/v1/inquiries/<id>/resume` answering
//! `{"data": …, "meta": {"session-token": …}}`) as a service any language can call, built on
//! [`inquiry_lifecycle`] and its wire format ([`inquiry_lifecycle_wire`]). Rule IDs (S1–S6,
//! W1–W7) are those of the project's `docs/INTEGRATION.md`, summarised in this crate's README.
//!
//! Start it with `cargo run -p inquiry-lifecycle-server -- --api-key test_key --test-clock`;
//! `--help` lists every flag. Embed it with [`router`] and [`App`].

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod api;
mod clock;
mod config;
mod error;
mod flow;
#[cfg(feature = "hostile-delivery")]
mod hostile;
mod idempotency;
mod serve;
mod webhooks;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Utc};
use inquiry_lifecycle::{Action, Inquiry, InquiryId, Policy, SecureRandom};
use inquiry_lifecycle_store::{sweep_rendering, InquiryStore, MemoryStore, Store, StoreError};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

pub use clock::Clock;
pub use config::Config;
pub use error::{ApiCode, ApiError, StartError};
#[cfg(feature = "hostile-delivery")]
pub use hostile::Hostility;
pub use serve::{serve, ConnectionLimits, Drained};
pub use webhooks::{deliver_once, deliverer, flush, Endpoint, Webhooks, WireRender};

use api::ApiRequest;

/// The service's state, shared by every request.
pub struct App {
    /// The inquiries, their outbox and the idempotency keys (S3).
    store: Arc<dyn Store>,
    clock: Clock,
    /// SHA-256 digests of the API keys: compared in constant time and of equal length,
    /// whatever the key sent (S2).
    api_keys: Vec<[u8; 32]>,
    policy: Policy,
    random: Mutex<SecureRandom>,
    public_url: String,
    max_body_bytes: usize,
    webhooks: Webhooks,
}

impl App {
    /// The service for `config`, on `storage`, with the time from `clock`.
    pub fn new(config: &Config, storage: Storage, clock: Clock) -> Result<App, StartError> {
        if config.api_keys.iter().any(|key| key.is_empty()) {
            return Err(StartError::EmptyApiKey);
        }
        let secrets = config
            .webhook_secrets
            .iter()
            .map(|secret| inquiry_lifecycle_wire::WebhookSecret::new(secret))
            .collect::<Result<Vec<_>, _>>()?;
        let random = SecureRandom::from_os()?;
        let webhooks = Webhooks::new(
            config.webhook_urls.clone(),
            secrets,
            config.webhook_max_attempts,
            Duration::from_millis(config.webhook_backoff_ms),
        )?;
        #[cfg(feature = "hostile-delivery")]
        let webhooks = webhooks.with_hostility(config.test_hostile_delivery);
        Ok(App {
            store: storage.store,
            clock,
            api_keys: config.api_keys.iter().map(|key| digest(key)).collect(),
            policy: Policy::default(),
            random: Mutex::new(random),
            public_url: config.public_url().trim_end_matches('/').to_owned(),
            max_body_bytes: config.max_body_bytes,
            webhooks,
        })
    }

    /// The digest of the API key `headers` authorize with, if any (S2). Every key is
    /// compared, in constant time, whatever matched.
    fn client(&self, headers: &HeaderMap) -> Option<[u8; 32]> {
        // RFC 7235: the scheme is case-insensitive (`Bearer`, `bearer`, `BEARER`).
        let (scheme, sent) = headers
            .get("authorization")?
            .to_str()
            .ok()?
            .split_once(' ')?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return None;
        }
        let sent = digest(sent.trim());
        let mut found = None;
        for key in &self.api_keys {
            if bool::from(key.ct_eq(&sent)) {
                found = Some(*key);
            }
        }
        found
    }

    /// The random source for tokens and ids, for one call.
    fn random(&self) -> MutexGuard<'_, SecureRandom> {
        self.random
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The store the service keeps its inquiries in (for tests and tools that check what
    /// it holds).
    pub fn store(&self) -> &dyn Store {
        &*self.store
    }

    async fn load(&self, id: InquiryId) -> Result<Inquiry, ApiError> {
        self.store
            .load(id)
            .await?
            .ok_or(StoreError::NotFound(id))
            .map_err(ApiError::from)
    }

    /// Applies every expiry due at `now` (E5), in batches; logs a store failure and
    /// leaves the rest to the next sweep.
    pub async fn sweep(&self, now: DateTime<Utc>) {
        loop {
            match sweep_rendering(&*self.store, now, 100, &WireRender).await {
                Ok(swept) => {
                    for (id, error) in &swept.set_aside {
                        tracing::error!(inquiry = %id, %error, "a due inquiry was set aside; the others were applied");
                    }
                    if swept.events.is_empty() {
                        return;
                    }
                    tracing::debug!(events = swept.events.len(), "applied due expiries");
                }
                Err(error) => {
                    tracing::warn!(%error, "sweep failed; retrying at the next tick");
                    return;
                }
            }
        }
    }
}

/// `full` times a random factor in [0.5, 1) drawn from `random`: how the service spreads
/// out retries (webhook attempts, contended changes) so that those that failed together are
/// not retried together.
fn jittered(full: Duration, random: &mut dyn inquiry_lifecycle::RandomSource) -> Duration {
    let mut byte = [0u8; 1];
    random.fill_bytes(&mut byte);
    full.mul_f64(0.5 + f64::from(byte[0]) / 512.0)
}

fn digest(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// Every route of the service (S1, S5, S6), with the body limit and request tracing (query
/// strings are never logged: they may carry a token, S6).
pub fn router(app: Arc<App>) -> Router {
    let limit = app.max_body_bytes;
    let action = |action: Action| {
        move |State(app): State<Arc<App>>, Path(id): Path<String>, request: ApiRequest| async move {
            api::action(app, id, request, action).await
        }
    };
    let mut routes = Router::new()
        .route("/api/v1/inquiries", post(api::create))
        .route(
            "/api/v1/inquiries/{id}",
            get(api::show).delete(action(Action::Redact)),
        )
        .route("/api/v1/inquiries/{id}/sessions", get(api::sessions))
        .route(
            "/api/v1/inquiries/{id}/resume",
            post(action(Action::Resume)),
        )
        .route(
            "/api/v1/inquiries/{id}/expire",
            post(action(Action::Expire)),
        )
        .route(
            "/api/v1/inquiries/{id}/approve",
            post(action(Action::Approve)),
        )
        .route(
            "/api/v1/inquiries/{id}/decline",
            post(action(Action::Decline)),
        )
        .route(
            "/api/v1/inquiries/{id}/mark-for-review",
            post(action(Action::MarkForReview)),
        )
        .route(
            "/api/v1/inquiries/{id}/generate-one-time-link",
            post(action(Action::Link)),
        )
        .route(
            "/api/v1/inquiries/{id}/perform-simulate-actions",
            post(api::simulate),
        )
        .route("/api/v1/webhooks/parked", get(api::parked))
        .route("/api/v1/webhooks/parked/redrive", post(api::redrive_all))
        .route(
            "/api/v1/webhooks/parked/{event_id}/redrive",
            post(api::redrive_one),
        );
    routes = routes
        .route("/verify", get(flow::page))
        .route("/verify.js", get(flow::script))
        .route("/verify.css", get(flow::style))
        .route("/flow/inquiries/{id}/access", post(flow::access))
        .route("/flow/inquiries/{id}/redeem", post(flow::redeem));
    if matches!(app.clock, Clock::Test(_)) {
        routes = routes.route("/sandbox/clock", post(api::sandbox_clock));
    }
    routes
        .fallback(api::no_such_endpoint)
        .method_not_allowed_fallback(api::method_not_allowed)
        .layer(axum::extract::DefaultBodyLimit::max(limit))
        .layer(
            tower_http::trace::TraceLayer::new_for_http().make_span_with(
                |request: &axum::http::Request<_>| {
                    // The path only: a query string may carry a session token (S6).
                    tracing::info_span!("request", method = %request.method(), path = %request.uri().path())
                },
            ),
        )
        .with_state(app)
}

/// Where the service keeps its state: the inquiries, their outbox and the
/// `Idempotency-Key` answers (S3), in one [`Store`].
pub struct Storage {
    store: Arc<dyn Store>,
}

impl Storage {
    /// Everything in this process's memory.
    pub fn memory() -> Storage {
        Storage::of(Arc::new(MemoryStore::new()))
    }

    /// Everything in `store`.
    pub fn of(store: Arc<dyn Store>) -> Storage {
        Storage { store }
    }

    /// Everything in PostgreSQL, shared by every process on the same database; the schema
    /// is migrated first.
    pub async fn postgres(url: &str) -> Result<Storage, StartError> {
        let store = inquiry_lifecycle_postgres::PostgresStore::connect(url)
            .await
            .map_err(StartError::Connect)?;
        store.migrate().await.map_err(StartError::Migrate)?;
        Ok(Storage::of(Arc::new(store)))
    }
}

/// The storage `config` asks for: PostgreSQL when given a connection string, else memory.
pub async fn storage(config: &Config) -> Result<Storage, StartError> {
    match &config.database_url {
        None => Ok(Storage::memory()),
        Some(url) => Storage::postgres(url).await,
    }
}

/// Applies due expiries every `every` until the service stops (E5: `inquiry.expired` is
/// recorded at the deadline whenever it is applied).
pub async fn sweeper(app: Arc<App>, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        app.sweep(app.clock.now()).await;
    }
}
