//! Data-subject requests (export and erasure), keyed by the blind index of
//! the person's Telegram user id. No personal data: what was asked, when,
//! and how it ended. The rules (the export limit, confirmation expiry) are
//! in `crate::requests`; this module only stores.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait,
    QueryFilter, QueryOrder, Statement,
};

use super::entity::subject_request;
use super::{Backend, Conn, StoreError, Tx, parse_col, string_enum};

string_enum! {
    /// What the person asked for.
    pub enum RequestKind {
        /// A copy of their data (`/export`, `tasktracker export`).
        Export => "export",
        /// Erasure of their data (`/forget`).
        Erasure => "erasure",
    }
}

string_enum! {
    /// Who made the request.
    pub enum RequestOrigin {
        /// The person, through the bot.
        Person => "person",
        /// An operator, from the command line (not limited).
        Operator => "operator",
    }
}

string_enum! {
    /// Where a request stands.
    pub enum RequestStatus {
        /// Export: being written and sent. Erasure: waiting for confirmation.
        Pending => "pending",
        /// Done.
        Completed => "completed",
        /// An export that could not be written or sent; it does not count
        /// against the person's limit.
        Failed => "failed",
        /// Withdrawn, or replaced by a newer request.
        Cancelled => "cancelled",
        /// An erasure not confirmed in time.
        Expired => "expired",
    }
}

/// One request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectRequest {
    /// Row id (the bot puts it in confirmation buttons).
    pub id: i64,
    /// HMAC of the person's Telegram user id.
    pub user_index: Vec<u8>,
    /// Export or erasure.
    pub kind: RequestKind,
    /// The person or an operator.
    pub origin: RequestOrigin,
    /// Where it stands.
    pub status: RequestStatus,
    /// When it was made.
    pub requested_at: DateTime<Utc>,
    /// Erasure: confirm before this.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it reached its final state.
    pub completed_at: Option<DateTime<Utc>>,
    /// Export: files written.
    pub parts: Option<i32>,
    /// Export: bytes written.
    pub bytes: Option<i64>,
    /// Export: messages in it.
    pub items: Option<i64>,
    /// Operator requests: who (`cli:USER`).
    pub actor: Option<String>,
    /// Failed exports: why, without personal data.
    pub failure: Option<String>,
}

impl TryFrom<subject_request::Model> for SubjectRequest {
    type Error = StoreError;
    fn try_from(m: subject_request::Model) -> Result<Self, StoreError> {
        Ok(SubjectRequest {
            id: m.id,
            user_index: m.user_index,
            kind: parse_col("subject_requests", &m.kind)?,
            origin: parse_col("subject_requests", &m.origin)?,
            status: parse_col("subject_requests", &m.status)?,
            requested_at: m.requested_at,
            expires_at: m.expires_at,
            completed_at: m.completed_at,
            parts: m.parts,
            bytes: m.bytes,
            items: m.items,
            actor: m.actor,
            failure: m.failure,
        })
    }
}

/// A request to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest {
    /// HMAC of the person's Telegram user id.
    pub user_index: Vec<u8>,
    /// Export or erasure.
    pub kind: RequestKind,
    /// The person or an operator.
    pub origin: RequestOrigin,
    /// When.
    pub requested_at: DateTime<Utc>,
    /// Erasure: the confirmation deadline.
    pub expires_at: Option<DateTime<Utc>>,
    /// Operator requests: who.
    pub actor: Option<String>,
}

/// Records a pending request.
pub async fn insert(tx: &Tx, r: NewRequest) -> Result<SubjectRequest, StoreError> {
    let row = subject_request::ActiveModel {
        id: Default::default(),
        user_index: Set(r.user_index),
        kind: Set(r.kind.as_str().to_owned()),
        origin: Set(r.origin.as_str().to_owned()),
        status: Set(RequestStatus::Pending.as_str().to_owned()),
        requested_at: Set(r.requested_at),
        expires_at: Set(r.expires_at),
        completed_at: Set(None),
        parts: Set(None),
        bytes: Set(None),
        items: Set(None),
        actor: Set(r.actor),
        failure: Set(None),
    }
    .insert(tx.inner())
    .await?;
    SubjectRequest::try_from(row)
}

/// The request with this id.
pub async fn get(c: &impl Conn, id: i64) -> Result<Option<SubjectRequest>, StoreError> {
    subject_request::Entity::find_by_id(id)
        .one(c.inner())
        .await?
        .map(SubjectRequest::try_from)
        .transpose()
}

/// The person's requests, oldest first.
pub async fn list_for(c: &impl Conn, user_index: &[u8]) -> Result<Vec<SubjectRequest>, StoreError> {
    subject_request::Entity::find()
        .filter(subject_request::Column::UserIndex.eq(user_index.to_vec()))
        .order_by_asc(subject_request::Column::Id)
        .all(c.inner())
        .await?
        .into_iter()
        .map(SubjectRequest::try_from)
        .collect()
}

/// The person's requests of `kind` from `origin` made after `since` in one
/// of `statuses`, oldest first.
pub async fn list_since(
    c: &impl Conn,
    user_index: &[u8],
    kind: RequestKind,
    origin: RequestOrigin,
    since: DateTime<Utc>,
    statuses: &[RequestStatus],
) -> Result<Vec<SubjectRequest>, StoreError> {
    subject_request::Entity::find()
        .filter(subject_request::Column::UserIndex.eq(user_index.to_vec()))
        .filter(subject_request::Column::Kind.eq(kind.as_str()))
        .filter(subject_request::Column::Origin.eq(origin.as_str()))
        .filter(subject_request::Column::RequestedAt.gt(since))
        .filter(subject_request::Column::Status.is_in(statuses.iter().map(|s| s.as_str())))
        .order_by_asc(subject_request::Column::RequestedAt)
        .order_by_asc(subject_request::Column::Id)
        .all(c.inner())
        .await?
        .into_iter()
        .map(SubjectRequest::try_from)
        .collect()
}

