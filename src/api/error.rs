//! Errors from talking to the API, shaped for people.
//!
//! Invariant: every variant renders a sentence a user can act on and carries the API's
//! `request_id` when the server gave one, because that id is what support asks for.
//! No variant ever holds request headers, so the API key cannot end up in an error.
//!
//! Server text is untrusted: an error's type, message and request id (from the body or the
//! `request-id` header) are stripped of terminal controls and cut to a bounded excerpt when the
//! error is built ([`ApiError::from_body`], [`ApiError::stream`], [`ApiError::cut`]), and a
//! protocol error's text when it is shown. So an error printed on stderr, in a retry notice, in
//! the TUI, in the log or stored as a turn's `Failed` state holds no escape sequence and at most
//! a few thousand characters, however much the server sent.

use crate::text_safety::{FIELD_CHARS, MESSAGE_CHARS, excerpt, one_line};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The server answered with an HTTP error status and (usually) a JSON error body.
    #[error("{}", describe_status(*status, error_type, message, request_id.as_deref()))]
    Status {
        status: u16,
        error_type: String,
        message: String,
        request_id: Option<String>,
    },
    /// An `event: error` arrived in the middle of a stream.
    #[error("the API reported an error mid-answer: {error_type}: {message}{}", rid(request_id.as_deref()))]
    Stream {
        error_type: String,
        message: String,
        request_id: Option<String>,
    },
    /// The connection could not be made or broke before a response arrived.
    #[error("could not reach the API at {url}: {reason}")]
    Connection { url: String, reason: String },
    /// The stream ended before `message_stop`.
    #[error("the connection closed before the answer was complete{}", rid(request_id.as_deref()))]
    Cut { request_id: Option<String> },
    /// The server answered with a redirect, which clab never follows: the key and the request
    /// would go along to wherever it points.
    #[error(
        "the server answered HTTP {status} redirecting to {}; clab follows no redirects, so neither the API key nor the request went there (check --base-url)",
        host.as_deref().unwrap_or("an unreadable location")
    )]
    Redirect { status: u16, host: Option<String> },
    /// The server sent something that is not the documented format. The text may quote the
    /// server, so it is sanitised and cut when shown.
    #[error("unexpected response from the API: {}", excerpt(.0, MESSAGE_CHARS))]
    Protocol(String),
    /// The Files API will not hand out this file's content: only files made by code execution
    /// or skills can be downloaded.
    #[error("{} is not downloadable: the Files API only allows downloading files created by code execution or skills, not files you uploaded{}", name_and_id(filename, id), rid(request_id.as_deref()))]
    NotDownloadable {
        id: String,
        filename: String,
        request_id: Option<String>,
    },
    /// No file has this id (a 404 from a Files endpoint).
    #[error("no file with id {id} (it may have been deleted){}", rid(request_id.as_deref()))]
    FileNotFound {
        id: String,
        request_id: Option<String>,
    },
    /// Counted before sending, the prompt is longer than the model's context window and no
    /// context management would shorten it: the request was not sent.
    #[error(
        "the prompt is {counted} tokens, over the {window}-token context window; it was not sent"
    )]
    TooLong { counted: u64, window: u64 },
    /// A local file could not be read or written.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

