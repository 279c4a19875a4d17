//! Server-sent-event framing and pacing, as the real API writes its streams.
//!
//! Invariant: every event is framed `event: <type>\ndata: <json>\n\n` with the event name
//! equal to `data.type`, and the JSON is valid even though, like real recordings, some
//! events are padded with spaces before the closing brace (`{"type":"content_block_stop",
//! "index":0      }`) and pings are written `{"type": "ping"}`. A client that byte-matches
//! instead of parsing JSON breaks here rather than in production.

use std::time::Duration;

use bytes::Bytes;
use futures::SinkExt as _;
use futures::channel::mpsc;
use serde_json::Value;

use super::Pace;

/// The client went away; the producer should stop.
#[derive(Debug)]
pub struct Disconnected;

/// Produces the bytes of a streaming response. Dropping it ends the body, so a producer
/// that returns right after its last event lets that event and the end leave together.
pub struct SseWriter {
    tx: mpsc::Sender<Bytes>,
    pace: Pace,
}

/// A writer and the body it feeds (to hand to [`super::delivery::respond`]).
pub fn channel(pace: Pace) -> (SseWriter, mpsc::Receiver<Bytes>) {
    let (tx, rx) = mpsc::channel(32);
    (SseWriter { tx, pace }, rx)
}

/// Frames one event; `pad` spaces go before the JSON's final `}`.
pub fn frame(v: &Value, pad: usize) -> String {
    let kind = v["type"].as_str().unwrap_or("unknown");
    let mut json = v.to_string();
    if pad > 0 && json.ends_with('}') {
        json.insert_str(json.len() - 1, &" ".repeat(pad));
    }
    format!("event: {kind}\ndata: {json}\n\n")
}

const PING: &str = "event: ping\ndata: {\"type\": \"ping\"}\n\n";

impl SseWriter {
    pub async fn raw(&mut self, bytes: Bytes) -> Result<(), Disconnected> {
        self.tx.send(bytes).await.map_err(|_| Disconnected)
    }

    /// Sends an event, padded like the real service about three times out of four.
    pub async fn event(&mut self, v: &Value) -> Result<(), Disconnected> {
        let pad = if fastrand::u8(..4) == 0 {
            0
        } else {
            fastrand::usize(1..16)
        };
        self.raw(Bytes::from(frame(v, pad))).await
    }

    pub async fn ping(&mut self) -> Result<(), Disconnected> {
        self.raw(Bytes::from_static(PING.as_bytes())).await
    }

    /// The gap between two generated deltas (none in [`Pace::Fast`]).
    pub async fn delta_gap(&self) {
        if self.pace == Pace::Realistic {
            tokio::time::sleep(Duration::from_millis(fastrand::u64(15..=40))).await;
        }
    }

    /// The pause while code "runs": pings spread over 0.6–1.2 s (three at once when fast).
    pub async fn code_running(&mut self) -> Result<(), Disconnected> {
        let pings = fastrand::usize(3..=5);
        let total = fastrand::u64(600..=1200);
        for _ in 0..pings {
            if self.pace == Pace::Realistic {
                tokio::time::sleep(Duration::from_millis(total / pings as u64)).await;
            }
            self.ping().await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn padded_frames_stay_valid_json() {
        let v = json!({"type": "content_block_stop", "index": 0});
        let f = frame(&v, 6);
        assert_eq!(
            f,
            "event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0      }\n\n"
        );
        let data = f.lines().nth(1).unwrap().strip_prefix("data: ").unwrap();
        assert_eq!(serde_json::from_str::<Value>(data).unwrap(), v);
    }
}
