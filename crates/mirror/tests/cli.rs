//! `inquiry-mirror FILE...` run as a user runs it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use inquiry_lifecycle::{Event, Inquiry, Policy, SeededRandom};
use inquiry_lifecycle_wire::{sign, EventDocument, Inflection, WebhookSecret};
use serde_json::{json, Value};

const SECRET: &str = "wbhsec_example_log";

fn at(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 4, 8, 0, 0).unwrap() + TimeDelta::minutes(minutes)
}

/// Two inquiries' event documents: one started, completed and approved; one started and
/// left to expire, then resumed.
fn histories() -> Vec<Vec<EventDocument>> {
    let mut random = SeededRandom::new(2026);
    let mut all = Vec::new();
    for kind in 0..2 {
        let (mut inquiry, created) =
            Inquiry::create(&Policy::default(), at(0), &mut random).unwrap();
        let mut documents = EventDocument::for_change(None, &inquiry, &created).unwrap();
        let mut change = |inquiry: &mut Inquiry, events: Vec<Event>, before: Inquiry| {
            documents.extend(EventDocument::for_change(Some(&before), inquiry, &events).unwrap());
        };
        let before = inquiry.clone();
        let started = inquiry.start(at(1), &mut random).unwrap().events.into_vec();
        change(&mut inquiry, started, before);
        if kind == 0 {
            let before = inquiry.clone();
            let completed = inquiry.complete(at(9)).unwrap().into_vec();
            change(&mut inquiry, completed, before);
            let before = inquiry.clone();
            let approved = inquiry.approve(at(40)).unwrap().into_vec();
            change(&mut inquiry, approved, before);
        } else {
            let before = inquiry.clone();
            let resumed = inquiry
                .resume(at(60 * 30), &mut random)
                .unwrap()
                .events
                .into_vec();
            change(&mut inquiry, resumed, before);
        }
        all.push(documents);
    }
    all
}

/// A delivery as a receiver logs it: headers, raw body, when it arrived.
fn delivery(document: &EventDocument, secret: &str, received: DateTime<Utc>) -> Value {
    let body = document.to_json(Inflection::Kebab);
    let header = sign(
        &[WebhookSecret::new(secret).unwrap()],
        received.timestamp(),
        body.as_bytes(),
    );
    json!({
        "headers": {"Persona-Signature": header},
        "body": body,
        "received-at": received.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    })
}

/// The example log: both inquiries' deliveries, newest first, the approval twice.
fn example_log() -> Value {
    let histories = histories();
    let mut deliveries = Vec::new();
    for documents in &histories {
        for document in documents.iter().rev() {
            deliveries.push(delivery(
                document,
                SECRET,
                document.created_at + TimeDelta::seconds(2),
            ));
        }
    }
    let approval = histories[0]
        .iter()
        .find(|d| d.name.as_str() == "inquiry.approved")
        .unwrap();
    deliveries.push(delivery(
        approval,
        SECRET,
        approval.created_at + TimeDelta::seconds(90),
    ));
    Value::Array(deliveries)
}

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

fn mirror(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_inquiry-mirror"))
        .args(args)
        .output()
        .unwrap()
}

