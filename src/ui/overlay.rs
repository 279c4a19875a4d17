//! Popups over the panes: help, the no-key dialog, the attach prompt, confirmations, usage
//! (laid out in `usage`).
//!
//! Invariant: a popup clears what is under it and is sized to its content, capped by the
//! screen; its text is wrapped here to the popup's width, so nothing it says is clipped at 60
//! columns. Paths, names and errors pass through `flat`; the keys in help come from the
//! keymap in force.

use super::key_hints::key_label;
use super::text::{flat, str_width, tail, truncate, wrap_prefixed};
use crate::domain::attachment::GivenAs;
use crate::model::Model;
use crate::model::keymap::{Action, Context};
use crate::model::skills_picker;
use crate::model::state::{AttachPrompt, Overlay};
use crate::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Paragraph};

/// Candidates listed under the attach prompt.
const CANDIDATES: usize = 8;

pub(super) fn draw(model: &Model, overlay: &Overlay, theme: &Theme, frame: &mut Frame, area: Rect) {
    let room = area.width.saturating_sub(8) as usize;
    let mut min_width = 0;
    let mut scrolls = false;
    let (title, lines) = match overlay {
        Overlay::Help { scroll } => {
            let (lines, more) = help(model, *scroll, theme, area.height);
            scrolls = more;
            (" help ", lines)
        }
        Overlay::NoKey => (
            " No API key ",
            no_key(model.settings.config_path.as_deref(), room.min(64), theme),
        ),
        Overlay::Attach(prompt) => {
            min_width = room.min(72);
            (" attach ", attach(prompt, min_width, theme))
        }
        Overlay::ConfirmDelete { file_id, name } => {
            let text = format!(
                "Delete {} ({}) from the Files API? y/n",
                flat(name),
                flat(file_id)
            );
            (
                " delete ",
                wrap_prefixed(&text, room.min(60), "", "", theme.text),
            )
        }
        Overlay::ConfirmPasteAttach { path, .. } => {
            let path = flat(&path.display().to_string());
            let text = format!("Attach {path}? y/n (n pastes the text)");
            (
                " attach ",
                wrap_prefixed(&text, room.min(60), "", "", theme.text),
            )
        }
        Overlay::Usage { back } => {
            let (lines, more) = super::usage::lines(model, *back, room, area.height, theme);
            scrolls = more;
            (" usage ", lines)
        }
        Overlay::Notices => (
            " notices ",
            notices(&model.notice_log, room.min(100), area.height, theme),
        ),
        Overlay::Skills { cursor } => (" skills ", skills(model, *cursor, theme)),
    };
    let closes = match overlay {
        Overlay::Usage { .. } | Overlay::Help { .. } if scrolls => Some(" ↑↓ scroll · Esc closes "),
        Overlay::Help { .. } | Overlay::Usage { .. } | Overlay::Notices => Some(" Esc closes "),
        Overlay::Skills { .. } => Some(" Space turns on/off · Esc closes "),
        _ => None,
    };
    popup(frame, area, (title, closes), lines, min_width, theme);
}

/// The skills picker: a check box, the id and what it makes, the highlighted row reversed.
fn skills(model: &Model, cursor: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::styled(
            "Loaded into the code container of the next messages:",
            theme.muted,
        ),
        Line::default(),
    ];
    for (i, row) in skills_picker::rows(model).into_iter().enumerate() {
        let mark = if row.on { "[x]" } else { "[ ]" };
        let text = format!("{mark} {:<6} {}", flat(&row.id), row.what);
        let style = if i == cursor {
            theme.focus.add_modifier(ratatui::style::Modifier::REVERSED)
        } else if row.on {
            theme.text
        } else {
            theme.muted
        };
        lines.push(Line::styled(text, style));
    }
    lines
}

