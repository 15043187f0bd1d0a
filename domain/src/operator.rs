//! What operators change, from the console or the command line: each change
//! in one writing transaction together with the audit entry that names the
//! operator, so a change is never recorded without happening or the other
//! way round.
//!
//! Audit entries carry ids, names of providers and settings, never personal
//! data or secrets (an API key is recorded only as "set", "kept" or
//! "removed").

use std::time::{Duration, Instant};

use crate::Secret;
use crate::classify::openai::{self, ProviderError};
use crate::classify::{Classification, MessageInput};
use crate::records;
use crate::store::audit::{self, NewAuditEntry};
use crate::store::chats::{self, Chat, ChatStatus, ReplyMode};
use crate::store::inbox::{self, InboxStatus};
use crate::store::outbox::{self, OutboxStatus};
use crate::store::providers::{self, Provider, ProviderSpec};
use crate::store::retention::{self, RetentionPolicy};
use crate::store::{Db, StoreError, Tx};
use crate::vault::{Vault, VaultError};

/// Who an audit entry names: `SURFACE:USER`, with `@ADDRESS` when the
/// operator came in over SSH (the first word of `SSH_CLIENT`, or of
/// `SSH_CONNECTION`). `env` is the process environment, passed in by the
/// binary: this crate reads no environment variables.
pub fn actor(surface: &str, env: &[(String, String)]) -> String {
    let var = |name: &str| {
        env.iter()
            .find(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.as_str())
    };
    let user = var("USER").or_else(|| var("LOGNAME")).unwrap_or("unknown");
    let address = var("SSH_CLIENT")
        .or_else(|| var("SSH_CONNECTION"))
        .and_then(|v| v.split_whitespace().next());
    match address {
        Some(a) => format!("{surface}:{user}@{a}"),
        None => format!("{surface}:{user}"),
    }
}

async fn record(
    tx: &Tx,
    actor: &str,
    action: &str,
    subject: String,
    details: serde_json::Value,
) -> Result<(), StoreError> {
    audit::append(
        tx,
        NewAuditEntry {
            actor: actor.to_owned(),
            action: action.to_owned(),
            subject: Some(subject),
            details,
        },
    )
    .await?;
    Ok(())
}

