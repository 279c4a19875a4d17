//! When and how long to wait before retrying a request, as the official SDKs do.
//!
//! Pure functions of (status, headers, attempt) so the policy is unit-tested without a server.
//! Order of precedence: `x-should-retry` overrides everything; then 408, 409, 429 and every
//! 5xx (529 included) are retried; the wait is `retry-after-ms`, else `retry-after` (seconds or
//! an HTTP date) when it lies in (0, 60] s, else `min(0.5 * 2^n, 8)` s scaled by a 75–100 %
//! jitter. Streams are never retried once an event has arrived; that rule lives in the caller.

use reqwest::header::HeaderMap;
use std::time::{Duration, SystemTime};

/// Retries after the first attempt (3 attempts in all), the SDKs' default.
pub const DEFAULT_MAX_RETRIES: u32 = 2;

const MAX_HONOURED_RETRY_AFTER: f64 = 60.0;

/// Whether a response with this status and these headers should be retried.
pub fn should_retry_status(status: u16, headers: &HeaderMap) -> bool {
    match headers.get("x-should-retry").and_then(|v| v.to_str().ok()) {
        Some("true") => return true,
        Some("false") => return false,
        _ => {}
    }
    matches!(status, 408 | 409 | 429) || status >= 500
}

/// How long to wait before retry number `retries_so_far + 1`.
pub fn retry_delay(headers: Option<&HeaderMap>, retries_so_far: u32, jitter: f64) -> Duration {
    if let Some(secs) = headers.and_then(server_requested_delay)
        && secs > 0.0
        && secs <= MAX_HONOURED_RETRY_AFTER
    {
        return Duration::from_secs_f64(secs);
    }
    let base = (0.5 * 2f64.powi(retries_so_far.min(16) as i32)).min(8.0);
    Duration::from_secs_f64(base * (1.0 - 0.25 * jitter.clamp(0.0, 1.0)))
}

/// The wait the server asked for, in seconds, if it asked in a form we understand.
fn server_requested_delay(headers: &HeaderMap) -> Option<f64> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(ms) = text("retry-after-ms").and_then(|v| v.trim().parse::<f64>().ok()) {
        return Some(ms / 1000.0);
    }
    let value = text("retry-after")?.trim();
    if let Ok(secs) = value.parse::<f64>() {
        return Some(secs);
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        map
    }

    #[test]
    fn retryable_statuses_match_the_sdks() {
        let none = HeaderMap::new();
        for status in [408, 409, 429, 500, 502, 503, 504, 529] {
            assert!(should_retry_status(status, &none), "{status}");
        }
        for status in [400, 401, 403, 404, 413, 422] {
            assert!(!should_retry_status(status, &none), "{status}");
        }
    }

    #[test]
    fn x_should_retry_overrides_the_status() {
        assert!(!should_retry_status(
            529,
            &headers(&[("x-should-retry", "false")])
        ));
        assert!(should_retry_status(
            400,
            &headers(&[("x-should-retry", "true")])
        ));
    }

    #[test]
    fn retry_after_ms_wins_over_retry_after() {
        let h = headers(&[("retry-after-ms", "250"), ("retry-after", "3")]);
        assert_eq!(retry_delay(Some(&h), 0, 0.0), Duration::from_millis(250));
        let h = headers(&[("retry-after", "1.5")]);
        assert_eq!(retry_delay(Some(&h), 0, 0.0), Duration::from_millis(1500));
    }

    #[test]
    fn out_of_range_retry_after_falls_back_to_backoff() {
        let h = headers(&[("retry-after", "120")]);
        assert_eq!(retry_delay(Some(&h), 0, 0.0), Duration::from_millis(500));
        let h = headers(&[("retry-after", "0")]);
        assert_eq!(retry_delay(Some(&h), 1, 0.0), Duration::from_secs(1));
    }

    #[test]
    fn http_date_retry_after_is_understood() {
        let when = SystemTime::now() + Duration::from_secs(5);
        let h = headers(&[("retry-after", &httpdate::fmt_http_date(when))]);
        let d = retry_delay(Some(&h), 0, 0.0);
        assert!(
            d > Duration::from_secs(3) && d <= Duration::from_secs(5),
            "{d:?}"
        );
    }

    #[test]
    fn backoff_doubles_caps_at_eight_and_jitters_down_to_75_percent() {
        assert_eq!(retry_delay(None, 0, 0.0), Duration::from_millis(500));
        assert_eq!(retry_delay(None, 2, 0.0), Duration::from_secs(2));
        assert_eq!(retry_delay(None, 10, 0.0), Duration::from_secs(8));
        assert_eq!(retry_delay(None, 10, 1.0), Duration::from_secs(6));
    }
}
