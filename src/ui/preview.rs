//! The preview part of the files pane: a picture, a table, text, or what a file is.
//!
//! Invariant: everything drawn comes from the built preview and the file's entry (nothing is
//! read here); cells and lines were stripped of control sequences when the preview was built
//! and names pass through `flat`. Only the rows in view are turned into widgets, so a
//! 200-row table or a 256 KiB text costs what the pane shows.

use super::files::human_size;
use super::picture::Pictures;
use super::text::{flat, str_width, truncate, wrap_prefixed};
use super::usage::grouped;
use crate::model::state::{FileEntry, FileState, PreviewContent, PreviewPane};
use crate::preview::{Preview, TablePreview};
use crate::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui_image::picker::ProtocolType;

/// The widest a table column is drawn.
const MAX_COLUMN: usize = 24;

pub(super) fn draw(
    pane: &PreviewPane,
    entry: Option<&FileEntry>,
    pictures: &mut Pictures,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    if area.height < 2 {
        return;
    }
    let width = area.width as usize;
    let title_area = Rect::new(area.x, area.y, area.width, 1);
    let body = Rect::new(area.x, area.y + 1, area.width, area.height - 1);
    let summary = match &pane.content {
        PreviewContent::Ready(preview) => describe(pane, preview, pictures.protocol()),
        PreviewContent::Downloading => "downloading…".into(),
        PreviewContent::Building => "reading…".into(),
        PreviewContent::Failed(_) => "no preview".into(),
    };
    let room = width.saturating_sub(str_width(&summary) + 5).max(8);
    let name = truncate(&flat(&pane.name), room);
    let title = Line::from(vec![
        Span::styled(format!("▸ {name}"), theme.accent),
        Span::styled(format!(" · {summary}"), theme.muted),
    ]);
    frame.render_widget(Paragraph::new(title), title_area);
    match &pane.content {
        PreviewContent::Ready(preview) => match preview.as_ref() {
            Preview::Image(image) => pictures.draw(&image.image, frame, body),
            Preview::Table(table) => {
                draw_table(table, (pane.scroll, pane.column), theme, frame, body)
            }
            Preview::Workbook(sheets) => {
                if let Some((_, table)) = sheets.get(pane.sheet) {
                    draw_table(table, (pane.scroll, pane.column), theme, frame, body)
                }
            }
            Preview::Text(text) | Preview::Document { text, .. } => {
                let lines: Vec<Line> = text
                    .lines
                    .iter()
                    .skip(pane.scroll)
                    .take(body.height as usize)
                    .cloned()
                    .collect();
                frame.render_widget(Paragraph::new(lines), body);
            }
            Preview::Other { .. } => {
                frame.render_widget(Paragraph::new(facts(entry, width, theme)), body)
            }
        },
        PreviewContent::Failed(why) => {
            let mut lines = wrap_prefixed(&flat(why), width, "", "", theme.stderr);
            lines.push(Line::default());
            lines.extend(facts(entry, width, theme));
            frame.render_widget(Paragraph::new(lines), body);
        }
        PreviewContent::Downloading | PreviewContent::Building => {
            let progress = match entry.map(|e| &e.state) {
                Some(FileState::Downloading { done, total }) if *total > 0 => format!(
                    "downloading {} of {}",
                    human_size(*done),
                    human_size(*total)
                ),
                _ => summary,
            };
            frame.render_widget(Paragraph::new(Line::styled(progress, theme.muted)), body);
        }
    }
}

