//! What an answer says, read from its content blocks.
//!
//! Invariant: only `text` blocks count as the answer's prose; tool calls, their results and
//! thinking are not part of it.

use serde_json::Value;

/// The text blocks joined, as the answer's plain text.
pub fn answer_text(blocks: &[Value]) -> String {
    blocks
        .iter()
        .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
        .filter_map(|b| b.get("text").and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join("\n\n")
}
