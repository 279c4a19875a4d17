//! End-to-end: the `clab files` binary against the in-process mock API.
//!
//! Each test starts its own mock (its own port, store and request log) on a tokio runtime that
//! keeps serving while the binary runs, so tests are independent and can run in parallel.
//! Assertions look at what the binary printed, its exit code, the files on disk and what the
//! mock recorded on the wire.

mod common;

use assert_cmd::Command;
use clab::mock::{RecordedBody, RecordedRequest};
use common::Mock;
use serde_json::{Value, json};
use std::path::Path;

/// The shared mock harness, with `clab files` run from inside its home directory.
struct Env {
    mock: Mock,
}

impl Env {
    fn start(scenario: Option<Value>) -> Env {
        Env {
            mock: Mock::start(scenario),
        }
    }

    fn clab(&self) -> Command {
        let mut cmd = self.mock.clab();
        cmd.current_dir(self.mock.home.path()).arg("files");
        cmd
    }

    fn write(&self, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let path = self.mock.home.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn file_requests(&self) -> Vec<RecordedRequest> {
        self.mock
            .requests()
            .into_iter()
            .filter(|r| r.path.starts_with("/v1/files"))
            .collect()
    }
}

fn stdout_json(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap()
}

fn header<'a>(req: &'a RecordedRequest, name: &str) -> Option<&'a str> {
    req.headers
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Runs `cmd`, which must succeed (its stderr is the failure message).
fn succeed(mut cmd: Command) -> std::process::Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `clab files download ID [extra] -o DIR`, which must succeed.
fn download(env: &Env, id: &str, extra: &[&str], dir: &Path) -> std::process::Output {
    let mut cmd = env.clab();
    cmd.args(["download", id]).args(extra).arg("-o").arg(dir);
    succeed(cmd)
}

fn upload_json(env: &Env, path: &Path) -> String {
    let mut cmd = env.clab();
    cmd.args(["upload", "--json"]).arg(path);
    let out = succeed(cmd);
    stdout_json(&out)[0]["id"].as_str().unwrap().to_string()
}

#[test]
fn upload_is_one_multipart_part_and_the_file_is_listed_but_not_downloadable() {
    let env = Env::start(None);
    let data = b"region,sales\nnorth,10\nsouth,20\n";
    let path = env.write("sales.csv", data);
    let id = upload_json(&env, &path);

    let post = env.file_requests().into_iter().find(|r| r.method == "POST");
    let post = post.expect("a POST /v1/files");
    assert_eq!(
        header(&post, "anthropic-beta"),
        Some("files-api-2025-04-14")
    );
    let RecordedBody::Multipart(parts) = &post.body else {
        panic!("not multipart: {:?}", post.body);
    };
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].name, "file");
    assert_eq!(parts[0].filename.as_deref(), Some("sales.csv"));
    assert_eq!(parts[0].content_type.as_deref(), Some("text/csv"));
    assert_eq!(parts[0].size, data.len() as u64);

    let list = env.clab().arg("list").assert().success();
    let text = String::from_utf8_lossy(&list.get_output().stdout).into_owned();
    let row = text.lines().find(|l| l.starts_with(&id)).expect(&text);
    assert!(row.contains("sales.csv") && row.contains(" no "), "{row}");

    let out_dir = tempfile::tempdir().unwrap();
    let failed = env
        .clab()
        .args(["download", &id, "-o"])
        .arg(out_dir.path())
        .assert()
        .code(1);
    let err = String::from_utf8_lossy(&failed.get_output().stderr).into_owned();
    assert!(
        err.contains("`sales.csv`") && err.contains("not downloadable"),
        "{err}"
    );
    assert!(err.contains("created by code execution or skills"), "{err}");
    assert_eq!(std::fs::read_dir(out_dir.path()).unwrap().count(), 0);
}

#[test]
fn a_generated_file_downloads_exactly_and_a_second_copy_is_numbered() {
    let bytes: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let seed_dir = tempfile::tempdir().unwrap();
    std::fs::write(seed_dir.path().join("plot.png"), &bytes).unwrap();
    let env = Env::start(Some(json!({"seed_files": [{
        "filename": "plot.png",
        "path": seed_dir.path().join("plot.png"),
        "downloadable": true
    }]})));
    let listed = env.clab().args(["list", "--json"]).output().unwrap();
    let id = stdout_json(&listed)[0]["id"].as_str().unwrap().to_string();

    let out_dir = tempfile::tempdir().unwrap();
    for expected in ["plot.png", "plot (1).png"] {
        let out = download(&env, &id, &[], out_dir.path());
        let saved = out_dir.path().join(expected);
        let line = format!("saved → {}\n", saved.display());
        assert_eq!(String::from_utf8_lossy(&out.stdout), line);
        assert_eq!(std::fs::read(&saved).unwrap(), bytes);
    }
    assert_eq!(std::fs::read_dir(out_dir.path()).unwrap().count(), 2);
    let content = env
        .file_requests()
        .into_iter()
        .find(|r| r.path.ends_with("/content"))
        .unwrap();
    assert_eq!(header(&content, "accept"), Some("application/binary"));
}

