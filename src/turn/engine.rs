//! A turn's whole lifecycle, the one every face drives: the container decision, the stored
//! question, the streamed and checkpointed answer, one retry in a fresh container, and the
//! stored outcome.
//!
//! Invariants: the user message and an empty (`Cut`) answer are stored before anything is
//! sent, and the answer is checkpointed when a block starts, when a run or other non-text
//! block ends, and at most every [`CHECKPOINT_EVERY`] while text streams, so a killed process
//! loses at most that much text and no finished run. A
//! container known to have expired (by its `expires_at`) is not named; one the API rejects
//! before answering is dropped and the turn is sent once more. Either way the session's
//! uploads are attached again to the stored user message and the face is told with
//! [`Progress::Reattached`]. The outcome (complete, cut, cancelled or failed, with whatever
//! arrived) is stored before [`run_turn`] returns, and a failure to store it is returned
//! with it, never dropped. A failure that names a file of the conversation names it by its
//! file name too. Each code run's start and end are noted on the turn's one clock, handed to
//! the faces with every update and stored with the answer. Faces only show [`Progress`]; none
//! of them stores a turn itself.

use super::{TurnResult, run};
use crate::api::accumulator::{Accumulator, Update};
use crate::api::count::count_tokens;
use crate::api::{ApiError, Client};
use crate::domain::container::Container;
use crate::domain::context;
use crate::domain::history::container_alive;
use crate::domain::request::TurnRequest;
use crate::domain::run_times::{self, RunTimes};
use crate::domain::session::{FileRecord, MessageState, Role};
use crate::session::actor::SessionManager;
use crate::session::store::StoreError;
use crate::text_safety::one_line;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// How often an answer in progress is checkpointed while text streams.
pub const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// What a turn needs: the request (the history, the new user message last, and the session's
/// container if it has one) and what to do if that container is gone.
pub struct TurnPlan {
    pub session_id: String,
    pub request: TurnRequest,
    /// When the named container expires (RFC 3339), if known.
    pub container_expires_at: Option<String>,
    /// `container_upload` blocks of the session's earlier uploads, attached again to the user
    /// message when the turn needs a new container.
    pub reattach: Vec<Value>,
    /// The files the conversation references, to name one the API no longer has.
    pub files: Vec<FileRecord>,
}

/// What a face is told while the turn runs.
pub enum Progress<'a> {
    /// The container is gone; the user message, as now stored and sent, and a sentence.
    Reattached {
        content: &'a [Value],
        notice: &'a str,
    },
    /// Something the face should tell the user before the answer (a sentence).
    Note(&'a str),
    /// The question and an empty answer are stored; the request goes out.
    Started,
    /// The answer changed, `at_ms` after the turn began (the clock of the stored run times).
    Streamed {
        acc: &'a Accumulator,
        update: &'a Update,
        at_ms: u64,
    },
}

/// How the turn ended.
pub struct TurnOutcome {
    /// The answer's blocks, as stored (shared, not copied: a long answer is held once).
    pub content: Arc<Vec<Value>>,
    /// The rest of the answer (usage, container, stop reason, error); `result.acc` has handed
    /// its blocks over to `content`.
    pub result: TurnResult,
    pub state: MessageState,
    /// The outcome could not be stored.
    pub unsaved: Option<StoreError>,
}

