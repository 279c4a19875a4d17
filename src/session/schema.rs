//! The session store's schema and its migrations, driven by `PRAGMA user_version`.
//!
//! Invariant: `user_version` is the number of migrations applied, and migrations only ever
//! move it forward, each inside one `BEGIN IMMEDIATE` transaction that re-reads the version, so
//! two clab processes opening the same file cannot both apply one. A database whose version is
//! newer than [`SUPPORTED`] is refused before anything writes to it (not even the WAL switch):
//! it holds someone's history in a shape this build does not know, and guessing would lose it.

use rusqlite::Connection;

/// Migration `i` takes the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5, V6, V7];

/// The newest schema this build reads and writes.
pub const SUPPORTED: i64 = MIGRATIONS.len() as i64;

pub(super) const V1: &str = "
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    model TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    container_id TEXT,
    container_expires_at TEXT,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    cache_creation_input_tokens INTEGER NOT NULL DEFAULT 0,
    cache_read_input_tokens INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sessions_updated ON sessions(updated_at);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    content TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('complete', 'cancelled', 'cut', 'failed')),
    error TEXT,
    usage TEXT,
    created_at TEXT NOT NULL,
    UNIQUE(session_id, seq)
);
-- Lets `list` count each session's turns from the index alone, without reading content.
CREATE INDEX messages_role ON messages(session_id, role);

CREATE TABLE files (
    session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    filename TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('uploaded', 'generated')),
    size INTEGER,
    mime TEXT,
    local_path TEXT,
    PRIMARY KEY(session_id, id)
);

-- rowid = messages.id. Rows are written from Rust (the text is derived from the content
-- blocks); the trigger removes them however a message goes, including a session's cascade.
CREATE VIRTUAL TABLE messages_fts USING fts5(text);
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
    DELETE FROM messages_fts WHERE rowid = old.id;
END;
";

/// When a message was last written (an answer's end, or its latest checkpoint), so a resumed
/// session knows how long each turn ran. Rows from before this column are NULL; readers fall
/// back to `created_at`.
const V2: &str = "
ALTER TABLE messages ADD COLUMN updated_at TEXT;
";

/// A message's content (the JSON array of its blocks) moved to `body`, the row's last column,
/// to be written in place; V4 moves it again, to a table of its own.
const V3: &str = "
ALTER TABLE messages ADD COLUMN body BLOB;
";

/// A message's content moves to a table of its own, `bodies`, keyed by the message's id: a
/// row of SQLite is rewritten whole by any update, so marking a 1 MB answer complete rewrote
/// (and held in memory, twice) its megabyte. The content (the JSON array of its blocks, text or
/// a blob of UTF-8) is the only other column, so it is also the last one and can be written in
/// place (see `body.rs`).
///
/// `unindexed` lists messages whose search-index rows are not written yet (see
/// `search_index.rs`): a turn's writes only list them, and the next search indexes them.
/// Answers that were only ever checkpointed (`cut`) were never indexed before, so they are
/// listed too.
const V4: &str = "
CREATE TABLE bodies (message_id INTEGER PRIMARY KEY, json BLOB NOT NULL);
INSERT INTO bodies (message_id, json) SELECT id, COALESCE(body, content) FROM messages;
ALTER TABLE messages DROP COLUMN body;
ALTER TABLE messages DROP COLUMN content;
CREATE TRIGGER messages_bodies_delete AFTER DELETE ON messages BEGIN
    DELETE FROM bodies WHERE message_id = old.id;
END;

CREATE TABLE unindexed (message_id INTEGER PRIMARY KEY);
CREATE TRIGGER messages_unindexed_delete AFTER DELETE ON messages BEGIN
    DELETE FROM unindexed WHERE message_id = old.id;
END;
INSERT INTO unindexed SELECT id FROM messages WHERE state = 'cut';
";

/// A file deleted from the Files API stays in its sessions' lists (so old turns still name
/// it) but is marked, so it is neither shown as ready nor sent again.
const V5: &str = "
ALTER TABLE files ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
";

/// When each code run of an answer started and ended (JSON, see `domain::run_times`), so a
/// resumed card still shows how long its run took.
const V6: &str = "
ALTER TABLE messages ADD COLUMN run_times TEXT;
";

/// How each upload was given to Claude (`container`, `read`, `both`; NULL for generated files
/// and for uploads stored before, which all went to the container), and the Agent Skills of
/// the session's container (a JSON array of skill ids), so a resumed session keeps both.
const V7: &str = "
ALTER TABLE files ADD COLUMN given_as TEXT;
ALTER TABLE sessions ADD COLUMN skills TEXT;
";

/// What [`migrate`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Current,
    /// The file was written by a newer clab, at this version.
    Future(i64),
}

pub fn user_version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA user_version", [], |row| row.get(0))
}

/// Brings the schema up to [`SUPPORTED`], or reports a newer one without touching it.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<Outcome> {
    let found = user_version(conn)?;
    if found > SUPPORTED {
        return Ok(Outcome::Future(found));
    }
    if found == SUPPORTED {
        return Ok(Outcome::Current);
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let found = user_version(&tx)?;
    if found > SUPPORTED {
        return Ok(Outcome::Future(found));
    }
    for (version, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version as i64 + 1)?;
    }
    tx.commit()?;
    Ok(Outcome::Current)
}
