//! The `--json` result of a headless turn: one object, as the design's contract gives it.
//!
//! Invariant: text is the raw text the API sent (JSON-escaped by serde, not stripped), so
//! scripts see exactly what the model wrote; field names follow the contract
//! `session_id, model, stop_reason, text, executions, files, container, usage` (plus `error`
//! when the turn failed), with additions: each upload's `given_as` (how Claude got it:
//! `container`, `read` or `both`), the turn's `skills`, `context` (the last prompt's size
//! against the model's window and what context management did) and `cost` (estimated dollars,
//! and what the prompt cache saved).

use crate::domain::answer::answer_text;
use crate::domain::context;
use crate::domain::execution::executions;
use crate::domain::session::FileRecord;
use crate::model::cost::Prices;
use crate::turn::TurnResult;
use serde_json::{Value, json};

pub fn turn_object(
    model: &str,
    result: &TurnResult,
    blocks: &[Value],
    files: &[FileRecord],
    skills: &[String],
    session_id: &str,
    prices: &Prices,
) -> Value {
    let usage = result.acc.usage();
    let model = result
        .acc
        .model
        .clone()
        .unwrap_or_else(|| model.to_string());
    let runs: Vec<Value> = executions(blocks)
        .into_iter()
        .map(|run| {
            let r = run.result.unwrap_or_default();
            json!({
                "tool": run.tool,
                "input": run.input,
                "stdout": r.stdout,
                "stderr": r.stderr,
                "return_code": r.return_code,
                "output_file_ids": r.output_file_ids,
                "error_code": r.error_code,
            })
        })
        .collect();
    let files: Vec<Value> = files
        .iter()
        .map(|f| {
            let mut file = json!({
                "id": f.id,
                "filename": f.filename,
                "origin": f.origin,
                "path": f.local_path.as_ref().map(|p| p.display().to_string()),
            });
            if let Some(given) = f.given_as {
                file["given_as"] = json!(given);
            }
            file
        })
        .collect();
    let mut object = json!({
        "session_id": session_id,
        "model": model,
        "stop_reason": result.acc.stop_reason,
        "text": answer_text(blocks),
        "executions": runs,
        "files": files,
        "container": result.acc.container,
        "usage": usage,
        "skills": skills,
        "context": {
            "prompt_tokens": result.acc.prompt_tokens,
            "window": context::window(&model),
            "applied_edits": result.acc.applied_edits,
            "compacted_from": result.acc.compacted_from,
        },
        "cost": {
            "usd": round(prices.estimate(&usage)),
            "saved_by_cache_usd": round(prices.saved_by_cache(&usage)),
        },
    });
    if let Some(error) = &result.error {
        object["error"] = json!({
            "message": error.to_string(),
            "request_id": error.request_id(),
        });
    }
    object
}

/// Dollars to a tenth of a cent's hundredth: enough for a turn, without float noise.
fn round(usd: f64) -> f64 {
    (usd * 100_000.0).round() / 100_000.0
}