/// What a request ended with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The final status.
    pub status: RequestStatus,
    /// When.
    pub at: DateTime<Utc>,
    /// Export: files written.
    pub parts: Option<i32>,
    /// Export: bytes written.
    pub bytes: Option<i64>,
    /// Export: messages in it.
    pub items: Option<i64>,
    /// Why it failed, without personal data.
    pub failure: Option<String>,
}

/// Closes a request, only if it is still pending. Returns the row as it is
/// afterwards, and whether this call closed it.
pub async fn finish(
    tx: &Tx,
    id: i64,
    outcome: Outcome,
) -> Result<(SubjectRequest, bool), StoreError> {
    let row = subject_request::Entity::find_by_id(id)
        .one(tx.inner())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("request {id}")))?;
    if row.status != RequestStatus::Pending.as_str() {
        return Ok((SubjectRequest::try_from(row)?, false));
    }
    let mut am: subject_request::ActiveModel = row.into();
    am.status = Set(outcome.status.as_str().to_owned());
    am.completed_at = Set(Some(outcome.at));
    am.parts = Set(outcome.parts);
    am.bytes = Set(outcome.bytes);
    am.items = Set(outcome.items);
    am.failure = Set(outcome.failure.map(|f| f.chars().take(256).collect()));
    Ok((
        SubjectRequest::try_from(am.update(tx.inner()).await?)?,
        true,
    ))
}

/// Closes every pending request of `kind` of the person with `status`
/// (a newer request replaces them). Returns how many.
pub async fn close_pending(
    tx: &Tx,
    user_index: &[u8],
    kind: RequestKind,
    status: RequestStatus,
    at: DateTime<Utc>,
) -> Result<u64, StoreError> {
    Ok(subject_request::Entity::update_many()
        .col_expr(
            subject_request::Column::Status,
            sea_orm::sea_query::Expr::value(status.as_str()),
        )
        .col_expr(
            subject_request::Column::CompletedAt,
            sea_orm::sea_query::Expr::value(at),
        )
        .filter(subject_request::Column::UserIndex.eq(user_index.to_vec()))
        .filter(subject_request::Column::Kind.eq(kind.as_str()))
        .filter(subject_request::Column::Status.eq(RequestStatus::Pending.as_str()))
        .exec(tx.inner())
        .await?
        .rows_affected)
}

/// Closes pending erasures whose deadline passed before `now` (as expired)
/// and pending exports made before `stale_before` (as failed: the process
/// writing them stopped). Returns (erasures, exports).
pub async fn close_overdue(
    tx: &Tx,
    now: DateTime<Utc>,
    stale_before: DateTime<Utc>,
) -> Result<(u64, u64), StoreError> {
    use sea_orm::sea_query::Expr;
    let pending = subject_request::Column::Status.eq(RequestStatus::Pending.as_str());
    let erasures = subject_request::Entity::update_many()
        .col_expr(
            subject_request::Column::Status,
            Expr::value(RequestStatus::Expired.as_str()),
        )
        .col_expr(
            subject_request::Column::CompletedAt,
            Expr::col(subject_request::Column::ExpiresAt),
        )
        .filter(pending.clone())
        .filter(subject_request::Column::Kind.eq(RequestKind::Erasure.as_str()))
        .filter(subject_request::Column::ExpiresAt.lte(now))
        .exec(tx.inner())
        .await?
        .rows_affected;
    let exports = subject_request::Entity::update_many()
        .col_expr(
            subject_request::Column::Status,
            Expr::value(RequestStatus::Failed.as_str()),
        )
        .col_expr(subject_request::Column::CompletedAt, Expr::value(now))
        .col_expr(
            subject_request::Column::Failure,
            Expr::value("interrupted: not finished in time"),
        )
        .filter(pending)
        .filter(subject_request::Column::Kind.eq(RequestKind::Export.as_str()))
        .filter(subject_request::Column::RequestedAt.lt(stale_before))
        .exec(tx.inner())
        .await?
        .rows_affected;
    Ok((erasures, exports))
}

/// Deletes every request of the person (on erasure). Returns how many.
pub async fn delete_for(tx: &Tx, user_index: &[u8]) -> Result<u64, StoreError> {
    Ok(subject_request::Entity::delete_many()
        .filter(subject_request::Column::UserIndex.eq(user_index.to_vec()))
        .exec(tx.inner())
        .await?
        .rows_affected)
}

/// PostgreSQL advisory lock serialising one person's requests ("tt-subj"
/// in the high bytes, the blind index's first bytes below), so that two
/// `/export`s at once cannot both pass the limit. On SQLite the writing
/// transaction already holds the one write lock.
pub async fn lock_person(tx: &Tx, user_index: &[u8]) -> Result<(), StoreError> {
    if tx.backend() != Backend::Postgres {
        return Ok(());
    }
    let mut low = [0u8; 4];
    for (dst, src) in low.iter_mut().zip(user_index) {
        *dst = *src;
    }
    let key = (0x7474_7375_i64 << 32) | i64::from(u32::from_be_bytes(low));
    tx.inner()
        .execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_advisory_xact_lock($1)",
            [key.into()],
        ))
        .await?;
    Ok(())
}
