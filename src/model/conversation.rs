//! Turns: sending a message, mirroring the streamed answer, and ending it.
//!
//! Invariant: the answer shown is built from the same events the accumulator folds, block by
//! block, and replaced by the accumulator's own blocks when the turn ends, so the screen never
//! drifts from what is stored. Events of a turn that is no longer streaming (cancelled, or
//! from an earlier run) are dropped, except the end of a cancelled turn, which still brings
//! its usage and finish time: the tokens were billed. Times come in on the events (or from
//! the store), never from the clock.

use super::state::{AnswerState, FileEntry, FileState, Model, Overlay, Turn, TurnState};
use crate::domain::attachment;
use crate::domain::context::{Report, TOO_LONG};
use crate::domain::execution::is_code_tool;
use crate::domain::history::{reattach_blocks, request_messages};
use crate::domain::partial_json::partial_object;
use crate::domain::request::TurnRequest;
use crate::domain::run_times;
use crate::domain::session::{FileOrigin, FileRecord, MessageState, Role, Session, StoredMessage};
use crate::domain::skills;
use crate::model::effect::{Effect, TurnStart};
use crate::model::event::{TurnChange, TurnEnd};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

impl Model {
    /// Enter in the composer: send now, or queue behind pending uploads.
    pub fn submit(&mut self) -> Vec<Effect> {
        if self.no_key && !self.composer_is_empty() {
            self.overlay = Some(Overlay::NoKey);
            return vec![Effect::Redraw];
        }
        if self.composer_is_empty() || self.is_busy() && self.state != TurnState::Uploading {
            if self.is_busy() {
                self.notice = Some("wait for the answer to finish (Esc stops it)".into());
                return vec![Effect::Redraw];
            }
            return Vec::new();
        }
        if self.queued.is_some() {
            self.notice = Some("a message is already waiting for its uploads".into());
            return vec![Effect::Redraw];
        }
        let prompt = self.take_composer();
        self.history.push(prompt.clone());
        if self.files.iter().any(|f| f.pending && f.is_uploading()) {
            self.queued = Some(prompt);
            self.state = TurnState::Uploading;
            self.notice = Some("sending once the uploads finish".into());
            return vec![Effect::Redraw];
        }
        self.start_turn(prompt)
    }

    /// Builds the user message (the prompt and the pending uploads) and starts the turn.
    pub(super) fn start_turn(&mut self, prompt: String) -> Vec<Effect> {
        let new_files: Vec<FileRecord> = self
            .files
            .iter_mut()
            .filter(|f| f.pending && f.id.is_some())
            .map(|f| {
                f.pending = false;
                f.record()
            })
            .collect();
        let user = attachment::user_content(&prompt, &new_files);
        // Every file with an id is uploaded by now (the pending ones just joined the message).
        let known: Vec<FileRecord> = self
            .files
            .iter()
            .filter(|f| f.id.is_some())
            .map(FileEntry::record)
            .collect();
        let skip: Vec<String> = new_files
            .iter()
            .map(|f| f.id.clone())
            .chain(self.deleted_file_ids())
            .collect();
        let reattach = reattach_blocks(&known, &skip);
        let mut messages = self.request_history();
        messages.push(json!({"role": "user", "content": user.clone()}));
        let turn = self.fresh_id();
        self.turns.push(Turn {
            id: turn,
            context: Default::default(),
            user,
            assistant: Vec::new(),
            state: AnswerState::Streaming,
            revision: 0,
            timings: Default::default(),
            usage: Default::default(),
            started_at: None,
            finished_at: None,
            notices: Vec::new(),
            partial_inputs: Default::default(),
        });
        self.state = TurnState::Streaming { turn };
        self.conversation.back = 0;
        self.notice = None;
        let request = TurnRequest {
            model: self.settings.model.clone(),
            max_tokens: self.settings.max_tokens,
            tool: self.settings.tool.clone(),
            messages,
            container: self.container.as_ref().map(|c| c.id.clone()),
            skills: self.skills.clone(),
            long: self
                .settings
                .long
                .compacting(std::mem::take(&mut self.compact_next)),
            max_continuations: self.settings.max_continuations,
        };
        vec![
            Effect::StartTurn(Box::new(TurnStart {
                turn,
                session: self.session_id.clone(),
                prompt,
                request,
                new_files,
                reattach,
                container_expires_at: self.container.as_ref().and_then(|c| c.expires_at.clone()),
                files: known,
            })),
            Effect::Redraw,
        ]
    }

