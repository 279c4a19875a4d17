//! The human-readable form of a streaming turn on stdout.
//!
//! Invariant: text is written as it arrives and flushed whenever the stream settles (nothing
//! more has arrived), so a burst of deltas costs one write while a slow stream still shows
//! every word at once; output cost is linear in the answer. Every piece of model or tool text goes through `strip_controls` first. Code
//! runs are framed so code, output, errors and exit codes are easy to tell apart:
//!
//! ```text
//! ┌ bash
//! │ python3 analyse.py
//! ├ exit 0
//! │ rows: 1000
//! └ output file_011CUJascj5v5AsQ2KybX48e
//! ```

use crate::api::accumulator::{Accumulator, Update};
use crate::domain::execution::{ExecResult, executions};
use crate::faces::output;
use crate::text_safety::strip_controls;
use serde_json::Value;
use std::io::Write;

pub struct Printer<W: Write> {
    out: W,
    /// The last byte written was a newline (or nothing was written yet).
    at_line_start: bool,
    wrote_anything: bool,
}

impl<W: Write> Printer<W> {
    pub fn new(out: W) -> Printer<W> {
        Printer {
            out,
            at_line_start: true,
            wrote_anything: false,
        }
    }

    /// Shows one update. Write errors (a closed pipe) are returned so the caller can stop.
    pub fn update(&mut self, acc: &Accumulator, update: &Update) -> std::io::Result<()> {
        match update {
            Update::TextDelta { text, .. } => self.write(&strip_controls(text))?,
            Update::BlockStarted(pos) => {
                if kind(acc, *pos) == "text" {
                    self.blank_line()?;
                    let initial = acc
                        .block(*pos)
                        .and_then(|b| b.get("text"))
                        .and_then(Value::as_str);
                    self.write(&strip_controls(initial.unwrap_or("")))?;
                }
            }
            Update::BlockStopped(pos) => {
                if let Some(block) = acc.block(*pos) {
                    self.block(acc, block)?;
                }
            }
            Update::Stopped { .. } => {
                self.end_line()?;
                self.out.flush()?;
            }
            Update::Unknown(name) => {
                output::note(&format!(
                    "clab: note: the stream had an event clab does not know ({name}); kept"
                ));
            }
            Update::Settled => self.out.flush()?,
            Update::ThinkingDelta { .. }
            | Update::InputDelta { .. }
            | Update::Skipped(_)
            | Update::None => {}
        }
        Ok(())
    }

    fn block(&mut self, acc: &Accumulator, block: &Value) -> std::io::Result<()> {
        let kind = block.get("type").and_then(Value::as_str).unwrap_or("");
        if matches!(kind, "text" | "thinking" | "redacted_thinking") {
            return Ok(());
        }
        if kind == "server_tool_use" {
            let id = block.get("id").and_then(Value::as_str).unwrap_or("");
            let run = executions(&acc.content())
                .into_iter()
                .find(|r| r.tool_use_id == id);
            if let Some(run) = run {
                self.blank_line()?;
                self.write(&format!("┌ {}\n", run.label()))?;
                self.framed(&run.code())?;
            }
            return Ok(());
        }
        if let Some(id) = block.get("tool_use_id").and_then(Value::as_str) {
            let run = executions(&acc.content())
                .into_iter()
                .find(|r| r.tool_use_id == id);
            if let Some(result) = run.and_then(|r| r.result) {
                return self.result(&result);
            }
        }
        self.blank_line()?;
        self.write(&format!("[{} block]\n", strip_controls(kind)))
    }

    fn result(&mut self, result: &ExecResult) -> std::io::Result<()> {
        if let Some(code) = &result.error_code {
            let detail = result
                .error_message
                .as_deref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default();
            return self.write(&format!("└ error {code}{}\n", strip_controls(&detail)));
        }
        match result.return_code {
            Some(code) => self.write(&format!("├ exit {code}\n"))?,
            None => self.write(&format!("├ {}\n", result.kind.trim_end_matches("_result")))?,
        }
        self.framed(&result.stdout)?;
        if let Some(text) = editor_output(&result.content) {
            self.framed(&text)?;
        }
        if !result.stderr.is_empty() {
            self.write("├ stderr\n")?;
            self.framed(&result.stderr)?;
        }
        for id in &result.output_file_ids {
            self.write(&format!("├ output {}\n", strip_controls(id)))?;
        }
        self.write("└\n")
    }

    /// Writes `text` with a `│ ` gutter on every line.
    fn framed(&mut self, text: &str) -> std::io::Result<()> {
        let text = strip_controls(text);
        for line in text.trim_end_matches('\n').lines() {
            self.write(&format!("│ {line}\n"))?;
        }
        Ok(())
    }

    fn write(&mut self, text: &str) -> std::io::Result<()> {
        if text.is_empty() {
            return Ok(());
        }
        self.out.write_all(text.as_bytes())?;
        self.at_line_start = text.ends_with('\n');
        self.wrote_anything = true;
        Ok(())
    }

    fn end_line(&mut self) -> std::io::Result<()> {
        if !self.at_line_start {
            self.write("\n")?;
        }
        Ok(())
    }

    fn blank_line(&mut self) -> std::io::Result<()> {
        if self.wrote_anything {
            self.end_line()?;
            self.write("\n")?;
        }
        Ok(())
    }

    pub fn finish(&mut self) -> std::io::Result<()> {
        self.end_line()?;
        self.out.flush()
    }
}

fn kind(acc: &Accumulator, pos: usize) -> &str {
    acc.block(pos)
        .and_then(|b| b.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("")
}

/// What a text editor result has to show: a viewed file, a diff, or "created".
fn editor_output(content: &Value) -> Option<String> {
    match content.get("type").and_then(Value::as_str)? {
        "text_editor_code_execution_view_result" => content
            .get("content")
            .and_then(Value::as_str)
            .map(str::to_string),
        "text_editor_code_execution_create_result" => Some(
            if content.get("is_file_update").and_then(Value::as_bool) == Some(true) {
                "file updated".to_string()
            } else {
                "file created".to_string()
            },
        ),
        "text_editor_code_execution_str_replace_result" => {
            content.get("lines").and_then(Value::as_array).map(|lines| {
                lines
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join("\n")
            })
        }
        _ => None,
    }
}
