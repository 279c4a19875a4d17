//! The `clab` binary: parse the command line, run the command, map failures to exit codes.

use clab::faces::cli::{Cli, Command};
use clab::faces::context::Context;
use clab::faces::error::CliError;
use clab::faces::{files, headless, output, sessions, workbench};
use clab::{logging, mock, paths, private};
use clap::Parser;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    one_malloc_arena();
    let cli = Cli::parse();
    let tightened = secure_data_dir();
    logging::init();
    report_tightened(tightened, runs_the_workbench(&cli));
    // One thread: a command is one sequential conversation with the API, and a single thread
    // keeps every stream chunk off cross-thread wake-ups (file reads use the blocking pool).
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            output::note(&format!("clab: cannot start the async runtime: {e}"));
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err}");
            output::note(&format!("clab: {err}"));
            ExitCode::from(err.exit_code() as u8)
        }
    }
}

/// One malloc arena for the process (glibc). By default every thread that allocates gets an
/// arena of its own, and each keeps its freed memory apart: the session store's thread and the
/// blocking pool cost a headless run about 0.3 MiB at its peak. clab's threads rarely
/// allocate at the same moment, so sharing one lock costs nothing measurable.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn one_malloc_arena() {
    // SAFETY: mallopt only tunes the allocator, and no other thread exists yet.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn one_malloc_arena() {}

/// Makes the data directory and its stores private; `None` without a data directory.
fn secure_data_dir() -> Option<std::io::Result<Vec<PathBuf>>> {
    paths::data_dir().map(|dir| private::secure_data_dir(&dir))
}

/// Says once, in the log and (unless the workbench is about to take the terminal) on stderr,
/// which stored files an older clab had left readable by other users, or why it could not
/// check.
fn report_tightened(secured: Option<std::io::Result<Vec<PathBuf>>>, workbench: bool) {
    let lines = match secured {
        None => return,
        Some(Ok(paths)) => paths
            .iter()
            .map(|path| {
                format!(
                    "made {} private (owner only); it was readable by other users",
                    path.display()
                )
            })
            .collect(),
        Some(Err(e)) => vec![format!("cannot make the data directory private: {e}")],
    };
    for line in lines {
        tracing::warn!("{line}");
        if !workbench {
            output::note(&format!("clab: {line}"));
        }
    }
}

/// Whether this run draws the workbench, which must not print outside it (see `workbench::launch`).
fn runs_the_workbench(cli: &Cli) -> bool {
    cli.command.is_none()
        && cli.prompt.is_none()
        && std::io::stdout().is_terminal()
        && std::io::stdin().is_terminal()
}

async fn dispatch(mut cli: Cli) -> Result<(), CliError> {
    match (cli.command.take(), &cli.prompt) {
        (Some(Command::Files { command }), _) => {
            let ctx = Context::connect(&cli.common).await?;
            files::run(&ctx, command).await
        }
        // Short local reads and writes: run synchronously, nothing else is on this runtime.
        (Some(Command::Sessions { command }), _) => {
            sessions::run(command, cli.common.json, cli.common.demo)
        }
        (Some(Command::Mock(args)), _) => {
            let pace = if args.fast {
                mock::Pace::Fast
            } else {
                mock::Pace::Realistic
            };
            // A reader that went away (`clab mock | head -1`) does not stop the server.
            let announce = |url: &str| {
                let mut out = output::Stdout::new();
                out.line(&format!("clab mock API listening on {url}"));
                out.finish()
            };
            mock::run_foreground(args.port, args.scenario.as_deref(), pace, announce)
                .await
                .map_err(|e| CliError::Failed(format!("{e:#}")))
        }
        (Some(Command::Preview { path }), _) => files::preview_local(&path).await,
        (None, Some(prompt)) => headless::run(&cli, prompt).await,
        (None, None) => workbench::launch(&cli).await,
    }
}
