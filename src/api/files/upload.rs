//! Uploading a file: the checks that run before any network call, then a streamed multipart POST.
//!
//! Invariants: the file is never read into memory; a blocking thread reads it at most
//! [`READ_AHEAD`] chunks of [`CHUNK_BYTES`] ahead of the request body, so a 500 MB upload needs
//! about 1 MB of buffers (measured: 11 MB peak RSS for the whole process, `bench/upload.sh`).
//! The file is re-opened for every attempt because a body stream can be consumed only once,
//! and the declared length is the length of the file opened for that attempt (read through
//! `take`, so a file growing meanwhile cannot overrun it).
//!
//! The limit: the API documents "500 MB per file" without saying which megabyte; clab uses
//! 500 MiB (524,288,000 bytes), the larger reading, so clab never refuses a file the API would
//! take; if the API's limit is the smaller one, its 413 says so.

use super::types::FileMetadata;
use super::{BETAS, read_json};
use crate::api::body::MAX_METADATA_BYTES;
use crate::api::{ApiError, Client};
use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt};
use reqwest::multipart::{Form, Part};
use reqwest::{Body, Method};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The largest file the Files API accepts (500 MB read as MiB; see the module doc).
pub const MAX_UPLOAD_BYTES: u64 = 500 * 1024 * 1024;

/// Read size for the body stream: large enough that per-chunk costs vanish next to the copy.
const CHUNK_BYTES: usize = 256 * 1024;

/// Chunks read ahead of the network, bounding memory at about `READ_AHEAD * CHUNK_BYTES`.
const READ_AHEAD: usize = 4;

/// Why a path cannot be uploaded, found before anything is sent.
#[derive(Debug, thiserror::Error)]
pub enum UploadRefusal {
    #[error("no such file: {}", .0.display())]
    Missing(PathBuf),
    #[error("{} is a directory; upload the files inside it instead", .0.display())]
    Directory(PathBuf),
    #[error("{} is not a regular file", .0.display())]
    NotRegular(PathBuf),
    #[error(
        "{} is {:.1} MB ({size} bytes); the Files API accepts at most 500 MB ({MAX_UPLOAD_BYTES} bytes) per file",
        path.display(),
        *size as f64 / (1024.0 * 1024.0)
    )]
    TooLarge { path: PathBuf, size: u64 },
    /// The name breaks the Files API's rule (1–255 characters, none of `< > : " | ? * \ /`
    /// and no control character); shown escaped, so a line break in it cannot forge output.
    #[error(
        "{name:?} cannot be uploaded under that name: the Files API takes 1 to 255 characters, without control characters (a line break, a tab…) or any of < > : \" | ? * \\; rename the file"
    )]
    BadName { name: String },
    #[error("cannot read {}: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl UploadRefusal {
    /// True when the user asked for something impossible (exit 2); false for an I/O failure.
    pub fn is_usage(&self) -> bool {
        !matches!(self, UploadRefusal::Unreadable { .. })
    }
}

/// The file's size if it can be uploaded: it exists, is a regular file, opens for reading
/// and is at most [`MAX_UPLOAD_BYTES`]. An empty file is fine.
pub fn check_upload_path(path: &Path) -> Result<u64, UploadRefusal> {
    let meta = std::fs::metadata(path).map_err(|source| match source.kind() {
        io::ErrorKind::NotFound => UploadRefusal::Missing(path.to_path_buf()),
        _ => UploadRefusal::Unreadable {
            path: path.to_path_buf(),
            source,
        },
    })?;
    if meta.is_dir() {
        return Err(UploadRefusal::Directory(path.to_path_buf()));
    }
    if !meta.is_file() {
        return Err(UploadRefusal::NotRegular(path.to_path_buf()));
    }
    let name = upload_name(path);
    if !acceptable_name(&name) {
        return Err(UploadRefusal::BadName { name });
    }
    if meta.len() > MAX_UPLOAD_BYTES {
        return Err(UploadRefusal::TooLarge {
            path: path.to_path_buf(),
            size: meta.len(),
        });
    }
    std::fs::File::open(path).map_err(|source| UploadRefusal::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(meta.len())
}

/// Uploads `path` as a multipart form with the single part `file`, reporting
/// `progress(sent, total)` as chunks leave. A retried attempt starts again from zero.
pub async fn upload<P>(client: &Client, path: &Path, progress: P) -> Result<FileMetadata, ApiError>
where
    P: Fn(u64, u64) + Send + Sync + 'static,
{
    let name = upload_name(path);
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let progress = Arc::new(progress);
    let response = client
        .send(|| {
            let (body, size) = file_body(path, progress.clone())?;
            let part = Part::stream_with_length(body, size)
                .file_name(name.clone())
                .mime_str(mime.as_ref())
                .map_err(|e| ApiError::Protocol(format!("bad content type {mime}: {e}")))?;
            Ok(client
                .request(Method::POST, "/v1/files", BETAS)
                .multipart(Form::new().part("file", part)))
        })
        .await?;
    read_json(client, response, MAX_METADATA_BYTES, "file metadata").await
}

/// The name the file is uploaded under: its own.
pub fn upload_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "upload".to_string())
}

/// The Files API's rule for names (../shared/api §2): 1–255 characters, no control character
/// and none of `< > : " | ? * \ /`. Checked here so the name never reaches a multipart header
/// it could break, and the user hears why before anything is sent.
fn acceptable_name(name: &str) -> bool {
    let length = name.chars().count();
    (1..=255).contains(&length)
        && !name.chars().any(|c| {
            c.is_control() || matches!(c, '<' | '>' | ':' | '"' | '|' | '?' | '*' | '\\' | '/')
        })
}

