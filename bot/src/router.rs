//! The handler tree: which kind of work an update is. It only routes (no
//! I/O, no database), so it runs the same on a redelivered update and is
//! tested without a server. The processor then applies the [`Route`] inside
//! its transaction.

use std::ops::ControlFlow;

use teloxide::dispatching::{DpHandlerDescription, HandlerExt, UpdateFilterExt};
use teloxide::dptree::{self, Handler};
use teloxide::types::{CallbackQuery, ChatMemberUpdated, Me, Message, Update};
use teloxide::utils::command::BotCommands;

/// The bot's commands. Their descriptions come from the locales (see
/// `commands::register`), not from here.
#[derive(BotCommands, Clone, Debug, PartialEq, Eq)]
#[command(rename_rule = "lowercase")]
pub enum Command {
    /// /start, with an optional deep-link payload.
    Start(String),
    /// /help
    Help,
    /// /privacy
    Privacy,
    /// /tasks
    Tasks,
    /// /done ID
    Done(String),
    /// /mode [reply|react|silent]
    Mode(String),
    /// /optout
    Optout,
    /// /optin
    Optin,
    /// /export
    Export,
    /// /forget
    Forget,
}

impl Command {
    /// Every command name, in the order Telegram lists them.
    pub const NAMES: [&'static str; 10] = [
        "start", "help", "privacy", "tasks", "done", "mode", "optout", "optin", "export", "forget",
    ];
}

/// What to do with an update.
#[derive(Debug, Clone)]
pub enum Route {
    /// One of our commands.
    Command(Box<Message>, Command),
    /// Something that looks like a command but is not ours (answered in a
    /// private chat, ignored in groups, where other bots live too).
    UnknownCommand(Box<Message>),
    /// A group message with text or a caption, to capture.
    Capture(Box<Message>),
    /// An edit of a group message.
    Edit(Box<Message>),
    /// A plain message in a private chat.
    Private(Box<Message>),
    /// A button press.
    Callback(Box<CallbackQuery>),
    /// The bot's own membership in a chat changed.
    Membership(Box<ChatMemberUpdated>),
    /// Nothing to do, and why.
    Ignore(&'static str),
}

/// The text a person wrote: the text, or a media caption.
pub fn text_of(m: &Message) -> Option<&str> {
    m.text().or_else(|| m.caption())
}

fn is_group(m: &Message) -> bool {
    m.chat.is_group() || m.chat.is_supergroup()
}

/// Messages no person wrote here: other bots (anonymous admins post as a
/// bot too), channel posts forwarded automatically into a discussion group,
/// and service messages (joins, pins, title changes…), which carry no text.
fn not_from_a_person(m: &Message) -> bool {
    m.from.as_ref().is_none_or(|u| u.is_bot) || m.is_automatic_forward() || m.via_bot.is_some()
}

fn looks_like_command(m: &Message) -> bool {
    text_of(m).is_some_and(|t| t.starts_with('/'))
}

/// The handler tree.
pub fn schema() -> Handler<'static, Route, DpHandlerDescription> {
    let messages = Update::filter_message()
        .branch(dptree::filter(|m: Message| not_from_a_person(&m)).endpoint(ignore_bot))
        .branch(
            dptree::entry()
                .filter_command::<Command>()
                .endpoint(|m: Message, c: Command| async move { Route::Command(Box::new(m), c) }),
        )
        .branch(
            dptree::filter(|m: Message| looks_like_command(&m))
                .endpoint(|m: Message| async move { Route::UnknownCommand(Box::new(m)) }),
        )
        .branch(
            dptree::filter(|m: Message| is_group(&m) && text_of(&m).is_some())
                .endpoint(|m: Message| async move { Route::Capture(Box::new(m)) }),
        )
        .branch(
            dptree::filter(|m: Message| m.chat.is_private())
                .endpoint(|m: Message| async move { Route::Private(Box::new(m)) }),
        );
    let edits = Update::filter_edited_message()
        .branch(dptree::filter(|m: Message| not_from_a_person(&m)).endpoint(ignore_bot))
        .branch(
            dptree::filter(|m: Message| {
                is_group(&m) && text_of(&m).is_some() && !looks_like_command(&m)
            })
            .endpoint(|m: Message| async move { Route::Edit(Box::new(m)) }),
        );
    dptree::entry()
        .branch(messages)
        .branch(edits)
        .branch(
            Update::filter_callback_query()
                .endpoint(|q: CallbackQuery| async move { Route::Callback(Box::new(q)) }),
        )
        .branch(
            Update::filter_my_chat_member()
                .endpoint(|u: ChatMemberUpdated| async move { Route::Membership(Box::new(u)) }),
        )
}

