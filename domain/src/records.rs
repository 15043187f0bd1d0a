//! Personal records, encrypted: the layer over the repositories that seals
//! what it writes and opens what it reads, so callers handle plain values
//! and the database only ever sees ciphertext and blind indexes.

use chrono::{DateTime, Utc};

use crate::Secret;
use crate::classify::Classification;
use crate::store::chats::{self, Chat, ChatKind};
use crate::store::messages::{self, Captured, NewMessage, StoredMessage};
use crate::store::outbox::{self, NewOutbox, OutboxItem};
use crate::store::people::{self, Person, PersonUpsert};
use crate::store::providers::Provider;
use crate::store::tasks::{self, Assignee, NewTask, Task};
use crate::store::{Conn, Tx, keys};
use crate::vault::{Vault, VaultError, aad};

/// What Telegram tells about a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    /// Telegram user id (hashed into a blind index; never stored in clear).
    pub telegram_user_id: i64,
    /// First and last name.
    pub name: String,
    /// @username without the `@`.
    pub username: Option<String>,
    /// Telegram's `language_code`.
    pub language_code: Option<String>,
}

/// Creates the person, with their own data key, or refreshes their profile.
pub async fn save_person(tx: &Tx, vault: &Vault, p: &Profile) -> Result<Person, VaultError> {
    let index = vault.user_index(p.telegram_user_id);
    let existing = people::get_by_index(tx, &index).await?;
    let key_id = match existing.as_ref().and_then(|e| e.key_id) {
        Some(k) => k,
        None => vault.create_person_key(tx).await?,
    };
    let name_ct = vault
        .seal(tx, key_id, &aad::person_name(&index), p.name.as_bytes())
        .await?;
    let username_ct = match &p.username {
        Some(u) => Some(
            vault
                .seal(tx, key_id, &aad::person_username(&index), u.as_bytes())
                .await?,
        ),
        None => None,
    };
    let person = people::upsert(
        tx,
        PersonUpsert {
            user_index: index,
            key_id: Some(key_id),
            name_ct: Some(name_ct),
            username_ct,
            username_index: p.username.as_deref().map(|u| vault.handle_index(u)),
            language_code: p.language_code.clone(),
        },
    )
    .await?;
    if person.key_id != Some(key_id) {
        // An existing row without a key got one just now.
        people::set_key(tx, person.id, Some(key_id)).await?;
        return Ok(Person {
            key_id: Some(key_id),
            ..person
        });
    }
    Ok(person)
}

/// The person with this Telegram user id.
pub async fn find_person(
    c: &impl Conn,
    vault: &Vault,
    telegram_user_id: i64,
) -> Result<Option<Person>, VaultError> {
    Ok(people::get_by_index(c, &vault.user_index(telegram_user_id)).await?)
}

/// A person's profile, decrypted.
pub async fn profile(
    c: &impl Conn,
    vault: &Vault,
    person: &Person,
) -> Result<(Option<String>, Option<String>), VaultError> {
    let name = match &person.name_ct {
        Some(ct) => Some(
            vault
                .open_text(c, &aad::person_name(&person.user_index), ct)
                .await?,
        ),
        None => None,
    };
    let username = match &person.username_ct {
        Some(ct) => Some(
            vault
                .open_text(c, &aad::person_username(&person.user_index), ct)
                .await?,
        ),
        None => None,
    };
    Ok((name, username))
}

/// A message to capture, in plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingMessage<'a> {
    /// Telegram chat id (the chat row must exist).
    pub chat_id: i64,
    /// Telegram message id.
    pub message_id: i64,
    /// Telegram's date.
    pub sent_at: DateTime<Utc>,
    /// Text or caption.
    pub text: &'a str,
    /// The message it replies to.
    pub reply_to_message_id: Option<i64>,
    /// Whether it was forwarded.
    pub is_forwarded: bool,
}

/// Stores a message under its author's key; a redelivery changes nothing.
pub async fn capture_message(
    tx: &Tx,
    vault: &Vault,
    author: &Person,
    m: &IncomingMessage<'_>,
) -> Result<Captured, VaultError> {
    let key_id = author.key_id.ok_or(VaultError::Erased)?;
    let text_ct = vault
        .seal(
            tx,
            key_id,
            &aad::message_text(m.chat_id, m.message_id),
            m.text.as_bytes(),
        )
        .await?;
    Ok(messages::capture(
        tx,
        NewMessage {
            chat_id: m.chat_id,
            message_id: m.message_id,
            person_id: author.id,
            sent_at: m.sent_at,
            text_ct,
            reply_to_message_id: m.reply_to_message_id,
            is_forwarded: m.is_forwarded,
        },
    )
    .await?)
}

