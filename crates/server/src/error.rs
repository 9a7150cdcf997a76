//! One error type for every handler, answered as a JSON:API error document (W4) with the
//! status and code of the rule book's error table or of the service's own codes (S2).

use std::borrow::Cow;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use inquiry_lifecycle_store::{ActError, StoreError};
use inquiry_lifecycle_wire::{ErrorDocument, ErrorObject, Inflection};

/// A refused or failed request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: u16,
    /// The stable snake_case code.
    pub code: Cow<'static, str>,
    /// What went wrong, and how to fix it.
    pub detail: String,
}

impl ApiError {
    /// An error with this status, code and detail.
    pub fn new(status: u16, code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code: Cow::Borrowed(code),
            detail: detail.into(),
        }
    }

    /// 400 `bad_request`: a body that is not JSON or not the expected shape, or a header
    /// the service cannot read.
    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::new(400, "bad_request", detail)
    }

    /// 401 `unauthorized`: a missing or wrong API key.
    pub fn unauthorized() -> ApiError {
        ApiError::new(
            401,
            "unauthorized",
            "missing or wrong API key; send `Authorization: Bearer <api key>` with a key the service was started with (S2)",
        )
    }

    /// 404 `not_found`.
    pub fn not_found(detail: impl Into<String>) -> ApiError {
        ApiError::new(404, "not_found", detail)
    }

    /// The error document, keys in `inflection`.
    pub fn document(&self) -> ErrorDocument {
        ErrorDocument::new(ErrorObject::new(
            self.status,
            self.code.clone(),
            self.detail.clone(),
        ))
    }

    /// The response: the error document in `inflection`.
    pub fn respond(&self, inflection: Inflection) -> Response {
        json_response(self.status, self.document().to_json(inflection))
    }
}

impl From<inquiry_lifecycle::Error> for ApiError {
    /// A refusal of the rules, or a bad value (`invalid_input`, 422), with its own status,
    /// code and message (rule IDs included).
    fn from(error: inquiry_lifecycle::Error) -> ApiError {
        let object = ErrorObject::from(&error);
        ApiError {
            status: object.status,
            code: object.code,
            detail: object.detail,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::NotFound(id) => ApiError::not_found(format!("no inquiry {id}")),
            StoreError::Conflict { .. } | StoreError::Duplicate(_) => {
                ApiError::new(409, "conflict", format!("{error}; retry the request"))
            }
            StoreError::Unavailable(_) | StoreError::Backend(_) => {
                tracing::warn!(error = %error, "store failed");
                ApiError::new(
                    503,
                    "unavailable",
                    "the store cannot be reached; retry later (nothing was changed, or the change is safe to retry)",
                )
            }
            // Not the client's fault: a stored record fails validation.
            StoreError::Corrupt { .. } => {
                tracing::error!(error = %error, "corrupt record");
                ApiError::new(500, "corrupt_record", error.to_string())
            }
            // `StoreError` is non-exhaustive: a future variant is the store's failure.
            _ => ApiError::new(503, "unavailable", "the store failed; retry later"),
        }
    }
}

impl From<ActError> for ApiError {
    fn from(error: ActError) -> ApiError {
        match error {
            ActError::Refused(refusal) => refusal.into(),
            ActError::Store(store) => store.into(),
            ActError::GaveUp(attempts) => ApiError::new(
                409,
                "conflict",
                format!("{attempts} concurrent changes won over this one; retry the request"),
            ),
            _ => ApiError::new(503, "unavailable", "the store failed; retry later"),
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

/// A JSON response with this status and body.
pub fn json_response(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
