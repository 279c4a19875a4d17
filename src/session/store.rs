//! The session store: one SQLite file (`sessions.db` in the data directory) holding every
//! session's metadata, messages, files and a full-text index of what was said and run.
//!
//! Invariants: every public method is one transaction, so a crash leaves each session as it
//! was before or after a call, never half-written. Every message write lists the message for
//! the search index in the same transaction, and a search indexes what is listed first (see
//! `search_index.rs`), so search always sees the messages as last written. Content
//! is stored as the exact JSON array given and handed back unchanged. The file is opened in WAL
//! mode with a 5 s busy timeout so a `clab sessions` command can read while a turn writes. This
//! type is `!Sync`: methods take `&self` and each opens and finishes its own transaction, so no
//! two transactions can interleave on one connection. Reads live in `store_read.rs`. The file,
//! and with it its `-wal` and `-shm`, is the owner's alone (0600, see [`crate::private`]), and
//! a deleted session's text is erased from them (see [`Store::delete`]).

use super::body::write_message;
use super::naming::{new_session_id, title_from_prompt};
use super::schema::{self, Outcome};
use super::search_index::mark_unindexed;
use crate::domain::attachment::GivenAs;
use crate::domain::container::Container;
use crate::domain::run_times::RunTimes;
use crate::domain::session::{FileOrigin, FileRecord, MessageState, Role, SessionMeta};
use crate::domain::usage::Usage;
use rusqlite::{Connection, params};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("session store: {context}: {source}")]
    Sqlite {
        context: &'static str,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot create {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the session store has schema version {found} but this clab knows up to {supported}: \
         it was created by a newer clab; upgrade clab"
    )]
    FutureSchema { found: i64, supported: i64 },
    /// The session manager's thread is gone or could not start.
    #[error("{0}")]
    Manager(String),
    #[error("no data directory for sessions; set CLAB_HOME")]
    NoDataDir,
    #[error("no session matches '{0}'")]
    NotFound(String),
    #[error("session {session_id} has no message {seq}")]
    MessageNotFound { session_id: String, seq: i64 },
    #[error("'{0}' matches {1} sessions; type more of the id")]
    Ambiguous(String, usize),
    #[error("session store: a stored message is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// Attaches what the store was doing to a SQLite error.
pub(super) trait Context<T> {
    fn ctx(self, context: &'static str) -> Result<T, StoreError>;
}

impl<T> Context<T> for rusqlite::Result<T> {
    fn ctx(self, context: &'static str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Sqlite { context, source })
    }
}

pub struct Store {
    pub(super) conn: Connection,
}

/// Now, RFC 3339 UTC with microseconds: fixed width, so text order is time order.
pub(super) fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

pub(super) fn role_text(role: Role) -> &'static str {
    match role {
        Role::User => "user",
        Role::Assistant => "assistant",
    }
}

/// The `state` and `error` columns of a message.
pub(super) fn state_columns(state: &MessageState) -> (&'static str, Option<&str>) {
    match state {
        MessageState::Complete => ("complete", None),
        MessageState::Cancelled => ("cancelled", None),
        MessageState::Cut => ("cut", None),
        MessageState::Failed(error) => ("failed", Some(error)),
    }
}

pub(super) fn usage_json(usage: Option<&Usage>) -> Result<Option<String>, StoreError> {
    Ok(usage.map(serde_json::to_string).transpose()?)
}

impl Store {
    /// `sessions.db` in the data directory (`CLAB_HOME` when set).
    pub fn default_path() -> Option<PathBuf> {
        crate::paths::data_dir().map(|dir| dir.join("sessions.db"))
    }

    /// The user's store, or the demo's (`demo-sessions.db` beside it), so demo turns never
    /// mix with real ones.
    pub fn path_for(demo: bool) -> Option<PathBuf> {
        let path = Store::default_path()?;
        Some(if demo {
            path.with_file_name("demo-sessions.db")
        } else {
            path
        })
    }

