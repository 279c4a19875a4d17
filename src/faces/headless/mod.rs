//! `clab -p`: one turn without a terminal UI, in a new or resumed session.
//!
//! Invariant: nothing touches the network until every attachment has passed its local checks
//! and a key (or the demo) is at hand. The user message is committed to the session before it
//! is sent and the answer is checkpointed as it streams, so a failure or a kill loses nothing
//! already shown. Whatever arrived stays on stdout when the turn fails; the failure goes to
//! stderr with the API's request id and exit code 1. A reader that closes stdout early ends
//! the printing only: the turn is still streamed, saved and its files downloaded, and the exit
//! code is the turn's own (see [`crate::faces::output`]). A resumed session reuses its container
//! while it lives; otherwise a new one starts and the session's uploads are attached again.

mod json;
pub(crate) mod live;
pub mod print;
mod transfer;

use crate::api::{ApiError, files};
use crate::domain::attachment;
use crate::domain::history::{reattach_blocks, request_messages};
use crate::domain::request::TurnRequest;
use crate::domain::session::FileRecord;
use crate::domain::skills;
use crate::faces::cli::Cli;
use crate::faces::context::Context;
use crate::faces::error::CliError;
use crate::faces::output::{self, Stdout};
use crate::session::actor::SessionManager;
use crate::text_safety::strip_controls;
use crate::turn::engine::{TurnPlan, gone, missing_file, too_long};
use serde_json::json;
use std::path::PathBuf;

pub async fn run(cli: &Cli, prompt: &str) -> Result<(), CliError> {
    // `--resume` alone means the latest session; `--resume ID` that one.
    let resume = cli
        .resume
        .as_deref()
        .map(|id| Some(id).filter(|id| !id.is_empty()));
    let mut attachments = Vec::with_capacity(cli.attach.len());
    for arg in &cli.attach {
        let size = files::check_upload_path(&arg.path).map_err(CliError::from)?;
        let name = files::upload_name(&arg.path);
        let (given, notice) = attachment::decide(&name, size, arg.mode).map_err(CliError::Usage)?;
        if let Some(notice) = notice {
            output::note(&format!("clab: {}", strip_controls(&notice)));
        }
        attachments.push((arg.path.clone(), given));
    }
    let ctx = Context::connect(&cli.common).await?;
    let download_dir = download_dir(cli, &ctx)?;
    let sessions = SessionManager::start_default(ctx.demo.is_some())?;
    let session = match &resume {
        Some(id) => sessions.open(*id).await?,
        None => sessions.create(&ctx.model, prompt).await?,
    };
    let sid = session.meta.id.clone();
    let stored = resume.is_some().then_some(session.meta.skills.as_slice());
    let skills =
        skills::for_turn(stored, &ctx.config.skills, &cli.skills).map_err(CliError::Usage)?;
    if !skills.is_empty() && !ctx.json {
        output::note(&format!("clab: skills: {}", skills.join(", ")));
    }
    if !ctx.json {
        if ctx.demo.is_some() {
            output::note(
                "clab: DEMO — answers come from the built-in offline mock, not from Claude",
            );
        }
        if resume.is_some() {
            output::note(&format!(
                "clab: resuming session {sid} ({})",
                session.meta.name
            ));
        }
    }
    let mut turn_files = transfer::upload_attachments(&ctx, &sessions, &sid, &attachments).await?;
    let new_ids: Vec<String> = turn_files.iter().map(|f| f.id.clone()).collect();
    let content = attachment::user_content(prompt, &turn_files);
    let container = session.meta.container.clone();
    let mut request = TurnRequest {
        model: ctx.model.clone(),
        max_tokens: ctx.config.max_tokens,
        tool: ctx.config.code_execution_tool.clone(),
        messages: request_messages(&session.messages, &session.deleted_files),
        container: container.as_ref().map(|c| c.id.clone()),
        skills: skills.clone(),
        long: ctx.config.long_session().compacting(cli.compact),
        max_continuations: ctx.config.max_continuations,
    };
    request
        .messages
        .push(json!({"role": "user", "content": content}));
    let plan = TurnPlan {
        session_id: sid.clone(),
        request,
        container_expires_at: container.and_then(|c| c.expires_at),
        reattach: reattach_blocks(
            &session.files,
            &[new_ids, session.deleted_files.clone()].concat(),
        ),
        files: session.files.iter().chain(&turn_files).cloned().collect(),
    };
    let mut out = Stdout::new();
    let outcome = live::stream_turn(&ctx, &sessions, plan, &mut out).await?;
    if let Some(unsaved) = outcome.unsaved {
        return Err(unsaved.into());
    }
    let (content, result) = (outcome.content, outcome.result);

    let (generated, failures) =
        transfer::download_outputs(&ctx, &sessions, &sid, &content, &download_dir).await;
    turn_files.extend(generated);

    if ctx.json {
        out.line(
            &json::turn_object(
                &ctx.model,
                &result,
                &content,
                &turn_files,
                &skills,
                &sid,
                &ctx.config
                    .price_table()
                    .map_err(CliError::Usage)?
                    .for_model(&ctx.model)
                    .prices,
            )
            .to_string(),
        );
    } else {
        transfer::point_to_pictures(&mut out, &turn_files).await;
        if let Some(reason) = result.acc.stop_reason.as_deref() {
            note_stop_reason(reason);
        }
    }
    // Flushed before any failure is reported, so the message follows the partial answer.
    let printed = out.finish().map_err(CliError::stdout);
    if let Some(error) = result.error {
        return Err(explain(error, &session.files, &turn_files));
    }
    if !failures.is_empty() {
        return Err(CliError::Failed(failures.join("\n")));
    }
    printed
}

/// A turn error, with a file the API no longer knows named by its file name.
fn explain(error: ApiError, known: &[FileRecord], new: &[FileRecord]) -> CliError {
    if let Some(why) = too_long(&error) {
        return CliError::Failed(why);
    }
    let files: Vec<FileRecord> = known.iter().chain(new).cloned().collect();
    match missing_file(&error, &files) {
        Some(file) => CliError::Failed(format!("{}; attach it again with -a\n{error}", gone(file))),
        None => CliError::from(error),
    }
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
    // Writable now, or the turn would run (and be paid for) only to fail saving its files.
    tempfile::NamedTempFile::new_in(&dir).map_err(|e| {
        CliError::Failed(format!(
            "cannot write into the download directory {}: {e}",
            dir.display()
        ))
    })?;
    Ok(dir)
}

fn note_stop_reason(reason: &str) {
    match reason {
        "max_tokens" => output::note(
            "clab: the answer hit max_tokens and was cut short (raise max_tokens in the config)",
        ),
        "refusal" => output::note("clab: Claude declined to answer this request"),
        "pause_turn" => output::note("clab: the answer paused and max_continuations was reached"),
        "model_context_window_exceeded" => {
            output::note("clab: the conversation no longer fits the model's context window")
        }
        _ => {}
    }
}
