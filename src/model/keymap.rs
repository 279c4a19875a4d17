//! Key bindings: which key triggers which action, and where.
//!
//! Invariant: a binding is active only in its context (anywhere, the composer, the files
//! panel), so a plain letter bound in a pane never steals typing from the composer, and the
//! help overlay lists exactly the bindings in force, remaps included.

use crate::model::key_spec::parse_key;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Interrupt,
    Help,
    FocusNext,
    FocusPrev,
    Attach,
    Send,
    Newline,
    Cancel,
    Editor,
    CopyAnswer,
    Usage,
    Download,
    Open,
    CopyId,
    Delete,
    Preview,
    Notices,
    Skills,
    Compact,
}

/// Where an action's keys are listened to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Anywhere,
    /// Anywhere but the composer, where the key would be typed.
    Panes,
    Composer,
    Files,
}

impl Action {
    pub const ALL: [Action; 20] = [
        Action::Quit,
        Action::Interrupt,
        Action::Help,
        Action::FocusNext,
        Action::FocusPrev,
        Action::Attach,
        Action::Send,
        Action::Newline,
        Action::Cancel,
        Action::Editor,
        Action::CopyAnswer,
        Action::Usage,
        Action::Download,
        Action::Open,
        Action::CopyId,
        Action::Delete,
        Action::Preview,
        Action::Notices,
        Action::Skills,
        Action::Compact,
    ];

