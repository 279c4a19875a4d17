//! Sessions: durable conversations (history, files, container) in a SQLite store.

mod naming;
mod schema;
mod search_text;
pub mod store;
mod store_read;
#[cfg(test)]
mod store_tests;
pub mod types;

pub use store::{Store, StoreError};