/// Approves or blocks a chat (or puts it back to pending), creating its row
/// when the operator decides before the bot saw the chat. Returns false,
/// changing and auditing nothing, when the chat already has that status.
pub async fn decide_chat(
    db: &Db,
    chat_id: i64,
    status: ChatStatus,
    actor: &str,
) -> Result<bool, StoreError> {
    let tx = db.begin_write().await?;
    let before = chats::get(&tx, chat_id).await?.map(|c| c.status);
    if before == Some(status) {
        return Ok(false);
    }
    chats::set_status(&tx, chat_id, status, actor).await?;
    let verb = match status {
        ChatStatus::Approved => "approve",
        ChatStatus::Blocked => "block",
        ChatStatus::Pending => "reset",
    };
    record(
        &tx,
        actor,
        &format!("chat.{verb}"),
        format!("chat:{chat_id}"),
        serde_json::json!({ "from": before.map(|s| s.as_str()) }),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

async fn existing_chat(tx: &Tx, chat_id: i64) -> Result<Chat, StoreError> {
    chats::get(tx, chat_id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("chat {chat_id}")))
}

/// Sets how the bot answers in a chat.
pub async fn set_reply_mode(
    db: &Db,
    chat_id: i64,
    mode: ReplyMode,
    actor: &str,
) -> Result<Chat, StoreError> {
    let tx = db.begin_write().await?;
    let before = existing_chat(&tx, chat_id).await?;
    let chat = chats::set_reply_mode(&tx, chat_id, mode).await?;
    record(
        &tx,
        actor,
        "chat.reply_mode",
        format!("chat:{chat_id}"),
        serde_json::json!({ "from": before.reply_mode.as_str(), "to": mode.as_str() }),
    )
    .await?;
    tx.commit().await?;
    Ok(chat)
}

/// Sets the confidence a result needs in a chat for a card or reaction (0 to 1).
pub async fn set_confidence_threshold(
    db: &Db,
    chat_id: i64,
    value: f64,
    actor: &str,
) -> Result<Chat, StoreError> {
    let tx = db.begin_write().await?;
    let before = existing_chat(&tx, chat_id).await?;
    let chat = chats::set_confidence_threshold(&tx, chat_id, value).await?;
    record(
        &tx,
        actor,
        "chat.confidence_threshold",
        format!("chat:{chat_id}"),
        serde_json::json!({ "from": before.confidence_threshold, "to": value }),
    )
    .await?;
    tx.commit().await?;
    Ok(chat)
}

/// Sets or clears a chat's retention override. An override outside the
/// policy's bounds is refused (the purge would clamp it anyway, and the
/// operator should see the number that applies).
pub async fn set_chat_retention(
    db: &Db,
    chat_id: i64,
    days: Option<i32>,
    actor: &str,
) -> Result<Chat, StoreError> {
    let tx = db.begin_write().await?;
    let policy = retention::policy(&tx).await?;
    if let Some(d) = days
        && !(policy.min_days..=policy.max_days).contains(&d)
    {
        return Err(StoreError::Invalid(format!(
            "a retention of {d} days is outside the bounds: chats may keep messages {} to {} days",
            policy.min_days, policy.max_days
        )));
    }
    let before = existing_chat(&tx, chat_id).await?;
    let chat = chats::set_retention_days(&tx, chat_id, days).await?;
    record(
        &tx,
        actor,
        "chat.retention",
        format!("chat:{chat_id}"),
        serde_json::json!({ "from": before.retention_days, "to": days }),
    )
    .await?;
    tx.commit().await?;
    Ok(chat)
}

/// Replaces the global retention policy (default and bounds).
pub async fn set_retention_policy(
    db: &Db,
    policy: RetentionPolicy,
    actor: &str,
) -> Result<(), StoreError> {
    policy.check()?;
    let tx = db.begin_write().await?;
    let before = retention::policy(&tx).await?;
    retention::set_policy(&tx, policy).await?;
    record(
        &tx,
        actor,
        "retention.policy",
        "retention_policy".to_owned(),
        serde_json::json!({
            "from": { "default": before.default_days, "min": before.min_days, "max": before.max_days },
            "to": { "default": policy.default_days, "min": policy.min_days, "max": policy.max_days },
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What becomes of a provider's API key when it is saved.
#[derive(Debug, Clone)]
pub enum ApiKeyChange {
    /// Keep the stored key (sealed again if the provider is renamed).
    Keep,
    /// Store this key, encrypted.
    Set(Secret),
    /// Store no key (a keyless local server).
    Remove,
}

/// A provider as an operator enters it: like [`ProviderSpec`], with the API
/// key in plain text (a [`Secret`]) instead of sealed. Its `Debug` shows the
/// base URL redacted (it may hold a password or a key) and the key as
/// `[redacted]`.
#[derive(Clone)]
pub struct ProviderInput {
    /// Unique name.
    pub name: String,
    /// API dialect (`openai`).
    pub kind: String,
    /// Base URL.
    pub base_url: String,
    /// Model.
    pub model: String,
    /// The API key.
    pub api_key: ApiKeyChange,
    /// Timeout in milliseconds.
    pub timeout_ms: u32,
    /// Requests per minute.
    pub requests_per_minute: u32,
    /// PII redaction.
    pub redact_pii: bool,
    /// The default provider.
    pub is_default: bool,
    /// Enabled.
    pub enabled: bool,
}

impl std::fmt::Debug for ProviderInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderInput")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("base_url", &crate::config::redact_endpoint(&self.base_url))
            .field("model", &self.model)
            .field("api_key", &self.api_key)
            .field("timeout_ms", &self.timeout_ms)
            .field("requests_per_minute", &self.requests_per_minute)
            .field("redact_pii", &self.redact_pii)
            .field("is_default", &self.is_default)
            .field("enabled", &self.enabled)
            .finish()
    }
}

/// Adds (`id` `None`) or changes a provider, sealing its API key under the
/// system key bound to the provider's name. Renaming a provider that keeps
/// its key opens the key under the old name and seals it under the new one.
/// Every save moves `updated_at`, which is how the bot notices the change.
pub async fn save_provider(
    db: &Db,
    vault: &Vault,
    id: Option<i64>,
    input: ProviderInput,
    actor: &str,
) -> Result<Provider, VaultError> {
    let tx = db.begin_write().await?;
    let before = match id {
        Some(id) => Some(
            providers::get(&tx, id)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("provider {id}")))?,
        ),
        None => None,
    };
    let (api_key_ct, key_note) = match (&input.api_key, &before) {
        (ApiKeyChange::Set(key), _) if !key.is_empty() => (
            Some(records::seal_provider_key(&tx, vault, &input.name, key).await?),
            "set",
        ),
        (ApiKeyChange::Set(_) | ApiKeyChange::Remove, Some(old)) if old.api_key_ct.is_some() => {
            (None, "removed")
        }
        (ApiKeyChange::Set(_) | ApiKeyChange::Remove, _) | (ApiKeyChange::Keep, None) => {
            (None, "none")
        }
        (ApiKeyChange::Keep, Some(old)) => match records::provider_key(&tx, vault, old).await? {
            Some(key) if old.name != input.name => (
                Some(records::seal_provider_key(&tx, vault, &input.name, &key).await?),
                "kept",
            ),
            Some(_) => (old.api_key_ct.clone(), "kept"),
            None => (None, "none"),
        },
    };
    let spec = ProviderSpec {
        name: input.name,
        kind: input.kind,
        base_url: input.base_url,
        model: input.model,
        api_key_ct,
        timeout_ms: input.timeout_ms,
        requests_per_minute: input.requests_per_minute,
        redact_pii: input.redact_pii,
        is_default: input.is_default,
        enabled: input.enabled,
    };
    let saved = match &before {
        Some(old) => providers::update(&tx, old.id, spec).await?,
        None => providers::create(&tx, spec).await?,
    };
    let mut details = serde_json::json!({
        "name": saved.name,
        "base_url": crate::config::redact_endpoint(&saved.base_url),
        "model": saved.model,
        "api_key": key_note,
        "timeout_ms": saved.timeout_ms,
        "requests_per_minute": saved.requests_per_minute,
        "redact_pii": saved.redact_pii,
        "default": saved.is_default,
        "enabled": saved.enabled,
    });
    if let Some(old) = &before
        && old.name != saved.name
    {
        details["renamed_from"] = serde_json::Value::String(old.name.clone());
    }
    record(
        &tx,
        actor,
        if before.is_some() {
            "provider.update"
        } else {
            "provider.create"
        },
        format!("provider:{}", saved.id),
        details,
    )
    .await?;
    tx.commit().await?;
    Ok(saved)
}

/// Deletes a provider. Returns false (auditing nothing) when it was gone.
pub async fn delete_provider(db: &Db, id: i64, actor: &str) -> Result<bool, StoreError> {
    let tx = db.begin_write().await?;
    let Some(p) = providers::get(&tx, id).await? else {
        return Ok(false);
    };
    providers::delete(&tx, id).await?;
    record(
        &tx,
        actor,
        "provider.delete",
        format!("provider:{id}"),
        serde_json::json!({ "name": p.name }),
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// What a connection test found.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderTest {
    /// How long the classification took, retries included.
    pub latency: Duration,
    /// The provider's classification of the sample, or why there was none.
    pub result: Result<Classification, ProviderError>,
}

/// Sends one sample message to a provider with a fresh client (its own
/// circuit breaker, so a test is never refused by the bot's open circuit)
/// and records the outcome in the provider's health columns. A provider that
/// cannot even be configured (a key that no longer opens, a bad URL) is
/// reported as the error, not as a failure of the test itself.
pub async fn test_provider(
    db: &Db,
    vault: &Vault,
    id: i64,
    sample: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<ProviderTest, VaultError> {
    let p = providers::get(db, id)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("provider {id}")))?;
    let key = records::provider_key(db, vault, &p).await?;
    let started = Instant::now();
    let result = match openai::Settings::from_provider(&p, key).and_then(openai::Client::new) {
        Ok(client) => {
            client
                .classify(&MessageInput {
                    text: sample,
                    sent_at: now,
                    tz: chrono_tz::UTC,
                })
                .await
        }
        Err(e) => Err(e),
    };
    let latency = started.elapsed();
    let tx = db.begin_write().await?;
    let outcome = match &result {
        Ok(_) => Ok(()),
        Err(e) => Err(e.to_string()),
    };
    providers::record_health(
        &tx,
        id,
        outcome.as_ref().map(|_| ()).map_err(String::as_str),
        None,
    )
    .await?;
    tx.commit().await?;
    Ok(ProviderTest { latency, result })
}

/// The two queues that keep dead letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Queue {
    /// Updates from Telegram the processor could not apply.
    Inbox,
    /// Requests to Telegram the sender could not deliver.
    Outbox,
}

