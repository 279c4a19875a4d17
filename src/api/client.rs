//! The HTTP client: base URL, authentication and version headers, retries.
//!
//! Invariant: every request to the API goes through [`Client::request`] (headers) and
//! [`Client::send`] (retries), so the key is attached in one place and the retry policy of
//! `retry.rs` applies uniformly. `send` only retries before a response body is consumed;
//! streams that already delivered events are never retried (see `api::stream`). An error
//! body is read up to a cap (see `api::body`); a retryable status is retried whatever its body.

use super::body::{BodyError, MAX_ERROR_BODY_BYTES, read_capped};
use super::error::ApiError;
use super::retry;
use crate::secret::ApiKey;
use reqwest::header::HeaderValue;
use reqwest::{Method, RequestBuilder, Response};
use std::sync::Arc;
use std::time::Duration;

pub const ANTHROPIC_VERSION: &str = "2023-06-01";
pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";

/// Called before each retry with a sentence saying why and how long the wait is.
pub type RetryNotifier = Arc<dyn Fn(&str) + Send + Sync>;

pub struct ClientConfig {
    pub base_url: String,
    pub key: ApiKey,
    pub max_retries: u32,
    /// Longest silence tolerated on an open connection (between stream chunks).
    pub read_timeout: Duration,
    /// Speak HTTP/2 from the first byte, without negotiating it. Only for a plain-http server
    /// or proxy that speaks nothing else: over https HTTP/2 is negotiated by itself.
    pub http2_prior_knowledge: bool,
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base_url: String,
    key: ApiKey,
    max_retries: u32,
    notify: Option<RetryNotifier>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &crate::secret::redacted_url(&self.base_url))
            .field("key", &self.key)
            .field("max_retries", &self.max_retries)
            .finish()
    }
}

/// The URL's scheme is plain `http`.
fn plain_http(url: &str) -> bool {
    url.get(..7)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"))
}

