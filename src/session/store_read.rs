//! Reading the session store: whole sessions, the list, search, and id prefixes.
//!
//! Invariants: a session is loaded inside one read transaction, so its messages, files and
//! totals are one consistent snapshot even while another process appends. Message content
//! comes back as the exact JSON that went in. Everything returned for display (search
//! snippets) is stripped of terminal controls here, once.

use super::search_text::fts_query;
use super::store::{Context, Store, StoreError};
use crate::domain::attachment::GivenAs;
use crate::domain::container::Container;
use crate::domain::session::{
    FileOrigin, FileRecord, MessageState, Role, SearchHit, Session, SessionMeta, SessionSummary,
    StoredMessage,
};
use crate::domain::usage::Usage;
use crate::text_safety::strip_controls;
use rusqlite::{Connection, OptionalExtension, Row};
use serde_json::Value;
use std::path::PathBuf;

/// Search results returned at most.
const SEARCH_LIMIT: usize = 50;

impl Store {
    /// The whole session `id` (exact), or `None`.
    pub fn load(&self, id: &str) -> Result<Option<Session>, StoreError> {
        let tx = self.conn.unchecked_transaction().ctx("loading a session")?;
        let Some(meta) = tx
            .query_row(
                "SELECT id, name, model, created_at, updated_at, container_id,
                        container_expires_at, input_tokens, output_tokens,
                        cache_creation_input_tokens, cache_read_input_tokens, skills
                 FROM sessions WHERE id = ?1",
                [id],
                meta_from_row,
            )
            .optional()
            .ctx("loading a session")?
        else {
            return Ok(None);
        };
        let messages = load_messages(&tx, id)?;
        let (files, deleted_files) = load_files(&tx, id)?;
        Ok(Some(Session {
            meta,
            messages,
            files,
            deleted_files,
        }))
    }

    /// The most recently updated session's id.
    pub fn latest_id(&self) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row(
                "SELECT id FROM sessions ORDER BY updated_at DESC, rowid DESC LIMIT 1",
                [],
                |row| row.get(0),
            )
            .optional()
            .ctx("finding the latest session")
    }

    /// Every session, most recently updated first.
    pub fn list(&self) -> Result<Vec<SessionSummary>, StoreError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT s.id, s.name, s.updated_at,
                    (SELECT COUNT(*) FROM messages m WHERE m.session_id = s.id AND m.role = 'user'),
                    (SELECT COUNT(*) FROM files f WHERE f.session_id = s.id)
                 FROM sessions s ORDER BY s.updated_at DESC, s.rowid DESC",
            )
            .ctx("listing sessions")?;
        let rows = stmt
            .query_map([], |row| {
                Ok(SessionSummary {
                    id: row.get(0)?,
                    name: row.get(1)?,
                    updated_at: row.get(2)?,
                    turns: row.get::<_, i64>(3)? as usize,
                    files: row.get::<_, i64>(4)? as usize,
                })
            })
            .ctx("listing sessions")?;
        rows.collect::<rusqlite::Result<_>>()
            .ctx("listing sessions")
    }

    /// Messages containing every term of `query`, best match (lowest bm25) first.
    pub fn search(&self, query: &str) -> Result<Vec<SearchHit>, StoreError> {
        let Some(fts) = fts_query(query) else {
            return Ok(Vec::new());
        };
        self.catch_up_index()?;
        let mut stmt = self
            .conn
            .prepare(
                "SELECT m.session_id, s.name, m.seq, m.role,
                        snippet(messages_fts, 0, '[', ']', '…', 12), bm25(messages_fts)
                 FROM messages_fts
                 JOIN messages m ON m.id = messages_fts.rowid
                 JOIN sessions s ON s.id = m.session_id
                 WHERE messages_fts MATCH ?1
                 ORDER BY bm25(messages_fts), m.session_id, m.seq
                 LIMIT ?2",
            )
            .ctx("searching")?;
        let rows = stmt
            .query_map(rusqlite::params![fts, SEARCH_LIMIT as i64], |row| {
                Ok(SearchHit {
                    session_id: row.get(0)?,
                    session_name: row.get(1)?,
                    seq: row.get(2)?,
                    role: role_from(&row.get::<_, String>(3)?),
                    snippet: strip_controls(&row.get::<_, String>(4)?).into_owned(),
                    rank: row.get(5)?,
                })
            })
            .ctx("searching")?;
        rows.collect::<rusqlite::Result<_>>().ctx("searching")
    }

    /// The one session id equal to, or else starting with, `prefix`.
    pub fn resolve_id(&self, prefix: &str) -> Result<String, StoreError> {
        if prefix.is_empty() {
            return Err(StoreError::NotFound(String::new()));
        }
        let mut stmt = self
            .conn
            .prepare(
                "SELECT id FROM sessions WHERE substr(id, 1, length(?1)) = ?1
                 ORDER BY id != ?1 LIMIT 3",
            )
            .ctx("resolving an id")?;
        let ids: Vec<String> = stmt
            .query_map([prefix], |row| row.get(0))
            .ctx("resolving an id")?
            .collect::<rusqlite::Result<_>>()
            .ctx("resolving an id")?;
        match ids.as_slice() {
            [] => Err(StoreError::NotFound(prefix.to_string())),
            [only] => Ok(only.clone()),
            [first, ..] if first == prefix => Ok(first.clone()),
            _ => {
                let count: i64 = self
                    .conn
                    .query_row(
                        "SELECT COUNT(*) FROM sessions WHERE substr(id, 1, length(?1)) = ?1",
                        [prefix],
                        |row| row.get(0),
                    )
                    .ctx("resolving an id")?;
                Err(StoreError::Ambiguous(prefix.to_string(), count as usize))
            }
        }
    }
}

