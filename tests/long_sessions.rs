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

#[test]
fn compact_on_a_resumed_turn_clears_old_runs_at_once() {
    let mock = Mock::start(None);
    let first = mock
        .clab()
        .args(["-p", "what drives churn?", "-a"])
        .arg(sample_csv())
        .output()
        .unwrap();
    assert!(first.status.success(), "{}", stderr_of(&first));
    let out = mock
        .clab()
        .args(["--json", "-p", "and by contract?", "--resume", "--compact"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let requests = mock.requests_to("POST", "/v1/messages");
    let edit = &json_body(requests.last().unwrap())["context_management"]["edits"][0];
    assert_eq!(edit["type"], "clear_tool_uses_20250919");
    assert_eq!(edit["trigger"]["value"], 1);
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    let applied = &result["context"]["applied_edits"][0];
    assert_eq!(applied["type"], "clear_tool_uses_20250919", "{result:#}");
    assert!(applied["cleared_input_tokens"].as_u64().unwrap() > 0);
    // Without --resume it is a usage error.
    let alone = mock.clab().args(["-p", "x", "--compact"]).output().unwrap();
    assert_eq!(alone.status.code(), Some(2));
}

#[test]
fn a_prompt_clearly_over_the_window_is_counted_first_and_said() {
    use clab::domain::session::{MessageState, Role};
    use clab::session::Store;
    let mock = Mock::start(None);
    let store = Store::open(&mock.home.path().join("sessions.db")).unwrap();
    let meta = store
        .create_session("claude-sonnet-4-5", "a long one")
        .unwrap();
    let long = "data ".repeat(180_000);
    for (role, text) in [(Role::User, long.as_str()), (Role::Assistant, "ok")] {
        store
            .append_message(
                &meta.id,
                role,
                &[serde_json::json!({"type": "text", "text": text})],
                &MessageState::Complete,
                None,
            )
            .unwrap();
    }
    drop(store);

    // Without context management it is not sent, and the sentence says why.
    std::fs::write(
        mock.home.path().join("config.toml"),
        "context_management = \"off\"\n",
    )
    .unwrap();
    let out = mock
        .clab()
        .args(["-p", "and now?", "--resume"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains("no longer fits") && stderr.contains("counted before sending"),
        "{stderr}"
    );
    assert_eq!(
        mock.requests_to("POST", "/v1/messages/count_tokens").len(),
        1
    );
    assert!(mock.requests_to("POST", "/v1/messages").is_empty());

    // With it, clab says what the API will do, and sends.
    std::fs::write(mock.home.path().join("config.toml"), "").unwrap();
    let out = mock
        .clab()
        .args(["-p", "and now?", "--resume"])
        .output()
        .unwrap();
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains("over the 200k context window: the API compacts or clears older turns"),
        "{stderr}"
    );
    assert_eq!(mock.requests_to("POST", "/v1/messages").len(), 1);
}

#[test]
fn a_compaction_is_kept_and_sent_back_verbatim_after_resume() {
    let mock = Mock::start(Some(serde_json::json!({
        "messages": [{"sse": "api/vercel_compaction_stream.jsonl"}],
    })));
    let first = mock
        .clab()
        .args([
            "--json",
            "--model",
            "claude-opus-4-6",
            "-p",
            "summarise the algorithms",
        ])
        .output()
        .unwrap();
    assert!(first.status.success(), "{}", stderr_of(&first));
    let result: Value = serde_json::from_slice(&first.stdout).unwrap();
    assert_eq!(result["context"]["compacted_from"], 60385);
    assert_eq!(result["context"]["prompt_tokens"], 612);
    assert_eq!(result["context"]["window"], 1_000_000);
    let request = json_body(&mock.requests_to("POST", "/v1/messages")[0]).clone();
    assert_eq!(
        request["context_management"]["edits"][0]["type"],
        "compact_20260112"
    );

    let out = mock
        .clab()
        .args([
            "--model",
            "claude-opus-4-6",
            "-p",
            "and graphs?",
            "--resume",
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_of(&out));
    let resent = json_body(&mock.requests_to("POST", "/v1/messages")[1]).clone();
    let compaction = &resent["messages"][1]["content"][0];
    assert_eq!(compaction["type"], "compaction");
    assert!(
        compaction["content"]
            .as_str()
            .unwrap()
            .starts_with("## Summary of Conversation\n\n### Task Context"),
        "{compaction}"
    );
    let beta = mock.requests_to("POST", "/v1/messages")[1]
        .headers
        .iter()
        .find(|(k, _)| k == "anthropic-beta")
        .map(|(_, v)| v.clone())
        .unwrap();
    assert!(beta.contains("compact-2026-01-12"), "{beta}");
}
