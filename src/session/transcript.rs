//! The reading of a session that both exports share: what was said, what ran, in which
//! language, with which attachments and output files.
//!
//! Invariant: derived from the stored content blocks only (through
//! [`crate::domain::execution::executions`]), never from anything rendered, so the Markdown and
//! notebook exports always describe the same runs in the same order. Blocks clab does not know,
//! thinking among them, are skipped rather than guessed at.

use crate::domain::attachment::{GivenAs, Readable};
use crate::domain::execution::{Execution, executions};
use crate::domain::session::{FileOrigin, FileRecord, MessageState};
use crate::text_safety::one_line;
use serde_json::Value;
use std::path::Path;

/// A shown part of a message, in order.
pub enum Piece<'a> {
    Text(&'a str),
    Run(Box<Execution>),
}

/// Text blocks and code runs of `content`, in the order they appear.
pub fn pieces(content: &[Value]) -> Vec<Piece<'_>> {
    let runs = executions(content);
    content
        .iter()
        .filter_map(|block| match block.get("type").and_then(Value::as_str)? {
            "text" => block.get("text").and_then(Value::as_str).map(Piece::Text),
            "server_tool_use" => {
                let id = block.get("id").and_then(Value::as_str)?;
                runs.iter()
                    .find(|r| r.tool_use_id == id)
                    .cloned()
                    .map(|run| Piece::Run(Box::new(run)))
            }
            _ => None,
        })
        .collect()
}

/// What a run did, by the kind of tool.
pub enum Code<'a> {
    Python(&'a str),
    Bash(&'a str),
    Create {
        path: &'a str,
        text: &'a str,
    },
    View {
        path: &'a str,
    },
    Replace {
        path: &'a str,
        old: &'a str,
        new: &'a str,
    },
    Other {
        label: String,
        text: String,
    },
}

pub fn classify(run: &Execution) -> Code<'_> {
    let field = |name: &str| run.input.get(name).and_then(Value::as_str);
    match (run.tool.as_str(), field("command")) {
        ("code_execution", _) => field("code").map_or_else(|| other(run), Code::Python),
        ("bash_code_execution", Some(command)) => Code::Bash(command),
        ("text_editor_code_execution", Some(command)) => {
            let path = field("path").unwrap_or("");
            match (command, field("file_text"), field("old_str")) {
                ("create", Some(text), _) => Code::Create { path, text },
                ("view", ..) => Code::View { path },
                ("str_replace", _, Some(old)) => Code::Replace {
                    path,
                    old,
                    new: field("new_str").unwrap_or(""),
                },
                _ => other(run),
            }
        }
        _ => other(run),
    }
}

fn other(run: &Execution) -> Code<'_> {
    Code::Other {
        label: run.label(),
        text: run.code(),
    }
}

/// The fenced-code language for a file, by its extension.
pub fn language_for_path(path: &str) -> &'static str {
    let ext = Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "py" => "python",
        "csv" => "csv",
        "json" => "json",
        "md" => "markdown",
        "sh" => "bash",
        "sql" => "sql",
        "html" | "htm" => "html",
        "js" => "javascript",
        "toml" => "toml",
        "yaml" | "yml" => "yaml",
        "r" => "r",
        _ => "text",
    }
}

