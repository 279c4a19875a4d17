//! Broken and hostile streams through the real binary: each either ends the turn with a
//! sentence on stderr and exit 1, or is skipped with a line in the log and the answer kept.
//! None may panic, and none may make clab allocate in proportion to a number it was sent
//! (an absurd index would otherwise ask for terabytes and abort).

mod common;

use common::{Mock, sse, stderr_of, stdout_of};
use serde_json::{Value, json};

fn message_start() -> Value {
    json!({"type":"message_start","message":{"id":"msg_h","type":"message","role":"assistant","model":"claude-test","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":3,"output_tokens":1}}})
}

fn text_start(index: u64) -> Value {
    json!({"type":"content_block_start","index":index,"content_block":{"type":"text","text":""}})
}

fn text_delta(index: u64, text: &str) -> Value {
    json!({"type":"content_block_delta","index":index,"delta":{"type":"text_delta","text":text}})
}

fn block_stop(index: u64) -> Value {
    json!({"type":"content_block_stop","index":index})
}

fn message_end() -> [Value; 2] {
    [
        json!({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":4}}),
        json!({"type":"message_stop"}),
    ]
}

/// A whole answer "kept answer" with `extra` events inserted after its text block.
fn answer_with(extra: &[Value]) -> String {
    let mut events = vec![
        message_start(),
        text_start(0),
        text_delta(0, "kept answer"),
        block_stop(0),
    ];
    events.extend_from_slice(extra);
    events.extend(message_end());
    sse(&events)
}

fn run(body: String) -> (Mock, std::process::Output) {
    let mock = Mock::start(Some(json!({"messages": [{"sse_text": body}]})));
    let out = mock.clab().args(["-p", "hello"]).output().unwrap();
    let stderr = stderr_of(&out);
    assert!(!stderr.contains("panicked"), "{stderr}");
    (mock, out)
}

/// The turn failed with exit 1 and a sentence on stderr naming `what`.
fn assert_refused(body: String, what: &str) {
    let (_mock, out) = run(body);
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.contains(what), "expected {what:?} in: {stderr}");
}

/// The answer completed (exit 0, text printed) and the log says what was skipped.
fn assert_skipped(body: String, logged: &str) {
    let (mock, out) = run(body);
    assert!(out.status.success(), "stderr: {}", stderr_of(&out));
    assert!(stdout_of(&out).contains("kept answer"));
    let log = std::fs::read_to_string(mock.home.path().join("clab.log")).unwrap_or_default();
    assert!(
        log.contains(logged),
        "expected {logged:?} in the log: {log}"
    );
}

fn refused_index(index: u64) {
    assert_refused(
        answer_with(&[text_start(index), text_delta(index, "x")]),
        &format!("content block index of {index}"),
    );
}

#[test]
fn a_block_index_of_2_pow_64_minus_1_is_refused() {
    refused_index(u64::MAX);
}

#[test]
fn a_block_index_of_2_pow_32_is_refused() {
    refused_index(1 << 32);
}

#[test]
fn a_block_index_of_10_pow_12_is_refused() {
    refused_index(1_000_000_000_000);
}

#[test]
fn a_delta_for_a_block_that_never_started_is_skipped_and_logged() {
    assert_skipped(
        answer_with(&[text_delta(7, "ghost")]),
        "content_block_delta for block 7, which never started",
    );
}

#[test]
fn a_stop_for_an_unknown_index_is_skipped_and_logged() {
    assert_skipped(
        answer_with(&[block_stop(9)]),
        "content_block_stop for block 9, which never started",
    );
}

#[test]
fn a_stream_without_message_start_is_refused() {
    let mut events = vec![text_start(0), text_delta(0, "orphan"), block_stop(0)];
    events.extend(message_end());
    assert_refused(sse(&events), "content_block_start before message_start");
}

#[test]
fn a_duplicate_message_start_is_refused() {
    assert_refused(
        answer_with(&[message_start()]),
        "started a second message in the same stream",
    );
}

#[test]
fn tool_input_that_never_becomes_json_is_kept_as_text_and_logged() {
    let tool = [
        json!({"type":"content_block_start","index":1,"content_block":{"type":"server_tool_use","id":"srvtoolu_h","name":"bash_code_execution","input":{}}}),
        json!({"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"command\": [[["}}),
        block_stop(1),
    ];
    assert_skipped(answer_with(&tool), "not valid JSON");
}

#[test]
fn a_single_event_of_tens_of_megabytes_is_refused() {
    let huge = "x".repeat(20 * 1024 * 1024);
    assert_refused(
        answer_with(&[text_start(1), text_delta(1, &huge)]),
        "larger than 16 MiB",
    );
}
