//! `POST /v1/messages`: scripted scenario entries first, otherwise the demo answer.
//!
//! Invariant: the demo only ever talks about files the request really gave it. Every
//! `container_upload` id must exist in the store and every `container` id must be one this
//! mock created (else 400, like an unknown file or an expired container); files uploaded
//! into a container stay available to later turns that reuse it. The envelope
//! (`message_start` usage, cumulative `message_delta` usage, `container` in the delta) has
//! the recorded shapes. A `document` or `image` block with a file source must name a stored
//! file of a type its block takes (PDF or plain text; JPEG, PNG, GIF or WebP), else 400. Skills
//! in `container.skills` must be Anthropic's four or `custom`, at most 20, with a code execution
//! tool; the response's `container.skills` gives each its resolved version.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use chrono::{Duration, Utc};
use serde_json::{Value, json};

use super::delivery::{self, Delivery};
use super::demo::{self, DemoInput};
use super::error::ApiError;
use super::prompt::{self, Measured};
use super::scenario::MessageEntry;
use super::server::{Shared, lock};
use super::store::{StoredFile, rfc3339_micros};
use super::stream_writer::Turn;
use super::{ids, replay, sse};

pub async fn create(State(state): State<Shared>, body: Bytes) -> Response {
    let (queued, fallback) = {
        let mut queues = lock(&state.queues);
        (queues.messages.pop_front(), queues.demo_delivery)
    };
    let demo_delivery = match queued {
        Some(MessageEntry::Error(entry)) => return replay::error_response(entry),
        Some(MessageEntry::Sse(r)) => return replay::sse_response(r).await,
        Some(MessageEntry::Demo(d)) => d,
        None => fallback,
    };
    demo_answer(state, &body, demo_delivery)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

/// `POST /v1/messages/count_tokens`: the prompt's size as this mock counts it, before any
/// context edit (`{"input_tokens": N}`).
pub async fn count_tokens(body: Bytes) -> Response {
    let Ok(req) = serde_json::from_slice::<Value>(&body) else {
        return ApiError::invalid("The request body is not valid JSON").into_response();
    };
    if !req["messages"].is_array() || !req["model"].is_string() {
        return ApiError::invalid("model and messages: Field required").into_response();
    }
    Json(json!({"input_tokens": prompt::count(&req)})).into_response()
}

/// What the demo needs to know about one request.
struct Parsed {
    model: String,
    stream: bool,
    prompt: Measured,
    /// The request asked for context management (its answer reports what was applied).
    managed: bool,
    /// The request asked for compaction (its usage lists each sampling step).
    compacting: bool,
    input: DemoInput,
    container: Option<String>,
    /// The loaded skills with their resolved versions, for the response's `container`.
    skills: Vec<Value>,
}

fn parse(state: &Shared, body: &[u8]) -> Result<Parsed, ApiError> {
    let req: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::invalid(format!("The request body is not valid JSON: {e}")))?;
    let model = req["model"]
        .as_str()
        .ok_or_else(|| ApiError::invalid("model: Field required"))?
        .to_string();
    if !req["max_tokens"].is_u64() {
        return Err(ApiError::invalid("max_tokens: Field required"));
    }
    let messages = req["messages"]
        .as_array()
        .filter(|m| !m.is_empty())
        .ok_or_else(|| ApiError::invalid("messages: at least one message is required"))?;
    let last_user = messages
        .iter()
        .rev()
        .find(|m| m["role"] == "user")
        .ok_or_else(|| ApiError::invalid("messages: a user message is required"))?;
    let blocks: Vec<Value> = match &last_user["content"] {
        Value::String(s) => vec![json!({"type": "text", "text": s})],
        Value::Array(a) => a.clone(),
        _ => {
            return Err(ApiError::invalid(
                "messages: content must be a string or an array",
            ));
        }
    };
    let question = blocks
        .iter()
        .filter(|b| b["type"] == "text")
        .filter_map(|b| b["text"].as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let uploads = blocks
        .iter()
        .filter(|b| b["type"] == "container_upload")
        .map(|b| {
            let id = b["file_id"].as_str().unwrap_or_default();
            state
                .files
                .get(id)
                .ok_or_else(|| ApiError::invalid(format!("File `{id}` not found.")))
        })
        .collect::<Result<Vec<StoredFile>, ApiError>>()?;
    let read = read_files(state, &blocks)?;
    let tools = req["tools"].as_array().map(Vec::as_slice).unwrap_or(&[]);
    let tool_type = |t: &str| tools.iter().any(|tool| tool["type"] == t);
    let code_tool = tools.iter().any(|t| {
        t["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("code_execution_"))
    });
    let requested = req["container"]
        .as_str()
        .or_else(|| req["container"]["id"].as_str());
    let skills = skills(&req["container"]["skills"], code_tool)?;
    let prompt = prompt::measure(state, &req, state.context_window)?;
    let edits = req["context_management"]["edits"].as_array();
    let (container, available) =
        resolve_container(state, requested, &uploads, code_tool || !skills.is_empty())?;
    Ok(Parsed {
        model,
        stream: req["stream"] == true,
        prompt,
        managed: edits.is_some(),
        compacting: edits
            .into_iter()
            .flatten()
            .any(|e| e["type"] == "compact_20260112"),
        container,
        input: DemoInput {
            question,
            legacy: tool_type("code_execution_20250522"),
            files: available,
            read,
            skills: skills
                .iter()
                .filter_map(|s| s["skill_id"].as_str().map(String::from))
                .collect(),
        },
        skills,
    })
}

/// The stored files of the `document` and `image` blocks that have a file source.
fn read_files(state: &Shared, blocks: &[Value]) -> Result<Vec<StoredFile>, ApiError> {
    let mut read = Vec::new();
    for (i, b) in blocks.iter().enumerate() {
        let kind = b["type"].as_str().unwrap_or_default();
        if !matches!(kind, "document" | "image") || b["source"]["type"] != "file" {
            continue;
        }
        let id = b["source"]["file_id"].as_str().unwrap_or_default();
        let file = state
            .files
            .get(id)
            .ok_or_else(|| ApiError::invalid(format!("File `{id}` not found.")))?;
        let fits = match kind {
            "document" => matches!(file.mime_type.as_str(), "application/pdf" | "text/plain"),
            _ => matches!(
                file.mime_type.as_str(),
                "image/jpeg" | "image/png" | "image/gif" | "image/webp"
            ),
        };
        if !fits {
            return Err(ApiError::invalid(format!(
                "content.{i}.{kind}.source: file `{id}` has type {}, which a {kind} block does not take.",
                file.mime_type
            )));
        }
        read.push(file);
    }
    Ok(read)
}

/// Checks `container.skills` and returns each with its resolved version.
fn skills(requested: &Value, code_tool: bool) -> Result<Vec<Value>, ApiError> {
    let Some(list) = requested.as_array() else {
        return Ok(Vec::new());
    };
    if !list.is_empty() && !code_tool {
        return Err(ApiError::invalid(
            "container.skills: skills require the code execution tool.",
        ));
    }
    if list.len() > 20 {
        return Err(ApiError::invalid(
            "container.skills: at most 20 skills may be loaded per request.",
        ));
    }
    list.iter()
        .enumerate()
        .map(|(i, s)| {
            let id = s["skill_id"].as_str().unwrap_or_default();
            let version = s["version"].as_str().unwrap_or("latest");
            let resolved = match (s["type"].as_str(), id) {
                (Some("anthropic"), "pptx" | "xlsx" | "docx" | "pdf") => if version == "latest" {
                    "20251013"
                } else {
                    version
                }
                .to_string(),
                (Some("custom"), id) if id.starts_with("skill_") => if version == "latest" {
                    "1759178010641129"
                } else {
                    version
                }
                .to_string(),
                _ => {
                    return Err(ApiError::invalid(format!(
                        "container.skills.{i}: skill `{id}` was not found."
                    )));
                }
            };
            Ok(json!({"type": s["type"], "skill_id": id, "version": resolved}))
        })
        .collect()
}

/// Finds or creates the container; returns it and the files visible in it, this turn's first.
fn resolve_container(
    state: &Shared,
    requested: Option<&str>,
    uploads: &[StoredFile],
    code_tool: bool,
) -> Result<(Option<String>, Vec<StoredFile>), ApiError> {
    let mut containers = lock(&state.containers);
    let id = match requested {
        Some(id) if containers.contains_key(id) => id.to_string(),
        Some(id) => {
            return Err(ApiError::invalid(format!(
                "container: `{id}` was not found or has expired."
            )));
        }
        None if code_tool || !uploads.is_empty() => {
            let id = ids::container_id();
            containers.insert(id.clone(), Vec::new());
            id
        }
        None => return Ok((None, Vec::new())),
    };
    let held = containers.entry(id.clone()).or_default();
    for f in uploads {
        if !held.contains(&f.id) {
            held.push(f.id.clone());
        }
    }
    let mut files: Vec<StoredFile> = uploads.to_vec();
    files.extend(
        held.iter()
            .rev()
            .filter(|id| !uploads.iter().any(|u| &u.id == *id))
            .filter_map(|id| state.files.get(id)),
    );
    Ok((Some(id), files))
}

/// The usage of an answer that wrote `output` tokens: its prompt as the cache billed it and,
/// when compaction was asked for, each sampling step.
fn usage(p: &Parsed, output: u64) -> Value {
    let m = &p.prompt;
    let mut usage = json!({
        "input_tokens": m.input,
        "cache_creation_input_tokens": m.cache_write,
        "cache_read_input_tokens": m.cache_read,
        "cache_creation": {"ephemeral_5m_input_tokens": m.cache_write, "ephemeral_1h_input_tokens": 0},
        "output_tokens": output,
    });
    if p.compacting {
        let mut steps = Vec::new();
        if let Some((summary, before)) = &m.compaction {
            steps.push(json!({
                "type": "compaction", "input_tokens": before, "output_tokens": summary.len().div_ceil(4),
                "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0,
            }));
        }
        steps.push(json!({
            "type": "message", "input_tokens": m.input, "output_tokens": output,
            "cache_read_input_tokens": m.cache_read, "cache_creation_input_tokens": m.cache_write,
        }));
        usage["iterations"] = json!(steps);
    }
    usage
}

async fn demo_answer(state: Shared, body: &[u8], d: Delivery) -> Result<Response, ApiError> {
    let p = parse(&state, body)?;
    let id = ids::message_id();
    let mut start_usage = usage(&p, fastrand::u64(1..8));
    start_usage["service_tier"] = json!("standard");
    start_usage["inference_geo"] = json!("not_available");
    start_usage.as_object_mut().map(|u| u.remove("iterations"));
    let container = p.container.as_ref().map(|c| {
        let mut container =
            json!({"id": c, "expires_at": rfc3339_micros(Utc::now() + Duration::minutes(5))});
        if !p.skills.is_empty() {
            container["skills"] = json!(p.skills);
        }
        container
    });
    let context_management = p
        .managed
        .then(|| json!({"applied_edits": p.prompt.applied_edits}));
    if !p.stream {
        let mut turn = Turn::new(None);
        if let Some((summary, _)) = &p.prompt.compaction {
            let _ = turn.compaction(summary).await;
        }
        let _ = demo::run(&mut turn, &state, &p.input).await;
        let output_tokens = (turn.output_chars / 4).max(1) as u64;
        let (_, content) = turn.into_parts();
        let mut usage = usage(&p, output_tokens);
        usage["server_tool_use"] = json!({"web_search_requests": 0, "web_fetch_requests": 0});
        let mut message = json!({
            "model": p.model, "id": id, "type": "message", "role": "assistant",
            "content": content, "stop_reason": "end_turn", "stop_sequence": null,
            "stop_details": null, "usage": usage,
        });
        if let Some(c) = container {
            message["container"] = c;
        }
        if let Some(cm) = context_management {
            message["context_management"] = cm;
        }
        return Ok(Json(message).into_response());
    }
    let (writer, events) = sse::channel(state.pace);
    tokio::spawn(async move {
        let mut turn = Turn::new(Some(writer));
        let start = json!({"type": "message_start", "message": {
            "model": p.model, "id": id, "type": "message", "role": "assistant",
            "content": [], "stop_reason": null, "stop_sequence": null, "stop_details": null,
            "usage": start_usage,
        }});
        if turn.send(start).await.is_err() {
            return;
        }
        if let Some((summary, _)) = &p.prompt.compaction
            && turn.compaction(summary).await.is_err()
        {
            return;
        }
        if demo::run(&mut turn, &state, &p.input).await.is_err() {
            return;
        }
        let mut delta =
            json!({"stop_reason": "end_turn", "stop_sequence": null, "stop_details": null});
        if let Some(c) = container {
            delta["container"] = c;
        }
        let mut usage = usage(&p, (turn.output_chars / 4).max(1) as u64);
        usage["server_tool_use"] = json!({"web_search_requests": 0, "web_fetch_requests": 0});
        let mut event = json!({"type": "message_delta", "delta": delta, "usage": usage});
        if let Some(cm) = context_management {
            event["context_management"] = cm;
        }
        let _ = turn.send(event).await;
        let _ = turn.send(json!({"type": "message_stop"})).await;
    });
    Ok(delivery::respond(events, d).await)
}
