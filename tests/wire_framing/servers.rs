//! The test servers, one framing each, written by hand so the framing is exactly the one
//! named: raw HTTP/1.1 on a `TcpListener` (TCP_NODELAY, each write one `write_all` + `flush`)
//! and h2c through hyper with one DATA frame per event. Each answers one request: the turn
//! makes exactly one (no retries, no continuations).

use bytes::Bytes;
use hyper::body::{Body, Frame, Incoming};
use hyper::server::conn::http2;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// Every test server sends this `request-id`; errors must carry it.
pub const REQUEST_ID: &str = "req_framing";
/// The seed of the 1–7-byte write sizes.
pub const TINY_SEED: u64 = 0x5eed_f4a3;

#[derive(Clone, Copy, Debug)]
pub enum Framing {
    /// `content-length`, head and body in one write.
    Whole,
    /// `content-length`, the body in 512-byte writes.
    Pieces512,
    /// `transfer-encoding: chunked`, one chunk per event, `0\r\n\r\n` in the last event's write.
    Chunked,
    /// No length, `connection: close`: the body ends when the server closes the socket.
    Close,
    /// `content-length`, the body in writes of 1–7 bytes.
    Tiny,
    /// h2c with prior knowledge, one DATA frame per event, END_STREAM on the last one.
    H2,
}

pub const ALL: [Framing; 6] = [
    Framing::Whole,
    Framing::Pieces512,
    Framing::Chunked,
    Framing::Close,
    Framing::Tiny,
    Framing::H2,
];

impl Framing {
    pub fn describe(self) -> String {
        match self {
            Framing::Whole => "content-length in one write".into(),
            Framing::Pieces512 => "content-length in 512-byte writes".into(),
            Framing::Chunked => "chunked, terminator with the last event".into(),
            Framing::Close => "connection: close".into(),
            Framing::Tiny => format!("content-length in 1–7-byte writes (seed {TINY_SEED:#x})"),
            Framing::H2 => "HTTP/2 prior knowledge".into(),
        }
    }
}

/// The body split after each blank line (a run of line ends stays with the event before it);
/// an unterminated last event is a piece too.
pub fn events(body: &[u8]) -> Vec<&[u8]> {
    let mut pieces = Vec::new();
    let mut start = 0;
    while let Some(found) = find(&body[start..], b"\n\n") {
        let mut end = start + found + 2;
        while body.get(end) == Some(&b'\n') {
            end += 1;
        }
        pieces.push(&body[start..end]);
        start = end;
    }
    if start < body.len() {
        pieces.push(&body[start..]);
    }
    pieces
}

pub fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// The HTTP/1.1 response, write by write, for a body of `length` bytes of which `sent` goes
/// out, and whether the server closes the socket afterwards: always for `Close`, and for any
/// framing when `cut` (a `content-length` or chunked body closed early is the same cut).
pub fn h1_writes(framing: Framing, length: usize, sent: &[u8], cut: bool) -> (Vec<Vec<u8>>, bool) {
    let length = format!("content-length: {length}");
    let writes = match framing {
        Framing::Whole => vec![[head(&length), sent.to_vec()].concat()],
        Framing::Pieces512 => with_head(&length, sent.chunks(512).map(<[u8]>::to_vec).collect()),
        Framing::Tiny => {
            let mut rng = fastrand::Rng::with_seed(TINY_SEED);
            let mut writes = Vec::new();
            let mut rest = sent;
            while !rest.is_empty() {
                let (write, after) = rest.split_at(rng.usize(1..=7).min(rest.len()));
                writes.push(write.to_vec());
                rest = after;
            }
            with_head(&length, writes)
        }
        Framing::Chunked => {
            let mut writes: Vec<Vec<u8>> = events(sent)
                .into_iter()
                .map(|e| [format!("{:x}\r\n", e.len()).as_bytes(), e, b"\r\n"].concat())
                .collect();
            if !cut && let Some(last) = writes.last_mut() {
                last.extend_from_slice(b"0\r\n\r\n");
            }
            with_head("transfer-encoding: chunked", writes)
        }
        Framing::Close => with_head(
            "connection: close",
            events(sent).into_iter().map(<[u8]>::to_vec).collect(),
        ),
        Framing::H2 => unreachable!("HTTP/2 is served by serve_h2"),
    };
    (writes, cut || matches!(framing, Framing::Close))
}

fn with_head(framing_header: &str, mut writes: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    writes.insert(0, head(framing_header));
    writes
}

