//! Support for tasktracker's integration tests: temporary databases on both
//! backends, the path of the real `tasktracker` binary, a fake Telegram Bot
//! API server (`fake_telegram`) and a fake OpenAI-compatible server
//! (`fake_openai`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    missing_debug_implementations
)]

pub mod bin;
pub mod db;
pub mod fake_openai;
pub mod fake_telegram;
