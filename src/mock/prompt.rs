//! What the mock makes of a request's prompt: its size, what the prompt cache gives back,
//! what context management does to it, and whether it fits the context window.
//!
//! Invariant: a rough but consistent model of the documented behaviour (tests/fixtures/api/
//! LONG_SESSIONS.md), on the request's own JSON and nothing the client shares. A token is 4
//! bytes of the prompt's JSON (`cache_control` left out). Cache entries are keyed by a hash of
//! the prompt up to a breakpoint, so only an identical prefix is read back; prefixes under
//! [`MIN_CACHEABLE`] tokens are not cached. Content before a `compaction` block is ignored.
//! Clearing replaces the results of all but the newest `keep` code runs once the prompt passes
//! its trigger; compaction replaces everything before the newest user message with a summary.
//! A prompt still over the window is refused with the API's "prompt is too long" error.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use serde_json::{Value, json};

use super::error::ApiError;
use super::server::{Shared, lock};

/// The smallest prefix the cache keeps, in tokens (Sonnet 4.5's documented minimum).
pub const MIN_CACHEABLE: u64 = 1024;
/// What a cleared tool result is replaced with.
const CLEARED: &str = "[cleared to save context]";

/// The prompt as billed.
#[derive(Debug, Default, PartialEq)]
pub struct Measured {
    /// Tokens neither read from nor written to the cache.
    pub input: u64,
    pub cache_read: u64,
    pub cache_write: u64,
    /// `context_management.applied_edits` of the response.
    pub applied_edits: Vec<Value>,
    /// A compaction happened: the summary, and the prompt's size before it.
    pub compaction: Option<(String, u64)>,
}

/// One piece of the prompt, in the order the API reads it: tools, then each message's blocks.
struct Piece {
    json: String,
    breakpoint: bool,
    /// A code run's result (clearing may replace it).
    tool_result: bool,
    /// A code run's input (`server_tool_use`; cleared too with `clear_tool_inputs`).
    tool_use: bool,
    /// Starts the newest user message (compaction keeps from here).
    newest_user: bool,
    /// A tool definition (compaction keeps these).
    tool_def: bool,
}

fn tokens(bytes: usize) -> u64 {
    (bytes as u64).div_ceil(4)
}

/// `value` as JSON without its `cache_control`.
fn canonical(value: &Value) -> String {
    let mut v = value.clone();
    if let Some(o) = v.as_object_mut() {
        o.remove("cache_control");
    }
    v.to_string()
}

fn pieces(req: &Value) -> Vec<Piece> {
    let mut out: Vec<Piece> = req["tools"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| Piece {
            json: canonical(t),
            breakpoint: t.get("cache_control").is_some(),
            tool_result: false,
            tool_use: false,
            newest_user: false,
            tool_def: true,
        })
        .collect();
    let messages = req["messages"].as_array().cloned().unwrap_or_default();
    let newest_user = messages.iter().rposition(|m| m["role"] == "user");
    // The API ignores everything before the newest compaction block.
    let mut skip_to = None;
    for (m, message) in messages.iter().enumerate() {
        if let Some(b) = message["content"]
            .as_array()
            .and_then(|bs| bs.iter().rposition(|b| b["type"] == "compaction"))
        {
            skip_to = Some((m, b));
        }
    }
    for (m, message) in messages.iter().enumerate() {
        let role = message["role"].as_str().unwrap_or_default();
        let blocks = match &message["content"] {
            Value::String(s) => vec![json!({"type": "text", "text": s})],
            Value::Array(a) => a.clone(),
            _ => Vec::new(),
        };
        for (b, block) in blocks.iter().enumerate() {
            if skip_to.is_some_and(|(sm, sb)| (m, b) < (sm, sb)) {
                continue;
            }
            let kind = block["type"].as_str().unwrap_or_default();
            out.push(Piece {
                json: format!("{role}:{}", canonical(block)),
                breakpoint: block.get("cache_control").is_some(),
                tool_result: kind.ends_with("_tool_result"),
                tool_use: kind == "server_tool_use",
                newest_user: Some(m) == newest_user && b == 0,
                tool_def: false,
            });
        }
    }
    out
}

fn total(pieces: &[Piece]) -> u64 {
    pieces.iter().map(|p| tokens(p.json.len())).sum()
}

/// The prompt's size in tokens, before any context edit.
pub fn count(req: &Value) -> u64 {
    total(&pieces(req))
}

