//! `clab sessions` end to end: a store written through the library, read by the binary.

use assert_cmd::Command;
use clab::domain::session::{FileOrigin, FileRecord, MessageState, Role};
use clab::session::Store;
use serde_json::{Value, json};
use tempfile::TempDir;

struct Home {
    dir: TempDir,
    id: String,
}

/// A CLAB_HOME with one session: a prompt, an answer that ran a command, a downloaded file.
fn home() -> Home {
    let dir = TempDir::new().unwrap();
    let store = Store::open(&dir.path().join("sessions.db")).unwrap();
    let meta = store
        .create_session("claude-test", "Count the rows of sales.csv")
        .unwrap();
    store
        .append_message(
            &meta.id,
            Role::User,
            &[json!({"type":"text","text":"Count the rows of sales.csv"})],
            &MessageState::Complete,
            None,
        )
        .unwrap();
    let answer = [
        json!({"type":"server_tool_use","id":"s1","name":"bash_code_execution","input":{"command":"wc -l sales.csv"}}),
        json!({"type":"bash_code_execution_tool_result","tool_use_id":"s1","content":{"type":"bash_code_execution_result","stdout":"41 sales.csv\n","stderr":"","return_code":0,"content":[{"type":"bash_code_execution_output","file_id":"file_out"}]}}),
        json!({"type":"text","text":"There are 40 rows plus a header.\u{1b}]52;c;aGk=\u{7}"}),
    ];
    store
        .append_message(
            &meta.id,
            Role::Assistant,
            &answer,
            &MessageState::Complete,
            None,
        )
        .unwrap();
    let file = FileRecord {
        id: "file_out".into(),
        filename: "rows.txt".into(),
        origin: FileOrigin::Generated,
        size: Some(3),
        mime: None,
        local_path: Some(dir.path().join("rows.txt")),
        given_as: None,
    };
    store.upsert_file(&meta.id, &file).unwrap();
    Home { dir, id: meta.id }
}

fn clab(home: &Home) -> Command {
    let mut cmd = Command::cargo_bin("clab").unwrap();
    cmd.env("CLAB_HOME", home.dir.path())
        .env_remove("ANTHROPIC_API_KEY");
    cmd
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn list_json_reports_the_session() {
    let home = home();
    let out = clab(&home)
        .args(["sessions", "list", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let list: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(list[0]["id"], home.id.as_str());
    assert_eq!(list[0]["name"], "Count the rows of sales.csv");
    assert_eq!(
        (list[0]["turns"].as_u64(), list[0]["files"].as_u64()),
        (Some(1), Some(1))
    );
}

#[test]
fn export_prints_markdown_and_writes_notebooks_without_overwriting() {
    let home = home();
    let prefix = &home.id[..8];
    let out = clab(&home)
        .args(["sessions", "export", prefix])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let md = stdout(&out);
    assert!(md.contains("```bash\nwc -l sales.csv\n```"), "{md}");
    assert!(md.contains("```text\n41 sales.csv\n```"), "{md}");
    assert!(md.contains("[rows.txt]("), "{md}");
    assert!(
        !md.contains('\x1b') && !md.contains('\x07'),
        "controls are stripped: {md:?}"
    );

    let path = home.dir.path().join("out.ipynb");
    let args = ["sessions", "export", prefix, "--format", "ipynb", "-o"];
    let out = clab(&home).args(args).arg(&path).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let notebook: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(notebook["nbformat"], 4);

    std::fs::write(&path, "keep me").unwrap();
    let out = clab(&home).args(args).arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep me");
}

#[test]
fn search_finds_command_output() {
    let home = home();
    let out = clab(&home)
        .args(["sessions", "search", "41", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let hits: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(hits[0]["session_id"], home.id.as_str());
    assert_eq!(hits[0]["seq"], 1);
}

#[test]
fn delete_removes_the_session_and_unknown_ids_are_usage_errors() {
    let home = home();
    let out = clab(&home)
        .args(["sessions", "delete", &home.id])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(stdout(&out).trim(), format!("deleted {}", home.id));
    let store = Store::open(&home.dir.path().join("sessions.db")).unwrap();
    assert!(store.load(&home.id).unwrap().is_none());

    let out = clab(&home)
        .args(["sessions", "show", &home.id])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no session matches"));
}

/// `--help` names the base URL's variable without its value (which may be a private
/// endpoint), and every session argument says what it takes.
#[test]
fn help_hides_the_base_urls_value_and_describes_session_ids() {
    let home = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("clab")
        .unwrap()
        .env("ANTHROPIC_BASE_URL", "http://10.0.0.7:9999")
        .env("CLAB_HOME", home.path())
        .current_dir(home.path())
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("[env: ANTHROPIC_BASE_URL]"), "{help}");
    assert!(!help.contains("10.0.0.7"), "{help}");
    for command in ["export", "show", "rename", "delete"] {
        let out = Command::cargo_bin("clab")
            .unwrap()
            .env("CLAB_HOME", home.path())
            .current_dir(home.path())
            .args(["sessions", command, "--help"])
            .output()
            .unwrap();
        let help = String::from_utf8_lossy(&out.stdout);
        let described = help.lines().any(|l| {
            l.trim_start().starts_with("<ID>")
                && l.ends_with("The session's id, or a unique prefix of it")
        });
        assert!(described, "{command}: {help}");
    }
}
