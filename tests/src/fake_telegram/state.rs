//! Everything the fake remembers: the update queue and its acknowledgement,
//! chats and their messages, the calls received, and the fault plan.
//!
//! `State` is plain data behind one mutex; nothing here awaits.

use std::collections::{HashMap, VecDeque};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::faults::{Fault, FaultPlan};
use super::model::{ChatKind, MemberStatus, TgChat, TgUser};
use super::params::Params;

/// One call the fake received, with what it answered.
#[derive(Clone, Debug)]
pub struct Call {
    /// Order of arrival among recorded calls, from 0.
    pub seq: u64,
    /// The method, spelled as Telegram documents it when known
    /// (`sendMessage`), otherwise as received.
    pub method: String,
    /// The parameters (query string and body merged; file parts excluded).
    pub params: Params,
    /// Files uploaded as multipart parts.
    pub files: Vec<UploadedFile>,
    /// The injected fault, if one hit this call.
    pub fault: Option<Fault>,
    /// Whether the answer was `"ok": true` (before any body fault).
    pub ok: bool,
    /// The `error_code` answered, if not ok.
    pub error_code: Option<u16>,
    /// The `result` answered. For `getUpdates`, the array of delivered
    /// `update_id`s rather than the updates themselves.
    pub result: Option<Value>,
    /// Fake time (unix seconds) when the call was recorded.
    pub date: i64,
}

impl Call {
    /// Whether this call succeeded and was not hit by a fault that hid the
    /// answer from the client.
    pub fn delivered(&self) -> bool {
        self.ok
            && !matches!(
                self.fault,
                Some(Fault::DropAfterProcessing | Fault::MalformedBody)
            )
    }
}

/// A file part of a multipart request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UploadedFile {
    /// The form field (`document`, `photo`, …).
    pub field: String,
    /// The file name the client sent.
    pub file_name: Option<String>,
    /// The part's content type.
    pub content_type: Option<String>,
    /// The content.
    pub bytes: Vec<u8>,
}

/// Commands registered with `setMyCommands` for one scope and language.
#[derive(Clone, Debug, PartialEq)]
pub struct MyCommands {
    /// The `BotCommandScope` object (`{"type":"default"}` when not given).
    pub scope: Value,
    /// The language code (`""` when not given).
    pub language_code: String,
    /// The array of `BotCommand` objects.
    pub commands: Value,
}

/// The bot's own account.
#[derive(Clone, Debug)]
pub(crate) struct BotProfile {
    pub user: TgUser,
    pub can_join_groups: bool,
    pub can_read_all_group_messages: bool,
}

impl BotProfile {
    pub fn me_json(&self) -> Value {
        let mut me = self.user.to_json();
        me["can_join_groups"] = json!(self.can_join_groups);
        me["can_read_all_group_messages"] = json!(self.can_read_all_group_messages);
        me["supports_inline_queries"] = json!(false);
        me["can_connect_to_business"] = json!(false);
        me["has_main_web_app"] = json!(false);
        me
    }
}

/// A message as it stands now (after edits).
#[derive(Clone, Debug)]
pub(crate) struct StoredMessage {
    pub json: Value,
    pub date: i64,
    pub from_bot: bool,
    pub reaction: Option<Value>,
}

#[derive(Clone, Debug)]
pub(crate) struct ChatState {
    pub chat: TgChat,
    pub next_message_id: i64,
    pub messages: HashMap<i64, StoredMessage>,
    /// Configured members: user object and status.
    pub members: HashMap<i64, (Value, MemberStatus)>,
    pub bot_status: MemberStatus,
}

#[derive(Debug)]
struct QueuedUpdate {
    id: i64,
    json: String,
}

/// Update types Telegram leaves out unless asked for explicitly.
const OPT_IN_UPDATES: [&str; 3] = ["chat_member", "message_reaction", "message_reaction_count"];

#[derive(Debug)]
pub(crate) struct State {
    pub bot: BotProfile,
    /// Seconds added to the real clock.
    pub clock_offset: i64,
    next_update_id: i64,
    queue: VecDeque<QueuedUpdate>,
    /// Every update with a smaller id has been acknowledged.
    pub acked_below: i64,
    /// The `offset` of each getUpdates call, in order.
    pub offsets: Vec<Option<i64>>,
    /// The last `allowed_updates` received; `None` until one is.
    pub allowed_updates: Option<Vec<String>>,
    /// Bumped by every getUpdates call; a waiting call that sees it change
    /// was superseded.
    pub poll_generation: u64,
    /// getUpdates calls waiting for an update right now.
    pub long_polls_waiting: usize,
    /// Updates never queued: not allowed, or hidden by privacy mode.
    pub filtered: u64,
    pub calls: Vec<Call>,
    pub chats: HashMap<i64, ChatState>,
    /// Callback query ids issued, and whether each was answered.
    pub callback_queries: HashMap<String, bool>,
    next_callback_id: u64,
    pub commands: Vec<MyCommands>,
    pub faults: FaultPlan,
    pub next_file_id: u64,
}

