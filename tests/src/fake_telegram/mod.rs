//! A fake Telegram Bot API server for end-to-end tests.
//!
//! It listens on `127.0.0.1` and answers `/bot<TOKEN>/<method>` the way the
//! Bot API does, closely enough that teloxide works against it unchanged
//! (`Bot::new(fake.token()).set_api_url(fake.api_url())`):
//!
//! - **getUpdates** has Telegram's semantics: an `offset` acknowledges (and
//!   forgets) every update below it, a negative offset keeps only the last
//!   `-offset`, `limit` is 1–100, `timeout` long-polls and returns as soon as
//!   an update arrives, and a newer call ends a waiting one with 409
//!   Conflict. Updates are delivered again until acknowledged.
//!   `allowed_updates` persists across calls and, as on Telegram, filters
//!   updates when they are *created* (pushed), not ones already queued.
//! - **Chats and messages** are remembered: message ids are per chat,
//!   replies embed the replied-to message, edits and deletions check what
//!   Telegram checks (own message, 48 hours), privacy mode hides ordinary
//!   group messages from a bot that is not an admin.
//! - **Faults** ([`Injection`]) make chosen calls fail: 429 with
//!   `retry_after`, 5xx, slow answers, dropped connections, garbled bodies.
//! - **Inspection**: every call is recorded ([`Call`]); `wait_for_*` methods
//!   wake on change, so tests never sleep to synchronise.

mod builders;
mod faults;
mod methods;
mod model;
mod params;
mod server;
mod state;
mod updates;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use url::Url;

pub use builders::{CallbackQueryBuilder, ChatMemberBuilder, MessageBuilder, detect_entities};
pub use faults::{Fault, FiredFault, Injection};
pub use model::{ChatKind, MemberStatus, TgChat, TgUser};
pub use params::Params;
pub use state::{Call, MyCommands, UploadedFile};

use state::{BotProfile, State};

/// The fake bot's token. The id before the colon is the bot's user id.
pub const TOKEN: &str = "7000000001:AAFakeTelegramTokenForTestsOnly0000";

/// The fake bot's `@username`.
pub const BOT_USERNAME: &str = "tasktracker_test_bot";

/// State shared by the server and the test's handle.
#[derive(Debug)]
pub(crate) struct Shared {
    token: String,
    state: Mutex<State>,
    /// Bumped when the update queue or the poll generation changes.
    updates: watch::Sender<u64>,
    /// Bumped when a call is recorded.
    calls: watch::Sender<u64>,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn updates_changed(&self) {
        self.updates.send_modify(|v| *v += 1);
    }

    pub(crate) fn record(&self, call: Call) {
        self.lock().record(call);
        self.calls.send_modify(|v| *v += 1);
    }
}

/// A wait that ran out of time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WaitTimeout {
    /// What was awaited.
    pub what: String,
    /// How long.
    pub waited: Duration,
}

impl std::fmt::Display for WaitTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "timed out after {:?} waiting for {}",
            self.waited, self.what
        )
    }
}

impl std::error::Error for WaitTimeout {}

/// A running fake Bot API server. Dropping it stops the server and closes
/// its connections.
#[derive(Debug)]
pub struct FakeTelegram {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: JoinHandle<()>,
}

impl Drop for FakeTelegram {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeTelegram {
    /// Starts a server on `127.0.0.1` at a free port, with the bot
    /// [`TOKEN`] / [`BOT_USERNAME`], privacy mode off
    /// (`can_read_all_group_messages`), and no updates.
    pub async fn start() -> FakeTelegram {
        let bot_id = TOKEN
            .split(':')
            .next()
            .and_then(|id| id.parse().ok())
            .unwrap_or(1);
        let bot = BotProfile {
            user: TgUser::new(bot_id, "TaskTracker Test")
                .username(BOT_USERNAME)
                .bot(),
            can_join_groups: true,
            can_read_all_group_messages: true,
        };
        let shared = Arc::new(Shared {
            token: TOKEN.to_owned(),
            state: Mutex::new(State::new(bot, 100_000_001)),
            updates: watch::Sender::new(0),
            calls: watch::Sender::new(0),
        });
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let server = tokio::spawn(server::serve(listener, server::router(shared.clone())));
        FakeTelegram {
            shared,
            addr,
            server,
        }
    }

    /// The base URL to give teloxide's `set_api_url` (`http://127.0.0.1:PORT/`).
    pub fn api_url(&self) -> Url {
        Url::parse(&format!("http://{}/", self.addr)).expect("valid URL")
    }

    /// The full URL of a method, for plain HTTP clients.
    pub fn method_url(&self, method: &str) -> String {
        format!("http://{}/bot{}/{method}", self.addr, self.shared.token)
    }

    /// The token the fake accepts.
    pub fn token(&self) -> &str {
        &self.shared.token
    }

    /// The bot's own account, as getMe describes it.
    pub fn bot_user(&self) -> TgUser {
        self.shared.lock().bot.user.clone()
    }

    // ----- configuration -------------------------------------------------

