//! Drawing the app from the model: one file per pane, overlays on top.
//!
//! Invariant: drawing reads the model and never changes it; it reads no clock and does no
//! I/O, so a frame is a function of the model (and of the cache, which only saves work).
//! What is kept between frames lives in [`RenderCache`], keyed by turn id, revision and width,
//! so a frame with no change lays out nothing and copies only the lines on screen: a frame
//! costs what is visible plus one sum over the turns, never the whole session's text.

mod cache;
#[cfg(test)]
mod chrome_tests;
mod code;
mod composer;
mod conversation;
mod files;
mod key_hints;
mod overlay;
pub mod picture;
mod preview;
#[cfg(test)]
mod preview_tests;
#[cfg(test)]
mod run_tests;
mod status;
#[cfg(test)]
mod tests;
mod text;
mod usage;
#[cfg(test)]
mod usage_tests;

use crate::model::Model;
use crate::model::layout::{MIN_HEIGHT, MIN_WIDTH, areas, too_small};
use crate::model::state::FileEntry;
use crate::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Paragraph};
use std::hash::{DefaultHasher, Hash, Hasher};

/// Whatever rendering keeps between frames (laid-out turns and code cards), keyed so that a
/// changed turn or a new width is laid out again and nothing else is. One cache serves one
/// theme: styles are baked into the cached lines.
#[derive(Debug, Default)]
pub struct RenderCache {
    conversation: conversation::Cache,
    code: code::Cache,
    /// The last frame's conversation view: how far it could scroll up, and how far up it was.
    conversation_view: (usize, usize),
    /// The previewed picture in the terminal's graphics protocol.
    pub pictures: picture::Pictures,
}

impl RenderCache {
    /// How many turns have been laid out, for the conversation or for the code pane, since
    /// this cache was made. A frame after an unchanged one adds 0.
    pub fn layouts(&self) -> u64 {
        self.conversation.layouts + self.code.layouts()
    }

    /// How far the conversation could scroll up in the last frame, and how far up it was
    /// (lines above the bottom).
    pub fn conversation_view(&self) -> (usize, usize) {
        self.conversation_view
    }
}

pub fn render(model: &Model, cache: &mut RenderCache, theme: &Theme, frame: &mut Frame) {
    let area = frame.area();
    if too_small(area.width, area.height) {
        draw_too_small(theme, frame, area);
        return;
    }
    let panes = areas(area, model.composer.lines().len(), model.preview.is_some());
    let files = Files::new(&model.files);
    cache.conversation_view = conversation::draw(
        model,
        &mut cache.conversation,
        &files,
        theme,
        frame,
        panes.conversation,
    );
    code::draw(model, &mut cache.code, &files, theme, frame, panes.code);
    self::files::draw(model, &mut cache.pictures, theme, frame, panes.files);
    composer::draw(model, theme, frame, panes.composer);
    status::draw(model, theme, frame, panes.status);
    if let Some(shown) = &model.overlay {
        overlay::draw(model, shown, theme, frame, area);
    }
}

fn draw_too_small(theme: &Theme, frame: &mut Frame, area: Rect) {
    let message = format!(
        "terminal too small — clab needs at least {MIN_WIDTH}×{MIN_HEIGHT} (now {}×{})",
        area.width, area.height
    );
    let lines: Vec<Line> = text::wrap(&message, area.width as usize)
        .into_iter()
        .map(Line::from)
        .collect();
    let height = (lines.len() as u16).min(area.height);
    let at = Rect::new(
        area.x,
        area.y + (area.height - height) / 2,
        area.width,
        height,
    );
    let paragraph = Paragraph::new(lines)
        .style(theme.text)
        .alignment(Alignment::Center);
    frame.render_widget(paragraph, at);
}

/// A pane's frame: a border, in the focus style when the pane has focus, and a title.
fn pane<'a>(title: impl Into<Line<'a>>, focused: bool, theme: &Theme) -> Block<'a> {
    let border = if focused { theme.focus } else { theme.muted };
    Block::bordered().border_style(border).title(title)
}

/// The files panel as seen by the views that name files by id, with a fingerprint of the
/// names so cached lines that show a name are laid out again when a name arrives.
struct Files<'a> {
    entries: &'a [FileEntry],
    fingerprint: u64,
}

impl<'a> Files<'a> {
    fn new(entries: &'a [FileEntry]) -> Files<'a> {
        let mut hasher = DefaultHasher::new();
        for entry in entries {
            (&entry.id, &entry.name).hash(&mut hasher);
        }
        Files {
            entries,
            fingerprint: hasher.finish(),
        }
    }

    /// The display name of file `id`: its name when the panel has it, else the id; safe to draw.
    fn name(&self, id: &str) -> String {
        let entry = self.entries.iter().find(|f| f.id.as_deref() == Some(id));
        text::flat(entry.map_or(id, |f| f.name.as_str()))
    }
}
