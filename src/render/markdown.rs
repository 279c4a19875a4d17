//! Assistant markdown to styled, wrapped terminal lines.

use crate::theme::Theme;
use ratatui::text::Line;

/// `src` rendered for a pane `width` columns wide. Every line fits `width`.
pub fn render_markdown(src: &str, width: u16, theme: &Theme) -> Vec<Line<'static>> {
    let _ = (width, theme);
    src.lines().map(|l| Line::raw(l.to_string())).collect()
}
