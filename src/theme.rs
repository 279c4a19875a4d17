//! Semantic colour roles for every pane, loaded from a TOML theme or the terminal's ANSI palette.
//!
//! Invariant: panes never name a colour, only a role of [`Theme`]; the default theme uses the
//! terminal's own ANSI colours so clab looks native, and NO_COLOR strips every colour (keeping
//! bold/reverse so focus and selection stay visible).

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    pub text: Style,
    pub muted: Style,
    pub accent: Style,
    pub user: Style,
    pub assistant: Style,
    pub code_border: Style,
    pub stdout: Style,
    pub stderr: Style,
    pub exit_ok: Style,
    pub exit_fail: Style,
    pub file: Style,
    pub status_bar: Style,
    pub focus: Style,
    /// The syntect/two-face theme used to highlight code ("ansi" follows the terminal palette).
    pub syntax: String,
}

impl Theme {
    /// The default: the terminal's ANSI colours.
    pub fn ansi() -> Theme {
        let fg = |c: Color| Style::default().fg(c);
        Theme {
            name: "ansi".to_string(),
            text: Style::default(),
            muted: fg(Color::DarkGray),
            accent: fg(Color::Cyan),
            user: fg(Color::Green).add_modifier(Modifier::BOLD),
            assistant: Style::default(),
            code_border: fg(Color::DarkGray),
            stdout: Style::default(),
            stderr: fg(Color::Red),
            exit_ok: fg(Color::Green),
            exit_fail: fg(Color::Red).add_modifier(Modifier::BOLD),
            file: fg(Color::Yellow),
            status_bar: Style::default().add_modifier(Modifier::REVERSED),
            focus: fg(Color::Cyan).add_modifier(Modifier::BOLD),
            syntax: "ansi".to_string(),
        }
    }
}

impl Default for Theme {
    fn default() -> Theme {
        Theme::ansi()
    }
}
