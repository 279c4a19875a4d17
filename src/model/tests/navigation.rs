//! Moving around: pane keys, the wheel, and the conversation's run selection, which the
//! frame scrolls into view and hands back through `AppEvent::Measured`.

use super::*;

#[test]
fn a_too_small_terminal_ignores_pane_keys() {
    let mut m = model(Access::Key);
    m.handle(AppEvent::Resize(50, 10));
    assert!(m.handle(key(KeyCode::Char('a'))).is_empty());
    assert!(m.composer_is_empty());
    assert_eq!(m.handle(ctrl('q')), vec![Effect::Quit]);
}

#[test]
fn the_wheel_scrolls_the_pane_under_the_pointer() {
    let mut m = model(Access::Key);
    let wheel = |kind, column, row| {
        AppEvent::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    m.handle(AppEvent::Measured {
        conversation_max_back: 4,
        conversation_back: 0,
    });
    m.handle(wheel(MouseEventKind::ScrollUp, 5, 5));
    assert_eq!(m.conversation.back, 3);
    m.handle(wheel(MouseEventKind::ScrollUp, 5, 5));
    assert_eq!(m.conversation.back, 4, "clamped to what the frame measured");
    m.handle(wheel(MouseEventKind::ScrollDown, 5, 5));
    m.handle(wheel(MouseEventKind::ScrollDown, 5, 5));
    assert_eq!(m.conversation.back, 0);
    // Wide layout: the code pane is on the right, at the top.
    m.handle(wheel(MouseEventKind::ScrollDown, 110, 2));
    assert_eq!(m.code_scroll, 3);
    assert_eq!(m.conversation.back, 0);
}

#[test]
fn in_the_conversation_the_arrows_go_from_run_to_run_and_the_view_follows() {
    let mut m = model(Access::Key);
    m.resume(None);
    m.handle(AppEvent::SessionLoaded(Box::new(
        crate::domain::synthetic::synthetic_session(3),
    )));
    m.focus = Focus::Conversation;
    assert_eq!(m.code_selected, 2, "the newest run is selected");
    m.handle(key(KeyCode::Char('k')));
    m.handle(key(KeyCode::Up));
    assert_eq!((m.code_selected, m.conversation.back), (0, 0));
    assert!(m.conversation.follow_run);
    m.handle(key(KeyCode::Up));
    assert_eq!(m.code_selected, 0, "the first run is as far as it goes");
    // The frame scrolled the marker into view: the model takes the view it showed, once.
    m.handle(AppEvent::Measured {
        conversation_max_back: 40,
        conversation_back: 31,
    });
    assert_eq!(m.conversation.back, 31);
    assert!(!m.conversation.follow_run);
    m.handle(AppEvent::Measured {
        conversation_max_back: 40,
        conversation_back: 12,
    });
    assert_eq!(
        m.conversation.back, 31,
        "without a move, the view is the model's"
    );
    m.handle(key(KeyCode::Char('j')));
    assert_eq!(m.code_selected, 1);
    // PgUp still scrolls by the page, and leaves the selection.
    m.handle(key(KeyCode::PageUp));
    assert_eq!(m.code_selected, 1);
}

#[test]
fn without_runs_the_arrows_scroll_the_conversation() {
    let mut m = model(Access::Key);
    m.focus = Focus::Conversation;
    m.handle(AppEvent::Measured {
        conversation_max_back: 5,
        conversation_back: 0,
    });
    m.handle(key(KeyCode::Char('k')));
    m.handle(key(KeyCode::Up));
    assert_eq!(m.conversation.back, 2);
    assert!(!m.conversation.follow_run);
}
