//! The real event loop, driven by injected keys on an off-screen terminal, against the mock:
//! attach a CSV with Ctrl-O, ask, wait for the answer, download the chart from the files
//! panel, and check the bytes on disk and what the screen shows.

mod common;

use clab::domain::session::FileOrigin;
use clab::model::Model;
use clab::model::state::{FileEntry, FileState, PreviewContent};
use clab::model::state::{Focus, TurnState};
use common::harness::{app, ctrl, key, screen, typed};
use common::{Mock, sample_csv};
use futures::stream;
use ratatui::crossterm::event::KeyCode;
use std::path::Path;
use std::time::Duration;

#[test]
fn attach_ask_and_download_the_chart_through_the_event_loop() {
    let mock = Mock::start(None);
    let downloads = mock.home.path().join("downloads");
    let csv = mock.home.path().join("sales.csv");
    std::fs::copy(sample_csv(), &csv).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (saved, chart_id) = runtime.block_on(async {
        let mut app = app(Some(&mock), mock.home.path(), &downloads);

        // Ctrl-O, a path with a typo first: the prompt stays open and says why.
        let mut keys = vec![ctrl('o')];
        keys.extend(typed(&format!("{}.nope", csv.display())));
        keys.push(key(KeyCode::Enter));
        app.run_until(&mut stream::iter(keys), |m| attach_error(m).is_some())
            .await
            .unwrap();
        assert!(attach_error(&app.model).unwrap().contains("nope"));

        // Fix it: the upload starts at once and shows in the files panel.
        let mut keys: Vec<_> = (0..5).map(|_| key(KeyCode::Backspace)).collect();
        keys.push(key(KeyCode::Enter));
        app.run_until(&mut stream::iter(keys), |m| m.overlay.is_none())
            .await
            .unwrap();
        assert_eq!(app.model.files.len(), 1);
        assert_eq!(app.model.files[0].name, "sales.csv");

        // Ask; the send waits for the upload if it is still going.
        let mut keys = typed("what drives churn? plot it");
        keys.push(key(KeyCode::Enter));
        app.run_until(&mut stream::iter(keys), |m| {
            m.state == TurnState::Idle
                && !m.turns.is_empty()
                && m.files
                    .iter()
                    .any(|f| f.origin == FileOrigin::Generated && f.mime.is_some())
        })
        .await
        .unwrap();
        assert!(app.model.exec_count > 0, "the answer ran code");
        let chart = app
            .model
            .files
            .iter()
            .position(|f| f.origin == FileOrigin::Generated)
            .unwrap();
        let chart_id = app.model.files[chart].id.clone().unwrap();

        // The user message carried the upload as a container_upload block.
        let upload_id = app.model.files[0].id.clone().unwrap();
        assert!(
            app.model.turns[0]
                .user
                .iter()
                .any(|b| b["file_id"] == upload_id.as_str())
        );

        // An idle app asks for no frame, even after an event that changes nothing.
        app.draw().unwrap();
        let frames = app.scheduler.frames();
        app.dispatch(key(KeyCode::F(12))).await;
        assert!(!app.scheduler.is_requested());
        assert_eq!(app.scheduler.deadline(std::time::Instant::now()), None);
        assert_eq!(app.scheduler.frames(), frames);

        // Focus the files panel, select the chart, download it.
        let mut keys = Vec::new();
        while app.model.focus != Focus::Files {
            app.dispatch(key(KeyCode::Tab)).await;
        }
        keys.extend((0..chart).map(|_| key(KeyCode::Down)));
        keys.push(key(KeyCode::Char('d')));
        app.run_until(&mut stream::iter(keys), |m| {
            matches!(
                m.files[chart].state,
                FileState::Local(_) | FileState::Failed(_)
            )
        })
        .await
        .unwrap();
        let FileState::Local(saved) = app.model.files[chart].state.clone() else {
            panic!("download failed: {:?}", app.model.files[chart].state);
        };
        app.draw().unwrap();
        let shown = screen(&app);
        let name = saved.file_name().unwrap().to_string_lossy().into_owned();
        assert!(shown.contains(&name[..name.len().min(20)]), "{shown}");
        assert!(shown.contains("saved"), "{shown}");

        // A picture downloaded from the files panel opens in the preview, drawn in
        // half-blocks once the worker has scaled it to the pane.
        app.run_until(&mut stream::empty(), |m| {
            m.preview
                .as_ref()
                .is_some_and(|p| matches!(p.content, PreviewContent::Ready(_)))
        })
        .await
        .unwrap();
        let drawn = tokio::time::timeout(Duration::from_secs(60), async {
            loop {
                app.draw().unwrap();
                if screen(&app).contains('▀') || screen(&app).contains('▄') {
                    return screen(&app);
                }
                app.step().await;
            }
        })
        .await
        .expect("the picture is drawn");
        assert!(drawn.contains("800×500 PNG · half-blocks"), "{drawn}");
        (saved, chart_id)
    });
    assert!(saved.starts_with(&downloads));
    assert_eq!(std::fs::read(&saved).unwrap(), mock.file_content(&chart_id));
    assert_eq!(&std::fs::read(&saved).unwrap()[..4], b"\x89PNG");
}

