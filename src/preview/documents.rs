//! Previews of the documents skills make: an Excel workbook's sheets as tables, the outline
//! of a PowerPoint deck or a Word document, and what a PDF says about itself.
//!
//! Invariant: the readers in [`super::office`] take the whole file as bytes, so a file larger
//! than [`MAX_BYTES`] is described, not read; everything kept is stripped of control
//! sequences (a document is as untrusted as model output), and like every preview this runs
//! on a blocking task, never on the UI task.

use super::Preview;
use super::office::{self, OutlineItem, PdfSummary};
use super::table;
use super::text::TextPreview;
use crate::text_safety::strip_controls;
use ratatui::text::Line;
use std::path::Path;

/// The largest document read for a preview.
pub const MAX_BYTES: u64 = 256 * 1024 * 1024;
/// Rows kept per sheet (the header included).
const SHEET_ROWS: usize = table::KEPT_ROWS + 1;
/// Outline entries kept.
const OUTLINE_ITEMS: usize = 2_000;
/// Characters of a PDF's first page kept.
const PDF_TEXT: usize = 4_000;

/// The kinds of document previewed here, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Workbook,
    Deck,
    Word,
    Pdf,
}

impl Kind {
    /// The kind a file's extension and first bytes agree on: an Office file is a zip, a PDF
    /// starts with `%PDF`.
    pub fn of(extension: &str, head: &[u8]) -> Option<Kind> {
        let zip = head.starts_with(b"PK\x03\x04");
        match extension {
            "xlsx" | "xlsm" if zip => Some(Kind::Workbook),
            "pptx" if zip => Some(Kind::Deck),
            "docx" if zip => Some(Kind::Word),
            _ if head.starts_with(b"%PDF") => Some(Kind::Pdf),
            _ => None,
        }
    }
}

/// The preview of the document at `path`, of `kind`.
pub fn build(path: &Path, kind: Kind, size: u64) -> Result<Preview, String> {
    if size > MAX_BYTES {
        return Err(format!(
            "{} MB is too large to preview (at most {} MB)",
            size / (1024 * 1024),
            MAX_BYTES / (1024 * 1024)
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    match kind {
        Kind::Workbook => {
            let sheets = office::xlsx_sheets(&bytes, SHEET_ROWS)?;
            Ok(Preview::Workbook(
                sheets
                    .into_iter()
                    .map(|s| {
                        let name = strip_controls(&s.name).into_owned();
                        let data_rows = s.total_rows.saturating_sub(1);
                        (name, table::from_rows(&s.rows, data_rows))
                    })
                    .collect(),
            ))
        }
        Kind::Deck => {
            let items = office::pptx_outline(&bytes, OUTLINE_ITEMS)?;
            let slides = items
                .iter()
                .filter(|i| matches!(i, OutlineItem::Slide { .. }))
                .count();
            Ok(document(
                format!("PowerPoint · {slides} slides"),
                outline(&items),
            ))
        }
        Kind::Word => {
            let items = office::docx_outline(&bytes, OUTLINE_ITEMS)?;
            let headings = items
                .iter()
                .filter(|i| matches!(i, OutlineItem::Heading { .. }))
                .count();
            Ok(document(
                format!("Word · {headings} headings, {} entries", items.len()),
                outline(&items),
            ))
        }
        Kind::Pdf => {
            let pdf = office::pdf_summary(&bytes, PDF_TEXT)?;
            Ok(document(
                format!("PDF · {} pages", pdf.pages),
                pdf_lines(&pdf),
            ))
        }
    }
}

fn document(summary: String, lines: Vec<String>) -> Preview {
    let total = lines.len() as u64;
    Preview::Document {
        summary,
        text: TextPreview {
            lines: lines.into_iter().map(Line::from).collect(),
            total_lines: total,
            truncated: false,
        },
    }
}

/// An outline as indented lines: slides and headings flush left, bullets and paragraphs below.
pub fn outline(items: &[OutlineItem]) -> Vec<String> {
    items
        .iter()
        .map(|item| match item {
            OutlineItem::Slide { number, title } if title.is_empty() => {
                format!("Slide {number}")
            }
            OutlineItem::Slide { number, title } => format!("Slide {number}: {}", clean(title)),
            OutlineItem::Bullet { level, text } => {
                format!("{}• {}", "  ".repeat(usize::from(*level) + 1), clean(text))
            }
            OutlineItem::Heading { level, text } => {
                format!("{} {}", "#".repeat(usize::from(*level).max(1)), clean(text))
            }
            OutlineItem::Paragraph(text) => format!("  {}", clean(text)),
        })
        .collect()
}

fn pdf_lines(pdf: &PdfSummary) -> Vec<String> {
    let mut lines = vec![format!("Pages: {}", pdf.pages)];
    let facts = [
        ("Title", &pdf.title),
        ("Author", &pdf.author),
        ("Created", &pdf.created),
        ("Creator", &pdf.creator),
        ("Producer", &pdf.producer),
    ];
    for (label, value) in facts {
        if let Some(value) = value.as_deref().filter(|v| !v.trim().is_empty()) {
            lines.push(format!("{label}: {}", clean(value)));
        }
    }
    if let Some(text) = pdf
        .first_page_text
        .as_deref()
        .filter(|t| !t.trim().is_empty())
    {
        lines.push(String::new());
        lines.push("First page:".into());
        lines.extend(text.lines().map(|l| format!("  {}", clean(l))));
    }
    lines
}

fn clean(text: &str) -> String {
    strip_controls(text).into_owned()
}