/// The newest notices that fit `height`, wrapped to `width`, oldest first.
fn notices(log: &[String], width: usize, height: u16, theme: &Theme) -> Vec<Line<'static>> {
    if log.is_empty() {
        return vec![Line::styled("No notices yet.", theme.muted)];
    }
    let room = height.saturating_sub(6).max(1) as usize;
    let mut lines: Vec<Line<'static>> = Vec::new();
    for notice in log.iter().rev() {
        let wrapped = wrap_prefixed(&flat(notice), width, "• ", "  ", theme.text);
        if lines.len() + wrapped.len() > room {
            break;
        }
        lines.splice(0..0, wrapped);
    }
    lines
}

/// `lines` in a bordered box centred in `area`, over a cleared background, at least
/// `min_width` columns inside; titled at the top, with an optional hint at the bottom.
fn popup(
    frame: &mut Frame,
    area: Rect,
    (title, bottom): (&str, Option<&str>),
    lines: Vec<Line<'static>>,
    min_width: usize,
    theme: &Theme,
) {
    let content = lines.iter().map(Line::width).max().unwrap_or(0);
    let content = content.max(str_width(title)).max(min_width);
    let width = (content as u16 + 4).min(area.width);
    let height = (lines.len() as u16 + 2).min(area.height);
    let at = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    let mut block = Block::bordered()
        .border_style(theme.focus)
        .title(Span::styled(title.to_string(), theme.accent))
        .padding(Padding::horizontal(1));
    if let Some(hint) = bottom {
        block = block.title_bottom(Line::styled(hint.to_string(), theme.muted).right_aligned());
    }
    frame.render_widget(Clear, at);
    frame.render_widget(Paragraph::new(lines).block(block).style(theme.text), at);
}

/// Bindings grouped by where they work, then the fixed navigation keys; cut with a note when
/// the screen is too short for all of them.
/// The help rows from `scroll` on that fit `screen_rows`, and whether some are out of view.
fn help(
    model: &Model,
    scroll: usize,
    theme: &Theme,
    screen_rows: u16,
) -> (Vec<Line<'static>>, bool) {
    let mut rows: Vec<(&str, String, &str)> = Vec::new();
    for (context, label) in [
        (Context::Anywhere, "anywhere"),
        (Context::Panes, "in panes"),
        (Context::Composer, "composer"),
        (Context::Files, "files"),
    ] {
        let mut actions: Vec<(Action, Vec<String>)> = Vec::new();
        for b in model
            .settings
            .keymap
            .bindings
            .iter()
            .filter(|b| b.context == context)
        {
            let key = key_label(b.code, b.mods);
            match actions.iter_mut().find(|(a, _)| *a == b.action) {
                Some((_, keys)) => keys.push(key),
                None => actions.push((b.action, vec![key])),
            }
        }
        for (i, (action, keys)) in actions.into_iter().enumerate() {
            let label = if i == 0 { label } else { "" };
            rows.push((label, keys.join(", "), action.describe()));
        }
    }
    for (i, (keys, what)) in [
        (
            "↑/↓ j/k",
            "move the selection (conversation: from run to run)",
        ),
        ("PgUp/PgDn", "scroll a page"),
        ("Home/End g/G", "to the top / the bottom"),
        (
            "Enter",
            "on a code run: preview its plot, else show its code",
        ),
        ("mouse wheel", "scroll the pane under the pointer"),
        ("↑/↓", "in an empty message: your earlier messages"),
        ("←/→ h/l", "in a table preview: scroll sideways"),
    ]
    .into_iter()
    .enumerate()
    {
        rows.push((if i == 0 { "navigate" } else { "" }, keys.to_string(), what));
    }
    let key_width = rows.iter().map(|(_, k, _)| str_width(k)).max().unwrap_or(0);
    let fits = (screen_rows as usize).saturating_sub(2);
    let mut lines: Vec<Line<'static>> = rows
        .iter()
        .map(|(context, keys, what)| {
            let pad = " ".repeat(key_width - str_width(keys));
            Line::from(vec![
                Span::styled(format!("{context:<9} "), theme.muted),
                Span::styled(format!("{keys}{pad}  "), theme.accent),
                Span::styled(what.to_string(), theme.text),
            ])
        })
        .collect();
    if lines.len() <= fits {
        return (lines, false);
    }
    let shown = fits.saturating_sub(1).max(1);
    let top = scroll.min(lines.len().saturating_sub(shown));
    let below = lines.len() - top - shown.min(lines.len() - top);
    let mut view: Vec<Line<'static>> = lines.drain(top..).take(shown).collect();
    let where_ = match (top, below) {
        (0, n) => format!("… {n} more below (↓ scrolls)"),
        (n, 0) => format!("… {n} more above (↑ scrolls)"),
        (a, b) => format!("… {a} above, {b} below"),
    };
    view.push(Line::styled(where_, theme.muted));
    (view, true)
}

