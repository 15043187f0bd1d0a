//! Builders of realistic updates: `message`, `edited_message`,
//! `callback_query` and `my_chat_member`, with the fields Telegram fills in
//! (chat type, `from.language_code`, entities for /commands and @mentions,
//! `reply_to_message`, `forward_origin`, captions).
//!
//! `build()` returns the update JSON without queueing it (for
//! [`FakeTelegram::push_many`]); `push()` queues it and returns its
//! `update_id`. Message ids come from the chat's counter, which the bot's own
//! messages share, as in Telegram.

use serde_json::{Value, json};

use super::FakeTelegram;
use super::methods::embeddable;
use super::model::{MemberStatus, TgChat, TgUser};
use super::state::State;

/// The `Chat` object for an update from `from` in `chat_id`.
fn chat_json(s: &State, chat_id: i64, from: &TgUser) -> Value {
    match s.chats.get(&chat_id) {
        Some(c) => c.chat.to_json(),
        None if chat_id == from.id => TgChat::private(from).to_json(),
        None => TgChat::from_id(chat_id).to_json(),
    }
}

/// Entities Telegram's clients mark in plain text: `bot_command` for
/// `/word` (with an optional `@botname`) and `mention` for `@username`, at
/// the start of a word. Offsets and lengths are in UTF-16 code units.
pub fn detect_entities(text: &str) -> Vec<Value> {
    let mut entities = Vec::new();
    let mut offset = 0; // UTF-16 position of `c`
    let mut prev: Option<char> = None;
    for (i, c) in text.char_indices() {
        let at_word_start = prev.is_none_or(char::is_whitespace);
        if at_word_start && (c == '/' || c == '@') {
            let rest = &text[i + 1..];
            let word = |s: &str| {
                s.find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
                    .unwrap_or(s.len())
            };
            let mut len = word(rest);
            if c == '/' && len > 0 && rest[len..].starts_with('@') {
                let bot = word(&rest[len + 1..]);
                if bot > 0 {
                    len += 1 + bot;
                }
            }
            let (kind, valid) = match c {
                '/' => ("bot_command", (1..=64).contains(&len)),
                _ => ("mention", (5..=32).contains(&len)),
            };
            if valid {
                entities.push(json!({"type": kind, "offset": offset, "length": len + 1}));
            }
        }
        offset += c.len_utf16();
        prev = Some(c);
    }
    entities
}

/// A `message` or `edited_message` update.
#[derive(Debug)]
#[must_use = "call .push() or .build()"]
pub struct MessageBuilder<'a> {
    fake: &'a FakeTelegram,
    chat_id: i64,
    from: TgUser,
    text: String,
    edit_of: Option<i64>,
    message_id: Option<i64>,
    date: Option<i64>,
    reply_to: Option<i64>,
    forward_origin: Option<Value>,
    caption: bool,
}

impl<'a> MessageBuilder<'a> {
    pub(crate) fn new(
        fake: &'a FakeTelegram,
        chat_id: i64,
        from: &TgUser,
        text: &str,
        edit_of: Option<i64>,
    ) -> MessageBuilder<'a> {
        MessageBuilder {
            fake,
            chat_id,
            from: from.clone(),
            text: text.to_owned(),
            edit_of,
            message_id: None,
            date: None,
            reply_to: None,
            forward_origin: None,
            caption: false,
        }
    }

    /// Uses this message id instead of the chat's next one.
    pub fn message_id(mut self, id: i64) -> Self {
        self.message_id = Some(id);
        self
    }

    /// Sets the date (unix seconds; default: the fake's now).
    pub fn date(mut self, unix: i64) -> Self {
        self.date = Some(unix);
        self
    }

    /// Makes it a reply to a message of the same chat; the stored message
    /// (as it is now) becomes `reply_to_message`.
    pub fn reply_to(mut self, message_id: i64) -> Self {
        self.reply_to = Some(message_id);
        self
    }

    /// Forwarded from a user (`forward_origin` of type `user`).
    pub fn forwarded_from(mut self, user: &TgUser) -> Self {
        self.forward_origin = Some(json!({
            "type": "user", "date": self.fake.now() - 3600, "sender_user": user.to_json(),
        }));
        self
    }

    /// Forwarded from a user who hides their account (`hidden_user`).
    pub fn forwarded_from_hidden(mut self, name: &str) -> Self {
        self.forward_origin = Some(json!({
            "type": "hidden_user", "date": self.fake.now() - 3600, "sender_user_name": name,
        }));
        self
    }

    /// Makes the text a photo's caption (`caption`, `caption_entities`).
    pub fn as_caption(mut self) -> Self {
        self.caption = true;
        self
    }

    /// The update, without queueing it.
    pub fn build(self) -> Value {
        let mut s = self.fake.shared.lock();
        let now = s.now();
        let chat = chat_json(&s, self.chat_id, &self.from);
        let id = match (self.message_id, self.edit_of) {
            (Some(id), _) | (None, Some(id)) => id,
            (None, None) => s.next_message_id(self.chat_id),
        };
        let original_date = self
            .edit_of
            .and_then(|m| s.stored_message(self.chat_id, m))
            .map(|m| m.date);
        let mut m = json!({
            "message_id": id,
            "from": self.from.to_json(),
            "chat": chat,
            "date": self.date.or(original_date).unwrap_or(now),
        });
        let entities = detect_entities(&self.text);
        let (text_key, entities_key) = if self.caption {
            m["photo"] = json!([{
                "file_id": format!("AgACAgIAAxkBAAIphoto{id}"),
                "file_unique_id": format!("AQADphoto{id}"),
                "width": 1280, "height": 960, "file_size": 123_456,
            }]);
            ("caption", "caption_entities")
        } else {
            ("text", "entities")
        };
        m[text_key] = json!(self.text);
        if !entities.is_empty() {
            m[entities_key] = Value::Array(entities);
        }
        if let Some(target) = self.reply_to {
            m["reply_to_message"] = embeddable(&s, self.chat_id, target).unwrap_or_else(|| {
                json!({"message_id": target, "chat": m["chat"].clone(), "date": now, "text": ""})
            });
        }
        if let Some(origin) = self.forward_origin {
            m["forward_origin"] = origin;
        }
        if self.edit_of.is_some() {
            m["edit_date"] = json!(now);
            json!({"edited_message": m})
        } else {
            json!({"message": m})
        }
    }

    /// Queues the update; returns its `update_id`.
    pub fn push(self) -> i64 {
        let fake = self.fake;
        fake.push_update(self.build())
    }
}

