//! Render tests of code runs: their cards and conversation markers when stopped, timed,
//! selected and scrolled.

use super::tests::*;
use super::*;
use crate::domain::fixture::result;
use crate::domain::session::MessageState;
use crate::model::event::AppEvent;
use crate::model::state::{AnswerState, Focus};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;

#[test]
fn a_run_whose_answer_was_stopped_says_so_instead_of_running() {
    let mut m = model();
    finished_turn(&mut m, 1);
    let turn = m.turns.last_mut().unwrap();
    turn.assistant.truncate(2);
    turn.state = AnswerState::Done(MessageState::Cancelled);
    let shown = screen(&m, 120, 40);
    assert!(!shown.contains("running"), "{shown}");
    assert!(
        shown.contains("▸ bash · stopped before it finished"),
        "the conversation: {shown}"
    );
    assert!(
        shown.contains("bash · stopped before it finished"),
        "the code card: {shown}"
    );
    m.turns.last_mut().unwrap().state = AnswerState::Streaming;
    assert!(screen(&m, 120, 40).contains("running"));
}

#[test]
fn a_resumed_run_shows_how_long_it_took() {
    let mut with_times = crate::domain::synthetic::synthetic_session(1);
    with_times.messages[1]
        .run_times
        .insert("srvtoolu_00000".into(), (120, Some(2470)));
    let without = crate::domain::synthetic::synthetic_session(1);
    let shown = |session| {
        let mut m = model();
        m.resume(None);
        m.handle(AppEvent::SessionLoaded(Box::new(session)));
        screen(&m, 120, 40)
    };
    let timed = shown(with_times);
    assert!(timed.contains("bash · exit 1 · 2.4s"), "{timed}");
    // A session stored before clab kept run times shows no made-up duration.
    let untimed = shown(without);
    assert!(untimed.contains("bash · exit 1"), "{untimed}");
    assert!(!untimed.contains("exit 1 ·"), "{untimed}");
}

#[test]
fn the_selected_run_is_highlighted_and_brought_into_view() {
    let mut m = model();
    m.resume(None);
    m.handle(AppEvent::SessionLoaded(Box::new(
        crate::domain::synthetic::synthetic_session(6),
    )));
    m.focus = Focus::Conversation;
    m.code_selected = 1;
    m.conversation.follow_run = true;
    let mut cache = RenderCache::default();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal
        .draw(|frame| render(&m, &mut cache, &Theme::default(), frame))
        .unwrap();
    let (max_back, back) = cache.conversation_view();
    assert!(
        back > 0 && back <= max_back,
        "scrolled up to run 1: {back} of {max_back}"
    );
    let buffer = terminal.backend().buffer();
    let shown = text(buffer);
    assert!(shown.contains("turn 1"), "turn 1 is in view: {shown}");
    assert!(
        !shown.contains("turn 5"),
        "the view left the bottom: {shown}"
    );
    let rows: Vec<u16> = (0..buffer.area.height)
        .filter(|&y| {
            (0..buffer.area.width).any(|x| {
                buffer[(x, y)].modifier.contains(Modifier::REVERSED)
                    && buffer[(x, y)].symbol() == "▸"
            })
        })
        .collect();
    assert_eq!(rows.len(), 1, "one marker is highlighted: {shown}");
    let row: String = (0..buffer.area.width)
        .map(|x| buffer[(x, rows[0])].symbol().to_string())
        .collect();
    assert!(row.contains("▸ ran bash · exit 0"), "{row}");
    // Unfocused, the conversation highlights nothing.
    m.focus = Focus::Composer;
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal
        .draw(|frame| render(&m, &mut cache, &Theme::default(), frame))
        .unwrap();
    let buffer = terminal.backend().buffer();
    let any = (0..buffer.area.height).any(|y| {
        (0..buffer.area.width).any(|x| {
            buffer[(x, y)].symbol() == "▸" && buffer[(x, y)].modifier.contains(Modifier::REVERSED)
        })
    });
    assert!(!any);
}

#[test]
fn the_selected_card_scrolls_under_its_header() {
    let mut m = model();
    let turn = send(&mut m, "describe");
    let stdout: String = (1..=30).map(|i| format!("row {i}\n")).collect();
    let blocks = [
        bash("srvtoolu_a", "python3 describe.py"),
        result("srvtoolu_a", &stdout, "", 0, &[]),
    ];
    answer(&mut m, turn, &blocks, MessageState::Complete);
    m.code_scroll = 1_000;
    let shown = screen(&m, 80, 24);
    assert!(shown.contains("╭ bash · exit 0"), "{shown}");
    assert!(
        shown.contains("row 30") && !shown.contains("row 20"),
        "{shown}"
    );
    m.code_scroll = 0;
    let shown = screen(&m, 80, 24);
    assert!(
        shown.contains("python3 describe.py") && !shown.contains("row 30"),
        "{shown}"
    );
}
