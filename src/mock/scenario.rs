//! Scenario files: scripted responses that tests queue in front of the demo behaviour.
//!
//! Invariant: a scenario is fully validated and loaded (SSE files read, seed files checked)
//! when it is parsed, so a typo fails loudly at startup naming the entry
//! (`messages[2]: ...`) instead of surfacing as a confusing response mid-test. Queued
//! entries are consumed strictly in order, one per matching request. A top-level `framing`
//! or `write_size` is only a default: an entry's own value wins, key by key, and the demo
//! answers served once the queue is empty use the defaults too.

use std::collections::VecDeque;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use bytes::Bytes;
use serde::Deserialize;
use serde_json::Value;

use super::delivery::{Delivery, Framing};

/// A scripted HTTP error response.
#[derive(Clone, Debug)]
pub struct ErrorEntry {
    pub status: StatusCode,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    /// Sent verbatim when present; otherwise the status' default error body.
    pub body: Option<Value>,
}

/// A recorded stream to replay.
#[derive(Clone, Debug)]
pub struct SseReplay {
    /// The body split into events (each with its trailing blank line), bytes unchanged.
    pub events: Vec<Bytes>,
    pub delay: Option<Duration>,
    pub delivery: Delivery,
}

/// One queued answer to `POST /v1/messages`.
#[derive(Clone, Debug)]
pub enum MessageEntry {
    Error(ErrorEntry),
    Sse(SseReplay),
    Demo(Delivery),
}

/// A file preloaded into the store at startup.
#[derive(Clone, Debug)]
pub struct SeedFile {
    /// The id to store it under, so a scripted stream can name it; a fresh one when absent.
    pub id: Option<String>,
    pub filename: String,
    pub path: PathBuf,
    pub downloadable: bool,
    pub mime_type: Option<String>,
}

/// A parsed scenario (see the module docs for the invariant).
#[derive(Clone, Debug)]
pub struct Scenario {
    pub(crate) messages: Vec<MessageEntry>,
    pub(crate) files: Vec<ErrorEntry>,
    pub(crate) seed_files: Vec<SeedFile>,
    /// The top-level framing and write size (never a cut).
    pub(crate) delivery: Delivery,
    /// Input tokens a prompt may hold before "prompt is too long" (default 200,000).
    pub(crate) context_window: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    #[serde(default)]
    messages: Vec<Value>,
    #[serde(default)]
    files: Vec<Value>,
    #[serde(default)]
    seed_files: Vec<RawSeed>,
    framing: Option<Framing>,
    write_size: Option<usize>,
    context_window: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    status: Option<u16>,
    #[serde(default)]
    headers: serde_json::Map<String, Value>,
    body: Option<Value>,
    sse: Option<String>,
    sse_text: Option<String>,
    cut_after_bytes: Option<u64>,
    delay_ms: Option<u64>,
    demo: Option<bool>,
    framing: Option<Framing>,
    write_size: Option<usize>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSeed {
    id: Option<String>,
    filename: String,
    path: String,
    #[serde(default)]
    downloadable: bool,
    mime_type: Option<String>,
}

impl Scenario {
    /// Reads a scenario JSON file; relative paths inside resolve against its directory.
    pub fn from_file(path: &Path) -> anyhow::Result<Scenario> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading scenario file {}", path.display()))?;
        let value: Value = serde_json::from_str(&text)
            .with_context(|| format!("scenario file {} is not valid JSON", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Scenario::from_json(value, base)
            .with_context(|| format!("invalid scenario file {}", path.display()))
    }

    /// Parses a scenario value; relative paths resolve against `base_dir`.
    pub fn from_json(v: Value, base_dir: &Path) -> anyhow::Result<Scenario> {
        let raw: RawScenario = serde_json::from_value(v).context("scenario top level")?;
        let delivery = Delivery {
            framing: raw.framing.unwrap_or_default(),
            write_size: write_size(raw.write_size).context("scenario top level")?,
            cut_after_bytes: None,
        };
        let messages = raw
            .messages
            .into_iter()
            .enumerate()
            .map(|(i, e)| {
                message_entry(e, base_dir, delivery).with_context(|| format!("messages[{i}]"))
            })
            .collect::<anyhow::Result<_>>()?;
        let files = raw
            .files
            .into_iter()
            .enumerate()
            .map(|(i, e)| match message_entry(e, base_dir, delivery) {
                Ok(MessageEntry::Error(err)) => Ok(err),
                Ok(_) => Err(anyhow!(
                    "files[{i}]: only error entries (with \"status\") are allowed"
                )),
                Err(e) => Err(e.context(format!("files[{i}]"))),
            })
            .collect::<anyhow::Result<_>>()?;
        let seed_files = raw
            .seed_files
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                let path = base_dir.join(&s.path);
                if !path.is_file() {
                    bail!("seed_files[{i}]: {} is not a readable file", path.display());
                }
                if let Some(id) = &s.id
                    && (id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                {
                    bail!("seed_files[{i}]: the id {id:?} may hold only letters, digits and _");
                }
                Ok(SeedFile {
                    id: s.id,
                    filename: s.filename,
                    path,
                    downloadable: s.downloadable,
                    mime_type: s.mime_type,
                })
            })
            .collect::<anyhow::Result<_>>()?;
        Ok(Scenario {
            messages,
            files,
            seed_files,
            delivery,
            context_window: raw.context_window.unwrap_or(DEFAULT_WINDOW),
        })
    }
}

/// The context window of the models clab defaults to.
pub const DEFAULT_WINDOW: u64 = 200_000;

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            messages: Vec::new(),
            files: Vec::new(),
            seed_files: Vec::new(),
            delivery: Delivery::default(),
            context_window: DEFAULT_WINDOW,
        }
    }
}

