//! The data-subject commands in Telegram: /export and /forget (in a private
//! chat), with the confirmation buttons of /forget.

use domain::i18n::Lang;
use domain::store::Tx;
use teloxide::types::{CallbackQuery, User};

use crate::context::Ctx;

/// /export in a private chat.
pub async fn export(
    _tx: &Tx,
    _ctx: &Ctx,
    _from: &User,
    _chat_id: i64,
    _lang: Lang,
) -> anyhow::Result<()> {
    Ok(())
}

/// /forget in a private chat: asks for confirmation.
pub async fn forget(
    _tx: &Tx,
    _ctx: &Ctx,
    _from: &User,
    _chat_id: i64,
    _lang: Lang,
) -> anyhow::Result<()> {
    Ok(())
}

/// A press of a /forget confirmation button.
#[allow(clippy::too_many_arguments)]
pub async fn forget_answer(
    _tx: &Tx,
    _ctx: &Ctx,
    _q: &CallbackQuery,
    _chat_id: i64,
    _message_id: i32,
    _request: i64,
    _confirm: bool,
    _lang: Lang,
) -> anyhow::Result<()> {
    Ok(())
}
