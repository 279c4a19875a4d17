//! Writes small, valid Office Open XML files (`.pptx`, `.xlsx`) from plain
//! text, with no dependency beyond the `zip` crate.
//!
//! The packages are assembled by hand from fixed templates
//! (`templates.rs`) plus generated parts. What is guaranteed:
//!
//! * **A complete OPC package.** Every part that PowerPoint, Excel and
//!   LibreOffice expect is present and wired up: `[Content_Types].xml` (one
//!   override per part), `_rels/.rels`, `docProps/core.xml` + `app.xml`, and
//!   the document's own parts and relationships (presentation, slide master,
//!   two layouts, theme, slides / workbook, styles, theme, worksheets). A
//!   package lacking one of these may be "repaired" or refused by Office, so
//!   none is optional here.
//! * **Well-formed XML whatever the input.** All caller text goes through one
//!   escaper: `& < > " '` become entities, `\r` becomes `&#13;` (so it is not
//!   normalised away), and every character XML 1.0 forbids (C0 controls other
//!   than tab/LF/CR, U+FFFE, U+FFFF) is dropped. Text can therefore never
//!   break out of its element or make a reader reject the file.
//! * **Format limits respected.** Sheet names are made legal for Excel
//!   (no `[]:*?/\`, no leading/trailing `'`, 1–31 UTF-16 units, unique
//!   ignoring case, not `History`); cells are cut at Excel's 32,767 characters;
//!   rows and columns beyond Excel's grid (1,048,576 x 16,384) are dropped;
//!   strings that look like Excel's `_xHHHH_` escapes are escaped themselves so
//!   they read back literally.
//! * **Deterministic output.** No timestamps: the same input gives the same
//!   bytes (zip entries carry the zip epoch, 1980-01-01).
//!
//! Both functions return the bytes of the file; building an archive in memory
//! cannot fail, so there is no error path.
//!
//! Not done: text is not fitted to its box (a very long title overflows the
//! slide); numeric-looking text such as `007` becomes the number 7; Excel
//! moves inline strings to a shared-strings table when it next saves.

use std::fmt::Write as _;
use std::io::{Cursor, Write as _};

use zip::CompressionMethod;
use zip::write::{SimpleFileOptions, ZipWriter};

mod templates;
use templates as t;
#[cfg(test)]
mod tests;

/// One content slide: a title and a bulleted body (one paragraph per bullet).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Slide {
    pub title: String,
    pub bullets: Vec<String>,
}

/// Excel's limits.
const MAX_CELL_CHARS: usize = 32_767;
const MAX_ROWS: usize = 1_048_576;
const MAX_COLS: usize = 16_384;
const MAX_SHEET_NAME: usize = 31;

// ------------------------------------------------------------------ escaping

/// True for the characters XML 1.0 allows in a document.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Removes characters that XML 1.0 forbids.
fn clean(s: &str) -> String {
    s.chars().filter(|&c| is_xml_char(c)).collect()
}

/// Escapes text for use in element content or a double/single-quoted
/// attribute, dropping characters XML forbids.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#13;"),
            c if is_xml_char(c) => out.push(c),
            _ => {}
        }
    }
    out
}

/// Keeps at most `max` UTF-16 code units (Excel counts lengths that way),
/// never splitting a character.
fn truncate_utf16(s: &str, max: usize) -> &str {
    let mut units = 0;
    for (i, c) in s.char_indices() {
        units += c.len_utf16();
        if units > max {
            return &s[..i];
        }
    }
    s
}

// -------------------------------------------------------------- packaging

/// Relationships part from `(type, target)`; a type without `http` is an
/// officeDocument relationship suffix. Ids are `rId1`, `rId2`, … in order.
fn rels(items: &[(&str, &str)]) -> String {
    let mut x = format!("<Relationships xmlns=\"{}\">", t::NS_PKG_REL);
    for (i, (kind, target)) in items.iter().enumerate() {
        let (base, sep) = if kind.starts_with("http") {
            ("", "")
        } else {
            (t::REL, "/")
        };
        let id = i + 1;
        let _ = write!(
            x,
            r#"<Relationship Id="rId{id}" Type="{base}{sep}{kind}" Target="{target}"/>"#
        );
    }
    x + "</Relationships>"
}

