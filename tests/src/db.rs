//! Temporary databases: an SQLite file in a temporary directory (never
//! `:memory:`, since locking and WAL are under test), or a fresh PostgreSQL
//! database created for one test and dropped after it.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use domain::Secret;
use domain::config::DatabaseConfig;
use domain::store::Db;
use pg::admin;

/// The variable that turns the PostgreSQL tests on, with the URL of a server
/// where the test user may create databases.
pub const PG_ENV: &str = "TEST_POSTGRES_URL";

/// A database for one test. Dropping it removes the file or the database.
pub struct TestDb {
    /// The pool.
    pub db: Db,
    /// The configuration it was opened with (to open more pools on it).
    pub config: DatabaseConfig,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
}

fn config_for(url: String) -> DatabaseConfig {
    DatabaseConfig {
        url: Secret::new(url),
        max_connections: 5,
        connect_timeout: Duration::from_secs(10),
        busy_timeout: Duration::from_secs(10),
        ..DatabaseConfig::default()
    }
}

impl TestDb {
    /// A migrated SQLite file in a fresh temporary directory.
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("data/tt.db").display());
        let config = config_for(url);
        let db = Db::connect(&config).await.unwrap();
        db.migrate().await.unwrap();
        TestDb {
            db,
            config,
            _dir: Some(dir),
            pg_name: None,
        }
    }

    /// A migrated, freshly created PostgreSQL database.
    pub async fn postgres() -> TestDb {
        let t = Self::postgres_unmigrated().await;
        t.db.migrate().await.unwrap();
        t
    }

    /// A freshly created, empty PostgreSQL database.
    pub async fn postgres_unmigrated() -> TestDb {
        let name = fresh_name();
        admin::create_database(&name).await;
        let config = config_for(admin::url_for(&name));
        let db = Db::connect(&config).await.unwrap();
        TestDb {
            db,
            config,
            _dir: None,
            pg_name: Some(name),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            admin::drop_database_blocking(name);
        }
    }
}

fn fresh_name() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "tt_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        nanos
    )
}

/// Creating and dropping PostgreSQL databases on the server named by [`PG_ENV`].
mod pg {
    pub mod admin {
        use super::super::PG_ENV;

        fn admin_url() -> url::Url {
            let raw = std::env::var(PG_ENV)
                .unwrap_or_else(|_| panic!("{PG_ENV} is not set; the PostgreSQL tests need it"));
            url::Url::parse(&raw).unwrap_or_else(|e| panic!("{PG_ENV} is not a URL: {e}"))
        }

        /// The URL of database `name` on the same server.
        pub fn url_for(name: &str) -> String {
            let mut u = admin_url();
            u.set_path(&format!("/{name}"));
            u.to_string()
        }

        pub async fn create_database(name: &str) {
            domain::store::admin::create_database(admin_url().as_str(), name)
                .await
                .unwrap_or_else(|e| panic!("creating database {name}: {e}"));
        }

        /// Drops the database from a thread of its own: `Drop` cannot await,
        /// and the test's runtime may be shutting down.
        pub fn drop_database_blocking(name: String) {
            let url = admin_url().to_string();
            let handle = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Err(e) = domain::store::admin::drop_database(&url, &name).await {
                        eprintln!("warning: could not drop test database {name}: {e}");
                    }
                });
            });
            let _ = handle.join();
        }
    }
}
