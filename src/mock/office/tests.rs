use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use super::{Slide, pptx, xlsx};
use quick_xml::Reader;
use quick_xml::events::Event;

/// All parts of a zip, by name, as text.
fn unzip(bytes: &[u8]) -> BTreeMap<String, String> {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).expect("valid zip");
    let mut out = BTreeMap::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).unwrap();
        let name = f.name().unwrap().into_owned();
        assert_eq!(f.compression(), zip::CompressionMethod::Deflated, "{name}");
        let mut s = String::new();
        f.read_to_string(&mut s).expect("UTF-8 part");
        out.insert(name, s);
    }
    out
}

/// Parses `xml` fully (fails on malformed XML, mismatched tags, bad
/// entities, forbidden chars) and returns the unescaped text of every
/// element whose local name is `text_tag`, in document order.
fn texts(xml: &str, text_tag: &str) -> Vec<String> {
    let mut r = Reader::from_str(xml);
    r.config_mut().check_end_names = true;
    let (mut out, mut depth, mut inside) = (Vec::new(), 0i32, false);
    loop {
        match r
            .read_event()
            .unwrap_or_else(|e| panic!("malformed XML at {}: {e}", r.buffer_position()))
        {
            Event::Start(e) => {
                depth += 1;
                inside = e.local_name().as_ref() == text_tag;
                if inside {
                    out.push(String::new());
                }
            }
            Event::End(_) => {
                depth -= 1;
                inside = false;
            }
            Event::Text(t) if inside => out.last_mut().unwrap().push_str(&t.xml10_content()),
            Event::GeneralRef(g) if inside => {
                let name = g.xml10_content();
                let c = match &*name {
                    "lt" => '<'.to_string(),
                    "gt" => '>'.to_string(),
                    "amp" => '&'.to_string(),
                    "quot" => '"'.to_string(),
                    "apos" => '\''.to_string(),
                    _ => g
                        .resolve_char_ref()
                        .unwrap()
                        .expect("known entity")
                        .to_string(),
                };
                out.last_mut().unwrap().push_str(&c);
            }
            Event::Text(t) => assert!(t.xml10_content().trim().is_empty() || depth > 0),
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "unbalanced XML");
    out
}

fn assert_all_well_formed(parts: &BTreeMap<String, String>) {
    for (name, xml) in parts {
        assert!(xml.starts_with("<?xml version=\"1.0\""), "{name}");
        texts(xml, "");
        for c in xml.chars() {
            assert!(
                matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..),
                "{name} contains forbidden char {c:?}"
            );
        }
    }
}

fn slides() -> Vec<Slide> {
    vec![
        Slide {
            title: "Revenue".into(),
            bullets: vec!["Up 12% YoY".into(), "Best month: March".into()],
        },
        Slide {
            title: "Empty".into(),
            bullets: vec![],
        },
    ]
}

const PPTX_PARTS: &[&str] = &[
    "[Content_Types].xml",
    "_rels/.rels",
    "docProps/app.xml",
    "docProps/core.xml",
    "ppt/presentation.xml",
    "ppt/_rels/presentation.xml.rels",
    "ppt/slideMasters/slideMaster1.xml",
    "ppt/slideMasters/_rels/slideMaster1.xml.rels",
    "ppt/slideLayouts/slideLayout1.xml",
    "ppt/slideLayouts/_rels/slideLayout1.xml.rels",
    "ppt/slideLayouts/slideLayout2.xml",
    "ppt/slideLayouts/_rels/slideLayout2.xml.rels",
    "ppt/theme/theme1.xml",
    "ppt/slides/slide1.xml",
    "ppt/slides/_rels/slide1.xml.rels",
    "ppt/slides/slide3.xml",
    "ppt/slides/_rels/slide3.xml.rels",
];

