//! Fitting styled text into a number of terminal columns.
//!
//! Invariant: every line these functions return is at most `width` columns wide as ratatui
//! measures it (`Line::width`), for any `width >= 2`, so a pane never clips or overflows.
//! Widths are counted per character with a conservative rule for variation selectors (which can
//! widen the character before them), so the count is never below what the terminal shows.
//! Everything is a single pass over the characters: wrapping a long answer stays linear.

use ratatui::style::Style;
#[cfg(test)]
use ratatui::text::Line;
use ratatui::text::Span;
use unicode_width::UnicodeWidthChar;

/// Shown where text was cut short.
const ELLIPSIS: &str = "…";

/// Display width of a character stream, counted conservatively (see the module docs).
#[derive(Default)]
struct Meter {
    prev: usize,
}

impl Meter {
    fn width(&mut self, c: char) -> usize {
        let width = match c {
            '\u{FE00}'..='\u{FE0F}' => usize::from(self.prev == 1),
            _ => c.width().unwrap_or(1),
        };
        self.prev = width;
        width
    }

    /// Width of a run of characters; printable ASCII (the common case) is one column each.
    fn run_width(&mut self, run: &str) -> usize {
        if run.bytes().all(|b| (b' '..=b'~').contains(&b)) {
            self.prev = 1;
            return run.len();
        }
        run.chars().map(|c| self.width(c)).sum()
    }
}

/// Columns `spans` take, never fewer than a terminal shows.
pub fn width(spans: &[Span<'_>]) -> usize {
    let mut meter = Meter::default();
    spans
        .iter()
        .map(|span| meter.run_width(&span.content))
        .sum()
}

/// Finished lines plus the one being filled.
struct Lines {
    width: usize,
    done: Vec<Vec<Span<'static>>>,
    line: Vec<Span<'static>>,
    used: usize,
}

impl Lines {
    fn new(width: usize) -> Lines {
        Lines {
            width: width.max(1),
            done: Vec::new(),
            line: Vec::new(),
            used: 0,
        }
    }

    fn push(&mut self, style: Style, text: &str, width: usize) {
        match self.line.last_mut() {
            Some(last) if last.style == style => last.content.to_mut().push_str(text),
            _ => {
                let mut content = String::with_capacity(text.len().max(self.width));
                content.push_str(text);
                self.line.push(Span::styled(content, style));
            }
        }
        self.used += width;
    }

    /// Adds `n` spaces without allocating a string for them.
    fn push_spaces(&mut self, style: Style, n: usize) {
        const SPACES: &str = "                ";
        let mut left = n;
        while left > 0 {
            let chunk = left.min(SPACES.len());
            self.push(style, &SPACES[..chunk], chunk);
            left -= chunk;
        }
    }

    /// Adds `c`, first starting a new line if it would not fit (an empty line takes anything).
    fn push_char(&mut self, style: Style, c: char, width: usize) {
        if self.used + width > self.width && self.used > 0 {
            self.newline();
        }
        self.push(style, c.encode_utf8(&mut [0; 4]), width);
    }

    fn newline(&mut self) {
        self.done.push(std::mem::take(&mut self.line));
        self.used = 0;
    }

    fn finish(mut self) -> Vec<Vec<Span<'static>>> {
        if !self.line.is_empty() || !self.done.is_empty() {
            self.newline();
        }
        self.done
    }
}

/// A run of word characters or spaces from one input span.
struct Piece<'a> {
    style: Style,
    text: &'a str,
    width: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Newline,
    Space,
    Word,
}

impl Kind {
    /// Classifies by byte: every break character is ASCII, so runs split on char boundaries.
    fn of(byte: u8) -> Kind {
        match byte {
            b'\n' => Kind::Newline,
            b' ' | b'\t' => Kind::Space,
            _ => Kind::Word,
        }
    }
}

