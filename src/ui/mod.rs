//! Drawing the app from the model: one file per pane, overlays on top.

use crate::model::Model;
use crate::theme::Theme;
use ratatui::Frame;

/// Whatever rendering keeps between frames (laid-out turns and cards), keyed so that a
/// changed turn or a new width is laid out again and nothing else is.
#[derive(Debug, Default)]
pub struct RenderCache {}

pub fn render(model: &Model, cache: &mut RenderCache, theme: &Theme, frame: &mut Frame) {
    let _ = (model, cache, theme, frame);
}
