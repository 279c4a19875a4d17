//! A pandas-like summary of a CSV file, computed for real from the uploaded bytes.
//!
//! Invariant: every number the demo prints about a user's file (row count, dtypes, the
//! `describe()` table, value counts) is computed here from the actual file, with pandas'
//! conventions (sample std with ddof=1, linear-interpolated quantiles, default NA
//! strings). The demo must be honest about the user's data, so nothing is made up.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::BufRead as _;
use std::path::Path;

use anyhow::Context as _;

/// Strings pandas' `read_csv` treats as missing by default (the common subset).
const NA_VALUES: &[&str] = &[
    "", "#N/A", "#NA", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null", "-NaN",
    "-nan",
];

/// The dtype pandas would infer for a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dtype {
    Int64,
    Float64,
    Bool,
    Object,
}

impl Dtype {
    pub fn as_str(self) -> &'static str {
        match self {
            Dtype::Int64 => "int64",
            Dtype::Float64 => "float64",
            Dtype::Bool => "bool",
            Dtype::Object => "object",
        }
    }

    pub fn is_numeric(self) -> bool {
        matches!(self, Dtype::Int64 | Dtype::Float64)
    }
}

/// The `describe()` row set for one numeric column.
#[derive(Clone, Debug, PartialEq)]
pub struct NumericStats {
    pub count: usize,
    pub mean: f64,
    pub std: f64,
    pub min: f64,
    pub q25: f64,
    pub q50: f64,
    pub q75: f64,
    pub max: f64,
}

/// One column: its inferred type and what was measured.
#[derive(Clone, Debug)]
pub struct Column {
    pub name: String,
    pub dtype: Dtype,
    /// Parsed values of a numeric column (missing values dropped), in file order.
    pub values: Vec<f64>,
    pub stats: Option<NumericStats>,
    /// Value counts of a non-numeric column, most frequent first (ties: first seen first).
    pub top: Vec<(String, usize)>,
}

/// The whole-file summary.
#[derive(Clone, Debug)]
pub struct CsvSummary {
    pub rows: usize,
    pub columns: Vec<Column>,
}

#[derive(Default)]
struct Acc {
    non_null: usize,
    all_int: bool,
    all_float: bool,
    all_bool: bool,
    numbers: Vec<f64>,
    counts: HashMap<String, (usize, usize)>,
}

impl Acc {
    fn new() -> Acc {
        Acc {
            all_int: true,
            all_float: true,
            all_bool: true,
            ..Acc::default()
        }
    }

    fn push(&mut self, raw: &str) {
        let v = raw.trim();
        if NA_VALUES.contains(&v) {
            return;
        }
        self.non_null += 1;
        let seen = self.counts.len();
        self.counts.entry(v.to_string()).or_insert((0, seen)).0 += 1;
        self.all_bool &= matches!(v, "True" | "False" | "true" | "false" | "TRUE" | "FALSE");
        self.all_int &= v.parse::<i64>().is_ok();
        match v.parse::<f64>() {
            Ok(x) if self.all_float => self.numbers.push(x),
            Ok(_) => {}
            Err(_) => self.all_float = false,
        }
    }

    fn finish(self, name: String, rows: usize) -> Column {
        let has_na = self.non_null < rows;
        let dtype = if self.non_null == 0 {
            Dtype::Float64
        } else if self.all_bool {
            if has_na { Dtype::Object } else { Dtype::Bool }
        } else if self.all_int && !has_na {
            Dtype::Int64
        } else if self.all_float {
            Dtype::Float64
        } else {
            Dtype::Object
        };
        if dtype.is_numeric() {
            let stats = numeric_stats(&self.numbers);
            return Column {
                name,
                dtype,
                values: self.numbers,
                stats,
                top: Vec::new(),
            };
        }
        let mut top: Vec<(String, (usize, usize))> = self.counts.into_iter().collect();
        top.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.1.1.cmp(&b.1.1)));
        Column {
            name,
            dtype,
            values: Vec::new(),
            stats: None,
            top: top.into_iter().map(|(v, (n, _))| (v, n)).collect(),
        }
    }
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

