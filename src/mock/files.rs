//! Files API endpoints: upload, list, retrieve, download, delete.
//!
//! Invariant: the response shape follows the request's flavour. With
//! `anthropic-beta: files-api-2025-04-14` the beta shapes are used (no `expires_at`,
//! `before_id`/`after_id` paging with `first_id`/`has_more`/`last_id`); without it the GA
//! shapes (`expires_at: null`, `page`/`next_page` paging). Parameters of the other flavour
//! are rejected with 400 so a client mixing them notices. Uploads stream to disk.

use axum::Extension;
use axum::Json;
use axum::body::Body;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt as _;
use tokio_util::io::ReaderStream;

use super::error::ApiError;
use super::ids;
use super::record::{LogSlot, RecordedBody, RecordedPart};
use super::server::Shared;
use super::store::{StoredFile, mime_for};

/// Largest accepted file (500 MB, read as MiB so a "500 MB" test file always fits).
const MAX_FILE_BYTES: u64 = 500 * 1024 * 1024;
/// Room for multipart framing around the file when pre-checking `content-length`.
const MULTIPART_OVERHEAD: u64 = 1024 * 1024;

/// Whether the request opted into the beta Files API shapes.
pub fn is_beta(headers: &HeaderMap) -> bool {
    headers
        .get_all("anthropic-beta")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|b| b.trim() == "files-api-2025-04-14")
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "request_too_large",
        "File exceeds the maximum allowed size of 500 MB.",
    )
}

fn valid_filename(name: &str) -> bool {
    (1..=255).contains(&name.chars().count())
        && !name
            .chars()
            .any(|c| (c as u32) < 32 || "<>:\"|?*\\/".contains(c))
}

pub async fn upload(
    State(state): State<Shared>,
    Extension(slot): Extension<LogSlot>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Json<Value>, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_FILE_BYTES + MULTIPART_OVERHEAD) {
        return Err(too_large());
    }
    let mut multipart = multipart.map_err(|e| {
        ApiError::invalid(format!(
            "Expected a multipart/form-data body with a `file` part: {e}"
        ))
    })?;
    let mut parts = Vec::new();
    let result = receive(&state, &mut multipart, &mut parts).await;
    state.log.set_body(slot, RecordedBody::Multipart(parts));
    let file = result?;
    let meta = file.metadata(is_beta(&headers));
    state.files.insert(file);
    Ok(Json(meta))
}

/// Streams the single `file` part to disk, describing every part seen in `parts`.
async fn receive(
    state: &Shared,
    multipart: &mut Multipart,
    parts: &mut Vec<RecordedPart>,
) -> Result<StoredFile, ApiError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        ApiError::invalid(format!("Malformed multipart body: {e}"))
    };
    let mut stored: Option<StoredFile> = None;
    while let Some(mut field) = multipart.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        let filename = field.file_name().map(str::to_string);
        let content_type = field.content_type().map(str::to_string);
        parts.push(RecordedPart {
            name: name.clone(),
            filename: filename.clone(),
            content_type: content_type.clone(),
            size: 0,
        });
        if name != "file" {
            return Err(ApiError::invalid(format!(
                "Unexpected form field `{name}`: the upload takes a single part named `file`."
            )));
        }
        if stored.is_some() {
            return Err(ApiError::invalid("Only one `file` part is allowed."));
        }
        let filename = filename
            .filter(|f| valid_filename(f))
            .ok_or_else(|| ApiError::invalid("The `file` part needs a valid filename."))?;
        let id = ids::file_id();
        let path = state.files.path_for(&id, "");
        let io_err = |e: std::io::Error| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "api_error",
                e.to_string(),
            )
        };
        let file = tokio::fs::File::create(&path).await.map_err(io_err)?;
        let mut out = tokio::io::BufWriter::with_capacity(1 << 20, file);
        let mut size = 0u64;
        while let Some(chunk) = field.chunk().await.map_err(bad)? {
            size += chunk.len() as u64;
            if let Some(p) = parts.last_mut() {
                p.size = size;
            }
            if size > MAX_FILE_BYTES {
                drop(out);
                let _ = tokio::fs::remove_file(&path).await;
                return Err(too_large());
            }
            out.write_all(&chunk).await.map_err(io_err)?;
        }
        out.flush().await.map_err(io_err)?;
        stored = Some(StoredFile {
            mime_type: mime_for(&filename, content_type.as_deref()),
            id,
            filename,
            size_bytes: size,
            created_at: Utc::now(),
            downloadable: false,
            path,
        });
    }
    stored.ok_or_else(|| ApiError::invalid("Missing the `file` part."))
}

