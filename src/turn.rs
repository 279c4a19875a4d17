//! One conversation turn against the API: request body, betas, and `pause_turn` continuation.
//!
//! Invariant: a turn is one answer to the user however many requests it takes. When the API
//! stops with `pause_turn`, the conversation is sent back with the assistant content so far
//! (and the container it runs in) and the new blocks are appended, up to `max_continuations`.
//! Whatever arrived before an error is kept in the returned accumulator.

use crate::api::client::FILES_BETA;
use crate::api::stream;
use crate::api::{ApiError, Client};
use crate::config::TOOL_20250522;
use crate::model::stream::{Accumulator, Update};
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, PartialEq)]
pub struct TurnRequest {
    pub model: String,
    pub max_tokens: u32,
    /// The code execution tool type, e.g. `code_execution_20250825`.
    pub tool: String,
    /// The conversation, ending with the user's new message.
    pub messages: Vec<Value>,
    pub container: Option<String>,
    pub max_continuations: u32,
}

pub struct TurnResult {
    pub acc: Accumulator,
    pub error: Option<ApiError>,
    pub continuations: u32,
    /// The caller stopped the turn; `acc` holds what arrived until then.
    pub cancelled: bool,
}

impl TurnRequest {
    /// The request body; `so_far` is the assistant content of a paused answer being continued.
    pub fn body(&self, so_far: Option<Vec<Value>>, container: Option<&str>) -> Value {
        let mut messages = self.messages.clone();
        if let Some(content) = so_far {
            messages.push(json!({"role": "assistant", "content": content}));
        }
        let mut body = json!({
            "model": self.model,
            "max_tokens": self.max_tokens,
            "stream": true,
            "messages": messages,
            "tools": [{"type": self.tool, "name": "code_execution"}],
        });
        if let Some(id) = container.or(self.container.as_deref()) {
            body["container"] = json!(id);
        }
        body
    }

    /// `anthropic-beta` values: the code execution beta of the chosen tool (still accepted,
    /// no longer required) and the Files beta when the conversation references files.
    pub fn betas(&self) -> Vec<&'static str> {
        let mut betas = vec![if self.tool == TOOL_20250522 {
            "code-execution-2025-05-22"
        } else {
            "code-execution-2025-08-25"
        }];
        if references_files(&self.messages) {
            betas.insert(0, FILES_BETA);
        }
        betas
    }
}

fn references_files(messages: &[Value]) -> bool {
    messages.iter().any(|m| {
        m.get("content")
            .and_then(Value::as_array)
            .is_some_and(|blocks| {
                blocks
                    .iter()
                    .any(|b| b.get("file_id").is_some() || b.pointer("/source/file_id").is_some())
            })
    })
}

/// Runs the turn, calling `on_update` for every change as it streams, until it ends or
/// `cancel` fires (then the request is dropped, which closes the connection).
pub async fn run(
    client: &Client,
    request: &TurnRequest,
    cancel: &CancellationToken,
    mut on_update: impl FnMut(&Accumulator, &Update),
) -> TurnResult {
    let betas = request.betas();
    let mut acc = Accumulator::new();
    let mut continuations = 0;
    loop {
        let so_far = (continuations > 0).then(|| acc.content());
        let container = acc.container.as_ref().map(|c| c.id.clone());
        let body = request.body(so_far, container.as_deref());
        let opened = tokio::select! {
            opened = stream::open(client, &body, &betas) => opened,
            () = cancel.cancelled() => return cancelled(acc, continuations),
        };
        let mut events = match opened {
            Ok(events) => events,
            Err(error) => return finish(acc, Some(error), continuations),
        };
        loop {
            let item = tokio::select! {
                item = events.next() => item,
                () = cancel.cancelled() => return cancelled(acc, continuations),
            };
            let Some(item) = item else { break };
            match item {
                Ok(event) => {
                    let update = match acc.apply(event) {
                        Ok(update) => update,
                        Err(violation) => {
                            let error = ApiError::Protocol(violation.to_string());
                            return finish(acc, Some(error), continuations);
                        }
                    };
                    if let Update::Skipped(why) = &update {
                        tracing::warn!("skipped a stream event: {why}");
                    }
                    on_update(&acc, &update);
                    if events.is_settled() {
                        on_update(&acc, &Update::Settled);
                    }
                }
                Err(error) => return finish(acc, Some(error), continuations),
            }
        }
        if let Some((error_type, message, request_id)) = &acc.error {
            let request_id = request_id.as_deref().or(events.request_id());
            let error = ApiError::stream(error_type, message, request_id);
            return finish(acc, Some(error), continuations);
        }
        if acc.stop_reason.as_deref() == Some("pause_turn")
            && continuations < request.max_continuations
        {
            continuations += 1;
            acc.begin_continuation();
            continue;
        }
        return finish(acc, None, continuations);
    }
}

fn finish(acc: Accumulator, error: Option<ApiError>, continuations: u32) -> TurnResult {
    TurnResult {
        acc,
        error,
        continuations,
        cancelled: false,
    }
}

fn cancelled(acc: Accumulator, continuations: u32) -> TurnResult {
    TurnResult {
        cancelled: true,
        ..finish(acc, None, continuations)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(messages: Vec<Value>) -> TurnRequest {
        TurnRequest {
            model: "m".into(),
            max_tokens: 10,
            tool: "code_execution_20250825".into(),
            messages,
            container: Some("container_1".into()),
            max_continuations: 3,
        }
    }

    #[test]
    fn continuation_body_carries_the_answer_so_far_and_the_container() {
        let req = request(vec![
            json!({"role":"user","content":[{"type":"text","text":"hi"}]}),
        ]);
        let body = req.body(
            Some(vec![json!({"type":"text","text":"part"})]),
            Some("container_2"),
        );
        assert_eq!(body["messages"].as_array().unwrap().len(), 2);
        assert_eq!(body["messages"][1]["role"], "assistant");
        assert_eq!(body["container"], "container_2");
        assert_eq!(
            body["tools"][0],
            json!({"type":"code_execution_20250825","name":"code_execution"})
        );
        assert_eq!(body["stream"], true);
    }

    #[test]
    fn files_beta_only_when_files_are_referenced() {
        let plain = request(vec![
            json!({"role":"user","content":[{"type":"text","text":"hi"}]}),
        ]);
        assert_eq!(plain.betas(), vec!["code-execution-2025-08-25"]);
        let with_file = request(vec![
            json!({"role":"user","content":[{"type":"container_upload","file_id":"file_1"}]}),
        ]);
        assert_eq!(
            with_file.betas(),
            vec![FILES_BETA, "code-execution-2025-08-25"]
        );
    }
}
