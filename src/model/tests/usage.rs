//! Reducer tests of per-turn usage and times (live and resumed), the cost report built from
//! them, and the usage overlay's keys.

use super::*;
use crate::domain::usage::Usage;
use crate::model::event::replay::timed_answer;
use chrono::TimeDelta;

use crate::domain::usage::counts as usage;

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn bash_run(id: &str) -> Vec<serde_json::Value> {
    vec![
        json!({"type": "server_tool_use", "id": id, "name": "bash_code_execution",
               "input": {"command": "wc -l sales.csv"}}),
        json!({"type": "bash_code_execution_tool_result", "tool_use_id": id,
               "content": {"type": "bash_code_execution_result", "stdout": "41\n",
                           "stderr": "", "return_code": 0, "content": []}}),
    ]
}

/// Sends `prompt`, starts it at minute `start` and ends it at `end` with `content` and `used`.
fn timed_turn(
    m: &mut Model,
    prompt: &str,
    minutes: (i64, i64),
    content: Vec<serde_json::Value>,
    used: Usage,
) {
    let turn = send(m, prompt);
    for event in timed_answer(turn, minutes, content, used) {
        m.handle(event);
    }
}

#[test]
fn started_and_finished_carry_times_and_usage_into_the_turn() {
    let mut m = model(Access::Key);
    let used = usage(2_000, 500, 10_000, 40_000);
    timed_turn(&mut m, "count rows", (0, 2), bash_run("s1"), used);
    let turn = &m.turns[0];
    assert_eq!(turn.started_at, Some(at(0)));
    assert_eq!(turn.finished_at, Some(at(2)));
    assert_eq!(turn.usage, used);
    assert!(turn.ran_code());
    assert_eq!(m.usage, used);

    let report = m.cost_report();
    let tokens = (2_000.0 * 3.0 + 500.0 * 15.0 + 10_000.0 * 3.75 + 40_000.0 * 0.30) / 1e6;
    let five_minutes = 5.0 / 60.0 * 0.05;
    assert_eq!(report.turns[0].container, TimeDelta::minutes(5));
    assert!(close(report.turns[0].usd, tokens + five_minutes));
    assert!(close(report.usd, tokens + five_minutes));
}

#[test]
fn turns_sharing_a_container_count_its_time_once_and_chat_costs_none() {
    let mut m = model(Access::Key);
    let used = usage(1_000, 100, 0, 0);
    timed_turn(&mut m, "a", (0, 1), bash_run("s1"), used);
    timed_turn(&mut m, "b", (3, 4), bash_run("s2"), used);
    timed_turn(
        &mut m,
        "c",
        (60, 61),
        vec![json!({"type": "text", "text": "hi"})],
        used,
    );
    let report = m.cost_report();
    let minutes: Vec<i64> = report
        .turns
        .iter()
        .map(|t| t.container.num_minutes())
        .collect();
    assert_eq!(minutes, [5, 5, 0]);
    assert_eq!(report.container, TimeDelta::minutes(8));
    let tokens = 3.0 * (1_000.0 * 3.0 + 100.0 * 15.0) / 1e6;
    assert!(close(report.usd, tokens + 8.0 / 60.0 * 0.05));
    assert_eq!(report.usage, usage(3_000, 300, 0, 0));
}

#[test]
fn a_streaming_turn_that_ran_code_counts_the_minimum() {
    let mut m = model(Access::Key);
    let turn = send(&mut m, "plot it");
    m.handle(AppEvent::Turn {
        turn,
        change: TurnChange::Started { started_at: at(0) },
    });
    assert_eq!(m.cost_report().container, TimeDelta::zero());
    let run = bash_run("s1").remove(0);
    m.handle(AppEvent::Turn {
        turn,
        change: TurnChange::Block {
            index: 0,
            block: run,
            at_ms: 10,
        },
    });
    assert_eq!(m.turns[0].finished_at, None);
    assert_eq!(m.cost_report().container, TimeDelta::minutes(5));
}