impl Queue {
    /// `inbox` or `outbox`, as audit subjects name them.
    pub fn as_str(self) -> &'static str {
        match self {
            Queue::Inbox => "inbox",
            Queue::Outbox => "outbox",
        }
    }
}

/// A dead letter as an operator sees it: what it is and why it died, never
/// its payload (which stays sealed: it holds message text).
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    /// Its queue.
    pub queue: Queue,
    /// The update id (inbox) or the row id (outbox).
    pub id: i64,
    /// The update's kind (`message`, `callback_query`, …) or the Bot API
    /// method (`sendMessage`, …).
    pub kind: String,
    /// The chat it was for (outbox only: an inbox row's chat is inside its
    /// sealed payload).
    pub chat_id: Option<i64>,
    /// Failed attempts.
    pub attempts: i32,
    /// The last failure.
    pub last_error: Option<String>,
    /// When it was received (inbox) or written (outbox).
    pub queued_at: chrono::DateTime<chrono::Utc>,
}

/// The dead letters, inbox first, each queue oldest first and at most
/// `limit` of each.
pub async fn dead_letters(db: &Db, limit: u64) -> Result<Vec<DeadLetter>, StoreError> {
    let mut out: Vec<DeadLetter> = inbox::list_dead(db, limit)
        .await?
        .into_iter()
        .map(|r| DeadLetter {
            queue: Queue::Inbox,
            id: r.update_id,
            kind: r.kind,
            chat_id: None,
            attempts: r.attempts,
            last_error: r.last_error,
            queued_at: r.received_at,
        })
        .collect();
    out.extend(
        outbox::list_dead(db, limit)
            .await?
            .into_iter()
            .map(|r| DeadLetter {
                queue: Queue::Outbox,
                id: r.id,
                kind: r.method,
                chat_id: Some(r.chat_id),
                attempts: r.attempts,
                last_error: r.last_error,
                queued_at: r.created_at,
            }),
    );
    Ok(out)
}

