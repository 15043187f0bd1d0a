//! Retention: deleting what has expired, in small batches.
//!
//! Each chat keeps messages for its effective retention (the global default,
//! or its override clamped to the operator's bounds). A purge deletes expired
//! messages (and, by cascade, the tasks made from them) in batches, each one
//! short transaction, yielding between batches so that capture goes on. It
//! also clears applied inbox rows and delivered outbox items after a few
//! days, and dead ones after the global retention. Every run is recorded in
//! `purge_runs` and audited with its counts.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::store::audit::{self, NewAuditEntry};
use crate::store::retention::{self, PurgeCounts};
use crate::store::{Db, StoreError, chats, inbox, messages, outbox, tasks};

/// How a purge runs.
#[derive(Debug, Clone)]
pub struct PurgeOptions {
    /// Rows per transaction.
    pub batch: u64,
    /// Applied inbox rows and delivered outbox items are kept this long.
    pub queue_retention: chrono::Duration,
    /// Count only; delete nothing.
    pub dry_run: bool,
    /// `schedule` or `manual`, for the record.
    pub trigger: String,
    /// Pause between batches, so capture is never starved.
    pub pause: Duration,
}

impl Default for PurgeOptions {
    fn default() -> Self {
        Self {
            batch: 1000,
            queue_retention: chrono::Duration::days(3),
            dry_run: false,
            trigger: "manual".into(),
            pause: Duration::from_millis(5),
        }
    }
}

/// Deletes (or, dry, counts) everything expired at `now`.
pub async fn purge(
    db: &Db,
    now: DateTime<Utc>,
    opts: &PurgeOptions,
    actor: &str,
) -> Result<retention::PurgeRun, StoreError> {
    let batch = opts.batch.clamp(1, 10_000);
    let tx = db.begin_write().await?;
    let run_id = retention::start_run(&tx, &opts.trigger, opts.dry_run).await?;
    tx.commit().await?;

    let result = purge_all(db, now, opts, batch).await;
    let (counts, error) = match &result {
        Ok(c) => (*c, None),
        Err((c, e)) => (*c, Some(e.to_string())),
    };
    let tx = db.begin_write().await?;
    let run = retention::finish_run(&tx, run_id, counts, error.as_deref()).await?;
    audit::append(
        &tx,
        NewAuditEntry {
            actor: actor.to_owned(),
            action: if opts.dry_run {
                "retention.purge_dry_run".into()
            } else {
                "retention.purge".into()
            },
            subject: Some(format!("purge_run:{run_id}")),
            details: serde_json::json!({
                "trigger": opts.trigger,
                "messages": counts.messages,
                "tasks": counts.tasks,
                "inbox": counts.inbox,
                "outbox": counts.outbox,
                "error": error,
            }),
        },
    )
    .await?;
    tx.commit().await?;
    match result {
        Ok(_) => Ok(run),
        Err((_, e)) => Err(e),
    }
}

/// What a purge would delete from one chat.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatPreview {
    /// The chat.
    pub chat_id: i64,
    /// Its retention override, as stored.
    pub override_days: Option<i32>,
    /// The retention that applies (the override clamped to the bounds, or
    /// the default).
    pub effective_days: i32,
    /// Messages older than that.
    pub expired: u64,
}

/// What a purge would delete at a moment: counted, nothing recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// The policy the counts follow.
    pub policy: retention::RetentionPolicy,
    /// Every chat, by id.
    pub chats: Vec<ChatPreview>,
    /// Processed inbox rows past the queue retention.
    pub inbox: u64,
    /// Delivered or dead outbox items past their retention.
    pub outbox: u64,
}

impl Preview {
    /// Expired messages in every chat.
    pub fn messages(&self) -> u64 {
        self.chats.iter().map(|c| c.expired).sum()
    }
}