struct Wrapper<'a> {
    lines: Lines,
    meter: Meter,
    word: Vec<Piece<'a>>,
    word_width: usize,
    /// Columns of space waiting for the next word; dropped at a line break.
    spaces: Vec<(Style, usize)>,
    /// The current line was started by wrapping, so leading spaces are dropped.
    wrapped: bool,
}

/// `spans` word-wrapped greedily to `width` columns. Spaces (and tabs, shown as one space) are
/// the break opportunities, and disappear at a break; a word wider than `width` is broken
/// between characters; `'\n'` forces a break. Empty input gives no lines.
pub fn wrap<'a>(spans: &'a [Span<'_>], width: usize) -> Vec<Vec<Span<'static>>> {
    let mut wrapper = Wrapper {
        lines: Lines::new(width),
        meter: Meter::default(),
        word: Vec::new(),
        word_width: 0,
        spaces: Vec::new(),
        wrapped: false,
    };
    for span in spans {
        let mut rest: &'a str = &span.content;
        while let Some(&first) = rest.as_bytes().first() {
            let kind = Kind::of(first);
            let len = rest.bytes().position(|b| Kind::of(b) != kind);
            let len = len.unwrap_or(rest.len());
            let (run, tail) = rest.split_at(len);
            rest = tail;
            match kind {
                Kind::Newline => {
                    for _ in 0..run.len() {
                        wrapper.flush_word();
                        wrapper.spaces.clear();
                        wrapper.lines.newline();
                        wrapper.wrapped = false;
                    }
                }
                Kind::Space => {
                    wrapper.flush_word();
                    if wrapper.lines.used > 0 || !wrapper.wrapped {
                        wrapper.spaces.push((span.style, run.len()));
                    }
                    wrapper.meter.prev = 1;
                }
                Kind::Word => {
                    let width = wrapper.meter.run_width(run);
                    wrapper.word_width += width;
                    wrapper.word.push(Piece {
                        style: span.style,
                        text: run,
                        width,
                    });
                }
            }
        }
    }
    wrapper.flush_word();
    wrapper.lines.finish()
}

impl Wrapper<'_> {
    fn flush_word(&mut self) {
        if self.word.is_empty() {
            return;
        }
        let width = self.lines.width;
        let space: usize = self.spaces.iter().map(|(_, n)| n).sum();
        let used = self.lines.used;
        if used + space + self.word_width <= width {
            self.push_spaces();
            for piece in &self.word {
                self.lines.push(piece.style, piece.text, piece.width);
            }
        } else if self.word_width <= width {
            if used > 0 {
                self.break_line();
            }
            for piece in &self.word {
                self.lines.push(piece.style, piece.text, piece.width);
            }
        } else {
            if used + space >= width {
                if used > 0 {
                    self.break_line();
                }
            } else {
                self.push_spaces();
            }
            let mut meter = Meter::default();
            for piece in &self.word {
                for c in piece.text.chars() {
                    let before = self.lines.done.len();
                    self.lines.push_char(piece.style, c, meter.width(c));
                    self.wrapped |= self.lines.done.len() > before;
                }
            }
        }
        self.spaces.clear();
        self.word.clear();
        self.word_width = 0;
    }

    fn push_spaces(&mut self) {
        for (style, n) in self.spaces.drain(..) {
            self.lines.push_spaces(style, n);
        }
    }

    fn break_line(&mut self) {
        self.lines.newline();
        self.wrapped = true;
    }
}

