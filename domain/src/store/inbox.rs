//! The inbox: raw Telegram updates, committed together with the next
//! getUpdates offset before the poller asks for more, then applied in
//! `update_id` order by the processor.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::entity::inbox;
use super::{Conn, INSERT_CHUNK, StoreError, Tx, now, parse_col, settings, string_enum};

/// The setting that holds the next getUpdates offset.
pub const OFFSET_KEY: &str = "telegram.next_offset";

string_enum! {
    /// Where an inbox row stands.
    pub enum InboxStatus {
        /// Waiting to be applied (possibly after a failure, see `next_attempt_at`).
        Pending => "pending",
        /// Applied.
        Done => "done",
        /// Failed too often; waits for an operator.
        Dead => "dead",
    }
}

/// A raw update as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawUpdate {
    /// Telegram's update id.
    pub update_id: i64,
    /// Which field of the update is set (`message`, `callback_query`, …), or `unknown`.
    pub kind: String,
    /// The update's JSON, sealed.
    pub payload: Vec<u8>,
}

/// An inbox row.
#[derive(Debug, Clone, PartialEq)]
pub struct InboxItem {
    /// Telegram's update id.
    pub update_id: i64,
    /// Update kind.
    pub kind: String,
    /// The update's JSON, sealed.
    pub payload: Vec<u8>,
    /// Where it stands.
    pub status: InboxStatus,
    /// Failed attempts so far.
    pub attempts: i32,
    /// Not to be retried before this.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The last failure.
    pub last_error: Option<String>,
    /// Received at.
    pub received_at: DateTime<Utc>,
    /// Applied at.
    pub processed_at: Option<DateTime<Utc>>,
}

impl TryFrom<inbox::Model> for InboxItem {
    type Error = StoreError;
    fn try_from(m: inbox::Model) -> Result<Self, StoreError> {
        Ok(InboxItem {
            update_id: m.update_id,
            kind: m.kind,
            payload: m.payload,
            status: parse_col("inbox", &m.status)?,
            attempts: m.attempts,
            next_attempt_at: m.next_attempt_at,
            last_error: m.last_error,
            received_at: m.received_at,
            processed_at: m.processed_at,
        })
    }
}

/// Stores a batch of updates and the next offset in the caller's transaction.
/// Updates already stored (a redelivery) are skipped. Returns how many are new.
pub async fn store_batch(
    tx: &Tx,
    updates: &[RawUpdate],
    next_offset: i64,
) -> Result<u64, StoreError> {
    let t = now();
    let mut added = 0;
    for chunk in updates.chunks(INSERT_CHUNK) {
        let rows = chunk.iter().map(|u| inbox::ActiveModel {
            update_id: Set(u.update_id),
            kind: Set(u.kind.clone()),
            payload: Set(u.payload.clone()),
            status: Set(InboxStatus::Pending.as_str().to_owned()),
            attempts: Set(0),
            next_attempt_at: Set(None),
            last_error: Set(None),
            received_at: Set(t),
            processed_at: Set(None),
        });
        added += inbox::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::column(inbox::Column::UpdateId)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(tx.inner())
            .await?;
    }
    settings::set(tx, OFFSET_KEY, &next_offset.to_string()).await?;
    Ok(added)
}

/// The offset to pass to the next getUpdates, if one was committed.
pub async fn next_offset(c: &impl Conn) -> Result<Option<i64>, StoreError> {
    settings::get(c, OFFSET_KEY)
        .await?
        .map(|v| {
            v.parse()
                .map_err(|_| StoreError::corrupt("settings", format!("{OFFSET_KEY} = {v:?}")))
        })
        .transpose()
}

/// The oldest pending row: the processor applies rows strictly in order, so a
/// row waiting for its retry holds back the ones after it.
pub async fn head(c: &impl Conn) -> Result<Option<InboxItem>, StoreError> {
    inbox::Entity::find()
        .filter(inbox::Column::Status.eq(InboxStatus::Pending.as_str()))
        .order_by_asc(inbox::Column::UpdateId)
        .limit(1)
        .one(c.inner())
        .await?
        .map(InboxItem::try_from)
        .transpose()
}