#[test]
fn download_with_preview_prints_the_picture_in_half_blocks() {
    let seed_dir = tempfile::tempdir().unwrap();
    let picture = image::RgbImage::from_fn(40, 20, |x, y| {
        image::Rgb([(x * 6) as u8, (y * 12) as u8, 200])
    });
    picture.save(seed_dir.path().join("plot.png")).unwrap();
    std::fs::write(seed_dir.path().join("data.csv"), "a,b\n1,x\n2,y\n").unwrap();
    let env = Env::start(Some(json!({"seed_files": [
        {"filename": "plot.png", "path": seed_dir.path().join("plot.png"), "downloadable": true},
        {"filename": "data.csv", "path": seed_dir.path().join("data.csv"), "downloadable": true}
    ]})));
    let listed = env.clab().args(["list", "--json"]).output().unwrap();
    let id_of = |name: &str| {
        stdout_json(&listed)
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["filename"] == name)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let out_dir = tempfile::tempdir().unwrap();
    let out = download(&env, &id_of("plot.png"), &["--preview"], out_dir.path());
    let stdout = String::from_utf8(out.stdout).unwrap();
    let mut lines = stdout.lines();
    assert!(lines.next().unwrap().starts_with("saved → "));
    // 40×20 pixels fit 80×24 cells unscaled: 40 columns of half-blocks, 10 rows, each cell
    // with a 24-bit foreground and background and every row reset at its end.
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 10, "{stdout}");
    for row in &rows {
        assert_eq!(row.matches("\x1b[38;2;").count(), 40, "{row:?}");
        assert_eq!(row.matches("\x1b[48;2;").count(), 40, "{row:?}");
        assert!(row.ends_with("\x1b[0m"));
    }
    // The top-left cell: pixel rows 0 (0,0,200) and 1 (0,12,200); the brighter is drawn as
    // the foreground of a lower half-block.
    let first_cell = "\x1b[38;2;0;12;200m\x1b[48;2;0;0;200m▄";
    assert!(rows[0].starts_with(first_cell), "{:?}", rows[0]);

    let out = download(&env, &id_of("data.csv"), &["--preview"], out_dir.path());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("2 rows × 2 columns\na    b\nint  text\n1    x\n2    y\n"),
        "{stdout}"
    );
}

#[test]
fn download_refuses_to_overwrite_an_existing_output_before_any_request() {
    let env = Env::start(None);
    let existing = env.write("chart.png", b"mine");
    let out = env
        .clab()
        .args(["download", "file_x", "-o"])
        .arg(&existing)
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read(&existing).unwrap(), b"mine");
    assert!(env.file_requests().is_empty());
}

#[test]
fn delete_then_info_says_there_is_no_such_file() {
    let env = Env::start(None);
    let id = upload_json(&env, &env.write("notes.txt", b"hello"));
    let out = env.clab().args(["delete", &id]).assert().success();
    assert_eq!(
        String::from_utf8_lossy(&out.get_output().stdout),
        format!("deleted {id}\n")
    );
    let out = env.clab().args(["info", &id]).assert().code(1);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains(&format!("no file with id {id}")), "{err}");
    assert!(err.contains("request id req_"), "{err}");
}

#[test]
fn delete_carries_on_past_a_failure_and_exits_1() {
    let env = Env::start(None);
    let id = upload_json(&env, &env.write("a.txt", b"a"));
    let out = env
        .clab()
        .args(["delete", "file_missing", &id])
        .assert()
        .code(1);
    let output = out.get_output();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        format!("deleted {id}\n")
    );
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("no file with id file_missing"), "{err}");
    assert!(err.contains("1 of 2 deletions failed"), "{err}");
}

#[test]
fn bad_upload_paths_are_usage_errors_and_nothing_is_sent() {
    let env = Env::start(None);
    let good = env.write("good.csv", b"x");
    let missing = env.mock.home.path().join("missing.csv");
    let out = env
        .clab()
        .arg("upload")
        .args([&good, &missing])
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains(&format!("no such file: {}", missing.display())),
        "{err}"
    );

    let out = env
        .clab()
        .arg("upload")
        .arg(env.mock.home.path())
        .assert()
        .code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(err.contains("is a directory"), "{err}");
    assert!(env.mock.requests().is_empty());
}

#[test]
fn a_queued_500_is_retried_and_the_upload_succeeds() {
    let env = Env::start(Some(json!({"files": [{"status": 500}]})));
    let path = env.write("retry.csv", b"a,b\n1,2\n");
    let mut cmd = env.clab();
    cmd.arg("upload").arg(&path);
    let out = succeed(cmd);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("uploaded retry.csv → file_"), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("retrying"));
    let posts: Vec<_> = env
        .file_requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(posts.len(), 2);
    assert!(matches!(&posts[1].body, RecordedBody::Multipart(p) if p[0].size == 8));
}
