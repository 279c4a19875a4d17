//! The command line, as the design's contract gives it.
//!
//! Invariant: parsing has no side effects; `main` turns a parsed [`Cli`] into work. Usage errors
//! exit with 2 (clap's own errors do too), API and I/O errors with 1. The API key is never an
//! argument: it would show in `ps` and shell history.

use crate::domain::attachment::{AttachArg, parse_attach_arg};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

const AFTER_HELP: &str = "\
Examples:
  clab                                               the workbench (F1 inside lists the keys)
  clab --demo                                        the workbench on an offline demo, no key
  clab --resume                                      continue the last session
  clab --demo -p \"what drives churn?\" -a sales.csv   offline demo, no key needed
  clab -p \"summarise this\" -a report.csv --download-dir out/
  clab files list
  clab files download file_011CUJascj5v5AsQ2KybX48e -o chart.png
  clab sessions export ses_4f --format ipynb -o churn.ipynb

The API key is read from ANTHROPIC_API_KEY or from the config's api_key_command, never
from the command line. Exit codes: 0 ok, 1 API or I/O error, 2 usage error.";

#[derive(Debug, Parser)]
#[command(
    name = "clab",
    version,
    about = "A terminal workbench for exploring data with Claude",
    long_about = "A terminal workbench for exploring data with Claude: attach files, let Claude run \
                  code over them in Anthropic's sandboxed container, and download what it makes.",
    after_help = AFTER_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Run one turn headless: send PROMPT, stream the answer to stdout, download outputs
    #[arg(short = 'p', long = "print", value_name = "PROMPT")]
    pub prompt: Option<String>,

    /// Attach a file to the turn (uploaded through the Files API; repeatable). PDFs and
    /// PNG/JPEG/GIF/WebP pictures are read by Claude directly and also put in the code
    /// container; other files go only in the container. A suffix chooses: FILE:container,
    /// FILE:read or FILE:both
    #[arg(
        short = 'a',
        long = "attach",
        value_name = "FILE[:MODE]",
        requires = "prompt",
        value_parser = parse_attach_arg
    )]
    pub attach: Vec<AttachArg>,

    /// Load an Agent Skill into the container (repeatable): xlsx, pptx, docx, pdf, or a custom
    /// skill id (skill_…). Kept with the session, so --resume keeps it
    #[arg(long = "skill", value_name = "NAME", value_parser = crate::domain::skills::parse)]
    pub skills: Vec<String>,

    /// Continue a session: the latest, or the one whose id starts with ID
    #[arg(long, value_name = "ID", num_args = 0..=1, default_missing_value = "")]
    pub resume: Option<String>,

    /// With -p --resume: ask the API to compact the conversation (or clear old code runs) on
    /// this turn, whatever the context_management trigger says
    #[arg(long, requires_all = ["prompt", "resume"])]
    pub compact: bool,

    /// Where generated files are saved, headless or in the workbench (default: the config's download_dir, else the current directory)
    #[arg(long, value_name = "DIR")]
    pub download_dir: Option<PathBuf>,

    #[command(flatten)]
    pub common: CommonArgs,
}

/// Options every command understands.
#[derive(Debug, Args, Clone, Default)]
pub struct CommonArgs {
    /// Print one JSON object instead of human-readable output
    #[arg(long, global = true)]
    pub json: bool,

    /// Model for turns, with -p or in the workbench (default: the config's model)
    #[arg(long, global = true, value_name = "NAME")]
    pub model: Option<String>,

    /// API base URL
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "ANTHROPIC_BASE_URL",
        hide_env_values = true
    )]
    pub base_url: Option<String>,

    /// Config file (default: config.toml in the clab config directory)
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Use the embedded offline mock API instead of Anthropic's (no key needed)
    #[arg(long, global = true)]
    pub demo: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Manage files in the Files API
    Files {
        #[command(subcommand)]
        command: FilesCommand,
    },
    /// Browse, search, export and delete saved sessions
    Sessions {
        #[command(subcommand)]
        command: SessionsCommand,
    },
    /// Run the mock Anthropic API server in the foreground (for tests and offline use)
    Mock(MockArgs),
    /// Print a preview of a local file: a picture in coloured half-blocks, a table's first
    /// rows with column types, a workbook's sheets, a deck's or document's outline, a PDF's
    /// page count and first page, a text's first lines
    Preview {
        #[arg(value_name = "PATH")]
        path: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum FilesCommand {
    /// List every file (all pages)
    List,
    /// Show one file's metadata
    Info { id: String },
    /// Upload files (at most 500 MB each)
    Upload {
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
    },
    /// Download a generated file
    Download {
        id: String,
        /// Destination file or directory (default: the file's own name in the current directory)
        #[arg(short = 'o', long = "output", value_name = "PATH")]
        output: Option<PathBuf>,
        /// Then print a preview: a picture in coloured half-blocks, a table's first rows, a
        /// workbook's sheets, a deck's or document's outline, a text's first lines (not with
        /// --json)
        #[arg(long)]
        preview: bool,
    },
    /// Delete files
    Delete {
        #[arg(required = true, value_name = "ID")]
        ids: Vec<String>,
    },
}

/// Session ids may be given as any unique prefix.
#[derive(Debug, Subcommand)]
pub enum SessionsCommand {
    /// List sessions, most recently updated first
    List,
    /// Show a session's conversation
    Show {
        /// The session's id, or a unique prefix of it
        id: String,
    },
    /// Find messages containing every word of QUERY (text, code and output)
    Search {
        #[arg(required = true, num_args = 1.., value_name = "QUERY")]
        query: Vec<String>,
    },
    /// Rename a session
    Rename {
        /// The session's id, or a unique prefix of it
        id: String,
        /// The new name
        name: String,
    },
    /// Export a session as Markdown or as a Jupyter notebook
    Export {
        /// The session's id, or a unique prefix of it
        id: String,
        /// Markdown, or a notebook that re-runs the code
        #[arg(long, value_enum, default_value_t = ExportFormat::Md)]
        format: ExportFormat,
        /// Write to PATH (never overwriting) instead of stdout
        #[arg(short = 'o', long = "output", value_name = "PATH")]
        output: Option<PathBuf>,
    },
    /// Delete a session and everything stored with it
    Delete {
        /// The session's id, or a unique prefix of it
        id: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Md,
    Ipynb,
}

#[derive(Debug, Args)]
pub struct MockArgs {
    /// Port to listen on (0 picks a free one)
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// A JSON scenario that scripts responses (see README)
    #[arg(long, value_name = "FILE")]
    pub scenario: Option<PathBuf>,
    /// Answer without the demo's human-like pauses
    #[arg(long)]
    pub fast: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn attachments_need_a_prompt() {
        assert!(Cli::try_parse_from(["clab", "-a", "x.csv"]).is_err());
        let cli = Cli::try_parse_from(["clab", "-p", "hi", "-a", "x.csv", "-a", "y.csv"]).unwrap();
        assert_eq!(cli.attach.len(), 2);
    }

    #[test]
    fn sessions_export_defaults_to_markdown() {
        let cli = Cli::try_parse_from(["clab", "sessions", "export", "ses_1"]).unwrap();
        let Some(Command::Sessions {
            command: SessionsCommand::Export { format, output, .. },
        }) = cli.command
        else {
            panic!("not an export: {cli:?}");
        };
        assert_eq!((format, output), (ExportFormat::Md, None));
    }

    #[test]
    fn common_flags_work_after_subcommands() {
        let cli = Cli::try_parse_from(["clab", "files", "list", "--json"]).unwrap();
        assert!(cli.common.json);
    }
}
