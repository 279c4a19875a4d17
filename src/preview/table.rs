//! A summary of a CSV or TSV file: its header, the first rows, each column's type and the
//! row and column counts.
//!
//! Invariant: memory is bounded by the preview, not the file: at most [`KEPT_ROWS`] rows are
//! kept and types are inferred from the first [`TYPED_ROWS`]; the rest of the file is only
//! counted, one reused record at a time, so a gigabyte export costs a scan, not its size in RAM.
//! Ragged rows (the `csv` crate's `flexible` mode) are kept as they are; the column count is the
//! widest row seen. Kept cells are stripped of control sequences: a file is as untrusted as
//! model output.

use crate::text_safety::strip_controls;
use std::fmt;
use std::io::Read;

/// Rows kept for display.
pub const KEPT_ROWS: usize = 200;
/// Rows whose cells decide the column types.
pub const TYPED_ROWS: usize = 5_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// Every cell seen is empty.
    Empty,
    Integer,
    Decimal,
    Boolean,
    /// ISO dates (2024-01-31), with an optional time part.
    Date,
    Text,
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ColumnType::Empty => "empty",
            ColumnType::Integer => "int",
            ColumnType::Decimal => "float",
            ColumnType::Boolean => "bool",
            ColumnType::Date => "date",
            ColumnType::Text => "text",
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TablePreview {
    pub headers: Vec<String>,
    pub types: Vec<ColumnType>,
    /// The first data rows (at most [`KEPT_ROWS`]).
    pub rows: Vec<Vec<String>>,
    /// Data rows in the whole file (the header excluded).
    pub total_rows: u64,
    pub columns: usize,
    pub delimiter: u8,
}

/// Reads a delimited table from `input`; the first record is the header.
pub fn summarize(input: impl Read, delimiter: u8) -> Result<TablePreview, String> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(true)
        .from_reader(input);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| format!("not a readable table: {e}"))?
        .iter()
        .map(clean)
        .collect();
    let mut types: Vec<Option<ColumnType>> = vec![None; headers.len()];
    let mut rows = Vec::new();
    let mut total_rows = 0u64;
    let mut columns = headers.len();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(format!("row {}: {e}", total_rows + 2)),
        }
        columns = columns.max(record.len());
        if (total_rows as usize) < TYPED_ROWS {
            if types.len() < record.len() {
                types.resize(record.len(), None);
            }
            for (slot, cell) in types.iter_mut().zip(record.iter()) {
                *slot = widen(*slot, cell);
            }
        }
        if rows.len() < KEPT_ROWS {
            rows.push(record.iter().map(clean).collect());
        }
        total_rows += 1;
    }
    let mut headers = headers;
    while headers.len() < columns {
        headers.push(format!("column {}", headers.len() + 1));
    }
    types.resize(columns, None);
    Ok(TablePreview {
        headers,
        types: types
            .into_iter()
            .map(|t| t.unwrap_or(ColumnType::Empty))
            .collect(),
        rows,
        total_rows,
        columns,
        delimiter,
    })
}

/// A table from rows already read (a spreadsheet's sheet): the first row is the header, the
/// others are typed as a CSV's are. `total_rows` counts the data rows of the whole sheet.
pub fn from_rows(rows: &[Vec<String>], total_rows: u64) -> TablePreview {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut headers: Vec<String> = rows
        .first()
        .map_or_else(Vec::new, |h| h.iter().map(|c| clean(c)).collect());
    while headers.len() < columns {
        headers.push(format!("column {}", headers.len() + 1));
    }
    let mut types: Vec<Option<ColumnType>> = vec![None; columns];
    let mut kept = Vec::new();
    for row in rows.iter().skip(1) {
        for (slot, cell) in types.iter_mut().zip(row) {
            *slot = widen(*slot, cell);
        }
        if kept.len() < KEPT_ROWS {
            kept.push(row.iter().map(|c| clean(c)).collect());
        }
    }
    TablePreview {
        headers,
        types: types
            .into_iter()
            .map(|t| t.unwrap_or(ColumnType::Empty))
            .collect(),
        rows: kept,
        total_rows,
        columns,
        delimiter: b',',
    }
}

