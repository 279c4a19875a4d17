//! The Messages streaming events, parsed from SSE `data:` JSON.
//!
//! Invariant: parsing never fails on something new. The event kind comes from `data.type`
//! (which the API sets equal to the SSE event name); an unknown kind becomes
//! [`StreamEvent::Unknown`] with its JSON kept, and blocks and deltas stay `serde_json::Value`
//! so unknown fields ride along untouched. Only malformed JSON is an error.

use super::sse::SseEvent;
use serde_json::Value;
use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    MessageStart {
        message: Value,
    },
    ContentBlockStart {
        index: usize,
        block: Value,
    },
    ContentBlockDelta {
        index: usize,
        delta: Delta,
    },
    ContentBlockStop {
        index: usize,
    },
    MessageDelta {
        delta: Value,
        usage: Option<Value>,
        /// What the API's context management did (`applied_edits`), beside `delta`.
        context_management: Option<Value>,
    },
    MessageStop,
    Ping,
    Error {
        error_type: String,
        message: String,
        request_id: Option<String>,
    },
    Unknown {
        name: String,
        data: Value,
    },
}

/// A content block delta. The four string-carrying kinds are typed because they are most of
/// every stream; any other kind (`citations_delta`, future ones) stays JSON.
#[derive(Debug, Clone, PartialEq)]
pub enum Delta {
    Text(String),
    InputJson(String),
    Thinking(String),
    Signature(String),
    Other(Value),
}

impl Delta {
    pub fn from_value(value: Value) -> Delta {
        let text = |name: &str| value.get(name).and_then(Value::as_str).map(str::to_string);
        let typed = match value.get("type").and_then(Value::as_str) {
            Some("text_delta") => text("text").map(Delta::Text),
            Some("input_json_delta") => text("partial_json").map(Delta::InputJson),
            Some("thinking_delta") => text("thinking").map(Delta::Thinking),
            Some("signature_delta") => text("signature").map(Delta::Signature),
            _ => None,
        };
        typed.unwrap_or(Delta::Other(value))
    }
}

/// The shape of a `content_block_delta`, read without building a JSON tree: deltas are
/// nearly every event of a long answer. Anything this does not cover takes the general path.
#[derive(serde::Deserialize)]
struct FastDelta<'a> {
    index: usize,
    #[serde(borrow)]
    delta: FastDeltaBody<'a>,
}

#[derive(serde::Deserialize)]
struct FastDeltaBody<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    text: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    partial_json: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    thinking: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    signature: Option<Cow<'a, str>>,
}

fn fast_delta(data: &str) -> Option<StreamEvent> {
    let FastDelta { index, delta } = serde_json::from_str(data).ok()?;
    let typed = match delta.kind.as_ref() {
        "text_delta" => Delta::Text(delta.text?.into_owned()),
        "input_json_delta" => Delta::InputJson(delta.partial_json?.into_owned()),
        "thinking_delta" => Delta::Thinking(delta.thinking?.into_owned()),
        "signature_delta" => Delta::Signature(delta.signature?.into_owned()),
        _ => return None,
    };
    Some(StreamEvent::ContentBlockDelta {
        index,
        delta: typed,
    })
}

