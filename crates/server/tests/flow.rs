//! S6 over real HTTP: the hosted page and the person's two endpoints, which take no API
//! key (the token or code is the credential) and answer the access table's refusals.

mod common;

use common::{advance, call, create, error_code, service};
use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};

/// A call as the person's browser makes it: no API key.
async fn person(url: &str, token: Option<&str>, body: Option<Value>) -> (StatusCode, Value) {
    let mut request = Client::new().post(url);
    if let Some(token) = token {
        request = request.header("Session-Token", token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap())
}

async fn resume(base: &str, id: &str) -> String {
    let url = format!("{base}/api/v1/inquiries/{id}/resume");
    let (status, body, _) = call(Method::POST, &url, None, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["meta"]["session-token"].as_str().unwrap().to_owned()
}

/// Starts the inquiry (T2, the vendor's sandbox `start_inquiry`): pending, with a token.
async fn start(base: &str, id: &str) -> String {
    let url = format!("{base}/api/v1/inquiries/{id}/perform-simulate-actions");
    let actions = json!({"meta": {"actions": ["start_inquiry"]}});
    let (status, body, _) = call(Method::POST, &url, Some(actions), &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["meta"]["session-token"].as_str().unwrap().to_owned()
}

async fn session_statuses(base: &str, id: &str) -> Vec<String> {
    let url = format!("{base}/api/v1/inquiries/{id}/sessions");
    let (_, body, _) = call(Method::GET, &url, None, &[]).await;
    body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|session| session["attributes"]["status"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn s6_the_page_is_served_without_a_key_and_never_reflects_the_address() {
    let base = service().await;
    let secret = "iqse_AAAAAAAAAAAAAAAAAAAAAAAA.this-must-not-come-back";
    let response = Client::new()
        .get(format!(
            "{base}/verify?inquiry-id=inq_AAAAAAAAAAAAAAAAAAAAAAAA&session-token={secret}"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(headers["cache-control"], "no-store");
    assert_eq!(headers["referrer-policy"], "no-referrer");
    let policy = headers["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    let page = response.text().await.unwrap();
    assert!(!page.contains("must-not-come-back"), "{page}");
    assert!(page.contains("<script src=\"/verify.js\""), "{page}");

    for (path, kind) in [
        ("/verify.js", "text/javascript"),
        ("/verify.css", "text/css"),
    ] {
        let response = Client::new()
            .get(format!("{base}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let content_type = response.headers()["content-type"].to_str().unwrap();
        assert!(content_type.starts_with(kind), "{path}: {content_type}");
    }
    // The script moves the secret out of the address bar (S6).
    let script = Client::new()
        .get(format!("{base}/verify.js"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(script.contains("sessionStorage.setItem"));
    assert!(script.contains("history.replaceState"));
}

#[tokio::test]
async fn s6_access_follows_the_access_table() {
    let base = service().await;
    let id = create(&base).await;
    let access = format!("{base}/flow/inquiries/{id}/access");

    // Created: anyone with the link (A1), nothing changes. Issue 25, item 4: the answer
    // holds what the page shows and nothing else of the resource (no reference-id, no
    // session ids), since no credential was needed.
    let (status, body) = person(&access, None, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        serde_json::json!({"data": {"type": "inquiry", "id": id, "attributes": {"status": "created"}}})
    );

    let token = start(&base, &id).await;
    assert_eq!(session_statuses(&base, &id).await, ["new"]);
    let (status, body) = person(&access, Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["data"]["attributes"]["status"], "pending");
    assert!(
        !body.to_string().contains(&token),
        "the token is never echoed"
    );
    assert_eq!(session_statuses(&base, &id).await, ["active"]); // A3: first use

    // The seed's second situation: a new window has no token.
    let (status, body) = person(&access, None, None).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNAUTHORIZED, "session_required")
    );
    for wrong in ["", "not a token", "iqse_AAAAAAAAAAAAAAAAAAAAAAAA.forged"] {
        let (status, body) = person(&access, Some(wrong), None).await;
        assert_eq!(
            (status, error_code(&body)),
            (StatusCode::UNAUTHORIZED, "invalid_token"),
            "{wrong:?}"
        );
    }
    // A token of another inquiry opens nothing here.
    let other = create(&base).await;
    let other_token = start(&base, &other).await;
    let (status, body) = person(&access, Some(&other_token), None).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNAUTHORIZED, "invalid_token")
    );
    // A resume issues a new token; the first session's still opens (S4b), until expiry.
    let second = resume(&base, &id).await;
    let (status, _) = person(&access, Some(&second), None).await;
    assert_eq!(status, StatusCode::OK);

    // Past the deadline: expired, whatever the token.
    advance(&base, "25h").await;
    let (status, body) = person(&access, Some(&second), None).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::GONE, "inquiry_expired")
    );

    // Finished: nobody opens it any more.
    let done = create(&base).await;
    let token = start(&base, &done).await;
    let url = format!("{base}/api/v1/inquiries/{done}/perform-simulate-actions");
    let actions = json!({"meta": {"actions": ["complete_inquiry"]}});
    let (status, body, _) = call(Method::POST, &url, Some(actions), &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let url = format!("{base}/flow/inquiries/{done}/access");
    let (status, body) = person(&url, Some(&token), None).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::FORBIDDEN, "inquiry_finished")
    );

    // Redacted, and ids that are no inquiry.
    let (status, _, _) = call(
        Method::DELETE,
        &format!("{base}/api/v1/inquiries/{done}"),
        None,
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = person(&url, None, None).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::CONFLICT, "redacted")
    );
    let missing = format!("{base}/flow/inquiries/inq_AAAAAAAAAAAAAAAAAAAAAAAA/access");
    let (status, body) = person(&missing, None, None).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::NOT_FOUND, "not_found")
    );
    let (status, body) = person(&format!("{base}/flow/inquiries/nope/access"), None, None).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid_input")
    );
}

#[tokio::test]
async fn s6_a_one_time_link_is_redeemed_for_a_token_once() {
    let base = service().await;
    let id = create(&base).await;
    let url = format!("{base}/api/v1/inquiries/{id}/generate-one-time-link");
    let (status, body, _) = call(Method::POST, &url, None, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let link = body["meta"]["one-time-link"].as_str().unwrap();
    let code = link.split("&code=").nth(1).unwrap().to_owned();
    let redeem = format!("{base}/flow/inquiries/{id}/redeem");
    let access = format!("{base}/flow/inquiries/{id}/access");

    let (status, body) = person(&redeem, None, Some(json!({"code": code}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body.as_object().unwrap().len(), 1, "only meta: {body}");
    let token = body["meta"]["session-token"].as_str().unwrap().to_owned();
    let (status, body) = person(&access, Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(session_statuses(&base, &id).await, ["active"]);

    // Within the grace a repeat hands out a fresh token (L3); after it, link_used.
    let (status, body) = person(&redeem, None, Some(json!({"code": code}))).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_ne!(body["meta"]["session-token"], token.as_str());
    advance(&base, "6m").await;
    let (status, body) = person(&redeem, None, Some(json!({"code": code}))).await;
    assert_eq!((status, error_code(&body)), (StatusCode::GONE, "link_used"));

    // Bad bodies and codes.
    for (body, expected) in [
        (json!({}), (StatusCode::BAD_REQUEST, "bad_request")),
        (json!({"code": 7}), (StatusCode::BAD_REQUEST, "bad_request")),
        (
            json!({"code": "nonsense"}),
            (StatusCode::UNAUTHORIZED, "invalid_token"),
        ),
        (
            json!({"code": "iqse_AAAAAAAAAAAAAAAAAAAAAAAA.forged"}),
            (StatusCode::UNAUTHORIZED, "invalid_token"),
        ),
    ] {
        let (status, answer) = person(&redeem, None, Some(body.clone())).await;
        assert_eq!((status, error_code(&answer)), expected, "{body}");
    }
    let response = Client::new()
        .post(&redeem)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}
