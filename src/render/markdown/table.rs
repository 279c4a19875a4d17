//! Laying out a markdown table in a fixed number of columns.
//!
//! Invariant: every row and the header rule have the same display width, at most `width`
//! whenever the separators alone fit; columns that do not fit are narrowed, widest first, and
//! their cells cut with an ellipsis, so a wide table never breaks the pane's layout.

use crate::render::wrap;
use pulldown_cmark::Alignment;
use ratatui::style::Style;
use ratatui::text::Span;

const SEPARATOR: &str = " │ ";
const RULE_JOIN: &str = "─┼─";
const SEPARATOR_WIDTH: usize = 3;

pub(super) type Cell = Vec<Span<'static>>;

/// A table's cells as parsed; the first `header_rows` rows are the header.
#[derive(Default)]
pub(super) struct Table {
    pub alignments: Vec<Alignment>,
    pub rows: Vec<Vec<Cell>>,
    pub row: Vec<Cell>,
    pub header_rows: usize,
}

impl Table {
    /// The table's lines, each at most `width` columns, with a rule under the header.
    pub fn lines(self, width: usize, rule_style: Style) -> Vec<Vec<Span<'static>>> {
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        if columns == 0 {
            return Vec::new();
        }
        let mut widths = vec![0; columns];
        for row in &self.rows {
            for (column, cell) in row.iter().enumerate() {
                widths[column] = widths[column].max(wrap::width(cell));
            }
        }
        fit(
            &mut widths,
            width.saturating_sub(SEPARATOR_WIDTH * (columns - 1)),
        );
        let mut lines = Vec::with_capacity(self.rows.len() + 1);
        for (index, row) in self.rows.iter().enumerate() {
            let mut spans = Vec::new();
            for (column, &column_width) in widths.iter().enumerate() {
                if column > 0 {
                    spans.push(Span::styled(SEPARATOR, rule_style));
                }
                let cell = row.get(column).map(Vec::as_slice).unwrap_or_default();
                let alignment = self.alignments.get(column).copied();
                spans.extend(padded(cell, column_width, alignment));
            }
            lines.push(spans);
            if index + 1 == self.header_rows {
                let rule: Vec<String> = widths.iter().map(|w| "─".repeat(*w)).collect();
                lines.push(vec![Span::styled(rule.join(RULE_JOIN), rule_style)]);
            }
        }
        for line in &mut lines {
            if wrap::width(line) > width {
                *line = wrap::truncate(line, width);
            }
        }
        lines
    }
}

/// Narrows `widths` to sum to at most `budget` by capping the widest columns: the largest cap
/// that fits, with the columns left over shared one each among the capped columns.
fn fit(widths: &mut [usize], budget: usize) {
    let total = |cap: usize| widths.iter().map(|w| (*w).min(cap)).sum::<usize>();
    let widest = widths.iter().copied().max().unwrap_or(0);
    if total(widest) <= budget {
        return;
    }
    let (mut fits, mut too_wide) = (0, widest);
    while too_wide - fits > 1 {
        let mid = fits + (too_wide - fits) / 2;
        if total(mid) <= budget {
            fits = mid;
        } else {
            too_wide = mid;
        }
    }
    let mut spare = budget.saturating_sub(total(fits));
    for width in widths.iter_mut().filter(|w| **w > fits) {
        *width = fits + usize::from(spare > 0);
        spare = spare.saturating_sub(1);
    }
}

/// `cell` cut to `width` and padded to exactly `width` columns as `alignment` asks.
fn padded(cell: &[Span<'_>], width: usize, alignment: Option<Alignment>) -> Vec<Span<'static>> {
    let mut spans = wrap::truncate(cell, width);
    let pad = width.saturating_sub(wrap::width(&spans));
    let left = match alignment {
        Some(Alignment::Right) => pad,
        Some(Alignment::Center) => pad / 2,
        _ => 0,
    };
    if left > 0 {
        spans.insert(0, Span::raw(" ".repeat(left)));
    }
    if pad > left {
        spans.push(Span::raw(" ".repeat(pad - left)));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_caps_the_widest_columns_first() {
        let mut widths = [3, 20, 12];
        fit(&mut widths, 25);
        assert_eq!(widths, [3, 11, 11]);
        let mut widths = [3, 20, 12];
        fit(&mut widths, 24);
        assert_eq!(widths, [3, 11, 10]);
        let mut small = [2, 3];
        fit(&mut small, 10);
        assert_eq!(small, [2, 3]);
    }

    #[test]
    fn padding_follows_alignment() {
        let text = |spans: Vec<Span>| {
            spans
                .iter()
                .map(|s| s.content.to_string())
                .collect::<String>()
        };
        let cell = [Span::raw("ab")];
        assert_eq!(text(padded(&cell, 5, None)), "ab   ");
        assert_eq!(text(padded(&cell, 5, Some(Alignment::Right))), "   ab");
        assert_eq!(text(padded(&cell, 5, Some(Alignment::Center))), " ab  ");
        assert_eq!(text(padded(&[Span::raw("abcdef")], 4, None)), "abc…");
    }
}
