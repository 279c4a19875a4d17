//! `clab -p` end to end against the in-process mock: uploads, the request the API sees,
//! streaming output, downloads, JSON, retries, cut streams and refusals of bad input.

mod common;

use common::*;
use serde_json::{Value, json};

#[test]
fn attachment_is_uploaded_analysed_and_the_chart_downloaded() {
    let mock = Mock::start(None);
    let out_dir = tempfile::tempdir().unwrap();
    let out = mock
        .clab()
        .args(["-p", "what drives churn?", "-a"])
        .arg(sample_csv())
        .arg("--download-dir")
        .arg(out_dir.path())
        .output()
        .unwrap();
    let stdout = stdout_of(&out);
    assert!(out.status.success(), "stderr: {}", stderr_of(&out));

    let uploads = mock.requests_to("POST", "/v1/files");
    assert_eq!(uploads.len(), 1);
    let clab::mock::RecordedBody::Multipart(parts) = &uploads[0].body else {
        panic!("upload was not multipart: {:?}", uploads[0].body);
    };
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].name, "file");
    assert_eq!(parts[0].filename.as_deref(), Some("customers.csv"));
    assert_eq!(
        parts[0].size,
        std::fs::metadata(sample_csv()).unwrap().len()
    );

    let messages = mock.requests_to("POST", "/v1/messages");
    assert_eq!(messages.len(), 1);
    let body = json_body(&messages[0]);
    assert_eq!(body["stream"], true);
    assert_eq!(body["tools"][0]["type"], "code_execution_20250825");
    let blocks = body["messages"][0]["content"].as_array().unwrap();
    let upload = blocks
        .iter()
        .find(|b| b["type"] == "container_upload")
        .unwrap();
    let listed: Value = mock.runtime.block_on(async {
        reqwest::get(format!("{}/_mock/requests", mock.url()))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    assert!(listed.as_array().unwrap().len() >= 2);
    assert!(upload["file_id"].as_str().unwrap().starts_with("file_"));
    let headers = &messages[0].headers;
    let beta = headers
        .iter()
        .find(|(k, _)| k == "anthropic-beta")
        .map(|(_, v)| v.as_str());
    assert!(beta.unwrap_or("").contains("files-api-2025-04-14"));
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "anthropic-version" && v == "2023-06-01")
    );

    // The statistics are computed from the file: 240 data rows, 6 columns.
    assert!(stdout.contains("240"), "stdout: {stdout}");
    assert!(stdout.contains("tenure_months"));
    assert!(stdout.contains("┌ bash") && stdout.contains("├ exit 0"));

    let saved = files_in(out_dir.path());
    assert_eq!(saved.len(), 1, "{saved:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&saved[0]).unwrap().permissions().mode();
        assert_eq!(
            mode & 0o777,
            0o644,
            "a download is an ordinary file, not a private temp file"
        );
    }
    let png = std::fs::read(&saved[0]).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    let generated = mock.requests().into_iter().find_map(|r| {
        r.path
            .strip_prefix("/v1/files/")
            .and_then(|p| p.strip_suffix("/content"))
            .map(str::to_string)
    });
    let generated = generated.unwrap();
    assert_eq!(png, mock.file_content(&generated));

    // One line points at the picture: its pixels, where it is, how to see it.
    let (width, height) = image::image_dimensions(&saved[0]).unwrap();
    let pointer = format!(
        "picture: {} ({width}×{height} PNG) → {} · see it with: clab preview {}",
        saved[0].file_name().unwrap().to_string_lossy(),
        saved[0].display(),
        saved[0].display()
    );
    assert_eq!(
        stdout
            .lines()
            .filter(|l| l.starts_with("picture: "))
            .collect::<Vec<_>>(),
        [pointer.as_str()],
        "stdout: {stdout}"
    );
    // The hint works as printed, with no network (the demo's files are gone after its run).
    let shown = keyless_clab(
        out_dir.path(),
        &["preview", &saved[0].display().to_string()],
    );
    assert!(shown.status.success(), "stderr: {}", stderr_of(&shown));
    let picture = stdout_of(&shown);
    assert!(picture.contains('▀') || picture.contains('▄'), "{picture}");
}

