//! The code pane: every code run of the session as a card — what ran, how it ended, what it
//! printed and which files it made.
//!
//! Invariant: cards are built (highlighted, wrapped) only when their turn changed (see
//! [`TurnCache`]); a frame only sums card heights and copies the cards in view. Runs are
//! counted as the model counts them (web search and fetch are not code), so
//! `model.code_selected` names the same card here. The view scrolls as little as needed to
//! keep the selected card in sight, remembering its top line in the cache.

use super::cache::TurnCache;
use super::text::{clean, fit, fit_code, flat};
use super::{Files, pane};
use crate::domain::execution::{Execution, executions, without_result};
use crate::model::Model;
use crate::model::state::{AnswerState, Focus, Turn};
use crate::render::heredoc::highlight_shell;
use crate::render::highlight::highlight_code;
use crate::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use serde_json::Value;

/// Lines of code, and of output, an unselected card shows.
const PREVIEW: usize = 6;

/// Gutter marks: the card's first line, its code, its output.
const HEADER: &str = "╭ ";
const CODE: &str = "│ ";
const OUTPUT: &str = "┊ ";

#[derive(Debug, Default)]
pub(super) struct Cache {
    /// Each turn's cards, laid out for the pane's width.
    turns: TurnCache<Vec<Card>>,
    /// The first line in view, so moving the selection scrolls only as far as needed.
    top: usize,
}

impl Cache {
    /// Turns laid out since the cache was made.
    pub(super) fn layouts(&self) -> u64 {
        self.turns.layouts
    }
}

#[derive(Debug)]
struct Card {
    header: Line<'static>,
    code: Vec<Line<'static>>,
    output: Vec<Line<'static>>,
}

impl Card {
    /// Rows the card takes: all of it (up to the pane) when selected, a preview otherwise.
    fn rows(&self, selected: bool, pane: usize) -> usize {
        if selected {
            (1 + self.code.len() + self.output.len()).min(pane.max(1))
        } else {
            1 + preview_rows(self.code.len()) + preview_rows(self.output.len())
        }
    }

    /// The card's lines as shown, each behind its gutter mark (header, code, output); the
    /// selected card's body scrolled by `scroll` lines.
    fn lines(
        &self,
        selected: bool,
        scroll: usize,
        pane: usize,
        theme: &Theme,
    ) -> Vec<(&'static str, Line<'static>)> {
        let mut out = vec![(HEADER, self.header.clone())];
        let code = self.code.iter().map(|l| (CODE, l.clone()));
        let output = self.output.iter().map(|l| (OUTPUT, l.clone()));
        if selected {
            let rows = self.rows(true, pane) - 1;
            let body = self.code.len() + self.output.len();
            out.extend(code.chain(output).skip(scroll.min(body - rows)).take(rows));
        } else {
            out.extend(preview(&self.code, theme).into_iter().map(|l| (CODE, l)));
            out.extend(
                preview(&self.output, theme)
                    .into_iter()
                    .map(|l| (OUTPUT, l)),
            );
        }
        out
    }
}

fn preview_rows(n: usize) -> usize {
    n.min(PREVIEW + 1)
}

