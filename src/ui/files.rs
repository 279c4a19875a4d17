//! The files pane: uploads and generated files with their size, type and transfer state.
//!
//! Invariant: each row shows the entry's state as the model holds it (no guessing from
//! paths or timers), names and paths pass through `flat` because models name files, and only
//! the rows in view are built. Columns are dropped, type first, as the pane narrows, so name
//! and state always fit.

use super::key_hints::first_key;
use super::pane;
use super::picture::Pictures;
use super::preview;
use super::text::{flat, middle, str_width, truncate};
use crate::domain::attachment::GivenAs;
use crate::domain::session::FileOrigin;
use crate::model::Model;
use crate::model::keymap::Action;
use crate::model::state::{FileEntry, FileState, Focus, PreviewContent};
use crate::preview::Preview;
use crate::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table};

pub(super) fn draw(
    model: &Model,
    pictures: &mut Pictures,
    theme: &Theme,
    frame: &mut Frame,
    area: Rect,
) {
    let focused = model.focus == Focus::Files;
    let block = pane(Span::styled(" files ", theme.accent), focused, theme);
    let mut inner = block.inner(area);
    frame.render_widget(block, area);
    let showing_picture = model.preview.as_ref().is_some_and(|p| {
        matches!(&p.content, PreviewContent::Ready(r) if matches!(r.as_ref(), Preview::Image(_)))
    });
    if !showing_picture {
        pictures.clear();
    }
    if model.files.is_empty() {
        let hint = match first_key(&model.settings.keymap, Action::Attach) {
            Some(key) => format!("{key} attaches a file."),
            None => "No files yet.".to_string(),
        };
        frame.render_widget(Paragraph::new(Line::styled(hint, theme.muted)), inner);
        return;
    }
    if focused && inner.height > 2 {
        inner.height -= 1;
        let footer = Rect::new(inner.x, inner.bottom(), inner.width, 1);
        let hint = Line::styled(hint(model, inner.width as usize), theme.muted);
        frame.render_widget(Paragraph::new(hint), footer);
    }
    if let Some(shown) = &model.preview {
        let list = (model.files.len() as u16 + 1).min((inner.height / 4).max(2));
        let below = Rect::new(
            inner.x,
            inner.y + list,
            inner.width,
            inner.height.saturating_sub(list),
        );
        inner.height = list.min(inner.height);
        let entry = model.files.iter().find(|f| f.preview_key() == shown.key);
        preview::draw(shown, entry, pictures, theme, frame, below);
    }
    let rows_in_view = (inner.height as usize).saturating_sub(1).max(1);
    let selected = model.files_selected.min(model.files.len() - 1);
    let offset = (selected + 1).saturating_sub(rows_in_view);
    let shown = &model.files[offset..(offset + rows_in_view).min(model.files.len())];
    let columns = Columns::fit(shown, inner.width as usize);
    let highlight = theme.focus.add_modifier(Modifier::REVERSED);
    let rows = shown.iter().enumerate().map(|(j, entry)| {
        let row = columns.row(entry, theme);
        if focused && offset + j == selected {
            row.style(highlight)
        } else {
            row
        }
    });
    let table = Table::new(rows, columns.widths())
        .header(columns.header().style(theme.muted))
        .column_spacing(1);
    frame.render_widget(table, inner);
}

