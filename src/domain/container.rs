//! An estimate of code execution container time, the part of the bill that is not tokens.
//!
//! The container is billed by the time it runs, with a 5-minute minimum. clab does not see the
//! container start or stop, so it estimates: every turn that ran code occupies the interval
//! from its start to its finish, but at least [`MINIMUM`]; a turn still streaming (no finish
//! yet) counts up to start + [`MINIMUM`]. Overlapping or touching intervals are one container
//! kept alive across turns, so the session's time is the total length of the merged intervals,
//! while a turn's own time is its interval's length. The monthly free hours are not deducted.
//!
//! Invariant: pure arithmetic on the times the events carry; nothing here reads the clock, so
//! the figure on screen only changes when a turn starts or finishes.

use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;

/// The code-execution container a session's turns run in, as the API reported it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Container {
    pub id: String,
    pub expires_at: Option<String>,
}

/// The shortest time a container is billed for.
pub const MINIMUM: TimeDelta = TimeDelta::minutes(5);

/// The interval a code-running turn keeps the container busy: from `start` to `finish`, at
/// least [`MINIMUM`] long.
pub fn interval(
    start: DateTime<Utc>,
    finish: Option<DateTime<Utc>>,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let least = start + MINIMUM;
    (start, finish.map_or(least, |finish| finish.max(least)))
}

/// One turn's container time.
pub fn turn_time(start: DateTime<Utc>, finish: Option<DateTime<Utc>>) -> TimeDelta {
    let (from, to) = interval(start, finish);
    to - from
}

/// The session's container time: the total length of the turns' intervals, merged where they
/// overlap or touch.
pub fn session_time(
    turns: impl IntoIterator<Item = (DateTime<Utc>, Option<DateTime<Utc>>)>,
) -> TimeDelta {
    let mut intervals: Vec<_> = turns
        .into_iter()
        .map(|(start, finish)| interval(start, finish))
        .collect();
    intervals.sort_unstable();
    let mut total = TimeDelta::zero();
    let mut current: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
    for (from, to) in intervals {
        current = match current {
            Some((start, end)) if from <= end => Some((start, end.max(to))),
            Some((start, end)) => {
                total += end - start;
                Some((from, to))
            }
            None => Some((from, to)),
        };
    }
    if let Some((start, end)) = current {
        total += end - start;
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: i64, second: i64) -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_767_225_600, 0).expect("a valid time")
            + TimeDelta::minutes(minute)
            + TimeDelta::seconds(second)
    }

    #[test]
    fn a_turn_shorter_than_five_minutes_counts_five() {
        assert_eq!(turn_time(at(0, 0), Some(at(0, 40))), MINIMUM);
        assert_eq!(session_time([(at(0, 0), Some(at(0, 40)))]), MINIMUM);
        let long = turn_time(at(0, 0), Some(at(7, 30)));
        assert_eq!(long, TimeDelta::seconds(450));
    }

    #[test]
    fn turns_two_minutes_apart_share_one_container() {
        let first = (at(0, 0), Some(at(1, 0)));
        let second = (at(3, 0), Some(at(4, 0)));
        assert_eq!(session_time([first, second]), TimeDelta::minutes(8));
        assert_eq!(session_time([second, first]), TimeDelta::minutes(8));
        let touching = (at(5, 0), Some(at(5, 30)));
        assert_eq!(session_time([first, touching]), TimeDelta::minutes(10));
    }

    #[test]
    fn turns_an_hour_apart_are_two_intervals() {
        let first = (at(0, 0), Some(at(2, 0)));
        let later = (at(60, 0), Some(at(66, 0)));
        assert_eq!(session_time([first, later]), TimeDelta::minutes(11));
    }

    #[test]
    fn a_streaming_turn_counts_up_to_the_minimum_and_no_turns_nothing() {
        assert_eq!(turn_time(at(10, 0), None), MINIMUM);
        let done = (at(0, 0), Some(at(8, 0)));
        let streaming = (at(9, 0), None);
        assert_eq!(session_time([done, streaming]), TimeDelta::minutes(13));
        assert_eq!(session_time([]), TimeDelta::zero());
    }
}