/// Runs the turn to its end (or until `cancel` fires); an error means the question could not
/// be stored, and nothing was sent.
pub async fn run_turn(
    client: &Client,
    sessions: &SessionManager,
    mut plan: TurnPlan,
    cancel: &CancellationToken,
    mut progress: impl FnMut(Progress<'_>),
) -> Result<TurnOutcome, StoreError> {
    let sid = plan.session_id.clone();
    let expired = plan.request.container.as_ref().is_some_and(|id| {
        let known = Container {
            id: id.clone(),
            expires_at: plan.container_expires_at.clone(),
        };
        !container_alive(&known, chrono::Utc::now())
    });
    if expired {
        reattach(&mut plan, "has expired", &mut progress);
    }
    let user_seq = sessions
        .append(
            &sid,
            Role::User,
            user_content(&plan.request),
            MessageState::Complete,
            None,
        )
        .await?;
    // The skills go with the session, so a resumed one loads the same.
    sessions
        .set_skills(&sid, plan.request.skills.clone())
        .await?;
    let answer_seq = sessions
        .append(&sid, Role::Assistant, Vec::new(), MessageState::Cut, None)
        .await?;
    progress(Progress::Started);
    let mut answer = Answer {
        client,
        sessions,
        seq: answer_seq,
        cancel,
        clock: Clock {
            began: Instant::now(),
            times: RunTimes::new(),
        },
    };
    let mut result = match over_window(client, &plan.request).await {
        Some((counted, window))
            if context::edit(&plan.request.long.context, &plan.request.model).is_none() =>
        {
            TurnResult {
                acc: Accumulator::default(),
                error: Some(ApiError::TooLong { counted, window }),
                continuations: 0,
                cancelled: false,
            }
        }
        over => {
            if let Some((counted, window)) = over {
                progress(Progress::Note(&format!(
                    "the conversation is {} tokens, over the {} context window: the API compacts \
                     or clears older turns before it answers",
                    context::thousands(counted),
                    context::thousands(window)
                )));
            }
            answer.stream(&plan, &mut progress).await
        }
    };
    if plan.request.container.is_some() && container_rejected(&result) {
        reattach(&mut plan, "is no longer available", &mut progress);
        sessions
            .update(
                &sid,
                user_seq,
                Arc::new(user_content(&plan.request)),
                MessageState::Complete,
                None,
            )
            .await?;
        result = answer.stream(&plan, &mut progress).await;
    }
    let state = if result.cancelled {
        MessageState::Cancelled
    } else {
        match &result.error {
            None => MessageState::Complete,
            Some(ApiError::Cut { .. }) => MessageState::Cut,
            Some(err) => {
                MessageState::Failed(match (too_long(err), missing_file(err, &plan.files)) {
                    (Some(why), _) => why,
                    (None, Some(file)) => format!("{}; attach it again\n{err}", gone(file)),
                    (None, None) => err.to_string(),
                })
            }
        }
    };
    let usage = result.acc.usage();
    let content = Arc::new(result.acc.take_content());
    let stored = async {
        sessions
            .update(
                &sid,
                answer_seq,
                Arc::clone(&content),
                state.clone(),
                Some(usage),
            )
            .await?;
        sessions.add_usage(&sid, usage).await?;
        if !answer.clock.times.is_empty() {
            sessions
                .set_run_times(&sid, answer_seq, answer.clock.times)
                .await?;
        }
        if let Some(c) = &result.acc.container {
            sessions.set_container(&sid, Some(c.clone())).await?;
        }
        Ok::<(), StoreError>(())
    };
    let unsaved = stored.await.err();
    Ok(TurnOutcome {
        content,
        result,
        state,
        unsaved,
    })
}

/// The prompt's size and the model's window, when the request clearly would not fit: its
/// JSON (about 4 bytes a token) passes 90 % of the window and the API's count confirms it.
/// A failed count is logged and taken as fitting: the API still has the last word.
async fn over_window(client: &Client, request: &TurnRequest) -> Option<(u64, u64)> {
    let window = context::window(&request.model);
    let body = request.body(None, None);
    let estimate = serde_json::to_vec(&body).map_or(0, |b| b.len() as u64 / 4);
    if estimate < window / 10 * 9 {
        return None;
    }
    match count_tokens(client, &body, &request.betas()).await {
        Ok(counted) if counted > window => Some((counted, window)),
        Ok(_) => None,
        Err(e) => {
            tracing::warn!("counting the prompt's tokens: {e}");
            None
        }
    }
}

/// The file a refused request names by id, when the conversation has it.
pub fn missing_file<'a>(error: &ApiError, files: &'a [FileRecord]) -> Option<&'a FileRecord> {
    match error {
        ApiError::Status { message, .. } => files.iter().find(|f| message.contains(&f.id)),
        _ => None,
    }
}

pub use crate::domain::context::TOO_LONG;

