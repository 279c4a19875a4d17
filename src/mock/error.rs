//! API error responses in the real body shape.
//!
//! Invariant: every error the mock produces has the body
//! `{"type":"error","error":{"type":..,"message":..},"request_id":"req_..."}` whose
//! `request_id` equals the response's `request-id` header. Handlers return [`ApiError`]
//! without knowing the id; the outermost middleware ([`render`]) writes the body once the
//! id is assigned, so the two can never disagree.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error to be rendered as the API's JSON error body.
#[derive(Clone, Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            kind,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_request_error", message)
    }

    /// The status' documented error type with a generic message (used for scenario errors).
    pub fn for_status(status: StatusCode) -> ApiError {
        let (kind, message) = match status.as_u16() {
            401 => ("authentication_error", "invalid x-api-key"),
            402 => ("billing_error", "Your credit balance is too low."),
            403 => (
                "permission_error",
                "Your API key does not have permission to use the specified resource.",
            ),
            404 => (
                "not_found_error",
                "The requested resource could not be found.",
            ),
            409 => ("conflict_error", "Conflict."),
            413 => (
                "request_too_large",
                "Request exceeds the maximum allowed number of bytes.",
            ),
            429 => (
                "rate_limit_error",
                "This request would exceed your organization's rate limit. Please try again later.",
            ),
            504 => ("timeout_error", "Request timed out."),
            529 => ("overloaded_error", "Overloaded"),
            s if s >= 500 => ("api_error", "Internal server error"),
            _ => ("invalid_request_error", "Invalid request."),
        };
        ApiError::new(status, kind, message)
    }

    pub fn file_not_found(id: &str) -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found_error",
            format!("File `{id}` not found."),
        )
    }

    fn body(&self, request_id: &str) -> String {
        json!({
            "type": "error",
            "error": {"type": self.kind, "message": self.message},
            "request_id": request_id,
        })
        .to_string()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut resp = self.status.into_response();
        resp.extensions_mut().insert(self);
        resp
    }
}

/// Writes the JSON body of an [`ApiError`] response, with `request_id`.
pub fn render(mut resp: Response, request_id: &str) -> Response {
    if let Some(err) = resp.extensions_mut().remove::<ApiError>() {
        *resp.body_mut() = Body::from(err.body(request_id));
        resp.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        resp.headers_mut().remove(header::CONTENT_LENGTH);
    }
    resp
}
