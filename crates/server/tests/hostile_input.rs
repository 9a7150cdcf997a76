//! Issue 25: no request reaches a panic. Every member of every request body, every query
//! parameter and every path segment of every endpoint gets arbitrary JSON values (huge,
//! negative, fractional, wrong types, nested) and arbitrary text: the answer is always a
//! JSON document with a documented status (S2's table), never a dropped connection and
//! never a 5xx. 256 cases per property unless `PROPTEST_CASES` says otherwise.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::Method;
use serde_json::{json, Value};

mod common;

use common::{create, service};

/// The statuses S2 documents for the service's answers, successes included.
const DOCUMENTED: [u16; 12] = [200, 201, 400, 401, 403, 404, 405, 409, 410, 413, 415, 422];

/// Any JSON value: the numbers at and beyond every edge (i64, u64, f64, the 2^53 of
/// JavaScript, the seconds a `TimeDelta` holds), strings of any characters or of
/// durations and instants, and arrays and objects of them.
fn json_value() -> impl Strategy<Value = Value> {
    let number = prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(Value::from),
        prop::sample::select(vec![
            json!(0),
            json!(-1),
            json!(1),
            json!(9_223_372_036_854_775_807_i64),
            json!(-9_223_372_036_854_775_808_i64),
            json!(18_446_744_073_709_551_615_u64),
            json!(9_223_372_036_854_776_i64),
            json!(-9_223_372_036_854_776_i64),
            json!(9_007_199_254_740_993_u64),
            json!(315_360_001),
            json!(0.5),
            json!(-0.0),
            json!(1e308),
        ]),
    ];
    let text = prop_oneof![
        any::<String>(),
        "[0-9]{1,25}[dhms]{0,2}",
        "-?[0-9]{1,6}h",
        "[0-9]{4,6}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,12})?(Z|[+-][0-9]{2}:[0-9]{2})",
        "(start|complete|fail|expire|approve|decline|mark_for_review)_inquiry",
        "(inq|evt|iss)_[A-Za-z0-9]{0,30}",
    ]
    .prop_map(Value::from);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        number,
        text,
    ];
    let nested = leaf.clone().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z-]{0,12}", inner, 0..4)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    });
    // Mostly a plain value, where a member's own checks are tried; sometimes a nested one.
    prop_oneof![3 => leaf, 1 => nested]
}

/// Where a value goes: a body built around it, on an endpoint.
#[derive(Debug, Clone)]
enum Placement {
    /// `POST /api/v1/inquiries` with `{"data": {"attributes": {member: v}}}`.
    CreateMember(&'static str),
    /// `POST /api/v1/inquiries` with `v`, `{"data": v}` or `{"data": {"attributes": v}}`.
    CreateShape(u8),
    /// `POST …/perform-simulate-actions` with `v`, `{"meta": v}`, `{"meta": {"actions": v}}`
    /// or `{"meta": {"actions": [v]}}`.
    Simulate(u8),
    /// `POST /sandbox/clock` with `v`, `{"advance": v}` or `{"now": v}`.
    Clock(u8),
    /// `POST /flow/…/redeem` with `v` or `{"code": v}`.
    Redeem(u8),
    /// An action endpoint (its body is not read) with `v` as its body.
    Action(&'static str),
}

const CREATE_MEMBERS: [&str; 8] = [
    "reference-id",
    "expiration-after-create-interval-seconds",
    "expiration-after-start-interval-seconds",
    "expiration-after-resume-interval-seconds",
    "session-token-expiration-seconds",
    "one-time-link-expiration-seconds",
    "referenceId",
    "one_time_link_expiration_seconds",
];

const ACTIONS: [&str; 7] = [
    "resume",
    "expire",
    "approve",
    "decline",
    "mark-for-review",
    "generate-one-time-link",
    "perform-simulate-actions",
];

fn placement() -> impl Strategy<Value = Placement> {
    prop_oneof![
        prop::sample::select(CREATE_MEMBERS.to_vec()).prop_map(Placement::CreateMember),
        (0u8..3).prop_map(Placement::CreateShape),
        (0u8..4).prop_map(Placement::Simulate),
        (0u8..3).prop_map(Placement::Clock),
        (0u8..2).prop_map(Placement::Redeem),
        prop::sample::select(ACTIONS.to_vec()).prop_map(Placement::Action),
    ]
}

/// The request a placement makes of `value`, on the inquiry `id`.
fn request(base: &str, id: &str, placement: &Placement, value: Value) -> (String, Value) {
    let inquiry = format!("{base}/api/v1/inquiries/{id}");
    match *placement {
        Placement::CreateMember(member) => (
            format!("{base}/api/v1/inquiries"),
            json!({"data": {"attributes": {member: value}}}),
        ),
        Placement::CreateShape(shape) => (
            format!("{base}/api/v1/inquiries"),
            match shape {
                0 => value,
                1 => json!({ "data": value }),
                _ => json!({"data": {"attributes": value}}),
            },
        ),
        Placement::Simulate(shape) => (
            format!("{inquiry}/perform-simulate-actions"),
            match shape {
                0 => value,
                1 => json!({ "meta": value }),
                2 => json!({"meta": {"actions": value}}),
                _ => json!({"meta": {"actions": [value]}}),
            },
        ),
        Placement::Clock(shape) => (
            format!("{base}/sandbox/clock"),
            match shape {
                0 => value,
                1 => json!({ "advance": value }),
                _ => json!({ "now": value }),
            },
        ),
        Placement::Redeem(shape) => (
            format!("{base}/flow/inquiries/{id}/redeem"),
            match shape {
                0 => value,
                _ => json!({ "code": value }),
            },
        ),
        Placement::Action(action) => (format!("{inquiry}/{action}"), value),
    }
}

/// Sends one request; the status, after checking that the answer came, has a documented
/// status and is a JSON document (an error with a code, or data).
async fn judged(
    http: &reqwest::Client,
    method: Method,
    url: &str,
    body: Option<String>,
    headers: &[(&str, &str)],
) -> Result<u16, String> {
    let mut request = http
        .request(method.clone(), url)
        .header("Authorization", format!("Bearer {}", common::KEY));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request
            .header("Content-Type", "application/json")
            .body(body);
    }
    let response = request
        .send()
        .await
        .map_err(|error| format!("{method} {url}: no answer ({error})"))?;
    let status = response.status().as_u16();
    let text = response
        .text()
        .await
        .map_err(|error| format!("{method} {url}: the answer was cut ({error})"))?;
    if !DOCUMENTED.contains(&status) {
        return Err(format!(
            "{method} {url}: undocumented status {status}: {text}"
        ));
    }
    let document: Value = serde_json::from_str(&text)
        .map_err(|_| format!("{method} {url}: {status} is not JSON: {text:?}"))?;
    let is_error = status >= 400;
    let well_formed = if is_error {
        document["errors"][0]["code"].is_string()
    } else {
        !document.is_null()
    };
    if !well_formed {
        return Err(format!(
            "{method} {url}: {status} is not a document: {text}"
        ));
    }
    Ok(status)
}

fn runner() -> TestRunner {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256);
    TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    })
}

