//! Opening a streamed `POST /v1/messages` and reading its events.
//!
//! Invariant: retries happen only inside [`open`], before the first byte of the body is read;
//! once [`EventStream::next`] has yielded an event, a failure is reported, never retried, so
//! nothing the user already saw is duplicated or lost. A stream that ends without
//! `message_stop` is [`ApiError::Cut`].

use super::client::Client;
use super::error::ApiError;
use super::events::StreamEvent;
use super::sse::SseDecoder;
use futures::stream::BoxStream;
use futures::{FutureExt, StreamExt};
use reqwest::Method;
use serde_json::Value;
use std::collections::VecDeque;

/// Chunks decoded in one go before events are handed out, bounding the latency of a burst.
const MAX_BATCH_CHUNKS: usize = 256;

pub struct EventStream {
    body: BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    decoder: SseDecoder,
    pending: VecDeque<StreamEvent>,
    request_id: Option<String>,
    saw_stop: bool,
    finished: bool,
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
        pending: VecDeque::new(),
        request_id,
        saw_stop: false,
        finished: false,
    })
}

impl EventStream {
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// Every event that has arrived has been handed out: a good moment to show them.
    pub fn is_settled(&self) -> bool {
        self.pending.is_empty()
    }

    fn decode(&mut self, chunk: &[u8]) -> Result<(), String> {
        for sse in self.decoder.feed(chunk) {
            self.pending.push_back(StreamEvent::parse(&sse)?);
        }
        Ok(())
    }

    /// The next event; `None` after `message_stop` or after an error was returned.
    pub async fn next(&mut self) -> Option<Result<StreamEvent, ApiError>> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                match &event {
                    StreamEvent::MessageStop => self.saw_stop = true,
                    StreamEvent::Error { .. } => self.finished = true,
                    _ => {}
                }
                return Some(Ok(event));
            }
            if self.finished || self.saw_stop {
                return None;
            }
            let mut next = self.body.next().await;
            let mut ready = 0;
            while let Some(Ok(chunk)) = &next {
                if let Err(reason) = self.decode(chunk) {
                    self.finished = true;
                    return Some(Err(ApiError::Protocol(reason)));
                }
                // Take every chunk that is already here, so a burst becomes one batch and
                // `is_settled` turns true only when the network has nothing more for now.
                ready += 1;
                if ready == MAX_BATCH_CHUNKS {
                    break;
                }
                match self.body.next().now_or_never() {
                    Some(more) => next = more,
                    None => break,
                }
            }
            match next {
                Some(Ok(_)) => {}
                Some(Err(_)) | None => {
                    self.finished = true;
                    // A last event without its blank line is trusted only when it parses and
                    // ends the stream anyway; anything else means the answer was cut.
                    let last = self
                        .decoder
                        .finish()
                        .and_then(|sse| StreamEvent::parse(&sse).ok());
                    if let Some(event @ (StreamEvent::MessageStop | StreamEvent::Error { .. })) =
                        last
                    {
                        self.pending.push_back(event);
                        continue;
                    }
                    return Some(Err(ApiError::Cut {
                        request_id: self.request_id.clone(),
                    }));
                }
            }
        }
    }
}
