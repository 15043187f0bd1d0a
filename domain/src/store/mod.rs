//! The database and the repositories over it.
//!
//! Reads take any [`Conn`] (the pool or a transaction); writes take a [`Tx`]
//! from [`Db::begin_write`], so that every writing transaction is IMMEDIATE on
//! SQLite and effects commit together with what caused them. Every function
//! returns this crate's own types; sea-orm stays inside this module.
//!
//! Columns ending in `_ct` hold ciphertext and `_index` columns hold blind
//! indexes: the repositories store and return those bytes as given, and the
//! encryption layer above them is the only place that seals or opens them.

pub mod admin;
mod db;
pub(crate) mod entity;
mod error;

pub mod audit;
pub mod chats;
pub mod inbox;
pub mod keys;
pub mod lease;
pub mod messages;
pub mod outbox;
pub mod people;
pub mod privacy;
pub mod providers;
pub mod retention;
pub mod settings;
pub mod subject_requests;
pub mod tasks;

pub use db::{Backend, Conn, Db, MigrationReport, Tx};
pub use error::StoreError;

use chrono::{DateTime, SubsecRound, Utc};

/// The current time, truncated to microseconds: what both SQLite and
/// PostgreSQL store, so a value reads back equal to what was written.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Largest number of rows one multi-row INSERT carries. Kept far below the
/// bind-parameter limits (SQLite 32,766; PostgreSQL 65,535) for any table.
pub(crate) const INSERT_CHUNK: usize = 500;

/// Declares an enum stored as a lowercase string, with `as_str`, `FromStr`
/// and `Display`.
macro_rules! string_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and displayed form.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s {
                    $($text => Ok($name::$variant),)+
                    other => Err(format!(
                        "unknown {} {other:?}; expected one of: {}",
                        stringify!($name),
                        [$($text),+].join(", ")
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use string_enum;

/// Parses a stored string column into its enum, reporting corruption clearly.
pub(crate) fn parse_col<T>(table: &'static str, value: &str) -> Result<T, StoreError>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    value
        .parse()
        .map_err(|e: T::Err| StoreError::corrupt(table, e.to_string()))
}

/// Runs `op` inside a savepoint of `tx`. On PostgreSQL a failed statement
/// aborts the whole transaction; inside a savepoint only the savepoint is
/// rolled back, so a refused write (such as a duplicate name) leaves the
/// caller's transaction usable, as it is on SQLite.
pub(crate) async fn in_savepoint<T>(
    tx: &Tx,
    op: impl AsyncFnOnce(&sea_orm::DatabaseTransaction) -> Result<T, sea_orm::DbErr>,
) -> Result<T, sea_orm::DbErr> {
    use sea_orm::TransactionTrait;
    let sp = tx.inner().begin().await?;
    match op(&sp).await {
        Ok(v) => {
            sp.commit().await?;
            Ok(v)
        }
        Err(e) => {
            sp.rollback().await?;
            Err(e)
        }
    }
}

/// Maps a unique-constraint violation to a clear message; passes others on.
pub(crate) fn unique_violation(
    err: sea_orm::DbErr,
    message: impl FnOnce() -> String,
) -> StoreError {
    match err.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => StoreError::Invalid(message()),
        _ => StoreError::Db(err),
    }
}
