//! Errors from talking to the API, shaped for people.
//!
//! Invariant: every variant renders a sentence a user can act on and carries the API's
//! `request_id` when the server gave one, because that id is what support asks for.
//! No variant ever holds request headers, so the API key cannot end up in an error.

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
    /// The server sent something that is not the documented format.
    #[error("unexpected response from the API: {0}")]
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

    /// Builds a status error from a response body, which may or may not be the documented
    /// `{"type":"error","error":{...},"request_id":...}` JSON (a proxy may answer in HTML).
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
            .or(header_request_id);
        let message = field("message").unwrap_or_else(|| {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            if text.is_empty() {
                "no details in the response".to_string()
            } else {
                text.chars().take(200).collect()
            }
        });
        ApiError::Status {
            status,
            error_type: field("type").unwrap_or_else(|| "http_error".to_string()),
            message: crate::render::sanitize::strip_controls(&message).into_owned(),
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
/// so it is stripped of terminal controls.
fn name_and_id(filename: &str, id: &str) -> String {
    let name = crate::render::sanitize::strip_controls(filename);
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
