//! The file store behind the Files API: metadata in memory, bytes on disk.
//!
//! Invariant: file contents live only in the server's own temporary directory (deleted
//! with the server), one file per id, and are never held whole in memory: uploads are
//! written chunk by chunk and downloads are streamed from disk. Listing order is newest
//! first, by insertion, as the real API documents.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};
use tempfile::TempDir;

/// One stored file.
#[derive(Clone, Debug)]
pub struct StoredFile {
    pub id: String,
    pub filename: String,
    pub mime_type: String,
    pub size_bytes: u64,
    pub created_at: DateTime<Utc>,
    /// `false` for uploads, `true` for files "generated" by code execution.
    pub downloadable: bool,
    pub path: PathBuf,
}

impl StoredFile {
    /// `FileMetadata`: the GA shape adds `"expires_at": null`, the beta shape omits it.
    pub fn metadata(&self, beta: bool) -> Value {
        let mut v = json!({
            "id": self.id,
            "type": "file",
            "filename": self.filename,
            "mime_type": self.mime_type,
            "size_bytes": self.size_bytes,
            "created_at": rfc3339_micros(self.created_at),
            "downloadable": self.downloadable,
        });
        if !beta {
            v["expires_at"] = Value::Null;
        }
        v
    }

    pub fn is_csv(&self) -> bool {
        let ext = Path::new(&self.filename)
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        matches!(ext.as_deref(), Some("csv" | "tsv"))
            || matches!(
                self.mime_type.as_str(),
                "text/csv" | "text/tab-separated-values" | "application/csv"
            )
    }
}

/// Timestamps as the API writes them: `2025-04-15T18:37:24.100435Z`.
pub fn rfc3339_micros(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// The store; cheap to share behind an `Arc`.
pub struct FileStore {
    dir: TempDir,
    files: Mutex<Vec<StoredFile>>,
}

impl FileStore {
    pub fn new() -> std::io::Result<FileStore> {
        Ok(FileStore {
            dir: crate::private::temp_dir("clab-mock-files-")?,
            files: Mutex::new(Vec::new()),
        })
    }

    /// Where the bytes of file `id` are kept (`ext` lets renderers pick a format by name).
    pub fn path_for(&self, id: &str, ext: &str) -> PathBuf {
        self.dir.path().join(format!("{id}{ext}"))
    }

    pub fn insert(&self, file: StoredFile) {
        self.lock().push(file);
    }

    pub fn get(&self, id: &str) -> Option<StoredFile> {
        self.lock().iter().find(|f| f.id == id).cloned()
    }

    pub fn remove(&self, id: &str) -> Option<StoredFile> {
        let mut files = self.lock();
        let pos = files.iter().position(|f| f.id == id)?;
        Some(files.remove(pos))
    }

    pub fn newest_first(&self) -> Vec<StoredFile> {
        self.lock().iter().rev().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<StoredFile>> {
        self.files.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The MIME type of an upload: the part's own type unless it is missing or generic.
pub fn mime_for(filename: &str, declared: Option<&str>) -> String {
    match declared {
        Some(ct) if !ct.is_empty() && ct != "application/octet-stream" => ct.to_string(),
        _ => mime_guess::from_path(filename)
            .first_or_octet_stream()
            .essence_str()
            .to_string(),
    }
}
