//! Long sessions against the mock with a small context window: prompt caching and server-side
//! context management keep a 30-turn session working and cut what its input is billed.

mod common;

use common::*;
use serde_json::Value;

const TURNS: usize = 30;
/// Input price of the default model, dollars per million tokens (cache writes 1.25×, reads 0.1×).
const INPUT_PRICE: f64 = 3.0;

/// Runs a 30-turn session with `config`; returns each turn's `usage` from `--json`, or the
/// turn that failed and its stderr.
fn session(mock: &Mock, config: &str) -> Result<Vec<Value>, (usize, String)> {
    std::fs::write(mock.home.path().join("config.toml"), config).unwrap();
    let mut usages = Vec::new();
    for turn in 0..TURNS {
        let mut cmd = mock.clab();
        cmd.args([
            "--json",
            "-p",
            &format!("question {turn}: what drives churn?"),
        ]);
        if turn == 0 {
            cmd.arg("-a").arg(sample_csv());
        } else {
            cmd.arg("--resume");
        }
        let out = cmd.output().unwrap();
        if !out.status.success() {
            return Err((turn, stderr_of(&out)));
        }
        let result: Value = serde_json::from_slice(&out.stdout).unwrap();
        usages.push(result["usage"].clone());
    }
    Ok(usages)
}

/// Input tokens as billed, in base-price tokens: uncached at 1, cache writes at 1.25, reads
/// at 0.1.
fn billed(usages: &[Value]) -> f64 {
    usages
        .iter()
        .map(|u| {
            let n = |k: &str| u[k].as_u64().unwrap() as f64;
            n("input_tokens")
                + 1.25 * n("cache_creation_input_tokens")
                + 0.1 * n("cache_read_input_tokens")
        })
        .sum()
}

#[test]
fn thirty_turns_fit_a_small_window_and_cost_far_less_with_caching_and_context_management() {
    let small = Some(serde_json::json!({"context_window": 15_000}));
    let on = Mock::start(small.clone());
    let usages = session(
        &on,
        "context_trigger_tokens = 8000\ncontext_keep_runs = 2\n",
    )
    .unwrap_or_else(|(turn, err)| panic!("turn {turn} failed: {err}"));
    let edits: Vec<Value> = on
        .requests_to("POST", "/v1/messages")
        .iter()
        .map(|r| json_body(r)["context_management"].clone())
        .collect();
    assert!(
        edits
            .iter()
            .all(|e| e["edits"][0]["type"] == "clear_tool_uses_20250919")
    );

    // Without them the same session stops at the window…
    let off_config = "prompt_caching = false\ncontext_management = \"off\"\n";
    let failed = session(&Mock::start(small), off_config).unwrap_err();
    assert!(
        failed
            .1
            .contains("no longer fits the model's context window"),
        "turn {}: {}",
        failed.0,
        failed.1
    );
    // …and, with room to finish, is billed for its whole history every turn.
    let off = session(&Mock::start(None), off_config)
        .unwrap_or_else(|(turn, err)| panic!("without, turn {turn} failed: {err}"));

    let (with, without) = (billed(&usages), billed(&off));
    let dollars = |t: f64| t * INPUT_PRICE / 1e6;
    println!(
        "billed input tokens over {TURNS} turns: {with:.0} with caching and context management \
         (${:.4}), {without:.0} without (${:.4}): {:.0} % less; without them a 15,000-token \
         window fails at turn {}",
        dollars(with),
        dollars(without),
        100.0 * (1.0 - with / without),
        failed.0 + 1
    );
    assert!(with <= 0.4 * without, "{with} vs {without}");
}

#[test]
fn a_prompt_too_long_is_explained_and_the_question_kept() {
    let mock = Mock::start(Some(serde_json::json!({"context_window": 50})));
    let out = mock
        .clab()
        .args(["-p", "what drives churn in this long question?", "-a"])
        .arg(sample_csv())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains("the conversation no longer fits the model's context window (")
            && stderr.contains("tokens > 50 maximum)")
            && stderr.contains("send the question again")
            && stderr.contains("(request id req_"),
        "{stderr}"
    );
    assert!(!stderr.contains('{'), "no raw JSON: {stderr}");
    let shown = mock
        .clab()
        .args(["sessions", "show", "ses_"])
        .output()
        .unwrap();
    assert!(
        stdout_of(&shown).contains("what drives churn in this long question?"),
        "{}",
        stdout_of(&shown)
    );
}
