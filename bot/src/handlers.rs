//! What each route does, inside the processor's transaction: capture,
//! edits, commands, buttons and the bot's own membership. Everything the
//! bot says is queued in the outbox here, in the same transaction as the
//! state it reports; nothing here talks to Telegram.

use chrono::Utc;
use domain::classify::Classification;
use domain::classify::builtin::Builtin;
use domain::classify::{Kind, MessageInput};
use domain::i18n::{Arg, Lang};
use domain::records::{self, IncomingMessage, OutgoingRequest, PlainTask, Profile};
use domain::store::chats::{self, Chat, ChatKind, ChatStatus, ReplyMode};
use domain::store::messages::{self, Captured, StoredMessage};
use domain::store::people::{self, Person};
use domain::store::privacy::{self, ConsentAction, POLICY_VERSION};
use domain::store::tasks::{self, Task, TaskStatus};
use domain::store::{Conn, Tx, providers, retention};
use domain::vault::VaultError;
use teloxide::types::{CallbackQuery, ChatMemberUpdated, Message, User};

use crate::card::{self, CallbackData, CardTask, Closed, ListedTask};
use crate::context::Ctx;
use crate::limits::Verdict;
use crate::outgoing::{ButtonRow, Request, Target};
use crate::processor::Facts;
use crate::router::{Command, Route, text_of};
use crate::scope::Scope;

type Result<T = ()> = anyhow::Result<T>;

/// Applies one route. `scope` holds what this transaction looked up
/// already; routes other than capture and edits may change it, so it is
/// cleared after them.
pub async fn apply(tx: &Tx, ctx: &Ctx, scope: &Scope, route: &Route, facts: &Facts) -> Result {
    match route {
        Route::Capture(m) => capture(tx, ctx, scope, m, facts).await,
        Route::Edit(m) => edit(tx, ctx, scope, m, facts).await,
        other => {
            // Commands and buttons may read or erase outbox rows.
            domain::store::outbox::flush(tx).await?;
            let done = apply_other(tx, ctx, scope, other, facts).await;
            scope.clear();
            done
        }
    }
}

async fn apply_other(tx: &Tx, ctx: &Ctx, scope: &Scope, route: &Route, facts: &Facts) -> Result {
    match route {
        Route::Capture(_) | Route::Edit(_) => Ok(()),
        Route::Command(m, c) => command(tx, ctx, scope, m, c, facts).await,
        Route::UnknownCommand(m) if m.chat.is_private() => {
            let lang = person_lang(m.from.as_ref(), None);
            let text = ctx.locales.tr(lang, "unknown-command", &[]);
            say(tx, ctx, m.chat.id.0, None, text, vec![], None).await
        }
        Route::Private(m) => {
            let lang = person_lang(m.from.as_ref(), None);
            let text = ctx.locales.tr(lang, "help", &[]);
            say(tx, ctx, m.chat.id.0, None, text, vec![], None).await
        }
        Route::Callback(q) => callback(tx, ctx, scope, q, facts).await,
        Route::Membership(u) => membership(tx, ctx, u).await,
        Route::UnknownCommand(_) | Route::Ignore(_) => Ok(()),
    }
}

// ---- helpers ----

/// A Telegram user id as stored and hashed (`i64`).
pub(crate) fn user_id(u: &User) -> i64 {
    i64::try_from(u.id.0).unwrap_or(i64::MAX)
}

fn person_lang(u: Option<&User>, chat: Option<&Chat>) -> Lang {
    Lang::negotiate(
        u.and_then(|u| u.language_code.as_deref()),
        chat.and_then(|c| c.language.as_deref()),
    )
}

fn chat_kind(c: &teloxide::types::Chat) -> ChatKind {
    if c.is_private() {
        ChatKind::Private
    } else if c.is_group() {
        ChatKind::Group
    } else if c.is_supergroup() {
        ChatKind::Supergroup
    } else if c.is_channel() {
        ChatKind::Channel
    } else {
        ChatKind::Unknown
    }
}

fn profile(u: &User) -> Profile {
    Profile {
        telegram_user_id: user_id(u),
        name: u.full_name(),
        username: u.username.clone(),
        language_code: u.language_code.clone(),
    }
}

