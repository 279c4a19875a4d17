//! JSON text in a buffer of exactly its size.
//!
//! Invariant: [`to_string`] allocates once, the length of the output. A growing buffer
//! doubles, so a 1 MB answer serialized the usual way holds up to 2 MB while it is written;
//! answers are the largest values clab serializes (checkpoints, stored messages), so the first
//! pass only counts bytes and the second writes into the right-sized buffer.

use serde::Serialize;
use std::io::{self, Write};

/// Counts what would be written.
struct Counter(usize);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The length of `value`'s JSON text, written nowhere.
pub fn len<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<usize> {
    let mut counter = Counter(0);
    serde_json::to_writer(&mut counter, value)?;
    Ok(counter.0)
}

/// `serde_json::to_string`, in one allocation of the output's size.
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<String> {
    let mut out = Vec::with_capacity(len(value)?);
    serde_json::to_writer(&mut out, value)?;
    // serde_json writes valid UTF-8 only.
    Ok(String::from_utf8(out).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn the_text_is_serde_jsons_and_the_buffer_its_exact_size() {
        let value = json!([{"type": "text", "text": "é\u{1F600} \"quoted\"\n".repeat(1000)}]);
        let text = super::to_string(&value).unwrap();
        assert_eq!(text, serde_json::to_string(&value).unwrap());
        assert_eq!(text.capacity(), text.len());
        assert_eq!(super::len(&value).unwrap(), text.len());
    }
}
