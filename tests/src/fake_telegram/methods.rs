//! The Bot API methods the fake implements (all but `getUpdates`, which
//! waits and lives in `updates.rs`). Each is a plain function of the state;
//! error descriptions are Telegram's own wording, so clients that match on
//! them (teloxide's `ApiError`) see what they would see in production.

use serde_json::{Map, Value, json};

use super::model::{ChatKind, MemberStatus};
use super::params::Params;
use super::state::{MyCommands, State, UploadedFile};

/// A Bot API error: `error_code`, `description`, and `retry_after` for 429.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub code: u16,
    pub description: String,
    pub retry_after: Option<u32>,
}

impl ApiError {
    pub fn new(code: u16, description: &str) -> ApiError {
        ApiError {
            code,
            description: description.to_owned(),
            retry_after: None,
        }
    }

    pub fn bad_request(what: &str) -> ApiError {
        ApiError::new(400, &format!("Bad Request: {what}"))
    }

    pub fn forbidden(what: &str) -> ApiError {
        ApiError::new(403, &format!("Forbidden: {what}"))
    }

    pub fn not_found() -> ApiError {
        ApiError::new(404, "Not Found")
    }

    pub fn too_many_requests(retry_after: u32) -> ApiError {
        ApiError {
            code: 429,
            description: format!("Too Many Requests: retry after {retry_after}"),
            retry_after: Some(retry_after),
        }
    }

    /// The response envelope.
    pub fn envelope(&self) -> Value {
        let mut v = json!({"ok": false, "error_code": self.code, "description": self.description});
        if let Some(r) = self.retry_after {
            v["parameters"] = json!({"retry_after": r});
        }
        v
    }
}

type Reply = Result<Value, ApiError>;

/// Methods the fake knows, as Telegram spells them.
const KNOWN: &[&str] = &[
    "getMe",
    "getUpdates",
    "sendMessage",
    "sendDocument",
    "editMessageText",
    "editMessageReplyMarkup",
    "answerCallbackQuery",
    "setMessageReaction",
    "setMyCommands",
    "getMyCommands",
    "deleteMyCommands",
    "getChatMember",
    "getChatAdministrators",
    "deleteMessage",
    "sendChatAction",
    "deleteWebhook",
    "getWebhookInfo",
];

/// Telegram's method names are case-insensitive; this returns the
/// documented spelling of a known method, or `None`.
pub(crate) fn canonical(method: &str) -> Option<&'static str> {
    KNOWN
        .iter()
        .copied()
        .find(|k| k.eq_ignore_ascii_case(method))
}

/// Emoji Telegram accepts in `ReactionTypeEmoji`.
const REACTION_EMOJI: &[&str] = &[
    "❤",
    "👍",
    "👎",
    "🔥",
    "🥰",
    "👏",
    "😁",
    "🤔",
    "🤯",
    "😱",
    "🤬",
    "😢",
    "🎉",
    "🤩",
    "🤮",
    "💩",
    "🙏",
    "👌",
    "🕊",
    "🤡",
    "🥱",
    "🥴",
    "😍",
    "🐳",
    "❤\u{200d}🔥",
    "🌚",
    "🌭",
    "💯",
    "🤣",
    "⚡",
    "🍌",
    "🏆",
    "💔",
    "🤨",
    "😐",
    "🍓",
    "🍾",
    "💋",
    "🖕",
    "😈",
    "😴",
    "😭",
    "🤓",
    "👻",
    "👨\u{200d}💻",
    "👀",
    "🎃",
    "🙈",
    "😇",
    "😨",
    "🤝",
    "✍",
    "🤗",
    "🫡",
    "🎅",
    "🎄",
    "☃",
    "💅",
    "🤪",
    "🗿",
    "🆒",
    "💘",
    "🙉",
    "🦄",
    "😘",
    "💊",
    "🙊",
    "😎",
    "👾",
    "🤷\u{200d}♂",
    "🤷",
    "🤷\u{200d}♀",
    "😡",
];

/// Telegram's limits.
const MAX_TEXT: usize = 4096;
const MAX_CAPTION: usize = 1024;
const MAX_UPLOAD: usize = 50 * 1024 * 1024;
const DELETE_WINDOW_SECS: i64 = 48 * 3600;

