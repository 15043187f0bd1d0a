//! The `tasktracker` binary's library: command line, start-up and shutdown.
//!
//! This crate is the only one that will know teloxide (the bot issue adds it).

pub mod chats_cmd;
pub mod classify_cmd;
pub mod cli;
pub mod keys_cmd;
pub mod logging;
pub mod shutdown;
