//! Shared test scaffolding: an in-process mock API and a `clab` command pointed at it.
#![allow(dead_code)]

pub mod harness;

use assert_cmd::Command;
use clab::mock::{MockOptions, MockServer, Pace, RecordedBody, RecordedRequest, Scenario};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

pub const TEST_KEY: &str = "sk-ant-test-Zq9SECRETvalue";

/// A mock server on its own runtime, alive as long as this value.
pub struct Mock {
    pub server: Option<MockServer>,
    pub runtime: tokio::runtime::Runtime,
    pub home: TempDir,
}

impl Mock {
    pub fn start(scenario: Option<Value>) -> Mock {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let home = TempDir::new().unwrap();
        let scenario = scenario.map(|v| Scenario::from_json(v, &fixtures_dir()).unwrap());
        let server = runtime
            .block_on(MockServer::start(MockOptions {
                port: 0,
                scenario,
                pace: Pace::Fast,
            }))
            .unwrap();
        Mock {
            server: Some(server),
            runtime,
            home,
        }
    }

    pub fn url(&self) -> String {
        self.server.as_ref().unwrap().base_url()
    }

    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.server.as_ref().unwrap().requests()
    }

    /// Requests to `path` (query ignored).
    pub fn requests_to(&self, method: &str, path: &str) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == method && r.path == path)
            .collect()
    }

    /// `clab` with the key, an isolated CLAB_HOME (also the working directory, so downloads
    /// without `--download-dir` land there) and the mock's URL.
    pub fn clab(&self) -> Command {
        Command::from_std(self.clab_std())
    }

    /// [`Mock::clab`] as a plain `std::process::Command`, for tests that spawn it and hold
    /// its pipes themselves.
    pub fn clab_std(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_clab"));
        cmd.env("ANTHROPIC_API_KEY", TEST_KEY)
            .env("CLAB_HOME", self.home.path())
            .current_dir(self.home.path())
            .env_remove("ANTHROPIC_BASE_URL")
            .arg("--base-url")
            .arg(self.url());
        cmd
    }

    /// Raw bytes of a file as the mock serves them.
    pub fn file_content(&self, id: &str) -> Vec<u8> {
        self.get(&format!("/v1/files/{id}/content"))
    }

    /// A file's metadata as the mock serves it.
    pub fn file_metadata(&self, id: &str) -> Value {
        serde_json::from_slice(&self.get(&format!("/v1/files/{id}"))).unwrap()
    }

    fn get(&self, path: &str) -> Vec<u8> {
        let url = format!("{}{path}", self.url());
        self.runtime.block_on(async {
            reqwest::Client::new()
                .get(url)
                .header("x-api-key", "t")
                .header("anthropic-version", "2023-06-01")
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap()
                .to_vec()
        })
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            self.runtime.block_on(server.shutdown());
        }
    }
}

/// Recorded stream `name` from tests/fixtures/api as a server sends it. `.jsonl` recordings
/// hold one `data:` payload a line and are framed `event: <type>`; docs excerpts that start
/// mid-message (an annotated stream from its first block, a single delta event) get a minimal
/// `message_start` before them and a `message_stop` after them, so each is a whole message.
pub fn recorded_stream(name: &str) -> Vec<u8> {
    let path = fixtures_dir().join("api").join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = String::from_utf8(bytes).unwrap();
    if name.ends_with(".jsonl") {
        let mut out = String::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: Value = serde_json::from_str(line).unwrap();
            let kind = v["type"].as_str().unwrap();
            out.push_str(&format!("event: {kind}\ndata: {line}\n\n"));
        }
        return out.into_bytes();
    }
    if name.contains("ANNOTATED_PARTIAL") || name.ends_with("_delta_event.sse") {
        let start = serde_json::json!({"type": "message_start", "message": {"id": "msg_excerpt"}});
        let stop = serde_json::json!({"type": "message_stop"});
        return format!(
            "event: message_start\ndata: {start}\n\n{}\n\nevent: message_stop\ndata: {stop}\n\n",
            text.trim_end()
        )
        .into_bytes();
    }
    text.into_bytes()
}

pub fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn sample_csv() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/demo/customers.csv")
}

pub fn json_body(r: &RecordedRequest) -> &Value {
    match &r.body {
        RecordedBody::Json(v) => v,
        other => panic!("expected a JSON body, got {other:?}"),
    }
}

pub fn stdout_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// An SSE body from `(event, data)` pairs, framed as the API frames it.
pub fn sse(events: &[Value]) -> String {
    events
        .iter()
        .map(|e| format!("event: {}\ndata: {e}\n\n", e["type"].as_str().unwrap()))
        .collect()
}

/// The SSE body of a turn that answers `text` in one text block and stops with `stop_reason`.
pub fn text_turn(text: &str, stop_reason: &str) -> String {
    sse(&[
        json!({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-test","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":1}}}),
        json!({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}),
        json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":text}}),
        json!({"type":"content_block_stop","index":0}),
        json!({"type":"message_delta","delta":{"stop_reason":stop_reason,"stop_sequence":null},"usage":{"output_tokens":5}}),
        json!({"type":"message_stop"}),
    ])
}

pub fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

/// Runs `clab ARGS` with no API key and `home` as CLAB_HOME and working directory.
pub fn keyless_clab(home: &Path, args: &[&str]) -> std::process::Output {
    Command::cargo_bin("clab")
        .unwrap()
        .env_remove("ANTHROPIC_API_KEY")
        .env_remove("ANTHROPIC_BASE_URL")
        .env("CLAB_HOME", home)
        .current_dir(home)
        .args(args)
        .output()
        .unwrap()
}

/// A message's content blocks as clab stored them: the cache breakpoint a request puts on
/// its last blocks (see `domain::caching`) left out.
pub fn stored_blocks(message: &Value) -> Vec<Value> {
    message["content"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|mut block| {
            if let Some(fields) = block.as_object_mut() {
                fields.remove("cache_control");
            }
            block
        })
        .collect()
}
