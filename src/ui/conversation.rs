//! The conversation pane: the user's messages and Claude's answers, scrolled from the bottom.
//!
//! Invariant: a turn is laid out only when it changed (see [`TurnCache`]); a frame sums the
//! cached heights and clones only the lines in view, so an idle frame costs the viewport, not
//! the session. The streaming text block shows its
//! finished paragraphs as markdown and the paragraph being written as plain text, so
//! half-written markdown (an open `**` or fence) does not restyle the screen on every delta.

use super::cache::TurnCache;
use super::text::{clean, fit, flat, wrap, wrap_prefixed};
use super::{Files, key_hints, pane};
use crate::domain::execution::{Execution, STOPPED, executions, is_code_tool};
use crate::domain::session::MessageState;
use crate::model::Model;
use crate::model::keymap::Action;
use crate::model::state::{AnswerState, Focus, Turn, TurnState};
use crate::render::markdown::render_markdown;
use crate::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use serde_json::Value;

/// Each turn's lines, laid out for the pane's width.
pub(super) type Cache = TurnCache<Laid>;

/// One turn laid out.
#[derive(Debug)]
pub(super) struct Laid {
    lines: Vec<Line<'static>>,
    /// The line of each code run's marker, in the order of `model.code_selected`.
    runs: Vec<usize>,
}

/// All lines of the conversation, with one blank line between turns.
fn total_height(cache: &Cache) -> usize {
    let lines: usize = cache.values().map(|t| t.lines.len()).sum();
    let turns = cache.values().count();
    lines + turns.saturating_sub(1)
}

/// The line (counted from the top of the conversation) of code run `selected`'s marker.
fn run_line(cache: &Cache, selected: usize) -> Option<usize> {
    let (mut offset, mut seen) = (0, 0);
    for (i, turn) in cache.values().enumerate() {
        if i > 0 {
            offset += 1;
        }
        if let Some(line) = turn.runs.get(selected - seen) {
            return Some(offset + line);
        }
        seen += turn.runs.len();
        offset += turn.lines.len();
    }
    None
}

/// `top` if it shows `line` with a line of context on either side; else the top that puts
/// `line` a third of the way down, so what led to it shows above it.
fn top_showing(line: usize, top: usize, height: usize, total: usize) -> usize {
    let top = if line > top && line + 2 <= top + height {
        top
    } else {
        line.saturating_sub(height / 3)
    };
    top.min(total.saturating_sub(height))
}

/// The `height` lines starting at line `top`, cloned from the turns they belong to.
fn window(cache: &Cache, top: usize, height: usize) -> Vec<Line<'static>> {
    let end = top + height;
    let mut out = Vec::with_capacity(height);
    let mut offset = 0;
    for (i, turn) in cache.values().enumerate() {
        let lines = &turn.lines;
        if i > 0 {
            if (top..end).contains(&offset) {
                out.push(Line::default());
            }
            offset += 1;
        }
        if offset >= end {
            break;
        }
        if offset + lines.len() > top {
            let from = top.saturating_sub(offset);
            let to = (end - offset).min(lines.len());
            out.extend(lines[from..to].iter().cloned());
        }
        offset += lines.len();
    }
    out
}

/// Draws the pane; returns how far it could scroll up (lines above the view at the top) and
/// how far up it shows (lines below the view). The selected code run's marker is highlighted
/// while the pane has the focus, and brought into view when the selection just moved.
pub(super) fn draw(
    model: &Model,
    cache: &mut Cache,
    files: &Files,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) -> (usize, usize) {
    let inner = Block::bordered().inner(area);
    let height = inner.height as usize;
    cache.update(&model.turns, inner.width, files, |turn| {
        lay_out(turn, files, inner.width as usize, theme)
    });
    let total = total_height(cache);
    let max_back = total.saturating_sub(height);
    let mut back = model.conversation.back.min(max_back);
    let mut top = total.saturating_sub(height + back);
    let selected = run_line(cache, model.code_selected);
    if let (Some(line), true) = (selected, model.conversation.follow_run) {
        top = top_showing(line, top, height, total);
        back = total.saturating_sub(height + top);
    }
    let title = model
        .session_name
        .as_deref()
        .map_or_else(|| "conversation".to_string(), flat);
    let mut block = pane(
        Span::styled(format!(" {title} "), theme.accent),
        model.focus == Focus::Conversation,
        theme,
    );
    if back > 0 {
        block = block.title(Line::styled(format!(" ↑ {back} more "), theme.muted).right_aligned());
    }
    frame.render_widget(block, area);
    let mut lines = if model.turns.is_empty() {
        empty_hint(model, theme)
    } else {
        window(cache, top, height)
    };
    if let (Some(line), true) = (selected, model.focus == Focus::Conversation)
        && let Some(shown) = line.checked_sub(top).and_then(|at| lines.get_mut(at))
    {
        let highlight = theme.focus.add_modifier(Modifier::REVERSED);
        *shown = std::mem::take(shown).style(highlight);
    }
    frame.render_widget(Paragraph::new(lines), inner);
    (max_back, back)
}

