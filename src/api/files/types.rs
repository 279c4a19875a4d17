//! The Files API's response shapes, parsed tolerantly.
//!
//! Invariant: parsing never fails on a field it does not know, and nothing the server sent is
//! lost: unknown fields (`expires_at`, `scope`, whatever comes next) land in `extra` and are
//! written back out by `Serialize`, so `clab files info --json` shows the server's full answer.
//! Only `id` is required; the API has added and reshaped fields before (the GA switch of
//! 2026-08), and a listing should not break because one entry lacks a filename.

use crate::domain::session::{FileOrigin, FileRecord};
use crate::text_safety::one_line;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::path::PathBuf;

/// One file's metadata, as `POST /v1/files`, `GET /v1/files/{id}` and the list return it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct FileMetadata {
    pub id: String,
    #[serde(rename = "type", default = "file_type")]
    pub kind: String,
    #[serde(default)]
    pub filename: String,
    #[serde(default)]
    pub mime_type: String,
    #[serde(default)]
    pub size_bytes: u64,
    #[serde(default)]
    pub created_at: String,
    /// `false` for files you uploaded; `true` for files made by code execution or skills.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub downloadable: Option<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl FileMetadata {
    /// The file as a session keeps it: its name on one line (it came from the server), its
    /// origin, and where it is on disk if it is.
    pub fn record(self, origin: FileOrigin, local_path: Option<PathBuf>) -> FileRecord {
        FileRecord {
            id: self.id,
            filename: one_line(&self.filename),
            origin,
            size: Some(self.size_bytes),
            mime: Some(self.mime_type).filter(|m| !m.is_empty()),
            local_path,
            given_as: None,
        }
    }
}

fn file_type() -> String {
    "file".to_string()
}

/// One page of `GET /v1/files`. Beta shape: `has_more` + `last_id` (next page is
/// `after_id=<last_id>`); GA shape: `next_page` (next page is `page=<next_page>`).
#[derive(Debug, Deserialize)]
pub struct FilePage {
    #[serde(default)]
    pub data: Vec<FileMetadata>,
    #[serde(default)]
    pub has_more: Option<bool>,
    #[serde(default)]
    pub last_id: Option<String>,
    #[serde(default)]
    pub next_page: Option<String>,
}

/// Where the next page of a listing is, if there is one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PageCursor {
    AfterId(String),
    Page(String),
}

impl FilePage {
    pub fn next_cursor(&self) -> Option<PageCursor> {
        if self.has_more == Some(true) {
            return self.last_id.clone().map(PageCursor::AfterId);
        }
        if self.has_more.is_none() {
            return self.next_page.clone().map(PageCursor::Page);
        }
        None
    }
}

/// The answer to `DELETE /v1/files/{id}`: `{"id": "...", "type": "file_deleted"}`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct DeletedFile {
    pub id: String,
    #[serde(rename = "type", default)]
    pub kind: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn a_record_keeps_the_server_name_on_one_line_and_no_empty_type() {
        let meta: FileMetadata = serde_json::from_value(serde_json::json!({
            "id": "file_1", "filename": "plot\n\u{1b}[2Jx.png", "mime_type": "", "size_bytes": 7
        }))
        .unwrap();
        let record = meta.record(FileOrigin::Generated, Some(PathBuf::from("/d/x.png")));
        assert!(!record.filename.contains('\n') && !record.filename.contains('\u{1b}'));
        assert!(record.filename.starts_with("plot") && record.filename.ends_with("x.png"));
        assert_eq!(record.mime, None);
        assert_eq!(record.size, Some(7));
        assert_eq!(record.local_path, Some(PathBuf::from("/d/x.png")));
    }

    #[test]
    fn beta_metadata_parses_and_keeps_scope() {
        let meta: FileMetadata =
            serde_json::from_str(&fixture("docs_files_beta_retrieve_metadata_response.json"))
                .unwrap();
        assert_eq!(meta.id, "file_011CNha8iCJcU1wXNR6q4V8w");
        assert_eq!(meta.kind, "file");
        assert_eq!(meta.filename, "document.pdf");
        assert_eq!(meta.size_bytes, 102400);
        assert_eq!(meta.downloadable, Some(false));
        assert_eq!(meta.extra["scope"]["type"], "session");
    }

    #[test]
    fn unknown_fields_survive_a_round_trip() {
        let text = fixture("docs_files_guide_upload_response_with_expires_at.json");
        let meta: FileMetadata = serde_json::from_str(&text).unwrap();
        let back = serde_json::to_value(&meta).unwrap();
        let original: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, original);
    }

    #[test]
    fn an_entry_with_only_an_id_still_parses() {
        let meta: FileMetadata = serde_json::from_str(r#"{"id":"file_x","novel":[1]}"#).unwrap();
        assert_eq!(meta.filename, "");
        assert_eq!(meta.downloadable, None);
        assert_eq!(meta.extra["novel"][0], 1);
    }

    #[test]
    fn beta_page_continues_after_the_last_id() {
        let page: FilePage =
            serde_json::from_str(&fixture("docs_files_beta_list_response.json")).unwrap();
        assert_eq!(page.data.len(), 1);
        assert_eq!(
            page.next_cursor(),
            Some(PageCursor::AfterId("file_013Zva2CMHLNnXjNJJKqJ2EF".into()))
        );
    }

    #[test]
    fn ga_page_continues_with_the_page_cursor() {
        let page: FilePage =
            serde_json::from_str(&fixture("docs_files_GA_list_response_page_cursor.json")).unwrap();
        assert_eq!(
            page.next_cursor(),
            Some(PageCursor::Page("next_page".into()))
        );
        assert!(page.data[0].extra.contains_key("expires_at"));
    }

    #[test]
    fn last_pages_have_no_cursor() {
        let beta: FilePage =
            serde_json::from_str(r#"{"data":[],"has_more":false,"last_id":null}"#).unwrap();
        assert_eq!(beta.next_cursor(), None);
        let ga: FilePage = serde_json::from_str(r#"{"data":[],"next_page":null}"#).unwrap();
        assert_eq!(ga.next_cursor(), None);
    }

    #[test]
    fn delete_response_parses() {
        let deleted: DeletedFile =
            serde_json::from_str(&fixture("docs_files_beta_delete_response.json")).unwrap();
        assert_eq!(deleted.kind, "file_deleted");
    }
}