fn write_size(size: Option<usize>) -> anyhow::Result<Option<NonZeroUsize>> {
    size.map(|n| NonZeroUsize::new(n).ok_or_else(|| anyhow!("\"write_size\" must be at least 1")))
        .transpose()
}

fn message_entry(v: Value, base_dir: &Path, default: Delivery) -> anyhow::Result<MessageEntry> {
    let e: RawEntry = serde_json::from_value(v)?;
    let kinds = [
        e.status.is_some(),
        e.sse.is_some() || e.sse_text.is_some(),
        e.demo.is_some(),
    ];
    if kinds.iter().filter(|k| **k).count() != 1 {
        bail!("an entry needs exactly one of \"status\", \"sse\"/\"sse_text\" or \"demo\"");
    }
    if let Some(status) = e.status {
        let status = StatusCode::from_u16(status)
            .ok()
            .filter(|s| s.as_u16() >= 300)
            .ok_or_else(|| {
                anyhow!(
                    "\"status\" {status} is neither a redirect (300-399) nor an error (400-599)"
                )
            })?;
        if status.is_redirection() && !e.headers.contains_key("location") {
            bail!("a redirect (\"status\" {status}) needs a \"location\" header");
        }
        if e.cut_after_bytes.is_some()
            || e.delay_ms.is_some()
            || e.framing.is_some()
            || e.write_size.is_some()
        {
            bail!(
                "\"cut_after_bytes\"/\"delay_ms\"/\"framing\"/\"write_size\" only apply to \"sse\" and \"demo\" entries"
            );
        }
        let headers = e
            .headers
            .into_iter()
            .map(|(k, v)| {
                let v = v
                    .as_str()
                    .ok_or_else(|| anyhow!("header {k:?} must be a string"))?;
                Ok((
                    HeaderName::try_from(k.as_str())
                        .with_context(|| format!("bad header name {k:?}"))?,
                    HeaderValue::try_from(v).with_context(|| format!("bad value for {k:?}"))?,
                ))
            })
            .collect::<anyhow::Result<_>>()?;
        return Ok(MessageEntry::Error(ErrorEntry {
            status,
            headers,
            body: e.body,
        }));
    }
    if e.demo == Some(false) {
        bail!("\"demo\" must be true");
    }
    if !e.headers.is_empty() || e.body.is_some() {
        bail!("\"headers\"/\"body\" only apply to \"status\" entries");
    }
    let delivery = Delivery {
        framing: e.framing.unwrap_or(default.framing),
        write_size: write_size(e.write_size)?.or(default.write_size),
        cut_after_bytes: e.cut_after_bytes,
    };
    if e.demo == Some(true) {
        if e.delay_ms.is_some() {
            bail!("\"delay_ms\" only applies to \"sse\" entries");
        }
        return Ok(MessageEntry::Demo(delivery));
    }
    let events = match (e.sse, e.sse_text) {
        (Some(_), Some(_)) => bail!("give either \"sse\" or \"sse_text\", not both"),
        (Some(file), None) => load_sse_file(&base_dir.join(&file))?,
        (None, Some(text)) => split_events(text.as_bytes()),
        (None, None) => unreachable!("checked above: an sse entry has sse or sse_text"),
    };
    Ok(MessageEntry::Sse(SseReplay {
        events,
        delay: e.delay_ms.map(Duration::from_millis),
        delivery,
    }))
}

fn load_sse_file(path: &Path) -> anyhow::Result<Vec<Bytes>> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    if path.extension().is_none_or(|e| e != "jsonl") {
        return Ok(split_events(&bytes));
    }
    let text =
        String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(n, line)| {
            let v: Value = serde_json::from_str(line)
                .with_context(|| format!("{} line {}: not JSON", path.display(), n + 1))?;
            let kind = v["type"]
                .as_str()
                .ok_or_else(|| anyhow!("{} line {}: no \"type\"", path.display(), n + 1))?;
            Ok(Bytes::from(format!("event: {kind}\ndata: {line}\n\n")))
        })
        .collect()
}

