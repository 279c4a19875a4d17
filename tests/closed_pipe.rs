//! A reader that closes clab's stdout early (`clab … | head -c 20`) ends the printing, never the
//! work: no panic, no message about the pipe, the turn saved, its files downloaded, the
//! remaining deletions done, and the exit code the work earned.
//!
//! Two ways the reader goes: after reading 20 bytes of an output larger than a pipe's buffer
//! (64 KiB, so clab is blocked on a full pipe when it closes), or before clab writes anything.

mod common;

use clab::domain::session::{MessageState, Role};
use clab::session::Store;
use common::*;
use serde_json::{Value, json};
use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};
use tempfile::TempDir;

/// Larger than any pipe buffer clab could be writing into.
const PIPE_BUFFER: usize = 64 * 1024;

/// How long the reader stays.
enum Reader {
    /// Reads this many bytes, then closes its end.
    Takes(usize),
    /// Closes its end before clab starts.
    Gone,
}

struct Run {
    status: ExitStatus,
    /// What the reader read before it left.
    head: Vec<u8>,
    stderr: String,
}

/// Runs `cmd` with stdout a pipe whose reader leaves as `reader` says.
fn run(mut cmd: Command, reader: Reader) -> Run {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut head = Vec::new();
    if let Reader::Takes(n) = reader {
        head.resize(n, 0);
        stdout.read_exact(&mut head).unwrap();
    }
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    Run {
        status: out.status,
        head,
        stderr: stderr_of(&out),
    }
}

fn run_gone(cmd: Command) -> Run {
    run(cmd, Reader::Gone)
}

/// Exit 0 and nothing on stderr about a panic or the pipe.
fn assert_quiet_success(run: &Run) {
    assert!(!run.stderr.contains("panicked at"), "{}", run.stderr);
    assert!(!run.stderr.contains("Broken pipe"), "{}", run.stderr);
    assert!(!run.stderr.contains("cannot write"), "{}", run.stderr);
    assert_eq!(run.status.code(), Some(0), "{}", run.stderr);
}

/// An answer of numbered lines, longer than a pipe's buffer.
fn long_answer() -> String {
    let text: String = (0..8000)
        .map(|i| format!("line {i:05} of a long answer\n"))
        .collect();
    assert!(text.len() > 2 * PIPE_BUFFER);
    text
}

