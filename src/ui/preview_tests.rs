//! Screens of the files pane with a preview open: a table of a known CSV, and a picture drawn
//! in half-blocks through the same off-task resize path the app uses.

use super::tests::{draw, key, model};
use super::*;
use crate::domain::session::{FileOrigin, FileRecord};
use crate::model::event::{AppEvent, Transfer};
use crate::model::state::{FileEntry, Focus};
use crate::preview::{Preview, image as picture_preview, table};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::KeyCode;
use ratatui::style::Color;
use std::path::PathBuf;
use std::sync::Arc;

const CUSTOMERS: &str = "\
customer_id,plan,monthly_fee,support_calls,tenure_months,churned,signup
1001,basic,9.99,4,3,true,2024-01-05
1002,pro,29.99,0,26,false,2022-03-14
1003,pro,29.99,1,14,false,2023-06-30
1004,basic,9.99,6,2,true,2024-07-19
1005,enterprise,99.00,2,40,false,2021-11-02
";

/// A model whose files pane lists `name` (saved locally) and shows `preview` of it.
fn previewing(name: &str, preview: Preview) -> Model {
    let mut m = model();
    m.files.push(FileEntry::from_record(FileRecord {
        id: "file_011".into(),
        filename: name.into(),
        origin: FileOrigin::Generated,
        size: Some(4_096),
        mime: None,
        local_path: Some(PathBuf::from(format!("/home/ana/Downloads/{name}"))),
        given_as: None,
    }));
    m.focus = Focus::Files;
    m.handle(key(KeyCode::Char('p')));
    m.handle(AppEvent::Previewed {
        key: "file_011".into(),
        result: Ok(Arc::new(preview)),
    });
    m
}

#[test]
fn table_preview_of_a_known_csv() {
    let summary = table::summarize(CUSTOMERS.as_bytes(), b',').unwrap();
    let mut m = previewing("customers.csv", Preview::Table(summary));
    let mut cache = RenderCache::default();
    insta::assert_snapshot!("table_preview_120x40", draw(&m, &mut cache, 120, 40));
    insta::assert_snapshot!("table_preview_80x24", draw(&m, &mut cache, 80, 24));
    for _ in 0..10 {
        m.handle(key(KeyCode::Right));
    }
    let last = draw(&m, &mut cache, 120, 40);
    assert!(last.contains("columns 7–7 of 7"), "{last}");
    assert!(
        last.contains("2021-11-02") && !last.contains("customer_id"),
        "{last}"
    );
}

#[test]
fn picture_preview_is_drawn_once_the_worker_has_fitted_it() {
    let gradient = image::RgbImage::from_fn(64, 32, |x, y| {
        image::Rgb([(x * 4) as u8, (y * 8) as u8, 128])
    });
    let mut png = Vec::new();
    image::DynamicImage::ImageRgb8(gradient)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    let decoded = picture_preview::decode(std::io::Cursor::new(png)).unwrap();
    let m = previewing("chart.png", Preview::Image(decoded));
    let mut cache = RenderCache::default();
    let requests = cache.pictures.take_requests().unwrap();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let mut frame = |cache: &mut RenderCache| {
        terminal
            .draw(|frame| render(&m, cache, &Theme::default(), frame))
            .unwrap()
            .buffer
            .clone()
    };
    let before = frame(&mut cache);
    assert_eq!(
        coloured_cells(&before),
        0,
        "nothing is drawn before the worker answers"
    );
    let request = requests
        .try_recv()
        .expect("the first frame asked for a resize");
    assert!(cache.pictures.resized(request.resize_encode().unwrap()));
    let after = frame(&mut cache);
    assert!(
        coloured_cells(&after) > 100,
        "the picture is drawn in half-blocks"
    );
    insta::assert_snapshot!("picture_preview_120x40", super::tests::text(&after));
    // The same size needs no second resize.
    frame(&mut cache);
    assert!(requests.try_recv().is_err());
}

