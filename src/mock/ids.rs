//! Identifier generation shaped like the real API's ids.
//!
//! Invariant: every id is `<prefix>_<lead><random>` with exactly 24 characters after the
//! underscore, drawn from the base58-style alphabet seen in recordings (e.g.
//! `file_011CNha8iCJcU1wXNR6q4V8w`, `msg_01ER9WDtM4ZYgPLrGMbiNZu6`). Clients that validate
//! or display ids therefore see realistic lengths and characters, never sequential numbers
//! that could hide ordering assumptions.

const ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const BODY_LEN: usize = 24;

fn make(prefix: &str, lead: &str) -> String {
    let mut id = String::with_capacity(prefix.len() + 1 + BODY_LEN);
    id.push_str(prefix);
    id.push('_');
    id.push_str(lead);
    for _ in lead.len()..BODY_LEN {
        id.push(ALPHABET[fastrand::usize(..ALPHABET.len())] as char);
    }
    id
}

/// A Files API id, `file_011C…`.
pub fn file_id() -> String {
    make("file", "011C")
}

/// A message id, `msg_01…`.
pub fn message_id() -> String {
    make("msg", "01")
}

/// A server tool use id, `srvtoolu_01…`.
pub fn server_tool_use_id() -> String {
    make("srvtoolu", "01")
}

/// A code execution container id, `container_011C…`.
pub fn container_id() -> String {
    make("container", "011C")
}

/// A request id, `req_011C…`, sent as the `request-id` header and in error bodies.
pub fn request_id() -> String {
    make("req", "011C")
}

/// The per-run output directory name the sandbox uses (`/files/output/<16 hex>/`).
pub fn output_dir_hex() -> String {
    (0..16)
        .map(|_| char::from_digit(fastrand::u32(..16), 16).unwrap_or('0'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_real_lengths_and_prefixes() {
        let f = file_id();
        assert!(f.starts_with("file_011C"));
        assert_eq!(f.len(), "file_011CNha8iCJcU1wXNR6q4V8w".len());
        assert_eq!(message_id().len(), "msg_01ER9WDtM4ZYgPLrGMbiNZu6".len());
        assert_eq!(
            container_id().len(),
            "container_011CbJQ7DqpL337rdwQ76jnu".len()
        );
        assert_eq!(request_id().len(), "req_011CQFYcrRp7mCHLDsAYT8Qt".len());
        assert_eq!(
            server_tool_use_id().len(),
            "srvtoolu_01UAM7DM8XEfNwyddFNKpVp2".len()
        );
        let hex = output_dir_hex();
        assert_eq!(hex.len(), 16);
        assert!(hex.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
