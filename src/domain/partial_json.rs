//! Reading a tool's input while it streams: JSON cut anywhere, read as far as it goes.
//!
//! Invariant: the result is what the complete input would hold so far: every field whose
//! value has begun, strings cut where the stream is (an escape cut in half is left out),
//! objects and arrays closed. It never invents a value beyond `null` for a key whose value has
//! not begun (or is a literal cut in half), and input that is not a JSON object gives an empty object, never an error: the
//! complete input replaces this when the block stops.

use serde_json::{Map, Value};

/// The object `partial` (the first bytes of a JSON object) holds so far.
pub fn partial_object(partial: &str) -> Value {
    let closed = close(partial);
    match serde_json::from_str::<Value>(&closed) {
        Ok(value @ Value::Object(_)) => value,
        _ => Value::Object(Map::new()),
    }
}

/// `partial` completed with what it lacks: the end of an open string, a `null` for a key
/// without its value, and the closing brackets.
fn close(partial: &str) -> String {
    let mut out = String::with_capacity(partial.len() + 8);
    let mut open: Vec<char> = Vec::new();
    let mut in_string = false;
    let mut chars = partial.chars().peekable();
    while let Some(c) = chars.next() {
        if in_string {
            match c {
                '\\' => {
                    let rest: String = chars.clone().take(5).collect();
                    let whole = match rest.chars().next() {
                        Some('u') => {
                            rest.len() == 5 && rest[1..].chars().all(|h| h.is_ascii_hexdigit())
                        }
                        Some(_) => true,
                        None => false,
                    };
                    if !whole {
                        break;
                    }
                    out.push(c);
                    let take = if rest.starts_with('u') { 5 } else { 1 };
                    for _ in 0..take {
                        if let Some(next) = chars.next() {
                            out.push(next);
                        }
                    }
                    continue;
                }
                '"' => in_string = false,
                _ => {}
            }
            out.push(c);
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' => open.push('}'),
            '[' => open.push(']'),
            '}' | ']' => {
                open.pop();
            }
            _ => {}
        }
        out.push(c);
    }
    if in_string {
        out.push('"');
    }
    // A value cut inside a literal or number, or not begun after a key.
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    let literal_start = out
        .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '+'))
        .map_or(0, |at| at + 1);
    let literal = &out[literal_start..];
    if !literal.is_empty() && serde_json::from_str::<Value>(literal).is_err() {
        out.truncate(literal_start);
    }
    let out_trimmed = out.trim_end().len();
    out.truncate(out_trimmed);
    if out.ends_with(',') {
        out.pop();
    }
    if out.ends_with(':') {
        out.push_str("null");
    }
    // A key without its colon (`{"a": 1, "b"`) is dropped.
    if out.ends_with('"') && open.last() == Some(&'}') {
        let before_key = key_start(&out);
        if let Some(at) = before_key {
            let head = out[..at].trim_end();
            if head.ends_with(',') || head.ends_with('{') {
                out.truncate(at);
                let t = out.trim_end().len();
                out.truncate(t);
                if out.ends_with(',') {
                    out.pop();
                }
            }
        }
    }
    while let Some(close) = open.pop() {
        out.push(close);
    }
    out
}

/// Where the string that ends `text` (at its last `"`) begins, if it is a string.
fn key_start(text: &str) -> Option<usize> {
    let body = &text[..text.len() - 1];
    let mut at = body.len();
    while let Some(quote) = body[..at].rfind('"') {
        let backslashes = body[..quote]
            .chars()
            .rev()
            .take_while(|&c| c == '\\')
            .count();
        if backslashes % 2 == 0 {
            return Some(quote);
        }
        at = quote;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_prefix_of_a_real_input_reads_as_far_as_it_goes() {
        let full = r#"{"command": "create", "path": "/tmp/a \"b\".py", "file_text": "print(\"é\\n\")\nx = [1, 2.5, -3e2, true, null]\n", "n": 12}"#;
        let mut last_text_len = 0;
        for end in (0..=full.len()).filter(|&i| full.is_char_boundary(i)) {
            let value = partial_object(&full[..end]);
            assert!(value.is_object(), "{:?} -> {value}", &full[..end]);
            if let Some(text) = value.get("file_text").and_then(Value::as_str) {
                assert!(
                    text.len() >= last_text_len,
                    "the code went backwards at {end}"
                );
                last_text_len = text.len();
            }
        }
        assert_eq!(
            partial_object(full),
            serde_json::from_str::<Value>(full).unwrap()
        );
    }

    #[test]
    fn a_cut_string_keeps_what_arrived_and_a_cut_escape_is_left_out() {
        assert_eq!(
            partial_object(r#"{"command": "ls -"#),
            json!({"command": "ls -"})
        );
        assert_eq!(partial_object(r#"{"code": "a\"#), json!({"code": "a"}));
        assert_eq!(partial_object(r#"{"code": "a\u00e"#), json!({"code": "a"}));
        assert_eq!(
            partial_object(r#"{"command": "create", "pa"#),
            json!({"command": "create"})
        );
        assert_eq!(partial_object(r#"{"command":"#), json!({"command": null}));
        assert_eq!(partial_object(r#"{"n": 1"#), json!({"n": 1}));
        assert_eq!(partial_object(r#"{"b": tr"#), json!({"b": null}));
        assert_eq!(partial_object(""), json!({}));
        assert_eq!(partial_object("[1, 2"), json!({}));
    }
}
