//! Folding stream events into the assistant's content blocks.
//!
//! Invariant: the blocks equal what the API would return unstreamed: text and thinking deltas
//! are appended in place, `input_json_delta` fragments are joined and parsed once at
//! `content_block_stop`, tool results arrive whole in `content_block_start`, and any block or
//! field clab does not know is kept verbatim so it can be sent back next turn. Every event costs
//! time proportional to its own size, never to the answer so far. A `pause_turn` continuation
//! appends to the same blocks (its indices restart at 0) and adds its usage.
//!
//! The stream is untrusted input. An event that would corrupt the answer (a block index past
//! [`MAX_BLOCKS`], a second `message_start`) is a [`Violation`] that ends the turn; one that
//! only makes no sense (a delta or stop for a block that never started, a block started
//! twice) is skipped and reported as [`Update::Skipped`] for the log. Answer events before any
//! `message_start` are a violation too: such a stream is not the API's.
//! Nothing is ever allocated in proportion to a number the server sent.

use crate::api::events::{Delta, StreamEvent};
use crate::domain::container::Container;
use crate::domain::usage::Usage;
use serde::Serialize;
use serde_json::{Map, Value};

/// The most content blocks one answer may have, continuations included. Real answers have
/// tens; the limit only bounds what a broken server can make clab allocate.
pub const MAX_BLOCKS: usize = 4096;

/// An event that cannot be folded into the answer without corrupting it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Violation {
    #[error(
        "the server sent a content block index of {index}; clab accepts at most {MAX_BLOCKS} blocks in one answer"
    )]
    IndexTooLarge { index: usize },
    #[error("the server started a second message in the same stream")]
    SecondMessageStart,
    #[error("the server sent {event} before message_start")]
    NoMessageStart { event: &'static str },
}

/// What changed, for views that print or draw as the stream goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    BlockStarted(usize),
    TextDelta {
        block: usize,
        text: String,
    },
    ThinkingDelta {
        block: usize,
        text: String,
    },
    /// A piece of a tool use's input JSON (the block's `input` is set when it stops).
    InputDelta {
        block: usize,
        json: String,
    },
    BlockStopped(usize),
    Stopped {
        stop_reason: Option<String>,
    },
    Unknown(String),
    /// An event that made no sense was skipped; the sentence says which and why.
    Skipped(String),
    /// Every event received so far has been applied: the moment to flush or draw. Emitted by
    /// the turn driver between bursts, never by the accumulator.
    Settled,
    None,
}

#[derive(Debug, Clone)]
struct Slot {
    block: Value,
    partial_json: String,
    stopped: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Accumulator {
    slots: Vec<Option<Slot>>,
    /// Where the current request's index 0 lands (non-zero after a continuation).
    offset: usize,
    pub message_id: Option<String>,
    pub model: Option<String>,
    pub stop_reason: Option<String>,
    pub container: Option<Container>,
    /// Usage of finished requests of this turn.
    usage_before: Usage,
    /// Cumulative usage of the request in progress.
    usage_now: Usage,
    /// The prompt size of the newest request: after a compaction, its final step's.
    pub prompt_tokens: u64,
    /// What the API's context management did during this turn (`applied_edits` entries).
    pub applied_edits: Vec<Value>,
    /// The prompt's size before a compaction of this turn (its `compaction` step's input).
    pub compacted_from: Option<u64>,
    /// Events and deltas clab does not know, kept to be shown.
    pub unknown: Vec<Value>,
    /// The `event: error` that ended the stream, if any: (type, message, request id).
    pub error: Option<(String, String, Option<String>)>,
    /// A `message_stop` arrived for the request in progress.
    pub stopped: bool,
    /// A `message_start` arrived for the request in progress.
    started: bool,
}

impl Accumulator {
    pub fn new() -> Accumulator {
        Accumulator::default()
    }

    /// Prepares for the next request of the same turn (after `pause_turn`).
    pub fn begin_continuation(&mut self) {
        self.offset = self.slots.len();
        self.usage_before.add(&self.usage_now);
        self.usage_now = Usage::default();
        self.stop_reason = None;
        self.stopped = false;
        self.started = false;
    }