/// Applies an edit by `author`: the new text sealed in place of the old.
/// `None` when the message is not stored or the edit is not newer than the
/// last one applied (edits can be redelivered out of order).
pub async fn edit_message(
    tx: &Tx,
    vault: &Vault,
    author: &Person,
    chat_id: i64,
    message_id: i64,
    text: &str,
    edited_at: DateTime<Utc>,
) -> Result<Option<StoredMessage>, VaultError> {
    let key_id = author.key_id.ok_or(VaultError::Erased)?;
    let text_ct = vault
        .seal(
            tx,
            key_id,
            &aad::message_text(chat_id, message_id),
            text.as_bytes(),
        )
        .await?;
    Ok(messages::apply_edit(tx, chat_id, message_id, text_ct, edited_at).await?)
}

/// A stored message's text, decrypted; [`VaultError::Erased`] once its
/// author's key is gone.
pub async fn message_text(
    c: &impl Conn,
    vault: &Vault,
    m: &StoredMessage,
) -> Result<String, VaultError> {
    vault
        .open_text(c, &aad::message_text(m.chat_id, m.message_id), &m.text_ct)
        .await
}

/// Deletes a person's data key: every ciphertext under it becomes unreadable,
/// in backups too (crypto-shredding). Returns whether there was a key.
pub async fn shred_person_key(tx: &Tx, vault: &Vault, person: &Person) -> Result<bool, VaultError> {
    let Some(key_id) = person.key_id else {
        return Ok(false);
    };
    let deleted = keys::delete_data_key(tx, key_id).await?;
    vault.evict(key_id);
    Ok(deleted)
}

/// Records that the bot saw a chat, with its title sealed under the system key.
pub async fn save_chat(
    tx: &Tx,
    vault: &Vault,
    chat_id: i64,
    kind: ChatKind,
    title: Option<&str>,
) -> Result<Chat, VaultError> {
    let title_ct = match title {
        Some(t) => Some(
            vault
                .seal_system(tx, &aad::chat_title(chat_id), t.as_bytes())
                .await?,
        ),
        None => None,
    };
    Ok(chats::record_seen(tx, chat_id, kind, title_ct).await?)
}

/// A chat's title, decrypted.
pub async fn chat_title(
    c: &impl Conn,
    vault: &Vault,
    chat: &Chat,
) -> Result<Option<String>, VaultError> {
    match &chat.title_ct {
        Some(ct) => Ok(Some(
            vault.open_text(c, &aad::chat_title(chat.id), ct).await?,
        )),
        None => Ok(None),
    }
}

/// A task to create from a captured message, in plain text.
#[derive(Debug, Clone, PartialEq)]
pub struct PlainTask {
    /// What the message was recognised as, with title, priority, due date,
    /// assignees and confidence.
    pub classification: Classification,
    /// A longer description, if any.
    pub description: Option<String>,
}

/// Creates a task from `source` (a stored message by `author`): title and
/// description sealed under the author's key, so erasing the author erases
/// them; assignees' handles sealed under the system key and indexed, and
/// linked to the people the bot knows by those handles.
pub async fn create_task(
    tx: &Tx,
    vault: &Vault,
    author: &Person,
    source: &StoredMessage,
    t: &PlainTask,
) -> Result<Task, VaultError> {
    let key_id = author.key_id.ok_or(VaultError::Erased)?;
    let c = &t.classification;
    let title_ct = vault
        .seal(
            tx,
            key_id,
            &aad::task_title(source.chat_id, source.id),
            c.title.as_bytes(),
        )
        .await?;
    let description_ct = match &t.description {
        Some(d) => Some(
            vault
                .seal(
                    tx,
                    key_id,
                    &aad::task_description(source.chat_id, source.id),
                    d.as_bytes(),
                )
                .await?,
        ),
        None => None,
    };
    // The task id is part of each assignee's binding, so the assignees are
    // written once it exists.
    let task = tasks::create(
        tx,
        NewTask {
            chat_id: source.chat_id,
            message_id: Some(source.id),
            kind: c.kind,
            title_ct,
            description_ct,
            priority: c.priority,
            due_date: c.due,
            confidence: f64::from(c.confidence).clamp(0.0, 1.0),
            classifier: c.classifier.clone(),
            assignees: vec![],
        },
    )
    .await?;
    write_assignees(tx, vault, &task, &c.assignees).await?;
    Ok(task)
}

