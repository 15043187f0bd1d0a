//! The sender: delivers the outbox, at least once, in order per chat.
//!
//! Each round takes the due items, groups them by chat and hands each chat
//! not already being served to its own task, which sends that chat's items
//! one after another (order matters: a card before its edit). Messages go
//! through teloxide's `Throttle` adaptor, which keeps Telegram's limits
//! (per chat, per group, overall) and waits out a 429 `retry_after` itself.
//! Throttle covers only `send_*` methods, so for edits, reactions, callback
//! answers and deletions a 429 puts the item back with its `retry_after`.
//! Every item is marked sent (with the message id Telegram gave it) in its
//! own short transaction after the call succeeded; a crash in between sends
//! it again.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use domain::records;
use domain::store::outbox::{self, OutboxItem};
use domain::store::{StoreError, tasks};
use domain::vault::VaultError;
use teloxide::adaptors::Throttle;
use teloxide::adaptors::throttle::Limits;
use teloxide::prelude::*;
use teloxide::types::{
    CallbackQueryId, InlineKeyboardButton, InlineKeyboardMarkup, MessageId, ReactionType,
    ReplyParameters,
};
use teloxide::{ApiError, RequestError};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::context::Ctx;
use crate::outgoing::{ButtonRow, Request, Target};

/// Items read per round.
const ROUND: u64 = 500;
/// Attempts before an item that keeps failing is dead-lettered.
pub const MAX_ATTEMPTS: i32 = 10;

/// How one delivery went.
#[derive(Debug)]
enum Delivery {
    /// Done; Telegram's message id when it made a message.
    Sent(Option<i32>),
    /// Try again at this time.
    Retry(chrono::DateTime<Utc>, String),
    /// Never going to work.
    Dead(String),
}

/// The sender.
pub struct Sender {
    ctx: Arc<Ctx>,
    bot: Throttle<Bot>,
}

impl std::fmt::Debug for Sender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

/// Telegram's limits as the configuration sets them.
pub fn limits(cfg: &domain::config::TelegramConfig) -> Limits {
    Limits {
        messages_per_sec_chat: cfg.messages_per_second_per_chat,
        messages_per_min_chat: cfg.messages_per_minute_per_group,
        messages_per_min_channel_or_supergroup: cfg.messages_per_minute_per_group,
        messages_per_sec_overall: cfg.messages_per_second,
    }
}

impl Sender {
    /// A sender over `bot` wrapped in Throttle with `limits` (spawns
    /// Throttle's worker).
    pub fn new(ctx: Arc<Ctx>, bot: Bot, limits: Limits) -> Sender {
        // Throttle keeps the pace; a 429 comes back to us (no_retry) so the
        // item waits in the outbox, in order, like every other failure.
        let settings = teloxide::adaptors::throttle::Settings::default()
            .limits(limits)
            .no_retry();
        Sender {
            ctx,
            bot: Throttle::spawn_with_settings(bot, settings),
        }
    }

    /// Delivers until `cancel` fires, then lets the chats being served
    /// finish what they hold (draining) and returns.
    pub async fn run(&self, cancel: &CancellationToken) {
        let mut serving: JoinSet<i64> = JoinSet::new();
        let mut busy: HashSet<i64> = HashSet::new();
        let mut failures: u32 = 0;
        while !cancel.is_cancelled() {
            // Pending items whether due or not: a chat whose oldest item
            // waits for its retry waits as a whole, so order holds.
            let now = Utc::now();
            // Chats being served are left out: their items wait for them.
            let skip: Vec<i64> = busy.iter().copied().collect();
            let horizon = now + chrono::Duration::days(3650);
            let due = match outbox::due_except(&self.ctx.db, horizon, &skip, ROUND).await {
                Ok(items) => {
                    failures = 0;
                    items
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    let d = Duration::from_millis(100u64 << failures.min(8))
                        .min(Duration::from_secs(30));
                    tracing::error!(error = %e, retry_in = ?d, "the sender cannot read the outbox");
                    tokio::select! {
                        () = cancel.cancelled() => {}
                        () = tokio::time::sleep(d) => {}
                    }
                    continue;
                }
            };
            let mut by_chat: HashMap<i64, Vec<OutboxItem>> = HashMap::new();
            let mut order = Vec::new();
            let mut waiting: HashSet<i64> = HashSet::new();
            for item in due {
                if busy.contains(&item.chat_id) || waiting.contains(&item.chat_id) {
                    continue;
                }
                if item.not_before > now {
                    waiting.insert(item.chat_id);
                    continue;
                }
                let entry = by_chat.entry(item.chat_id).or_default();
                if entry.is_empty() {
                    order.push(item.chat_id);
                }
                entry.push(item);
            }
            for chat in order {
                let Some(items) = by_chat.remove(&chat) else {
                    continue;
                };
                busy.insert(chat);
                let ctx = Arc::clone(&self.ctx);
                let bot = self.bot.clone();
                let cancel = cancel.clone();
                serving.spawn(async move {
                    serve_chat(&ctx, &bot, items, &cancel).await;
                    chat
                });
            }
            tokio::select! {
                () = cancel.cancelled() => {}
                () = self.ctx.outbox_ready.notified() => {}
                Some(done) = serving.join_next(), if !serving.is_empty() => {
                    if let Ok(chat) = done {
                        busy.remove(&chat);
                    }
                }
                () = tokio::time::sleep(Duration::from_millis(500)) => {}
            }
            while let Some(done) = serving.try_join_next() {
                if let Ok(chat) = done {
                    busy.remove(&chat);
                }
            }
        }
        // Drain: the deliveries in hand finish (each chat stops after its
        // current item); the rest stay in the outbox for the next start.
        while serving.join_next().await.is_some() {}
    }
}

