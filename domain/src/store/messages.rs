//! Captured messages. Unique per chat and Telegram message id, so a
//! redelivered update changes nothing.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, TryInsertResult,
};

use super::entity::message;
use super::{Conn, INSERT_CHUNK, StoreError, Tx, now};

/// A stored message.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredMessage {
    /// Row id.
    pub id: i64,
    /// Telegram chat id.
    pub chat_id: i64,
    /// Telegram message id within the chat.
    pub message_id: i64,
    /// The author.
    pub person_id: i64,
    /// When it was sent (Telegram's date).
    pub sent_at: DateTime<Utc>,
    /// When it was last edited.
    pub edited_at: Option<DateTime<Utc>>,
    /// Text or caption, encrypted.
    pub text_ct: Vec<u8>,
    /// The message it replies to, by Telegram message id.
    pub reply_to_message_id: Option<i64>,
    /// Whether it was forwarded from elsewhere.
    pub is_forwarded: bool,
    /// Stored at.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<message::Model> for StoredMessage {
    fn from(m: message::Model) -> Self {
        StoredMessage {
            id: m.id,
            chat_id: m.chat_id,
            message_id: m.message_id,
            person_id: m.person_id,
            sent_at: m.sent_at,
            edited_at: m.edited_at,
            text_ct: m.text_ct,
            reply_to_message_id: m.reply_to_message_id,
            is_forwarded: m.is_forwarded,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// A message to capture.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMessage {
    /// Telegram chat id (the chat row must exist).
    pub chat_id: i64,
    /// Telegram message id.
    pub message_id: i64,
    /// The author's row id.
    pub person_id: i64,
    /// Telegram's date.
    pub sent_at: DateTime<Utc>,
    /// Text or caption, encrypted.
    pub text_ct: Vec<u8>,
    /// The message it replies to.
    pub reply_to_message_id: Option<i64>,
    /// Whether it was forwarded.
    pub is_forwarded: bool,
}

/// What [`capture`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum Captured {
    /// Stored now.
    New(StoredMessage),
    /// Already stored (a redelivery); nothing changed.
    Duplicate(StoredMessage),
}

impl Captured {
    /// The stored message either way.
    pub fn message(&self) -> &StoredMessage {
        match self {
            Captured::New(m) | Captured::Duplicate(m) => m,
        }
    }
}

/// Stores a message once; a second call with the same chat and message id
/// returns the stored row untouched.
pub async fn capture(tx: &Tx, m: NewMessage) -> Result<Captured, StoreError> {
    let t = now();
    let inserted = message::Entity::insert(message::ActiveModel {
        id: Default::default(),
        chat_id: Set(m.chat_id),
        message_id: Set(m.message_id),
        person_id: Set(m.person_id),
        sent_at: Set(m.sent_at),
        edited_at: Set(None),
        text_ct: Set(m.text_ct),
        reply_to_message_id: Set(m.reply_to_message_id),
        is_forwarded: Set(m.is_forwarded),
        created_at: Set(t),
        updated_at: Set(t),
    })
    .on_conflict_do_nothing_on([message::Column::ChatId, message::Column::MessageId])
    .exec_with_returning(tx.inner())
    .await;
    match inserted {
        Ok(TryInsertResult::Inserted(row)) => Ok(Captured::New(StoredMessage::from(row))),
        // A conflict: RETURNING gave no row (sea-orm reports it as not found).
        Ok(TryInsertResult::Conflicted | TryInsertResult::Empty)
        | Err(sea_orm::DbErr::RecordNotFound(_)) => {
            let stored = get(tx, m.chat_id, m.message_id)
                .await?
                .ok_or_else(|| StoreError::NotFound("message just written".to_owned()))?;
            Ok(Captured::Duplicate(stored))
        }
        Err(e) => Err(e.into()),
    }
}

/// Stores many messages at once, in multi-row inserts kept below the
/// bind-parameter limit: for imports and benchmarks, where every row is
/// known to be new (a duplicate chat and message id fails the insert).
/// Returns how many were stored.
pub async fn insert_many(tx: &Tx, rows: Vec<NewMessage>) -> Result<u64, StoreError> {
    let t = now();
    let mut n = 0;
    let models: Vec<message::ActiveModel> = rows
        .into_iter()
        .map(|m| message::ActiveModel {
            id: Default::default(),
            chat_id: Set(m.chat_id),
            message_id: Set(m.message_id),
            person_id: Set(m.person_id),
            sent_at: Set(m.sent_at),
            edited_at: Set(None),
            text_ct: Set(m.text_ct),
            reply_to_message_id: Set(m.reply_to_message_id),
            is_forwarded: Set(m.is_forwarded),
            created_at: Set(t),
            updated_at: Set(t),
        })
        .collect();
    for chunk in models.chunks(INSERT_CHUNK) {
        n += chunk.len() as u64;
        message::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(tx.inner())
            .await?;
    }
    Ok(n)
}

/// Replaces the text of an edited message. Returns the updated row, or `None`
/// when the message is not stored or this edit is not newer than the last one
/// (edits can be redelivered out of order).
pub async fn apply_edit(
    tx: &Tx,
    chat_id: i64,
    message_id: i64,
    text_ct: Vec<u8>,
    edited_at: DateTime<Utc>,
) -> Result<Option<StoredMessage>, StoreError> {
    let Some(existing) = find(tx, chat_id, message_id).await? else {
        return Ok(None);
    };
    if existing.edited_at.is_some_and(|prev| prev >= edited_at) {
        return Ok(None);
    }
    let mut am: message::ActiveModel = existing.into();
    am.text_ct = Set(text_ct);
    am.edited_at = Set(Some(edited_at));
    am.updated_at = Set(now());
    Ok(Some(am.update(tx.inner()).await?.into()))
}

