//! Storage of encryption keys: the record of KEK versions (check values only,
//! never the KEK), and data keys (DEKs) wrapped by the KEK, with versions.
//! The cryptography itself lives in `crate::crypto`.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};

use super::entity::{data_key, data_key_version, kek_version};
use super::{Conn, StoreError, Tx, now, parse_col, string_enum};

string_enum! {
    /// What a data key protects.
    pub enum KeyPurpose {
        /// Provider API keys, chat titles, queued payloads.
        System => "system",
        /// One person's profile and messages.
        Person => "person",
        /// The blind-index HMAC key.
        BlindIndex => "blind_index",
    }
}

/// A KEK version as recorded in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KekRecord {
    /// Version number.
    pub version: i32,
    /// Fingerprint that detects a wrong KEK without decrypting data.
    pub check_value: Vec<u8>,
    /// Introduced at.
    pub created_at: DateTime<Utc>,
    /// Retired at (no DEK is wrapped by it any more).
    pub retired_at: Option<DateTime<Utc>>,
}

/// A data key and its version bounds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataKey {
    /// Row id, written into every ciphertext's header.
    pub id: i64,
    /// What it protects.
    pub purpose: KeyPurpose,
    /// Version used for new writes.
    pub current_version: i32,
    /// Older versions no longer decrypt.
    pub min_decrypt_version: i32,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// One version of a data key, wrapped by a KEK version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedVersion {
    /// The data key.
    pub key_id: i64,
    /// Its version.
    pub version: i32,
    /// The KEK version that wraps it.
    pub kek_version: i32,
    /// The wrapped key bytes.
    pub wrapped: Vec<u8>,
    /// Created.
    pub created_at: DateTime<Utc>,
}

impl TryFrom<data_key::Model> for DataKey {
    type Error = StoreError;
    fn try_from(m: data_key::Model) -> Result<Self, StoreError> {
        Ok(DataKey {
            id: m.id,
            purpose: parse_col("data_keys", &m.purpose)?,
            current_version: m.current_version,
            min_decrypt_version: m.min_decrypt_version,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

impl From<data_key_version::Model> for WrappedVersion {
    fn from(m: data_key_version::Model) -> Self {
        WrappedVersion {
            key_id: m.key_id,
            version: m.version,
            kek_version: m.kek_version,
            wrapped: m.wrapped,
            created_at: m.created_at,
        }
    }
}

/// Every recorded KEK version, oldest first.
pub async fn kek_versions(c: &impl Conn) -> Result<Vec<KekRecord>, StoreError> {
    Ok(kek_version::Entity::find()
        .order_by_asc(kek_version::Column::Version)
        .all(c.inner())
        .await?
        .into_iter()
        .map(|m| KekRecord {
            version: m.version,
            check_value: m.check_value,
            created_at: m.created_at,
            retired_at: m.retired_at,
        })
        .collect())
}

/// Records a KEK version by its check value.
pub async fn add_kek_version(tx: &Tx, version: i32, check_value: &[u8]) -> Result<(), StoreError> {
    let row = kek_version::ActiveModel {
        version: Set(version),
        check_value: Set(check_value.to_vec()),
        created_at: Set(now()),
        retired_at: Set(None),
    };
    super::in_savepoint(tx, async |c| row.insert(c).await)
        .await
        .map_err(|e| {
            super::unique_violation(e, || format!("KEK version {version} already exists"))
        })?;
    Ok(())
}

/// Marks a KEK version retired.
pub async fn retire_kek_version(tx: &Tx, version: i32) -> Result<(), StoreError> {
    let m = kek_version::Entity::find_by_id(version)
        .one(tx.inner())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("KEK version {version}")))?;
    let mut am: kek_version::ActiveModel = m.into();
    am.retired_at = Set(Some(now()));
    am.update(tx.inner()).await?;
    Ok(())
}

/// Creates a data key with no version yet: the wrapping binds the key id, so
/// the caller learns the id first, wraps, and follows with [`add_version`]
/// for version 1, in the same transaction.
pub async fn create_data_key_row(tx: &Tx, purpose: KeyPurpose) -> Result<DataKey, StoreError> {
    let t = now();
    let key = data_key::ActiveModel {
        id: Default::default(),
        purpose: Set(purpose.as_str().to_owned()),
        current_version: Set(0),
        min_decrypt_version: Set(1),
        created_at: Set(t),
        updated_at: Set(t),
    }
    .insert(tx.inner())
    .await?;
    DataKey::try_from(key)
}

async fn insert_version(
    tx: &Tx,
    key_id: i64,
    version: i32,
    kek_version: i32,
    wrapped: Vec<u8>,
) -> Result<(), StoreError> {
    data_key_version::ActiveModel {
        key_id: Set(key_id),
        version: Set(version),
        kek_version: Set(kek_version),
        wrapped: Set(wrapped),
        created_at: Set(now()),
    }
    .insert(tx.inner())
    .await?;
    Ok(())
}

async fn load_key(tx: &Tx, key_id: i64) -> Result<data_key::Model, StoreError> {
    data_key::Entity::find_by_id(key_id)
        .one(tx.inner())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("data key {key_id}")))
}

