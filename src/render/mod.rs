//! Turning model and tool text into something safe and readable on a terminal.

pub mod heredoc;
pub mod highlight;
pub mod markdown;
pub mod wrap;
