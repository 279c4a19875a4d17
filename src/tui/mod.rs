//! The terminal itself: entering and restoring it, reading its events, pacing frames.

pub mod scheduler;
pub mod terminal;
