//! Reading a non-streamed response body with a size cap.
//!
//! Invariant: no response body is read whole without a bound. Error bodies and file metadata
//! (one file's, an upload's or a deletion's answer) are read up to [`MAX_ERROR_BODY_BYTES`] and
//! [`MAX_METADATA_BYTES`] (1 MiB each, far above any real answer), a Files list page up to
//! [`list_page_cap`] (1 MiB per 100 files of the requested `limit`). The body is read chunk by
//! chunk with a running total and refused as soon as it passes its cap, or before the first
//! chunk when its `Content-Length` already does, so a hostile server sending gigabytes costs
//! at most the cap in memory. The response is then dropped, which closes the connection.
//! Streams have their own per-event cap (`sse::MAX_EVENT_BYTES`); downloads go to disk.

use reqwest::Response;

const MIB: usize = 1024 * 1024;

/// The largest error body read (`{"type":"error",...}` is well under a kilobyte).
pub const MAX_ERROR_BODY_BYTES: usize = MIB;

/// The largest file metadata object read.
pub const MAX_METADATA_BYTES: usize = MIB;

/// The largest Files list page read for `limit` files: 1 MiB per 100 files (at least 1 MiB),
/// about a hundred times the size of real metadata.
pub fn list_page_cap(limit: u32) -> usize {
    (limit.div_ceil(100).max(1) as usize).saturating_mul(MIB)
}

/// Why a capped body could not be read.
#[derive(Debug)]
pub enum BodyError {
    /// The body is larger than the cap; it was not read further.
    TooLarge { cap: usize },
    /// The connection failed while reading.
    Transport(reqwest::Error),
}

impl BodyError {
    /// "1 MiB": the cap as a sentence can name it.
    pub fn cap_text(cap: usize) -> String {
        if cap.is_multiple_of(MIB) {
            format!("{} MiB", cap / MIB)
        } else {
            format!("{cap} bytes")
        }
    }
}

/// The whole body of `response`, or [`BodyError::TooLarge`] as soon as it passes `cap` bytes.
pub async fn read_capped(mut response: Response, cap: usize) -> Result<Vec<u8>, BodyError> {
    let declared = response.content_length();
    if declared.is_some_and(|len| len > cap as u64) {
        return Err(BodyError::TooLarge { cap });
    }
    let mut body = Vec::with_capacity(declared.map_or(0, |len| len as usize));
    while let Some(chunk) = response.chunk().await.map_err(BodyError::Transport)? {
        if body.len() + chunk.len() > cap {
            return Err(BodyError::TooLarge { cap });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_page_may_hold_a_mebibyte_per_hundred_files() {
        assert_eq!(list_page_cap(1), MIB);
        assert_eq!(list_page_cap(100), MIB);
        assert_eq!(list_page_cap(101), 2 * MIB);
        assert_eq!(list_page_cap(1000), 10 * MIB);
        assert_eq!(BodyError::cap_text(10 * MIB), "10 MiB");
        assert_eq!(BodyError::cap_text(1500), "1500 bytes");
    }
}
