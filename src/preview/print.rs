//! Previews as printed text for the command line: a picture in coloured half-blocks, a table's
//! first rows aligned in columns, the head of a text file, or a line saying what a file is.
//!
//! Invariant: everything printed was stripped of control sequences when the preview was built
//! (cells, lines) or is our own escapes (colours); names go through `one_line` here. The
//! output fits `columns`, so a preview never wraps into a mess in the user's terminal.

use super::image::{halfblocks, to_ansi};
use super::{Preview, TablePreview};
use crate::text_safety::{one_line, strip_controls};
use ratatui::layout::Size;
use std::path::Path;
use unicode_width::UnicodeWidthStr;

/// Table rows and text lines printed.
const PRINTED_ROWS: usize = 20;
/// Lines of a document's outline printed.
const DOCUMENT_LINES: usize = 60;

/// `preview` as text for a terminal `size` cells wide and tall.
pub fn render(preview: &Preview, size: Size) -> Result<String, String> {
    match preview {
        Preview::Image(image) => {
            // Leave lines for the "saved" line above and the prompt below, so neither scrolls away.
            let room = Size::new(size.width, size.height.saturating_sub(2).max(1));
            Ok(to_ansi(&halfblocks(&image.image, room)?))
        }
        Preview::Table(table) => Ok(table_text(table, size.width as usize)),
        Preview::Workbook(sheets) => {
            let mut out = String::new();
            for (name, table) in sheets {
                out.push_str(&format!(
                    "sheet {} · {} rows × {} columns\n",
                    one_line(name),
                    table.total_rows,
                    table.columns
                ));
                out.push_str(&table_text(table, size.width as usize));
                out.push('\n');
            }
            if sheets.is_empty() {
                out.push_str("(an empty workbook)\n");
            }
            Ok(out)
        }
        Preview::Document { summary, text } => {
            let mut out = format!("{}\n", one_line(summary));
            for line in text.lines.iter().take(DOCUMENT_LINES) {
                let plain: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
                out.push_str(&cut(&plain, size.width as usize));
                out.push('\n');
            }
            if text.lines.len() > DOCUMENT_LINES {
                out.push_str(&format!("… {} more\n", text.lines.len() - DOCUMENT_LINES));
            }
            Ok(out)
        }
        Preview::Text(text) => {
            let mut out = String::new();
            for line in text.lines.iter().take(PRINTED_ROWS) {
                let plain: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
                out.push_str(&cut(&plain, size.width as usize));
                out.push('\n');
            }
            Ok(out)
        }
        Preview::Other { kind, .. } => Ok(format!("({}: no preview)\n", strip_controls(kind))),
    }
}

/// The one line `clab -p` prints for a picture a run wrote.
pub fn pointer(name: &str, path: &Path, preview: Option<&Preview>) -> String {
    let size = match preview {
        Some(Preview::Image(image)) => {
            format!(" ({}×{} {})", image.width, image.height, image.format)
        }
        _ => String::new(),
    };
    format!(
        "picture: {}{size} → {} · see it with: clab preview {}",
        one_line(name),
        path.display(),
        shell_quoted(&one_line(&path.display().to_string()))
    )
}

/// `text` as one shell word: as is when it is plain, else in single quotes.
fn shell_quoted(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "_./-+=:,@%".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        return text.to_string();
    }
    format!("'{}'", text.replace('\'', r"'\''"))
}

fn table_text(table: &TablePreview, width: usize) -> String {
    let rows = &table.rows[..table.rows.len().min(PRINTED_ROWS)];
    let widths: Vec<usize> = (0..table.columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .chain([&table.headers[c]])
                .map(|s| s.width())
                .chain([table.types[c].to_string().len()])
                .max()
                .unwrap_or(1)
                .min(24)
        })
        .collect();
    let line = |cells: Vec<String>| {
        let joined = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| pad(&cut(c, *w), *w))
            .collect::<Vec<_>>()
            .join("  ");
        cut(joined.trim_end(), width) + "\n"
    };
    let mut out = format!("{} rows × {} columns\n", table.total_rows, table.columns);
    out.push_str(&line(table.headers.clone()));
    out.push_str(&line(table.types.iter().map(|t| t.to_string()).collect()));
    for row in rows {
        out.push_str(&line(row.clone()));
    }
    if table.total_rows > rows.len() as u64 {
        out.push_str(&format!(
            "… {} more rows\n",
            table.total_rows - rows.len() as u64
        ));
    }
    out
}

/// `text` cut to `width` columns, with "…" when it was longer.
fn cut(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        if out.width() + c.to_string().width() + 1 > width {
            break;
        }
        out.push(c);
    }
    out + "…"
}

fn pad(text: &str, width: usize) -> String {
    format!("{text}{}", " ".repeat(width.saturating_sub(text.width())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preview::table;

    #[test]
    fn a_table_prints_aligned_and_cut_to_the_width() {
        let csv = "id,plan,note\n1,basic,short\n2,enterprise,a rather long note that goes on\n";
        let t = table::summarize(csv.as_bytes(), b',').unwrap();
        let text = render(&Preview::Table(t), Size::new(40, 24)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "2 rows × 3 columns");
        assert_eq!(lines[1], "id   plan        note");
        assert_eq!(lines[2], "int  text        text");
        assert_eq!(lines[3], "1    basic       short");
        assert_eq!(lines[4], "2    enterprise  a rather long note tha…");
        assert!(lines.iter().all(|l| l.width() <= 40));
    }

    #[test]
    fn the_pointer_names_the_picture_and_the_command() {
        let line = pointer("chart\x1b[2J.png", Path::new("/tmp/chart.png"), None);
        assert_eq!(
            line,
            "picture: chart.png → /tmp/chart.png · see it with: clab preview /tmp/chart.png"
        );
        let spaced = pointer("a.png", Path::new("/tmp/my 'plots'/a.png"), None);
        assert!(
            spaced.ends_with(r"clab preview '/tmp/my '\''plots'\''/a.png'"),
            "{spaced}"
        );
    }
}
