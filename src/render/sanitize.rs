//! Stripping terminal control sequences from untrusted text.
//!
//! Invariant: anything that came from the model, from executed code or from a server error is
//! passed through [`strip_controls`] before it reaches a terminal, so no escape sequence (colour,
//! cursor moves, OSC 52 clipboard writes, title changes) can be injected. Plain newlines and tabs
//! survive; carriage returns are dropped so a line cannot overwrite itself. Built on
//! `strip-ansi-escapes` (a vte parser) and a final filter for the C0/C1 controls vte executes.

use std::borrow::Cow;

/// `text` without terminal control sequences; borrowed, at no cost, when it has none.
pub fn strip_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let stripped = strip_ansi_escapes::strip_str(text);
    Cow::Owned(stripped.chars().filter(|c| !is_unsafe(*c)).collect())
}

fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || c == '\u{9b}'
}

#[cfg(test)]
mod tests {
    use super::strip_controls;

    #[test]
    fn removes_csi_osc_and_bare_controls() {
        let evil = "a\x1b[31mred\x1b[0m b\x1b]52;c;aGVsbG8=\x07 c\x07\x08\rd\u{9b}2J";
        assert_eq!(strip_controls(evil), "ared b cd2J");
    }

    #[test]
    fn keeps_newlines_tabs_and_unicode() {
        let text = "col\tvalue\nnaïve ✓ 表\n";
        assert_eq!(strip_controls(text), text);
    }

    #[test]
    fn a_sequence_split_across_chunks_leaves_no_escape_byte() {
        let first = strip_controls("hello \x1b");
        let second = strip_controls("[2J world");
        assert!(!first.contains('\x1b') && !second.contains('\x1b'));
    }
}
