//! `tasktracker run`: the poller, the processor, the sender and the
//! housekeeping loop, side by side until SIGTERM or SIGINT.
//!
//! On a signal the poller stops at once (an uncommitted batch is simply
//! asked for again next time), the processor finishes the round it is
//! applying, the sender finishes the deliveries it started, and the process
//! exits 0. Nothing is lost: what was not done stays in the inbox and
//! outbox for the next start.
//!
//! Only one instance per database is active: `serve` first takes the
//! instance lease (`domain::store::lease`). While another instance holds it,
//! this one waits as a standby, touching neither Telegram nor the queues,
//! and a signal ends it at once with exit 0. An active instance that loses
//! the lease (its PostgreSQL session ended) stops its tasks as on a signal
//! and goes back to standby.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use domain::config::{self, Loaded};
use domain::i18n::{Lang, Locales};
use domain::purge::{self, PurgeOptions};
use domain::store::Db;
use domain::store::lease::Lease;
use domain::vault::Vault;
use teloxide::prelude::*;
use teloxide::types::{BotCommand, Me};
use teloxide::{ApiError, RequestError};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::context::Ctx;
use crate::processor::Processor;
use crate::router::Command;
use crate::sender::{self, Sender};

/// How often the providers table is checked for changes.
const PROVIDER_CHECK: Duration = Duration::from_secs(10);

/// How often a standby tries to take the instance lease.
const LEASE_RETRY: Duration = Duration::from_secs(2);

/// How often the active instance checks that it still holds the lease.
const LEASE_CHECK: Duration = Duration::from_secs(2);

/// Runs the bot until a signal (then `Ok`) or a fatal error: a standby until
/// it holds the instance lease, then active until a signal or the lease is
/// lost (then a standby again).
pub async fn serve(
    loaded: &Loaded,
    db: &Db,
    vault: Arc<Vault>,
    shutdown: &mut crate::shutdown::Shutdown,
) -> anyhow::Result<()> {
    loop {
        let mut lease = tokio::select! {
            lease = Lease::acquire(db, LEASE_RETRY) => lease.context("taking the instance lease")?,
            signal = shutdown.wait() => {
                tracing::info!(signal, "stopping: this instance was a standby");
                return Ok(());
            }
        };
        let ended = active(loaded, db, Arc::clone(&vault), shutdown, &mut lease).await;
        if let Ok(Ended::LeaseLost) = ended {
            continue;
        }
        if let Err(e) = lease.release().await {
            tracing::warn!(error = %e, "cannot release the instance lease; it ends with the process");
        }
        return ended.map(drop);
    }
}

/// Why [`active`] returned.
enum Ended {
    /// A signal: the process exits.
    Stopped,
    /// The lease is gone: back to standby.
    LeaseLost,
}

/// The active instance: getMe, then the poller, processor, sender and
/// housekeeping until a signal or the lease is lost.
async fn active(
    loaded: &Loaded,
    db: &Db,
    vault: Arc<Vault>,
    shutdown: &mut crate::shutdown::Shutdown,
    lease: &mut Lease,
) -> anyhow::Result<Ended> {
    let telegram = &loaded.config.telegram;
    let token = telegram
        .token
        .as_ref()
        .context("telegram.token is missing")?;
    let client = crate::telegram::http_client(telegram)?;
    let bot = crate::telegram::bot(telegram, token, client.clone())?;
    let cancel = CancellationToken::new();
    tracing::info!(
        backend = ?db.backend(),
        kek_version = vault.kek_version(),
        api_url = %config::redact_url(&telegram.api_url),
        "database and keys ready; polling Telegram; stop with SIGTERM or SIGINT"
    );

    let me = tokio::select! {
        me = who_am_i(&bot, &cancel) => me?,
        signal = shutdown.wait() => {
            tracing::info!(signal, "stopping before start-up finished");
            return Ok(Ended::Stopped);
        }
        lost = lease.lost(LEASE_CHECK) => {
            tracing::error!(error = %lost, "lost the instance lease during start-up; waiting as a standby");
            return Ok(Ended::LeaseLost);
        }
    };
    let locales = Locales::load().context("loading the locales")?;
    register_commands(&bot, &locales).await;

    let ctx = Arc::new(Ctx::new(
        db.clone(),
        Arc::clone(&vault),
        locales,
        me,
        bot.clone(),
        loaded.config.bot.clone(),
        loaded.config.privacy.clone(),
    ));
    if let Err(e) = domain::requests::close_overdue(db, chrono::Utc::now()).await {
        tracing::warn!(error = %e, "cannot close overdue data-subject requests");
    }
    if let Err(e) = ctx.reload_classifier().await {
        tracing::error!(error = %format!("{e:#}"), "the configured provider cannot be used; classifying with builtin");
    }

    let wake = Arc::new(Notify::new());
    let poller = crate::poller::Poller::new(telegram, token, client)?.waking(Arc::clone(&wake));
    let processor = Processor::new(Arc::clone(&ctx));
    let sender = Sender::new(Arc::clone(&ctx), bot, sender::limits(telegram));

    let polling = {
        let (db, vault, cancel) = (db.clone(), Arc::clone(&vault), cancel.clone());
        tokio::spawn(async move { poller.run(&db, &vault, &cancel).await })
    };
    let processing = {
        let (wake, cancel) = (Arc::clone(&wake), cancel.clone());
        tokio::spawn(async move { processor.run(&wake, &cancel).await })
    };
    let sending = {
        let cancel = cancel.clone();
        tokio::spawn(async move { sender.run(&cancel).await })
    };
    tracing::info!(bot = %ctx.username(), "connected to the Bot API");
    let housekeeping = {
        let (ctx, cancel) = (Arc::clone(&ctx), cancel.clone());
        tokio::spawn(async move { housekeeping(&ctx, &cancel).await })
    };
    tokio::pin!(polling);
    let mut ended = Ended::Stopped;
    let result = tokio::select! {
        joined = &mut polling => {
            // Only a refused token ends the poller by itself.
            cancel.cancel();
            joined.context("the poller panicked")?
        }
        signal = shutdown.wait() => {
            tracing::info!(signal, "stopping: finishing the work in hand");
            cancel.cancel();
            polling.await.context("the poller panicked")?
        }
        lost = lease.lost(LEASE_CHECK) => {
            tracing::error!(
                error = %lost,
                "lost the instance lease: stopping the poller, processor and sender, then waiting as a standby"
            );
            ended = Ended::LeaseLost;
            cancel.cancel();
            polling.await.context("the poller panicked")?
        }
    };
    processing.await.context("the processor panicked")?;
    sending.await.context("the sender panicked")?;
    housekeeping.await.context("housekeeping panicked")?;
    result.map(|()| ended)
}

