//! Users, chats and memberships as tests describe them, and their Bot API
//! JSON.

use serde_json::{Value, json};

/// A Telegram user (a person or a bot).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TgUser {
    /// Telegram user id (positive).
    pub id: i64,
    /// Whether this is a bot.
    pub is_bot: bool,
    /// First name.
    pub first_name: String,
    /// Last name, if any.
    pub last_name: Option<String>,
    /// `@username` without the `@`, if any.
    pub username: Option<String>,
    /// IETF language tag of the user's client, e.g. `uk`.
    pub language_code: Option<String>,
}

impl TgUser {
    /// A person with a first name, no username and no language.
    pub fn new(id: i64, first_name: &str) -> TgUser {
        TgUser {
            id,
            is_bot: false,
            first_name: first_name.to_owned(),
            last_name: None,
            username: None,
            language_code: None,
        }
    }

    /// Sets the username (without `@`).
    pub fn username(mut self, username: &str) -> TgUser {
        self.username = Some(username.to_owned());
        self
    }

    /// Sets the client's language, e.g. `en` or `uk`.
    pub fn language(mut self, code: &str) -> TgUser {
        self.language_code = Some(code.to_owned());
        self
    }

    /// Sets the last name.
    pub fn last_name(mut self, last_name: &str) -> TgUser {
        self.last_name = Some(last_name.to_owned());
        self
    }

    /// Marks the user as a bot.
    pub fn bot(mut self) -> TgUser {
        self.is_bot = true;
        self
    }

    /// The `User` object.
    pub fn to_json(&self) -> Value {
        let mut v = json!({"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name});
        if let Some(l) = &self.last_name {
            v["last_name"] = json!(l);
        }
        if let Some(u) = &self.username {
            v["username"] = json!(u);
        }
        if let Some(l) = &self.language_code {
            v["language_code"] = json!(l);
        }
        v
    }
}

/// The type of a chat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChatKind {
    /// A one-to-one chat with a person; its id is the person's id.
    Private,
    /// A basic group (negative id).
    Group,
    /// A supergroup (id `-100…`).
    Supergroup,
    /// A channel (id `-100…`).
    Channel,
}

impl ChatKind {
    /// The `type` field of the `Chat` object.
    pub fn as_str(self) -> &'static str {
        match self {
            ChatKind::Private => "private",
            ChatKind::Group => "group",
            ChatKind::Supergroup => "supergroup",
            ChatKind::Channel => "channel",
        }
    }

    /// What Telegram's id ranges imply: positive ids are private chats,
    /// `-100…` ids (below -10¹²) supergroups, other negative ids groups.
    pub fn from_id(id: i64) -> ChatKind {
        if id > 0 {
            ChatKind::Private
        } else if id < -1_000_000_000_000 {
            ChatKind::Supergroup
        } else {
            ChatKind::Group
        }
    }
}

/// A chat as the fake knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TgChat {
    /// Chat id.
    pub id: i64,
    /// Its type.
    pub kind: ChatKind,
    /// Title (groups, supergroups, channels).
    pub title: Option<String>,
    /// Public username, if any.
    pub username: Option<String>,
    /// First name (private chats).
    pub first_name: Option<String>,
    /// Last name (private chats).
    pub last_name: Option<String>,
}

impl TgChat {
    /// A basic group.
    pub fn group(id: i64, title: &str) -> TgChat {
        TgChat::titled(id, ChatKind::Group, title)
    }

    /// A supergroup (use a `-100…` id).
    pub fn supergroup(id: i64, title: &str) -> TgChat {
        TgChat::titled(id, ChatKind::Supergroup, title)
    }

    /// The private chat with `user`.
    pub fn private(user: &TgUser) -> TgChat {
        TgChat {
            id: user.id,
            kind: ChatKind::Private,
            title: None,
            username: user.username.clone(),
            first_name: Some(user.first_name.clone()),
            last_name: user.last_name.clone(),
        }
    }

    /// A chat inferred from its id alone (see [`ChatKind::from_id`]).
    pub fn from_id(id: i64) -> TgChat {
        match ChatKind::from_id(id) {
            ChatKind::Private => TgChat::private(&TgUser::new(id, &format!("User {id}"))),
            kind => TgChat::titled(id, kind, &format!("Chat {id}")),
        }
    }

    fn titled(id: i64, kind: ChatKind, title: &str) -> TgChat {
        TgChat {
            id,
            kind,
            title: Some(title.to_owned()),
            username: None,
            first_name: None,
            last_name: None,
        }
    }

    /// The `Chat` object.
    pub fn to_json(&self) -> Value {
        let mut v = json!({"id": self.id, "type": self.kind.as_str()});
        for (k, f) in [
            ("title", &self.title),
            ("username", &self.username),
            ("first_name", &self.first_name),
            ("last_name", &self.last_name),
        ] {
            if let Some(f) = f {
                v[k] = json!(f);
            }
        }
        v
    }
}

/// A member's status in a chat.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemberStatus {
    /// The chat's owner.
    Creator,
    /// An administrator (with the usual moderation rights).
    Administrator,
    /// An ordinary member.
    Member,
    /// Not a member.
    Left,
    /// Banned.
    Kicked,
}

impl MemberStatus {
    /// The `status` field of `ChatMember`.
    pub fn as_str(self) -> &'static str {
        match self {
            MemberStatus::Creator => "creator",
            MemberStatus::Administrator => "administrator",
            MemberStatus::Member => "member",
            MemberStatus::Left => "left",
            MemberStatus::Kicked => "kicked",
        }
    }

    /// Creator or administrator.
    pub fn is_admin(self) -> bool {
        matches!(self, MemberStatus::Creator | MemberStatus::Administrator)
    }

    /// Present in the chat (not left or kicked).
    pub fn is_present(self) -> bool {
        !matches!(self, MemberStatus::Left | MemberStatus::Kicked)
    }

    /// The `ChatMember` object for `user` with this status.
    pub fn member_json(self, user: &Value) -> Value {
        match self {
            MemberStatus::Creator => {
                json!({"status": "creator", "user": user, "is_anonymous": false})
            }
            MemberStatus::Administrator => json!({
                "status": "administrator", "user": user,
                "can_be_edited": false, "is_anonymous": false,
                "can_manage_chat": true, "can_delete_messages": true,
                "can_manage_video_chats": true, "can_restrict_members": true,
                "can_promote_members": false, "can_change_info": true,
                "can_invite_users": true, "can_post_stories": false,
                "can_edit_stories": false, "can_delete_stories": false,
                "can_pin_messages": true,
            }),
            MemberStatus::Member => json!({"status": "member", "user": user}),
            MemberStatus::Left => json!({"status": "left", "user": user}),
            MemberStatus::Kicked => json!({"status": "kicked", "user": user, "until_date": 0}),
        }
    }
}
