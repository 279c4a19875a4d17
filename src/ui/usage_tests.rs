//! The usage overlay on screen: snapshots of a session with code runs that share a container
//! and a chat turn, and the table scrolled when there are more turns than rows.

use super::tests::{bash, key, model, screen, send, snapshots, text_block};
use crate::domain::fixture::result;
use crate::domain::usage::Usage;
use crate::model::Model;
use crate::model::event::AppEvent;
use crate::model::event::replay::timed_answer;
use crate::model::state::{Focus, Overlay};
use ratatui::crossterm::event::KeyCode;
use serde_json::Value;

use crate::domain::usage::counts as usage;

/// A turn asked at minute `start` and answered with `content` at minute `end`.
fn timed(m: &mut Model, prompt: &str, minutes: (i64, i64), content: Vec<Value>, used: Usage) {
    let turn = send(m, prompt);
    for event in timed_answer(turn, minutes, content, used) {
        m.handle(event);
    }
}

fn run(id: &str) -> Vec<Value> {
    vec![
        bash(id, "python3 stats.py"),
        result(id, "count 240\n", "", 0, &[]),
        text_block("Tenure stands out."),
    ]
}

#[test]
fn usage_overlay() {
    let mut m = model();
    timed(
        &mut m,
        "count",
        (0, 2),
        run("s1"),
        usage(1_830, 912, 4_000, 12_000),
    );
    timed(
        &mut m,
        "plot",
        (4, 11),
        run("s2"),
        usage(2_410, 1_344, 1_200, 16_000),
    );
    let chat = vec![text_block("Month-to-month contracts churn most.")];
    timed(&mut m, "why", (70, 71), chat, usage(3_020, 410, 0, 17_200));
    m.handle(key(KeyCode::Tab));
    m.handle(key(KeyCode::Char('u')));
    assert_eq!(m.overlay, Some(Overlay::Usage { back: 0 }));
    snapshots("usage", &m);
}

#[test]
fn more_turns_than_rows_scroll_with_the_newest_last() {
    let mut m = model();
    for i in 0..20 {
        timed(
            &mut m,
            &format!("q{i}"),
            (i, i),
            Vec::new(),
            usage(100, 10, 0, 0),
        );
    }
    m.focus = Focus::Conversation;
    m.handle(AppEvent::Resize(80, 24));
    m.handle(key(KeyCode::Char('u')));
    let shown = screen(&m, 80, 24);
    assert!(shown.contains("│ 20 ") && shown.contains("│ 9 "), "{shown}");
    assert!(!shown.contains("│ 8 "), "{shown}");
    assert!(shown.contains("↑↓ scroll"), "{shown}");
    for _ in 0..3 {
        m.handle(key(KeyCode::Up));
    }
    let shown = screen(&m, 80, 24);
    assert!(shown.contains("│ 17 ") && shown.contains("│ 6 "), "{shown}");
    assert!(
        !shown.contains("│ 18 ") && !shown.contains("│ 5 "),
        "{shown}"
    );
}