fn temp(name: &str, content: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("inquiry-mirror-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// The committed example log is the one this test builds (`UPDATE_EXAMPLES=1` rewrites
/// it), and the command's output on it is the README's, line for line.
#[test]
fn the_example_log_replays_to_the_readmes_output() {
    let path = examples().join("webhook-log.json");
    let expected = serde_json::to_string_pretty(&example_log()).unwrap() + "\n";
    if std::env::var_os("UPDATE_EXAMPLES").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        expected,
        "run with UPDATE_EXAMPLES=1"
    );
    let output = mirror(&["--secret", SECRET, path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let histories = histories();
    let mut ids: Vec<String> = histories
        .iter()
        .map(|d| inquiry_lifecycle_mirror::inquiry_of(&d[0]).to_string())
        .collect();
    ids.sort();
    assert_eq!(
        lines
            .iter()
            .map(|l| l["inquiry"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>(),
        ids
    );
    for line in &lines {
        let status = line["status"].as_str().unwrap();
        assert!(status == "approved" || status == "pending", "{line}");
        assert_eq!(line["needs_reconcile"], false);
    }
    assert!(
        text(&output.stderr).contains("1 duplicate"),
        "{}",
        text(&output.stderr)
    );
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    for line in stdout.lines() {
        assert!(readme.contains(line), "README lacks the output line {line}");
    }
    assert!(
        readme.contains(text(&output.stderr).trim()),
        "README lacks the summary {}",
        text(&output.stderr)
    );
}

/// Event documents as sent (no headers) are read without a secret; with one they cannot
/// be verified and are refused by file and index, exit status 2, the lines printed anyway.
#[test]
fn plain_documents_replay_without_a_secret_and_are_refused_with_one() {
    let histories = histories();
    let plain: Vec<Value> = histories[1]
        .iter()
        .map(|d| serde_json::from_str(&d.to_json(Inflection::Camel)).unwrap())
        .collect();
    let path = temp("plain.json", &Value::Array(plain.clone()).to_string());
    // `--` ends the options: a file may be named like one.
    let output = mirror(&["--", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let line: Value = serde_json::from_str(text(&output.stdout).trim()).unwrap();
    assert_eq!(line["status"], "pending");
    let last = histories[1]
        .iter()
        .rev()
        .find(|d| !d.name.is_session_event())
        .unwrap();
    assert_eq!(line["last_event"], last.id.to_string());

    let output = mirror(&["--secret", SECRET, path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("plain.json[0]: refused: an event document without headers"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{} refused", plain.len())),
        "{stderr}"
    );
    assert!(text(&output.stdout).is_empty());
}

/// A forged signature, a stale one and a body that is not an event are refused and named;
/// the rest is taken in; no secret appears in the output.
#[test]
fn refused_deliveries_are_named_and_change_nothing() {
    let histories = histories();
    let documents = &histories[0];
    let good = delivery(&documents[0], SECRET, documents[0].created_at);
    let forged = delivery(
        documents.last().unwrap(),
        "wbhsec_guess_0123456789",
        documents[0].created_at,
    );
    let mut stale = delivery(&documents[1], SECRET, documents[1].created_at);
    stale["received-at"] = json!("2026-05-05T08:00:00.000Z");
    let not_an_event = json!({"body": "{\"data\": {\"type\": \"inquiry\"}}"});
    let path = temp(
        "hostile.json",
        &json!([good, forged, stale, not_an_event]).to_string(),
    );
    let output = mirror(&["--secret", SECRET, path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("hostile.json[1]: refused: signature refused: no signature"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hostile.json[2]: refused: signature refused: stale"),
        "{stderr}"
    );
    assert!(stderr.contains("hostile.json[3]: refused:"), "{stderr}");
    assert!(!stderr.contains(SECRET) && !text(&output.stdout).contains(SECRET));
    let line: Value = serde_json::from_str(text(&output.stdout).trim()).unwrap();
    assert_eq!(
        line["status"], "created",
        "only the good delivery was applied"
    );
}

/// An unreadable input prints nothing and exits 1, saying which file and why.
#[test]
fn unreadable_input_exits_1_and_prints_nothing() {
    let histories = histories();
    let good = temp(
        "good.json",
        &json!([delivery(&histories[0][0], SECRET, at(0))]).to_string(),
    );
    let object = temp("object.json", "{\"data\": []}");
    let broken = temp("broken.json", "[{\"body\": ");
    for (args, says) in [
        (
            vec![good.to_str().unwrap(), "/nonexistent/log.json"],
            "cannot read /nonexistent/log.json",
        ),
        (
            vec![good.to_str().unwrap(), object.to_str().unwrap()],
            "is not a JSON array",
        ),
        (vec![broken.to_str().unwrap()], "is not JSON"),
        (vec![], "no FILE given"),
        (vec!["--secret"], "--secret needs a value"),
        (
            vec!["--verbose", good.to_str().unwrap()],
            "unknown option --verbose",
        ),
    ] {
        let output = mirror(&args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert!(
            text(&output.stderr).contains(says),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
    let output = mirror(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(text(&output.stdout).contains("usage: inquiry-mirror"));
}

/// Several files are one stream, in the order given; a rotated secret file verifies
/// deliveries signed with either secret; a forged newer `pending` after the approval is
/// shown as `needs_reconcile`.
#[test]
fn files_are_one_stream_and_a_forged_status_is_flagged() {
    let histories = histories();
    let documents = &histories[0];
    let approved = documents
        .iter()
        .find(|d| d.name.as_str() == "inquiry.approved")
        .unwrap();
    let started = documents
        .iter()
        .find(|d| d.name.as_str() == "inquiry.started")
        .unwrap();
    let mut forged = started.clone();
    forged.id = inquiry_lifecycle::EventId::of(inquiry_lifecycle_mirror::inquiry_of(started), 500);
    forged.created_at = at(600);
    let first = temp(
        "day1.json",
        &json!([delivery(
            approved,
            "wbhsec_old_0123456789",
            approved.created_at
        )])
        .to_string(),
    );
    let second = temp(
        "day2.json",
        &json!([delivery(&forged, SECRET, forged.created_at)]).to_string(),
    );
    let secrets = temp(
        "secrets.txt",
        &format!("wbhsec_old_0123456789\n\n{SECRET}\n"),
    );
    let output = mirror(&[
        "--secret-file",
        secrets.to_str().unwrap(),
        first.to_str().unwrap(),
        second.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let line: Value = serde_json::from_str(text(&output.stdout).trim()).unwrap();
    assert_eq!(line["status"], "approved");
    assert_eq!(line["needs_reconcile"], true);
    assert_eq!(line["last_event"], approved.id.to_string());
    assert!(
        text(&output.stderr).contains("day2.json[0]: needs reconcile:"),
        "{}",
        text(&output.stderr)
    );
}
