//! Property tests: whatever bytes or event JSON a server sends, the SSE decoder, the event
//! parser and the accumulator never panic, and the answer never holds more than
//! `MAX_BLOCKS` blocks.

use clab::api::accumulator::{Accumulator, MAX_BLOCKS};
use clab::api::events::StreamEvent;
use clab::api::sse::SseDecoder;
use proptest::prelude::*;
use serde_json::{Value, json};

/// Feeds `chunks` through the client's whole folding path, as `api::stream` and `turn` do:
/// decode, parse, apply; a refused event ends the answer.
fn fold(chunks: &[Vec<u8>]) -> Accumulator {
    let mut decoder = SseDecoder::with_limit(64 * 1024);
    let mut acc = Accumulator::new();
    for chunk in chunks {
        let Ok(events) = decoder.feed(chunk) else {
            return acc;
        };
        for sse in events {
            let Ok(event) = StreamEvent::parse(&sse) else {
                return acc;
            };
            if acc.apply(event).is_err() {
                return acc;
            }
        }
    }
    if let Some(event) = decoder
        .finish()
        .and_then(|sse| StreamEvent::parse(&sse).ok())
    {
        let _ = acc.apply(event);
    }
    let _ = acc.content();
    let _ = acc.usage();
    acc
}

const KINDS: &[&str] = &[
    "message_start",
    "content_block_start",
    "content_block_delta",
    "content_block_stop",
    "message_delta",
    "message_stop",
    "ping",
    "error",
    "future_event",
];

const DELTAS: &[&str] = &[
    "text_delta",
    "input_json_delta",
    "thinking_delta",
    "signature_delta",
    "citations_delta",
    "future_delta",
];

/// Any JSON value, a few levels deep.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-z_]{1,10}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Indexes near every edge: small ones that make real answers, the limit, and absurd ones.
fn any_index() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => (0u64..6).prop_map(Value::from),
        1 => Just(Value::from(MAX_BLOCKS as u64 - 1)),
        1 => Just(Value::from(MAX_BLOCKS as u64)),
        1 => Just(Value::from(u64::MAX)),
        1 => Just(Value::from(1u64 << 32)),
        1 => any::<i64>().prop_map(Value::from),
        1 => any_json(),
    ]
}

/// Events shaped like the API's, with any kind, index, delta and payload.
fn any_event() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(KINDS),
        any_index(),
        prop::sample::select(DELTAS),
        any_json(),
        ".{0,20}",
    )
        .prop_map(|(kind, index, delta_kind, payload, text)| {
            json!({
                "type": kind,
                "index": index,
                "message": {"id": "msg_p", "usage": payload.clone()},
                "content_block": {"type": "text", "text": text},
                "delta": {
                    "type": delta_kind,
                    "text": text,
                    "partial_json": text,
                    "thinking": text,
                    "signature": text,
                    "citation": payload.clone(),
                    "stop_reason": payload.clone(),
                    "container": payload,
                },
                "usage": {"output_tokens": index},
                "error": {"type": text, "message": text},
            })
        })
}

fn frame(events: &[Value]) -> Vec<u8> {
    events
        .iter()
        .map(|e| {
            let name = e["type"].as_str().unwrap_or("message");
            format!("event: {name}\ndata: {e}\n\n")
        })
        .collect::<String>()
        .into_bytes()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_in_arbitrary_chunks_never_panic(
        chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..200), 0..12)
    ) {
        let acc = fold(&chunks);
        prop_assert!(acc.content().len() <= MAX_BLOCKS);
    }

    #[test]
    fn arbitrary_event_json_never_panics(
        events in prop::collection::vec(any_event(), 0..40),
        split in 1usize..64,
    ) {
        let mut stream = frame(&[json!({"type": "message_start", "message": {"id": "m"}})]);
        stream.extend(frame(&events));
        let chunks: Vec<Vec<u8>> = stream.chunks(split).map(<[u8]>::to_vec).collect();
        let acc = fold(&chunks);
        prop_assert!(acc.content().len() <= MAX_BLOCKS);
    }

    #[test]
    fn arbitrary_sse_lines_never_panic(
        lines in prop::collection::vec(
            prop_oneof![
                "(event|data|id|retry|:)[: ]?[ -~]{0,30}",
                any_event().prop_map(|e| format!("data: {e}")),
                Just(String::new()),
            ],
            0..30,
        ),
        ending in prop::sample::select(&["\n", "\r\n", "\r"][..]),
    ) {
        let body = lines.join(ending).into_bytes();
        let acc = fold(&[body]);
        prop_assert!(acc.content().len() <= MAX_BLOCKS);
    }
}
