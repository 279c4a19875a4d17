//! A session as a Markdown transcript: prompts, answers, and every run as fenced code with its
//! output, exit code and output files.
//!
//! Invariants: a pure function of the stored session, so an export is reproducible and
//! testable. Fences are always longer than any backtick run inside them, so code or output
//! containing ```` ``` ```` cannot close its block early. Terminal control sequences (a tool's
//! ANSI colours, anything the model wrote) are stripped from the whole export, tabs and newlines
//! kept: a `cat` of the file must not drive the terminal.

use super::transcript::{
    Code, Piece, attached_names, classify, document_link, documents, file_record,
    language_for_path, pieces, skills_line, state_note,
};
use crate::domain::execution::{Execution, STOPPED};
use crate::domain::session::{FileRecord, Role, Session};
use crate::text_safety::strip_controls;

pub fn to_markdown(session: &Session) -> String {
    let meta = &session.meta;
    let mut out = format!(
        "# {}\n\n*Session `{}` · {} · started {}*\n",
        meta.name, meta.id, meta.model, meta.created_at
    );
    if let Some(line) = skills_line(&meta.skills) {
        out.push_str(&format!("\n{line}\n"));
    }
    for message in &session.messages {
        let mut parts: Vec<String> = Vec::new();
        match message.role {
            Role::User => parts.extend(user_parts(&message.content, &session.files)),
            Role::Assistant => {
                for piece in pieces(&message.content) {
                    parts.push(match piece {
                        Piece::Text(text) => text.to_string(),
                        Piece::Run(run) => run_markdown(&run, &session.files),
                    });
                }
            }
        }
        parts.extend(state_note(&message.state));
        for part in parts.iter().filter(|p| !p.trim().is_empty()) {
            out.push('\n');
            out.push_str(part.trim_end());
            out.push('\n');
        }
    }
    let made = documents(&session.files);
    if !made.is_empty() {
        out.push_str("\n## Documents\n\n");
        for file in made {
            out.push_str(&format!("- {}\n", file_link(&session.files, &file.id)));
        }
    }
    strip_controls(&out).into_owned()
}

fn user_parts(content: &[serde_json::Value], files: &[FileRecord]) -> Vec<String> {
    let text = pieces(content)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Text(text) => Some(text),
            Piece::Run(_) => None,
        })
        .collect::<Vec<_>>()
        .join("\n\n");
    let mut parts = vec![format!("**You:** {text}")];
    let names = attached_names(content, files);
    if !names.is_empty() {
        parts.push(format!("*Attached: {}*", names.join(", ")));
    }
    parts
}

/// One run: its code, then what it printed, its exit code and its files.
pub(super) fn run_markdown(run: &Execution, files: &[FileRecord]) -> String {
    let mut out = match classify(run) {
        Code::Python(code) => fenced("python", code),
        Code::Bash(command) => fenced("bash", command),
        Code::Create { path, text } => format!(
            "*Created `{path}`:*\n\n{}",
            fenced(language_for_path(path), text)
        ),
        Code::View { path } => format!("*Viewed `{path}`*\n"),
        Code::Replace { path, old, new } => {
            let diff = prefixed("- ", old) + &prefixed("+ ", new);
            format!("*Edited `{path}`:*\n\n{}", fenced("diff", &diff))
        }
        Code::Other { label, text } => format!("*{label}:*\n\n{}", fenced("text", &text)),
    };
    out.push_str(&result_markdown(run, files));
    out
}

/// Stdout, stderr, exit code, error and output files of a run, as Markdown.
pub(super) fn result_markdown(run: &Execution, files: &[FileRecord]) -> String {
    let Some(result) = &run.result else {
        return format!("\n*({STOPPED})*\n");
    };
    let mut out = String::new();
    if !result.stdout.is_empty() {
        out.push('\n');
        out.push_str(&fenced("text", &result.stdout));
    }
    if !result.stderr.is_empty() {
        out.push_str("\nstderr:\n\n");
        out.push_str(&fenced("text", &result.stderr));
    }
    if let Some(code) = result.return_code.filter(|c| *c != 0) {
        out.push_str(&format!("\n*exit code {code}*\n"));
    }
    if let Some(code) = &result.error_code {
        let message = result.error_message.as_deref().unwrap_or("");
        out.push_str(&format!("\n*error: {code} {message}*\n"));
    }
    if !result.output_file_ids.is_empty() {
        out.push_str("\nOutput files:\n\n");
        for id in &result.output_file_ids {
            out.push_str(&format!("- {}\n", file_link(files, id)));
        }
    }
    out
}

