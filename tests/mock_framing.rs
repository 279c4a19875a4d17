//! The mock's body framings (`chunked`, `length`, `close`), write sizes and cuts as they
//! appear on the wire. A raw HTTP/1.1 client written here reads the response head and body
//! itself (no HTTP library that would hide the framing), and `clab -p` must print the same
//! answer whatever the framing.

mod common;

use common::*;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

const RECORDING: &str = "api/pysdk_recorded_stream_body_sonnet45.sse";
const REQUEST: &str =
    r#"{"model":"m","max_tokens":10,"stream":true,"messages":[{"role":"user","content":"hi"}]}"#;

fn recording() -> Vec<u8> {
    std::fs::read(fixtures_dir().join(RECORDING)).unwrap()
}

/// One response as the socket delivered it.
struct Wire {
    /// Status line and header lines, lowercased.
    head: Vec<String>,
    /// The body with any chunked framing removed.
    body: Vec<u8>,
    /// The data sizes of the chunks, when chunked.
    chunks: Vec<usize>,
    /// The framing said the body was complete (content-length reached, last chunk seen).
    complete: bool,
    /// The server closed the connection.
    eof: bool,
    /// Body bytes delivered by each read.
    reads: Vec<usize>,
}

impl Wire {
    fn header(&self, name: &str) -> Option<&str> {
        header(&self.head, name)
    }
}

fn header<'a>(head: &'a [String], name: &str) -> Option<&'a str> {
    head.iter()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(": "))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A body decoded as far as it has arrived.
struct Decoded {
    body: Vec<u8>,
    chunks: Vec<usize>,
    complete: bool,
}

/// Decodes the complete chunks; complete once the last chunk and its CRLF have arrived.
fn dechunk(mut b: &[u8]) -> Decoded {
    let mut d = Decoded {
        body: Vec::new(),
        chunks: Vec::new(),
        complete: false,
    };
    while let Some(eol) = find(b, b"\r\n") {
        let size = std::str::from_utf8(&b[..eol])
            .ok()
            .and_then(|s| usize::from_str_radix(s, 16).ok())
            .expect("a chunk size line");
        let data = &b[eol + 2..];
        if size == 0 {
            d.complete = data.starts_with(b"\r\n");
            break;
        }
        if data.len() < size + 2 {
            break;
        }
        assert_eq!(&data[size..size + 2], b"\r\n", "chunk data ends with CRLF");
        d.body.extend_from_slice(&data[..size]);
        d.chunks.push(size);
        b = &data[size + 2..];
    }
    d
}

/// The body so far under the head's framing; a close-delimited one is never complete.
fn decode(head: &[String], body: &[u8]) -> Decoded {
    if let Some(len) = header(head, "content-length") {
        let len: usize = len.parse().unwrap();
        return Decoded {
            body: body.to_vec(),
            chunks: Vec::new(),
            complete: body.len() >= len,
        };
    }
    if header(head, "transfer-encoding") == Some("chunked") {
        return dechunk(body);
    }
    Decoded {
        body: body.to_vec(),
        chunks: Vec::new(),
        complete: false,
    }
}

/// POSTs a streaming request over a keep-alive connection and reads until the response's
/// framing says it is complete, or the server closes.
async fn exchange(url: &str) -> Wire {
    let addr = url.strip_prefix("http://").unwrap();
    let mut sock = TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST /v1/messages HTTP/1.1\r\nhost: {addr}\r\nx-api-key: t\r\nanthropic-version: 2023-06-01\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{REQUEST}",
        REQUEST.len()
    );
    sock.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    let mut buf = vec![0; 1 << 16];
    let mut head: Option<(Vec<String>, usize)> = None;
    let mut reads = Vec::new();
    let eof = loop {
        // A reset after a cut is an end like any other.
        let n = sock.read(&mut buf).await.unwrap_or(0);
        if n == 0 {
            break true;
        }
        raw.extend_from_slice(&buf[..n]);
        match &head {
            Some(_) => reads.push(n),
            None => {
                if let Some(end) = find(&raw, b"\r\n\r\n") {
                    let text = String::from_utf8(raw[..end].to_vec()).unwrap();
                    head = Some((text.lines().map(str::to_ascii_lowercase).collect(), end + 4));
                    reads.push(raw.len() - end - 4);
                }
            }
        }
        if let Some((h, at)) = &head
            && decode(h, &raw[*at..]).complete
        {
            break false;
        }
    };
    let (head, at) = head.expect("a response head before the end");
    let d = decode(&head, &raw[at..]);
    Wire {
        head,
        body: d.body,
        chunks: d.chunks,
        complete: d.complete,
        eof,
        reads,
    }
}

fn exchange_with(mock: &Mock) -> Wire {
    let url = mock.url();
    mock.runtime.block_on(async {
        tokio::time::timeout(std::time::Duration::from_secs(60), exchange(&url))
            .await
            .expect("the response never ended")
    })
}

#[test]
fn each_framing_delivers_the_recording_byte_for_byte() {
    let rec = recording();
    let mock = Mock::start(Some(json!({"framing": "close", "messages": [
        {"sse": RECORDING, "framing": "chunked"},
        {"sse": RECORDING, "framing": "length"},
        {"sse": RECORDING},
    ]})));

    let chunked = exchange_with(&mock);
    assert_eq!(chunked.head[0], "http/1.1 200 ok");
    assert_eq!(chunked.header("transfer-encoding"), Some("chunked"));
    assert_eq!(chunked.header("content-length"), None);
    assert!(chunked.complete && !chunked.eof, "ended by its last chunk");
    assert_eq!(chunked.body, rec);

    let length = exchange_with(&mock);
    assert_eq!(length.head[0], "http/1.1 200 ok");
    assert_eq!(
        length.header("content-length"),
        Some(&*rec.len().to_string())
    );
    assert_eq!(length.header("transfer-encoding"), None);
    assert!(length.complete && !length.eof, "ended by its length");
    assert_eq!(length.body, rec);

    // The top-level default applies: no length, the body ends when the connection does.
    let close = exchange_with(&mock);
    assert_eq!(close.head[0], "http/1.0 200 ok");
    assert_eq!(close.header("content-length"), None);
    assert_eq!(close.header("transfer-encoding"), None);
    assert!(close.eof);
    assert_eq!(close.body, rec);
}

