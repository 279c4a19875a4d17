//! Reducer tests: every intent and stream event, through `Model::handle` only. Turns, keys,
//! focus and overlays here; attachments and the files panel in `files`.

mod files;
mod navigation;
mod preview;
mod skills;
mod usage;

use super::state::{Access, AnswerState, FileState, Focus, Model, Overlay, Settings, TurnState};
use crate::domain::attachment::GivenAs;
use crate::domain::session::{FileOrigin, FileRecord, MessageState};
use crate::model::effect::Effect;
use crate::model::event::{AppEvent, Transfer, TurnChange, TurnEnd};
use crate::model::keymap::Keymap;
use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};
use serde_json::json;
use std::path::PathBuf;

pub(super) fn model(access: Access) -> Model {
    let settings = Settings {
        model: "claude-sonnet-4-5".into(),
        max_tokens: 1000,
        tool: crate::domain::request::TOOL_20250825.into(),
        max_continuations: 2,
        download_dir: PathBuf::from("/downloads"),
        keymap: Keymap::default(),
        prices: Default::default(),
        sample: None,
        config_path: Some(PathBuf::from("/home/me/.config/clab/config.toml")),
        long: Default::default(),
        config_skills: Vec::new(),
        added_skills: Vec::new(),
    };
    let mut m = Model::new(settings, access, false);
    m.handle(AppEvent::Resize(120, 40));
    m
}

