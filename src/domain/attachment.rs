//! How an attached file is given to Claude: put in the code execution container, read
//! directly (a `document` or `image` block by file id), or both.
//!
//! Invariant: one rule decides, for `-a`, the workbench's attach prompt and a resumed session
//! alike. PDFs and pictures are read and also put in the container, everything else only goes
//! in the container; a file asked to be read that cannot be read is refused before anything is
//! uploaded, and a readable file too large for its block falls back to the container with a
//! notice, never a silent drop. The user message is the prompt's text first, then each file's
//! blocks in the order the files were attached, so the same turn always sends the same bytes.

use super::session::FileRecord;
use serde::Serialize;
use serde_json::{Value, json};
use std::fmt;
use std::path::{Path, PathBuf};

/// The largest PDF sent as a `document` block: the Messages API's 32 MB request limit, which
/// file-sourced PDFs count against (tests/fixtures/api/SKILLS_AND_FILE_BLOCKS.md §2).
pub const DOCUMENT_MAX_BYTES: u64 = 32 * 1024 * 1024;
/// The largest picture sent as an `image` block: the API takes 10 MB per image once base64
/// encoded, so 7.5 MB of picture (same note).
pub const IMAGE_MAX_BYTES: u64 = 10 * 1024 * 1024 / 4 * 3;

/// How a file is given to Claude.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GivenAs {
    /// Only in the code execution container (`container_upload`).
    Container,
    /// Only read directly (`document` / `image` block).
    Read,
    /// Read directly and put in the container.
    Both,
}

impl GivenAs {
    pub const NAMES: &str = "container, read or both";

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "container" => Some(Self::Container),
            "read" => Some(Self::Read),
            "both" => Some(Self::Both),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Container => "container",
            Self::Read => "read",
            Self::Both => "both",
        }
    }

    pub fn in_container(self) -> bool {
        self != Self::Read
    }

    pub fn is_read(self) -> bool {
        self != Self::Container
    }
}

impl fmt::Display for GivenAs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The block a readable file is read through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readable {
    Document,
    Image,
}

impl Readable {
    /// What can be read directly, judged by the file name.
    pub fn of(filename: &str) -> Option<Self> {
        let lower = filename.to_ascii_lowercase();
        let ext = lower.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        match ext {
            "pdf" => Some(Self::Document),
            "png" | "jpg" | "jpeg" | "gif" | "webp" => Some(Self::Image),
            _ => None,
        }
    }

    fn max_bytes(self) -> u64 {
        match self {
            Self::Document => DOCUMENT_MAX_BYTES,
            Self::Image => IMAGE_MAX_BYTES,
        }
    }

    fn block_type(self) -> &'static str {
        match self {
            Self::Document => "document",
            Self::Image => "image",
        }
    }
}

/// An `-a` argument: a path and, after its last `:`, an optional mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachArg {
    pub path: PathBuf,
    pub mode: Option<GivenAs>,
}

/// Splits `FILE[:container|read|both]`. A suffix that names no mode is refused when it looks
/// like one (no `/`, no `.`) and the whole argument is not an existing file, so `a.csv:raed`
/// is a typo reported as such while `C:` style and `x:y.csv` names still work.
pub fn parse_attach_arg(arg: &str) -> Result<AttachArg, String> {
    if let Some((path, suffix)) = arg.rsplit_once(':') {
        if let Some(mode) = GivenAs::parse(suffix) {
            return Ok(AttachArg {
                path: PathBuf::from(path),
                mode: Some(mode),
            });
        }
        let looks_like_mode = !path.is_empty()
            && !suffix.is_empty()
            && suffix.chars().all(|c| c.is_ascii_alphabetic());
        if looks_like_mode && !Path::new(arg).exists() {
            return Err(format!(
                "unknown attach mode '{suffix}' in '{arg}': use {}",
                GivenAs::NAMES
            ));
        }
    }
    Ok(AttachArg {
        path: PathBuf::from(arg),
        mode: None,
    })
}

/// The mode a file gets: the one asked for, or the default for its kind. Asking to read a file
/// that cannot be read is an error; a readable file over its block's limit goes to the
/// container only, with the notice returned.
pub fn decide(
    filename: &str,
    size: u64,
    asked: Option<GivenAs>,
) -> Result<(GivenAs, Option<String>), String> {
    let readable = Readable::of(filename);
    let mode = match (asked, readable) {
        (Some(mode), Some(_)) => mode,
        (Some(GivenAs::Container) | None, None) => return Ok((GivenAs::Container, None)),
        (Some(mode), None) => {
            return Err(format!(
                "{filename} cannot be given as '{mode}': only PDFs and PNG, JPEG, GIF or WebP \
                 pictures can be read directly; other files go in the container"
            ));
        }
        (None, Some(_)) => GivenAs::Both,
    };
    match readable {
        Some(kind) if mode.is_read() && size > kind.max_bytes() => Ok((
            GivenAs::Container,
            Some(format!(
                "{filename} is {:.1} MB, over the {:.1} MB a {} block takes: it goes only in \
                 the container, where code can read it",
                megabytes(size),
                megabytes(kind.max_bytes()),
                kind.block_type()
            )),
        )),
        _ => Ok((mode, None)),
    }
}