fn head(framing_header: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nrequest-id: {REQUEST_ID}\r\n{framing_header}\r\n\r\n"
    )
    .into_bytes()
}

/// Answers one HTTP/1.1 request on 127.0.0.1 with `writes`; then closes the socket, or with
/// `close` false keeps it open until the client closes it (so the end of the body must come
/// from its framing, not from EOF).
pub async fn serve_h1(writes: Vec<Vec<u8>>, close: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        read_request(&mut stream).await?;
        for write in writes {
            stream.write_all(&write).await?;
            stream.flush().await?;
        }
        if close {
            stream.shutdown().await?;
        } else {
            while stream.read(&mut [0; 1024]).await? > 0 {}
        }
        std::io::Result::Ok(())
    });
    url
}

/// Reads the request head up to its blank line and the `content-length` body after it.
async fn read_request(stream: &mut TcpStream) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0; 4096];
    loop {
        if let Some(end) = find(&buf, b"\r\n\r\n").map(|at| at + 4) {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + length {
                return Ok(());
            }
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// An HTTP/2 response body of one DATA frame per piece. `is_end_stream` turns true as the
/// last piece is taken, so hyper sets END_STREAM on that frame instead of sending an empty
/// one after it. With `reset`, the body fails once the receiver fires: hyper resets the stream.
struct Frames {
    left: VecDeque<Bytes>,
    reset: Option<oneshot::Receiver<()>>,
}

impl Body for Frames {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        if let Some(piece) = self.left.pop_front() {
            return Poll::Ready(Some(Ok(Frame::data(piece))));
        }
        let Some(reset) = self.reset.as_mut() else {
            return Poll::Ready(None);
        };
        let _ = ready!(Pin::new(reset).poll(cx));
        self.reset = None;
        Poll::Ready(Some(Err(std::io::Error::other("cut by the test"))))
    }

    fn is_end_stream(&self) -> bool {
        self.left.is_empty() && self.reset.is_none()
    }
}

/// Answers one h2c (prior knowledge) request on 127.0.0.1 with `frames`, or with `reset`
/// resets the stream after them once the receiver fires; the connection stays open until the
/// client closes it.
pub async fn serve_h2(frames: Vec<Bytes>, reset: Option<oneshot::Receiver<()>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        let body = Mutex::new(Some(Frames {
            left: frames.into(),
            reset,
        }));
        let service = service_fn(move |request: Request<Incoming>| {
            let body = body.lock().unwrap().take();
            async move {
                let mut incoming = request.into_body();
                while let Some(Ok(_)) =
                    std::future::poll_fn(|cx| Pin::new(&mut incoming).poll_frame(cx)).await
                {
                }
                Response::builder()
                    .header("content-type", "text/event-stream")
                    .header("request-id", REQUEST_ID)
                    .body(body.expect("one request per connection"))
            }
        });
        let connection = http2::Builder::new(TokioExecutor::new())
            .serve_connection(TokioIo::new(stream), service);
        connection.await.map_err(std::io::Error::other)
    });
    url
}

/// A proxy on 127.0.0.1 for one connection to `upstream` (an `http://` URL) that keeps a copy
/// of every byte the server sends, recorded before it is passed on.
pub async fn recording_proxy(upstream: String) -> (String, Arc<Mutex<Vec<u8>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        let (client, _) = listener.accept().await?;
        let server = TcpStream::connect(upstream.trim_start_matches("http://")).await?;
        let (mut client_read, mut client_write) = client.into_split();
        let (mut server_read, mut server_write) = server.into_split();
        tokio::spawn(async move { tokio::io::copy(&mut client_read, &mut server_write).await });
        let mut buf = [0; 16 * 1024];
        loop {
            let n = server_read.read(&mut buf).await?;
            if n == 0 {
                return std::io::Result::Ok(());
            }
            record.lock().unwrap().extend_from_slice(&buf[..n]);
            client_write.write_all(&buf[..n]).await?;
        }
    });
    (url, seen)
}

/// (payload length, END_STREAM) of each DATA frame in what an HTTP/2 server sent.
pub fn data_frames(sent: &[u8]) -> Vec<(usize, bool)> {
    let mut frames = Vec::new();
    let mut at = 0;
    while let Some(header) = sent.get(at..at + 9) {
        let length = u32::from_be_bytes([0, header[0], header[1], header[2]]) as usize;
        if header[3] == 0 {
            frames.push((length, header[4] & 1 == 1));
        }
        at += 9 + length;
    }
    frames
}