/// With kitty graphics the picture is sent once as an image and placed with kitty's Unicode
/// placeholders, one per cell, so ratatui's diffing keeps it in place.
#[test]
fn kitty_graphics_place_the_picture_with_placeholders() {
    let gradient = image::RgbImage::from_fn(200, 100, |x, y| image::Rgb([x as u8, y as u8, 100]));
    let m = previewing(
        "chart.png",
        Preview::Image(picture_preview::ImagePreview {
            image: Arc::new(image::DynamicImage::ImageRgb8(gradient)),
            width: 200,
            height: 100,
            format: "PNG",
        }),
    );
    let mut cache = RenderCache::default();
    let mut kitty = ratatui_image::picker::Picker::halfblocks();
    kitty.set_protocol_type(ratatui_image::picker::ProtocolType::Kitty);
    cache.pictures.set_picker(kitty);
    let requests = cache.pictures.take_requests().unwrap();
    draw(&m, &mut cache, 120, 40);
    let request = requests.try_recv().expect("a resize request");
    assert!(cache.pictures.resized(request.resize_encode().unwrap()));
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let frame = terminal
        .draw(|frame| render(&m, &mut cache, &Theme::default(), frame))
        .unwrap();
    let symbols: Vec<&str> = frame.buffer.content.iter().map(|c| c.symbol()).collect();
    let placeholders = symbols.iter().filter(|s| s.contains('\u{10EEEE}')).count();
    assert!(placeholders > 100, "{placeholders} placeholder cells");
    assert!(
        symbols
            .iter()
            .any(|s| s.contains("\x1b_G") && s.contains("a=T")),
        "the image is transmitted"
    );
    assert!(super::tests::text(frame.buffer).contains("200×100 PNG · kitty graphics"));
}

#[test]
fn a_download_in_progress_shows_in_the_preview() {
    let mut m = model();
    m.files.push(FileEntry::from_record(FileRecord {
        id: "file_011".into(),
        filename: "report.pdf".into(),
        origin: FileOrigin::Generated,
        size: Some(2_000_000),
        mime: Some("application/pdf".into()),
        local_path: None,
        given_as: None,
    }));
    m.focus = Focus::Files;
    m.handle(key(KeyCode::Char('p')));
    m.handle(AppEvent::Download {
        file_id: "file_011".into(),
        progress: Transfer::Progress {
            done: 500_000,
            total: 2_000_000,
        },
    });
    let screen = draw(&m, &mut RenderCache::default(), 120, 40);
    assert!(screen.contains("▸ report.pdf · downloading…"), "{screen}");
    assert!(
        screen.contains("downloading 488 KiB of 1.9 MiB"),
        "{screen}"
    );
}

fn coloured_cells(buffer: &Buffer) -> usize {
    buffer
        .content
        .iter()
        .filter(|c| matches!(c.bg, Color::Rgb(..)) || matches!(c.fg, Color::Rgb(..)))
        .count()
}

/// The preview of a document of `name` with these bytes, built as the app builds it.
fn document_preview(name: &str, bytes: &[u8]) -> Preview {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    crate::preview::build(&path, &crate::theme::Theme::ansi()).unwrap()
}

#[test]
fn a_known_workbook_previews_each_sheet_as_a_typed_table() {
    let rows = |r: &[&[&str]]| -> Vec<Vec<String>> {
        r.iter()
            .map(|row| row.iter().map(|c| c.to_string()).collect())
            .collect()
    };
    let bytes = crate::mock::office::xlsx(&[
        (
            "Summary",
            rows(&[
                &["plan", "customers", "churn_rate"],
                &["basic", "120", "0.31"],
                &["pro", "80", "0.12"],
                &["enterprise", "12", "0.05"],
            ]),
        ),
        (
            "Top values",
            rows(&[&["contract", "rows"], &["monthly", "23"]]),
        ),
    ]);
    let preview = document_preview("report.xlsx", &bytes);
    let Preview::Workbook(sheets) = &preview else {
        panic!("not a workbook: {preview:?}");
    };
    assert_eq!(sheets.len(), 2);
    assert_eq!(
        sheets[0].1.types,
        vec![
            table::ColumnType::Text,
            table::ColumnType::Integer,
            table::ColumnType::Decimal
        ]
    );
    let mut m = previewing("report.xlsx", preview);
    let mut cache = RenderCache::default();
    insta::assert_snapshot!("workbook_preview_100x30", draw(&m, &mut cache, 100, 30));
    m.handle(key(KeyCode::Char(']')));
    let second = draw(&m, &mut cache, 100, 30);
    assert!(
        second.contains("sheet 2/2 Top values") && second.contains("monthly"),
        "{second}"
    );
}

#[test]
fn a_known_deck_previews_as_its_outline() {
    let bytes = crate::mock::office::pptx(
        "Churn in 2026",
        "customers.csv, 240 rows",
        &[
            crate::mock::office::Slide {
                title: "What drives churn".into(),
                bullets: vec![
                    "Month-to-month contracts".into(),
                    "Support calls above 3".into(),
                ],
            },
            crate::mock::office::Slide {
                title: "Next steps".into(),
                bullets: vec!["Offer annual plans".into()],
            },
        ],
    );
    let preview = document_preview("deck.pptx", &bytes);
    let mut m = previewing("deck.pptx", preview);
    let mut cache = RenderCache::default();
    insta::assert_snapshot!("deck_preview_100x30", draw(&m, &mut cache, 100, 30));
    m.handle(key(KeyCode::PageDown));
    assert!(draw(&m, &mut cache, 100, 30).contains("Offer annual plans"));
}
