//! Reducer tests of the skills picker, skills in the turn's request, and a refused long prompt.

use super::*;

fn picker_rows(m: &Model) -> Vec<(String, bool)> {
    crate::model::skills_picker::rows(m)
        .into_iter()
        .map(|r| (r.id, r.on))
        .collect()
}

#[test]
fn the_picker_turns_skills_on_and_off_for_the_next_message() {
    let mut m = model(Access::Key);
    m.handle(key(KeyCode::F(3)));
    assert_eq!(m.overlay, Some(Overlay::Skills { cursor: 0 }));
    // Down to pptx, on; down to docx… no: back up to xlsx, on.
    m.handle(key(KeyCode::Down));
    m.handle(key(KeyCode::Char(' ')));
    m.handle(key(KeyCode::Up));
    m.handle(key(KeyCode::Enter));
    assert_eq!(m.skills, vec!["pptx".to_string(), "xlsx".to_string()]);
    assert!(m.notice.as_deref().unwrap().contains("pptx, xlsx"));
    // Off again.
    m.handle(key(KeyCode::Char(' ')));
    assert_eq!(m.skills, vec!["pptx".to_string()]);
    m.handle(key(KeyCode::Esc));
    assert_eq!(m.overlay, None);
    type_text(&mut m, "make a deck");
    let effects = m.handle(key(KeyCode::Enter));
    let start = start_of(&effects);
    assert_eq!(start.request.skills, vec!["pptx".to_string()]);
    assert_eq!(
        start.request.body(None, None)["container"]["skills"][0]["skill_id"],
        "pptx"
    );
}

#[test]
fn custom_skills_of_the_session_are_listed_and_can_be_switched_back_on() {
    let mut m = model(Access::Key);
    m.skills = vec!["skill_01Custom".into(), "pdf".into()];
    assert_eq!(
        picker_rows(&m),
        vec![
            ("xlsx".to_string(), false),
            ("pptx".to_string(), false),
            ("docx".to_string(), false),
            ("pdf".to_string(), true),
            ("skill_01Custom".to_string(), true),
        ]
    );
    m.handle(key(KeyCode::F(3)));
    for _ in 0..10 {
        m.handle(key(KeyCode::Down));
    }
    assert_eq!(m.overlay, Some(Overlay::Skills { cursor: 4 }));
    m.handle(key(KeyCode::Char(' ')));
    assert_eq!(m.skills, vec!["pdf".to_string()]);
    // The custom skill stays listed while it is off only if the command line gave it; the
    // session's own is gone once off.
    m.settings.added_skills = vec!["skill_01Custom".into()];
    m.handle(key(KeyCode::Char(' ')));
    assert_eq!(
        m.skills,
        vec!["pdf".to_string(), "skill_01Custom".to_string()]
    );
}

#[test]
fn a_resumed_session_brings_its_skills_and_the_command_line_adds_to_them() {
    let mut m = model(Access::Key);
    m.settings.config_skills = vec!["docx".into()];
    m.settings.added_skills = vec!["xlsx".into()];
    let mut session =
        crate::domain::fixture::sample_session(std::path::Path::new("/nowhere/chart.png"));
    session.meta.skills = vec!["pptx".into()];
    m.handle(AppEvent::SessionLoaded(Box::new(session)));
    assert_eq!(m.skills, vec!["pptx".to_string(), "xlsx".to_string()]);
}

#[test]
fn a_question_refused_as_too_long_is_back_in_the_message_box() {
    let mut m = model(Access::Key);
    type_text(&mut m, "and by region?");
    let effects = m.handle(key(KeyCode::Enter));
    let turn = start_of(&effects).turn;
    assert_eq!(m.composer_text(), "");
    let why = format!(
        "{} (208310 tokens > 200000 maximum). Turn context management on…",
        crate::domain::context::TOO_LONG
    );
    m.handle(AppEvent::Turn {
        turn,
        change: TurnChange::Finished(Box::new(TurnEnd {
            content: Vec::new(),
            state: MessageState::Failed(why.clone()),
            usage: Default::default(),
            container: None,
            stop_reason: None,
            finished_at: at(1),
            context: Default::default(),
        })),
    });
    assert_eq!(m.composer_text(), "and by region?");
    assert_eq!(m.state, TurnState::Failed(why));
}

#[test]
fn f4_compacts_the_context_with_the_next_message_only() {
    let mut m = model(Access::Key);
    m.handle(key(KeyCode::F(4)));
    assert!(m.compact_next);
    type_text(&mut m, "go on");
    let effects = m.handle(key(KeyCode::Enter));
    let start = start_of(&effects);
    assert_eq!(start.request.long.context.trigger, 1);
    assert!(!m.compact_next);
    let turn = start.turn;
    finish(
        &mut m,
        turn,
        vec![serde_json::json!({"type": "text", "text": "ok"})],
    );
    type_text(&mut m, "next");
    let effects = m.handle(key(KeyCode::Enter));
    assert_eq!(start_of(&effects).request.long.context.trigger, 100_000);
}
