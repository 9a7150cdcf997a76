//! Real clients, not only ours: the seed's own Python (`requests`) and Node (`request`)
//! snippets, and the README's curl session against the real `inquiry-server` binary, each
//! checked by what matters: the `meta.session-token` it printed opens the hosted flow.
//!
//! Needs curl, jq, Python with `requests` and Node with `request` (`bash .ci/clients.sh`
//! installs them): `cargo test -p inquiry-lifecycle-server --test clients -- --ignored`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{answers, call, create, free_port, service, KEY};
use inquiry_lifecycle::SessionToken;
use reqwest::{Client, Method, StatusCode};
use serde_json::Value;

fn clients_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("clients")
}

/// Runs a client program with the service's coordinates in its environment; its stdout.
fn run_client(program: &str, script: &str, dir: &Path, base: &str, id: &str) -> String {
    let output = Command::new(program)
        .arg(script)
        .current_dir(dir)
        .env("INQUIRY_API_KEY", KEY)
        .env("INQUIRY_BASE_URL", base)
        .env("INQUIRY_ID", id)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} (bash .ci/clients.sh): {e}"));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        output.status.success(),
        "{program} {script} failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The token opens the hosted flow (S6): the access is granted and starts the session.
async fn opens_the_flow(base: &str, id: &str, token: &str) -> String {
    let token = SessionToken::parse(token).expect("a session token");
    let text = token.expose_secret();
    let response = Client::new()
        .post(format!("{base}/flow/inquiries/{id}/access"))
        .header("Session-Token", text.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let url = format!("{base}/api/v1/inquiries/{id}/sessions");
    let (_, sessions, _) = call(Method::GET, &url, None, &[]).await;
    assert_eq!(sessions["data"][0]["attributes"]["status"], "active");
    // Which session, never the secret.
    sessions["data"][0]["id"].as_str().unwrap().to_owned()
}

/// The seed's snippet printed the resume's document; its token opens the flow.
async fn seed_snippet(program: &str, script: &str, dir: PathBuf) {
    let base = service().await;
    let id = create(&base).await;
    let stdout = run_client(program, script, &dir, &base, &id);
    let document: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(document["data"]["id"], id.as_str());
    let token = document["meta"]["session-token"].as_str().unwrap();
    let session = opens_the_flow(&base, &id, token).await;
    println!("{program} {script}: resume answered meta.session-token; it opened the flow for {id} (session {session} active)");
}

// Multi-threaded: the client runs as a blocking child process while the service answers it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Python with requests (bash .ci/clients.sh); .ci/run runs it"]
async fn the_seeds_python_snippet_prints_a_token_that_opens_the_flow() {
    seed_snippet("python3", "resume.py", clients_dir().join("python")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Node with the request package (bash .ci/clients.sh); .ci/run runs it"]
async fn the_seeds_node_snippet_prints_a_token_that_opens_the_flow() {
    seed_snippet("node", "resume.js", clients_dir().join("node")).await;
}

/// The README's curl session: the block after the `curl-session` marker.
fn readme_session() -> String {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .unwrap();
    let after = readme
        .split("<!-- curl-session:")
        .nth(1)
        .expect("the README marks its curl session");
    let block = after.split("```sh\n").nth(1).unwrap();
    block.split("```").next().unwrap().to_owned()
}

#[tokio::test]
#[ignore = "needs curl and jq (bash .ci/clients.sh); .ci/run runs it"]
async fn the_readmes_curl_session_runs_against_the_binary_as_the_readme_starts_it() {
    let session = readme_session();
    assert!(session.contains("http://127.0.0.1:8080"), "{session}");
    // The README's third command, on a free port instead of 8080.
    let listen = format!("127.0.0.1:{}", free_port());
    let mut server = Command::new(env!("CARGO_BIN_EXE_inquiry-server"))
        .args(["--api-key", "test_key", "--test-clock", "--listen", &listen])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://{listen}");
    let up = answers(&format!("{base}/verify")).await;
    assert!(up, "inquiry-server did not answer on {base}");

    let script = format!(
        "set -euo pipefail\n{}\necho \"$ID\"\n",
        session.replace("http://127.0.0.1:8080", &base)
    );
    let output = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        output.status.success() && lines.len() == 3,
        "the session failed: {}\n{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    let (token, attributes, id) = (lines[0], lines[1], lines[2]);
    let attributes: Value = serde_json::from_str(attributes).unwrap();
    assert_eq!(attributes["status"], "created"); // a resume on created keeps it created (T7)
    assert!(attributes["expires-at"].is_string(), "{attributes}");
    let granted = Client::new()
        .post(format!("{base}/flow/inquiries/{id}/access"))
        .header("Session-Token", token)
        .send()
        .await
        .unwrap();
    assert_eq!(granted.status(), StatusCode::OK);

    // SIGTERM: the service finishes and exits cleanly.
    let stopped = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    let status = server.wait().unwrap();
    assert!(status.success(), "inquiry-server exited with {status}");
    println!("README curl session: create, resume, GET answered; the token opened the flow for {id}; SIGTERM stopped the binary cleanly");
}