#[test]
fn pptx_parts_and_text() {
    let p = unzip(&pptx("Q3 Report", "From sales.csv", &slides()));
    for name in PPTX_PARTS {
        assert!(p.contains_key(*name), "missing {name}");
    }
    assert!(!p.contains_key("ppt/slides/slide4.xml"));
    assert_all_well_formed(&p);

    let ct = &p["[Content_Types].xml"];
    for i in 1..=3 {
        assert!(
            ct.contains(&format!("/ppt/slides/slide{i}.xml")),
            "content type for slide{i}"
        );
    }
    let pres = &p["ppt/presentation.xml"];
    for needle in [
        "<p:sldMasterIdLst>",
        "<p:sldIdLst>",
        "<p:sldSz ",
        "<p:notesSz ",
    ] {
        assert!(pres.contains(needle), "{needle}");
    }
    assert_eq!(pres.matches("<p:sldId ").count(), 3);
    let theme = &p["ppt/theme/theme1.xml"];
    for needle in ["<a:clrScheme", "<a:fontScheme", "<a:fmtScheme"] {
        assert!(theme.contains(needle), "{needle}");
    }

    let s1 = &p["ppt/slides/slide1.xml"];
    assert!(s1.contains(r#"<p:ph type="ctrTitle"/>"#) && s1.contains(r#"type="subTitle""#));
    assert_eq!(texts(s1, "t"), ["Q3 Report", "From sales.csv"]);
    assert!(p["ppt/slides/_rels/slide1.xml.rels"].contains("slideLayout1.xml"));

    let s2 = &p["ppt/slides/slide2.xml"];
    assert!(s2.contains(r#"<p:ph type="title"/>"#) && s2.contains(r#"<p:ph idx="1"/>"#));
    assert_eq!(
        texts(s2, "t"),
        ["Revenue", "Up 12% YoY", "Best month: March"]
    );
    assert_eq!(
        s2.matches("<a:p>").count(),
        3,
        "one paragraph per bullet + title"
    );
    assert!(p["ppt/slides/_rels/slide2.xml.rels"].contains("slideLayout2.xml"));
    // A slide without bullets still has a (single, empty) body paragraph.
    assert_eq!(texts(&p["ppt/slides/slide3.xml"], "t"), ["Empty"]);
}

#[test]
fn pptx_hostile_text_stays_valid() {
    let long = "L".repeat(10_000);
    let hostile =
        "<&>\"' </a:t></p:sp>]]> \u{0}\u{1}\u{8}\u{B}\u{C}\u{1F}\u{FFFE}\u{FFFF} é 😀 end";
    let slides = [Slide {
        title: hostile.into(),
        bullets: vec![hostile.into(), "line1\nline2".into(), String::new()],
    }];
    let p = unzip(&pptx(&long, hostile, &slides));
    assert_all_well_formed(&p);
    let clean = "<&>\"' </a:t></p:sp>]]>  é 😀 end";
    assert_eq!(
        texts(&p["ppt/slides/slide1.xml"], "t"),
        [long.as_str(), clean]
    );
    assert_eq!(
        texts(&p["ppt/slides/slide2.xml"], "t"),
        [clean, clean, "line1", "line2"]
    );
    assert!(p["ppt/slides/slide2.xml"].contains("<a:br>"));
    assert_eq!(texts(&p["docProps/core.xml"], "title"), [long]);
}

#[test]
fn pptx_is_deterministic() {
    assert_eq!(pptx("a", "b", &slides()), pptx("a", "b", &slides()));
}

fn rows(v: &[&[&str]]) -> Vec<Vec<String>> {
    v.iter()
        .map(|r| r.iter().map(|s| s.to_string()).collect())
        .collect()
}

#[test]
fn xlsx_parts_cells_and_text() {
    let data = rows(&[
        &["region", "revenue", "2024"],
        &["North", "1200.5", "-3"],
        &["South", "n/a", "1e3"],
        &["", "NaN", "007"],
    ]);
    let x = unzip(&xlsx(&[
        ("Summary", data),
        ("Raw", rows(&[&["only header"]])),
    ]));
    for name in [
        "[Content_Types].xml",
        "_rels/.rels",
        "docProps/app.xml",
        "docProps/core.xml",
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "xl/styles.xml",
        "xl/theme/theme1.xml",
        "xl/worksheets/sheet1.xml",
        "xl/worksheets/sheet2.xml",
    ] {
        assert!(x.contains_key(name), "missing {name}");
    }
    assert_all_well_formed(&x);
    assert!(x["[Content_Types].xml"].contains("/xl/worksheets/sheet2.xml"));
    let wb = &x["xl/workbook.xml"];
    assert!(wb.contains(r#"<sheet name="Summary" sheetId="1" r:id="rId1"/>"#));
    assert!(wb.contains(r#"<sheet name="Raw" sheetId="2" r:id="rId2"/>"#));
    let rels = &x["xl/_rels/workbook.xml.rels"];
    assert!(rels.contains(r#"Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml""#));

    let s1 = &x["xl/worksheets/sheet1.xml"];
    // Header is always text (bold), even "2024".
    assert!(s1.contains(
        r#"<c r="C1" s="1" t="inlineStr"><is><t xml:space="preserve">2024</t></is></c>"#
    ));
    assert!(s1.contains(r#"<c r="B2"><v>1200.5</v></c>"#));
    assert!(s1.contains(r#"<c r="C2"><v>-3</v></c>"#));
    assert!(s1.contains(r#"<c r="C3"><v>1000</v></c>"#));
    assert!(s1.contains(r#"<c r="C4"><v>7</v></c>"#));
    assert!(s1.contains(r#"<c r="B4" t="inlineStr"><is><t xml:space="preserve">NaN</t></is></c>"#));
    assert!(!s1.contains(r#"r="A4""#), "empty cell omitted");
    assert_eq!(
        texts(s1, "t"),
        ["region", "revenue", "2024", "North", "South", "n/a", "NaN"]
    );
    assert_eq!(texts(s1, "v"), ["1200.5", "-3", "1000", "7"]);
}

#[test]
fn xlsx_hostile_text_and_names() {
    let long = "W".repeat(10_000);
    let hostile = "<&>\"' </t></is>]]> \u{0}\u{7}\u{1B}\u{FFFF} _x0041_ é";
    let data = rows(&[&[hostile, &long], &[" spaced ", "\r\nx\t"]]);
    let sheets = [
        ("a/b\\c[d]:e*f?g'", data.clone()),
        ("A/B\\C[D]:E*F?G'", data.clone()),
        (&long[..], data.clone()),
        ("", data.clone()),
        ("\u{1}'\u{2}", Vec::new()),
    ];
    let x = unzip(&xlsx(&sheets));
    assert_all_well_formed(&x);
    let wb = &x["xl/workbook.xml"];
    let names = {
        let mut r = Reader::from_str(wb);
        let mut names = Vec::new();
        loop {
            match r.read_event().unwrap() {
                Event::Empty(e) if e.local_name().as_ref() == "sheet" => {
                    let a = e.try_get_attribute("name").unwrap().unwrap();
                    names.push(
                        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .unwrap()
                            .into_owned(),
                    );
                }
                Event::Eof => break,
                _ => {}
            }
        }
        names
    };
    let w31 = "W".repeat(31);
    assert_eq!(
        names,
        ["abcdefg", "ABCDEFG (2)", w31.as_str(), "Sheet4", "Sheet5"]
    );
    for n in &names {
        assert!(n.chars().count() <= 31 && !n.contains(['[', ']', ':', '*', '?', '/', '\\']));
    }
    let s = &x["xl/worksheets/sheet1.xml"];
    // `_x0041_` is escaped so Excel shows it literally; \r survives as &#13;.
    let got = texts(s, "t");
    assert_eq!(got.len(), 4);
    assert_eq!(got[0], "<&>\"' </t></is>]]>  _x005F_x0041_ é");
    assert!(got[1] == long, "10,000-char cell round-trips");
    assert_eq!(got[2..], [" spaced ", "\r\nx\t"]);
    assert!(x["xl/worksheets/sheet5.xml"].contains("<sheetData></sheetData>"));
}

#[test]
fn xlsx_without_sheets_has_one() {
    let x = unzip(&xlsx(&[]));
    assert_all_well_formed(&x);
    assert!(x["xl/workbook.xml"].contains(r#"<sheet name="Sheet1""#));
    assert!(x.contains_key("xl/worksheets/sheet1.xml"));
}