impl State {
    pub fn new(bot: BotProfile, first_update_id: i64) -> State {
        State {
            bot,
            clock_offset: 0,
            next_update_id: first_update_id,
            queue: VecDeque::new(),
            acked_below: 0,
            offsets: Vec::new(),
            allowed_updates: None,
            poll_generation: 0,
            long_polls_waiting: 0,
            filtered: 0,
            calls: Vec::new(),
            chats: HashMap::new(),
            callback_queries: HashMap::new(),
            next_callback_id: 1,
            commands: Vec::new(),
            faults: FaultPlan::new(0x5EED),
            next_file_id: 1,
        }
    }

    /// Fake time, unix seconds.
    pub fn now(&self) -> i64 {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        real + self.clock_offset
    }

    /// The chat's state, created from its id if unseen.
    pub fn chat_mut(&mut self, id: i64) -> &mut ChatState {
        self.chats.entry(id).or_insert_with(|| ChatState {
            chat: TgChat::from_id(id),
            next_message_id: 1,
            messages: HashMap::new(),
            members: HashMap::new(),
            bot_status: MemberStatus::Member,
        })
    }

    /// Registers (or renames) a chat.
    pub fn add_chat(&mut self, chat: TgChat) {
        let id = chat.id;
        self.chat_mut(id).chat = chat;
    }

    /// Allocates the next message id in a chat (ids are per chat and shared
    /// by everyone who writes there, the bot included).
    pub fn next_message_id(&mut self, chat_id: i64) -> i64 {
        let c = self.chat_mut(chat_id);
        let id = c.next_message_id;
        c.next_message_id += 1;
        id
    }

    pub fn next_callback_id(&mut self) -> String {
        let n = self.next_callback_id;
        self.next_callback_id += 1;
        // Telegram's ids are long decimal strings.
        (4_242_000_000_000_000_000u64 + n).to_string()
    }

    pub fn stored_message(&self, chat_id: i64, message_id: i64) -> Option<&StoredMessage> {
        self.chats.get(&chat_id)?.messages.get(&message_id)
    }

    /// Stores a message (from an update or sent by the bot).
    pub fn store_message(&mut self, msg: &Value, from_bot: bool) {
        let (Some(chat_id), Some(id)) = (msg["chat"]["id"].as_i64(), msg["message_id"].as_i64())
        else {
            return;
        };
        let date = msg["date"].as_i64().unwrap_or_else(|| self.now());
        let bot_id = self.bot.user.id;
        let chat = self.chat_mut(chat_id);
        chat.next_message_id = chat.next_message_id.max(id + 1);
        // A person who writes in a chat is a member of it.
        if let Some(from) = msg["from"]["id"].as_i64().filter(|id| *id != bot_id) {
            chat.members
                .entry(from)
                .or_insert_with(|| (msg["from"].clone(), MemberStatus::Member));
        }
        let reaction = chat.messages.get(&id).and_then(|m| m.reaction.clone());
        chat.messages.insert(
            id,
            StoredMessage {
                json: msg.clone(),
                date,
                from_bot,
                reaction,
            },
        );
    }

    /// Queues an update (assigning its `update_id`) unless Telegram would
    /// not have delivered it: a type outside `allowed_updates`, or a group
    /// message hidden by privacy mode. Returns the id either way.
    pub fn enqueue(&mut self, mut update: Value) -> i64 {
        let id = self.next_update_id;
        self.next_update_id += 1;
        update["update_id"] = json!(id);
        let kind = update
            .as_object()
            .and_then(|o| o.keys().find(|k| *k != "update_id").cloned())
            .unwrap_or_default();
        let hidden = self.observe(&kind, &update[&kind]);
        if hidden || !self.allows(&kind) {
            self.filtered += 1;
            return id;
        }
        self.queue.push_back(QueuedUpdate {
            id,
            json: update.to_string(),
        });
        id
    }

    fn allows(&self, kind: &str) -> bool {
        match &self.allowed_updates {
            Some(list) if !list.is_empty() => list.iter().any(|k| k == kind),
            _ => !OPT_IN_UPDATES.contains(&kind),
        }
    }

