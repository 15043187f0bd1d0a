//! The outbox: everything the bot sends, written in the same transaction as
//! the state it reports, then delivered at least once by the sender.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

use super::entity::outbox;
use super::{Backend, Conn, StoreError, Tx, now, parse_col, string_enum};

string_enum! {
    /// Where an outbox item stands.
    pub enum OutboxStatus {
        /// Waiting for delivery (not before `not_before`).
        Pending => "pending",
        /// Delivered.
        Sent => "sent",
        /// Failed for good; waits for an operator.
        Dead => "dead",
    }
}

/// An outbox item.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxItem {
    /// Row id.
    pub id: i64,
    /// Telegram chat id to send to.
    pub chat_id: i64,
    /// Bot API method (`sendMessage`, `setMessageReaction`, …).
    pub method: String,
    /// The request, sealed.
    pub payload: Vec<u8>,
    /// The person it quotes, if any (removed with them on erasure).
    pub person_id: Option<i64>,
    /// The task it reports, if any.
    pub task_id: Option<i64>,
    /// Where it stands.
    pub status: OutboxStatus,
    /// Failed attempts so far.
    pub attempts: i32,
    /// Not to be sent before this.
    pub not_before: DateTime<Utc>,
    /// The last failure.
    pub last_error: Option<String>,
    /// Written at.
    pub created_at: DateTime<Utc>,
    /// Delivered at.
    pub sent_at: Option<DateTime<Utc>>,
    /// Telegram message id of what was sent, when the method returns one.
    pub sent_message_id: Option<i64>,
    /// What the payload is bound to, if not the row id (see
    /// `aad::outbox_payload_of`).
    pub payload_nonce: Option<Vec<u8>>,
}

impl TryFrom<outbox::Model> for OutboxItem {
    type Error = StoreError;
    fn try_from(m: outbox::Model) -> Result<Self, StoreError> {
        Ok(OutboxItem {
            id: m.id,
            chat_id: m.chat_id,
            method: m.method,
            payload: m.payload,
            person_id: m.person_id,
            task_id: m.task_id,
            status: parse_col("outbox", &m.status)?,
            attempts: m.attempts,
            not_before: m.not_before,
            last_error: m.last_error,
            created_at: m.created_at,
            sent_at: m.sent_at,
            sent_message_id: m.sent_message_id,
            payload_nonce: m.payload_nonce,
        })
    }
}

/// Something to send.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOutbox {
    /// Telegram chat id.
    pub chat_id: i64,
    /// Bot API method.
    pub method: String,
    /// The request, sealed.
    pub payload: Vec<u8>,
    /// The person it quotes.
    pub person_id: Option<i64>,
    /// The task it reports.
    pub task_id: Option<i64>,
    /// What the payload is bound to, if not the row id.
    pub payload_nonce: Option<Vec<u8>>,
}

impl NewOutbox {
    fn row(self, t: DateTime<Utc>) -> outbox::ActiveModel {
        outbox::ActiveModel {
            id: Default::default(),
            chat_id: Set(self.chat_id),
            method: Set(self.method),
            payload: Set(self.payload),
            person_id: Set(self.person_id),
            task_id: Set(self.task_id),
            status: Set(OutboxStatus::Pending.as_str().to_owned()),
            attempts: Set(0),
            not_before: Set(t),
            last_error: Set(None),
            created_at: Set(t),
            sent_at: Set(None),
            sent_message_id: Set(None),
            payload_nonce: Set(self.payload_nonce),
        }
    }
}

/// Queues an item for delivery now.
pub async fn enqueue(tx: &Tx, item: NewOutbox) -> Result<i64, StoreError> {
    flush(tx).await?;
    let row = item.row(now()).insert(tx.inner()).await?;
    Ok(row.id)
}

/// Queues an item for delivery now, written with the transaction's next
/// outbox statement or at its commit, whichever comes first: many items
/// queued in one transaction become one multi-row INSERT. Order is kept
/// (ids follow the order of queueing). Its payload must not be bound to
/// its row id (the row has none yet).
pub fn defer(tx: &Tx, item: NewOutbox) {
    tx.deferred_outbox().push(item.row(now()));
}

