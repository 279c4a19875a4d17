//! Previews of files on disk: pictures, tables, text, and a description of anything else.
//!
//! Invariant: [`build`] reads and decodes, so it runs only on blocking tasks, never on the UI
//! task; what it returns is plain data that drawing lays out without touching the disk again.
//! The kind is decided by content where content can tell (image magic bytes, UTF-8), by the
//! extension only for the delimiter of a table, so a mislabelled file is shown for what it is.

pub mod documents;
pub mod graphics;
pub mod image;
pub mod office;
pub mod print;
pub mod table;
pub mod text;

use crate::theme::Theme;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

pub use self::image::ImagePreview;
pub use table::TablePreview;
pub use text::TextPreview;

#[derive(Debug, Clone, PartialEq)]
pub enum Preview {
    Image(ImagePreview),
    Table(TablePreview),
    Text(TextPreview),
    /// An Excel workbook: each sheet's name and its table.
    Workbook(Vec<(String, TablePreview)>),
    /// A deck's or a document's outline, or what a PDF says about itself, as lines under a
    /// one-line summary ("PowerPoint · 6 slides").
    Document {
        summary: String,
        text: TextPreview,
    },
    /// Neither picture, table nor text: what the file is and how big.
    Other {
        kind: String,
        bytes: u64,
    },
}

/// Builds the preview of the file at `path`.
pub fn build(path: &Path, theme: &Theme) -> Result<Preview, String> {
    let open = || {
        File::open(path)
            .map(BufReader::new)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))
    };
    let bytes = std::fs::metadata(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?
        .len();
    let mut head = Vec::with_capacity(4096);
    open()?
        .take(4096)
        .read_to_end(&mut head)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if image::sniff(&head).is_some() {
        return image::decode(open()?).map(Preview::Image);
    }
    if let Some(kind) = documents::Kind::of(&extension, &head) {
        return documents::build(path, kind, bytes);
    }
    if text::looks_like_text(&head) {
        let delimiter = match extension.as_str() {
            "csv" => Some(b','),
            "tsv" | "tab" => Some(b'\t'),
            _ => None,
        };
        if let Some(delimiter) = delimiter {
            return table::summarize(open()?, delimiter).map(Preview::Table);
        }
        return text::preview(open()?, &extension, theme).map(Preview::Text);
    }
    let kind = mime_guess::from_path(path)
        .first()
        .map(|m| m.essence_str().to_string())
        .unwrap_or_else(|| "binary data".to_string());
    Ok(Preview::Other { kind, bytes })
}

/// Whether a file of this name is a picture clab can preview (by extension, before download).
pub fn is_image_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".png", ".jpg", ".jpeg", ".gif", ".webp"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn the_kind_follows_the_content() {
        let dir = tempfile::tempdir().unwrap();
        let theme = Theme::ansi();
        let csv = write(dir.path(), "a.csv", b"x,y\n1,2\n");
        assert!(matches!(build(&csv, &theme), Ok(Preview::Table(t)) if t.total_rows == 1));
        let tsv = write(dir.path(), "a.tsv", b"x\ty\n1\t2\n");
        assert!(matches!(build(&tsv, &theme), Ok(Preview::Table(t)) if t.columns == 2));
        let py = write(dir.path(), "a.py", b"print(1)\n");
        assert!(matches!(build(&py, &theme), Ok(Preview::Text(_))));
        // A PDF is read as one; a broken one says why.
        let pdf = write(dir.path(), "report.pdf", b"%PDF-1.7\n\x00\xff\x00binary");
        let broken = build(&pdf, &theme).unwrap_err();
        assert!(broken.starts_with("not a valid PDF"), "{broken}");
        let zip = write(dir.path(), "archive.zip", b"PK\x03\x04\x00\x00binary");
        assert_eq!(
            build(&zip, &theme),
            Ok(Preview::Other {
                kind: "application/zip".into(),
                bytes: 12
            })
        );
        let fake = write(dir.path(), "plot.png", b"just text, despite the name\n");
        assert!(matches!(build(&fake, &theme), Ok(Preview::Text(_))));
        let missing = build(&dir.path().join("gone.png"), &theme).unwrap_err();
        assert!(missing.contains("gone.png"), "{missing}");
    }

    #[test]
    fn image_names() {
        assert!(is_image_name("churn_by_plan.PNG"));
        assert!(is_image_name("a.webp"));
        assert!(!is_image_name("report.pdf"));
    }
}