#[test]
fn json_output_follows_the_contract() {
    let mock = Mock::start(None);
    let out_dir = tempfile::tempdir().unwrap();
    let out = mock
        .clab()
        .args(["--json", "-p", "plot churn", "-a"])
        .arg(sample_csv())
        .arg("--download-dir")
        .arg(out_dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "stderr: {}", stderr_of(&out));
    let v: Value = serde_json::from_slice(&out.stdout).expect("stdout is one JSON object");
    for key in [
        "session_id",
        "model",
        "stop_reason",
        "text",
        "executions",
        "files",
        "container",
        "usage",
    ] {
        assert!(v.get(key).is_some(), "missing {key} in {v}");
    }
    assert_eq!(v["stop_reason"], "end_turn");
    assert!(v["text"].as_str().unwrap().len() > 20);
    let runs = v["executions"].as_array().unwrap();
    assert!(!runs.is_empty());
    for run in runs {
        for key in [
            "tool",
            "input",
            "stdout",
            "stderr",
            "return_code",
            "output_file_ids",
        ] {
            assert!(run.get(key).is_some(), "missing {key} in {run}");
        }
    }
    let files = v["files"].as_array().unwrap();
    let uploaded = files.iter().find(|f| f["origin"] == "uploaded").unwrap();
    assert_eq!(uploaded["filename"], "customers.csv");
    let generated = files.iter().find(|f| f["origin"] == "generated").unwrap();
    let path = generated["path"].as_str().unwrap();
    assert!(std::path::Path::new(path).starts_with(out_dir.path()));
    assert!(std::fs::metadata(path).unwrap().len() > 1000);
    assert!(
        v["container"]["id"]
            .as_str()
            .unwrap()
            .starts_with("container_")
    );
    assert!(v["container"]["expires_at"].is_string());
    assert!(v["usage"]["output_tokens"].as_u64().unwrap() > 0);
}

#[test]
fn overloaded_then_success_is_retried_honouring_retry_after() {
    let mock = Mock::start(Some(json!({
        "messages": [
            {"status": 529, "headers": {"retry-after": "1"}},
            {"sse_text": text_turn("recovered", "end_turn")}
        ]
    })));
    let out = mock.clab().args(["-p", "hello"]).output().unwrap();
    assert!(out.status.success(), "stderr: {}", stderr_of(&out));
    assert_eq!(mock.requests_to("POST", "/v1/messages").len(), 2);
    assert!(stdout_of(&out).contains("recovered"));
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains("529") && stderr.contains("retrying in 1.0 s"),
        "{stderr}"
    );
}

