//! Plain state: no terminal, no network, no store.
//!
//! Content blocks are kept as the API's JSON (`serde_json::Value`) exactly as received, so they
//! are re-sent unchanged; typed views such as [`execution::Execution`] are derived from them.
//! The interactive app's state is [`state::Model`], changed only by `Model::handle`.

mod attach;
pub mod composer;
mod conversation;
pub mod cost;
pub mod effect;
pub mod event;
mod files;
mod handle;
pub mod key_spec;
pub mod keymap;
pub mod layout;
mod preview;
pub mod skills_picker;
pub mod state;
pub mod usage_report;

pub use state::Model;

#[cfg(test)]
mod tests;