/// Measures the prompt of `req` against the cache and `window`, applying its context edits.
pub fn measure(state: &Shared, req: &Value, window: u64) -> Result<Measured, ApiError> {
    let mut pieces = pieces(req);
    let mut measured = Measured::default();
    let edit = &req["context_management"]["edits"][0];
    let trigger = edit["trigger"]["value"].as_u64().unwrap_or(u64::MAX);
    let before = total(&pieces);
    if before > trigger {
        match edit["type"].as_str() {
            Some("clear_tool_uses_20250919") => {
                let keep = edit["keep"]["value"].as_u64().unwrap_or(3) as usize;
                let inputs_too = edit["clear_tool_inputs"] == true;
                let oldest = |pick: fn(&Piece) -> bool, pieces: &[Piece]| -> Vec<usize> {
                    let all: Vec<usize> = (0..pieces.len()).filter(|&i| pick(&pieces[i])).collect();
                    all[..all.len().saturating_sub(keep)].to_vec()
                };
                let results = oldest(|p| p.tool_result, &pieces);
                let clear = results.len();
                let mut cleared = results;
                if inputs_too {
                    cleared.extend(oldest(|p| p.tool_use, &pieces));
                }
                for i in cleared {
                    pieces[i].json = format!("cleared:{CLEARED}");
                }
                if clear > 0 {
                    measured.applied_edits.push(json!({
                        "type": "clear_tool_uses_20250919",
                        "cleared_tool_uses": clear,
                        "cleared_input_tokens": before - total(&pieces),
                    }));
                }
            }
            Some("compact_20260112") => {
                let newest = pieces.iter().position(|p| p.newest_user).unwrap_or(0);
                let earlier = pieces.len().min(newest);
                let summary = format!(
                    "## Summary of the conversation so far\n\n{} earlier pieces of the conversation ({} tokens) were summarized by clab's mock; the newest question follows.",
                    earlier,
                    total(&pieces[..earlier])
                );
                let tools = pieces.iter().take_while(|p| p.tool_def).count();
                let rest = pieces.split_off(newest.max(tools));
                pieces.truncate(tools);
                pieces.push(Piece {
                    json: format!(
                        "assistant:{}",
                        json!({"type": "compaction", "content": summary})
                    ),
                    breakpoint: false,
                    tool_result: false,
                    tool_use: false,
                    newest_user: false,
                    tool_def: false,
                });
                pieces.extend(rest);
                measured.compaction = Some((summary, before));
            }
            _ => {}
        }
    }
    let size = total(&pieces);
    if size > window {
        return Err(ApiError::invalid(format!(
            "prompt is too long: {size} tokens > {window} maximum"
        )));
    }
    let (read, write) = cache(state, &pieces);
    measured.cache_read = read;
    measured.cache_write = write;
    measured.input = size - read - write;
    Ok(measured)
}

/// Reads the longest cached prefix that ends at a breakpoint, and writes the prefix up to the
/// last breakpoint; returns (read, written) tokens.
fn cache(state: &Shared, pieces: &[Piece]) -> (u64, u64) {
    let mut hasher = DefaultHasher::new();
    let mut so_far = 0;
    let mut points = Vec::new();
    for p in pieces {
        p.json.hash(&mut hasher);
        so_far += tokens(p.json.len());
        if p.breakpoint && so_far >= MIN_CACHEABLE {
            points.push((hasher.finish(), so_far));
        }
    }
    let mut cached = lock(&state.prompt_cache);
    let read = points
        .iter()
        .filter(|(h, _)| cached.contains(h))
        .map(|(_, t)| *t)
        .max()
        .unwrap_or(0);
    let write = points.last().map_or(0, |(h, t)| {
        if cached.contains(h) {
            0
        } else {
            t.saturating_sub(read)
        }
    });
    cached.extend(points.iter().map(|(h, _)| *h));
    (read, write)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_control_is_not_part_of_the_prompt() {
        let a = json!({"type": "text", "text": "hi"});
        let b = json!({"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}});
        assert_eq!(canonical(&a), canonical(&b));
    }

    #[test]
    fn content_before_a_compaction_block_is_ignored() {
        let req = json!({"messages": [
            {"role": "user", "content": "a very long question that was asked long ago"},
            {"role": "assistant", "content": [
                {"type": "compaction", "content": "summary"},
                {"type": "text", "text": "answer"},
            ]},
            {"role": "user", "content": "next"},
        ]});
        let kept: Vec<String> = pieces(&req).into_iter().map(|p| p.json).collect();
        assert_eq!(kept.len(), 3);
        assert!(kept[0].contains("\"compaction\""));
        assert!(kept[2].contains("next"));
    }
}