fn numeric_stats(values: &[f64]) -> Option<NumericStats> {
    if values.is_empty() {
        return None;
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let std = if values.len() > 1 {
        (values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
    } else {
        f64::NAN
    };
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    Some(NumericStats {
        count: values.len(),
        mean,
        std,
        min: sorted[0],
        q25: quantile(&sorted, 0.25),
        q50: quantile(&sorted, 0.5),
        q75: quantile(&sorted, 0.75),
        max: sorted[sorted.len() - 1],
    })
}

/// Tab-separated if the name says so or the header has tabs but no commas.
fn delimiter(path: &Path, header: &str) -> u8 {
    let tsv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tsv"));
    if tsv || (header.contains('\t') && !header.contains(',')) {
        b'\t'
    } else {
        b','
    }
}

/// Reads and summarises the CSV at `path` (streamed record by record).
pub fn summarize(path: &Path) -> anyhow::Result<CsvSummary> {
    let open = || std::fs::File::open(path).with_context(|| format!("opening {}", path.display()));
    let mut first = Vec::new();
    std::io::BufReader::new(open()?).read_until(b'\n', &mut first)?;
    let first_line = String::from_utf8_lossy(&first);
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(path, &first_line))
        .flexible(true)
        .from_reader(std::io::BufReader::new(open()?));
    let names: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    let mut accs: Vec<Acc> = names.iter().map(|_| Acc::new()).collect();
    let mut rows = 0;
    for record in reader.records() {
        let record = record.context("parsing CSV record")?;
        rows += 1;
        for (i, acc) in accs.iter_mut().enumerate() {
            acc.push(record.get(i).unwrap_or(""));
        }
    }
    let columns = names
        .into_iter()
        .zip(accs)
        .map(|(name, acc)| acc.finish(name, rows))
        .collect();
    Ok(CsvSummary { rows, columns })
}

fn distinct_count(values: &[f64]) -> usize {
    let mut seen: Vec<u64> = values.iter().map(|v| v.to_bits()).collect();
    seen.sort_unstable();
    seen.dedup();
    seen.len()
}

impl CsvSummary {
    pub fn numeric(&self) -> impl Iterator<Item = &Column> {
        self.columns.iter().filter(|c| c.dtype.is_numeric())
    }

    /// The text column whose value counts the demo prints: the one with the fewest distinct
    /// values (first on ties), as the script's `sorted(..., key=nunique)[:1]` picks it, so an
    /// id column does not crowd out a category such as a contract type.
    pub fn text_column(&self) -> Option<&Column> {
        self.columns
            .iter()
            .filter(|c| c.dtype == Dtype::Object && !c.top.is_empty())
            .min_by_key(|c| c.top.len())
    }

    /// The numeric column worth plotting: largest coefficient of variation among columns with
    /// more than two distinct values (a 0/1 flag makes a dull histogram), else among all,
    /// else the first.
    pub fn chart_column(&self) -> Option<&Column> {
        let cv = |c: &Column| {
            c.stats
                .as_ref()
                .filter(|s| s.count > 1 && s.mean != 0.0 && s.std.is_finite())
                .map(|s| s.std / s.mean.abs())
        };
        let candidates: Vec<&Column> = self.numeric().filter(|c| !c.values.is_empty()).collect();
        let varied: Vec<&Column> = candidates
            .iter()
            .copied()
            .filter(|c| distinct_count(&c.values) > 2)
            .collect();
        let pool = if varied.is_empty() {
            &candidates
        } else {
            &varied
        };
        pool.iter()
            .filter_map(|c| cv(c).map(|v| (v, *c)))
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .map(|(_, c)| c)
            .or_else(|| candidates.first().copied())
    }

    /// The stdout of the demo's analysis script, laid out like pandas prints it.
    pub fn report(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Shape: {} rows x {} columns\n\nColumn types:",
            self.rows,
            self.columns.len()
        );
        let w = self.columns.iter().map(|c| c.name.len()).max().unwrap_or(0);
        for c in &self.columns {
            let _ = writeln!(out, "{:<w$}  {:>7}", c.name, c.dtype.as_str());
        }
        out.push_str("\nSummary of numeric columns:\n");
        let numeric: Vec<&Column> = self.numeric().collect();
        if numeric.is_empty() {
            out.push_str("No numeric columns.\n");
        } else {
            out.push_str(&describe_table(&numeric));
        }
        if let Some(col) = self.text_column() {
            let _ = writeln!(out, "\nMost common values of '{}':\n{}", col.name, col.name);
            let top = &col.top[..col.top.len().min(5)];
            let w = top.iter().map(|(v, _)| v.len()).max().unwrap_or(0);
            for (v, n) in top {
                let _ = writeln!(out, "{v:<w$}    {n}");
            }
        }
        out
    }
}