/// Queues a request in the outbox, sealed under the key of the person it
/// quotes (the system key when it quotes nobody).
async fn send(
    tx: &Tx,
    ctx: &Ctx,
    chat_id: i64,
    req: Request,
    quoting: Option<&Person>,
    task_id: Option<i64>,
) -> Result {
    let r = OutgoingRequest {
        chat_id,
        method: req.method().to_owned(),
        params: req.params(),
        person_id: quoting.map(|p| p.id),
        task_id,
    };
    // Deferred: a batch's replies are written as one INSERT, before the
    // next route other than capture (see `apply`) or at commit.
    match quoting {
        Some(person) => records::defer_request_for(tx, &ctx.vault, &r, person).await?,
        None => records::defer_request(tx, &ctx.vault, &r).await?,
    }
    Ok(())
}

/// Queues a message, replying to `reply_to` when given.
async fn say(
    tx: &Tx,
    ctx: &Ctx,
    chat_id: i64,
    reply_to: Option<i32>,
    text: String,
    buttons: Vec<ButtonRow>,
    quoting: Option<&Person>,
) -> Result {
    let req = Request::SendMessage {
        chat_id,
        text,
        reply_to_message_id: reply_to,
        buttons,
    };
    send(tx, ctx, chat_id, req, quoting, None).await
}

/// The chat's row, recorded (pending) the first time the bot sees it.
async fn ensure_chat(tx: &Tx, ctx: &Ctx, c: &teloxide::types::Chat) -> Result<Chat> {
    if let Some(chat) = chats::get(tx, c.id.0).await? {
        return Ok(chat);
    }
    tracing::info!(
        chat = c.id.0,
        "a new chat: waiting for an operator's approval"
    );
    Ok(records::save_chat(tx, &ctx.vault, c.id.0, chat_kind(c), c.title()).await?)
}

async fn retention_days(tx: &Tx, chat: Option<&Chat>) -> Result<i64> {
    let policy = retention::policy(tx).await?;
    Ok(i64::from(
        policy.effective_days(chat.and_then(|c| c.retention_days)),
    ))
}

/// The privacy notice, and the privacy-mode warning when Telegram hides
/// messages from the bot.
async fn post_notice(tx: &Tx, ctx: &Ctx, chat: &Chat, lang: Lang, bot_is_admin: bool) -> Result {
    let days = retention_days(tx, Some(chat)).await?;
    let bot_name = format!("@{}", ctx.username());
    let text = ctx.locales.tr(
        lang,
        "notice-joined",
        &[("bot", Arg::Str(&bot_name)), ("days", Arg::Num(days))],
    );
    say(tx, ctx, chat.id, None, text, vec![], None).await?;
    chats::mark_notice_sent(tx, chat.id, Utc::now()).await?;
    if !ctx.me.can_read_all_group_messages && !bot_is_admin {
        let text = ctx.locales.tr(lang, "notice-privacy-mode", &[]);
        say(tx, ctx, chat.id, None, text, vec![], None).await?;
    }
    Ok(())
}

/// The one notice of a chat that is not approved yet.
async fn post_pending_notice(tx: &Tx, ctx: &Ctx, chat: &Chat, lang: Lang) -> Result {
    if chat.pending_notice_at.is_some() {
        return Ok(());
    }
    let text = ctx.locales.tr(lang, "notice-pending", &[]);
    say(tx, ctx, chat.id, None, text, vec![], None).await?;
    chats::mark_pending_notice_sent(tx, chat.id, Utc::now()).await?;
    Ok(())
}

/// The classification `facts` brought, or the builtin one now (when the
/// chat was approved after the facts were gathered).
fn classification(facts: &Facts, chat: &Chat, m: &Message, text: &str) -> Classification {
    let tz = chat.time_zone.parse().unwrap_or(chrono_tz::UTC);
    if let Some(c) = &facts.classification
        && facts.zone.is_none_or(|assumed| assumed == tz)
    {
        return c.clone();
    }
    Builtin.classify(&MessageInput {
        text,
        sent_at: m.edit_date().copied().unwrap_or(m.date),
        tz,
    })
}

