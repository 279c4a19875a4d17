//! The interactive app's state: conversation, executions, files, composer, focus, overlays.
//!
//! Invariant: this is plain data changed only by `Model::handle`; views read it and never
//! write it. Every displayed fact (an answer, a file's state) is derived from the API's blocks
//! or from events, so what is shown is what is stored. `revision` counters let the render
//! cache skip unchanged turns.

use super::cost::PriceTable;
use crate::domain::attachment::GivenAs;
use crate::domain::container::Container;
use crate::domain::context::Report;
use crate::domain::request::LongSession;
use crate::domain::run_times::RunTimes;
use crate::domain::session::{FileOrigin, MessageState};
use crate::domain::skills;
use crate::domain::usage::Usage;
use crate::model::keymap::Keymap;
use crate::preview::Preview;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use tui_textarea::TextArea;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Composer,
    Conversation,
    Code,
    Files,
}

impl Focus {
    pub const ORDER: [Focus; 4] = [
        Focus::Composer,
        Focus::Conversation,
        Focus::Code,
        Focus::Files,
    ];

    pub fn cycle(self, forward: bool) -> Focus {
        let i = Focus::ORDER.iter().position(|f| *f == self).unwrap_or(0);
        let n = Focus::ORDER.len();
        Focus::ORDER[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }
}

/// What the app is doing with the conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TurnState {
    /// Reading a resumed session from the store.
    Loading,
    Idle,
    /// A send waits for these uploads to finish.
    Uploading,
    Streaming {
        turn: u64,
    },
    Failed(String),
}

