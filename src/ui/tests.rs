//! Screens rendered into a test terminal: snapshots of each state at 80×24 and 160×48, and
//! checks of the cache (an unchanged frame lays nothing out) and of sanitising.

use super::*;
use crate::domain::attachment::GivenAs;
use crate::domain::container::Container;
use crate::domain::fixture::result;
use crate::domain::session::{FileOrigin, FileRecord, MessageState};
use crate::domain::usage::Usage;
use crate::model::event::{AppEvent, Transfer, TurnChange, TurnEnd};
use crate::model::keymap::Keymap;
use crate::model::state::{
    Access, AnswerState, AttachPrompt, FileState, Focus, Overlay, Settings, Turn,
};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::{Value, json};
use std::path::PathBuf;

pub(super) fn settings() -> Settings {
    Settings {
        model: "claude-sonnet-4-5".into(),
        max_tokens: 8192,
        tool: "code_execution_20250825".into(),
        max_continuations: 3,
        download_dir: PathBuf::from("/home/ana/Downloads"),
        keymap: Keymap::default(),
        prices: Default::default(),
        sample: None,
        config_path: Some(PathBuf::from("/home/me/.config/clab/config.toml")),
        long: Default::default(),
        config_skills: Vec::new(),
        added_skills: Vec::new(),
    }
}

pub(super) fn model() -> Model {
    Model::new(settings(), Access::Key, false)
}

/// The buffer as text, one line per row, trailing spaces trimmed; a wide character's
/// second cell is skipped so the text reads as the terminal shows it.
pub(super) fn text(buffer: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..buffer.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let symbol = buffer[(x, y)].symbol();
            skip = text::str_width(symbol).saturating_sub(1);
            line.push_str(symbol);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

pub(super) fn draw(model: &Model, cache: &mut RenderCache, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| render(model, cache, &Theme::default(), frame))
        .unwrap();
    text(terminal.backend().buffer())
}

pub(super) fn screen(model: &Model, width: u16, height: u16) -> String {
    draw(model, &mut RenderCache::default(), width, height)
}

/// One snapshot per size.
pub(super) fn snapshots(name: &str, model: &Model) {
    insta::assert_snapshot!(format!("{name}_80x24"), screen(model, 80, 24));
    insta::assert_snapshot!(format!("{name}_160x48"), screen(model, 160, 48));
}

