//! The embedded mock of the Anthropic API (placeholder until the server lands).
