//! Downloading a file's content to disk.
//!
//! Invariants: the body is streamed chunk by chunk into a temporary file in the destination
//! directory and moved to its final, never-clobbering name only once complete (see
//! `download_name`), so a failed or interrupted download leaves nothing behind (the temporary
//! file is removed when dropped) and no existing file is ever replaced. Metadata is fetched
//! first: it gives the file name and lets a file the API will not serve (an upload) be refused
//! with an explanation instead of a bare 400. Once the body has started, a broken connection
//! is an error, not a retry. The temporary file is the owner's alone (0600) until it is
//! renamed; the saved file then gets the mode the umask gives an ordinary new file.

use super::{BETAS, FileMetadata, file_path, for_file, info};
use crate::api::{ApiError, Client};
use crate::download_name::DownloadTarget;
use crate::text_safety::strip_controls;
use reqwest::Method;
use reqwest::header::ACCEPT;
use std::path::{Path, PathBuf};
use tempfile::NamedTempFile;
use tokio::io::{AsyncWriteExt, BufWriter};

/// Write buffer in front of the temporary file: large writes keep the blocking-pool hops few.
const WRITE_BUFFER_BYTES: usize = 256 * 1024;

/// A finished download: the file's metadata and where it was saved.
#[derive(Debug, Clone)]
pub struct Downloaded {
    pub meta: FileMetadata,
    pub path: PathBuf,
}

/// Downloads file `id` to `target`, reporting `progress(received, total)` per chunk, and
/// returns where it was saved. `total` is the Content-Length, else the metadata's size.
pub async fn download<P>(
    client: &Client,
    id: &str,
    target: &DownloadTarget,
    progress: P,
) -> Result<Downloaded, ApiError>
where
    P: Fn(u64, u64) + Send + Sync + 'static,
{
    let meta = info(client, id).await?;
    let not_downloadable = |request_id| ApiError::NotDownloadable {
        id: strip_controls(id).into_owned(),
        filename: meta.filename.clone(),
        request_id,
    };
    if meta.downloadable == Some(false) {
        return Err(not_downloadable(None));
    }
    let path = file_path(id, "/content")?;
    let mut response = client
        .send(|| {
            Ok(client
                .request(Method::GET, &path, BETAS)
                .header(ACCEPT, "application/binary"))
        })
        .await
        .map_err(|err| match err {
            ApiError::Status {
                status: 400,
                request_id,
                ..
            } => not_downloadable(request_id),
            other => for_file(other, id),
        })?;
    let total = response.content_length().unwrap_or(meta.size_bytes);

    let dir = target.dir();
    let io_err = |e| ApiError::io(format!("cannot write into {}", dir.display()), e);
    let temp = part_file(&dir).map_err(io_err)?;
    let handle = temp.as_file().try_clone().map_err(io_err)?;
    let saved = temp.as_file().try_clone().map_err(io_err)?;
    let mut out = BufWriter::with_capacity(WRITE_BUFFER_BYTES, tokio::fs::File::from_std(handle));
    let mut received = 0u64;
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| client.connection_error(&e))?
    {
        out.write_all(&chunk).await.map_err(io_err)?;
        received += chunk.len() as u64;
        progress(received, total);
    }
    out.flush().await.map_err(io_err)?;
    drop(out);
    let path = target
        .persist(temp, &meta.filename)
        .map_err(|e| ApiError::io("cannot save the download", e))?;
    #[cfg(unix)]
    {
        // Renamed and complete: now an ordinary file, as the umask would make one. Set on
        // the open handle, so it is this file whatever the name points to by now.
        use std::os::unix::fs::PermissionsExt;
        let mode = crate::private::ordinary_file_mode();
        saved
            .set_permissions(std::fs::Permissions::from_mode(mode))
            .map_err(|e| ApiError::io(format!("cannot set the mode of {}", path.display()), e))?;
    }
    #[cfg(not(unix))]
    drop(saved);
    Ok(Downloaded { meta, path })
}

/// The temporary `.part` file a download is written into, in `dir`, readable by the owner
/// only (0600) until it is complete and renamed: a half-written download is nobody else's.
fn part_file(dir: &Path) -> std::io::Result<NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".clab-download-").suffix(".part");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(crate::private::FILE_MODE));
    }
    builder.tempfile_in(dir)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn part_files_are_created_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let part = part_file(dir.path()).unwrap();
        let name = part
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(
            name.starts_with(".clab-download-") && name.ends_with(".part"),
            "{name}"
        );
        let mode = std::fs::metadata(part.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