    /// Sets getMe's `can_read_all_group_messages`. `false` turns privacy
    /// mode on: in groups where the bot is not an admin, ordinary messages
    /// pushed from then on are not delivered (commands, mentions of the bot
    /// and replies to it still are).
    pub fn set_can_read_all_group_messages(&self, can: bool) {
        self.shared.lock().bot.can_read_all_group_messages = can;
    }

    /// Registers a chat (its type, title, username). Chats are also learnt
    /// from pushed updates; sending to a chat never seen is `chat not found`.
    pub fn add_chat(&self, chat: TgChat) {
        self.shared.lock().add_chat(chat);
    }

    /// Sets a user's status in a chat (what getChatMember answers).
    pub fn set_member(&self, chat_id: i64, user: &TgUser, status: MemberStatus) {
        let mut s = self.shared.lock();
        s.chat_mut(chat_id)
            .members
            .insert(user.id, (user.to_json(), status));
    }

    /// Makes exactly these users the chat's administrators (the first one
    /// its creator); other admins become members.
    pub fn set_admins(&self, chat_id: i64, admins: &[TgUser]) {
        let mut s = self.shared.lock();
        let chat = s.chat_mut(chat_id);
        for (_, status) in chat.members.values_mut() {
            if status.is_admin() {
                *status = MemberStatus::Member;
            }
        }
        for (i, user) in admins.iter().enumerate() {
            let status = if i == 0 {
                MemberStatus::Creator
            } else {
                MemberStatus::Administrator
            };
            chat.members.insert(user.id, (user.to_json(), status));
        }
    }

    /// Sets the bot's own status in a chat. Pushing a `my_chat_member`
    /// update does the same.
    pub fn set_bot_status(&self, chat_id: i64, status: MemberStatus) {
        self.shared.lock().chat_mut(chat_id).bot_status = status;
    }

    /// Moves the fake clock forward (dates of new messages, the 48-hour
    /// limit of deleteMessage).
    pub fn advance_time(&self, by: Duration) {
        let secs = i64::try_from(by.as_secs()).unwrap_or(i64::MAX);
        let mut s = self.shared.lock();
        s.clock_offset = s.clock_offset.saturating_add(secs);
    }

    /// The fake clock, unix seconds.
    pub fn now(&self) -> i64 {
        self.shared.lock().now()
    }

    // ----- updates -------------------------------------------------------

    /// Queues a raw update (its `update_id` is assigned, overwriting any)
    /// and wakes a waiting long poll. Returns the id. An update that
    /// `allowed_updates` or privacy mode filters out still gets an id but is
    /// never delivered.
    pub fn push_update(&self, update: Value) -> i64 {
        let id = self.shared.lock().enqueue(update);
        self.shared.updates_changed();
        id
    }

    /// Queues many updates under one lock and one wake-up; returns their
    /// ids. Cheap enough for tens of thousands.
    pub fn push_many(&self, updates: impl IntoIterator<Item = Value>) -> Vec<i64> {
        let ids = {
            let mut s = self.shared.lock();
            updates.into_iter().map(|u| s.enqueue(u)).collect()
        };
        self.shared.updates_changed();
        ids
    }

    /// A text message from `from` in `chat_id` (a positive id is the private
    /// chat with that user; `-100…` a supergroup; other negatives a group).
    pub fn message(&self, chat_id: i64, from: &TgUser, text: &str) -> MessageBuilder<'_> {
        MessageBuilder::new(self, chat_id, from, text, None)
    }

