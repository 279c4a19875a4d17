//! Sessions: durable conversations (history, files, container) in a SQLite store, written by
//! one owner, the session manager.

pub mod actor;
mod body;
pub mod export_ipynb;
pub mod export_md;
mod naming;
mod schema;
mod search_index;
mod search_text;
pub mod store;
mod store_read;
#[cfg(test)]
mod store_tests;
mod transcript;

pub use store::{Store, StoreError};
