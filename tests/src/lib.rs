//! Support for tasktracker's integration tests: temporary databases on both
//! backends and the path of the real `tasktracker` binary. The fakes of the
//! Telegram Bot API and of an OpenAI-compatible server will live here too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    missing_debug_implementations
)]

pub mod bin;
pub mod db;
