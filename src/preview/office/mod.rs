//! Previews of office outputs: sheets of an `.xlsx`, text outlines of `.docx` / `.pptx`,
//! and a summary of a PDF (page count, Info metadata, first-page text).
//!
//! Every function takes the whole file as bytes (the caller does the I/O) and returns plain
//! data or a short human sentence as the error. **Input is untrusted**, so:
//!
//! - memory is bounded: a zip part is never inflated past its cap. Parts held whole (every
//!   `.docx`/`.pptx` part read, and an `.xlsx`'s shared strings, styles and relationships) are
//!   capped at [`MAX_PART_BYTES`]; worksheets are streamed cell by cell and capped at
//!   [`MAX_SHEET_PART_BYTES`] (only one XML token is buffered at a time). PDF streams inflate
//!   to at most [`MAX_PART_BYTES`] each. Kept text is capped too ([`MAX_CELL_CHARS`],
//!   [`MAX_ITEM_CHARS`], 16 MiB per workbook), besides the caller's `max_rows` /
//!   `max_items` / `max_text_chars`;
//! - work is bounded: an `.xlsx` may unpack to at most [`MAX_XLSX_UNPACKED`] in all and each
//!   worksheet part is scanned once (two sheets sharing a part are refused); a `.docx`/`.pptx`
//!   outline inflates at most 256 MiB of XML; at most [`MAX_SHEETS`] sheets are returned;
//! - nothing panics: errors come back as `Err`, and a panic inside a third-party parser is
//!   caught and turned into one (this needs `panic = "unwind"`, the default).
//!
//! Legacy `.xls` and `.ods` are refused: calamine loads those whole, with no memory bound.

use std::collections::{HashMap, HashSet};
use std::io::Cursor;

use calamine::{DataRef, ExcelDateTime, Reader, SheetType, Xlsx};

mod xml;
use xml::{
    Package, XmlEv, append, attr, cut, expect_root, num_attr, open_package, parent_is, xml_walk,
};

type Res<T> = Result<T, String>;

/// Cap on a part held whole in memory, decompressed (and on each PDF stream).
pub const MAX_PART_BYTES: u64 = 16 << 20;
/// Cap on an `.xlsx` worksheet (or any entry not held whole), decompressed.
pub const MAX_SHEET_PART_BYTES: u64 = 256 << 20;
/// Cap on all entries of an `.xlsx` together, decompressed.
pub const MAX_XLSX_UNPACKED: u64 = 1 << 30;
/// Cap on the XML inflated for one `.docx` / `.pptx` outline, all parts together.
const MAX_DOC_BYTES: u64 = 256 << 20;
/// Sheets beyond this many are left out of [`xlsx_sheets`].
pub const MAX_SHEETS: usize = 64;
/// Columns beyond this many are not kept in [`Sheet::rows`] (they still count in `columns`).
pub const MAX_COLUMNS: usize = 256;
/// A cell's text is cut to this many characters (and ends with `…`).
pub const MAX_CELL_CHARS: usize = 1024;
/// An outline item's text is cut to this many characters (and ends with `…`).
pub const MAX_ITEM_CHARS: usize = 2048;
const MAX_KEPT_BYTES: usize = 16 << 20;

/// One worksheet: its first rows as display strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub name: String,
    /// Rows from `A1`, at most `max_rows`; a row stops after its last non-empty kept cell,
    /// so rows can be shorter than `columns`; fewer rows are kept if the budget runs out.
    pub rows: Vec<Vec<String>>,
    /// Last used row number (1-based), i.e. rows up to the last non-empty cell.
    pub total_rows: u64,
    /// Last used column number (1-based).
    pub columns: usize,
}

/// Reads the worksheets (chart sheets skipped) of an `.xlsx` / `.xlsm`, in workbook order.
/// At most `max_rows` rows are kept per sheet (first row included); total_rows counts all rows.
pub fn xlsx_sheets(bytes: &[u8], max_rows: usize) -> Result<Vec<Sheet>, String> {
    guard(".xlsx", || read_xlsx(bytes, max_rows))
}