/// Handles one call of a known method other than `getUpdates`.
pub(crate) fn dispatch(s: &mut State, method: &str, p: &Params, files: &[UploadedFile]) -> Reply {
    match method {
        "getMe" => Ok(s.bot.me_json()),
        "sendMessage" => send_message(s, p),
        "sendDocument" => send_document(s, p, files),
        "editMessageText" => edit_message(s, p, true),
        "editMessageReplyMarkup" => edit_message(s, p, false),
        "answerCallbackQuery" => answer_callback_query(s, p),
        "setMessageReaction" => set_message_reaction(s, p),
        "setMyCommands" => set_my_commands(s, p),
        "getMyCommands" => get_my_commands(s, p),
        "deleteMyCommands" => delete_my_commands(s, p),
        "getChatMember" => get_chat_member(s, p),
        "getChatAdministrators" => get_chat_administrators(s, p),
        "deleteMessage" => delete_message(s, p),
        "sendChatAction" => target_chat(s, p).map(|_| json!(true)),
        "deleteWebhook" => Ok(json!(true)),
        "getWebhookInfo" => Ok(json!({
            "url": "", "has_custom_certificate": false,
            "pending_update_count": s.pending_count(),
        })),
        _ => Err(ApiError::not_found()),
    }
}

fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// The `chat_id` of a call, as a chat the fake knows.
fn chat_id(s: &State, p: &Params) -> Result<i64, ApiError> {
    if let Some(id) = p.i64("chat_id") {
        return if s.chats.contains_key(&id) {
            Ok(id)
        } else {
            Err(ApiError::bad_request("chat not found"))
        };
    }
    match p.str("chat_id") {
        Some(name) if name.starts_with('@') => s
            .chats
            .values()
            .find(|c| c.chat.username.as_deref() == Some(&name[1..]))
            .map(|c| c.chat.id)
            .ok_or_else(|| ApiError::bad_request("chat not found")),
        _ => Err(ApiError::bad_request("chat_id is empty")),
    }
}

/// A chat the bot may write to.
fn target_chat(s: &State, p: &Params) -> Result<i64, ApiError> {
    let id = chat_id(s, p)?;
    let chat = &s.chats[&id];
    let place = match chat.chat.kind {
        ChatKind::Supergroup => "supergroup chat",
        ChatKind::Channel => "channel chat",
        _ => "group chat",
    };
    match (chat.chat.kind, chat.bot_status) {
        (ChatKind::Private, MemberStatus::Kicked | MemberStatus::Left) => {
            Err(ApiError::forbidden("bot was blocked by the user"))
        }
        (_, MemberStatus::Kicked) => Err(ApiError::forbidden(&format!(
            "bot was kicked from the {place}"
        ))),
        (_, MemberStatus::Left) => Err(ApiError::forbidden(&format!(
            "bot is not a member of the {place}"
        ))),
        _ => Ok(id),
    }
}

fn message_id(p: &Params) -> Result<i64, ApiError> {
    p.i64("message_id")
        .ok_or_else(|| ApiError::bad_request("message identifier is not specified"))
}

/// A copy of a stored message fit to embed as `reply_to_message` (which
/// Telegram never nests further).
pub(crate) fn embeddable(s: &State, chat_id: i64, message_id: i64) -> Option<Value> {
    let mut m = s.stored_message(chat_id, message_id)?.json.clone();
    if let Some(o) = m.as_object_mut() {
        o.remove("reply_to_message");
    }
    Some(m)
}

/// The message a send replies to, from `reply_parameters` or the older
/// `reply_to_message_id`.
fn replied_message(s: &State, chat_id: i64, p: &Params) -> Result<Option<Value>, ApiError> {
    let (target, allow_missing) = match p.json("reply_parameters") {
        Some(rp) if rp.is_object() => (
            rp["message_id"].as_i64(),
            rp["allow_sending_without_reply"].as_bool().unwrap_or(false),
        ),
        _ => (
            p.i64("reply_to_message_id"),
            p.bool("allow_sending_without_reply").unwrap_or(false),
        ),
    };
    let Some(target) = target else {
        return Ok(None);
    };
    match embeddable(s, chat_id, target) {
        Some(m) => Ok(Some(m)),
        None if allow_missing => Ok(None),
        None => Err(ApiError::bad_request("message to be replied not found")),
    }
}

/// `reply_markup` as Telegram echoes it: only inline keyboards are part of
/// the returned message.
fn inline_markup(p: &Params) -> Option<Value> {
    p.json("reply_markup")
        .filter(|m| m.get("inline_keyboard").is_some())
}

/// Creates, stores and returns a message from the bot; `fields` adds the
/// content.
fn post(s: &mut State, chat_id: i64, p: &Params, fields: Map<String, Value>) -> Reply {
    let reply_to = replied_message(s, chat_id, p)?;
    let id = s.next_message_id(chat_id);
    let mut m = json!({
        "message_id": id,
        "from": s.bot.user.to_json(),
        "chat": s.chats[&chat_id].chat.to_json(),
        "date": s.now(),
    });
    if let Some(thread) = p.i64("message_thread_id") {
        m["message_thread_id"] = json!(thread);
    }
    if let Some(r) = reply_to {
        m["reply_to_message"] = r;
    }
    if let Some(markup) = inline_markup(p) {
        m["reply_markup"] = markup;
    }
    for (k, v) in fields {
        m[k] = v;
    }
    s.store_message(&m, true);
    Ok(m)
}

