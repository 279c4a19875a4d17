//! Serving scripted scenario entries: HTTP errors and recorded streams.
//!
//! Invariant: a recorded stream is sent byte for byte as it was loaded (only split at event
//! boundaries for pacing), and `cut_after_bytes` delivers exactly that many bytes before the
//! connection is dropped without a terminating chunk, so clients meet the same truncated
//! stream a flaky network produces.

use axum::Json;
use axum::response::{IntoResponse, Response};

use super::Pace;
use super::error::ApiError;
use super::scenario::{ErrorEntry, SseReplay};
use super::sse::stream_response;

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

/// Streams a recorded body, honouring the entry's delay and cut.
pub fn sse_response(replay: SseReplay) -> Response {
    let (mut writer, resp) = stream_response(Pace::Fast);
    tokio::spawn(async move {
        let mut budget = replay.cut_after_bytes;
        for (i, mut event) in replay.events.into_iter().enumerate() {
            if let (Some(delay), true) = (replay.delay, i > 0) {
                tokio::time::sleep(delay).await;
            }
            let cut_here = budget.is_some_and(|b| (event.len() as u64) >= b);
            if let Some(b) = budget.as_mut() {
                if cut_here {
                    event.truncate(*b as usize);
                } else {
                    *b -= event.len() as u64;
                }
            }
            if !event.is_empty() && writer.raw(event).await.is_err() {
                return;
            }
            if cut_here {
                writer.abort().await;
                return;
            }
        }
    });
    resp
}
