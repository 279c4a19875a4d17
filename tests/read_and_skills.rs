//! What Claude is given and what it makes, headless against the in-process mock: PDFs and
//! pictures sent as `document` / `image` blocks by file id, the `:container|read|both`
//! override, the size fallback, Agent Skills in the request (kept across `--resume`), and the
//! documents the demo's skills stream produces.

mod common;

use common::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// A tiny valid PNG.
fn png() -> Vec<u8> {
    let mut out = Vec::new();
    image::RgbImage::from_pixel(4, 4, image::Rgb([200, 30, 30]))
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";

fn files(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let pdf = dir.join("report.pdf");
    let chart = dir.join("chart.png");
    let csv = dir.join("data.csv");
    std::fs::write(&pdf, PDF).unwrap();
    std::fs::write(&chart, png()).unwrap();
    std::fs::copy(sample_csv(), &csv).unwrap();
    (pdf, chart, csv)
}

/// The user blocks of the last request, as stored, with each file id replaced by the file's
/// name.
fn user_blocks(mock: &Mock) -> Vec<Value> {
    let messages = mock.requests_to("POST", "/v1/messages");
    let body = json_body(messages.last().unwrap());
    let mut blocks = stored_blocks(body["messages"].as_array().unwrap().last().unwrap());
    for block in &mut blocks {
        let slot = if block.get("file_id").is_some() {
            &mut block["file_id"]
        } else if block.pointer("/source/file_id").is_some() {
            &mut block["source"]["file_id"]
        } else {
            continue;
        };
        let id = slot.as_str().unwrap().to_string();
        *slot = json!(filename_of(mock, &id));
    }
    blocks
}

fn filename_of(mock: &Mock, id: &str) -> String {
    mock.file_metadata(id)["filename"]
        .as_str()
        .unwrap()
        .to_string()
}

fn betas(mock: &Mock) -> String {
    let messages = mock.requests_to("POST", "/v1/messages");
    messages
        .last()
        .unwrap()
        .headers
        .iter()
        .find(|(k, _)| k == "anthropic-beta")
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

/// A headless turn saving into `dir`, which must succeed.
fn turn(mock: &Mock, dir: &Path, args: &[String]) -> std::process::Output {
    let out = mock
        .clab()
        .args(args)
        .arg("--download-dir")
        .arg(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    out
}

/// `-a PATH[:MODE]` for each file.
fn attach(files: &[(&Path, &str)]) -> Vec<String> {
    files
        .iter()
        .flat_map(|(path, mode)| {
            let suffix = if mode.is_empty() {
                String::new()
            } else {
                format!(":{mode}")
            };
            ["-a".to_string(), format!("{}{suffix}", path.display())]
        })
        .collect()
}

#[test]
fn a_pdf_a_picture_and_a_csv_go_as_document_image_and_container_upload() {
    let mock = Mock::start(None);
    let dir = tempfile::tempdir().unwrap();
    let (pdf, chart, csv) = files(dir.path());
    let files = attach(&[(&pdf, ""), (&chart, ""), (&csv, "")]);
    let args = [
        &["--json".into(), "-p".into(), "what is in this?".into()],
        &files[..],
    ]
    .concat();
    let out = turn(&mock, dir.path(), &args);
    assert_eq!(
        user_blocks(&mock),
        vec![
            json!({"type": "text", "text": "what is in this?"}),
            json!({"type": "document", "source": {"type": "file", "file_id": "report.pdf"}}),
            json!({"type": "container_upload", "file_id": "report.pdf"}),
            json!({"type": "image", "source": {"type": "file", "file_id": "chart.png"}}),
            json!({"type": "container_upload", "file_id": "chart.png"}),
            json!({"type": "container_upload", "file_id": "data.csv"}),
        ]
    );
    assert!(betas(&mock).contains("files-api-2025-04-14"));
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    let given: Vec<(&str, &str)> = result["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["origin"] == "uploaded")
        .map(|f| {
            (
                f["filename"].as_str().unwrap(),
                f["given_as"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        given,
        vec![
            ("report.pdf", "both"),
            ("chart.png", "both"),
            ("data.csv", "container")
        ]
    );
    // The demo names what it was given to read.
    assert!(
        result["text"]
            .as_str()
            .unwrap()
            .contains("`report.pdf` (PDF")
    );
}

#[test]
fn a_mode_suffix_overrides_the_kind() {
    let mock = Mock::start(None);
    let dir = tempfile::tempdir().unwrap();
    let (pdf, chart, csv) = files(dir.path());
    let files = attach(&[(&pdf, "read"), (&chart, "container"), (&csv, "container")]);
    let out = turn(
        &mock,
        dir.path(),
        &[&["-p".into(), "compare".into()], &files[..]].concat(),
    );
    assert_eq!(
        user_blocks(&mock),
        vec![
            json!({"type": "text", "text": "compare"}),
            json!({"type": "document", "source": {"type": "file", "file_id": "report.pdf"}}),
            json!({"type": "container_upload", "file_id": "chart.png"}),
            json!({"type": "container_upload", "file_id": "data.csv"}),
        ]
    );
    let stderr = stderr_of(&out);
    assert!(stderr.contains("report.pdf → file_") && stderr.contains("(read by Claude)"));
}

#[test]
fn bad_attach_modes_and_skills_are_refused_before_anything_is_sent() {
    let mock = Mock::start(None);
    let dir = tempfile::tempdir().unwrap();
    let (_, _, csv) = files(dir.path());
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["-a".into(), format!("{}:raed", csv.display())],
            "unknown attach mode 'raed'",
        ),
        (
            vec!["-a".into(), format!("{}:read", csv.display())],
            "only PDFs and PNG, JPEG, GIF or WebP pictures can be read directly",
        ),
        (
            vec!["--skill".into(), "powerpoint".into()],
            "use xlsx, pptx, docx, pdf or a custom skill id",
        ),
    ];
    for (args, expected) in cases {
        let out = mock.clab().args(["-p", "hi"]).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr_of(&out).contains(expected), "{}", stderr_of(&out));
    }
    assert!(mock.requests().is_empty());
}

#[test]
fn a_pdf_over_the_document_limit_goes_to_the_container_with_a_notice() {
    let mock = Mock::start(None);
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("scan.pdf");
    let mut bytes = PDF.to_vec();
    bytes.resize(33 * 1024 * 1024, b' ');
    std::fs::write(&big, bytes).unwrap();
    let out = mock
        .clab()
        .args(["-p", "summarise"])
        .arg("-a")
        .arg(&big)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    assert!(
        stderr_of(&out).contains("scan.pdf is 33.0 MB, over the 32.0 MB a document block takes"),
        "{}",
        stderr_of(&out)
    );
    assert_eq!(
        user_blocks(&mock),
        vec![
            json!({"type": "text", "text": "summarise"}),
            json!({"type": "container_upload", "file_id": "scan.pdf"}),
        ]
    );
}

#[test]
fn skills_go_in_the_container_with_their_beta_and_stay_with_the_session() {
    let mock = Mock::start(None);
    let dir = tempfile::tempdir().unwrap();
    let (_, _, csv) = files(dir.path());
    let args = ["--json", "-p", "make a deck of this", "--skill", "pptx"].map(String::from);
    let out = turn(
        &mock,
        dir.path(),
        &[&args[..], &attach(&[(&csv, "")])].concat(),
    );
    let messages = mock.requests_to("POST", "/v1/messages");
    let first = json_body(&messages[0]);
    assert_eq!(
        first["container"],
        json!({"skills": [{"type": "anthropic", "skill_id": "pptx", "version": "latest"}]})
    );
    assert_eq!(
        betas(&mock),
        "files-api-2025-04-14,code-execution-2025-08-25,skills-2025-10-02,\
         context-management-2025-06-27"
    );
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result["skills"], json!(["pptx"]));
    let deck = result["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["filename"] == "data_report.pptx")
        .expect("the deck was downloaded");
    let saved = PathBuf::from(deck["path"].as_str().unwrap());
    let outline = clab::preview::office::pptx_outline(&std::fs::read(&saved).unwrap(), 100)
        .expect("a valid deck");
    assert!(!outline.is_empty());

    // Resumed, with one more skill: the container is reused and both skills are loaded.
    let container = result["container"]["id"].as_str().unwrap().to_string();
    turn(
        &mock,
        dir.path(),
        &["-p", "and a workbook", "--resume", "--skill", "xlsx"].map(String::from),
    );
    let messages = mock.requests_to("POST", "/v1/messages");
    assert_eq!(
        json_body(&messages[1])["container"],
        json!({
            "skills": [
                {"type": "anthropic", "skill_id": "pptx", "version": "latest"},
                {"type": "anthropic", "skill_id": "xlsx", "version": "latest"},
            ],
            "id": container,
        })
    );
    // The workbook it asked for was made, downloaded, and previews as tables.
    let workbook = dir.path().join("data_report.xlsx");
    let sheets = clab::preview::office::xlsx_sheets(&std::fs::read(&workbook).unwrap(), 10)
        .expect("a valid workbook");
    assert_eq!(sheets[0].name, "Summary");
    let out = mock.clab().arg("preview").arg(&workbook).output().unwrap();
    let printed = stdout_of(&out);
    assert!(printed.contains("sheet Summary"), "{printed}");
    assert!(printed.contains("tenure_months"), "{printed}");
    // And a third turn without --skill keeps both.
    turn(
        &mock,
        dir.path(),
        &["-p", "thanks", "--resume"].map(String::from),
    );
    let messages = mock.requests_to("POST", "/v1/messages");
    assert_eq!(
        json_body(&messages[2])["container"]["skills"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}
