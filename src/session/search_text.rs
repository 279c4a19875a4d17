//! What full-text search sees of a message, and how user text becomes an FTS5 query.
//!
//! Invariants: the indexed text is derived from the content blocks alone (text blocks, the code
//! or command each tool ran, and the run's stdout and stderr), never thinking, so a search
//! finds what was said and what ran but not the model's private reasoning. User queries are
//! never FTS5 syntax: every whitespace-separated term is quoted as a string, so characters like
//! `"`, `-`, `:`, `*` or `NEAR` match literally (as tokens) instead of failing to parse.

use crate::domain::execution::executions;
use serde_json::Value;

/// The searchable text of one message's content blocks, one piece per line.
pub fn searchable_text(content: &[Value]) -> String {
    let mut pieces: Vec<&str> = content
        .iter()
        .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
        .filter_map(|b| b.get("text").and_then(Value::as_str))
        .collect();
    let runs = executions(content);
    for run in &runs {
        for field in ["code", "command", "file_text"] {
            if let Some(text) = run.input.get(field).and_then(Value::as_str) {
                pieces.push(text);
            }
        }
        if let Some(result) = &run.result {
            pieces.push(&result.stdout);
            pieces.push(&result.stderr);
        }
    }
    pieces.retain(|p| !p.is_empty());
    pieces.join("\n")
}

/// An FTS5 query matching rows that contain every term of `input`; `None` when it has none.
pub fn fts_query(input: &str) -> Option<String> {
    let terms: Vec<String> = input
        .split_whitespace()
        .map(|term| format!("\"{}\"", term.replace('"', "\"\"")))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn indexes_text_code_and_output_but_not_thinking() {
        let blocks = vec![
            json!({"type":"thinking","thinking":"secret plan"}),
            json!({"type":"text","text":"Let me look."}),
            json!({"type":"server_tool_use","id":"a","name":"bash_code_execution","input":{"command":"wc -l data.csv"}}),
            json!({"type":"bash_code_execution_tool_result","tool_use_id":"a","content":{"type":"bash_code_execution_result","stdout":"42 data.csv","stderr":"warning: odd","return_code":0,"content":[]}}),
            json!({"type":"mystery","text":"not a text block"}),
        ];
        let text = searchable_text(&blocks);
        assert_eq!(
            text,
            "Let me look.\nwc -l data.csv\n42 data.csv\nwarning: odd"
        );
    }

    #[test]
    fn queries_quote_every_term() {
        assert_eq!(
            fts_query(r#"a-b "c:d"  NEAR"#).as_deref(),
            Some(r#""a-b" """c:d""" "NEAR""#)
        );
        assert_eq!(fts_query("  "), None);
    }
}
