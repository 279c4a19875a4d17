//! The faces: the ways a user runs clab, from the command line to the workbench.
//!
//! Invariant: a face turns what the user typed into calls of the parts below it (the turn
//! engine, the session store, the Files API, the workbench's loop) and their results into
//! output and an exit code; no other part imports a face (checked by `tests/architecture.rs`).
//! Failures become a [`error::CliError`] here, and only here.

pub mod cli;
pub mod context;
pub mod demo;
pub mod error;
pub mod files;
pub mod files_view;
pub mod headless;
pub mod output;
pub mod progress;
pub mod sessions;
pub mod workbench;