fn empty_hint(model: &Model, theme: &Theme) -> Vec<Line<'static>> {
    let attach = key_hints::first_key(&model.settings.keymap, Action::Attach);
    let hint = match (&model.state, attach) {
        (TurnState::Loading, _) => "Loading the session…".to_string(),
        (_, Some(key)) => format!("Attach data with {key}, then ask about it below."),
        (_, None) => "Ask about your data below.".to_string(),
    };
    vec![Line::styled(hint, theme.muted)]
}

fn block_type(block: &Value) -> Option<&str> {
    block.get("type").and_then(Value::as_str)
}

/// One turn's lines for a pane `width` wide, and whether they name a file of the panel.
fn lay_out(turn: &Turn, files: &Files, width: usize, theme: &Theme) -> (Laid, bool) {
    // Rows already fitted to the width, and the lines still to fit.
    let mut fitted = Vec::new();
    let mut lines = Vec::new();
    let mut code_runs = Vec::new();
    let mut names_files = false;
    let mut prefix = "› ";
    for block in &turn.user {
        match block_type(block) {
            Some("text") => {
                let text = clean(block["text"].as_str().unwrap_or(""));
                lines.extend(wrap_prefixed(&text, width, prefix, "  ", theme.user));
                prefix = "  ";
            }
            Some("container_upload") => {
                names_files = true;
                let name = files.name(block["file_id"].as_str().unwrap_or("?"));
                lines.push(Line::from(vec![
                    Span::styled("  + attached ", theme.muted),
                    Span::styled(name, theme.file),
                ]));
            }
            Some("document" | "image") if block.pointer("/source/file_id").is_some() => {
                names_files = true;
                let name = files.name(block["source"]["file_id"].as_str().unwrap_or("?"));
                lines.push(Line::from(vec![
                    Span::styled("  + to read ", theme.muted),
                    Span::styled(name, theme.file),
                ]));
            }
            _ if block.is_null() => {}
            other => lines.push(unknown(other, theme)),
        }
    }
    for notice in &turn.notices {
        lines.extend(wrap_prefixed(
            &clean(notice),
            width,
            "  ↻ ",
            "    ",
            theme.muted,
        ));
    }
    let streaming = turn.state == AnswerState::Streaming;
    let runs = executions(&turn.assistant);
    let last_text = turn
        .assistant
        .iter()
        .rposition(|b| block_type(b) == Some("text"))
        .filter(|_| streaming);
    let mut ends_in_tail = false;
    for (i, block) in turn.assistant.iter().enumerate() {
        ends_in_tail = false;
        match block_type(block) {
            Some("text") => {
                let text = clean(block["text"].as_str().unwrap_or(""));
                if last_text == Some(i) {
                    ends_in_tail = streaming_text(&text, width, theme, &mut lines);
                } else {
                    lines.extend(markdown(&text, width, theme));
                }
            }
            Some("server_tool_use") => {
                if block["name"].as_str().is_some_and(is_code_tool) {
                    // What came before is fitted now, so the marker's index is its row.
                    fitted.extend(fit(std::mem::take(&mut lines), width));
                    code_runs.push(fitted.len());
                }
                let id = block["id"].as_str().unwrap_or("");
                if let Some(run) = runs.iter().find(|r| r.tool_use_id == id) {
                    lines.push(run_marker(run, streaming, theme));
                }
            }
            Some("compaction") => {
                let marker = turn
                    .context
                    .lines()
                    .into_iter()
                    .find(|l| l.starts_with("context compacted"))
                    .unwrap_or_else(|| "context compacted: earlier turns summarized".into());
                lines.push(Line::styled(format!("⇣ {marker}"), theme.muted));
            }
            Some("thinking") => {
                let chars = block["thinking"].as_str().map_or(0, |t| t.chars().count());
                lines.push(Line::styled(
                    format!("∴ thinking ({chars} chars)"),
                    theme.muted,
                ));
            }
            _ if block.is_null() || block.get("tool_use_id").is_some() => {}
            other => lines.push(unknown(other, theme)),
        }
    }
    state_line(turn, width, ends_in_tail, theme, &mut lines);
    fitted.extend(fit(lines, width));
    let laid = Laid {
        lines: fitted,
        runs: code_runs,
    };
    (laid, names_files)
}

