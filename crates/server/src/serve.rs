//! The listener: HTTP/1.1 connections with bounded time and number, and a bounded drain on
//! shutdown, so that slow or idle clients cannot hold the service's sockets or keep it
//! from stopping (issue 25: a half-sent head and an idle keep-alive stayed open for
//! minutes, 300 of them exhausted 256 file descriptors, and SIGTERM waited on them).
//!
//! hyper serves each connection (its header read timeout also ends a keep-alive
//! connection that stays idle between requests; a connection that never sends a byte gets
//! the same time to begin); `hyper-util`'s graceful shutdown tells every connection to
//! finish its request in flight and close.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::error::{ApiCode, ApiError};

/// How long and how many connections the service holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// A request head must arrive whole within this, and an idle keep-alive connection
    /// is closed after it.
    pub header_read_timeout: Duration,
    /// A request, its body included, must be read and answered within this; after it the
    /// answer is 408 `request_timeout`.
    pub request_timeout: Duration,
    /// At most this many connections are open at once; more wait to be accepted.
    pub max_connections: usize,
    /// On shutdown, connections get this long to finish their requests in flight; then
    /// they are closed.
    pub shutdown_grace: Duration,
}

/// The default header read timeout, in milliseconds (`--header-read-timeout-ms`).
pub const DEFAULT_HEADER_READ_TIMEOUT_MS: u64 = 10_000;
/// The default request timeout, in milliseconds (`--request-timeout-ms`).
pub const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 30_000;
/// The default connection limit (`--max-connections`).
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// The default shutdown grace, in milliseconds (`--shutdown-grace-ms`).
pub const DEFAULT_SHUTDOWN_GRACE_MS: u64 = 10_000;

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_millis(DEFAULT_HEADER_READ_TIMEOUT_MS),
            request_timeout: Duration::from_millis(DEFAULT_REQUEST_TIMEOUT_MS),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            shutdown_grace: Duration::from_millis(DEFAULT_SHUTDOWN_GRACE_MS),
        }
    }
}

/// How a [`serve`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drained {
    /// Every connection finished within the grace period.
    Finished,
    /// The grace period ran out; the connections still open were closed.
    Cut,
}

/// Serves `router` on `listener` within `limits` until `shutdown` resolves, then drains
/// the open connections for at most `limits.shutdown_grace`.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()>,
) -> Drained {
    let request_timeout = limits.request_timeout;
    let router = router.layer(axum::middleware::from_fn(
        move |request: Request, next: Next| within(request_timeout, request, next),
    ));
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut builder = auto::Builder::new(TokioExecutor::new()).http1_only();
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    tokio::pin!(shutdown);
    loop {
        // A connection is accepted only when there is room for it: the rest wait in the
        // listen backlog, and the service never runs out of file descriptors.
        let permit = tokio::select! {
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_closed) => break,
            },
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => stream,
                Err(error) => {
                    tracing::warn!(%error, "accept failed; retrying shortly");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = TowerToHyperService::new(router.clone());
        let (builder, watcher) = (builder.clone(), graceful.watcher());
        let header_read_timeout = limits.header_read_timeout;
        tokio::spawn(async move {
            // hyper times a request head from its first byte on: a connection that sends
            // nothing at all gets the same time to begin.
            let mut first = [0u8; 1];
            let began = tokio::time::timeout(header_read_timeout, stream.peek(&mut first)).await;
            if matches!(began, Ok(Ok(1..))) {
                let connection = builder
                    .serve_connection_with_upgrades(TokioIo::new(stream), service)
                    .into_owned();
                // A connection that ends in error (a timeout, a reset) has nothing to
                // answer.
                let _ended = watcher.watch(connection).await;
            }
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => Drained::Finished,
        () = tokio::time::sleep(limits.shutdown_grace) => Drained::Cut,
    }
}

/// Answers 408 `request_timeout` for a request not read and answered within `limit`.
async fn within(limit: Duration, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_elapsed) => ApiError::new(
            ApiCode::RequestTimeout,
            format!(
                "the request was not sent and answered within {} ms; send it again",
                limit.as_millis()
            ),
        )
        .respond(inquiry_lifecycle_wire::Inflection::Kebab),
    }
}
