//! Showing the turn on stdout as the engine runs it.
//!
//! Invariant: this face only prints; the turn, its checkpoints and its stored outcome are the
//! engine's ([`crate::turn::engine`]). Printing stops at the first failed write to stdout (its
//! reader went away); the turn goes on, and [`Stdout`] keeps the failure for the caller.

use super::print::Printer;
use crate::faces::context::Context;
use crate::faces::error::CliError;
use crate::faces::output::{self, Stdout};
use crate::session::actor::SessionManager;
use crate::turn::engine::{Progress, TurnOutcome, TurnPlan, run_turn};
use tokio_util::sync::CancellationToken;

pub async fn stream_turn(
    ctx: &Context,
    sessions: &SessionManager,
    plan: TurnPlan,
    out: &mut Stdout,
) -> Result<TurnOutcome, CliError> {
    let mut printer = (!ctx.json).then(|| Printer::new(out));
    let mut printing = true;
    let never = CancellationToken::new();
    let outcome = run_turn(
        &ctx.client,
        sessions,
        plan,
        &never,
        |progress| match progress {
            Progress::Reattached { notice, .. } | Progress::Note(notice) => {
                output::note(&format!("clab: {notice}"))
            }
            Progress::Started => {}
            Progress::Streamed { acc, update, .. } => {
                if let (Some(p), true) = (printer.as_mut(), printing) {
                    printing = p.update(acc, update).is_ok();
                }
            }
        },
    )
    .await?;
    if let (Some(p), true) = (printer.as_mut(), printing) {
        // A failure is kept by `out` for the caller.
        let _ = p.finish();
    }
    Ok(outcome)
}