impl ApiError {
    pub fn request_id(&self) -> Option<&str> {
        match self {
            ApiError::Status { request_id, .. }
            | ApiError::Stream { request_id, .. }
            | ApiError::Cut { request_id }
            | ApiError::NotDownloadable { request_id, .. }
            | ApiError::FileNotFound { request_id, .. } => request_id.as_deref(),
            _ => None,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> ApiError {
        ApiError::Io {
            context: context.into(),
            source,
        }
    }

    /// An `event: error` from a stream, its server text sanitised and bounded.
    pub fn stream(error_type: &str, message: &str, request_id: Option<&str>) -> ApiError {
        ApiError::Stream {
            error_type: excerpt(error_type, FIELD_CHARS),
            message: excerpt(message, MESSAGE_CHARS),
            request_id: request_id.map(|id| excerpt(id, FIELD_CHARS)),
        }
    }

    /// A stream that ended before `message_stop`, its request id sanitised and bounded.
    pub fn cut(request_id: Option<&str>) -> ApiError {
        ApiError::Cut {
            request_id: request_id.map(|id| excerpt(id, FIELD_CHARS)),
        }
    }

    /// Builds a status error from a response body, which may or may not be the documented
    /// `{"type":"error","error":{...},"request_id":...}` JSON (a proxy may answer in HTML).
    /// Every field is server text: sanitised and cut to an excerpt.
    pub fn from_body(status: u16, header_request_id: Option<String>, body: &[u8]) -> ApiError {
        let parsed: Option<serde_json::Value> = serde_json::from_slice(body).ok();
        let err = parsed.as_ref().and_then(|v| v.get("error"));
        let field = |name: &str| {
            err.and_then(|e| e.get(name))
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        let request_id = parsed
            .as_ref()
            .and_then(|v| v.get("request_id"))
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .or(header_request_id)
            .map(|id| excerpt(&id, FIELD_CHARS));
        let message = match field("message") {
            Some(message) => excerpt(&message, MESSAGE_CHARS),
            None => {
                // Not the documented JSON: a proxy's page, of which the head says enough.
                let text = String::from_utf8_lossy(body);
                let text = text.trim();
                if text.is_empty() {
                    "no details in the response".to_string()
                } else {
                    excerpt(text, FIELD_CHARS)
                }
            }
        };
        ApiError::Status {
            status,
            error_type: field("type")
                .map(|t| excerpt(&t, FIELD_CHARS))
                .unwrap_or_else(|| "http_error".to_string()),
            message,
            request_id,
        }
    }
}

fn rid(request_id: Option<&str>) -> String {
    request_id
        .map(|id| format!(" (request id {id})"))
        .unwrap_or_default()
}

/// "`sales.csv` (file_…)", or just the id when the name is unknown. The name is server text,
/// so it is stripped of terminal controls and kept on one line.
fn name_and_id(filename: &str, id: &str) -> String {
    let name = one_line(&excerpt(filename, FIELD_CHARS));
    if name.trim().is_empty() {
        id.to_string()
    } else {
        format!("`{name}` ({id})")
    }
}

fn describe_status(
    status: u16,
    error_type: &str,
    message: &str,
    request_id: Option<&str>,
) -> String {
    let hint = match status {
        401 => " — check ANTHROPIC_API_KEY (or api_key_command in the config)",
        403 => " — the key lacks permission for this",
        429 => " — rate limited; wait a moment and try again",
        529 => " — the API is overloaded; try again shortly",
        _ => "",
    };
    format!(
        "API error {status} {error_type}: {message}{hint}{}",
        rid(request_id)
    )
}

#[cfg(test)]
mod tests {
    use super::ApiError;
    use serde_json::json;

    const EVIL: &str = "\u{1b}]0;pwned\u{7}\u{1b}[31m";

    #[test]
    fn server_fields_lose_their_escape_sequences() {
        let body = json!({
            "type": "error",
            "error": {"type": format!("over{EVIL}loaded"), "message": format!("busy{EVIL} now")},
            "request_id": format!("req{EVIL}_1"),
        });
        let err = ApiError::from_body(529, None, body.to_string().as_bytes());
        let text = err.to_string();
        assert_eq!(
            text,
            "API error 529 overloaded: busy now — the API is overloaded; try again shortly (request id req_1)"
        );
        let header = ApiError::from_body(500, Some(format!("req{EVIL}_2")), b"");
        assert_eq!(header.request_id(), Some("req_2"));
        let stream = ApiError::stream(EVIL, &format!("a{EVIL}b"), Some(EVIL));
        assert!(!stream.to_string().contains('\u{1b}'), "{stream}");
        let protocol = ApiError::Protocol(format!("content-type {EVIL}"));
        assert!(!protocol.to_string().contains('\u{1b}'), "{protocol}");
    }

    #[test]
    fn a_huge_message_is_kept_as_a_bounded_excerpt() {
        let message = "m".repeat(20_000_000);
        let body = json!({"type": "error", "error": {"type": "api_error", "message": message}});
        let text = ApiError::from_body(500, None, body.to_string().as_bytes()).to_string();
        assert!(text.len() < 3_000, "{} bytes", text.len());
        assert!(text.contains("… (19,998,000 more bytes)"), "{text}");
        let stream = ApiError::stream("api_error", &message, None).to_string();
        assert!(stream.len() < 3_000 && stream.contains("more bytes)"));
    }
}
