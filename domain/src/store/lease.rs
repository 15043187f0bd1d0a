//! The instance lease: one active bot per database.
//!
//! Two `tasktracker run` processes on one database would both long-poll
//! Telegram, both apply the same inbox rows and both deliver the same outbox
//! items. The bot therefore takes this lease before it starts its poller,
//! processor, sender and scheduled purge, and holds it while it runs; a
//! second process waits as a standby until the lease is free. Operators'
//! commands and the console never take it: they work beside a running bot.
//!
//! - **SQLite**: an exclusive OS lock (`flock` on Linux, through
//!   [`std::fs::File::try_lock`]) on `<database file>.lock`, next to the
//!   database file (its path with symlinks resolved). The kernel drops the
//!   lock when the process ends, however it ends (SIGKILL included). The file
//!   holds the holder's process id, for operators; it is never deleted, since
//!   a process that locked a deleted file would hold a lock nobody else sees.
//! - **PostgreSQL**: the session-level advisory lock [`ADVISORY_KEY`]
//!   (`pg_try_advisory_lock`), taken on a connection of its own, outside the
//!   pool, held for as long as the instance is active. The server drops the
//!   lock when that session ends (the process died, the connection broke, an
//!   administrator terminated it); [`Lease::check`] asks on that connection
//!   whether the lock is still held, so the holder notices within one check.
//!   Advisory locks belong to one database: deployments in other databases
//!   of the same server do not compete. A pooler in transaction mode
//!   (PgBouncer's default) cannot carry a session lock; point `database.url`
//!   at PostgreSQL itself or at a session-mode pooler.
//! - An in-memory SQLite database belongs to its process, so its lease is
//!   always granted.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sea_orm::sqlx::postgres::PgConnection;
use sea_orm::sqlx::{self, Connection};

use super::{Backend, Conn, Db};

/// The PostgreSQL advisory lock key of the instance lease: "tt.lease" in
/// ASCII. The migrations use another key (`pg_advisory_xact_lock`), so
/// migrating never waits for a running bot.
pub const ADVISORY_KEY: i64 = 0x7474_2e6c_6561_7365;

/// `application_name` of the lease's PostgreSQL session, so that operators
/// can find it in `pg_stat_activity`.
pub const APPLICATION_NAME: &str = "tasktracker instance lease";

/// How long one query on the lease's connection may take before the lease
/// counts as lost.
const QUERY_TIMEOUT: Duration = Duration::from_secs(5);

/// The server drops the lease's session (and the lock) this soon after its
/// peer stops answering TCP keepalives: idle seconds, interval, count. Without
/// it a standby on another host could wait hours for a partitioned holder.
const SERVER_KEEPALIVES: [&str; 3] = [
    "SET tcp_keepalives_idle = 10",
    "SET tcp_keepalives_interval = 5",
    "SET tcp_keepalives_count = 3",
];

/// What can go wrong with the lease.
#[derive(Debug, thiserror::Error)]
pub enum LeaseError {
    /// The SQLite lock file cannot be opened, locked or checked.
    #[error(
        "cannot use the instance lock file {path}: {source}; the bot needs to create and write \
         it next to the database file"
    )]
    LockFile {
        /// The lock file (or the database file whose lock file it is).
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The SQLite lock file was deleted or replaced while the lock was held,
    /// so another process may now lock a new file at that path.
    #[error("the instance lock file {path} was deleted or replaced while this instance held it")]
    LockFileReplaced {
        /// The lock file.
        path: PathBuf,
    },
    /// The lease's PostgreSQL connection failed.
    #[error("the instance lease's PostgreSQL connection failed: {0}")]
    Postgres(#[source] sqlx::Error),
    /// The lease's PostgreSQL connection did not answer in time.
    #[error("the instance lease's PostgreSQL connection did not answer within {0:?}")]
    Timeout(Duration),
    /// The session is alive but no longer holds the advisory lock.
    #[error("the instance lease's PostgreSQL session no longer holds advisory lock {ADVISORY_KEY}")]
    NotHeld,
}

impl LeaseError {
    /// Whether trying again later may succeed (a database that is down or
    /// unreachable), as opposed to a setup an operator must fix (a lock file
    /// the bot cannot create).
    pub fn is_transient(&self) -> bool {
        !matches!(self, LeaseError::LockFile { .. })
    }
}

/// The held lease. Dropping it releases the lock (the file is closed, the
/// PostgreSQL session ends); [`Lease::release`] does so explicitly.
pub struct Lease {
    held: Held,
}

enum Held {
    File { file: std::fs::File, path: PathBuf },
    Postgres { conn: PgConnection },
    Private,
}

impl fmt::Debug for Lease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Lease");
        match &self.held {
            Held::File { path, .. } => d.field("lock_file", path),
            Held::Postgres { .. } => d.field("advisory_lock", &ADVISORY_KEY),
            Held::Private => d.field("private", &true),
        };
        d.finish()
    }
}

