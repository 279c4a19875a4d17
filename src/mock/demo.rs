//! The built-in demo answer: a simulated code-execution analysis of the user's CSV.
//!
//! Invariant: the demo is honest about the user's data. Every statistic it prints is
//! computed from the uploaded file ([`csv_stats`]), the chart it hands out is a real PNG of
//! that data ([`chart`]), and the closing text says that no model wrote the prose. Only
//! the Python shown in the tool inputs is illustrative: it is what a sandbox would run to
//! produce the same output.

use std::io::BufRead as _;

use chrono::Utc;
use serde_json::{Value, json};

use super::csv_stats::{self, Column, CsvSummary};
use super::server::Shared;
use super::sse::Disconnected;
use super::store::StoredFile;
use super::stream_writer::Turn;
use super::{chart, ids, report};

/// The request facts the demo script depends on.
pub struct DemoInput {
    pub question: String,
    /// The request offered `code_execution_20250522` (legacy Python-only shapes).
    pub legacy: bool,
    /// Files visible in the container, this turn's uploads first.
    pub files: Vec<StoredFile>,
    /// Files given to read directly (`document` and `image` blocks) in this turn.
    pub read: Vec<StoredFile>,
    /// Agent Skill ids loaded into the container.
    pub skills: Vec<String>,
}

/// Lines shown by the text editor's `view` of a non-CSV text file.
const VIEW_LINES: usize = 200;

const DEMO_NOTE: &str = "(This answer comes from clab's demo mode: the numbers and the chart are computed from your file, but no model wrote this text. Set an API key for a real analysis.)";

pub async fn run(turn: &mut Turn, state: &Shared, input: &DemoInput) -> Result<(), Disconnected> {
    if !input.read.is_empty() {
        turn.text(&read_note(&input.read)).await?;
    }
    if let Some(csv) = input.files.iter().find(|f| f.is_csv()) {
        let Some(summary) = analyse_csv(turn, state, input, csv).await? else {
            return Ok(());
        };
        if let Some(skill) = report::chosen(&input.skills, &input.question) {
            report::make(turn, state, csv, &summary, skill).await?;
        } else if !input.skills.is_empty() {
            turn.text(&format!(
                "The demo makes documents with the pptx and xlsx skills only; {} would need a real model.",
                input.skills.join(", ")
            ))
            .await?;
        }
        return turn.text(DEMO_NOTE).await;
    }
    if let Some(text) = input.files.iter().find(|f| is_text(f)) {
        return view_text(turn, input, text).await;
    }
    let seen = match input.files.first() {
        Some(f) => format!("I can see `{}` in the container, but this", f.filename),
        None => String::from("This"),
    };
    turn.text(&format!(
        "{seen} is clab's demo mode: there is no model behind it, and it answers by analysing a CSV file in a simulated code execution sandbox. Attach a CSV to see it work: headless, run `clab --demo -p \"What stands out in this data?\" -a data.csv`; in the TUI, press Ctrl-O to attach a file, then ask your question."
    ))
    .await
}

/// What the demo says about files it was given to read: it names them honestly, since it
/// cannot read a PDF or look at a picture the way a model does.
fn read_note(files: &[StoredFile]) -> String {
    let names: Vec<String> = files
        .iter()
        .map(|f| {
            let kind = if f.mime_type == "application/pdf" {
                "PDF"
            } else {
                "picture"
            };
            format!(
                "`{}` ({kind}, {} KB)",
                f.filename,
                f.size_bytes.div_ceil(1024)
            )
        })
        .collect();
    let (them, show) = if names.len() == 1 {
        ("it", "shows")
    } else {
        ("them", "show")
    };
    format!(
        "I was given {} to read directly. The demo has no model to read {them} with, so it only names {them} here; a real answer would describe what {them} {show}.",
        names.join(" and ")
    )
}

fn is_text(f: &StoredFile) -> bool {
    f.mime_type.starts_with("text/")
        || matches!(
            f.mime_type.as_str(),
            "application/json" | "application/xml" | "application/x-yaml"
        )
}