/// The file ids a user message attached (container uploads, documents, images), each once,
/// in the order the message names them.
pub fn attachment_ids(content: &[Value]) -> Vec<&str> {
    let mut ids: Vec<&str> = Vec::new();
    for id in content.iter().filter_map(|b| {
        b.get("file_id")
            .or_else(|| b.get("source").and_then(|s| s.get("file_id")))
            .and_then(Value::as_str)
    }) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// The files a user message attached, as "`name`" with how Claude got each one when it was
/// more than the container ("`report.pdf` (read)").
pub fn attached_names(content: &[Value], files: &[FileRecord]) -> Vec<String> {
    attachment_ids(content)
        .into_iter()
        .map(|id| {
            let how = match file_record(files, id).and_then(|f| f.given_as) {
                Some(GivenAs::Read) => " (read)",
                Some(GivenAs::Both) => " (read and in the container)",
                _ => "",
            };
            format!("`{}`{how}", file_name(files, id))
        })
        .collect()
}

/// "*Agent Skills: pptx, xlsx*" for a session that loads skills.
pub fn skills_line(skills: &[String]) -> Option<String> {
    (!skills.is_empty()).then(|| format!("*Agent Skills: {}*", one_line(&skills.join(", "))))
}

/// `[name](<local path>)` for a saved file, else its name with its id: a Markdown link whose
/// text and destination cannot break out (brackets escaped, angle brackets encoded).
pub fn document_link(file: &FileRecord) -> String {
    let name = one_line(&file.filename)
        .replace('[', "\\[")
        .replace(']', "\\]");
    match &file.local_path {
        Some(path) => format!(
            "[{name}](<{}>)",
            path.to_string_lossy()
                .replace('<', "%3C")
                .replace('>', "%3E")
        ),
        None => format!("{name} (`{}`)", one_line(&file.id)),
    }
}

/// The documents the session's code made (generated files that are not pictures), in order.
pub fn documents(files: &[FileRecord]) -> Vec<&FileRecord> {
    files
        .iter()
        .filter(|f| f.origin == FileOrigin::Generated)
        .filter(|f| Readable::of(&f.filename) != Some(Readable::Image))
        .collect()
}

pub fn file_record<'a>(files: &'a [FileRecord], id: &str) -> Option<&'a FileRecord> {
    files.iter().find(|f| f.id == id)
}

/// A file's name when the session knows it, else its id, on one line without controls: a
/// session stored before names were cleaned on arrival may still hold a raw one.
pub fn file_name(files: &[FileRecord], id: &str) -> String {
    one_line(file_record(files, id).map_or(id, |f| f.filename.as_str()))
}

/// A line marking an answer that did not finish.
pub fn state_note(state: &MessageState) -> Option<String> {
    match state {
        MessageState::Complete => None,
        MessageState::Cancelled => Some("*(stopped by the user)*".to_string()),
        MessageState::Cut => Some("*(answer cut off)*".to_string()),
        MessageState::Failed(error) => Some(format!("*(failed: {error})*")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn classifies_each_tool() {
        let blocks = vec![
            json!({"type":"server_tool_use","id":"1","name":"code_execution","input":{"code":"print(1)"}}),
            json!({"type":"server_tool_use","id":"2","name":"bash_code_execution","input":{"command":"ls"}}),
            json!({"type":"server_tool_use","id":"3","name":"text_editor_code_execution","input":{"command":"create","path":"/a.py","file_text":"x=1"}}),
            json!({"type":"server_tool_use","id":"4","name":"text_editor_code_execution","input":{"command":"view","path":"/a.py"}}),
            json!({"type":"server_tool_use","id":"5","name":"text_editor_code_execution","input":{"command":"str_replace","path":"/a.py","old_str":"1","new_str":"2"}}),
            json!({"type":"server_tool_use","id":"6","name":"web_search","input":{"query":"q"}}),
        ];
        let runs = executions(&blocks);
        let kinds: Vec<&str> = runs
            .iter()
            .map(|r| match classify(r) {
                Code::Python(_) => "python",
                Code::Bash(_) => "bash",
                Code::Create { .. } => "create",
                Code::View { .. } => "view",
                Code::Replace { .. } => "replace",
                Code::Other { .. } => "other",
            })
            .collect();
        assert_eq!(
            kinds,
            ["python", "bash", "create", "view", "replace", "other"]
        );
        assert_eq!(language_for_path("/tmp/Data.CSV"), "csv");
        assert_eq!(language_for_path("/tmp/x.py"), "python");
    }
}
