//! Writing a message: its state in `messages`, its content in `bodies`, a page at a time.
//!
//! Invariants: the content, `len` bytes of JSON that a `fill` function writes, goes in through
//! incremental blob I/O: its `bodies` row first gets a zero-filled `json` of that length, which
//! SQLite records without allocating it (it is the row's last column, see schema V4), and
//! `fill` then writes it in place. Bound as a parameter, a long answer would be copied by
//! SQLite and the row built around it in memory, three copies at once.
//!
//! A write whose content equals what is stored (the answer's end after a checkpoint of the
//! same blocks) leaves the body alone and only updates the message's row: comparing reads the
//! old pages once, where rewriting would zero them (`secure_delete`), log the new ones and
//! index the message again, and this write is the last thing a turn waits for.

use super::search_index::mark_unindexed;
use super::store::{Context, StoreError, now, state_columns, touch, usage_json};
use crate::domain::session::MessageState;
use crate::domain::usage::Usage;
use rusqlite::blob::Blob;
use rusqlite::{Connection, MAIN_DB, OptionalExtension, params};
use std::io::{self, BufWriter, Read, Write};

/// How much of the content is buffered on its way into, or compared against, the blob.
const CHUNK: usize = 64 * 1024;

/// Overwrites message `seq` of the session with `len` bytes of content from `fill` and the
/// given state, touches the session, and lists the message for the search index when its
/// content changed.
pub(super) fn write_message(
    conn: &Connection,
    session_id: &str,
    seq: i64,
    len: usize,
    state: &MessageState,
    usage: Option<&Usage>,
    fill: impl Fn(&mut dyn Write) -> io::Result<()>,
) -> Result<(), StoreError> {
    touch(conn, session_id)?;
    let (rowid, stored_len): (i64, Option<i64>) = conn
        .query_row(
            "SELECT m.id, octet_length(b.json)
             FROM messages m LEFT JOIN bodies b ON b.message_id = m.id
             WHERE m.session_id = ?1 AND m.seq = ?2",
            params![session_id, seq],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()
        .ctx("updating a message")?
        .ok_or_else(|| StoreError::MessageNotFound {
            session_id: session_id.to_string(),
            seq,
        })?;
    let len_column = i64::try_from(len).unwrap_or(i64::MAX);
    let unchanged = stored_len == Some(len_column) && stored_equals(conn, rowid, len, &fill)?;
    let (state, error) = state_columns(state);
    conn.execute(
        "UPDATE messages SET state = ?2, error = ?3, usage = ?4, updated_at = ?5 WHERE id = ?1",
        params![rowid, state, error, usage_json(usage)?, now()],
    )
    .ctx("updating a message")?;
    if unchanged {
        return Ok(());
    }
    conn.execute(
        "INSERT OR REPLACE INTO bodies (message_id, json) VALUES (?1, zeroblob(?2))",
        params![rowid, len_column],
    )
    .ctx("updating a message")?;
    mark_unindexed(conn, rowid)?;
    let mut blob = conn
        .blob_open(MAIN_DB, c"bodies", c"json", rowid, false)
        .ctx("writing a message")?;
    let mut out = BufWriter::with_capacity(CHUNK, &mut blob);
    fill(&mut out)
        .and_then(|()| out.flush())
        .map_err(|e| StoreError::Sqlite {
            context: "writing a message",
            source: rusqlite::Error::ToSqlConversionFailure(Box::new(e)),
        })
}

/// Whether the `len` stored bytes of row `rowid`'s body are exactly what `fill` writes.
fn stored_equals(
    conn: &Connection,
    rowid: i64,
    len: usize,
    fill: &impl Fn(&mut dyn Write) -> io::Result<()>,
) -> Result<bool, StoreError> {
    let blob = conn
        .blob_open(MAIN_DB, c"bodies", c"json", rowid, true)
        .ctx("reading a message")?;
    let mut compare = Compare {
        stored: blob,
        scratch: Vec::new(),
        matched: 0,
    };
    let mut out = BufWriter::with_capacity(CHUNK, &mut compare);
    let same = fill(&mut out).and_then(|()| out.flush()).is_ok();
    drop(out);
    Ok(same && compare.matched == len)
}

/// A writer that checks each byte written against the stored blob, and fails at the first
/// difference (or past its end) so the serialisation stops there.
struct Compare<'conn> {
    stored: Blob<'conn>,
    scratch: Vec<u8>,
    matched: usize,
}

impl Write for Compare<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = buf.len().min(CHUNK);
        self.scratch.resize(n, 0);
        self.stored.read_exact(&mut self.scratch)?;
        if self.scratch[..] != buf[..n] {
            return Err(io::Error::other("the content differs"));
        }
        self.matched += n;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