/// Records how the provider did, if one classified this message.
async fn record_provider(tx: &Tx, ctx: &Ctx, facts: &Facts) -> Result {
    let Some(id) = ctx.provider_id() else {
        return Ok(());
    };
    if facts.flooded || facts.classification.is_none() || facts.zone.is_some() {
        // Not classified by the provider (flood limit, or in-process).
        return Ok(());
    }
    let circuit = match ctx.classifier() {
        domain::classify::Classifier::OpenAi(client) => Some(client.circuit_state().into()),
        domain::classify::Classifier::Builtin(_) => None,
    };
    match &facts.provider_error {
        Some(e) => providers::record_health(tx, id, Err(e), circuit).await?,
        None => providers::record_health(tx, id, Ok(()), circuit).await?,
    }
    Ok(())
}

fn is_wanted(c: &Classification, chat: &Chat) -> bool {
    c.actionable && f64::from(c.confidence) >= chat.confidence_threshold
}

// ---- capture ----

/// The chat's row (recorded, pending, the first time), read once per
/// transaction.
async fn chat_row(tx: &Tx, ctx: &Ctx, scope: &Scope, c: &teloxide::types::Chat) -> Result<Chat> {
    if let Some(chat) = scope.chat(c.id.0) {
        return Ok(chat);
    }
    let chat = ensure_chat(tx, ctx, c).await?;
    scope.put_chat(&chat);
    Ok(chat)
}

/// The chat, if the bot captures there now; posts the pending notice once
/// otherwise, and the privacy notice on the first message after approval.
async fn capturing_chat(tx: &Tx, ctx: &Ctx, scope: &Scope, m: &Message) -> Result<Option<Chat>> {
    let chat = chat_row(tx, ctx, scope, &m.chat).await?;
    let lang = person_lang(m.from.as_ref(), Some(&chat));
    match chat.status {
        ChatStatus::Pending => {
            if chat.pending_notice_at.is_none() {
                post_pending_notice(tx, ctx, &chat, lang).await?;
                scope.forget_chat(chat.id);
            }
            Ok(None)
        }
        ChatStatus::Blocked => Ok(None),
        ChatStatus::Approved => {
            if chat.notice_sent_at.is_none() {
                post_notice(tx, ctx, &chat, lang, false).await?;
                scope.forget_chat(chat.id);
            }
            Ok(Some(chat))
        }
    }
}

/// The author, unless they opted out (then nothing of theirs is stored).
/// Their profile is sealed again only when it changed.
async fn author(tx: &Tx, ctx: &Ctx, scope: &Scope, from: &User) -> Result<Option<Person>> {
    let index = ctx.vault.user_index(user_id(from));
    let opted_out = match scope.opted_out(&index) {
        Some(known) => known,
        None => {
            let now = privacy::is_opted_out(tx, &index).await?;
            scope.put_opted_out(&index, now);
            now
        }
    };
    if opted_out {
        return Ok(None);
    }
    let profile = profile(from);
    let fingerprint = ctx.profiles.fingerprint(&profile);
    if let Some(person) = scope.person(&index, fingerprint) {
        return Ok(Some(person));
    }
    if let Some(person) = people::get_by_index(tx, &index).await?
        && person.key_id.is_some()
        && ctx.profiles.holds(person.id, fingerprint)
    {
        scope.put_person(&person, fingerprint, false);
        return Ok(Some(person));
    }
    let person = records::save_person(tx, &ctx.vault, &profile).await?;
    scope.put_person(&person, fingerprint, true);
    Ok(Some(person))
}

