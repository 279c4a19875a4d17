//! The API key as a type that cannot leak by accident.
//!
//! Invariant: the key's text is reachable only through [`ApiKey::expose`], which is called in
//! exactly one place (the header builder). `Debug` and `Display` print a redaction, so a key held
//! in any struct never reaches a log line, an error message or a panic. A URL is shown through
//! [`redacted_url`], so a password in `--base-url http://user:PASSWORD@…` is not shown either.

use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// The key the built-in demo server accepts.
    pub fn demo() -> ApiKey {
        ApiKey("sk-ant-demo".to_string())
    }

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

/// `url` as it may be shown: a password in its userinfo becomes `***` (the user name stays, to
/// tell accounts apart). Text that is not a URL is shown as it is: it holds no userinfo to hide
/// unless it has an `@`, and then everything before the `@` is hidden.
pub fn redacted_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string().trim_end_matches('/').to_string()
        }
        Ok(_) => url.to_string(),
        Err(_) => match url.rsplit_once('@') {
            Some((_, host)) => format!("***@{host}"),
            None => url.to_string(),
        },
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
    fn a_password_in_a_url_is_never_shown() {
        assert_eq!(
            redacted_url("http://bob:hunter2@127.0.0.1:8080/"),
            "http://bob:***@127.0.0.1:8080"
        );
        assert_eq!(
            redacted_url("https://api.anthropic.com"),
            "https://api.anthropic.com"
        );
        assert_eq!(redacted_url("not a url:hunter2@host"), "***@host");
    }

    #[test]
    fn blank_keys_are_no_keys() {
        assert!(ApiKey::new("  \n").is_none());
        assert_eq!(ApiKey::new(" k \n").unwrap().expose(), "k");
    }
}
