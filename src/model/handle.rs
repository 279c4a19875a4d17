//! `Model::handle`: the one place state changes, one event at a time.
//!
//! Invariant: pure. It reads the event and the model, changes the model and returns effects
//! for `app` to run; it performs no I/O, reads no clock and spawns nothing, so every path
//! through it is a unit test. Keys go to the top layer first: an overlay, then the bindings in
//! force for the focused pane, then the composer.

use super::layout::{areas, too_small};
use super::state::{Focus, Model, NOTICE_LOG, Overlay, TurnState};
use super::usage_report::visible_rows;
use crate::model::effect::Effect;
use crate::model::event::AppEvent;
use crate::model::keymap::Action;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, MouseEventKind};
use ratatui::layout::{Position, Rect};

impl Model {
    pub fn handle(&mut self, event: AppEvent) -> Vec<Effect> {
        let before = self.notice.clone();
        let mut effects = self.reduce(event);
        if self.notice != before
            && let Some(notice) = &self.notice
        {
            self.notice_log.push(notice.clone());
            if self.notice_log.len() > NOTICE_LOG {
                self.notice_log.remove(0);
            }
            if !effects.contains(&Effect::Redraw) {
                effects.push(Effect::Redraw);
            }
        }
        effects
    }

    fn reduce(&mut self, event: AppEvent) -> Vec<Effect> {
        match event {
            AppEvent::Key(key) if key.kind == KeyEventKind::Release => Vec::new(),
            AppEvent::Key(key) => {
                // A notice lasts until the next key (it stays in the notices overlay).
                let shown = self.notice.take().is_some();
                let mut effects = self.key(key);
                if shown && !effects.contains(&Effect::Redraw) && !self.quit {
                    effects.push(Effect::Redraw);
                }
                effects
            }
            AppEvent::Paste(text) => match self.overlay {
                Some(Overlay::Attach(_)) => self.attach_paste(&text),
                None if self.focus == Focus::Composer => self.paste(text),
                _ => Vec::new(),
            },
            AppEvent::Mouse(mouse) => self.mouse(mouse.kind, mouse.column, mouse.row),
            AppEvent::Resize(w, h) => {
                self.size = (w, h);
                vec![Effect::Redraw]
            }
            AppEvent::SessionLoaded(session) => self.load_session(*session),
            AppEvent::SessionFailed(why) => {
                self.state = TurnState::Failed(why.clone());
                self.notice = Some(why);
                vec![Effect::Redraw]
            }
            AppEvent::SessionCreated { id, name } => {
                let first = self.session_id.is_none();
                self.session_id = Some(id.clone());
                self.session_name = Some(name);
                // Files fetched before the session existed are recorded now.
                let mut effects = vec![Effect::Redraw];
                if first {
                    effects.extend(
                        self.files
                            .iter()
                            .filter(|f| f.id.is_some() && !f.pending)
                            .map(|f| Effect::PersistFile {
                                session: id.clone(),
                                file: f.record(),
                            }),
                    );
                }
                effects
            }
            AppEvent::Turn { turn, change } => self.turn_change(turn, change),
            AppEvent::Upload { attach, progress } => self.upload_event(attach, progress),
            AppEvent::Download { file_id, progress } => self.download_event(&file_id, progress),
            AppEvent::FileInfo { file_id, info } => self.file_info(&file_id, info),
            AppEvent::Deleted { file_id, result } => self.deleted(&file_id, result),
            AppEvent::Previewed { key, result } => self.previewed(&key, result),
            AppEvent::AttachChecked { input, result } => self.attach_checked(&input, result),
            AppEvent::Completions { input, candidates } => self.completions(&input, candidates),
            AppEvent::PasteProbed { text, file } => self.paste_probed(text, file),
            AppEvent::EditorClosed(result) => {
                match result {
                    Ok(text) => self.set_composer(text.trim_end_matches('\n')),
                    Err(why) => self.notice = Some(why),
                }
                vec![Effect::Redraw]
            }
            AppEvent::DemoStarted => {
                self.demo = true;
                self.no_key = false;
                self.overlay = None;
                self.notice = Some("DEMO: answers come from the built-in offline mock".into());
                vec![Effect::Redraw]
            }
            AppEvent::Measured {
                conversation_max_back,
                conversation_back,
            } => {
                // The frame already shows this view: nothing to redraw.
                let view = &mut self.conversation;
                view.max = conversation_max_back;
                view.back = if view.follow_run {
                    conversation_back
                } else {
                    view.back
                }
                .min(conversation_max_back);
                view.follow_run = false;
                Vec::new()
            }
            AppEvent::Notice(text) => {
                self.notice = Some(text);
                vec![Effect::Redraw]
            }
        }
    }

