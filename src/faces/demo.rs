//! `clab --demo` without a prompt: a guided headless turn over a bundled sample CSV.
//!
//! Invariant: it runs entirely offline against the in-process mock and writes only to the
//! data directory's `demo/` folder (owner-only), the same one every run, so trying clab never
//! litters the current directory or leaves a folder per run in /tmp.

use crate::domain::attachment::AttachArg;
use crate::faces::cli::Cli;
use crate::faces::error::CliError;
use crate::faces::output;
use std::path::PathBuf;

const SAMPLE_CSV: &[u8] = include_bytes!("../../assets/demo/customers.csv");
const PROMPT: &str = "What drives churn in this customer data? Plot it.";

/// The bundled sample data, written to `demo/` in the data directory (a temporary directory
/// that is kept when there is no data directory).
pub fn write_sample() -> Result<PathBuf, CliError> {
    let cannot =
        |e: std::io::Error| CliError::Failed(format!("cannot create a demo directory: {e}"));
    let dir = match crate::paths::data_dir() {
        Some(data) => {
            let dir = data.join("demo");
            crate::private::dir(&dir).map_err(cannot)?;
            dir
        }
        None => crate::private::temp_dir("clab-demo-")
            .map_err(cannot)?
            .keep(),
    };
    let csv = dir.join("customers.csv");
    std::fs::write(&csv, SAMPLE_CSV)
        .map_err(|e| CliError::Failed(format!("cannot write the sample data: {e}")))?;
    Ok(csv)
}

pub async fn run(cli: &Cli) -> Result<(), CliError> {
    let csv = write_sample()?;
    let dir = csv.parent().map(PathBuf::from).unwrap_or_default();
    output::note(&format!(
        "clab: DEMO — offline, no API key needed. Sample data: {}",
        csv.display()
    ));
    output::note(&format!("clab: asking: {PROMPT}\n"));
    let mut demo = Cli {
        command: None,
        prompt: Some(PROMPT.to_string()),
        attach: vec![AttachArg {
            path: csv,
            mode: None,
        }],
        skills: cli.skills.clone(),
        compact: false,
        download_dir: Some(dir.clone()),
        resume: None,
        common: cli.common.clone(),
    };
    demo.common.demo = true;
    crate::faces::headless::run(&demo, PROMPT).await?;
    output::note(
        "\nclab: try your own data: clab --demo -p \"what drives churn?\" -a your.csv\n\
         clab: with a key: export ANTHROPIC_API_KEY=sk-ant-... && clab -p \"...\" -a your.csv",
    );
    Ok(())
}
