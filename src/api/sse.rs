//! An incremental Server-Sent Events decoder (the WHATWG `text/event-stream` rules).
//!
//! Invariant: feeding the same bytes in any split — inside a line, inside a CRLF pair, inside a
//! UTF-8 sequence — yields the same events (a property test checks it). Lines end at CRLF, LF or
//! CR; `:` lines are comments; `data:` lines join with `\n`; one space after the colon is
//! dropped; an empty line dispatches; an unterminated event at the end of input is
//! handed out only by [`SseDecoder::finish`].
//!
//! The stream is untrusted input: one event (its unterminated line plus its `data:` so far)
//! may hold at most [`MAX_EVENT_BYTES`]; past that [`SseDecoder::feed`] fails with
//! [`EventTooLarge`] instead of buffering whatever the server keeps sending.
//!
//! Written here rather than taken from `eventsource-stream` because the client needs a pure,
//! synchronous `feed(bytes) -> events` core that tests can drive chunk by chunk and that the
//! streaming code wraps, and because scanning resumes where it stopped, so a long answer
//! delivered in many small chunks costs linear time.

use std::borrow::Cow;

/// The largest event accepted. The biggest real events are code execution results, whose
/// stdout the API caps far below this; anything larger is a broken or hostile server.
pub const MAX_EVENT_BYTES: usize = 16 * 1024 * 1024;

/// One event grew past the decoder's limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the server sent an event larger than {} MiB; the stream was stopped", .limit / (1024 * 1024))]
pub struct EventTooLarge {
    pub limit: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field; "message" when the server sent none.
    pub event: String,
    pub data: String,
    pub id: Option<String>,
}

#[derive(Debug)]
pub struct SseDecoder {
    limit: usize,
    buf: Vec<u8>,
    /// Bytes of `buf` already searched for a line end.
    scanned: usize,
    /// The previous chunk ended with CR, so a leading LF belongs to that line end.
    skip_lf: bool,
    bom_checked: bool,
    event: String,
    data: String,
    has_data: bool,
    last_id: Option<String>,
}

impl Default for SseDecoder {
    fn default() -> SseDecoder {
        SseDecoder::with_limit(MAX_EVENT_BYTES)
    }
}

impl SseDecoder {
    pub fn new() -> SseDecoder {
        SseDecoder::default()
    }

    /// A decoder that refuses events larger than `limit` bytes.
    pub fn with_limit(limit: usize) -> SseDecoder {
        SseDecoder {
            limit,
            buf: Vec::new(),
            scanned: 0,
            skip_lf: false,
            bom_checked: false,
            event: String::new(),
            data: String::new(),
            has_data: false,
            last_id: None,
        }
    }

    /// Decodes `chunk`, returning every event it completes, or an error once the event being
    /// read grows past the limit (the decoder is then spent: feed it nothing more).
    pub fn feed(&mut self, chunk: &[u8]) -> Result<Vec<SseEvent>, EventTooLarge> {
        let mut out = Vec::new();
        let mut chunk = chunk;
        if self.skip_lf && !chunk.is_empty() {
            if chunk[0] == b'\n' {
                chunk = &chunk[1..];
            }
            self.skip_lf = false;
        }
        self.buf.extend_from_slice(chunk);
        if !self.bom_checked && self.buf.len() >= 3 {
            if self.buf.starts_with(b"\xEF\xBB\xBF") {
                self.buf.drain(..3);
            }
            self.bom_checked = true;
        }
        // Lines are read straight out of the buffer (moved out so `line` can borrow self).
        let buf = std::mem::take(&mut self.buf);
        let mut start = 0;
        let mut i = self.scanned;
        while i < buf.len() {
            let b = buf[i];
            if b == b'\n' || b == b'\r' {
                let line = match std::str::from_utf8(&buf[start..i]) {
                    Ok(text) => Cow::Borrowed(text),
                    Err(_) => String::from_utf8_lossy(&buf[start..i]),
                };
                let mut next = i + 1;
                if b == b'\r' {
                    if next < buf.len() {
                        if buf[next] == b'\n' {
                            next += 1;
                        }
                    } else {
                        self.skip_lf = true;
                    }
                }
                if let Some(event) = self.line(&line) {
                    out.push(event);
                }
                if self.data.len() > self.limit {
                    return Err(EventTooLarge { limit: self.limit });
                }
                start = next;
                i = next;
            } else {
                i += 1;
            }
        }
        self.buf = buf;
        self.buf.drain(..start);
        self.scanned = self.buf.len();
        if self.buf.len() + self.data.len() > self.limit {
            return Err(EventTooLarge { limit: self.limit });
        }
        Ok(out)
    }

    /// Ends the input: a last event whose blank line never came is dispatched, so a server
    /// that closes right after its final `data:` line (an `error` event, typically) is still
    /// heard. Callers decide whether such an event can be trusted (it may be truncated).
    pub fn finish(&mut self) -> Option<SseEvent> {
        let rest = String::from_utf8_lossy(&std::mem::take(&mut self.buf)).into_owned();
        self.scanned = 0;
        if !rest.is_empty() {
            let _ = self.line(&rest);
        }
        self.dispatch()
    }