fn megabytes(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The blocks that give one uploaded file to Claude.
pub fn blocks(file_id: &str, filename: &str, given: GivenAs) -> Vec<Value> {
    let mut blocks = Vec::with_capacity(2);
    if given.is_read()
        && let Some(kind) = Readable::of(filename)
    {
        blocks.push(json!({
            "type": kind.block_type(),
            "source": {"type": "file", "file_id": file_id},
        }));
    }
    if given.in_container() || blocks.is_empty() {
        blocks.push(json!({"type": "container_upload", "file_id": file_id}));
    }
    blocks
}

/// The user message's content: the prompt's text, then each uploaded file's blocks in attach
/// order (a file recorded without a mode went to the container, as every upload once did).
pub fn user_content(prompt: &str, files: &[FileRecord]) -> Vec<Value> {
    let mut content = vec![json!({"type": "text", "text": prompt})];
    for file in files {
        let given = file.given_as.unwrap_or(GivenAs::Container);
        content.extend(blocks(&file.id, &file.filename, given));
    }
    content
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_decides_the_default() {
        assert_eq!(decide("report.PDF", 10, None), Ok((GivenAs::Both, None)));
        assert_eq!(decide("chart.png", 10, None), Ok((GivenAs::Both, None)));
        assert_eq!(decide("data.csv", 10, None), Ok((GivenAs::Container, None)));
        assert_eq!(
            decide("chart.webp", 10, Some(GivenAs::Read)),
            Ok((GivenAs::Read, None))
        );
        assert_eq!(
            decide("report.pdf", 10, Some(GivenAs::Container)),
            Ok((GivenAs::Container, None))
        );
    }

    #[test]
    fn reading_what_cannot_be_read_is_refused() {
        let err = decide("data.csv", 10, Some(GivenAs::Read)).unwrap_err();
        assert!(
            err.contains("data.csv") && err.contains("go in the container"),
            "{err}"
        );
        assert!(decide("data.csv", 10, Some(GivenAs::Both)).is_err());
    }

    #[test]
    fn too_large_to_read_falls_back_to_the_container_with_a_notice() {
        let (mode, notice) = decide("big.pdf", DOCUMENT_MAX_BYTES + 1, None).unwrap();
        assert_eq!(mode, GivenAs::Container);
        let notice = notice.unwrap();
        assert!(
            notice.contains("big.pdf") && notice.contains("container"),
            "{notice}"
        );
        let (mode, notice) = decide("big.png", IMAGE_MAX_BYTES + 1, Some(GivenAs::Read)).unwrap();
        assert_eq!(mode, GivenAs::Container);
        assert!(notice.is_some());
        assert_eq!(
            decide("ok.png", IMAGE_MAX_BYTES, None),
            Ok((GivenAs::Both, None))
        );
    }

    #[test]
    fn attach_arguments_split_off_a_mode() {
        assert_eq!(
            parse_attach_arg("a.pdf:read"),
            Ok(AttachArg {
                path: "a.pdf".into(),
                mode: Some(GivenAs::Read)
            })
        );
        assert_eq!(parse_attach_arg("a.csv").unwrap().mode, None);
        assert_eq!(
            parse_attach_arg("dir:x/a.csv").unwrap().path,
            PathBuf::from("dir:x/a.csv")
        );
        assert_eq!(
            parse_attach_arg("a:b.csv").unwrap().path,
            PathBuf::from("a:b.csv")
        );
        let err = parse_attach_arg("/nowhere/a.csv:raed").unwrap_err();
        assert!(err.contains("'raed'") && err.contains("container, read or both"));
    }

    fn upload(id: &str, filename: &str, given: GivenAs) -> FileRecord {
        FileRecord {
            id: id.into(),
            filename: filename.into(),
            origin: super::super::session::FileOrigin::Uploaded,
            size: None,
            mime: None,
            local_path: None,
            given_as: Some(given),
        }
    }

    #[test]
    fn blocks_go_text_first_then_files_in_attach_order() {
        let content = user_content(
            "what is in this?",
            &[
                upload("f_pdf", "report.pdf", GivenAs::Both),
                upload("f_png", "chart.png", GivenAs::Read),
                upload("f_csv", "data.csv", GivenAs::Container),
            ],
        );
        assert_eq!(
            content,
            vec![
                json!({"type":"text","text":"what is in this?"}),
                json!({"type":"document","source":{"type":"file","file_id":"f_pdf"}}),
                json!({"type":"container_upload","file_id":"f_pdf"}),
                json!({"type":"image","source":{"type":"file","file_id":"f_png"}}),
                json!({"type":"container_upload","file_id":"f_csv"}),
            ]
        );
    }
}
