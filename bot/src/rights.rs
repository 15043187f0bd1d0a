//! The data-subject commands in Telegram: /export and /forget, in a private
//! chat (the processor refuses them in groups before they get here).
//!
//! /export reserves an export under the persisted limit and queues a
//! `sendExport` job in the outbox, in the processor's transaction; the
//! sender builds the files outside any transaction and sends them (see
//! [`send_export`]). /forget opens an erasure request that expires and
//! asks for confirmation with two buttons; "erase" runs the erasure in the
//! processor's transaction.

use std::path::Path;

use chrono::Utc;
use domain::export::{self, ExportOptions};
use domain::i18n::{Arg, Lang};
use domain::requests::{self, RequestError};
use domain::store::{Tx, people, privacy};
use teloxide::prelude::*;
use teloxide::types::{CallbackQuery, InputFile, User};

use crate::card::CallbackData;
use crate::context::Ctx;
use crate::handlers::user_id;
use crate::outgoing::{Button, Request, Target};

type Result<T = ()> = anyhow::Result<T>;

async fn queue(tx: &Tx, ctx: &Ctx, chat_id: i64, req: Request, person_id: Option<i64>) -> Result {
    domain::records::enqueue_request(
        tx,
        &ctx.vault,
        &domain::records::OutgoingRequest {
            chat_id,
            method: req.method().to_owned(),
            params: req.params(),
            person_id,
            task_id: None,
        },
    )
    .await?;
    Ok(())
}

fn message(chat_id: i64, text: String) -> Request {
    Request::SendMessage {
        chat_id,
        text,
        reply_to_message_id: None,
        buttons: vec![],
    }
}

