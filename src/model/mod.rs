//! Plain conversation state: no terminal, no network, no store.
//!
//! Content blocks are kept as the API's JSON (`serde_json::Value`) exactly as received, so they
//! are re-sent unchanged; typed views such as [`execution::Execution`] are derived from them.

pub mod execution;
pub mod stream;
pub mod usage;