/// Notices kept for the notices overlay.
pub const NOTICE_LOG: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    /// Every key; `scroll` rows are scrolled out above.
    Help {
        scroll: usize,
    },
    /// No key: explain how to set one, offer the demo.
    NoKey,
    Attach(AttachPrompt),
    ConfirmDelete {
        file_id: String,
        name: String,
    },
    /// A pasted text names an existing file: attach it?
    ConfirmPasteAttach {
        text: String,
        path: PathBuf,
    },
    /// Tokens and estimated cost; `back` newest turns are scrolled out below the table.
    Usage {
        back: usize,
    },
    /// The notices of this run, newest last.
    Notices,
    /// The session's Agent Skills; `cursor` is the highlighted row of
    /// [`crate::model::skills_picker::rows`].
    Skills {
        cursor: usize,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AttachPrompt {
    pub input: String,
    /// A path offered while nothing is typed (the demo's sample): Enter or Tab takes it, and
    /// the first typed or pasted character replaces it.
    pub suggestion: Option<String>,
    /// Completion candidates shown under the input.
    pub candidates: Vec<String>,
    /// Why the last path was refused.
    pub error: Option<String>,
    /// A check of `input` is under way.
    pub checking: bool,
    /// How the file will be given to Claude; `None` decides by its kind.
    pub mode: Option<GivenAs>,
}

/// One exchange: the user's message and the assistant's answer as API blocks.
#[derive(Debug, Clone, PartialEq)]
pub struct Turn {
    pub id: u64,
    /// The prompt's size and what context management did (unknown for a resumed turn).
    pub context: Report,
    pub user: Vec<Value>,
    pub assistant: Vec<Value>,
    pub state: AnswerState,
    /// Bumped on every change, so views re-render only changed turns.
    pub revision: u64,
    /// When each code run started and finished, by tool use id (ms since the turn began).
    pub timings: RunTimes,
    /// The answer's tokens (zero until it ends).
    pub usage: Usage,
    /// When the request went out and when the answer ended, as the events or the store said.
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    /// What happened to the turn on its way out (a replaced container), shown in it.
    pub notices: Vec<String>,
    /// The input JSON of each tool use still streaming, by block index: its `input` is read
    /// from it leniently so the code shows as it is written.
    pub partial_inputs: HashMap<usize, String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerState {
    Streaming,
    Done(MessageState),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileState {
    /// An upload in flight (bytes sent, total).
    Uploading {
        done: u64,
        total: u64,
    },
    /// In the Files API, not downloaded.
    Ready,
    Downloading {
        done: u64,
        total: u64,
    },
    /// Saved (or, for an upload, read) at this path.
    Local(PathBuf),
    Failed(String),
    Deleting,
    Deleted,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// Attachment key while uploading; the file id once known.
    pub attach: Option<u64>,
    pub id: Option<String>,
    pub name: String,
    pub origin: FileOrigin,
    pub size: Option<u64>,
    pub mime: Option<String>,
    pub state: FileState,
    /// The upload's source, or where a generated file was saved.
    pub local_path: Option<PathBuf>,
    /// An upload made for the next message, not yet sent.
    pub pending: bool,
    /// How an upload is given to Claude; `None` for generated files.
    pub given_as: Option<GivenAs>,
}

/// Scroll position kept as lines above the bottom, so following the stream is `back == 0`
/// and needs no knowledge of the layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Scroll {
    pub back: usize,
    /// The largest useful `back`, as the last frame measured it.
    pub max: usize,
    /// The run selection moved: the next frame scrolls the selected run's marker into view
    /// and reports the `back` it chose.
    pub follow_run: bool,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub model: String,
    pub max_tokens: u32,
    pub tool: String,
    pub max_continuations: u32,
    pub download_dir: PathBuf,
    pub keymap: Keymap,
    /// List prices for the cost estimates.
    pub prices: PriceTable,
    /// The demo's sample data, offered by the attach prompt.
    pub sample: Option<PathBuf>,
    /// The config file in force (or where it would be), named by the no-key dialog.
    pub config_path: Option<PathBuf>,
    /// Prompt caching and context management for the turns.
    pub long: LongSession,
    /// Agent Skills of a new session (the config's), and those `--skill` adds to any session.
    pub config_skills: Vec<String>,
    pub added_skills: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Model {
    pub settings: Settings,
    pub demo: bool,
    pub session_id: Option<String>,
    pub session_name: Option<String>,
    pub turns: Vec<Turn>,
    pub files: Vec<FileEntry>,
    pub container: Option<Container>,
    /// Agent Skill ids the session's turns load into the container.
    pub skills: Vec<String>,
    /// The next turn asks the API to compact (or clear) the context whatever its size.
    pub compact_next: bool,
    pub usage: Usage,
    /// The session's estimated container time, kept in step with the turns (recomputed when
    /// a turn starts, gains a block or ends, so drawing it costs nothing per turn).
    pub container_time: TimeDelta,
    pub state: TurnState,
    pub focus: Focus,
    pub overlay: Option<Overlay>,
    pub composer: TextArea<'static>,
    /// Sent prompts, oldest first, and where Up/Down browsing is (None: not browsing).
    pub history: Vec<String>,
    pub history_pos: Option<usize>,
    /// A prompt waiting for uploads before it is sent.
    pub queued: Option<String>,
    pub conversation: Scroll,
    /// The selected code run (index into all executions of the session), and how far its card
    /// is scrolled.
    pub code_selected: usize,
    pub code_scroll: usize,
    /// Number of executions in the session, kept in step with the turns.
    pub exec_count: usize,
    pub files_selected: usize,
    pub preview: Option<PreviewPane>,
    /// Started without a key (and not switched to the demo): sending or attaching shows the
    /// no-key dialog again.
    pub no_key: bool,
    /// The latest notice, shown in the status bar until the next key.
    pub notice: Option<String>,
    /// Every notice of this run, newest last (at most [`NOTICE_LOG`]), for the notices overlay.
    pub notice_log: Vec<String>,
    /// Ctrl-C was pressed once; a second press quits.
    pub interrupt_armed: bool,
    pub size: (u16, u16),
    pub quit: bool,
    pub next_id: u64,
}

/// The preview shown in the files pane, of one file.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewPane {
    /// The file's id, or for an attachment still uploading its local path.
    pub key: String,
    pub name: String,
    pub content: PreviewContent,
    /// Rows (of a table or text) scrolled past.
    pub scroll: usize,
    /// Table columns scrolled past.
    pub column: usize,
    /// The sheet shown of a workbook.
    pub sheet: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PreviewContent {
    /// Fetching the file first (no local copy, or it was removed).
    Downloading,
    /// Reading and decoding the local copy.
    Building,
    Ready(Arc<Preview>),
    Failed(String),
}

/// Whether an API key (or the demo) is available when the app starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Key,
    Demo,
    NoKey,
}

impl Model {
    pub fn new(settings: Settings, access: Access, resuming: bool) -> Model {
        let skills = skills::for_turn(None, &settings.config_skills, &settings.added_skills)
            .unwrap_or_default();
        Model {
            settings,
            demo: access == Access::Demo,
            session_id: None,
            session_name: None,
            turns: Vec::new(),
            files: Vec::new(),
            container: None,
            skills,
            compact_next: false,
            usage: Usage::default(),
            container_time: TimeDelta::zero(),
            state: if resuming {
                TurnState::Loading
            } else {
                TurnState::Idle
            },
            focus: Focus::Composer,
            overlay: (access == Access::NoKey).then_some(Overlay::NoKey),
            no_key: access == Access::NoKey,
            composer: super::composer::new_textarea(),
            history: Vec::new(),
            history_pos: None,
            queued: None,
            conversation: Scroll::default(),
            code_selected: 0,
            code_scroll: 0,
            exec_count: 0,
            files_selected: 0,
            preview: None,
            notice: None,
            notice_log: Vec::new(),
            interrupt_armed: false,
            size: (80, 24),
            quit: false,
            next_id: 1,
        }
    }

    pub fn fresh_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    pub fn is_busy(&self) -> bool {
        matches!(
            self.state,
            TurnState::Streaming { .. } | TurnState::Uploading | TurnState::Loading
        )
    }

    /// The turn being streamed, if any.
    pub fn streaming_turn(&self) -> Option<u64> {
        match self.state {
            TurnState::Streaming { turn } => Some(turn),
            _ => None,
        }
    }

    pub fn turn_mut(&mut self, id: u64) -> Option<&mut Turn> {
        self.turns.iter_mut().rev().find(|t| t.id == id)
    }

    pub fn file_by_id(&mut self, id: &str) -> Option<&mut FileEntry> {
        self.files.iter_mut().find(|f| f.id.as_deref() == Some(id))
    }
}
