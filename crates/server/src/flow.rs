//! S6: the hosted flow, for the person. No API key: the session token or the link code is
//! the credential. `GET /verify` serves a small page whose script keeps the secret in the
//! window's `sessionStorage` and calls the two endpoints below; every answer is a W1
//! document, a `meta` with a token, or a W4 refusal with the rule book's code.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use inquiry_lifecycle::{Error, InquiryId, LinkCode, SessionToken};
use inquiry_lifecycle_store::act_rendering;
use inquiry_lifecycle_wire::Inflection;
use serde_json::Value;

use crate::api::ATTEMPTS;
use crate::error::{ok_json, ApiError};
use crate::webhooks::WireRender;
use crate::App;

/// The header the page sends its session token in.
pub const SESSION_TOKEN_HEADER: &str = "session-token";

const PAGE: &str = include_str!("../assets/verify.html");
const SCRIPT: &str = include_str!("../assets/verify.js");
const STYLE: &str = include_str!("../assets/verify.css");

/// What every asset of the page is sent with: never cached (the address may have carried
/// a secret), never sent as a referrer, only its own script and style (no inline code, so
/// nothing the address carries can run).
fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// `GET /verify?inquiry-id=inq_…[&session-token=…|&code=…]`: the page. It is the same for
/// every inquiry (nothing from the address is written into it); its script reads the
/// address.
pub async fn page() -> Response {
    asset("text/html; charset=utf-8", PAGE)
}

/// `GET /verify.js`: the page's script.
pub async fn script() -> Response {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

/// `GET /verify.css`: the page's style.
pub async fn style() -> Response {
    asset("text/css; charset=utf-8", STYLE)
}

/// `POST /flow/inquiries/{id}/access`, with the header `Session-Token: …` or none: 200
/// with what the page shows, `{"data": {"type": "inquiry", "id": …, "attributes":
/// {"status": …}}}`, when the access table grants it (a first use marks the session
/// `active`). Only that: whoever holds the link may open a `created` inquiry, so the
/// answer carries nothing else of the resource (no `reference-id`, no session ids).
/// Otherwise the refusal (`session_required`, `invalid_token`, `session_expired`,
/// `inquiry_expired`, `inquiry_finished`, `redacted`).
pub async fn access(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    let work = async {
        let id = InquiryId::parse(&id)?;
        // A token that cannot be one is a wrong token, like any other (A1).
        let token = match headers.get(SESSION_TOKEN_HEADER) {
            None => None,
            Some(value) => Some(
                value
                    .to_str()
                    .ok()
                    .and_then(|text| SessionToken::parse(text.trim()).ok())
                    .ok_or(Error::InvalidToken)?,
            ),
        };
        let now = app.clock.now();
        let acted = act_rendering(&*app.store, id, ATTEMPTS, &WireRender, |inquiry| {
            inquiry.access(token.as_ref(), now)
        })
        .await?;
        let seen = serde_json::json!({
            "data": {
                "type": "inquiry",
                "id": id.to_string(),
                "attributes": { "status": acted.inquiry.status_at(now).as_str() },
            }
        });
        Ok::<_, ApiError>(seen.to_string())
    };
    ok_json(work.await, Inflection::Kebab)
}

/// `POST /flow/inquiries/{id}/redeem` with `{"code": "…"}`: 200
/// `{"meta": {"session-token": "…"}}` (L3), else the refusal (`invalid_token`,
/// `session_expired`, `link_used`, `inquiry_expired`, `inquiry_finished`, `redacted`).
pub async fn redeem(State(app): State<Arc<App>>, Path(id): Path<String>, body: Bytes) -> Response {
    let work = async {
        let id = InquiryId::parse(&id)?;
        let shape = "expected {\"code\": \"<the one-time link's code>\"}";
        let value: Value = serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request(format!("the body is not JSON ({e}); {shape}")))?;
        let text = value
            .get("code")
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::bad_request(shape))?;
        // A code that cannot be one is a wrong code, like any other (L4).
        let code = LinkCode::parse(text.trim()).map_err(|_| Error::InvalidToken)?;
        let now = app.clock.now();
        let acted = act_rendering(&*app.store, id, ATTEMPTS, &WireRender, |inquiry| {
            let mut random = app.random();
            inquiry.redeem(&code, now, &mut *random)
        })
        .await?;
        Ok::<_, ApiError>(acted.outcome.token)
    };
    let body = work.await.map(|token| {
        let token = token.expose_secret();
        serde_json::json!({ "meta": { "session-token": token.as_str() } }).to_string()
    });
    ok_json(body, Inflection::Kebab)
}
