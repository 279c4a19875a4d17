//! The API key as a type that cannot leak by accident.
//!
//! Invariant: the key's text is reachable only through [`ApiKey::expose`], which is called in
//! exactly one place (the header builder). `Debug` and `Display` print a redaction, so a key held
//! in any struct never reaches a log line, an error message or a panic.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    pub fn new(key: impl Into<String>) -> Option<ApiKey> {
        let key = key.into().trim().to_string();
        (!key.is_empty()).then_some(ApiKey(key))
    }

    /// The raw key, for the `x-api-key` header only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_key() {
        let key = ApiKey::new("sk-ant-test-secret").unwrap();
        assert!(!format!("{key:?}").contains("secret"));
        assert!(!format!("{key}").contains("secret"));
        assert_eq!(key.expose(), "sk-ant-test-secret");
    }

    #[test]
    fn blank_keys_are_no_keys() {
        assert!(ApiKey::new("  \n").is_none());
        assert_eq!(ApiKey::new(" k \n").unwrap().expose(), "k");
    }
}
