//! End to end over real HTTP on loopback: every endpoint of S1 and every refusal, with the
//! service's own codes (S2), idempotency (S3), inflections (W5) and the test clock (S5).

mod common;

use common::{call, create, error_code, post_raw, service, KEY};
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};

#[tokio::test]
async fn s1_create_resume_get_as_the_seed_shows() {
    let base = service().await;
    let (status, body, _) = call(
        Method::POST,
        &format!("{base}/api/v1/inquiries"),
        Some(json!({"data": {"attributes": {
            "reference-id": "user-4711",
            "expiration-after-create-interval-seconds": 3600,
        }}})),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let attributes = &body["data"]["attributes"];
    assert_eq!(attributes["status"], "created");
    assert_eq!(attributes["reference-id"], "user-4711");
    let id = body["data"]["id"].as_str().unwrap();
    let instant = |key: &str| {
        chrono::DateTime::parse_from_rfc3339(attributes[key].as_str().unwrap()).unwrap()
    };
    assert_eq!(
        (instant("expires-at") - instant("created-at")).num_seconds(),
        3600
    );

    // The seed's Step 1.
    let resume = format!("{base}/api/v1/inquiries/{id}/resume");
    let (status, body, _) = call(Method::POST, &resume, None, &[]).await;
    assert_eq!(status, StatusCode::OK);
    let token = body["meta"]["session-token"].as_str().unwrap();
    assert!(
        inquiry_lifecycle::SessionToken::parse(token).is_ok(),
        "{token}"
    );
    let sessions = &body["data"]["relationships"]["sessions"]["data"];
    assert_eq!(sessions.as_array().unwrap().len(), 1);

    let inquiry = format!("{base}/api/v1/inquiries/{id}");
    let (status, body, _) = call(Method::GET, &inquiry, None, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["id"], id);
    assert!(body.get("meta").is_none());

    let (status, body, _) = call(Method::GET, &format!("{inquiry}/sessions"), None, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"][0]["attributes"]["status"], "new");
    assert_eq!(body["data"][0]["attributes"]["kind"], "token");
    assert_eq!(
        body["data"][0]["relationships"]["inquiry"]["data"]["id"],
        id
    );
}

#[tokio::test]
async fn s1_every_action_endpoint_answers_the_inquiry() {
    let base = service().await;
    let url = |id: &str, action: &str| format!("{base}/api/v1/inquiries/{id}/{action}");

    let id = create(&base).await;
    let (status, body, _) =
        call(Method::POST, &url(&id, "generate-one-time-link"), None, &[]).await;
    assert_eq!(status, StatusCode::OK);
    let link = body["meta"]["one-time-link"].as_str().unwrap();
    let expected = format!("https://verify.example/verify?inquiry-id={id}&code=iqse_");
    assert!(link.starts_with(&expected), "{link}");

    for (action, status) in [
        ("expire", "expired"),
        ("mark-for-review", "needs_review"),
        ("approve", "approved"),
    ] {
        let (code, body, _) = call(Method::POST, &url(&id, action), None, &[]).await;
        assert_eq!(code, StatusCode::OK, "{action}: {body}");
        assert_eq!(body["data"]["attributes"]["status"], status, "{action}");
    }
    let other = create(&base).await;
    let (_, body, _) = call(Method::POST, &url(&other, "decline"), None, &[]).await;
    assert_eq!(body["data"]["attributes"]["status"], "declined");

    let inquiry = format!("{base}/api/v1/inquiries/{id}");
    let (status, body, _) = call(Method::DELETE, &inquiry, None, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["attributes"]["status"], "approved");
    assert!(body["data"]["attributes"]["redacted-at"].is_string());
}

#[tokio::test]
async fn s1_simulated_actions_apply_as_one_change_all_or_none() {
    let base = service().await;
    let id = create(&base).await;
    let url = format!("{base}/api/v1/inquiries/{id}/perform-simulate-actions");
    // The first refusal is answered and nothing is applied: start, then start again.
    let twice = json!({"meta": {"actions": ["start_inquiry", "start_inquiry"]}});
    let (status, body, _) = call(Method::POST, &url, Some(twice), &[]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(error_code(&body), "invalid_transition");
    let inquiry = format!("{base}/api/v1/inquiries/{id}");
    let (_, body, _) = call(Method::GET, &inquiry, None, &[]).await;
    assert_eq!(
        body["data"]["attributes"]["status"], "created",
        "nothing was applied"
    );

    let finish = json!({"meta": {"actions": ["start_inquiry", "complete_inquiry"]}});
    let (status, body, _) = call(Method::POST, &url, Some(finish), &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["attributes"]["status"], "completed");
    assert!(
        body["meta"]["session-token"].is_string(),
        "start_inquiry hands out a token"
    );

    for (bad, code) in [
        (
            json!({"meta": {"actions": ["fly_inquiry"]}}),
            "invalid_input",
        ),
        (json!({"actions": []}), "bad_request"),
        (json!([1, 2]), "bad_request"),
    ] {
        let (_, body, _) = call(Method::POST, &url, Some(bad), &[]).await;
        assert_eq!(error_code(&body), code, "{body}");
    }
}

#[tokio::test]
async fn s2_every_refusal_is_a_json_api_error_with_its_status_and_code() {
    let base = service().await;
    let id = create(&base).await;
    let inquiry = format!("{base}/api/v1/inquiries/{id}");

    // No key, a wrong key, another scheme.
    for authorization in [None, Some("Bearer wrong"), Some("Basic dGVzdA==")] {
        let mut request = Client::new().get(&inquiry);
        if let Some(value) = authorization {
            request = request.header("Authorization", value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_code(&body), "unauthorized");
    }
    // The second key works too.
    let response = Client::new()
        .get(&inquiry)
        .header("Authorization", "Bearer test_key_2")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);

    let missing = "inq_AAAAAAAAAAAAAAAAAAAAAAAA";
    let create_with = |attributes: Value| Some(json!({"data": {"attributes": attributes}}));
    let cases: Vec<(Method, String, Option<Value>, u16, &str)> = vec![
        (
            Method::GET,
            format!("{base}/api/v1/inquiries/{missing}"),
            None,
            404,
            "not_found",
        ),
        (
            Method::POST,
            format!("{base}/api/v1/inquiries/{missing}/resume"),
            None,
            404,
            "not_found",
        ),
        (
            Method::GET,
            format!("{base}/api/v1/inquiries/inq_bad"),
            None,
            422,
            "invalid_input",
        ),
        (
            Method::POST,
            format!("{base}/api/v1/inquiries"),
            create_with(json!({"session-token-expiration-seconds": 0})),
            422,
            "invalid_input",
        ),
        (
            Method::POST,
            format!("{base}/api/v1/inquiries"),
            create_with(json!({"reference-id": ""})),
            422,
            "invalid_input",
        ),
        (
            Method::POST,
            format!("{base}/api/v1/inquiries"),
            Some(json!({"data": 5})),
            400,
            "bad_request",
        ),
        (
            Method::GET,
            format!("{base}/api/v1/nothing-here"),
            None,
            404,
            "not_found",
        ),
        (
            Method::PUT,
            inquiry.clone(),
            None,
            405,
            "method_not_allowed",
        ),
        (
            Method::POST,
            format!("{base}/sandbox/clock"),
            Some(json!({"advance": "-1h"})),
            422,
            "invalid_input",
        ),
    ];
    for (method, url, body, status, code) in cases {
        let (got, answer, headers) = call(method.clone(), &url, body, &[]).await;
        assert_eq!(
            (got.as_u16(), error_code(&answer)),
            (status, code),
            "{method} {url}: {answer}"
        );
        assert_eq!(headers["content-type"], "application/json");
        assert_eq!(answer["errors"][0]["status"], status.to_string());
        assert!(answer["errors"][0]["detail"].as_str().unwrap().len() > 10);
    }

    // A body that is not JSON; a body over the limit.
    let post = |body: String| {
        Client::new()
            .post(format!("{base}/api/v1/inquiries"))
            .header("Authorization", format!("Bearer {KEY}"))
            .body(body)
            .send()
    };
    let response = post("{not json".to_owned()).await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = post("x".repeat(10_000)).await.unwrap();
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_code(&body), "payload_too_large");

    // The rules' refusals keep their own statuses and codes, and change nothing.
    let url = |action: &str| format!("{inquiry}/{action}");
    let _ = call(Method::POST, &url("approve"), None, &[]).await;
    let (status, body, _) = call(Method::POST, &url("resume"), None, &[]).await;
    assert_eq!((status.as_u16(), error_code(&body)), (409, "not_resumable"));
    assert!(body["errors"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("(T6, T7)"));
    let (status, body, _) = call(Method::POST, &url("decline"), None, &[]).await;
    assert_eq!(
        (status.as_u16(), error_code(&body)),
        (409, "decision_final")
    );
    let (_, body, _) = call(Method::GET, &inquiry, None, &[]).await;
    assert_eq!(body["data"]["attributes"]["status"], "approved");
}

/// A creation body is read by its shape: none, `{"data": …}` with an object of attributes
/// or nothing in it; anything else (an array, a string, attributes that are not an object)
/// is 400 `bad_request`, never an inquiry with defaults.
#[tokio::test]
async fn s1_a_creation_body_is_read_by_its_shape() {
    let base = service().await;
    let url = format!("{base}/api/v1/inquiries");
    let cases = [
        (json!([]), 400),
        (json!("data"), 400),
        (json!(5), 400),
        (json!({"data": {"attributes": 5}}), 400),
        (json!({"data": [1]}), 400),
        (json!({}), 201),
        (json!({"data": null}), 201),
        (json!({"data": {}}), 201),
        (json!({"data": {"attributes": null}}), 201),
        (json!({"data": {"attributes": {}}}), 201),
    ];
    for (body, expected) in cases {
        let (status, answer, _) = call(Method::POST, &url, Some(body.clone()), &[]).await;
        assert_eq!(status.as_u16(), expected, "{body}: {answer}");
        if expected == 400 {
            assert_eq!(error_code(&answer), "bad_request", "{body}: {answer}");
        }
    }
}

/// Issue 25, the audit's panic: an interval attribute beyond ±9,223,372,036,854,775 s
/// closed the connection with no answer ("TimeDelta::seconds out of bounds"). Every
/// interval member is checked where it is read: outside 1 s to 3650 d, or not a whole
/// number, it is 422 naming the member; `null` keeps the default.
#[tokio::test]
async fn e1_an_interval_attribute_out_of_range_is_422_naming_the_member() {
    let base = service().await;
    let url = format!("{base}/api/v1/inquiries");
    let members = [
        "expiration-after-create-interval-seconds",
        "expiration-after-start-interval-seconds",
        "expiration-after-resume-interval-seconds",
        "session-token-expiration-seconds",
        "one-time-link-expiration-seconds",
    ];
    let refused = [
        json!(9_223_372_036_854_775_807_i64),
        json!(-9_223_372_036_854_775_808_i64),
        json!(9_223_372_036_854_776_i64),
        json!(18_446_744_073_709_551_615_u64),
        json!(315_360_001),
        json!(0),
        json!(-1),
        json!(1.5),
        json!(1e300),
        json!("600"),
        json!(true),
        json!([600]),
        json!({"seconds": 600}),
    ];
    for member in members {
        for value in &refused {
            let body = json!({"data": {"attributes": {member: value}}});
            let (status, answer, _) = call(Method::POST, &url, Some(body), &[]).await;
            assert_eq!(
                (status.as_u16(), error_code(&answer)),
                (422, "invalid_input"),
                "{member} = {value}: {answer}"
            );
            let detail = answer["errors"][0]["detail"].as_str().unwrap();
            assert!(
                detail.contains(&format!("data.attributes.{member}")),
                "{detail}"
            );
        }
        for value in [json!(null), json!(1), json!(315_360_000)] {
            let body = json!({"data": {"attributes": {member: value}}});
            let (status, answer, _) = call(Method::POST, &url, Some(body), &[]).await;
            assert_eq!(status.as_u16(), 201, "{member} = {value}: {answer}");
        }
    }
}

/// S3: an `Idempotency-Key` is 1 to 255 visible ASCII characters; an empty or longer one
/// is 400 and nothing is created.
#[tokio::test]
async fn s3_an_idempotency_key_is_1_to_255_characters() {
    let base = service().await;
    let url = format!("{base}/api/v1/inquiries");
    let longest = "k".repeat(255);
    let (status, answer, _) =
        call(Method::POST, &url, None, &[("Idempotency-Key", &longest)]).await;
    assert_eq!(status.as_u16(), 201, "{answer}");
    for key in [String::new(), "k".repeat(256)] {
        let (status, answer, _) =
            call(Method::POST, &url, None, &[("Idempotency-Key", &key)]).await;
        assert_eq!(
            (status.as_u16(), error_code(&answer)),
            (400, "bad_request"),
            "a key of {} characters: {answer}",
            key.len()
        );
    }
}

#[tokio::test]
async fn s3_a_retry_with_the_same_key_replays_without_secrets() {
    let base = service().await;
    let id = create(&base).await;
    let inquiry = format!("{base}/api/v1/inquiries/{id}");
    let url = format!("{inquiry}/resume");
    let key = [("Idempotency-Key", "resume-1")];
    let (status, first, headers) = call(Method::POST, &url, None, &key).await;
    assert_eq!(status, StatusCode::OK);
    assert!(first["meta"]["session-token"].is_string());
    assert!(headers.get("idempotent-replayed").is_none());

    let (status, again, headers) = call(Method::POST, &url, None, &key).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["idempotent-replayed"], "true");
    assert_eq!(again["data"], first["data"], "the first outcome, unchanged");
    // A replay is the kept document rendered anew, in the retry's inflection.
    let camel = [("Idempotency-Key", "resume-1"), ("Key-Inflection", "camel")];
    let (status, in_camel, _) = call(Method::POST, &url, None, &camel).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        in_camel["data"]["attributes"]["createdAt"],
        first["data"]["attributes"]["created-at"]
    );
    assert!(
        again.get("meta").is_none(),
        "no secret in a replay: {again}"
    );
    let (_, sessions, _) = call(Method::GET, &format!("{inquiry}/sessions"), None, &[]).await;
    assert_eq!(
        sessions["data"].as_array().unwrap().len(),
        1,
        "the replay changed nothing"
    );

    // The same key with another request.
    let (status, body, _) = call(Method::POST, &format!("{inquiry}/expire"), None, &key).await;
    assert_eq!(
        (status.as_u16(), error_code(&body)),
        (422, "idempotency_conflict")
    );
    // A refusal is replayed too.
    let other = create(&base).await;
    let other = format!("{base}/api/v1/inquiries/{other}");
    let _ = call(Method::POST, &format!("{other}/approve"), None, &[]).await;
    let refused_key = [("Idempotency-Key", "resume-approved")];
    let url = format!("{other}/resume");
    let (first, _, _) = call(Method::POST, &url, None, &refused_key).await;
    let (again, body, headers) = call(Method::POST, &url, None, &refused_key).await;
    assert_eq!((first.as_u16(), again.as_u16()), (409, 409));
    assert_eq!(error_code(&body), "not_resumable");
    assert_eq!(headers["idempotent-replayed"], "true");
}

/// S3, what the audit found: an unreadable request's 400 is not kept (the corrected request
/// with the same key runs); the same JSON spelled differently (re-indented, members in
/// another order) is the same request (replayed, not `idempotency_conflict`).
#[tokio::test]
async fn s3_a_malformed_request_frees_its_key_and_json_counts_by_value() {
    let base = service().await;
    let create = format!("{base}/api/v1/inquiries");
    let key = [("Idempotency-Key", "create-1")];
    let (status, body, _) = post_raw(&create, "{\"data\": ", &key).await;
    assert_eq!((status.as_u16(), error_code(&body)), (400, "bad_request"));
    let first = r#"{"data": {"attributes": {"reference-id": "user-1", "expiration-after-create-interval-seconds": 600}}}"#;
    let (status, created, headers) = post_raw(&create, first, &key).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert!(headers.get("idempotent-replayed").is_none());
    let respelled = "{\n  \"data\": {\n    \"attributes\": {\n      \"expiration-after-create-interval-seconds\": 600,\n      \"reference-id\": \"user-1\"\n    }\n  }\n}";
    let (status, again, headers) = post_raw(&create, respelled, &key).await;
    assert_eq!(status, StatusCode::CREATED, "{again}");
    assert_eq!(headers["idempotent-replayed"], "true");
    assert_eq!(again["data"]["id"], created["data"]["id"]);
    // Another value is another request.
    let other = r#"{"data": {"attributes": {"reference-id": "user-2"}}}"#;
    let (status, body, _) = post_raw(&create, other, &key).await;
    assert_eq!(
        (status.as_u16(), error_code(&body)),
        (422, "idempotency_conflict")
    );
}

/// S3 on the endpoints that change no inquiry: a retried clock move with its key moves the
/// clock once, and a retried redrive answers as the first did.
#[tokio::test]
async fn s3_a_retried_clock_move_moves_the_clock_once() {
    let base = service().await;
    let clock = format!("{base}/sandbox/clock");
    let key = [("Idempotency-Key", "advance-1")];
    let advance = json!({"advance": "1h"});
    let (status, first, _) = call(Method::POST, &clock, Some(advance.clone()), &key).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let (status, again, headers) = call(Method::POST, &clock, Some(advance), &key).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(headers["idempotent-replayed"], "true");
    assert_eq!(again["now"], first["now"]);
    // The clock moved once: an unkeyed hour lands one hour after the first answer.
    let (_, later, _) = call(Method::POST, &clock, Some(json!({"advance": "1h"})), &[]).await;
    let at =
        |body: &Value| chrono::DateTime::parse_from_rfc3339(body["now"].as_str().unwrap()).unwrap();
    assert_eq!(at(&later) - at(&first), chrono::TimeDelta::hours(1));

    let redrive = format!("{base}/api/v1/webhooks/parked/redrive");
    let key = [("Idempotency-Key", "redrive-1")];
    let (_, first, _) = call(Method::POST, &redrive, None, &key).await;
    let (_, again, headers) = call(Method::POST, &redrive, None, &key).await;
    assert_eq!(headers["idempotent-replayed"], "true");
    assert_eq!(again, first);
}

#[tokio::test]
async fn w5_key_inflection_switches_every_key() {
    let base = service().await;
    let id = create(&base).await;
    let inquiry = format!("{base}/api/v1/inquiries/{id}");
    let camel = [("Key-Inflection", "camel")];
    let (_, body, _) = call(Method::POST, &format!("{inquiry}/resume"), None, &camel).await;
    assert!(
        body["data"]["attributes"]["createdAt"].is_string(),
        "{body}"
    );
    assert!(body["meta"]["sessionToken"].is_string());
    let (_, body, _) = call(Method::GET, &inquiry, None, &[("Key-Inflection", "snake")]).await;
    assert!(body["data"]["attributes"]["marked_for_review_at"].is_null());
    assert!(body["data"]["attributes"]
        .get("marked-for-review-at")
        .is_none());
    let (status, body, _) =
        call(Method::GET, &inquiry, None, &[("Key-Inflection", "pascal")]).await;
    assert_eq!((status.as_u16(), error_code(&body)), (400, "bad_request"));
}

#[tokio::test]
async fn s5_the_test_clock_crosses_a_deadline_in_a_request() {
    let base = service().await;
    let id = create(&base).await;
    let clock = format!("{base}/sandbox/clock");
    let (status, body, _) = call(Method::POST, &clock, Some(json!({"advance": "25h"})), &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let now = body["now"].as_str().unwrap().to_owned();
    let inquiry = format!("{base}/api/v1/inquiries/{id}");
    let (_, body, _) = call(Method::GET, &inquiry, None, &[]).await;
    let attributes = &body["data"]["attributes"];
    assert_eq!(attributes["status"], "expired");
    // Recorded at the deadline (E4), 24 h after creation, not when the clock moved.
    assert_eq!(attributes["expired-at"], attributes["updated-at"]);
    assert_ne!(attributes["expired-at"], now.as_str());

    // Backwards is refused; an instant ahead is accepted.
    let back = json!({"now": "2000-01-01T00:00:00Z"});
    let (status, body, _) = call(Method::POST, &clock, Some(back), &[]).await;
    assert_eq!((status.as_u16(), error_code(&body)), (422, "invalid_input"));
    // The audit: 9999-12-31 was accepted, and every create and action failed after it
    // for good. Past the last instant inquiries record, the clock refuses to move.
    let end = json!({"now": "9999-12-31T23:59:59Z"});
    let (status, body, _) = call(Method::POST, &clock, Some(end), &[]).await;
    assert_eq!((status.as_u16(), error_code(&body)), (422, "invalid_input"));
    assert!(body["errors"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("cannot move past"));
    let ahead = json!({"now": "2999-01-01T00:00:00Z"});
    let (status, _, _) = call(Method::POST, &clock, Some(ahead.clone()), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(create_status(&base).await, 201, "the service still creates");
    // Standing still is not moving backwards: the instant it shows is accepted.
    let (status, body, _) = call(Method::POST, &clock, Some(ahead), &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The last instant inquiries record is the last the clock reaches.
    let last = inquiry_lifecycle::LATEST_NOW.to_rfc3339();
    let (status, body, _) = call(Method::POST, &clock, Some(json!({ "now": last })), &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Issue 25, item 2: anyone who reached the port could move the clock and expire every
/// inquiry. Without an API key (or with a wrong one) a move is 401 and the clock stays.
#[tokio::test]
async fn s5_only_a_client_with_an_api_key_moves_the_test_clock() {
    let base = service().await;
    let id = create(&base).await;
    let clock = format!("{base}/sandbox/clock");
    for authorization in [None, Some("Bearer not_a_key")] {
        let mut request = Client::new().post(&clock).json(&json!({"advance": "25h"}));
        if let Some(value) = authorization {
            request = request.header("Authorization", value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{authorization:?}"
        );
    }
    let (_, body, _) = call(
        Method::GET,
        &format!("{base}/api/v1/inquiries/{id}"),
        None,
        &[],
    )
    .await;
    assert_eq!(
        body["data"]["attributes"]["status"], "created",
        "the clock did not move"
    );
}

async fn create_status(base: &str) -> u16 {
    let (status, _, _) = call(Method::POST, &format!("{base}/api/v1/inquiries"), None, &[]).await;
    status.as_u16()
}

/// One vocabulary: every code the service answers is an `ApiCode` with one status, which
/// its wire name reads back to; the service's own codes and their statuses are S2's.
#[test]
fn every_code_has_one_status_and_reads_back_from_its_name() {
    use inquiry_lifecycle::ErrorCode;
    use inquiry_lifecycle_server::ApiCode;
    let service: Vec<(&str, u16, bool)> = ApiCode::SERVICE
        .iter()
        .map(|code| (code.as_str(), code.status(), code.is_retryable()))
        .collect();
    assert_eq!(
        service,
        [
            ("unauthorized", 401, false),
            ("not_found", 404, false),
            ("method_not_allowed", 405, false),
            ("bad_request", 400, false),
            ("idempotency_conflict", 422, false),
            ("conflict", 409, true),
            ("payload_too_large", 413, false),
            ("request_timeout", 408, true),
            ("corrupt_record", 500, false),
            ("internal", 500, true),
            ("unavailable", 503, true),
        ]
    );
    for code in ApiCode::SERVICE
        .into_iter()
        .chain(ErrorCode::ALL.map(ApiCode::Lifecycle))
    {
        assert_eq!(code.as_str().parse::<ApiCode>().unwrap(), code);
        assert_eq!(code.to_string(), code.as_str());
    }
    for code in ErrorCode::ALL {
        assert_eq!(ApiCode::Lifecycle(code).status(), code.http_status());
        assert!(!ApiCode::Lifecycle(code).is_retryable());
    }
    assert!("no_such_code".parse::<ApiCode>().is_err());
}

/// Issue 25, item 5: every JSON answer is `Cache-Control: no-store` (answers carry
/// session tokens, one-time links and reference ids) and `X-Content-Type-Options: nosniff`,
/// successes and refusals alike.
#[tokio::test]
async fn s2_json_answers_are_no_store_and_nosniff() {
    let base = service().await;
    let id = create(&base).await;
    let inquiry = format!("{base}/api/v1/inquiries/{id}");
    let answers = [
        call(Method::POST, &format!("{base}/api/v1/inquiries"), None, &[]).await,
        call(Method::POST, &format!("{inquiry}/resume"), None, &[]).await,
        call(
            Method::POST,
            &format!("{inquiry}/generate-one-time-link"),
            None,
            &[],
        )
        .await,
        call(Method::GET, &inquiry, None, &[]).await,
        call(Method::GET, &format!("{base}/api/v1/nothing"), None, &[]).await,
        call(Method::POST, &format!("{inquiry}/approve"), None, &[]).await,
        call(Method::POST, &format!("{inquiry}/resume"), None, &[]).await,
    ];
    for (status, body, headers) in answers {
        assert_eq!(headers["cache-control"], "no-store", "{status}: {body}");
        assert_eq!(
            headers["x-content-type-options"], "nosniff",
            "{status}: {body}"
        );
    }
}

/// Issue 25, item 5: the bearer scheme is case-insensitive (RFC 7235); anything but
/// `<scheme> <key>` with the right key is 401.
#[tokio::test]
async fn s2_the_bearer_scheme_is_case_insensitive() {
    let base = service().await;
    let url = format!("{base}/api/v1/inquiries");
    for (authorization, expected) in [
        (format!("Bearer {KEY}"), 201),
        (format!("bearer {KEY}"), 201),
        (format!("BEARER {KEY}"), 201),
        (format!("Bearer  {KEY} "), 201),
        (format!("Bearer{KEY}"), 401),
        (format!("Basic {KEY}"), 401),
        (format!("Bearers {KEY}"), 401),
        (KEY.to_owned(), 401),
    ] {
        let response = Client::new()
            .post(&url)
            .header("Authorization", &authorization)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), expected, "{authorization:?}");
    }
}

/// Issue 25, item 5: an unreadable `Key-Inflection` is answered only to a client with a
/// key; without one the answer is 401, in the inflection asked for when it is readable.
#[tokio::test]
async fn w5_an_unreadable_inflection_is_answered_after_authentication() {
    let base = service().await;
    let url = format!("{base}/api/v1/inquiries");
    let send = |authorization: Option<String>, inflection: &'static str| {
        let mut request = Client::new()
            .post(&url)
            .header("Key-Inflection", inflection);
        if let Some(value) = authorization {
            request = request.header("Authorization", value);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.json::<Value>().await.unwrap())
        }
    };
    let (status, body) = send(None, "shouting").await;
    assert_eq!((status, error_code(&body)), (401, "unauthorized"), "{body}");
    let (status, body) = send(Some(format!("Bearer {KEY}")), "shouting").await;
    assert_eq!((status, error_code(&body)), (400, "bad_request"), "{body}");
    assert!(body["errors"][0]["detail"]
        .as_str()
        .unwrap()
        .contains("Key-Inflection"));
    // A readable inflection without a key is 401 as well.
    let (status, body) = send(None, "snake").await;
    assert_eq!((status, error_code(&body)), (401, "unauthorized"), "{body}");
}

/// Issue 25, item 7: a `reference-id` with a bidirectional override or a zero-width
/// character is 422 naming the member and the code point; nothing is created.
#[tokio::test]
async fn s1_a_reference_id_with_an_invisible_character_is_refused() {
    let base = service().await;
    let url = format!("{base}/api/v1/inquiries");
    for (reference, named) in [("user-\u{202E}1234", "U+202E"), ("user\u{200B}1", "U+200B")] {
        let body = json!({"data": {"attributes": {"reference-id": reference}}});
        let (status, answer, _) = call(Method::POST, &url, Some(body), &[]).await;
        assert_eq!(
            (status.as_u16(), error_code(&answer)),
            (422, "invalid_input"),
            "{answer}"
        );
        let detail = answer["errors"][0]["detail"].as_str().unwrap();
        assert!(detail.contains("data.attributes.reference-id"), "{detail}");
        assert!(detail.contains(named), "{detail}");
    }
}