fn fmt_stat(x: f64) -> String {
    if x.is_nan() {
        "NaN".to_string()
    } else {
        format!("{x:.6}")
    }
}

fn describe_table(cols: &[&Column]) -> String {
    let labels = ["count", "mean", "std", "min", "25%", "50%", "75%", "max"];
    let cells: Vec<Vec<String>> = cols
        .iter()
        .map(|c| {
            let s = c.stats.as_ref();
            let get = |f: fn(&NumericStats) -> f64| s.map_or(f64::NAN, f);
            [
                s.map_or(0.0, |s| s.count as f64),
                get(|s| s.mean),
                get(|s| s.std),
                get(|s| s.min),
                get(|s| s.q25),
                get(|s| s.q50),
                get(|s| s.q75),
                get(|s| s.max),
            ]
            .into_iter()
            .map(fmt_stat)
            .collect()
        })
        .collect();
    let widths: Vec<usize> = cols
        .iter()
        .zip(&cells)
        .map(|(c, v)| {
            v.iter()
                .map(String::len)
                .chain([c.name.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = format!("{:<5}", "");
    for (c, w) in cols.iter().zip(&widths) {
        let _ = write!(out, "  {:>w$}", c.name);
    }
    out.push('\n');
    for (row, label) in labels.iter().enumerate() {
        let _ = write!(out, "{label:<5}");
        for (col, w) in cells.iter().zip(&widths) {
            let _ = write!(out, "  {:>w$}", col[row]);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_csv(name: &str, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    const SALES: &str = "region,units,price,promo\nNorth,10,2.5,true\nSouth,20,3.5,false\nNorth,30,,true\nEast,40,4.0,false\n";

    #[test]
    fn infers_types_and_counts_like_pandas() {
        let (_d, p) = write_csv("sales.csv", SALES);
        let s = summarize(&p).unwrap();
        assert_eq!(s.rows, 4);
        let types: Vec<Dtype> = s.columns.iter().map(|c| c.dtype).collect();
        assert_eq!(
            types,
            [Dtype::Object, Dtype::Int64, Dtype::Float64, Dtype::Bool]
        );
        let units = s.columns[1].stats.as_ref().unwrap();
        assert_eq!(units.count, 4);
        assert_eq!(units.mean, 25.0);
        assert_eq!((units.min, units.max), (10.0, 40.0));
        assert_eq!((units.q25, units.q50, units.q75), (17.5, 25.0, 32.5));
        assert!((units.std - 12.909944).abs() < 1e-6);
        let price = s.columns[2].stats.as_ref().unwrap();
        assert_eq!(price.count, 3);
        assert!((price.mean - 10.0 / 3.0).abs() < 1e-12);
        assert_eq!(s.columns[0].top[0], ("North".to_string(), 2));
        assert_eq!(s.text_column().unwrap().name, "region");
    }

    #[test]
    fn report_shows_shape_types_and_describe() {
        let (_d, p) = write_csv("sales.csv", SALES);
        let r = summarize(&p).unwrap().report();
        assert!(r.starts_with("Shape: 4 rows x 4 columns\n"), "{r}");
        assert!(r.contains("units     int64"), "{r}");
        assert!(r.contains("mean   25.000000"), "{r}");
        assert!(r.contains("North    2"), "{r}");
    }

    #[test]
    fn chart_column_has_largest_relative_spread() {
        let (_d, p) = write_csv("sales.csv", SALES);
        let s = summarize(&p).unwrap();
        assert_eq!(s.chart_column().unwrap().name, "units");
    }

    #[test]
    fn flags_are_not_charted_and_ids_are_not_counted() {
        let csv = "id,plan,flag,spend\na1,basic,0,10\na2,pro,1,35\na3,basic,0,12\na4,basic,1,90\n";
        let (_d, p) = write_csv("c.csv", csv);
        let s = summarize(&p).unwrap();
        assert_eq!(s.chart_column().unwrap().name, "spend");
        assert_eq!(s.text_column().unwrap().name, "plan");
    }

    #[test]
    fn tab_separated_and_ints_with_gaps_become_float() {
        let (_d, p) = write_csv("t.tsv", "a\tb\n1\tx\n\ty\n3\tx\n");
        let s = summarize(&p).unwrap();
        assert_eq!(s.columns[0].dtype, Dtype::Float64);
        assert_eq!(s.columns[0].stats.as_ref().unwrap().mean, 2.0);
        assert_eq!(
            s.columns[1].top,
            [("x".to_string(), 2), ("y".to_string(), 1)]
        );
    }
}
