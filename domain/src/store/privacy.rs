//! Consent records and the opt-out list, keyed by the blind index of a
//! person's Telegram user id.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder,
};

use super::entity::{consent, opt_out};
use super::{Conn, StoreError, Tx, now, parse_col, string_enum};

string_enum! {
    /// What a person said.
    pub enum ConsentAction {
        /// Stop capturing my messages.
        OptOut => "optout",
        /// Capture my messages again.
        OptIn => "optin",
    }
}

/// One consent record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    /// Row id.
    pub id: i64,
    /// HMAC of the Telegram user id.
    pub user_index: Vec<u8>,
    /// The chat it was said in, if not a private chat.
    pub chat_id: Option<i64>,
    /// What was said.
    pub action: ConsentAction,
    /// The privacy policy version in force.
    pub policy_version: String,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// The version of the privacy notice and /privacy text in `locales/`;
/// consent records name the one the person saw. Change it when the
/// policy's meaning changes.
pub const POLICY_VERSION: &str = "2026-12-04";

/// Records an opt-out or opt-in and updates the opt-out list to match.
pub async fn record(
    tx: &Tx,
    user_index: &[u8],
    chat_id: Option<i64>,
    action: ConsentAction,
    policy_version: &str,
) -> Result<ConsentRecord, StoreError> {
    let t = now();
    let row = consent::ActiveModel {
        id: Default::default(),
        user_index: Set(user_index.to_vec()),
        chat_id: Set(chat_id),
        action: Set(action.as_str().to_owned()),
        policy_version: Set(policy_version.to_owned()),
        created_at: Set(t),
    }
    .insert(tx.inner())
    .await?;
    match action {
        ConsentAction::OptOut => {
            opt_out::Entity::insert(opt_out::ActiveModel {
                user_index: Set(user_index.to_vec()),
                created_at: Set(t),
            })
            .on_conflict(
                OnConflict::column(opt_out::Column::UserIndex)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(tx.inner())
            .await?;
        }
        ConsentAction::OptIn => {
            opt_out::Entity::delete_by_id(user_index.to_vec())
                .exec(tx.inner())
                .await?;
        }
    }
    Ok(ConsentRecord {
        id: row.id,
        user_index: row.user_index,
        chat_id: row.chat_id,
        action: parse_col("consents", &row.action)?,
        policy_version: row.policy_version,
        created_at: row.created_at,
    })
}

/// Whether the person is on the opt-out list.
pub async fn is_opted_out(c: &impl Conn, user_index: &[u8]) -> Result<bool, StoreError> {
    Ok(opt_out::Entity::find_by_id(user_index.to_vec())
        .one(c.inner())
        .await?
        .is_some())
}

/// The person's consent history, oldest first.
pub async fn history(c: &impl Conn, user_index: &[u8]) -> Result<Vec<ConsentRecord>, StoreError> {
    consent::Entity::find()
        .filter(consent::Column::UserIndex.eq(user_index.to_vec()))
        .order_by_asc(consent::Column::Id)
        .all(c.inner())
        .await?
        .into_iter()
        .map(|m| {
            Ok(ConsentRecord {
                id: m.id,
                user_index: m.user_index,
                chat_id: m.chat_id,
                action: parse_col("consents", &m.action)?,
                policy_version: m.policy_version,
                created_at: m.created_at,
            })
        })
        .collect()
}

/// Deletes the person's consent records (on erasure), keeping them on the
/// opt-out list only if `keep_opt_out`. Returns how many records went.
pub async fn erase(tx: &Tx, user_index: &[u8], keep_opt_out: bool) -> Result<u64, StoreError> {
    let n = consent::Entity::delete_many()
        .filter(consent::Column::UserIndex.eq(user_index.to_vec()))
        .exec(tx.inner())
        .await?
        .rows_affected;
    if !keep_opt_out {
        opt_out::Entity::delete_by_id(user_index.to_vec())
            .exec(tx.inner())
            .await?;
    }
    Ok(n)
}
