//! Personal records, encrypted: the layer over the repositories that seals
//! what it writes and opens what it reads, so callers handle plain values
//! and the database only ever sees ciphertext and blind indexes.

use chrono::{DateTime, Utc};

use crate::store::messages::{self, Captured, NewMessage, StoredMessage};
use crate::store::people::{self, Person, PersonUpsert};
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
