//! clab: a terminal workbench for exploring data with Claude.
//!
//! The library holds every piece the binary uses, so integration tests can drive the
//! same code (the mock server in-process, the decoder, the accumulator) that users run.

pub mod api;
pub mod app;
pub mod child;
pub mod config;
pub mod domain;
pub mod download_name;
pub mod exact_json;
pub mod faces;
pub mod key_command;
pub mod logging;
pub mod mock;
pub mod model;
pub mod paths;
pub mod preview;
pub mod private;
pub mod render;
pub mod secret;
pub mod session;
pub mod text_safety;
pub mod theme;
pub mod tui;
pub mod turn;
pub mod ui;
