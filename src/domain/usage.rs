//! Token usage: per answer (cumulative within a stream) and summed across continuations.
//!
//! Invariant: `message_delta.usage` values are cumulative, so a later value replaces an earlier
//! one field by field; separate requests (a `pause_turn` continuation) add up.

use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cache_creation_input_tokens: u64,
    pub cache_read_input_tokens: u64,
}

impl Usage {
    /// Overwrites the fields that `value` (an API `usage` object) carries.
    pub fn overlay(&mut self, value: &Value) {
        let set = |name: &str, slot: &mut u64| {
            if let Some(n) = value.get(name).and_then(Value::as_u64) {
                *slot = n;
            }
        };
        set("input_tokens", &mut self.input_tokens);
        set("output_tokens", &mut self.output_tokens);
        set(
            "cache_creation_input_tokens",
            &mut self.cache_creation_input_tokens,
        );
        set("cache_read_input_tokens", &mut self.cache_read_input_tokens);
    }

    /// The usage a request is billed for: with compaction the API reports each sampling step
    /// in `iterations` and leaves the compaction step out of the top-level counts, so the
    /// steps are summed; without `iterations` it is the top level.
    pub fn billed(value: &Value) -> Usage {
        match value.get("iterations").and_then(Value::as_array) {
            Some(steps) if !steps.is_empty() => {
                let mut total = Usage::default();
                for step in steps {
                    let mut one = Usage::default();
                    one.overlay(step);
                    total.add(&one);
                }
                total.output_tokens = total.output_tokens.max(
                    value
                        .get("output_tokens")
                        .and_then(Value::as_u64)
                        .unwrap_or(0),
                );
                total
            }
            _ => {
                let mut usage = Usage::default();
                usage.overlay(value);
                usage
            }
        }
    }

    /// The tokens the request's prompt held: what is read, written and not cached.
    pub fn prompt_tokens(&self) -> u64 {
        self.input_tokens + self.cache_creation_input_tokens + self.cache_read_input_tokens
    }

    pub fn add(&mut self, other: &Usage) {
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
        self.cache_creation_input_tokens += other.cache_creation_input_tokens;
        self.cache_read_input_tokens += other.cache_read_input_tokens;
    }
}

/// Usage from its four counts: input, output, cache write, cache read (for tests).
#[cfg(test)]
pub(crate) fn counts(input: u64, output: u64, write: u64, read: u64) -> Usage {
    Usage {
        input_tokens: input,
        output_tokens: output,
        cache_creation_input_tokens: write,
        cache_read_input_tokens: read,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn overlay_replaces_present_fields_only() {
        let mut u = Usage::default();
        u.overlay(&json!({"input_tokens": 10, "output_tokens": 1, "cache_read_input_tokens": 4}));
        u.overlay(&json!({"output_tokens": 25}));
        assert_eq!(
            u,
            Usage {
                input_tokens: 10,
                output_tokens: 25,
                cache_creation_input_tokens: 0,
                cache_read_input_tokens: 4
            }
        );
        let mut total = u;
        total.add(&u);
        assert_eq!(total.output_tokens, 50);
    }
}