fn preview(lines: &[Line<'static>], theme: &Theme) -> Vec<Line<'static>> {
    if lines.len() <= PREVIEW + 1 {
        return lines.to_vec();
    }
    let mut out = lines[..PREVIEW].to_vec();
    let more = format!("… {} more lines", lines.len() - PREVIEW);
    out.push(Line::styled(more, theme.muted));
    out
}

pub(super) fn draw(
    model: &Model,
    cache: &mut Cache,
    files: &Files,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let inner = Block::bordered().inner(area);
    let pane_rows = inner.height as usize;
    let width = inner.width.saturating_sub(2);
    cache.turns.update(&model.turns, width, files, |turn| {
        lay_out(turn, files, width as usize, theme)
    });
    let cards: Vec<&Card> = cache.turns.values().flatten().collect();
    let mut block = pane(
        Span::styled(" code ", theme.accent),
        model.focus == Focus::Code,
        theme,
    );
    if cards.is_empty() {
        frame.render_widget(block, area);
        let hint = Line::styled("Code Claude runs appears here.", theme.muted);
        frame.render_widget(Paragraph::new(hint), inner);
        return;
    }
    let selected = model.code_selected.min(cards.len() - 1);
    let counter = format!(" {}/{} ", selected + 1, cards.len());
    block = block.title(Line::styled(counter, theme.muted).right_aligned());
    frame.render_widget(block, area);

    let rows: Vec<usize> = (0..cards.len())
        .map(|i| cards[i].rows(i == selected, pane_rows))
        .collect();
    let start: usize = rows[..selected].iter().sum();
    let total: usize = rows.iter().sum();
    let mut top = cache.top.min(start);
    top = top.max((start + rows[selected]).saturating_sub(pane_rows));
    top = top.min(total.saturating_sub(pane_rows));
    cache.top = top;

    let mut lines = Vec::with_capacity(pane_rows);
    let mut offset = 0;
    for (i, card) in cards.iter().enumerate() {
        let end = offset + rows[i];
        if end > top && offset < top + pane_rows {
            let is_selected = i == selected;
            let gutter = if is_selected {
                theme.focus
            } else {
                theme.code_border
            };
            let shown = card.lines(is_selected, model.code_scroll, pane_rows, theme);
            for (j, (mark, line)) in shown.into_iter().enumerate() {
                let at = offset + j;
                if at >= top && at < top + pane_rows {
                    let mut spans = vec![Span::styled(mark, gutter)];
                    spans.extend(line.spans);
                    lines.push(Line::from(spans).style(line.style));
                }
            }
        }
        offset = end;
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The turn's cards for a content `width`, and whether they name a file of the panel.
fn lay_out(turn: &Turn, files: &Files, width: usize, theme: &Theme) -> (Vec<Card>, bool) {
    let mut names_files = false;
    let cards = executions(&turn.assistant)
        .into_iter()
        .filter(Execution::is_code)
        .map(|run| {
            let timing = turn.timings.get(&run.tool_use_id).copied();
            let code = match language(&run).as_str() {
                "bash" => highlight_shell(&clean(&run.code()), theme),
                other => highlight_code(&clean(&run.code()), other, theme),
            };
            let (output, named) = output(&run, files, theme);
            names_files |= named;
            Card {
                header: header(&run, timing, turn.state == AnswerState::Streaming, theme),
                code: fit_code(code, width, theme.muted),
                output: fit(output, width),
            }
        })
        .collect();
    (cards, names_files)
}

/// What to highlight the run's code as: its interpreter, or the edited file's extension.
fn language(run: &Execution) -> String {
    match run.tool.as_str() {
        "bash_code_execution" => "bash".into(),
        "code_execution" => "python".into(),
        _ => run
            .input
            .get("path")
            .and_then(Value::as_str)
            .and_then(|p| p.rsplit_once('.'))
            .map_or_else(String::new, |(_, ext)| ext.to_string()),
    }
}

/// "bash · exit 1 · 1.2s · 2 files".
fn header(
    run: &Execution,
    timing: Option<(u64, Option<u64>)>,
    streaming: bool,
    theme: &Theme,
) -> Line<'static> {
    let sep = || Span::styled(" · ", theme.muted);
    let mut spans = vec![Span::styled(flat(&run.label()), theme.accent)];
    match &run.result {
        None => spans.extend([sep(), Span::styled(without_result(streaming), theme.muted)]),
        Some(result) => {
            if let Some(code) = &result.error_code {
                let error = format!("error {}", flat(code));
                spans.extend([sep(), Span::styled(error, theme.exit_fail)]);
            } else if let Some(code) = result.return_code {
                let style = if code == 0 {
                    theme.exit_ok
                } else {
                    theme.exit_fail
                };
                spans.extend([sep(), Span::styled(format!("exit {code}"), style)]);
            }
        }
    }
    if let Some((start, Some(end))) = timing {
        spans.extend([
            sep(),
            Span::styled(duration(end.saturating_sub(start)), theme.muted),
        ]);
    }
    let made = run.result.as_ref().map_or(0, |r| r.output_file_ids.len());
    if made > 0 {
        let label = if made == 1 {
            "1 file".into()
        } else {
            format!("{made} files")
        };
        spans.extend([sep(), Span::styled(label, theme.file)]);
    }
    Line::from(spans)
}

fn duration(ms: u64) -> String {
    if ms < 60_000 {
        format!("{:.1}s", ms as f64 / 1000.0)
    } else {
        format!("{}m{:02}s", ms / 60_000, ms / 1000 % 60)
    }
}

/// The run's output lines: stdout (or the viewed file), stderr marked "! ", the error, and
/// the files it made; and whether a file name was looked up.
fn output(run: &Execution, files: &Files, theme: &Theme) -> (Vec<Line<'static>>, bool) {
    let Some(result) = &run.result else {
        return (Vec::new(), false);
    };
    let mut lines = Vec::new();
    let viewed = result.content.get("content").and_then(Value::as_str);
    let stdout = if result.stdout.is_empty() {
        viewed.unwrap_or("")
    } else {
        &result.stdout
    };
    for line in clean(stdout).trim_end_matches('\n').lines() {
        lines.push(Line::styled(line.to_string(), theme.stdout));
    }
    for line in clean(&result.stderr).trim_end_matches('\n').lines() {
        lines.push(Line::styled(format!("! {line}"), theme.stderr));
    }
    if let Some(code) = &result.error_code {
        let message = result.error_message.as_deref().map(flat);
        let text = match message {
            Some(m) if !m.is_empty() => format!("error: {} — {m}", flat(code)),
            _ => format!("error: {}", flat(code)),
        };
        lines.push(Line::styled(text, theme.exit_fail));
    }
    for id in &result.output_file_ids {
        lines.push(Line::styled(format!("→ {}", files.name(id)), theme.file));
    }
    (lines, !result.output_file_ids.is_empty())
}
