//! Code runs, derived from content blocks: a `server_tool_use` paired with the result block
//! whose `tool_use_id` equals its `id`.
//!
//! Invariant: this is a read-only view; the blocks stay the source of truth. Results are read
//! by the rules of the wire format rather than by exact type names: any block with a
//! `tool_use_id` and a `content` object is a result; a content `type` ending in `_error` is an
//! error; `file_id`s anywhere in `content.content[]` are output files. So the 20250522,
//! 20250825 and future variants all pair without special cases.

use serde::Serialize;
use serde_json::Value;

/// What a run without a result is: running while its answer streams, else stopped (the answer
/// was stopped, cut or failed before the result came). Said the same way on screen, on
/// resume and in exports.
pub fn without_result(streaming: bool) -> &'static str {
    if streaming { "running…" } else { STOPPED }
}

/// A run whose answer ended before its result came.
pub const STOPPED: &str = "stopped before it finished";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Execution {
    pub tool_use_id: String,
    /// The server tool's name: `bash_code_execution`, `text_editor_code_execution`, `code_execution`…
    pub tool: String,
    pub input: Value,
    pub result: Option<ExecResult>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ExecResult {
    /// The result content's `type`, e.g. `bash_code_execution_result`.
    pub kind: String,
    pub stdout: String,
    pub stderr: String,
    pub return_code: Option<i64>,
    pub output_file_ids: Vec<String>,
    /// Set for `*_error` results.
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// The whole result `content`, for views that show editor results.
    pub content: Value,
}

/// Whether a server tool runs code in the container (web search and fetch do not): code runs
/// get a card in the code pane and a selectable marker in the conversation.
pub fn is_code_tool(name: &str) -> bool {
    !matches!(name, "web_search" | "web_fetch")
}

impl Execution {
    pub fn is_code(&self) -> bool {
        is_code_tool(&self.tool)
    }

    /// A short label: `bash`, `python`, `view`, `create`, `str_replace`, or the tool name.
    pub fn label(&self) -> String {
        match self.tool.as_str() {
            "bash_code_execution" => "bash".to_string(),
            "code_execution" => "python".to_string(),
            // The sub-command is the input's first field: until it arrives, just "editor".
            "text_editor_code_execution" => match self.input.get("command").and_then(Value::as_str)
            {
                Some(command) => format!("editor {command}"),
                None => "editor".to_string(),
            },
            other => other.to_string(),
        }
    }

    /// The code or command that ran, as one text.
    pub fn code(&self) -> String {
        let field = |name: &str| self.input.get(name).and_then(Value::as_str);
        if let Some(code) = field("code").or(field("file_text")) {
            return code.to_string();
        }
        if self.tool == "text_editor_code_execution" {
            let path = field("path").unwrap_or("");
            return match (field("old_str"), field("new_str")) {
                (Some(old), Some(new)) => format!("{path}\n- {old}\n+ {new}"),
                _ => path.to_string(),
            };
        }
        match field("command") {
            Some(command) => command.to_string(),
            None if self.input.is_string() => self.input.as_str().unwrap_or("").to_string(),
            // Nothing of the input has arrived yet.
            None if self.input.as_object().is_some_and(|o| o.is_empty()) => String::new(),
            None => self.input.to_string(),
        }
    }
}

/// Every execution in `blocks`, in the order the tool uses appear.
pub fn executions(blocks: &[Value]) -> Vec<Execution> {
    let mut runs: Vec<Execution> = blocks
        .iter()
        .filter(|b| b.get("type").and_then(Value::as_str) == Some("server_tool_use"))
        .filter_map(|b| {
            Some(Execution {
                tool_use_id: b.get("id")?.as_str()?.to_string(),
                tool: b
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                input: b.get("input").cloned().unwrap_or(Value::Null),
                result: None,
            })
        })
        .collect();
    for block in blocks {
        let Some(id) = block.get("tool_use_id").and_then(Value::as_str) else {
            continue;
        };
        if let Some(run) = runs.iter_mut().find(|r| r.tool_use_id == id) {
            run.result = Some(parse_result(block.get("content").unwrap_or(&Value::Null)));
        }
    }
    runs
}

fn parse_result(content: &Value) -> ExecResult {
    let text = |name: &str| {
        content
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
    };
    let kind = text("type").unwrap_or_default();
    let is_error = kind.ends_with("_error");
    let output_file_ids = content
        .get("content")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i.get("file_id").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    ExecResult {
        stdout: text("stdout").unwrap_or_default(),
        stderr: text("stderr").unwrap_or_default(),
        return_code: content.get("return_code").and_then(Value::as_i64),
        output_file_ids,
        error_code: if is_error { text("error_code") } else { None },
        error_message: if is_error {
            text("error_message")
        } else {
            None
        },
        content: content.clone(),
        kind,
    }
}

/// Every generated file id in `blocks`, without duplicates, in order of appearance.
pub fn output_file_ids(blocks: &[Value]) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for run in executions(blocks) {
        for id in run.result.map(|r| r.output_file_ids).unwrap_or_default() {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pairs_uses_with_results_of_every_version() {
        let blocks = vec![
            json!({"type":"server_tool_use","id":"a","name":"bash_code_execution","input":{"command":"ls"}}),
            json!({"type":"server_tool_use","id":"b","name":"code_execution","input":{"code":"print(1)"}}),
            json!({"type":"code_execution_tool_result","tool_use_id":"b","content":{"type":"code_execution_result","stdout":"1\n","stderr":"","return_code":0,"content":[]}}),
            json!({"type":"bash_code_execution_tool_result","tool_use_id":"a","content":{"type":"bash_code_execution_result","stdout":"","stderr":"boom","return_code":2,"content":[{"type":"bash_code_execution_output","file_id":"file_1"}]}}),
            json!({"type":"server_tool_use","id":"c","name":"text_editor_code_execution","input":{"command":"view","path":"/x"}}),
            json!({"type":"text_editor_code_execution_tool_result","tool_use_id":"c","content":{"type":"text_editor_code_execution_tool_result_error","error_code":"file_not_found","error_message":"nope"}}),
            json!({"type":"server_tool_use","id":"d","name":"bash_code_execution","input":{}}),
        ];
        let runs = executions(&blocks);
        assert_eq!(runs.len(), 4);
        assert_eq!(
            (runs[0].label(), runs[0].code()),
            ("bash".into(), "ls".into())
        );
        let a = runs[0].result.as_ref().unwrap();
        assert_eq!((a.return_code, a.stderr.as_str()), (Some(2), "boom"));
        assert_eq!(a.output_file_ids, vec!["file_1".to_string()]);
        assert_eq!(runs[1].label(), "python");
        assert_eq!(runs[1].result.as_ref().unwrap().stdout, "1\n");
        let c = runs[2].result.as_ref().unwrap();
        assert_eq!(c.error_code.as_deref(), Some("file_not_found"));
        assert_eq!(runs[2].label(), "editor view");
        assert!(
            runs[3].result.is_none(),
            "a use without a result is still running"
        );
        assert_eq!(output_file_ids(&blocks), vec!["file_1".to_string()]);
    }
}
