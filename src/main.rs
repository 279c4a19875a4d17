//! The clab binary: parse the command line, run the command, map its error to an exit code.
//!
//! Invariant: every failure leaves through one place, which prints `clab: <message>` on stderr
//! and exits with [`CliError::exit_code`] (2 usage, 1 API or I/O), as the command line contract
//! promises. This build wires `clab files` and `clab mock`; the other faces are added beside them.

use clab::cli::{Cli, Command};
use clab::context::Context;
use clab::error::CliError;
use clab::mock::Pace;
use clap::Parser;

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    if let Err(err) = run(cli).await {
        eprintln!("clab: {err}");
        std::process::exit(err.exit_code());
    }
}

async fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Some(Command::Files { command }) => {
            let ctx = Context::connect(&cli.common).await?;
            clab::files_cmd::run(&ctx, command).await
        }
        Some(Command::Mock(args)) => {
            let pace = if args.fast {
                Pace::Fast
            } else {
                Pace::Realistic
            };
            clab::mock::run_foreground(args.port, args.scenario.as_deref(), pace)
                .await
                .map_err(|e| CliError::Failed(format!("{e:#}")))
        }
        None => Err(CliError::Usage(
            "this build runs `clab files` and `clab mock` only; see clab --help".to_string(),
        )),
    }
}
