//! Render tests of the chrome around the panes: the status bar's notice, the help overlay
//! and the files panel's key hint, at the sizes where they run out of room.

use super::tests::{key, model, screen, snapshots};
use ratatui::crossterm::event::KeyCode;

#[test]
fn a_notice_keeps_its_distance_from_the_cost_and_is_cut_at_a_word() {
    let mut m = model();
    m.notice = Some("uploaded files cannot be downloaded; the Files API only serves files that code execution made".into());
    let shown = screen(&m, 80, 24);
    let bar = shown.lines().last().unwrap();
    assert!(bar.contains("$0.00   "), "{bar}");
    let notice = bar.split("$0.00").nth(1).unwrap().trim();
    assert!(notice.starts_with("uploaded files"), "{bar}");
    assert!(notice.ends_with('…'), "{bar}");
    let last_word = notice.trim_end_matches('…').rsplit(' ').next().unwrap();
    assert!(
        "uploaded files cannot be downloaded; the Files API only serves files that code execution made"
            .split(' ')
            .any(|w| w == last_word),
        "cut mid-word: {bar}"
    );
}

#[test]
fn the_help_scrolls_to_every_key_at_80x24() {
    let mut m = model();
    m.handle(key(KeyCode::F(1)));
    let top = screen(&m, 80, 24);
    assert!(top.contains("more below"), "{top}");
    assert!(!top.contains("scroll sideways"), "{top}");
    m.handle(key(KeyCode::End));
    let bottom = screen(&m, 80, 24);
    assert!(
        bottom.contains("in a table preview: scroll sideways"),
        "{bottom}"
    );
    assert!(bottom.contains("more above"), "{bottom}");
}

#[test]
fn the_files_hint_keeps_whole_items_and_points_to_the_help() {
    let mut m = model();
    m.files.push(crate::model::state::FileEntry::from_record(
        crate::domain::session::FileRecord {
            id: "file_1".into(),
            filename: "sales.csv".into(),
            origin: crate::domain::session::FileOrigin::Uploaded,
            size: None,
            mime: None,
            local_path: None,
            given_as: None,
        },
    ));
    let hint = super::files::hint(&m, 28);
    assert!(hint.ends_with("F1 more"), "{hint}");
    assert!(hint.split(" · ").all(|item| item.contains(' ')), "{hint}");
    assert!(super::text::str_width(&hint) <= 28, "{hint}");
    assert!(super::files::hint(&m, 60).contains("x delete"));
}

#[test]
fn the_skills_picker_and_the_status_bar_show_the_loaded_skills() {
    let mut m = model();
    m.skills = vec!["pptx".into(), "skill_01Team".into()];
    m.handle(key(KeyCode::F(3)));
    m.handle(key(KeyCode::Down));
    snapshots("skills_picker", &m);
    let text = screen(&m, 120, 40);
    assert!(text.contains("[x] pptx"), "{text}");
    assert!(text.contains("[ ] xlsx"), "{text}");
    assert!(text.contains("[x] skill_01Team"), "{text}");
    assert!(text.contains("skills pptx,skill_01Team"), "{text}");
}

#[test]
fn the_context_meter_fills_and_turns_alarming_near_the_window() {
    use super::tests::finished_turn;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::style::Modifier;
    let mut styles = Vec::new();
    for (used, name, shown) in [
        (20_000, "context_meter_10", "ctx 10% of 200k"),
        (170_000, "context_meter_85", "ctx 85% of 200k"),
        (200_000, "context_meter_100", "ctx 100% of 200k"),
    ] {
        let mut m = model();
        finished_turn(&mut m, 0);
        m.turns[0].context.prompt_tokens = used;
        snapshots(name, &m);
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
        terminal
            .draw(|frame| super::render(&m, &mut Default::default(), &Default::default(), frame))
            .unwrap();
        let buffer = terminal.backend().buffer();
        let row: String = (0..120)
            .map(|x| buffer[(x, 39)].symbol().to_string())
            .collect();
        let byte = row.find(shown).unwrap_or_else(|| panic!("{row}"));
        let at = row[..byte].chars().count() as u16;
        let base = buffer[(1, 39)].style();
        let meter = buffer[(at, 39)].style();
        styles.push(meter);
        match used * 100 / 200_000 {
            0..70 => assert_eq!(meter, base, "{name}"),
            _ => assert!(
                meter != base && meter.add_modifier.contains(Modifier::BOLD),
                "{name}: {meter:?}"
            ),
        }
    }
    assert_ne!(styles[1], styles[2], "nearly full looks unlike filling up");
}

#[test]
fn a_compaction_shows_as_one_line_with_its_sizes_and_clearing_under_the_question() {
    use super::tests::finished_turn;
    let mut m = model();
    finished_turn(&mut m, 0);
    let turn = m.turns.last_mut().unwrap();
    turn.assistant.insert(
        0,
        serde_json::json!({"type": "compaction", "content": "## Summary\n\nlong text"}),
    );
    turn.context.compacted_from = Some(60_385);
    turn.context.prompt_tokens = 612;
    turn.notices
        .push("context: cleared 3 old code runs (12k tokens)".into());
    let shown = screen(&m, 120, 40);
    assert!(
        shown.contains("⇣ context compacted: 60k → 612 tokens"),
        "{shown}"
    );
    assert!(
        !shown.contains("long text"),
        "the summary itself is not shown: {shown}"
    );
    assert!(
        shown.contains("↻ context: cleared 3 old code runs"),
        "{shown}"
    );
    // Resumed, the sizes are unknown but the marker stays.
    m.turns.last_mut().unwrap().context = Default::default();
    assert!(screen(&m, 120, 40).contains("⇣ context compacted: earlier turns summarized"));
}
