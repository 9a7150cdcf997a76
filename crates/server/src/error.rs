//! One error type for every handler, answered as a JSON:API error document (W4) with the
//! status and code of the rule book's error table or of the service's own codes (S2).

use std::borrow::Cow;
use std::fmt;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use inquiry_lifecycle::ErrorCode;
use inquiry_lifecycle_store::{ActError, StoreError};
use inquiry_lifecycle_wire::{ErrorDocument, ErrorObject, Inflection};

/// The stable code of every refusal and failure the service answers: the rule book's
/// ([`ErrorCode`]), or the service's own (S2). Each has one HTTP status, in one table
/// ([`ApiCode::status`]); what the service does with a refusal (keep it for an
/// `Idempotency-Key`, say) is decided on the code, never on its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiCode {
    /// A refusal of the rule book, or a bad value (`invalid_input`), with the core's own
    /// status.
    Lifecycle(ErrorCode),
    /// `unauthorized` 401: a missing or wrong API key.
    Unauthorized,
    /// `not_found` 404: no such inquiry, event or endpoint.
    NotFound,
    /// `method_not_allowed` 405.
    MethodNotAllowed,
    /// `bad_request` 400: a body that is not JSON or not the expected shape, or a header
    /// the service cannot read.
    BadRequest,
    /// `idempotency_conflict` 422: an `Idempotency-Key` used with another request (S3).
    IdempotencyConflict,
    /// `conflict` 409: concurrent changes won every attempt, or a request with the same key
    /// still runs. Retry.
    Conflict,
    /// `payload_too_large` 413.
    PayloadTooLarge,
    /// `request_timeout` 408: the request was not sent and answered in time
    /// (`--request-timeout-ms`). Send it again.
    RequestTimeout,
    /// `corrupt_record` 500: a stored record fails validation. Not the client's fault.
    CorruptRecord,
    /// `internal` 500: the service failed otherwise. Not the client's fault; retry.
    Internal,
    /// `unavailable` 503: the store cannot be reached. Retry later.
    Unavailable,
}

impl ApiCode {
    /// `invalid_input`: a well-formed request with a bad value.
    pub const INVALID_INPUT: ApiCode = ApiCode::Lifecycle(ErrorCode::InvalidInput);

    /// The service's own codes (the rule book's are [`ErrorCode::ALL`]).
    pub const SERVICE: [ApiCode; 11] = [
        ApiCode::Unauthorized,
        ApiCode::NotFound,
        ApiCode::MethodNotAllowed,
        ApiCode::BadRequest,
        ApiCode::IdempotencyConflict,
        ApiCode::Conflict,
        ApiCode::PayloadTooLarge,
        ApiCode::RequestTimeout,
        ApiCode::CorruptRecord,
        ApiCode::Internal,
        ApiCode::Unavailable,
    ];

    /// The wire name, e.g. `"not_found"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApiCode::Lifecycle(code) => code.as_str(),
            ApiCode::Unauthorized => "unauthorized",
            ApiCode::NotFound => "not_found",
            ApiCode::MethodNotAllowed => "method_not_allowed",
            ApiCode::BadRequest => "bad_request",
            ApiCode::IdempotencyConflict => "idempotency_conflict",
            ApiCode::Conflict => "conflict",
            ApiCode::PayloadTooLarge => "payload_too_large",
            ApiCode::RequestTimeout => "request_timeout",
            ApiCode::CorruptRecord => "corrupt_record",
            ApiCode::Internal => "internal",
            ApiCode::Unavailable => "unavailable",
        }
    }

    /// The HTTP status answered with this code: the one table.
    pub fn status(self) -> u16 {
        match self {
            ApiCode::Lifecycle(code) => code.http_status(),
            ApiCode::BadRequest => 400,
            ApiCode::Unauthorized => 401,
            ApiCode::NotFound => 404,
            ApiCode::MethodNotAllowed => 405,
            ApiCode::RequestTimeout => 408,
            ApiCode::Conflict => 409,
            ApiCode::PayloadTooLarge => 413,
            ApiCode::IdempotencyConflict => 422,
            ApiCode::CorruptRecord | ApiCode::Internal => 500,
            ApiCode::Unavailable => 503,
        }
    }

    /// Whether a client should send the same request again later: the refusal says
    /// nothing about the request (`conflict`, `request_timeout`, `internal`,
    /// `unavailable`).
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ApiCode::Conflict | ApiCode::RequestTimeout | ApiCode::Internal | ApiCode::Unavailable
        )
    }
}

