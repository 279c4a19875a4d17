//! Opening a streamed `POST /v1/messages` and reading its events.
//!
//! Invariant: retries happen only inside [`open`], before the first byte of the body is read;
//! once [`EventStream::next`] has yielded an event, a failure is reported, never retried, so
//! nothing the user already saw is duplicated or lost.
//!
//! Every event that arrived is handed out before the end of the body is reported, in
//! whatever read the end came: HTTP/2 sets END_STREAM on the last DATA frame, a chunked body
//! often carries its terminator in the same segment as the last event, a `content-length` body
//! is complete with its last byte. Only then is a stream without `message_stop`
//! [`ApiError::Cut`]. Nothing after `message_stop` or an `error` event is handed out.
//!
//! Memory is bounded whatever the framing: arrived bytes wait as they came (at most about
//! [`MAX_BATCH_BYTES`] of them are taken from the connection at once) and are decoded
//! [`FEED_BYTES`] at a time, when the events before them have been handed out. Decoding a
//! whole burst at once (a `content-length` body arrives in one) held three times its size
//! in small event values.

use super::client::{Client, describe_reqwest_error};
use super::error::ApiError;
use super::events::StreamEvent;
use super::sse::SseDecoder;
use crate::text_safety::one_line;
use futures::stream::BoxStream;
use futures::{FutureExt, StreamExt};
use reqwest::Method;
use serde_json::Value;
use std::collections::VecDeque;

/// Chunks taken from the connection in one go, bounding the latency of a burst.
const MAX_BATCH_CHUNKS: usize = 256;
/// Bytes taken from the connection in one go (a chunk larger than this is taken whole).
const MAX_BATCH_BYTES: usize = 256 * 1024;
/// Bytes decoded into events at a time.
const FEED_BYTES: usize = 16 * 1024;

pub struct EventStream {
    body: BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    decoder: SseDecoder,
    /// Arrived bytes not decoded yet, as they came.
    raw: VecDeque<bytes::Bytes>,
    raw_len: usize,
    /// The body ended (or failed); its last bytes may still be in `raw`.
    body_ended: bool,
    pending: VecDeque<StreamEvent>,
    request_id: Option<String>,
    /// `message_stop` or an `error` event was handed out: the answer is over.
    over: bool,
    /// How the stream ends (the body's end, or a decoding error); reported once every event
    /// before it is handed out, unless one of them ended the answer.
    end: Option<ApiError>,
    /// The end or an error was reported: nothing more comes.
    spent: bool,
}

/// Sends the request (with retries) and returns its event stream.
pub async fn open(client: &Client, body: &Value, betas: &[&str]) -> Result<EventStream, ApiError> {
    let response = client
        .send(|| {
            Ok(client
                .request(Method::POST, "/v1/messages", betas)
                .header("accept", "text/event-stream")
                .json(body))
        })
        .await?;
    let request_id = response
        .headers()
        .get("request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    if !content_type.starts_with("text/event-stream") {
        return Err(ApiError::Protocol(format!(
            "expected an event stream, got content-type \"{content_type}\""
        )));
    }
    Ok(EventStream {
        body: response.bytes_stream().boxed(),
        decoder: SseDecoder::new(),
        raw: VecDeque::new(),
        raw_len: 0,
        body_ended: false,
        pending: VecDeque::new(),
        request_id,
        over: false,
        end: None,
        spent: false,
    })
}

impl EventStream {
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// Every event that has arrived has been handed out: a good moment to show them.
    pub fn is_settled(&self) -> bool {
        self.pending.is_empty() && self.raw.is_empty()
    }

    /// Decodes the next [`FEED_BYTES`] of what arrived; a decoding error ends the stream.
    fn feed_some(&mut self) {
        let Some(mut chunk) = self.raw.pop_front() else {
            return;
        };
        if chunk.len() > FEED_BYTES {
            let rest = chunk.split_off(FEED_BYTES);
            self.raw.push_front(rest);
        }
        self.raw_len -= chunk.len();
        if let Err(error) = self.decode(&chunk) {
            self.raw.clear();
            self.raw_len = 0;
            self.end = Some(error);
        }
    }