    /// The conversation so far as request messages, by the same rules as a resumed session
    /// (a partial answer is sent without what the API would refuse).
    fn request_history(&self) -> Vec<Value> {
        let mut stored = Vec::with_capacity(self.turns.len() * 2);
        for turn in &self.turns {
            let state = match &turn.state {
                AnswerState::Done(state) => state.clone(),
                AnswerState::Streaming => MessageState::Cut,
            };
            stored.push(StoredMessage::unsaved(
                Role::User,
                turn.user.clone(),
                MessageState::Complete,
            ));
            stored.push(StoredMessage::unsaved(
                Role::Assistant,
                turn.assistant.clone(),
                state,
            ));
        }
        request_messages(&stored, &self.deleted_file_ids())
    }

    /// The ids of the files deleted from the Files API: never sent again.
    fn deleted_file_ids(&self) -> Vec<String> {
        self.files
            .iter()
            .filter(|f| f.state == FileState::Deleted)
            .filter_map(|f| f.id.clone())
            .collect()
    }

    pub fn cancel_turn(&mut self) -> Vec<Effect> {
        let Some(turn) = self.streaming_turn() else {
            return Vec::new();
        };
        if let Some(t) = self.turn_mut(turn) {
            t.state = AnswerState::Done(MessageState::Cancelled);
            t.revision += 1;
        }
        self.state = TurnState::Idle;
        self.notice = Some("answer stopped; what arrived is kept".into());
        vec![Effect::CancelTurn(turn), Effect::Redraw]
    }

    pub fn turn_change(&mut self, id: u64, change: TurnChange) -> Vec<Effect> {
        if self.streaming_turn() != Some(id) {
            return match change {
                TurnChange::Finished(end) => self.settle_cancelled(id, &end),
                _ => Vec::new(),
            };
        }
        let Some(turn) = self.turn_mut(id) else {
            return Vec::new();
        };
        turn.revision += 1;
        let new_block = matches!(change, TurnChange::Block { .. });
        match change {
            TurnChange::Started { started_at } => {
                turn.started_at = Some(started_at);
                self.container_time_refresh();
                return vec![Effect::Redraw];
            }
            TurnChange::Block {
                index,
                block,
                at_ms,
            } => {
                run_times::note(&mut turn.timings, &block, at_ms);
                turn.partial_inputs.remove(&index);
                if turn.assistant.len() <= index {
                    turn.assistant.resize(index + 1, Value::Null);
                }
                turn.assistant[index] = block;
            }
            TurnChange::Text { index, text } => append(turn, index, "text", &text),
            TurnChange::Thinking { index, text } => append(turn, index, "thinking", &text),
            TurnChange::Input { index, json } => {
                let so_far = turn.partial_inputs.entry(index).or_default();
                so_far.push_str(&json);
                let input = partial_object(so_far);
                if let Some(block) = turn.assistant.get_mut(index).and_then(Value::as_object_mut) {
                    block.insert("input".into(), input);
                }
            }
            TurnChange::Reattached { content, notice } => {
                turn.user = content;
                turn.notices.push(notice.clone());
                self.notice = Some(notice);
            }
            TurnChange::Note(notice) => {
                turn.notices.push(notice.clone());
                self.notice = Some(notice);
            }
            TurnChange::Finished(end) => return self.finish_turn(id, *end),
        }
        // Text arriving changes neither the runs nor the container time: only a new block
        // can, so a delta costs nothing per turn of the session.
        if new_block {
            self.exec_count_refresh();
            self.container_time_refresh();
        }
        vec![Effect::Redraw]
    }

