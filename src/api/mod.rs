//! The Anthropic API client: HTTP with retries, the SSE decoder, stream events, the Files API.
//!
//! Knows no screen and no store: callers get typed results and errors and decide what to show.

pub mod accumulator;
pub mod body;
pub mod client;
pub mod count;
pub mod error;
pub mod events;
pub mod files;
pub mod retry;
pub mod sse;
pub mod stream;

pub use client::{Client, ClientConfig};
pub use error::ApiError;
