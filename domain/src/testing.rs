//! Helpers that only tests may use: they break invariants on purpose, to
//! prove the checks notice. Compiled with the `test-support` feature only.

use sea_orm::{ConnectionTrait, Statement};

use crate::store::{Conn, Db, StoreError};

/// Overwrites the `details` of audit entry `seq` behind the chain's back, as
/// an attacker with write access to the database would.
pub async fn tamper_audit_details(db: &Db, seq: i64, details: &str) -> Result<u64, StoreError> {
    let c = db.inner();
    let backend = c.get_database_backend();
    let sql = match db.backend() {
        crate::store::Backend::Sqlite => "UPDATE audit_log SET details = ? WHERE seq = ?",
        crate::store::Backend::Postgres => "UPDATE audit_log SET details = $1 WHERE seq = $2",
    };
    let res = c
        .execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [details.into(), seq.into()],
        ))
        .await?;
    Ok(res.rows_affected())
}

/// Deletes audit entry `seq`.
pub async fn delete_audit_entry(db: &Db, seq: i64) -> Result<u64, StoreError> {
    let c = db.inner();
    let backend = c.get_database_backend();
    let sql = match db.backend() {
        crate::store::Backend::Sqlite => "DELETE FROM audit_log WHERE seq = ?",
        crate::store::Backend::Postgres => "DELETE FROM audit_log WHERE seq = $1",
    };
    let res = c
        .execute_raw(Statement::from_sql_and_values(backend, sql, [seq.into()]))
        .await?;
    Ok(res.rows_affected())
}

/// Sets when an outbox item was delivered, as if it had been sent then
/// (`outbox::mark_sent` always records the present).
pub async fn set_outbox_sent_at(
    db: &Db,
    id: i64,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<u64, StoreError> {
    let c = db.inner();
    let backend = c.get_database_backend();
    let sql = match db.backend() {
        crate::store::Backend::Sqlite => "UPDATE outbox SET sent_at = ? WHERE id = ?",
        crate::store::Backend::Postgres => "UPDATE outbox SET sent_at = $1 WHERE id = $2",
    };
    let res = c
        .execute_raw(Statement::from_sql_and_values(
            backend,
            sql,
            [at.into(), id.into()],
        ))
        .await?;
    Ok(res.rows_affected())
}

/// Ends every PostgreSQL session holding this database's instance lease
/// (`pg_terminate_backend`), as an administrator or a server restart
/// would; returns how many it ended.
pub async fn terminate_lease_sessions(db: &Db) -> Result<u64, StoreError> {
    let c = db.inner();
    let rows = c
        .query_all_raw(Statement::from_sql_and_values(
            c.get_database_backend(),
            "SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity \
             WHERE datname = current_database() AND application_name = $1",
            [crate::store::lease::APPLICATION_NAME.into()],
        ))
        .await?;
    let mut ended = 0;
    for row in rows {
        if row.try_get::<bool>("", "ended")? {
            ended += 1;
        }
    }
    Ok(ended)
}

/// Queues an outbox row as releases before `payload_nonce` wrote them: the
/// payload sealed under the system key and bound to the row id. Returns
/// the id.
pub async fn enqueue_id_bound_outbox(
    tx: &crate::store::Tx,
    vault: &crate::vault::Vault,
    chat_id: i64,
    params: &serde_json::Value,
) -> Result<i64, crate::vault::VaultError> {
    use crate::store::outbox::{self, NewOutbox};
    let id = outbox::enqueue(
        tx,
        NewOutbox {
            chat_id,
            method: "sendMessage".into(),
            payload: Vec::new(),
            person_id: None,
            task_id: None,
            payload_nonce: None,
        },
    )
    .await?;
    let plain = serde_json::to_vec(params)
        .map_err(|e| crate::vault::VaultError::Inconsistent(e.to_string()))?;
    let sealed = vault
        .seal_system(tx, &crate::vault::aad::outbox_payload(id), &plain)
        .await?;
    let c = tx.inner();
    let sql = match tx.backend() {
        crate::store::Backend::Sqlite => "UPDATE outbox SET payload = ? WHERE id = ?",
        crate::store::Backend::Postgres => "UPDATE outbox SET payload = $1 WHERE id = $2",
    };
    c.execute_raw(Statement::from_sql_and_values(
        c.get_database_backend(),
        sql,
        [sealed.into(), id.into()],
    ))
    .await
    .map_err(StoreError::from)?;
    Ok(id)
}
