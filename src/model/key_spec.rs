//! Key specs for the `[keys]` config table ("ctrl-o", "alt-enter", "f1", "?") and the labels the
//! help overlay shows for them.
//!
//! Invariant: `parse_key(&key_label(code, mods))` gives back `(code, mods)` for every key that
//! `parse_key` returns, so the help overlay shows exactly the active binding, in a form that can be
//! pasted into the config. To make that hold, specs are canonicalised: "shift-tab" is `BackTab`
//! without SHIFT, and a letter with ctrl is lower case (terminals cannot tell ctrl-O from ctrl-o).

use ratatui::crossterm::event::{KeyCode, KeyModifiers};

/// Named keys, spelt as their labels; specs match them case-insensitively.
const NAMED: [(&str, KeyCode); 14] = [
    ("Enter", KeyCode::Enter),
    ("Esc", KeyCode::Esc),
    ("Tab", KeyCode::Tab),
    ("Backspace", KeyCode::Backspace),
    ("Delete", KeyCode::Delete),
    ("Up", KeyCode::Up),
    ("Down", KeyCode::Down),
    ("Left", KeyCode::Left),
    ("Right", KeyCode::Right),
    ("Home", KeyCode::Home),
    ("End", KeyCode::End),
    ("PageUp", KeyCode::PageUp),
    ("PageDown", KeyCode::PageDown),
    ("Space", KeyCode::Char(' ')),
];

const MODIFIERS: [(&str, KeyModifiers); 3] = [
    ("Ctrl", KeyModifiers::CONTROL),
    ("Alt", KeyModifiers::ALT),
    ("Shift", KeyModifiers::SHIFT),
];

/// Parses a key spec: modifiers ctrl, alt and shift joined to the key with '-' (case-insensitive),
/// then a named key (enter, esc, tab, backtab, backspace, delete, up, down, left, right, home,
/// end, pageup, pagedown, space, f1 to f12) or a single character ("ctrl--" is ctrl and '-').
pub fn parse_key(spec: &str) -> Result<(KeyCode, KeyModifiers), String> {
    let invalid = |why: String| format!("invalid key \"{spec}\": {why}");
    let key = if spec == "-" || spec.ends_with("--") {
        "-"
    } else {
        spec.rsplit('-').next().unwrap_or(spec)
    };
    let mut mods = KeyModifiers::NONE;
    if let Some(prefix) = spec[..spec.len() - key.len()].strip_suffix('-') {
        for name in prefix.split('-') {
            let Some((_, modifier)) = MODIFIERS
                .iter()
                .find(|(label, _)| label.eq_ignore_ascii_case(name))
            else {
                return Err(invalid(format!(
                    "unknown modifier \"{name}\" (use ctrl, alt or shift)"
                )));
            };
            if mods.contains(*modifier) {
                return Err(invalid(format!("\"{name}\" is given twice")));
            }
            mods |= *modifier;
        }
    }
    let mut chars = key.chars();
    let code = match (chars.next(), chars.next()) {
        (None, _) => return Err(invalid("no key after the modifiers".to_string())),
        (Some(c), None) if mods.contains(KeyModifiers::CONTROL) => {
            KeyCode::Char(c.to_ascii_lowercase())
        }
        (Some(c), None) => KeyCode::Char(c),
        _ => named_key(key).ok_or_else(|| {
            invalid(format!(
                "unknown key \"{key}\" (use a single character, f1 to f12, or one of: backtab, {})",
                NAMED
                    .map(|(label, _)| label.to_ascii_lowercase())
                    .join(", ")
            ))
        })?,
    };
    if code == KeyCode::Tab && mods.contains(KeyModifiers::SHIFT) {
        return Ok((KeyCode::BackTab, mods - KeyModifiers::SHIFT));
    }
    if code == KeyCode::BackTab {
        return Ok((code, mods - KeyModifiers::SHIFT));
    }
    Ok((code, mods))
}

/// A named key or a function key, spelt in any case.
fn named_key(key: &str) -> Option<KeyCode> {
    let key = key.to_ascii_lowercase();
    if key == "backtab" {
        return Some(KeyCode::BackTab);
    }
    if let Some(n) = key.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
        return (1..=12).contains(&n).then_some(KeyCode::F(n));
    }
    NAMED
        .iter()
        .find(|(label, _)| label.eq_ignore_ascii_case(&key))
        .map(|(_, code)| *code)
}

