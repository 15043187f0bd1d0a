//! Telegram chats the bot has seen or an operator has decided on.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};

use super::entity::chat;
use super::{Conn, StoreError, Tx, now, parse_col, string_enum};

string_enum! {
    /// Whether the bot may capture messages in a chat.
    pub enum ChatStatus {
        /// Seen, waiting for an operator: nothing is captured.
        Pending => "pending",
        /// An operator approved capture.
        Approved => "approved",
        /// An operator refused capture.
        Blocked => "blocked",
    }
}

string_enum! {
    /// How the bot answers an actionable message in a chat.
    pub enum ReplyMode {
        /// A task card replying to the message.
        Reply => "reply",
        /// An emoji reaction only.
        React => "react",
        /// Nothing visible.
        Silent => "silent",
    }
}

string_enum! {
    /// Telegram's chat type.
    pub enum ChatKind {
        /// A one-to-one chat with a person.
        Private => "private",
        /// A basic group.
        Group => "group",
        /// A supergroup.
        Supergroup => "supergroup",
        /// A channel.
        Channel => "channel",
        /// Approved by id before the bot saw it.
        Unknown => "unknown",
    }
}

/// A chat.
#[derive(Debug, Clone, PartialEq)]
pub struct Chat {
    /// Telegram's chat id (negative for groups).
    pub id: i64,
    /// Telegram's chat type.
    pub kind: ChatKind,
    /// The title, encrypted.
    pub title_ct: Option<Vec<u8>>,
    /// Capture approval.
    pub status: ChatStatus,
    /// How the bot answers.
    pub reply_mode: ReplyMode,
    /// Only results at least this confident get a card or reaction.
    pub confidence_threshold: f64,
    /// IANA time zone for due dates.
    pub time_zone: String,
    /// Language for the bot's messages when the person's is unknown.
    pub language: Option<String>,
    /// Retention override in days; `None` uses the global default.
    pub retention_days: Option<i32>,
    /// When the privacy notice was posted.
    pub notice_sent_at: Option<DateTime<Utc>>,
    /// When the "not approved yet" notice was posted (once per chat).
    pub pending_notice_at: Option<DateTime<Utc>>,
    /// When an operator approved or blocked the chat.
    pub decided_at: Option<DateTime<Utc>>,
    /// Who did (an operator name, or `config`).
    pub decided_by: Option<String>,
    /// First seen.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl TryFrom<chat::Model> for Chat {
    type Error = StoreError;
    fn try_from(m: chat::Model) -> Result<Self, StoreError> {
        Ok(Chat {
            id: m.id,
            kind: parse_col("chats", &m.kind)?,
            title_ct: m.title_ct,
            status: parse_col("chats", &m.status)?,
            reply_mode: parse_col("chats", &m.reply_mode)?,
            confidence_threshold: m.confidence_threshold,
            time_zone: m.time_zone,
            language: m.language,
            retention_days: m.retention_days,
            notice_sent_at: m.notice_sent_at,
            pending_notice_at: m.pending_notice_at,
            decided_at: m.decided_at,
            decided_by: m.decided_by,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

fn new_row(id: i64, kind: ChatKind) -> chat::ActiveModel {
    let t = now();
    chat::ActiveModel {
        id: Set(id),
        kind: Set(kind.as_str().to_owned()),
        title_ct: Set(None),
        status: Set(ChatStatus::Pending.as_str().to_owned()),
        reply_mode: Set(ReplyMode::Reply.as_str().to_owned()),
        confidence_threshold: Set(0.6),
        time_zone: Set("UTC".to_owned()),
        language: Set(None),
        retention_days: Set(None),
        notice_sent_at: Set(None),
        pending_notice_at: Set(None),
        decided_at: Set(None),
        decided_by: Set(None),
        created_at: Set(t),
        updated_at: Set(t),
    }
}

/// The chat, if known.
pub async fn get(c: &impl Conn, id: i64) -> Result<Option<Chat>, StoreError> {
    chat::Entity::find_by_id(id)
        .one(c.inner())
        .await?
        .map(Chat::try_from)
        .transpose()
}

/// Every chat, or those with `status`, by id.
pub async fn list(c: &impl Conn, status: Option<ChatStatus>) -> Result<Vec<Chat>, StoreError> {
    let mut q = chat::Entity::find().order_by_asc(chat::Column::Id);
    if let Some(s) = status {
        q = q.filter(chat::Column::Status.eq(s.as_str()));
    }
    q.all(c.inner())
        .await?
        .into_iter()
        .map(Chat::try_from)
        .collect()
}

/// Records that the bot saw the chat: creates it as pending, or updates its
/// type and title. Approval is never changed here.
pub async fn record_seen(
    tx: &Tx,
    id: i64,
    kind: ChatKind,
    title_ct: Option<Vec<u8>>,
) -> Result<Chat, StoreError> {
    let row = match chat::Entity::find_by_id(id).one(tx.inner()).await? {
        Some(existing) => {
            let mut am: chat::ActiveModel = existing.into();
            am.kind = Set(kind.as_str().to_owned());
            am.title_ct = Set(title_ct);
            am.updated_at = Set(now());
            am.update(tx.inner()).await?
        }
        None => {
            let mut am = new_row(id, kind);
            am.title_ct = Set(title_ct);
            am.insert(tx.inner()).await?
        }
    };
    Chat::try_from(row)
}

/// Approves or blocks a chat (or puts it back to pending), creating the row
/// when the operator decides before the bot has seen the chat.
pub async fn set_status(
    tx: &Tx,
    id: i64,
    status: ChatStatus,
    decided_by: &str,
) -> Result<Chat, StoreError> {
    let t = now();
    let mut am: chat::ActiveModel = match chat::Entity::find_by_id(id).one(tx.inner()).await? {
        Some(existing) => existing.into(),
        None => new_row(id, ChatKind::Unknown)
            .insert(tx.inner())
            .await?
            .into(),
    };
    am.status = Set(status.as_str().to_owned());
    am.decided_at = Set(Some(t));
    am.decided_by = Set(Some(decided_by.to_owned()));
    am.updated_at = Set(t);
    Chat::try_from(am.update(tx.inner()).await?)
}

/// Changes the fields of an existing chat through `edit`.
async fn update(
    tx: &Tx,
    id: i64,
    edit: impl FnOnce(&mut chat::ActiveModel),
) -> Result<Chat, StoreError> {
    let existing = chat::Entity::find_by_id(id)
        .one(tx.inner())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("chat {id}")))?;
    let mut am: chat::ActiveModel = existing.into();
    edit(&mut am);
    am.updated_at = Set(now());
    Chat::try_from(am.update(tx.inner()).await?)
}

/// Sets how the bot answers in the chat.
pub async fn set_reply_mode(tx: &Tx, id: i64, mode: ReplyMode) -> Result<Chat, StoreError> {
    update(tx, id, |am| am.reply_mode = Set(mode.as_str().to_owned())).await
}

/// Sets the confidence a result needs for a card or reaction (0 to 1).
pub async fn set_confidence_threshold(tx: &Tx, id: i64, value: f64) -> Result<Chat, StoreError> {
    if !(0.0..=1.0).contains(&value) {
        return Err(StoreError::Invalid(format!(
            "confidence threshold {value} is out of range: use 0 to 1"
        )));
    }
    update(tx, id, |am| am.confidence_threshold = Set(value)).await
}

/// Sets or clears the chat's retention override. The caller clamps it to the
/// policy's bounds (see [`super::retention`]); here it must only be positive.
pub async fn set_retention_days(tx: &Tx, id: i64, days: Option<i32>) -> Result<Chat, StoreError> {
    if let Some(d) = days
        && d < 1
    {
        return Err(StoreError::Invalid(format!(
            "retention of {d} days is out of range: use at least 1"
        )));
    }
    update(tx, id, |am| am.retention_days = Set(days)).await
}

/// Sets the chat's time zone (an IANA name such as `Europe/Kyiv`).
pub async fn set_time_zone(tx: &Tx, id: i64, tz: &str) -> Result<Chat, StoreError> {
    if tz.is_empty() || tz.len() > 64 {
        return Err(StoreError::Invalid(format!(
            "{tz:?} is not a time zone name"
        )));
    }
    let tz = tz.to_owned();
    update(tx, id, |am| am.time_zone = Set(tz)).await
}

/// Sets or clears the chat's language (such as `en` or `uk`).
pub async fn set_language(tx: &Tx, id: i64, language: Option<&str>) -> Result<Chat, StoreError> {
    let language = language.map(str::to_owned);
    update(tx, id, |am| am.language = Set(language)).await
}

/// Records that the privacy notice was posted.
pub async fn mark_notice_sent(tx: &Tx, id: i64, at: DateTime<Utc>) -> Result<Chat, StoreError> {
    update(tx, id, |am| am.notice_sent_at = Set(Some(at))).await
}

/// Records that the "not approved yet" notice was posted.
pub async fn mark_pending_notice_sent(
    tx: &Tx,
    id: i64,
    at: DateTime<Utc>,
) -> Result<Chat, StoreError> {
    update(tx, id, |am| am.pending_notice_at = Set(Some(at))).await
}