/// An OPC package being assembled: parts in order, plus content-type overrides.
#[derive(Default)]
struct Package {
    parts: Vec<(String, String)>,
    overrides: String,
}

impl Package {
    /// Starts a package whose main part is `main`, with core/app properties.
    fn new(main: &str, title: &str, app_extra: &str) -> Self {
        let mut p = Package::default();
        let (core, app) = ("docProps/core.xml", "docProps/app.xml");
        let root = [
            ("officeDocument", main),
            (t::REL_CORE, core),
            ("extended-properties", app),
        ];
        p.part("_rels/.rels", "", &rels(&root));
        let title = esc(title);
        let title = if title.is_empty() {
            title
        } else {
            format!("<dc:title>{title}</dc:title>")
        };
        let core_xml = format!("{}{title}{}", t::CORE_OPEN, t::CORE_CLOSE);
        p.part(core, t::CT_CORE, &core_xml);
        let app_xml = format!("{}{app_extra}{}", t::APP_OPEN, t::APP_CLOSE);
        p.part(app, t::CT_APP, &app_xml);
        p
    }

    /// Adds a part; `ct` is its content type (empty for `.rels` parts, which
    /// are covered by the `rels` default).
    fn part(&mut self, path: &str, ct: &str, xml: &str) {
        if !ct.is_empty() {
            let _ = write!(
                self.overrides,
                r#"<Override PartName="/{path}" ContentType="{ct}"/>"#
            );
        }
        self.parts
            .push((path.to_string(), format!("{}{xml}", t::XML_DECL)));
    }

    /// Zips `[Content_Types].xml` first, then the parts, all deflated.
    fn finish(self) -> Vec<u8> {
        let (decl, open, close) = (t::XML_DECL, t::CT_OPEN, t::CT_CLOSE);
        let types = format!("{decl}{open}{}{close}", self.overrides);
        let mut zw = ZipWriter::new(Cursor::new(Vec::new()));
        let opts = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
        let rest = self.parts.iter().map(|(n, b)| (n.as_str(), b.as_str()));
        for (name, body) in std::iter::once(("[Content_Types].xml", types.as_str())).chain(rest) {
            zw.start_file(name, opts)
                .expect("in-memory zip cannot fail");
            zw.write_all(body.as_bytes())
                .expect("in-memory zip cannot fail");
        }
        zw.finish().expect("in-memory zip cannot fail").into_inner()
    }
}

// ---------------------------------------------------------------------- pptx

/// DrawingML runs for one paragraph; line breaks inside the text become
/// `<a:br/>` so they render as breaks rather than collapsed whitespace.
fn runs(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut x = String::new();
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            x.push_str(r#"<a:br><a:rPr lang="en-US"/></a:br>"#);
        }
        if !line.is_empty() {
            let _ = write!(
                x,
                r#"<a:r><a:rPr lang="en-US" dirty="0"/><a:t>{}</a:t></a:r>"#,
                esc(line)
            );
        }
    }
    x
}

fn paragraph(text: &str) -> String {
    format!(
        r#"<a:p>{}<a:endParaRPr lang="en-US" dirty="0"/></a:p>"#,
        runs(text)
    )
}

/// A placeholder shape; `ph` is the `<p:ph …/>` attribute list.
fn placeholder(id: u32, name: &str, ph: &str, paras: &str) -> String {
    format!(
        r#"<p:sp><p:nvSpPr><p:cNvPr id="{id}" name="{name}"/><p:cNvSpPr><a:spLocks noGrp="1"/></p:cNvSpPr><p:nvPr><p:ph {ph}/></p:nvPr></p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/><a:lstStyle/>{paras}</p:txBody></p:sp>"#
    )
}