/// Where the lease of `db` lives, for logs: the lock file, or the advisory
/// lock. Holds no secret.
pub fn location(db: &Db) -> String {
    match (db.backend(), db.sqlite_file()) {
        (Backend::Sqlite, Some(file)) => match lock_path(file) {
            Ok(path) => format!("lock file {}", path.display()),
            Err(_) => format!("lock file {}.lock", file.display()),
        },
        (Backend::Sqlite, None) => "in-memory database (no other process can open it)".to_owned(),
        (Backend::Postgres, _) => format!("PostgreSQL advisory lock {ADVISORY_KEY}"),
    }
}

impl Lease {
    /// Takes the lease if no other instance holds it: `Ok(None)` when one
    /// does. Never waits.
    pub async fn try_acquire(db: &Db) -> Result<Option<Lease>, LeaseError> {
        Contender::new(db).try_once().await
    }

    /// Takes the lease, waiting as a standby while another instance holds
    /// it: tries again every `retry`. Says once, at INFO, that it waits, and
    /// warns of errors that may pass (a database that is down); returns the
    /// others. Cancel it by dropping the future (for a signal).
    pub async fn acquire(db: &Db, retry: Duration) -> Result<Lease, LeaseError> {
        let mut contender = Contender::new(db);
        let mut waited = false;
        loop {
            match contender.try_once().await {
                Ok(Some(lease)) => {
                    tracing::info!(
                        lease = %location(db),
                        after_standby = waited,
                        "instance lease taken: this is the active tasktracker instance"
                    );
                    return Ok(lease);
                }
                Ok(None) if !waited => {
                    waited = true;
                    tracing::info!(
                        lease = %location(db),
                        holder_pid = contender.holder_pid(),
                        retry_every = ?retry,
                        "another tasktracker instance is active on this database; waiting as a \
                         standby; stop with SIGTERM or SIGINT"
                    );
                }
                Ok(None) => tracing::debug!("the instance lease is still held elsewhere"),
                Err(e) if e.is_transient() => {
                    tracing::warn!(error = %e, retry_in = ?retry, "cannot try the instance lease");
                }
                Err(e) => return Err(e),
            }
            tokio::time::sleep(retry).await;
        }
    }

    /// Checks that the lease is still held: on PostgreSQL, asks the lease's
    /// session whether it holds the lock; on SQLite, checks that the lock
    /// file is still the file this process locked.
    pub async fn check(&mut self) -> Result<(), LeaseError> {
        match &mut self.held {
            Held::File { file, path } => {
                if same_file(file, path)? {
                    Ok(())
                } else {
                    Err(LeaseError::LockFileReplaced { path: path.clone() })
                }
            }
            Held::Postgres { conn } => {
                let held: bool = timed(
                    sqlx::query_scalar(
                        "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' \
                         AND pid = pg_backend_pid() AND granted AND objsubid = 1 \
                         AND classid = ($1 >> 32)::oid AND objid = ($1 & 4294967295)::oid)",
                    )
                    .bind(ADVISORY_KEY)
                    .fetch_one(&mut *conn),
                )
                .await?;
                if held {
                    Ok(())
                } else {
                    Err(LeaseError::NotHeld)
                }
            }
            Held::Private => Ok(()),
        }
    }

    /// Resolves when the lease is lost, checking every `every`.
    pub async fn lost(&mut self, every: Duration) -> LeaseError {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        // The first tick is immediate; the lease was just taken or checked.
        tick.tick().await;
        loop {
            tick.tick().await;
            if let Err(e) = self.check().await {
                return e;
            }
        }
    }

    /// Releases the lease now. Whatever the answer, the lock is gone
    /// afterwards: the file is closed, the session ended.
    pub async fn release(self) -> Result<(), LeaseError> {
        match self.held {
            Held::File { file, path } => file
                .unlock()
                .map_err(|source| LeaseError::LockFile { path, source }),
            Held::Postgres { mut conn } => {
                let unlocked: Result<bool, _> = timed(
                    sqlx::query_scalar("SELECT pg_advisory_unlock($1)")
                        .bind(ADVISORY_KEY)
                        .fetch_one(&mut conn),
                )
                .await;
                timed(conn.close()).await?;
                unlocked.map(drop)
            }
            Held::Private => Ok(()),
        }
    }
}

/// One process's attempts at the lease. On PostgreSQL it keeps its
/// connection between attempts, so a standby does not reconnect every time.
struct Contender<'a> {
    db: &'a Db,
    conn: Option<PgConnection>,
    lock_file: Option<PathBuf>,
}

impl<'a> Contender<'a> {
    fn new(db: &'a Db) -> Self {
        Contender {
            db,
            conn: None,
            lock_file: None,
        }
    }

