//! Serving scripted scenario entries: HTTP errors and recorded streams.
//!
//! Invariant: a recorded stream is sent byte for byte as it was loaded, one event after the
//! other (with the entry's delay between them), and framed, re-cut and cut as the entry's
//! [`Delivery`](super::delivery::Delivery) says, so clients meet the truncated or oddly
//! framed streams that flaky networks and other servers produce.

use axum::Json;
use axum::response::{IntoResponse, Response};
use futures::StreamExt as _;
use futures::stream;

use super::delivery;
use super::error::ApiError;
use super::scenario::{ErrorEntry, SseReplay};

/// The scripted error: the given body verbatim, or the status' default error body.
pub fn error_response(entry: ErrorEntry) -> Response {
    let mut resp = match entry.body {
        Some(body) => (entry.status, Json(body)).into_response(),
        None => ApiError::for_status(entry.status).into_response(),
    };
    for (name, value) in entry.headers {
        resp.headers_mut().insert(name, value);
    }
    resp
}

/// Streams a recorded body, honouring the entry's delay and delivery.
pub async fn sse_response(replay: SseReplay) -> Response {
    let delay = replay.delay;
    let events =
        stream::iter(replay.events.into_iter().enumerate()).then(move |(i, event)| async move {
            if let (Some(delay), true) = (delay, i > 0) {
                tokio::time::sleep(delay).await;
            }
            event
        });
    delivery::respond(events, replay.delivery).await
}
