//! The skills picker: which Agent Skills the session's next turns load into the container.
//!
//! Invariant: the picker edits `Model::skills` in place and nothing else; the list it shows
//! is Anthropic's skills followed by the session's custom ones, so a custom skill given with
//! `--skill` or resumed from the session can be switched off and on again while the picker is
//! open. The engine stores the skills with the session when the next turn starts.

use super::state::{Model, Overlay};
use crate::domain::skills;
use crate::model::effect::Effect;
use ratatui::crossterm::event::{KeyCode, KeyEvent};

/// One row of the picker: a skill id, what it makes, and whether it is loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub id: String,
    pub what: String,
    pub on: bool,
}

/// The picker's rows: Anthropic's skills, then the custom ones of the session.
pub fn rows(model: &Model) -> Vec<Row> {
    let mut rows: Vec<Row> = skills::ANTHROPIC
        .iter()
        .map(|(id, what)| Row {
            id: id.to_string(),
            what: what.to_string(),
            on: model.skills.iter().any(|s| s == id),
        })
        .collect();
    rows.extend(
        model
            .skills
            .iter()
            .chain(&model.settings.added_skills)
            .filter(|s| !skills::is_anthropic(s))
            .fold(Vec::<&String>::new(), |mut seen, s| {
                if !seen.contains(&s) {
                    seen.push(s);
                }
                seen
            })
            .into_iter()
            .map(|id| Row {
                id: id.clone(),
                what: "custom skill".into(),
                on: model.skills.contains(id),
            }),
    );
    rows
}

impl Model {
    pub(super) fn skills_key(&mut self, cursor: usize, key: KeyEvent) -> Vec<Effect> {
        let rows = rows(self);
        let last = rows.len().saturating_sub(1);
        let cursor = match key.code {
            KeyCode::Up | KeyCode::Char('k') => cursor.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => (cursor + 1).min(last),
            KeyCode::Char(' ') | KeyCode::Enter => {
                if let Some(row) = rows.get(cursor) {
                    self.toggle_skill(&row.id);
                }
                cursor
            }
            _ => return Vec::new(),
        };
        self.overlay = Some(Overlay::Skills { cursor });
        vec![Effect::Redraw]
    }

    fn toggle_skill(&mut self, id: &str) {
        if let Some(at) = self.skills.iter().position(|s| s == id) {
            self.skills.remove(at);
        } else if self.skills.len() < skills::MAX_PER_REQUEST {
            self.skills.push(id.to_string());
        } else {
            self.notice = Some(format!(
                "a request loads at most {} skills",
                skills::MAX_PER_REQUEST
            ));
            return;
        }
        self.notice = Some(if self.skills.is_empty() {
            "no skills: the next message loads none".to_string()
        } else {
            format!("the next message loads {}", self.skills.join(", "))
        });
    }
}
