//! Opening the database, applying migrations, and starting transactions.
//!
//! SQLite (the default) runs in WAL mode with `synchronous=NORMAL`, a busy
//! timeout and foreign keys on, and every transaction that writes starts
//! `IMMEDIATE`: a deferred transaction that reads and then writes fails at once
//! with "database is locked" when another process (the console next to the
//! bot) wrote in between, and the busy timeout does not help it. Repository
//! functions that write therefore take a [`Tx`], which only
//! [`Db::begin_write`] makes.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use migrations::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    SqliteTransactionMode, Statement, TransactionOptions, TransactionTrait,
};

use super::StoreError;
use crate::config::{DatabaseConfig, redact_url};

/// Key of the PostgreSQL advisory lock that serialises migrations
/// ("tasktrak" in ASCII). Concurrent `Migrator::up` on a fresh database fails
/// otherwise: both try to create the same tables.
const MIGRATION_LOCK: i64 = 0x7461_736b_7472_616b;

/// Which database engine is behind a [`Db`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

/// A pool of connections to the database. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    conn: DatabaseConnection,
    backend: Backend,
    /// SQLite admits one writer at a time. Writers of this process queue here,
    /// in order, instead of polling the file lock: SQLite's busy handler sleeps
    /// and retries, so a busy writer could otherwise starve the others.
    write_gate: Option<Arc<tokio::sync::Mutex<()>>>,
    /// How long a writer waits for the gate before giving up.
    busy_timeout: Duration,
    /// How long opening a connection may take (the instance lease opens its own).
    connect_timeout: Duration,
    /// The SQLite database file, as configured; `None` on PostgreSQL and for
    /// an in-memory SQLite database, which no other process can open.
    sqlite_file: Option<PathBuf>,
}

impl fmt::Debug for Db {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.backend)
            .finish()
    }
}

/// A transaction that may write. Dropped without [`Tx::commit`], it rolls back.
pub struct Tx {
    txn: DatabaseTransaction,
    backend: Backend,
    _gate: Option<tokio::sync::OwnedMutexGuard<()>>,
    /// Current data-key versions read in this transaction, so that sealing
    /// many values under one key looks its version up once.
    key_versions: std::sync::Mutex<std::collections::HashMap<i64, i32>>,
    /// Outbox rows queued with `outbox::defer`, not written yet.
    deferred_outbox: std::sync::Mutex<Vec<super::entity::outbox::ActiveModel>>,
}

impl fmt::Debug for Tx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tx")
            .field("backend", &self.backend)
            .finish()
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Db {}
    impl Sealed for super::Tx {}
}

/// Something repository reads run on: the pool ([`Db`]) or a transaction ([`Tx`]).
/// Sealed: only this crate's two types implement it.
pub trait Conn: sealed::Sealed + Sync {
    /// The sea-orm connection behind it.
    #[doc(hidden)]
    type Inner: ConnectionTrait + Sync;
    /// The sea-orm connection behind it.
    #[doc(hidden)]
    fn inner(&self) -> &Self::Inner;
    /// Which engine it talks to.
    fn backend(&self) -> Backend;
    /// The transaction's memo of current data-key versions, if it is one.
    #[doc(hidden)]
    fn key_versions(&self) -> Option<&std::sync::Mutex<std::collections::HashMap<i64, i32>>> {
        None
    }
}

impl Conn for Db {
    type Inner = DatabaseConnection;
    fn inner(&self) -> &DatabaseConnection {
        &self.conn
    }
    fn backend(&self) -> Backend {
        self.backend
    }
}

impl Conn for Tx {
    type Inner = DatabaseTransaction;
    fn inner(&self) -> &DatabaseTransaction {
        &self.txn
    }
    fn backend(&self) -> Backend {
        self.backend
    }
    fn key_versions(&self) -> Option<&std::sync::Mutex<std::collections::HashMap<i64, i32>>> {
        Some(&self.key_versions)
    }
}

/// What [`Db::migrate`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationReport {
    /// Names of the migrations applied now, oldest first.
    pub applied: Vec<String>,
}

