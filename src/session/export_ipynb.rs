//! A session as a Jupyter notebook (nbformat 4.5): prose as markdown cells, each run as a code
//! cell with its outputs, so the analysis can be re-run and extended in Jupyter.
//!
//! Invariants: the result validates against the official nbformat v4.5 schema (a test checks
//! it against the vendored schema): every cell has a unique `id` (`cell-N`), every code cell
//! has `execution_count: null`, `metadata: {}` and `outputs`. Bash runs become `%%bash` cells
//! and created files `%%writefile` cells, so re-running a cell does what the sandbox did.
//! Views and edits have no cell magic that repeats them, so they are described in markdown. A
//! non-zero exit code is shown as a final stderr line. The only input besides the session is a
//! downloaded PNG output, read from its local path (when it still exists and is a PNG) to
//! embed it as `image/png`. A session with runs starts with a setup cell that gives the code
//! what the sandbox had: `INPUT_DIR` (`inputs/`, with the uploads copied from where they were
//! attached) and `OUTPUT_DIR` (`outputs/`), so the notebook re-runs as it is.

use super::export_md::{fenced, result_markdown};
use super::transcript::{
    Code, Piece, attached_names, classify, document_link, documents, file_name, file_record,
    pieces, skills_line, state_note,
};
use crate::domain::execution::{Execution, STOPPED};
use crate::domain::session::{FileOrigin, FileRecord, Role, Session};
use base64::Engine;
use serde_json::{Value, json};

const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";

pub fn to_notebook(session: &Session) -> Value {
    let mut cells = Cells::default();
    let mut title = format!("# {}", session.meta.name);
    if let Some(line) = skills_line(&session.meta.skills) {
        title.push_str(&format!("\n\n{line}"));
    }
    cells.markdown(&title);
    let has_runs = session.messages.iter().any(|m| {
        pieces(&m.content)
            .iter()
            .any(|p| matches!(p, Piece::Run(_)))
    });
    if has_runs {
        cells.setup(&session.files);
    }
    for message in &session.messages {
        match message.role {
            Role::User => cells.markdown(&user_markdown(&message.content, &session.files)),
            Role::Assistant => {
                let mut prose: Vec<&str> = Vec::new();
                for piece in pieces(&message.content) {
                    match piece {
                        Piece::Text(text) => prose.push(text),
                        Piece::Run(run) => {
                            cells.markdown(&prose.join("\n\n"));
                            prose.clear();
                            cells.run(&run, &session.files);
                        }
                    }
                }
                cells.markdown(&prose.join("\n\n"));
            }
        }
        if let Some(note) = state_note(&message.state) {
            cells.markdown(&note);
        }
    }
    let made = documents(&session.files);
    if !made.is_empty() {
        let links: Vec<String> = made
            .iter()
            .map(|f| format!("- {}", document_link(f)))
            .collect();
        cells.markdown(&format!("## Documents\n\n{}", links.join("\n")));
    }
    json!({
        "cells": cells.list,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
            "clab": {
                "session_id": session.meta.id,
                "model": session.meta.model,
                "skills": session.meta.skills,
            },
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    })
}

fn user_markdown(content: &[Value], files: &[FileRecord]) -> String {
    let text: Vec<&str> = pieces(content)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Text(text) => Some(text),
            Piece::Run(_) => None,
        })
        .collect();
    let mut out = format!("**You:** {}", text.join("\n\n"));
    let names = attached_names(content, files);
    if !names.is_empty() {
        out.push_str(&format!("\n\n*Attached: {}*", names.join(", ")));
    }
    out
}

#[derive(Default)]
struct Cells {
    list: Vec<Value>,
}

impl Cells {
    fn next_id(&self) -> String {
        format!("cell-{}", self.list.len())
    }

    /// A markdown cell, unless `text` is blank.
    fn markdown(&mut self, text: &str) {
        if text.trim().is_empty() {
            return;
        }
        let id = self.next_id();
        self.list.push(json!({
            "cell_type": "markdown", "id": id, "metadata": {}, "source": lines(text.trim_end()),
        }));
    }