/// What an audit entry says about a dead letter: its kind and attempts,
/// never its error text or payload.
async fn dead_letter_details(
    tx: &Tx,
    queue: Queue,
    id: i64,
) -> Result<Option<serde_json::Value>, StoreError> {
    Ok(match queue {
        Queue::Inbox => inbox::get(tx, id)
            .await?
            .filter(|r| r.status == InboxStatus::Dead)
            .map(|r| serde_json::json!({ "kind": r.kind, "attempts": r.attempts })),
        Queue::Outbox => outbox::get(tx, id)
            .await?
            .filter(|r| r.status == OutboxStatus::Dead)
            .map(|r| {
                serde_json::json!({
                    "method": r.method,
                    "chat_id": r.chat_id,
                    "attempts": r.attempts,
                })
            }),
    })
}

/// Puts a dead letter back in its queue: pending, attempts reset, due now,
/// so the running bot takes it up again. Returns false, changing and
/// auditing nothing, when it is not dead (any more).
pub async fn requeue_dead_letter(
    db: &Db,
    queue: Queue,
    id: i64,
    actor: &str,
) -> Result<bool, StoreError> {
    let tx = db.begin_write().await?;
    let Some(details) = dead_letter_details(&tx, queue, id).await? else {
        return Ok(false);
    };
    match queue {
        Queue::Inbox => inbox::requeue(&tx, id).await?,
        Queue::Outbox => outbox::requeue(&tx, id).await?,
    };
    record(
        &tx,
        actor,
        "dead_letter.requeue",
        format!("{}:{id}", queue.as_str()),
        details,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Puts every dead letter of both queues back, as [`requeue_dead_letter`]
/// does, in one transaction with one audit entry. Returns how many of each
/// (inbox, outbox); with none, nothing is audited.
pub async fn requeue_all_dead_letters(db: &Db, actor: &str) -> Result<(u64, u64), StoreError> {
    let tx = db.begin_write().await?;
    let inbox_n = inbox::requeue_all_dead(&tx).await?;
    let outbox_n = outbox::requeue_all_dead(&tx).await?;
    if inbox_n + outbox_n == 0 {
        return Ok((0, 0));
    }
    record(
        &tx,
        actor,
        "dead_letter.requeue_all",
        "dead_letters".to_owned(),
        serde_json::json!({ "inbox": inbox_n, "outbox": outbox_n }),
    )
    .await?;
    tx.commit().await?;
    Ok((inbox_n, outbox_n))
}

/// Deletes a dead letter for good (it is never applied or sent). Returns
/// false, changing and auditing nothing, when it is not dead (any more).
pub async fn discard_dead_letter(
    db: &Db,
    queue: Queue,
    id: i64,
    actor: &str,
) -> Result<bool, StoreError> {
    let tx = db.begin_write().await?;
    let Some(details) = dead_letter_details(&tx, queue, id).await? else {
        return Ok(false);
    };
    let gone = match queue {
        Queue::Inbox => inbox::discard_dead(&tx, id).await?,
        Queue::Outbox => outbox::discard_dead(&tx, id).await?,
    };
    if !gone {
        return Ok(false);
    }
    record(
        &tx,
        actor,
        "dead_letter.discard",
        format!("{}:{id}", queue.as_str()),
        details,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn actors_name_the_user_and_the_ssh_client() {
        assert_eq!(
            actor("console", &env(&[("USER", "olena")])),
            "console:olena"
        );
        assert_eq!(
            actor(
                "console",
                &env(&[
                    ("USER", "olena"),
                    ("SSH_CLIENT", "203.0.113.7 52144 22"),
                    ("SSH_CONNECTION", "198.51.100.1 1 2 22"),
                ])
            ),
            "console:olena@203.0.113.7"
        );
        assert_eq!(
            actor(
                "console",
                &env(&[
                    ("LOGNAME", "ops"),
                    ("SSH_CONNECTION", "2001:db8::1 5 2001:db8::2 22")
                ])
            ),
            "console:ops@2001:db8::1"
        );
        assert_eq!(actor("cli", &env(&[("SSH_CLIENT", " ")])), "cli:unknown");
    }
}
