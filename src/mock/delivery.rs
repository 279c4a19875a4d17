//! How a streamed answer goes on the wire: the HTTP/1.1 body framing, the size of the writes,
//! and where a scripted cut drops the connection.
//!
//! Invariant: delivery changes how the bytes travel, never which bytes. Whatever the framing
//! and write size, the client receives the producer's body byte for byte, or exactly its
//! first `cut_after_bytes` bytes followed by a dropped connection (no terminating chunk, or
//! fewer bytes than `content-length` announced). Real servers frame SSE bodies in all three
//! ways, and a client bug once hid because the mock only ever used one.
//!
//! - `chunked` (the default, as the API sends it): `transfer-encoding: chunked`, which hyper
//!   picks for a body of unknown length. When the producer has already finished, the last
//!   chunk and the terminator leave in the same write.
//! - `length`: the whole body is produced first, then sent under a `content-length` header.
//! - `close`: the response is HTTP/1.0, so hyper sends no length and ends the body by closing
//!   the connection.
//!
//! With a `write_size`, the body is cut into pieces of that size (a shorter one when the
//! producer pauses, so pacing is kept) and the task yields between pieces, so hyper flushes
//! each piece as its own write instead of gathering the ready ones into one.

use std::io;
use std::num::NonZeroUsize;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, Version, header};
use axum::response::Response;
use bytes::{Bytes, BytesMut};
use futures::stream::{self, BoxStream};
use futures::{FutureExt as _, Stream, StreamExt as _};
use serde::Deserialize;

/// The HTTP/1.1 body framing of a streamed response.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Framing {
    #[default]
    Chunked,
    Length,
    Close,
}

/// Everything about how one streamed response is delivered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Delivery {
    pub framing: Framing,
    /// Bytes per write; `None` sends each produced chunk as it comes.
    pub write_size: Option<NonZeroUsize>,
    /// Drop the connection after this many body bytes.
    pub cut_after_bytes: Option<u64>,
}

/// Lets hyper flush what is queued before a cut: an error in the same poll would discard it.
const FLUSH_BEFORE_CUT: Duration = Duration::from_millis(50);

/// The `200 text/event-stream` response delivering `body` as `delivery` says. With
/// [`Framing::Length`] this waits until the producer has finished.
pub async fn respond(body: impl Stream<Item = Bytes> + Send + 'static, d: Delivery) -> Response {
    let (source, length) = match d.framing {
        Framing::Length => {
            let parts: Vec<Bytes> = body.collect().await;
            let len: usize = parts.iter().map(Bytes::len).sum();
            (stream::iter(parts).boxed(), Some(len))
        }
        Framing::Chunked | Framing::Close => (body.boxed(), None),
    };
    let pieces = Pieces {
        source,
        buf: BytesMut::new(),
        ended: false,
        write_size: d.write_size.map(NonZeroUsize::get),
        left: d.cut_after_bytes,
        sent_any: false,
        done: false,
    };
    let body = stream::unfold(pieces, |mut p| async move {
        let item = p.next().await?;
        Some((item, p))
    });
    let mut resp = Response::new(Body::from_stream(body));
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream; charset=utf-8"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Some(len) = length {
        h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    if d.framing == Framing::Close {
        *resp.version_mut() = Version::HTTP_10;
    }
    resp
}

/// The body as hyper pulls it: re-cut to the write size, truncated at the cut.
struct Pieces {
    source: BoxStream<'static, Bytes>,
    buf: BytesMut,
    ended: bool,
    write_size: Option<usize>,
    /// Bytes still allowed before the cut.
    left: Option<u64>,
    sent_any: bool,
    done: bool,
}

impl Pieces {
    async fn next(&mut self) -> Option<io::Result<Bytes>> {
        if self.done {
            return None;
        }
        if self.left == Some(0) {
            self.done = true;
            tokio::time::sleep(FLUSH_BEFORE_CUT).await;
            let cut = io::Error::new(io::ErrorKind::ConnectionAborted, "cut by scenario");
            return Some(Err(cut));
        }
        let mut piece = match self.write_size {
            None => self.source.next().await?,
            Some(n) => self.sized(n).await?,
        };
        if let Some(left) = self.left.as_mut() {
            let keep = (*left).min(piece.len() as u64);
            piece.truncate(keep as usize);
            *left -= keep;
        }
        Some(Ok(piece))
    }

    /// The next piece of at most `n` bytes: `n` when that much is ready, less when the
    /// producer pauses or ends.
    async fn sized(&mut self, n: usize) -> Option<Bytes> {
        loop {
            while !self.ended && self.buf.len() < n {
                match self.source.next().now_or_never() {
                    Some(Some(b)) => self.buf.extend_from_slice(&b),
                    Some(None) => self.ended = true,
                    None => break,
                }
            }
            if !self.buf.is_empty() {
                break;
            }
            if self.ended {
                return None;
            }
            match self.source.next().await {
                Some(b) => self.buf.extend_from_slice(&b),
                None => self.ended = true,
            }
        }
        if self.sent_any {
            tokio::task::yield_now().await;
        }
        self.sent_any = true;
        let take = n.min(self.buf.len());
        Some(self.buf.split_to(take).freeze())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn pieces(parts: &[&'static str], d: Delivery) -> (Vec<Bytes>, bool) {
        let parts: Vec<Bytes> = parts.iter().map(|p| Bytes::from(*p)).collect();
        let resp = respond(stream::iter(parts), d).await;
        let mut body = resp.into_body().into_data_stream();
        let mut got = Vec::new();
        while let Some(item) = body.next().await {
            match item {
                Ok(b) => got.push(b),
                Err(_) => return (got, true),
            }
        }
        (got, false)
    }

    #[tokio::test]
    async fn write_size_recuts_across_chunks_and_cut_truncates() {
        let d = Delivery {
            write_size: NonZeroUsize::new(4),
            ..Delivery::default()
        };
        let (got, cut) = pieces(&["abcdef", "gh", "ijk"], d).await;
        assert_eq!(got, ["abcd", "efgh", "ijk"]);
        assert!(!cut);
        let d = Delivery {
            cut_after_bytes: Some(7),
            ..d
        };
        let (got, cut) = pieces(&["abcdef", "gh", "ijk"], d).await;
        assert_eq!(got, ["abcd", "efg"]);
        assert!(cut);
        let d = Delivery {
            cut_after_bytes: Some(8),
            write_size: None,
            framing: Framing::Length,
        };
        let (got, cut) = pieces(&["abcdef", "gh", "ijk"], d).await;
        assert_eq!(got, ["abcdef", "gh"]);
        assert!(cut);
    }
}
