//! When each code run of one answer started and ended, in milliseconds since its turn began,
//! by tool use id.
//!
//! Invariant: one clock and one rule. The turn engine notes every block it streams here with
//! its own clock and stores the result beside the answer; the workbench notes the same blocks
//! with the same times, so a run's duration reads the same live and after `--resume`. A run
//! starts at its `server_tool_use` block and ends at the block whose `tool_use_id` names it;
//! a later start for the same id does not move the first.

use serde_json::Value;
use std::collections::BTreeMap;

/// Start and (once its result came) end of each run, by tool use id.
pub type RunTimes = BTreeMap<String, (u64, Option<u64>)>;

/// Notes `block`, one that started or stopped streaming at `at_ms`, in `times`.
pub fn note(times: &mut RunTimes, block: &Value, at_ms: u64) {
    if block.get("type").and_then(Value::as_str) == Some("server_tool_use")
        && let Some(id) = block.get("id").and_then(Value::as_str)
    {
        times.entry(id.to_string()).or_insert((at_ms, None));
    } else if let Some(id) = block.get("tool_use_id").and_then(Value::as_str)
        && let Some(t) = times.get_mut(id)
    {
        t.1 = Some(at_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_run_spans_its_tool_use_to_its_result() {
        let mut times = RunTimes::new();
        let call =
            json!({"type": "server_tool_use", "id": "srvtoolu_1", "name": "bash_code_execution"});
        note(&mut times, &call, 10);
        assert_eq!(times["srvtoolu_1"], (10, None));
        // Its stop (same block, later) does not move the start.
        note(&mut times, &call, 40);
        assert_eq!(times["srvtoolu_1"], (10, None));
        let result =
            json!({"type": "bash_code_execution_tool_result", "tool_use_id": "srvtoolu_1"});
        note(&mut times, &result, 1210);
        assert_eq!(times["srvtoolu_1"], (10, Some(1210)));
    }

    #[test]
    fn text_and_results_of_unknown_runs_change_nothing() {
        let mut times = RunTimes::new();
        note(&mut times, &json!({"type": "text", "text": "hi"}), 5);
        let orphan = json!({"type": "code_execution_tool_result", "tool_use_id": "nope"});
        note(&mut times, &orphan, 5);
        assert!(times.is_empty());
    }
}
