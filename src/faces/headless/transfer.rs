//! Moving files for a headless turn: uploading attachments, downloading what the code wrote.
//!
//! Invariant: every file that went up or came down is recorded in the session with its id,
//! name and local path as soon as the transfer ends, so a resumed session can re-attach
//! uploads and knows where outputs were saved. Downloads carry on past a failure; uploads
//! stop at the first one.

use crate::api::files::{self};
use crate::domain::attachment::GivenAs;
use crate::domain::execution::output_file_ids;
use crate::domain::session::{FileOrigin, FileRecord};
use crate::download_name::DownloadTarget;
use crate::faces::context::Context;
use crate::faces::error::CliError;
use crate::faces::output::{self, Stdout};
use crate::faces::progress::Progress;
use crate::preview;
use crate::session::actor::SessionManager;
use crate::text_safety::{one_line, strip_controls};
use crate::theme::Theme;
use serde_json::Value;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Uploads each attachment (already checked) with a progress bar; stops at the first failure.
pub async fn upload_attachments(
    ctx: &Context,
    sessions: &SessionManager,
    session_id: &str,
    attachments: &[(PathBuf, GivenAs)],
) -> Result<Vec<FileRecord>, CliError> {
    let mut uploaded = Vec::new();
    for (path, given) in attachments {
        let name = strip_controls(&display_name(path)).into_owned();
        let progress = Progress::new(&name);
        let meta = files::upload(&ctx.client, path, progress.callback()).await;
        drop(progress);
        let meta = meta?;
        if !ctx.json {
            output::note(&format!(
                "clab: uploaded {name} → {} ({})",
                strip_controls(&meta.id),
                given_note(*given)
            ));
        }
        let file = FileRecord {
            given_as: Some(*given),
            ..meta.record(FileOrigin::Uploaded, Some(path.clone()))
        };
        sessions.upsert_file(session_id, file.clone()).await?;
        uploaded.push(file);
    }
    Ok(uploaded)
}

/// How a file was given to Claude, in words.
pub fn given_note(given: GivenAs) -> &'static str {
    match given {
        GivenAs::Container => "in the container",
        GivenAs::Read => "read by Claude",
        GivenAs::Both => "read by Claude and in the container",
    }
}

/// Downloads every generated file into `dir`, carrying on past failures, which are returned
/// as sentences.
pub async fn download_outputs(
    ctx: &Context,
    sessions: &SessionManager,
    session_id: &str,
    blocks: &[Value],
    dir: &Path,
) -> (Vec<FileRecord>, Vec<String>) {
    let mut saved_files = Vec::new();
    let mut failures = Vec::new();
    let target = DownloadTarget::Dir(dir.to_path_buf());
    for id in output_file_ids(blocks) {
        let progress = Progress::new(&strip_controls(&id));
        let saved = files::download(&ctx.client, &id, &target, progress.callback()).await;
        drop(progress);
        let file = match saved {
            Ok(saved) => {
                if !ctx.json {
                    output::note(&format!(
                        "clab: saved {} → {}",
                        one_line(&saved.meta.filename),
                        saved.path.display()
                    ));
                }
                saved.meta.record(FileOrigin::Generated, Some(saved.path))
            }
            Err(err) => {
                failures.push(format!("could not download {}: {err}", strip_controls(&id)));
                FileRecord {
                    id,
                    filename: String::new(),
                    origin: FileOrigin::Generated,
                    size: None,
                    mime: None,
                    local_path: None,
                    given_as: None,
                }
            }
        };
        if let Err(err) = sessions.upsert_file(session_id, file.clone()).await {
            failures.push(format!(
                "could not record {} in the session: {err}",
                file.id
            ));
        }
        saved_files.push(file);
    }
    (saved_files, failures)
}

/// Prints one line on stdout for each picture a run wrote and clab saved (known by its
/// content, not its name): where it is, its size in pixels, and the command that shows it.
pub async fn point_to_pictures(out: &mut Stdout, files: &[FileRecord]) {
    for file in files.iter().filter(|f| f.origin == FileOrigin::Generated) {
        let Some(path) = file.local_path.clone() else {
            continue;
        };
        let read = path.clone();
        let picture = tokio::task::spawn_blocking(move || {
            let mut head = [0u8; 16];
            let n = std::fs::File::open(&read)
                .and_then(|mut f| f.read(&mut head))
                .ok()?;
            preview::image::sniff(&head[..n])?;
            preview::build(&read, &Theme::ansi()).ok()
        })
        .await
        .ok()
        .flatten();
        if let Some(picture) = picture {
            out.line(&preview::print::pointer(
                &file.filename,
                &path,
                Some(&picture),
            ));
        }
    }
}

pub fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}
