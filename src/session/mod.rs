//! Sessions: durable conversations (history, files, container) in a SQLite store.

pub mod export_ipynb;
pub mod export_md;
#[cfg(test)]
mod fixture;
mod naming;
mod schema;
mod search_text;
pub mod store;
mod store_read;
#[cfg(test)]
mod store_tests;
mod transcript;
pub mod types;

pub use store::{Store, StoreError};
