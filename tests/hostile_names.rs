//! Server file names are untrusted (issue 16, item 7): a newline, a terminal sequence or a bidi
//! override in a name reaches no terminal line and no name on disk, and a download lands inside
//! its target directory, whether the file is listed, downloaded by id or saved after a run.

mod common;

use common::*;
use serde_json::{Value, json};
use std::path::Path;
use tempfile::TempDir;

/// (id, name the server gives, name clab saves it under, name clab shows).
const FILES: [(&str, &str, &str, &str); 3] = [
    ("file_newline", "a\nb.txt", "a_b.txt", "a b.txt"),
    (
        "file_osc",
        "\u{1b}]0;pwned\u{7}\u{1b}[31mred.png",
        "red.png",
        "red.png",
    ),
    (
        "file_bidi",
        "evil\u{202e}gnp.exe",
        "evilgnp.exe",
        "evilgnp.exe",
    ),
];

/// A character that must not reach a terminal: a control other than newline, or a bidi control.
fn is_hostile(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn assert_clean(what: &str, text: &str) {
    assert!(!text.chars().any(is_hostile), "{what}: {text:?}");
    assert!(!text.contains("pwned"), "{what}: {text:?}");
}

/// A mock holding the three files (a real PNG behind the escaped name) and, first in its
/// queue, a run whose code wrote all three.
fn start(seed: &TempDir) -> Mock {
    image::RgbImage::from_pixel(4, 4, image::Rgb([200, 10, 10]))
        .save(seed.path().join("red.png"))
        .unwrap();
    std::fs::write(seed.path().join("plain"), "x\n").unwrap();
    let seeds: Vec<Value> = FILES
        .iter()
        .map(|(id, name, _, _)| {
            let path = seed.path().join(if *id == "file_osc" {
                "red.png"
            } else {
                "plain"
            });
            json!({"id": id, "filename": name, "path": path, "downloadable": true})
        })
        .collect();
    let outputs: Vec<Value> = FILES
        .iter()
        .map(|(id, ..)| json!({"type": "bash_code_execution_output", "file_id": id}))
        .collect();
    let run = sse(&[
        json!({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-test","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":12,"output_tokens":1}}}),
        json!({"type":"content_block_start","index":0,"content_block":{"type":"server_tool_use","id":"srvtoolu_1","name":"bash_code_execution","input":{}}}),
        json!({"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\"command\":\"make\"}"}}),
        json!({"type":"content_block_stop","index":0}),
        json!({"type":"content_block_start","index":1,"content_block":{"type":"bash_code_execution_tool_result","tool_use_id":"srvtoolu_1","content":{"type":"bash_code_execution_result","stdout":"","stderr":"","return_code":0,"content":outputs}}}),
        json!({"type":"content_block_stop","index":1}),
        json!({"type":"content_block_start","index":2,"content_block":{"type":"text","text":""}}),
        json!({"type":"content_block_delta","index":2,"delta":{"type":"text_delta","text":"done"}}),
        json!({"type":"content_block_stop","index":2}),
        json!({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":5}}),
        json!({"type":"message_stop"}),
    ]);
    Mock::start(Some(
        json!({"seed_files": seeds, "messages": [{"sse_text": run}]}),
    ))
}

/// `root` holds only `inside`, and `inside` exactly the saved names, each a plain file.
fn assert_saved_inside(root: &Path, inside: &Path) {
    assert_eq!(files_in(root), [inside.to_path_buf()]);
    let mut expected: Vec<_> = FILES
        .iter()
        .map(|(_, _, saved, _)| inside.join(saved))
        .collect();
    expected.sort();
    assert_eq!(files_in(inside), expected);
    for path in &expected {
        assert!(
            path.symlink_metadata().unwrap().is_file(),
            "{}",
            path.display()
        );
    }
}

#[test]
fn files_list_shows_hostile_names_on_one_clean_line_each() {
    let seed = TempDir::new().unwrap();
    let mock = start(&seed);
    let out = mock.clab().args(["files", "list"]).output().unwrap();
    let stdout = stdout_of(&out);
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert_clean("files list", &stdout);
    assert_eq!(stdout.lines().count(), 1 + FILES.len(), "{stdout}");
    for (id, _, _, shown) in FILES {
        let line = stdout.lines().find(|l| l.starts_with(id)).unwrap();
        assert!(line.ends_with(&format!("  {shown}")), "{line:?}");
    }
}

#[test]
fn files_download_saves_clean_names_inside_the_directory() {
    let seed = TempDir::new().unwrap();
    let mock = start(&seed);
    let root = TempDir::new().unwrap();
    let dir = root.path().join("out");
    std::fs::create_dir(&dir).unwrap();
    for (id, ..) in FILES {
        let out = mock
            .clab()
            .args(["files", "download", id, "-o"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr_of(&out));
        assert_clean("download stdout", &stdout_of(&out));
        assert_clean("download stderr", &stderr_of(&out));
    }
    assert_saved_inside(root.path(), &dir);
}

#[test]
fn a_run_saves_and_reports_its_outputs_under_clean_names() {
    let seed = TempDir::new().unwrap();
    let mock = start(&seed);
    let root = TempDir::new().unwrap();
    let dir = root.path().join("downloads");
    let out = mock
        .clab()
        .args(["-p", "make the files", "--download-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    let (stdout, stderr) = (stdout_of(&out), stderr_of(&out));
    assert!(out.status.success(), "{stderr}");
    assert_clean("-p stdout", &stdout);
    assert_clean("-p stderr", &stderr);
    for (_, _, saved, shown) in FILES {
        let line = format!("clab: saved {shown} → {}", dir.join(saved).display());
        assert!(stderr.lines().any(|l| l == line), "{line:?} in {stderr}");
    }
    assert!(stdout.contains("picture: red.png (4×4 PNG)"), "{stdout}");
    assert_saved_inside(root.path(), &dir);

    let list = mock
        .clab()
        .args(["sessions", "list", "--json"])
        .output()
        .unwrap();
    let list: Value = serde_json::from_slice(&list.stdout).unwrap();
    let id = list[0]["id"].as_str().unwrap();
    let shown = mock.clab().args(["sessions", "show", id]).output().unwrap();
    assert!(shown.status.success(), "{}", stderr_of(&shown));
    let transcript = stdout_of(&shown);
    assert_clean("sessions show", &transcript);
    assert!(transcript.contains("a b.txt"), "{transcript}");
}