/// A `callback_query` update: `from` pressed a button carrying `data` under
/// a message.
#[derive(Debug)]
#[must_use = "call .push() or .build()"]
pub struct CallbackQueryBuilder<'a> {
    fake: &'a FakeTelegram,
    chat_id: i64,
    from: TgUser,
    message_id: i64,
    data: String,
}

impl<'a> CallbackQueryBuilder<'a> {
    pub(crate) fn new(
        fake: &'a FakeTelegram,
        chat_id: i64,
        from: &TgUser,
        message_id: i64,
        data: &str,
    ) -> CallbackQueryBuilder<'a> {
        CallbackQueryBuilder {
            fake,
            chat_id,
            from: from.clone(),
            message_id,
            data: data.to_owned(),
        }
    }

    /// The update, without queueing it. The query's id is fresh; the
    /// message is the stored one, or an inaccessible message (`date` 0) when
    /// the fake does not know it.
    pub fn build(self) -> Value {
        let mut s = self.fake.shared.lock();
        let id = s.next_callback_id();
        let chat = chat_json(&s, self.chat_id, &self.from);
        let message = s
            .stored_message(self.chat_id, self.message_id)
            .map(|m| m.json.clone())
            .unwrap_or_else(|| json!({"chat": chat, "message_id": self.message_id, "date": 0}));
        json!({"callback_query": {
            "id": id,
            "from": self.from.to_json(),
            "message": message,
            "chat_instance": format!("{}", self.chat_id.unsigned_abs().wrapping_mul(2_654_435_761)),
            "data": self.data,
        }})
    }

    /// Queues the update; returns its `update_id`.
    pub fn push(self) -> i64 {
        let fake = self.fake;
        fake.push_update(self.build())
    }

    /// Queues the update; returns the callback query's id (what
    /// `answerCallbackQuery` must name).
    pub fn push_returning_id(self) -> String {
        let fake = self.fake;
        let update = self.build();
        let id = update["callback_query"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        fake.push_update(update);
        id
    }
}

/// A `my_chat_member` update: the bot's own membership changed.
#[derive(Debug)]
#[must_use = "call .push() or .build()"]
pub struct ChatMemberBuilder<'a> {
    fake: &'a FakeTelegram,
    chat: Option<TgChat>,
    chat_id: i64,
    from: TgUser,
    old: Option<MemberStatus>,
    new: MemberStatus,
}

impl<'a> ChatMemberBuilder<'a> {
    pub(crate) fn new(
        fake: &'a FakeTelegram,
        chat_id: i64,
        from: &TgUser,
        new: MemberStatus,
    ) -> ChatMemberBuilder<'a> {
        ChatMemberBuilder {
            fake,
            chat: None,
            chat_id,
            from: from.clone(),
            old: None,
            new,
        }
    }

    /// Describes the chat (title, type) instead of inferring it from the id.
    pub fn chat(mut self, chat: TgChat) -> Self {
        self.chat_id = chat.id;
        self.chat = Some(chat);
        self
    }

    /// The old status (default: the bot's current status there, or `left`
    /// in a chat the fake has not seen).
    pub fn old_status(mut self, old: MemberStatus) -> Self {
        self.old = Some(old);
        self
    }

    /// The update, without queueing it. Queueing it also sets the bot's
    /// status in the chat, so getChatMember agrees.
    pub fn build(self) -> Value {
        let s = self.fake.shared.lock();
        let known = s.chats.get(&self.chat_id);
        let chat = match &self.chat {
            Some(c) => c.to_json(),
            None => chat_json(&s, self.chat_id, &self.from),
        };
        let old = self
            .old
            .or(known.map(|c| c.bot_status))
            .unwrap_or(MemberStatus::Left);
        let bot = s.bot.user.to_json();
        json!({"my_chat_member": {
            "chat": chat,
            "from": self.from.to_json(),
            "date": s.now(),
            "old_chat_member": old.member_json(&bot),
            "new_chat_member": self.new.member_json(&bot),
        }})
    }

    /// Queues the update; returns its `update_id`.
    pub fn push(self) -> i64 {
        let fake = self.fake;
        fake.push_update(self.build())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_use_utf16_offsets() {
        let e = detect_entities("Привіт 👋 /tasks@tt_bot and @alice_b, not a/b or @bob");
        assert_eq!(
            e,
            vec![
                json!({"type": "bot_command", "offset": 10, "length": 13}),
                json!({"type": "mention", "offset": 28, "length": 8}),
            ]
        );
        assert_eq!(detect_entities("/done 5")[0]["length"], 5);
    }
}
