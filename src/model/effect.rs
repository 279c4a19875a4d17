//! What the reducer asks the outside world to do; `app` runs each one.
//!
//! Invariant: effects carry everything their runner needs (no reads back into the model), and
//! each names the key its result will carry, so the reducer can match answers to questions.

use crate::domain::request::TurnRequest;
use crate::domain::session::FileRecord;
use serde_json::Value;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// The visible state changed: schedule a frame.
    Redraw,
    Quit,
    /// Read the session to resume (None: the latest).
    LoadSession(Option<String>),
    /// Run a turn: store the user message (creating the session first when `session` is None),
    /// stream the answer, checkpoint it and report as `AppEvent::Turn`.
    StartTurn(Box<TurnStart>),
    /// Stop turn `turn`; the partial answer is kept and stored as cancelled.
    CancelTurn(u64),
    CheckAttach {
        input: String,
    },
    Complete {
        input: String,
    },
    Upload {
        attach: u64,
        path: PathBuf,
    },
    FetchInfo {
        file_id: String,
    },
    Download {
        file_id: String,
        dir: PathBuf,
    },
    Delete {
        file_id: String,
    },
    /// Build the preview of the file at `path` off the UI task.
    Preview {
        key: String,
        path: PathBuf,
    },
    /// Record that a file was deleted from the Files API, in every session that has it.
    ForgetFile {
        file_id: String,
    },
    /// Record a file of the session in the store.
    PersistFile {
        session: String,
        file: FileRecord,
    },
    OpenPath(PathBuf),
    Copy(String),
    OpenEditor(String),
    ProbePaste(String),
    StartDemo,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TurnStart {
    pub turn: u64,
    pub session: Option<String>,
    pub prompt: String,
    /// The request: the history and the new user message last.
    pub request: TurnRequest,
    /// Files uploaded for this turn, recorded in the session with it.
    pub new_files: Vec<FileRecord>,
    /// `container_upload` blocks of the session's earlier uploads, added if the container has
    /// to be replaced.
    pub reattach: Vec<Value>,
    /// When the known container expires (RFC 3339), to decide whether to reuse it.
    pub container_expires_at: Option<String>,
    /// Every file of the session with an id, to name one the API no longer has.
    pub files: Vec<FileRecord>,
}
