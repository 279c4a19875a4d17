//! Reducer tests of the preview: opening from the files pane and from a code run, downloading
//! first when there is no local copy, a copy gone from disk, stale results, scrolling.

use super::*;
use crate::model::event::PreviewFailure;
use crate::model::state::PreviewContent;
use crate::preview::{Preview, table};
use std::sync::Arc;

fn content(m: &Model) -> &PreviewContent {
    &m.preview.as_ref().expect("a preview").content
}

fn table_preview(rows: usize) -> Arc<Preview> {
    let mut csv = String::from("n\n");
    for n in 0..rows {
        csv.push_str(&format!("{n}\n"));
    }
    Arc::new(Preview::Table(
        table::summarize(csv.as_bytes(), b',').unwrap(),
    ))
}

#[test]
fn p_downloads_a_file_without_a_local_copy_then_builds_its_preview() {
    let mut m = with_chart();
    let effects = m.handle(key(KeyCode::Char('p')));
    assert!(effects.contains(&Effect::Download {
        file_id: "file_png".into(),
        dir: PathBuf::from("/downloads")
    }));
    assert_eq!(content(&m), &PreviewContent::Downloading);
    let saved = PathBuf::from("/downloads/chart.png");
    let effects = m.handle(AppEvent::Download {
        file_id: "file_png".into(),
        progress: Transfer::Done(saved.clone()),
    });
    assert!(effects.contains(&Effect::Preview {
        key: "file_png".into(),
        path: saved
    }));
    assert_eq!(content(&m), &PreviewContent::Building);
    let built = table_preview(3);
    m.handle(AppEvent::Previewed {
        key: "file_png".into(),
        result: Ok(built.clone()),
    });
    assert_eq!(content(&m), &PreviewContent::Ready(built));
    // p again closes it.
    m.handle(key(KeyCode::Char('p')));
    assert_eq!(m.preview, None);
}

#[test]
fn a_local_copy_gone_from_disk_is_downloaded_again() {
    let mut m = with_chart();
    m.handle(AppEvent::Download {
        file_id: "file_png".into(),
        progress: Transfer::Done(PathBuf::from("/downloads/chart.png")),
    });
    // The download opened the picture at once (the files pane has focus); close it.
    assert_eq!(content(&m), &PreviewContent::Building);
    m.handle(key(KeyCode::Esc));
    assert_eq!(m.preview, None);
    let effects = m.handle(key(KeyCode::Char('p')));
    assert!(matches!(&effects[0], Effect::Preview { key, .. } if key == "file_png"));
    let effects = m.handle(AppEvent::Previewed {
        key: "file_png".into(),
        result: Err(PreviewFailure::Missing),
    });
    assert!(matches!(&effects[0], Effect::Download { file_id, .. } if file_id == "file_png"));
    assert_eq!(content(&m), &PreviewContent::Downloading);
    assert!(matches!(m.files[0].state, FileState::Downloading { .. }));
}

#[test]
fn an_upload_without_its_local_copy_cannot_be_previewed() {
    let mut m = model(Access::Key);
    let mut entry = crate::model::state::FileEntry::from_record(FileRecord {
        local_path: Some(PathBuf::from("/data/sales.csv")),
        ..record("file_csv", "sales.csv", FileOrigin::Uploaded)
    });
    entry.state = FileState::Ready;
    m.files.push(entry);
    m.focus = Focus::Files;
    let effects = m.handle(key(KeyCode::Char('p')));
    assert!(
        matches!(&effects[0], Effect::Preview { path, .. } if path == &PathBuf::from("/data/sales.csv"))
    );
    let effects = m.handle(AppEvent::Previewed {
        key: "file_csv".into(),
        result: Err(PreviewFailure::Missing),
    });
    assert!(!effects.iter().any(|e| matches!(e, Effect::Download { .. })));
    assert!(
        matches!(content(&m), PreviewContent::Failed(why) if why.contains("cannot be downloaded"))
    );
}

#[test]
fn results_for_another_file_are_dropped() {
    let mut m = with_chart();
    m.handle(key(KeyCode::Char('p')));
    let effects = m.handle(AppEvent::Previewed {
        key: "file_other".into(),
        result: Ok(table_preview(1)),
    });
    assert!(effects.is_empty());
    assert_eq!(content(&m), &PreviewContent::Downloading);
}

