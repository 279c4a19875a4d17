//! The message being written: a tui-textarea buffer plus Up/Down history of sent prompts.
//!
//! Invariant: history browsing only starts from an empty composer (Up in a written message
//! moves the cursor, never replaces the text), and leaving history with Down past the newest
//! entry restores an empty composer.

use super::state::Model;
use ratatui::crossterm::event::KeyEvent;
use tui_textarea::TextArea;

pub fn new_textarea() -> TextArea<'static> {
    let mut area = TextArea::default();
    area.set_placeholder_text("Ask about your data…  (Ctrl-O attaches a file, F1 for help)");
    area
}

impl Model {
    pub fn composer_text(&self) -> String {
        self.composer.lines().join("\n")
    }

    /// Nothing but whitespace: such a message is never sent.
    pub fn composer_is_empty(&self) -> bool {
        self.composer.lines().iter().all(|l| l.trim().is_empty())
    }

    pub fn set_composer(&mut self, text: &str) {
        let mut area = new_textarea();
        area.insert_str(text);
        self.composer = area;
    }

    /// Takes the message out, leaving the composer empty.
    pub fn take_composer(&mut self) -> String {
        let text = self.composer_text();
        self.composer = new_textarea();
        self.history_pos = None;
        text
    }

    pub fn composer_newline(&mut self) {
        self.composer.insert_newline();
    }

    /// Feeds a key to the editor; false when it changed nothing (no text, no cursor move).
    pub fn composer_input(&mut self, key: KeyEvent) -> bool {
        let cursor = self.composer.cursor();
        let edited = self.composer.input(key);
        if edited {
            self.history_pos = None;
        }
        edited || self.composer.cursor() != cursor
    }

    /// Up in the composer: the previous prompt when empty or browsing; else the cursor moves.
    pub fn history_up(&mut self, key: KeyEvent) {
        let browsing = self.history_pos.is_some();
        if !(browsing || self.composer_is_empty()) || self.history.is_empty() {
            self.composer.input(key);
            return;
        }
        let pos = match self.history_pos {
            Some(p) => p.saturating_sub(1),
            None => self.history.len() - 1,
        };
        let text = self.history[pos].clone();
        self.set_composer(&text);
        self.history_pos = Some(pos);
    }

    pub fn history_down(&mut self, key: KeyEvent) {
        let Some(pos) = self.history_pos else {
            self.composer.input(key);
            return;
        };
        if pos + 1 < self.history.len() {
            let text = self.history[pos + 1].clone();
            self.set_composer(&text);
            self.history_pos = Some(pos + 1);
        } else {
            self.composer = new_textarea();
            self.history_pos = None;
        }
    }

    pub fn composer_insert(&mut self, text: &str) {
        self.composer.insert_str(text);
    }
}
