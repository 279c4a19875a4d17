//! Replays every recorded stream in tests/fixtures/api through the SSE decoder and the
//! accumulator, whole and split at chunk boundaries, and checks the folded result.

use clab::api::accumulator::Accumulator;
use clab::api::events::StreamEvent;
use clab::api::sse::SseDecoder;
use clab::domain::execution::executions;
use serde_json::json;

mod common;

fn fixture(name: &str) -> Vec<u8> {
    common::recorded_stream(name)
}

/// Docs snippets that are not valid JSON as printed: PARTIAL ones had content elided (`...`),
/// and the input_json_delta example has a stray closing brace. Their broken events are
/// skipped; every event of every other fixture must parse.
fn known_broken(name: &str) -> bool {
    name.contains("PARTIAL") || name == "docs_stream_input_json_delta_event.sse"
}

/// Folds the stream as the client does.
fn replay_named(name: &str, chunks: &[&[u8]]) -> Accumulator {
    let mut decoder = SseDecoder::new();
    let mut acc = Accumulator::new();
    let events = chunks
        .iter()
        .flat_map(|c| decoder.feed(c).unwrap())
        .collect::<Vec<_>>();
    for sse in events.iter().chain(decoder.finish().as_ref()) {
        match StreamEvent::parse(sse) {
            Ok(event) => {
                if let Err(violation) = acc.apply(event) {
                    panic!("{name}: {violation}");
                }
            }
            Err(e) => assert!(known_broken(name), "{name}: {e}"),
        }
    }
    acc
}

fn replay(chunks: &[&[u8]]) -> Accumulator {
    replay_named("inline", chunks)
}

fn replay_whole(name: &str) -> Accumulator {
    let bytes = fixture(name);
    let acc = replay_named(name, &[&bytes]);
    if bytes.len() <= 4096 {
        for cut in 0..=bytes.len() {
            let split = replay_named(name, &[&bytes[..cut], &bytes[cut..]]);
            assert_eq!(split.content(), acc.content(), "{name} split at {cut}");
            assert_eq!(split.usage(), acc.usage(), "{name} split at {cut}");
        }
    } else {
        for size in [1, 7, 64, 1000] {
            let pieces: Vec<&[u8]> = bytes.chunks(size).collect();
            let chunked = replay_named(name, &pieces);
            assert_eq!(
                chunked.content(),
                acc.content(),
                "{name} in {size}-byte chunks"
            );
        }
    }
    acc
}

#[test]
fn every_fixture_stream_replays_without_error() {
    let dir = common::fixtures_dir().join("api");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".sse") || name.ends_with(".jsonl") {
            replay_whole(&name);
            count += 1;
        }
    }
    assert!(count >= 17, "only {count} streams found");
}

#[test]
fn basic_text_stream() {
    let acc = replay_whole("docs_stream_basic.sse");
    assert_eq!(acc.content(), vec![json!({"type":"text","text":"Hello!"})]);
    assert_eq!(acc.stop_reason.as_deref(), Some("end_turn"));
    assert_eq!(
        (acc.usage().input_tokens, acc.usage().output_tokens),
        (25, 15)
    );
    assert!(acc.stopped);
}

#[test]
fn real_padded_stream_from_the_python_sdk() {
    let acc = replay_whole("pysdk_recorded_stream_body_sonnet45.sse");
    assert_eq!(
        acc.content(),
        vec![json!({"type":"text","text":"[12345,67890]"})]
    );
    assert_eq!(
        (acc.usage().input_tokens, acc.usage().output_tokens),
        (135, 10)
    );
    assert_eq!(
        acc.message_id.as_deref(),
        Some("msg_013nnniYDrJDocdy5nrMU7cH")
    );
}

#[test]
fn thinking_and_signature_accumulate() {
    let acc = replay_whole("docs_stream_thinking.sse");
    let blocks = acc.content();
    assert_eq!(blocks[0]["type"], "thinking");
    assert!(
        blocks[0]["thinking"]
            .as_str()
            .unwrap()
            .ends_with("GCD(1071, 462) = 21.")
    );
    assert!(blocks[0]["signature"].as_str().unwrap().starts_with("EqQB"));
    assert!(blocks[1]["text"].as_str().unwrap().contains("**21**"));
}

#[test]
fn client_tool_input_is_parsed() {
    let acc = replay_whole("docs_stream_tool_use.sse");
    let tool = acc
        .content()
        .into_iter()
        .find(|b| b["type"] == "tool_use")
        .unwrap();
    assert!(
        tool["input"]["location"]
            .as_str()
            .unwrap()
            .starts_with("San")
    );
    assert_eq!(acc.stop_reason.as_deref(), Some("tool_use"));
}

#[test]
fn code_execution_with_container_upload() {
    let acc = replay_whole("vercel_code_exec_container_upload_stream.jsonl");
    let container = acc.container.clone().unwrap();
    assert_eq!(container.id, "container_011CbJQ7DqpL337rdwQ76jnu");
    assert_eq!(
        container.expires_at.as_deref(),
        Some("2026-05-22T23:31:03.230609Z")
    );
    assert_eq!(
        (acc.usage().input_tokens, acc.usage().output_tokens),
        (11505, 1103)
    );
    let runs = executions(&acc.content());
    assert!(!runs.is_empty());
    assert!(
        runs.iter().all(|r| r.result.is_some()),
        "every tool use has its result"
    );
    assert_eq!(runs[0].tool, "text_editor_code_execution");
    assert_eq!(runs[0].input["command"], "view");
    assert!(
        runs[0].input["path"]
            .as_str()
            .unwrap()
            .contains("sample.csv")
    );
    assert_eq!(acc.unfinished(), 0);
}