    fn decode(&mut self, chunk: &[u8]) -> Result<(), ApiError> {
        let events = self
            .decoder
            .feed(chunk)
            .map_err(|e| ApiError::Protocol(e.to_string()))?;
        for sse in events {
            self.pending
                .push_back(StreamEvent::parse(&sse).map_err(ApiError::Protocol)?);
        }
        Ok(())
    }

    /// The next event; `None` after `message_stop`, an `error` event, or a reported error.
    pub async fn next(&mut self) -> Option<Result<StreamEvent, ApiError>> {
        loop {
            if self.over || self.spent {
                return None;
            }
            if let Some(event) = self.pending.pop_front() {
                self.over = matches!(event, StreamEvent::MessageStop | StreamEvent::Error { .. });
                return Some(Ok(event));
            }
            if !self.raw.is_empty() {
                self.feed_some();
                continue;
            }
            if self.body_ended && self.end.is_none() {
                self.end_of_body();
                continue;
            }
            if let Some(end) = self.end.take() {
                self.spent = true;
                return Some(Err(end));
            }
            self.read_batch().await;
        }
    }

    /// Reads one chunk, and every further chunk already here, into `raw`; at the end of the
    /// body (or on an error) marks it ended instead of reporting it, so the events in the
    /// same read still come first.
    async fn read_batch(&mut self) {
        let mut next = self.body.next().await;
        let mut ready = 0;
        loop {
            match next {
                Some(Ok(chunk)) => {
                    self.raw_len += chunk.len();
                    self.raw.push_back(chunk);
                }
                Some(Err(error)) => {
                    // The answer is then cut (unless `message_stop` had come); the log says
                    // why the body failed.
                    let why = describe_reqwest_error(&error);
                    tracing::warn!("the answer's body failed: {}", one_line(&why));
                    self.body_ended = true;
                    return;
                }
                None => {
                    self.body_ended = true;
                    return;
                }
            }
            // Take every chunk that is already here, so a burst becomes one batch and
            // `is_settled` turns true only when the network has nothing more for now. An
            // HTTP/2 stream queues its frames, so they are taken at once; an HTTP/1 body is
            // handed over one chunk at a time by the connection's own task, so when none is
            // waiting that task gets its turn before the body is asked again.
            ready += 1;
            if ready == MAX_BATCH_CHUNKS || self.raw_len >= MAX_BATCH_BYTES {
                return;
            }
            next = match self.body.next().now_or_never() {
                Some(more) => more,
                None => {
                    tokio::task::yield_now().await;
                    match self.body.next().now_or_never() {
                        Some(more) => more,
                        None => return,
                    }
                }
            };
        }
    }

    /// The body is over and all of it is decoded. A last event without its blank line is
    /// trusted only when it parses and ends the answer anyway; without `message_stop` the
    /// answer was cut.
    fn end_of_body(&mut self) {
        let last = self
            .decoder
            .finish()
            .and_then(|sse| StreamEvent::parse(&sse).ok());
        if let Some(event @ (StreamEvent::MessageStop | StreamEvent::Error { .. })) = last {
            self.pending.push_back(event);
        }
        self.end = Some(ApiError::cut(self.request_id.as_deref()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream_of(body: Vec<u8>) -> EventStream {
        let chunks: Vec<reqwest::Result<bytes::Bytes>> = vec![Ok(body.into())];
        EventStream {
            body: futures::stream::iter(chunks).boxed(),
            decoder: SseDecoder::new(),
            raw: VecDeque::new(),
            raw_len: 0,
            body_ended: false,
            pending: VecDeque::new(),
            request_id: None,
            over: false,
            end: None,
            spent: false,
        }
    }

    #[tokio::test]
    async fn a_burst_in_one_chunk_is_decoded_a_little_at_a_time() {
        let ping = "event: ping\ndata: {\"type\":\"ping\"}\n\n";
        let mut body = ping.repeat(20_000);
        body.push_str("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        let mut stream = stream_of(body.into_bytes());
        let mut seen = 0;
        let mut most_pending = 0;
        while let Some(event) = stream.next().await {
            let event = event.unwrap();
            most_pending = most_pending.max(stream.pending.len());
            seen += 1;
            if matches!(event, StreamEvent::MessageStop) {
                break;
            }
        }
        assert_eq!(seen, 20_001);
        assert!(
            most_pending <= FEED_BYTES / ping.len() + 1,
            "{most_pending} events were decoded ahead"
        );
        assert!(stream.next().await.is_none());
    }
}
