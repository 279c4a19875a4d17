//! Running the turn: printing it as it streams and checkpointing it into the session.
//!
//! Invariant: the answer in progress is written to the store as a partial (`Cut`) message at
//! every block boundary and at most every [`CHECKPOINT_EVERY`] while text streams, so a killed
//! process loses at most that much; the final state is written by the caller when the turn ends.
//! Printing stops at the first failed write to stdout (its reader went away); the turn goes on,
//! and [`Stdout`] keeps the failure for the caller.

use super::print::Printer;
use crate::api::accumulator::Update;
use crate::api::request::TurnRequest;
use crate::context::Context;
use crate::output::Stdout;
use crate::session::actor::SessionManager;
use crate::turn::{self, TurnResult};
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

pub const CHECKPOINT_EVERY: Duration = Duration::from_millis(500);

/// Where the answer in progress is recorded.
pub struct Checkpoint<'a> {
    pub sessions: &'a SessionManager,
    pub session_id: &'a str,
    pub seq: i64,
}

pub async fn stream_turn(
    ctx: &Context,
    request: &TurnRequest,
    record: &Checkpoint<'_>,
    out: &mut Stdout,
) -> TurnResult {
    let mut printer = (!ctx.json).then(|| Printer::new(out));
    let mut printing = true;
    let mut last_checkpoint = Instant::now();
    let never = CancellationToken::new();
    let result = turn::run(&ctx.client, request, &never, |acc, update| {
        if let (Some(p), true) = (printer.as_mut(), printing) {
            printing = p.update(acc, update).is_ok();
        }
        let due = match update {
            Update::BlockStarted(_) | Update::BlockStopped(_) => true,
            Update::Settled => last_checkpoint.elapsed() >= CHECKPOINT_EVERY,
            _ => false,
        };
        if due {
            record.sessions.checkpoint(
                record.session_id,
                record.seq,
                acc.content_json(),
                acc.usage(),
            );
            last_checkpoint = Instant::now();
        }
    })
    .await;
    if let (Some(p), true) = (printer.as_mut(), printing) {
        // A failure is kept by `out` for the caller.
        let _ = p.finish();
    }
    result
}
