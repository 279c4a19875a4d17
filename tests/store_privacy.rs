//! Stored conversations are private and really deleted (issue 16, item 2): the data directory
//! is 0700 and the stores, their `-wal`/`-shm` and the log 0600 even under umask 022, an older
//! install is tightened once with a note, and a deleted session's text is gone from every file.

mod common;

use common::{Mock, TEST_KEY, stderr_of, stdout_of, text_turn};
use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// `clab ARGS` started by a shell that first sets umask 022, as most logins do.
fn clab_under_umask_022(home: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("umask 022; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_clab"))
        .args(args)
        .env("CLAB_HOME", home)
        .env("TMPDIR", home)
        .current_dir(home)
        .env_remove("ANTHROPIC_BASE_URL");
    cmd
}

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Waits (bounded) for `path` to appear while `child` runs.
fn wait_for(path: &Path, child: &mut std::process::Child) {
    let start = Instant::now();
    while !path.exists() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "clab exited before {} appeared",
            path.display()
        );
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{} never appeared",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn store_files_are_private_under_umask_022() {
    // The answer starts, then stalls: clab holds the store open, -wal and -shm included.
    let mock = Mock::start(Some(json!({
        "messages": [{"sse_text": text_turn("never finished", "end_turn"), "delay_ms": 600_000}]
    })));
    let home = mock.home.path();
    let data = home.join("data");
    let mut child = clab_under_umask_022(&data, &["--base-url", &mock.url(), "-p", "hello"])
        .env("ANTHROPIC_API_KEY", TEST_KEY)
        .current_dir(home)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let db = data.join("sessions.db");
    wait_for(&data.join("sessions.db-wal"), &mut child);
    wait_for(&data.join("sessions.db-shm"), &mut child);
    let modes: Vec<(String, u32)> = ["", "sessions.db", "sessions.db-wal", "sessions.db-shm"]
        .iter()
        .chain(&["clab.log"])
        .map(|name| (name.to_string(), mode(&data.join(name))))
        .collect();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(
        modes,
        vec![
            ("".to_string(), 0o700),
            ("sessions.db".to_string(), 0o600),
            ("sessions.db-wal".to_string(), 0o600),
            ("sessions.db-shm".to_string(), 0o600),
            ("clab.log".to_string(), 0o600),
        ]
    );
    assert!(db.exists());
}

#[test]
fn demo_store_and_demo_folders_are_private_under_umask_022() {
    let home = tempfile::tempdir().unwrap();
    let out = clab_under_umask_022(home.path(), &["--demo"])
        .env_remove("ANTHROPIC_API_KEY")
        .output()
        .unwrap();
    assert!(out.status.success(), "stderr: {}", stderr_of(&out));
    assert_eq!(mode(home.path()), 0o700);
    assert_eq!(mode(&home.path().join("demo-sessions.db")), 0o600);
    assert_eq!(mode(&home.path().join("clab.log")), 0o600);
    // The tour's sample lives in the data dir's demo/ folder, the same every run; TMPDIR (the
    // home here) gets no folder per run.
    assert!(home.path().join("demo/customers.csv").is_file());
    let folders: Vec<PathBuf> = std::fs::read_dir(home.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    assert!(
        !folders
            .iter()
            .any(|p| p.to_string_lossy().contains("clab-demo-")),
        "{folders:?}"
    );
    for folder in folders {
        assert_eq!(mode(&folder), 0o700, "{}", folder.display());
    }
}

#[test]
fn an_existing_install_with_0644_files_is_tightened_and_told_once() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data");
    clab::session::Store::open(&data.join("sessions.db")).unwrap();
    std::fs::write(data.join("clab.log"), b"old log\n").unwrap();
    chmod(&data, 0o755);
    chmod(&data.join("sessions.db"), 0o644);
    chmod(&data.join("clab.log"), 0o644);

    let out = clab_under_umask_022(&data, &["sessions", "list"])
        .output()
        .unwrap();
    assert!(out.status.success(), "stderr: {}", stderr_of(&out));
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("sessions.db")), 0o600);
    assert_eq!(mode(&data.join("clab.log")), 0o600);
    let told = stderr_of(&out);
    for path in [
        data.clone(),
        data.join("sessions.db"),
        data.join("clab.log"),
    ] {
        let line = format!("clab: made {} private", path.display());
        assert!(told.contains(&line), "missing {line:?} in {told}");
    }
    let log = std::fs::read_to_string(data.join("clab.log")).unwrap();
    assert!(log.contains("private (owner only)"), "{log}");

    let again = clab_under_umask_022(&data, &["sessions", "list"])
        .output()
        .unwrap();
    assert!(again.status.success());
    assert!(
        !stderr_of(&again).contains("private"),
        "{}",
        stderr_of(&again)
    );
}

/// Every file under `dir`, read as bytes, that contains `needle`.
fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_containing(&path, needle));
        } else if std::fs::read(&path)
            .unwrap()
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
        {
            found.push(path);
        }
    }
    found
}

#[test]
fn a_deleted_session_leaves_no_text_in_the_data_dir() {
    const GONE_PROMPT: &str = "quokkaprompt7731 what drives churn";
    const GONE_ANSWER: &str = "wombatanswer4419 is the answer";
    const KEPT_PROMPT: &str = "pelicanprompt2208 count the rows";
    let mock = Mock::start(Some(json!({
        "messages": [
            {"sse_text": text_turn(GONE_ANSWER, "end_turn")},
            {"sse_text": text_turn("kept answer", "end_turn")}
        ]
    })));
    let home = mock.home.path();
    for prompt in [GONE_PROMPT, KEPT_PROMPT] {
        let out = mock.clab().args(["-p", prompt]).output().unwrap();
        assert!(out.status.success(), "stderr: {}", stderr_of(&out));
    }
    let list = mock
        .clab()
        .args(["--json", "sessions", "list"])
        .output()
        .unwrap();
    let list: Value = serde_json::from_str(&stdout_of(&list)).unwrap();
    let gone = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"].as_str().unwrap().contains("quokkaprompt7731"))
        .unwrap_or_else(|| panic!("no session for the prompt in {list}"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    // The grep can see them: before the delete both markers are in the store.
    for marker in ["quokkaprompt7731", "wombatanswer4419"] {
        assert!(!files_containing(home, marker).is_empty(), "{marker}");
    }

    let out = mock
        .clab()
        .args(["sessions", "delete", &gone])
        .output()
        .unwrap();
    assert!(out.status.success(), "stderr: {}", stderr_of(&out));
    for marker in ["quokkaprompt7731", "wombatanswer4419"] {
        assert_eq!(
            files_containing(home, marker),
            Vec::<PathBuf>::new(),
            "{marker}"
        );
    }
    assert!(!files_containing(home, "pelicanprompt2208").is_empty());
}
