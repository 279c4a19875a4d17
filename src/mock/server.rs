//! The axum application: shared state, routes and the cross-cutting middleware.
//!
//! Invariant: every API response carries a fresh `request-id` header (error bodies repeat
//! it), every API request is logged before anything can reject it, and authentication and
//! `anthropic-version` are checked before any handler runs, in that order, as the real API
//! does. Only `/_mock/requests` (the mock's own introspection) bypasses all three.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::error::{ApiError, render};
use super::record::{RecordedBody, RecordedRequest, RequestLog, redacted_headers};
use super::scenario::Queues;
use super::store::FileStore;
use super::{Pace, files, ids, messages, replay};

/// Messages requests above this size are rejected like the real API (32 MB).
const MAX_JSON_BODY: usize = 32 * 1024 * 1024;

/// Everything the handlers share.
pub struct AppState {
    pub log: RequestLog,
    pub files: FileStore,
    /// Container id → ids of the files uploaded into it, oldest first.
    pub containers: Mutex<HashMap<String, Vec<String>>>,
    pub queues: Mutex<Queues>,
    pub pace: Pace,
    /// Hashes of the prompt prefixes in the cache (see `prompt`).
    pub prompt_cache: Mutex<std::collections::HashSet<u64>>,
    /// Input tokens a prompt may hold.
    pub context_window: u64,
}

pub type Shared = Arc<AppState>;

/// Locks a mutex, ignoring poisoning (a panicked handler must not wedge the mock).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

pub fn router(state: Shared) -> Router {
    let files = Router::new()
        .route("/v1/files", post(files::upload).get(files::list))
        .route("/v1/files/{id}", get(files::retrieve).delete(files::delete))
        .route("/v1/files/{id}/content", get(files::download))
        .layer(DefaultBodyLimit::disable())
        .route_layer(middleware::from_fn_with_state(state.clone(), files_queue));
    Router::new()
        .route("/v1/messages", post(messages::create))
        .route("/v1/messages/count_tokens", post(messages::count_tokens))
        .merge(files)
        .fallback(|| async { ApiError::for_status(StatusCode::NOT_FOUND) })
        .layer(middleware::from_fn(check_auth))
        .layer(middleware::from_fn_with_state(state.clone(), log_request))
        .layer(middleware::from_fn(request_id))
        .route("/_mock/requests", get(requests))
        .with_state(state)
}

async fn requests(State(state): State<Shared>) -> impl IntoResponse {
    axum::Json(state.log.snapshot())
}

/// Outermost: assigns the request id and renders [`ApiError`] bodies with it.
async fn request_id(req: Request, next: Next) -> Response {
    let id = ids::request_id();
    let mut resp = render(next.run(req).await, &id);
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("request-id", v);
    }
    resp
}

/// Appends the request to the log; JSON bodies are buffered (bounded) to be recorded.
async fn log_request(State(state): State<Shared>, req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    let header_str = |name: header::HeaderName| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase)
    };
    let content_type = header_str(header::CONTENT_TYPE).unwrap_or_default();
    let length = header_str(header::CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok());
    let chunked = header_str(header::TRANSFER_ENCODING).is_some();
    let mut entry = RecordedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: redacted_headers(&parts.headers),
        body: RecordedBody::Empty,
    };
    let body = if length == Some(0) || (length.is_none() && !chunked) {
        body
    } else if content_type.starts_with("multipart/") {
        entry.body = RecordedBody::Multipart(Vec::new());
        body
    } else if content_type.contains("json") {
        match to_bytes(body, MAX_JSON_BODY).await {
            Ok(bytes) => {
                entry.body = match serde_json::from_slice(&bytes) {
                    Ok(v) => RecordedBody::Json(v),
                    Err(_) => RecordedBody::Other {
                        len: bytes.len() as u64,
                    },
                };
                Body::from(bytes)
            }
            Err(_) => {
                entry.body = RecordedBody::Other {
                    len: length.unwrap_or(0),
                };
                state.log.push(entry);
                return ApiError::for_status(StatusCode::PAYLOAD_TOO_LARGE).into_response();
            }
        }
    } else {
        entry.body = RecordedBody::Other {
            len: length.unwrap_or(0),
        };
        body
    };
    parts.extensions.insert(state.log.push(entry));
    next.run(Request::from_parts(parts, body)).await
}

/// 401 without credentials, then 400 without `anthropic-version`.
async fn check_auth(req: Request, next: Next) -> Response {
    let h = req.headers();
    let non_empty = |name: &str| {
        h.get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| !v.trim().is_empty())
    };
    let bearer = h
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| !t.trim().is_empty());
    if !non_empty("x-api-key") && !bearer {
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "authentication_error",
            "x-api-key header is required",
        )
        .into_response();
    }
    if !non_empty("anthropic-version") {
        return ApiError::invalid("anthropic-version: header is required").into_response();
    }
    next.run(req).await
}

/// Serves queued scenario errors for the Files endpoints before normal handling.
async fn files_queue(State(state): State<Shared>, req: Request, next: Next) -> Response {
    let queued = lock(&state.queues).files.pop_front();
    match queued {
        Some(entry) => replay::error_response(entry),
        None => next.run(req).await,
    }
}
