//! People whose messages the bot holds, found by the blind index of their
//! Telegram user id. Their plain user id is never stored.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};

use super::entity::person;
use super::{Conn, StoreError, Tx, now};

/// A person.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    /// Row id.
    pub id: i64,
    /// HMAC of the Telegram user id.
    pub user_index: Vec<u8>,
    /// The person's data key (`None` once erased or before the first message).
    pub key_id: Option<i64>,
    /// Display name, encrypted.
    pub name_ct: Option<Vec<u8>>,
    /// @username, encrypted.
    pub username_ct: Option<Vec<u8>>,
    /// HMAC of the lowercased @username, to match task assignees.
    pub username_index: Option<Vec<u8>>,
    /// Telegram's `language_code`.
    pub language_code: Option<String>,
    /// First seen.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl From<person::Model> for Person {
    fn from(m: person::Model) -> Self {
        Person {
            id: m.id,
            user_index: m.user_index,
            key_id: m.key_id,
            name_ct: m.name_ct,
            username_ct: m.username_ct,
            username_index: m.username_index,
            language_code: m.language_code,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// What the bot learns about a person from one update.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonUpsert {
    /// HMAC of the Telegram user id.
    pub user_index: Vec<u8>,
    /// The person's data key, set on creation only.
    pub key_id: Option<i64>,
    /// Display name, encrypted.
    pub name_ct: Option<Vec<u8>>,
    /// @username, encrypted.
    pub username_ct: Option<Vec<u8>>,
    /// HMAC of the lowercased @username.
    pub username_index: Option<Vec<u8>>,
    /// Telegram's `language_code`.
    pub language_code: Option<String>,
}

/// Creates the person or refreshes their profile; returns the stored row.
/// An existing person keeps their data key.
pub async fn upsert(tx: &Tx, p: PersonUpsert) -> Result<Person, StoreError> {
    let t = now();
    person::Entity::insert(person::ActiveModel {
        id: Default::default(),
        user_index: Set(p.user_index.clone()),
        key_id: Set(p.key_id),
        name_ct: Set(p.name_ct),
        username_ct: Set(p.username_ct),
        username_index: Set(p.username_index),
        language_code: Set(p.language_code),
        created_at: Set(t),
        updated_at: Set(t),
    })
    .on_conflict(
        OnConflict::column(person::Column::UserIndex)
            .update_columns([
                person::Column::NameCt,
                person::Column::UsernameCt,
                person::Column::UsernameIndex,
                person::Column::LanguageCode,
                person::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(tx.inner())
    .await?;
    get_by_index(tx, &p.user_index)
        .await?
        .ok_or_else(|| StoreError::NotFound("person just written".to_owned()))
}

/// The person with this row id.
pub async fn get(c: &impl Conn, id: i64) -> Result<Option<Person>, StoreError> {
    Ok(person::Entity::find_by_id(id)
        .one(c.inner())
        .await?
        .map(Person::from))
}

/// The person with this blind index of their Telegram user id.
pub async fn get_by_index(c: &impl Conn, user_index: &[u8]) -> Result<Option<Person>, StoreError> {
    Ok(person::Entity::find()
        .filter(person::Column::UserIndex.eq(user_index.to_vec()))
        .one(c.inner())
        .await?
        .map(Person::from))
}

/// People whose @username has this blind index.
pub async fn find_by_username_index(
    c: &impl Conn,
    username_index: &[u8],
) -> Result<Vec<Person>, StoreError> {
    Ok(person::Entity::find()
        .filter(person::Column::UsernameIndex.eq(username_index.to_vec()))
        .order_by_asc(person::Column::Id)
        .all(c.inner())
        .await?
        .into_iter()
        .map(Person::from)
        .collect())
}

/// Points the person at a data key.
pub async fn set_key(tx: &Tx, id: i64, key_id: Option<i64>) -> Result<(), StoreError> {
    let existing = person::Entity::find_by_id(id)
        .one(tx.inner())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("person {id}")))?;
    let mut am: person::ActiveModel = existing.into();
    am.key_id = Set(key_id);
    am.updated_at = Set(now());
    am.update(tx.inner()).await?;
    Ok(())
}

/// Deletes the person and, by cascade, their messages, the tasks made from
/// them and outbox items quoting them. True when the person existed.
pub async fn delete(tx: &Tx, id: i64) -> Result<bool, StoreError> {
    Ok(person::Entity::delete_by_id(id)
        .exec(tx.inner())
        .await?
        .rows_affected
        > 0)
}

/// How many people are stored.
pub async fn count(c: &impl Conn) -> Result<u64, StoreError> {
    Ok(person::Entity::find().count(c.inner()).await?)
}
