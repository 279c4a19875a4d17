//! The Files API: listing, metadata and deletion here; upload and download, which
//! stream file bodies, in their own modules.
//!
//! Invariants: every call goes through [`Client::send`] (retries) with the
//! `anthropic-beta: files-api-2025-04-14` header, so answers have the beta shapes parsed in
//! `types` (`has_more`/`last_id` pagination); a GA-shaped list (`next_page`) is followed too.
//! A file id is percent-encoded into the URL path, so an id typed by a user can never address
//! another endpoint. A 404 from any per-file call becomes [`ApiError::FileNotFound`].
//! Answers are read with a cap (see `api::body`): metadata 1 MiB, a list page 1 MiB per 100
//! files of its `limit` (10 MiB for the 1000 asked here).

mod download;
mod types;
mod upload;

pub use download::{Downloaded, download};
pub use types::{DeletedFile, FileMetadata, FilePage, PageCursor};
pub use upload::{MAX_UPLOAD_BYTES, UploadRefusal, check_upload_path, upload, upload_name};

use super::body::{BodyError, MAX_METADATA_BYTES, list_page_cap, read_capped};
use super::client::Client;
use super::error::ApiError;
use crate::domain::request::FILES_BETA;
use crate::text_safety::strip_controls;
use reqwest::{Method, Response};
use serde::de::DeserializeOwned;
use std::collections::HashSet;

const BETAS: &[&str] = &[FILES_BETA];

/// Files per list request: the API's maximum, so a listing takes as few round trips as it can.
const PAGE_LIMIT: u32 = 1000;

/// Every file in the workspace, newest first, following the pagination to the end.
pub async fn list_all(client: &Client) -> Result<Vec<FileMetadata>, ApiError> {
    let mut files = Vec::new();
    let mut seen = HashSet::new();
    let mut cursor = None;
    loop {
        let path = match &cursor {
            None => format!("/v1/files?limit={PAGE_LIMIT}"),
            Some(PageCursor::AfterId(id)) => {
                format!("/v1/files?limit={PAGE_LIMIT}&after_id={}", encode(id))
            }
            Some(PageCursor::Page(page)) => {
                format!("/v1/files?limit={PAGE_LIMIT}&page={}", encode(page))
            }
        };
        let response = client
            .send(|| Ok(client.request(Method::GET, &path, BETAS)))
            .await?;
        let page: FilePage = read_json(
            client,
            response,
            list_page_cap(PAGE_LIMIT),
            "file list page",
        )
        .await?;
        let next = page.next_cursor();
        files.extend(page.data);
        match next {
            None => return Ok(files),
            Some(next) if !seen.insert(next.clone()) => {
                return Err(ApiError::Protocol(format!(
                    "the file list repeated the page cursor {next:?}"
                )));
            }
            Some(next) => cursor = Some(next),
        }
    }
}

/// One file's metadata.
pub async fn info(client: &Client, id: &str) -> Result<FileMetadata, ApiError> {
    let path = file_path(id, "")?;
    let response = client
        .send(|| Ok(client.request(Method::GET, &path, BETAS)))
        .await
        .map_err(|e| for_file(e, id))?;
    read_json(client, response, MAX_METADATA_BYTES, "file metadata").await
}

/// Deletes one file. Files are immutable and deletion is final.
pub async fn delete(client: &Client, id: &str) -> Result<DeletedFile, ApiError> {
    let path = file_path(id, "")?;
    let response = client
        .send(|| Ok(client.request(Method::DELETE, &path, BETAS)))
        .await
        .map_err(|e| for_file(e, id))?;
    read_json(client, response, MAX_METADATA_BYTES, "answer to a deletion").await
}

/// `/v1/files/{id}{suffix}` with the id encoded. URL parsers resolve `.` and `..` segments
/// (encoded or not), so an id made only of dots, which no file has, is refused here.
fn file_path(id: &str, suffix: &str) -> Result<String, ApiError> {
    if id.is_empty() || id.chars().all(|c| c == '.') {
        return Err(ApiError::FileNotFound {
            id: id.to_string(),
            request_id: None,
        });
    }
    Ok(format!("/v1/files/{}{suffix}", encode(id)))
}

/// Turns a 404 about file `id` into [`ApiError::FileNotFound`]; other errors pass through.
fn for_file(err: ApiError, id: &str) -> ApiError {
    match err {
        ApiError::Status {
            status: 404,
            request_id,
            ..
        } => ApiError::FileNotFound {
            id: strip_controls(id).into_owned(),
            request_id,
        },
        other => other,
    }
}

/// Parses a Files API answer, `what` (e.g. "file metadata"), read up to `cap` bytes.
async fn read_json<T: DeserializeOwned>(
    client: &Client,
    response: Response,
    cap: usize,
    what: &str,
) -> Result<T, ApiError> {
    let body = read_capped(response, cap).await.map_err(|e| match e {
        BodyError::Transport(e) => client.connection_error(&e),
        BodyError::TooLarge { cap } => ApiError::Protocol(format!(
            "the Files API's {what} is larger than {}, the most clab reads of it; it was not read further",
            BodyError::cap_text(cap)
        )),
    })?;
    serde_json::from_slice(&body)
        .map_err(|e| ApiError::Protocol(format!("cannot read the Files API's answer: {e}")))
}

/// Percent-encodes `text` for a URL path segment or query value, keeping only RFC 3986
/// unreserved characters. Hand-written because reqwest's `query` feature is not enabled and
/// these six lines are all clab needs.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_cannot_escape_their_path_segment() {
        assert_eq!(encode("file_011CNha8"), "file_011CNha8");
        assert_eq!(encode("../messages"), "..%2Fmessages");
        assert_eq!(encode("a b?c=d&e#f"), "a%20b%3Fc%3Dd%26e%23f");
        assert_eq!(encode("é"), "%C3%A9");
    }

    #[test]
    fn dot_ids_are_refused_without_a_request() {
        for id in ["", ".", ".."] {
            assert!(matches!(
                file_path(id, ""),
                Err(ApiError::FileNotFound { .. })
            ));
        }
        assert_eq!(
            file_path("f.1", "/content").unwrap(),
            "/v1/files/f.1/content"
        );
    }

    #[test]
    fn a_404_names_the_missing_file_and_keeps_the_request_id() {
        let err = ApiError::from_body(
            404,
            None,
            br#"{"type":"error","error":{"type":"not_found_error","message":"File `x` not found."},"request_id":"req_1"}"#,
        );
        let text = for_file(err, "file_\x1b[2Jx").to_string();
        assert_eq!(
            text,
            "no file with id file_x (it may have been deleted) (request id req_1)"
        );
    }

    #[test]
    fn other_errors_pass_through() {
        let err = ApiError::from_body(500, Some("req_2".into()), b"oops");
        assert_eq!(for_file(err, "file_x").status(), Some(500));
    }
}