impl fmt::Display for ApiCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for ApiCode {
    type Err = inquiry_lifecycle::Error;

    /// A code by its wire name: the service's own, or the rule book's.
    fn from_str(name: &str) -> Result<ApiCode, Self::Err> {
        match ApiCode::SERVICE
            .into_iter()
            .find(|code| code.as_str() == name)
        {
            Some(code) => Ok(code),
            None => name.parse().map(ApiCode::Lifecycle),
        }
    }
}

/// Why the service could not start: its configuration, or what it needs from the machine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// An `--api-key` is empty.
    #[error("an API key must not be empty (--api-key)")]
    EmptyApiKey,
    /// A `--webhook-secret` is empty or too short to sign with.
    #[error("--webhook-secret: {0}")]
    WebhookSecret(#[from] inquiry_lifecycle_wire::SecretError),
    /// Webhook URLs were given without a secret to sign with.
    #[error("webhook URLs need --webhook-secret, to sign every delivery (H1)")]
    WebhooksNeedASecret,
    /// `--webhook-max-attempts 0`.
    #[error("--webhook-max-attempts must be at least 1")]
    NoWebhookAttempts,
    /// The HTTP client for webhooks could not be built.
    #[error("cannot build the webhook HTTP client: {0}")]
    WebhookClient(#[source] reqwest::Error),
    /// The operating system's random source could not be read.
    #[error("no random source for tokens and ids: {0}")]
    Random(#[from] inquiry_lifecycle::RandomUnavailable),
    /// PostgreSQL could not be reached, or its connection string is wrong.
    #[error("cannot connect to PostgreSQL: {0}")]
    Connect(#[source] StoreError),
    /// The PostgreSQL schema could not be migrated.
    #[error("cannot migrate the PostgreSQL schema: {0}")]
    Migrate(#[source] StoreError),
}

/// A refused or failed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The stable code; the HTTP status comes from it ([`ApiCode::status`]).
    pub code: ApiCode,
    /// What went wrong, and how to fix it.
    pub detail: String,
}

impl ApiError {
    /// An error with this code and detail.
    pub fn new(code: ApiCode, detail: impl Into<String>) -> ApiError {
        ApiError {
            code,
            detail: detail.into(),
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.code.status()
    }

    /// 400 `bad_request`: a body that is not JSON or not the expected shape, or a header
    /// the service cannot read.
    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::new(ApiCode::BadRequest, detail)
    }

    /// 422 `invalid_input`: a well-formed request with a bad value.
    pub fn invalid_input(detail: impl Into<String>) -> ApiError {
        ApiError::new(ApiCode::INVALID_INPUT, detail)
    }

    /// 401 `unauthorized`: a missing or wrong API key.
    pub fn unauthorized() -> ApiError {
        ApiError::new(
            ApiCode::Unauthorized,
            "missing or wrong API key; send `Authorization: Bearer <api key>` with a key the service was started with (S2)",
        )
    }

    /// 404 `not_found`.
    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::new(ApiCode::NotFound, detail)
    }

    /// The error document, keys in `inflection`.
    pub fn document(&self) -> ErrorDocument {
        ErrorDocument::new(ErrorObject::new(
            self.status(),
            Cow::Borrowed(self.code.as_str()),
            self.detail.clone(),
        ))
    }

    /// The response: the error document in `inflection`.
    pub fn respond(&self, inflection: Inflection) -> Response {
        json_response(self.status(), self.document().to_json(inflection))
    }
}

impl From<inquiry_lifecycle::Error> for ApiError {
    /// A refusal of the rules, or a bad value (`invalid_input`, 422), with its own status,
    /// code and message (rule IDs included).
    fn from(error: inquiry_lifecycle::Error) -> ApiError {
        ApiError::new(ApiCode::Lifecycle(error.code()), error.detail().to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::NotFound(id) => ApiError::not_found(format!("no inquiry {id}")),
            StoreError::Conflict { .. } | StoreError::Duplicate(_) => {
                ApiError::new(ApiCode::Conflict, format!("{error}; retry the request"))
            }
            StoreError::Unavailable(_) | StoreError::Backend(_) => {
                tracing::warn!(error = %error, "store failed");
                ApiError::new(
                    ApiCode::Unavailable,
                    "the store cannot be reached; retry later (nothing was changed, or the change is safe to retry)",
                )
            }
            // Not the client's fault: a stored record fails validation.
            StoreError::Corrupt { .. } => {
                tracing::error!(error = %error, "corrupt record");
                ApiError::new(ApiCode::CorruptRecord, error.to_string())
            }
            // `StoreError` is non-exhaustive: a future variant is the store's failure.
            _ => ApiError::new(ApiCode::Unavailable, "the store failed; retry later"),
        }
    }
}

impl From<ActError> for ApiError {
    fn from(error: ActError) -> ApiError {
        match error {
            ActError::Refused(refusal) => refusal.into(),
            ActError::Store(store) => store.into(),
            ActError::GaveUp(attempts) => ApiError::new(
                ApiCode::Conflict,
                format!("{attempts} concurrent changes won over this one; retry the request"),
            ),
            _ => ApiError::new(ApiCode::Unavailable, "the store failed; retry later"),
        }
    }
}

impl IntoResponse for ApiError {
    /// Kebab keys; handlers that know the request's inflection use
    /// [`ApiError::respond`].
    fn into_response(self) -> Response {
        self.respond(Inflection::Kebab)
    }
}

/// 200 with this JSON body, or the refusal's error document with its keys in
/// `inflection`: how every endpoint that answers no inquiry document ends.
pub fn ok_json(outcome: Result<String, ApiError>, inflection: Inflection) -> Response {
    match outcome {
        Ok(body) => json_response(200, body),
        Err(error) => error.respond(inflection),
    }
}

/// A JSON response with this status and body. Every JSON answer is `no-store` (answers
/// carry session tokens, one-time links and people's reference ids, which no cache
/// between the client and the service may keep) and `nosniff` (a browser never reads it as
/// anything but JSON).
pub fn json_response(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use inquiry_lifecycle::{InquiryId, SeededRandom};

    /// Each store failure answers the code a client acts on: a lost race or a duplicate
    /// id is `conflict` (retry), an unreachable store `unavailable` (retry later), a record
    /// that fails validation `corrupt_record` (not the client's fault), a missing inquiry
    /// `not_found`; a change that lost every attempt is `conflict` naming the attempts.
    #[test]
    fn store_failures_answer_the_code_a_client_acts_on() {
        let id = InquiryId::generate(&mut SeededRandom::new(1));
        let failures = || -> [(StoreError, ApiCode); 6] {
            [
                (
                    StoreError::Conflict {
                        id,
                        expected: 1,
                        stored: Some(2),
                    },
                    ApiCode::Conflict,
                ),
                (StoreError::Duplicate(id), ApiCode::Conflict),
                (StoreError::NotFound(id), ApiCode::NotFound),
                (
                    StoreError::Unavailable("the server is restarting".into()),
                    ApiCode::Unavailable,
                ),
                (
                    StoreError::Backend("disk full".into()),
                    ApiCode::Unavailable,
                ),
                (
                    StoreError::Corrupt {
                        id,
                        error: inquiry_lifecycle::Error::invalid_input("not a record"),
                    },
                    ApiCode::CorruptRecord,
                ),
            ]
        };
        for (error, code) in failures() {
            let shown = error.to_string();
            let answered = ApiError::from(error);
            assert_eq!(answered.code, code, "{shown}");
            if code == ApiCode::Unavailable {
                // Says what a client may assume about its change.
                assert!(
                    answered.detail.contains("safe to retry"),
                    "{}",
                    answered.detail
                );
            }
        }
        // Met inside `act`, the same failures answer the same.
        for (error, code) in failures() {
            let shown = error.to_string();
            assert_eq!(ApiError::from(ActError::Store(error)).code, code, "{shown}");
        }
        let gave_up = ApiError::from(ActError::GaveUp(5));
        assert_eq!(gave_up.code, ApiCode::Conflict);
        assert!(
            gave_up.detail.contains("5 concurrent changes"),
            "{}",
            gave_up.detail
        );
        let refused = ApiError::from(ActError::Refused(inquiry_lifecycle::Error::InvalidToken));
        assert_eq!(
            refused.code,
            ApiCode::Lifecycle(inquiry_lifecycle::ErrorCode::InvalidToken)
        );
    }

    /// An `ApiError` returned from an embedding service's own handler is the same error
    /// document, with its status, in kebab keys.
    #[test]
    fn an_api_error_is_a_response_with_its_status_and_document() {
        let response = ApiError::new(ApiCode::Conflict, "try again").into_response();
        assert_eq!(response.status(), StatusCode::CONFLICT);
        assert_eq!(response.headers()[header::CONTENT_TYPE], "application/json");
    }
}