async fn ignore_bot() -> Route {
    Route::Ignore("not written by a person")
}

/// Routes one update.
pub async fn route(
    schema: &Handler<'static, Route, DpHandlerDescription>,
    update: Update,
    me: Me,
) -> Route {
    match schema.dispatch(dptree::deps![update, me]).await {
        ControlFlow::Break(route) => route,
        ControlFlow::Continue(_) => Route::Ignore("nothing to do with this kind of update"),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    fn me() -> Me {
        serde_json::from_value(json!({
            "id": 42, "is_bot": true, "first_name": "Tasks", "username": "tt_bot",
            "can_join_groups": true, "can_read_all_group_messages": false,
            "supports_inline_queries": false, "can_connect_to_business": false,
            "has_main_web_app": false
        }))
        .unwrap()
    }

    fn message(chat: serde_json::Value, from_bot: bool, text: &str) -> serde_json::Value {
        json!({
            "message_id": 5, "date": 1_764_000_000,
            "chat": chat,
            "from": {"id": 7, "is_bot": from_bot, "first_name": "Olena", "language_code": "uk"},
            "text": text
        })
    }

    fn group() -> serde_json::Value {
        json!({"id": -100, "type": "supergroup", "title": "Team"})
    }

    async fn route_of(update: serde_json::Value) -> Route {
        // From text, as the processor reads it (teloxide's Update does not
        // deserialize from a serde_json::Value).
        let update: Update = serde_json::from_str(&update.to_string()).unwrap();
        route(&schema(), update, me()).await
    }

    #[tokio::test]
    async fn updates_are_routed() {
        let r = route_of(
            json!({"update_id": 1, "message": message(group(), false, "please fix the login")}),
        )
        .await;
        assert!(matches!(r, Route::Capture(_)), "{r:?}");

        let r =
            route_of(json!({"update_id": 1, "message": message(group(), true, "fix it")})).await;
        assert!(matches!(r, Route::Ignore(_)), "{r:?}");

        let r =
            route_of(json!({"update_id": 1, "message": message(group(), false, "/done 12")})).await;
        assert!(
            matches!(r, Route::Command(_, Command::Done(ref id)) if id == "12"),
            "{r:?}"
        );

        let r =
            route_of(json!({"update_id": 1, "message": message(group(), false, "/tasks@tt_bot")}))
                .await;
        assert!(matches!(r, Route::Command(_, Command::Tasks)), "{r:?}");

        // Another bot's command in a group is not ours, and is not captured.
        let r = route_of(
            json!({"update_id": 1, "message": message(group(), false, "/tasks@other_bot")}),
        )
        .await;
        assert!(matches!(r, Route::UnknownCommand(_)), "{r:?}");

        let private = json!({"id": 7, "type": "private", "first_name": "Olena"});
        let r =
            route_of(json!({"update_id": 1, "message": message(private.clone(), false, "hello")}))
                .await;
        assert!(matches!(r, Route::Private(_)), "{r:?}");
        let r =
            route_of(json!({"update_id": 1, "message": message(private, false, "/export")})).await;
        assert!(matches!(r, Route::Command(_, Command::Export)), "{r:?}");

        let mut edited = message(group(), false, "fix the login today");
        edited["edit_date"] = json!(1_764_000_100);
        let r = route_of(json!({"update_id": 1, "edited_message": edited})).await;
        assert!(matches!(r, Route::Edit(_)), "{r:?}");

        // A service message (someone joined) has no text: nothing to capture.
        let mut joined = message(group(), false, "");
        joined.as_object_mut().unwrap().remove("text");
        joined["new_chat_members"] = json!([{"id": 8, "is_bot": false, "first_name": "Petro"}]);
        let r = route_of(json!({"update_id": 1, "message": joined})).await;
        assert!(matches!(r, Route::Ignore(_)), "{r:?}");

        let r = route_of(json!({"update_id": 1, "callback_query": {
            "id": "q", "from": {"id": 7, "is_bot": false, "first_name": "Olena"},
            "chat_instance": "c", "data": "t:done:1"
        }}))
        .await;
        assert!(matches!(r, Route::Callback(_)), "{r:?}");
    }
}