async fn capture(tx: &Tx, ctx: &Ctx, scope: &Scope, m: &Message, facts: &Facts) -> Result {
    let (Some(text), Some(from)) = (text_of(m), m.from.as_ref()) else {
        return Ok(());
    };
    let Some(chat) = capturing_chat(tx, ctx, scope, m).await? else {
        return Ok(());
    };
    let Some(person) = author(tx, ctx, scope, from).await? else {
        return Ok(());
    };
    let captured = records::capture_message(
        tx,
        &ctx.vault,
        &person,
        &IncomingMessage {
            chat_id: chat.id,
            message_id: i64::from(m.id.0),
            sent_at: m.date,
            text,
            reply_to_message_id: m.reply_to_message().map(|r| i64::from(r.id.0)),
            is_forwarded: m.forward_origin().is_some(),
        },
    )
    .await?;
    let Captured::New(stored) = captured else {
        return Ok(()); // a redelivery: all done the first time
    };
    record_provider(tx, ctx, facts).await?;
    let c = classification(facts, &chat, m, text);
    if is_wanted(&c, &chat) {
        new_task(tx, ctx, &chat, &person, &stored, m, &c, facts.flooded).await?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn new_task(
    tx: &Tx,
    ctx: &Ctx,
    chat: &Chat,
    person: &Person,
    stored: &StoredMessage,
    m: &Message,
    c: &Classification,
    flooded: bool,
) -> Result {
    let task = records::create_task(
        tx,
        &ctx.vault,
        person,
        stored,
        &PlainTask {
            classification: c.clone(),
            description: None,
        },
    )
    .await?;
    if flooded {
        tracing::debug!(
            chat = chat.id,
            task = task.id,
            "classification limit reached: no card"
        );
        return Ok(());
    }
    let lang = Lang::negotiate(person.language_code.as_deref(), chat.language.as_deref());
    match chat.reply_mode {
        ReplyMode::Reply => {
            let text = card::card_text(&ctx.locales, lang, &card_task(&task, c), None);
            let req = Request::SendMessage {
                chat_id: chat.id,
                text,
                reply_to_message_id: Some(m.id.0),
                buttons: card::card_buttons(&ctx.locales, lang, task.id),
            };
            send(tx, ctx, chat.id, req, Some(person), Some(task.id)).await
        }
        ReplyMode::React => {
            let emoji = if c.kind == Kind::Bug { "👀" } else { "✍" };
            let req = Request::SetMessageReaction {
                chat_id: chat.id,
                message_id: m.id.0,
                emoji: emoji.to_owned(),
            };
            send(tx, ctx, chat.id, req, None, Some(task.id)).await
        }
        ReplyMode::Silent => Ok(()),
    }
}

fn card_task<'a>(task: &Task, c: &'a Classification) -> CardTask<'a> {
    CardTask {
        id: task.id,
        kind: c.kind,
        title: &c.title,
        priority: c.priority,
        due: c.due,
        assignees: &c.assignees,
    }
}

async fn edit(tx: &Tx, ctx: &Ctx, scope: &Scope, m: &Message, facts: &Facts) -> Result {
    let (Some(text), Some(from)) = (text_of(m), m.from.as_ref()) else {
        return Ok(());
    };
    let chat = match scope.chat(m.chat.id.0) {
        Some(chat) => Some(chat),
        None => chats::get(tx, m.chat.id.0).await?,
    };
    let Some(chat) = chat.filter(|c| c.status == ChatStatus::Approved) else {
        return Ok(());
    };
    let message_id = i64::from(m.id.0);
    if messages::get(tx, chat.id, message_id).await?.is_none() {
        // Written before the chat was approved, or before the bot joined:
        // the edit is the first the bot sees of it.
        return capture(tx, ctx, scope, m, facts).await;
    }
    let Some(person) = author(tx, ctx, scope, from).await? else {
        return Ok(());
    };
    let edited_at = m.edit_date().copied().unwrap_or_else(Utc::now);
    let Some(stored) = records::edit_message(
        tx, &ctx.vault, &person, chat.id, message_id, text, edited_at,
    )
    .await?
    else {
        return Ok(()); // an older edit, redelivered
    };
    record_provider(tx, ctx, facts).await?;
    let c = classification(facts, &chat, m, text);
    match tasks::get_for_message(tx, stored.id).await? {
        Some(task) if task.status == TaskStatus::Open && is_wanted(&c, &chat) => {
            let task = records::reclassify_task(tx, &ctx.vault, &person, &task, &c).await?;
            if chat.reply_mode == ReplyMode::Reply && !facts.flooded {
                let lang =
                    Lang::negotiate(person.language_code.as_deref(), chat.language.as_deref());
                let req = Request::EditMessageText {
                    chat_id: chat.id,
                    target: Target::TaskCard { task_card: task.id },
                    text: card::card_text(&ctx.locales, lang, &card_task(&task, &c), None),
                    buttons: card::card_buttons(&ctx.locales, lang, task.id),
                };
                send(tx, ctx, chat.id, req, Some(&person), Some(task.id)).await?;
            }
            Ok(())
        }
        Some(_) => Ok(()),
        None if is_wanted(&c, &chat) => {
            new_task(tx, ctx, &chat, &person, &stored, m, &c, facts.flooded).await
        }
        None => Ok(()),
    }
}

