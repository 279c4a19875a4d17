//! The status bar: model, session, demo mode, what the app is doing, the container, tokens and
//! estimated cost (tokens and container time, as the usage view counts them) on the left; the
//! latest notice on the right.
//!
//! Invariant: one line, never wrapped: when everything does not fit, the least useful items
//! are dropped whole (session name first, state last) rather than cut mid-word, and the
//! notice keeps at least half the bar, apart from the rest by at least two spaces and cut at
//! a word (the notices overlay has it whole). Times come from the model (the container's
//! `expires_at`, shown in UTC), never from the clock.

use super::text::{flat, str_width, truncate, truncate_words};
use crate::domain::container::Container;
use crate::domain::context;
use crate::model::Model;
use crate::model::state::TurnState;
use crate::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Columns between the left items and the notice, at least, counting the bar's last column.
const GAP: usize = 3;

/// An item of the bar and how much it matters (higher stays longer).
struct Item {
    keep: u8,
    span: Span<'static>,
}

pub(super) fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let width = area.width as usize;
    let mut items = left_items(model, theme);
    let notice = model.notice.as_deref().map(flat).unwrap_or_default();
    let notice_room = if notice.is_empty() {
        0
    } else {
        (str_width(&notice) + GAP).min(width / 2)
    };
    let left_width = |items: &[Item]| -> usize {
        let text: usize = items.iter().map(|i| i.span.width()).sum();
        1 + text + 3 * items.len().saturating_sub(1)
    };
    while items.len() > 1 && left_width(&items) + notice_room > width {
        let drop = (0..items.len()).min_by_key(|&i| items[i].keep).unwrap_or(0);
        items.remove(drop);
    }
    let mut spans = vec![Span::raw(" ")];
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" · "));
        }
        spans.push(item.span);
    }
    let used: usize = spans.iter().map(Span::width).sum();
    let room = width.saturating_sub(used + GAP);
    if !notice.is_empty() && room > 1 {
        let notice = truncate_words(&notice, room);
        let pad = width.saturating_sub(used + str_width(&notice) + 1);
        spans.push(Span::raw(" ".repeat(pad)));
        spans.push(Span::raw(notice));
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(theme.status_bar),
        area,
    );
}

fn left_items(model: &Model, theme: &Theme) -> Vec<Item> {
    let item = |keep, span| Item { keep, span };
    let mut items = vec![item(5, Span::raw(flat(&model.settings.model)))];
    if let Some(name) = &model.session_name {
        items.push(item(0, Span::raw(truncate(&flat(name), 24))));
    }
    if model.demo {
        let bold = theme.status_bar.add_modifier(Modifier::BOLD);
        items.push(item(8, Span::styled("DEMO", bold)));
    }
    let state = match &model.state {
        TurnState::Loading => "loading".to_string(),
        TurnState::Idle => "idle".to_string(),
        TurnState::Uploading => "uploading".to_string(),
        TurnState::Streaming { .. } => "streaming".to_string(),
        TurnState::Failed(why) => format!("error: {}", truncate(&flat(why), 40)),
    };
    items.push(item(9, Span::raw(state)));
    if let Some(meter) = context_meter(model, theme) {
        items.push(item(6, meter));
    }
    if model.compact_next {
        items.push(item(7, Span::raw("compact next")));
    }
    if !model.skills.is_empty() {
        let skills = format!("skills {}", model.skills.join(","));
        items.push(item(2, Span::raw(truncate(&flat(&skills), 28))));
    }
    if let Some(container) = &model.container {
        items.push(item(1, Span::raw(container_label(container))));
    }
    let usage = &model.usage;
    let read =
        usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens;
    let tokens = format!(
        "in {} / out {}",
        compact(read),
        compact(usage.output_tokens)
    );
    items.push(item(3, Span::raw(tokens)));
    let cost = dollars(model.session_usd());
    items.push(item(4, Span::raw(cost)));
    items
}

/// "ctx 61% of 200k": the newest prompt against the model's window, in the bar's colours
/// below 70 %, bold in the accent colour from 70 %, reversed in the failure colour from 90 %,
/// when the window is nearly full.
fn context_meter(model: &Model, theme: &Theme) -> Option<Span<'static>> {
    let used = model
        .turns
        .iter()
        .rev()
        .map(|t| t.context.prompt_tokens)
        .find(|&n| n > 0)?;
    let window = context::window(&model.settings.model);
    let percent = (used.saturating_mul(100) / window.max(1)).min(999);
    let text = format!("ctx {percent}% of {}", context::thousands(window));
    let style = match percent {
        0..70 => theme.status_bar,
        70..90 => theme
            .status_bar
            .patch(theme.accent)
            .add_modifier(Modifier::BOLD),
        _ => theme
            .status_bar
            .patch(theme.exit_fail)
            .add_modifier(Modifier::BOLD | Modifier::REVERSED),
    };
    Some(Span::styled(text, style))
}

/// "ctr ab12… until 14:05 UTC".
fn container_label(container: &Container) -> String {
    let id = flat(&container.id);
    let id = id.strip_prefix("container_").unwrap_or(&id);
    let short: String = id.chars().take(4).collect();
    let until = container
        .expires_at
        .as_deref()
        .and_then(|at| chrono::DateTime::parse_from_rfc3339(at).ok())
        .map(|at| {
            format!(
                " until {}",
                at.with_timezone(&chrono::Utc).format("%H:%M UTC")
            )
        });
    format!("ctr {short}…{}", until.unwrap_or_default())
}

/// Token counts as "812", "1.2k", "3.4M".
pub(super) fn compact(n: u64) -> String {
    match n {
        0..1_000 => n.to_string(),
        1_000..999_950 => format!("{:.1}k", n as f64 / 1e3),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}

/// An estimate in dollars: "~$0.02", "<$0.01", "~$120".
pub(super) fn dollars(usd: f64) -> String {
    if usd > 0.0 && usd < 0.005 {
        "<$0.01".to_string()
    } else if usd < 100.0 {
        format!("~${usd:.2}")
    } else {
        format!("~${usd:.0}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        assert_eq!(compact(812), "812");
        assert_eq!(compact(1_234), "1.2k");
        assert_eq!(compact(3_400_000), "3.4M");
        assert_eq!(dollars(0.0), "~$0.00");
        assert_eq!(dollars(0.001), "<$0.01");
        assert_eq!(dollars(0.0234), "~$0.02");
        assert_eq!(dollars(123.4), "~$123");
    }

    #[test]
    fn the_container_expiry_is_shown_in_utc() {
        let container = Container {
            id: "container_ab12cd34".into(),
            expires_at: Some("2026-11-27T15:05:00+01:00".into()),
        };
        assert_eq!(container_label(&container), "ctr ab12… until 14:05 UTC");
        let unknown = Container {
            id: "ctr_x".into(),
            expires_at: Some("soon".into()),
        };
        assert_eq!(container_label(&unknown), "ctr ctr_…");
    }
}