/// Every body member of every endpoint that reads a body, and every action endpoint's
/// body, with any JSON value.
#[test]
fn any_value_in_any_member_is_answered_with_a_documented_status() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let (base, id) = runtime.block_on(async {
        let base = service().await;
        let id = create(&base).await;
        (base, id)
    });
    let http = reqwest::Client::new();
    let seen = std::cell::RefCell::new(std::collections::BTreeMap::<u16, usize>::new());
    runner()
        .run(&(placement(), json_value()), |(placement, value)| {
            let (url, body) = request(&base, &id, &placement, value);
            let status = runtime
                .block_on(judged(
                    &http,
                    Method::POST,
                    &url,
                    Some(body.to_string()),
                    &[],
                ))
                .map_err(TestCaseError::fail)?;
            *seen.borrow_mut().entry(status).or_default() += 1;
            Ok(())
        })
        .unwrap();
    let seen = seen.into_inner();
    println!("answered by status: {seen:?}");
    assert!(
        seen.contains_key(&201) && seen.contains_key(&422),
        "{seen:?}"
    );
}

/// Any text in every query parameter, path segment and header the service reads: the
/// parked page's `page[size]` and `page[after]`, an inquiry's and an event's id, the
/// flow's `Session-Token`, `Idempotency-Key` and `Key-Inflection`.
#[test]
fn any_text_in_any_parameter_is_answered_with_a_documented_status() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let base = runtime.block_on(service());
    let http = reqwest::Client::new();
    let text = prop_oneof![
        any::<String>(),
        "[0-9]{1,25}",
        "-[0-9]{1,20}",
        "[0-9]\\.[0-9]",
        "(inq|evt)_[A-Za-z0-9]{0,30}",
        "[ -~]{0,300}",
    ];
    // Percent-encoded, so that any text reaches the service as one parameter.
    let encode = |text: &str| -> String {
        text.bytes()
            .map(|byte| match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    char::from(byte).to_string()
                }
                _ => format!("%{byte:02X}"),
            })
            .collect()
    };
    runner()
        .run(&(0u8..7, text), |(which, text)| {
            let parameter = encode(&text);
            let visible = text.chars().all(|c| (' '..='~').contains(&c));
            let (method, url, headers): (Method, String, Vec<(&str, &str)>) = match which {
                0 => (
                    Method::GET,
                    format!("{base}/api/v1/webhooks/parked?page[size]={parameter}"),
                    vec![],
                ),
                1 => (
                    Method::GET,
                    format!("{base}/api/v1/webhooks/parked?page[after]={parameter}"),
                    vec![],
                ),
                2 => (
                    Method::GET,
                    format!("{base}/api/v1/inquiries/{parameter}"),
                    vec![],
                ),
                3 => (
                    Method::POST,
                    format!("{base}/api/v1/webhooks/parked/{parameter}/redrive"),
                    vec![],
                ),
                // Headers carry visible ASCII only; other text is the test's to skip.
                4 if visible => (
                    Method::POST,
                    format!("{base}/flow/inquiries/inq_AAAAAAAAAAAAAAAAAAAAAAAA/access"),
                    vec![("Session-Token", text.as_str())],
                ),
                5 if visible => (
                    Method::POST,
                    format!("{base}/api/v1/inquiries"),
                    vec![("Idempotency-Key", text.as_str())],
                ),
                6 if visible => (
                    Method::POST,
                    format!("{base}/api/v1/inquiries"),
                    vec![("Key-Inflection", text.as_str())],
                ),
                _ => return Ok(()),
            };
            runtime
                .block_on(judged(&http, method, &url, None, &headers))
                .map_err(TestCaseError::fail)?;
            Ok(())
        })
        .unwrap();
}
