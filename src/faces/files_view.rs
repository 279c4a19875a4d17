//! Human-readable text for `clab files`: the list table and the info fields.
//!
//! Invariant: every server-provided string (ids, file names, MIME types, extra fields) goes
//! through [`cell`], which strips terminal controls and flattens newlines and tabs, so a file
//! named by a model can neither inject escape sequences nor break the table's rows. Pure
//! functions of the metadata, so the layout is unit-tested without a server or a terminal.

use crate::api::files::FileMetadata;
use crate::text_safety::one_line;
use indicatif::HumanBytes;

/// One line of server text, safe for a terminal.
pub fn cell(text: &str) -> String {
    one_line(text)
}

/// `2025-04-15 18:37` for an RFC 3339 time; the (sanitised) text as is otherwise.
pub fn short_time(created_at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(created_at)
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|_| cell(created_at))
}

fn yes_no(downloadable: Option<bool>) -> &'static str {
    match downloadable {
        Some(true) => "yes",
        Some(false) => "no",
        None => "?",
    }
}

/// The `clab files list` table, one line per file under a header; a sentence when empty.
pub fn table(files: &[FileMetadata]) -> String {
    if files.is_empty() {
        return "no files".to_string();
    }
    let rows: Vec<[String; 5]> = files
        .iter()
        .map(|f| {
            [
                cell(&f.id),
                HumanBytes(f.size_bytes).to_string(),
                short_time(&f.created_at),
                yes_no(f.downloadable).to_string(),
                cell(&f.filename),
            ]
        })
        .collect();
    columns(
        ["ID", "SIZE", "CREATED", "DOWNLOADABLE", "FILENAME"],
        &rows,
        &[1],
    )
}

/// A plain-text table: a header and rows of five cells, padded to the widest cell of each
/// column (right-aligned for the columns in `right`), the last column left ragged.
pub fn columns(header: [&str; 5], rows: &[[String; 5]], right: &[usize]) -> String {
    let header = header.map(str::to_string);
    let mut widths = [0usize; 4];
    for row in std::iter::once(&header).chain(rows) {
        for (width, value) in widths.iter_mut().zip(row) {
            *width = (*width).max(value.chars().count());
        }
    }
    std::iter::once(&header)
        .chain(rows)
        .map(|row| {
            let mut line = String::new();
            for (i, width) in widths.iter().enumerate() {
                let pad = width - row[i].chars().count();
                if right.contains(&i) {
                    line.push_str(&" ".repeat(pad));
                    line.push_str(&row[i]);
                } else {
                    line.push_str(&row[i]);
                    line.push_str(&" ".repeat(pad));
                }
                line.push_str("  ");
            }
            line.push_str(&row[4]);
            line
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `clab files info` text: known fields first, then any others the server sent.
pub fn details(file: &FileMetadata) -> String {
    let mut lines = vec![
        ("id".to_string(), cell(&file.id)),
        ("filename".to_string(), cell(&file.filename)),
        ("mime_type".to_string(), cell(&file.mime_type)),
        (
            "size".to_string(),
            format!(
                "{} ({} bytes)",
                HumanBytes(file.size_bytes),
                file.size_bytes
            ),
        ),
        ("created_at".to_string(), cell(&file.created_at)),
        (
            "downloadable".to_string(),
            yes_no(file.downloadable).to_string(),
        ),
    ];
    lines.extend(file.extra.iter().map(|(key, value)| {
        let text = match value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        (cell(key), cell(&text))
    }));
    let width = lines
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    lines
        .iter()
        .map(|(key, value)| format!("{key:<width$}  {value}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(json: &str) -> FileMetadata {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn table_aligns_columns_and_sanitises_names() {
        let files = [
            meta(
                r#"{"id":"file_a","filename":"sales.csv","size_bytes":2048,
                    "created_at":"2025-04-15T18:37:24.100435Z","downloadable":false}"#,
            ),
            meta(
                r#"{"id":"file_bb","filename":"x\u001b[31m\nred.png","size_bytes":5,
                    "created_at":"soon","downloadable":true}"#,
            ),
        ];
        let text = table(&files);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert_eq!(
            lines[1],
            "file_a   2.00 KiB  2025-04-15 18:37  no            sales.csv"
        );
        assert_eq!(
            lines[2],
            "file_bb       5 B  soon              yes           x red.png"
        );
        assert!(!text.contains('\x1b'));
    }

    #[test]
    fn an_empty_list_says_so() {
        assert_eq!(table(&[]), "no files");
    }

    #[test]
    fn details_show_known_then_extra_fields() {
        let file = meta(
            r#"{"id":"file_a","type":"file","filename":"doc.pdf","mime_type":"application/pdf",
                "size_bytes":102400,"created_at":"2025-04-15T18:37:24Z",
                "scope":{"id":"s","type":"session"},"expires_at":null}"#,
        );
        let text = details(&file);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "id            file_a");
        assert_eq!(lines[3], "size          100.00 KiB (102400 bytes)");
        assert_eq!(lines[5], "downloadable  ?");
        assert!(text.contains("expires_at    null"), "{text}");
        assert!(
            text.contains(r#"scope         {"id":"s","type":"session"}"#),
            "{text}"
        );
    }
}