/// A body streaming `path` from disk, and its length, counting bytes into `progress`.
fn file_body<P>(path: &Path, progress: Arc<P>) -> Result<(Body, u64), ApiError>
where
    P: Fn(u64, u64) + Send + Sync + 'static,
{
    let context = || format!("cannot read {}", path.display());
    let file = std::fs::File::open(path).map_err(|e| ApiError::io(context(), e))?;
    let size = file
        .metadata()
        .map_err(|e| ApiError::io(context(), e))?
        .len();
    let mut sent = 0u64;
    let stream = read_ahead(file.take(size)).inspect(move |chunk| {
        if let Ok(bytes) = chunk {
            sent += bytes.len() as u64;
            progress(sent, size);
        }
    });
    Ok((Body::wrap_stream(stream), size))
}

/// Chunks of `reader`, read on a blocking thread up to [`READ_AHEAD`] chunks ahead of the
/// network. One `read` per chunk straight into the buffer that is sent: `tokio::fs::File`
/// would add a copy and a thread hop per chunk, which measured at 0.6x curl's throughput.
/// Dropping the stream (a finished, failed or cancelled attempt) ends the thread.
fn read_ahead(mut reader: impl Read + Send + 'static) -> impl Stream<Item = io::Result<Bytes>> {
    let (tx, rx) = tokio::sync::mpsc::channel(READ_AHEAD);
    tokio::task::spawn_blocking(move || {
        loop {
            let mut buf = BytesMut::zeroed(CHUNK_BYTES);
            let item = match reader.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => {
                    buf.truncate(n);
                    Ok(buf.freeze())
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => Err(e),
            };
            let failed = item.is_err();
            if tx.blocking_send(item).is_err() || failed {
                return;
            }
        }
    });
    futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn read_ahead_yields_every_byte_in_chunk_sized_pieces() {
        let data: Vec<u8> = (0..600 * 1024).map(|i| (i % 253) as u8).collect();
        let chunks: Vec<Bytes> = read_ahead(io::Cursor::new(data.clone()))
            .map(|c| c.unwrap())
            .collect()
            .await;
        let sizes: Vec<usize> = chunks.iter().map(Bytes::len).collect();
        assert_eq!(
            sizes,
            [CHUNK_BYTES, CHUNK_BYTES, 600 * 1024 - 2 * CHUNK_BYTES]
        );
        assert_eq!(chunks.concat(), data);
    }

    #[test]
    fn missing_paths_and_directories_are_usage_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.csv");
        let err = check_upload_path(&missing).unwrap_err();
        assert!(err.is_usage());
        assert_eq!(
            err.to_string(),
            format!("no such file: {}", missing.display())
        );
        let err = check_upload_path(dir.path()).unwrap_err();
        assert!(matches!(err, UploadRefusal::Directory(_)) && err.is_usage());
        assert!(err.to_string().contains("is a directory"));
    }

    #[test]
    fn names_the_files_api_refuses_are_refused_here_and_shown_escaped() {
        let dir = tempfile::tempdir().unwrap();
        for bad in [
            "a\nb.csv",
            "x\r\nContent-Type: evil.csv",
            "tab\there.csv",
            "why?.csv",
            "a:b.csv",
        ] {
            let path = dir.path().join(bad);
            std::fs::write(&path, b"1").unwrap();
            let err = check_upload_path(&path).unwrap_err();
            assert!(
                matches!(err, UploadRefusal::BadName { .. }) && err.is_usage(),
                "{bad}"
            );
            let said = err.to_string();
            assert!(!said.contains(['\n', '\r', '\t']), "{said:?}");
            assert!(said.contains("rename the file"), "{said}");
        }
        let fine = dir.path().join("sales 2024 (final) – é.csv");
        std::fs::write(&fine, b"1").unwrap();
        assert_eq!(check_upload_path(&fine).unwrap(), 1);
    }

    #[test]
    fn empty_files_are_fine_and_sizes_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.csv");
        std::fs::write(&empty, b"").unwrap();
        assert_eq!(check_upload_path(&empty).unwrap(), 0);
        let data = dir.path().join("data.csv");
        std::fs::write(&data, b"a,b\n1,2\n").unwrap();
        assert_eq!(check_upload_path(&data).unwrap(), 8);
    }

    #[test]
    fn files_over_500_mib_are_refused_without_reading_them() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.bin");
        let file = std::fs::File::create(&big).unwrap();
        file.set_len(MAX_UPLOAD_BYTES).unwrap();
        assert_eq!(check_upload_path(&big).unwrap(), MAX_UPLOAD_BYTES);
        file.set_len(MAX_UPLOAD_BYTES + 1).unwrap();
        let err = check_upload_path(&big).unwrap_err();
        assert!(err.is_usage());
        assert!(err.to_string().contains("at most 500 MB"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn sockets_are_not_regular_files() {
        let dir = tempfile::tempdir().unwrap();
        let sock = dir.path().join("s.sock");
        let _listener = std::os::unix::net::UnixListener::bind(&sock).unwrap();
        let err = check_upload_path(&sock).unwrap_err();
        assert!(matches!(err, UploadRefusal::NotRegular(_)) && err.is_usage());
    }

    #[cfg(unix)]
    #[test]
    fn unreadable_files_are_io_errors() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let locked = dir.path().join("locked.csv");
        std::fs::write(&locked, b"x").unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        if std::fs::File::open(&locked).is_ok() {
            eprintln!("skipped: running with privileges that ignore file modes");
            return;
        }
        let err = check_upload_path(&locked).unwrap_err();
        assert!(matches!(err, UploadRefusal::Unreadable { .. }) && !err.is_usage());
        assert!(err.to_string().starts_with("cannot read"));
    }
}