/// Splits a raw SSE body after each blank line, keeping every byte.
fn split_events(body: &[u8]) -> Vec<Bytes> {
    let mut events = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i + 1 < body.len() {
        if body[i] == b'\n' && body[i + 1] == b'\n' {
            events.push(Bytes::copy_from_slice(&body[start..i + 2]));
            start = i + 2;
            i = start;
        } else {
            i += 1;
        }
    }
    if start < body.len() {
        events.push(Bytes::copy_from_slice(&body[start..]));
    }
    events
}

/// The entries still to be served.
#[derive(Default)]
pub struct Queues {
    pub messages: VecDeque<MessageEntry>,
    pub files: VecDeque<ErrorEntry>,
    /// How the demo answers once `messages` is empty.
    pub demo_delivery: Delivery,
}

impl Queues {
    pub fn new(scenario: &Scenario) -> Queues {
        Queues {
            messages: scenario.messages.iter().cloned().collect(),
            files: scenario.files.iter().cloned().collect(),
            demo_delivery: scenario.delivery,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_each_entry_kind() {
        let s = Scenario::from_json(
            json!({"messages": [
                {"status": 529, "headers": {"retry-after": "0"}},
                {"sse_text": "event: ping\ndata: {\"type\": \"ping\"}\n\nevent: message_stop\ndata: {}\n\n", "cut_after_bytes": 10},
                {"demo": true}
            ], "files": [{"status": 500}]}),
            Path::new("."),
        )
        .unwrap();
        assert_eq!(s.messages.len(), 3);
        assert!(matches!(&s.messages[0], MessageEntry::Error(e) if e.status.as_u16() == 529));
        match &s.messages[1] {
            MessageEntry::Sse(r) => {
                assert_eq!(r.events.len(), 2);
                assert_eq!(
                    r.events[0].as_ref(),
                    b"event: ping\ndata: {\"type\": \"ping\"}\n\n"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(s.files.len(), 1);
    }

    #[test]
    fn errors_name_the_entry() {
        let err = Scenario::from_json(
            json!({"messages": [{"demo": true}, {"sse": "missing.sse"}]}),
            Path::new("/nonexistent"),
        )
        .unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains("messages[1]"), "{text}");
        assert!(text.contains("missing.sse"), "{text}");
        let err = Scenario::from_json(json!({"messages": [{"status": 200}]}), Path::new("."))
            .unwrap_err();
        assert!(format!("{err:#}").contains("messages[0]"));
    }

    #[test]
    fn framing_defaults_apply_key_by_key_and_bad_values_name_the_entry() {
        let s = Scenario::from_json(
            json!({"framing": "close", "write_size": 64, "messages": [
                {"sse_text": "x", "framing": "length", "cut_after_bytes": 3},
                {"demo": true, "write_size": 1},
                {"sse_text": "y"}
            ]}),
            Path::new("."),
        )
        .unwrap();
        let delivery = |e: &MessageEntry| match e {
            MessageEntry::Sse(r) => r.delivery,
            MessageEntry::Demo(d) => *d,
            other => panic!("{other:?}"),
        };
        let d: Vec<Delivery> = s.messages.iter().map(delivery).collect();
        assert_eq!(
            (d[0].framing, d[0].write_size, d[0].cut_after_bytes),
            (Framing::Length, NonZeroUsize::new(64), Some(3))
        );
        assert_eq!(
            (d[1].framing, d[1].write_size),
            (Framing::Close, NonZeroUsize::new(1))
        );
        assert_eq!(d[2], s.delivery);
        assert_eq!(Queues::new(&s).demo_delivery.framing, Framing::Close);

        for (bad, says) in [
            (
                json!({"messages": [{"demo": true}, {"sse_text": "x", "framing": "gzip"}]}),
                "gzip",
            ),
            (
                json!({"messages": [{"demo": true}, {"demo": true, "write_size": 0}]}),
                "write_size",
            ),
            (
                json!({"messages": [{"demo": true}, {"status": 500, "framing": "close"}]}),
                "framing",
            ),
        ] {
            let text = format!(
                "{:#}",
                Scenario::from_json(bad, Path::new(".")).unwrap_err()
            );
            assert!(
                text.contains("messages[1]") && text.contains(says),
                "{text}"
            );
        }
        let err = Scenario::from_json(json!({"write_size": 0}), Path::new(".")).unwrap_err();
        assert!(format!("{err:#}").contains("write_size"));
    }

    #[test]
    fn jsonl_lines_are_framed_with_their_type() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("s.jsonl"), "{\"type\":\"message_stop\"}\n").unwrap();
        let s = Scenario::from_json(json!({"messages": [{"sse": "s.jsonl"}]}), dir.path()).unwrap();
        match &s.messages[0] {
            MessageEntry::Sse(r) => assert_eq!(
                r.events[0].as_ref(),
                b"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"
            ),
            other => panic!("{other:?}"),
        }
    }
}
