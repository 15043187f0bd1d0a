//! Erasure of one person (`/forget` once confirmed, `tasktracker forget`).
//!
//! In one transaction: their messages and the tasks made from them, their
//! assignments on other people's tasks, pending outbox items that quote
//! them, the bot's sent messages that quoted them (a `deleteMessage` is
//! queued for those sent in a group less than 48 hours ago, the longest
//! Telegram lets a bot delete), their profile and every row keyed by their
//! blind index (consents, data-subject requests; only an opt-out marker
//! stays if they ask to stay opted out), and their data key, which makes
//! every copy of their data unreadable, backups included. A PII-free audit
//! entry records the counts and is all that remains. A second erasure finds
//! nothing and is harmless.

use chrono::{DateTime, Utc};

use crate::records::{self, OutgoingRequest};
use crate::store::audit::{self, NewAuditEntry};
use crate::store::inbox::{self, InboxStatus};
use crate::store::outbox::OutboxStatus;
use crate::store::{Db, StoreError, Tx, now};
use crate::store::{messages, outbox, people, privacy, subject_requests, tasks};
use crate::vault::{Vault, VaultError, aad};

/// How long after sending Telegram lets a bot delete a message.
pub const DELETE_WINDOW: chrono::Duration = chrono::Duration::hours(48);

/// What an erasure removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Erased {
    /// Messages.
    pub messages: u64,
    /// Tasks made from those messages.
    pub tasks: u64,
    /// Assignments on other tasks.
    pub assignments: u64,
    /// Pending outbox items that quoted the person.
    pub outbox: u64,
    /// The bot's sent messages that quoted the person, forgotten.
    pub sent: u64,
    /// Of those, the ones still in a group chat and less than 48 hours old,
    /// for which a `deleteMessage` was queued.
    pub deletions: u64,
    /// Task cards that named them as the one who closed the task, queued to
    /// be shown again without their name.
    pub unnamed: u64,
    /// Consent records.
    pub consents: u64,
    /// Data-subject requests (exports and erasures, this one included).
    pub requests: u64,
    /// Raw updates of theirs still queued in the inbox (not applied yet, or
    /// dead letters), deleted.
    pub queued: u64,
    /// Whether a profile existed.
    pub profile: bool,
    /// Whether a data key was destroyed.
    pub key: bool,
}

impl Erased {
    /// Whether anything was stored about the person.
    pub fn found_anything(&self) -> bool {
        self.profile || self.consents > 0 || self.requests > 0 || self.queued > 0
    }
}

/// Erases everything about the person with this Telegram user id, at once.
pub async fn forget(
    db: &Db,
    vault: &Vault,
    telegram_user_id: i64,
    keep_opt_out: bool,
    actor: &str,
) -> Result<Erased, VaultError> {
    let tx = db.begin_write().await?;
    let erased = erase(
        &tx,
        vault,
        &vault.user_index(telegram_user_id),
        keep_opt_out,
        Queued::PendingAndDead,
        now(),
    )
    .await?;
    record(&tx, actor, &erased).await?;
    tx.commit().await?;
    Ok(erased)
}

/// Which of the person's raw updates still in the inbox an erasure drops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Queued {
    /// Pending and dead ones: the erasure comes from outside the bot (the
    /// CLI), so their pending updates were sent before it.
    PendingAndDead,
    /// Dead ones only: the erasure runs inside the processor's transaction,
    /// which applies updates in order, so every update of theirs still
    /// pending came after their confirmation (and the one being applied is
    /// the confirmation itself).
    DeadOnly,
}

