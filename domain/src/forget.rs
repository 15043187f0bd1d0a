//! Erasure of one person (`/forget`, `tasktracker forget`).
//!
//! In one transaction: their messages and the tasks made from them, their
//! assignments on other people's tasks, pending outbox items that quote
//! them, their profile and blind-index entries (keeping only an opt-out
//! marker if they ask to stay opted out), and their data key, which makes
//! every copy of their data unreadable, backups included. A PII-free audit
//! entry records the counts. A second erasure finds nothing and is harmless.

use crate::records;
use crate::store::Db;
use crate::store::audit::{self, NewAuditEntry};
use crate::store::{StoreError, messages, outbox, people, privacy, tasks};
use crate::vault::{Vault, VaultError};

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
    /// Consent records.
    pub consents: u64,
    /// Whether a profile existed.
    pub profile: bool,
    /// Whether a data key was destroyed.
    pub key: bool,
}

/// Erases everything about the person with this Telegram user id.
pub async fn forget(
    db: &Db,
    vault: &Vault,
    telegram_user_id: i64,
    keep_opt_out: bool,
    actor: &str,
) -> Result<Erased, VaultError> {
    let index = vault.user_index(telegram_user_id);
    let tx = db.begin_write().await?;
    let mut erased = Erased::default();
    if let Some(person) = people::get_by_index(&tx, &index).await? {
        erased.profile = true;
        erased.messages = messages::count_for_person(&tx, person.id).await?;
        erased.tasks = tasks::count_for_author(&tx, person.id).await?;
        erased.assignments =
            tasks::remove_assignee(&tx, person.id, person.username_index.as_deref()).await?;
        erased.outbox = outbox::delete_pending_for_person(&tx, person.id).await?;
        // Messages, the tasks made from them and the outbox items quoting
        // them go by cascade with the person.
        people::delete(&tx, person.id).await?;
        erased.key = records::shred_person_key(&tx, vault, &person).await?;
    }
    erased.consents = privacy::erase(&tx, &index, keep_opt_out).await?;
    audit::append(
        &tx,
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
    tx.commit().await?;
    Ok(erased)
}