/// Writes the items [`defer`]red in this transaction. Every statement
/// here on a transaction runs it first; so does [`Tx::commit`]; code that
/// reads or deletes outbox rows some other way (a cascade) calls it first.
pub async fn flush(tx: &Tx) -> Result<u64, StoreError> {
    /// Rows per INSERT: 14 parameters each stays far below SQLite's 32,766.
    const CHUNK: usize = 500;
    let rows = std::mem::take(&mut *tx.deferred_outbox());
    let mut written = 0;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<outbox::ActiveModel> = rows.by_ref().take(CHUNK).collect();
        written += chunk.len() as u64;
        outbox::Entity::insert_many(chunk)
            .exec_without_returning(tx.inner())
            .await?;
    }
    Ok(written)
}

/// Pending items due at `at`, in the order they were written. Inside a
/// PostgreSQL transaction the rows are locked with `FOR UPDATE SKIP LOCKED`,
/// so two senders never take the same item.
pub async fn due(
    c: &impl Conn,
    at: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<OutboxItem>, StoreError> {
    due_except(c, at, &[], limit).await
}

/// Like [`due`], leaving out the items of `skip_chats` (chats the sender is
/// already serving: it would not take their items anyway).
pub async fn due_except(
    c: &impl Conn,
    at: DateTime<Utc>,
    skip_chats: &[i64],
    limit: u64,
) -> Result<Vec<OutboxItem>, StoreError> {
    let mut q = outbox::Entity::find()
        .filter(outbox::Column::Status.eq(OutboxStatus::Pending.as_str()))
        .filter(outbox::Column::NotBefore.lte(at))
        .order_by_asc(outbox::Column::Id)
        .limit(limit);
    if !skip_chats.is_empty() {
        q = q.filter(outbox::Column::ChatId.is_not_in(skip_chats.iter().copied()));
    }
    if c.backend() == Backend::Postgres {
        q = q.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    q.all(c.inner())
        .await?
        .into_iter()
        .map(OutboxItem::try_from)
        .collect()
}

/// The item with this id.
pub async fn get(c: &impl Conn, id: i64) -> Result<Option<OutboxItem>, StoreError> {
    outbox::Entity::find_by_id(id)
        .one(c.inner())
        .await?
        .map(OutboxItem::try_from)
        .transpose()
}

async fn load(tx: &Tx, id: i64) -> Result<outbox::Model, StoreError> {
    outbox::Entity::find_by_id(id)
        .one(tx.inner())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("outbox item {id}")))
}

/// Records delivery.
pub async fn mark_sent(tx: &Tx, id: i64, sent_message_id: Option<i64>) -> Result<(), StoreError> {
    flush(tx).await?;
    let res = outbox::Entity::update_many()
        .col_expr(
            outbox::Column::Status,
            Expr::value(OutboxStatus::Sent.as_str()),
        )
        .col_expr(outbox::Column::SentAt, Expr::value(Some(now())))
        .col_expr(outbox::Column::SentMessageId, Expr::value(sent_message_id))
        .filter(outbox::Column::Id.eq(id))
        .exec(tx.inner())
        .await?;
    if res.rows_affected == 0 {
        return Err(StoreError::NotFound(format!("outbox item {id}")));
    }
    Ok(())
}