/// The API refused the prompt as longer than the context window: why, and what to do, in
/// words (the API's "prompt is too long: N tokens > M maximum" names the sizes).
pub fn too_long(error: &ApiError) -> Option<String> {
    let (sizes, request_id) = match error {
        ApiError::Status {
            status: 400,
            message,
            request_id,
            ..
        } => (
            message
                .strip_prefix("prompt is too long")?
                .trim_start_matches(':')
                .trim()
                .to_string(),
            request_id,
        ),
        ApiError::TooLong { counted, window } => (
            format!("{counted} tokens > {window} maximum, counted before sending"),
            &None,
        ),
        _ => return None,
    };
    Some(format!(
        "{TOO_LONG} ({}). Turn context management on (context_management = \"auto\" in the \
         config, the default), which clears or summarizes older turns, or start a new session; \
         then send the question again{}",
        one_line(&sizes),
        request_id
            .as_deref()
            .map(|id| format!(" (request id {})", one_line(id)))
            .unwrap_or_default()
    ))
}

/// Says that `file` is gone from the Files API, by its name.
pub fn gone(file: &FileRecord) -> String {
    format!(
        "the file {} ({}) is no longer in the Files API (deleted or expired)",
        one_line(&file.filename),
        file.id
    )
}

/// The new user message's content blocks.
fn user_content(request: &TurnRequest) -> Vec<Value> {
    request
        .messages
        .last()
        .and_then(|m| m["content"].as_array().cloned())
        .unwrap_or_default()
}

/// Drops the container and attaches the session's uploads again to the user message.
fn reattach(plan: &mut TurnPlan, why: &str, progress: &mut impl FnMut(Progress<'_>)) {
    plan.request.container = None;
    let mut content = user_content(&plan.request);
    let fresh: Vec<Value> = plan
        .reattach
        .iter()
        .filter(|b| !content.contains(b))
        .cloned()
        .collect();
    let notice = format!(
        "the session's container {why}; started a new one and attached its {} uploaded file(s) again",
        fresh.len()
    );
    content.extend(fresh);
    if let Some(last) = plan.request.messages.last_mut() {
        last["content"] = Value::Array(content.clone());
    }
    progress(Progress::Reattached {
        content: &content,
        notice: &notice,
    });
}

/// The API refused the container we named (it expired or was removed) before answering.
fn container_rejected(result: &TurnResult) -> bool {
    match &result.error {
        Some(ApiError::Status {
            status, message, ..
        }) => {
            matches!(status, 400 | 404)
                && message.to_lowercase().contains("container")
                && result.acc.content().is_empty()
        }
        _ => false,
    }
}

/// The turn's clock, and the run times it has noted.
struct Clock {
    began: Instant,
    times: RunTimes,
}

/// Where an answer streams to: stored message `seq`, timed by `clock`.
struct Answer<'a> {
    client: &'a Client,
    sessions: &'a SessionManager,
    seq: i64,
    cancel: &'a CancellationToken,
    clock: Clock,
}

impl Answer<'_> {
    /// Streams the answer into its message, checkpointing it and noting its run times.
    async fn stream(
        &mut self,
        plan: &TurnPlan,
        progress: &mut impl FnMut(Progress<'_>),
    ) -> TurnResult {
        let Answer {
            client,
            sessions,
            seq,
            cancel,
            clock,
        } = self;
        let mut last_checkpoint = Instant::now();
        run(client, &plan.request, cancel, |acc, update| {
            let at_ms = clock.began.elapsed().as_millis() as u64;
            if let Update::BlockStarted(i) | Update::BlockStopped(i) = update
                && let Some(block) = acc.block(*i)
            {
                run_times::note(&mut clock.times, block, at_ms);
            }
            let due = match update {
                Update::BlockStarted(_) => true,
                // A finished text block is already covered by the timer; copying a long answer
                // once more only to write it again at the end would double what the turn holds.
                Update::BlockStopped(i) => {
                    acc.block(*i)
                        .and_then(|b| b.get("type"))
                        .and_then(Value::as_str)
                        != Some("text")
                }
                Update::Settled => last_checkpoint.elapsed() >= CHECKPOINT_EVERY,
                _ => false,
            };
            if due {
                sessions.checkpoint(&plan.session_id, *seq, acc.content_json(), acc.usage());
                last_checkpoint = Instant::now();
            }
            progress(Progress::Streamed { acc, update, at_ms });
        })
        .await
    }
}
