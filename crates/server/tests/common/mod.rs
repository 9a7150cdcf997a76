//! What the end-to-end tests share: a service on loopback and a client for it.
#![allow(dead_code)] // each test file uses its own part

use std::sync::Arc;

use inquiry_lifecycle_server::{router, App, Clock, Config, Storage};
use reqwest::{Client, Method, StatusCode};
use serde_json::Value;

pub const KEY: &str = "test_key_1";

/// A service on a free loopback port, in memory, with a test clock; its base URL.
pub async fn service() -> String {
    service_with(&[]).await.0
}

/// A service as [`service`] starts it, with more flags; its base URL and its state.
pub async fn service_with(flags: &[&str]) -> (String, Arc<App>) {
    service_on(flags, Storage::memory()).await
}

/// A service as [`service_with`] starts it, on this storage.
pub async fn service_on(flags: &[&str], storage: Storage) -> (String, Arc<App>) {
    service_clocked(flags, storage, Clock::test()).await
}

/// A service as [`service_on`] starts it, on this clock (a clone moves it too).
pub async fn service_clocked(flags: &[&str], storage: Storage, clock: Clock) -> (String, Arc<App>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let mut args = vec![
        "inquiry-server",
        "--api-key",
        KEY,
        "--api-key",
        "test_key_2",
        "--test-clock",
        "--max-body-bytes",
        "4096",
        "--public-url",
        "https://verify.example/",
        "--listen",
        &address,
    ];
    args.extend_from_slice(flags);
    let config = <Config as clap::Parser>::try_parse_from(args).unwrap();
    let app = Arc::new(App::new(&config, storage, clock).unwrap());
    let serving = Arc::clone(&app);
    tokio::spawn(async move {
        axum::serve(listener, router(serving)).await.unwrap();
    });
    (format!("http://{address}"), app)
}

/// Sends a request with the API key; returns the status, the JSON body and the headers.
pub async fn call(
    method: Method,
    url: &str,
    body: Option<Value>,
    headers: &[(&str, &str)],
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let mut request = Client::new().request(method, url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    send(request, headers).await
}

/// Sends `request` with the API key and `headers`; the status, the JSON body (any other
/// body fails the test) and the headers.
async fn send(
    request: reqwest::RequestBuilder,
    headers: &[(&str, &str)],
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let mut request = request.header("Authorization", format!("Bearer {KEY}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text:?}"));
    (status, body, headers)
}

/// Sends a POST with this raw body text (any bytes, JSON or not) and the API key; returns
/// the status, the JSON body and the headers.
pub async fn post_raw(
    url: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let request = Client::new()
        .post(url)
        .header("Content-Type", "application/json")
        .body(body.to_owned());
    send(request, headers).await
}

pub fn error_code(body: &Value) -> &str {
    body["errors"][0]["code"].as_str().unwrap()
}

pub async fn create(base: &str) -> String {
    let (status, body, _) =
        call(Method::POST, &format!("{base}/api/v1/inquiries"), None, &[]).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["data"]["id"].as_str().unwrap().to_owned()
}

/// Moves the service's test clock forward by `interval` (`"25h"`, `"6m"`, S5).
pub async fn advance(base: &str, interval: &str) {
    let (status, body, _) = call(
        Method::POST,
        &format!("{base}/sandbox/clock"),
        Some(serde_json::json!({ "advance": interval })),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// A loopback port nobody listens on now, for a process the test starts.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits (at most 10 s) until `url` answers anything; whether it did.
pub async fn answers(url: &str) -> bool {
    for _ in 0..100 {
        if reqwest::get(url).await.is_ok() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

/// A PostgreSQL database of its own for a test, `name`, dropped and created empty; its
/// connection string (from `INQUIRY_PG_URL`).
pub async fn fresh_database(name: &str) -> String {
    let url = std::env::var("INQUIRY_PG_URL")
        .expect("needs PostgreSQL: set INQUIRY_PG_URL (bash .ci/postgres.sh)");
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let mut config: Vec<String> = url
        .split_whitespace()
        .filter(|part| !part.starts_with("dbname="))
        .map(str::to_owned)
        .collect();
    config.push(format!("dbname={name}"));
    config.join(" ")
}