    /// The name used in the config's `[keys]` table.
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Interrupt => "interrupt",
            Action::Help => "help",
            Action::FocusNext => "focus_next",
            Action::FocusPrev => "focus_prev",
            Action::Attach => "attach",
            Action::Send => "send",
            Action::Newline => "newline",
            Action::Cancel => "cancel",
            Action::Editor => "editor",
            Action::CopyAnswer => "copy_answer",
            Action::Usage => "usage",
            Action::Download => "download",
            Action::Open => "open",
            Action::CopyId => "copy_id",
            Action::Delete => "delete",
            Action::Preview => "preview",
            Action::Notices => "notices",
            Action::Skills => "skills",
            Action::Compact => "compact",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Interrupt => "quit (press twice)",
            Action::Help => "this help",
            Action::FocusNext => "next pane",
            Action::FocusPrev => "previous pane",
            Action::Attach => "attach a file (Tab completes the path)",
            Action::Send => "send the message",
            Action::Newline => "new line in the message",
            Action::Cancel => "stop the answer / close a dialog",
            Action::Editor => "write the message in $EDITOR",
            Action::CopyAnswer => "copy the last answer's markdown",
            Action::Usage => "tokens and estimated cost",
            Action::Download => "download the selected file",
            Action::Open => "open the selected file",
            Action::CopyId => "copy the selected file's id",
            Action::Delete => "delete the selected file from the API",
            Action::Preview => "preview the selected file / close it",
            Action::Notices => "every notice of this run",
            Action::Skills => "Agent Skills of the session (Excel, PowerPoint, Word, PDF)",
            Action::Compact => "compact the context with the next message (again: don't)",
        }
    }

    pub fn context(self) -> Context {
        match self {
            Action::Send | Action::Newline | Action::Editor => Context::Composer,
            Action::Download | Action::Open | Action::CopyId | Action::Delete | Action::Preview => {
                Context::Files
            }
            _ => Context::Anywhere,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Binding {
    pub code: KeyCode,
    pub mods: KeyModifiers,
    pub action: Action,
    /// Plain keys that would otherwise be typed are only listened to outside the composer.
    pub context: Context,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    pub bindings: Vec<Binding>,
}

fn bind(code: KeyCode, mods: KeyModifiers, action: Action) -> Binding {
    let typed = mods.difference(KeyModifiers::SHIFT).is_empty() && matches!(code, KeyCode::Char(_));
    let context = match action.context() {
        Context::Anywhere if typed => Context::Panes,
        other => other,
    };
    Binding {
        code,
        mods,
        action,
        context,
    }
}

impl Default for Keymap {
    fn default() -> Keymap {
        use KeyCode::*;
        let none = KeyModifiers::NONE;
        let ctrl = KeyModifiers::CONTROL;
        let alt = KeyModifiers::ALT;
        Keymap {
            bindings: vec![
                bind(Char('q'), ctrl, Action::Quit),
                bind(Char('c'), ctrl, Action::Interrupt),
                bind(F(1), none, Action::Help),
                bind(Char('?'), none, Action::Help),
                bind(Tab, none, Action::FocusNext),
                bind(BackTab, KeyModifiers::SHIFT, Action::FocusPrev),
                bind(Char('o'), ctrl, Action::Attach),
                bind(Enter, none, Action::Send),
                bind(Enter, alt, Action::Newline),
                bind(Char('j'), ctrl, Action::Newline),
                bind(Esc, none, Action::Cancel),
                bind(Char('e'), ctrl, Action::Editor),
                bind(Char('y'), ctrl, Action::CopyAnswer),
                bind(Char('u'), ctrl, Action::Usage),
                bind(Char('u'), none, Action::Usage),
                bind(Char('d'), none, Action::Download),
                bind(Enter, none, Action::Download),
                bind(Char('o'), none, Action::Open),
                bind(Char('y'), none, Action::CopyId),
                bind(Char('x'), none, Action::Delete),
                bind(Char('p'), none, Action::Preview),
                bind(F(2), none, Action::Notices),
                bind(F(3), none, Action::Skills),
                bind(Char('s'), none, Action::Skills),
                bind(F(4), none, Action::Compact),
            ],
        }
    }
}

impl Keymap {
    /// The defaults with the config's `[keys]` table applied: each named action is bound to
    /// its given key instead of its default keys.
    pub fn with_overrides(mut self, keys: &BTreeMap<String, String>) -> Result<Keymap, String> {
        for (name, spec) in keys {
            let action = Action::ALL
                .into_iter()
                .find(|a| a.name() == name)
                .ok_or_else(|| {
                    let names: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
                    format!(
                        "unknown action \"{name}\" in [keys] (actions: {})",
                        names.join(", ")
                    )
                })?;
            let (code, mods) = parse_key(spec).map_err(|e| format!("[keys] {name}: {e}"))?;
            self.bindings.retain(|b| b.action != action);
            self.bindings.push(bind(code, mods, action));
        }
        Ok(self)
    }

    /// The action `key` triggers given whether the composer or the files panel has focus.
    pub fn lookup(&self, key: &KeyEvent, in_composer: bool, in_files: bool) -> Option<Action> {
        let mods = significant(key.code, key.modifiers);
        self.bindings
            .iter()
            .filter(|b| match b.context {
                Context::Anywhere => true,
                Context::Panes => !in_composer,
                Context::Composer => in_composer,
                Context::Files => in_files,
            })
            .find(|b| b.code == key.code && significant(b.code, b.mods) == mods)
            .map(|b| b.action)
    }

    /// The keys bound to `action`.
    pub fn keys_for(&self, action: Action) -> Vec<&Binding> {
        self.bindings
            .iter()
            .filter(|b| b.action == action)
            .collect()
    }
}

/// The modifiers that tell bindings apart: Shift is part of the key itself for characters
/// ('?' arrives as Shift-'?') and for BackTab (which some terminals send without Shift).
fn significant(code: KeyCode, mods: KeyModifiers) -> KeyModifiers {
    match code {
        KeyCode::Char(_) | KeyCode::BackTab => mods.difference(KeyModifiers::SHIFT),
        _ => mods,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn plain_letters_act_only_outside_the_composer() {
        let map = Keymap::default();
        let d = key(KeyCode::Char('d'), KeyModifiers::NONE);
        assert_eq!(map.lookup(&d, true, false), None);
        assert_eq!(map.lookup(&d, false, true), Some(Action::Download));
        let help = key(KeyCode::Char('?'), KeyModifiers::SHIFT);
        assert_eq!(map.lookup(&help, true, false), None);
        assert_eq!(map.lookup(&help, false, false), Some(Action::Help));
        let attach = key(KeyCode::Char('o'), KeyModifiers::CONTROL);
        assert_eq!(map.lookup(&attach, true, false), Some(Action::Attach));
        let enter = key(KeyCode::Enter, KeyModifiers::NONE);
        assert_eq!(map.lookup(&enter, true, false), Some(Action::Send));
        assert_eq!(map.lookup(&enter, false, true), Some(Action::Download));
        assert_eq!(map.lookup(&enter, false, false), None);
    }

    #[test]
    fn overrides_replace_an_actions_keys_and_reject_typos() {
        let keys = BTreeMap::from([("attach".to_string(), "ctrl-a".to_string())]);
        let map = Keymap::default().with_overrides(&keys).unwrap();
        let ctrl = |c| key(KeyCode::Char(c), KeyModifiers::CONTROL);
        assert_eq!(map.lookup(&ctrl('a'), true, false), Some(Action::Attach));
        assert_eq!(map.lookup(&ctrl('o'), true, false), None);
        let bad = BTreeMap::from([("atach".to_string(), "ctrl-a".to_string())]);
        assert!(
            Keymap::default()
                .with_overrides(&bad)
                .unwrap_err()
                .contains("atach")
        );
        let bad = BTreeMap::from([("attach".to_string(), "hyper-a".to_string())]);
        assert!(
            Keymap::default()
                .with_overrides(&bad)
                .unwrap_err()
                .contains("hyper-a")
        );
    }
}