/// /export in a private chat.
pub async fn export(tx: &Tx, ctx: &Ctx, from: &User, chat_id: i64, lang: Lang) -> Result {
    let l = &ctx.locales;
    let uid = user_id(from);
    let limit = ctx.privacy.export_limit();
    match requests::reserve_export_in(tx, &ctx.vault, uid, &limit, Utc::now()).await {
        Ok(request) => {
            let person = people::get_by_index(tx, &ctx.vault.user_index(uid)).await?;
            let person_id = person.map(|p| p.id);
            queue(
                tx,
                ctx,
                chat_id,
                message(chat_id, l.tr(lang, "export-preparing", &[])),
                None,
            )
            .await?;
            let job = Request::SendExport {
                chat_id,
                telegram_user_id: uid,
                request_id: request.id,
                lang: lang.code().to_owned(),
            };
            queue(tx, ctx, chat_id, job, person_id).await
        }
        Err(RequestError::ExportLimited { next_allowed_at }) => {
            let time = next_allowed_at.format("%Y-%m-%d %H:%M").to_string();
            let text = l.tr(lang, "export-refused", &[("time", Arg::Str(&time))]);
            queue(tx, ctx, chat_id, message(chat_id, text), None).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Builds an export and sends its parts as documents (through the
/// throttled bot), then records it delivered. Runs in the sender, outside
/// any transaction; the files live in a private temporary directory that is
/// removed at once. An error leaves the outbox item to be retried.
pub async fn send_export<B>(
    ctx: &Ctx,
    bot: &B,
    chat_id: i64,
    telegram_user_id: i64,
    request_id: i64,
    lang: Lang,
) -> Result
where
    B: Requester,
    B::Err: std::error::Error + Send + Sync + 'static,
{
    let dir = tempfile::Builder::new()
        .prefix("tasktracker-export-")
        .tempdir()?;
    restrict(dir.path())?;
    let opts = ExportOptions {
        part_limit: ctx.privacy.export_part_bytes(),
        lang: Some(lang),
    };
    let summary = export::write_to_dir(
        &ctx.db,
        &ctx.vault,
        &ctx.locales,
        telegram_user_id,
        request_id,
        dir.path(),
        &opts,
    )
    .await?;
    let l = &ctx.locales;
    let date = summary.generated_at.format("%Y-%m-%d").to_string();
    let parts = i64::try_from(summary.parts.len()).unwrap_or(i64::MAX);
    for (i, path) in summary.parts.iter().enumerate() {
        let caption = l.tr(
            lang,
            "export-caption",
            &[
                ("date", Arg::Str(&date)),
                ("part", Arg::Num(i64::try_from(i + 1).unwrap_or(i64::MAX))),
                ("parts", Arg::Num(parts)),
            ],
        );
        bot.send_document(ChatId(chat_id), InputFile::file(path.clone()))
            .caption(caption)
            .await?;
    }
    requests::complete_export(&ctx.db, request_id, &summary.delivered(), "bot", Utc::now()).await?;
    let messages = i64::try_from(summary.counts.messages).unwrap_or(i64::MAX);
    let text = l.tr(
        lang,
        "export-done",
        &[("messages", Arg::Num(messages)), ("parts", Arg::Num(parts))],
    );
    bot.send_message(ChatId(chat_id), text).await?;
    Ok(())
}

#[cfg(unix)]
fn restrict(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

#[cfg(not(unix))]
fn restrict(_dir: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Records that an export could not be delivered and tells the person.
pub async fn export_failed(
    tx: &Tx,
    ctx: &Ctx,
    chat_id: i64,
    request_id: i64,
    lang: Lang,
    why: &str,
) -> Result {
    requests::fail_export_in(tx, request_id, why, Utc::now()).await?;
    let text = ctx.locales.tr(lang, "export-failed", &[]);
    queue(tx, ctx, chat_id, message(chat_id, text), None).await
}

/// /forget in a private chat: asks for confirmation.
pub async fn forget(tx: &Tx, ctx: &Ctx, from: &User, chat_id: i64, lang: Lang) -> Result {
    let l = &ctx.locales;
    let ttl = ctx.privacy.forget_confirm_timeout();
    let request = requests::open_erasure_in(tx, &ctx.vault, user_id(from), ttl, Utc::now()).await?;
    let minutes = ttl.num_minutes().max(1);
    let text = l.tr(lang, "forget-confirm", &[("minutes", Arg::Num(minutes))]);
    let buttons = vec![vec![
        Button::new(
            l.tr(lang, "forget-button-confirm", &[]),
            CallbackData::Forget {
                request: request.id,
                confirm: true,
            }
            .encode(),
        ),
        Button::new(
            l.tr(lang, "forget-button-cancel", &[]),
            CallbackData::Forget {
                request: request.id,
                confirm: false,
            }
            .encode(),
        ),
    ]];
    let req = Request::SendMessage {
        chat_id,
        text,
        reply_to_message_id: None,
        buttons,
    };
    queue(tx, ctx, chat_id, req, None).await
}

/// A press of a /forget confirmation button: erase, or cancel.
#[allow(clippy::too_many_arguments)]
pub async fn forget_answer(
    tx: &Tx,
    ctx: &Ctx,
    q: &CallbackQuery,
    chat_id: i64,
    message_id: i32,
    request: i64,
    confirm: bool,
    lang: Lang,
) -> Result {
    let l = &ctx.locales;
    let uid = user_id(&q.from);
    let now = Utc::now();
    let result = if confirm {
        let index = ctx.vault.user_index(uid);
        let keep_opt_out = privacy::is_opted_out(tx, &index).await?;
        requests::confirm_erasure_in(tx, &ctx.vault, uid, request, keep_opt_out, "telegram", now)
            .await
            .map(|erased| {
                if erased.found_anything() {
                    let n = |v: u64| Arg::Num(i64::try_from(v).unwrap_or(i64::MAX));
                    l.tr(
                        lang,
                        "forget-done",
                        &[
                            ("messages", n(erased.messages)),
                            ("tasks", n(erased.tasks)),
                            ("assignments", n(erased.assignments)),
                            ("replies", n(erased.outbox + erased.sent)),
                        ],
                    )
                } else {
                    l.tr(lang, "forget-nothing", &[])
                }
            })
    } else {
        requests::cancel_erasure_in(tx, &ctx.vault, uid, request, now)
            .await
            .map(|_| l.tr(lang, "forget-cancelled", &[]))
    };
    let text = match result {
        Ok(text) => text,
        Err(RequestError::Expired { .. }) => l.tr(lang, "forget-expired", &[]),
        Err(
            RequestError::NotFound | RequestError::Closed { .. } | RequestError::WrongKind { .. },
        ) => l.tr(lang, "forget-closed", &[]),
        Err(RequestError::NotYours) => {
            let answer = Request::AnswerCallbackQuery {
                callback_query_id: q.id.0.clone(),
                text: Some(l.tr(lang, "not-yours", &[])),
                show_alert: true,
            };
            return queue(tx, ctx, chat_id, answer, None).await;
        }
        Err(e) => return Err(e.into()),
    };
    let edit = Request::EditMessageText {
        chat_id,
        target: Target::Message { message_id },
        text,
        buttons: vec![],
    };
    queue(tx, ctx, chat_id, edit, None).await?;
    let answer = Request::AnswerCallbackQuery {
        callback_query_id: q.id.0.clone(),
        text: None,
        show_alert: false,
    };
    queue(tx, ctx, chat_id, answer, None).await
}