/// An entry of a document outline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutlineItem {
    /// `level` 0 is the Title style, 1..=9 are Heading 1..9 (or outline levels).
    Heading {
        level: u8,
        text: String,
    },
    Paragraph(String),
    /// `number` is 1-based in presentation order; `title` is empty when the slide has none.
    Slide {
        number: usize,
        title: String,
    },
    /// `level` is the paragraph's indent level, 0 for the top.
    Bullet {
        level: u8,
        text: String,
    },
}

/// Headings (Title, Heading 1..9 styles or outline levels) and paragraphs of the main text, in
/// order; empty paragraphs skipped. Text boxes come before the paragraph that anchors them.
pub fn docx_outline(bytes: &[u8], max_items: usize) -> Result<Vec<OutlineItem>, String> {
    guard(".docx", || read_docx(bytes, max_items))
}

/// Slides in presentation order, each `Slide { title }` then its other paragraphs as `Bullet`s.
pub fn pptx_outline(bytes: &[u8], max_items: usize) -> Result<Vec<OutlineItem>, String> {
    guard(".pptx", || read_pptx(bytes, max_items))
}

/// What a PDF says about itself. Dates are shown as `YYYY-MM-DD HH:MM:SS+HH:MM`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfSummary {
    pub pages: usize,
    pub title: Option<String>,
    pub author: Option<String>,
    pub creator: Option<String>,
    pub producer: Option<String>,
    pub created: Option<String>,
    /// Text of page 1 as lopdf extracts it (best effort), cut to `max_text_chars`.
    pub first_page_text: Option<String>,
}

/// Page count, Info metadata and (if `max_text_chars > 0`) first-page text of a PDF.
pub fn pdf_summary(bytes: &[u8], max_text_chars: usize) -> Result<PdfSummary, String> {
    guard("PDF", || read_pdf(bytes, max_text_chars))
}

fn guard<T>(kind: &str, f: impl FnOnce() -> Res<T>) -> Res<T> {
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    caught.unwrap_or_else(|_| Err(bad(kind, "the reader gave up on this file")))
}

fn bad(kind: &str, e: impl std::fmt::Display) -> String {
    format!("not a valid {kind}: {e}")
}

fn too_large(what: impl std::fmt::Display, size: u64) -> String {
    let mib = size.div_ceil(1 << 20);
    format!("{what} is too large to preview ({mib} MiB unpacked)")
}

// ---------------------------------------------------------------- xlsx

fn read_xlsx(bytes: &[u8], max_rows: usize) -> Res<Vec<Sheet>> {
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(bad(".xlsx", "it is a legacy .xls or an encrypted workbook"));
    }
    // The zip crate stops inflating an entry at its declared size, so checking the declared
    // sizes here bounds everything calamine will inflate.
    let mut pkg = open_package(bytes, ".xlsx")?;
    let (mut sizes, mut unpacked) = (HashMap::new(), 0u64);
    for i in 0..pkg.zip.len() {
        let entry = pkg.zip.by_index_data(i).map_err(|e| bad(".xlsx", e))?;
        let name = entry.name().unwrap_or_default().to_lowercase();
        let held = [".rels", "sharedstrings.xml", "styles.xml"].map(|s| name.ends_with(s));
        let cap = if held.contains(&true) {
            MAX_PART_BYTES
        } else {
            MAX_SHEET_PART_BYTES
        };
        let size = entry.size();
        if size > cap {
            return Err(too_large(format_args!(".xlsx part {name}"), size));
        }
        unpacked += size;
        sizes.insert(name, size);
    }
    if unpacked > MAX_XLSX_UNPACKED {
        return Err(too_large(".xlsx", unpacked));
    }
    let parts = sheet_parts(&mut pkg)?;
    let mut wb = Xlsx::new(Cursor::new(bytes)).map_err(|e| bad(".xlsx", e))?;
    let meta = wb.sheets_metadata().iter();
    let meta = meta
        .filter(|s| s.typ == SheetType::WorkSheet)
        .take(MAX_SHEETS);
    let names: Vec<String> = meta.map(|s| s.name.clone()).collect();
    let (mut kept, mut scan, mut scanned) = (MAX_KEPT_BYTES, MAX_XLSX_UNPACKED, HashSet::new());
    let mut sheets = Vec::new();
    for name in names {
        // Each part is scanned once (real workbooks never share one), and a part we could
        // not find costs as much as the largest allowed: the scan is bounded by the total.
        let part = parts.get(&name);
        if part.is_some_and(|p| !scanned.insert(p)) {
            return Err(bad(
                ".xlsx",
                format!("sheet \"{name}\" repeats another sheet"),
            ));
        }
        let cost = part
            .and_then(|p| sizes.get(p))
            .unwrap_or(&MAX_SHEET_PART_BYTES);
        let too_big = || too_large(".xlsx", MAX_XLSX_UNPACKED);
        scan = scan.checked_sub(*cost).ok_or_else(too_big)?;
        sheets.push(read_sheet(&mut wb, name, max_rows, &mut kept)?);
    }
    Ok(sheets)
}

