//! The `tasktracker` binary's library: command line, start-up and shutdown,
//! and the running bot (poller → inbox → processor → outbox → sender).
//!
//! This crate is the only one that knows teloxide.

pub mod card;
pub mod chats_cmd;
pub mod classify_cmd;
pub mod cli;
pub mod context;
pub mod export_cmd;
pub mod handlers;
pub mod keys_cmd;
pub mod limits;
pub mod logging;
pub mod outgoing;
pub mod poller;
pub mod processor;
pub mod rights;
pub mod router;
pub mod scope;
pub mod sender;
pub mod service;
pub mod shutdown;
pub mod telegram;