    fn line(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            return self.dispatch();
        }
        if line.starts_with(':') {
            return None;
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match field {
            "event" => self.event = value.to_string(),
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "id" if !value.contains('\0') => self.last_id = Some(value.to_string()),
            _ => {}
        }
        None
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = std::mem::take(&mut self.event);
        if !std::mem::take(&mut self.has_data) {
            return None;
        }
        Some(SseEvent {
            event: if event.is_empty() {
                "message".to_string()
            } else {
                event
            },
            data: std::mem::take(&mut self.data),
            id: self.last_id.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn decode_all(chunks: &[&[u8]]) -> Vec<SseEvent> {
        let mut d = SseDecoder::new();
        chunks.iter().flat_map(|c| d.feed(c).unwrap()).collect()
    }

    fn ev(event: &str, data: &str) -> SseEvent {
        SseEvent {
            event: event.into(),
            data: data.into(),
            id: None,
        }
    }

    #[test]
    fn basic_events_with_names() {
        let got =
            decode_all(&[b"event: ping\ndata: {\"type\": \"ping\"}\n\nevent: x\ndata: 1\n\n"]);
        assert_eq!(got, vec![ev("ping", "{\"type\": \"ping\"}"), ev("x", "1")]);
    }

    #[test]
    fn comments_multiline_data_and_missing_space() {
        let got = decode_all(&[b": keep-alive\ndata:a\ndata: b\n\n"]);
        assert_eq!(got, vec![ev("message", "a\nb")]);
    }

    #[test]
    fn crlf_and_lone_cr_line_endings() {
        assert_eq!(
            decode_all(&[b"event: e\r\ndata: 1\r\n\r\n"]),
            vec![ev("e", "1")]
        );
        assert_eq!(decode_all(&[b"event: e\rdata: 1\r\r"]), vec![ev("e", "1")]);
    }

    #[test]
    fn crlf_split_across_chunks_is_one_line_end() {
        let got = decode_all(&[b"data: 1\r", b"\n\r", b"\ndata: 2\n\n"]);
        assert_eq!(got, vec![ev("message", "1"), ev("message", "2")]);
    }

    #[test]
    fn unterminated_event_waits_for_finish_and_empty_data_is_not_dispatched() {
        let mut d = SseDecoder::new();
        assert!(
            d.feed(b"event: e\n\nevent: error\ndata: {}\n")
                .unwrap()
                .is_empty()
        );
        assert_eq!(d.finish(), Some(ev("error", "{}")));
        assert_eq!(d.finish(), None);
    }

    #[test]
    fn bom_is_ignored_and_ids_are_kept() {
        let got = decode_all(&[b"\xEF\xBB", b"\xBFid: 7\ndata: x\n\n"]);
        assert_eq!(got[0].id.as_deref(), Some("7"));
        assert_eq!(got[0].data, "x");
    }

    #[test]
    fn an_event_past_the_limit_is_refused_whether_its_line_ends_or_not() {
        let line = format!("data: {}\n", "x".repeat(100));
        // An unterminated line that keeps growing.
        let mut d = SseDecoder::with_limit(64);
        assert_eq!(d.feed(&line.as_bytes()[..50]).unwrap(), vec![]);
        assert_eq!(
            d.feed(&line.as_bytes()[50..]),
            Err(EventTooLarge { limit: 64 })
        );
        // Many short data lines that add up.
        let mut d = SseDecoder::with_limit(64);
        let many = "data: 0123456789\n".repeat(10);
        assert!(d.feed(many.as_bytes()).is_err());
        // Events under the limit pass, however many.
        let mut d = SseDecoder::with_limit(64);
        let small = "data: 0123456789\n\n".repeat(100);
        assert_eq!(d.feed(small.as_bytes()).unwrap().len(), 100);
    }

    const SAMPLE: &[u8] = "event: message_start\r\ndata: {\"a\": 1   }\r\n\r\n: comment\n\
        event: content_block_delta\ndata: {\"text\":\"h\u{e9}llo \u{1F600}\"}\n\n\
        data: line1\ndata: line2\r\rid: 3\nevent: message_stop\ndata: {}\n\n"
        .as_bytes();

    proptest! {
        #[test]
        fn any_chunking_gives_the_same_events(cuts in proptest::collection::vec(0..SAMPLE.len(), 0..12)) {
            let whole = decode_all(&[SAMPLE]);
            let mut cuts = cuts;
            cuts.sort_unstable();
            let mut chunks = Vec::new();
            let mut last = 0;
            for c in cuts {
                chunks.push(&SAMPLE[last..c]);
                last = c;
            }
            chunks.push(&SAMPLE[last..]);
            prop_assert_eq!(decode_all(&chunks), whole.clone());
            prop_assert_eq!(whole.len(), 4);
        }
    }
}