/// Sheet name -> its worksheet part (lowercased), from `workbook.xml` and its relationships.
fn sheet_parts(pkg: &mut Package) -> Res<HashMap<String, String>> {
    let main = pkg.main_part("xl/workbook.xml")?;
    let (rels, workbook) = (pkg.rels(&main)?, pkg.required(&main)?);
    let mut parts = HashMap::new();
    xml_walk(&workbook, ".xlsx", |ev, stack| {
        if let XmlEv::Open(e) = ev
            && e.local_name().as_ref() == "sheet"
            && parent_is(stack, &["sheets"])
            && let (Some(name), Some(rid)) = (attr(e, "name"), attr(e, "r:id"))
            && let Some((target, _)) = rels.get(&rid)
        {
            parts.insert(name, target.to_lowercase());
        }
        true
    })?;
    Ok(parts)
}

type Book<'a> = Xlsx<Cursor<&'a [u8]>>;

fn read_sheet(wb: &mut Book, name: String, max_rows: usize, kept: &mut usize) -> Res<Sheet> {
    let err = |e: calamine::XlsxError| bad(".xlsx", format!("sheet \"{name}\": {e}"));
    let mut cells = wb.worksheet_cells_reader(&name).map_err(err)?;
    let (mut rows, mut total_rows, mut columns) = (Vec::<Vec<String>>::new(), 0u64, 0usize);
    while let Some(cell) = cells.next_cell().map_err(err)? {
        let ((r, c), value) = (cell.get_position(), cell.get_value());
        if matches!(value, DataRef::Empty) {
            continue;
        }
        total_rows = total_rows.max(u64::from(r) + 1);
        columns = columns.max(c as usize + 1);
        let (r, c) = (r as usize, c as usize);
        if r >= max_rows || c >= MAX_COLUMNS || *kept == 0 {
            continue;
        }
        let text = cell_text(value);
        let new_rows = (r + 1).saturating_sub(rows.len());
        let new_cells = (c + 1).saturating_sub(rows.get(r).map_or(0, Vec::len));
        let cost = (new_rows + new_cells) * size_of::<String>() + text.len();
        if cost > *kept {
            *kept = 0; // the budget is spent: keep no more cells, but go on counting
            continue;
        }
        *kept -= cost;
        rows.resize_with(rows.len().max(r + 1), Vec::new);
        let row = &mut rows[r];
        row.resize_with(row.len().max(c + 1), String::new);
        row[c] = text;
    }
    Ok(Sheet {
        name,
        rows,
        total_rows,
        columns,
    })
}

fn cell_text(value: &DataRef) -> String {
    match value {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) if f.abs() >= 1e15 || f.abs() < 1e-9 => format!("{f:e}"),
        DataRef::Float(f) => f.to_string(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => {
            cut(s, MAX_CELL_CHARS)
        }
        DataRef::SharedString(s) => cut(s, MAX_CELL_CHARS),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(d) => date_text(d),
        DataRef::Error(e) => e.to_string(),
        DataRef::Empty => String::new(),
    }
}