/// The oldest pending rows, in `update_id` order: the processor's next
/// batch (it starts only when the first is due).
pub async fn pending(c: &impl Conn, limit: u64) -> Result<Vec<InboxItem>, StoreError> {
    inbox::Entity::find()
        .filter(inbox::Column::Status.eq(InboxStatus::Pending.as_str()))
        .order_by_asc(inbox::Column::UpdateId)
        .limit(limit)
        .all(c.inner())
        .await?
        .into_iter()
        .map(InboxItem::try_from)
        .collect()
}

/// The row with this update id.
pub async fn get(c: &impl Conn, update_id: i64) -> Result<Option<InboxItem>, StoreError> {
    inbox::Entity::find_by_id(update_id)
        .one(c.inner())
        .await?
        .map(InboxItem::try_from)
        .transpose()
}

async fn load(tx: &Tx, update_id: i64) -> Result<inbox::Model, StoreError> {
    inbox::Entity::find_by_id(update_id)
        .one(tx.inner())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("inbox update {update_id}")))
}

/// Marks a row applied, in the same transaction as its effects.
pub async fn mark_done(tx: &Tx, update_id: i64) -> Result<(), StoreError> {
    if mark_done_many(tx, &[update_id]).await? == 0 {
        return Err(StoreError::NotFound(format!("inbox update {update_id}")));
    }
    Ok(())
}