/// The erasure itself, in the caller's transaction. `now` decides which
/// sent messages are young enough to delete.
pub(crate) async fn erase(
    tx: &Tx,
    vault: &Vault,
    index: &[u8],
    keep_opt_out: bool,
    queued: Queued,
    now: DateTime<Utc>,
) -> Result<Erased, VaultError> {
    subject_requests::lock_person(tx, index).await?;
    // Replies deferred in this transaction are rows before anything here
    // reads or cascades over the outbox.
    outbox::flush(tx).await?;
    let mut erased = Erased::default();
    if let Some(person) = people::get_by_index(tx, index).await? {
        erased.profile = true;
        erased.messages = messages::count_for_person(tx, person.id).await?;
        erased.tasks = tasks::count_for_author(tx, person.id).await?;
        erased.assignments =
            tasks::remove_assignee(tx, person.id, person.username_index.as_deref()).await?;
        erased.outbox = outbox::delete_pending_for_person(tx, person.id).await?
            + outbox::delete_pending_for_tasks_of(tx, person.id).await?;
        // The bot's replies quoting them stay visible in their chats: delete
        // those Telegram still lets us delete. The request names only ids, so
        // it is sealed under the system key and outlives the person.
        for (chat_id, message_id) in
            outbox::sent_in_groups_since(tx, person.id, now - DELETE_WINDOW).await?
        {
            records::enqueue_request(
                tx,
                vault,
                &OutgoingRequest {
                    chat_id,
                    method: "deleteMessage".into(),
                    params: serde_json::json!({ "chat_id": chat_id, "message_id": message_id }),
                    person_id: None,
                    task_id: None,
                },
            )
            .await?;
            erased.deletions += 1;
        }
        // Cards they closed say "Done by <them>": the sender renders them
        // again, naming no one (the request names only ids).
        for (chat_id, task_id) in outbox::cards_closed_by(tx, person.id).await? {
            records::enqueue_request(
                tx,
                vault,
                &OutgoingRequest {
                    chat_id,
                    method: "refreshCard".into(),
                    params: serde_json::json!({ "chat_id": chat_id, "task_id": task_id }),
                    person_id: None,
                    task_id: Some(task_id),
                },
            )
            .await?;
            erased.unnamed += 1;
        }
        erased.sent = outbox::delete_for_person(tx, person.id, OutboxStatus::Sent).await?;
        // Messages, the tasks made from them and the remaining outbox items
        // quoting them go by cascade with the person.
        people::delete(tx, person.id).await?;
        erased.key = records::shred_person_key(tx, vault, &person).await?;
    }
    erased.queued = drop_queued_updates(tx, vault, index, queued).await?;
    erased.consents = privacy::erase(tx, index, keep_opt_out).await?;
    erased.requests = subject_requests::delete_for(tx, index).await?;
    Ok(erased)
}

/// Deletes the raw updates the person sent that still wait in the inbox:
/// dead letters, and pending ones when the erasure comes from outside the
/// bot (see [`Queued`]). Applied rows hold no
/// payload any more (see `inbox::mark_done_many`). A row is theirs when they
/// are the update's actor (`from` of the message, edit, button press or
/// membership change). Updates of other people that merely quote them (a
/// reply) are left to be applied; their quote is not stored when applied.
async fn drop_queued_updates(
    tx: &Tx,
    vault: &Vault,
    index: &[u8],
    queued: Queued,
) -> Result<u64, VaultError> {
    const PAGE: u64 = 500;
    let statuses: &[InboxStatus] = match queued {
        Queued::PendingAndDead => &[InboxStatus::Pending, InboxStatus::Dead],
        Queued::DeadOnly => &[InboxStatus::Dead],
    };
    let mut theirs = Vec::new();
    let mut after = i64::MIN;
    loop {
        let rows = inbox::queued_after(tx, statuses, after, PAGE).await?;
        let Some(last) = rows.last() else { break };
        after = last.update_id;
        for row in &rows {
            if row.payload.is_empty() {
                continue;
            }
            let Ok(plain) = vault
                .open(tx, &aad::inbox_payload(row.update_id), &row.payload)
                .await
            else {
                continue; // unreadable: nothing of anyone can be read from it
            };
            let Ok(update) = serde_json::from_slice::<serde_json::Value>(plain.expose()) else {
                continue;
            };
            if actor_of(&update).is_some_and(|id| vault.user_index(id).as_slice() == index) {
                theirs.push(row.update_id);
            }
        }
        if rows.len() < PAGE as usize {
            break;
        }
    }
    Ok(inbox::delete(tx, &theirs).await?)
}

/// The Telegram user id of whoever an update comes from.
fn actor_of(update: &serde_json::Value) -> Option<i64> {
    let obj = update.as_object()?;
    obj.iter()
        .filter(|(k, _)| k.as_str() != "update_id")
        .find_map(|(_, v)| v.get("from")?.get("id")?.as_i64())
}

/// The PII-free audit entry of an erasure.
pub(crate) async fn record(tx: &Tx, actor: &str, erased: &Erased) -> Result<(), StoreError> {
    audit::append(
        tx,
        NewAuditEntry {
            actor: actor.to_owned(),
            action: "privacy.forget".into(),
            // Never the person: the entry must outlive them without naming them.
            subject: None,
            details: serde_json::to_value(erased)
                .map_err(|e| StoreError::Invalid(format!("cannot record the erasure: {e}")))?,
        },
    )
    .await?;
    Ok(())
}
