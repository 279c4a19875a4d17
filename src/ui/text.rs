//! Text helpers every pane uses: untrusted text made safe, and lines fitted to a width.
//!
//! Invariant: every string from the model, from executed code, from a server or naming a file
//! reaches the screen through [`clean`] or [`flat`] (both built on `strip_controls`). Text that
//! may run long is fitted to the pane's width here ([`wrap`], [`fit`]) and panes draw without
//! wrapping, so a cached line count is exactly the number of rows the lines take.

use crate::text_safety::{one_line, strip_controls};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use std::borrow::Cow;
use unicode_width::UnicodeWidthChar;

const TAB: usize = 4;

/// Multi-line untrusted text, safe to draw: controls stripped, tabs expanded to stops of 4
/// (the terminal buffer would drop them and misalign tables). Tabs are expanded first because
/// stripping drops them when the text also holds an escape sequence.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.contains('\t') {
        return strip_controls(text);
    }
    let mut expanded = String::with_capacity(text.len() + 16);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            expanded.push('\n');
        }
        let mut column = 0;
        for c in line.chars() {
            if c == '\t' {
                let pad = TAB - column % TAB;
                expanded.extend(std::iter::repeat_n(' ', pad));
                column += pad;
            } else {
                expanded.push(c);
                column += c.width().unwrap_or(0);
            }
        }
    }
    Cow::Owned(strip_controls(&expanded).into_owned())
}

/// Untrusted text for a one-line slot (a name, a notice, an error): see [`one_line`].
pub fn flat(text: &str) -> String {
    one_line(text)
}

/// `text` cut to `width` columns, ending in "…" when it was longer.
/// `text` cut to `width` columns at a word boundary (with "…"), or mid-word when one word is
/// wider than that.
pub fn truncate_words(text: &str, width: usize) -> String {
    if str_width(text) <= width {
        return text.to_string();
    }
    let cut = truncate(text, width);
    let kept = cut.trim_end_matches('…');
    match kept.rfind(' ') {
        Some(space) if space > 0 => format!("{}…", kept[..space].trim_end()),
        _ => cut,
    }
}

pub fn truncate(text: &str, width: usize) -> String {
    if str_width(text) <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// The end of `text` in `width` columns, "…" marking the cut: the end of a path is the part
/// being typed and the part that tells candidates apart.
/// `text` in `width` columns, its start and its end kept around a "…": for file names, whose
/// start says what they are and whose end tells copies (`chart (1).png`) and types apart.
pub fn middle(text: &str, width: usize) -> String {
    if str_width(text) <= width {
        return text.to_string();
    }
    let room = width.saturating_sub(1);
    let head = truncate(text, room / 2 + 1);
    let head = head.trim_end_matches('…');
    format!("{head}{}", tail(text, width - str_width(head)))
}

pub fn tail(text: &str, width: usize) -> String {
    if str_width(text) <= width {
        return text.to_string();
    }
    let reversed: String = text.chars().rev().collect();
    truncate(&reversed, width).chars().rev().collect()
}

pub fn str_width(text: &str) -> usize {
    text.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// Clean `text` word-wrapped to `width` columns (words longer than a line are split).
/// An empty text is one empty line.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut used = 0;
        for word in paragraph.split_inclusive(' ') {
            let visible = str_width(word.trim_end());
            if used > 0 && used + visible > width {
                lines.push(std::mem::take(&mut line).trim_end().to_string());
                used = 0;
            }
            if used + visible <= width {
                line.push_str(word);
                used += str_width(word);
                continue;
            }
            for c in word.chars() {
                let w = c.width().unwrap_or(0);
                if used + w > width {
                    lines.push(std::mem::take(&mut line));
                    used = 0;
                }
                line.push(c);
                used += w;
            }
        }
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// `text` wrapped to `width`, the first line behind `first` and the rest behind `rest`
/// (a hanging indent as wide as `first`), all in `style`.
pub fn wrap_prefixed(
    text: &str,
    width: usize,
    first: &str,
    rest: &str,
    style: Style,
) -> Vec<Line<'static>> {
    wrap(text, width.saturating_sub(str_width(first)))
        .into_iter()
        .enumerate()
        .map(|(i, l)| {
            let prefix = if i == 0 { first } else { rest };
            Line::from(Span::styled(format!("{prefix}{l}"), style))
        })
        .collect()
}

/// `lines` with every line wider than `width` split across rows; lines that fit move as is.
pub fn fit(lines: Vec<Line<'static>>, width: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    fit_each(lines, width, |line, out| {
        let mut row: Vec<Span<'static>> = Vec::new();
        let mut used = 0;
        for span in line.spans {
            let style = span.style;
            let mut piece = String::new();
            for c in span.content.chars() {
                let w = c.width().unwrap_or(0);
                if used + w > width {
                    if !piece.is_empty() {
                        row.push(Span::styled(std::mem::take(&mut piece), style));
                    }
                    out.push(Line::from(std::mem::take(&mut row)).style(line.style));
                    used = 0;
                }
                piece.push(c);
                used += w;
            }
            if !piece.is_empty() {
                row.push(Span::styled(piece, style));
            }
        }
        out.push(Line::from(row).style(line.style));
    })
}

/// `lines` with each line wider than `width` replaced by the rows `split` makes of it.
fn fit_each(
    lines: Vec<Line<'static>>,
    width: usize,
    mut split: impl FnMut(Line<'static>, &mut Vec<Line<'static>>),
) -> Vec<Line<'static>> {
    if lines.iter().all(|l| l.width() <= width) {
        return lines;
    }
    let mut out = Vec::with_capacity(lines.len() + 4);
    for line in lines {
        if line.width() <= width {
            out.push(line);
        } else {
            split(line, &mut out);
        }
    }
    out
}

