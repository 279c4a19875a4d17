//! The conversation's plain data: sessions and their messages, files, code runs, the
//! container and usage, the rules that read them (the request history, the answer text),
//! and made-up sessions for tests and benchmarks.
//!
//! Invariant: a leaf. Nothing here imports another clab module, so the store, the network
//! client, the model and every face can share these types without importing each other
//! (checked by `tests/architecture.rs`).

pub mod answer;
pub mod attachment;
pub mod caching;
pub mod container;
pub mod context;
pub mod execution;
#[cfg(test)]
pub(crate) mod fixture;
pub mod history;
pub mod partial_json;
pub mod request;
pub mod run_times;
pub mod session;
pub mod skills;
pub mod synthetic;
pub mod usage;