/// The label the help overlay shows for a key: "Ctrl-O", "Alt-Enter", "F1", "Shift-Tab", "?", "d".
pub fn key_label(code: KeyCode, mods: KeyModifiers) -> String {
    let mods = if code == KeyCode::BackTab {
        mods - KeyModifiers::SHIFT
    } else {
        mods
    };
    let mut label: String = MODIFIERS
        .iter()
        .filter(|(_, modifier)| mods.contains(*modifier))
        .map(|(name, _)| format!("{name}-"))
        .collect();
    match code {
        KeyCode::BackTab => label.push_str("Shift-Tab"),
        KeyCode::Char(c) if c != ' ' && mods.contains(KeyModifiers::CONTROL) => {
            label.push(c.to_ascii_uppercase());
        }
        KeyCode::Char(c) if c != ' ' => label.push(c),
        code => match NAMED.iter().find(|(_, named)| *named == code) {
            Some((name, _)) => label.push_str(name),
            None => label.push_str(&code.to_string()),
        },
    }
    label
}

#[cfg(test)]
mod tests {
    use super::*;

    const CTRL: KeyModifiers = KeyModifiers::CONTROL;
    const ALT: KeyModifiers = KeyModifiers::ALT;
    const NONE: KeyModifiers = KeyModifiers::NONE;

    #[test]
    fn specs_parse_case_insensitively() {
        let cases = [
            ("ctrl-o", (KeyCode::Char('o'), CTRL)),
            ("Ctrl-O", (KeyCode::Char('o'), CTRL)),
            ("alt-enter", (KeyCode::Enter, ALT)),
            ("ALT-Enter", (KeyCode::Enter, ALT)),
            ("f1", (KeyCode::F(1), NONE)),
            ("F12", (KeyCode::F(12), NONE)),
            ("shift-tab", (KeyCode::BackTab, NONE)),
            ("backtab", (KeyCode::BackTab, NONE)),
            ("ctrl-shift-tab", (KeyCode::BackTab, CTRL)),
            ("esc", (KeyCode::Esc, NONE)),
            ("enter", (KeyCode::Enter, NONE)),
            ("tab", (KeyCode::Tab, NONE)),
            ("pageup", (KeyCode::PageUp, NONE)),
            ("space", (KeyCode::Char(' '), NONE)),
            ("ctrl-alt-delete", (KeyCode::Delete, CTRL | ALT)),
            ("x", (KeyCode::Char('x'), NONE)),
            ("X", (KeyCode::Char('X'), NONE)),
            ("?", (KeyCode::Char('?'), NONE)),
            ("-", (KeyCode::Char('-'), NONE)),
            ("ctrl--", (KeyCode::Char('-'), CTRL)),
        ];
        for (spec, key) in cases {
            assert_eq!(parse_key(spec), Ok(key), "{spec}");
        }
    }

    #[test]
    fn labels_read_as_the_help_overlay_shows_them() {
        let cases = [
            ((KeyCode::Char('o'), CTRL), "Ctrl-O"),
            ((KeyCode::Enter, ALT), "Alt-Enter"),
            ((KeyCode::F(1), NONE), "F1"),
            ((KeyCode::BackTab, NONE), "Shift-Tab"),
            ((KeyCode::BackTab, KeyModifiers::SHIFT), "Shift-Tab"),
            ((KeyCode::Char('?'), NONE), "?"),
            ((KeyCode::Char('d'), NONE), "d"),
            ((KeyCode::Char(' '), CTRL), "Ctrl-Space"),
            ((KeyCode::PageDown, NONE), "PageDown"),
        ];
        for ((code, mods), label) in cases {
            assert_eq!(key_label(code, mods), label);
        }
    }

    #[test]
    fn labels_parse_back_to_the_same_key() {
        let mut keys: Vec<KeyCode> = NAMED.iter().map(|(_, code)| *code).collect();
        keys.extend((1..=12).map(KeyCode::F));
        keys.extend("aZ?-é0".chars().map(KeyCode::Char));
        keys.push(KeyCode::BackTab);
        for code in keys {
            for mods in [
                NONE,
                CTRL,
                ALT,
                KeyModifiers::SHIFT,
                CTRL | ALT | KeyModifiers::SHIFT,
            ] {
                let Ok(key) = parse_key(&key_label(code, mods)) else {
                    panic!("{} does not parse", key_label(code, mods));
                };
                assert_eq!(parse_key(&key_label(key.0, key.1)), Ok(key));
            }
        }
        for spec in [
            "ctrl-q",
            "f1",
            "shift-tab",
            "alt-enter",
            "esc",
            "ctrl-y",
            "d",
            "x",
        ] {
            let (code, mods) = parse_key(spec).unwrap();
            assert!(key_label(code, mods).eq_ignore_ascii_case(spec), "{spec}");
        }
    }

    #[test]
    fn bad_specs_are_errors_naming_them() {
        for spec in [
            "ctrl-",
            "hyper-x",
            "f13",
            "f0",
            "",
            "-x",
            "--",
            "ctrl-ctrl-x",
            "enterr",
            "ctrl-xy",
        ] {
            let err = parse_key(spec).unwrap_err();
            assert!(err.contains(&format!("\"{spec}\"")), "{spec}: {err}");
        }
        assert!(parse_key("hyper-x").unwrap_err().contains("hyper"));
    }
}