fn stdout_json(out: &std::process::Output) -> Value {
    assert!(out.status.success(), "{}", stderr_of(out));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The one session in the mock's CLAB_HOME, in full.
fn only_session(mock: &Mock) -> Value {
    let list = stdout_json(
        &mock
            .clab()
            .args(["sessions", "list", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let id = list[0]["id"].as_str().unwrap();
    stdout_json(
        &mock
            .clab()
            .args(["sessions", "show", id, "--json"])
            .output()
            .unwrap(),
    )
}

#[test]
fn a_turn_larger_than_the_pipe_is_saved_whole_after_the_reader_leaves() {
    let answer = long_answer();
    let mock = Mock::start(Some(json!({
        "messages": [{"sse_text": text_turn(&answer, "end_turn")}]
    })));
    let mut cmd = mock.clab_std();
    cmd.args(["-p", "tell me everything"]);
    let run = run(cmd, Reader::Takes(20));
    assert_eq!(run.head, answer.as_bytes()[..20]);
    assert_quiet_success(&run);

    let session = only_session(&mock);
    let reply = &session["messages"][1];
    assert_eq!(reply["content"][0]["text"], answer.as_str(), "{reply}");
    assert_eq!(reply["state"], json!({"state": "complete"}));
}

#[test]
fn a_turn_whose_reader_left_before_it_began_still_downloads_and_saves() {
    for json in [false, true] {
        let mock = Mock::start(None);
        let downloads = TempDir::new().unwrap();
        let mut cmd = mock.clab_std();
        cmd.args(["-p", "what drives churn? plot it", "-a"])
            .arg(sample_csv())
            .arg("--download-dir")
            .arg(downloads.path());
        if json {
            cmd.arg("--json");
        }
        assert_quiet_success(&run_gone(cmd));

        let saved = files_in(downloads.path());
        assert_eq!(saved.len(), 1, "json {json}: {saved:?}");
        let session = only_session(&mock);
        let files = session["files"].as_array().unwrap();
        let generated = files.iter().find(|f| f["origin"] == "generated").unwrap();
        assert_eq!(generated["local_path"], saved[0].display().to_string());
        assert_eq!(
            session["messages"][1]["state"],
            json!({"state": "complete"})
        );
    }
}

#[test]
fn a_failed_turn_keeps_its_exit_code_and_message_when_the_reader_is_gone() {
    let mock = Mock::start(Some(json!({
        "messages": [{"status": 400, "body": {"type": "error", "error": {"type": "invalid_request_error", "message": "messages: bad"}, "request_id": "req_011Test"}}]
    })));
    let mut cmd = mock.clab_std();
    cmd.args(["-p", "hi"]);
    let run = run_gone(cmd);
    assert!(!run.stderr.contains("panicked at"), "{}", run.stderr);
    assert!(run.stderr.contains("messages: bad"), "{}", run.stderr);
    assert!(!run.stderr.contains("cannot write"), "{}", run.stderr);
    assert_eq!(run.status.code(), Some(1));
}

/// `clab -p … 2>&1 | head -c 20`: the notes on stderr meet the same closed pipe.
#[test]
fn stdout_and_stderr_on_one_pipe_whose_reader_leaves() {
    let answer = long_answer();
    let mock = Mock::start(Some(json!({
        "messages": [{"sse_text": text_turn(&answer, "max_tokens")}]
    })));
    let (mut reader, writer) = std::io::pipe().unwrap();
    let mut cmd = mock.clab_std();
    cmd.args(["-p", "tell me everything", "-a"])
        .arg(sample_csv())
        .stdin(Stdio::null())
        .stdout(writer.try_clone().unwrap())
        .stderr(writer);
    let mut child = cmd.spawn().unwrap();
    // The command holds copies of the write end; the reader sees its end only once they go.
    drop(cmd);
    let mut head = [0u8; 20];
    reader.read_exact(&mut head).unwrap();
    drop(reader);
    // 101 would be a panic; the max_tokens note and the upload line went to the closed pipe.
    assert_eq!(child.wait().unwrap().code(), Some(0));
    let session = only_session(&mock);
    assert_eq!(
        session["messages"][1]["content"][0]["text"],
        answer.as_str()
    );
}

#[test]
fn files_list_larger_than_the_pipe() {
    let seed = TempDir::new().unwrap();
    let path = seed
        .path()
        .join("a-file-with-a-rather-long-name-for-wider-rows.csv");
    std::fs::write(&path, "a,b\n1,2\n").unwrap();
    let seeds: Vec<Value> = (0..1500)
        .map(|_| json!({"filename": path.file_name().unwrap().to_str(), "path": path}))
        .collect();
    let mock = Mock::start(Some(json!({"seed_files": seeds})));

    let whole = mock.clab().args(["files", "list"]).output().unwrap();
    assert!(whole.status.success(), "{}", stderr_of(&whole));
    assert!(whole.stdout.len() > PIPE_BUFFER + 20);

    let mut cmd = mock.clab_std();
    cmd.args(["files", "list"]);
    let run = run(cmd, Reader::Takes(20));
    assert_eq!(run.head, whole.stdout[..20]);
    assert_quiet_success(&run);

    let mut cmd = mock.clab_std();
    cmd.args(["files", "list", "--json"]);
    assert_quiet_success(&run_gone(cmd));
}

#[test]
fn files_delete_goes_on_after_the_reader_left() {
    let seed = TempDir::new().unwrap();
    let path = seed.path().join("old.csv");
    std::fs::write(&path, "a\n1\n").unwrap();
    let seeds: Vec<Value> = (0..3)
        .map(|_| json!({"filename": "old.csv", "path": path}))
        .collect();
    let mock = Mock::start(Some(json!({"seed_files": seeds})));
    let listed = stdout_json(
        &mock
            .clab()
            .args(["files", "list", "--json"])
            .output()
            .unwrap(),
    );
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 3);

    let mut cmd = mock.clab_std();
    cmd.args(["files", "delete"]).args(&ids);
    assert_quiet_success(&run_gone(cmd));
    assert_eq!(
        mock.requests_to("DELETE", &format!("/v1/files/{}", ids[2]))
            .len(),
        1
    );
    let left = stdout_json(
        &mock
            .clab()
            .args(["files", "list", "--json"])
            .output()
            .unwrap(),
    );
    assert_eq!(left, json!([]));
}

/// A CLAB_HOME with one session whose answer is longer than a pipe's buffer.
fn big_session() -> (TempDir, String) {
    let home = TempDir::new().unwrap();
    let store = Store::open(&home.path().join("sessions.db")).unwrap();
    let meta = store
        .create_session("claude-test", "tell me everything")
        .unwrap();
    let prompt = [json!({"type": "text", "text": "tell me everything"})];
    let answer = [json!({"type": "text", "text": long_answer()})];
    for (role, content) in [(Role::User, &prompt), (Role::Assistant, &answer)] {
        store
            .append_message(&meta.id, role, content, &MessageState::Complete, None)
            .unwrap();
    }
    (home, meta.id)
}

fn sessions_cmd(home: &TempDir, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_clab"));
    cmd.env("CLAB_HOME", home.path())
        .env_remove("ANTHROPIC_API_KEY")
        .arg("sessions")
        .args(args);
    cmd
}

#[test]
fn sessions_show_and_export_larger_than_the_pipe() {
    let (home, id) = big_session();
    let id = id.as_str();
    for args in [
        &["show", id, "--json"][..],
        &["show", id],
        &["export", id, "--format", "md"],
    ] {
        let whole = sessions_cmd(&home, args).output().unwrap();
        assert!(whole.status.success(), "{args:?}: {}", stderr_of(&whole));
        assert!(whole.stdout.len() > PIPE_BUFFER + 20, "{args:?}");
        let run = run(sessions_cmd(&home, args), Reader::Takes(20));
        assert_eq!(run.head, whole.stdout[..20], "{args:?}");
        assert_quiet_success(&run);
    }
    assert_quiet_success(&run_gone(sessions_cmd(&home, &["list"])));
}

/// Any other write error is a failure: `/dev/full` answers every write with "no space".
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_under_stdout_is_an_error() {
    let (home, _) = big_session();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = sessions_cmd(&home, &["list"])
        .stdout(full)
        .output()
        .unwrap();
    let stderr = stderr_of(&out);
    assert!(!stderr.contains("panicked at"), "{stderr}");
    assert!(stderr.contains("cannot write to stdout"), "{stderr}");
    assert_eq!(out.status.code(), Some(1));
}