/// ISO-style date/time: `2024-03-15`, `2024-03-15 13:45:00`, `13:45:00`; durations `36:00:00`.
fn date_text(d: &ExcelDateTime) -> String {
    let v = d.as_f64();
    if d.is_duration() {
        let sign = if v < 0.0 { "-" } else { "" };
        let secs = (v.abs() * 86_400.0).round() as u64;
        let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
        return format!("{sign}{h}:{m:02}:{s:02}");
    }
    let (y, mo, da, h, mi, s, ms) = d.to_ymd_hms_milli();
    let mut time = format!("{h:02}:{mi:02}:{s:02}");
    if ms > 0 {
        time += &format!(".{ms:03}");
    }
    match (v, (h, mi, s, ms)) {
        (v, _) if (0.0..1.0).contains(&v) => time,
        (_, (0, 0, 0, 0)) => format!("{y:04}-{mo:02}-{da:02}"),
        _ => format!("{y:04}-{mo:02}-{da:02} {time}"),
    }
}

// ---------------------------------------------------------------- docx

fn read_docx(bytes: &[u8], max_items: usize) -> Res<Vec<OutlineItem>> {
    let mut pkg = open_package(bytes, ".docx")?;
    let main = pkg.main_part("word/document.xml")?;
    let document = pkg.required(&main)?;
    expect_root(&document, ".docx", "document")?;
    let mut rels = pkg.rels(&main)?.into_values();
    let styles = match rels.find(|(_, typ)| typ.ends_with("/styles")) {
        Some((target, _)) => pkg
            .part(&target)?
            .map(|xml| heading_styles(&xml))
            .transpose()?,
        None => None,
    };
    let styles = styles.unwrap_or_default();
    // Paragraphs nest (text boxes), so the open ones form a stack.
    let (mut items, mut paras) = (Vec::new(), Vec::<(String, Option<u8>)>::new());
    xml_walk(&document, ".docx", |ev, stack| {
        let in_ppr = parent_is(stack, &["p", "pPr"]);
        match ev {
            XmlEv::Open(e) => {
                let level = match e.local_name().as_ref() {
                    "p" => {
                        paras.push((String::new(), None));
                        None
                    }
                    "pStyle" if in_ppr => attr(e, "val").and_then(|id| {
                        styles
                            .get(&id)
                            .copied()
                            .unwrap_or_else(|| builtin_heading(&id))
                    }),
                    "outlineLvl" if in_ppr => num_attr(e, "val").filter(|l| *l < 9).map(|l| l + 1),
                    "tab" | "br" | "cr" if parent_is(stack, &["r"]) => {
                        append(paras.last_mut(), " ");
                        None
                    }
                    _ => None,
                };
                if let (Some(p), Some(level)) = (paras.last_mut(), level) {
                    p.1 = Some(level);
                }
            }
            XmlEv::Text(t) if parent_is(stack, &["r", "t"]) => append(paras.last_mut(), t),
            XmlEv::Close("p") => {
                if let Some((text, level)) = paras.pop()
                    && !text.trim().is_empty()
                {
                    let text = cut(text.trim(), MAX_ITEM_CHARS);
                    items.push(match level {
                        Some(level) => OutlineItem::Heading { level, text },
                        None => OutlineItem::Paragraph(text),
                    });
                }
            }
            _ => {}
        }
        items.len() < max_items
    })?;
    items.truncate(max_items);
    Ok(items)
}

