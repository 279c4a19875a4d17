//! Sessions across processes: resume carries the history and the container, an expired or
//! rejected container is replaced and the uploads attached again, and a killed process loses
//! no earlier turn.

mod common;

use clab::domain::container::Container;
use clab::session::store::Store;
use common::*;
use serde_json::{Value, json};
use std::io::Read;

fn first_turn(mock: &Mock, dir: &std::path::Path) -> Value {
    let out = mock
        .clab()
        .args(["--json", "-p", "what drives churn?", "-a"])
        .arg(sample_csv())
        .arg("--download-dir")
        .arg(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "stderr: {}", stderr_of(&out));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn store(mock: &Mock) -> Store {
    Store::open(&mock.home.path().join("sessions.db")).unwrap()
}

fn set_container(mock: &Mock, session: &str, id: &str, expires_at: &str) {
    let container = Container {
        id: id.into(),
        expires_at: Some(expires_at.into()),
    };
    store(mock)
        .set_container(session, Some(&container))
        .unwrap();
}

/// Every code run of a headless answer is stored with when it started and ended, so a resumed
/// workbench can show its duration.
#[test]
fn a_turn_stores_when_each_run_started_and_ended() {
    let mock = Mock::start(None);
    let dir = tempfile::tempdir().unwrap();
    let first = first_turn(&mock, dir.path());
    let session = store(&mock)
        .load(first["session_id"].as_str().unwrap())
        .unwrap()
        .unwrap();
    let answer = &session.messages[1];
    let runs = clab::domain::execution::executions(&answer.content);
    assert!(!runs.is_empty(), "the mock's answer runs code");
    for run in &runs {
        let (start, end) = answer.run_times[&run.tool_use_id];
        assert!(
            end.is_some_and(|end| end >= start),
            "{run:?}: {start} {end:?}"
        );
    }
    assert_eq!(answer.run_times.len(), runs.len());
}

#[test]
fn resume_sends_the_history_and_the_container() {
    let mock = Mock::start(None);
    let dir = tempfile::tempdir().unwrap();
    let first = first_turn(&mock, dir.path());
    let out = mock
        .clab()
        .args([
            "--json",
            "-p",
            "and by contract?",
            "--resume",
            "--download-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "stderr: {}", stderr_of(&out));
    let second: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(second["session_id"], first["session_id"]);

    let requests = mock.requests_to("POST", "/v1/messages");
    assert_eq!(requests.len(), 2);
    let (one, two) = (json_body(&requests[0]), json_body(&requests[1]));
    assert_eq!(two["container"], first["container"]["id"]);
    let messages = two["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 3);
    assert_eq!(
        messages[0], one["messages"][0],
        "the first user turn goes back unchanged"
    );
    assert_eq!(messages[1]["role"], "assistant");
    let answer = messages[1]["content"].as_array().unwrap();
    assert!(
        answer
            .iter()
            .any(|b| b["type"] == "bash_code_execution_tool_result")
    );
    assert_eq!(messages[2]["content"][0]["text"], "and by contract?");
    assert_eq!(
        messages[2]["content"].as_array().unwrap().len(),
        1,
        "nothing re-attached"
    );
}

#[test]
fn an_expired_container_is_replaced_and_uploads_attached_again() {
    let mock = Mock::start(None);
    let dir = tempfile::tempdir().unwrap();
    let first = first_turn(&mock, dir.path());
    let session = first["session_id"].as_str().unwrap();
    let container = first["container"]["id"].as_str().unwrap();
    set_container(&mock, session, container, "2020-01-01T00:00:00Z");
    let out = mock
        .clab()
        .args(["-p", "again", "--resume", session, "--download-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "stderr: {}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("container has expired"),
        "{}",
        stderr_of(&out)
    );
    let requests = mock.requests_to("POST", "/v1/messages");
    let body = json_body(&requests[1]);
    assert!(body.get("container").is_none());
    let uploaded = first["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["origin"] == "uploaded")
        .unwrap();
    let last = body["messages"].as_array().unwrap().last().unwrap();
    assert!(
        stored_blocks(last).contains(&json!({"type":"container_upload","file_id":uploaded["id"]}))
    );
    assert!(
        stdout_of(&out).contains("240"),
        "the re-attached CSV was analysed again"
    );
}

#[test]
fn a_container_the_api_rejects_is_replaced_once() {
    let mock = Mock::start(None);
    let dir = tempfile::tempdir().unwrap();
    let first = first_turn(&mock, dir.path());
    let session = first["session_id"].as_str().unwrap();
    set_container(
        &mock,
        session,
        "container_011GoneGoneGone",
        "2999-01-01T00:00:00Z",
    );
    let out = mock
        .clab()
        .args(["-p", "again", "--resume", "--download-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "stderr: {}", stderr_of(&out));
    assert!(stderr_of(&out).contains("no longer available"));
    let requests = mock.requests_to("POST", "/v1/messages");
    assert_eq!(requests.len(), 3);
    assert_eq!(
        json_body(&requests[1])["container"],
        "container_011GoneGoneGone"
    );
    assert!(json_body(&requests[2]).get("container").is_none());
}

#[test]
fn a_deleted_upload_is_named_when_the_api_no_longer_knows_it() {
    let mock = Mock::start(None);
    let dir = tempfile::tempdir().unwrap();
    let first = first_turn(&mock, dir.path());
    let session = first["session_id"].as_str().unwrap();
    let uploaded = first["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["origin"] == "uploaded")
        .unwrap();
    // Deleted elsewhere (another machine, another data dir), so this store does not know.
    let elsewhere = tempfile::tempdir().unwrap();
    let deleted = mock
        .clab()
        .env("CLAB_HOME", elsewhere.path())
        .args(["files", "delete", uploaded["id"].as_str().unwrap()])
        .output()
        .unwrap();
    assert!(deleted.status.success());
    set_container(
        &mock,
        session,
        first["container"]["id"].as_str().unwrap(),
        "2020-01-01T00:00:00Z",
    );
    let out = mock
        .clab()
        .args(["-p", "again", "--resume"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr_of(&out).contains("customers.csv"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn a_killed_answer_keeps_earlier_turns_and_its_partial_text() {
    let text_block = |index: usize, text: &str| {
        vec![
            json!({"type":"content_block_start","index":index,"content_block":{"type":"text","text":""}}),
            json!({"type":"content_block_delta","index":index,"delta":{"type":"text_delta","text":text}}),
            json!({"type":"content_block_stop","index":index}),
        ]
    };
    let mut events = vec![
        json!({"type":"message_start","message":{"id":"msg_slow","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"usage":{"input_tokens":3,"output_tokens":1}}}),
    ];
    events.extend(text_block(0, "FIRST-BLOCK "));
    events.extend(text_block(1, "SECOND-BLOCK "));
    for i in 2..40 {
        events.extend(text_block(i, "more "));
    }
    events.push(json!({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":9}}));
    events.push(json!({"type":"message_stop"}));
    let mock = Mock::start(Some(json!({"messages": [
        {"demo": true},
        {"sse_text": sse(&events), "delay_ms": 100},
        {"demo": true}
    ]})));
    let dir = tempfile::tempdir().unwrap();
    let first = first_turn(&mock, dir.path());

    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin!("clab"))
        .env("ANTHROPIC_API_KEY", TEST_KEY)
        .env("CLAB_HOME", mock.home.path())
        .current_dir(mock.home.path())
        .args(["--base-url", &mock.url(), "-p", "slow one", "--resume"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 256];
    while !String::from_utf8_lossy(&seen).contains("SECOND-BLOCK") {
        let n = stdout.read(&mut buf).unwrap();
        assert!(n > 0, "clab ended before the second block");
        seen.extend_from_slice(&buf[..n]);
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let out = mock
        .clab()
        .args(["--json", "-p", "after the crash", "--resume"])
        .output()
        .unwrap();
    assert!(out.status.success(), "stderr: {}", stderr_of(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["session_id"], first["session_id"]);
    let requests = mock.requests_to("POST", "/v1/messages");
    let messages = json_body(requests.last().unwrap())["messages"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        messages.len(),
        5,
        "both earlier turns are there: {messages:?}"
    );
    assert_eq!(messages[2]["content"][0]["text"], "slow one");
    let partial = serde_json::to_string(&messages[3]["content"]).unwrap();
    assert!(
        partial.contains("FIRST-BLOCK"),
        "the half answer survived: {partial}"
    );
    let session = store(&mock)
        .load(first["session_id"].as_str().unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(
        session.messages[3].state,
        clab::domain::session::MessageState::Cut
    );
}

#[test]
fn two_processes_on_one_data_dir_both_keep_their_session() {
    let mock = Mock::start(None);
    let spawn = |prompt: &str| {
        std::process::Command::new(assert_cmd::cargo::cargo_bin!("clab"))
            .env("ANTHROPIC_API_KEY", TEST_KEY)
            .env("CLAB_HOME", mock.home.path())
            .current_dir(mock.home.path())
            .args(["--base-url", &mock.url(), "--json", "-p", prompt])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn("first process"), spawn("second process"));
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    assert!(
        a.status.success() && b.status.success(),
        "{} {}",
        stderr_of(&a),
        stderr_of(&b)
    );
    let sessions = store(&mock).list().unwrap();
    assert_eq!(sessions.len(), 2);
    for s in &sessions {
        let loaded = store(&mock).load(&s.id).unwrap().unwrap();
        assert_eq!(loaded.messages.len(), 2, "a user message and its answer");
        assert_eq!(
            loaded.messages[1].state,
            clab::domain::session::MessageState::Complete
        );
    }
}

/// `clab files delete` of an attachment is remembered by its sessions: a resumed session no
/// longer sends the file (the API would refuse the whole request) nor attaches it again.
#[test]
fn a_deleted_attachment_is_no_longer_sent_on_resume() {
    let mock = Mock::start(None);
    let dir = tempfile::tempdir().unwrap();
    let first = first_turn(&mock, dir.path());
    let session = first["session_id"].as_str().unwrap();
    let upload = first["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["origin"] == "uploaded")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let deleted = mock
        .clab()
        .args(["files", "delete", &upload])
        .output()
        .unwrap();
    assert!(deleted.status.success(), "stderr: {}", stderr_of(&deleted));
    let stored = store(&mock).load(session).unwrap().unwrap();
    assert_eq!(stored.deleted_files, vec![upload.clone()]);
    // An expired container too, so the uploads would be attached again.
    set_container(&mock, session, "container_011Old", "2001-01-01T00:00:00Z");
    let out = mock
        .clab()
        .args(["-p", "and by contract?", "--resume", "--download-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "stderr: {}", stderr_of(&out));
    let requests = mock.requests_to("POST", "/v1/messages");
    let sent = json_body(requests.last().unwrap()).to_string();
    assert!(!sent.contains(&upload), "the deleted file was sent: {sent}");
}
