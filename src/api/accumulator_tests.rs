//! Tests of the accumulator: blocks, deltas, continuations and what it skips.

use super::*;
use serde_json::json;

fn start(index: usize, block: Value) -> StreamEvent {
    StreamEvent::ContentBlockStart { index, block }
}
fn delta(index: usize, delta: Value) -> StreamEvent {
    StreamEvent::ContentBlockDelta {
        index,
        delta: Delta::from_value(delta),
    }
}
fn message_start() -> StreamEvent {
    StreamEvent::MessageStart {
        message: json!({"id":"m","usage":{"input_tokens":1,"output_tokens":1}}),
    }
}
/// An accumulator that has seen its `message_start`.
fn started() -> Accumulator {
    let mut acc = Accumulator::new();
    acc.apply(message_start()).unwrap();
    acc
}

#[test]
fn tool_input_is_joined_and_parsed_at_stop() {
    let mut acc = started();
    acc.apply(start(
        0,
        json!({"type":"server_tool_use","id":"s1","name":"bash_code_execution","input":{}}),
    ))
    .unwrap();
    for piece in ["", "{\"command\":", " \"ls -", "la\"}"] {
        acc.apply(delta(
            0,
            json!({"type":"input_json_delta","partial_json":piece}),
        ))
        .unwrap();
    }
    acc.apply(StreamEvent::ContentBlockStop { index: 0 })
        .unwrap();
    assert_eq!(acc.content()[0]["input"], json!({"command":"ls -la"}));
}

#[test]
fn continuation_appends_blocks_and_adds_usage() {
    let mut acc = Accumulator::new();
    acc.apply(StreamEvent::MessageStart {
        message: json!({"id":"m1","usage":{"input_tokens":5,"output_tokens":1}}),
    })
    .unwrap();
    acc.apply(start(0, json!({"type":"text","text":""})))
        .unwrap();
    acc.apply(delta(0, json!({"type":"text_delta","text":"one"})))
        .unwrap();
    acc.apply(StreamEvent::MessageDelta {
        delta: json!({"stop_reason":"pause_turn"}),
        usage: Some(json!({"output_tokens":7})),
        context_management: None,
    })
    .unwrap();
    acc.begin_continuation();
    acc.apply(StreamEvent::MessageStart {
        message: json!({"id":"m2","usage":{"input_tokens":9,"output_tokens":1}}),
    })
    .unwrap();
    acc.apply(start(0, json!({"type":"text","text":""})))
        .unwrap();
    acc.apply(delta(0, json!({"type":"text_delta","text":"two"})))
        .unwrap();
    acc.apply(StreamEvent::MessageDelta {
        delta: json!({"stop_reason":"end_turn"}),
        usage: Some(json!({"output_tokens":3})),
        context_management: None,
    })
    .unwrap();
    let texts: Vec<_> = acc.content().iter().map(|b| b["text"].clone()).collect();
    assert_eq!(texts, vec![json!("one"), json!("two")]);
    assert_eq!(acc.usage().input_tokens, 14);
    assert_eq!(acc.usage().output_tokens, 10);
    assert_eq!(acc.stop_reason.as_deref(), Some("end_turn"));
}

#[test]
fn unknown_deltas_and_blocks_are_kept() {
    let mut acc = started();
    acc.apply(start(0, json!({"type":"hologram","beams":3})))
        .unwrap();
    let u = acc
        .apply(delta(0, json!({"type":"beam_delta","beam":1})))
        .unwrap();
    assert_eq!(u, Update::Unknown("beam_delta delta".into()));
    acc.apply(StreamEvent::ContentBlockStop { index: 0 })
        .unwrap();
    assert_eq!(acc.content(), vec![json!({"type":"hologram","beams":3})]);
    assert_eq!(acc.unknown, vec![json!({"type":"beam_delta","beam":1})]);
}