/// getMe, retried until it answers; a refused token is fatal.
async fn who_am_i(bot: &Bot, cancel: &CancellationToken) -> anyhow::Result<Me> {
    let mut delay = Duration::from_millis(200);
    loop {
        match bot.get_me().await {
            Ok(me) if me.user.username.is_some() => return Ok(me),
            Ok(_) => anyhow::bail!("getMe returned a bot without a username"),
            Err(RequestError::Api(ApiError::InvalidToken)) => {
                anyhow::bail!(
                    "Telegram refused the bot token (401 Unauthorized on getMe): check telegram.token or telegram.token_file"
                )
            }
            Err(e) => {
                tracing::warn!(error = %crate::telegram::describe(&e), retry_in = ?delay, "getMe failed");
                tokio::select! {
                    () = cancel.cancelled() => anyhow::bail!("stopped"),
                    () = tokio::time::sleep(delay) => {}
                }
                delay = (delay * 2).min(Duration::from_secs(30));
            }
        }
    }
}

/// The command list Telegram shows, in every language (English is also the
/// default for everyone else). A failure is logged, not fatal.
async fn register_commands(bot: &Bot, locales: &Locales) {
    for lang in Lang::ALL {
        let commands: Vec<BotCommand> = Command::NAMES
            .iter()
            .map(|name| BotCommand::new(*name, locales.tr(lang, &format!("cmd-{name}"), &[])))
            .collect();
        let mut req = bot.set_my_commands(commands);
        if lang != Lang::En {
            req = req.language_code(lang.code());
        }
        if let Err(e) = req.await {
            tracing::warn!(lang = %lang, error = %crate::telegram::describe(&e), "cannot register the command list");
        }
    }
}

/// Follows provider changes, tidies the rate limiters and purges expired
/// data on schedule.
async fn housekeeping(ctx: &Ctx, cancel: &CancellationToken) {
    let mut providers = tokio::time::interval(PROVIDER_CHECK);
    let mut purging = tokio::time::interval(ctx.settings.purge_interval);
    providers.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    purging.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = cancel.cancelled() => return,
            _ = providers.tick() => {
                if let Err(e) = ctx.reload_classifier().await {
                    tracing::error!(error = %format!("{e:#}"), "cannot follow the providers table");
                }
                ctx.limits.tidy();
            }
            _ = purging.tick() => {
                let opts = PurgeOptions { trigger: "schedule".to_owned(), ..PurgeOptions::default() };
                let run = tokio::select! {
                    () = cancel.cancelled() => return,
                    run = purge::purge(&ctx.db, chrono::Utc::now(), &opts, "bot") => run,
                };
                match run {
                    Ok(run) => tracing::info!(
                        messages = run.counts.messages, tasks = run.counts.tasks,
                        inbox = run.counts.inbox, outbox = run.counts.outbox,
                        "scheduled purge done"
                    ),
                    Err(e) => tracing::error!(error = %e, "the scheduled purge failed; it runs again next time"),
                }
            }
        }
    }
}