/// "d download · o open · y copy id · x delete", in shorter words when that does not fit.
pub(super) fn hint(model: &Model, width: usize) -> String {
    let keymap = &model.settings.keymap;
    let (preview, preview_brief) = if model.preview.is_some() {
        ("close · PgUp/PgDn scroll", "close")
    } else {
        ("preview", "view")
    };
    let actions = [
        (Action::Preview, preview, preview_brief),
        (Action::Download, "download", "get"),
        (Action::Open, "open", "open"),
        (Action::CopyId, "copy id", "id"),
        (Action::Delete, "delete", "del"),
    ];
    let line = |short: bool| {
        actions
            .iter()
            .filter_map(|(action, long, brief)| {
                let what = if short { brief } else { long };
                first_key(keymap, *action).map(|k| format!("{k} {what}"))
            })
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let long = line(false);
    if str_width(&long) <= width {
        return long;
    }
    let short = line(true);
    if str_width(&short) <= width {
        return short;
    }
    let tight = short.replace(" · ", " ");
    if str_width(&tight) <= width {
        return tight;
    }
    // Whole items only, and where to find the rest (the help lists every files key).
    let more = first_key(keymap, Action::Help).map_or_else(String::new, |k| format!("{k} more"));
    let mut kept: Vec<String> = Vec::new();
    for (action, _, brief) in &actions {
        let Some(key) = first_key(keymap, *action) else {
            continue;
        };
        let item = format!("{key} {brief}");
        let candidate = [kept.clone(), vec![item.clone(), more.clone()]]
            .concat()
            .join(" · ");
        if str_width(&candidate) > width {
            break;
        }
        kept.push(item);
    }
    kept.push(more);
    kept.join(" · ")
}

/// Marks an upload for the next message, in full when the name column has room for it.
const PENDING: &str = " (next message)";
const PENDING_SHORT: &str = " (next)";

/// The width of the longest progress state, "downloading 12 %", which the state column
/// keeps while the name column keeps 8.
const PROGRESS: usize = 16;

/// Column widths for the rows in view: size from 40 columns, type from 56; the state gets
/// what it needs up to half of the rest (or room for a progress state), the name the rest.
struct Columns {
    size: bool,
    kind: bool,
    name: usize,
    state: usize,
}

impl Columns {
    fn fit(rows: &[FileEntry], width: usize) -> Columns {
        let (size, kind) = (width >= 40, width >= 56);
        let fixed = 2 + if size { 9 } else { 0 } + if kind { 7 } else { 0 } + 1;
        let rest = width.saturating_sub(fixed);
        let need = |f: &dyn Fn(&FileEntry) -> usize| rows.iter().map(f).max().unwrap_or(0);
        let name_need =
            need(&|e| str_width(&flat(&e.name)) + if e.pending { PENDING.len() } else { 0 });
        let state_need = need(&|e| str_width(&entry_state(e, usize::MAX)));
        let progress = PROGRESS.min(rest.saturating_sub(8));
        let state = state_need.min(rest.saturating_sub(name_need).max(rest / 2).max(progress));
        Columns {
            size,
            kind,
            name: rest - state,
            state,
        }
    }

    fn widths(&self) -> Vec<Constraint> {
        let mut widths = vec![Constraint::Length(1), Constraint::Length(self.name as u16)];
        if self.size {
            widths.push(Constraint::Length(8));
        }
        if self.kind {
            widths.push(Constraint::Length(6));
        }
        widths.push(Constraint::Fill(1));
        widths
    }

    fn header(&self) -> Row<'static> {
        let mut cells = vec!["", "name"];
        if self.size {
            cells.push("size");
        }
        if self.kind {
            cells.push("type");
        }
        cells.push("state");
        Row::new(cells)
    }

    fn row(&self, entry: &FileEntry, theme: &Theme) -> Row<'static> {
        let gone = entry.state == FileState::Deleted;
        let style = |s: Style| if gone { theme.muted } else { s };
        let marker = match entry.origin {
            FileOrigin::Uploaded => "↑",
            FileOrigin::Generated => "↓",
        };
        let suffix = match (entry.pending, self.name >= 8 + PENDING.len()) {
            (false, _) => "",
            (true, true) => PENDING,
            (true, false) => PENDING_SHORT,
        };
        let room = self.name.saturating_sub(suffix.len());
        let name = vec![
            Span::styled(truncate(&flat(&entry.name), room), style(theme.file)),
            Span::styled(suffix, theme.muted),
        ];
        let mut cells = vec![
            Cell::from(Span::styled(marker, style(theme.accent))),
            Cell::from(Line::from(name)),
        ];
        if self.size {
            let size = entry.size.map(human_size).unwrap_or_default();
            cells.push(Cell::from(Span::styled(size, style(theme.text))));
        }
        if self.kind {
            cells.push(Cell::from(Span::styled(kind(entry), style(theme.muted))));
        }
        let state = entry_state(entry, self.state);
        cells.push(Cell::from(Span::styled(
            state,
            state_style(&entry.state, theme),
        )));
        Row::new(cells)
    }
}