    /// Opens (creating if needed) the store at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| StoreError::Io { path, source }
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            crate::private::dir(parent).map_err(io(parent))?;
        }
        // Created 0600 before SQLite sees it: its -wal and -shm take the database's mode.
        crate::private::store(path).map_err(io(path))?;
        let mut conn = Connection::open(path).ctx("opening the database")?;
        // Freed pages and deleted cells are overwritten with zeros, so a deleted message
        // cannot be read back from the file.
        conn.pragma_update(None, "secure_delete", true)
            .ctx("enabling secure delete")?;
        conn.busy_timeout(Duration::from_secs(5))
            .ctx("setting the busy timeout")?;
        conn.pragma_update(None, "foreign_keys", true)
            .ctx("enabling foreign keys")?;
        conn.pragma_update(None, "cache_size", -CACHE_KIB)
            .ctx("sizing the page cache")?;
        if let Outcome::Future(found) = schema::migrate(&mut conn).ctx("migrating the schema")? {
            return Err(StoreError::FutureSchema {
                found,
                supported: schema::SUPPORTED,
            });
        }
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |_| Ok(()))
            .ctx("switching to WAL")?;
        // In WAL mode NORMAL syncs at log checkpoints, not at every commit: a killed clab
        // loses nothing, a power cut at most the last commits, and the file stays
        // consistent. A turn commits a dozen times; syncing each took longer than the answer.
        conn.pragma_update(None, "synchronous", "NORMAL")
            .ctx("setting the sync mode")?;
        Ok(Store { conn })
    }

    /// A new, empty session named after its first prompt.
    pub fn create_session(
        &self,
        model: &str,
        first_prompt: &str,
    ) -> Result<SessionMeta, StoreError> {
        let now = now();
        let meta = SessionMeta {
            id: new_session_id(),
            name: title_from_prompt(first_prompt),
            model: model.to_string(),
            created_at: now.clone(),
            updated_at: now,
            container: None,
            usage: Usage::default(),
            skills: Vec::new(),
        };
        self.conn
            .execute(
                "INSERT INTO sessions (id, name, model, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?4)",
                params![meta.id, meta.name, meta.model, meta.created_at],
            )
            .ctx("creating a session")?;
        Ok(meta)
    }

    /// Appends a message at the end of the session; returns its `seq`.
    pub fn append_message(
        &self,
        session_id: &str,
        role: Role,
        content: &[Value],
        state: &MessageState,
        usage: Option<&Usage>,
    ) -> Result<i64, StoreError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .ctx("appending a message")?;
        touch(&tx, session_id)?;
        let seq: i64 = tx
            .query_row(
                "SELECT COALESCE(MAX(seq) + 1, 0) FROM messages WHERE session_id = ?1",
                [session_id],
                |row| row.get(0),
            )
            .ctx("numbering a message")?;
        let (state, error) = state_columns(state);
        tx.execute(
            "INSERT INTO messages
                 (session_id, seq, role, state, error, usage, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
            params![
                session_id,
                seq,
                role_text(role),
                state,
                error,
                usage_json(usage)?,
                now(),
            ],
        )
        .ctx("appending a message")?;
        let rowid = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO bodies (message_id, json) VALUES (?1, ?2)",
            params![rowid, crate::exact_json::to_string(content)?],
        )
        .ctx("appending a message")?;
        mark_unindexed(&tx, rowid)?;
        tx.commit().ctx("appending a message")?;
        Ok(seq)
    }

    /// Rewrites a message's content, state and usage (an answer that grew or ended).
    pub fn update_message(
        &self,
        session_id: &str,
        seq: i64,
        content: &[Value],
        state: &MessageState,
        usage: Option<&Usage>,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .ctx("updating a message")?;
        let len = crate::exact_json::len(content)?;
        write_message(&tx, session_id, seq, len, state, usage, |out| {
            serde_json::to_writer(out, content).map_err(std::io::Error::from)
        })?;
        tx.commit().ctx("updating a message")
    }

    /// Records an answer in progress (already serialized, so the caller needs no copy of its
    /// blocks) as a partial (`Cut`) message.
    pub fn checkpoint_message(
        &self,
        session_id: &str,
        seq: i64,
        content_json: &str,
        usage: Option<&Usage>,
    ) -> Result<(), StoreError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .ctx("checkpointing a message")?;
        let state = &MessageState::Cut;
        write_message(
            &tx,
            session_id,
            seq,
            content_json.len(),
            state,
            usage,
            |out| out.write_all(content_json.as_bytes()),
        )?;
        tx.commit().ctx("checkpointing a message")
    }

    /// Records when the code runs of message `seq` started and ended.
    pub fn set_run_times(
        &self,
        session_id: &str,
        seq: i64,
        times: &RunTimes,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(times)?;
        self.conn
            .execute(
                "UPDATE messages SET run_times = ?3 WHERE session_id = ?1 AND seq = ?2",
                params![session_id, seq, json],
            )
            .ctx("storing run times")?;
        Ok(())
    }

    /// Records the session's code-execution container (or forgets it).
    pub fn set_container(
        &self,
        session_id: &str,
        container: Option<&Container>,
    ) -> Result<(), StoreError> {
        let changed = self
            .conn
            .execute(
                "UPDATE sessions SET container_id = ?2, container_expires_at = ?3, updated_at = ?4
                 WHERE id = ?1",
                params![
                    session_id,
                    container.map(|c| &c.id),
                    container.and_then(|c| c.expires_at.as_ref()),
                    now(),
                ],
            )
            .ctx("recording the container")?;
        found(changed, session_id)
    }

    /// Records the Agent Skills the session's turns load.
    pub fn set_skills(&self, session_id: &str, skills: &[String]) -> Result<(), StoreError> {
        let json = serde_json::to_string(skills).unwrap_or_else(|_| "[]".to_string());
        let changed = self
            .conn
            .execute(
                "UPDATE sessions SET skills = ?2, updated_at = ?3 WHERE id = ?1",
                params![session_id, json, now()],
            )
            .ctx("recording the skills")?;
        found(changed, session_id)
    }

    /// Adds one request's usage to the session's totals.
    pub fn add_usage(&self, session_id: &str, usage: &Usage) -> Result<(), StoreError> {
        let changed = self
            .conn
            .execute(
                "UPDATE sessions SET input_tokens = input_tokens + ?2,
                     output_tokens = output_tokens + ?3,
                     cache_creation_input_tokens = cache_creation_input_tokens + ?4,
                     cache_read_input_tokens = cache_read_input_tokens + ?5,
                     updated_at = ?6
                 WHERE id = ?1",
                params![
                    session_id,
                    usage.input_tokens as i64,
                    usage.output_tokens as i64,
                    usage.cache_creation_input_tokens as i64,
                    usage.cache_read_input_tokens as i64,
                    now(),
                ],
            )
            .ctx("adding usage")?;
        found(changed, session_id)
    }

    /// Marks file `id` as deleted from the Files API in every session that has it (ids are
    /// the API's, not a session's); returns in how many.
    pub fn mark_file_deleted(&self, id: &str) -> Result<usize, StoreError> {
        self.conn
            .execute("UPDATE files SET deleted = 1 WHERE id = ?1", [id])
            .ctx("recording a deleted file")
    }

    /// Records a file of the session, replacing what was known about the same id.
    pub fn upsert_file(&self, session_id: &str, file: &FileRecord) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction().ctx("recording a file")?;
        touch(&tx, session_id)?;
        let origin = match file.origin {
            FileOrigin::Uploaded => "uploaded",
            FileOrigin::Generated => "generated",
        };
        tx.execute(
            "INSERT INTO files (session_id, id, filename, origin, size, mime, local_path, given_as)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT(session_id, id) DO UPDATE SET filename = excluded.filename,
                 origin = excluded.origin, size = excluded.size, mime = excluded.mime,
                 local_path = excluded.local_path, given_as = excluded.given_as",
            params![
                session_id,
                file.id,
                file.filename,
                origin,
                file.size.map(|s| s as i64),
                file.mime,
                file.local_path.as_ref().map(|p| p.to_string_lossy()),
                file.given_as.map(GivenAs::as_str),
            ],
        )
        .ctx("recording a file")?;
        tx.commit().ctx("recording a file")
    }

    pub fn rename(&self, id: &str, name: &str) -> Result<(), StoreError> {
        let changed = self
            .conn
            .execute(
                "UPDATE sessions SET name = ?2, updated_at = ?3 WHERE id = ?1",
                params![id, name, now()],
            )
            .ctx("renaming a session")?;
        found(changed, id)
    }

    /// Deletes a session with its messages, files and index rows, and erases their text from
    /// the files; `None` if there was no such session.
    ///
    /// `secure_delete` zeroes what the delete frees, but the full-text index keeps a deleted
    /// row's terms in its segments until they are merged, so the index is optimized (merged
    /// into one segment without them). The write-ahead log still holds earlier versions of
    /// every page it wrote, so it is checkpointed and truncated; while another clab has the
    /// store open that cannot finish, and the log is erased when the last one closes it.
    pub fn delete(&self, id: &str) -> Result<Option<Erased>, StoreError> {
        let tx = self
            .conn
            .unchecked_transaction()
            .ctx("deleting a session")?;
        let changed = tx
            .execute("DELETE FROM sessions WHERE id = ?1", [id])
            .ctx("deleting a session")?;
        if changed == 0 {
            return Ok(None);
        }
        tx.execute(
            "INSERT INTO messages_fts (messages_fts) VALUES ('optimize')",
            [],
        )
        .ctx("compacting the search index")?;
        tx.commit().ctx("deleting a session")?;
        let busy: i64 = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |row| row.get(0))
            .ctx("erasing the write-ahead log")?;
        Ok(Some(if busy == 0 {
            Erased::Everywhere
        } else {
            Erased::WhenOthersClose
        }))
    }
}

/// How far a deleted session's text is gone from the files.
#[derive(Debug, PartialEq, Eq)]
pub enum Erased {
    /// From the database and its write-ahead log.
    Everywhere,
    /// From the database; another connection kept the log, which holds it until that closes.
    WhenOthersClose,
}

/// The page cache, in KiB. SQLite's default (2 MiB) would hold a whole long answer's pages
/// while it is written; past this, dirty pages spill to the write-ahead log instead.
const CACHE_KIB: i64 = 512;

/// Marks the session as updated now; `NotFound` if it does not exist.
pub(super) fn touch(conn: &Connection, session_id: &str) -> Result<(), StoreError> {
    let changed = conn
        .execute(
            "UPDATE sessions SET updated_at = ?2 WHERE id = ?1",
            params![session_id, now()],
        )
        .ctx("touching a session")?;
    found(changed, session_id)
}

fn found(changed: usize, id: &str) -> Result<(), StoreError> {
    if changed == 0 {
        return Err(StoreError::NotFound(id.to_string()));
    }
    Ok(())
}