// ---- commands ----

async fn command(
    tx: &Tx,
    ctx: &Ctx,
    scope: &Scope,
    m: &Message,
    c: &Command,
    facts: &Facts,
) -> Result {
    let Some(from) = m.from.as_ref() else {
        return Ok(());
    };
    let chat_id = m.chat.id.0;
    let private = m.chat.is_private();
    let chat = if private {
        None
    } else {
        Some(ensure_chat(tx, ctx, &m.chat).await?)
    };
    let lang = person_lang(Some(from), chat.as_ref());
    let reply_to = (!private).then_some(m.id.0);
    let l = &ctx.locales;
    match ctx.limits.command(user_id(from)) {
        Verdict::Allowed => {}
        Verdict::Refuse { retry_in } => {
            let secs = i64::try_from(retry_in.as_secs().max(1)).unwrap_or(60);
            let text = l.tr(lang, "rate-limited", &[("seconds", Arg::Num(secs))]);
            return say(tx, ctx, chat_id, reply_to, text, vec![], None).await;
        }
        Verdict::RefuseQuietly => return Ok(()),
    }
    let group_only = |lang| l.tr(lang, "group-only", &[]);
    match (c, chat.as_ref()) {
        (Command::Start(_), _) if private => {
            say(
                tx,
                ctx,
                chat_id,
                None,
                l.tr(lang, "start", &[]),
                vec![],
                None,
            )
            .await
        }
        (Command::Start(_) | Command::Help, _) => {
            say(
                tx,
                ctx,
                chat_id,
                reply_to,
                l.tr(lang, "help", &[]),
                vec![],
                None,
            )
            .await
        }
        (Command::Privacy, chat) => {
            let days = retention_days(tx, chat).await?;
            let none = l.tr(lang, "privacy-contact-none", &[]);
            let contact = ctx.settings.operator_contact.as_deref().unwrap_or(&none);
            let text = l.tr(
                lang,
                "privacy-policy",
                &[("days", Arg::Num(days)), ("contact", Arg::Str(contact))],
            );
            say(tx, ctx, chat_id, reply_to, text, vec![], None).await
        }
        (Command::Tasks, Some(chat)) => {
            let req = Request::SendTasksPage {
                chat_id: chat.id,
                page: 1,
                lang: lang.code().to_owned(),
                reply_to_message_id: reply_to,
                message_id: None,
            };
            send(tx, ctx, chat_id, req, None, None).await
        }
        (Command::Done(arg), Some(chat)) => {
            done_command(tx, ctx, scope, chat, m, from, arg, lang).await
        }
        (Command::Mode(arg), Some(chat)) => {
            mode_command(tx, ctx, chat, m, arg, facts.is_admin, lang).await
        }
        (Command::Tasks | Command::Done(_) | Command::Mode(_), None) => {
            say(tx, ctx, chat_id, None, group_only(lang), vec![], None).await
        }
        (Command::Optout | Command::Optin, _) => {
            let (action, key) = match c {
                Command::Optout => (ConsentAction::OptOut, "optout-done"),
                _ => (ConsentAction::OptIn, "optin-done"),
            };
            let index = ctx.vault.user_index(user_id(from));
            let where_ = (!private).then_some(chat_id);
            privacy::record(tx, &index, where_, action, POLICY_VERSION).await?;
            say(
                tx,
                ctx,
                chat_id,
                reply_to,
                l.tr(lang, key, &[]),
                vec![],
                None,
            )
            .await
        }
        (Command::Export | Command::Forget, _) if !private => {
            let link = format!("https://t.me/{}?start=privacy", ctx.username());
            let text = l.tr(lang, "private-only", &[("link", Arg::Str(&link))]);
            say(tx, ctx, chat_id, reply_to, text, vec![], None).await
        }
        (Command::Export, _) => crate::rights::export(tx, ctx, from, chat_id, lang).await,
        (Command::Forget, _) => crate::rights::forget(tx, ctx, from, chat_id, lang).await,
    }
}