/// A Python string literal for `s`.
fn py_str(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// Runs `code` in the sandbox: bash heredoc (20250825) or the legacy Python tool.
pub(super) async fn run_python(
    turn: &mut Turn,
    legacy: bool,
    code: &str,
    stdout: &str,
    stderr: &str,
    outputs: &[String],
) -> Result<(), Disconnected> {
    let (name, input, result, result_kind, output_kind) = if legacy {
        let input = json!({"code": code});
        (
            "code_execution",
            input,
            "code_execution_tool_result",
            "code_execution_result",
            "code_execution_output",
        )
    } else {
        let input = json!({"command": format!("python3 - <<'EOF'\n{code}EOF")});
        (
            "bash_code_execution",
            input,
            "bash_code_execution_tool_result",
            "bash_code_execution_result",
            "bash_code_execution_output",
        )
    };
    let id = turn.tool_use(name, input).await?;
    turn.code_running().await?;
    let files: Vec<Value> = outputs
        .iter()
        .map(|f| json!({"type": output_kind, "file_id": f}))
        .collect();
    turn.result(json!({"type": result, "tool_use_id": id, "content": {
        "type": result_kind, "stdout": stdout, "stderr": stderr,
        "return_code": i32::from(!stderr.is_empty()), "content": files,
    }}))
    .await
}

fn summary_code(filename: &str) -> String {
    format!(
        "import os\nimport pandas as pd\n\npath = os.path.join(os.environ['INPUT_DIR'], {})\ndf = pd.read_csv(path{})\nprint(f\"Shape: {{df.shape[0]}} rows x {{df.shape[1]}} columns\")\nprint()\nprint(\"Column types:\")\nprint(df.dtypes.to_string())\nprint()\nprint(\"Summary of numeric columns:\")\nnum = df.select_dtypes('number')\nprint(num.describe().to_string() if not num.empty else \"No numeric columns.\")\nobj = df.select_dtypes('object')\nfor col in sorted(obj.columns, key=lambda c: obj[c].nunique())[:1]:\n    print()\n    print(f\"Most common values of '{{col}}':\")\n    print(df[col].value_counts().head().to_string())\n",
        py_str(filename),
        if filename.to_ascii_lowercase().ends_with(".tsv") {
            ", sep='\\t'"
        } else {
            ""
        },
    )
}

fn chart_code(filename: &str, column: &str, out_name: &str) -> String {
    format!(
        "import os\nimport pandas as pd\nimport matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n\ndf = pd.read_csv(os.path.join(os.environ['INPUT_DIR'], {}){})\ncol = {}\nfig, ax = plt.subplots(figsize=(8, 5), dpi=100)\nax.hist(df[col].dropna(), bins='sturges', color='#4C72B0', edgecolor='white')\nax.set_title(f'Distribution of {{col}}')\nax.set_xlabel(col)\nax.set_ylabel('Count')\nfig.tight_layout()\nout = os.path.join(os.environ['OUTPUT_DIR'], {})\nfig.savefig(out)\nprint(f'Saved {{out}}')\n",
        py_str(filename),
        if filename.to_ascii_lowercase().ends_with(".tsv") {
            ", sep='\\t'"
        } else {
            ""
        },
        py_str(column),
        py_str(out_name),
    )
}

/// Compact number: integers without decimals, otherwise at most two decimals.
pub(super) fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        let s = format!("{x:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn short_question(q: &str) -> String {
    let q = q.split_whitespace().collect::<Vec<_>>().join(" ");
    if q.chars().count() > 90 {
        format!("{}…", q.chars().take(90).collect::<String>())
    } else {
        q
    }
}

fn interpretation(
    file: &StoredFile,
    s: &CsvSummary,
    plot: Option<&Column>,
    question: &str,
) -> String {
    let names = |pred: fn(&Column) -> bool| {
        s.columns
            .iter()
            .filter(|c| pred(c))
            .map(|c| format!("`{}`", c.name))
            .collect::<Vec<_>>()
    };
    let numeric = names(|c| c.dtype.is_numeric());
    let text = names(|c| !c.dtype.is_numeric());
    let mut out = format!(
        "`{}` has {} rows and {} columns: {} numeric{} and {} non-numeric{}.",
        file.filename,
        s.rows,
        s.columns.len(),
        numeric.len(),
        if numeric.is_empty() {
            String::new()
        } else {
            format!(" ({})", numeric.join(", "))
        },
        text.len(),
        if text.is_empty() {
            String::new()
        } else {
            format!(" ({})", text.join(", "))
        },
    );
    if let Some((c, st)) = s.numeric().find_map(|c| c.stats.as_ref().map(|st| (c, st))) {
        out.push_str(&format!(
            " `{}` ranges from {} to {} with a mean of {} (median {}).",
            c.name,
            num(st.min),
            num(st.max),
            num(st.mean),
            num(st.q50)
        ));
    }
    if let Some(col) = s.text_column() {
        let (value, n) = &col.top[0];
        out.push_str(&format!(
            " The most common `{}` is \"{value}\" ({n} rows).",
            col.name
        ));
    }
    let q = short_question(question);
    let ask = if q.is_empty() {
        String::new()
    } else {
        format!("For your question (\"{q}\"), ")
    };
    match plot {
        Some(c) => out.push_str(&format!(
            "\n\n{ask}let me plot the distribution of `{}`, the numeric column with the widest relative spread.",
            c.name
        )),
        None => out.push_str(&format!("\n\n{ask}there is no numeric column to plot, so the summary above is the main result.")),
    }
    out
}

/// Summarizes and plots the CSV; returns its summary, or None after explaining why not (the
/// demo note included).
async fn analyse_csv(
    turn: &mut Turn,
    state: &Shared,
    input: &DemoInput,
    file: &StoredFile,
) -> Result<Option<CsvSummary>, Disconnected> {
    turn.text("I'll load the file and look at its structure first.")
        .await?;
    let path = file.path.clone();
    let summary = tokio::task::spawn_blocking(move || csv_stats::summarize(&path))
        .await
        .unwrap_or_else(|e| Err(anyhow::anyhow!("analysis task failed: {e}")));
    let code = summary_code(&file.filename);
    let summary = match summary {
        Ok(s) => s,
        Err(e) => {
            let stderr = format!("pandas.errors.ParserError: {e:#}\n");
            run_python(turn, input.legacy, &code, "", &stderr, &[]).await?;
            turn.text(&format!("I couldn't parse `{}` as CSV ({e:#}). Please check the file and attach it again.\n\n{DEMO_NOTE}", file.filename))
                .await?;
            return Ok(None);
        }
    };
    run_python(turn, input.legacy, &code, &summary.report(), "", &[]).await?;
    let plot = summary.chart_column().cloned();
    turn.text(&interpretation(
        file,
        &summary,
        plot.as_ref(),
        &input.question,
    ))
    .await?;
    let Some(column) = plot else {
        return Ok(Some(summary));
    };
    let slug: String = column
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let out_name = format!("{slug}_distribution.png");
    let code = chart_code(&file.filename, &column.name, &out_name);
    match render_chart(state, &column, &out_name).await {
        Ok(id) => {
            let stdout = format!("Saved /files/output/{}/{out_name}\n", ids::output_dir_hex());
            run_python(turn, input.legacy, &code, &stdout, "", &[id]).await?;
        }
        Err(e) => {
            run_python(turn, input.legacy, &code, "", &format!("{e:#}\n"), &[]).await?;
            turn.text(&format!("The chart could not be rendered ({e:#})."))
                .await?;
            return Ok(Some(summary));
        }
    }
    let st = column.stats.clone();
    let spread = st.map_or_else(String::new, |s| {
        format!(
            " Values run from {} to {}; half of the rows lie between {} and {}, around a median of {}.",
            num(s.min), num(s.max), num(s.q25), num(s.q75), num(s.q50)
        )
    });
    turn.text(&format!(
        "Here is the histogram of `{}`, saved as `{out_name}`.{spread}",
        column.name
    ))
    .await?;
    Ok(Some(summary))
}

/// Renders the histogram into the store as a generated, downloadable PNG; returns its id.
async fn render_chart(state: &Shared, column: &Column, out_name: &str) -> anyhow::Result<String> {
    let id = ids::file_id();
    let path = state.files.path_for(&id, ".png");
    let (name, values, target) = (column.name.clone(), column.values.clone(), path.clone());
    tokio::task::spawn_blocking(move || chart::render_histogram(&name, &values, &target)).await??;
    let size_bytes = tokio::fs::metadata(&path).await?.len();
    state.files.insert(StoredFile {
        id: id.clone(),
        filename: out_name.to_string(),
        mime_type: "image/png".to_string(),
        size_bytes,
        created_at: Utc::now(),
        downloadable: true,
        path,
    });
    Ok(id)
}

/// Reads the first [`VIEW_LINES`] lines and counts all of them.
fn head_lines(path: &std::path::Path) -> std::io::Result<(Vec<String>, usize)> {
    let mut head = Vec::new();
    let mut total = 0;
    let mut reader = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut buf = Vec::new();
    while reader.read_until(b'\n', &mut buf)? > 0 {
        if head.len() < VIEW_LINES {
            let line = String::from_utf8_lossy(&buf);
            head.push(line.trim_end_matches(['\n', '\r']).to_string());
        }
        total += 1;
        buf.clear();
    }
    Ok((head, total))
}

async fn view_text(
    turn: &mut Turn,
    input: &DemoInput,
    file: &StoredFile,
) -> Result<(), Disconnected> {
    turn.text(&format!("Let me look at `{}` first.", file.filename))
        .await?;
    let path = file.path.clone();
    let (head, total) = tokio::task::spawn_blocking(move || head_lines(&path))
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    let content = head.join("\n");
    if input.legacy {
        let code = format!(
            "import os\n\nwith open(os.path.join(os.environ['INPUT_DIR'], {})) as f:\n    print(''.join(f.readlines()[:{VIEW_LINES}]), end='')\n",
            py_str(&file.filename)
        );
        run_python(turn, true, &code, &format!("{content}\n"), "", &[]).await?;
    } else {
        let id = turn
            .tool_use(
                "text_editor_code_execution",
                json!({"command": "view", "path": format!("$INPUT_DIR/{}", file.filename)}),
            )
            .await?;
        turn.code_running().await?;
        turn.result(json!({"type": "text_editor_code_execution_tool_result", "tool_use_id": id,
            "content": {"type": "text_editor_code_execution_view_result", "file_type": "text",
                "content": content, "num_lines": head.len(), "start_line": 1, "total_lines": total}}))
            .await?;
    }
    turn.text(&format!(
        "`{}` is a text file with {total} lines{}. The demo analyses CSV files in depth: attach a `.csv` (headless: `-a data.csv`; in the TUI: Ctrl-O) to get statistics and a chart.\n\n{DEMO_NOTE}",
        file.filename,
        if total > head.len() { format!(" (the first {} are shown above)", head.len()) } else { String::new() },
    ))
    .await
}