#[test]
fn cut_after_bytes_drops_the_connection_under_every_framing() {
    let rec = recording();
    let cut = |framing: &str| json!({"sse": RECORDING, "framing": framing, "cut_after_bytes": 100});
    let mock = Mock::start(Some(
        json!({"messages": [cut("chunked"), cut("length"), cut("close")]}),
    ));
    for framing in ["chunked", "length", "close"] {
        let w = exchange_with(&mock);
        assert!(
            w.eof && !w.complete,
            "{framing}: the connection drops early"
        );
        assert_eq!(w.body, rec[..100], "{framing}");
        if framing == "length" {
            assert_eq!(w.header("content-length"), Some(&*rec.len().to_string()));
        }
    }
}

#[test]
fn generated_answers_default_to_chunked_and_can_be_buffered() {
    let mock = Mock::start(Some(
        json!({"messages": [{"demo": true, "framing": "length"}]}),
    ));
    let length = exchange_with(&mock);
    let chunked = exchange_with(&mock);
    assert_eq!(chunked.header("transfer-encoding"), Some("chunked"));
    assert!(chunked.complete);
    assert_eq!(
        length.header("content-length"),
        Some(&*length.body.len().to_string())
    );
    assert!(length.complete && !length.eof);
    for w in [&length, &chunked] {
        let text = String::from_utf8(w.body.clone()).unwrap();
        let kinds: Vec<String> = text
            .split("\n\n")
            .filter_map(|e| e.lines().find_map(|l| l.strip_prefix("data: ")))
            .map(|d| serde_json::from_str::<Value>(d).unwrap()["type"].to_string())
            .collect();
        // As recorded streams do: a ping right after the first block opens.
        assert_eq!(
            kinds[..3],
            [
                r#""message_start""#,
                r#""content_block_start""#,
                r#""ping""#
            ]
        );
        assert_eq!(kinds.last().unwrap(), r#""message_stop""#);
    }
}

/// A 24 KB answer of 200 events.
fn long_answer() -> String {
    let mut events = vec![
        json!({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}}),
        json!({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}),
    ];
    for i in 0..200 {
        events.push(json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":format!("{i:03} lorem ipsum dolor sit amet, 🌍 é ")}}));
    }
    events.push(json!({"type":"content_block_stop","index":0}));
    events.push(json!({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":5}}));
    events.push(json!({"type":"message_stop"}));
    sse(&events)
}

#[test]
fn write_size_makes_small_writes() {
    const SIZE: usize = 16;
    let answer = long_answer();
    let mock = Mock::start(Some(json!({"messages": [
        {"sse_text": answer},
        {"sse_text": answer, "write_size": SIZE},
        {"sse_text": answer, "write_size": SIZE, "framing": "length"},
    ]})));
    let default = exchange_with(&mock);
    let small = exchange_with(&mock);
    let small_length = exchange_with(&mock);
    for w in [&default, &small, &small_length] {
        assert_eq!(w.body, answer.as_bytes());
    }
    // Each piece is its own chunk: all full but the last, whatever the event boundaries.
    let (last, full) = small.chunks.split_last().unwrap();
    assert!(
        full.iter().all(|c| *c == SIZE) && *last <= SIZE,
        "{:?}",
        small.chunks
    );
    assert!(default.chunks.iter().any(|c| *c > SIZE));
    // Each piece is also its own write. Reads join the writes that arrived while the reader
    // was not scheduled, so only their count is compared: 1,500 writes against a handful.
    for w in [&small, &small_length] {
        assert!(
            w.reads.len() > default.reads.len(),
            "{} reads with write_size, {} without",
            w.reads.len(),
            default.reads.len()
        );
    }
}

#[test]
fn clab_prints_the_same_answer_under_every_framing() {
    let answer = sse(&[
        json!({"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1,"output_tokens":1}}}),
        json!({"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}),
        json!({"type":"ping"}),
        json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Héllo wörld 🌍, "}}),
        json!({"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"split anywhere."}}),
        json!({"type":"content_block_stop","index":0}),
        json!({"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":5}}),
        json!({"type":"message_stop"}),
    ]);
    let cases: Vec<Value> = ["chunked", "length", "close"]
        .iter()
        .flat_map(|f| {
            [
                json!({"sse_text": answer, "framing": f}),
                json!({"sse_text": answer, "framing": f, "write_size": 7}),
            ]
        })
        .collect();
    let n = cases.len();
    let mock = Mock::start(Some(json!({ "messages": cases })));
    let printed: Vec<String> = (0..n)
        .map(|i| {
            let out = mock.clab().args(["-p", "hi"]).output().unwrap();
            assert!(out.status.success(), "case {i}: {}", stderr_of(&out));
            stdout_of(&out)
        })
        .collect();
    assert!(
        printed[0].contains("Héllo wörld 🌍, split anywhere."),
        "{}",
        printed[0]
    );
    for (i, p) in printed.iter().enumerate() {
        assert_eq!(p, &printed[0], "case {i}");
    }
}
