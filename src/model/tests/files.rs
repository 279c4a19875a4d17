//! Reducer tests of attaching files (prompt, completion, paste, uploads) and the files panel.

use super::*;

#[test]
fn an_attachment_uploads_at_once_and_rides_with_the_next_message() {
    let mut m = model(Access::Key);
    let a = attach(&mut m, "/data/sales.csv");
    assert_eq!(m.overlay, None);
    assert_eq!(m.files[0].name, "sales.csv");
    assert!(m.files[0].pending);
    m.handle(AppEvent::Upload {
        attach: a,
        progress: Transfer::Progress {
            done: 37,
            total: 100,
        },
    });
    assert_eq!(
        m.files[0].state,
        FileState::Uploading {
            done: 37,
            total: 100
        }
    );
    // Sending now waits for the upload…
    type_text(&mut m, "what drives churn?");
    let effects = m.handle(key(KeyCode::Enter));
    assert!(!effects.iter().any(|e| matches!(e, Effect::StartTurn(_))));
    assert_eq!(m.state, TurnState::Uploading);
    // …and goes when it is done, with its container_upload block.
    let effects = m.handle(AppEvent::Upload {
        attach: a,
        progress: Transfer::Done(record("file_up", "sales.csv", FileOrigin::Uploaded)),
    });
    let start = start_of(&effects);
    let user = &start.request.messages.last().unwrap()["content"];
    assert_eq!(
        user[1],
        json!({"type": "container_upload", "file_id": "file_up"})
    );
    assert_eq!(start.new_files[0].id, "file_up");
    assert!(!m.files[0].pending);
    // The next turn re-attaches it only if the container must be replaced.
    let turn = start.turn;
    finish(&mut m, turn, vec![json!({"type": "text", "text": "ok"})]);
    type_text(&mut m, "and by contract?");
    let effects = m.handle(key(KeyCode::Enter));
    let start = start_of(&effects);
    assert_eq!(
        start.reattach,
        vec![json!({"type": "container_upload", "file_id": "file_up"})]
    );
    assert_eq!(
        start.request.messages.last().unwrap()["content"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// Ctrl-O, the path, then Ctrl-T `cycles` times, Enter and the check's answer.
fn attach_as(m: &mut Model, path: &str, cycles: usize, size: u64) -> Vec<Effect> {
    m.handle(ctrl('o'));
    type_text(m, path);
    for _ in 0..cycles {
        m.handle(ctrl('t'));
    }
    m.handle(key(KeyCode::Enter));
    m.handle(AppEvent::AttachChecked {
        input: path.into(),
        result: Ok((PathBuf::from(path), size)),
    })
}

fn upload_done(m: &mut Model, effects: &[Effect], id: &str, name: &str) {
    let Some(Effect::Upload { attach, .. }) = effects.first() else {
        panic!("expected an upload, got {effects:?}");
    };
    m.handle(AppEvent::Upload {
        attach: *attach,
        progress: Transfer::Done(record(id, name, FileOrigin::Uploaded)),
    });
}

#[test]
fn pdfs_and_pictures_are_read_and_put_in_the_container_in_attach_order() {
    let mut m = model(Access::Key);
    let effects = attach_as(&mut m, "/data/report.pdf", 0, 100);
    upload_done(&mut m, &effects, "file_pdf", "report.pdf");
    // Ctrl-T twice: container, then read only.
    let effects = attach_as(&mut m, "/data/chart.png", 2, 100);
    upload_done(&mut m, &effects, "file_png", "chart.png");
    let effects = attach_as(&mut m, "/data/data.csv", 0, 100);
    upload_done(&mut m, &effects, "file_csv", "data.csv");
    assert_eq!(
        m.files.iter().map(|f| f.given_as).collect::<Vec<_>>(),
        vec![
            Some(GivenAs::Both),
            Some(GivenAs::Read),
            Some(GivenAs::Container)
        ]
    );
    type_text(&mut m, "what is in this?");
    let effects = m.handle(key(KeyCode::Enter));
    let start = start_of(&effects);
    assert_eq!(
        start.request.messages.last().unwrap()["content"],
        json!([
            {"type": "text", "text": "what is in this?"},
            {"type": "document", "source": {"type": "file", "file_id": "file_pdf"}},
            {"type": "container_upload", "file_id": "file_pdf"},
            {"type": "image", "source": {"type": "file", "file_id": "file_png"}},
            {"type": "container_upload", "file_id": "file_csv"},
        ])
    );
    assert_eq!(start.new_files[1].given_as, Some(GivenAs::Read));
    // A new container gets back what was in the old one, not the picture only read.
    let turn = start.turn;
    finish(&mut m, turn, vec![json!({"type": "text", "text": "ok"})]);
    type_text(&mut m, "more");
    let effects = m.handle(key(KeyCode::Enter));
    let start = start_of(&effects);
    assert_eq!(
        start.reattach,
        vec![
            json!({"type": "container_upload", "file_id": "file_pdf"}),
            json!({"type": "container_upload", "file_id": "file_csv"}),
        ]
    );
}

#[test]
fn reading_a_csv_is_refused_in_the_prompt_and_a_huge_pdf_goes_to_the_container() {
    let mut m = model(Access::Key);
    // Ctrl-T twice asks to read it: the prompt stays open with why.
    let effects = attach_as(&mut m, "/data/data.csv", 2, 100);
    assert_eq!(effects, vec![Effect::Redraw]);
    let Some(Overlay::Attach(prompt)) = &m.overlay else {
        panic!("the prompt closed: {:?}", m.overlay);
    };
    assert!(
        prompt
            .error
            .as_deref()
            .unwrap()
            .contains("go in the container")
    );
    assert!(m.files.is_empty());
    m.handle(key(KeyCode::Esc));
    let big = crate::domain::attachment::DOCUMENT_MAX_BYTES + 1;
    let effects = attach_as(&mut m, "/data/scan.pdf", 0, big);
    assert!(matches!(effects[0], Effect::Upload { .. }));
    assert_eq!(m.files[0].given_as, Some(GivenAs::Container));
    assert!(
        m.notice
            .as_deref()
            .unwrap()
            .contains("only in the container")
    );
}

#[test]
fn a_failed_upload_keeps_the_queued_message_in_the_composer() {
    let mut m = model(Access::Key);
    let a = attach(&mut m, "/data/big.csv");
    type_text(&mut m, "summarise");
    m.handle(key(KeyCode::Enter));
    let effects = m.handle(AppEvent::Upload {
        attach: a,
        progress: Transfer::Failed("413 too large".into()),
    });
    assert!(!effects.iter().any(|e| matches!(e, Effect::StartTurn(_))));
    assert_eq!(m.composer_text(), "summarise");
    assert!(matches!(m.state, TurnState::Failed(_)));
    assert!(matches!(&m.files[0].state, FileState::Failed(why) if why.contains("413")));
}

#[test]
fn the_attach_prompt_reports_bad_paths_inline_and_ignores_stale_answers() {
    let mut m = model(Access::Key);
    m.handle(ctrl('o'));
    type_text(&mut m, "nope.csv");
    m.handle(key(KeyCode::Enter));
    m.handle(AppEvent::AttachChecked {
        input: "nope.csv".into(),
        result: Err("nope.csv: no such file".into()),
    });
    let Some(Overlay::Attach(prompt)) = &m.overlay else {
        panic!("the prompt stays open")
    };
    assert_eq!(prompt.error.as_deref(), Some("nope.csv: no such file"));
    // An answer about an input that has since changed is dropped.
    m.handle(key(KeyCode::Backspace));
    assert!(
        m.handle(AppEvent::AttachChecked {
            input: "nope.csv".into(),
            result: Ok((PathBuf::from("nope.csv"), 1)),
        })
        .is_empty()
    );
    assert!(m.files.is_empty());
    m.handle(key(KeyCode::Esc));
    assert_eq!(m.overlay, None);
}

#[test]
fn tab_completes_a_single_match_and_lists_several() {
    let mut m = model(Access::Key);
    m.handle(ctrl('o'));
    type_text(&mut m, "~/da");
    assert_eq!(
        m.handle(key(KeyCode::Tab)),
        vec![Effect::Complete {
            input: "~/da".into()
        }]
    );
    m.handle(AppEvent::Completions {
        input: "~/da".into(),
        candidates: vec!["~/data/".into()],
    });
    m.handle(AppEvent::Completions {
        input: "~/data/".into(),
        candidates: vec!["~/data/sales.csv".into(), "~/data/sales.json".into()],
    });
    let Some(Overlay::Attach(prompt)) = &m.overlay else {
        panic!()
    };
    assert_eq!(prompt.input, "~/data/sales.");
    assert_eq!(prompt.candidates.len(), 2);
    // Stale: completions for an older input change nothing.
    assert!(
        m.handle(AppEvent::Completions {
            input: "~/d".into(),
            candidates: vec!["~/docs/".into()],
        })
        .is_empty()
    );
}

#[test]
fn a_pasted_file_path_offers_to_attach_it() {
    let mut m = model(Access::Key);
    assert_eq!(
        m.handle(AppEvent::Paste("/tmp/sales.csv".into())),
        vec![Effect::ProbePaste("/tmp/sales.csv".into())]
    );
    m.handle(AppEvent::PasteProbed {
        text: "/tmp/sales.csv".into(),
        file: Some(PathBuf::from("/tmp/sales.csv")),
    });
    assert!(matches!(
        m.overlay,
        Some(Overlay::ConfirmPasteAttach { .. })
    ));
    let effects = m.handle(key(KeyCode::Char('y')));
    assert!(effects.contains(&Effect::CheckAttach {
        input: "/tmp/sales.csv".into()
    }));
    // Plain text is typed in.
    let mut m = model(Access::Key);
    m.handle(AppEvent::PasteProbed {
        text: "hello".into(),
        file: None,
    });
    assert_eq!(m.composer_text(), "hello");
    // "n" pastes the path as text.
    m.handle(AppEvent::PasteProbed {
        text: " /x.csv".into(),
        file: Some(PathBuf::from("/x.csv")),
    });
    m.handle(key(KeyCode::Char('n')));
    assert_eq!(m.composer_text(), "hello /x.csv");
}

#[test]
fn files_panel_downloads_opens_copies_and_deletes_after_confirmation() {
    let mut m = with_chart();
    // 'o' before downloading explains; 'd' downloads to the configured directory.
    m.handle(key(KeyCode::Char('o')));
    assert!(m.notice.as_deref().unwrap().contains("download"));
    let effects = m.handle(key(KeyCode::Char('d')));
    assert_eq!(
        effects[0],
        Effect::Download {
            file_id: "file_png".into(),
            dir: PathBuf::from("/downloads"),
        }
    );
    m.handle(AppEvent::Download {
        file_id: "file_png".into(),
        progress: Transfer::Progress { done: 5, total: 10 },
    });
    assert_eq!(
        m.files[0].state,
        FileState::Downloading { done: 5, total: 10 }
    );
    m.handle(AppEvent::Download {
        file_id: "file_png".into(),
        progress: Transfer::Done(PathBuf::from("/downloads/chart (1).png")),
    });
    assert_eq!(
        m.files[0].state,
        FileState::Local(PathBuf::from("/downloads/chart (1).png"))
    );
    assert_eq!(
        m.handle(key(KeyCode::Char('o'))),
        vec![
            Effect::OpenPath(PathBuf::from("/downloads/chart (1).png")),
            // The key also clears the "saved" notice.
            Effect::Redraw
        ]
    );
    assert!(
        m.handle(key(KeyCode::Char('y')))
            .contains(&Effect::Copy("file_png".into()))
    );
    // x asks first; anything but y keeps the file.
    m.handle(key(KeyCode::Char('x')));
    assert!(matches!(m.overlay, Some(Overlay::ConfirmDelete { .. })));
    m.handle(key(KeyCode::Char('n')));
    assert_eq!(m.overlay, None);
    m.handle(key(KeyCode::Char('x')));
    let effects = m.handle(key(KeyCode::Char('y')));
    assert!(effects.contains(&Effect::Delete {
        file_id: "file_png".into()
    }));
    let effects = m.handle(AppEvent::Deleted {
        file_id: "file_png".into(),
        result: Ok(()),
    });
    assert_eq!(m.files[0].state, FileState::Deleted);
    assert!(
        effects.contains(&Effect::ForgetFile {
            file_id: "file_png".into()
        }),
        "the deletion is stored: {effects:?}"
    );
}

#[test]
fn uploads_are_not_downloadable_and_say_so() {
    let mut m = model(Access::Key);
    let a = attach(&mut m, "/d/x.csv");
    m.handle(AppEvent::Upload {
        attach: a,
        progress: Transfer::Done(record("file_x", "x.csv", FileOrigin::Uploaded)),
    });
    while m.focus != Focus::Files {
        m.handle(key(KeyCode::Tab));
    }
    let effects = m.handle(key(KeyCode::Char('d')));
    assert!(!effects.iter().any(|e| matches!(e, Effect::Download { .. })));
    assert!(
        m.notice
            .as_deref()
            .unwrap()
            .contains("cannot be downloaded")
    );
}

#[test]
fn the_demo_sample_is_a_suggestion_that_typing_replaces() {
    let mut m = model(Access::Demo);
    m.settings.sample = Some(PathBuf::from("/tmp/demo/customers.csv"));
    m.handle(ctrl('o'));
    type_text(&mut m, "/me/churn.csv");
    assert_eq!(
        m.handle(key(KeyCode::Enter)),
        vec![
            Effect::CheckAttach {
                input: "/me/churn.csv".into()
            },
            Effect::Redraw
        ]
    );
    m.handle(key(KeyCode::Esc));
    m.handle(ctrl('o'));
    m.handle(AppEvent::Paste("/me/pasted.csv\n".into()));
    assert!(matches!(&m.overlay, Some(Overlay::Attach(p)) if p.input == "/me/pasted.csv"));
    m.handle(key(KeyCode::Esc));
    m.handle(ctrl('o'));
    assert_eq!(
        m.handle(key(KeyCode::Enter)),
        vec![
            Effect::CheckAttach {
                input: "/tmp/demo/customers.csv".into()
            },
            Effect::Redraw
        ],
        "Enter alone takes the suggestion"
    );
}

#[test]
fn attaching_the_same_file_twice_says_it_is_already_attached() {
    let mut m = model(Access::Key);
    attach(&mut m, "/data/sales.csv");
    m.handle(ctrl('o'));
    type_text(&mut m, "/data/sales.csv");
    m.handle(key(KeyCode::Enter));
    let effects = m.handle(AppEvent::AttachChecked {
        input: "/data/sales.csv".into(),
        result: Ok((PathBuf::from("/data/sales.csv"), 100)),
    });
    assert!(!effects.iter().any(|e| matches!(e, Effect::Upload { .. })));
    assert_eq!(m.files.len(), 1);
    assert_eq!(m.notice.as_deref(), Some("sales.csv is already attached"));
}

#[test]
fn the_files_panel_jumps_and_pages_through_its_list() {
    let mut m = model(Access::Key);
    for i in 0..25 {
        m.files
            .push(crate::model::state::FileEntry::from_record(record(
                &format!("file_{i}"),
                &format!("f{i}.csv"),
                FileOrigin::Generated,
            )));
    }
    m.focus = Focus::Files;
    m.files_selected = 0;
    let moves = [
        (KeyCode::Char('G'), 24),
        (KeyCode::Char('g'), 0),
        (KeyCode::End, 24),
        (KeyCode::Home, 0),
        (KeyCode::PageDown, 10),
        (KeyCode::PageDown, 20),
        (KeyCode::PageDown, 24),
        (KeyCode::PageUp, 14),
    ];
    for (code, selected) in moves {
        m.handle(key(code));
        assert_eq!(m.files_selected, selected, "after {code:?}");
    }
}
