//! `clab files list|info|upload|download|delete`: the Files API from the command line.
//!
//! Invariants: everything that can be checked locally (upload paths, the download destination)
//! is checked before the first request, so a usage error (exit 2) means nothing was sent.
//! Results go to stdout (human text, or JSON with `--json`), progress and per-item failures to
//! stderr, so `--json` output stays parseable. `delete` carries on past a failed id and exits 1
//! at the end; `upload` stops at the first failure, after reporting what was already uploaded.
//! A reader that closes stdout early stops the printing, not the work: the remaining uploads
//! and deletions still run, and the exit code is theirs (see [`crate::faces::output`]).

use crate::api::files::{self, DeletedFile, FileMetadata};
use crate::download_name::DownloadTarget;
use crate::faces::cli::FilesCommand;
use crate::faces::context::Context;
use crate::faces::error::CliError;
use crate::faces::files_view::{cell, details, table};
use crate::faces::output::{self, Stdout};
use crate::faces::progress::Progress;
use crate::preview;
use crate::session::store::{Store, StoreError};
use crate::theme::Theme;
use ratatui::layout::Size;
use serde::Serialize;
use std::path::{Path, PathBuf};

pub async fn run(ctx: &Context, command: FilesCommand) -> Result<(), CliError> {
    let mut out = Stdout::new();
    let done = command_on(&mut out, ctx, command).await;
    let printed = out.finish().map_err(CliError::stdout);
    done.and(printed)
}

async fn command_on(
    out: &mut Stdout,
    ctx: &Context,
    command: FilesCommand,
) -> Result<(), CliError> {
    match command {
        FilesCommand::List => {
            let all = files::list_all(&ctx.client).await?;
            emit(out, ctx, &all, || table(&all))
        }
        FilesCommand::Info { id } => {
            let meta = files::info(&ctx.client, &id).await?;
            emit(out, ctx, &meta, || details(&meta))
        }
        FilesCommand::Upload { paths } => upload(out, ctx, &paths).await,
        FilesCommand::Download {
            id,
            output,
            preview,
        } => download(out, ctx, &id, output, preview).await,
        FilesCommand::Delete { ids } => delete(out, ctx, &ids).await,
    }
}

async fn upload(out: &mut Stdout, ctx: &Context, paths: &[PathBuf]) -> Result<(), CliError> {
    check_all(paths)?;
    let mut uploaded: Vec<FileMetadata> = Vec::new();
    for path in paths {
        let label = cell(&display_name(path));
        let progress = Progress::new(&label);
        let result = files::upload(&ctx.client, path, progress.callback()).await;
        drop(progress);
        match result {
            Ok(meta) => {
                if !ctx.json {
                    out.line(&format!("uploaded {label} → {}", cell(&meta.id)));
                }
                uploaded.push(meta);
            }
            Err(err) => {
                if ctx.json && !uploaded.is_empty() {
                    print_json(out, &uploaded)?;
                }
                return Err(err.into());
            }
        }
    }
    if ctx.json {
        print_json(out, &uploaded)?;
    }
    Ok(())
}

/// Refuses the whole upload if any path is unusable, naming every bad path. Exit 2 unless one
/// of them failed for an I/O reason.
fn check_all(paths: &[PathBuf]) -> Result<(), CliError> {
    let refusals: Vec<_> = paths
        .iter()
        .filter_map(|p| files::check_upload_path(p).err())
        .collect();
    if refusals.is_empty() {
        return Ok(());
    }
    let text = refusals
        .iter()
        .map(|r| cell(&r.to_string()))
        .collect::<Vec<_>>()
        .join("\n");
    if refusals.iter().all(|r| r.is_usage()) {
        Err(CliError::Usage(format!("{text}\nnothing was uploaded")))
    } else {
        Err(CliError::Failed(format!("{text}\nnothing was uploaded")))
    }
}

fn display_name(path: &Path) -> String {
    path.file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy()
        .into_owned()
}

#[derive(Serialize)]
struct Saved<'a> {
    id: &'a str,
    filename: String,
    path: String,
}