impl StreamEvent {
    /// The name of an event that belongs inside a message (after `message_start`); `None`
    /// for those that may come anywhere (`ping`, `error`, unknown kinds) and for the start.
    pub fn answer_event_name(&self) -> Option<&'static str> {
        match self {
            StreamEvent::ContentBlockStart { .. } => Some("content_block_start"),
            StreamEvent::ContentBlockDelta { .. } => Some("content_block_delta"),
            StreamEvent::ContentBlockStop { .. } => Some("content_block_stop"),
            StreamEvent::MessageDelta { .. } => Some("message_delta"),
            StreamEvent::MessageStop => Some("message_stop"),
            StreamEvent::MessageStart { .. }
            | StreamEvent::Ping
            | StreamEvent::Error { .. }
            | StreamEvent::Unknown { .. } => None,
        }
    }

    pub fn parse(sse: &SseEvent) -> Result<StreamEvent, String> {
        if sse.event == "content_block_delta"
            && let Some(event) = fast_delta(&sse.data)
        {
            return Ok(event);
        }
        let data: Value = match serde_json::from_str(&sse.data) {
            Ok(v) => v,
            Err(e) if is_known(&sse.event) => {
                return Err(format!("invalid JSON in a {} event: {e}", sse.event));
            }
            Err(_) => Value::String(sse.data.clone()),
        };
        let kind = data
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or(&sse.event)
            .to_string();
        let index = || {
            data.get("index")
                .and_then(Value::as_u64)
                .map(|i| usize::try_from(i).unwrap_or(usize::MAX))
                .ok_or_else(|| format!("{kind} event without an index"))
        };
        let field = |name: &str| data.get(name).cloned().unwrap_or(Value::Null);
        Ok(match kind.as_str() {
            "message_start" => StreamEvent::MessageStart {
                message: field("message"),
            },
            "content_block_start" => StreamEvent::ContentBlockStart {
                index: index()?,
                block: field("content_block"),
            },
            "content_block_delta" => StreamEvent::ContentBlockDelta {
                index: index()?,
                delta: Delta::from_value(field("delta")),
            },
            "content_block_stop" => StreamEvent::ContentBlockStop { index: index()? },
            "message_delta" => StreamEvent::MessageDelta {
                delta: field("delta"),
                usage: data.get("usage").cloned(),
                context_management: data.get("context_management").cloned(),
            },
            "message_stop" => StreamEvent::MessageStop,
            "ping" => StreamEvent::Ping,
            "error" => {
                let err = data.get("error");
                let text = |name: &str| {
                    err.and_then(|e| e.get(name))
                        .and_then(Value::as_str)
                        .unwrap_or("unknown")
                        .to_string()
                };
                StreamEvent::Error {
                    error_type: text("type"),
                    message: text("message"),
                    request_id: data
                        .get("request_id")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                }
            }
            _ => StreamEvent::Unknown { name: kind, data },
        })
    }
}

fn is_known(name: &str) -> bool {
    matches!(
        name,
        "message_start"
            | "content_block_start"
            | "content_block_delta"
            | "content_block_stop"
            | "message_delta"
            | "message_stop"
            | "ping"
            | "error"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sse(event: &str, data: &str) -> SseEvent {
        SseEvent {
            event: event.into(),
            data: data.into(),
            id: None,
        }
    }

    #[test]
    fn padded_json_parses() {
        let e = StreamEvent::parse(&sse(
            "content_block_stop",
            "{\"type\":\"content_block_stop\",\"index\":0        }",
        ))
        .unwrap();
        assert_eq!(e, StreamEvent::ContentBlockStop { index: 0 });
    }

    #[test]
    fn unknown_events_are_kept_not_rejected() {
        let e = StreamEvent::parse(&sse("future_thing", "{\"type\":\"future_thing\",\"x\":1}"))
            .unwrap();
        assert!(
            matches!(e, StreamEvent::Unknown { ref name, ref data } if name == "future_thing" && data["x"] == 1)
        );
        let e = StreamEvent::parse(&sse("note", "not json")).unwrap();
        assert!(matches!(e, StreamEvent::Unknown { .. }));
    }

    #[test]
    fn error_events_carry_type_and_message() {
        let e = StreamEvent::parse(&sse(
            "error",
            "{\"type\": \"error\", \"error\": {\"type\": \"overloaded_error\", \"message\": \"Overloaded\"}}",
        ))
        .unwrap();
        assert_eq!(
            e,
            StreamEvent::Error {
                error_type: "overloaded_error".into(),
                message: "Overloaded".into(),
                request_id: None
            }
        );
    }

    #[test]
    fn deltas_parse_the_same_on_both_paths() {
        let data = "{\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"text_delta\",\"text\":\"a\\nb \\u00e9\"}   }";
        let fast = StreamEvent::parse(&sse("content_block_delta", data)).unwrap();
        let general = StreamEvent::parse(&sse("unnamed", data)).unwrap();
        assert_eq!(fast, general);
        assert_eq!(
            fast,
            StreamEvent::ContentBlockDelta {
                index: 2,
                delta: Delta::Text("a\nb \u{e9}".into())
            }
        );
        let citation = "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"citations_delta\",\"citation\":{\"x\":1}}}";
        let e = StreamEvent::parse(&sse("content_block_delta", citation)).unwrap();
        assert!(
            matches!(e, StreamEvent::ContentBlockDelta { delta: Delta::Other(ref v), .. } if v["citation"]["x"] == 1)
        );
    }

    #[test]
    fn broken_json_in_a_known_event_is_an_error() {
        assert!(StreamEvent::parse(&sse("message_delta", "{\"type\":")).is_err());
    }
}