/// A slide with the given two placeholders.
fn slide_xml(first: String, second: String) -> String {
    let (ns, head) = (t::NS_PML, t::SP_TREE_HEAD);
    let tail = "<p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sld>";
    format!("<p:sld {ns}><p:cSld>{head}{first}{second}</p:spTree></p:cSld>{tail}")
}

/// A .pptx with a title slide (title + subtitle) followed by `slides`, each a
/// title and a bulleted body.
pub fn pptx(title: &str, subtitle: &str, slides: &[Slide]) -> Vec<u8> {
    let pml = |kind: &str| format!("{}{kind}+xml", t::CT_PML);
    let n = slides.len() + 1;
    let app = format!("<PresentationFormat>Widescreen</PresentationFormat><Slides>{n}</Slides>");
    let main = "ppt/presentation.xml";
    let mut pkg = Package::new(main, title, &app);

    // presentation.xml(.rels): rId1 master, rId2 theme, rId3-5 props, rId6.. slides.
    let mut pres = format!(
        r#"<p:presentation {} saveSubsetFonts="1"><p:sldMasterIdLst><p:sldMasterId id="2147483648" r:id="rId1"/></p:sldMasterIdLst><p:sldIdLst>"#,
        t::NS_PML
    );
    for i in 0..n {
        let _ = write!(pres, r#"<p:sldId id="{}" r:id="rId{}"/>"#, 256 + i, 6 + i);
    }
    pres = format!("{pres}</p:sldIdLst>{}", t::PRES_TAIL);
    pkg.part(main, &pml("presentation.main"), &pres);
    let targets: Vec<String> = (1..=n).map(|i| format!("slides/slide{i}.xml")).collect();
    let mut pres_rels = vec![
        ("slideMaster", "slideMasters/slideMaster1.xml"),
        ("theme", "theme/theme1.xml"),
        ("presProps", "presProps.xml"),
        ("viewProps", "viewProps.xml"),
        ("tableStyles", "tableStyles.xml"),
    ];
    pres_rels.extend(targets.iter().map(|s| ("slide", s.as_str())));
    pkg.part("ppt/_rels/presentation.xml.rels", "", &rels(&pres_rels));

    let fixed = t::pptx_fixed_parts();
    for (path, ct, xml) in &fixed {
        pkg.part(path, ct, xml);
    }

    let ctr_title = placeholder(2, "Title 1", r#"type="ctrTitle""#, &paragraph(title));
    let sub = placeholder(
        3,
        "Subtitle 2",
        r#"type="subTitle" idx="1""#,
        &paragraph(subtitle),
    );
    let mut bodies = vec![(slide_xml(ctr_title, sub), 1)];
    for s in slides {
        let paras: String = match s.bullets.as_slice() {
            [] => paragraph(""), // txBody needs at least one paragraph
            bullets => bullets.iter().map(|b| paragraph(b)).collect(),
        };
        let title = placeholder(2, "Title 1", r#"type="title""#, &paragraph(&s.title));
        let body = placeholder(3, "Content Placeholder 2", r#"idx="1""#, &paras);
        bodies.push((slide_xml(title, body), 2));
    }
    for (i, (xml, layout)) in bodies.iter().enumerate() {
        let layout_target = format!("../slideLayouts/slideLayout{layout}.xml");
        pkg.part(
            &format!("ppt/slides/slide{}.xml", i + 1),
            &pml("slide"),
            xml,
        );
        let rels_path = format!("ppt/slides/_rels/slide{}.xml.rels", i + 1);
        pkg.part(&rels_path, "", &rels(&[("slideLayout", &layout_target)]));
    }
    pkg.finish()
}

// ---------------------------------------------------------------------- xlsx

/// `0 -> "A"`, `25 -> "Z"`, `26 -> "AA"`.
fn col_name(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).expect("ASCII")
}

/// The `<v>` text if `s` (trimmed) parses as a finite f64. Written in
/// shortest round-trip form, with an exponent for very large/small values.
fn number(s: &str) -> Option<String> {
    let v: f64 = s.trim().parse().ok()?;
    if !v.is_finite() {
        return None;
    }
    let v = if v == 0.0 { 0.0 } else { v }; // no "-0"
    let plain = v == 0.0 || (1e-5..1e15).contains(&v.abs());
    Some(if plain {
        format!("{v}")
    } else {
        format!("{v:e}")
    })
}

/// SpreadsheetML reads `_xHHHH_` in strings as an escaped character; escape
/// the `_` of any such literal sequence (as `_x005F_`) so it reads back as is.
fn escape_xstring(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for i in 0..b.len() {
        let is_escape = b[i] == b'_'
            && b.len() >= i + 7
            && b[i + 1] == b'x'
            && b[i + 2..i + 6].iter().all(u8::is_ascii_hexdigit)
            && b[i + 6] == b'_';
        if is_escape {
            out.push_str(&s[last..i]);
            out.push_str("_x005F");
            last = i;
        }
    }
    out.push_str(&s[last..]);
    out
}

/// Makes a legal, unique (case-insensitively) Excel sheet name.
fn sheet_name(raw: &str, index: usize, used: &[String]) -> String {
    let legal = |s: &str| -> String {
        let bad = |c: char| c.is_control() || "[]:*?/\\".contains(c) || !is_xml_char(c);
        let s: String = s.chars().filter(|&c| !bad(c)).collect();
        let s = truncate_utf16(s.trim().trim_matches('\''), MAX_SHEET_NAME);
        s.trim().trim_matches('\'').to_string()
    };
    let mut base = legal(raw);
    if base.is_empty() || base.eq_ignore_ascii_case("history") {
        base = format!("Sheet{}", index + 1);
    }
    let taken = |n: &str| used.iter().any(|u| u.to_lowercase() == n.to_lowercase());
    let mut name = base.clone();
    let mut k = 2;
    while taken(&name) {
        let suffix = format!(" ({k})");
        let head = truncate_utf16(&base, MAX_SHEET_NAME - suffix.len()).trim_end_matches('\'');
        name = format!("{head}{suffix}");
        k += 1;
    }
    name
}

fn worksheet(rows: &[Vec<String>], first: bool) -> String {
    let rows = &rows[..rows.len().min(MAX_ROWS)];
    let ncols = rows.iter().map(Vec::len).max().unwrap_or(0).min(MAX_COLS);
    let mut x = format!("<worksheet {}>", t::NS_SML);
    if ncols > 0 {
        let last = format!("{}{}", col_name(ncols - 1), rows.len());
        let _ = write!(x, r#"<dimension ref="A1:{last}"/>"#);
    }
    x.push_str(&t::sheet_views(first, rows.len() > 1));
    if ncols > 0 {
        // Column widths from the longest cell (in chars), within sane bounds.
        x.push_str("<cols>");
        for c in 0..ncols {
            let chars = rows
                .iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count());
            let (n, w) = (c + 1, chars.max().unwrap_or(0).clamp(8, 60) + 2);
            let _ = write!(
                x,
                r#"<col min="{n}" max="{n}" width="{w}" customWidth="1"/>"#
            );
        }
        x.push_str("</cols>");
    }
    x.push_str("<sheetData>");
    for (r, row) in rows.iter().enumerate() {
        let _ = write!(x, r#"<row r="{}">"#, r + 1);
        // The header row is bold (style 1) and always text.
        let style = if r == 0 { r#" s="1""# } else { "" };
        for (c, cell) in row.iter().take(MAX_COLS).enumerate() {
            let at = format!("{}{}", col_name(c), r + 1);
            if let Some(v) = number(cell).filter(|_| r > 0) {
                let _ = write!(x, r#"<c r="{at}"><v>{v}</v></c>"#);
                continue;
            }
            let text = clean(cell);
            if !text.is_empty() {
                let text = esc(&escape_xstring(truncate_utf16(&text, MAX_CELL_CHARS)));
                let is = format!(r#"<is><t xml:space="preserve">{text}</t></is>"#);
                let _ = write!(x, r#"<c r="{at}"{style} t="inlineStr">{is}</c>"#);
            }
        }
        x.push_str("</row>");
    }
    x + "</sheetData></worksheet>"
}

/// A .xlsx with one sheet per `(name, rows)`; the first row is the header
/// (bold, frozen, always text). Other cells that parse as a finite f64
/// (after trimming) are numbers; the rest are inline strings. With no sheets,
/// one empty `Sheet1` is written (a workbook needs at least one).
pub fn xlsx(sheets: &[(&str, Vec<Vec<String>>)]) -> Vec<u8> {
    let sml = |kind: &str| format!("{}{kind}+xml", t::CT_SML);
    let empty = [("Sheet1", Vec::new())];
    let sheets = if sheets.is_empty() {
        &empty[..]
    } else {
        sheets
    };
    let mut names: Vec<String> = Vec::new();
    for (i, (raw, _)) in sheets.iter().enumerate() {
        let name = sheet_name(raw, i, &names);
        names.push(name);
    }
    let mut pkg = Package::new("xl/workbook.xml", "", &t::xlsx_app_props(&names, esc));

    // workbook.xml.rels: rId1..rIdN sheets, then styles and theme.
    let mut wb = format!("<workbook {}>{}<sheets>", t::NS_SML, t::BOOK_VIEWS);
    for (i, name) in names.iter().enumerate() {
        let (name, id) = (esc(name), i + 1);
        let _ = write!(
            wb,
            r#"<sheet name="{name}" sheetId="{id}" r:id="rId{id}"/>"#
        );
    }
    pkg.part(
        "xl/workbook.xml",
        &sml("sheet.main"),
        &(wb + "</sheets></workbook>"),
    );
    let paths: Vec<String> = (1..=sheets.len())
        .map(|i| format!("worksheets/sheet{i}.xml"))
        .collect();
    let mut wb_rels: Vec<(&str, &str)> = paths.iter().map(|s| ("worksheet", s.as_str())).collect();
    wb_rels.extend([("styles", "styles.xml"), ("theme", "theme/theme1.xml")]);
    pkg.part("xl/_rels/workbook.xml.rels", "", &rels(&wb_rels));
    pkg.part("xl/styles.xml", &sml("styles"), t::STYLES);
    pkg.part("xl/theme/theme1.xml", t::CT_THEME, t::THEME);
    for ((_, rows), path) in sheets.iter().zip(&paths) {
        let xml = worksheet(rows, path.ends_with("/sheet1.xml"));
        pkg.part(&format!("xl/{path}"), &sml("worksheet"), &xml);
    }
    pkg.finish()
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(
            esc("a<&>\"'\u{1}\u{FFFE}\r\tz"),
            "a&lt;&amp;&gt;&quot;&apos;&#13;\tz"
        );
        assert_eq!(
            [col_name(0), col_name(25), col_name(26), col_name(16_383)],
            ["A", "Z", "AA", "XFD"]
        );
        assert_eq!(number(" 42 ").as_deref(), Some("42"));
        assert_eq!(number("-0").as_deref(), Some("0"));
        assert_eq!(number("1e300").as_deref(), Some("1e300"));
        for s in ["NaN", "inf", "-infinity", "1e999", "", "12a", "0x10"] {
            assert_eq!(number(s), None, "{s}");
        }
        assert_eq!(escape_xstring("a_x0041_b_x12_"), "a_x005F_x0041_b_x12_");
        assert_eq!(truncate_utf16("a😀b", 2), "a");
        let used = vec!["Data".to_string()];
        assert_eq!(sheet_name("data", 1, &used), "data (2)");
        assert_eq!(sheet_name("'[a]:*?/\\b'", 0, &[]), "ab");
        assert_eq!(sheet_name("  ", 2, &[]), "Sheet3");
        assert_eq!(sheet_name("History", 0, &[]), "Sheet1");
        let long = sheet_name(&"x".repeat(40), 1, &["x".repeat(31)]);
        assert_eq!(long, format!("{} (2)", "x".repeat(27)));
    }
}
