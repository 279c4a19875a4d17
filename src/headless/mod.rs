//! `clab -p`: one turn without a terminal UI.
//!
//! Invariant: nothing touches the network until every attachment has passed its local checks
//! and a key (or the demo) is at hand; the answer streams to stdout as it arrives; whatever
//! arrived is kept on stdout even when the turn fails, and the failure goes to stderr with the
//! API's request id and exit code 1. Generated files are saved under the download directory
//! with sanitized, never-clobbering names.

mod json;
pub mod print;

use crate::api::files;
use crate::cli::Cli;
use crate::context::Context;
use crate::download_name::DownloadTarget;
use crate::error::CliError;
use crate::model::execution::output_file_ids;
use crate::progress::Progress;
use crate::render::sanitize::strip_controls;
use crate::turn::{self, TurnRequest};
use print::Printer;
use serde_json::{Value, json};
use std::io::BufWriter;
use std::path::{Path, PathBuf};

/// A file that went up with the turn or came back from it.
pub struct TurnFile {
    pub id: String,
    pub filename: String,
    pub generated: bool,
    pub path: Option<PathBuf>,
}

pub async fn run(cli: &Cli, prompt: &str) -> Result<(), CliError> {
    for path in &cli.attach {
        files::check_upload_path(path).map_err(CliError::from)?;
    }
    let ctx = Context::connect(&cli.common).await?;
    if ctx.demo.is_some() && !ctx.json {
        eprintln!("clab: DEMO — answers come from the built-in offline mock, not from Claude");
    }
    let download_dir = download_dir(cli, &ctx)?;

    let mut turn_files = upload_attachments(&ctx, &cli.attach).await?;
    let mut content = vec![json!({"type": "text", "text": prompt})];
    content.extend(
        turn_files
            .iter()
            .map(|f| json!({"type": "container_upload", "file_id": f.id})),
    );

    let request = TurnRequest {
        model: ctx.model.clone(),
        max_tokens: ctx.config.max_tokens,
        tool: ctx.config.code_execution_tool.clone(),
        messages: vec![json!({"role": "user", "content": content})],
        container: None,
        max_continuations: ctx.config.max_continuations,
    };
    let mut printer = (!ctx.json).then(|| {
        Printer::new(BufWriter::with_capacity(
            64 * 1024,
            std::io::stdout().lock(),
        ))
    });
    let mut pipe_closed = false;
    let result = turn::run(&ctx.client, &request, |acc, update| {
        if let (Some(p), false) = (printer.as_mut(), pipe_closed) {
            pipe_closed = p.update(acc, update).is_err();
        }
    })
    .await;
    if let Some(p) = printer.as_mut() {
        let _ = p.finish();
    }
    drop(printer);

    let (generated, failures) = download_outputs(&ctx, &result.acc.content(), &download_dir).await;
    turn_files.extend(generated);

    if ctx.json {
        let object = json::turn_object(&ctx.model, &result, &turn_files, session_id());
        println!("{object}");
    } else if let Some(reason) = result.acc.stop_reason.as_deref() {
        note_stop_reason(reason);
    }
    if let Some(error) = result.error {
        return Err(CliError::from(error));
    }
    if !failures.is_empty() {
        return Err(CliError::Failed(failures.join("\n")));
    }
    Ok(())
}

/// Uploads each attachment (already checked) with a progress bar; stops at the first failure.
async fn upload_attachments(ctx: &Context, paths: &[PathBuf]) -> Result<Vec<TurnFile>, CliError> {
    let mut uploaded = Vec::new();
    for path in paths {
        let name = strip_controls(&display_name(path)).into_owned();
        let progress = Progress::new(&name);
        let meta = files::upload(&ctx.client, path, progress.callback()).await;
        drop(progress);
        let meta = meta?;
        if !ctx.json {
            eprintln!("clab: uploaded {name} → {}", strip_controls(&meta.id));
        }
        uploaded.push(TurnFile {
            id: meta.id,
            filename: meta.filename,
            generated: false,
            path: Some(path.clone()),
        });
    }
    Ok(uploaded)
}

/// Downloads every generated file into `dir`, carrying on past failures, which are returned
/// as sentences.
async fn download_outputs(
    ctx: &Context,
    blocks: &[Value],
    dir: &Path,
) -> (Vec<TurnFile>, Vec<String>) {
    let mut saved_files = Vec::new();
    let mut failures = Vec::new();
    let target = DownloadTarget::Dir(dir.to_path_buf());
    for id in output_file_ids(blocks) {
        let progress = Progress::new(&strip_controls(&id));
        let saved = files::download(&ctx.client, &id, &target, progress.callback()).await;
        drop(progress);
        let (filename, path) = match saved {
            Ok(saved) => {
                if !ctx.json {
                    eprintln!(
                        "clab: saved {} → {}",
                        strip_controls(&saved.meta.filename),
                        saved.path.display()
                    );
                }
                (saved.meta.filename, Some(saved.path))
            }
            Err(err) => {
                failures.push(format!("could not download {}: {err}", strip_controls(&id)));
                (String::new(), None)
            }
        };
        saved_files.push(TurnFile {
            id,
            filename,
            generated: true,
            path,
        });
    }
    (saved_files, failures)
}

fn download_dir(cli: &Cli, ctx: &Context) -> Result<PathBuf, CliError> {
    let dir = cli
        .download_dir
        .clone()
        .or_else(|| ctx.config.download_dir())
        .unwrap_or_else(|| PathBuf::from("."));
    std::fs::create_dir_all(&dir).map_err(|e| {
        CliError::Failed(format!(
            "cannot create the download directory {}: {e}",
            dir.display()
        ))
    })?;
    Ok(dir)
}

fn display_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn note_stop_reason(reason: &str) {
    match reason {
        "max_tokens" => eprintln!(
            "clab: the answer hit max_tokens and was cut short (raise max_tokens in the config)"
        ),
        "refusal" => eprintln!("clab: Claude declined to answer this request"),
        "pause_turn" => eprintln!("clab: the answer paused and max_continuations was reached"),
        "model_context_window_exceeded" => {
            eprintln!("clab: the conversation no longer fits the model's context window")
        }
        _ => {}
    }
}

/// An id for this one-turn session (sessions become durable with the session store).
fn session_id() -> String {
    let mut id = String::from("ses_");
    for _ in 0..20 {
        id.push(fastrand::alphanumeric());
    }
    id
}

/// The text blocks joined, as the answer's plain text.
pub fn answer_text(blocks: &[Value]) -> String {
    blocks
        .iter()
        .filter(|b| b.get("type").and_then(Value::as_str) == Some("text"))
        .filter_map(|b| b.get("text").and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join("\n\n")
}