fn unknown(kind: Option<&str>, theme: &Theme) -> Line<'static> {
    let kind = kind.map_or_else(|| "unknown".to_string(), flat);
    Line::styled(format!("[{kind} block]"), theme.muted)
}

/// Finished markdown, without trailing blank lines so spacing between blocks is ours.
fn markdown(text: &str, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = render_markdown(text, width as u16, theme);
    while lines
        .last()
        .is_some_and(|l| l.spans.iter().all(|s| s.content.trim().is_empty()))
    {
        lines.pop();
    }
    lines
}

/// The text block being streamed: markdown up to its last paragraph break, the paragraph
/// being written as plain wrapped text. True when that plain tail ends the lines.
fn streaming_text(text: &str, width: usize, theme: &Theme, lines: &mut Vec<Line<'static>>) -> bool {
    let (head, tail) = match text.rfind("\n\n") {
        Some(at) => (&text[..at], &text[at + 2..]),
        None => ("", text),
    };
    if !head.trim().is_empty() {
        lines.extend(markdown(head, width, theme));
    }
    if tail.trim().is_empty() {
        return false;
    }
    if !head.trim().is_empty() {
        lines.push(Line::default());
    }
    lines.extend(
        wrap(tail.trim_end_matches('\n'), width)
            .into_iter()
            .map(|l| Line::styled(l, theme.assistant)),
    );
    true
}

/// "▸ ran bash · exit 0 · 2 files"; without a result, "▸ running bash…" while the answer
/// streams and "▸ bash · stopped before it finished" after.
fn run_marker(run: &Execution, streaming: bool, theme: &Theme) -> Line<'static> {
    let label = flat(&run.label());
    let Some(result) = &run.result else {
        if !streaming {
            return Line::styled(format!("▸ {label} · {STOPPED}"), theme.muted);
        }
        return Line::styled(format!("▸ running {label}…"), theme.accent);
    };
    let mut spans = vec![Span::styled(format!("▸ ran {label}"), theme.accent)];
    let sep = || Span::styled(" · ", theme.muted);
    if let Some(code) = &result.error_code {
        spans.extend([
            sep(),
            Span::styled(format!("error {}", flat(code)), theme.exit_fail),
        ]);
    } else if let Some(code) = result.return_code {
        let style = if code == 0 {
            theme.exit_ok
        } else {
            theme.exit_fail
        };
        spans.extend([sep(), Span::styled(format!("exit {code}"), style)]);
    }
    match result.output_file_ids.len() {
        0 => {}
        1 => spans.extend([sep(), Span::styled("1 file", theme.file)]),
        n => spans.extend([sep(), Span::styled(format!("{n} files"), theme.file)]),
    }
    Line::from(spans)
}

/// How the answer ended, when that is worth a line; the cursor while it streams.
fn state_line(
    turn: &Turn,
    width: usize,
    ends_in_tail: bool,
    theme: &Theme,
    lines: &mut Vec<Line<'static>>,
) {
    let muted = |text: &str| Line::styled(text.to_string(), theme.muted);
    match &turn.state {
        AnswerState::Streaming => match lines.last_mut() {
            Some(last) if ends_in_tail && last.width() < width => {
                last.push_span(Span::styled("▍", theme.accent));
            }
            _ => lines.push(Line::styled("▍", theme.accent)),
        },
        AnswerState::Done(MessageState::Complete) => {}
        AnswerState::Done(MessageState::Cancelled) => {
            lines.push(muted("— stopped; partial answer kept"))
        }
        AnswerState::Done(MessageState::Cut) => {
            lines.push(muted("— the connection closed mid-answer"))
        }
        AnswerState::Done(MessageState::Failed(why)) => {
            lines.extend(wrap_prefixed(&flat(why), width, "— ", "  ", theme.stderr))
        }
    }
}