    async fn try_once(&mut self) -> Result<Option<Lease>, LeaseError> {
        match (self.db.backend(), self.db.sqlite_file()) {
            (Backend::Sqlite, Some(file)) => {
                let path = lock_path(file)?;
                let got = lock_file(&path)?;
                self.lock_file = Some(path);
                Ok(got.map(|held| Lease { held }))
            }
            (Backend::Sqlite, None) => Ok(Some(Lease {
                held: Held::Private,
            })),
            (Backend::Postgres, _) => {
                let result = self.try_postgres().await;
                if result.is_err() {
                    // Broken or in an unknown state: start afresh next time.
                    self.conn = None;
                }
                result
            }
        }
    }

    async fn try_postgres(&mut self) -> Result<Option<Lease>, LeaseError> {
        let mut conn = match self.conn.take() {
            Some(conn) => conn,
            None => connect(self.db).await?,
        };
        let got: bool = timed(
            sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
                .bind(ADVISORY_KEY)
                .fetch_one(&mut conn),
        )
        .await?;
        if got {
            Ok(Some(Lease {
                held: Held::Postgres { conn },
            }))
        } else {
            self.conn = Some(conn);
            Ok(None)
        }
    }

    /// The process id the SQLite lock file names, if it names one.
    fn holder_pid(&self) -> Option<u32> {
        let text = std::fs::read_to_string(self.lock_file.as_ref()?).ok()?;
        text.trim().parse().ok()
    }
}

/// A PostgreSQL connection of the lease's own, opened with the pool's
/// options but outside the pool, so it never goes back to it.
async fn connect(db: &Db) -> Result<PgConnection, LeaseError> {
    let opts = db
        .inner()
        .get_postgres_connection_pool()
        .connect_options()
        .as_ref()
        .clone()
        .application_name(APPLICATION_NAME);
    let limit = db.connect_timeout();
    let mut conn = tokio::time::timeout(limit, PgConnection::connect_with(&opts))
        .await
        .map_err(|_| LeaseError::Timeout(limit))?
        .map_err(LeaseError::Postgres)?;
    for set in SERVER_KEEPALIVES {
        if let Err(e) = timed(sqlx::raw_sql(set).execute(&mut conn)).await {
            tracing::debug!(error = %e, statement = set, "cannot set a keepalive on the lease's session");
        }
    }
    Ok(conn)
}

/// Runs a query on the lease's connection with [`QUERY_TIMEOUT`].
async fn timed<T>(query: impl Future<Output = Result<T, sqlx::Error>>) -> Result<T, LeaseError> {
    tokio::time::timeout(QUERY_TIMEOUT, query)
        .await
        .map_err(|_| LeaseError::Timeout(QUERY_TIMEOUT))?
        .map_err(LeaseError::Postgres)
}

/// `<database file>.lock`, next to the database file with symlinks resolved,
/// so that two paths to one database name one lock file.
fn lock_path(db_file: &Path) -> Result<PathBuf, LeaseError> {
    let real = std::fs::canonicalize(db_file).map_err(|source| LeaseError::LockFile {
        path: db_file.to_path_buf(),
        source,
    })?;
    let mut name = real.into_os_string();
    name.push(".lock");
    Ok(PathBuf::from(name))
}

/// Opens (creating) and locks the lock file: `None` when another process
/// holds it. Writes this process's id into it.
fn lock_file(path: &Path) -> Result<Option<Held>, LeaseError> {
    let io_err = |source| LeaseError::LockFile {
        path: path.to_path_buf(),
        source,
    };
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path).map_err(io_err)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => return Ok(None),
        Err(std::fs::TryLockError::Error(e)) => return Err(io_err(e)),
    }
    // Locked, but a file deleted between our open and our lock is not the
    // one the next process opens: then try again later.
    if !same_file(&file, path)? {
        return Ok(None);
    }
    let mut writer = &file;
    writer
        .set_len(0)
        .and_then(|()| writeln!(writer, "{}", std::process::id()))
        .map_err(io_err)?;
    Ok(Some(Held::File {
        file,
        path: path.to_path_buf(),
    }))
}

/// Whether `path` still names the open `file` (not deleted, not replaced).
#[cfg(unix)]
fn same_file(file: &std::fs::File, path: &Path) -> Result<bool, LeaseError> {
    use std::os::unix::fs::MetadataExt;
    let open = file.metadata().map_err(|source| LeaseError::LockFile {
        path: path.to_path_buf(),
        source,
    })?;
    match std::fs::metadata(path) {
        Ok(named) => Ok(named.dev() == open.dev() && named.ino() == open.ino()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(source) => Err(LeaseError::LockFile {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Elsewhere the file cannot be deleted while it is open.
#[cfg(not(unix))]
fn same_file(_file: &std::fs::File, _path: &Path) -> Result<bool, LeaseError> {
    Ok(true)
}