/// One page of a chat's open tasks as they are now, titles decrypted (an
/// erased author's title shows as "…"). The sender renders it when it
/// sends a `sendTasksPage` item.
pub async fn tasks_page(
    c: &impl Conn,
    ctx: &Ctx,
    chat_id: i64,
    lang: Lang,
    page: u64,
) -> Result<(String, Vec<ButtonRow>)> {
    let count = tasks::count_open(c, Some(chat_id)).await?;
    let page = page.clamp(1, card::pages(count));
    let rows = tasks::list_open(
        c,
        chat_id,
        (page - 1) * card::TASKS_PER_PAGE,
        card::TASKS_PER_PAGE,
    )
    .await?;
    let mut listed = Vec::with_capacity(rows.len());
    for t in rows {
        let title = match records::task_title(c, &ctx.vault, &t).await {
            Ok(title) => title,
            Err(VaultError::Erased) => "…".to_owned(),
            Err(e) => return Err(e.into()),
        };
        listed.push(ListedTask {
            id: t.id,
            kind: t.kind,
            title,
            due: t.due_date,
        });
    }
    Ok(card::tasks_page(&ctx.locales, lang, &listed, page, count))
}

/// The card of `task` as it reads now, closed by `closed`, in the language
/// of the person whose message it came from.
async fn card_now(
    tx: &impl Conn,
    ctx: &Ctx,
    chat: &Chat,
    task: &Task,
    closed: Option<Closed<'_>>,
) -> Result<Option<String>> {
    let title = match records::task_title(tx, &ctx.vault, task).await {
        Ok(t) => t,
        Err(VaultError::Erased) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let assignees = records::task_assignees(tx, &ctx.vault, task).await?;
    let author_lang = match task.message_id {
        Some(id) => match messages::get_by_id(tx, id).await? {
            Some(m) => people::get(tx, m.person_id)
                .await?
                .and_then(|p| p.language_code),
            None => None,
        },
        None => None,
    };
    let lang = Lang::negotiate(author_lang.as_deref(), chat.language.as_deref());
    let t = CardTask {
        id: task.id,
        kind: task.kind,
        title: &title,
        priority: task.priority,
        due: task.due_date,
        assignees: &assignees,
    };
    Ok(Some(card::card_text(&ctx.locales, lang, &t, closed)))
}

/// The card of a closed task, naming no one, and the message it is in:
/// what a `refreshCard` item (queued when the person who closed it was
/// erased) puts in place of "Done by …". `None` when there is nothing to
/// edit (the task or its card is gone, or it is open again).
pub async fn card_unnamed(c: &impl Conn, ctx: &Ctx, task_id: i64) -> Result<Option<(i32, String)>> {
    let Some(task) = tasks::get(c, task_id).await? else {
        return Ok(None);
    };
    let Some(message_id) = task.card_message_id.and_then(|id| i32::try_from(id).ok()) else {
        return Ok(None);
    };
    let closed = match task.status {
        TaskStatus::Done => Closed::Done(None),
        TaskStatus::Dismissed => Closed::Dismissed(None),
        TaskStatus::Open => return Ok(None),
    };
    let Some(chat) = chats::get(c, task.chat_id).await? else {
        return Ok(None);
    };
    let text = card_now(c, ctx, &chat, &task, Some(closed)).await?;
    Ok(text.map(|t| (message_id, t)))
}

/// Closes a task and queues the edit of its card. The edit names `who`
/// (unless they opted out: then it names no one), so it is sealed under
/// their key and erasing either them or the task's author drops it while
/// it waits.
#[allow(clippy::too_many_arguments)]
async fn close_task(
    tx: &Tx,
    ctx: &Ctx,
    scope: &Scope,
    chat: &Chat,
    task: &Task,
    status: TaskStatus,
    who: &User,
    card_message: Option<i32>,
) -> Result {
    let task = tasks::set_status(tx, task.id, status).await?;
    if card_message.is_none() && chat.reply_mode != ReplyMode::Reply {
        return Ok(()); // no card to edit (the sender also skips a task without one)
    }
    let closer = author(tx, ctx, scope, who).await?;
    let name = closer.as_ref().map(|_| who.first_name.as_str());
    let closed = match status {
        TaskStatus::Dismissed => Closed::Dismissed(name),
        _ => Closed::Done(name),
    };
    let Some(text) = card_now(tx, ctx, chat, &task, Some(closed)).await? else {
        return Ok(());
    };
    let target = match card_message {
        Some(message_id) => Target::Message { message_id },
        None => Target::TaskCard { task_card: task.id },
    };
    let req = Request::EditMessageText {
        chat_id: chat.id,
        target,
        text,
        buttons: vec![],
    };
    send(tx, ctx, chat.id, req, closer.as_ref(), Some(task.id)).await
}

#[allow(clippy::too_many_arguments)]
async fn done_command(
    tx: &Tx,
    ctx: &Ctx,
    scope: &Scope,
    chat: &Chat,
    m: &Message,
    from: &User,
    arg: &str,
    lang: Lang,
) -> Result {
    let l = &ctx.locales;
    let reply_to = Some(m.id.0);
    let Ok(id) = arg.trim().trim_start_matches('#').parse::<i64>() else {
        return say(
            tx,
            ctx,
            chat.id,
            reply_to,
            l.tr(lang, "done-usage", &[]),
            vec![],
            None,
        )
        .await;
    };
    let task = tasks::get(tx, id)
        .await?
        .filter(|t| t.chat_id == chat.id && t.status == TaskStatus::Open);
    let Some(task) = task else {
        let text = l.tr(lang, "done-not-found", &[("id", Arg::Num(id))]);
        return say(tx, ctx, chat.id, reply_to, text, vec![], None).await;
    };
    close_task(tx, ctx, scope, chat, &task, TaskStatus::Done, from, None).await?;
    let text = l.tr(lang, "done-ok", &[("id", Arg::Num(id))]);
    say(tx, ctx, chat.id, reply_to, text, vec![], None).await
}

fn parse_mode(arg: &str) -> Option<ReplyMode> {
    let arg = arg.trim().to_lowercase();
    ReplyMode::ALL.iter().copied().find(|m| m.as_str() == arg)
}

async fn mode_command(
    tx: &Tx,
    ctx: &Ctx,
    chat: &Chat,
    m: &Message,
    arg: &str,
    is_admin: Option<bool>,
    lang: Lang,
) -> Result {
    let l = &ctx.locales;
    let reply_to = Some(m.id.0);
    let Some(mode) = parse_mode(arg) else {
        let current = l.tr(lang, &format!("mode-{}", chat.reply_mode.as_str()), &[]);
        let text = l.tr(lang, "mode-current", &[("mode", Arg::Str(&current))]);
        let buttons = card::mode_buttons(l, lang);
        return say(tx, ctx, chat.id, reply_to, text, buttons, None).await;
    };
    let text = match is_admin {
        Some(true) => {
            chats::set_reply_mode(tx, chat.id, mode).await?;
            let label = l.tr(lang, &format!("mode-{}", mode.as_str()), &[]);
            l.tr(lang, "mode-changed", &[("mode", Arg::Str(&label))])
        }
        Some(false) => l.tr(lang, "mode-admins-only", &[]),
        None => l.tr(lang, "admin-check-failed", &[]),
    };
    say(tx, ctx, chat.id, reply_to, text, vec![], None).await
}

// ---- buttons ----

async fn answer(
    tx: &Tx,
    ctx: &Ctx,
    chat_id: i64,
    q: &CallbackQuery,
    text: Option<String>,
    alert: bool,
) -> Result {
    let req = Request::AnswerCallbackQuery {
        callback_query_id: q.id.0.clone(),
        text,
        show_alert: alert,
    };
    send(tx, ctx, chat_id, req, None, None).await
}

async fn callback(tx: &Tx, ctx: &Ctx, scope: &Scope, q: &CallbackQuery, facts: &Facts) -> Result {
    let lang_of = |chat: Option<&Chat>| person_lang(Some(&q.from), chat);
    let l = &ctx.locales;
    let data = q.data.as_deref().and_then(CallbackData::parse);
    let (Some(data), Some(msg)) = (data, q.message.as_ref()) else {
        let text = l.tr(lang_of(None), "button-expired", &[]);
        return answer(tx, ctx, 0, q, Some(text), false).await;
    };
    let chat_id = msg.chat().id.0;
    let message_id = msg.id().0;
    let chat = chats::get(tx, chat_id).await?;
    let lang = lang_of(chat.as_ref());
    if let CallbackData::Forget { request, confirm } = data {
        return crate::rights::forget_answer(
            tx, ctx, q, chat_id, message_id, request, confirm, lang,
        )
        .await;
    }
    let Some(chat) = chat else {
        let text = l.tr(lang, "button-expired", &[]);
        return answer(tx, ctx, chat_id, q, Some(text), false).await;
    };
    match data {
        CallbackData::TaskDone(id) | CallbackData::NotATask(id) => {
            let Some(task) = tasks::get(tx, id).await?.filter(|t| t.chat_id == chat_id) else {
                let text = l.tr(lang, "not-yours", &[]);
                return answer(tx, ctx, chat_id, q, Some(text), true).await;
            };
            if task.status != TaskStatus::Open {
                let text = l.tr(lang, "task-already-closed", &[("id", Arg::Num(id))]);
                return answer(tx, ctx, chat_id, q, Some(text), false).await;
            }
            let status = match data {
                CallbackData::TaskDone(_) => TaskStatus::Done,
                _ => TaskStatus::Dismissed,
            };
            close_task(
                tx,
                ctx,
                scope,
                &chat,
                &task,
                status,
                &q.from,
                Some(message_id),
            )
            .await?;
            answer(tx, ctx, chat_id, q, None, false).await
        }
        CallbackData::TasksPage(page) => {
            let req = Request::SendTasksPage {
                chat_id,
                page,
                lang: lang.code().to_owned(),
                reply_to_message_id: None,
                message_id: Some(message_id),
            };
            send(tx, ctx, chat_id, req, None, None).await?;
            answer(tx, ctx, chat_id, q, None, false).await
        }
        CallbackData::Mode(mode) => match facts.is_admin {
            Some(true) => {
                chats::set_reply_mode(tx, chat_id, mode).await?;
                let label = l.tr(lang, &format!("mode-{}", mode.as_str()), &[]);
                let text = l.tr(lang, "mode-changed", &[("mode", Arg::Str(&label))]);
                let req = Request::EditMessageText {
                    chat_id,
                    target: Target::Message { message_id },
                    text,
                    buttons: vec![],
                };
                send(tx, ctx, chat_id, req, None, None).await?;
                answer(tx, ctx, chat_id, q, None, false).await
            }
            Some(false) => {
                let text = l.tr(lang, "mode-admins-only", &[]);
                answer(tx, ctx, chat_id, q, Some(text), true).await
            }
            None => {
                let text = l.tr(lang, "admin-check-failed", &[]);
                answer(tx, ctx, chat_id, q, Some(text), true).await
            }
        },
        CallbackData::Forget { .. } => Ok(()),
    }
}

// ---- membership ----

async fn membership(tx: &Tx, ctx: &Ctx, u: &ChatMemberUpdated) -> Result {
    if u.chat.is_private() || u.chat.is_channel() {
        return Ok(());
    }
    let was_in = u.old_chat_member.kind.is_present();
    let is_in = u.new_chat_member.kind.is_present();
    if !is_in {
        tracing::info!(chat = u.chat.id.0, "the bot was removed from a chat");
        return Ok(());
    }
    let chat = records::save_chat(
        tx,
        &ctx.vault,
        u.chat.id.0,
        chat_kind(&u.chat),
        u.chat.title(),
    )
    .await?;
    if was_in {
        return Ok(()); // promoted or restricted: nothing to announce
    }
    tracing::info!(
        chat = chat.id,
        status = chat.status.as_str(),
        "the bot joined a chat"
    );
    let lang = person_lang(Some(&u.from), Some(&chat));
    let bot_is_admin = u.new_chat_member.kind.is_privileged();
    match chat.status {
        ChatStatus::Approved => post_notice(tx, ctx, &chat, lang, bot_is_admin).await,
        ChatStatus::Pending => {
            post_pending_notice(tx, ctx, &chat, lang).await?;
            if !ctx.me.can_read_all_group_messages && !bot_is_admin {
                let text = ctx.locales.tr(lang, "notice-privacy-mode", &[]);
                say(tx, ctx, chat.id, None, text, vec![], None).await?;
            }
            Ok(())
        }
        ChatStatus::Blocked => Ok(()),
    }
}