/// Seals and indexes a task's assignees' handles, linked to the people the
/// bot knows by those handles.
async fn write_assignees(
    tx: &Tx,
    vault: &Vault,
    task: &Task,
    handles: &[String],
) -> Result<(), VaultError> {
    let mut assignees = Vec::with_capacity(handles.len());
    for (position, handle) in handles.iter().enumerate() {
        let position = i64::try_from(position).unwrap_or(i64::MAX);
        let handle_index = vault.handle_index(handle);
        let person_id = people::find_by_username_index(tx, &handle_index)
            .await?
            .first()
            .map(|p| p.id);
        assignees.push(Assignee {
            handle_ct: vault
                .seal_system(
                    tx,
                    &aad::assignee_handle(task.id, position),
                    handle.as_bytes(),
                )
                .await?,
            handle_index,
            person_id,
        });
    }
    tasks::add_assignees(tx, task.id, assignees).await?;
    Ok(())
}

/// Replaces the classification of `task` after its source message (by
/// `author`) was edited: new title sealed in place, assignees rewritten.
pub async fn reclassify_task(
    tx: &Tx,
    vault: &Vault,
    author: &Person,
    task: &Task,
    c: &Classification,
) -> Result<Task, VaultError> {
    let key_id = author.key_id.ok_or(VaultError::Erased)?;
    let source = task.message_id.unwrap_or(0);
    let title_ct = vault
        .seal(
            tx,
            key_id,
            &aad::task_title(task.chat_id, source),
            c.title.as_bytes(),
        )
        .await?;
    let updated = tasks::reclassify(
        tx,
        task.id,
        tasks::Reclassified {
            kind: c.kind,
            title_ct,
            priority: c.priority,
            due_date: c.due,
            confidence: f64::from(c.confidence).clamp(0.0, 1.0),
            classifier: c.classifier.clone(),
        },
    )
    .await?;
    write_assignees(tx, vault, &updated, &c.assignees).await?;
    Ok(updated)
}

/// A task's title, decrypted; [`VaultError::Erased`] once its author's key is gone.
pub async fn task_title(c: &impl Conn, vault: &Vault, task: &Task) -> Result<String, VaultError> {
    let source = task.message_id.unwrap_or(0);
    vault
        .open_text(c, &aad::task_title(task.chat_id, source), &task.title_ct)
        .await
}

/// A task's assignees' handles, decrypted, in mention order.
pub async fn task_assignees(
    c: &impl Conn,
    vault: &Vault,
    task: &Task,
) -> Result<Vec<String>, VaultError> {
    let mut out = Vec::new();
    // Each handle is bound to its stored position, which keeps a gap where
    // an erased person's assignment was removed.
    for a in tasks::assignees_of(c, &[task.id]).await? {
        out.push(
            vault
                .open_text(
                    c,
                    &aad::assignee_handle(task.id, i64::from(a.position)),
                    &a.assignee.handle_ct,
                )
                .await?,
        );
    }
    Ok(out)
}

/// A provider's API key sealed under the system key, for `ProviderSpec::api_key_ct`.
pub async fn seal_provider_key(
    c: &impl Conn,
    vault: &Vault,
    provider_name: &str,
    api_key: &Secret,
) -> Result<Vec<u8>, VaultError> {
    vault
        .seal_system(
            c,
            &aad::provider_api_key(provider_name),
            api_key.expose().as_bytes(),
        )
        .await
}

/// A provider's API key, decrypted (`None` for a keyless local server).
pub async fn provider_key(
    c: &impl Conn,
    vault: &Vault,
    provider: &Provider,
) -> Result<Option<Secret>, VaultError> {
    match &provider.api_key_ct {
        Some(ct) => Ok(Some(Secret::new(
            vault
                .open_text(c, &aad::provider_api_key(&provider.name), ct)
                .await?,
        ))),
        None => Ok(None),
    }
}

