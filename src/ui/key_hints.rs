//! Key labels for help and hints, taken from the keymap in force.
//!
//! Invariant: every key named on screen is derived from `model.settings.keymap`, so a remapped
//! key is shown as the user configured it, never as the default.

use crate::model::keymap::{Action, Keymap};
use ratatui::crossterm::event::{KeyCode, KeyModifiers};

/// "Ctrl-O", "Alt-Enter", "F1", "Shift-Tab", "Esc", "?".
pub fn key_label(code: KeyCode, mods: KeyModifiers) -> String {
    let mut label = String::new();
    if mods.contains(KeyModifiers::CONTROL) {
        label.push_str("Ctrl-");
    }
    if mods.contains(KeyModifiers::ALT) {
        label.push_str("Alt-");
    }
    let shift_named = !matches!(code, KeyCode::Char(_) | KeyCode::BackTab);
    if mods.contains(KeyModifiers::SHIFT) && shift_named {
        label.push_str("Shift-");
    }
    let name = match code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) if mods.contains(KeyModifiers::CONTROL) => c.to_uppercase().to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::F(n) => format!("F{n}"),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::BackTab => "Shift-Tab".into(),
        KeyCode::Backspace => "Backspace".into(),
        KeyCode::Delete => "Del".into(),
        KeyCode::Insert => "Ins".into(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        other => other.to_string(),
    };
    label.push_str(&name);
    label
}

/// The first key bound to `action`, or None when it is unbound.
pub fn first_key(keymap: &Keymap, action: Action) -> Option<String> {
    keymap
        .keys_for(action)
        .first()
        .map(|b| key_label(b.code, b.mods))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_like_the_keys_on_a_keyboard() {
        let none = KeyModifiers::NONE;
        for (code, mods, label) in [
            (KeyCode::Char('o'), KeyModifiers::CONTROL, "Ctrl-O"),
            (KeyCode::Enter, KeyModifiers::ALT, "Alt-Enter"),
            (KeyCode::F(1), none, "F1"),
            (KeyCode::BackTab, KeyModifiers::SHIFT, "Shift-Tab"),
            (KeyCode::Esc, none, "Esc"),
            (KeyCode::Enter, none, "Enter"),
            (KeyCode::Char('?'), KeyModifiers::SHIFT, "?"),
            (KeyCode::Up, KeyModifiers::SHIFT, "Shift-↑"),
        ] {
            assert_eq!(key_label(code, mods), label);
        }
    }

    #[test]
    fn first_key_follows_the_keymap() {
        let keymap = Keymap::default();
        assert_eq!(
            first_key(&keymap, Action::Attach).as_deref(),
            Some("Ctrl-O")
        );
        let empty = Keymap { bindings: vec![] };
        assert_eq!(first_key(&empty, Action::Attach), None);
    }
}
