//! Uploading a file: the checks that run before any network call, then a streamed multipart POST.
//!
//! Invariants: the file is never read into memory; its bytes flow from disk through a
//! [`CHUNK_BYTES`] buffer into the request body, so a 500 MB upload needs a few MB of RAM.
//! The file is re-opened for every attempt because a body stream can be consumed only once,
//! and the declared length is the length of the file opened for that attempt (read through
//! `take`, so a file growing meanwhile cannot overrun it).
//!
//! The limit: the API documents "500 MB per file" without saying which megabyte; clab uses
//! 500 MiB (524,288,000 bytes), the larger reading, so clab never refuses a file the API would
//! take; if the API's limit is the smaller one, its 413 says so.

use super::types::FileMetadata;
use super::{BETAS, read_json};
use crate::api::{ApiError, Client};
use futures::StreamExt;
use reqwest::multipart::{Form, Part};
use reqwest::{Body, Method};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::AsyncReadExt;
use tokio_util::io::ReaderStream;

/// The largest file the Files API accepts (500 MB read as MiB; see the module doc).
pub const MAX_UPLOAD_BYTES: u64 = 500 * 1024 * 1024;

/// Read size for the body stream: large enough that per-chunk costs vanish next to the copy.
const CHUNK_BYTES: usize = 256 * 1024;

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
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "upload".to_string());
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
    read_json(client, response).await
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
    let reader = tokio::fs::File::from_std(file).take(size);
    let mut sent = 0u64;
    let stream = ReaderStream::with_capacity(reader, CHUNK_BYTES).inspect(move |chunk| {
        if let Ok(bytes) = chunk {
            sent += bytes.len() as u64;
            progress(sent, size);
        }
    });
    Ok((Body::wrap_stream(stream), size))
}

#[cfg(test)]
mod tests {
    use super::*;

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