/// Records a failed attempt and when to try again; `None` makes it dead.
pub async fn record_failure(
    tx: &Tx,
    id: i64,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> Result<OutboxStatus, StoreError> {
    flush(tx).await?;
    let row = load(tx, id).await?;
    let attempts = row.attempts.saturating_add(1);
    let not_before = row.not_before;
    let mut am: outbox::ActiveModel = row.into();
    am.attempts = Set(attempts);
    am.last_error = Set(Some(error.to_owned()));
    let status = match retry_at {
        Some(at) => {
            am.not_before = Set(at.max(not_before));
            OutboxStatus::Pending
        }
        None => OutboxStatus::Dead,
    };
    am.status = Set(status.as_str().to_owned());
    am.update(tx.inner()).await?;
    Ok(status)
}

/// Dead items, oldest first.
pub async fn list_dead(c: &impl Conn, limit: u64) -> Result<Vec<OutboxItem>, StoreError> {
    outbox::Entity::find()
        .filter(outbox::Column::Status.eq(OutboxStatus::Dead.as_str()))
        .order_by_asc(outbox::Column::Id)
        .limit(limit)
        .all(c.inner())
        .await?
        .into_iter()
        .map(OutboxItem::try_from)
        .collect()
}

/// Puts a dead item back in the queue (an operator's retry): pending, its
/// attempts reset, not before now (the sender takes pending items whose
/// `not_before` has come, in id order within a chat). Returns false,
/// changing nothing, when the item is not dead.
pub async fn requeue(tx: &Tx, id: i64) -> Result<bool, StoreError> {
    flush(tx).await?;
    let row = load(tx, id).await?;
    if row.status != OutboxStatus::Dead.as_str() {
        return Ok(false);
    }
    let mut am: outbox::ActiveModel = row.into();
    am.status = Set(OutboxStatus::Pending.as_str().to_owned());
    am.attempts = Set(0);
    am.not_before = Set(now());
    am.update(tx.inner()).await?;
    Ok(true)
}

/// Puts every dead item back in the queue, as [`requeue`] does; returns
/// how many.
pub async fn requeue_all_dead(tx: &Tx) -> Result<u64, StoreError> {
    flush(tx).await?;
    use sea_orm::sea_query::Expr;
    Ok(outbox::Entity::update_many()
        .col_expr(
            outbox::Column::Status,
            Expr::value(OutboxStatus::Pending.as_str()),
        )
        .col_expr(outbox::Column::Attempts, Expr::value(0))
        .col_expr(outbox::Column::NotBefore, Expr::value(now()))
        .filter(outbox::Column::Status.eq(OutboxStatus::Dead.as_str()))
        .exec(tx.inner())
        .await?
        .rows_affected)
}

/// Deletes a dead item (an operator gave up on it). Returns false, deleting
/// nothing, when the item is not dead.
pub async fn discard_dead(tx: &Tx, id: i64) -> Result<bool, StoreError> {
    flush(tx).await?;
    Ok(outbox::Entity::delete_many()
        .filter(outbox::Column::Id.eq(id))
        .filter(outbox::Column::Status.eq(OutboxStatus::Dead.as_str()))
        .exec(tx.inner())
        .await?
        .rows_affected
        > 0)
}

/// Deletes pending items that quote a person (on erasure). Returns how many.
pub async fn delete_pending_for_person(tx: &Tx, person_id: i64) -> Result<u64, StoreError> {
    flush(tx).await?;
    Ok(outbox::Entity::delete_many()
        .filter(outbox::Column::PersonId.eq(person_id))
        .filter(outbox::Column::Status.eq(OutboxStatus::Pending.as_str()))
        .exec(tx.inner())
        .await?
        .rows_affected)
}

/// The ids of the tasks made from a person's messages, as a subquery.
fn tasks_of(person_id: i64) -> sea_orm::sea_query::SelectStatement {
    use super::entity::{message, task};
    use sea_orm::sea_query::Query;
    Query::select()
        .column(task::Column::Id)
        .from(task::Entity)
        .and_where(
            task::Column::MessageId.in_subquery(
                Query::select()
                    .column(message::Column::Id)
                    .from(message::Entity)
                    .and_where(message::Column::PersonId.eq(person_id))
                    .to_owned(),
            ),
        )
        .to_owned()
}

/// Deletes pending items about the tasks made from a person's messages
/// (on erasure): a card edit such as "Done by …" shows the task's title but
/// quotes no one in particular, so it is sealed under the system key and
/// would outlive the task (its `task_id` is only set to NULL). Returns how
/// many.
pub async fn delete_pending_for_tasks_of(tx: &Tx, person_id: i64) -> Result<u64, StoreError> {
    flush(tx).await?;
    Ok(outbox::Entity::delete_many()
        .filter(outbox::Column::Status.eq(OutboxStatus::Pending.as_str()))
        .filter(outbox::Column::TaskId.in_subquery(tasks_of(person_id)))
        .exec(tx.inner())
        .await?
        .rows_affected)
}

/// Deletes the items of a person in `status` (on erasure). Returns how many.
pub async fn delete_for_person(
    tx: &Tx,
    person_id: i64,
    status: OutboxStatus,
) -> Result<u64, StoreError> {
    flush(tx).await?;
    Ok(outbox::Entity::delete_many()
        .filter(outbox::Column::PersonId.eq(person_id))
        .filter(outbox::Column::Status.eq(status.as_str()))
        .exec(tx.inner())
        .await?
        .rows_affected)
}

/// The Telegram messages the bot sent, quoting a person, at or after
/// `since`, in group chats (negative ids): `(chat id, message id)`, each
/// once, oldest first.
pub async fn sent_in_groups_since(
    c: &impl Conn,
    person_id: i64,
    since: DateTime<Utc>,
) -> Result<Vec<(i64, i64)>, StoreError> {
    let rows: Vec<(i64, Option<i64>)> = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::ChatId)
        .column(outbox::Column::SentMessageId)
        .filter(outbox::Column::PersonId.eq(person_id))
        .filter(outbox::Column::Status.eq(OutboxStatus::Sent.as_str()))
        .filter(outbox::Column::SentAt.gte(since))
        .filter(outbox::Column::SentMessageId.is_not_null())
        .filter(outbox::Column::ChatId.lt(0))
        .order_by_asc(outbox::Column::Id)
        .into_tuple()
        .all(c.inner())
        .await?;
    let mut seen = std::collections::HashSet::new();
    Ok(rows
        .into_iter()
        .filter_map(|(chat, msg)| msg.map(|m| (chat, m)))
        .filter(|pair| seen.insert(*pair))
        .collect())
}

