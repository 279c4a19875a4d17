//! Server-side context management: what a request asks the API to do when the conversation
//! grows long, chosen by model.
//!
//! Invariant: the strategy follows the API's documentation (tests/fixtures/api/
//! LONG_SESSIONS.md): models that support compaction get `compact_20260112` (the API
//! summarizes earlier turns into a `compaction` block that is stored and sent back verbatim);
//! others get `clear_tool_uses_20250919` (the API replaces the oldest code runs, code and
//! output, with a placeholder, keeping the newest). Each needs its beta, named here beside
//! its edit.

use serde_json::{Value, json};

/// The beta of compaction.
pub const COMPACT_BETA: &str = "compact-2026-01-12";
/// The beta of clearing tool uses.
pub const CLEAR_BETA: &str = "context-management-2025-06-27";
/// How the explanation of a prompt refused as too long for the context window begins.
pub const TOO_LONG: &str = "the conversation no longer fits the model's context window";

/// The smallest compaction trigger the API takes.
pub const COMPACT_MIN_TRIGGER: u64 = 50_000;

/// Models documented with both compaction and a 1M-token context window by default (matched
/// as name prefixes, so dated ids count); the others have 200k and clear old runs instead.
const CURRENT_MODELS: [&str; 8] = [
    "claude-fable-5",
    "claude-mythos-5",
    "claude-opus-5",
    "claude-opus-4-8",
    "claude-opus-4-7",
    "claude-opus-4-6",
    "claude-sonnet-5",
    "claude-sonnet-4-6",
];

/// A model documented with compaction but not with a 1M window.
const PREVIEW_COMPACTING: &str = "claude-mythos-preview";

fn current(model: &str) -> bool {
    CURRENT_MODELS.iter().any(|m| model.starts_with(m))
}

/// The context window of `model`, in tokens.
pub fn window(model: &str) -> u64 {
    if current(model) { 1_000_000 } else { 200_000 }
}

/// What context management did in one turn, and how big its prompt was.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// Input tokens of the turn's last prompt (after any compaction).
    pub prompt_tokens: u64,
    /// The API's `applied_edits` entries.
    pub applied_edits: Vec<Value>,
    /// The prompt's size before a compaction in this turn.
    pub compacted_from: Option<u64>,
}

impl Report {
    /// One line per thing done: "context compacted: 142k → 18k tokens", "cleared 8 old code
    /// runs (50k tokens)".
    pub fn lines(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(from) = self.compacted_from {
            lines.push(format!(
                "context compacted: {} → {} tokens",
                thousands(from),
                thousands(self.prompt_tokens)
            ));
        }
        for edit in &self.applied_edits {
            let tokens = edit["cleared_input_tokens"].as_u64().unwrap_or(0);
            let line = match edit["type"].as_str() {
                Some("clear_tool_uses_20250919") => {
                    let runs = edit["cleared_tool_uses"].as_u64().unwrap_or(0);
                    format!(
                        "context: cleared {runs} old code run{} ({} tokens)",
                        if runs == 1 { "" } else { "s" },
                        thousands(tokens)
                    )
                }
                Some("clear_thinking_20251015") => format!(
                    "context: cleared thinking of {} turns ({} tokens)",
                    edit["cleared_thinking_turns"].as_u64().unwrap_or(0),
                    thousands(tokens)
                ),
                other => format!(
                    "context: {} ({} tokens)",
                    other.unwrap_or("an edit"),
                    thousands(tokens)
                ),
            };
            lines.push(line);
        }
        lines
    }
}

/// "142k", "1.2M", "812".
pub fn thousands(n: u64) -> String {
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{}k", (n + 500) / 1_000),
        _ => format!("{:.1}M", n as f64 / 1e6),
    }
}

/// What the user configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Compaction where the model supports it, else clearing old tool uses.
    Auto,
    Compact,
    Clear,
    Off,
}

impl Mode {
    pub fn parse(text: &str) -> Option<Mode> {
        match text {
            "auto" => Some(Mode::Auto),
            "compact" => Some(Mode::Compact),
            "clear" => Some(Mode::Clear),
            "off" => Some(Mode::Off),
            _ => None,
        }
    }
}