pub(super) fn key(code: KeyCode) -> AppEvent {
    AppEvent::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// Sends `prompt` and returns the id of the turn now streaming.
pub(super) fn send(model: &mut Model, prompt: &str) -> u64 {
    model.set_composer(prompt);
    model.handle(key(KeyCode::Enter));
    model.streaming_turn().expect("the send starts a turn")
}

pub(super) fn block(model: &mut Model, turn: u64, index: usize, block: Value, at_ms: u64) {
    let change = TurnChange::Block {
        index,
        block,
        at_ms,
    };
    model.handle(AppEvent::Turn { turn, change });
}

pub(super) fn delta(model: &mut Model, turn: u64, index: usize, text: &str) {
    let change = TurnChange::Text {
        index,
        text: text.into(),
    };
    model.handle(AppEvent::Turn { turn, change });
}

pub(super) use crate::model::event::replay::at;

/// Streams `blocks` in order, a second apart, and finishes the turn with them.
pub(super) fn answer(model: &mut Model, turn: u64, blocks: &[Value], state: MessageState) {
    for (i, b) in blocks.iter().enumerate() {
        block(model, turn, i, b.clone(), 1_000 + 1_300 * i as u64);
    }
    let end = TurnEnd {
        content: blocks.to_vec(),
        state,
        usage: Usage {
            input_tokens: 1_830,
            output_tokens: 912,
            cache_creation_input_tokens: 4_000,
            cache_read_input_tokens: 12_000,
        },
        container: Some(Container {
            id: "container_ab12cd34ef".into(),
            expires_at: Some("2026-11-27T13:45:00Z".into()),
        }),
        stop_reason: Some("end_turn".into()),
        finished_at: at(1),
        context: crate::domain::context::Report {
            prompt_tokens: 17_830,
            ..Default::default()
        },
    };
    let change = TurnChange::Finished(Box::new(end));
    model.handle(AppEvent::Turn { turn, change });
}

fn uploaded(model: &mut Model, path: &str, id: &str, size: u64) {
    model.begin_upload(PathBuf::from(path), size, GivenAs::Container);
    let attach = model.files.last().unwrap().attach.unwrap();
    let record = FileRecord {
        id: id.into(),
        filename: path.rsplit('/').next().unwrap().into(),
        origin: FileOrigin::Uploaded,
        size: Some(size),
        mime: Some("text/csv".into()),
        local_path: Some(PathBuf::from(path)),
        given_as: None,
    };
    model.handle(AppEvent::Upload {
        attach,
        progress: Transfer::Done(record),
    });
}

pub(super) fn bash(id: &str, command: &str) -> Value {
    json!({"type": "server_tool_use", "id": id, "name": "bash_code_execution", "input": {"command": command}})
}

pub(super) fn text_block(text: &str) -> Value {
    json!({"type": "text", "text": text})
}

#[test]
fn empty_session() {
    snapshots("empty", &model());
}

#[test]
fn streaming_answer_with_a_run_in_progress() {
    let mut m = model();
    m.handle(AppEvent::SessionCreated {
        id: "s1".into(),
        name: "churn analysis".into(),
    });
    uploaded(
        &mut m,
        "/home/ana/data/customers.csv",
        "file_011CSV",
        48_213,
    );
    let turn = send(&mut m, "What drives churn in this data?");
    block(&mut m, turn, 0, text_block(""), 300);
    delta(
        &mut m,
        turn,
        0,
        "I'll start by **loading** the data.\n\nThen I'll look at the `tenure",
    );
    let command =
        "python3 -c 'import pandas as pd; print(pd.read_csv(\"customers.csv\").describe())'";
    block(&mut m, turn, 1, bash("srvtoolu_1", command), 1_200);
    m.container = Some(Container {
        id: "container_ab12cd34ef".into(),
        expires_at: Some("2026-11-27T13:45:00Z".into()),
    });
    snapshots("streaming", &m);
}

#[test]
fn code_cards_with_stderr_and_a_failed_exit() {
    let mut m = model();
    let turn = send(&mut m, "Plot churn by tenure.");
    let stdout: String = (1..=10)
        .map(|i| format!("tenure {i}: churn {}%\n", 40 - i * 3))
        .collect();
    let traceback =
        "Traceback (most recent call last):\n  File \"<string>\", line 1\nKeyError: 'Tenure'";
    let blocks = [
        text_block("Let me compute churn by tenure."),
        bash("srvtoolu_a", "python3 churn.py --by tenure"),
        result("srvtoolu_a", &stdout, "", 0, &[]),
        bash(
            "srvtoolu_b",
            "python3 -c \"import pandas as pd\ndf = pd.read_csv('customers.csv')\nprint(df['Tenure'].mean())\"",
        ),
        result("srvtoolu_b", "", traceback, 1, &[]),
        bash("srvtoolu_c", "python3 plot.py"),
        result("srvtoolu_c", "saved churn.png\n", "", 0, &["file_011PNG"]),
        json!({"type": "server_tool_use", "id": "srvtoolu_d", "name": "text_editor_code_execution",
               "input": {"command": "view", "path": "/tmp/missing.py"}}),
        json!({"type": "text_editor_code_execution_tool_result", "tool_use_id": "srvtoolu_d",
               "content": {"type": "text_editor_code_execution_tool_result_error",
                           "error_code": "file_not_found", "error_message": "no such file"}}),
        text_block("The column is `tenure`, lower case; the chart is in **churn.png**."),
    ];
    answer(&mut m, turn, &blocks, MessageState::Complete);
    m.handle(AppEvent::FileInfo {
        file_id: "file_011PNG".into(),
        info: Ok(FileRecord {
            id: "file_011PNG".into(),
            filename: "churn.png".into(),
            origin: FileOrigin::Generated,
            size: Some(81_920),
            mime: Some("image/png".into()),
            local_path: None,
            given_as: None,
        }),
    });
    m.focus = Focus::Code;
    m.code_selected = 1;
    snapshots("code_cards", &m);
}

#[test]
fn files_in_every_state() {
    let mut m = model();
    let states = [
        (
            "sales.csv",
            FileOrigin::Uploaded,
            FileState::Uploading {
                done: 37,
                total: 100,
            },
            true,
        ),
        (
            "customers.csv",
            FileOrigin::Uploaded,
            FileState::Ready,
            false,
        ),
        (
            "report.xlsx",
            FileOrigin::Generated,
            FileState::Downloading {
                done: 12,
                total: 100,
            },
            false,
        ),
        (
            "churn.png",
            FileOrigin::Generated,
            FileState::Local(PathBuf::from("/home/ana/Downloads/churn.png")),
            false,
        ),
        (
            "big.parquet",
            FileOrigin::Uploaded,
            FileState::Failed("413 file too large".into()),
            false,
        ),
        (
            "old.json",
            FileOrigin::Generated,
            FileState::Deleting,
            false,
        ),
        (
            "draft.txt",
            FileOrigin::Generated,
            FileState::Deleted,
            false,
        ),
    ];
    let mimes = [
        "text/csv",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "image/png",
        "application/octet-stream",
        "application/json",
        "text/plain",
    ];
    for (i, ((name, origin, state, pending), mime)) in states.into_iter().zip(mimes).enumerate() {
        m.files.push(crate::model::state::FileEntry {
            attach: None,
            id: Some(format!("file_{i}")),
            name: name.into(),
            origin,
            size: Some(1_300 * 7u64.pow(i as u32)),
            mime: Some(mime.into()),
            state,
            local_path: None,
            pending,
            given_as: None,
        });
    }
    m.focus = Focus::Files;
    m.files_selected = 2;
    snapshots("files", &m);
}

#[test]
fn help_overlay() {
    let mut m = model();
    m.handle(AppEvent::Key(KeyEvent::new(
        KeyCode::F(1),
        KeyModifiers::NONE,
    )));
    assert_eq!(m.overlay, Some(Overlay::Help { scroll: 0 }));
    snapshots("help", &m);
}

#[test]
fn no_key_dialog() {
    snapshots("no_key", &Model::new(settings(), Access::NoKey, false));
}

#[test]
fn attach_prompt_offers_the_demo_sample_without_typing_it() {
    let mut m = model();
    m.overlay = Some(Overlay::Attach(AttachPrompt {
        suggestion: Some("/tmp/clab-demo-x/customers.csv".into()),
        ..AttachPrompt::default()
    }));
    snapshots("attach_suggestion", &m);
}

#[test]
fn attach_prompt_with_candidates_and_an_error() {
    let mut m = model();
    m.overlay = Some(Overlay::Attach(AttachPrompt {
        input: "~/data/sa".into(),
        candidates: (1..=11)
            .map(|i| format!("~/data/sales_2024_q{i}.csv"))
            .collect(),
        error: Some("~/data/sa is a directory".into()),
        checking: false,
        suggestion: None,
        mode: Some(GivenAs::Read),
    }));
    snapshots("attach", &m);
}

#[test]
fn too_small() {
    insta::assert_snapshot!("too_small_50x12", screen(&model(), 50, 12));
}

/// A finished turn with a run, pushed directly: building a big session through events
/// would only be slower.
pub(super) fn finished_turn(m: &mut Model, i: usize) {
    let id = m.fresh_id();
    let run = format!("srvtoolu_{i}");
    m.turns.push(Turn {
        id,
        context: Default::default(),
        user: vec![text_block(&format!("question {i}: what drives churn?"))],
        assistant: vec![
            text_block(&format!("Looking at turn {i}.\n\nTenure stands out.")),
            bash(&run, "python3 stats.py"),
            result(&run, "count 240\nmean 3.5\n", "", 0, &[]),
            text_block("Month-to-month contracts churn most."),
        ],
        state: AnswerState::Done(MessageState::Complete),
        revision: 0,
        timings: Default::default(),
        usage: Usage::default(),
        started_at: None,
        finished_at: None,
        notices: Vec::new(),
        partial_inputs: Default::default(),
    });
}

#[test]
fn an_unchanged_frame_lays_out_no_turn() {
    let mut m = model();
    for i in 0..1_000 {
        finished_turn(&mut m, i);
    }
    m.exec_count = 1_000;
    m.code_selected = 999;
    let mut cache = RenderCache::default();
    let first = draw(&m, &mut cache, 160, 48);
    assert_eq!(cache.layouts(), 2_000, "each turn once per pane");
    let second = draw(&m, &mut cache, 160, 48);
    assert_eq!(cache.layouts(), 2_000, "nothing laid out again");
    assert_eq!(first, second);
    assert!(first.contains("Month-to-month contracts churn most."));

    m.conversation.back = usize::MAX / 2;
    let top = draw(&m, &mut cache, 160, 48);
    assert!(top.contains("question 0: what drives churn?"), "{top}");
    assert!(top.contains("↑ "), "the title says the view is scrolled up");
    assert_eq!(cache.layouts(), 2_000, "scrolling lays nothing out");
}

#[test]
fn a_streamed_delta_lays_out_only_its_turn() {
    let mut m = model();
    for i in 0..5 {
        finished_turn(&mut m, i);
    }
    let turn = send(&mut m, "and by region?");
    block(&mut m, turn, 0, text_block("By region"), 100);
    let mut cache = RenderCache::default();
    draw(&m, &mut cache, 80, 24);
    let before = cache.layouts();
    delta(&mut m, turn, 0, ", the north churns most");
    let screen = draw(&m, &mut cache, 80, 24);
    assert_eq!(cache.layouts() - before, 2, "one turn, in two panes");
    assert!(
        screen.contains("By region, the north churns most▍"),
        "{screen}"
    );
}

#[test]
fn control_sequences_never_reach_the_buffer() {
    let mut m = model();
    let evil = "clear\x1b[2J now\x1b]52;c;aGVsbG8=\x07 done\u{9b}2J";
    m.files.push(crate::model::state::FileEntry {
        attach: None,
        id: Some("file_evil".into()),
        name: evil.into(),
        origin: FileOrigin::Generated,
        size: None,
        mime: None,
        state: FileState::Failed(evil.into()),
        local_path: None,
        pending: false,
        given_as: None,
    });
    let turn = send(&mut m, evil);
    let blocks = [
        text_block(evil),
        bash("srvtoolu_e", evil),
        result("srvtoolu_e", evil, evil, 1, &["file_evil"]),
        json!({"type": evil, "text": evil}),
    ];
    answer(&mut m, turn, &blocks, MessageState::Failed(evil.into()));
    m.notice = Some(evil.into());
    m.session_name = Some(evil.into());
    for (w, h) in [(80, 24), (160, 48)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal
            .draw(|frame| render(&m, &mut RenderCache::default(), &Theme::default(), frame))
            .unwrap();
        let shown = text(terminal.backend().buffer());
        assert!(shown.contains("clear now done"), "{shown}");
        for bad in ["\x1b", "[2J", "]52", "\u{9b}", "\x07"] {
            assert!(!shown.contains(bad), "{bad:?} reached the screen:\n{shown}");
        }
    }
}

#[test]
fn any_json_block_renders_without_panic() {
    let mut m = model();
    let turn = send(&mut m, "odd blocks");
    let blocks = [
        json!(null),
        json!(42),
        json!({"no": "type"}),
        json!({"type": "text"}),
        json!({"type": "server_tool_use"}),
        json!({"type": "server_tool_use", "id": 7, "name": null, "input": "ls"}),
        json!({"type": "thinking", "thinking": 3}),
        json!({"type": "redacted_thinking", "data": "x"}),
        json!({"tool_use_id": "nothing", "content": [1, 2]}),
    ];
    answer(&mut m, turn, &blocks, MessageState::Cut);
    let shown = screen(&m, 80, 24);
    assert!(shown.contains("[redacted_thinking block]"), "{shown}");
    assert!(
        shown.contains("— the connection closed mid-answer"),
        "{shown}"
    );
}

#[test]
fn dialogs_name_what_they_ask_about() {
    let mut m = model();
    m.overlay = Some(Overlay::ConfirmDelete {
        file_id: "file_011PNG".into(),
        name: "churn.png".into(),
    });
    let shown = screen(&m, 80, 24);
    assert!(
        shown.contains("Delete churn.png (file_011PNG) from the Files API? y/n"),
        "{shown}"
    );

    m.overlay = Some(Overlay::ConfirmPasteAttach {
        text: "/tmp/x.csv".into(),
        path: PathBuf::from("/tmp/x.csv"),
    });
    let shown = screen(&m, 80, 24);
    assert!(
        shown.contains("Attach /tmp/x.csv? y/n (n pastes the text)"),
        "{shown}"
    );

    m.usage = Usage {
        input_tokens: 1_000_000,
        output_tokens: 100_000,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
    };
    m.overlay = Some(Overlay::Usage { back: 0 });
    let shown = screen(&m, 80, 24);
    assert!(
        shown.contains("1,000,000") && shown.contains("4.500"),
        "{shown}"
    );
    assert!(shown.contains("Estimates from list prices"), "{shown}");
}