/// The title's account of a preview: size in pixels, rows and columns, lines, or the type.
fn describe(pane: &PreviewPane, preview: &Preview, protocol: ProtocolType) -> String {
    match preview {
        Preview::Workbook(sheets) => match sheets.get(pane.sheet) {
            Some((name, table)) => format!(
                "sheet {}/{} {} · {} rows × {} columns{}",
                pane.sheet + 1,
                sheets.len(),
                flat(name),
                grouped(table.total_rows),
                table.columns,
                if sheets.len() > 1 {
                    " · [ ] sheets"
                } else {
                    ""
                }
            ),
            None => "an empty workbook".into(),
        },
        Preview::Document { summary, .. } => flat(summary),
        Preview::Image(image) => format!(
            "{}×{} {} · {}",
            image.width,
            image.height,
            image.format,
            protocol_name(protocol)
        ),
        Preview::Table(table) => format!(
            "{} rows × {} columns",
            grouped(table.total_rows),
            table.columns
        ),
        Preview::Text(text) if text.truncated => format!(
            "{} lines (the first {} shown)",
            grouped(text.total_lines),
            grouped(text.lines.len() as u64)
        ),
        Preview::Text(text) => format!("{} lines", grouped(text.total_lines)),
        Preview::Other { kind, bytes } => format!("{} · {}", flat(kind), human_size(*bytes)),
    }
}

fn protocol_name(protocol: ProtocolType) -> &'static str {
    match protocol {
        ProtocolType::Halfblocks => "half-blocks",
        ProtocolType::Sixel => "sixel",
        ProtocolType::Kitty => "kitty graphics",
        ProtocolType::Iterm2 => "iTerm2 image",
    }
}

/// What the panel knows of the file: type, size, id, where it is.
fn facts(entry: Option<&FileEntry>, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let Some(entry) = entry else {
        return Vec::new();
    };
    let mut rows = vec![
        (
            "type",
            entry.mime.clone().unwrap_or_else(|| "unknown".into()),
        ),
        ("size", entry.size.map_or("unknown".into(), human_size)),
        (
            "id",
            entry.id.clone().unwrap_or_else(|| "(uploading)".into()),
        ),
    ];
    if let Some(path) = &entry.local_path {
        rows.push(("saved", path.display().to_string()));
    }
    rows.into_iter()
        .flat_map(|(label, value)| {
            wrap_prefixed(
                &flat(&value),
                width,
                &format!("{label:<6}"),
                "      ",
                theme.text,
            )
        })
        .collect()
}

/// The table's header (names over types) and the rows in view, as many columns as fit from
/// the first column in view.
fn draw_table(
    table: &TablePreview,
    (scroll, first): (usize, usize),
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let rows_in_view = (area.height as usize).saturating_sub(3);
    let shown = &table.rows[scroll.min(table.rows.len())..];
    let shown = &shown[..rows_in_view.min(shown.len())];
    let mut columns = Vec::new();
    let mut used = 0;
    for column in first.min(table.columns)..table.columns {
        let cells = shown.iter().filter_map(|r| r.get(column));
        let need = cells
            .map(|c| str_width(&flat(c)))
            .chain([
                str_width(&flat(&table.headers[column])),
                table.types[column].to_string().len(),
            ])
            .max()
            .unwrap_or(1)
            .clamp(1, MAX_COLUMN);
        if used + need > area.width as usize && !columns.is_empty() {
            break;
        }
        used += need + 1;
        columns.push((column, need));
    }
    let cell = |text: &str, width: usize| Cell::from(truncate(&flat(text), width));
    let row = |texts: &dyn Fn(usize) -> String| {
        Row::new(columns.iter().map(|&(i, w)| cell(&texts(i), w)))
    };
    let header = row(&|i| table.headers[i].clone()).style(theme.accent);
    let types = row(&|i| table.types[i].to_string()).style(theme.muted);
    let body = shown
        .iter()
        .map(|r| row(&|i| r.get(i).cloned().unwrap_or_default()).style(theme.text));
    let constraints = columns.iter().map(|&(_, w)| Constraint::Length(w as u16));
    let table_widget = Table::new(std::iter::once(types).chain(body), constraints)
        .header(header)
        .column_spacing(1);
    frame.render_widget(table_widget, area);
    let hidden = table.columns - columns.len();
    if hidden > 0 && area.height > 3 {
        let note = format!(
            "columns {}–{} of {} · ←/→ scroll sideways",
            first + 1,
            first + columns.len(),
            table.columns
        );
        let at = Rect::new(area.x, area.bottom() - 1, area.width, 1);
        let line = Line::styled(truncate(&note, area.width as usize), theme.muted);
        frame.render_widget(Paragraph::new(line), at);
    }
}