    fn key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let action = self.settings.keymap.lookup(
            &key,
            self.focus == Focus::Composer,
            self.focus == Focus::Files,
        );
        if action != Some(Action::Interrupt) && self.interrupt_armed {
            self.interrupt_armed = false;
        }
        if matches!(action, Some(Action::Quit)) {
            self.quit = true;
            return vec![Effect::Quit];
        }
        if action == Some(Action::Interrupt) {
            return self.interrupt();
        }
        if let Some(overlay) = self.overlay.clone() {
            return self.overlay_key(overlay, key, action);
        }
        if too_small(self.size.0, self.size.1) {
            return Vec::new();
        }
        if let Some(action) = action
            && let Some(effects) = self.action(action)
        {
            return effects;
        }
        if matches!(self.focus, Focus::Conversation | Focus::Code) && self.closes_preview(&key) {
            return self.close_preview();
        }
        match self.focus {
            Focus::Composer => self.composer_key(key),
            Focus::Conversation => self.conversation_key(key),
            Focus::Code => self.code_key(key),
            Focus::Files => self.files_key(key),
        }
    }

    /// Ctrl-C: stop a streaming answer, else clear the message, else arm; twice quits.
    fn interrupt(&mut self) -> Vec<Effect> {
        if self.interrupt_armed {
            self.quit = true;
            return vec![Effect::Quit];
        }
        self.interrupt_armed = true;
        self.notice = Some("press Ctrl-C again to quit".into());
        let mut effects = self.cancel_turn();
        effects.push(Effect::Redraw);
        effects
    }

    /// The action's effects, or None to let the key fall through to the pane.
    fn action(&mut self, action: Action) -> Option<Vec<Effect>> {
        let effects = match action {
            Action::Help => self.show(Overlay::Help { scroll: 0 }),
            Action::Usage => self.show(Overlay::Usage { back: 0 }),
            Action::Notices => self.show(Overlay::Notices),
            Action::Skills => self.show(Overlay::Skills { cursor: 0 }),
            Action::Compact => {
                self.compact_next = !self.compact_next;
                self.notice = Some(if self.compact_next {
                    "the next message asks the API to compact the context first".into()
                } else {
                    "the next message compacts only when the context is long".into()
                });
                vec![Effect::Redraw]
            }
            Action::FocusNext | Action::FocusPrev => {
                self.focus = self.focus.cycle(action == Action::FocusNext);
                vec![Effect::Redraw]
            }
            Action::Attach => self.open_attach(),
            Action::Send => self.submit(),
            Action::Newline => {
                self.composer_newline();
                vec![Effect::Redraw]
            }
            Action::Cancel if self.streaming_turn().is_some() => self.cancel_turn(),
            Action::Cancel => return None,
            Action::Editor => vec![Effect::OpenEditor(self.composer_text())],
            Action::CopyAnswer => match self.last_answer_markdown() {
                Some(text) => {
                    self.notice = Some("copied the last answer's markdown".into());
                    vec![Effect::Copy(text), Effect::Redraw]
                }
                None => Vec::new(),
            },
            Action::Download => self.download_selected(),
            Action::Open => self.open_selected(),
            Action::CopyId => self.copy_selected_id(),
            Action::Delete => self.ask_delete_selected(),
            Action::Preview => self.toggle_preview_selected(),
            Action::Quit | Action::Interrupt => return None,
        };
        Some(effects)
    }

    fn show(&mut self, overlay: Overlay) -> Vec<Effect> {
        self.overlay = Some(overlay);
        vec![Effect::Redraw]
    }

    fn overlay_key(
        &mut self,
        overlay: Overlay,
        key: KeyEvent,
        action: Option<Action>,
    ) -> Vec<Effect> {
        let close = matches!(key.code, KeyCode::Esc | KeyCode::Char('q'));
        match overlay {
            Overlay::Attach(_) => self.attach_key(key),
            Overlay::NoKey => match key.code {
                KeyCode::Char('d') | KeyCode::Enter => vec![Effect::StartDemo],
                KeyCode::Esc => self.show_none(),
                KeyCode::Char('q') => {
                    self.quit = true;
                    vec![Effect::Quit]
                }
                _ => Vec::new(),
            },
            Overlay::ConfirmDelete { file_id, .. } => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => self.confirm_delete(file_id),
                _ => self.show_none(),
            },
            Overlay::ConfirmPasteAttach { .. } => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => self.answer_paste(true),
                _ => self.answer_paste(false),
            },
            Overlay::Help { .. } | Overlay::Usage { .. } | Overlay::Notices
                if close
                    || matches!(action, Some(Action::Help | Action::Usage | Action::Notices)) =>
            {
                self.show_none()
            }
            Overlay::Skills { .. } if close || action == Some(Action::Skills) => self.show_none(),
            Overlay::Skills { cursor } => self.skills_key(cursor, key),
            Overlay::Usage { back } => self.usage_scroll(back, key),
            Overlay::Help { scroll } => {
                let scroll = match key.code {
                    KeyCode::Up | KeyCode::Char('k') => scroll.saturating_sub(1),
                    KeyCode::Down | KeyCode::Char('j') => scroll + 1,
                    KeyCode::PageUp => scroll.saturating_sub(10),
                    KeyCode::PageDown => scroll + 10,
                    KeyCode::Home | KeyCode::Char('g') => 0,
                    // The view stops at the last row, however far this goes.
                    KeyCode::End | KeyCode::Char('G') => usize::MAX / 2,
                    _ => return Vec::new(),
                };
                self.show(Overlay::Help { scroll })
            }
            Overlay::Notices => Vec::new(),
        }
    }

    /// Up/Down, PgUp/PgDn, Home/End in the usage table: `back` counts the newest turns
    /// scrolled out below, at most enough to bring the first turn to the top.
    fn usage_scroll(&mut self, back: usize, key: KeyEvent) -> Vec<Effect> {
        let page = visible_rows(self.size.1);
        let max = self.turns.len().saturating_sub(page);
        let back = match key.code {
            KeyCode::Up | KeyCode::Char('k') => back + 1,
            KeyCode::Down | KeyCode::Char('j') => back.saturating_sub(1),
            KeyCode::PageUp => back + page,
            KeyCode::PageDown => back.saturating_sub(page),
            KeyCode::Home | KeyCode::Char('g') => max,
            KeyCode::End | KeyCode::Char('G') => 0,
            _ => return Vec::new(),
        };
        self.show(Overlay::Usage {
            back: back.min(max),
        })
    }

    fn show_none(&mut self) -> Vec<Effect> {
        self.overlay = None;
        vec![Effect::Redraw]
    }

    fn composer_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        match key.code {
            KeyCode::Up => self.history_up(key),
            KeyCode::Down => self.history_down(key),
            _ if !self.composer_input(key) => return Vec::new(),
            _ => {}
        }
        vec![Effect::Redraw]
    }

    fn conversation_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let screen = Rect::new(0, 0, self.size.0, self.size.1);
        let pane = areas(screen, self.composer.lines().len(), self.preview.is_some()).conversation;
        let page = (pane.height.saturating_sub(3)).max(1) as usize;
        let max = self.conversation.max;
        let runs = self.exec_count;
        let back = &mut self.conversation.back;
        match key.code {
            // With code runs, the arrows go from run marker to run marker, and the view
            // follows the selection (Enter acts on it); without, they scroll.
            KeyCode::Up | KeyCode::Char('k') if runs > 0 => {
                self.select_run(self.code_selected.saturating_sub(1));
                self.conversation.follow_run = true;
            }
            KeyCode::Down | KeyCode::Char('j') if runs > 0 => {
                self.select_run(self.code_selected + 1);
                self.conversation.follow_run = true;
            }
            KeyCode::Up | KeyCode::Char('k') => *back = (*back + 1).min(max),
            KeyCode::Down | KeyCode::Char('j') => *back = back.saturating_sub(1),
            KeyCode::PageUp => *back = (*back + page).min(max),
            KeyCode::PageDown => *back = back.saturating_sub(page),
            KeyCode::Home | KeyCode::Char('g') => *back = max,
            KeyCode::End | KeyCode::Char('G') => *back = 0,
            KeyCode::Enter if self.exec_count > 0 => {
                if let Some(effects) = self.preview_run_output() {
                    return effects;
                }
                self.focus = Focus::Code;
            }
            _ => return Vec::new(),
        }
        vec![Effect::Redraw]
    }

    fn code_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => {
                self.select_run(self.code_selected.saturating_sub(1))
            }
            KeyCode::Down | KeyCode::Char('j') => self.select_run(self.code_selected + 1),
            KeyCode::Home | KeyCode::Char('g') => self.select_run(0),
            KeyCode::End | KeyCode::Char('G') => self.select_run(usize::MAX),
            KeyCode::PageDown | KeyCode::Char(' ') => self.code_scroll += 5,
            KeyCode::PageUp => self.code_scroll = self.code_scroll.saturating_sub(5),
            KeyCode::Enter => return self.preview_run_output().unwrap_or_default(),
            _ => return Vec::new(),
        }
        vec![Effect::Redraw]
    }

    /// Selects code run `index` (the last one if past it), its card scrolled to its top; the
    /// code pane and the conversation share this selection.
    fn select_run(&mut self, index: usize) {
        self.code_selected = index.min(self.exec_count.saturating_sub(1));
        self.code_scroll = 0;
    }

    /// A preview opened from a run (in the conversation or the code pane) closes with Esc or
    /// the preview key there too, as it does in the files panel.
    fn closes_preview(&self, key: &KeyEvent) -> bool {
        self.preview.is_some()
            && (key.code == KeyCode::Esc
                || self.settings.keymap.lookup(key, false, true) == Some(Action::Preview))
    }

    fn files_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let last = self.files.len().saturating_sub(1);
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => {
                self.files_selected = self.files_selected.saturating_sub(1)
            }
            KeyCode::Down | KeyCode::Char('j') => {
                self.files_selected = (self.files_selected + 1).min(last)
            }
            KeyCode::Home | KeyCode::Char('g') => self.files_selected = 0,
            KeyCode::End | KeyCode::Char('G') => self.files_selected = last,
            // A page of the preview when one is open, else a page of the list.
            KeyCode::PageDown | KeyCode::PageUp | KeyCode::Char(' ') if self.preview.is_some() => {
                return self.scroll_preview(if key.code == KeyCode::PageUp { -10 } else { 10 });
            }
            KeyCode::PageDown => self.files_selected = (self.files_selected + 10).min(last),
            KeyCode::PageUp => self.files_selected = self.files_selected.saturating_sub(10),
            KeyCode::Esc if self.preview.is_some() => return self.close_preview(),
            KeyCode::Char('[') => return self.switch_sheet(-1),
            KeyCode::Char(']') => return self.switch_sheet(1),
            KeyCode::Left | KeyCode::Char('h') => return self.scroll_preview_columns(-1),
            KeyCode::Right | KeyCode::Char('l') => return self.scroll_preview_columns(1),
            _ => return Vec::new(),
        }
        vec![Effect::Redraw]
    }

    fn mouse(&mut self, kind: MouseEventKind, column: u16, row: u16) -> Vec<Effect> {
        let up = match kind {
            MouseEventKind::ScrollUp => true,
            MouseEventKind::ScrollDown => false,
            _ => return Vec::new(),
        };
        if self.overlay.is_some() {
            return Vec::new();
        }
        let screen = Rect::new(0, 0, self.size.0, self.size.1);
        let a = areas(screen, self.composer.lines().len(), self.preview.is_some());
        let at = Position::new(column, row);
        if a.conversation.contains(at) {
            let max = self.conversation.max;
            let back = &mut self.conversation.back;
            *back = if up {
                (*back + 3).min(max)
            } else {
                back.saturating_sub(3)
            };
        } else if a.code.contains(at) {
            self.code_scroll = if up {
                self.code_scroll.saturating_sub(3)
            } else {
                self.code_scroll + 3
            };
        } else if a.files.contains(at) && self.preview.is_some() {
            return self.scroll_preview(if up { -3 } else { 3 });
        } else if a.files.contains(at) {
            self.files_selected = if up {
                self.files_selected.saturating_sub(1)
            } else {
                (self.files_selected + 1).min(self.files.len().saturating_sub(1))
            };
        } else {
            return Vec::new();
        }
        vec![Effect::Redraw]
    }
}
