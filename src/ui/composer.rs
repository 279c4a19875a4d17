//! The composer: the message being written, in a bordered box that says what a send would do.
//!
//! Invariant: the box is drawn around the model's `TextArea` rather than set on it, because
//! drawing never changes the model; the text area is drawn into the box's inner area, so it
//! measures its viewport exactly as if it owned the border.

use super::key_hints::first_key;
use super::pane;
use crate::model::Model;
use crate::model::keymap::Action;
use crate::model::state::{Focus, TurnState};
use crate::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

pub(super) fn draw(model: &Model, theme: &Theme, frame: &mut Frame, area: Rect) {
    let mut block = pane(
        Span::styled(" message ", theme.accent),
        model.focus == Focus::Composer,
        theme,
    );
    if let Some(state) = state(model) {
        block = block.title(Line::styled(format!(" {state} "), theme.muted).right_aligned());
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    frame.render_widget(&model.composer, inner);
}

/// What sending would do now, or what is in the way.
fn state(model: &Model) -> Option<String> {
    let keymap = &model.settings.keymap;
    match &model.state {
        TurnState::Loading => Some("loading the session…".into()),
        TurnState::Uploading if model.queued.is_some() => Some("uploading… sends when done".into()),
        TurnState::Uploading => Some("uploading…".into()),
        TurnState::Streaming { .. } => Some(match first_key(keymap, Action::Cancel) {
            Some(key) => format!("streaming… {key} stops"),
            None => "streaming…".into(),
        }),
        TurnState::Idle | TurnState::Failed(_) => {
            let send = first_key(keymap, Action::Send)?;
            Some(match first_key(keymap, Action::Newline) {
                Some(newline) => format!("{send} sends · {newline} new line"),
                None => format!("{send} sends"),
            })
        }
    }
}
