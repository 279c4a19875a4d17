//! The Messages streaming events, parsed from SSE `data:` JSON.
//!
//! Invariant: parsing never fails on something new. The event kind comes from `data.type`
//! (which the API sets equal to the SSE event name); an unknown kind becomes
//! [`StreamEvent::Unknown`] with its JSON kept, and blocks and deltas stay `serde_json::Value`
//! so unknown fields ride along untouched. Only malformed JSON is an error.

use super::sse::SseEvent;
use serde_json::Value;

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
        delta: Value,
    },
    ContentBlockStop {
        index: usize,
    },
    MessageDelta {
        delta: Value,
        usage: Option<Value>,
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

impl StreamEvent {
    pub fn parse(sse: &SseEvent) -> Result<StreamEvent, String> {
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
                .map(|i| i as usize)
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
                delta: field("delta"),
            },
            "content_block_stop" => StreamEvent::ContentBlockStop { index: index()? },
            "message_delta" => StreamEvent::MessageDelta {
                delta: field("delta"),
                usage: data.get("usage").cloned(),
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
    fn broken_json_in_a_known_event_is_an_error() {
        assert!(StreamEvent::parse(&sse("message_delta", "{\"type\":")).is_err());
    }
}