    /// Learns what an update implies (chats, messages, the bot's membership,
    /// callback ids); returns whether privacy mode hides it from the bot.
    fn observe(&mut self, kind: &str, body: &Value) -> bool {
        match kind {
            "message" | "edited_message" | "channel_post" | "edited_channel_post" => {
                if let Some(chat) = chat_from_json(&body["chat"]) {
                    let known = self.chats.get(&chat.id).map(|c| c.chat.clone());
                    if known.as_ref() != Some(&chat) {
                        self.add_chat(chat);
                    }
                }
                let hidden = self.hidden_by_privacy(body);
                let from_bot = body["from"]["id"].as_i64() == Some(self.bot.user.id);
                self.store_message(body, from_bot);
                hidden
            }
            "my_chat_member" => {
                if let (Some(chat_id), Some(status)) = (
                    body["chat"]["id"].as_i64(),
                    status_from_str(body["new_chat_member"]["status"].as_str()),
                ) {
                    if let Some(chat) = chat_from_json(&body["chat"]) {
                        self.add_chat(chat);
                    }
                    self.chat_mut(chat_id).bot_status = status;
                }
                false
            }
            "callback_query" => {
                if let Some(id) = body["id"].as_str() {
                    self.callback_queries.entry(id.to_owned()).or_insert(false);
                }
                false
            }
            _ => false,
        }
    }

    /// Privacy mode: in groups, a bot that cannot read all messages and is
    /// not an admin sees only commands, mentions of itself, replies to its
    /// own messages and service messages.
    fn hidden_by_privacy(&self, msg: &Value) -> bool {
        let Some(chat_id) = msg["chat"]["id"].as_i64() else {
            return false;
        };
        let is_group = matches!(msg["chat"]["type"].as_str(), Some("group" | "supergroup"));
        let bot_admin = self
            .chats
            .get(&chat_id)
            .is_some_and(|c| c.bot_status.is_admin());
        if !is_group || self.bot.can_read_all_group_messages || bot_admin {
            return false;
        }
        let text = msg["text"].as_str().or(msg["caption"].as_str());
        let Some(text) = text else {
            return false; // service message
        };
        let entities = msg["entities"]
            .as_array()
            .or(msg["caption_entities"].as_array());
        let has_command = entities.is_some_and(|es| es.iter().any(|e| e["type"] == "bot_command"))
            || text.starts_with('/');
        let mention = self
            .bot
            .user
            .username
            .as_ref()
            .is_some_and(|u| text.contains(&format!("@{u}")));
        let reply_to_bot = msg["reply_to_message"]["from"]["id"].as_i64() == Some(self.bot.user.id);
        !(has_command || mention || reply_to_bot)
    }

    /// Acknowledges per an `offset` parameter: positive drops every update
    /// below it; negative keeps only the last `-offset` updates.
    pub fn acknowledge(&mut self, offset: i64) {
        if offset > 0 {
            while self.queue.front().is_some_and(|u| u.id < offset) {
                self.queue.pop_front();
            }
            self.acked_below = self.acked_below.max(offset);
        } else if offset < 0 {
            let keep = usize::try_from(offset.unsigned_abs()).unwrap_or(usize::MAX);
            while self.queue.len() > keep {
                self.queue.pop_front();
            }
            let first = self.queue.front().map_or(self.next_update_id, |u| u.id);
            self.acked_below = self.acked_below.max(first);
        }
    }

    /// Up to `limit` pending updates: a JSON array and their ids.
    pub fn pending(&self, limit: usize) -> (String, Vec<i64>) {
        let mut json = String::from("[");
        let mut ids = Vec::new();
        for u in self.queue.iter().take(limit) {
            if !ids.is_empty() {
                json.push(',');
            }
            json.push_str(&u.json);
            ids.push(u.id);
        }
        json.push(']');
        (json, ids)
    }

    pub fn pending_count(&self) -> usize {
        self.queue.len()
    }

    pub fn record(&mut self, mut call: Call) {
        call.seq = self.calls.len() as u64;
        call.date = self.now();
        self.calls.push(call);
    }
}

/// Reads a `Chat` object.
pub(crate) fn chat_from_json(v: &Value) -> Option<TgChat> {
    let id = v["id"].as_i64()?;
    let kind = match v["type"].as_str()? {
        "private" => ChatKind::Private,
        "group" => ChatKind::Group,
        "supergroup" => ChatKind::Supergroup,
        "channel" => ChatKind::Channel,
        _ => return None,
    };
    let s = |k: &str| v[k].as_str().map(str::to_owned);
    Some(TgChat {
        id,
        kind,
        title: s("title"),
        username: s("username"),
        first_name: s("first_name"),
        last_name: s("last_name"),
    })
}

pub(crate) fn status_from_str(s: Option<&str>) -> Option<MemberStatus> {
    Some(match s? {
        "creator" => MemberStatus::Creator,
        "administrator" => MemberStatus::Administrator,
        "member" | "restricted" => MemberStatus::Member,
        "left" => MemberStatus::Left,
        "kicked" => MemberStatus::Kicked,
        _ => return None,
    })
}
