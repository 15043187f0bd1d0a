use sea_orm::DbErr;

/// What can go wrong in the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be opened.
    #[error(
        "cannot open the database {target}: {source}; check database.url and that the server is running"
    )]
    Connect {
        /// The URL, password redacted.
        target: String,
        /// The driver's error.
        #[source]
        source: DbErr,
    },
    /// The directory for the SQLite file could not be created.
    #[error("cannot create the database directory {path}: {source}")]
    CreateDir {
        /// The directory.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Applying migrations failed.
    #[error("applying database migrations failed: {0}")]
    Migrate(#[source] DbErr),
    /// Any other database error.
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    /// The row to change does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// A value was refused before it reached the database.
    #[error("{0}")]
    Invalid(String),
    /// A row holds a value this build cannot interpret.
    #[error("corrupt row in {table}: {detail}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// What was wrong.
        detail: String,
    },
}

impl StoreError {
    pub(crate) fn corrupt(table: &'static str, detail: impl Into<String>) -> Self {
        Self::Corrupt {
            table,
            detail: detail.into(),
        }
    }
}
