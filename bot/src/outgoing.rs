//! What the bot sends, as it is queued in the outbox: one typed request per
//! Bot API method, serialized with the method's own parameter names. The
//! processor builds these inside its transaction; the sender reads them back
//! and makes the call.

use serde::{Deserialize, Serialize};

/// A row of inline buttons: (label, callback data).
pub type ButtonRow = Vec<Button>;

/// One inline button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Button {
    /// What it says.
    pub text: String,
    /// The callback data it sends back (at most 64 bytes).
    pub data: String,
}

impl Button {
    /// A button sending `data` back when pressed.
    pub fn new(text: impl Into<String>, data: impl Into<String>) -> Button {
        Button {
            text: text.into(),
            data: data.into(),
        }
    }
}

/// Where an edit goes: a message whose id is known, or the card of a task,
/// whose id the sender looks up when it delivers (the card may still be in
/// the outbox when the edit is queued; the outbox keeps order per chat).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Target {
    /// A message id.
    Message {
        /// Telegram message id.
        message_id: i32,
    },
    /// The card of this task.
    TaskCard {
        /// Task id.
        task_card: i64,
    },
}

/// A request the outbox holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", content = "params")]
pub enum Request {
    /// `sendMessage`.
    #[serde(rename = "sendMessage")]
    SendMessage {
        /// Chat.
        chat_id: i64,
        /// Plain text (no parse mode: nothing people wrote is ever markup).
        text: String,
        /// Reply to this message, if it still exists.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to_message_id: Option<i32>,
        /// Inline buttons.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        buttons: Vec<ButtonRow>,
    },
    /// `editMessageText`.
    #[serde(rename = "editMessageText")]
    EditMessageText {
        /// Chat.
        chat_id: i64,
        /// Which message.
        #[serde(flatten)]
        target: Target,
        /// The new text.
        text: String,
        /// The new buttons (none removes them).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        buttons: Vec<ButtonRow>,
    },
    /// `setMessageReaction` with one emoji.
    #[serde(rename = "setMessageReaction")]
    SetMessageReaction {
        /// Chat.
        chat_id: i64,
        /// The message reacted to.
        message_id: i32,
        /// The emoji (one of those Telegram allows as reactions).
        emoji: String,
    },
    /// `answerCallbackQuery`.
    #[serde(rename = "answerCallbackQuery")]
    AnswerCallbackQuery {
        /// The query.
        callback_query_id: String,
        /// A short notice for the person who pressed the button.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
        /// Show it as an alert instead of a toast.
        #[serde(default)]
        show_alert: bool,
    },
    /// Not a Bot API method: build a person's export and send it as
    /// documents (`sendDocument`), then say it is done.
    #[serde(rename = "sendExport")]
    SendExport {
        /// Their private chat.
        chat_id: i64,
        /// Whose data.
        telegram_user_id: i64,
        /// The export request it fulfils.
        request_id: i64,
        /// The language of the captions.
        lang: String,
    },
    /// Not a Bot API method: a page of a chat's open tasks, rendered when it
    /// is sent (so it holds no one's words while it waits, and a task erased
    /// meanwhile is not shown), then sent with `sendMessage`, or with
    /// `editMessageText` when it replaces the page in `message_id`.
    #[serde(rename = "sendTasksPage")]
    SendTasksPage {
        /// Chat.
        chat_id: i64,
        /// The page, from 1 (clamped to the pages there are when sent).
        page: u64,
        /// The language of the page.
        lang: String,
        /// Reply to this message (a new page only).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to_message_id: Option<i32>,
        /// The page message to edit, instead of sending a new one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_id: Option<i32>,
    },
    /// Not a Bot API method: the card of a closed task rendered again,
    /// naming no one, and put in place with `editMessageText` (queued by an
    /// erasure of the person the card named as its closer).
    #[serde(rename = "refreshCard")]
    RefreshCard {
        /// Chat.
        chat_id: i64,
        /// The task.
        task_id: i64,
    },
    /// `deleteMessage`.
    #[serde(rename = "deleteMessage")]
    DeleteMessage {
        /// Chat.
        chat_id: i64,
        /// The message.
        message_id: i32,
    },
}

impl Request {
    /// The Bot API method name, as stored in `outbox.method`.
    pub fn method(&self) -> &'static str {
        match self {
            Request::SendMessage { .. } => "sendMessage",
            Request::EditMessageText { .. } => "editMessageText",
            Request::SetMessageReaction { .. } => "setMessageReaction",
            Request::AnswerCallbackQuery { .. } => "answerCallbackQuery",
            Request::DeleteMessage { .. } => "deleteMessage",
            Request::SendExport { .. } => "sendExport",
            Request::SendTasksPage { .. } => "sendTasksPage",
            Request::RefreshCard { .. } => "refreshCard",
        }
    }

    /// The parameters alone, as stored (sealed) in `outbox.payload`.
    pub fn params(&self) -> serde_json::Value {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(mut o)) => {
                o.remove("params").unwrap_or(serde_json::Value::Null)
            }
            _ => serde_json::Value::Null,
        }
    }

    /// Reads a request back from its method and parameters.
    pub fn from_parts(method: &str, params: serde_json::Value) -> Result<Request, String> {
        serde_json::from_value(serde_json::json!({ "method": method, "params": params }))
            .map_err(|e| format!("outbox request {method} cannot be read: {e}"))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn requests_survive_the_outbox_round_trip() {
        let all = [
            Request::SendMessage {
                chat_id: -100,
                text: "Task #1: fix it".into(),
                reply_to_message_id: Some(7),
                buttons: vec![vec![Button::new("✅ Done", "t:done:1")]],
            },
            Request::EditMessageText {
                chat_id: -100,
                target: Target::TaskCard { task_card: 1 },
                text: "done".into(),
                buttons: vec![],
            },
            Request::EditMessageText {
                chat_id: -100,
                target: Target::Message { message_id: 9 },
                text: "page 2".into(),
                buttons: vec![],
            },
            Request::SetMessageReaction {
                chat_id: -100,
                message_id: 7,
                emoji: "✍".into(),
            },
            Request::AnswerCallbackQuery {
                callback_query_id: "q1".into(),
                text: None,
                show_alert: false,
            },
            Request::DeleteMessage {
                chat_id: -100,
                message_id: 7,
            },
            Request::SendTasksPage {
                chat_id: -100,
                page: 2,
                lang: "uk".into(),
                reply_to_message_id: Some(7),
                message_id: None,
            },
            Request::RefreshCard {
                chat_id: -100,
                task_id: 3,
            },
            Request::SendTasksPage {
                chat_id: -100,
                page: 1,
                lang: "en".into(),
                reply_to_message_id: None,
                message_id: Some(9),
            },
        ];
        for r in all {
            let params = r.params();
            assert!(params.is_object(), "{params}");
            assert_eq!(Request::from_parts(r.method(), params).unwrap(), r);
        }
        // The Bot API's own parameter names, so a stored payload reads as the call.
        let p = Request::DeleteMessage {
            chat_id: 1,
            message_id: 2,
        }
        .params();
        assert_eq!(p, serde_json::json!({"chat_id": 1, "message_id": 2}));
        assert!(Request::from_parts("sendPoll", p).is_err());
    }
}
