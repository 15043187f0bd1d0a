//! tasktracker's core, shared by the bot (`tasktracker`) and the operators'
//! console (`tasktracker-console`).
//!
//! - [`classify`]: recognising tasks and bug reports (the builtin classifier).
//! - [`config`]: loading and checking the configuration.
//! - [`i18n`]: the Fluent translations of `locales/` and language choice.
//! - [`crypto`]: encryption at rest with ring (keys, envelopes, blind indexes).
//! - [`store`]: the database (SQLite or PostgreSQL) and the repositories over it.
//! - [`export`], [`requests`], [`forget`]: people's rights to a copy of
//!   their data and to its erasure.
//! - [`operator`]: operators' changes (chats, providers, retention), each
//!   audited in the transaction that makes it.
//!
//! This crate and `migrations` are the only ones that know sea-orm: every
//! repository function returns this crate's own types. It reads no environment
//! variables; files only at paths it is handed (configuration, secrets, the
//! database file).

pub mod classify;
pub mod config;
pub mod crypto;
pub mod export;
pub mod forget;
pub mod i18n;
pub mod operator;
pub mod purge;
pub mod records;
pub mod requests;
pub mod rotation;
pub mod secret;
pub mod store;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod vault;

pub use secret::Secret;