#[test]
fn enter_on_a_code_run_previews_the_picture_it_wrote() {
    let mut m = with_chart();
    m.focus = Focus::Code;
    let effects = m.handle(key(KeyCode::Enter));
    assert!(matches!(&effects[0], Effect::Download { file_id, .. } if file_id == "file_png"));
    assert_eq!(m.preview.as_ref().unwrap().key, "file_png");
    // From the conversation too; without a picture Enter still jumps to the code.
    m.preview = None;
    m.focus = Focus::Conversation;
    m.handle(key(KeyCode::Enter));
    assert!(m.preview.is_some());
    let mut plain = model(Access::Key);
    let turn = send(&mut plain, "count");
    finish(
        &mut plain,
        turn,
        vec![
            json!({"type": "server_tool_use", "id": "t", "name": "bash_code_execution", "input": {"command": "wc -l x"}}),
            json!({"type": "bash_code_execution_tool_result", "tool_use_id": "t", "content": {"type": "bash_code_execution_result", "stdout": "3", "stderr": "", "return_code": 0, "content": []}}),
        ],
    );
    plain.focus = Focus::Conversation;
    plain.handle(key(KeyCode::Enter));
    assert_eq!((plain.preview.is_none(), plain.focus), (true, Focus::Code));
}

#[test]
fn enter_in_the_conversation_previews_the_highlighted_runs_plot_not_the_last() {
    let mut m = with_chart();
    m.focus = Focus::Composer;
    let turn = send(&mut m, "another plot");
    finish(
        &mut m,
        turn,
        vec![
            json!({"type": "server_tool_use", "id": "t2", "name": "bash_code_execution", "input": {"command": "python plot2.py"}}),
            json!({"type": "bash_code_execution_tool_result", "tool_use_id": "t2", "content": {"type": "bash_code_execution_result", "stdout": "", "stderr": "", "return_code": 0, "content": [{"type": "bash_code_execution_output", "file_id": "file_png2"}]}}),
        ],
    );
    m.handle(AppEvent::FileInfo {
        file_id: "file_png2".into(),
        info: Ok(record("file_png2", "second.png", FileOrigin::Generated)),
    });
    m.focus = Focus::Conversation;
    m.handle(key(KeyCode::Enter));
    assert_eq!(
        m.preview.as_ref().unwrap().key,
        "file_png2",
        "the newest run is selected"
    );
    m.preview = None;
    m.handle(key(KeyCode::Char('k')));
    m.handle(key(KeyCode::Enter));
    assert_eq!(m.preview.as_ref().unwrap().key, "file_png");
}

#[test]
fn a_preview_opened_from_a_run_closes_with_p_or_esc_there() {
    for (focus, close) in [
        (Focus::Code, KeyCode::Char('p')),
        (Focus::Code, KeyCode::Esc),
        (Focus::Conversation, KeyCode::Char('p')),
        (Focus::Conversation, KeyCode::Esc),
    ] {
        let mut m = with_chart();
        m.focus = focus;
        m.handle(key(KeyCode::Enter));
        assert!(m.preview.is_some(), "{focus:?}");
        m.handle(key(close));
        assert!(m.preview.is_none(), "{focus:?} {close:?} left it open");
    }
}

#[test]
fn a_table_scrolls_within_its_rows() {
    let mut m = with_chart();
    m.handle(key(KeyCode::Char('p')));
    m.handle(AppEvent::Download {
        file_id: "file_png".into(),
        progress: Transfer::Done(PathBuf::from("/downloads/chart.png")),
    });
    m.handle(AppEvent::Previewed {
        key: "file_png".into(),
        result: Ok(table_preview(15)),
    });
    m.handle(key(KeyCode::PageDown));
    assert_eq!(m.preview.as_ref().unwrap().scroll, 10);
    m.handle(key(KeyCode::PageDown));
    assert_eq!(m.preview.as_ref().unwrap().scroll, 14);
    m.handle(key(KeyCode::PageUp));
    m.handle(key(KeyCode::PageUp));
    assert_eq!(m.preview.as_ref().unwrap().scroll, 0);
}
