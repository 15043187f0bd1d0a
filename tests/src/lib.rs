//! Support for tasktracker's integration tests: temporary databases on both
//! backends, the path of the real `tasktracker` binary, and a fake Telegram
//! Bot API server. The fake of an OpenAI-compatible server will live here too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    missing_debug_implementations
)]

pub mod bin;
pub mod db;
pub mod fake_telegram;
