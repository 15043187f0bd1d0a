//! What the running bot's tasks share: the database and keys, the locales,
//! the bot's identity, limits, the classifier and a Bot API client for the
//! lookups the processor needs (is this person an admin?).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use domain::classify::openai::Settings;
use domain::classify::{Classifier, MessageInput, Outcome, builtin::Builtin};
use domain::config::{BotConfig, PrivacyConfig};
use domain::i18n::Locales;
use domain::records;
use domain::store::{Db, providers};
use domain::vault::Vault;
use teloxide::prelude::*;
use teloxide::types::{ChatId, Me, UserId};
use tokio::sync::Notify;

use crate::limits::Limits;
use crate::scope::ProfileMemo;

/// How long an answer to "is this person an admin here?" is trusted.
const ADMIN_TTL: Duration = Duration::from_secs(120);

/// Shared by the processor and the sender.
pub struct Ctx {
    /// The database.
    pub db: Db,
    /// The keys.
    pub vault: Arc<Vault>,
    /// Every string a person sees.
    pub locales: Locales,
    /// The bot itself (getMe).
    pub me: Me,
    /// A plain Bot API client for lookups (sending goes through the outbox).
    pub bot: Bot,
    /// `[bot]` settings.
    pub settings: BotConfig,
    /// `[privacy]` settings.
    pub privacy: PrivacyConfig,
    /// Rate limits.
    pub limits: Limits,
    /// Woken when the outbox has new items.
    pub outbox_ready: Notify,
    /// Which profiles are stored as they are now (saves sealing them again).
    pub profiles: ProfileMemo,
    classifier: RwLock<Current>,
    admins: Mutex<HashMap<(i64, u64), (bool, Instant)>>,
}

impl std::fmt::Debug for Ctx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx")
            .field("me", &self.me.user.username)
            .finish_non_exhaustive()
    }
}

/// The classifier in use, and the provider row it was built from.
struct Current {
    classifier: Classifier,
    /// (id, updated_at) of the provider row, `None` for builtin.
    source: Option<(i64, DateTime<Utc>)>,
}

impl Ctx {
    /// A context; the classifier starts as builtin until [`Ctx::reload_classifier`].
    pub fn new(
        db: Db,
        vault: Arc<Vault>,
        locales: Locales,
        me: Me,
        bot: Bot,
        settings: BotConfig,
        privacy: PrivacyConfig,
    ) -> Ctx {
        let limits = Limits::new(&settings);
        Ctx {
            db,
            vault,
            locales,
            me,
            bot,
            settings,
            privacy,
            limits,
            outbox_ready: Notify::new(),
            profiles: ProfileMemo::new(),
            classifier: RwLock::new(Current {
                classifier: Classifier::Builtin(Builtin),
                source: None,
            }),
            admins: Mutex::new(HashMap::new()),
        }
    }

    /// The bot's @username (without @).
    pub fn username(&self) -> &str {
        self.me.user.username.as_deref().unwrap_or("")
    }

    /// The classifier to use now.
    pub fn classifier(&self) -> Classifier {
        match self.classifier.read() {
            Ok(c) => c.classifier.clone(),
            Err(_) => Classifier::Builtin(Builtin),
        }
    }

    /// Whether classifying sends the text out of the process (a provider
    /// is configured), so opted-out people and unapproved chats must be
    /// ruled out before.
    pub fn classifies_remotely(&self) -> bool {
        match self.classifier.read() {
            Ok(c) => !matches!(c.classifier, Classifier::Builtin(_)),
            Err(_) => true,
        }
    }

    /// The provider row behind the current classifier.
    pub fn provider_id(&self) -> Option<i64> {
        self.classifier
            .read()
            .ok()
            .and_then(|c| c.source.map(|(id, _)| id))
    }

    /// Classifies with the current classifier; builtin when `offline`.
    pub async fn classify(&self, input: &MessageInput<'_>, offline: bool) -> Outcome {
        if offline {
            return Classifier::Builtin(Builtin)
                .classify_with_outcome(input)
                .await;
        }
        self.classifier().classify_with_outcome(input).await
    }

    /// Follows the providers table: the default enabled provider, rebuilt
    /// when its row changed (operators edit it in the console while the bot
    /// runs); builtin when there is none. A client is kept while its row is
    /// unchanged, so its circuit breaker and rate limit carry on.
    pub async fn reload_classifier(&self) -> anyhow::Result<()> {
        let row = providers::default_provider(&self.db)
            .await?
            .filter(|p| p.enabled);
        let wanted = row.as_ref().map(|p| (p.id, p.updated_at));
        let have = self.classifier.read().ok().and_then(|c| c.source);
        if wanted == have {
            return Ok(());
        }
        let next = match row {
            None => Current {
                classifier: Classifier::Builtin(Builtin),
                source: None,
            },
            Some(p) => {
                let key = match p.api_key_ct {
                    Some(_) => Some(records::provider_key(&self.db, &self.vault, &p).await?),
                    None => None,
                }
                .flatten();
                let classifier = Settings::from_provider(&p, key)
                    .and_then(Classifier::openai)
                    .map_err(|e| anyhow::anyhow!("provider {:?}: {e}", p.name))?;
                Current {
                    classifier,
                    source: wanted,
                }
            }
        };
        tracing::info!(classifier = next.classifier.name(), "classifier in use");
        if let Ok(mut c) = self.classifier.write() {
            *c = next;
        }
        Ok(())
    }

    /// Whether `user` administers `chat` (anonymous admins post as the chat
    /// itself and count as admins). Asks Telegram, remembering answers for
    /// two minutes; `None` when Telegram cannot be asked.
    pub async fn is_admin(&self, chat: i64, user: u64) -> Option<bool> {
        let now = Instant::now();
        if let Ok(cache) = self.admins.lock()
            && let Some((answer, at)) = cache.get(&(chat, user))
            && now.duration_since(*at) < ADMIN_TTL
        {
            return Some(*answer);
        }
        match self.bot.get_chat_member(ChatId(chat), UserId(user)).await {
            Ok(member) => {
                let answer = member.is_privileged();
                if let Ok(mut cache) = self.admins.lock() {
                    cache.retain(|_, (_, at)| now.duration_since(*at) < ADMIN_TTL);
                    cache.insert((chat, user), (answer, now));
                }
                Some(answer)
            }
            Err(e) => {
                tracing::warn!(chat, error = %e, "cannot ask Telegram who administers a chat");
                None
            }
        }
    }
}