/// The task cards whose closing edit named a person ("Done by …": sent,
/// sealed under their key), other than cards of their own tasks (those go
/// with them): `(chat id, task id)`, each once.
pub async fn cards_closed_by(c: &impl Conn, person_id: i64) -> Result<Vec<(i64, i64)>, StoreError> {
    let rows: Vec<(i64, Option<i64>)> = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::ChatId)
        .column(outbox::Column::TaskId)
        .filter(outbox::Column::PersonId.eq(person_id))
        .filter(outbox::Column::Status.eq(OutboxStatus::Sent.as_str()))
        .filter(outbox::Column::Method.eq("editMessageText"))
        .filter(outbox::Column::TaskId.is_not_null())
        .filter(outbox::Column::TaskId.not_in_subquery(tasks_of(person_id)))
        .order_by_asc(outbox::Column::Id)
        .into_tuple()
        .all(c.inner())
        .await?;
    let mut seen = std::collections::HashSet::new();
    Ok(rows
        .into_iter()
        .filter_map(|(chat, task)| task.map(|t| (chat, t)))
        .filter(|pair| seen.insert(*pair))
        .collect())
}

/// How many items are in `status`.
pub async fn count(c: &impl Conn, status: OutboxStatus) -> Result<u64, StoreError> {
    Ok(outbox::Entity::find()
        .filter(outbox::Column::Status.eq(status.as_str()))
        .count(c.inner())
        .await?)
}

fn finished_before(cutoff: DateTime<Utc>, dead_cutoff: DateTime<Utc>) -> sea_orm::Condition {
    use sea_orm::Condition;
    Condition::any()
        .add(
            Condition::all()
                .add(outbox::Column::Status.eq(OutboxStatus::Sent.as_str()))
                .add(outbox::Column::SentAt.lt(cutoff)),
        )
        .add(
            Condition::all()
                .add(outbox::Column::Status.eq(OutboxStatus::Dead.as_str()))
                .add(outbox::Column::CreatedAt.lt(dead_cutoff)),
        )
}

/// How many items were delivered before `cutoff`, or died and were written
/// before `dead_cutoff`.
pub async fn count_finished_before(
    c: &impl Conn,
    cutoff: DateTime<Utc>,
    dead_cutoff: DateTime<Utc>,
) -> Result<u64, StoreError> {
    Ok(outbox::Entity::find()
        .filter(finished_before(cutoff, dead_cutoff))
        .count(c.inner())
        .await?)
}

/// Deletes up to `limit` of those items; returns how many went.
pub async fn delete_finished_before(
    tx: &Tx,
    cutoff: DateTime<Utc>,
    dead_cutoff: DateTime<Utc>,
    limit: u64,
) -> Result<u64, StoreError> {
    let ids: Vec<i64> = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::Id)
        .filter(finished_before(cutoff, dead_cutoff))
        .order_by_asc(outbox::Column::Id)
        .limit(limit)
        .into_tuple::<i64>()
        .all(tx.inner())
        .await?;
    if ids.is_empty() {
        return Ok(0);
    }
    Ok(outbox::Entity::delete_many()
        .filter(outbox::Column::Id.is_in(ids))
        .exec(tx.inner())
        .await?
        .rows_affected)
}
