//! The one message bus of the interactive app: everything that can change the model.
//!
//! Invariant: every asynchronous result names what it answers (turn id, attachment id, file
//! id, the input it completed), so the reducer can drop stale ones; events are plain data
//! (no handles, no I/O), which keeps `Model::handle` pure and replayable in tests.

use crate::domain::container::Container;
use crate::domain::context::Report;
use crate::domain::session::{FileRecord, MessageState, Session};
use crate::domain::usage::Usage;
use crate::preview::Preview;
use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{KeyEvent, MouseEvent};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq)]
pub enum AppEvent {
    Key(KeyEvent),
    Paste(String),
    Mouse(MouseEvent),
    Resize(u16, u16),
    /// The session to show was read from the store (resume), or could not be.
    SessionLoaded(Box<Session>),
    SessionFailed(String),
    /// The store gave the new session its id, at the first send.
    SessionCreated {
        id: String,
        name: String,
    },
    Turn {
        turn: u64,
        change: TurnChange,
    },
    Upload {
        attach: u64,
        progress: Transfer<FileRecord>,
    },
    Download {
        file_id: String,
        progress: Transfer<PathBuf>,
    },
    /// A preview was built (or could not be) for the file with this key.
    Previewed {
        key: String,
        result: Result<Arc<Preview>, PreviewFailure>,
    },
    /// Metadata of a generated file, fetched by id (its name, size and type).
    FileInfo {
        file_id: String,
        info: Result<FileRecord, String>,
    },
    Deleted {
        file_id: String,
        result: Result<(), String>,
    },
    /// The attach prompt's path was checked on disk.
    AttachChecked {
        input: String,
        result: Result<(PathBuf, u64), String>,
    },
    /// Tab completion candidates for the attach prompt's `input`.
    Completions {
        input: String,
        candidates: Vec<String>,
    },
    /// A paste was probed: `file` is the existing file it names, if it names one.
    PasteProbed {
        text: String,
        file: Option<PathBuf>,
    },
    /// The external editor closed with this text (or failed).
    EditorClosed(Result<String, String>),
    /// The demo server is up and the app now talks to it.
    DemoStarted,
    /// The last frame measured the conversation: it can scroll up `conversation_max_back`
    /// lines, and it showed the view `conversation_back` lines up from the bottom.
    Measured {
        conversation_max_back: usize,
        conversation_back: usize,
    },
    /// Something worth a line in the status bar (a copy done, a failure of a side task).
    Notice(String),
}

/// Progress of a transfer; `Done` carries what it produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Transfer<T> {
    Progress { done: u64, total: u64 },
    Done(T),
    Failed(String),
}

/// A change to the answer of turn `turn`, mirrored from the stream accumulator.
#[derive(Debug, Clone, PartialEq)]
pub enum TurnChange {
    /// The user message is stored and the request is on its way, at `started_at` (stamped by
    /// the turn's task: the reducer reads no clock).
    Started {
        started_at: DateTime<Utc>,
    },
    /// Block `index` started or stopped: its whole JSON as of now. `at_ms` is the time since
    /// the turn began, used to time code runs.
    Block {
        index: usize,
        block: Value,
        at_ms: u64,
    },
    Text {
        index: usize,
        text: String,
    },
    Thinking {
        index: usize,
        text: String,
    },
    /// A piece of tool use `index`'s input JSON, as it streams.
    Input {
        index: usize,
        json: String,
    },
    /// The container expired or was rejected: the user message now re-attaches the session's
    /// files, and this is what the user is told.
    Reattached {
        content: Vec<Value>,
        notice: String,
    },
    /// A sentence about the turn from before the answer (the prompt's size, say).
    Note(String),
    Finished(Box<TurnEnd>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct TurnEnd {
    /// The authoritative answer blocks.
    pub content: Vec<Value>,
    pub state: MessageState,
    pub usage: Usage,
    pub container: Option<Container>,
    pub stop_reason: Option<String>,
    /// When the answer ended (stamped by the turn's task).
    pub finished_at: DateTime<Utc>,
    /// The prompt's size and what context management did.
    pub context: Report,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreviewFailure {
    /// The local copy is not there (moved or deleted since it was saved).
    Missing,
    Failed(String),
}

/// Events as tests replay them.
#[cfg(test)]
pub(crate) mod replay {
    use super::{AppEvent, TurnChange, TurnEnd};
    use crate::domain::session::MessageState;
    use crate::domain::usage::Usage;
    use chrono::{DateTime, Utc};
    use serde_json::Value;

    /// `minutes` after a fixed moment, 2026-01-01 00:00 UTC.
    pub(crate) fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_767_225_600, 0).expect("a valid time")
            + chrono::TimeDelta::minutes(minutes)
    }

    /// Turn `turn` starting at minute `start` and ending complete at minute `end`.
    pub(crate) fn timed_answer(
        turn: u64,
        (start, end): (i64, i64),
        content: Vec<Value>,
        usage: Usage,
    ) -> [AppEvent; 2] {
        let started = TurnChange::Started {
            started_at: at(start),
        };
        let finished = TurnChange::Finished(Box::new(TurnEnd {
            content,
            state: MessageState::Complete,
            usage,
            container: None,
            stop_reason: Some("end_turn".into()),
            finished_at: at(end),
            context: Default::default(),
        }));
        [
            AppEvent::Turn {
                turn,
                change: started,
            },
            AppEvent::Turn {
                turn,
                change: finished,
            },
        ]
    }
}
