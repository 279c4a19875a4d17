//! The demo's answer to a request that loads an Agent Skill: a real PowerPoint deck or Excel
//! workbook made from the summary of the user's CSV, handed out as a generated file.
//!
//! Invariant: like the rest of the demo, every number in the document is computed from the
//! uploaded file, and the document says that no model wrote it. The Python shown in the tool
//! input is illustrative (what a sandbox with the skill would run); the file itself is written
//! by [`super::office`].

use chrono::Utc;
use serde_json::json;

use super::csv_stats::{Column, CsvSummary};
use super::demo::{num, run_python};
use super::ids;
use super::office::{self, Slide};
use super::server::Shared;
use super::sse::Disconnected;
use super::store::StoredFile;
use super::stream_writer::Turn;

/// The Anthropic skills the demo can make a document for.
const MADE: [(&str, &str, &str); 2] = [
    (
        "pptx",
        "a PowerPoint deck",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    (
        "xlsx",
        "an Excel workbook",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
];

/// The loaded skill the demo makes a document with: the one the question asks for (a deck,
/// a workbook), else the first loaded that it can make.
pub fn chosen(
    skills: &[String],
    question: &str,
) -> Option<&'static (&'static str, &'static str, &'static str)> {
    let q = question.to_lowercase();
    let asked = |id: &str| match id {
        "pptx" => ["deck", "slide", "presentation", "powerpoint", "pptx"]
            .iter()
            .any(|w| q.contains(w)),
        _ => ["workbook", "spreadsheet", "excel", "xlsx", "sheet"]
            .iter()
            .any(|w| q.contains(w)),
    };
    let loaded = |id: &&(&str, &str, &str)| skills.iter().any(|s| s == id.0);
    MADE.iter()
        .filter(loaded)
        .find(|(id, _, _)| asked(id))
        .or_else(|| {
            skills
                .iter()
                .find_map(|s| MADE.iter().find(|(id, _, _)| id == s))
        })
}

/// Streams the steps that make the document and stores it as a downloadable file.
pub async fn make(
    turn: &mut Turn,
    state: &Shared,
    file: &StoredFile,
    summary: &CsvSummary,
    skill: &(&str, &str, &str),
) -> Result<(), Disconnected> {
    let (id, what, mime) = *skill;
    let stem: String = file
        .filename
        .rsplit_once('.')
        .map_or(file.filename.as_str(), |(stem, _)| stem)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let out_name = format!("{stem}_report.{id}");
    turn.text(&format!(
        "Now {what} of these findings, with the `{id}` skill loaded in the container."
    ))
    .await?;
    let view = turn
        .tool_use(
            "text_editor_code_execution",
            json!({"command": "view", "path": format!("/skills/{id}/SKILL.md")}),
        )
        .await?;
    turn.code_running().await?;
    let note = format!(
        "(clab's demo has no skill files; a real container holds Anthropic's {id} skill here.)"
    );
    turn.result(
        json!({"type": "text_editor_code_execution_tool_result", "tool_use_id": view,
        "content": {"type": "text_editor_code_execution_view_result", "file_type": "text",
            "content": note, "num_lines": 1, "start_line": 1, "total_lines": 1}}),
    )
    .await?;
    let bytes = if id == "pptx" {
        let (title, subtitle, slides) = deck(file, summary);
        office::pptx(&title, &subtitle, &slides)
    } else {
        office::xlsx(&workbook(summary))
    };
    let stored = store(state, &out_name, mime, bytes).await;
    let code = format!(
        "# Following /skills/{id}/SKILL.md: build the document from the summary above\nimport os\nout = os.path.join(os.environ['OUTPUT_DIR'], '{out_name}')\nbuild_report('{}', out)\nprint(f'Saved {{out}}')\n",
        file.filename.replace('\\', "\\\\").replace('\'', "\\'")
    );
    match stored {
        Ok((file_id, size)) => {
            let stdout = format!("Saved /files/output/{}/{out_name}\n", ids::output_dir_hex());
            run_python(turn, false, &code, &stdout, "", &[file_id]).await?;
            turn.text(&format!(
                "`{out_name}` is ready ({} KB): download it from the files panel or find it in the download directory.",
                size.div_ceil(1024)
            ))
            .await
        }
        Err(e) => {
            run_python(turn, false, &code, "", &format!("{e:#}\n"), &[]).await?;
            turn.text(&format!("The document could not be written ({e:#})."))
                .await
        }
    }
}

/// Title, subtitle and slides of the deck.
fn deck(file: &StoredFile, s: &CsvSummary) -> (String, String, Vec<Slide>) {
    let mut slides = vec![Slide {
        title: "The data".into(),
        bullets: s
            .columns
            .iter()
            .map(|c| format!("{} ({})", c.name, c.dtype.as_str()))
            .collect(),
    }];
    slides.extend(s.numeric().filter_map(numeric_slide).take(4));
    if let Some(col) = s.text_column() {
        slides.push(Slide {
            title: format!("Most common {}", col.name),
            bullets: col
                .top
                .iter()
                .take(6)
                .map(|(value, n)| format!("{value}: {n} rows"))
                .collect(),
        });
    }
    slides.push(Slide {
        title: "About this deck".into(),
        bullets: vec![
            "Every number is computed from the uploaded file.".into(),
            "Made by clab's demo mode: no model wrote this text.".into(),
        ],
    });
    (
        format!("{}: a first look", file.filename),
        format!("{} rows, {} columns", s.rows, s.columns.len()),
        slides,
    )
}

fn numeric_slide(c: &Column) -> Option<Slide> {
    let st = c.stats.as_ref()?;
    Some(Slide {
        title: c.name.clone(),
        bullets: vec![
            format!("From {} to {}", num(st.min), num(st.max)),
            format!("Mean {}, median {}", num(st.mean), num(st.q50)),
            format!(
                "Half of the rows between {} and {}",
                num(st.q25),
                num(st.q75)
            ),
        ],
    })
}

/// The workbook's sheets: one row per column with its statistics, and the top values.
fn workbook(s: &CsvSummary) -> Vec<(&'static str, Vec<Vec<String>>)> {
    let header = ["column", "type", "count", "min", "median", "mean", "max"];
    let mut summary = vec![header.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
    for c in &s.columns {
        let mut row = vec![c.name.clone(), c.dtype.as_str().to_string()];
        match &c.stats {
            Some(st) => row.extend(
                [st.count as f64, st.min, st.q50, st.mean, st.max]
                    .iter()
                    .map(|x| num(*x)),
            ),
            None => row.extend(std::iter::repeat_n(String::new(), 5)),
        }
        summary.push(row);
    }
    let mut sheets = vec![("Summary", summary)];
    if let Some(col) = s.text_column() {
        let mut top = vec![vec![col.name.clone(), "rows".to_string()]];
        top.extend(col.top.iter().map(|(v, n)| vec![v.clone(), n.to_string()]));
        sheets.push(("Top values", top));
    }
    sheets
}

/// Stores `bytes` as a generated, downloadable file; returns its id and size.
async fn store(
    state: &Shared,
    name: &str,
    mime: &str,
    bytes: Vec<u8>,
) -> anyhow::Result<(String, u64)> {
    let id = ids::file_id();
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    let path = state.files.path_for(&id, &format!(".{ext}"));
    tokio::fs::write(&path, &bytes).await?;
    state.files.insert(StoredFile {
        id: id.clone(),
        filename: name.to_string(),
        mime_type: mime.to_string(),
        size_bytes: bytes.len() as u64,
        created_at: Utc::now(),
        downloadable: true,
        path,
    });
    Ok((id, bytes.len() as u64))
}