async fn download(
    out: &mut Stdout,
    ctx: &Context,
    id: &str,
    output: Option<PathBuf>,
    preview: bool,
) -> Result<(), CliError> {
    let default_dir = ctx
        .config
        .download_dir()
        .unwrap_or_else(|| PathBuf::from("."));
    let target = DownloadTarget::from_output(output, default_dir);
    if let Some(problem) = target.problem() {
        return Err(CliError::Usage(problem));
    }
    let progress = Progress::new(&cell(id));
    let saved = files::download(&ctx.client, id, &target, progress.callback()).await;
    drop(progress);
    let path = saved?.path;
    if ctx.json {
        print_json(
            out,
            &Saved {
                id,
                filename: display_name(&path),
                path: path.display().to_string(),
            },
        )
    } else {
        out.line(&format!("saved → {}", cell(&path.display().to_string())));
        if preview {
            print_preview(out, &path).await?;
        }
        Ok(())
    }
}

/// `clab preview PATH`: the preview of a local file on stdout.
pub async fn preview_local(path: &Path) -> Result<(), CliError> {
    let mut out = Stdout::new();
    let shown = print_preview(&mut out, path).await;
    let printed = out.finish().map_err(CliError::stdout);
    shown.and(printed)
}

/// Prints the preview of a saved file, fitted to the terminal (80×24 when not a terminal).
async fn print_preview(out: &mut Stdout, path: &Path) -> Result<(), CliError> {
    let size = ratatui::crossterm::terminal::size()
        .map(|(w, h)| Size::new(w, h))
        .unwrap_or(Size::new(80, 24));
    let path = path.to_path_buf();
    let theme = Theme::ansi();
    let text = tokio::task::spawn_blocking(move || {
        preview::build(&path, &theme).and_then(|p| preview::print::render(&p, size))
    })
    .await
    .map_err(|e| CliError::Failed(format!("the preview stopped: {e}")))?
    .map_err(|e| CliError::Failed(format!("no preview: {e}")))?;
    out.text(&text);
    Ok(())
}

async fn delete(out: &mut Stdout, ctx: &Context, ids: &[String]) -> Result<(), CliError> {
    let mut deleted = Vec::new();
    let mut failures = 0;
    for id in ids {
        match files::delete(&ctx.client, id).await {
            Ok(answer) => {
                if !ctx.json {
                    out.line(&format!("deleted {}", cell(&answer.id)));
                }
                deleted.push(answer);
            }
            Err(err) => {
                failures += 1;
                output::note(&format!("clab: {err}"));
            }
        }
    }
    // Sessions that hold a deleted file stop sending it; the API's answer stands either way.
    if !deleted.is_empty()
        && let Err(e) = forget(ctx, &deleted)
    {
        output::note(&format!(
            "clab: the sessions still list the deleted files: {e}"
        ));
    }
    if ctx.json {
        print_json(out, &deleted)?;
    }
    match failures {
        0 => Ok(()),
        n => Err(CliError::Failed(format!(
            "{n} of {} deletions failed",
            ids.len()
        ))),
    }
}

/// Marks deleted files in the session store (the demo's own when `--demo`).
fn forget(ctx: &Context, deleted: &[DeletedFile]) -> Result<(), StoreError> {
    let Some(path) = Store::path_for(ctx.demo.is_some()) else {
        return Ok(());
    };
    let store = Store::open(&path)?;
    for file in deleted {
        store.mark_file_deleted(&file.id)?;
    }
    Ok(())
}

/// JSON with `--json`, else the human text `human` builds.
fn emit<T: Serialize>(
    out: &mut Stdout,
    ctx: &Context,
    value: &T,
    human: impl FnOnce() -> String,
) -> Result<(), CliError> {
    if ctx.json {
        print_json(out, value)
    } else {
        out.line(&human());
        Ok(())
    }
}

fn print_json<T: Serialize>(out: &mut Stdout, value: &T) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::Failed(format!("cannot encode JSON: {e}")))?;
    out.line(&text);
    Ok(())
}