/// What starts a continued row of code.
pub const CONTINUED: &str = "↪ ";

/// Code lines fitted to `width`: a long line breaks after a space or punctuation when one
/// lies in the row's second half (else where it must), and each continued row starts with
/// [`CONTINUED`] in `mark`, so a reader never takes a wrapped row for a new line of code.
pub fn fit_code(lines: Vec<Line<'static>>, width: usize, mark: Style) -> Vec<Line<'static>> {
    let width = width.max(CONTINUED.chars().count() + 2);
    fit_each(lines, width, |line, out| {
        let cells: Vec<(char, Style)> = line
            .spans
            .iter()
            .flat_map(|span| span.content.chars().map(move |c| (c, span.style)))
            .collect();
        let mut start = 0;
        let mut first = true;
        while start < cells.len() {
            let room = if first {
                width
            } else {
                width - CONTINUED.chars().count()
            };
            let mut end = start;
            let mut used = 0;
            while end < cells.len() {
                let w = cells[end].0.width().unwrap_or(0);
                if used + w > room {
                    break;
                }
                used += w;
                end += 1;
            }
            if end < cells.len() {
                let half = start + (end - start) / 2;
                if let Some(at) = (half..end).rev().find(|&i| breaks_after(cells[i].0)) {
                    end = at + 1;
                }
            }
            let end = end.max(start + 1);
            let mut spans = Vec::new();
            if !first {
                spans.push(Span::styled(CONTINUED, mark));
            }
            spans.extend(styled_runs(&cells[start..end]));
            out.push(Line::from(spans).style(line.style));
            start = end;
            first = false;
        }
    })
}

/// A code line may break after this character.
fn breaks_after(c: char) -> bool {
    c.is_whitespace() || ",;(){}[]=+-*/.:|&<>".contains(c)
}

/// Consecutive characters of one style as one span each.
fn styled_runs(cells: &[(char, Style)]) -> Vec<Span<'static>> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut text = String::new();
    let mut style = cells.first().map(|c| c.1).unwrap_or_default();
    for &(c, s) in cells {
        if s != style && !text.is_empty() {
            spans.push(Span::styled(std::mem::take(&mut text), style));
        }
        style = s;
        text.push(c);
    }
    if !text.is_empty() {
        spans.push(Span::styled(text, style));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_middle_cut_keeps_both_ends_apart() {
        let a = middle("support_calls_distribution.png", 14);
        let b = middle("support_calls_distribution (1).png", 14);
        assert_eq!(str_width(&a), 14, "{a}");
        assert!(
            a.starts_with("suppo") && a.ends_with(".png") && a.contains('…'),
            "{a}"
        );
        assert_ne!(a, b);
        assert_eq!(middle("short.png", 14), "short.png");
    }

    #[test]
    fn long_code_breaks_between_tokens_and_marks_continued_rows() {
        let code = "df = pd.read_csv(os.path.join(os.environ['INPUT_DIR'], 'customers.csv'))";
        let rows = fit_code(vec![Line::raw(code)], 30, Style::default());
        assert!(rows.len() > 1);
        let texts: Vec<String> = rows.iter().map(|r| r.to_string()).collect();
        assert!(texts.iter().all(|t| t.chars().count() <= 30), "{texts:?}");
        assert!(
            texts[1..].iter().all(|t| t.starts_with(CONTINUED)),
            "{texts:?}"
        );
        let joined: String = texts
            .iter()
            .map(|t| t.strip_prefix(CONTINUED).unwrap_or(t))
            .collect();
        assert_eq!(joined, code);
        for t in &texts[..texts.len() - 1] {
            let last = t.chars().last().unwrap();
            assert!(breaks_after(last), "a row ends mid-token: {t:?}");
        }
        let word = "x".repeat(70);
        let rows = fit_code(vec![Line::raw(word.clone())], 30, Style::default());
        assert_eq!(
            rows.len(),
            3,
            "a token longer than a row is cut where it must be"
        );
    }

    #[test]
    fn clean_strips_escapes_and_expands_tabs() {
        assert_eq!(clean("ab\tc\n\td"), "ab  c\n    d");
        assert_eq!(clean("a\x1b[2Jb\tc"), "ab   c", "a tab survives an escape");
        assert!(matches!(clean("plain"), Cow::Borrowed(_)));
        assert_eq!(flat("x\ny\x07\tz"), "x y z");
    }

    #[test]
    fn wrap_breaks_at_spaces_and_splits_long_words() {
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("a\n\nb", 5), ["a", "", "b"]);
        assert_eq!(wrap("", 5), [""]);
        assert!(wrap("表表表表表", 4).iter().all(|l| str_width(l) <= 4));
    }

    #[test]
    fn fit_splits_only_wide_lines_and_keeps_styles() {
        let red = Style::default().fg(ratatui::style::Color::Red);
        let lines = vec![
            Line::from(vec![Span::raw("abc"), Span::styled("defgh", red)]),
            Line::raw("ok"),
        ];
        let out = fit(lines, 4);
        let text: Vec<String> = out.iter().map(|l| l.to_string()).collect();
        assert_eq!(text, ["abcd", "efgh", "ok"]);
        assert_eq!(out[1].spans[0].style, red);
    }

    #[test]
    fn truncate_marks_the_cut() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
        assert_eq!(tail("/home/ana/data.csv", 9), "…data.csv");
    }
}
