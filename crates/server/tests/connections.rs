//! Issue 25, item 3: slow and idle clients on loopback cannot hold the service's sockets
//! or keep it from stopping. The audit found a half-sent head and an idle keep-alive still
//! open after 120 s, 300 half-open connections exhausting 256 file descriptors, and a
//! SIGTERM still waiting 40 s later; each limit here is a test with a slow client, against
//! the service's own listener (`serve`) with small limits.

use std::sync::Arc;
use std::time::Duration;

use inquiry_lifecycle_server::{
    router, serve, App, Clock, Config, ConnectionLimits, Drained, Storage,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

mod common;

use common::KEY;

const LIMITS: ConnectionLimits = ConnectionLimits {
    header_read_timeout: Duration::from_millis(300),
    request_timeout: Duration::from_millis(600),
    max_connections: 4,
    shutdown_grace: Duration::from_millis(500),
};

/// A service behind `serve` with `LIMITS`; its address, and what stops it and how it ended.
async fn limited() -> (
    String,
    oneshot::Sender<()>,
    tokio::task::JoinHandle<Drained>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    let config = <Config as clap::Parser>::try_parse_from([
        "inquiry-server",
        "--api-key",
        KEY,
        "--listen",
        &address,
    ])
    .unwrap();
    let app = Arc::new(App::new(&config, Storage::memory(), Clock::test()).unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    let serving = tokio::spawn(serve(listener, router(app), LIMITS, async {
        let _ = stopped.await;
    }));
    (address, stop, serving)
}

/// Waits (at most `limit`) for the server to close `stream`: whether it did, and what it
/// sent before.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> (bool, String) {
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    let outcome = tokio::time::timeout(limit, async {
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    (
        outcome.is_ok(),
        String::from_utf8_lossy(&received).into_owned(),
    )
}

fn create_request(body: &str) -> String {
    format!(
        "POST /api/v1/inquiries HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

#[tokio::test]
async fn a_half_sent_head_is_closed_after_the_header_read_timeout() {
    let (address, _stop, _serving) = limited().await;
    let mut stream = TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(b"POST /api/v1/inquiries HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let (closed, _) = closed_within(&mut stream, Duration::from_secs(3)).await;
    assert!(closed, "a half-sent head held its connection");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_header_read_timeout() {
    let (address, _stop, _serving) = limited().await;
    let mut stream = TcpStream::connect(&address).await.unwrap();
    stream
        .write_all(create_request("").as_bytes())
        .await
        .unwrap();
    // The answer comes, then the connection, kept alive and idle, is closed.
    let (closed, received) = closed_within(&mut stream, Duration::from_secs(3)).await;
    assert!(received.starts_with("HTTP/1.1 201"), "{received}");
    assert!(closed, "an idle keep-alive connection stayed open");
}

#[tokio::test]
async fn a_slow_body_is_answered_408_after_the_request_timeout() {
    let (address, _stop, _serving) = limited().await;
    let mut stream = TcpStream::connect(&address).await.unwrap();
    let whole = create_request(r#"{"data": {"attributes": {}}}"#);
    // The head and a few bytes of the body, then nothing more.
    stream
        .write_all(&whole.as_bytes()[..whole.len() - 10])
        .await
        .unwrap();
    let (_, received) = closed_within(&mut stream, Duration::from_secs(3)).await;
    assert!(received.starts_with("HTTP/1.1 408"), "{received}");
    assert!(received.contains("\"request_timeout\""), "{received}");
}

#[tokio::test]
async fn connections_over_the_limit_wait_until_one_closes() {
    let (address, _stop, _serving) = limited().await;
    // Four connections that send nothing hold every permit...
    let mut held = Vec::new();
    for _ in 0..LIMITS.max_connections {
        held.push(TcpStream::connect(&address).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    // ...so a fifth is not served while they are open (the kernel holds it in the backlog),
    let mut fifth = TcpStream::connect(&address).await.unwrap();
    fifth
        .write_all(create_request("").as_bytes())
        .await
        .unwrap();
    let mut buffer = [0u8; 64];
    let early = tokio::time::timeout(Duration::from_millis(150), fifth.read(&mut buffer)).await;
    assert!(
        early.is_err(),
        "a fifth connection was served past the limit of 4"
    );
    // ...and is served once the header read timeout has closed them.
    let (closed, received) = closed_within(&mut fifth, Duration::from_secs(3)).await;
    assert!(closed, "served and then closed as idle");
    assert!(received.starts_with("HTTP/1.1 201"), "{received:?}");
    drop(held);
}

#[tokio::test]
async fn shutdown_finishes_a_request_in_flight_then_cuts_a_slow_client_at_the_grace() {
    let (address, stop, serving) = limited().await;
    // A slow client that keeps trickling its body, a byte at a time, inside every timeout
    // but the grace: a shutdown must not wait for it.
    let mut slow = TcpStream::connect(&address).await.unwrap();
    let head = format!("POST /api/v1/inquiries HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\nContent-Length: 1000\r\n\r\n");
    slow.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    stop.send(()).unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(3), serving).await;
    let drained = ended
        .expect("serve did not return within its grace")
        .unwrap();
    // The request timeout (600 ms) answers the slow body 408 after the grace (500 ms) has
    // run out, so the grace is what ended it.
    assert_eq!(drained, Drained::Cut);
    // A stopped service accepts no new connection.
    assert!(TcpStream::connect(&address).await.is_err());
}

#[tokio::test]
async fn shutdown_with_no_request_in_flight_finishes_at_once() {
    let (address, stop, serving) = limited().await;
    let mut idle = TcpStream::connect(&address).await.unwrap();
    idle.write_all(create_request("").as_bytes()).await.unwrap();
    let mut buffer = [0u8; 16];
    let _ = idle.read(&mut buffer).await.unwrap();
    stop.send(()).unwrap();
    let drained = tokio::time::timeout(Duration::from_secs(2), serving)
        .await
        .expect("serve did not return")
        .unwrap();
    assert_eq!(
        drained,
        Drained::Finished,
        "an idle connection held the shutdown"
    );
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_after_the_header_read_timeout() {
    let (address, _stop, _serving) = limited().await;
    let mut stream = TcpStream::connect(&address).await.unwrap();
    let (closed, received) = closed_within(&mut stream, Duration::from_secs(3)).await;
    assert!(
        closed && received.is_empty(),
        "a silent connection stayed open: {received:?}"
    );
}