/// Counts what [`purge`] would delete at `now`, with one query per chat and
/// no transaction that writes: unlike a dry run, it leaves no purge run and
/// no audit entry, so a screen may refresh it as often as it likes.
pub async fn preview(
    db: &Db,
    now: DateTime<Utc>,
    queue_retention: chrono::Duration,
) -> Result<Preview, StoreError> {
    let policy = retention::policy(db).await?;
    let mut chats_out = Vec::new();
    for chat in chats::list(db, None).await? {
        let days = policy.effective_days(chat.retention_days);
        let cutoff = now - chrono::Duration::days(i64::from(days));
        chats_out.push(ChatPreview {
            chat_id: chat.id,
            override_days: chat.retention_days,
            effective_days: days,
            expired: messages::count_before(db, chat.id, cutoff).await?,
        });
    }
    let dead_cutoff = now - chrono::Duration::days(i64::from(policy.default_days));
    Ok(Preview {
        policy,
        chats: chats_out,
        inbox: inbox::count_processed_before(db, now - queue_retention).await?,
        outbox: outbox::count_finished_before(db, now - queue_retention, dead_cutoff).await?,
    })
}

fn as_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The work itself; on error, returns what was done so far with the error.
async fn purge_all(
    db: &Db,
    now: DateTime<Utc>,
    opts: &PurgeOptions,
    batch: u64,
) -> Result<PurgeCounts, (PurgeCounts, StoreError)> {
    let mut counts = PurgeCounts::default();
    let fail = |counts: PurgeCounts| move |e: StoreError| (counts, e);
    let policy = retention::policy(db).await.map_err(fail(counts))?;
    for chat in chats::list(db, None).await.map_err(fail(counts))? {
        let days = policy.effective_days(chat.retention_days);
        let cutoff = now - chrono::Duration::days(i64::from(days));
        let mut after = None;
        loop {
            let tx = db.begin_write().await.map_err(fail(counts))?;
            let page = messages::expired_page(&tx, chat.id, cutoff, after, batch)
                .await
                .map_err(fail(counts))?;
            let Some(&(last_id, last_sent)) = page.last() else {
                break;
            };
            after = Some((last_sent, last_id));
            let ids: Vec<i64> = page.iter().map(|(id, _)| *id).collect();
            counts.tasks += as_i64(
                tasks::count_for_messages(&tx, &ids)
                    .await
                    .map_err(fail(counts))?,
            );
            if opts.dry_run {
                counts.messages += as_i64(ids.len() as u64);
                drop(tx);
            } else {
                counts.messages += as_i64(
                    messages::delete_ids(&tx, &ids)
                        .await
                        .map_err(fail(counts))?,
                );
                tx.commit().await.map_err(fail(counts))?;
            }
            tokio::time::sleep(opts.pause).await;
        }
    }

    let queue_cutoff = now - opts.queue_retention;
    let dead_cutoff = now - chrono::Duration::days(i64::from(policy.default_days));
    if opts.dry_run {
        counts.inbox = as_i64(
            inbox::count_processed_before(db, queue_cutoff)
                .await
                .map_err(fail(counts))?,
        );
        counts.outbox = as_i64(
            outbox::count_finished_before(db, queue_cutoff, dead_cutoff)
                .await
                .map_err(fail(counts))?,
        );
        return Ok(counts);
    }
    loop {
        let tx = db.begin_write().await.map_err(fail(counts))?;
        let n = inbox::delete_processed_before(&tx, queue_cutoff, batch)
            .await
            .map_err(fail(counts))?;
        tx.commit().await.map_err(fail(counts))?;
        counts.inbox += as_i64(n);
        if n == 0 {
            break;
        }
        tokio::time::sleep(opts.pause).await;
    }
    loop {
        let tx = db.begin_write().await.map_err(fail(counts))?;
        let n = outbox::delete_finished_before(&tx, queue_cutoff, dead_cutoff, batch)
            .await
            .map_err(fail(counts))?;
        tx.commit().await.map_err(fail(counts))?;
        counts.outbox += as_i64(n);
        if n == 0 {
            break;
        }
        tokio::time::sleep(opts.pause).await;
    }
    Ok(counts)
}