/// Adds the next version of a data key and makes it current. The caller
/// wraps it for `version` = `current_version + 1`, which it read in this
/// same transaction.
pub async fn add_version(
    tx: &Tx,
    key_id: i64,
    version: i32,
    kek_version: i32,
    wrapped: Vec<u8>,
) -> Result<DataKey, StoreError> {
    let key = load_key(tx, key_id).await?;
    if version != key.current_version + 1 {
        return Err(StoreError::Invalid(format!(
            "data key {key_id} is at version {}; the next version is {}, not {version}",
            key.current_version,
            key.current_version + 1
        )));
    }
    insert_version(tx, key_id, version, kek_version, wrapped).await?;
    remember_version(tx, key_id, Some(version));
    let mut am: data_key::ActiveModel = key.into();
    am.current_version = Set(version);
    am.updated_at = Set(now());
    DataKey::try_from(am.update(tx.inner()).await?)
}

/// Replaces the wrapping of one version (KEK rotation).
pub async fn rewrap_version(
    tx: &Tx,
    key_id: i64,
    version: i32,
    kek_version: i32,
    wrapped: Vec<u8>,
) -> Result<(), StoreError> {
    let m = data_key_version::Entity::find_by_id((key_id, version))
        .one(tx.inner())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("data key {key_id} version {version}")))?;
    let mut am: data_key_version::ActiveModel = m.into();
    am.kek_version = Set(kek_version);
    am.wrapped = Set(wrapped);
    am.update(tx.inner()).await?;
    Ok(())
}

/// Retires versions below `min_version`: they no longer decrypt, and their
/// wrapped keys are deleted.
pub async fn set_min_decrypt_version(
    tx: &Tx,
    key_id: i64,
    min_version: i32,
) -> Result<DataKey, StoreError> {
    let key = load_key(tx, key_id).await?;
    if min_version < 1 || min_version > key.current_version {
        return Err(StoreError::Invalid(format!(
            "minimum decryption version {min_version} is out of range 1..={}",
            key.current_version
        )));
    }
    data_key_version::Entity::delete_many()
        .filter(data_key_version::Column::KeyId.eq(key_id))
        .filter(data_key_version::Column::Version.lt(min_version))
        .exec(tx.inner())
        .await?;
    let mut am: data_key::ActiveModel = key.into();
    am.min_decrypt_version = Set(min_version);
    am.updated_at = Set(now());
    DataKey::try_from(am.update(tx.inner()).await?)
}

/// The data key with this id.
pub async fn get_data_key(c: &impl Conn, key_id: i64) -> Result<Option<DataKey>, StoreError> {
    data_key::Entity::find_by_id(key_id)
        .one(c.inner())
        .await?
        .map(DataKey::try_from)
        .transpose()
}

/// Data keys with this purpose, by id.
pub async fn list_data_keys(
    c: &impl Conn,
    purpose: KeyPurpose,
) -> Result<Vec<DataKey>, StoreError> {
    data_key::Entity::find()
        .filter(data_key::Column::Purpose.eq(purpose.as_str()))
        .order_by_asc(data_key::Column::Id)
        .all(c.inner())
        .await?
        .into_iter()
        .map(DataKey::try_from)
        .collect()
}

/// One wrapped version, if it exists (and was not retired).
pub async fn get_version(
    c: &impl Conn,
    key_id: i64,
    version: i32,
) -> Result<Option<WrappedVersion>, StoreError> {
    Ok(data_key_version::Entity::find_by_id((key_id, version))
        .one(c.inner())
        .await?
        .map(WrappedVersion::from))
}

/// Every version of every key wrapped by `kek_version` (for KEK rotation).
pub async fn versions_wrapped_by(
    c: &impl Conn,
    kek_version: i32,
) -> Result<Vec<WrappedVersion>, StoreError> {
    Ok(data_key_version::Entity::find()
        .filter(data_key_version::Column::KekVersion.eq(kek_version))
        .order_by_asc(data_key_version::Column::KeyId)
        .order_by_asc(data_key_version::Column::Version)
        .all(c.inner())
        .await?
        .into_iter()
        .map(WrappedVersion::from)
        .collect())
}

/// How many wrapped versions each KEK version wraps.
pub async fn count_wrapped_by(c: &impl Conn, kek_version: i32) -> Result<u64, StoreError> {
    Ok(data_key_version::Entity::find()
        .filter(data_key_version::Column::KekVersion.eq(kek_version))
        .count(c.inner())
        .await?)
}

/// Records (or forgets) a key's current version in the transaction's memo.
fn remember_version(tx: &Tx, key_id: i64, version: Option<i32>) {
    if let Some(memo) = tx.key_versions()
        && let Ok(mut m) = memo.lock()
    {
        match version {
            Some(v) => m.insert(key_id, v),
            None => m.remove(&key_id),
        };
    }
}

/// The current version of data key `key_id` (`None` once deleted). Inside a
/// transaction it is read once and remembered: sealing many values under one
/// key then costs one lookup.
pub async fn current_version(c: &impl Conn, key_id: i64) -> Result<Option<i32>, StoreError> {
    if let Some(v) = c
        .key_versions()
        .and_then(|m| m.lock().ok().and_then(|m| m.get(&key_id).copied()))
    {
        return Ok(Some(v));
    }
    let v = get_data_key(c, key_id).await?.map(|k| k.current_version);
    if let (Some(v), Some(memo)) = (v, c.key_versions())
        && let Ok(mut m) = memo.lock()
    {
        m.insert(key_id, v);
    }
    Ok(v)
}

/// Deletes a data key and all its versions (crypto-shredding). True when it existed.
pub async fn delete_data_key(tx: &Tx, key_id: i64) -> Result<bool, StoreError> {
    remember_version(tx, key_id, None);
    Ok(data_key::Entity::delete_by_id(key_id)
        .exec(tx.inner())
        .await?
        .rows_affected
        > 0)
}