#[test]
fn errors_that_must_not_be_retried_are_reported_with_the_request_id() {
    let mock = Mock::start(Some(json!({
        "messages": [{"status": 400, "body": {"type":"error","error":{"type":"invalid_request_error","message":"messages: bad"},"request_id":"req_011Test"}}]
    })));
    let out = mock.clab().args(["-p", "hello"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(mock.requests_to("POST", "/v1/messages").len(), 1);
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains("invalid_request_error") && stderr.contains("req_011Test"),
        "{stderr}"
    );
}

#[test]
fn a_cut_stream_exits_1_and_keeps_the_partial_text() {
    let stream = text_turn("the partial answer that was already shown", "end_turn");
    let cut = stream.find("content_block_stop").unwrap();
    let mock = Mock::start(Some(
        json!({"messages": [{"sse_text": stream, "cut_after_bytes": cut}]}),
    ));
    let out = mock.clab().args(["-p", "hello"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout_of(&out).contains("the partial answer that was already shown"));
    assert!(stderr_of(&out).contains("closed before the answer was complete"));
    // The log says what the connection reported (a chunked body cut short).
    let log = std::fs::read_to_string(mock.home.path().join("clab.log")).unwrap_or_default();
    assert!(log.contains("the answer's body failed: "), "{log}");
    assert_eq!(
        mock.requests_to("POST", "/v1/messages").len(),
        1,
        "a started stream is never retried"
    );
}

#[test]
fn a_mid_stream_error_event_is_reported_and_not_retried() {
    let full = text_turn("half an answer", "end_turn");
    let head: String = full
        .split("event: message_delta")
        .next()
        .unwrap()
        .to_string();
    let stream = head
        + "event: error\ndata: {\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}\n\n";
    let mock = Mock::start(Some(json!({"messages": [{"sse_text": stream}]})));
    let out = mock.clab().args(["-p", "hello"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout_of(&out).contains("half an answer"));
    assert!(stderr_of(&out).contains("overloaded_error"));
    assert_eq!(mock.requests_to("POST", "/v1/messages").len(), 1);
}

#[test]
fn pause_turn_is_continued_with_the_answer_so_far() {
    let mock = Mock::start(Some(json!({"messages": [
        {"sse_text": text_turn("first part.", "pause_turn")},
        {"sse_text": text_turn("second part.", "end_turn")}
    ]})));
    let out = mock
        .clab()
        .args(["--json", "-p", "long job"])
        .output()
        .unwrap();
    assert!(out.status.success(), "stderr: {}", stderr_of(&out));
    let requests = mock.requests_to("POST", "/v1/messages");
    assert_eq!(requests.len(), 2);
    let second = json_body(&requests[1]);
    let messages = second["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[1]["role"], "assistant");
    assert_eq!(messages[1]["content"][0]["text"], "first part.");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["text"], "first part.\n\nsecond part.");
    assert_eq!(v["stop_reason"], "end_turn");
    assert_eq!(v["usage"]["input_tokens"], 24);
}

#[test]
fn terminal_control_sequences_are_stripped_but_kept_raw_in_json() {
    let evil = "safe \u{1b}]52;c;ZXZpbA==\u{7}text \u{1b}[2Jend";
    let scenario = json!({"messages": [{"sse_text": text_turn(evil, "end_turn")}, {"sse_text": text_turn(evil, "end_turn")}]});
    let mock = Mock::start(Some(scenario));
    let out = mock.clab().args(["-p", "x"]).output().unwrap();
    let stdout = stdout_of(&out);
    assert!(!stdout.contains('\u{1b}') && !stdout.contains('\u{7}'));
    assert!(stdout.contains("safe text end"), "{stdout:?}");
    let out = mock.clab().args(["--json", "-p", "x"]).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["text"], evil);
}

#[test]
fn unknown_blocks_and_events_are_shown_not_fatal() {
    let stream = sse(&[
        json!({"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"x","content":[],"stop_reason":null,"usage":{"input_tokens":1,"output_tokens":1}}}),
        json!({"type":"brand_new_event","payload":1}),
        json!({"type":"content_block_start","index":0,"content_block":{"type":"hologram","id":"h"}}),
        json!({"type":"content_block_stop","index":0}),
        json!({"type":"content_block_start","index":1,"content_block":{"type":"text","text":"after"}}),
        json!({"type":"content_block_stop","index":1}),
        json!({"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}),
        json!({"type":"message_stop"}),
    ]);
    let mock = Mock::start(Some(json!({"messages": [{"sse_text": stream}]})));
    let out = mock.clab().args(["-p", "x"]).output().unwrap();
    assert!(out.status.success(), "stderr: {}", stderr_of(&out));
    assert!(stdout_of(&out).contains("[hologram block]"));
    assert!(stdout_of(&out).contains("after"));
    assert!(stderr_of(&out).contains("brand_new_event"));
}

#[test]
fn bad_attachments_are_refused_before_any_request() {
    let mock = Mock::start(None);
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.bin");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(501 * 1024 * 1024)
        .unwrap();
    let cases: Vec<(std::path::PathBuf, &str)> = vec![
        (dir.path().join("missing.csv"), "no such file"),
        (dir.path().to_path_buf(), "directory"),
        (big, "500 MB"),
    ];
    for (path, message) in cases {
        let out = mock
            .clab()
            .args(["-p", "x", "-a"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", path.display());
        assert!(
            stderr_of(&out).contains(message),
            "{}: {}",
            path.display(),
            stderr_of(&out)
        );
    }
    assert!(
        mock.requests().is_empty(),
        "nothing may be sent: {:?}",
        mock.requests()
    );
}

#[test]
fn no_key_is_a_usage_error_that_says_what_to_do() {
    let home = tempfile::tempdir().unwrap();
    let out = keyless_clab(home.path(), &["-p", "hello"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains("ANTHROPIC_API_KEY") && stderr.contains("--demo"),
        "{stderr}"
    );
}

#[test]
fn the_key_never_appears_in_output_or_logs() {
    let mock = Mock::start(Some(
        json!({"messages": [{"status": 401, "body": {"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"},"request_id":"req_1"}}]}),
    ));
    let out = mock
        .clab()
        .env("CLAB_LOG", "trace")
        .args(["-p", "hello"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let secret = "SECRETvalue";
    assert!(!stdout_of(&out).contains(secret) && !stderr_of(&out).contains(secret));
    assert!(
        stderr_of(&out).contains("ANTHROPIC_API_KEY"),
        "401 explains where the key comes from"
    );
    let log = std::fs::read_to_string(mock.home.path().join("clab.log")).unwrap_or_default();
    assert!(!log.contains(secret));
    let recorded = serde_json::to_string(&mock.requests()).unwrap();
    assert!(
        !recorded.contains(secret),
        "the mock's log redacts the key too"
    );
}

#[test]
fn the_demo_without_a_file_explains_how_to_attach_one() {
    let home = tempfile::tempdir().unwrap();
    let out = keyless_clab(home.path(), &["--demo", "-p", "hello"]);
    assert!(out.status.success(), "stderr: {}", stderr_of(&out));
    assert!(stderr_of(&out).contains("DEMO"));
    assert!(stdout_of(&out).contains("-a"), "{}", stdout_of(&out));
}

/// Demo turns go to the demo's own store, and `--demo` selects it for `clab sessions` too.
#[test]
fn demo_sessions_are_listed_with_demo_and_only_then() {
    let home = tempfile::tempdir().unwrap();
    let out = keyless_clab(home.path(), &["--demo", "-p", "hello"]);
    assert!(out.status.success(), "stderr: {}", stderr_of(&out));
    let demo = keyless_clab(home.path(), &["--demo", "sessions", "list", "--json"]);
    let listed: serde_json::Value = serde_json::from_slice(&demo.stdout).unwrap();
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
    assert_eq!(listed[0]["name"], "hello");
    let real = keyless_clab(home.path(), &["sessions", "list", "--json"]);
    let listed: serde_json::Value = serde_json::from_slice(&real.stdout).unwrap();
    assert_eq!(listed, serde_json::json!([]));
}

#[test]
fn the_legacy_python_tool_is_selectable_in_the_config() {
    let mock = Mock::start(None);
    std::fs::write(
        mock.home.path().join("config.toml"),
        "code_execution_tool = \"code_execution_20250522\"\n",
    )
    .unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let out = mock
        .clab()
        .args(["--json", "-p", "describe", "-a"])
        .arg(sample_csv())
        .arg("--download-dir")
        .arg(out_dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "stderr: {}", stderr_of(&out));
    let messages = mock.requests_to("POST", "/v1/messages");
    assert_eq!(
        json_body(&messages[0])["tools"][0]["type"],
        "code_execution_20250522"
    );
    let beta = messages[0]
        .headers
        .iter()
        .find(|(k, _)| k == "anthropic-beta")
        .unwrap();
    assert!(beta.1.contains("code-execution-2025-05-22"));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let run = &v["executions"][0];
    assert_eq!(run["tool"], "code_execution");
    assert!(run["input"]["code"].as_str().unwrap().contains("pandas"));
    assert!(run["stdout"].as_str().unwrap().contains("240"));
}

#[test]
fn the_key_can_come_from_api_key_command() {
    let mock = Mock::start(None);
    std::fs::write(
        mock.home.path().join("config.toml"),
        "api_key_command = \"echo sk-ant-test-from-command\"\n",
    )
    .unwrap();
    let out = mock
        .clab()
        .env_remove("ANTHROPIC_API_KEY")
        .args(["-p", "hello"])
        .output()
        .unwrap();
    assert!(out.status.success(), "stderr: {}", stderr_of(&out));
    let messages = mock.requests_to("POST", "/v1/messages");
    assert!(messages[0].headers.iter().any(|(k, _)| k == "x-api-key"));

    std::fs::write(
        mock.home.path().join("config.toml"),
        "api_key_command = \"false\"\n",
    )
    .unwrap();
    let out = mock
        .clab()
        .env_remove("ANTHROPIC_API_KEY")
        .args(["-p", "hello"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("api_key_command failed"));
}

#[test]
fn a_config_typo_is_a_usage_error_naming_the_key() {
    let mock = Mock::start(None);
    std::fs::write(mock.home.path().join("config.toml"), "modle = \"x\"\n").unwrap();
    let out = mock.clab().args(["-p", "hello"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("modle"), "{}", stderr_of(&out));
    assert!(mock.requests().is_empty());
}

#[test]
fn demo_turns_are_kept_apart_from_real_sessions() {
    let home = tempfile::tempdir().unwrap();
    let out = keyless_clab(home.path(), &["--demo", "-p", "hello"]);
    assert!(out.status.success(), "stderr: {}", stderr_of(&out));
    let demo = clab::session::Store::open(&home.path().join("demo-sessions.db")).unwrap();
    assert_eq!(demo.list().unwrap().len(), 1);
    assert!(!home.path().join("sessions.db").exists());
}

/// The key must never reach another host: a 3xx is reported with the host it named, and
/// nothing connects there, whether the redirect answers a turn or a Files call.
#[test]
fn a_redirect_is_reported_and_never_followed() {
    let elsewhere = std::net::TcpListener::bind("127.0.0.2:0").unwrap();
    elsewhere.set_nonblocking(true).unwrap();
    let port = elsewhere.local_addr().unwrap().port();
    let to = |path: &str| format!("http://127.0.0.2:{port}{path}");
    let mock = Mock::start(Some(json!({
        "messages": [{"status": 307, "headers": {"location": to("/v1/messages")}}],
        "files": [{"status": 302, "headers": {"location": to("/v1/files")}}]
    })));
    for args in [&["-p", "hello"][..], &["files", "list"][..]] {
        let out = mock.clab().args(args).output().unwrap();
        let stderr = stderr_of(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains("redirecting to 127.0.0.2") && stderr.contains("follows no redirects"),
            "{args:?}: {stderr}"
        );
    }
    assert!(
        matches!(elsewhere.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "something connected to the redirect's target"
    );
}

/// An unusable download directory is found before anything is sent or stored, not after the
/// turn has run and been paid for.
#[test]
fn an_unwritable_download_dir_is_refused_before_the_turn() {
    let mock = Mock::start(None);
    let blocker = mock.home.path().join("a-file");
    std::fs::write(&blocker, b"x").unwrap();
    let out = mock
        .clab()
        .args(["-p", "hello", "--download-dir"])
        .arg(blocker.join("sub"))
        .output()
        .unwrap();
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("download directory"), "{stderr}");
    assert!(mock.requests_to("POST", "/v1/messages").is_empty());
    let listed = mock.clab().args(["sessions", "list"]).output().unwrap();
    assert!(
        !stdout_of(&listed).contains("hello"),
        "{}",
        stdout_of(&listed)
    );
}

/// A password in `--base-url` stays out of what clab prints and logs.
#[test]
fn a_password_in_the_base_url_is_never_shown() {
    let home = tempfile::tempdir().unwrap();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let out = assert_cmd::Command::cargo_bin("clab")
        .unwrap()
        .env("ANTHROPIC_API_KEY", common::TEST_KEY)
        .env("CLAB_HOME", home.path())
        .current_dir(home.path())
        .env_remove("ANTHROPIC_BASE_URL")
        .args([
            "--base-url",
            &format!("http://bob:hunter2@127.0.0.1:{port}"),
            "-p",
            "hi",
        ])
        .output()
        .unwrap();
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("bob:***@127.0.0.1"), "{stderr}");
    let log = std::fs::read_to_string(home.path().join("clab.log")).unwrap_or_default();
    for text in [&stderr, &log] {
        assert!(!text.contains("hunter2"), "{text}");
    }
}