/// Query parameters as ordered pairs, percent-decoded; `beta=true` is dropped.
fn query_pairs(uri: &Uri) -> Vec<(String, String)> {
    uri.query()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .filter(|(k, _)| k != "beta")
        .collect()
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub async fn list(
    State(state): State<Shared>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Json<Value>, ApiError> {
    let beta = is_beta(&headers);
    let pairs = query_pairs(&uri);
    let get = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let limit = match get("limit") {
        None => 20,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| ApiError::invalid("limit: must be an integer between 1 and 1000"))?,
    };
    let (beta_only, ga_only) = (["before_id", "after_id"], ["page", "ids[]", "ids"]);
    let (forbidden, flavour) = if beta {
        (&ga_only[..], "with the files-api-2025-04-14 beta header")
    } else {
        (
            &beta_only[..],
            "without the files-api-2025-04-14 beta header",
        )
    };
    if let Some((k, _)) = pairs.iter().find(|(k, _)| forbidden.contains(&k.as_str())) {
        return Err(ApiError::invalid(format!("{k}: not supported {flavour}")));
    }
    let all = state.files.newest_first();
    let position = |id: &str| {
        all.iter()
            .position(|f| f.id == id)
            .ok_or_else(|| ApiError::invalid(format!("Unknown cursor `{id}`.")))
    };
    if beta {
        let (page, has_more) = match (get("before_id"), get("after_id")) {
            (Some(_), Some(_)) => {
                return Err(ApiError::invalid(
                    "Specify at most one of before_id and after_id.",
                ));
            }
            (Some(b), None) => {
                let end = position(b)?;
                let start = end.saturating_sub(limit);
                (&all[start..end], start > 0)
            }
            (None, after) => {
                let start = after.map(position).transpose()?.map_or(0, |p| p + 1);
                let end = (start + limit).min(all.len());
                (&all[start..end], end < all.len())
            }
        };
        let data: Vec<Value> = page.iter().map(|f| f.metadata(true)).collect();
        return Ok(Json(json!({
            "data": data,
            "first_id": page.first().map(|f| f.id.clone()),
            "has_more": has_more,
            "last_id": page.last().map(|f| f.id.clone()),
        })));
    }
    let wanted: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "ids[]" || k == "ids")
        .map(|(_, v)| v.as_str())
        .collect();
    let filtered: Vec<&StoredFile> = all
        .iter()
        .filter(|f| wanted.is_empty() || wanted.contains(&f.id.as_str()))
        .collect();
    let start = match get("page") {
        None => 0,
        Some(token) => {
            let after = token
                .strip_prefix("page_")
                .and_then(|id| filtered.iter().position(|f| f.id == id))
                .ok_or_else(|| ApiError::invalid(format!("page: invalid page token `{token}`")))?;
            after + 1
        }
    };
    let end = (start + limit).min(filtered.len());
    let page = &filtered[start..end];
    let next_page = (end < filtered.len())
        .then(|| page.last().map(|f| format!("page_{}", f.id)))
        .flatten();
    let data: Vec<Value> = page.iter().map(|f| f.metadata(false)).collect();
    Ok(Json(json!({"data": data, "next_page": next_page})))
}

pub async fn retrieve(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let file = state
        .files
        .get(&id)
        .ok_or_else(|| ApiError::file_not_found(&id))?;
    Ok(Json(file.metadata(is_beta(&headers))))
}

pub async fn download(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let file = state
        .files
        .get(&id)
        .ok_or_else(|| ApiError::file_not_found(&id))?;
    if !file.downloadable {
        return Err(ApiError::invalid(format!(
            "File `{id}` is not downloadable: only files created by the code execution tool or skills can be downloaded."
        )));
    }
    let handle = tokio::fs::File::open(&file.path)
        .await
        .map_err(|_| ApiError::file_not_found(&id))?;
    let headers = [
        (header::CONTENT_TYPE, file.mime_type.clone()),
        (header::CONTENT_LENGTH, file.size_bytes.to_string()),
    ];
    Ok((headers, Body::from_stream(ReaderStream::new(handle))).into_response())
}

pub async fn delete(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let file = state
        .files
        .remove(&id)
        .ok_or_else(|| ApiError::file_not_found(&id))?;
    let _ = tokio::fs::remove_file(&file.path).await;
    Ok(Json(json!({"id": id, "type": "file_deleted"})))
}