fn meta_from_row(row: &Row) -> rusqlite::Result<SessionMeta> {
    let container_id: Option<String> = row.get(5)?;
    let count = |i: usize| row.get::<_, i64>(i).map(|n| n.max(0) as u64);
    Ok(SessionMeta {
        id: row.get(0)?,
        name: row.get(1)?,
        model: row.get(2)?,
        created_at: row.get(3)?,
        updated_at: row.get(4)?,
        container: container_id
            .map(|id| -> rusqlite::Result<Container> {
                Ok(Container {
                    id,
                    expires_at: row.get(6)?,
                })
            })
            .transpose()?,
        usage: Usage {
            input_tokens: count(7)?,
            output_tokens: count(8)?,
            cache_creation_input_tokens: count(9)?,
            cache_read_input_tokens: count(10)?,
        },
        // Written by clab as a JSON array of ids; anything else reads as no skills.
        skills: row
            .get::<_, Option<String>>(11)?
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or_default(),
    })
}

fn load_messages(conn: &Connection, id: &str) -> Result<Vec<StoredMessage>, StoreError> {
    let mut stmt = conn
        .prepare(
            "SELECT m.seq, m.role, b.json, m.state, m.error, m.usage, m.created_at,
                    m.updated_at, m.run_times
             FROM messages m JOIN bodies b ON b.message_id = m.id
             WHERE m.session_id = ?1 ORDER BY m.seq",
        )
        .ctx("loading messages")?;
    type Raw = (
        i64,
        String,
        Vec<u8>,
        String,
        Option<String>,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
    );
    let raw: Vec<Raw> = stmt
        .query_map([id], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                // Text, or a blob of UTF-8 JSON (see schema V4).
                r.get_ref(2)?.as_bytes()?.to_vec(),
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
            ))
        })
        .ctx("loading messages")?
        .collect::<rusqlite::Result<_>>()
        .ctx("loading messages")?;
    raw.into_iter()
        .map(
            |(seq, role, content, state, error, usage, created_at, updated_at, run_times)| {
                let usage = usage
                    .map(|u| serde_json::from_str::<Value>(&u))
                    .transpose()?
                    .map(|v| {
                        let mut usage = Usage::default();
                        usage.overlay(&v);
                        usage
                    });
                Ok(StoredMessage {
                    seq,
                    role: role_from(&role),
                    content: serde_json::from_slice(&content)?,
                    state: state_from(&state, error),
                    usage,
                    created_at,
                    updated_at,
                    // Times are a nicety: a damaged entry leaves the durations out.
                    run_times: run_times
                        .and_then(|t| serde_json::from_str(&t).ok())
                        .unwrap_or_default(),
                })
            },
        )
        .collect()
}

/// The session's files, and the ids of those deleted from the Files API.
fn load_files(conn: &Connection, id: &str) -> Result<(Vec<FileRecord>, Vec<String>), StoreError> {
    let mut stmt = conn
        .prepare(
            "SELECT id, filename, origin, size, mime, local_path, deleted, given_as
             FROM files WHERE session_id = ?1 ORDER BY rowid",
        )
        .ctx("loading files")?;
    let rows = stmt
        .query_map([id], |r| {
            let deleted: bool = r.get(6)?;
            let file = FileRecord {
                id: r.get(0)?,
                filename: r.get(1)?,
                origin: match r.get::<_, String>(2)?.as_str() {
                    "generated" => FileOrigin::Generated,
                    _ => FileOrigin::Uploaded,
                },
                size: r.get::<_, Option<i64>>(3)?.map(|s| s.max(0) as u64),
                mime: r.get(4)?,
                local_path: r.get::<_, Option<String>>(5)?.map(PathBuf::from),
                given_as: r
                    .get::<_, Option<String>>(7)?
                    .as_deref()
                    .and_then(GivenAs::parse),
            };
            Ok((file, deleted))
        })
        .ctx("loading files")?;
    let rows: Vec<(FileRecord, bool)> =
        rows.collect::<rusqlite::Result<_>>().ctx("loading files")?;
    let deleted = rows
        .iter()
        .filter(|(_, deleted)| *deleted)
        .map(|(f, _)| f.id.clone())
        .collect();
    Ok((rows.into_iter().map(|(f, _)| f).collect(), deleted))
}

// The schema's CHECK constraints admit only the values written by `store.rs`, so the
// fallback arms below are never taken on a file this build wrote.
fn role_from(text: &str) -> Role {
    match text {
        "assistant" => Role::Assistant,
        _ => Role::User,
    }
}

fn state_from(state: &str, error: Option<String>) -> MessageState {
    match state {
        "cancelled" => MessageState::Cancelled,
        "cut" => MessageState::Cut,
        "failed" => MessageState::Failed(error.unwrap_or_default()),
        _ => MessageState::Complete,
    }
}