    /// The cell that sets `INPUT_DIR` and `OUTPUT_DIR` as the sandbox did and puts the
    /// session's uploads in the first.
    fn setup(&mut self, files: &[FileRecord]) {
        let uploads: Vec<String> = files
            .iter()
            .filter(|f| f.origin == FileOrigin::Uploaded)
            // A file only given to read was never in the container.
            .filter(|f| f.given_as.is_none_or(|g| g.in_container()))
            .filter_map(|f| f.local_path.as_ref())
            .map(|p| serde_json::to_string(&p.display().to_string()).unwrap_or_default())
            .collect();
        let source = format!(
            "# What the code execution sandbox had: the uploads in INPUT_DIR, outputs in OUTPUT_DIR.\n\
             import os, shutil\n\
             os.makedirs(\"inputs\", exist_ok=True)\n\
             os.makedirs(\"outputs\", exist_ok=True)\n\
             os.environ[\"INPUT_DIR\"] = os.path.abspath(\"inputs\")\n\
             os.environ[\"OUTPUT_DIR\"] = os.path.abspath(\"outputs\")\n\
             for upload in [{}]:\n    \
             if os.path.exists(upload):\n        \
             shutil.copy(upload, os.environ[\"INPUT_DIR\"])\n    \
             else:\n        \
             print(\"not found, copy it into inputs/ by hand:\", upload)",
            uploads.join(", ")
        );
        let id = self.next_id();
        self.list.push(json!({
            "cell_type": "code", "id": id, "execution_count": null, "metadata": {},
            "source": lines(&source), "outputs": [],
        }));
    }

    fn run(&mut self, run: &Execution, files: &[FileRecord]) {
        let source = match classify(run) {
            Code::Python(code) => code.to_string(),
            Code::Bash(command) => format!("%%bash\n{command}"),
            Code::Create { path, text } => format!("%%writefile {path}\n{text}"),
            Code::View { path } => {
                return self.markdown(&format!(
                    "*Viewed `{path}`*\n{}",
                    result_markdown(run, files)
                ));
            }
            Code::Replace { path, old, new } => {
                let change = format!("{}{}", fenced("text", old), fenced("text", new));
                return self.markdown(&format!(
                    "*Edited `{path}`, replacing:*\n\n{change}{}",
                    result_markdown(run, files)
                ));
            }
            Code::Other { label, text } => {
                return self.markdown(&format!(
                    "*{label}:*\n\n{}{}",
                    fenced("text", &text),
                    result_markdown(run, files)
                ));
            }
        };
        let id = self.next_id();
        self.list.push(json!({
            "cell_type": "code", "id": id, "execution_count": null, "metadata": {},
            "source": lines(source.trim_end()), "outputs": outputs(run, files),
        }));
    }
}

fn outputs(run: &Execution, files: &[FileRecord]) -> Vec<Value> {
    let Some(result) = &run.result else {
        return vec![stream("stderr", &format!("({STOPPED})\n"))];
    };
    let mut out = Vec::new();
    if !result.stdout.is_empty() {
        out.push(stream("stdout", &result.stdout));
    }
    let mut stderr = result.stderr.clone();
    if let Some(code) = &result.error_code {
        let message = result.error_message.as_deref().unwrap_or("");
        stderr.push_str(&format!(
            "{}error: {code} {message}\n",
            newline_if_needed(&stderr)
        ));
    }
    if let Some(code) = result.return_code.filter(|c| *c != 0) {
        stderr.push_str(&format!("{}exit code {code}\n", newline_if_needed(&stderr)));
    }
    if !stderr.is_empty() {
        out.push(stream("stderr", &stderr));
    }
    out.extend(
        result
            .output_file_ids
            .iter()
            .map(|id| file_output(files, id)),
    );
    out
}

fn newline_if_needed(text: &str) -> &'static str {
    if text.is_empty() || text.ends_with('\n') {
        ""
    } else {
        "\n"
    }
}

fn stream(name: &str, text: &str) -> Value {
    json!({"output_type": "stream", "name": name, "text": lines(text)})
}

/// A downloaded PNG as an embedded image; any other output file as a line naming it.
fn file_output(files: &[FileRecord], id: &str) -> Value {
    let name = file_name(files, id);
    let local = file_record(files, id).and_then(|f| f.local_path.as_ref());
    let png = local
        .and_then(|path| std::fs::read(path).ok())
        .filter(|bytes| bytes.starts_with(PNG_MAGIC));
    let data = match (png, local) {
        (Some(bytes), _) => json!({
            "image/png": base64::engine::general_purpose::STANDARD.encode(bytes),
            "text/plain": [name],
        }),
        (None, Some(path)) => json!({
            "text/plain": [format!("output file: {name} ({})", path.display())],
            "text/markdown": [document_link(file_record(files, id).expect("a local path has a record"))],
        }),
        (None, None) if name == id => {
            json!({"text/plain": [format!("output file: {id} (not downloaded)")]})
        }
        (None, None) => {
            json!({"text/plain": [format!("output file: {name} ({id}, not downloaded)")]})
        }
    };
    json!({"output_type": "display_data", "data": data, "metadata": {}})
}

/// `text` as the list of lines nbformat uses, each keeping its newline.
fn lines(text: &str) -> Vec<&str> {
    text.split_inclusive('\n').collect()
}

#[cfg(test)]
#[path = "export_ipynb_tests.rs"]
mod tests;