    fn finish_turn(&mut self, id: u64, end: TurnEnd) -> Vec<Effect> {
        let TurnEnd {
            content,
            state,
            usage,
            container,
            stop_reason,
            context,
            finished_at,
        } = end;
        let Some(turn) = self.turn_mut(id) else {
            return Vec::new();
        };
        turn.assistant = content;
        turn.state = AnswerState::Done(state.clone());
        turn.revision += 1;
        turn.usage = usage;
        turn.finished_at = Some(finished_at);
        turn.notices.extend(
            context
                .lines()
                .into_iter()
                .filter(|l| !l.starts_with("context compacted")),
        );
        turn.context = context;
        let outputs = crate::domain::execution::output_file_ids(&turn.assistant);
        self.usage.add(&usage);
        if container.is_some() {
            self.container = container;
        }
        // Refused as too long: the question goes back in the message box, one Enter away.
        if let MessageState::Failed(why) = &state
            && why.starts_with(TOO_LONG)
            && self.composer_text().trim().is_empty()
            && let Some(question) = self.history.last().cloned()
        {
            self.composer_insert(&question);
        }
        self.state = match &state {
            MessageState::Failed(msg) => TurnState::Failed(msg.clone()),
            MessageState::Cut => TurnState::Failed("the connection closed mid-answer".into()),
            _ => TurnState::Idle,
        };
        self.notice = stop_notice(stop_reason.as_deref());
        self.exec_count_refresh();
        self.container_time_refresh();
        let mut effects = Vec::new();
        for file_id in outputs {
            if self.file_by_id(&file_id).is_some() {
                continue;
            }
            self.files.push(FileEntry {
                attach: None,
                id: Some(file_id.clone()),
                name: file_id.clone(),
                origin: FileOrigin::Generated,
                size: None,
                mime: None,
                state: FileState::Ready,
                local_path: None,
                pending: false,
                given_as: None,
            });
            effects.push(Effect::FetchInfo { file_id });
        }
        effects.push(Effect::Redraw);
        effects
    }

    /// The late end of a turn the user stopped: its usage counts (and is stored) like any other;
    /// what it shows stays as it was when stopped. Only the first end is taken.
    fn settle_cancelled(&mut self, id: u64, end: &TurnEnd) -> Vec<Effect> {
        let Some(turn) = self.turn_mut(id) else {
            return Vec::new();
        };
        if turn.state != AnswerState::Done(MessageState::Cancelled) || turn.finished_at.is_some() {
            return Vec::new();
        }
        turn.usage = end.usage;
        turn.finished_at = Some(end.finished_at);
        self.usage.add(&end.usage);
        self.container_time_refresh();
        vec![Effect::Redraw]
    }

    /// Recounts the runs; a selection on the last run follows new ones as they start.
    pub(super) fn exec_count_refresh(&mut self) {
        let before = self.exec_count;
        self.exec_count = self.turns.iter().map(|t| count_uses(&t.assistant)).sum();
        if self.exec_count > before && self.code_selected + 1 >= before {
            self.code_selected = self.exec_count - 1;
            self.code_scroll = 0;
        }
        if self.code_selected >= self.exec_count {
            self.code_selected = self.exec_count.saturating_sub(1);
        }
    }

    /// Starts reading the session to resume (None: the latest).
    pub fn resume(&mut self, id: Option<String>) -> Vec<Effect> {
        self.state = TurnState::Loading;
        vec![Effect::LoadSession(id)]
    }

    /// A resumed session: its turns, files, container and usage.
    pub fn load_session(&mut self, session: Session) -> Vec<Effect> {
        self.session_id = Some(session.meta.id.clone());
        self.session_name = Some(session.meta.name.clone());
        self.container = session.meta.container.clone();
        self.skills = skills::for_turn(
            Some(&session.meta.skills),
            &self.settings.config_skills,
            &self.settings.added_skills,
        )
        .unwrap_or_else(|_| session.meta.skills.clone());
        self.usage = session.meta.usage;
        let mut pending_user: Option<StoredMessage> = None;
        for message in session.messages {
            match message.role {
                Role::User => {
                    if let Some(user) = pending_user.take() {
                        self.push_done_turn(Some(user), None);
                    }
                    if let Some(text) = message
                        .content
                        .iter()
                        .find(|b| b["type"] == "text")
                        .and_then(|b| b["text"].as_str())
                    {
                        self.history.push(text.to_string());
                    }
                    pending_user = Some(message);
                }
                Role::Assistant => {
                    let user = pending_user.take();
                    self.push_done_turn(user, Some(message));
                }
            }
        }
        if let Some(user) = pending_user {
            self.push_done_turn(Some(user), None);
        }
        self.files = session
            .files
            .into_iter()
            .map(|record| {
                let deleted = session.deleted_files.contains(&record.id);
                let mut entry = FileEntry::from_record(record);
                if deleted {
                    entry.state = FileState::Deleted;
                }
                entry
            })
            .collect();
        self.state = TurnState::Idle;
        self.exec_count_refresh();
        self.container_time_refresh();
        self.code_selected = self.exec_count.saturating_sub(1);
        vec![Effect::Redraw]
    }

