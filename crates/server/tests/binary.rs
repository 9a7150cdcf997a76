//! The `inquiry-server` binary as an operator runs it, in the plain `cargo test` (nothing
//! to install: in memory, on loopback): bad flags are refused with a message and exit 1
//! before anything listens; a started service answers, and SIGTERM stops it cleanly
//! (exit 0) after the requests in flight.

use std::process::{Command, Stdio};
use std::time::Duration;

mod common;

use common::{answers, free_port};

fn server() -> Command {
    Command::new(env!("CARGO_BIN_EXE_inquiry-server"))
}

/// Each refusal at start: exit 1, one line on stderr naming what is wrong.
#[test]
fn bad_flags_are_refused_with_a_message_and_exit_1() {
    let cases: [(&[&str], &str); 5] = [
        (&["--api-key", ""], "an API key must not be empty"),
        (
            &["--api-key", "k", "--webhook-url", "http://127.0.0.1:9/hook"],
            "need --webhook-secret",
        ),
        (
            &[
                "--api-key",
                "k",
                "--webhook-url",
                "http://127.0.0.1:9/hook",
                "--webhook-secret",
                "wbhsec_0123456789",
                "--webhook-max-attempts",
                "0",
            ],
            "at least 1",
        ),
        (
            // Issue 25, item 6: an empty or short secret signs with (almost) no secret.
            &[
                "--api-key",
                "k",
                "--webhook-url",
                "http://127.0.0.1:9/hook",
                "--webhook-secret",
                "short",
            ],
            "--webhook-secret: a webhook secret of 5 bytes is too short",
        ),
        (
            // Nobody listens there: the schema cannot be migrated.
            &[
                "--api-key",
                "k",
                "--database-url",
                "host=127.0.0.1 port=9 user=nobody connect_timeout=2",
            ],
            "PostgreSQL",
        ),
    ];
    for (flags, expected) in cases {
        let port = free_port().to_string();
        let listen = format!("127.0.0.1:{port}");
        let output = server()
            .args(flags)
            .args(["--listen", &listen])
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{flags:?}: {stderr}");
        assert!(stderr.contains("inquiry-server: "), "{flags:?}: {stderr}");
        assert!(stderr.contains(expected), "{flags:?}: {stderr}");
    }
}

/// Started as the README starts it, the service answers the seed's calls; SIGTERM stops it
/// with exit 0, saying so.
#[tokio::test]
async fn the_binary_serves_and_stops_cleanly_on_sigterm() {
    let listen = format!("127.0.0.1:{}", free_port());
    let mut child = server()
        .args(["--api-key", "test_key", "--test-clock", "--listen", &listen])
        .args([
            "--header-read-timeout-ms",
            "20000",
            "--shutdown-grace-ms",
            "500",
        ])
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://{listen}");
    assert!(
        answers(&format!("{base}/verify")).await,
        "the binary never answered"
    );
    let created = reqwest::Client::new()
        .post(format!("{base}/api/v1/inquiries"))
        .header("Authorization", "Bearer test_key")
        .send()
        .await
        .unwrap();
    assert_eq!(created.status().as_u16(), 201);
    // The audit: a partial head kept the process running 40 s after SIGTERM. This one
    // is within its 20 s header timeout, so only the 500 ms grace can end it.
    let mut partial = std::net::TcpStream::connect(&listen).unwrap();
    std::io::Write::write_all(
        &mut partial,
        b"POST /api/v1/inquiries HTTP/1.1\r\nHost: x\r\n",
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut exited = None;
    for _ in 0..30 {
        if let Some(status) = child.try_wait().unwrap() {
            exited = Some(status);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let Some(exit) = exited else {
        let _ = child.kill();
        panic!("the binary was still running 3 s after SIGTERM, with a partial head open");
    };
    let output = child.wait_with_output().unwrap();
    let logs = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert_eq!(exit.code(), Some(0), "{logs}");
    assert!(logs.contains("inquiry-server ready"), "{logs}");
    assert!(logs.contains("shutting down"), "{logs}");
    assert!(logs.contains("stopped"), "{logs}");
    // The partial head outlived the grace: the log says its connection was cut.
    assert!(
        logs.contains("connections still open after the shutdown grace were closed"),
        "{logs}"
    );
    assert!(
        !logs.contains("still to deliver"),
        "the outbox was flushed before the process ended: {logs}"
    );
}
