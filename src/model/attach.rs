//! Attaching a file: the Ctrl-O path prompt with Tab completion, and pasted paths.
//!
//! Invariant: the reducer never touches the disk; checking a path and listing a directory are
//! effects whose answers carry the input they were asked about, so an answer to an input the
//! user has since edited is ignored. A refused path leaves the prompt open with the reason.
//! How the file is given to Claude is decided by `domain::attachment`, as for `-a`; Ctrl-T in
//! the prompt cycles the choice (by kind, container, read, both).

use super::state::{AttachPrompt, FileState, Model, Overlay};
use crate::domain::attachment::{self, GivenAs};
use crate::model::effect::Effect;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::PathBuf;

impl Model {
    pub fn open_attach(&mut self) -> Vec<Effect> {
        if self.no_key {
            self.overlay = Some(Overlay::NoKey);
            return vec![Effect::Redraw];
        }
        let suggestion = self
            .settings
            .sample
            .as_ref()
            .filter(|_| self.files.is_empty())
            .map(|p| p.display().to_string());
        self.overlay = Some(Overlay::Attach(AttachPrompt {
            suggestion,
            ..AttachPrompt::default()
        }));
        vec![Effect::Redraw]
    }

    fn prompt(&mut self) -> Option<&mut AttachPrompt> {
        match &mut self.overlay {
            Some(Overlay::Attach(p)) => Some(p),
            _ => None,
        }
    }

    pub fn attach_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(prompt) = self.prompt() else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Esc => {
                self.overlay = None;
            }
            KeyCode::Enter | KeyCode::Tab
                if prompt.input.is_empty() && prompt.suggestion.is_some() =>
            {
                prompt.input = prompt.suggestion.take().unwrap_or_default();
                if key.code == KeyCode::Enter {
                    prompt.checking = true;
                    let input = prompt.input.clone();
                    return vec![Effect::CheckAttach { input }, Effect::Redraw];
                }
            }
            KeyCode::Enter if !prompt.input.trim().is_empty() => {
                prompt.checking = true;
                prompt.error = None;
                let input = prompt.input.clone();
                return vec![Effect::CheckAttach { input }, Effect::Redraw];
            }
            KeyCode::Tab => {
                let input = prompt.input.clone();
                return vec![Effect::Complete { input }];
            }
            KeyCode::Backspace => {
                prompt.input.pop();
                prompt.edited();
            }
            KeyCode::Char('t') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                prompt.mode = match prompt.mode {
                    None => Some(GivenAs::Container),
                    Some(GivenAs::Container) => Some(GivenAs::Read),
                    Some(GivenAs::Read) => Some(GivenAs::Both),
                    Some(GivenAs::Both) => None,
                };
                prompt.error = None;
            }
            KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                prompt.input.clear();
                prompt.edited();
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                prompt.suggestion = None;
                prompt.input.push(c);
                prompt.edited();
            }
            _ => return Vec::new(),
        }
        vec![Effect::Redraw]
    }

    pub fn attach_paste(&mut self, text: &str) -> Vec<Effect> {
        if let Some(prompt) = self.prompt() {
            prompt.suggestion = None;
            prompt.input.push_str(text.trim_end_matches(['\n', '\r']));
            prompt.edited();
        }
        vec![Effect::Redraw]
    }

    pub fn completions(&mut self, input: &str, candidates: Vec<String>) -> Vec<Effect> {
        let Some(prompt) = self.prompt().filter(|p| p.input == input) else {
            return Vec::new();
        };
        match candidates.as_slice() {
            [] => prompt.error = Some("no match".into()),
            [only] => {
                prompt.input = only.clone();
                prompt.candidates.clear();
                prompt.error = None;
            }
            many => {
                let common = common_prefix(many);
                if common.len() > prompt.input.len() {
                    prompt.input = common;
                }
                prompt.candidates = candidates;
                prompt.error = None;
            }
        }
        vec![Effect::Redraw]
    }

    pub fn attach_checked(
        &mut self,
        input: &str,
        result: Result<(PathBuf, u64), String>,
    ) -> Vec<Effect> {
        let Some(prompt) = self.prompt().filter(|p| p.input == input && p.checking) else {
            return Vec::new();
        };
        prompt.checking = false;
        let mode = prompt.mode;
        match result {
            Ok((path, size)) => {
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let (given, notice) = match attachment::decide(&name, size, mode) {
                    Ok(decided) => decided,
                    Err(why) => {
                        prompt.error = Some(why);
                        return vec![Effect::Redraw];
                    }
                };
                self.overlay = None;
                let attached = self.files.iter().find(|f| {
                    f.local_path.as_ref() == Some(&path) && !matches!(f.state, FileState::Failed(_))
                });
                if let Some(file) = attached {
                    self.notice = Some(format!("{} is already attached", file.name));
                    return vec![Effect::Redraw];
                }
                let effects = self.begin_upload(path, size, given);
                if notice.is_some() {
                    self.notice = notice;
                }
                effects
            }
            Err(why) => {
                prompt.error = Some(why);
                vec![Effect::Redraw]
            }
        }
    }

    /// A paste in the composer: a single line may be a file path (a dragged file), which the
    /// runner checks before it is typed in.
    pub fn paste(&mut self, text: String) -> Vec<Effect> {
        let line = text.trim();
        if !line.is_empty() && !line.contains('\n') && line.len() < 4096 {
            return vec![Effect::ProbePaste(text)];
        }
        self.composer_insert(&text);
        vec![Effect::Redraw]
    }

    pub fn paste_probed(&mut self, text: String, file: Option<PathBuf>) -> Vec<Effect> {
        match file {
            Some(path) if self.overlay.is_none() => {
                self.overlay = Some(Overlay::ConfirmPasteAttach { text, path });
            }
            _ => self.composer_insert(&text),
        }
        vec![Effect::Redraw]
    }

    /// y/n on "attach the pasted file?": yes checks and uploads it, no types the text.
    pub fn answer_paste(&mut self, yes: bool) -> Vec<Effect> {
        let Some(Overlay::ConfirmPasteAttach { text, path }) = self.overlay.take() else {
            return Vec::new();
        };
        if yes {
            let input = path.display().to_string();
            self.overlay = Some(Overlay::Attach(AttachPrompt {
                input: input.clone(),
                checking: true,
                ..AttachPrompt::default()
            }));
            return vec![Effect::CheckAttach { input }, Effect::Redraw];
        }
        self.composer_insert(&text);
        vec![Effect::Redraw]
    }
}

impl AttachPrompt {
    fn edited(&mut self) {
        self.error = None;
        self.candidates.clear();
        self.checking = false;
    }
}

fn common_prefix(items: &[String]) -> String {
    let first = &items[0];
    let mut end = first.len();
    for item in &items[1..] {
        end = end.min(
            first
                .char_indices()
                .zip(item.chars())
                .take_while(|((_, a), b)| a == b)
                .map(|((i, a), _)| i + a.len_utf8())
                .last()
                .unwrap_or(0),
        );
    }
    first[..end].to_string()
}
