//! `clab sessions list|show|search|rename|export|delete`: the session store from the command
//! line.
//!
//! Invariants: ids may be any unique prefix; one that matches no session or several is a usage
//! error (exit 2) and nothing is changed. Everything printed to the terminal that came from a
//! model, a run or a user passes through `strip_controls` (tables and search lines through
//! [`cell`], which also flattens newlines so each row stays one line). An export written with
//! `-o` is never allowed to replace an existing file. Output goes through [`Stdout`], so a
//! reader that closes stdout early (`| head`) ends the printing quietly, exit 0.

use crate::domain::session::{SearchHit, Session, SessionSummary};
use crate::faces::cli::{ExportFormat, SessionsCommand};
use crate::faces::error::CliError;
use crate::faces::files_view::{cell, columns, short_time};
use crate::faces::output::{self, Stdout};
use crate::session::export_ipynb::to_notebook;
use crate::session::export_md::to_markdown;
use crate::session::store::{Erased, Store, StoreError};
use crate::text_safety::strip_controls;
use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// Runs `command` on the user's session store, or on the demo's with `demo`.
pub fn run(command: SessionsCommand, json: bool, demo: bool) -> Result<(), CliError> {
    let path = Store::path_for(demo).ok_or(StoreError::NoDataDir)?;
    let store = Store::open(&path)?;
    let mut out = Stdout::new();
    let done = command_on(&store, command, json, &mut out);
    let printed = out.finish().map_err(CliError::stdout);
    done.and(printed)
}

fn command_on(
    store: &Store,
    command: SessionsCommand,
    json: bool,
    out: &mut Stdout,
) -> Result<(), CliError> {
    match command {
        SessionsCommand::List => {
            let list = store.list()?;
            emit(out, json, &list, || table(&list))
        }
        SessionsCommand::Show { id } => {
            let session = load(store, &id)?;
            emit(out, json, &session, || {
                strip_controls(&to_markdown(&session)).into_owned()
            })
        }
        SessionsCommand::Search { query } => {
            let hits = store.search(&query.join(" "))?;
            emit(out, json, &hits, || search_lines(&hits))
        }
        SessionsCommand::Rename { id, name } => {
            let id = store.resolve_id(&id)?;
            let name = cell(&name);
            store.rename(&id, &name)?;
            out.line(&format!("renamed {id} to {name}"));
            Ok(())
        }
        SessionsCommand::Export { id, format, output } => {
            let session = load(store, &id)?;
            let text = match format {
                ExportFormat::Md => to_markdown(&session),
                ExportFormat::Ipynb => encode(&to_notebook(&session))?,
            };
            match output {
                Some(path) => write_new(&path, &text),
                None => {
                    out.line(strip_controls(&text).trim_end());
                    Ok(())
                }
            }
        }
        SessionsCommand::Delete { id } => {
            let id = store.resolve_id(&id)?;
            if store.delete(&id)? == Some(Erased::WhenOthersClose) {
                output::note(
                    "clab: another clab has the store open; the deleted text leaves its \
                     write-ahead log when that clab exits",
                );
            }
            out.line(&format!("deleted {id}"));
            Ok(())
        }
    }
}

fn load(store: &Store, prefix: &str) -> Result<Session, CliError> {
    let id = store.resolve_id(prefix)?;
    store
        .load(&id)?
        .ok_or_else(|| CliError::Usage(format!("session {id} was deleted meanwhile")))
}

/// The `clab sessions list` table; a sentence when there are no sessions.
fn table(sessions: &[SessionSummary]) -> String {
    if sessions.is_empty() {
        return "no sessions".to_string();
    }
    let rows: Vec<[String; 5]> = sessions
        .iter()
        .map(|s| {
            [
                cell(&s.id),
                short_time(&s.updated_at),
                s.turns.to_string(),
                s.files.to_string(),
                cell(&s.name),
            ]
        })
        .collect();
    columns(["ID", "UPDATED", "TURNS", "FILES", "NAME"], &rows, &[2, 3])
}

/// `id  name  snippet`, one line per hit.
fn search_lines(hits: &[SearchHit]) -> String {
    if hits.is_empty() {
        return "no matches".to_string();
    }
    hits.iter()
        .map(|h| {
            format!(
                "{}  {}  {}",
                cell(&h.session_id),
                cell(&h.session_name),
                cell(&h.snippet)
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn write_new(path: &Path, text: &str) -> Result<(), CliError> {
    let shown = cell(&path.display().to_string());
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => {
                CliError::Usage(format!("{shown} already exists; not overwriting it"))
            }
            _ => CliError::Failed(format!("cannot create {shown}: {e}")),
        })?;
    file.write_all(text.as_bytes())
        .map_err(|e| CliError::Failed(format!("cannot write {shown}: {e}")))?;
    output::note(&format!("wrote {shown}"));
    Ok(())
}

fn encode<T: Serialize>(value: &T) -> Result<String, CliError> {
    serde_json::to_string_pretty(value)
        .map_err(|e| CliError::Failed(format!("cannot encode JSON: {e}")))
}

fn emit<T: Serialize>(
    out: &mut Stdout,
    json: bool,
    value: &T,
    human: impl FnOnce() -> String,
) -> Result<(), CliError> {
    let text = if json {
        strip_controls(&encode(value)?).into_owned()
    } else {
        human()
    };
    out.line(&text);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_and_search_lines_are_one_clean_row_each() {
        let list = [SessionSummary {
            id: "ses_a".into(),
            name: "evil\x1b[2J\nname".into(),
            updated_at: "2025-05-01T10:05:00.000000Z".into(),
            turns: 3,
            files: 12,
        }];
        assert_eq!(
            table(&list),
            "ID     UPDATED           TURNS  FILES  NAME\n\
             ses_a  2025-05-01 10:05      3     12  evil name"
        );
        assert_eq!(table(&[]), "no sessions");
        let hits = [SearchHit {
            session_id: "ses_a".into(),
            session_name: "n".into(),
            seq: 1,
            role: crate::domain::session::Role::User,
            snippet: "a\n[b]".into(),
            rank: -1.0,
        }];
        assert_eq!(search_lines(&hits), "ses_a  n  a [b]");
    }
}
