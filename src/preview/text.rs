//! The head of a text file, syntax highlighted by its extension.
//!
//! Invariant: at most [`MAX_BYTES`] are read and highlighted (the highlighter's own guards
//! then keep minified lines plain), whatever the file's size; the total line count comes from
//! a streaming count of newlines. Bytes that are not UTF-8, or contain NUL, mean "not text",
//! so a binary file is described by its metadata instead of shown as garbage. Control
//! characters are removed before anything is styled: file contents are as untrusted as model
//! output.

use crate::render::highlight::highlight_code;
use crate::text_safety::strip_controls;
use crate::theme::Theme;
use ratatui::text::Line;
use std::io::{BufRead, BufReader, Read};

/// The most of a file a text preview reads and shows.
pub const MAX_BYTES: usize = 256 * 1024;

#[derive(Debug, Clone, PartialEq)]
pub struct TextPreview {
    pub lines: Vec<Line<'static>>,
    /// Lines in the whole file.
    pub total_lines: u64,
    /// Whether the file goes on past what `lines` shows.
    pub truncated: bool,
}

/// Whether `head` (the start of a file) looks like text.
pub fn looks_like_text(head: &[u8]) -> bool {
    !head.contains(&0)
        && match std::str::from_utf8(head) {
            Ok(_) => true,
            // A multi-byte character cut at the end of the sample is still text.
            Err(e) => e.error_len().is_none() && head.len() - e.valid_up_to() < 4,
        }
}

/// Reads and highlights the start of `input` as `extension` (e.g. "py", "json").
pub fn preview(input: impl Read, extension: &str, theme: &Theme) -> Result<TextPreview, String> {
    let mut reader = BufReader::new(input);
    let mut head = Vec::with_capacity(8 * 1024);
    (&mut reader)
        .take(MAX_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(|e| format!("cannot read: {e}"))?;
    let mut total_lines = bytecount(&head);
    let mut last = head.last().copied();
    let mut rest = 0u64;
    loop {
        let buf = reader.fill_buf().map_err(|e| format!("cannot read: {e}"))?;
        if buf.is_empty() {
            break;
        }
        total_lines += bytecount(buf);
        last = buf.last().copied();
        rest += buf.len() as u64;
        let n = buf.len();
        reader.consume(n);
    }
    let truncated = rest > 0;
    if !looks_like_text(&head) {
        return Err("not a text file".into());
    }
    let text = String::from_utf8_lossy(&head);
    let shown = if truncated {
        text.rsplit_once('\n').map_or(&*text, |(whole, _)| whole)
    } else {
        &text
    };
    if last.is_some_and(|b| b != b'\n') {
        total_lines += 1;
    }
    let clean = strip_controls(shown);
    Ok(TextPreview {
        lines: highlight_code(&clean, extension, theme),
        total_lines,
        truncated,
    })
}

fn bytecount(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text_of(line: &Line) -> String {
        line.spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn python_is_highlighted_line_for_line() {
        let src = "import pandas as pd\n\ndf = pd.read_csv('x.csv')\n";
        let p = preview(src.as_bytes(), "py", &Theme::ansi()).unwrap();
        assert_eq!(p.lines.len(), 3);
        assert_eq!(p.total_lines, 3);
        assert!(!p.truncated);
        assert_eq!(text_of(&p.lines[2]), "df = pd.read_csv('x.csv')");
        assert!(p.lines[0].spans.len() > 1, "keywords get their own style");
    }

    #[test]
    fn a_long_file_is_cut_at_a_line_but_counted_whole() {
        let line = "x".repeat(99) + "\n";
        let src = line.repeat(10_000);
        let p = preview(src.as_bytes(), "txt", &Theme::ansi()).unwrap();
        assert!(p.truncated);
        assert_eq!(p.total_lines, 10_000);
        assert_eq!(p.lines.len(), MAX_BYTES / 100);
        assert!(p.lines.iter().all(|l| text_of(l).len() == 99));
    }

    #[test]
    fn binary_is_refused_and_escapes_are_stripped() {
        assert!(preview(&b"PK\x03\x04\x00\x00"[..], "zip", &Theme::ansi()).is_err());
        let p = preview("a\x1b[2Jb\n".as_bytes(), "txt", &Theme::ansi()).unwrap();
        assert_eq!(text_of(&p.lines[0]), "ab");
    }

    #[test]
    fn a_character_cut_by_the_sample_is_still_text() {
        let head = "é".as_bytes();
        assert!(looks_like_text(&head[..1]));
        assert!(!looks_like_text(b"\xff\xfeabc"));
    }
}