#[test]
fn a_cut_tool_input_is_kept_as_text() {
    let mut acc = started();
    acc.apply(start(
        0,
        json!({"type":"server_tool_use","id":"s","name":"x","input":{}}),
    ))
    .unwrap();
    acc.apply(delta(
        0,
        json!({"type":"input_json_delta","partial_json":"{\"comm"}),
    ))
    .unwrap();
    assert_eq!(acc.unfinished(), 1);
    acc.apply(StreamEvent::ContentBlockStop { index: 0 })
        .unwrap();
    assert_eq!(acc.content()[0]["input"], json!("{\"comm"));
}

#[test]
fn absurd_block_indexes_are_violations_and_allocate_nothing() {
    for index in [usize::MAX, 1 << 32, 1_000_000_000_000, MAX_BLOCKS] {
        let mut acc = started();
        for event in [
            start(index, json!({"type":"text","text":""})),
            delta(index, json!({"type":"text_delta","text":"x"})),
            StreamEvent::ContentBlockStop { index },
        ] {
            assert_eq!(acc.apply(event), Err(Violation::IndexTooLarge { index }));
        }
        assert!(acc.content().is_empty());
        assert!(acc.slots.capacity() < 16, "{index} made it allocate");
    }
    // The last index inside the limit is fine, also after a continuation moved the offset.
    let mut acc = started();
    acc.apply(start(MAX_BLOCKS - 1, json!({"type":"text","text":"end"})))
        .unwrap();
    acc.begin_continuation();
    acc.apply(message_start()).unwrap();
    assert_eq!(
        acc.apply(start(0, json!({"type":"text","text":""}))),
        Err(Violation::IndexTooLarge { index: 0 })
    );
}

#[test]
fn events_for_blocks_that_never_started_are_skipped_and_said() {
    let mut acc = started();
    let skipped = |u: Result<Update, Violation>| matches!(u, Ok(Update::Skipped(_)));
    assert!(skipped(
        acc.apply(delta(3, json!({"type":"text_delta","text":"x"})))
    ));
    assert!(skipped(
        acc.apply(StreamEvent::ContentBlockStop { index: 3 })
    ));
    acc.apply(start(0, json!({"type":"text","text":"a"})))
        .unwrap();
    assert!(skipped(
        acc.apply(start(0, json!({"type":"text","text":"replaced?"})))
    ));
    acc.apply(StreamEvent::ContentBlockStop { index: 0 })
        .unwrap();
    assert!(skipped(
        acc.apply(StreamEvent::ContentBlockStop { index: 0 })
    ));
    assert_eq!(acc.content(), vec![json!({"type":"text","text":"a"})]);
}

#[test]
fn message_start_must_come_first_and_once() {
    let mut acc = Accumulator::new();
    assert_eq!(acc.apply(StreamEvent::Ping), Ok(Update::None));
    assert_eq!(
        acc.apply(start(0, json!({"type":"text","text":""}))),
        Err(Violation::NoMessageStart {
            event: "content_block_start"
        })
    );
    acc.apply(message_start()).unwrap();
    assert_eq!(
        acc.apply(message_start()),
        Err(Violation::SecondMessageStart)
    );
    // An error may come first: the API reports overload before any message.
    let mut acc = Accumulator::new();
    acc.apply(StreamEvent::Error {
        error_type: "overloaded_error".into(),
        message: "Overloaded".into(),
        request_id: None,
    })
    .unwrap();
    assert!(acc.error.is_some());
}

#[test]
fn tool_input_that_never_becomes_json_is_kept_as_text_at_its_stop() {
    let mut acc = started();
    acc.apply(start(
        0,
        json!({"type":"server_tool_use","id":"s","name":"bash_code_execution","input":{}}),
    ))
    .unwrap();
    for piece in ["{\"command\": ", "[[[", "}}}"] {
        acc.apply(delta(
            0,
            json!({"type":"input_json_delta","partial_json":piece}),
        ))
        .unwrap();
    }
    assert_eq!(
        acc.apply(StreamEvent::ContentBlockStop { index: 0 }),
        Ok(Update::BlockStopped(0))
    );
    assert_eq!(acc.content()[0]["input"], json!("{\"command\": [[[}}}"));
    assert_eq!(acc.unfinished(), 0);
}