/// The context management of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub mode: Mode,
    /// Input tokens from which the API acts.
    pub trigger: u64,
    /// Code runs (tool uses) clearing keeps.
    pub keep: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            mode: Mode::Auto,
            trigger: 100_000,
            keep: 3,
        }
    }
}

impl Policy {
    /// The policy of a turn the user asked to compact: context management on (the strategy of
    /// `Auto` if it was off) from the lowest trigger the API takes, clearing all code runs but
    /// the newest.
    pub fn now(self) -> Policy {
        Policy {
            mode: match self.mode {
                Mode::Off => Mode::Auto,
                mode => mode,
            },
            trigger: 1,
            keep: 1,
        }
    }
}

/// The edit a request carries for `model`, and its beta.
pub fn edit(policy: &Policy, model: &str) -> Option<(Value, &'static str)> {
    let compact = match policy.mode {
        Mode::Off => return None,
        Mode::Compact => true,
        Mode::Clear => false,
        Mode::Auto => compacts(model),
    };
    Some(if compact {
        (
            json!({
                "type": "compact_20260112",
                "trigger": {"type": "input_tokens", "value": policy.trigger.max(COMPACT_MIN_TRIGGER)},
            }),
            COMPACT_BETA,
        )
    } else {
        (
            json!({
                "type": "clear_tool_uses_20250919",
                "trigger": {"type": "input_tokens", "value": policy.trigger},
                "keep": {"type": "tool_uses", "value": policy.keep},
                // A run's code weighs as much as its output; the answers' text stays.
                "clear_tool_inputs": true,
            }),
            CLEAR_BETA,
        )
    })
}

/// Whether `model` is documented to support compaction.
pub fn compacts(model: &str) -> bool {
    current(model) || model.starts_with(PREVIEW_COMPACTING)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_say_what_was_done_in_a_line_each() {
        let report = Report {
            prompt_tokens: 18_200,
            applied_edits: vec![json!({
                "type": "clear_tool_uses_20250919", "cleared_tool_uses": 8, "cleared_input_tokens": 50_000,
            })],
            compacted_from: Some(142_000),
        };
        assert_eq!(
            report.lines(),
            vec![
                "context compacted: 142k → 18k tokens",
                "context: cleared 8 old code runs (50k tokens)"
            ]
        );
        assert_eq!(window("claude-sonnet-4-5"), 200_000);
        assert_eq!(window("claude-opus-4-6"), 1_000_000);
    }

    #[test]
    fn compacting_now_turns_it_on_from_the_lowest_trigger() {
        let off = Policy {
            mode: Mode::Off,
            ..Policy::default()
        };
        let (clear, _) = edit(&off.now(), "claude-sonnet-4-5").unwrap();
        assert_eq!(clear["trigger"]["value"], 1);
        let (compact, _) = edit(&off.now(), "claude-opus-4-6").unwrap();
        assert_eq!(compact["trigger"]["value"], COMPACT_MIN_TRIGGER);
    }

    #[test]
    fn the_strategy_follows_the_model() {
        let policy = Policy::default();
        let (edit_45, beta_45) = edit(&policy, "claude-sonnet-4-5").unwrap();
        assert_eq!(edit_45["type"], "clear_tool_uses_20250919");
        assert_eq!(edit_45["keep"], json!({"type": "tool_uses", "value": 3}));
        assert_eq!(beta_45, CLEAR_BETA);
        let (edit_46, beta_46) = edit(&policy, "claude-sonnet-4-6-20260217").unwrap();
        assert_eq!(edit_46["type"], "compact_20260112");
        assert_eq!(edit_46["trigger"]["value"], 100_000);
        assert_eq!(beta_46, COMPACT_BETA);
    }

    #[test]
    fn a_compaction_trigger_is_never_below_the_api_minimum_and_off_sends_nothing() {
        let low = Policy {
            mode: Mode::Compact,
            trigger: 1_000,
            keep: 3,
        };
        assert_eq!(edit(&low, "m").unwrap().0["trigger"]["value"], 50_000);
        let off = Policy {
            mode: Mode::Off,
            ..low
        };
        assert_eq!(edit(&off, "claude-opus-4-6"), None);
    }
}