    /// An edit of message `message_id` to `text`.
    pub fn edited_message(
        &self,
        chat_id: i64,
        from: &TgUser,
        message_id: i64,
        text: &str,
    ) -> MessageBuilder<'_> {
        MessageBuilder::new(self, chat_id, from, text, Some(message_id))
    }

    /// `from` pressed an inline button with `data` under message
    /// `message_id`.
    pub fn callback_query(
        &self,
        chat_id: i64,
        from: &TgUser,
        message_id: i64,
        data: &str,
    ) -> CallbackQueryBuilder<'_> {
        CallbackQueryBuilder::new(self, chat_id, from, message_id, data)
    }

    /// `from` changed the bot's membership in `chat_id` to `new`
    /// (e.g. added it: `MemberStatus::Member`).
    pub fn my_chat_member(
        &self,
        chat_id: i64,
        from: &TgUser,
        new: MemberStatus,
    ) -> ChatMemberBuilder<'_> {
        ChatMemberBuilder::new(self, chat_id, from, new)
    }

    // ----- inspection ----------------------------------------------------

    /// Every call received, in order (faulted and failed ones included).
    pub fn sent(&self) -> Vec<Call> {
        self.shared.lock().calls.clone()
    }

    /// The calls of one method (case-insensitive).
    pub fn calls_of(&self, method: &str) -> Vec<Call> {
        let s = self.shared.lock();
        s.calls
            .iter()
            .filter(|c| c.method.eq_ignore_ascii_case(method))
            .cloned()
            .collect()
    }

    /// Waits until at least `n` calls of `method` have succeeded (answered
    /// `ok`, even if a fault then hid the answer) and returns them all.
    pub async fn wait_for_calls(
        &self,
        method: &str,
        n: usize,
        timeout: Duration,
    ) -> Result<Vec<Call>, WaitTimeout> {
        let mut found = Vec::new();
        self.wait_until(
            timeout,
            &format!("{n} successful {method} calls"),
            |calls| {
                found = calls
                    .iter()
                    .filter(|c| c.ok && c.method.eq_ignore_ascii_case(method))
                    .cloned()
                    .collect();
                found.len() >= n
            },
        )
        .await?;
        Ok(found)
    }

    /// Waits until `done` holds for the recorded calls; it is re-checked on
    /// every new call.
    pub async fn wait_until(
        &self,
        timeout: Duration,
        what: &str,
        mut done: impl FnMut(&[Call]) -> bool,
    ) -> Result<(), WaitTimeout> {
        let mut changes = self.shared.calls.subscribe();
        let wait = async {
            loop {
                changes.borrow_and_update();
                if done(&self.shared.lock().calls) {
                    return;
                }
                if changes.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        };
        tokio::time::timeout(timeout, wait)
            .await
            .map_err(|_| WaitTimeout {
                what: what.to_owned(),
                waited: timeout,
            })
    }

    /// Every update with a smaller id has been acknowledged (0 before the
    /// first acknowledgement).
    pub fn acknowledged_offset(&self) -> i64 {
        self.shared.lock().acked_below
    }

    /// Waits until every update below `offset` has been acknowledged.
    pub async fn wait_for_acknowledged(
        &self,
        offset: i64,
        timeout: Duration,
    ) -> Result<(), WaitTimeout> {
        let what = format!("acknowledgement of updates below {offset}");
        self.wait_for_update_state(timeout, &what, |s| s.acked_below >= offset)
            .await
    }

    /// Waits until a getUpdates call is long-polling (waiting for an update
    /// with nothing pending).
    pub async fn wait_for_long_poll(&self, timeout: Duration) -> Result<(), WaitTimeout> {
        self.wait_for_update_state(timeout, "a waiting long poll", |s| s.long_polls_waiting > 0)
            .await
    }

    async fn wait_for_update_state(
        &self,
        timeout: Duration,
        what: &str,
        done: impl Fn(&State) -> bool,
    ) -> Result<(), WaitTimeout> {
        let mut changes = self.shared.updates.subscribe();
        let wait = async {
            loop {
                changes.borrow_and_update();
                if done(&self.shared.lock()) {
                    return;
                }
                if changes.changed().await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
        };
        tokio::time::timeout(timeout, wait)
            .await
            .map_err(|_| WaitTimeout {
                what: what.to_owned(),
                waited: timeout,
            })
    }

    /// The `offset` parameter of each getUpdates call, in order.
    pub fn offsets_received(&self) -> Vec<Option<i64>> {
        self.shared.lock().offsets.clone()
    }

    /// Updates queued and not yet acknowledged.
    pub fn pending_updates(&self) -> usize {
        self.shared.lock().pending_count()
    }

    /// Updates pushed but never queued (`allowed_updates`, privacy mode).
    pub fn filtered_updates(&self) -> u64 {
        self.shared.lock().filtered
    }

    /// The last `allowed_updates` a getUpdates call set, if any.
    pub fn allowed_updates(&self) -> Option<Vec<String>> {
        self.shared.lock().allowed_updates.clone()
    }

    /// A message as it stands now (after edits), if it exists.
    pub fn stored_message(&self, chat_id: i64, message_id: i64) -> Option<Value> {
        let s = self.shared.lock();
        s.stored_message(chat_id, message_id)
            .map(|m| m.json.clone())
    }

    /// The bot's reaction on a message (the `reaction` array it set last).
    pub fn reaction(&self, chat_id: i64, message_id: i64) -> Option<Value> {
        let s = self.shared.lock();
        s.stored_message(chat_id, message_id)
            .and_then(|m| m.reaction.clone())
    }

    /// The commands registered with setMyCommands, per scope and language.
    pub fn my_commands(&self) -> Vec<MyCommands> {
        self.shared.lock().commands.clone()
    }

    /// Whether a callback query was answered (`None` for unknown ids).
    pub fn callback_answered(&self, callback_query_id: &str) -> Option<bool> {
        let s = self.shared.lock();
        s.callback_queries.get(callback_query_id).copied()
    }

    // ----- faults --------------------------------------------------------

    /// Adds a fault rule.
    pub fn inject(&self, rule: Injection) {
        self.shared.lock().faults.add(rule);
    }

    /// Removes every fault rule (fired faults stay counted).
    pub fn clear_faults(&self) {
        self.shared.lock().faults.clear();
    }

    /// Re-seeds the generator behind probabilistic faults.
    pub fn seed_faults(&self, seed: u64) {
        self.shared.lock().faults.reseed(seed);
    }

    /// Every fault that fired, in order.
    pub fn faults_fired(&self) -> Vec<FiredFault> {
        self.shared.lock().faults.fired.clone()
    }
}
