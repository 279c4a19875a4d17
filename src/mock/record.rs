//! The request log: what clients actually sent, in arrival order.
//!
//! Invariant: every API request is appended exactly once, before any handler runs (so even
//! rejected requests are visible), and secrets never reach the log: the values of
//! `x-api-key` and `authorization` are replaced by `<redacted>`. Multipart bodies are logged
//! as part descriptions filled in by the upload handler while it streams, never buffered.

use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;

/// One request as received by the mock.
#[derive(Clone, Debug, Serialize)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Lowercase names; secret values redacted.
    pub headers: Vec<(String, String)>,
    pub body: RecordedBody,
}

/// What the request body contained.
#[derive(Clone, Debug, Serialize)]
pub enum RecordedBody {
    Empty,
    Json(serde_json::Value),
    Multipart(Vec<RecordedPart>),
    Other { len: u64 },
}

/// One part of a multipart body (its bytes are not kept).
#[derive(Clone, Debug, Serialize)]
pub struct RecordedPart {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub size: u64,
}

/// Index of a request's entry in the log, carried in the request extensions so the
/// upload handler can describe the multipart parts it streamed.
#[derive(Clone, Copy, Debug)]
pub struct LogSlot(pub usize);

/// The shared, append-only log.
#[derive(Clone, Default)]
pub struct RequestLog(Arc<Mutex<Vec<RecordedRequest>>>);

impl RequestLog {
    pub fn push(&self, req: RecordedRequest) -> LogSlot {
        let mut log = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        log.push(req);
        LogSlot(log.len() - 1)
    }

    pub fn set_body(&self, slot: LogSlot, body: RecordedBody) {
        let mut log = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = log.get_mut(slot.0) {
            entry.body = body;
        }
    }

    pub fn snapshot(&self) -> Vec<RecordedRequest> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Header list with lowercase names and redacted credentials.
pub fn redacted_headers(headers: &axum::http::HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let name = name.as_str().to_ascii_lowercase();
            let value = if name == "x-api-key" || name == "authorization" {
                "<redacted>".to_string()
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (name, value)
        })
        .collect()
}