/// `spans` cut into lines of at most `width` columns between characters, with no regard for
/// words (for code). Always at least one line, empty for empty input.
pub fn hard_wrap(spans: &[Span<'_>], width: usize) -> Vec<Vec<Span<'static>>> {
    let mut lines = Lines::new(width);
    let mut meter = Meter::default();
    for span in spans {
        for c in span.content.chars() {
            lines.push_char(span.style, c, meter.width(c));
        }
    }
    let mut done = lines.finish();
    if done.is_empty() {
        done.push(Vec::new());
    }
    done
}

/// `spans` cut to at most `width` columns, ending in an ellipsis when anything was cut.
pub fn truncate(spans: &[Span<'_>], width: usize) -> Vec<Span<'static>> {
    let owned = || {
        spans
            .iter()
            .map(|s| Span::styled(s.content.to_string(), s.style))
    };
    if self::width(spans) <= width {
        return owned().collect();
    }
    let mut lines = Lines::new(width);
    let mut meter = Meter::default();
    let room = width.saturating_sub(1);
    let mut style = spans.first().map(|s| s.style).unwrap_or_default();
    'fill: for span in spans {
        style = span.style;
        for c in span.content.chars() {
            let w = meter.width(c);
            if lines.used + w > room {
                break 'fill;
            }
            lines.push(span.style, c.encode_utf8(&mut [0; 4]), w);
        }
    }
    if width > 0 {
        lines.push(style, ELLIPSIS, 1);
    }
    lines.line
}

/// The plain text of `line`, for assertions.
#[cfg(test)]
pub fn line_text(line: &Line) -> String {
    line.spans.iter().map(|s| s.content.as_ref()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Modifier, Stylize};

    fn texts(lines: &[Vec<Span<'static>>]) -> Vec<String> {
        lines
            .iter()
            .map(|l| line_text(&Line::from(l.clone())))
            .collect()
    }

    #[test]
    fn wraps_greedily_and_drops_spaces_at_breaks() {
        let spans = [Span::raw("the quick brown fox jumps over the lazy dog")];
        let lines = wrap(&spans, 10);
        assert_eq!(
            texts(&lines),
            ["the quick", "brown fox", "jumps over", "the lazy", "dog"]
        );
    }

    #[test]
    fn keeps_styles_across_a_word_made_of_several_spans() {
        let spans = [Span::raw("aaaa "), "bold".bold(), Span::raw("tail more")];
        let lines = wrap(&spans, 9);
        assert_eq!(texts(&lines), ["aaaa", "boldtail", "more"]);
        assert!(lines[1][0].style.add_modifier.contains(Modifier::BOLD));
        assert!(!lines[1][1].style.add_modifier.contains(Modifier::BOLD));
    }

    #[test]
    fn a_long_word_breaks_between_characters() {
        let spans = [Span::raw("see abcdefghijklmnopqrstuvwxyz ok")];
        let lines = wrap(&spans, 10);
        assert_eq!(
            texts(&lines),
            ["see abcdef", "ghijklmnop", "qrstuvwxyz", "ok"]
        );
    }

    #[test]
    fn newlines_force_breaks_and_wide_characters_count_double() {
        let lines = wrap(&[Span::raw("a\n\nb 表表表表表表")], 6);
        assert_eq!(texts(&lines), ["a", "", "b 表表", "表表表", "表"]);
        assert!(wrap(&[Span::raw("")], 6).is_empty());
    }

    #[test]
    fn emoji_with_a_variation_selector_never_overflows() {
        let spans = [Span::raw(
            "☺\u{FE0F}☺\u{FE0F}☺\u{FE0F}☺\u{FE0F}☺\u{FE0F}☺\u{FE0F}",
        )];
        for line in wrap(&spans, 5) {
            assert!(Line::from(line).width() <= 5);
        }
    }

    #[test]
    fn hard_wrap_cuts_by_character() {
        let lines = hard_wrap(&[Span::raw("  let x = 1;")], 5);
        assert_eq!(texts(&lines), ["  let", " x = ", "1;"]);
        assert_eq!(hard_wrap(&[], 5).len(), 1);
    }

    #[test]
    fn truncate_marks_the_cut() {
        let cut = truncate(&[Span::raw("abc"), Span::raw("defgh")], 5);
        assert_eq!(line_text(&Line::from(cut)), "abcd…");
        let kept = truncate(&[Span::raw("abc")], 3);
        assert_eq!(line_text(&Line::from(kept)), "abc");
        assert_eq!(width(&truncate(&[Span::raw("表表表")], 4)), 3);
    }
}
