//! The full-text index of messages (`messages_fts`), kept up to date lazily.
//!
//! Invariants: a message write never tokenises anything; it lists the message in `unindexed`
//! in the same transaction. [`Store::search`] first calls [`Store::catch_up_index`], which
//! indexes every listed message (its latest content, whatever its state) and unlists it, a
//! batch of messages per transaction (so a running turn waits for one batch at most, and the
//! memory held is one message's). So a search always sees every message as last written, and a
//! turn's answer costs no index work while it streams or when it ends: indexing a 1 MB answer
//! took three copies of its text and most of the write's time. Rows go with their message
//! (triggers, schema V1 and V4).

use super::search_text::searchable_text;
use super::store::{Context, Store, StoreError};
use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

/// Messages indexed per transaction.
const BATCH: usize = 500;

/// Lists message `rowid` as needing (re-)indexing; part of the caller's transaction.
pub(super) fn mark_unindexed(conn: &Connection, rowid: i64) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR IGNORE INTO unindexed (message_id) VALUES (?1)",
        [rowid],
    )
    .ctx("listing a message for the search index")?;
    Ok(())
}

impl Store {
    /// Indexes every message written since the last search; returns how many.
    pub fn catch_up_index(&self) -> Result<usize, StoreError> {
        let pending: Vec<i64> = {
            let mut stmt = self
                .conn
                .prepare("SELECT message_id FROM unindexed ORDER BY message_id")
                .ctx("reading the search index backlog")?;
            stmt.query_map([], |row| row.get(0))
                .ctx("reading the search index backlog")?
                .collect::<rusqlite::Result<_>>()
                .ctx("reading the search index backlog")?
        };
        for batch in pending.chunks(BATCH) {
            let tx = self.conn.unchecked_transaction().ctx("indexing messages")?;
            for &rowid in batch {
                index_one(&tx, rowid)?;
            }
            tx.commit().ctx("indexing messages")?;
        }
        Ok(pending.len())
    }
}

/// Replaces message `rowid`'s index row with one for its current content, and unlists it.
fn index_one(tx: &Connection, rowid: i64) -> Result<(), StoreError> {
    let body: Option<Vec<u8>> = tx
        .query_row(
            "SELECT CAST(json AS BLOB) FROM bodies WHERE message_id = ?1",
            [rowid],
            |row| row.get(0),
        )
        .optional()
        .ctx("indexing a message")?;
    tx.execute("DELETE FROM messages_fts WHERE rowid = ?1", [rowid])
        .ctx("indexing a message")?;
    if let Some(body) = body {
        let content: Vec<Value> = serde_json::from_slice(&body)?;
        drop(body);
        tx.execute(
            "INSERT INTO messages_fts (rowid, text) VALUES (?1, ?2)",
            params![rowid, searchable_text(&content)],
        )
        .ctx("indexing a message")?;
    }
    tx.execute("DELETE FROM unindexed WHERE message_id = ?1", [rowid])
        .ctx("indexing a message")?;
    Ok(())
}
