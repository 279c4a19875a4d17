//! Stripping terminal control sequences from untrusted text, and cutting it to a bounded size.
//!
//! Invariant: anything that came from the model, from executed code or from a server (error
//! types, messages, request ids, header values, file names) is passed through
//! [`strip_controls`] before it reaches a terminal, so no escape sequence (colour, cursor
//! moves, OSC 52 clipboard writes, title changes) can be injected. Whole sequences go, not only
//! their ESC byte: CSI, OSC (ended by BEL or ST), DCS, SOS/PM/APC and their 8-bit C1 forms
//! (U+009B, U+009D, …), so no leftover `]0;title` text is shown either. Plain newlines and tabs
//! survive; carriage returns are dropped so a line cannot overwrite itself. Built on
//! `strip-ansi-escapes` (a vte parser) and a final filter for the C0/C1 controls vte executes.
//!
//! Bidi controls (the embeddings and overrides U+202A–U+202E, the isolates U+2066–U+2069, the
//! marks U+200E, U+200F and U+061C) are removed too, in every listing and every name: an
//! override makes `evil\u{202E}gnp.exe` display as `evilexe.png`. Removing them, rather than
//! showing a marker, leaves the characters in their stored order, which is the true one
//! (`evilgnp.exe`), and matches the names clab saves on disk. Right-to-left text still reads
//! right to left in a terminal that lays it out; only its explicit direction hints are lost.
//! Text for a one-line slot (a file name, a table cell) goes through [`one_line`], which also
//! turns newlines and tabs into spaces so a name cannot forge a line of output.
//!
//! Server text that is shown or stored goes through [`excerpt`], which also keeps only its head
//! and says how much was cut, so a hostile server cannot flood the terminal, the log or the
//! session store with one error message.

use std::borrow::Cow;

/// How much of a server's error message is kept, in characters.
pub const MESSAGE_CHARS: usize = 2_000;

/// How much of a short server string (an error type, a request id, a header value) is kept.
pub const FIELD_CHARS: usize = 200;

/// `text` without terminal control sequences; borrowed, at no cost, when it has none.
pub fn strip_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    // vte reads C1 controls only in their 7-bit form (ESC + letter); rewritten so, an 8-bit
    // CSI, OSC or DCS is removed whole with its parameters instead of leaving them behind.
    let mut seven_bit = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if ('\u{80}'..='\u{9f}').contains(&c) {
            seven_bit.push('\x1b');
            seven_bit.push(char::from(c as u8 - 0x40));
        } else {
            seven_bit.push(c);
        }
    }
    // The stripper drops tabs with the escapes; they are safe, and code and tables need them.
    let stripped: Vec<String> = seven_bit
        .split('\t')
        .map(strip_ansi_escapes::strip_str)
        .collect();
    Cow::Owned(
        stripped
            .join("\t")
            .chars()
            .filter(|c| !is_unsafe(*c))
            .collect(),
    )
}

/// Untrusted text for a one-line slot: newlines, tabs and carriage returns turned into spaces
/// (before stripping, which would drop a tab next to an escape sequence), controls stripped.
pub fn one_line(text: &str) -> String {
    strip_controls(&text.replace(['\n', '\t', '\r'], " ")).into_owned()
}

/// The first `max_chars` characters of `text` with terminal controls stripped and, when it was
/// longer, "… (N more bytes)" saying how much of the original was left out.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let head_len = text
        .char_indices()
        .nth(max_chars)
        .map_or(text.len(), |(at, _)| at);
    let head = strip_controls(&text[..head_len]);
    let cut = text.len() - head_len;
    if cut == 0 {
        head.into_owned()
    } else {
        format!("{head}… ({} more bytes)", grouped(cut as u64))
    }
}

/// 1234567 as "1,234,567".
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t') || is_bidi_control(c)
}

/// The Unicode bidi formatting characters that can reorder what a terminal shows.
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

#[cfg(test)]
mod tests {
    use super::{excerpt, grouped, one_line, strip_controls};

    #[test]
    fn removes_csi_osc_and_bare_controls() {
        let evil = "a\x1b[31mred\x1b[0m b\x1b]52;c;aGVsbG8=\x07 c\x07\x08\rd\u{9b}2J";
        assert_eq!(strip_controls(evil), "ared b cd");
    }

    #[test]
    fn removes_whole_sequences_with_either_terminator() {
        for (evil, clean) in [
            ("a\x1b]0;pwned\x07b", "ab"),
            ("a\x1b]0;pwned\x1b\\b", "ab"),
            ("a\x1bP1;2|xyz\x1b\\b", "ab"),
            ("a\x1b_apc\x1b\\b\x1b^pm\x1b\\c\x1bXsos\x1b\\d", "abcd"),
            ("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link"),
            ("a\x1b[?1049hb\x1bc\x1b(Bc", "abc"),
        ] {
            assert_eq!(strip_controls(evil), clean, "{evil:?}");
        }
    }

    #[test]
    fn removes_eight_bit_sequences_with_their_parameters() {
        assert_eq!(strip_controls("a\u{9b}31mb"), "ab");
        assert_eq!(strip_controls("a\u{9d}0;pwned\u{9c}b"), "ab");
        assert_eq!(strip_controls("a\u{90}dcs\u{9c}b\u{85}"), "ab");
    }

    #[test]
    fn keeps_newlines_tabs_and_unicode() {
        let text = "col\tvalue\nnaïve ✓ 表\n";
        assert_eq!(strip_controls(text), text);
    }

    #[test]
    fn removes_every_bidi_control() {
        for c in [
            '\u{061c}', '\u{200e}', '\u{200f}', '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}',
            '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
        ] {
            assert_eq!(
                strip_controls(&format!("evil{c}gnp.exe")),
                "evilgnp.exe",
                "{c:?}"
            );
        }
        assert_eq!(strip_controls("שלום עולם"), "שלום עולם");
        assert_eq!(strip_controls("\x1b[1m\u{202e}abc"), "abc");
    }

    #[test]
    fn one_line_text_cannot_forge_lines() {
        assert_eq!(one_line("a\nb\r\tc.txt"), "a b  c.txt");
        assert_eq!(one_line("\x1b]0;pwned\x07\x1b[31mred\n.png"), "red .png");
        assert_eq!(one_line("x\u{202e}y"), "xy");
    }

    #[test]
    fn a_sequence_split_across_chunks_leaves_no_escape_byte() {
        let first = strip_controls("hello \x1b");
        let second = strip_controls("[2J world");
        assert!(!first.contains('\x1b') && !second.contains('\x1b'));
    }

    #[test]
    fn an_excerpt_keeps_the_head_and_says_how_much_was_cut() {
        assert_eq!(excerpt("short \x1b[31mred", 100), "short red");
        let long = format!("é{}", "x".repeat(1_234_566));
        assert_eq!(excerpt(&long, 3), "éxx… (1,234,564 more bytes)");
        assert_eq!(excerpt("abc", 3), "abc");
    }

    #[test]
    fn a_sequence_cut_in_half_by_the_excerpt_leaves_nothing_behind() {
        let text = excerpt("ab\x1b]0;pwned\x07cd", 5);
        assert_eq!(text, "ab… (9 more bytes)");
    }

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1000), "1,000");
    }
}
