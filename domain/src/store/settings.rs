//! Small key–value settings kept in the database (the poller's offset, for one).

use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, EntityTrait, QueryOrder};

use super::entity::setting;
use super::{Conn, StoreError, Tx, now};

/// One setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The key.
    pub key: String,
    /// The value.
    pub value: String,
}

/// The value of `key`, if set.
pub async fn get(c: &impl Conn, key: &str) -> Result<Option<String>, StoreError> {
    Ok(setting::Entity::find_by_id(key.to_owned())
        .one(c.inner())
        .await?
        .map(|m| m.value))
}

/// Sets `key` to `value`, replacing any earlier value.
pub async fn set(tx: &Tx, key: &str, value: &str) -> Result<(), StoreError> {
    setting::Entity::insert(setting::ActiveModel {
        key: Set(key.to_owned()),
        value: Set(value.to_owned()),
        updated_at: Set(now()),
    })
    .on_conflict(
        OnConflict::column(setting::Column::Key)
            .update_columns([setting::Column::Value, setting::Column::UpdatedAt])
            .to_owned(),
    )
    .exec(tx.inner())
    .await?;
    Ok(())
}

/// Removes `key`; true when it was set.
pub async fn delete(tx: &Tx, key: &str) -> Result<bool, StoreError> {
    let res = setting::Entity::delete_by_id(key.to_owned())
        .exec(tx.inner())
        .await?;
    Ok(res.rows_affected > 0)
}

/// Every setting, by key.
pub async fn list(c: &impl Conn) -> Result<Vec<Setting>, StoreError> {
    Ok(setting::Entity::find()
        .order_by_asc(setting::Column::Key)
        .all(c.inner())
        .await?
        .into_iter()
        .map(|m| Setting {
            key: m.key,
            value: m.value,
        })
        .collect())
}
