//! `inquiry-server`: the seed's inquiry API over HTTP. `inquiry-server --help` lists every
//! flag.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use inquiry_lifecycle_server::{
    deliverer, flush, router, serve, storage, sweeper, App, Clock, Config, Drained,
};

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=info".into()),
        )
        .init();
    let config = Config::parse();
    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("inquiry-server: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> Result<(), String> {
    let storage = storage(&config).await.map_err(|e| e.to_string())?;
    let clock = if config.test_clock {
        Clock::test()
    } else {
        Clock::Real
    };
    let app = Arc::new(App::new(&config, storage, clock).map_err(|e| e.to_string())?);
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    tracing::info!(
        listen = %config.listen,
        storage = if config.database_url.is_some() { "postgresql" } else { "memory" },
        clock = if config.test_clock { "test" } else { "real" },
        webhooks = config.webhook_urls.len(),
        "inquiry-server ready"
    );
    let sweeping = tokio::spawn(sweeper(app.clone(), Duration::from_secs(1)));
    let delivering = tokio::spawn(deliverer(app.clone()));
    let limits = config.connection_limits();
    if serve(listener, router(app.clone()), limits, shutdown()).await == Drained::Cut {
        tracing::warn!(
            grace_ms = limits.shutdown_grace.as_millis(),
            "connections still open after the shutdown grace were closed"
        );
    }
    sweeping.abort();
    delivering.abort();
    // What the last requests committed is delivered before the process ends (a failed
    // attempt stays in the outbox: on PostgreSQL the next process delivers it).
    if !flush(&app, Duration::from_secs(10)).await {
        tracing::warn!("stopped with webhooks still to deliver");
    }
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C: requests in flight finish, then the service stops.
async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