/// `[name](<local path>)` for a downloaded file, else the name with its id.
fn file_link(files: &[FileRecord], id: &str) -> String {
    match file_record(files, id) {
        Some(file) => document_link(file),
        None => format!("`{id}`"),
    }
}

fn prefixed(prefix: &str, text: &str) -> String {
    text.lines().map(|l| format!("{prefix}{l}\n")).collect()
}

/// `text` in a fenced block longer than any backtick run inside it.
pub(super) fn fenced(language: &str, text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let newline = if text.ends_with('\n') { "" } else { "\n" };
    format!("{fence}{language}\n{text}{newline}{fence}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::fixture::sample_session;
    use std::path::Path;

    #[test]
    fn a_run_the_cut_answer_never_finished_is_marked_stopped() {
        let md = to_markdown(&sample_session(Path::new("/tmp/out/chart.png")));
        assert!(
            md.contains("python3 region.py\n```\n\n*(stopped before it finished)*"),
            "{md}"
        );
    }

    #[test]
    fn tool_colours_are_stripped_and_tabs_kept() {
        let mut session = sample_session(Path::new("/tmp/out/chart.png"));
        let block = session.messages[1]
            .content
            .iter_mut()
            .find(|b| b["type"] == "bash_code_execution_tool_result")
            .expect("a bash result");
        block["content"]["stdout"] = "\u{1b}[31mred\u{1b}[0m\tcol2\n".into();
        let md = to_markdown(&session);
        assert!(!md.contains('\u{1b}'), "{md}");
        assert!(md.contains("red\tcol2"), "{md}");
    }

    #[test]
    fn exports_prompts_code_output_and_links() {
        let md = to_markdown(&sample_session(Path::new("/tmp/out/chart.png")));
        assert!(md.starts_with("# Churn analysis\n"), "{md}");
        assert!(md.contains("**You:** what drives churn?"), "{md}");
        assert!(md.contains("*Attached: `sales.csv`*"), "{md}");
        assert!(
            md.contains("```bash\nwc -l sales.csv\n```\n\n```text\n42 sales.csv\n```"),
            "{md}"
        );
        assert!(md.contains("```python\nprint(df.head())\n```"), "{md}");
        assert!(
            md.contains("stderr:\n\n```text\nboom\n```\n\n*exit code 2*"),
            "{md}"
        );
        assert!(
            md.contains("*Created `/tmp/out.csv`:*\n\n```csv\na,b\n```"),
            "{md}"
        );
        assert!(md.contains("- [chart.png](</tmp/out/chart.png>)"), "{md}");
        assert!(md.contains("- `file_unknown`"), "{md}");
        assert!(md.contains("Churn is driven by tenure."), "{md}");
        assert!(md.trim_end().ends_with("*(answer cut off)*"), "{md}");
        assert!(!md.contains("secret reasoning"), "{md}");
        // A file given to read and to the container is named once, with how.
        assert!(
            md.contains("*Attached: `brief.pdf` (read and in the container)*"),
            "{md}"
        );
    }

    #[test]
    fn skills_are_named_and_the_documents_they_made_linked() {
        let mut session = sample_session(Path::new("/tmp/out/chart.png"));
        session.meta.skills = vec!["pptx".into(), "xlsx".into()];
        session.files.push(FileRecord {
            id: "file_deck".into(),
            filename: "churn [final].pptx".into(),
            origin: crate::domain::session::FileOrigin::Generated,
            size: Some(30_000),
            mime: None,
            local_path: Some("/tmp/out/churn [final].pptx".into()),
            given_as: None,
        });
        let md = to_markdown(&session);
        assert!(md.contains("\n*Agent Skills: pptx, xlsx*\n"), "{md}");
        assert!(
            md.trim_end().ends_with(
                "## Documents\n\n- [churn \\[final\\].pptx](</tmp/out/churn [final].pptx>)"
            ),
            "{md}"
        );
        // Pictures are shown with their runs, not listed as documents.
        assert!(!md.contains("## Documents\n\n- [chart.png]"), "{md}");
    }

    #[test]
    fn fences_outgrow_backticks_inside() {
        assert_eq!(fenced("text", "a ``` b"), "````text\na ``` b\n````\n");
        assert_eq!(fenced("text", "plain\n"), "```text\nplain\n```\n");
    }
}
