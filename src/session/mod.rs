//! Sessions: durable conversations (history, files, container) in a SQLite store.

pub mod types;