#[test]
fn a_stopped_turns_late_end_counts_its_usage_once() {
    let mut m = model(Access::Key);
    let turn = send(&mut m, "long");
    m.handle(key(KeyCode::Esc));
    let used = usage(700, 20, 0, 0);
    let end = || TurnEnd {
        content: vec![json!({"type": "text", "text": "late"})],
        state: MessageState::Cancelled,
        usage: used,
        container: None,
        stop_reason: None,
        finished_at: at(1),
        context: Default::default(),
    };
    let late = |m: &mut Model| {
        m.handle(AppEvent::Turn {
            turn,
            change: TurnChange::Finished(Box::new(end())),
        })
    };
    assert_eq!(late(&mut m), vec![Effect::Redraw]);
    assert_eq!(m.turns[0].usage, used);
    assert_eq!(m.turns[0].finished_at, Some(at(1)));
    assert!(m.turns[0].assistant.is_empty());
    assert!(late(&mut m).is_empty());
    assert_eq!(m.usage, used);
}

#[test]
fn a_resumed_session_gives_each_turn_its_usage_and_times() {
    let mut m = model(Access::Key);
    let mut session = crate::domain::synthetic::synthetic_session(3);
    let used = usage(1_200, 300, 50, 900);
    for (i, message) in session.messages.iter_mut().enumerate() {
        message.created_at = format!("2026-01-01T10:{:02}:00Z", i * 10);
        if i == 1 {
            message.usage = Some(used);
            message.updated_at = Some("2026-01-01T10:17:30Z".into());
        }
    }
    // The last answer was never written: only its question is stored.
    session.messages.pop();
    session.meta.usage = used;
    m.handle(AppEvent::SessionLoaded(Box::new(session)));
    let times: Vec<_> = m
        .turns
        .iter()
        .map(|t| (t.started_at, t.finished_at))
        .collect();
    let time = |text: &str| Some(text.parse::<DateTime<Utc>>().expect("a valid time"));
    assert_eq!(
        times,
        [
            (time("2026-01-01T10:00:00Z"), time("2026-01-01T10:17:30Z")),
            // A row from before `updated_at` was kept ends when it was created.
            (time("2026-01-01T10:20:00Z"), time("2026-01-01T10:30:00Z")),
            (time("2026-01-01T10:40:00Z"), None),
        ]
    );
    assert_eq!(m.turns[0].usage, used);
    assert_eq!(m.turns[1].usage, Usage::default());
    let report = m.cost_report();
    let minutes: Vec<i64> = report
        .turns
        .iter()
        .map(|t| t.container.num_seconds())
        .collect();
    // The third turn shows no run (its answer is missing), so it has no container time.
    assert_eq!(minutes, [17 * 60 + 30, 10 * 60, 0]);
    assert_eq!(report.container, TimeDelta::seconds(17 * 60 + 30 + 10 * 60));
}

#[test]
fn u_opens_the_usage_view_outside_the_composer_and_arrows_scroll_it() {
    let mut m = model(Access::Key);
    type_text(&mut m, "u");
    assert_eq!(m.composer_text(), "u");
    assert_eq!(m.overlay, None);
    m.handle(ctrl('u'));
    assert_eq!(m.overlay, Some(Overlay::Usage { back: 0 }));
    m.handle(key(KeyCode::Esc));
    m.set_composer("");
    for i in 0..40 {
        timed_turn(
            &mut m,
            &format!("q{i}"),
            (i, i),
            Vec::new(),
            Usage::default(),
        );
    }
    m.handle(key(KeyCode::Tab));
    m.handle(key(KeyCode::Char('u')));
    assert_eq!(m.overlay, Some(Overlay::Usage { back: 0 }));
    // 40 rows on a 40-row screen: 28 fit, so at most 12 newer ones scroll out below.
    m.handle(key(KeyCode::Up));
    assert_eq!(m.overlay, Some(Overlay::Usage { back: 1 }));
    m.handle(key(KeyCode::PageUp));
    assert_eq!(m.overlay, Some(Overlay::Usage { back: 12 }));
    m.handle(key(KeyCode::Down));
    assert_eq!(m.overlay, Some(Overlay::Usage { back: 11 }));
    m.handle(key(KeyCode::End));
    assert_eq!(m.overlay, Some(Overlay::Usage { back: 0 }));
    m.handle(key(KeyCode::Char('u')));
    assert_eq!(m.overlay, None);
}
