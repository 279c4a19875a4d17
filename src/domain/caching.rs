//! Prompt caching: where a turn's request puts its `cache_control` breakpoints.
//!
//! Invariant: breakpoints go on the last block of the four newest user messages and nowhere
//! else, and only in the body sent, never in the stored conversation. The newest one writes
//! the prefix this turn sends (so the next turn reads it); the older ones match exactly what
//! earlier turns wrote, so one is read back however many blocks the answers in between added
//! (the API only looks back 20 blocks from a breakpoint for an earlier entry) and even when
//! clearing old code runs changed the prompt after it. That is all four breakpoints a request
//! may carry; the tools are a few dozen tokens, far below the smallest prefix the API caches,
//! so they need none.

use serde_json::{Value, json};

/// Breakpoints a request carries (the API takes at most 4).
pub const BREAKPOINTS: usize = 4;

/// Marks the last block of the `BREAKPOINTS` newest user messages of `messages` as a cache
/// breakpoint (`{"type": "ephemeral"}`, the 5-minute cache).
pub fn mark(messages: &mut [Value]) {
    let users = messages
        .iter_mut()
        .rev()
        .filter(|m| m["role"] == "user")
        .take(BREAKPOINTS);
    for message in users {
        if let Some(text) = message["content"].as_str() {
            message["content"] = json!([{"type": "text", "text": text}]);
        }
        let last = message["content"]
            .as_array_mut()
            .and_then(|blocks| blocks.last_mut())
            .filter(|b| b.is_object());
        if let Some(block) = last {
            block["cache_control"] = json!({"type": "ephemeral"});
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_newest_user_messages_end_with_a_breakpoint() {
        let mut messages = vec![
            json!({"role": "user", "content": [{"type": "text", "text": "zero"}]}),
            json!({"role": "assistant", "content": [{"type": "text", "text": "-"}]}),
            json!({"role": "user", "content": [{"type": "text", "text": "one"}]}),
            json!({"role": "assistant", "content": [{"type": "text", "text": "-"}]}),
            json!({"role": "user", "content": [{"type": "text", "text": "one and a half"}]}),
            json!({"role": "assistant", "content": [{"type": "text", "text": "a"}]}),
            json!({"role": "user", "content": "two"}),
            json!({"role": "assistant", "content": [{"type": "text", "text": "b"}]}),
            json!({"role": "user", "content": [
                {"type": "text", "text": "three"},
                {"type": "container_upload", "file_id": "file_1"},
            ]}),
            json!({"role": "assistant", "content": [{"type": "text", "text": "so far"}]}),
        ];
        mark(&mut messages);
        let ephemeral = json!({"type": "ephemeral"});
        assert!(messages[0]["content"][0].get("cache_control").is_none());
        assert_eq!(messages[2]["content"][0]["cache_control"], ephemeral);
        assert_eq!(messages[4]["content"][0]["cache_control"], ephemeral);
        assert_eq!(
            messages[6]["content"],
            json!([{"type": "text", "text": "two", "cache_control": ephemeral}])
        );
        assert!(messages[8]["content"][0].get("cache_control").is_none());
        assert_eq!(messages[8]["content"][1]["cache_control"], ephemeral);
        assert!(messages[9]["content"][0].get("cache_control").is_none());
        let marked = messages
            .iter()
            .flat_map(|m| m["content"].as_array().cloned().unwrap_or_default())
            .filter(|b| b.get("cache_control").is_some())
            .count();
        assert_eq!(marked, 4);
    }
}