/// The state column: an upload ready to use says how Claude gets it.
fn entry_state(entry: &FileEntry, width: usize) -> String {
    match (&entry.state, entry.given_as) {
        (FileState::Ready, Some(given)) => truncate(
            match given {
                GivenAs::Container => "in container",
                GivenAs::Read => "read",
                GivenAs::Both => "read + container",
            },
            width,
        ),
        (state, _) => state_text(state, width),
    }
}

fn percent(done: u64, total: u64) -> u64 {
    (done.saturating_mul(100) / total.max(1)).min(100)
}

/// The state in `width` columns; a saved file is named by its local name (it can differ from
/// the API's: `chart (1).png`), cut in the middle when it must be.
fn state_text(state: &FileState, width: usize) -> String {
    let text = match state {
        FileState::Uploading { done, total } => format!("uploading {} %", percent(*done, *total)),
        FileState::Ready => "ready".into(),
        FileState::Downloading { done, total } => {
            format!("downloading {} %", percent(*done, *total))
        }
        FileState::Local(path) => {
            let name = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            return format!("saved → {}", middle(&flat(&name), width.saturating_sub(8)));
        }
        FileState::Failed(why) => format!("failed: {}", flat(why)),
        FileState::Deleting => "deleting…".into(),
        FileState::Deleted => "deleted".into(),
    };
    truncate(&text, width)
}

fn state_style(state: &FileState, theme: &Theme) -> Style {
    match state {
        FileState::Uploading { .. } | FileState::Downloading { .. } => theme.accent,
        FileState::Ready => theme.exit_ok,
        FileState::Local(_) => theme.text,
        FileState::Failed(_) => theme.stderr,
        FileState::Deleting | FileState::Deleted => theme.muted,
    }
}

/// "812 B", "1.2 KiB", "37 KiB", "4.0 MiB".
pub(super) fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if value < 10.0 {
        format!("{value:.1} {}", UNITS[unit])
    } else {
        format!("{value:.0} {}", UNITS[unit])
    }
}

/// A short type: the MIME subtype ("csv", "png", "xlsx"), else the name's extension.
fn kind(entry: &FileEntry) -> String {
    let Some(mime) = &entry.mime else {
        return entry
            .name
            .rsplit_once('.')
            .map_or_else(String::new, |(_, ext)| flat(ext));
    };
    let subtype = mime.split(';').next().unwrap_or("");
    let subtype = subtype.rsplit('/').next().unwrap_or("");
    let short = match subtype {
        "vnd.openxmlformats-officedocument.spreadsheetml.sheet" => "xlsx",
        "vnd.openxmlformats-officedocument.wordprocessingml.document" => "docx",
        "vnd.openxmlformats-officedocument.presentationml.presentation" => "pptx",
        "octet-stream" => "binary",
        "plain" => "text",
        other => {
            let other = other.strip_prefix("x-").unwrap_or(other);
            let other = other.split('+').next().unwrap_or(other);
            other.rsplit('.').next().unwrap_or(other)
        }
    };
    flat(short)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_short_and_binary() {
        assert_eq!(human_size(812), "812 B");
        assert_eq!(human_size(1229), "1.2 KiB");
        assert_eq!(human_size(37 * 1024), "37 KiB");
        assert_eq!(human_size(4 * 1024 * 1024), "4.0 MiB");
    }

    #[test]
    fn percent_survives_an_unknown_total() {
        assert_eq!(percent(37, 100), 37);
        assert_eq!(percent(5, 0), 100);
        assert_eq!(percent(0, 0), 0);
    }
}
