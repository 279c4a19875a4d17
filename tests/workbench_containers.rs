//! The workbench when the session's container or files are gone, through the real event loop
//! (injected keys, off-screen terminal, the mock API): an expired container and one the API
//! rejects are replaced with the uploads attached again, and the conversation says so in the
//! turn itself; a file deleted from the Files API is named in the failed turn.

mod common;

use clab::api::files;
use clab::domain::container::Container;
use clab::domain::session::{FileOrigin, FileRecord, MessageState};
use clab::model::event::AppEvent;
use clab::model::state::{AnswerState, TurnState};
use clab::session::actor::SessionManager;
use common::harness::{app, client, key, screen, typed};
use common::{Mock, json_body, sample_csv, stored_blocks};
use futures::stream;
use ratatui::crossterm::event::KeyCode;
use serde_json::{Value, json};

/// Prepares a stored session with `sales.csv` uploaded and the given container, opens it in
/// the workbench, asks a question and waits for the answer; returns the screen, the turn's
/// end state and the uploaded file's id.
fn ask_in_session(
    mock: &Mock,
    container: Container,
    delete_upload: bool,
) -> (String, AnswerState, String) {
    let home = mock.home.path();
    let csv = home.join("sales.csv");
    std::fs::copy(sample_csv(), &csv).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let api = client(mock);
        let uploaded = files::upload(&api, &csv, |_, _| {}).await.unwrap();
        if delete_upload {
            files::delete(&api, &uploaded.id).await.unwrap();
        }
        let sessions = SessionManager::start(home.join("sessions.db")).unwrap();
        let sid = sessions
            .create("claude-sonnet-4-5", "first")
            .await
            .unwrap()
            .meta
            .id;
        sessions
            .upsert_file(
                &sid,
                FileRecord {
                    id: uploaded.id.clone(),
                    filename: "sales.csv".into(),
                    origin: FileOrigin::Uploaded,
                    size: Some(uploaded.size_bytes),
                    mime: Some("text/csv".into()),
                    local_path: Some(csv.clone()),
                    given_as: None,
                },
            )
            .await
            .unwrap();
        sessions.set_container(&sid, Some(container)).await.unwrap();
        let session = sessions.open(Some(&sid)).await.unwrap();

        let mut app = app(Some(mock), home, &home.join("downloads"));
        app.dispatch(AppEvent::SessionLoaded(Box::new(session)))
            .await;
        let mut keys = typed("how many rows now?");
        keys.push(key(KeyCode::Enter));
        app.run_until(&mut stream::iter(keys), |m| {
            m.state != TurnState::Loading
                && m.turns
                    .last()
                    .is_some_and(|t| matches!(t.state, AnswerState::Done(_)))
        })
        .await
        .unwrap();
        app.draw().unwrap();
        let state = app.model.turns.last().unwrap().state.clone();
        (screen(&app), state, uploaded.id)
    })
}

fn last_request(mock: &Mock) -> Value {
    let requests = mock.requests_to("POST", "/v1/messages");
    json_body(requests.last().unwrap()).clone()
}

fn carries_upload(request: &Value, id: &str) -> bool {
    let last = request["messages"].as_array().unwrap().last().unwrap();
    stored_blocks(last).contains(&json!({"type": "container_upload", "file_id": id}))
}

#[test]
fn an_expired_container_is_replaced_and_the_turn_says_so() {
    let mock = Mock::start(None);
    let expired = Container {
        id: "container_011Expired".into(),
        expires_at: Some("2001-01-01T00:00:00Z".into()),
    };
    let (shown, state, upload) = ask_in_session(&mock, expired, false);
    assert_eq!(state, AnswerState::Done(MessageState::Complete), "{shown}");
    assert_eq!(mock.requests_to("POST", "/v1/messages").len(), 1);
    let request = last_request(&mock);
    assert!(request.get("container").is_none(), "{request}");
    assert!(carries_upload(&request, &upload), "{request}");
    let flat = shown.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("↻ the session's container has expired; started a new one"),
        "the notice is in the conversation: {shown}"
    );
}

#[test]
fn a_rejected_container_is_replaced_once_and_the_turn_says_so() {
    let mock = Mock::start(None);
    let unknown = Container {
        id: "container_011GoneGoneGone".into(),
        expires_at: Some("2999-01-01T00:00:00Z".into()),
    };
    let (shown, state, upload) = ask_in_session(&mock, unknown, false);
    assert_eq!(state, AnswerState::Done(MessageState::Complete), "{shown}");
    let requests = mock.requests_to("POST", "/v1/messages");
    assert_eq!(requests.len(), 2, "one retry");
    assert_eq!(
        json_body(&requests[0])["container"],
        "container_011GoneGoneGone"
    );
    let retry = last_request(&mock);
    assert!(retry.get("container").is_none(), "{retry}");
    assert!(carries_upload(&retry, &upload), "{retry}");
    let flat = shown.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("↻ the session's container is no longer available"),
        "{shown}"
    );
}

#[test]
fn a_file_deleted_from_the_files_api_is_named_in_the_failed_turn() {
    let mock = Mock::start(None);
    let expired = Container {
        id: "container_011Expired".into(),
        expires_at: Some("2001-01-01T00:00:00Z".into()),
    };
    let (shown, state, upload) = ask_in_session(&mock, expired, true);
    let AnswerState::Done(MessageState::Failed(why)) = state else {
        panic!("the turn did not fail: {state:?}\n{shown}");
    };
    assert!(
        why.starts_with(&format!(
            "the file sales.csv ({upload}) is no longer in the Files API"
        )),
        "{why}"
    );
    let flat = shown.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("the file sales.csv"), "{shown}");
}
