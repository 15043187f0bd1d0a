//! The processor: applies inbox rows in `update_id` order.
//!
//! Each round takes the due prefix of the pending rows, opens and parses
//! them, routes them through the handler tree ([`crate::router`]) and
//! gathers what needs the network (classification by a provider, "is this
//! person an admin?") before any transaction starts, so no lock is held
//! while waiting on a remote server. Then one transaction applies the whole
//! batch and marks every row done with its effects (captured messages,
//! tasks, outbox items). If that transaction fails, the rows are applied one
//! by one, each in its own transaction, so one bad row cannot hold back
//! the others; the failing row is retried with backoff and finally
//! dead-lettered, and the rows after it wait (order matters within a chat).
//!
//! Handlers are idempotent: a redelivered update finds its message stored
//! (and its task made) and does nothing twice.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chrono::Utc;
use domain::classify::builtin::Builtin;
use domain::classify::{Classification, MessageInput};
use domain::store::Tx;
use domain::store::chats::{self, ChatStatus};
use domain::store::inbox::{self, InboxItem};
use domain::vault::aad;
use teloxide::dispatching::DpHandlerDescription;
use teloxide::dptree::Handler;
use teloxide::types::Update;
use tokio_util::sync::CancellationToken;

use crate::card::CallbackData;
use crate::context::Ctx;
use crate::handlers;
use crate::router::{self, Command, Route, text_of};
use crate::scope::Scope;

/// Rows per round (and per transaction).
pub const BATCH: u64 = 200;

/// Attempts before a row is dead-lettered.
pub const MAX_ATTEMPTS: i32 = 5;

/// What the processor learned before its transaction.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The classification of the message's text, when its chat is approved
    /// and its author has not opted out.
    pub classification: Option<Classification>,
    /// The classification limit of the chat was exceeded: store, classify
    /// offline, but do not answer.
    pub flooded: bool,
    /// Whether the person administers the chat (for /mode), if asked.
    pub is_admin: Option<bool>,
    /// A provider failure to record in its health columns.
    pub provider_error: Option<String>,
    /// The time zone the classification assumed (due dates depend on it),
    /// when it was made without reading the chat's row.
    pub zone: Option<chrono_tz::Tz>,
}

/// One inbox row, ready to apply.
#[derive(Debug)]
pub struct Prepared {
    /// Its update id.
    pub update_id: i64,
    /// What to do.
    pub work: Work,
}

/// What a row needs.
#[derive(Debug)]
pub enum Work {
    /// Apply the route, with what was looked up for it.
    Apply(Route, Facts),
    /// teloxide cannot parse the update: it stays in the inbox, raw, as a
    /// dead letter an operator can see.
    Unparsed(String),
}

/// The processor.
pub struct Processor {
    ctx: Arc<Ctx>,
    schema: Handler<'static, Route, DpHandlerDescription>,
}

impl std::fmt::Debug for Processor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Processor").finish_non_exhaustive()
    }
}

impl Processor {
    /// A processor over the shared context.
    pub fn new(ctx: Arc<Ctx>) -> Processor {
        Processor {
            ctx,
            schema: router::schema(),
        }
    }

    /// Applies rows until `cancel` fires; `wake` is notified by the poller
    /// after each commit. A round in progress is finished first.
    pub async fn run(&self, wake: &tokio::sync::Notify, cancel: &CancellationToken) {
        let mut failures: u32 = 0;
        while !cancel.is_cancelled() {
            match self.round().await {
                Ok(Round::Applied(n)) => {
                    failures = 0;
                    tracing::debug!(rows = n, "inbox rows applied");
                    self.ctx.outbox_ready.notify_one();
                }
                Ok(Round::Idle) => {
                    tokio::select! {
                        () = cancel.cancelled() => {}
                        () = wake.notified() => {}
                        () = tokio::time::sleep(Duration::from_secs(1)) => {}
                    }
                }
                Ok(Round::Waiting(d)) => {
                    tokio::select! {
                        () = cancel.cancelled() => {}
                        () = tokio::time::sleep(d) => {}
                    }
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    let d = Duration::from_millis(100u64 << failures.min(8))
                        .min(Duration::from_secs(30));
                    tracing::error!(error = %format!("{e:#}"), retry_in = ?d, "the processor cannot read the inbox");
                    tokio::select! {
                        () = cancel.cancelled() => {}
                        () = tokio::time::sleep(d) => {}
                    }
                }
            }
        }
    }