/// `styleId -> heading level` from `styles.xml`: Title / heading N by name, else the outline
/// level, else that of the `basedOn` style.
fn heading_styles(xml: &str) -> Res<HashMap<String, Option<u8>>> {
    let mut raw = HashMap::<String, (Option<u8>, Option<String>)>::new(); // own level, basedOn
    let mut current = String::new();
    xml_walk(xml, ".docx", |ev, stack| {
        let XmlEv::Open(e) = ev else { return true };
        let (name, in_style) = (e.local_name(), parent_is(stack, &["style"]));
        if name.as_ref() == "style" {
            current = attr(e, "styleId").unwrap_or_default();
            raw.insert(current.clone(), (None, None));
        } else if let Some((level, based)) = raw.get_mut(&current) {
            match name.as_ref() {
                "name" if in_style => {
                    *level = attr(e, "val").and_then(|n| builtin_heading(&n.replace(' ', "")))
                }
                "basedOn" if in_style => *based = attr(e, "val"),
                "outlineLvl" if parent_is(stack, &["style", "pPr"]) => {
                    *level = level.or(num_attr(e, "val").filter(|l| *l < 9).map(|l| l + 1))
                }
                _ => {}
            }
        }
        true
    })?;
    let level = |id: &String| {
        let mut id = Some(id);
        for _ in 0..16 {
            let (level, based) = raw.get(id?)?;
            if level.is_some() {
                return *level;
            }
            id = based.as_ref();
        }
        None
    };
    Ok(raw.keys().map(|id| (id.clone(), level(id))).collect())
}

/// `Title` -> 0, `Heading1`..`Heading9` (any case) -> 1..=9.
fn builtin_heading(name: &str) -> Option<u8> {
    let lower = name.to_ascii_lowercase();
    if lower == "title" {
        return Some(0);
    }
    let n: u8 = lower.strip_prefix("heading")?.parse().ok()?;
    (1..=9).contains(&n).then_some(n)
}

// ---------------------------------------------------------------- pptx

fn read_pptx(bytes: &[u8], max_items: usize) -> Res<Vec<OutlineItem>> {
    let mut pkg = open_package(bytes, ".pptx")?;
    let main = pkg.main_part("ppt/presentation.xml")?;
    let presentation = pkg.required(&main)?;
    expect_root(&presentation, ".pptx", "presentation")?;
    let (rels, mut ids) = (pkg.rels(&main)?, Vec::new());
    xml_walk(&presentation, ".pptx", |ev, stack| {
        if let XmlEv::Open(e) = ev
            && e.local_name().as_ref() == "sldId"
            && parent_is(stack, &["sldIdLst"])
        {
            ids.extend(attr(e, "r:id"));
        }
        true
    })?;
    let mut items = Vec::new();
    for (number, rid) in (1..).zip(&ids) {
        if items.len() >= max_items {
            break;
        }
        let xml = match rels.get(rid) {
            Some((target, _)) => pkg.part(target)?,
            None => None,
        };
        let (title, bullets) = match xml {
            Some(xml) => slide_text(&xml, max_items - items.len() - 1)?,
            None => Default::default(),
        };
        items.push(OutlineItem::Slide { number, title });
        items.extend(bullets);
    }
    Ok(items)
}

/// The title (title/ctrTitle placeholder) and the other paragraphs of one slide.
fn slide_text(xml: &str, max_bullets: usize) -> Res<(String, Vec<OutlineItem>)> {
    let (mut title, mut bullets) = (String::new(), Vec::new());
    let mut shapes: Vec<bool> = Vec::new(); // per open p:sp: is it the title?
    let mut para: Option<(String, u8)> = None;
    xml_walk(xml, ".pptx", |ev, stack| {
        match ev {
            XmlEv::Open(e) => match e.local_name().as_ref() {
                "sp" => shapes.push(false),
                "ph" if parent_is(stack, &["sp", "nvSpPr", "nvPr"]) => {
                    let typ = attr(e, "type").unwrap_or_default();
                    if let Some(is_title) = shapes.last_mut() {
                        *is_title = typ == "title" || typ == "ctrTitle";
                    }
                }
                "p" if parent_is(stack, &["txBody"]) => para = Some((String::new(), 0)),
                "pPr" if parent_is(stack, &["p"]) => {
                    let level = num_attr(e, "lvl").unwrap_or(0).min(8);
                    para.iter_mut().for_each(|p| p.1 = level);
                }
                "br" if parent_is(stack, &["p"]) => append(para.as_mut(), " "),
                _ => {}
            },
            XmlEv::Text(t) if parent_is(stack, &["t"]) => append(para.as_mut(), t),
            XmlEv::Close("sp") => drop(shapes.pop()),
            XmlEv::Close("p") => match para.take().filter(|p| !p.0.trim().is_empty()) {
                Some((text, _)) if shapes.last() == Some(&true) => {
                    title = format!("{title} {}", text.trim()).trim_start().to_owned();
                    title = cut(&title, MAX_ITEM_CHARS);
                }
                Some((text, level)) if bullets.len() < max_bullets => {
                    let text = cut(text.trim(), MAX_ITEM_CHARS);
                    bullets.push(OutlineItem::Bullet { level, text });
                }
                _ => {}
            },
            _ => {}
        }
        true // the title may come after the bullets
    })?;
    Ok((title, bullets))
}

