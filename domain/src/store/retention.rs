//! The retention policy (a global default with bounds that per-chat overrides
//! are clamped to) and the record of purge runs.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait, QueryOrder, QuerySelect};

use super::entity::{purge_run, retention_policy};
use super::{Conn, StoreError, Tx, now};

/// Longest retention an operator may set: ten years.
pub const MAX_RETENTION_DAYS: i32 = 3650;

/// The global policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// Days a message is kept when its chat has no override.
    pub default_days: i32,
    /// Smallest override a chat may have.
    pub min_days: i32,
    /// Largest override a chat may have.
    pub max_days: i32,
}

impl RetentionPolicy {
    /// Checks `1 ≤ min ≤ default ≤ max ≤ 3650`.
    pub fn check(&self) -> Result<(), StoreError> {
        let ok = 1 <= self.min_days
            && self.min_days <= self.default_days
            && self.default_days <= self.max_days
            && self.max_days <= MAX_RETENTION_DAYS;
        if ok {
            Ok(())
        } else {
            Err(StoreError::Invalid(format!(
                "retention policy min {} / default {} / max {} days is inconsistent: \
                 it needs 1 ≤ min ≤ default ≤ max ≤ {MAX_RETENTION_DAYS}",
                self.min_days, self.default_days, self.max_days
            )))
        }
    }

    /// The retention that applies to a chat with this override.
    pub fn effective_days(&self, chat_override: Option<i32>) -> i32 {
        chat_override
            .map(|d| d.clamp(self.min_days, self.max_days))
            .unwrap_or(self.default_days)
    }
}

/// The policy row (created by the first migration).
pub async fn policy(c: &impl Conn) -> Result<RetentionPolicy, StoreError> {
    let m = retention_policy::Entity::find_by_id(1)
        .one(c.inner())
        .await?
        .ok_or_else(|| StoreError::corrupt("retention_policy", "the policy row is missing"))?;
    Ok(RetentionPolicy {
        default_days: m.default_days,
        min_days: m.min_days,
        max_days: m.max_days,
    })
}

/// Replaces the policy after checking it.
pub async fn set_policy(tx: &Tx, p: RetentionPolicy) -> Result<(), StoreError> {
    p.check()?;
    let m = retention_policy::Entity::find_by_id(1)
        .one(tx.inner())
        .await?
        .ok_or_else(|| StoreError::corrupt("retention_policy", "the policy row is missing"))?;
    let mut am: retention_policy::ActiveModel = m.into();
    am.default_days = Set(p.default_days);
    am.min_days = Set(p.min_days);
    am.max_days = Set(p.max_days);
    am.updated_at = Set(now());
    am.update(tx.inner()).await?;
    Ok(())
}

/// Counts of what a purge removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PurgeCounts {
    /// Messages.
    pub messages: i64,
    /// Tasks.
    pub tasks: i64,
    /// Processed inbox rows.
    pub inbox: i64,
    /// Delivered or dead outbox rows.
    pub outbox: i64,
}

/// One purge run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurgeRun {
    /// Row id.
    pub id: i64,
    /// `schedule` or `manual`.
    pub trigger: String,
    /// Only counted, deleted nothing.
    pub dry_run: bool,
    /// Started.
    pub started_at: DateTime<Utc>,
    /// Finished (`None` while running or after a crash).
    pub finished_at: Option<DateTime<Utc>>,
    /// What it removed.
    pub counts: PurgeCounts,
    /// Why it stopped early, if it did.
    pub error: Option<String>,
}

impl From<purge_run::Model> for PurgeRun {
    fn from(m: purge_run::Model) -> Self {
        PurgeRun {
            id: m.id,
            trigger: m.trigger,
            dry_run: m.dry_run,
            started_at: m.started_at,
            finished_at: m.finished_at,
            counts: PurgeCounts {
                messages: m.messages_deleted,
                tasks: m.tasks_deleted,
                inbox: m.inbox_deleted,
                outbox: m.outbox_deleted,
            },
            error: m.error,
        }
    }
}

/// Records the start of a purge; returns its id.
pub async fn start_run(tx: &Tx, trigger: &str, dry_run: bool) -> Result<i64, StoreError> {
    let row = purge_run::ActiveModel {
        id: Default::default(),
        trigger: Set(trigger.to_owned()),
        dry_run: Set(dry_run),
        started_at: Set(now()),
        finished_at: Set(None),
        messages_deleted: Set(0),
        tasks_deleted: Set(0),
        inbox_deleted: Set(0),
        outbox_deleted: Set(0),
        error: Set(None),
    }
    .insert(tx.inner())
    .await?;
    Ok(row.id)
}

/// Records the end of a purge with its counts and any error.
pub async fn finish_run(
    tx: &Tx,
    id: i64,
    counts: PurgeCounts,
    error: Option<&str>,
) -> Result<PurgeRun, StoreError> {
    let m = purge_run::Entity::find_by_id(id)
        .one(tx.inner())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("purge run {id}")))?;
    let mut am: purge_run::ActiveModel = m.into();
    am.finished_at = Set(Some(now()));
    am.messages_deleted = Set(counts.messages);
    am.tasks_deleted = Set(counts.tasks);
    am.inbox_deleted = Set(counts.inbox);
    am.outbox_deleted = Set(counts.outbox);
    am.error = Set(error.map(str::to_owned));
    Ok(am.update(tx.inner()).await?.into())
}

/// The most recent runs, newest first.
pub async fn recent_runs(c: &impl Conn, limit: u64) -> Result<Vec<PurgeRun>, StoreError> {
    Ok(purge_run::Entity::find()
        .order_by_desc(purge_run::Column::Id)
        .limit(limit)
        .all(c.inner())
        .await?
        .into_iter()
        .map(PurgeRun::from)
        .collect())
}