    /// One round over the due prefix of the inbox.
    pub async fn round(&self) -> anyhow::Result<Round> {
        let rows = inbox::pending(&self.ctx.db, BATCH).await?;
        let now = Utc::now();
        if let Some(head) = rows.first()
            && let Some(at) = head.next_attempt_at
            && at > now
        {
            return Ok(Round::Waiting((at - now).to_std().unwrap_or_default()));
        }
        let due: Vec<&InboxItem> = rows
            .iter()
            .enumerate()
            .take_while(|(i, r)| *i == 0 || r.next_attempt_at.is_none_or(|at| at <= now))
            .map(|(_, r)| r)
            .collect();
        if due.is_empty() {
            return Ok(Round::Idle);
        }
        let mut prepared = Vec::with_capacity(due.len());
        for row in &due {
            match self.prepare(row).await {
                Ok(p) => prepared.push(p),
                Err(e) => {
                    // Apply what came before it; this row retries later.
                    if prepared.is_empty() {
                        self.fail(row.update_id, row.attempts, &e).await?;
                        return Ok(Round::Applied(0));
                    }
                    break;
                }
            }
        }
        let n = prepared.len();
        match self.apply_all(&prepared).await {
            Ok(()) => Ok(Round::Applied(n)),
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), rows = n,
                    "a batch failed; applying its rows one by one");
                let mut applied = 0;
                for p in &prepared {
                    if let Err(e) = self.apply_all(std::slice::from_ref(p)).await {
                        let attempts = due
                            .iter()
                            .find(|r| r.update_id == p.update_id)
                            .map_or(0, |r| r.attempts);
                        self.fail(p.update_id, attempts, &e).await?;
                        break;
                    }
                    applied += 1;
                }
                Ok(Round::Applied(applied))
            }
        }
    }

    /// Records a failure: a retry after a backoff, or the dead letter.
    async fn fail(&self, update_id: i64, attempts: i32, e: &anyhow::Error) -> anyhow::Result<()> {
        let attempt = attempts.saturating_add(1);
        let retry_at = (attempt < MAX_ATTEMPTS).then(|| {
            let secs = 1i64 << attempt.clamp(0, 10);
            Utc::now() + chrono::Duration::seconds(secs)
        });
        let error = format!("{e:#}");
        tracing::error!(update_id, attempt, dead = retry_at.is_none(), error = %error,
            "cannot apply an update");
        let tx = self.ctx.db.begin_write().await?;
        inbox::record_failure(&tx, update_id, &error, retry_at).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Opens, parses and routes a row, and looks up what it needs.
    async fn prepare(&self, row: &InboxItem) -> anyhow::Result<Prepared> {
        let json = self
            .ctx
            .vault
            .open(
                &self.ctx.db,
                &aad::inbox_payload(row.update_id),
                &row.payload,
            )
            .await
            .with_context(|| format!("opening update {}", row.update_id))?;
        let route = match serde_json::from_slice::<Update>(json.expose()) {
            Ok(update) => router::route(&self.schema, update, self.ctx.me.clone()).await,
            Err(e) => {
                return Ok(Prepared {
                    update_id: row.update_id,
                    work: Work::Unparsed(format!("teloxide cannot parse this update: {e}")),
                });
            }
        };
        let facts = self.facts(&route).await?;
        Ok(Prepared {
            update_id: row.update_id,
            work: Work::Apply(route, facts),
        })
    }

    /// What `route` needs from outside the database.
    async fn facts(&self, route: &Route) -> anyhow::Result<Facts> {
        let ctx = &self.ctx;
        match route {
            Route::Capture(m) | Route::Edit(m) => {
                let (Some(text), Some(from)) = (text_of(m), m.from.as_ref()) else {
                    return Ok(Facts::default());
                };
                if !ctx.classifies_remotely() {
                    // Nothing leaves the process: classify now, and let the
                    // transaction decide whether the message is stored.
                    return Ok(self.classify_locally(m, text));
                }
                let chat = chats::get(&ctx.db, m.chat.id.0).await?;
                let Some(chat) = chat.filter(|c| c.status == ChatStatus::Approved) else {
                    return Ok(Facts::default());
                };
                let index = ctx
                    .vault
                    .user_index(i64::try_from(from.id.0).unwrap_or(i64::MAX));
                if domain::store::privacy::is_opted_out(&ctx.db, &index).await? {
                    return Ok(Facts::default());
                }
                let flooded = !ctx.limits.classification(chat.id);
                let sent_at = m.edit_date().copied().unwrap_or(m.date);
                let input = MessageInput {
                    text,
                    sent_at,
                    tz: chat.time_zone.parse().unwrap_or(chrono_tz::UTC),
                };
                let outcome = ctx.classify(&input, flooded).await;
                Ok(Facts {
                    classification: Some(outcome.classification),
                    flooded,
                    is_admin: None,
                    provider_error: outcome.provider_error.map(|e| e.to_string()),
                    zone: None,
                })
            }
            Route::Command(m, Command::Mode(arg)) if !arg.trim().is_empty() => {
                let is_admin = match &m.from {
                    Some(u) if !m.chat.is_private() => ctx.is_admin(m.chat.id.0, u.id.0).await,
                    _ => None,
                };
                Ok(Facts {
                    is_admin,
                    ..Facts::default()
                })
            }
            Route::Callback(q) => {
                let is_mode = q
                    .data
                    .as_deref()
                    .and_then(CallbackData::parse)
                    .is_some_and(|d| matches!(d, CallbackData::Mode(_)));
                let is_admin = match (&q.message, is_mode) {
                    (Some(msg), true) => ctx.is_admin(msg.chat().id.0, q.from.id.0).await,
                    _ => None,
                };
                Ok(Facts {
                    is_admin,
                    ..Facts::default()
                })
            }
            _ => Ok(Facts::default()),
        }
    }

    /// The builtin classification of a message, with the chat's flood
    /// limit. The chat's time zone is not known here (no lookup): the
    /// transaction classifies again when the chat's zone is not UTC.
    fn classify_locally(&self, m: &teloxide::types::Message, text: &str) -> Facts {
        let flooded = !self.ctx.limits.classification(m.chat.id.0);
        let input = MessageInput {
            text,
            sent_at: m.edit_date().copied().unwrap_or(m.date),
            tz: chrono_tz::UTC,
        };
        Facts {
            classification: Some(Builtin.classify(&input)),
            flooded,
            is_admin: None,
            provider_error: None,
            zone: Some(chrono_tz::UTC),
        }
    }

    /// Applies rows in one transaction, each marked done (or dead, for an
    /// update that cannot be parsed) with its effects.
    async fn apply_all(&self, rows: &[Prepared]) -> anyhow::Result<()> {
        let tx = self.ctx.db.begin_write().await?;
        let scope = Scope::new();
        let mut done = Vec::with_capacity(rows.len());
        for p in rows {
            if self
                .apply(&tx, &scope, p)
                .await
                .with_context(|| format!("update {}", p.update_id))?
            {
                done.push(p.update_id);
            }
        }
        let marked = inbox::mark_done_many(&tx, &done).await?;
        if marked != done.len() as u64 {
            // Another processor applied some of them: roll all of it back.
            anyhow::bail!(
                "{} of {} inbox rows were no longer pending",
                done.len() as u64 - marked,
                done.len()
            );
        }
        tx.commit().await?;
        scope.committed(&self.ctx.profiles);
        Ok(())
    }

    /// Applies one row; `true` when it is to be marked done.
    async fn apply(&self, tx: &Tx, scope: &Scope, p: &Prepared) -> anyhow::Result<bool> {
        match &p.work {
            Work::Unparsed(why) => {
                tracing::warn!(
                    update_id = p.update_id,
                    "an update teloxide cannot parse is kept as a dead letter"
                );
                inbox::record_failure(tx, p.update_id, why, None).await?;
                Ok(false)
            }
            Work::Apply(route, facts) => {
                handlers::apply(tx, &self.ctx, scope, route, facts).await?;
                Ok(true)
            }
        }
    }
}

/// What one round did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Round {
    /// This many rows were applied.
    Applied(usize),
    /// Nothing pending.
    Idle,
    /// The head row waits for its retry this long.
    Waiting(Duration),
}