fn send_message(s: &mut State, p: &Params) -> Reply {
    let chat_id = target_chat(s, p)?;
    let text = p.text("text").unwrap_or_default();
    if text.trim().is_empty() {
        return Err(ApiError::bad_request("message text is empty"));
    }
    if utf16_len(&text) > MAX_TEXT {
        return Err(ApiError::bad_request("message is too long"));
    }
    let mut fields = Map::new();
    fields.insert("text".into(), json!(text));
    if let Some(e) = p.json("entities").filter(Value::is_array) {
        fields.insert("entities".into(), e);
    }
    post(s, chat_id, p, fields)
}

fn send_document(s: &mut State, p: &Params, files: &[UploadedFile]) -> Reply {
    let chat_id = target_chat(s, p)?;
    let n = s.next_file_id;
    s.next_file_id += 1;
    let document = if let Some(f) = files.iter().find(|f| f.field == "document") {
        if f.bytes.is_empty() {
            return Err(ApiError::bad_request("file must be non-empty"));
        }
        if f.bytes.len() > MAX_UPLOAD {
            return Err(ApiError::new(413, "Request Entity Too Large"));
        }
        let mut d = json!({
            "file_id": format!("BQACAgIAAxkBAAIfake{n:08}"),
            "file_unique_id": format!("AgADfake{n:08}"),
            "file_size": f.bytes.len(),
        });
        if let Some(name) = &f.file_name {
            d["file_name"] = json!(name);
        }
        if let Some(ct) = &f.content_type {
            d["mime_type"] = json!(ct);
        }
        d
    } else if let Some(file_id) = p.str("document") {
        json!({"file_id": file_id, "file_unique_id": format!("AgADfake{n:08}")})
    } else {
        return Err(ApiError::bad_request("there is no document in the request"));
    };
    let mut fields = Map::new();
    fields.insert("document".into(), document);
    if let Some(caption) = p.text("caption") {
        if utf16_len(&caption) > MAX_CAPTION {
            return Err(ApiError::bad_request("message caption is too long"));
        }
        fields.insert("caption".into(), json!(caption));
    }
    post(s, chat_id, p, fields)
}

/// editMessageText (`text = true`) and editMessageReplyMarkup.
fn edit_message(s: &mut State, p: &Params, text: bool) -> Reply {
    if p.has("inline_message_id") {
        return Ok(json!(true));
    }
    let chat_id = chat_id(s, p)?;
    let id = message_id(p)?;
    let now = s.now();
    let new_text = p.text("text").unwrap_or_default();
    if text && new_text.trim().is_empty() {
        return Err(ApiError::bad_request("message text is empty"));
    }
    let markup = inline_markup(p);
    let Some(stored) = s
        .chats
        .get_mut(&chat_id)
        .and_then(|c| c.messages.get_mut(&id))
    else {
        return Err(ApiError::bad_request("message to edit not found"));
    };
    if !stored.from_bot {
        return Err(ApiError::bad_request("message can't be edited"));
    }
    let m = &mut stored.json;
    let same_text = !text || m["text"].as_str() == Some(new_text.as_str());
    let same_markup = m.get("reply_markup") == markup.as_ref();
    if same_text && same_markup {
        return Err(ApiError::bad_request(
            "message is not modified: specified new message content and reply markup are \
             exactly the same as a current content and reply markup of the message",
        ));
    }
    if let Some(o) = m.as_object_mut() {
        if text {
            o.insert("text".into(), json!(new_text));
            match p.json("entities").filter(Value::is_array) {
                Some(e) => o.insert("entities".into(), e),
                None => o.remove("entities"),
            };
        }
        match markup {
            Some(k) => o.insert("reply_markup".into(), k),
            None => o.remove("reply_markup"),
        };
        o.insert("edit_date".into(), json!(now));
    }
    Ok(m.clone())
}

fn answer_callback_query(s: &mut State, p: &Params) -> Reply {
    let id = p.text("callback_query_id").unwrap_or_default();
    match s.callback_queries.get_mut(&id) {
        Some(answered) if !*answered => {
            *answered = true;
            Ok(json!(true))
        }
        _ => Err(ApiError::bad_request(
            "query is too old and response timeout expired or query ID is invalid",
        )),
    }
}

