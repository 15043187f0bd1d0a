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