#[test]
fn code_execution_basic_stream() {
    let acc = replay_whole("vercel_code_exec_20250825_stream_basic.jsonl");
    assert_eq!(
        acc.container.as_ref().unwrap().id,
        "container_011CU6pTr2hLT47seQ5Xs4yj"
    );
    assert_eq!(acc.usage().output_tokens, 771);
    let runs = executions(&acc.content());
    assert!(runs.iter().any(|r| r.tool == "bash_code_execution"
        && r.result.as_ref().is_some_and(|x| x.return_code == Some(0))));
}

#[test]
fn mid_stream_error_event_is_recorded() {
    let acc = replay_whole("docs_stream_error_event_overloaded.sse");
    let (kind, message, _) = acc.error.unwrap();
    assert_eq!(
        (kind.as_str(), message.as_str()),
        ("overloaded_error", "Overloaded")
    );
}

#[test]
fn refusal_stop_reason() {
    let acc = replay_whole("pysdk_stream_refusal.sse");
    assert_eq!(acc.stop_reason.as_deref(), Some("refusal"));
}

#[test]
fn server_tool_blocks_clab_does_not_know_are_kept() {
    let acc = replay_whole("docs_stream_web_search_PARTIAL.sse");
    let blocks = acc.content();
    let search = blocks
        .iter()
        .find(|b| b["type"] == "server_tool_use")
        .unwrap();
    assert_eq!(search["name"], "web_search");
    assert!(search["input"]["query"].is_string());
    assert!(blocks.iter().filter(|b| b["type"] == "text").count() >= 2);
}

#[test]
fn unknown_event_and_block_types_survive() {
    let stream = b"event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"usage\":{\"input_tokens\":1,\"output_tokens\":1}}}\n\n\
event: quantum_flux\ndata: {\"type\":\"quantum_flux\",\"level\":9}\n\n\
event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"hologram\",\"id\":\"h1\",\"extra\":{\"a\":[1,2]}}}\n\n\
event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n\
event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"text\",\"text\":\"\",\"new_field\":true}}\n\n\
event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"text_delta\",\"text\":\"ok\"}}\n\n\
event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":1}\n\n\
event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":3}}\n\n\
event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n";
    let acc = replay(&[stream]);
    assert_eq!(
        acc.content(),
        vec![
            json!({"type":"hologram","id":"h1","extra":{"a":[1,2]}}),
            json!({"type":"text","text":"ok","new_field":true}),
        ]
    );
    assert_eq!(acc.unknown, vec![json!({"type":"quantum_flux","level":9})]);
    assert!(acc.stopped);
}

#[test]
fn a_recorded_pptx_skill_answer_replays_with_its_runs_and_the_deck() {
    let acc = replay_whole("vercel_skills_pptx_stream.jsonl");
    assert_eq!(
        acc.container.as_ref().unwrap().id,
        "container_011CUJNGs88jcQ8KEiZguEUo"
    );
    assert_eq!(acc.stop_reason.as_deref(), Some("end_turn"));
    assert_eq!(acc.unfinished(), 0);
    let runs = executions(&acc.content());
    assert_eq!(runs.len(), 16, "every tool use of the recording");
    assert!(runs.iter().all(|r| r.result.is_some()));
    // The skill's instructions were read from the container…
    assert_eq!(runs[0].input["path"], "/skills/pptx/SKILL.md");
    // …and only the last run, which copied the deck to $OUTPUT_DIR, handed out a file.
    let outputs: Vec<String> = runs
        .iter()
        .flat_map(|r| r.result.clone().unwrap().output_file_ids)
        .collect();
    assert_eq!(outputs, vec!["file_011CUJNRcxM3JHxL8b5QGrNT".to_string()]);
    assert_eq!(
        clab::domain::execution::output_file_ids(&acc.content()),
        outputs
    );
}

#[test]
fn a_recorded_compaction_is_kept_whole_and_billed_for_both_steps() {
    let acc = replay_whole("vercel_compaction_stream.jsonl");
    let content = acc.content();
    assert_eq!(content[0]["type"], "compaction");
    let summary = content[0]["content"].as_str().unwrap();
    assert!(
        summary.starts_with("## Summary of Conversation"),
        "{summary}"
    );
    // The top level leaves the compaction step out; the bill is both steps.
    let usage = acc.usage();
    assert_eq!(usage.input_tokens, 60385 + 612);
    assert_eq!(usage.output_tokens, 522 + 2819);
    // The prompt now holds what the final step read.
    assert_eq!(acc.prompt_tokens, 612);
    assert!(acc.applied_edits.is_empty());
    assert_eq!(acc.unfinished(), 0);
}

#[test]
fn a_recorded_clearing_answer_reports_its_context_management() {
    let acc = replay_whole("vercel_clear_tool_uses_stream.jsonl");
    assert_eq!(acc.prompt_tokens, 859);
    assert!(acc.applied_edits.is_empty());
    assert_eq!(acc.stop_reason.as_deref(), Some("end_turn"));
}
