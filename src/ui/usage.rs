//! The usage overlay: a row per turn (tokens, container time, estimated dollars), the session's
//! total, and the rates the estimate used.
//!
//! Invariant: the figures come from `Model::cost_report`, the same numbers the status bar
//! shows; this only lays them out. Around the turn rows it draws exactly
//! [`FIXED_LINES`] lines (each cut to the popup's width rather than wrapped), so the reducer
//! can scroll the table knowing only the screen's height. Columns are sized over all turns,
//! so scrolling never shifts them; when grouped token counts do not fit they are abbreviated.

use super::status::{compact, dollars};
use super::text::{flat, str_width, truncate};
use crate::domain::usage::Usage;
use crate::model::Model;
use crate::model::cost::Prices;
use crate::model::usage_report::{FIXED_LINES, TurnCost, visible_rows};
pub(super) use crate::text_safety::grouped;
use crate::theme::Theme;
use chrono::TimeDelta;
use ratatui::style::Style;
use ratatui::text::Line;

const HEADER: [&str; 7] = [
    "turn",
    "input",
    "output",
    "c.write",
    "c.read",
    "container",
    "est. $",
];

/// The overlay's lines for a popup `width` columns wide on a screen `height` rows tall, with
/// the newest `back` turns scrolled out; and whether there are turns out of view.
pub(super) fn lines(
    model: &Model,
    back: usize,
    width: usize,
    height: u16,
    theme: &Theme,
) -> (Vec<Line<'static>>, bool) {
    let report = model.cost_report();
    let rows = visible_rows(height);
    let back = back.min(report.turns.len().saturating_sub(rows));
    let end = report.turns.len() - back;
    let shown = &report.turns[end.saturating_sub(rows)..end];

    let total = TurnCost {
        number: 0,
        usage: report.usage,
        container: report.container,
        usd: report.usd,
    };
    let mut cells: Vec<[String; 7]> = report.turns.iter().map(|t| row(t, grouped)).collect();
    cells.push(row(&total, grouped));
    let mut widths = column_widths(&cells);
    if widths.iter().sum::<usize>() + 2 * (widths.len() - 1) > width {
        cells = report.turns.iter().map(|t| row(t, compact)).collect();
        cells.push(row(&total, compact));
        widths = column_widths(&cells);
    }
    let mut total_cells = cells.pop().unwrap_or_default();
    total_cells[0] = "total".to_string();
    let line = |cells: &[String; 7], style: Style| {
        let text: Vec<String> = cells
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (cell, w))| {
                let pad = " ".repeat(w.saturating_sub(str_width(cell)));
                if i == 0 {
                    format!("{cell}{pad}")
                } else {
                    format!("{pad}{cell}")
                }
            })
            .collect();
        Line::styled(truncate(&text.join("  "), width), style)
    };

    let header = HEADER.map(String::from);
    let mut lines = vec![line(&header, theme.muted)];
    let first = end - shown.len();
    lines.extend(cells[first..end].iter().map(|c| line(c, theme.text)));
    lines.push(line(&total_cells, theme.accent));
    lines.push(Line::default());
    let rates = model.settings.prices.for_model(&model.settings.model);
    let label = if rates.fallback {
        format!("{} (unknown model)", rates.key)
    } else {
        flat(rates.key)
    };
    let footer = [
        (rates_line(&label, &rates.prices), theme.text),
        (
            format!(
                "cache write {}, read {} (saved {}); container {}/h",
                money(rates.prices.cache_write),
                money(rates.prices.cache_read),
                dollars(report.saved_usd.max(0.0)),
                money(model.settings.prices.container_hour)
            ),
            theme.text,
        ),
        (
            match report.context.as_slice() {
                [] => "context management: nothing cleared or compacted yet".to_string(),
                [only] => only.clone(),
                [.., last] => format!("{} context edits; last: {last}", report.context.len()),
            },
            theme.text,
        ),
        (
            "Estimates from list prices set in the config's".to_string(),
            theme.muted,
        ),
        (
            "[prices]; the bill from Anthropic is what counts.".to_string(),
            theme.muted,
        ),
        (
            "Container time: 5 min minimum, shared turns merged;".to_string(),
            theme.muted,
        ),
        (
            "the monthly free hours are not deducted.".to_string(),
            theme.muted,
        ),
    ];
    lines.extend(
        footer
            .into_iter()
            .map(|(text, style)| Line::styled(truncate(&text, width), style)),
    );
    debug_assert_eq!(lines.len() + 2, shown.len() + FIXED_LINES);
    (lines, report.turns.len() > shown.len())
}

fn rates_line(label: &str, prices: &Prices) -> String {
    format!(
        "{label}: {} in / {} out per MTok,",
        money(prices.input),
        money(prices.output)
    )
}

fn row(cost: &TurnCost, tokens: fn(u64) -> String) -> [String; 7] {
    let Usage {
        input_tokens,
        output_tokens,
        cache_creation_input_tokens,
        cache_read_input_tokens,
    } = cost.usage;
    [
        cost.number.to_string(),
        tokens(input_tokens),
        tokens(output_tokens),
        tokens(cache_creation_input_tokens),
        tokens(cache_read_input_tokens),
        duration(cost.container),
        format!("{:.3}", cost.usd),
    ]
}

fn column_widths(cells: &[[String; 7]]) -> [usize; 7] {
    let mut widths = HEADER.map(str_width);
    widths[0] = widths[0].max(str_width("total"));
    for row in cells {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(str_width(cell));
        }
    }
    widths
}

/// Container time as "–" (none), "5m 00s" or "1h 05m".
fn duration(time: TimeDelta) -> String {
    let seconds = time.num_seconds();
    match seconds {
        ..=0 => "–".to_string(),
        1..3600 => format!("{}m {:02}s", seconds / 60, seconds % 60),
        _ => format!("{}h {:02}m", seconds / 3600, seconds % 3600 / 60),
    }
}

/// A price: "$3", "$0.30", "$3.75", "$0.125".
fn money(usd: f64) -> String {
    if usd.fract() == 0.0 {
        return format!("${usd:.0}");
    }
    let text = format!("{usd:.3}");
    let text = text.strip_suffix('0').unwrap_or(&text);
    format!("${text}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_durations_and_counts_read_naturally() {
        assert_eq!(money(3.0), "$3");
        assert_eq!(money(3.0 * 0.1), "$0.30");
        assert_eq!(money(3.75), "$3.75");
        assert_eq!(money(0.125), "$0.125");
        assert_eq!(money(0.05), "$0.05");
        assert_eq!(duration(TimeDelta::zero()), "–");
        assert_eq!(duration(TimeDelta::minutes(5)), "5m 00s");
        assert_eq!(duration(TimeDelta::seconds(452)), "7m 32s");
        assert_eq!(duration(TimeDelta::minutes(65)), "1h 05m");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(grouped(12), "12");
    }
}
