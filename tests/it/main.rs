//! tasktracker's integration tests: one binary, linked once.
//!
//! Database tests run on an SQLite file and, when `TEST_POSTGRES_URL` is set
//! at build time, on a fresh PostgreSQL database each; without it the
//! PostgreSQL variants are listed as ignored, with the reason.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

/// Declares `mod NAME { fn sqlite(); fn postgres(); }` for each async
/// `fn NAME(&TestDb)` in the calling module.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => { $(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let t = tests::db::TestDb::sqlite().await;
                super::$name(&t).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(
                not(pg_tests),
                ignore = "PostgreSQL tests are off: set TEST_POSTGRES_URL (see README)"
            )]
            async fn postgres() {
                let t = tests::db::TestDb::postgres().await;
                super::$name(&t).await;
            }
        }
    )* };
}

mod bot;
mod chats_cli;
mod classify_cli;
mod classify_eval;
mod config_cli;
mod console;
mod console_terminal;
mod dead_letters;
mod encryption;
mod export;
mod fake_telegram;
mod forget;
mod keys_cli;
mod lease;
mod migrate;
mod openai;
mod poller;
mod purge;
mod reliability;
mod repos;
mod rotation;
mod sqlite_locking;