async fn find(
    c: &impl Conn,
    chat_id: i64,
    message_id: i64,
) -> Result<Option<message::Model>, StoreError> {
    Ok(message::Entity::find()
        .filter(message::Column::ChatId.eq(chat_id))
        .filter(message::Column::MessageId.eq(message_id))
        .one(c.inner())
        .await?)
}

/// The message with this chat and Telegram message id.
pub async fn get(
    c: &impl Conn,
    chat_id: i64,
    message_id: i64,
) -> Result<Option<StoredMessage>, StoreError> {
    Ok(find(c, chat_id, message_id).await?.map(StoredMessage::from))
}

/// The message with this row id.
pub async fn get_by_id(c: &impl Conn, id: i64) -> Result<Option<StoredMessage>, StoreError> {
    Ok(message::Entity::find_by_id(id)
        .one(c.inner())
        .await?
        .map(StoredMessage::from))
}

/// One page of a person's messages in row order, starting after row
/// `after_id`: a keyset page, so exporting 100,000 messages stays cheap.
pub async fn page_for_person(
    c: &impl Conn,
    person_id: i64,
    after_id: i64,
    limit: u64,
) -> Result<Vec<StoredMessage>, StoreError> {
    Ok(message::Entity::find()
        .filter(message::Column::PersonId.eq(person_id))
        .filter(message::Column::Id.gt(after_id))
        .order_by_asc(message::Column::Id)
        .limit(limit)
        .all(c.inner())
        .await?
        .into_iter()
        .map(StoredMessage::from)
        .collect())
}

/// How many messages are stored, in one chat or in all.
pub async fn count(c: &impl Conn, chat_id: Option<i64>) -> Result<u64, StoreError> {
    let mut q = message::Entity::find();
    if let Some(chat) = chat_id {
        q = q.filter(message::Column::ChatId.eq(chat));
    }
    Ok(q.count(c.inner()).await?)
}

/// How many messages of a chat were sent before `cutoff` (what a purge
/// with that cutoff would delete).
pub async fn count_before(
    c: &impl Conn,
    chat_id: i64,
    cutoff: DateTime<Utc>,
) -> Result<u64, StoreError> {
    Ok(message::Entity::find()
        .filter(message::Column::ChatId.eq(chat_id))
        .filter(message::Column::SentAt.lt(cutoff))
        .count(c.inner())
        .await?)
}

/// Row ids of up to `limit` messages of a chat sent before `cutoff`, in row
/// order after row `after_id` (a keyset page).
pub async fn expired_ids(
    c: &impl Conn,
    chat_id: i64,
    cutoff: DateTime<Utc>,
    after_id: i64,
    limit: u64,
) -> Result<Vec<i64>, StoreError> {
    Ok(message::Entity::find()
        .select_only()
        .column(message::Column::Id)
        .filter(message::Column::ChatId.eq(chat_id))
        .filter(message::Column::SentAt.lt(cutoff))
        .filter(message::Column::Id.gt(after_id))
        .order_by_asc(message::Column::Id)
        .limit(limit)
        .into_tuple::<i64>()
        .all(c.inner())
        .await?)
}

/// Deletes messages by row id (and, by cascade, the tasks made from them).
/// Returns how many went.
pub async fn delete_ids(tx: &Tx, ids: &[i64]) -> Result<u64, StoreError> {
    if ids.is_empty() {
        return Ok(0);
    }
    Ok(message::Entity::delete_many()
        .filter(message::Column::Id.is_in(ids.iter().copied()))
        .exec(tx.inner())
        .await?
        .rows_affected)
}

/// Up to `limit` messages of a chat sent before `cutoff`, oldest first,
/// after the keyset position `after` (sent at, row id): `(row id, sent at)`.
/// It walks the `(chat_id, sent_at)` index in its own order, so a page costs
/// the same however many messages expired; ordering by row id instead sorts
/// every expired row of the chat for each page.
pub async fn expired_page(
    c: &impl Conn,
    chat_id: i64,
    cutoff: DateTime<Utc>,
    after: Option<(DateTime<Utc>, i64)>,
    limit: u64,
) -> Result<Vec<(i64, DateTime<Utc>)>, StoreError> {
    let mut q = message::Entity::find()
        .select_only()
        .column(message::Column::Id)
        .column(message::Column::SentAt)
        .filter(message::Column::ChatId.eq(chat_id))
        .filter(message::Column::SentAt.lt(cutoff));
    if let Some((sent_at, id)) = after {
        // `sent_at >= ?` bounds the index range; the rest skips what the
        // previous page returned.
        q = q.filter(message::Column::SentAt.gte(sent_at)).filter(
            sea_orm::Condition::any()
                .add(message::Column::SentAt.gt(sent_at))
                .add(message::Column::Id.gt(id)),
        );
    }
    Ok(q.order_by_asc(message::Column::SentAt)
        .order_by_asc(message::Column::Id)
        .limit(limit)
        .into_tuple::<(i64, DateTime<Utc>)>()
        .all(c.inner())
        .await?)
}

/// How many messages a person has.
pub async fn count_for_person(c: &impl Conn, person_id: i64) -> Result<u64, StoreError> {
    Ok(message::Entity::find()
        .filter(message::Column::PersonId.eq(person_id))
        .count(c.inner())
        .await?)
}
