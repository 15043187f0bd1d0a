//! tasktracker's database schema.
//!
//! Every change to the schema is a new migration appended to [`Migrator`]; a
//! migration that has landed on `main` is never edited. The same migrations run
//! on SQLite and PostgreSQL, so they use only portable column types: `BIGINT`
//! for Telegram ids, binary columns for ciphertext and blind indexes, and
//! timestamps with time zone (always UTC).
//!
//! Only this crate and `domain` know sea-orm; nothing else applies migrations
//! directly (the `domain::db` module does it, under a lock).

pub use sea_orm_migration::MigratorTrait;
use sea_orm_migration::prelude::*;

mod m20261204_000001_initial;
mod m20261204_000002_subject_requests;
mod m20261204_000003_console;
mod m20261204_000004_chat_notices;
mod m20261205_000005_outbox_nonce;

/// The ordered list of every migration.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261204_000001_initial::Migration),
            Box::new(m20261204_000002_subject_requests::Migration),
            Box::new(m20261204_000003_console::Migration),
            Box::new(m20261204_000004_chat_notices::Migration),
            Box::new(m20261205_000005_outbox_nonce::Migration),
        ]
    }
}
