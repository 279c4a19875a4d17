//! One assistant turn, written block by block as the real service streams it.
//!
//! Invariant: content blocks get consecutive indexes starting at 0; text streams as
//! `text_delta`s of a few words; a `server_tool_use` starts with `"input":{}` and its input
//! streams as `input_json_delta` chunks (the first one `""`) that concatenate to exactly the
//! input JSON; tool results arrive whole in `content_block_start`, immediately followed by
//! `content_block_stop`. The same calls also accumulate the final `content` array, so the
//! non-streaming answer is the exact sum of the stream.

use serde_json::{Value, json};

use super::ids;
use super::sse::{Disconnected, SseWriter};

pub struct Turn {
    sink: Option<SseWriter>,
    content: Vec<Value>,
    /// Characters of generated text and tool input, for `output_tokens`.
    pub output_chars: usize,
    pinged: bool,
}

/// Splits `text` into pieces of one to four words (whitespace kept with its word).
fn word_chunks(text: &str) -> Vec<String> {
    let mut chunks = Vec::new();
    let mut current = String::new();
    let mut words = 0;
    let mut target = fastrand::usize(1..=4);
    for (i, c) in text.char_indices() {
        current.push(c);
        let word_end = !c.is_whitespace()
            && text[i + c.len_utf8()..]
                .chars()
                .next()
                .is_some_and(char::is_whitespace);
        if word_end {
            words += 1;
            if words >= target {
                chunks.push(std::mem::take(&mut current));
                words = 0;
                target = fastrand::usize(1..=4);
            }
        }
    }
    if !current.is_empty() {
        chunks.push(current);
    }
    chunks
}

/// Splits `s` into pieces of 2–14 bytes on char boundaries.
fn json_chunks(s: &str) -> Vec<&str> {
    let mut chunks = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let mut cut = fastrand::usize(2..=14).min(rest.len());
        while !rest.is_char_boundary(cut) {
            cut += 1;
        }
        let (head, tail) = rest.split_at(cut);
        chunks.push(head);
        rest = tail;
    }
    chunks
}

impl Turn {
    /// `sink: None` accumulates only (for non-streaming requests).
    pub fn new(sink: Option<SseWriter>) -> Turn {
        Turn {
            sink,
            content: Vec::new(),
            output_chars: 0,
            pinged: false,
        }
    }

    pub async fn send(&mut self, event: Value) -> Result<(), Disconnected> {
        match &mut self.sink {
            Some(w) => w.event(&event).await,
            None => Ok(()),
        }
    }

    async fn gap(&self) {
        if let Some(w) = &self.sink {
            w.delta_gap().await;
        }
    }

    /// Opens block `content.len()`, with one ping after the very first block start.
    async fn start_block(&mut self, block: Value) -> Result<usize, Disconnected> {
        let index = self.content.len();
        self.send(json!({"type": "content_block_start", "index": index, "content_block": block}))
            .await?;
        if !self.pinged {
            self.pinged = true;
            if let Some(w) = &mut self.sink {
                w.ping().await?;
            }
        }
        Ok(index)
    }

    async fn stop_block(&mut self, index: usize, block: Value) -> Result<(), Disconnected> {
        self.content.push(block);
        self.send(json!({"type": "content_block_stop", "index": index}))
            .await
    }

    pub async fn text(&mut self, text: &str) -> Result<(), Disconnected> {
        let index = self
            .start_block(json!({"type": "text", "text": ""}))
            .await?;
        for chunk in word_chunks(text) {
            self.gap().await;
            self.send(json!({"type": "content_block_delta", "index": index,
                "delta": {"type": "text_delta", "text": chunk}}))
                .await?;
        }
        self.output_chars += text.len();
        self.stop_block(index, json!({"type": "text", "text": text}))
            .await
    }

    /// Streams a `server_tool_use` block and returns its id.
    pub async fn tool_use(&mut self, name: &str, input: Value) -> Result<String, Disconnected> {
        let id = ids::server_tool_use_id();
        let index = self
            .start_block(json!({"type": "server_tool_use", "id": id, "name": name, "input": {}}))
            .await?;
        let serialized = input.to_string();
        for chunk in std::iter::once("").chain(json_chunks(&serialized)) {
            self.gap().await;
            self.send(json!({"type": "content_block_delta", "index": index,
                "delta": {"type": "input_json_delta", "partial_json": chunk}}))
                .await?;
        }
        self.output_chars += serialized.len();
        self.stop_block(
            index,
            json!({"type": "server_tool_use", "id": id, "name": name, "input": input}),
        )
        .await?;
        Ok(id)
    }

    /// The pause while the sandbox runs the code (pings only).
    /// A `compaction` block: it starts with `"content": null` and its summary arrives whole in
    /// one `compaction_delta`, as recorded.
    pub async fn compaction(&mut self, summary: &str) -> Result<(), Disconnected> {
        let index = self.content.len();
        self.content
            .push(json!({"type": "compaction", "content": summary}));
        self.send(json!({"type": "content_block_start", "index": index,
            "content_block": {"type": "compaction", "content": null}}))
            .await?;
        self.send(json!({"type": "content_block_delta", "index": index,
            "delta": {"type": "compaction_delta", "content": summary}}))
            .await?;
        self.send(json!({"type": "content_block_stop", "index": index}))
            .await
    }

    pub async fn code_running(&mut self) -> Result<(), Disconnected> {
        match &mut self.sink {
            Some(w) => w.code_running().await,
            None => Ok(()),
        }
    }

    /// A whole result block: `content_block_start` then `content_block_stop`.
    pub async fn result(&mut self, block: Value) -> Result<(), Disconnected> {
        let index = self.start_block(block.clone()).await?;
        self.stop_block(index, block).await
    }

    pub fn into_parts(self) -> (Option<SseWriter>, Vec<Value>) {
        (self.sink, self.content)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_reassemble_exactly() {
        let text = "I'll load the file — and look at its structure first.";
        assert_eq!(word_chunks(text).concat(), text);
        assert!(word_chunks(text).len() > 2);
        let json = r#"{"command":"python3 - <<'EOF'\nprint('é')\nEOF"}"#;
        assert_eq!(json_chunks(json).concat(), json);
    }
}