fn set_message_reaction(s: &mut State, p: &Params) -> Reply {
    let chat_id = chat_id(s, p)?;
    let id = message_id(p)?;
    let reaction = p.json("reaction").unwrap_or_else(|| json!([]));
    let Some(list) = reaction.as_array() else {
        return Err(ApiError::bad_request(
            "can't parse reaction types JSON object",
        ));
    };
    for r in list {
        let ok = match r["type"].as_str() {
            Some("emoji") => r["emoji"]
                .as_str()
                .is_some_and(|e| REACTION_EMOJI.contains(&e.trim_end_matches('\u{fe0f}'))),
            Some("custom_emoji" | "paid") => true,
            _ => false,
        };
        if !ok {
            return Err(ApiError::bad_request("REACTION_INVALID"));
        }
    }
    let Some(stored) = s
        .chats
        .get_mut(&chat_id)
        .and_then(|c| c.messages.get_mut(&id))
    else {
        return Err(ApiError::bad_request("message to react not found"));
    };
    stored.reaction = (!list.is_empty()).then_some(reaction);
    Ok(json!(true))
}

fn scope_and_language(p: &Params) -> (Value, String) {
    let scope = p
        .json("scope")
        .filter(Value::is_object)
        .unwrap_or_else(|| json!({"type": "default"}));
    (scope, p.text("language_code").unwrap_or_default())
}

fn set_my_commands(s: &mut State, p: &Params) -> Reply {
    let commands = p.json("commands").unwrap_or(Value::Null);
    let Some(list) = commands.as_array() else {
        return Err(ApiError::bad_request("can't parse commands JSON object"));
    };
    if list.len() > 100 {
        return Err(ApiError::bad_request("too many commands specified"));
    }
    for c in list {
        let name = c["command"].as_str().unwrap_or_default();
        let valid = (1..=32).contains(&name.len())
            && name
                .chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
        if !valid {
            return Err(ApiError::bad_request("BOT_COMMAND_INVALID"));
        }
        let description = c["description"].as_str().unwrap_or_default();
        if !(1..=256).contains(&description.chars().count()) {
            return Err(ApiError::bad_request("BOT_COMMAND_DESCRIPTION_INVALID"));
        }
    }
    let (scope, language_code) = scope_and_language(p);
    s.commands
        .retain(|c| !(c.scope == scope && c.language_code == language_code));
    s.commands.push(MyCommands {
        scope,
        language_code,
        commands,
    });
    Ok(json!(true))
}

fn get_my_commands(s: &mut State, p: &Params) -> Reply {
    let (scope, language_code) = scope_and_language(p);
    Ok(s.commands
        .iter()
        .find(|c| c.scope == scope && c.language_code == language_code)
        .map_or_else(|| json!([]), |c| c.commands.clone()))
}

fn delete_my_commands(s: &mut State, p: &Params) -> Reply {
    let (scope, language_code) = scope_and_language(p);
    s.commands
        .retain(|c| !(c.scope == scope && c.language_code == language_code));
    Ok(json!(true))
}

fn get_chat_member(s: &mut State, p: &Params) -> Reply {
    let chat_id = chat_id(s, p)?;
    let user_id = p
        .i64("user_id")
        .ok_or_else(|| ApiError::bad_request("user not found"))?;
    let chat = &s.chats[&chat_id];
    if user_id == s.bot.user.id {
        return Ok(chat.bot_status.member_json(&s.bot.user.to_json()));
    }
    match chat.members.get(&user_id) {
        Some((user, status)) => Ok(status.member_json(user)),
        None => Err(ApiError::bad_request("user not found")),
    }
}

fn get_chat_administrators(s: &mut State, p: &Params) -> Reply {
    let chat_id = chat_id(s, p)?;
    let chat = &s.chats[&chat_id];
    if chat.chat.kind == ChatKind::Private {
        return Err(ApiError::bad_request(
            "there are no administrators in the private chat",
        ));
    }
    let mut admins: Vec<(i64, Value)> = chat
        .members
        .iter()
        .filter(|(_, (_, status))| status.is_admin())
        .map(|(id, (user, status))| (*id, status.member_json(user)))
        .collect();
    if chat.bot_status.is_admin() {
        admins.push((
            s.bot.user.id,
            chat.bot_status.member_json(&s.bot.user.to_json()),
        ));
    }
    // Creator first, then by id, for a stable answer.
    admins.sort_by_key(|(id, m)| (m["status"] != "creator", *id));
    Ok(Value::Array(admins.into_iter().map(|(_, m)| m).collect()))
}

fn delete_message(s: &mut State, p: &Params) -> Reply {
    let chat_id = chat_id(s, p)?;
    let id = message_id(p)?;
    let now = s.now();
    let chat = s.chat_mut(chat_id);
    let Some(m) = chat.messages.get(&id) else {
        return Err(ApiError::bad_request("message to delete not found"));
    };
    let allowed = m.from_bot || chat.chat.kind == ChatKind::Private || chat.bot_status.is_admin();
    if !allowed || now - m.date > DELETE_WINDOW_SECS {
        return Err(ApiError::bad_request("message can't be deleted"));
    }
    chat.messages.remove(&id);
    Ok(json!(true))
}
