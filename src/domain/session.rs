//! What a persisted session is: its metadata, its messages (the API's content blocks, stored
//! verbatim) and its files.
//!
//! Invariant: message content is the exact JSON the API sent or was sent, so a resumed
//! conversation is re-sent byte-equivalent; everything shown is derived from it. The API key
//! has no place here.

use crate::domain::attachment::GivenAs;
use crate::domain::container::Container;
use crate::domain::run_times::RunTimes;
use crate::domain::usage::Usage;
use serde::Serialize;
use serde_json::Value;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    User,
    Assistant,
}

/// How an assistant message ended. User messages are always `Complete`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "state", content = "error")]
pub enum MessageState {
    Complete,
    /// The user stopped it.
    Cancelled,
    /// The connection closed before `message_stop` (or the process died).
    Cut,
    /// The API reported an error; the text says what.
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredMessage {
    /// Position in the session, from 0.
    pub seq: i64,
    pub role: Role,
    pub content: Vec<Value>,
    pub state: MessageState,
    pub usage: Option<Usage>,
    /// RFC 3339, UTC.
    pub created_at: String,
    /// When it was last written (RFC 3339, UTC); None for messages stored before clab kept it.
    pub updated_at: Option<String>,
    /// An answer's code runs: when each started and ended.
    pub run_times: RunTimes,
}

impl StoredMessage {
    /// A message not (yet) in the store, to run through the same rules as stored ones.
    pub fn unsaved(role: Role, content: Vec<Value>, state: MessageState) -> StoredMessage {
        StoredMessage {
            seq: 0,
            role,
            content,
            state,
            usage: None,
            created_at: String::new(),
            updated_at: None,
            run_times: RunTimes::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileOrigin {
    Uploaded,
    Generated,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileRecord {
    pub id: String,
    pub filename: String,
    pub origin: FileOrigin,
    pub size: Option<u64>,
    pub mime: Option<String>,
    /// The local source of an upload, or where a generated file was saved.
    pub local_path: Option<PathBuf>,
    /// How an upload was given to Claude; `None` for generated files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_as: Option<GivenAs>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionMeta {
    pub id: String,
    pub name: String,
    pub model: String,
    pub created_at: String,
    pub updated_at: String,
    pub container: Option<Container>,
    pub usage: Usage,
    /// Agent Skill ids loaded into the session's container (see `domain::skills`).
    pub skills: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Session {
    pub meta: SessionMeta,
    pub messages: Vec<StoredMessage>,
    pub files: Vec<FileRecord>,
    /// Ids of the session's files deleted from the Files API since: their blocks are no
    /// longer sent, and they are not attached again.
    pub deleted_files: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionSummary {
    pub id: String,
    pub name: String,
    pub updated_at: String,
    /// User messages.
    pub turns: usize,
    pub files: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    pub session_id: String,
    pub session_name: String,
    pub seq: i64,
    pub role: Role,
    /// Matching text with the match marked `[…]`, stripped of terminal controls.
    pub snippet: String,
    /// Lower is better (FTS5 bm25).
    pub rank: f64,
}
