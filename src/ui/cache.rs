//! Per-turn layouts kept between frames, shared by the conversation and code panes.
//!
//! Invariant: entry `i` belongs to `model.turns[i]` and is reused only while the turn's id and
//! revision, the width and (for a layout that shows a file name) the file-name fingerprint are
//! those it was made with. The model bumps a turn's revision on every change, so an unchanged
//! turn is never laid out twice and a changed one always is.

use super::Files;
use crate::model::state::Turn;

#[derive(Debug)]
pub(super) struct TurnCache<T> {
    entries: Vec<Entry<T>>,
    /// Turns laid out since the cache was made.
    pub(super) layouts: u64,
}

impl<T> Default for TurnCache<T> {
    fn default() -> Self {
        TurnCache {
            entries: Vec::new(),
            layouts: 0,
        }
    }
}

#[derive(Debug)]
struct Entry<T> {
    id: u64,
    revision: u64,
    width: u16,
    /// The file-name fingerprint the layout was made with, when it shows a file name.
    files: Option<u64>,
    value: T,
}

impl<T> TurnCache<T> {
    /// Brings every entry up to date with `turns`, calling `lay_out` (which returns the
    /// layout and whether it shows a file name) only for turns that changed.
    pub(super) fn update(
        &mut self,
        turns: &[Turn],
        width: u16,
        files: &Files,
        mut lay_out: impl FnMut(&Turn) -> (T, bool),
    ) {
        self.entries.truncate(turns.len());
        for (i, turn) in turns.iter().enumerate() {
            let fresh = self.entries.get(i).is_some_and(|e| {
                e.id == turn.id
                    && e.revision == turn.revision
                    && e.width == width
                    && e.files.is_none_or(|f| f == files.fingerprint)
            });
            if fresh {
                continue;
            }
            let (value, names_files) = lay_out(turn);
            let entry = Entry {
                id: turn.id,
                revision: turn.revision,
                width,
                files: names_files.then_some(files.fingerprint),
                value,
            };
            self.layouts += 1;
            match self.entries.get_mut(i) {
                Some(slot) => *slot = entry,
                None => self.entries.push(entry),
            }
        }
    }

    /// The layouts, in turn order.
    pub(super) fn values(&self) -> impl Iterator<Item = &T> {
        self.entries.iter().map(|e| &e.value)
    }
}