// ---------------------------------------------------------------- pdf

fn read_pdf(bytes: &[u8], max_text_chars: usize) -> Res<PdfSummary> {
    if !bytes.windows(5).take(1024).any(|w| w == b"%PDF-") {
        return Err(bad("PDF", "no %PDF- header"));
    }
    let limit = MAX_PART_BYTES as usize;
    let options = lopdf::LoadOptions::with_max_decompressed_size(limit);
    let doc = lopdf::Document::load_mem_with_options(bytes, options).map_err(|e| bad("PDF", e))?;
    if doc.is_encrypted() {
        return Err("PDF is password-protected".into());
    }
    let pages = doc.get_pages().len();
    if pages == 0 {
        return Err(bad("PDF", "no pages found"));
    }
    let info = doc.trailer.get(b"Info").and_then(|o| doc.dereference(o));
    let info = info.and_then(|(_, o)| o.as_dict()).ok();
    let field = |key: &[u8]| {
        let value = doc.dereference(info?.get(key).ok()?).ok()?.1;
        let text = lopdf::decode_text_string(value).ok()?;
        Some(cut(text.trim(), MAX_ITEM_CHARS)).filter(|t| !t.is_empty())
    };
    // Chunks that fail (an unknown font encoding, say) are left out; the rest is kept.
    let chunks = (max_text_chars > 0).then(|| doc.extract_text_chunks_with_limit(&[1], limit));
    let text: String = chunks.into_iter().flatten().flatten().collect();
    let text = text.trim();
    Ok(PdfSummary {
        pages,
        title: field(b"Title"),
        author: field(b"Author"),
        creator: field(b"Creator"),
        producer: field(b"Producer"),
        created: field(b"CreationDate").map(|d| pdf_date(&d)),
        first_page_text: (!text.is_empty()).then(|| cut(text, max_text_chars)),
    })
}

/// `D:20240102030405+01'00'` -> `2024-01-02 03:04:05+01:00`; unparsable dates pass through.
fn pdf_date(raw: &str) -> String {
    let s = raw.strip_prefix("D:").unwrap_or(raw);
    let n = s.bytes().take_while(u8::is_ascii_digit).count().min(14);
    if n < 4 || n % 2 == 1 || !s.is_ascii() {
        return raw.to_owned();
    }
    let d = format!("{}{}", &s[..n], &"00000101000000"[n..]); // month and day default to 01
    let tz = s[n..].replace('\'', "");
    let two = |at: usize| {
        tz.get(at..at + 2)
            .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
    };
    let zone = match tz.as_bytes().first() {
        Some(b'Z') => "Z".to_owned(),
        Some(b'+' | b'-') if two(1).is_some() => format!("{}:{}", &tz[..3], two(3).unwrap_or("00")),
        _ => String::new(),
    };
    let p: Vec<&str> = (0..7).map(|i| &d[i * 2..i * 2 + 2]).collect();
    let (c, y, m, d, hh, mm, ss) = (p[0], p[1], p[2], p[3], p[4], p[5], p[6]);
    format!("{c}{y}-{m}-{d} {hh}:{mm}:{ss}{zone}")
}

#[cfg(test)]
mod pdf_tests;
#[cfg(test)]
mod tests;
