//! The notebook export against the official nbformat v4.5 schema and a real PNG on disk.

use super::to_notebook;
use crate::domain::fixture::sample_session;
use serde_json::Value;
use std::path::Path;

fn schema() -> Value {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/nbformat.v4.5.schema.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn source(cell: &Value) -> String {
    cell["source"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect()
}

fn code_cell<'a>(notebook: &'a Value, first_line: &str) -> &'a Value {
    notebook["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["cell_type"] == "code" && source(c).starts_with(first_line))
        .unwrap_or_else(|| panic!("no code cell starting {first_line:?}"))
}

#[test]
fn notebook_validates_and_has_magics_outputs_and_an_embedded_png() {
    let dir = tempfile::TempDir::new().unwrap();
    let chart = dir.path().join("chart.png");
    let png = b"\x89PNG\r\n\x1a\nnot really an image";
    std::fs::write(&chart, png).unwrap();
    let notebook = to_notebook(&sample_session(&chart));

    let validator = jsonschema::validator_for(&schema()).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&notebook)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{notebook:#}");

    let cells = notebook["cells"].as_array().unwrap();
    let mut ids: Vec<&str> = cells.iter().map(|c| c["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), cells.len(), "cell ids are unique");
    assert_eq!(
        source(&cells[2]),
        "**You:** what drives churn?\n\n*Attached: `sales.csv`*"
    );
    // First the sandbox's setup: INPUT_DIR with the upload in it, and OUTPUT_DIR.
    let setup = source(&cells[1]);
    assert!(setup.contains("os.environ[\"INPUT_DIR\"]"), "{setup}");
    assert!(setup.contains("os.environ[\"OUTPUT_DIR\"]"), "{setup}");
    assert!(
        setup.contains("for upload in [\"sales.csv\", \"brief.pdf\"]:"),
        "{setup}"
    );
    let compiled = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys; compile(sys.stdin.read(), 'setup', 'exec')",
        ])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(setup.as_bytes())?;
            child.wait()
        });
    if let Ok(status) = compiled {
        assert!(
            status.success(),
            "the setup cell is not valid Python:\n{setup}"
        );
    }

    let wc = code_cell(&notebook, "%%bash\nwc -l sales.csv");
    assert_eq!(wc["outputs"][0]["name"], "stdout");
    assert_eq!(wc["outputs"][0]["text"][0], "42 sales.csv\n");
    assert_eq!(
        source(code_cell(&notebook, "print(df.head())")),
        "print(df.head())"
    );
    let failing = code_cell(&notebook, "%%bash\npython3 bad.py");
    assert_eq!(failing["outputs"][0]["name"], "stderr");
    assert_eq!(
        failing["outputs"][0]["text"],
        serde_json::json!(["boom\n", "exit code 2\n"])
    );
    let create = code_cell(&notebook, "%%writefile /tmp/out.csv\n");
    assert_eq!(source(create), "%%writefile /tmp/out.csv\na,b");

    let plot = code_cell(&notebook, "%%bash\npython3 plot.py");
    let image = &plot["outputs"][1];
    assert_eq!(image["output_type"], "display_data");
    let encoded = image["data"]["image/png"].as_str().unwrap();
    use base64::Engine;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .unwrap();
    assert_eq!(decoded, png);
    assert_eq!(
        plot["outputs"][2]["data"]["text/plain"][0],
        "output file: file_unknown (not downloaded)"
    );

    let text = notebook.to_string();
    assert!(
        text.contains("*Viewed `/tmp/out.csv`*"),
        "views are described in markdown"
    );
    assert!(
        !text.contains("secret reasoning"),
        "thinking is not exported"
    );
    assert_eq!(source(cells.last().unwrap()), "*(answer cut off)*");
}

#[test]
fn a_missing_png_is_named_not_embedded() {
    let notebook = to_notebook(&sample_session(Path::new("/nonexistent/chart.png")));
    let plot = code_cell(&notebook, "%%bash\npython3 plot.py");
    assert!(plot["outputs"][1]["data"].get("image/png").is_none());
    assert_eq!(
        plot["outputs"][1]["data"]["text/plain"][0],
        "output file: chart.png (/nonexistent/chart.png)"
    );
}