    /// Takes a `usage` object of the request in progress: its billed counts (every step of a
    /// compaction) and the size of its final prompt.
    fn note_usage(&mut self, usage: &Value) {
        if usage.get("iterations").is_some() {
            self.usage_now = Usage::billed(usage);
        } else {
            self.usage_now.overlay(usage);
        }
        let last_step = usage
            .get("iterations")
            .and_then(Value::as_array)
            .and_then(|steps| steps.last())
            .unwrap_or(usage);
        let mut prompt = self.usage_now;
        prompt.overlay(last_step);
        self.prompt_tokens = prompt.prompt_tokens();
        let compaction = usage
            .get("iterations")
            .and_then(Value::as_array)
            .and_then(|steps| steps.iter().find(|s| s["type"] == "compaction"));
        if let Some(step) = compaction {
            self.compacted_from = Some(Usage::billed(step).prompt_tokens());
        }
    }

    pub fn usage(&self) -> Usage {
        let mut total = self.usage_before;
        total.add(&self.usage_now);
        total
    }

    /// The content blocks so far, in order, as the API's JSON.
    pub fn content(&self) -> Vec<Value> {
        self.slots
            .iter()
            .flatten()
            .map(|s| s.block.clone())
            .collect()
    }

    /// Moves the content blocks out, leaving the answer without any; usage, container and
    /// stop reason stay.
    pub fn take_content(&mut self) -> Vec<Value> {
        self.slots.drain(..).flatten().map(|s| s.block).collect()
    }

    /// The content blocks so far as a JSON array, written straight from the blocks held
    /// (no copy of them is made first): what a checkpoint stores.
    pub fn content_json(&self) -> String {
        struct Blocks<'a>(&'a [Option<Slot>]);
        impl Serialize for Blocks<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_seq(self.0.iter().flatten().map(|slot| &slot.block))
            }
        }
        crate::exact_json::to_string(&Blocks(&self.slots)).unwrap_or_else(|_| "[]".to_string())
    }

    pub fn block(&self, position: usize) -> Option<&Value> {
        self.slots.get(position)?.as_ref().map(|s| &s.block)
    }

    /// Blocks whose `content_block_stop` never came (a cut stream).
    pub fn unfinished(&self) -> usize {
        self.slots.iter().flatten().filter(|s| !s.stopped).count()
    }

    /// Folds one event in; a [`Violation`] leaves the answer as it was before the event.
    pub fn apply(&mut self, event: StreamEvent) -> Result<Update, Violation> {
        if !self.started
            && let Some(name) = event.answer_event_name()
        {
            return Err(Violation::NoMessageStart { event: name });
        }
        Ok(match event {
            StreamEvent::MessageStart { message } => {
                if self.started {
                    return Err(Violation::SecondMessageStart);
                }
                self.started = true;
                self.message_id = text(&message, "id").or(self.message_id.take());
                self.model = text(&message, "model").or(self.model.take());
                if let Some(usage) = message.get("usage") {
                    self.note_usage(usage);
                }
                Update::None
            }
            StreamEvent::ContentBlockStart { index, block } => {
                let position = self.position(index)?;
                if self.slots.len() <= position {
                    self.slots.resize(position + 1, None);
                }
                if self.slots[position].is_some() {
                    Update::Skipped(format!(
                        "content_block_start for block {index}, which had already started"
                    ))
                } else {
                    self.slots[position] = Some(Slot {
                        block,
                        partial_json: String::new(),
                        stopped: false,
                    });
                    Update::BlockStarted(position)
                }
            }
            StreamEvent::ContentBlockDelta { index, delta } => {
                let position = self.position(index)?;
                self.delta(position, index, delta)
            }
            StreamEvent::ContentBlockStop { index } => {
                let position = self.position(index)?;
                match self.slots.get_mut(position).and_then(Option::as_mut) {
                    Some(slot) if !slot.stopped => {
                        finish_input(slot);
                        slot.stopped = true;
                        Update::BlockStopped(position)
                    }
                    Some(_) => Update::Skipped(format!(
                        "content_block_stop for block {index}, which had already stopped"
                    )),
                    None => Update::Skipped(format!(
                        "content_block_stop for block {index}, which never started"
                    )),
                }
            }
            StreamEvent::MessageDelta {
                delta,
                usage,
                context_management,
            } => {
                if let Some(edits) = context_management
                    .as_ref()
                    .and_then(|c| c.get("applied_edits"))
                    .and_then(Value::as_array)
                {
                    self.applied_edits.extend(edits.iter().cloned());
                }
                if let Some(reason) = delta.get("stop_reason").and_then(Value::as_str) {
                    self.stop_reason = Some(reason.to_string());
                }
                if let Some(c) = delta.get("container").filter(|c| c.is_object())
                    && let Some(id) = text(c, "id")
                {
                    self.container = Some(Container {
                        id,
                        expires_at: text(c, "expires_at"),
                    });
                }
                if let Some(usage) = usage {
                    self.note_usage(&usage);
                }
                Update::None
            }
            StreamEvent::MessageStop => {
                self.stopped = true;
                Update::Stopped {
                    stop_reason: self.stop_reason.clone(),
                }
            }
            StreamEvent::Ping => Update::None,
            StreamEvent::Error {
                error_type,
                message,
                request_id,
            } => {
                self.error = Some((error_type, message, request_id));
                Update::None
            }
            StreamEvent::Unknown { name, data } => {
                self.unknown.push(data);
                Update::Unknown(name)
            }
        })
    }

    /// Where block `index` of the request in progress lands, if within [`MAX_BLOCKS`].
    fn position(&self, index: usize) -> Result<usize, Violation> {
        self.offset
            .checked_add(index)
            .filter(|&p| p < MAX_BLOCKS)
            .ok_or(Violation::IndexTooLarge { index })
    }

    fn delta(&mut self, position: usize, index: usize, delta: Delta) -> Update {
        let Some(slot) = self.slots.get_mut(position).and_then(Option::as_mut) else {
            return Update::Skipped(format!(
                "content_block_delta for block {index}, which never started"
            ));
        };
        match delta {
            Delta::Text(text) => {
                append(&mut slot.block, "text", &text);
                Update::TextDelta {
                    block: position,
                    text,
                }
            }
            Delta::Thinking(text) => {
                append(&mut slot.block, "thinking", &text);
                Update::ThinkingDelta {
                    block: position,
                    text,
                }
            }
            Delta::Signature(signature) => {
                append(&mut slot.block, "signature", &signature);
                Update::None
            }
            Delta::InputJson(piece) => {
                slot.partial_json.push_str(&piece);
                Update::InputDelta {
                    block: position,
                    json: piece,
                }
            }
            Delta::Other(value)
                if value.get("type").and_then(Value::as_str) == Some("compaction_delta") =>
            {
                if let Some(piece) = value.get("content").and_then(Value::as_str) {
                    append(&mut slot.block, "content", piece);
                }
                Update::None
            }
            Delta::Other(value)
                if value.get("type").and_then(Value::as_str) == Some("citations_delta") =>
            {
                if let (Some(obj), Some(citation)) =
                    (slot.block.as_object_mut(), value.get("citation"))
                {
                    let list = obj
                        .entry("citations")
                        .or_insert_with(|| Value::Array(Vec::new()));
                    if !list.is_array() {
                        *list = Value::Array(Vec::new());
                    }
                    if let Value::Array(items) = list {
                        items.push(citation.clone());
                    }
                }
                Update::None
            }
            Delta::Other(value) => {
                let kind = value
                    .get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("untyped");
                let name = format!("{kind} delta");
                self.unknown.push(value);
                Update::Unknown(name)
            }
        }
    }
}