fn attach_error(m: &Model) -> Option<String> {
    match &m.overlay {
        Some(clab::model::state::Overlay::Attach(p)) => p.error.clone(),
        _ => None,
    }
}

/// A 20-megapixel picture decodes on a blocking task: keys typed after `p` are handled (the
/// composer shows them) while the preview is still being built, and the preview lands after.
#[test]
fn typing_goes_on_while_a_huge_picture_decodes() {
    let home = tempfile::tempdir().unwrap();
    let big = home.path().join("huge.png");
    write_huge_png(&big, 5_000, 4_000);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut app = app(None, home.path(), home.path());
        app.model
            .files
            .push(FileEntry::from_record(clab::domain::session::FileRecord {
                id: "file_huge".into(),
                filename: "huge.png".into(),
                origin: FileOrigin::Uploaded,
                size: None,
                mime: Some("image/png".into()),
                local_path: Some(big.clone()),
                given_as: None,
            }));
        app.model.focus = Focus::Files;
        let mut keys = vec![key(KeyCode::Char('p')), key(KeyCode::Tab)];
        keys.extend(typed("abc"));
        app.run_until(&mut stream::iter(keys), |m| m.composer.lines()[0] == "abc")
            .await
            .unwrap();
        let pane = app.model.preview.as_ref().expect("p opened the preview");
        assert_eq!(
            pane.content,
            PreviewContent::Building,
            "the keys were handled before the decode finished"
        );
        app.run_until(&mut stream::pending(), |m| {
            m.preview
                .as_ref()
                .is_some_and(|p| p.content != PreviewContent::Building)
        })
        .await
        .unwrap();
        let PreviewContent::Ready(preview) = &app.model.preview.as_ref().unwrap().content else {
            panic!("{:?}", app.model.preview);
        };
        let clab::preview::Preview::Image(picture) = preview.as_ref() else {
            panic!("not a picture");
        };
        assert_eq!((picture.width, picture.height), (5_000, 4_000));
        assert!(picture.image.width() <= clab::preview::image::MAX_SIDE);
    });
}

fn write_huge_png(path: &Path, width: u32, height: u32) {
    use image::codecs::png::{CompressionType, FilterType, PngEncoder};
    let picture = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x / 20) as u8, (y / 16) as u8, 90])
    });
    let file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let encoder = PngEncoder::new_with_quality(file, CompressionType::Fast, FilterType::NoFilter);
    picture.write_with_encoder(encoder).unwrap();
}

/// In the conversation, k goes back one code run: the frame scrolls that run's marker into
/// view, the loop hands the view back to the model, and Enter then acts on that run.
#[test]
fn the_conversation_follows_the_selected_run_through_the_event_loop() {
    let home = tempfile::tempdir().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut app = app(None, home.path(), &home.path().join("downloads"));
        app.model.resume(None);
        app.model
            .handle(clab::model::event::AppEvent::SessionLoaded(Box::new(
                clab::domain::synthetic::synthetic_session(12),
            )));
        app.model.focus = Focus::Conversation;
        app.draw().unwrap();
        assert_eq!(app.model.conversation.back, 0, "the newest turn shows");
        let keys: Vec<_> = (0..4).map(|_| key(KeyCode::Char('k'))).collect();
        app.run_until(&mut stream::iter(keys), |m| {
            m.code_selected == 7 && !m.conversation.follow_run
        })
        .await
        .unwrap();
        let back = app.model.conversation.back;
        assert!(back > 0, "the view went up to run 8");
        let shown = screen(&app);
        assert!(
            shown.contains("8/12"),
            "the code pane selects it too: {shown}"
        );
        assert!(shown.contains("turn 7"), "run 8's turn is in view: {shown}");
        // Drawing again keeps the view: it is the model's now.
        app.draw().unwrap();
        assert_eq!(app.model.conversation.back, back);
        // Enter on a run that wrote no picture jumps to its code.
        app.run_until(&mut stream::iter(vec![key(KeyCode::Enter)]), |m| {
            m.focus == Focus::Code
        })
        .await
        .unwrap();
        assert_eq!(app.model.code_selected, 7);
    });
}
