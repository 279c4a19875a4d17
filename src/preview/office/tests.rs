//! Tests of the spreadsheet and outline readers: every input is built here, in memory.

use super::*;
use std::io::Write;

use OutlineItem::{Bullet, Heading, Paragraph, Slide};

fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in parts {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// Whatever the damage, the answer is a value or a sentence, never a caught panic.
pub(super) fn assert_survives_damage(bytes: &[u8], read: impl Fn(&[u8]) -> Option<String>) {
    let mut cuts: Vec<usize> = (0..bytes.len()).step_by(bytes.len() / 40 + 1).collect();
    cuts.push(bytes.len() - 1);
    for cut in cuts {
        let err = read(&bytes[..cut]).unwrap_or_default();
        assert!(!err.contains("gave up"), "cut at {cut}: {err}");
        let mut flipped = bytes.to_vec();
        flipped[cut] ^= 0x5a;
        let err = read(&flipped).unwrap_or_default();
        assert!(!err.contains("gave up"), "flip at {cut}: {err}");
    }
}

// ---------------------------------------------------------------- xlsx

fn sample_xlsx() -> Vec<u8> {
    use rust_xlsxwriter::{ExcelDateTime as Dt, Format, Workbook};
    let mut wb = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let stamp = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let time = Format::new().set_num_format("hh:mm:ss");
    let ws = wb.add_worksheet().set_name("Data").unwrap();
    for (c, h) in ["name", "count", "ratio", "ok", "day", "at", "time"]
        .iter()
        .enumerate()
    {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "Ada & Bob").unwrap();
    ws.write_number(1, 1, 42.0).unwrap();
    ws.write_number(1, 2, 0.25).unwrap();
    ws.write_boolean(1, 3, true).unwrap();
    ws.write_datetime_with_format(1, 4, Dt::from_ymd(2024, 3, 15).unwrap(), &date)
        .unwrap();
    let at = Dt::from_ymd(2024, 3, 15)
        .unwrap()
        .and_hms(13, 45, 0)
        .unwrap();
    ws.write_datetime_with_format(1, 5, &at, &stamp).unwrap();
    ws.write_datetime_with_format(1, 6, Dt::from_hms(8, 30, 15).unwrap(), &time)
        .unwrap();
    ws.write_number(2, 1, -7.0).unwrap();
    ws.write_number(2, 2, 1e20).unwrap();
    ws.write_string(3, 0, "x".repeat(MAX_CELL_CHARS + 10))
        .unwrap();
    let long = wb.add_worksheet().set_name("Long").unwrap();
    for r in 0..50u32 {
        long.write_number(r, 0, f64::from(r)).unwrap();
    }
    long.write_number(49, 2, 1.5).unwrap();
    let mut chart = rust_xlsxwriter::Chart::new(rust_xlsxwriter::ChartType::Column);
    chart.add_series().set_values("Long!$A$1:$A$5");
    wb.add_chartsheet()
        .set_name("Chart")
        .unwrap()
        .insert_chart(0, 0, &chart)
        .unwrap();
    wb.add_worksheet().set_name("Empty").unwrap();
    wb.save_to_buffer().unwrap()
}

#[test]
fn xlsx_reads_values_as_a_person_would() {
    let sheets = xlsx_sheets(&sample_xlsx(), 10).unwrap();
    let names: Vec<&str> = sheets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Data", "Long", "Empty"], "chart sheets are skipped");
    let data = &sheets[0];
    assert_eq!((data.total_rows, data.columns), (4, 7));
    assert_eq!(
        data.rows[0],
        ["name", "count", "ratio", "ok", "day", "at", "time"]
    );
    assert_eq!(
        data.rows[1],
        [
            "Ada & Bob",
            "42",
            "0.25",
            "true",
            "2024-03-15",
            "2024-03-15 13:45:00",
            "08:30:15"
        ]
    );
    assert_eq!(
        data.rows[2],
        ["", "-7", "1e20"],
        "rows end at their last cell"
    );
    assert_eq!(data.rows[3][0].chars().count(), MAX_CELL_CHARS + 1);
    assert!(data.rows[3][0].ends_with('…'));
}

#[test]
fn xlsx_keeps_max_rows_but_counts_all() {
    let sheets = xlsx_sheets(&sample_xlsx(), 10).unwrap();
    let long = &sheets[1];
    assert_eq!(
        (long.rows.len(), long.total_rows, long.columns),
        (10, 50, 3)
    );
    assert_eq!(long.rows[0], ["0"]);
    assert_eq!(long.rows[9], ["9"]);
    assert_eq!(
        (
            sheets[2].rows.len(),
            sheets[2].total_rows,
            sheets[2].columns
        ),
        (0, 0, 0)
    );
    let none = xlsx_sheets(&sample_xlsx(), 0).unwrap();
    assert!(none.iter().all(|s| s.rows.is_empty()));
    assert_eq!(none[1].total_rows, 50);
}

/// A hand-made workbook: inline strings, an error cell, a cell at the far corner.
fn handmade_xlsx(sheet_data: &str) -> Vec<u8> {
    handmade_xlsx_with(r#"<sheet name="S" sheetId="1" r:id="rId1"/>"#, sheet_data)
}

fn handmade_xlsx_with(sheets: &str, sheet_data: &str) -> Vec<u8> {
    let rels =
        r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">"#;
    let root = format!(
        r#"{rels}<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
    );
    let wb_rels = format!(
        r#"{rels}<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#
    );
    let workbook = format!(
        r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>{sheets}</sheets></workbook>"#
    );
    let sheet = format!(
        r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet_data}</sheetData></worksheet>"#
    );
    let types = r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>"#;
    zip_of(&[
        ("[Content_Types].xml", types.as_bytes()),
        ("_rels/.rels", root.as_bytes()),
        ("xl/workbook.xml", workbook.as_bytes()),
        ("xl/_rels/workbook.xml.rels", wb_rels.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
    ])
}

#[test]
fn xlsx_shows_errors_and_bounds_far_cells() {
    let cells = r#"<row r="1"><c r="A1" t="e"><v>#DIV/0!</v></c><c r="B1" t="inlineStr"><is><t>hi</t></is></c><c r="C1" t="b"><v>0</v></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#;
    let sheets = xlsx_sheets(&handmade_xlsx(cells), 1_000_000_000).unwrap();
    let s = &sheets[0];
    assert_eq!((s.total_rows, s.columns), (1_048_576, 16_384));
    assert_eq!(s.rows[0], ["#DIV/0!", "hi", "false"]);
    // The far cell is past MAX_COLUMNS, so its row stays empty and costs nothing.
    assert!(s.rows.len() <= 1);
}

#[test]
fn xlsx_refuses_sheets_sharing_a_part() {
    // Real workbooks never do this; allowing it would let one part be scanned 64 times.
    let cells = r#"<row r="2"><c r="B2"><v>2.5</v></c></row>"#;
    let one = r#"<sheet name="A&amp;B" sheetId="1" r:id="rId1"/>"#;
    let got = xlsx_sheets(&handmade_xlsx_with(one, cells), 9).unwrap();
    assert_eq!(got[0].name, "A&B");
    assert_eq!(got[0].rows, [vec![], vec![String::new(), "2.5".into()]]);
    let two = format!(r#"{one}<sheet name="C" sheetId="2" r:id="rId1"/>"#);
    let err = xlsx_sheets(&handmade_xlsx_with(&two, cells), 9).unwrap_err();
    assert!(err.contains("sheet \"C\" repeats another sheet"), "{err}");
}

#[test]
fn xlsx_refuses_bad_input_with_a_sentence() {
    let good = sample_xlsx();
    for bad in [&good[..good.len() / 2], b"hello", b""] {
        let err = xlsx_sheets(bad, 5).unwrap_err();
        assert!(err.starts_with("not a valid .xlsx"), "{err}");
    }
    let xls = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0];
    assert!(xlsx_sheets(&xls, 5).unwrap_err().contains("legacy .xls"));
    let docx = docx(&para("Title", "Hi"), None);
    assert!(
        xlsx_sheets(&docx, 5)
            .unwrap_err()
            .starts_with("not a valid .xlsx")
    );
    assert!(
        docx_outline(&good, 5)
            .unwrap_err()
            .contains("main part is not a document")
    );
    assert!(
        pptx_outline(&good, 5)
            .unwrap_err()
            .contains("main part is not a presentation")
    );
    let broken = handmade_xlsx(r#"<row r="1"><c r="A1"><v>1"#);
    assert!(xlsx_sheets(&broken, 5).is_err());
}

#[test]
fn xlsx_zip_bomb_is_refused_before_inflating() {
    let zeros = vec![0u8; (MAX_PART_BYTES + 1) as usize];
    let mut parts = handmade_xlsx(r#"<row r="1"><c r="A1"><v>1</v></c></row>"#);
    parts = {
        let mut zip = zip::ZipArchive::new(Cursor::new(parts)).unwrap();
        let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..zip.len() {
            out.raw_copy_file(zip.by_index(i).unwrap()).unwrap();
        }
        out.start_file(
            "xl/sharedStrings.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        out.write_all(&zeros).unwrap();
        out.finish().unwrap().into_inner()
    };
    assert!(parts.len() < 1 << 20);
    let err = xlsx_sheets(&parts, 5).unwrap_err();
    assert!(err.contains("too large to preview"), "{err}");
}

#[test]
fn xlsx_survives_truncation_and_bit_flips() {
    assert_survives_damage(&sample_xlsx(), |b| xlsx_sheets(b, 5).err());
}

// ---------------------------------------------------------------- docx

const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006""#;

fn docx(body: &str, styles: Option<&str>) -> Vec<u8> {
    let root = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="/word/document.xml"/></Relationships>"#;
    let doc_rels = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#;
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document {W}><w:body>{body}</w:body></w:document>"#
    );
    let mut parts: Vec<(&str, &[u8])> = vec![
        ("_rels/.rels", root.as_bytes()),
        ("word/document.xml", document.as_bytes()),
    ];
    let styles = styles.map(|s| format!("<w:styles {W}>{s}</w:styles>"));
    if let Some(styles) = &styles {
        parts.push(("word/_rels/document.xml.rels", doc_rels.as_bytes()));
        parts.push(("word/styles.xml", styles.as_bytes()));
    }
    zip_of(&parts)
}

fn para(style: &str, text: &str) -> String {
    format!(
        r#"<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr><w:r><w:t xml:space="preserve">{text}</w:t></w:r></w:p>"#
    )
}

#[test]
fn docx_outline_has_headings_and_paragraphs_in_order() {
    // Localized style ids resolve through styles.xml names; basedOn is followed.
    let styles = r#"<w:style w:styleId="Titel"><w:name w:val="Title"/></w:style>
        <w:style w:styleId="berschrift1"><w:name w:val="heading 1"/><w:pPr><w:tabs><w:tab w:val="left" w:pos="1"/></w:tabs></w:pPr></w:style>
        <w:style w:styleId="Mine"><w:name w:val="My Heading"/><w:basedOn w:val="berschrift1"/></w:style>
        <w:style w:styleId="Deep"><w:name w:val="Deep"/><w:pPr><w:outlineLvl w:val="2"/></w:pPr></w:style>
        <w:style w:styleId="Loop"><w:name w:val="Loop"/><w:basedOn w:val="Loop"/></w:style>"#;
    let body = [
        para("Titel", "Annual Report"),
        para("berschrift1", "Intro"),
        r#"<w:p><w:r><w:t>Tom &amp; Jerry</w:t></w:r><w:r><w:tab/><w:t>&#x41;B</w:t></w:r><w:r><w:delText>gone</w:delText></w:r></w:p>"#.into(),
        "<w:p/><w:p><w:r><w:t>   </w:t></w:r></w:p>".into(),
        para("Mine", "Custom"),
        para("Deep", "Third"),
        para("Heading2", "Fallback id"),
        para("Loop", "Plain"),
        r#"<w:p><w:pPr><w:pPrChange><w:pPr><w:pStyle w:val="Titel"/></w:pPr></w:pPrChange></w:pPr><w:r><w:t>Changed</w:t></w:r></w:p>"#.into(),
        r#"<w:p><w:r><mc:AlternateContent><mc:Choice><w:drawing><w:txbxContent><w:p><w:r><w:t>In box</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice><mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>In box</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent><w:t>Anchor</w:t></w:r></w:p>"#.into(),
        r#"<w:tbl><w:tr><w:tc><w:p><w:r><w:t>Cell</w:t></w:r></w:p></w:tc></w:tr></w:tbl>"#.into(),
    ]
    .concat();
    let items = docx_outline(&docx(&body, Some(styles)), 100).unwrap();
    let h = |level, text: &str| Heading {
        level,
        text: text.into(),
    };
    let p = |text: &str| Paragraph(text.into());
    assert_eq!(
        items,
        [
            h(0, "Annual Report"),
            h(1, "Intro"),
            p("Tom & Jerry AB"),
            h(1, "Custom"),
            h(3, "Third"),
            h(2, "Fallback id"),
            p("Plain"),
            p("Changed"),
            p("In box"),
            p("Anchor"),
            p("Cell"),
        ]
    );
    assert_eq!(
        docx_outline(&docx(&body, Some(styles)), 2).unwrap().len(),
        2
    );
    assert_eq!(
        docx_outline(&docx(&body, None), 1).unwrap(),
        [p("Annual Report")]
    );
}

#[test]
fn docx_refuses_bad_input_with_a_sentence() {
    let good = docx(&para("Heading1", "Hi"), None);
    for (bad, want) in [
        (&good[..good.len() - 10], "not a valid .docx"),
        (b"PK\x03\x04garbage".as_slice(), "not a valid .docx"),
        (&zip_of(&[("x.txt", b"x")]), "word/document.xml is missing"),
        (&docx("<w:p><w:r><w:t>open", None), "broken XML"),
    ] {
        let err = docx_outline(bad, 10).unwrap_err();
        assert!(err.contains(want), "{err}");
    }
    let bomb = docx(&"<w:p/>".repeat((MAX_PART_BYTES / 6 + 1) as usize), None);
    assert!(docx_outline(&bomb, 10).unwrap_err().contains("too large"));
    let deep = docx(
        &format!(
            "{}<w:p><w:r><w:t>deep</w:t></w:r></w:p>",
            "<x>".repeat(100_000)
        ),
        None,
    );
    assert!(docx_outline(&deep, 10).unwrap_err().contains("broken XML"));
    assert_survives_damage(&docx(&para("Heading1", "Hi"), None), |b| {
        docx_outline(b, 10).err()
    });
}

// ---------------------------------------------------------------- pptx

const P: &str = r#"xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main""#;

fn shape(ph: &str, paras: &[(u8, &str)]) -> String {
    let ph = if ph.is_empty() {
        String::new()
    } else {
        format!(r#"<p:ph type="{ph}"/>"#)
    };
    let body: String = (paras.iter())
        .map(|(lvl, t)| format!(r#"<a:p><a:pPr lvl="{lvl}"/><a:r><a:t>{t}</a:t></a:r></a:p>"#))
        .collect();
    format!(
        r#"<p:sp><p:nvSpPr><p:cNvPr id="1" name="s"/><p:cNvSpPr/><p:nvPr>{ph}</p:nvPr></p:nvSpPr><p:txBody><a:bodyPr/>{body}</p:txBody></p:sp>"#
    )
}

fn pptx(slides: &[String]) -> Vec<u8> {
    let root = r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="ppt/presentation.xml"/></Relationships>"#;
    // Presentation order is the reverse of the file numbering, as after moving slides.
    let n = slides.len();
    let ids: String = (0..n)
        .map(|i| {
            format!(
                r#"<p:sldId id="{}" r:id="rId{}"/>"#,
                256 + i,
                10 + n - 1 - i
            )
        })
        .collect();
    let presentation = format!(
        r#"<p:presentation {P}><p:sldMasterIdLst/><p:sldIdLst>{ids}</p:sldIdLst></p:presentation>"#
    );
    let rels: String = (0..n)
        .map(|i| format!(r#"<Relationship Id="rId{}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/slide" Target="slides/../slides/slide{}.xml"/>"#, 10 + i, i + 1))
        .collect();
    let rels = format!(
        r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>"#
    );
    let names: Vec<String> = (0..n)
        .map(|i| format!("ppt/slides/slide{}.xml", i + 1))
        .collect();
    let xml: Vec<String> = slides
        .iter()
        .map(|s| format!(r#"<p:sld {P}><p:cSld><p:spTree>{s}</p:spTree></p:cSld></p:sld>"#))
        .collect();
    let mut parts: Vec<(&str, &[u8])> = vec![
        ("_rels/.rels", root.as_bytes()),
        ("ppt/presentation.xml", presentation.as_bytes()),
        ("ppt/_rels/presentation.xml.rels", rels.as_bytes()),
    ];
    parts.extend(
        names
            .iter()
            .map(String::as_str)
            .zip(xml.iter().map(|x| x.as_bytes())),
    );
    zip_of(&parts)
}

#[test]
fn pptx_outline_follows_presentation_order() {
    // File slide1 is shown last, slide3 first.
    let slides = [
        format!(
            "{}{}",
            shape("body", &[(0, "Thanks")]),
            shape("title", &[(0, "The End")])
        ),
        shape("", &[(0, "No title here"), (0, "  ")]),
        format!(
            "{}{}<p:grpSp>{}</p:grpSp>",
            shape(
                "body",
                &[(0, "Point A"), (1, "Detail &lt;1&gt;"), (2, "Deeper")]
            ),
            shape("ctrTitle", &[(0, "Big"), (0, "Title")]),
            shape("", &[(0, "Grouped")]),
        ),
    ];
    let items = pptx_outline(&pptx(&slides), 100).unwrap();
    let b = |level, text: &str| Bullet {
        level,
        text: text.into(),
    };
    let s = |number, title: &str| Slide {
        number,
        title: title.into(),
    };
    assert_eq!(
        items,
        [
            s(1, "Big Title"),
            b(0, "Point A"),
            b(1, "Detail <1>"),
            b(2, "Deeper"),
            b(0, "Grouped"),
            s(2, ""),
            b(0, "No title here"),
            s(3, "The End"),
            b(0, "Thanks"),
        ]
    );
    assert_eq!(pptx_outline(&pptx(&slides), 3).unwrap(), items[..3]);
}

#[test]
fn pptx_refuses_bad_input_with_a_sentence() {
    let good = pptx(&[shape("title", &[(0, "Hi")])]);
    assert!(
        pptx_outline(&good[..good.len() / 3], 10)
            .unwrap_err()
            .starts_with("not a valid .pptx")
    );
    assert!(
        pptx_outline(b"not a zip", 10)
            .unwrap_err()
            .starts_with("not a valid .pptx")
    );
    let no_pres = zip_of(&[("ppt/slides/slide1.xml", b"<p:sld/>")]);
    assert!(
        pptx_outline(&no_pres, 10)
            .unwrap_err()
            .contains("presentation.xml is missing")
    );
    assert_survives_damage(&good, |b| pptx_outline(b, 10).err());
}

#[test]
fn xlsx_entry_lying_about_its_size_is_cut_off() {
    let rows = r#"<row><c><v>1</v></c></row>"#.repeat(200_000);
    let mut bytes = handmade_xlsx(&rows);
    let name = b"xl/worksheets/sheet1.xml";
    // Claim 1000 bytes unpacked, in the local header (offset 22) and the central directory (24).
    for (sig, at) in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)] {
        let header = (0..bytes.len() - 4)
            .filter(|&i| &bytes[i..i + 4] == sig)
            .find(|&i| {
                let name_at = i + if at == 22 { 30 } else { 46 };
                bytes.get(name_at..name_at + name.len()) == Some(name)
            })
            .unwrap();
        bytes[header + at..header + at + 4].copy_from_slice(&1000u32.to_le_bytes());
    }
    let err = xlsx_sheets(&bytes, 5).unwrap_err();
    assert!(err.starts_with("not a valid .xlsx"), "{err}");
}