/// Sends one chat's items in order; stops at the first that must wait, or
/// after the item in hand once the bot is stopping (the rest stay queued).
async fn serve_chat(
    ctx: &Ctx,
    bot: &Throttle<Bot>,
    items: Vec<OutboxItem>,
    cancel: &CancellationToken,
) {
    for item in items {
        if cancel.is_cancelled() {
            return;
        }
        let outcome = deliver(ctx, bot, &item).await;
        tracing::trace!(item = item.id, method = %item.method, outcome = ?outcome, "delivery");
        let stop = matches!(outcome, Delivery::Retry(..));
        if let Err(e) = record(ctx, &item, outcome).await {
            tracing::error!(item = item.id, error = %e, "cannot record a delivery; it will be sent again");
            return;
        }
        if stop {
            return;
        }
    }
}

async fn record(ctx: &Ctx, item: &OutboxItem, outcome: Delivery) -> anyhow::Result<()> {
    let tx = ctx.db.begin_write().await?;
    match outcome {
        Delivery::Sent(message_id) => {
            match outbox::mark_sent(&tx, item.id, message_id.map(i64::from)).await {
                Ok(()) => {}
                Err(StoreError::NotFound(_)) => {
                    erased_in_flight(&tx, ctx, item, message_id).await?;
                    tx.commit().await?;
                    return Ok(());
                }
                Err(e) => return Err(e.into()),
            }
            if let (Some(task), Some(mid), "sendMessage") =
                (item.task_id, message_id, item.method.as_str())
            {
                // A task erased meanwhile simply has no row to update.
                tasks::record_card_message(&tx, task, i64::from(mid)).await?;
            }
        }
        Delivery::Retry(at, error) => {
            let retry = (item.attempts.saturating_add(1) < MAX_ATTEMPTS).then_some(at);
            if retry.is_none() {
                tracing::warn!(item = item.id, method = %item.method, error = %error, "giving up on an outbox item");
                given_up(&tx, ctx, item, &error).await?;
            }
            failed(&tx, item, &error, retry).await?;
        }
        Delivery::Dead(error) => {
            tracing::warn!(item = item.id, method = %item.method, error = %error, "an outbox item cannot be delivered");
            given_up(&tx, ctx, item, &error).await?;
            failed(&tx, item, &error, None).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Records a failed attempt, unless the item was erased meanwhile (then
/// there is nothing left to retry).
async fn failed(
    tx: &domain::store::Tx,
    item: &OutboxItem,
    error: &str,
    retry: Option<chrono::DateTime<Utc>>,
) -> anyhow::Result<()> {
    match outbox::record_failure(tx, item.id, error, retry).await {
        Ok(_) => Ok(()),
        Err(StoreError::NotFound(_)) => {
            tracing::info!(
                item = item.id,
                "an outbox item was erased while it was being sent"
            );
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// The item was deleted while it was being sent: only an erasure deletes
/// pending items, so what just went out quotes someone erased. A message
/// it posted in a group is deleted again (as the erasure does with the
/// bot's recent replies).
async fn erased_in_flight(
    tx: &domain::store::Tx,
    ctx: &Ctx,
    item: &OutboxItem,
    message_id: Option<i32>,
) -> anyhow::Result<()> {
    let Some(message_id) = message_id.filter(|_| item.chat_id < 0) else {
        tracing::info!(
            item = item.id,
            "an outbox item was erased while it was being sent"
        );
        return Ok(());
    };
    tracing::info!(
        item = item.id,
        "an outbox item was erased while it was being sent; deleting the message it posted"
    );
    let req = Request::DeleteMessage {
        chat_id: item.chat_id,
        message_id,
    };
    let r = records::OutgoingRequest {
        chat_id: item.chat_id,
        method: req.method().to_owned(),
        params: req.params(),
        person_id: None,
        task_id: None,
    };
    records::enqueue_request(tx, &ctx.vault, &r).await?;
    ctx.outbox_ready.notify_one();
    Ok(())
}

/// What follows from giving up on an item: an export that cannot be sent
/// is recorded as failed and the person is told (in a message, which has
/// its own chance of getting through).
async fn given_up(
    tx: &domain::store::Tx,
    ctx: &Ctx,
    item: &OutboxItem,
    why: &str,
) -> anyhow::Result<()> {
    if item.method != "sendExport" {
        return Ok(());
    }
    let params = match records::request_params(tx, &ctx.vault, item).await {
        Ok(p) => p,
        Err(VaultError::Erased) => return Ok(()), // the person is gone
        Err(e) => return Err(e.into()),
    };
    if let Ok(Request::SendExport {
        chat_id,
        request_id,
        lang,
        ..
    }) = Request::from_parts(&item.method, params)
    {
        let lang = domain::i18n::Lang::from_tag(&lang).unwrap_or(domain::i18n::Lang::En);
        if let Err(e) = crate::rights::export_failed(tx, ctx, chat_id, request_id, lang, why).await
        {
            // The request is gone (the person was erased meanwhile): giving
            // up must still be recorded.
            tracing::warn!(item = item.id, error = %format!("{e:#}"), "cannot record the failed export");
        }
    }
    Ok(())
}

fn keyboard(rows: &[ButtonRow]) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(rows.iter().map(|row| {
        row.iter()
            .map(|b| InlineKeyboardButton::callback(b.text.clone(), b.data.clone()))
            .collect::<Vec<_>>()
    }))
}

/// 0.5 s, 1 s, 2 s… up to 5 minutes.
fn backoff(attempts: i32) -> chrono::DateTime<Utc> {
    let ms = (500i64 << attempts.clamp(0, 10)).min(300_000);
    Utc::now() + chrono::Duration::milliseconds(ms)
}

/// Makes the call an item describes.
async fn deliver(ctx: &Ctx, bot: &Throttle<Bot>, item: &OutboxItem) -> Delivery {
    let params = match records::request_params(&ctx.db, &ctx.vault, item).await {
        Ok(p) => p,
        Err(VaultError::Erased) => {
            return Delivery::Dead("the person it quoted was erased".to_owned());
        }
        Err(e) => return Delivery::Retry(backoff(item.attempts), format!("cannot open: {e}")),
    };
    let req = match Request::from_parts(&item.method, params) {
        Ok(r) => r,
        Err(e) => return Delivery::Dead(e),
    };
    let result = match req {
        Request::SendMessage {
            chat_id,
            text,
            reply_to_message_id,
            buttons,
        } => send_text(bot, chat_id, text, reply_to_message_id, &buttons).await,
        Request::EditMessageText {
            chat_id,
            target,
            text,
            buttons,
        } => {
            let message_id = match target {
                Target::Message { message_id } => message_id,
                Target::TaskCard { task_card } => match card_of(ctx, task_card).await {
                    Ok(Some(id)) => id,
                    Ok(None) => return Delivery::Sent(None), // no card was ever sent
                    Err(e) => return Delivery::Retry(backoff(item.attempts), e.to_string()),
                },
            };
            edit_text(bot, chat_id, message_id, text, &buttons).await
        }
        Request::SetMessageReaction {
            chat_id,
            message_id,
            emoji,
        } => bot
            .set_message_reaction(ChatId(chat_id), MessageId(message_id))
            .reaction(vec![ReactionType::Emoji { emoji }])
            .await
            .map(|_| None),
        Request::AnswerCallbackQuery {
            callback_query_id,
            text,
            show_alert,
        } => {
            let mut r = bot.answer_callback_query(CallbackQueryId(callback_query_id));
            if let Some(t) = text {
                r = r.text(t).show_alert(show_alert);
            }
            r.await.map(|_| None)
        }
        Request::SendExport {
            chat_id,
            telegram_user_id,
            request_id,
            lang,
        } => {
            let lang = domain::i18n::Lang::from_tag(&lang).unwrap_or(domain::i18n::Lang::En);
            return match crate::rights::send_export(
                ctx,
                bot,
                chat_id,
                telegram_user_id,
                request_id,
                lang,
            )
            .await
            {
                Ok(()) => Delivery::Sent(None),
                Err(e) => {
                    let why = match e.downcast_ref::<RequestError>() {
                        Some(RequestError::RetryAfter(s)) => {
                            return Delivery::Retry(
                                Utc::now() + s.chrono_duration(),
                                "429".to_owned(),
                            );
                        }
                        Some(RequestError::Api(api)) if !matches!(api, ApiError::Unknown(_)) => {
                            // Telegram refused it for good (blocked, chat
                            // gone, file refused): no point trying again.
                            return Delivery::Dead(format!("export: Telegram: {api}"));
                        }
                        Some(r) => crate::telegram::describe(r),
                        None => format!("{e:#}"),
                    };
                    Delivery::Retry(backoff(item.attempts), format!("export: {why}"))
                }
            };
        }
        Request::SendTasksPage {
            chat_id,
            page,
            lang,
            reply_to_message_id,
            message_id,
        } => {
            let lang = domain::i18n::Lang::from_tag(&lang).unwrap_or(domain::i18n::Lang::En);
            let (text, buttons) =
                match crate::handlers::tasks_page(&ctx.db, ctx, chat_id, lang, page).await {
                    Ok(page) => page,
                    Err(e) => {
                        return Delivery::Retry(
                            backoff(item.attempts),
                            format!("cannot render the page: {e:#}"),
                        );
                    }
                };
            match message_id {
                Some(id) => edit_text(bot, chat_id, id, text, &buttons).await,
                None => send_text(bot, chat_id, text, reply_to_message_id, &buttons).await,
            }
        }
        Request::RefreshCard { chat_id, task_id } => {
            match crate::handlers::card_unnamed(&ctx.db, ctx, task_id).await {
                Ok(Some((message_id, text))) => {
                    edit_text(bot, chat_id, message_id, text, &[]).await
                }
                Ok(None) => return Delivery::Sent(None),
                Err(e) => {
                    return Delivery::Retry(
                        backoff(item.attempts),
                        format!("cannot render the card: {e:#}"),
                    );
                }
            }
        }
        Request::DeleteMessage {
            chat_id,
            message_id,
        } => bot
            .delete_message(ChatId(chat_id), MessageId(message_id))
            .await
            .map(|_| None),
    };
    match result {
        Ok(id) => Delivery::Sent(id),
        Err(e) => classify_error(&e, item.attempts),
    }
}

/// `sendMessage`, replying to `reply_to` if it still exists: the new
/// message's id.
async fn send_text(
    bot: &Throttle<Bot>,
    chat_id: i64,
    text: String,
    reply_to: Option<i32>,
    buttons: &[ButtonRow],
) -> Result<Option<i32>, RequestError> {
    let mut r = bot.send_message(ChatId(chat_id), text);
    if let Some(to) = reply_to {
        r = r.reply_parameters(ReplyParameters::new(MessageId(to)).allow_sending_without_reply());
    }
    if !buttons.is_empty() {
        r = r.reply_markup(keyboard(buttons));
    }
    r.await.map(|m| Some(m.id.0))
}

/// `editMessageText`; no buttons removes them.
async fn edit_text(
    bot: &Throttle<Bot>,
    chat_id: i64,
    message_id: i32,
    text: String,
    buttons: &[ButtonRow],
) -> Result<Option<i32>, RequestError> {
    let mut r = bot.edit_message_text(ChatId(chat_id), MessageId(message_id), text);
    if !buttons.is_empty() {
        r = r.reply_markup(keyboard(buttons));
    }
    r.await.map(|_| None)
}

/// The card's message id: `None` once it is clear no card will come (the
/// chat did not use cards, or the card could not be sent).
async fn card_of(ctx: &Ctx, task: i64) -> anyhow::Result<Option<i32>> {
    let Some(t) = tasks::get(&ctx.db, task).await? else {
        return Ok(None);
    };
    Ok(t.card_message_id.and_then(|id| i32::try_from(id).ok()))
}

/// What an error means for the item.
fn classify_error(e: &RequestError, attempts: i32) -> Delivery {
    match e {
        RequestError::RetryAfter(s) => Delivery::Retry(
            Utc::now() + s.chrono_duration(),
            format!("429 retry after {}s", s.seconds()),
        ),
        RequestError::Api(ApiError::MessageNotModified) => Delivery::Sent(None),
        RequestError::Api(ApiError::Unknown(text)) => {
            // 5xx and errors teloxide does not know: worth a few more tries.
            Delivery::Retry(backoff(attempts), format!("Telegram: {text}"))
        }
        RequestError::Api(api) => Delivery::Dead(format!("Telegram: {api}")),
        RequestError::MigrateToChatId(to) => {
            Delivery::Dead(format!("the group became a supergroup, now chat {}", to.0))
        }
        RequestError::Network(err) => {
            let what = if err.is_timeout() {
                "timed out"
            } else if err.is_connect() {
                "cannot connect"
            } else {
                "network error"
            };
            Delivery::Retry(backoff(attempts), what.to_owned())
        }
        RequestError::InvalidJson { .. } => Delivery::Retry(
            backoff(attempts),
            "unusable answer from the Bot API".to_owned(),
        ),
        RequestError::Io(err) => Delivery::Retry(backoff(attempts), format!("I/O error: {err}")),
    }
}