    /// A stored exchange as a turn: it started when the question was stored and ended when the
    /// answer was last written; a question without an answer was cut.
    fn push_done_turn(&mut self, user: Option<StoredMessage>, answer: Option<StoredMessage>) {
        let id = self.fresh_id();
        let started_at = user.as_ref().and_then(|u| parse_time(&u.created_at));
        let finished_at = answer
            .as_ref()
            .and_then(|a| parse_time(a.updated_at.as_deref().unwrap_or(&a.created_at)));
        let (assistant, state, usage, timings) = match answer {
            Some(a) => (a.content, a.state, a.usage.unwrap_or_default(), a.run_times),
            None => (
                Vec::new(),
                MessageState::Cut,
                Default::default(),
                Default::default(),
            ),
        };
        self.turns.push(Turn {
            id,
            // Only the turn's billed usage is stored: its prompt size is estimated from it.
            context: Report {
                prompt_tokens: usage.prompt_tokens(),
                ..Default::default()
            },
            user: user.map(|u| u.content).unwrap_or_default(),
            assistant,
            state: AnswerState::Done(state),
            revision: 0,
            timings,
            usage,
            started_at,
            finished_at,
            notices: Vec::new(),
            partial_inputs: Default::default(),
        });
    }

    /// The raw markdown of the last answer, for copying.
    pub fn last_answer_markdown(&self) -> Option<String> {
        let turn = self.turns.iter().rev().find(|t| !t.assistant.is_empty())?;
        let text = crate::domain::answer::answer_text(&turn.assistant);
        (!text.is_empty()).then_some(text)
    }
}

/// A stored RFC 3339 time; None for one that does not parse (it is then left out of timings).
fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

impl Turn {
    /// Whether the answer ran code (web tools do not count: they need no container).
    pub fn ran_code(&self) -> bool {
        count_uses(&self.assistant) > 0
    }
}

pub(super) fn count_uses(blocks: &[Value]) -> usize {
    blocks
        .iter()
        .filter(|b| b["type"] == "server_tool_use" && b["name"].as_str().is_some_and(is_code_tool))
        .count()
}

fn append(turn: &mut Turn, index: usize, field: &str, text: &str) {
    if let Some(Value::String(s)) = turn.assistant.get_mut(index).and_then(|b| b.get_mut(field)) {
        s.push_str(text);
    }
}

fn stop_notice(reason: Option<&str>) -> Option<String> {
    match reason? {
        "max_tokens" => Some("the answer hit max_tokens and was cut short".into()),
        "refusal" => Some("Claude declined to answer this request".into()),
        "pause_turn" => Some("the answer paused and max_continuations was reached".into()),
        "model_context_window_exceeded" => {
            Some("the conversation no longer fits the model's context window".into())
        }
        _ => None,
    }
}

impl FileEntry {
    pub fn is_uploading(&self) -> bool {
        matches!(self.state, FileState::Uploading { .. })
    }

    pub fn record(&self) -> FileRecord {
        FileRecord {
            id: self.id.clone().unwrap_or_default(),
            filename: self.name.clone(),
            origin: self.origin,
            size: self.size,
            mime: self.mime.clone(),
            local_path: self.local_path.clone(),
            given_as: self.given_as,
        }
    }

    pub fn from_record(record: FileRecord) -> FileEntry {
        let state = match (&record.local_path, record.origin) {
            (Some(path), FileOrigin::Generated) => FileState::Local(path.clone()),
            _ => FileState::Ready,
        };
        FileEntry {
            attach: None,
            id: Some(record.id),
            name: if record.filename.is_empty() {
                "(unnamed)".into()
            } else {
                record.filename
            },
            origin: record.origin,
            size: record.size,
            mime: record.mime,
            state,
            local_path: record.local_path,
            pending: false,
            given_as: record.given_as,
        }
    }
}
