//! One conversation turn against the API: streaming its request, and `pause_turn`
//! continuation.
//!
//! Invariant: a turn is one answer to the user however many requests it takes. When the API
//! stops with `pause_turn`, the conversation is sent back with the assistant content so far
//! (and the container it runs in) and the new blocks are appended, up to `max_continuations`.
//! Whatever arrived before an error is kept in the returned accumulator.

pub mod engine;

use crate::api::accumulator::{Accumulator, Update};
use crate::api::stream;
use crate::api::{ApiError, Client};
use crate::domain::request::TurnRequest;
use tokio_util::sync::CancellationToken;

pub struct TurnResult {
    pub acc: Accumulator,
    pub error: Option<ApiError>,
    pub continuations: u32,
    /// The caller stopped the turn; `acc` holds what arrived until then.
    pub cancelled: bool,
}

/// Runs the turn, calling `on_update` for every change as it streams, until it ends or
/// `cancel` fires (then the request is dropped, which closes the connection).
pub async fn run(
    client: &Client,
    request: &TurnRequest,
    cancel: &CancellationToken,
    mut on_update: impl FnMut(&Accumulator, &Update),
) -> TurnResult {
    let betas = request.betas();
    let mut acc = Accumulator::new();
    let mut continuations = 0;
    loop {
        let so_far = (continuations > 0).then(|| acc.content());
        let container = acc.container.as_ref().map(|c| c.id.clone());
        let body = request.body(so_far, container.as_deref());
        let opened = tokio::select! {
            opened = stream::open(client, &body, &betas) => opened,
            () = cancel.cancelled() => return cancelled(acc, continuations),
        };
        let mut events = match opened {
            Ok(events) => events,
            Err(error) => return finish(acc, Some(error), continuations),
        };
        loop {
            let item = tokio::select! {
                item = events.next() => item,
                () = cancel.cancelled() => return cancelled(acc, continuations),
            };
            let Some(item) = item else { break };
            match item {
                Ok(event) => {
                    let update = match acc.apply(event) {
                        Ok(update) => update,
                        Err(violation) => {
                            let error = ApiError::Protocol(violation.to_string());
                            return finish(acc, Some(error), continuations);
                        }
                    };
                    if let Update::Skipped(why) = &update {
                        tracing::warn!("skipped a stream event: {why}");
                    }
                    on_update(&acc, &update);
                    if events.is_settled() {
                        on_update(&acc, &Update::Settled);
                    }
                }
                Err(error) => return finish(acc, Some(error), continuations),
            }
        }
        if let Some((error_type, message, request_id)) = &acc.error {
            let request_id = request_id.as_deref().or(events.request_id());
            let error = ApiError::stream(error_type, message, request_id);
            return finish(acc, Some(error), continuations);
        }
        if acc.stop_reason.as_deref() == Some("pause_turn")
            && continuations < request.max_continuations
        {
            continuations += 1;
            acc.begin_continuation();
            continue;
        }
        return finish(acc, None, continuations);
    }
}

fn finish(acc: Accumulator, error: Option<ApiError>, continuations: u32) -> TurnResult {
    TurnResult {
        acc,
        error,
        continuations,
        cancelled: false,
    }
}

fn cancelled(acc: Accumulator, continuations: u32) -> TurnResult {
    TurnResult {
        cancelled: true,
        ..finish(acc, None, continuations)
    }
}