/// Marks pending rows applied, in the same transaction as their effects, in
/// one statement. The raw update is dropped from the row (the payload is
/// emptied): once applied, what it said lives in the tables that hold it,
/// sealed under its author's key, so erasing that person leaves no copy
/// behind in the queue. The row stays, without content, until the purge
/// clears processed rows. Returns how many rows changed.
pub async fn mark_done_many(tx: &Tx, update_ids: &[i64]) -> Result<u64, StoreError> {
    let mut changed = 0;
    for chunk in update_ids.chunks(INSERT_CHUNK) {
        changed += inbox::Entity::update_many()
            .col_expr(
                inbox::Column::Status,
                Expr::value(InboxStatus::Done.as_str()),
            )
            .col_expr(inbox::Column::ProcessedAt, Expr::value(Some(now())))
            .col_expr(
                inbox::Column::NextAttemptAt,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .col_expr(inbox::Column::Payload, Expr::value(Vec::<u8>::new()))
            .filter(inbox::Column::UpdateId.is_in(chunk.iter().copied()))
            .filter(inbox::Column::Status.eq(InboxStatus::Pending.as_str()))
            .exec(tx.inner())
            .await?
            .rows_affected;
    }
    Ok(changed)
}

/// Records a failed attempt. With `retry_at` the row stays pending until then;
/// without, it becomes dead. Returns the new status. A row no longer pending
/// (applied meanwhile) is left as it is.
pub async fn record_failure(
    tx: &Tx,
    update_id: i64,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> Result<InboxStatus, StoreError> {
    let row = load(tx, update_id).await?;
    let current: InboxStatus = parse_col("inbox", &row.status)?;
    if current != InboxStatus::Pending {
        // Applied (or given up on) meanwhile: a late failure changes nothing.
        return Ok(current);
    }
    let attempts = row.attempts.saturating_add(1);
    let status = if retry_at.is_some() {
        InboxStatus::Pending
    } else {
        InboxStatus::Dead
    };
    let mut am: inbox::ActiveModel = row.into();
    am.attempts = Set(attempts);
    am.last_error = Set(Some(error.to_owned()));
    am.next_attempt_at = Set(retry_at);
    am.status = Set(status.as_str().to_owned());
    if status == InboxStatus::Dead {
        am.processed_at = Set(Some(now()));
    }
    am.update(tx.inner()).await?;
    Ok(status)
}

/// Puts a dead row back in the queue (an operator's retry): pending, its
/// attempts reset, due now (the processor takes a row whose
/// `next_attempt_at` is empty at once, in `update_id` order). Returns
/// false, changing nothing, when the row is not dead.
pub async fn requeue(tx: &Tx, update_id: i64) -> Result<bool, StoreError> {
    let row = load(tx, update_id).await?;
    if row.status != InboxStatus::Dead.as_str() {
        return Ok(false);
    }
    let mut am: inbox::ActiveModel = row.into();
    am.status = Set(InboxStatus::Pending.as_str().to_owned());
    am.attempts = Set(0);
    am.next_attempt_at = Set(None);
    am.processed_at = Set(None);
    am.update(tx.inner()).await?;
    Ok(true)
}

/// Puts every dead row back in the queue, as [`requeue`] does; returns how
/// many.
pub async fn requeue_all_dead(tx: &Tx) -> Result<u64, StoreError> {
    use sea_orm::sea_query::Expr;
    Ok(inbox::Entity::update_many()
        .col_expr(
            inbox::Column::Status,
            Expr::value(InboxStatus::Pending.as_str()),
        )
        .col_expr(inbox::Column::Attempts, Expr::value(0))
        .col_expr(
            inbox::Column::NextAttemptAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            inbox::Column::ProcessedAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(inbox::Column::Status.eq(InboxStatus::Dead.as_str()))
        .exec(tx.inner())
        .await?
        .rows_affected)
}

/// Deletes a dead row (an operator gave up on it). Returns false, deleting
/// nothing, when the row is not dead.
pub async fn discard_dead(tx: &Tx, update_id: i64) -> Result<bool, StoreError> {
    Ok(inbox::Entity::delete_many()
        .filter(inbox::Column::UpdateId.eq(update_id))
        .filter(inbox::Column::Status.eq(InboxStatus::Dead.as_str()))
        .exec(tx.inner())
        .await?
        .rows_affected
        > 0)
}

/// Dead rows, oldest first.
pub async fn list_dead(c: &impl Conn, limit: u64) -> Result<Vec<InboxItem>, StoreError> {
    inbox::Entity::find()
        .filter(inbox::Column::Status.eq(InboxStatus::Dead.as_str()))
        .order_by_asc(inbox::Column::UpdateId)
        .limit(limit)
        .all(c.inner())
        .await?
        .into_iter()
        .map(InboxItem::try_from)
        .collect()
}

/// Rows in one of `statuses` after `after`, in `update_id` order (pending
/// and dead rows are the raw updates still held in the queue).
pub async fn queued_after(
    c: &impl Conn,
    statuses: &[InboxStatus],
    after: i64,
    limit: u64,
) -> Result<Vec<InboxItem>, StoreError> {
    inbox::Entity::find()
        .filter(inbox::Column::Status.is_in(statuses.iter().map(|s| s.as_str())))
        .filter(inbox::Column::UpdateId.gt(after))
        .order_by_asc(inbox::Column::UpdateId)
        .limit(limit)
        .all(c.inner())
        .await?
        .into_iter()
        .map(InboxItem::try_from)
        .collect()
}

/// Deletes these rows whatever their status; returns how many went.
pub async fn delete(tx: &Tx, update_ids: &[i64]) -> Result<u64, StoreError> {
    let mut n = 0;
    for chunk in update_ids.chunks(INSERT_CHUNK) {
        n += inbox::Entity::delete_many()
            .filter(inbox::Column::UpdateId.is_in(chunk.iter().copied()))
            .exec(tx.inner())
            .await?
            .rows_affected;
    }
    Ok(n)
}

/// How many rows are in `status`.
pub async fn count(c: &impl Conn, status: InboxStatus) -> Result<u64, StoreError> {
    Ok(inbox::Entity::find()
        .filter(inbox::Column::Status.eq(status.as_str()))
        .count(c.inner())
        .await?)
}

fn processed_before(cutoff: DateTime<Utc>) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(inbox::Column::Status.ne(InboxStatus::Pending.as_str()))
        .add(inbox::Column::ProcessedAt.lt(cutoff))
}

/// How many rows were applied (or died) before `cutoff`.
pub async fn count_processed_before(
    c: &impl Conn,
    cutoff: DateTime<Utc>,
) -> Result<u64, StoreError> {
    Ok(inbox::Entity::find()
        .filter(processed_before(cutoff))
        .count(c.inner())
        .await?)
}

/// Deletes up to `limit` rows applied (or dead) before `cutoff`; returns how
/// many went.
pub async fn delete_processed_before(
    tx: &Tx,
    cutoff: DateTime<Utc>,
    limit: u64,
) -> Result<u64, StoreError> {
    let ids: Vec<i64> = inbox::Entity::find()
        .select_only()
        .column(inbox::Column::UpdateId)
        .filter(processed_before(cutoff))
        .order_by_asc(inbox::Column::UpdateId)
        .limit(limit)
        .into_tuple::<i64>()
        .all(tx.inner())
        .await?;
    if ids.is_empty() {
        return Ok(0);
    }
    Ok(inbox::Entity::delete_many()
        .filter(inbox::Column::UpdateId.is_in(ids))
        .exec(tx.inner())
        .await?
        .rows_affected)
}