fn no_key(config: Option<&std::path::Path>, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let say = |text: &str| wrap_prefixed(text, width, "", "", theme.text);
    let code = |text: &str| Line::styled(format!("    {text}"), theme.accent);
    let mut lines =
        say("clab talks to the Anthropic API and needs an API key. Set one in the environment:");
    lines.push(Line::default());
    lines.push(code("export ANTHROPIC_API_KEY=sk-ant-..."));
    lines.push(Line::default());
    let file = config.map_or_else(
        || "clab's config.toml".to_string(),
        |p| flat(&p.display().to_string()),
    );
    lines.extend(say(&format!("or name a command that prints it in {file}:")));
    lines.push(Line::default());
    lines.push(code("api_key_command = \"pass show anthropic\""));
    lines.push(Line::default());
    lines.push(Line::from(vec![
        Span::styled("d", theme.focus),
        Span::styled(" — start the offline demo · ", theme.text),
        Span::styled("Esc", theme.focus),
        Span::styled(" — look around · ", theme.text),
        Span::styled("q", theme.focus),
        Span::styled(" — quit", theme.text),
    ]));
    lines
}

fn attach(prompt: &AttachPrompt, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let label = "Attach a file: ";
    let room = width.saturating_sub(label.len() + 1);
    let cursor = Span::styled("▏", theme.focus);
    let typed = match (&prompt.suggestion, prompt.input.is_empty()) {
        // The cursor stands before the suggestion: typing replaces it.
        (Some(suggestion), true) => vec![
            cursor,
            Span::styled(tail(&flat(suggestion), room), theme.muted),
        ],
        _ => vec![
            Span::styled(tail(&flat(&prompt.input), room), theme.text),
            cursor,
        ],
    };
    let mut lines = vec![Line::from(
        [vec![Span::styled(label, theme.muted)], typed].concat(),
    )];
    for candidate in prompt.candidates.iter().take(CANDIDATES) {
        let candidate = tail(&flat(candidate), width.saturating_sub(2));
        lines.push(Line::styled(format!("  {candidate}"), theme.file));
    }
    if prompt.candidates.len() > CANDIDATES {
        let more = format!("  … {} more", prompt.candidates.len() - CANDIDATES);
        lines.push(Line::styled(more, theme.muted));
    }
    if let Some(error) = &prompt.error {
        lines.extend(wrap_prefixed(&flat(error), width, "", "", theme.stderr));
    } else if prompt.checking {
        lines.push(Line::styled("checking…", theme.muted));
    }
    let mode = match prompt.mode {
        None => {
            "by kind: PDFs and pictures to read and in the container, the rest in the container"
        }
        Some(GivenAs::Container) => "in the container only",
        Some(GivenAs::Read) => "to read directly only (PDFs and pictures)",
        Some(GivenAs::Both) => "to read directly and in the container",
    };
    lines.extend(wrap_prefixed(
        mode,
        width,
        "Claude gets it ",
        "  ",
        theme.muted,
    ));
    lines.push(Line::default());
    let hint = if prompt.suggestion.is_some() && prompt.input.is_empty() {
        "Enter attaches the sample · or type a path · Ctrl-T mode · Esc cancels"
    } else {
        "Tab completes · Ctrl-T mode · Enter attaches · Esc cancels"
    };
    lines.push(Line::styled(truncate(hint, width), theme.muted));
    lines
}
