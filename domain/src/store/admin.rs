//! Creating and dropping whole PostgreSQL databases: for operators setting up
//! a server, and for tests that need a fresh database each.

use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

use super::StoreError;
use crate::config::redact_url;

fn check_name(name: &str) -> Result<(), StoreError> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "database name {name:?} is invalid: use 1 to 63 lowercase letters, digits or '_'"
        )))
    }
}

async fn execute(server_url: &str, sql: String) -> Result<(), StoreError> {
    let conn = Database::connect(server_url)
        .await
        .map_err(|source| StoreError::Connect {
            target: redact_url(server_url),
            source,
        })?;
    conn.execute_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await?;
    conn.close().await?;
    Ok(())
}

/// Creates database `name` on the PostgreSQL server at `server_url`.
pub async fn create_database(server_url: &str, name: &str) -> Result<(), StoreError> {
    check_name(name)?;
    execute(server_url, format!("CREATE DATABASE \"{name}\"")).await
}

/// Drops database `name`, closing any connections still open to it.
pub async fn drop_database(server_url: &str, name: &str) -> Result<(), StoreError> {
    check_name(name)?;
    execute(
        server_url,
        format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
    )
    .await
}

/// Every `table.column` whose stored bytes contain `needle`: a diagnostic
/// that proves plaintext never reaches the database (the canary tests use it
/// on PostgreSQL, where the data files cannot simply be read). Reads every
/// text and binary column of every table, so it is slow on a large database.
pub async fn scan_for(db: &super::Db, needle: &[u8]) -> Result<Vec<String>, StoreError> {
    use super::{Backend, Conn};
    if needle.is_empty() {
        return Err(StoreError::Invalid(
            "scan_for needs a non-empty needle".into(),
        ));
    }
    let c = db.inner();
    let backend = db.backend();
    let columns: Vec<(String, String, bool)> = match backend {
        Backend::Postgres => c
            .query_all_raw(Statement::from_string(
                DbBackend::Postgres,
                "SELECT table_name::text, column_name::text, data_type::text FROM information_schema.columns \
                 WHERE table_schema = current_schema() \
                 AND data_type IN ('text', 'bytea', 'character varying', 'character', 'json', 'jsonb')"
                    .to_owned(),
            ))
            .await?
            .into_iter()
            .map(|r| {
                let t: String = r.try_get_by_index(0)?;
                let col: String = r.try_get_by_index(1)?;
                let ty: String = r.try_get_by_index(2)?;
                Ok((t, col, ty == "bytea"))
            })
            .collect::<Result<_, sea_orm::DbErr>>()?,
        Backend::Sqlite => {
            let tables: Vec<String> = c
                .query_all_raw(Statement::from_string(
                    DbBackend::Sqlite,
                    "SELECT name FROM sqlite_master WHERE type = 'table'".to_owned(),
                ))
                .await?
                .into_iter()
                .map(|r| r.try_get_by_index::<String>(0))
                .collect::<Result<_, _>>()?;
            let mut cols = Vec::new();
            for t in tables {
                for r in c
                    .query_all_raw(Statement::from_sql_and_values(
                        DbBackend::Sqlite,
                        "SELECT name, type FROM pragma_table_info(?)",
                        [t.clone().into()],
                    ))
                    .await?
                {
                    let col: String = r.try_get_by_index(0)?;
                    let ty: String = r.try_get_by_index::<String>(1)?.to_ascii_lowercase();
                    if ty.contains("char") || ty.contains("text") || ty.contains("clob") {
                        cols.push((t.clone(), col, false));
                    } else if ty.contains("blob") || ty.is_empty() {
                        cols.push((t.clone(), col, true));
                    }
                }
            }
            cols
        }
    };
    let mut found = Vec::new();
    for (table, column, binary) in columns {
        let sql = format!("SELECT \"{column}\" FROM \"{table}\"");
        let rows = c
            .query_all_raw(Statement::from_string(backend_of(backend), sql))
            .await?;
        let hit = rows.iter().any(|r| {
            let bytes: Option<Vec<u8>> = if binary {
                r.try_get_by_index::<Option<Vec<u8>>>(0).ok().flatten()
            } else {
                r.try_get_by_index::<Option<String>>(0)
                    .ok()
                    .flatten()
                    .map(String::into_bytes)
            };
            bytes.is_some_and(|b| b.windows(needle.len()).any(|w| w == needle))
        });
        if hit {
            found.push(format!("{table}.{column}"));
        }
    }
    Ok(found)
}

fn backend_of(b: super::Backend) -> DbBackend {
    match b {
        super::Backend::Sqlite => DbBackend::Sqlite,
        super::Backend::Postgres => DbBackend::Postgres,
    }
}