impl Client {
    pub fn new(config: ClientConfig) -> Result<Client, ApiError> {
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("clab/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(5))
            .read_timeout(config.read_timeout)
            // The API never redirects, and reqwest keeps custom headers such as `x-api-key`
            // across hosts: a redirect is reported, never followed (see `send`).
            .redirect(reqwest::redirect::Policy::none());
        // HTTP/2 windows stay at hyper's defaults (2 MiB per stream, 5 MiB per connection).
        // h2 ends a connection that buffers too many small DATA frames, with a budget of half
        // the connection window: an adaptive window (64 KiB at first) let a fast stream of
        // ~150-byte events trip it ("too_many_data_frames") as soon as clab fell 32 KiB behind.
        if config.http2_prior_knowledge {
            builder = builder.http2_prior_knowledge();
        }
        if plain_http(&config.base_url) {
            // Every request goes to the base URL, so a plain-http one (the mock, a local
            // proxy) never needs TLS: reading and parsing the system's root certificates
            // would be most of the start-up.
            builder = builder.tls_certs_only(std::iter::empty());
        }
        let http = builder
            .build()
            .map_err(|e| ApiError::Protocol(format!("cannot build the HTTP client: {e}")))?;
        Ok(Client {
            http,
            base_url: config.base_url.trim_end_matches('/').to_string(),
            key: config.key,
            max_retries: config.max_retries,
            notify: None,
        })
    }

    /// Report retries to the user (headless prints them on stderr).
    pub fn with_retry_notifier(mut self, notify: RetryNotifier) -> Client {
        self.notify = Some(notify);
        self
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// A request with the authentication, version and beta headers set.
    pub fn request(&self, method: Method, path: &str, betas: &[&str]) -> RequestBuilder {
        let mut builder = self
            .http
            .request(method, format!("{}{}", self.base_url, path))
            .header("anthropic-version", ANTHROPIC_VERSION);
        if let Ok(mut key) = HeaderValue::from_str(self.key.expose()) {
            key.set_sensitive(true);
            builder = builder.header("x-api-key", key);
        }
        if !betas.is_empty() {
            builder = builder.header("anthropic-beta", betas.join(","));
        }
        builder
    }

    /// Sends the request `make` builds, retrying retryable failures. `make` is called once per
    /// attempt because a request body (a file stream) can be consumed only once.
    pub async fn send<F>(&self, mut make: F) -> Result<Response, ApiError>
    where
        F: FnMut() -> Result<RequestBuilder, ApiError>,
    {
        let mut retries = 0;
        loop {
            let attempt = make()?.send().await;
            let (error, headers) = match attempt {
                Ok(response) if response.status().is_success() => return Ok(response),
                Ok(response) if response.status().is_redirection() => {
                    return Err(redirect_error(&response));
                }
                Ok(response) => {
                    let status = response.status().as_u16();
                    let headers = response.headers().clone();
                    let retryable = retry::should_retry_status(status, &headers);
                    let error = error_from_response(response).await;
                    if !retryable {
                        return Err(error);
                    }
                    (error, Some(headers))
                }
                Err(err) => (self.connection_error(&err), None),
            };
            if retries >= self.max_retries {
                return Err(error);
            }
            let delay = retry::retry_delay(headers.as_ref(), retries, fastrand::f64());
            retries += 1;
            let line = format!(
                "{error}; retrying in {:.1} s (retry {retries} of {})",
                delay.as_secs_f64(),
                self.max_retries
            );
            tracing::warn!("{line}");
            if let Some(notify) = &self.notify {
                notify(&line);
            }
            tokio::time::sleep(delay).await;
        }
    }

    pub(crate) fn connection_error(&self, err: &reqwest::Error) -> ApiError {
        ApiError::Connection {
            url: crate::secret::redacted_url(&self.base_url),
            reason: describe_reqwest_error(err),
        }
    }
}

/// Reads an error response's body (at most [`MAX_ERROR_BODY_BYTES`]) into an [`ApiError`].
/// A body cut off by the network still yields the status error, without details.
pub async fn error_from_response(response: Response) -> ApiError {
    let status = response.status().as_u16();
    let request_id = response
        .headers()
        .get("request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    match read_capped(response, MAX_ERROR_BODY_BYTES).await {
        Ok(body) => ApiError::from_body(status, request_id, &body),
        Err(BodyError::Transport(_)) => ApiError::from_body(status, request_id, b""),
        Err(BodyError::TooLarge { cap }) => ApiError::Protocol(format!(
            "the HTTP {status} error body is larger than {}, the most clab reads of an error body; it was not read further",
            BodyError::cap_text(cap)
        )),
    }
}

/// A 3xx answer, named by the host it pointed to (the server's text, sanitized).
fn redirect_error(response: &Response) -> ApiError {
    let host = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|location| response.url().join(location).ok())
        .and_then(|url| url.host_str().map(str::to_string))
        .map(|host| crate::text_safety::strip_controls(&host).into_owned());
    ApiError::Redirect {
        status: response.status().as_u16(),
        host,
    }
}

/// The innermost cause of a transport error, without the URL reqwest prepends.
pub fn describe_reqwest_error(err: &reqwest::Error) -> String {
    let mut reason = if err.is_timeout() {
        "timed out".to_string()
    } else if err.is_connect() {
        "connection failed".to_string()
    } else {
        "request failed".to_string()
    };
    let mut source = std::error::Error::source(err);
    let mut last = None;
    while let Some(s) = source {
        last = Some(s.to_string());
        source = s.source();
    }
    if let Some(cause) = last {
        reason.push_str(": ");
        reason.push_str(&cause);
    }
    reason
}

#[cfg(test)]
mod tests {
    use super::plain_http;

    #[test]
    fn only_a_plain_http_scheme_goes_without_tls() {
        assert!(plain_http("http://127.0.0.1:8080"));
        assert!(plain_http("HTTP://localhost"));
        assert!(!plain_http("https://api.anthropic.com"));
        assert!(!plain_http("http"));
        assert!(!plain_http("httpx://odd"));
    }
}
