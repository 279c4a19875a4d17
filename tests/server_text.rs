//! Server text is untrusted and server bodies are bounded (issue 16, items 3 and 5): escape
//! sequences in an error's type, message and request id reach no terminal, a huge error message
//! is cut in output and in the store, and oversized error and metadata bodies are refused
//! without being read to the end.

mod common;

use common::*;
use serde_json::{Value, json};
use std::io::{ErrorKind, Read, Write};
use std::net::TcpListener;
use std::time::Duration;

const OSC_TITLE: &str = "\u{1b}]0;pwned\u{7}";
const RED: &str = "\u{1b}[31m";

fn hostile_error(status: u16) -> Value {
    json!({
        "status": status,
        "headers": {"retry-after": "0"},
        "body": {
            "type": "error",
            "error": {
                "type": format!("overloaded{OSC_TITLE}_error"),
                "message": format!("{RED}busy{OSC_TITLE} now"),
            },
            "request_id": format!("req_{OSC_TITLE}{RED}evil"),
        },
    })
}

#[test]
fn escape_sequences_in_server_errors_reach_no_terminal() {
    // Each run meets a retried 529, then a final 400.
    let run = [hostile_error(529), hostile_error(400)];
    let mock = Mock::start(Some(json!({"messages": [
        run[0], run[1], run[0], run[1]
    ]})));
    let plain = mock.clab().args(["-p", "hello"]).output().unwrap();
    let json_mode = mock
        .clab()
        .args(["-p", "hello", "--json"])
        .output()
        .unwrap();
    for (mode, out) in [("-p", &plain), ("-p --json", &json_mode)] {
        let stderr = stderr_of(out);
        assert_eq!(out.status.code(), Some(1), "{mode}: {stderr}");
        assert!(stderr.contains("retrying in"), "{mode}: {stderr}");
        assert!(
            stderr.contains("API error 400 overloaded_error: busy now")
                && stderr.contains("(request id req_evil)"),
            "{mode}: {stderr}"
        );
        assert!(
            !out.stderr.contains(&0x1b) && !stderr.contains("pwned") && !stderr.contains("[31m"),
            "{mode}: {stderr:?}"
        );
    }
    let object: Value = serde_json::from_slice(&json_mode.stdout).unwrap();
    let message = object["error"]["message"].as_str().unwrap();
    assert!(!message.contains('\u{1b}') && !message.contains("pwned"));
    assert_eq!(object["error"]["request_id"], "req_evil");
}

#[test]
fn a_huge_stream_error_is_cut_in_output_and_in_the_store() {
    let message = "x".repeat(12_000_000);
    let stream = sse(&[
        json!({"type": "message_start", "message": {
            "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
            "content": [], "stop_reason": null, "usage": {"input_tokens": 1, "output_tokens": 0}
        }}),
        json!({"type": "error", "error": {"type": "api_error", "message": message}}),
    ]);
    let mock = Mock::start(Some(json!({"messages": [{"sse_text": stream}]})));
    let out = mock
        .clab()
        .args(["-p", "hello", "--json"])
        .output()
        .unwrap();
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.len() < 10_000, "{} bytes on stderr", stderr.len());
    assert!(stderr.contains("… (11,998,000 more bytes)"), "{stderr}");

    let object: Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = object["session_id"].as_str().unwrap();
    let shown = mock
        .clab()
        .args(["sessions", "show", id, "--json"])
        .output()
        .unwrap();
    let stored = stdout_of(&shown);
    assert!(shown.status.success(), "{}", stderr_of(&shown));
    assert!(stored.contains("more bytes)"), "{stored}");
    assert!(stored.len() < 20_000, "{} bytes stored", stored.len());
}

/// A one-connection HTTP/1.1 server on 127.0.0.1 that answers with `head`, then `first` bytes
/// of body (in `chunked` encoding or not), then waits for the client to close the connection
/// before sending the rest. Returns the URL and a handle telling whether the client closed
/// before the rest was sent. A client that kept reading would get the rest after 30 s (so a
/// regression fails the assertions instead of hanging the test).
fn oversized_server(
    head: String,
    chunked: bool,
    first: usize,
    rest: usize,
) -> (String, std::thread::JoinHandle<bool>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut request = Vec::new();
        let mut byte = [0u8; 1];
        while !request.ends_with(b"\r\n\r\n") && conn.read(&mut byte).unwrap() == 1 {
            request.push(byte[0]);
        }
        let piece = |n: usize| {
            let body = vec![b'x'; n];
            if chunked {
                [format!("{n:x}\r\n").into_bytes(), body, b"\r\n".to_vec()].concat()
            } else {
                body
            }
        };
        if conn.write_all(head.as_bytes()).is_err() || conn.write_all(&piece(first)).is_err() {
            return true;
        }
        // A POST's small JSON body may still be unread; the client's close ends it all.
        conn.set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut sink = [0u8; 64 * 1024];
        loop {
            match conn.read(&mut sink) {
                Ok(0) => return true,
                Ok(_) => continue,
                Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut => {
                    let _ = conn.write_all(&piece(rest));
                    if chunked {
                        let _ = conn.write_all(b"0\r\n\r\n");
                    }
                    return false;
                }
                Err(_) => return true,
            }
        }
    });
    (url, handle)
}

fn clab_at(url: &str, home: &tempfile::TempDir, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_clab"))
        .env("ANTHROPIC_API_KEY", TEST_KEY)
        .env("CLAB_HOME", home.path())
        .env_remove("ANTHROPIC_BASE_URL")
        .current_dir(home.path())
        .args(["--base-url", url])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn an_oversized_error_body_is_refused_while_it_streams() {
    const MIB: usize = 1024 * 1024;
    let head = "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n\
                transfer-encoding: chunked\r\n\r\n"
        .to_string();
    let (url, server) = oversized_server(head, true, MIB + MIB / 2, 5 * MIB);
    let home = tempfile::tempdir().unwrap();
    let out = clab_at(&url, &home, &["-p", "hello"]);
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "the HTTP 400 error body is larger than 1 MiB, the most clab reads of an error body"
        ),
        "{stderr}"
    );
    assert!(server.join().unwrap(), "the client read on past the cap");
}

#[test]
fn an_oversized_metadata_body_is_refused_before_it_is_read() {
    const MIB: usize = 1024 * 1024;
    let total = 5 * MIB;
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {total}\r\n\r\n"
    );
    let (url, server) = oversized_server(head, false, MIB / 2, total - MIB / 2);
    let home = tempfile::tempdir().unwrap();
    let out = clab_at(&url, &home, &["files", "info", "file_1"]);
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the Files API's file metadata is larger than 1 MiB"),
        "{stderr}"
    );
    assert!(server.join().unwrap(), "the client read on past the cap");
}
