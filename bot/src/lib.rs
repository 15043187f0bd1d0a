//! The `tasktracker` binary's library: command line, start-up and shutdown.
//!
//! This crate is the only one that knows teloxide.

pub mod chats_cmd;
pub mod classify_cmd;
pub mod cli;
pub mod export_cmd;
pub mod keys_cmd;
pub mod logging;
pub mod poller;
pub mod shutdown;
pub mod telegram;