fn text(value: &Value, name: &str) -> Option<String> {
    value.get(name).and_then(Value::as_str).map(str::to_string)
}

/// Appends to a string field in place (creating it), so long answers stay linear.
fn append(block: &mut Value, field: &str, piece: &str) {
    let Some(obj) = block.as_object_mut() else {
        return;
    };
    match obj.get_mut(field) {
        Some(Value::String(s)) => s.push_str(piece),
        _ => {
            obj.insert(field.to_string(), Value::String(piece.to_string()));
        }
    }
}

/// Parses the joined `input_json_delta` fragments into the block's `input`. Fragments that do
/// not parse (a cut stream, a broken server) are kept as a string under `input` so nothing is
/// lost, and the log says so.
fn finish_input(slot: &mut Slot) {
    if slot.partial_json.trim().is_empty() {
        return;
    }
    let json = std::mem::take(&mut slot.partial_json);
    let input = serde_json::from_str::<Value>(&json).unwrap_or_else(|e| {
        tracing::warn!("a tool input is not valid JSON ({e}); kept as text");
        Value::String(json)
    });
    if let Some(obj) = slot.block.as_object_mut() {
        obj.insert("input".to_string(), input);
    } else {
        let mut obj = Map::new();
        obj.insert("input".to_string(), input);
        slot.block = Value::Object(obj);
    }
}

#[cfg(test)]
#[path = "accumulator_tests.rs"]
mod tests;
