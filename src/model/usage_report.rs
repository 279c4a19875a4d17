//! What the session has cost so far, turn by turn and in total: the figures behind the usage
//! view and the status bar's estimate.
//!
//! Invariant: one function computes them, from the model alone (turn usage and times, the
//! session's usage and the price table), so the view and the status bar always agree. A turn's
//! estimate is its tokens plus its own container time; the session's container time merges
//! turns that shared the container (see [`crate::domain::container`]), so the total can be less
//! than the sum of the rows.

use super::state::Model;
use crate::domain::container::{session_time, turn_time};
use crate::domain::usage::Usage;
use chrono::TimeDelta;

/// One row of the usage table.
#[derive(Debug, Clone, PartialEq)]
pub struct TurnCost {
    /// 1 for the first turn of the session.
    pub number: usize,
    pub usage: Usage,
    /// Zero for a turn that ran no code.
    pub container: TimeDelta,
    pub usd: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub turns: Vec<TurnCost>,
    /// The session's tokens, as stored with the session.
    pub usage: Usage,
    pub container: TimeDelta,
    pub usd: f64,
    /// What the prompt cache saved against sending every prompt uncached.
    pub saved_usd: f64,
    /// What context management did in this run, a line each (see `domain::context::Report`).
    pub context: Vec<String>,
}

/// Lines of the usage overlay that are not turn rows: two borders, the header, the total row,
/// a blank line, two lines of rates, one of context management and four of notes. The view
/// draws exactly these.
pub const FIXED_LINES: usize = 12;

/// How many turn rows the usage overlay shows on a screen `height` rows tall.
pub fn visible_rows(height: u16) -> usize {
    (height as usize).saturating_sub(FIXED_LINES).max(1)
}

impl Model {
    /// Recomputes the session's container time from the turns.
    pub(super) fn container_time_refresh(&mut self) {
        let spans = self
            .turns
            .iter()
            .filter(|t| t.ran_code())
            .filter_map(|t| Some((t.started_at?, t.finished_at)));
        self.container_time = session_time(spans);
    }

    /// The session's estimated cost in dollars: what the status bar shows, without the rows.
    pub fn session_usd(&self) -> f64 {
        let prices = &self.settings.prices;
        prices
            .for_model(&self.settings.model)
            .prices
            .estimate(&self.usage)
            + prices.container(self.container_time)
    }

    /// The costs of the session so far, at the configured prices.
    pub fn cost_report(&self) -> Report {
        let prices = &self.settings.prices;
        let rates = prices.for_model(&self.settings.model).prices;
        let container = self.container_time;
        let turns = self
            .turns
            .iter()
            .enumerate()
            .map(|(i, turn)| {
                let container = match turn.started_at {
                    Some(start) if turn.ran_code() => turn_time(start, turn.finished_at),
                    _ => TimeDelta::zero(),
                };
                TurnCost {
                    number: i + 1,
                    usage: turn.usage,
                    container,
                    usd: rates.estimate(&turn.usage) + prices.container(container),
                }
            })
            .collect();
        Report {
            turns,
            usage: self.usage,
            container,
            usd: self.session_usd(),
            saved_usd: rates.saved_by_cache(&self.usage),
            context: self.turns.iter().flat_map(|t| t.context.lines()).collect(),
        }
    }
}
