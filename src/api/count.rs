//! `POST /v1/messages/count_tokens`: how many input tokens a request's prompt holds.
//!
//! Invariant: the count is asked with the request's own body, less what the endpoint does not
//! take (`max_tokens`, `stream`, `container`), and its betas, so it counts what would be sent.
//! A count is advice: its caller carries on without one when it fails.

use super::body::{BodyError, read_capped};
use super::{ApiError, Client};
use reqwest::Method;
use serde_json::Value;

/// The most of an answer read: it is one small object.
const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// The input tokens of `body` (a Messages request body) as the API counts them.
pub async fn count_tokens(client: &Client, body: &Value, betas: &[&str]) -> Result<u64, ApiError> {
    let mut body = body.clone();
    if let Some(fields) = body.as_object_mut() {
        for field in ["max_tokens", "stream", "container"] {
            fields.remove(field);
        }
    }
    let response = client
        .send(|| {
            Ok(client
                .request(Method::POST, "/v1/messages/count_tokens", betas)
                .json(&body))
        })
        .await?;
    let answer = read_capped(response, MAX_ANSWER_BYTES)
        .await
        .map_err(|e| match e {
            BodyError::Transport(e) => client.connection_error(&e),
            BodyError::TooLarge { .. } => {
                ApiError::Protocol("the token count's answer is too large".into())
            }
        })?;
    serde_json::from_slice::<Value>(&answer)
        .ok()
        .and_then(|v| v["input_tokens"].as_u64())
        .ok_or_else(|| ApiError::Protocol("the token count's answer has no input_tokens".into()))
}