/// A cell as it may be shown: file contents are untrusted, so no control sequences.
fn clean(cell: &str) -> String {
    strip_controls(cell).into_owned()
}

/// The narrowest type that holds both what a column was and `cell`; empty cells are missing
/// values and change nothing.
fn widen(current: Option<ColumnType>, cell: &str) -> Option<ColumnType> {
    let cell = cell.trim();
    if cell.is_empty() {
        return current;
    }
    let this = cell_type(cell);
    Some(match (current, this) {
        (None, t) => t,
        (Some(a), b) if a == b => a,
        (Some(ColumnType::Integer), ColumnType::Decimal)
        | (Some(ColumnType::Decimal), ColumnType::Integer) => ColumnType::Decimal,
        _ => ColumnType::Text,
    })
}

fn cell_type(cell: &str) -> ColumnType {
    if cell.parse::<i64>().is_ok() {
        ColumnType::Integer
    } else if is_decimal(cell) {
        ColumnType::Decimal
    } else if ["true", "false", "yes", "no"]
        .iter()
        .any(|b| cell.eq_ignore_ascii_case(b))
    {
        ColumnType::Boolean
    } else if is_date(cell) {
        ColumnType::Date
    } else {
        ColumnType::Text
    }
}

/// A finite decimal number; "nan" and "inf", which Rust would parse, are text in a table.
fn is_decimal(cell: &str) -> bool {
    cell.parse::<f64>().is_ok_and(f64::is_finite)
        && cell
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
}

/// `YYYY-MM-DD`, optionally followed by `T` or a space and a time.
fn is_date(cell: &str) -> bool {
    let date = cell.get(..10).unwrap_or("");
    let rest = cell.get(10..).unwrap_or("");
    chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_ok()
        && (rest.is_empty() || rest.starts_with('T') || rest.starts_with(' '))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_counts_and_kept_rows() {
        let csv = "id,plan,monthly,churned,signup,note\n\
                   1,basic,9.5,true,2024-01-03,\n\
                   2,pro,19,false,2024-02-11,called twice\n\
                   3,pro,19.0,no,2024-02-12T10:00:00,\n";
        let t = summarize(csv.as_bytes(), b',').unwrap();
        assert_eq!(t.total_rows, 3);
        assert_eq!(t.columns, 6);
        assert_eq!(
            t.types,
            [
                ColumnType::Integer,
                ColumnType::Text,
                ColumnType::Decimal,
                ColumnType::Boolean,
                ColumnType::Date,
                ColumnType::Text
            ]
        );
        assert_eq!(t.rows[1][5], "called twice");
    }

    #[test]
    fn only_the_first_rows_are_kept_but_all_are_counted() {
        let mut csv = String::from("n\tsquare\n");
        for n in 0..1_000 {
            csv.push_str(&format!("{n}\t{}\n", n * n));
        }
        let t = summarize(csv.as_bytes(), b'\t').unwrap();
        assert_eq!(t.total_rows, 1_000);
        assert_eq!(t.rows.len(), KEPT_ROWS);
        assert_eq!(t.rows[199], ["199", "39601"]);
        assert_eq!(t.types, [ColumnType::Integer, ColumnType::Integer]);
    }

    #[test]
    fn ragged_rows_widen_the_table_and_empty_columns_say_so() {
        let t = summarize("a,b\n1,,x\n2,\n".as_bytes(), b',').unwrap();
        assert_eq!(t.columns, 3);
        assert_eq!(t.headers[2], "column 3");
        assert_eq!(
            t.types,
            [ColumnType::Integer, ColumnType::Empty, ColumnType::Text]
        );
    }

    #[test]
    fn nan_and_inf_are_text_and_mixed_numbers_are_decimal() {
        let t = summarize("x,y\nnan,1\ninf,2.5\n".as_bytes(), b',').unwrap();
        assert_eq!(t.types, [ColumnType::Text, ColumnType::Decimal]);
    }

    #[test]
    fn invalid_utf8_is_an_error_naming_the_row() {
        let bytes = b"a,b\n1,2\n\xff\xfe,3\n";
        let err = summarize(&bytes[..], b',').unwrap_err();
        assert!(err.contains("row 3"), "{err}");
    }
}
