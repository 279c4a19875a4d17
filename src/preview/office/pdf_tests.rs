//! Tests of the PDF summary: pages, metadata, first-page text and hostile files.

use super::tests::assert_survives_damage;
use super::*;

fn sample_pdf(page_content: Option<Vec<u8>>) -> Vec<u8> {
    use lopdf::content::{Content, Operation};
    use lopdf::{Document, Object, Stream, dictionary};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font_id = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica", "Encoding" => "WinAnsiEncoding",
    });
    let resources_id = doc.add_object(dictionary! { "Font" => dictionary! { "F1" => font_id } });
    let text = |s: &str| Content {
        operations: vec![
            Operation::new("BT", vec![]),
            Operation::new("Tf", vec!["F1".into(), 24.into()]),
            Operation::new("Td", vec![72.into(), 700.into()]),
            Operation::new("Tj", vec![Object::string_literal(s)]),
            Operation::new("ET", vec![]),
        ],
    };
    let first = page_content.unwrap_or_else(|| text("Hello World from page one").encode().unwrap());
    let mut kids = vec![];
    for content in [first, text("Second page").encode().unwrap()] {
        let content_id = doc.add_object(Stream::new(dictionary! {}, content));
        kids.push(
            doc.add_object(
                dictionary! { "Type" => "Page", "Parent" => pages_id, "Contents" => content_id },
            )
            .into(),
        );
    }
    let pages = dictionary! {
        "Type" => "Pages", "Kids" => kids, "Count" => 2, "Resources" => resources_id,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
    };
    doc.objects.insert(pages_id, Object::Dictionary(pages));
    let catalog_id = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    let info_id = doc.add_object(dictionary! {
        "Title" => lopdf::text_string("Résumé – 2024"),
        "Author" => Object::string_literal("Ada Lovelace"),
        "Producer" => Object::string_literal("office tests"),
        "Creator" => Object::string_literal(""),
        "CreationDate" => Object::string_literal("D:20240102030405+01'00'"),
    });
    doc.trailer.set("Root", catalog_id);
    doc.trailer.set("Info", info_id);
    doc.compress();
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

#[test]
fn pdf_summary_reads_pages_info_and_first_page() {
    let s = pdf_summary(&sample_pdf(None), 1000).unwrap();
    assert_eq!(s.pages, 2);
    assert_eq!(s.title.as_deref(), Some("Résumé – 2024"));
    assert_eq!(s.author.as_deref(), Some("Ada Lovelace"));
    assert_eq!(s.producer.as_deref(), Some("office tests"));
    assert_eq!(s.creator, None, "empty strings are None");
    assert_eq!(s.created.as_deref(), Some("2024-01-02 03:04:05+01:00"));
    assert_eq!(
        s.first_page_text.as_deref(),
        Some("Hello World from page one")
    );
    let short = pdf_summary(&sample_pdf(None), 5).unwrap();
    assert_eq!(short.first_page_text.as_deref(), Some("Hello…"));
    assert_eq!(
        pdf_summary(&sample_pdf(None), 0).unwrap().first_page_text,
        None
    );
}

#[test]
fn pdf_content_bomb_costs_only_the_text() {
    let pdf = sample_pdf(Some(vec![b' '; (MAX_PART_BYTES + 1) as usize]));
    assert!(
        pdf.len() < 1 << 20,
        "the bomb is small on disk: {}",
        pdf.len()
    );
    let s = pdf_summary(&pdf, 100).unwrap();
    assert_eq!((s.pages, s.first_page_text), (2, None));
}

#[test]
fn pdf_refuses_bad_input_with_a_sentence() {
    for bad in [&b""[..], b"hello", b"%PDF-1.7\n%garbage with no objects"] {
        let err = pdf_summary(bad, 10).unwrap_err();
        assert!(err.starts_with("not a valid PDF"), "{err}");
    }
    let nested = format!(
        "%PDF-1.4\n1 0 obj\n{}\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF",
        "[".repeat(200_000)
    );
    assert!(
        !pdf_summary(nested.as_bytes(), 10)
            .unwrap_err()
            .contains("gave up")
    );
    assert_survives_damage(&sample_pdf(None), |b| pdf_summary(b, 100).err());
}

#[test]
fn pdf_dates_read_as_iso() {
    assert_eq!(pdf_date("D:20240102030405Z"), "2024-01-02 03:04:05Z");
    assert_eq!(
        pdf_date("D:20240102030405-05'30"),
        "2024-01-02 03:04:05-05:30"
    );
    assert_eq!(pdf_date("D:202401"), "2024-01-01 00:00:00");
    assert_eq!(pdf_date("D:2024010209"), "2024-01-02 09:00:00");
    assert_eq!(pdf_date("yesterday"), "yesterday");
    assert_eq!(pdf_date("D:2024é"), "D:2024é");
    assert_eq!(pdf_date("D:20241"), "D:20241");
}