/// A Bot API request to queue in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct OutgoingRequest {
    /// The chat it goes to (for Throttle's per-chat limits and for erasure).
    pub chat_id: i64,
    /// The Bot API method, e.g. `sendMessage`.
    pub method: String,
    /// The method's parameters, exactly as they will be sent.
    pub params: serde_json::Value,
    /// The person whose data it quotes: the payload is sealed under their
    /// key (so erasing them shreds it) and erasure removes it.
    pub person_id: Option<i64>,
    /// The task it reports.
    pub task_id: Option<i64>,
}

/// Queues a request in the outbox, its parameters sealed (see
/// [`aad::outbox_payload_nonce`]). Returns the outbox id.
pub async fn enqueue_request(
    tx: &Tx,
    vault: &Vault,
    r: &OutgoingRequest,
) -> Result<i64, VaultError> {
    let key_id = request_key(tx, vault, r).await?;
    let item = seal_request(tx, vault, r, key_id).await?;
    Ok(outbox::enqueue(tx, item).await?)
}

/// [`enqueue_request`] for a request quoting `person`, whose row the caller
/// holds (saves looking up their key). `r.person_id` must be theirs.
pub async fn enqueue_request_for(
    tx: &Tx,
    vault: &Vault,
    r: &OutgoingRequest,
    person: &Person,
) -> Result<i64, VaultError> {
    let key_id = person_key(r, person)?;
    let item = seal_request(tx, vault, r, key_id).await?;
    Ok(outbox::enqueue(tx, item).await?)
}

/// [`enqueue_request`], the row written with the transaction's next outbox
/// statement or its commit (see `outbox::defer`): what the processor uses,
/// so that a batch's replies are one INSERT.
pub async fn defer_request(tx: &Tx, vault: &Vault, r: &OutgoingRequest) -> Result<(), VaultError> {
    let key_id = request_key(tx, vault, r).await?;
    outbox::defer(tx, seal_request(tx, vault, r, key_id).await?);
    Ok(())
}

/// [`defer_request`] for a request quoting `person`, whose row the caller
/// holds. `r.person_id` must be theirs.
pub async fn defer_request_for(
    tx: &Tx,
    vault: &Vault,
    r: &OutgoingRequest,
    person: &Person,
) -> Result<(), VaultError> {
    let key_id = person_key(r, person)?;
    outbox::defer(tx, seal_request(tx, vault, r, key_id).await?);
    Ok(())
}

/// The key a request is sealed under: its person's, else the system key.
async fn request_key(tx: &Tx, vault: &Vault, r: &OutgoingRequest) -> Result<i64, VaultError> {
    match r.person_id {
        Some(pid) => people::get(tx, pid)
            .await?
            .and_then(|p| p.key_id)
            .ok_or(VaultError::Erased),
        None => Ok(vault.system_key()),
    }
}

fn person_key(r: &OutgoingRequest, person: &Person) -> Result<i64, VaultError> {
    if r.person_id != Some(person.id) {
        return Err(VaultError::Inconsistent(
            "an outbox request quoting one person sealed for another".to_owned(),
        ));
    }
    person.key_id.ok_or(VaultError::Erased)
}

/// The row for `r`, its parameters sealed under `key_id` and bound to a
/// fresh nonce (so no row id is needed).
async fn seal_request(
    tx: &Tx,
    vault: &Vault,
    r: &OutgoingRequest,
    key_id: i64,
) -> Result<NewOutbox, VaultError> {
    let plain = serde_json::to_vec(&r.params)
        .map_err(|e| VaultError::Inconsistent(format!("outbox parameters: {e}")))?;
    let nonce = vault.random_nonce()?;
    let payload = vault
        .seal(tx, key_id, &aad::outbox_payload_nonce(&nonce), &plain)
        .await?;
    Ok(NewOutbox {
        chat_id: r.chat_id,
        method: r.method.clone(),
        payload,
        person_id: r.person_id,
        task_id: r.task_id,
        payload_nonce: Some(nonce.to_vec()),
    })
}

/// The parameters of a queued request, decrypted. [`VaultError::Erased`]
/// once the person it quoted was erased.
pub async fn request_params(
    c: &impl Conn,
    vault: &Vault,
    item: &OutboxItem,
) -> Result<serde_json::Value, VaultError> {
    let aad = aad::outbox_payload_of(item.id, item.payload_nonce.as_deref());
    let plain = vault.open(c, &aad, &item.payload).await?;
    serde_json::from_slice(plain.expose())
        .map_err(|e| VaultError::Inconsistent(format!("outbox parameters: {e}")))
}