pub(super) fn key(code: KeyCode) -> AppEvent {
    AppEvent::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub(super) fn ctrl(c: char) -> AppEvent {
    AppEvent::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

pub(super) fn type_text(m: &mut Model, text: &str) {
    for c in text.chars() {
        m.handle(key(KeyCode::Char(c)));
    }
}

pub(super) fn record(id: &str, name: &str, origin: FileOrigin) -> FileRecord {
    FileRecord {
        id: id.into(),
        filename: name.into(),
        origin,
        size: Some(10),
        mime: Some("text/csv".into()),
        local_path: None,
        given_as: None,
    }
}

pub(super) fn start_of(effects: &[Effect]) -> &crate::model::effect::TurnStart {
    effects
        .iter()
        .find_map(|e| match e {
            Effect::StartTurn(s) => Some(s.as_ref()),
            _ => None,
        })
        .expect("a StartTurn effect")
}

/// Sends `prompt` and returns the new turn's id.
pub(super) fn send(m: &mut Model, prompt: &str) -> u64 {
    type_text(m, prompt);
    let effects = m.handle(key(KeyCode::Enter));
    start_of(&effects).turn
}

pub(super) fn finish(m: &mut Model, turn: u64, content: Vec<serde_json::Value>) -> Vec<Effect> {
    m.handle(AppEvent::Turn {
        turn,
        change: TurnChange::Finished(Box::new(TurnEnd {
            content,
            state: MessageState::Complete,
            usage: Default::default(),
            container: None,
            stop_reason: Some("end_turn".into()),
            finished_at: at(1),
            context: Default::default(),
        })),
    })
}

pub(super) use crate::model::event::replay::at;

/// Attaches `path` through the prompt and answers the check; returns the attachment key.
pub(super) fn attach(m: &mut Model, path: &str) -> u64 {
    m.handle(ctrl('o'));
    type_text(m, path);
    assert_eq!(
        m.handle(key(KeyCode::Enter)),
        vec![Effect::CheckAttach { input: path.into() }, Effect::Redraw]
    );
    let effects = m.handle(AppEvent::AttachChecked {
        input: path.into(),
        result: Ok((PathBuf::from(path), 100)),
    });
    match effects[0] {
        Effect::Upload { attach, .. } => attach,
        ref other => panic!("expected an upload, got {other:?}"),
    }
}

#[test]
fn a_message_of_only_spaces_is_ignored_like_an_empty_one() {
    let mut m = model(Access::Key);
    type_text(&mut m, "   ");
    let effects = m.handle(key(KeyCode::Enter));
    assert!(!effects.iter().any(|e| matches!(e, Effect::StartTurn(_))));
    assert!(m.turns.is_empty());
}

#[test]
fn submit_starts_a_turn_with_the_prompt_and_clears_the_composer() {
    let mut m = model(Access::Key);
    type_text(&mut m, "what drives churn?");
    let effects = m.handle(key(KeyCode::Enter));
    let start = start_of(&effects);
    assert_eq!(start.prompt, "what drives churn?");
    assert_eq!(start.session, None);
    let last = start.request.messages.last().unwrap();
    assert_eq!(last["content"][0]["text"], "what drives churn?");
    assert!(m.composer_is_empty());
    assert_eq!(m.state, TurnState::Streaming { turn: start.turn });
    assert_eq!(m.history, vec!["what drives churn?".to_string()]);
}

#[test]
fn an_empty_composer_sends_nothing_and_a_busy_one_waits() {
    let mut m = model(Access::Key);
    assert!(m.handle(key(KeyCode::Enter)).is_empty());
    send(&mut m, "first");
    type_text(&mut m, "second");
    let effects = m.handle(key(KeyCode::Enter));
    assert!(!effects.iter().any(|e| matches!(e, Effect::StartTurn(_))));
    assert_eq!(m.composer_text(), "second");
}

#[test]
fn alt_enter_and_ctrl_j_add_lines_instead_of_sending() {
    let mut m = model(Access::Key);
    type_text(&mut m, "a");
    m.handle(AppEvent::Key(KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::ALT,
    )));
    type_text(&mut m, "b");
    m.handle(ctrl('j'));
    type_text(&mut m, "c");
    assert_eq!(m.composer_text(), "a\nb\nc");
    assert_eq!(m.state, TurnState::Idle);
}

#[test]
fn stream_events_build_the_answer_block_by_block() {
    let mut m = model(Access::Key);
    let turn = send(&mut m, "hi");
    for change in [
        TurnChange::Started { started_at: at(0) },
        TurnChange::Block {
            index: 0,
            block: json!({"type": "text", "text": ""}),
            at_ms: 1,
        },
        TurnChange::Text {
            index: 0,
            text: "Hello ".into(),
        },
        TurnChange::Text {
            index: 0,
            text: "there".into(),
        },
        TurnChange::Block {
            index: 1,
            block: json!({"type": "server_tool_use", "id": "t1", "name": "bash_code_execution", "input": {"command": "ls"}}),
            at_ms: 10,
        },
        TurnChange::Block {
            index: 2,
            block: json!({"type": "bash_code_execution_tool_result", "tool_use_id": "t1", "content": {"type": "bash_code_execution_result", "stdout": "a", "stderr": "", "return_code": 0, "content": []}}),
            at_ms: 1210,
        },
    ] {
        assert_eq!(
            m.handle(AppEvent::Turn { turn, change }),
            vec![Effect::Redraw]
        );
    }
    let t = m.turns.last().unwrap();
    assert_eq!(t.assistant[0]["text"], "Hello there");
    assert_eq!(t.timings["t1"], (10, Some(1210)));
    assert_eq!(m.exec_count, 1);
    assert_eq!(t.state, AnswerState::Streaming);
    // The code pane follows a new run while the last one is selected.
    m.handle(AppEvent::Turn {
        turn,
        change: TurnChange::Block {
            index: 3,
            block: json!({"type": "server_tool_use", "id": "t2", "name": "bash_code_execution", "input": {"command": "wc -l x"}}),
            at_ms: 1300,
        },
    });
    assert_eq!((m.exec_count, m.code_selected), (2, 1));
}

#[test]
fn code_shows_while_its_input_streams() {
    let mut m = model(Access::Key);
    let turn = send(&mut m, "hi");
    let mut change = |change| m.handle(AppEvent::Turn { turn, change });
    change(TurnChange::Block {
        index: 0,
        block: json!({"type": "server_tool_use", "id": "t1", "name": "text_editor_code_execution", "input": {}}),
        at_ms: 1,
    });
    for piece in [
        r#"{"command": "cre"#,
        r#"ate", "path": "/tmp/a.py", "#,
        r#""file_text": "import pan"#,
    ] {
        change(TurnChange::Input {
            index: 0,
            json: piece.into(),
        });
    }
    let run = &crate::domain::execution::executions(&m.turns[0].assistant)[0];
    assert_eq!(run.code(), "import pan");
    assert_eq!(run.input["command"], "create");
    // The stop brings the whole input, which replaces what was read so far.
    m.handle(AppEvent::Turn {
        turn,
        change: TurnChange::Block {
            index: 0,
            block: json!({"type": "server_tool_use", "id": "t1", "name": "text_editor_code_execution",
                          "input": {"command": "create", "path": "/tmp/a.py", "file_text": "import pandas\n"}}),
            at_ms: 5,
        },
    });
    let run = &crate::domain::execution::executions(&m.turns[0].assistant)[0];
    assert_eq!(run.code(), "import pandas\n");
    assert!(m.turns[0].partial_inputs.is_empty());
}

#[test]
fn the_finished_turn_takes_the_accumulators_blocks_and_lists_generated_files() {
    let mut m = model(Access::Key);
    let turn = send(&mut m, "plot it");
    let content = vec![
        json!({"type": "text", "text": "Here"}),
        json!({"type": "server_tool_use", "id": "t1", "name": "bash_code_execution", "input": {"command": "python plot.py"}}),
        json!({"type": "bash_code_execution_tool_result", "tool_use_id": "t1", "content": {"type": "bash_code_execution_result", "stdout": "", "stderr": "", "return_code": 0, "content": [{"type": "bash_code_execution_output", "file_id": "file_chart"}]}}),
    ];
    let effects = finish(&mut m, turn, content.clone());
    assert!(effects.contains(&Effect::FetchInfo {
        file_id: "file_chart".into()
    }));
    assert_eq!(m.turns[0].assistant, content);
    assert_eq!(m.state, TurnState::Idle);
    assert_eq!(m.files[0].origin, FileOrigin::Generated);
    assert_eq!(m.files[0].state, FileState::Ready);

    // Its metadata names it; with a session it is recorded.
    m.handle(AppEvent::SessionCreated {
        id: "ses_1".into(),
        name: "plot it".into(),
    });
    let effects = m.handle(AppEvent::FileInfo {
        file_id: "file_chart".into(),
        info: Ok(record("file_chart", "churn.png", FileOrigin::Generated)),
    });
    assert_eq!(m.files[0].name, "churn.png");
    assert!(
        matches!(&effects[1], Effect::PersistFile { session, file } if session == "ses_1" && file.filename == "churn.png")
    );
}

#[test]
fn events_of_a_turn_that_is_not_streaming_are_dropped() {
    let mut m = model(Access::Key);
    let turn = send(&mut m, "hi");
    assert!(
        m.handle(AppEvent::Turn {
            turn: turn + 100,
            change: TurnChange::Text {
                index: 0,
                text: "x".into()
            },
        })
        .is_empty()
    );
    // Cancelled: later events of that turn change nothing shown (its end's usage is counted,
    // see the usage tests).
    let effects = m.handle(key(KeyCode::Esc));
    assert!(effects.contains(&Effect::CancelTurn(turn)));
    assert_eq!(m.turns[0].state, AnswerState::Done(MessageState::Cancelled));
    assert_eq!(m.state, TurnState::Idle);
    let before = m.turns[0].clone();
    let late = TurnChange::Text {
        index: 0,
        text: "late".into(),
    };
    assert!(m.handle(AppEvent::Turn { turn, change: late }).is_empty());
    finish(&mut m, turn, vec![json!({"type": "text", "text": "late"})]);
    assert_eq!(m.turns[0].assistant, before.assistant);
    assert_eq!(m.turns[0].state, before.state);
}

#[test]
fn a_failed_or_cut_answer_shows_as_an_error_state() {
    let mut m = model(Access::Key);
    let turn = send(&mut m, "hi");
    m.handle(AppEvent::Turn {
        turn,
        change: TurnChange::Finished(Box::new(TurnEnd {
            content: vec![],
            state: MessageState::Failed("overloaded_error: Overloaded".into()),
            usage: Default::default(),
            container: None,
            stop_reason: None,
            finished_at: at(1),
            context: Default::default(),
        })),
    });
    assert_eq!(
        m.state,
        TurnState::Failed("overloaded_error: Overloaded".into())
    );
    // The next message can be sent.
    send(&mut m, "again");
}

#[test]
fn up_and_down_browse_history_only_from_an_empty_composer() {
    let mut m = model(Access::Key);
    for prompt in ["one", "two"] {
        let turn = send(&mut m, prompt);
        finish(&mut m, turn, vec![]);
    }
    m.handle(key(KeyCode::Up));
    assert_eq!(m.composer_text(), "two");
    m.handle(key(KeyCode::Up));
    assert_eq!(m.composer_text(), "one");
    m.handle(key(KeyCode::Down));
    assert_eq!(m.composer_text(), "two");
    m.handle(key(KeyCode::Down));
    assert_eq!(m.composer_text(), "");
    type_text(&mut m, "draft");
    m.handle(key(KeyCode::Up));
    assert_eq!(m.composer_text(), "draft");
}

#[test]
fn letters_type_in_the_composer_but_act_in_panes() {
    let mut m = model(Access::Key);
    type_text(&mut m, "dox?");
    assert_eq!(m.composer_text(), "dox?");
    assert_eq!(m.overlay, None);
    m.handle(key(KeyCode::Tab));
    assert_eq!(m.focus, Focus::Conversation);
    m.handle(key(KeyCode::Char('?')));
    assert_eq!(m.overlay, Some(Overlay::Help { scroll: 0 }));
    m.handle(key(KeyCode::Esc));
    assert_eq!(m.overlay, None);
    m.handle(AppEvent::Key(KeyEvent::new(
        KeyCode::BackTab,
        KeyModifiers::SHIFT,
    )));
    assert_eq!(m.focus, Focus::Composer);
    m.handle(key(KeyCode::F(1)));
    assert_eq!(m.overlay, Some(Overlay::Help { scroll: 0 }));
}

#[test]
fn ctrl_c_stops_then_quits_and_ctrl_q_quits() {
    let mut m = model(Access::Key);
    let turn = send(&mut m, "long answer");
    let effects = m.handle(ctrl('c'));
    assert!(effects.contains(&Effect::CancelTurn(turn)));
    assert!(!m.quit);
    assert_eq!(m.handle(ctrl('c')), vec![Effect::Quit]);
    assert!(m.quit);
    // Another key in between disarms.
    let mut m = model(Access::Key);
    m.handle(ctrl('c'));
    m.handle(key(KeyCode::Char('a')));
    m.handle(ctrl('c'));
    assert!(!m.quit);
    assert_eq!(m.handle(ctrl('q')), vec![Effect::Quit]);
}

#[test]
fn without_a_key_the_dialog_offers_the_demo() {
    let mut m = model(Access::NoKey);
    assert_eq!(m.overlay, Some(Overlay::NoKey));
    type_text(&mut m, "x");
    assert!(m.composer_is_empty(), "keys go to the dialog");
    assert_eq!(m.handle(key(KeyCode::Char('d'))), vec![Effect::StartDemo]);
    m.handle(AppEvent::DemoStarted);
    assert_eq!(m.overlay, None);
    assert!(m.demo);
    let mut m = model(Access::NoKey);
    assert_eq!(m.handle(key(KeyCode::Char('q'))), vec![Effect::Quit]);
    // Esc looks around; sending or attaching brings the dialog back.
    let mut m = model(Access::NoKey);
    m.handle(key(KeyCode::Esc));
    assert_eq!((m.overlay.clone(), m.quit), (None, false));
    type_text(&mut m, "hi");
    assert!(
        !m.handle(key(KeyCode::Enter))
            .iter()
            .any(|e| matches!(e, Effect::StartTurn(_)))
    );
    assert_eq!(m.overlay, Some(Overlay::NoKey));
    m.handle(key(KeyCode::Esc));
    m.handle(ctrl('o'));
    assert_eq!(m.overlay, Some(Overlay::NoKey));
}

#[test]
fn a_resumed_session_restores_turns_files_container_and_history() {
    let mut m = model(Access::Key);
    assert_eq!(m.resume(None), vec![Effect::LoadSession(None)]);
    assert_eq!(m.state, TurnState::Loading);
    let mut session = crate::domain::synthetic::synthetic_session(3);
    session.meta.container = Some(crate::domain::container::Container {
        id: "container_1".into(),
        expires_at: Some("2030-01-01T00:00:00Z".into()),
    });
    session
        .files
        .push(record("file_a", "a.csv", FileOrigin::Uploaded));
    m.handle(AppEvent::SessionLoaded(Box::new(session)));
    assert_eq!(m.state, TurnState::Idle);
    assert_eq!(m.turns.len(), 3);
    assert_eq!(m.exec_count, 3);
    assert_eq!(m.history.len(), 3);
    assert_eq!(m.session_id.as_deref(), Some("ses_synthetic"));
    let effects = {
        type_text(&mut m, "more");
        m.handle(key(KeyCode::Enter))
    };
    let start = start_of(&effects);
    assert_eq!(start.request.container.as_deref(), Some("container_1"));
    assert_eq!(start.session.as_deref(), Some("ses_synthetic"));
    assert_eq!(start.request.messages.len(), 7);
    assert_eq!(start.reattach.len(), 1);
}

#[test]
fn a_resumed_session_keeps_deleted_files_deleted_and_unsent() {
    let mut m = model(Access::Key);
    m.resume(None);
    let mut session = crate::domain::synthetic::synthetic_session(1);
    session
        .files
        .push(record("file_gone", "gone.csv", FileOrigin::Uploaded));
    session.deleted_files.push("file_gone".into());
    session.messages[0]
        .content
        .push(json!({"type": "container_upload", "file_id": "file_gone"}));
    m.handle(AppEvent::SessionLoaded(Box::new(session)));
    assert_eq!(m.files[0].state, FileState::Deleted);
    type_text(&mut m, "more");
    let effects = m.handle(key(KeyCode::Enter));
    let start = start_of(&effects);
    assert!(start.reattach.is_empty(), "{:?}", start.reattach);
    let sent = serde_json::to_string(&start.request.messages).unwrap();
    assert!(!sent.contains("file_gone"), "{sent}");
}

#[test]
fn a_notice_lasts_until_the_next_key_and_stays_in_the_log() {
    let mut m = model(Access::Key);
    m.handle(AppEvent::Notice("could not record a file".into()));
    assert_eq!(m.notice.as_deref(), Some("could not record a file"));
    m.handle(ctrl('c'));
    assert_eq!(m.notice.as_deref(), Some("press Ctrl-C again to quit"));
    m.handle(key(KeyCode::Char('a')));
    assert_eq!(m.notice, None, "a key clears the notice");
    assert!(!m.interrupt_armed);
    assert_eq!(
        m.notice_log,
        vec!["could not record a file", "press Ctrl-C again to quit"]
    );
    m.handle(key(KeyCode::F(2)));
    assert_eq!(m.overlay, Some(Overlay::Notices));
    m.handle(key(KeyCode::Esc));
    assert_eq!(m.overlay, None);
}

#[test]
fn copy_answer_copies_the_last_answers_markdown() {
    let mut m = model(Access::Key);
    let turn = send(&mut m, "q");
    finish(
        &mut m,
        turn,
        vec![json!({"type": "text", "text": "# Title\n\n**bold**"})],
    );
    let effects = m.handle(ctrl('y'));
    assert!(effects.contains(&Effect::Copy("# Title\n\n**bold**".into())));
}

/// A session whose one run wrote `chart.png` (file_png), the files pane focused.
pub(super) fn with_chart() -> Model {
    let mut m = model(Access::Key);
    let turn = send(&mut m, "plot");
    finish(
        &mut m,
        turn,
        vec![
            json!({"type": "server_tool_use", "id": "t", "name": "bash_code_execution", "input": {"command": "python plot.py"}}),
            json!({"type": "bash_code_execution_tool_result", "tool_use_id": "t", "content": {"type": "bash_code_execution_result", "stdout": "", "stderr": "", "return_code": 0, "content": [{"type": "bash_code_execution_output", "file_id": "file_png"}]}}),
        ],
    );
    m.handle(AppEvent::FileInfo {
        file_id: "file_png".into(),
        info: Ok(record("file_png", "chart.png", FileOrigin::Generated)),
    });
    while m.focus != Focus::Files {
        m.handle(key(KeyCode::Tab));
    }
    m
}