impl Db {
    /// Opens the database named by `cfg.url`. For SQLite, creates the file and
    /// its directory when missing.
    pub async fn connect(cfg: &DatabaseConfig) -> Result<Db, StoreError> {
        let url = cfg.url.expose();
        let connect_err = |source| StoreError::Connect {
            target: redact_url(url),
            source,
        };
        let mut opts = ConnectOptions::new(url.to_owned());
        opts.max_connections(cfg.max_connections)
            .min_connections(0)
            .connect_timeout(cfg.connect_timeout)
            .acquire_timeout(cfg.connect_timeout + cfg.busy_timeout)
            // Statement logging would print SQL at INFO; the bot's own spans say enough.
            .sqlx_logging(false);

        let mut sqlite_file = None;
        let backend = if url.starts_with("sqlite:") {
            let parsed = SqliteConnectOptions::from_str(url).map_err(|e| {
                connect_err(sea_orm::DbErr::Custom(format!("invalid SQLite URL: {e}")))
            })?;
            if let Some(dir) = parsed.get_filename().parent()
                && !dir.as_os_str().is_empty()
                && !dir.exists()
            {
                std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
                    path: dir.display().to_string(),
                    source,
                })?;
            }
            if !sqlite_in_memory(url) {
                sqlite_file = Some(parsed.get_filename().to_path_buf());
            }
            let busy = cfg.busy_timeout;
            opts.map_sqlx_sqlite_opts(move |o| {
                o.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(busy)
                    .foreign_keys(true)
            });
            Backend::Sqlite
        } else {
            Backend::Postgres
        };
        let conn = Database::connect(opts).await.map_err(connect_err)?;
        Ok(Db {
            conn,
            backend,
            write_gate: (backend == Backend::Sqlite).then(|| Arc::new(tokio::sync::Mutex::new(()))),
            busy_timeout: cfg.busy_timeout,
            connect_timeout: cfg.connect_timeout,
            sqlite_file,
        })
    }

    /// Which engine this is.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The SQLite database file as configured (`None` on PostgreSQL and for
    /// an in-memory database).
    pub(crate) fn sqlite_file(&self) -> Option<&Path> {
        self.sqlite_file.as_deref()
    }

    /// How long opening a connection may take.
    pub(crate) fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// Applies every pending migration, in one transaction that holds the
    /// write lock (SQLite) or an advisory lock (PostgreSQL), so that several
    /// processes starting at once all succeed and migrate exactly once.
    pub async fn migrate(&self) -> Result<MigrationReport, StoreError> {
        let tx = self.begin_write().await.map_err(into_migrate)?;
        if self.backend == Backend::Postgres {
            tx.txn
                .execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT pg_advisory_xact_lock($1)",
                    [MIGRATION_LOCK.into()],
                ))
                .await
                .map_err(StoreError::Migrate)?;
        }
        let pending: Vec<String> = Migrator::get_pending_migrations(&tx.txn)
            .await
            .map_err(StoreError::Migrate)?
            .iter()
            .map(|m| m.name().to_owned())
            .collect();
        Migrator::up(&tx.txn, None)
            .await
            .map_err(StoreError::Migrate)?;
        tx.commit().await.map_err(into_migrate)?;
        for name in &pending {
            tracing::info!(migration = %name, "applied migration");
        }
        Ok(MigrationReport { applied: pending })
    }

    /// Names of migrations this build knows but the database has not applied.
    pub async fn pending_migrations(&self) -> Result<Vec<String>, StoreError> {
        Ok(Migrator::get_pending_migrations(&self.conn)
            .await?
            .iter()
            .map(|m| m.name().to_owned())
            .collect())
    }

    /// Starts a transaction that may write: `BEGIN IMMEDIATE` on SQLite.
    /// On SQLite, writers of this process first queue in order for the one
    /// write slot; a writer that waits longer than the busy timeout gets the
    /// same "database is locked" error SQLite would give.
    pub async fn begin_write(&self) -> Result<Tx, StoreError> {
        let gate = match &self.write_gate {
            Some(gate) => Some(
                tokio::time::timeout(self.busy_timeout, gate.clone().lock_owned())
                    .await
                    .map_err(|_| {
                        StoreError::Db(sea_orm::DbErr::Custom(format!(
                            "database is locked: no write slot within {:?}; another writer in \
                             this process holds it (a transaction left open?)",
                            self.busy_timeout
                        )))
                    })?,
            ),
            None => None,
        };
        let txn = match self.backend {
            Backend::Sqlite => {
                self.conn
                    .begin_with_options(TransactionOptions {
                        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                        ..Default::default()
                    })
                    .await?
            }
            Backend::Postgres => self.conn.begin().await?,
        };
        Ok(Tx {
            txn,
            backend: self.backend,
            _gate: gate,
            key_versions: Default::default(),
            deferred_outbox: Default::default(),
        })
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        Ok(self.conn.ping().await?)
    }

    /// Closes every connection.
    pub async fn close(self) -> Result<(), StoreError> {
        Ok(self.conn.close().await?)
    }
}

impl Tx {
    /// Makes every change of the transaction durable.
    pub async fn commit(self) -> Result<(), StoreError> {
        super::outbox::flush(&self).await?;
        Ok(self.txn.commit().await?)
    }

    /// The outbox rows deferred in this transaction.
    pub(crate) fn deferred_outbox(
        &self,
    ) -> std::sync::MutexGuard<'_, Vec<super::entity::outbox::ActiveModel>> {
        // A panic while holding it cannot leave the Vec half-changed.
        self.deferred_outbox
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Discards every change of the transaction.
    pub async fn rollback(self) -> Result<(), StoreError> {
        Ok(self.txn.rollback().await?)
    }
}

/// Whether an SQLite URL names an in-memory database (`sqlite::memory:`,
/// `sqlite://:memory:` or `mode=memory`), as sqlx reads it.
fn sqlite_in_memory(url: &str) -> bool {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    path == ":memory:" || query.split('&').any(|pair| pair == "mode=memory")
}

fn into_migrate(e: StoreError) -> StoreError {
    match e {
        StoreError::Db(e) => StoreError::Migrate(e),
        other => other,
    }
}
