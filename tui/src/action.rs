//! What happens in the console: [`Action`]s change the [`crate::app::App`]'s
//! state; [`Job`]s are database work the app asks for, run by
//! [`crate::tasks`] in their own tasks, which answer with actions.

use chrono::{DateTime, Utc};
use domain::operator::{DeadLetter, ProviderInput, ProviderTest, Queue};
use domain::purge::Preview;
use domain::rotation::{DekScope, KeyStatus, RewrapProgress};
use domain::store::audit::{AuditEntry, Verification};
use domain::store::chats::{Chat, ChatStatus, ReplyMode};
use domain::store::keys::{DataKey, KekRecord};
use domain::store::providers::Provider;
use domain::store::retention::{PurgeRun, RetentionPolicy};

/// The screens, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScreenId {
    /// Counts and health at a glance.
    Overview,
    /// Chat approval and per-chat settings.
    Chats,
    /// LLM providers.
    Providers,
    /// Encryption keys.
    Keys,
    /// Retention and purges.
    Retention,
    /// The audit log.
    Audit,
    /// Dead letters: reached from the overview (`d`), not a tab of its own.
    DeadLetters,
}

impl ScreenId {
    /// Every tab, in order (the dead letters are under the overview's).
    pub const ALL: [ScreenId; 6] = [
        ScreenId::Overview,
        ScreenId::Chats,
        ScreenId::Providers,
        ScreenId::Keys,
        ScreenId::Retention,
        ScreenId::Audit,
    ];

    /// The tab it is shown under: its own, or the overview's for the dead
    /// letters.
    pub fn tab(self) -> ScreenId {
        match self {
            ScreenId::DeadLetters => ScreenId::Overview,
            s => s,
        }
    }

    /// Position of its tab in the tab bar.
    pub fn index(self) -> usize {
        let tab = self.tab();
        ScreenId::ALL.iter().position(|s| *s == tab).unwrap_or(0)
    }

    /// The locale key of the tab's title.
    pub fn title_key(self) -> &'static str {
        match self {
            ScreenId::Overview => "console-tab-overview",
            ScreenId::Chats => "console-tab-chats",
            ScreenId::Providers => "console-tab-providers",
            ScreenId::Keys => "console-tab-keys",
            ScreenId::Retention => "console-tab-retention",
            ScreenId::Audit => "console-tab-audit",
            ScreenId::DeadLetters => "console-tab-dead-letters",
        }
    }
}

/// Database work. Every job that changes something is audited by `domain`
/// in the same transaction, naming the operator.
#[derive(Debug, Clone)]
pub enum Job {
    /// Reads what a screen shows.
    Load(ScreenId),
    /// Reads older audit entries (below `before_seq`).
    LoadOlderAudit {
        /// The oldest entry shown.
        before_seq: i64,
    },
    /// Approves, blocks or resets a chat.
    DecideChat {
        /// The chat.
        chat_id: i64,
        /// Its new status.
        status: ChatStatus,
    },
    /// Sets a chat's reply mode.
    SetReplyMode {
        /// The chat.
        chat_id: i64,
        /// The mode.
        mode: ReplyMode,
    },
    /// Sets a chat's confidence threshold.
    SetConfidence {
        /// The chat.
        chat_id: i64,
        /// 0 to 1.
        value: f64,
    },
    /// Sets or clears a chat's retention override.
    SetChatRetention {
        /// The chat.
        chat_id: i64,
        /// Days, or `None` for the default.
        days: Option<i32>,
    },
    /// Replaces the retention policy.
    SetPolicy(RetentionPolicy),
    /// Adds (`id` `None`) or changes a provider.
    SaveProvider {
        /// The provider, when editing.
        id: Option<i64>,
        /// What the operator entered.
        input: Box<ProviderInput>,
    },
    /// Deletes a provider.
    DeleteProvider {
        /// The provider.
        id: i64,
        /// Its name, for the notice.
        name: String,
    },
    /// Sends a sample message to a provider.
    TestProvider {
        /// The provider.
        id: i64,
        /// Its name, for the result.
        name: String,
    },
    /// Rotates the KEK held in the key file.
    RotateKek,
    /// New data-key versions, then re-encryption of old values.
    RotateDek(DekScope),
    /// Re-encrypts values still on old data-key versions.
    Rewrap,
    /// Retires data-key versions no value uses.
    Retire,
    /// Purges what the retention policy says has expired.
    Purge,
    /// Verifies the audit log's hash chain.
    VerifyAudit,
    /// Puts a dead letter back in its queue.
    RequeueDeadLetter {
        /// Its queue.
        queue: Queue,
        /// Its id there.
        id: i64,
    },
    /// Puts every dead letter back in its queue.
    RequeueAllDeadLetters,
    /// Deletes a dead letter for good.
    DiscardDeadLetter {
        /// Its queue.
        queue: Queue,
        /// Its id there.
        id: i64,
    },
}

impl Job {
    /// Whether the job only reads.
    pub fn is_read(&self) -> bool {
        matches!(
            self,
            Job::Load(_) | Job::LoadOlderAudit { .. } | Job::VerifyAudit | Job::TestProvider { .. }
        )
    }
}

/// The counts and health the overview shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OverviewData {
    /// Chats waiting for a decision.
    pub chats_pending: u64,
    /// Approved chats.
    pub chats_approved: u64,
    /// Blocked chats.
    pub chats_blocked: u64,
    /// People the bot knows.
    pub people: u64,
    /// Stored messages.
    pub messages: u64,
    /// Open tasks.
    pub open_tasks: u64,
    /// Inbox rows waiting.
    pub inbox_pending: u64,
    /// Dead inbox rows.
    pub inbox_dead: u64,
    /// Outbox items waiting.
    pub outbox_pending: u64,
    /// Dead outbox items.
    pub outbox_dead: u64,
    /// The latest purge run.
    pub last_purge: Option<PurgeRun>,
    /// Providers and their health.
    pub providers: Vec<Provider>,
    /// KEK versions.
    pub keks: Vec<KekRecord>,
    /// Data keys (system and blind index; people's are counted).
    pub system_keys: Vec<DataKey>,
    /// How many people's keys exist.
    pub person_keys: u64,
    /// Audit entries.
    pub audit_entries: u64,
}

/// A chat as the chats screen lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRow {
    /// The stored chat.
    pub chat: Chat,
    /// Its title, decrypted (`None` when unknown or unreadable).
    pub title: Option<String>,
}

/// What the keys screen shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeysData {
    /// Versions and the values under each.
    pub status: KeyStatus,
    /// The data keys with their versions.
    pub data_keys: Vec<DataKey>,
}

/// What the retention screen shows.
#[derive(Debug, Clone, PartialEq)]
pub struct RetentionData {
    /// What a purge would delete now.
    pub preview: Preview,
    /// Recent purge runs, newest first.
    pub runs: Vec<PurgeRun>,
}

/// What a load read.
#[derive(Debug, Clone, PartialEq)]
pub enum Loaded {
    /// The overview.
    Overview(Box<OverviewData>),
    /// Every chat, and the retention bounds overrides must fit.
    Chats {
        /// The chats, by id.
        rows: Vec<ChatRow>,
        /// The retention policy.
        policy: RetentionPolicy,
    },
    /// Every provider.
    Providers(Vec<Provider>),
    /// Keys.
    Keys(Box<KeysData>),
    /// Retention.
    Retention(Box<RetentionData>),
    /// The newest audit entries (replacing what was shown).
    Audit(Vec<AuditEntry>),
    /// Older audit entries (appended).
    OlderAudit(Vec<AuditEntry>),
    /// The dead letters of both queues (never their payloads).
    DeadLetters(Vec<DeadLetter>),
}

/// A change that succeeded, for the status line.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// A chat's status changed (false: it already had it).
    ChatDecided {
        /// The chat.
        chat_id: i64,
        /// The status.
        status: ChatStatus,
        /// Whether anything changed.
        changed: bool,
    },
    /// A chat setting changed.
    ChatUpdated {
        /// The chat.
        chat_id: i64,
    },
    /// The retention policy changed.
    PolicySaved,
    /// A provider was saved.
    ProviderSaved {
        /// Its name.
        name: String,
    },
    /// A provider was deleted.
    ProviderDeleted {
        /// Its name.
        name: String,
    },
    /// The KEK was rotated and the new key file installed.
    KekRotated {
        /// The new version.
        to: u32,
        /// Where the old key file is kept.
        backup: String,
    },
    /// New data-key versions were started.
    DekRotated {
        /// How many keys.
        keys: u64,
    },
    /// Re-encryption finished.
    Rewrapped {
        /// Values re-encrypted.
        rewritten: u64,
        /// Values read.
        scanned: u64,
    },
    /// Old versions were retired.
    Retired {
        /// How many keys.
        keys: u64,
    },
    /// A dead letter was put back in its queue (false: it was not dead
    /// any more, and nothing was done).
    Requeued {
        /// Its queue.
        queue: Queue,
        /// Its id there.
        id: i64,
        /// Whether anything changed.
        changed: bool,
    },
    /// Every dead letter was put back.
    RequeuedAll {
        /// Inbox rows.
        inbox: u64,
        /// Outbox items.
        outbox: u64,
    },
    /// A dead letter was deleted (false: it was not dead any more, and
    /// nothing was done).
    Discarded {
        /// Its queue.
        queue: Queue,
        /// Its id there.
        id: i64,
        /// Whether anything changed.
        changed: bool,
    },
    /// A purge finished.
    Purged {
        /// Messages deleted.
        messages: i64,
        /// Tasks deleted.
        tasks: i64,
    },
}

/// Everything that changes the app's state.
#[derive(Debug, Clone)]
pub enum Action {
    /// Leave the console.
    Quit,
    /// The clock moved (periodic refresh).
    Tick(DateTime<Utc>),
    /// Show another screen.
    Switch(ScreenId),
    /// Reload the current screen.
    Refresh,
    /// Open the help overlay.
    Help,
    /// Close the top modal.
    CloseModal,
    /// Open a modal.
    Open(Box<crate::modals::Modal>),
    /// Run a job.
    Run(Job),
    /// A load finished.
    Loaded(Loaded),
    /// A change succeeded.
    Done(Notice),
    /// A job failed: what was tried, and the error.
    Failed {
        /// The locale key of what was tried.
        what: &'static str,
        /// The error, as `domain` words it.
        error: String,
    },
    /// Re-encryption progress.
    Progress(RewrapProgress),
    /// The outcome of a provider test.
    Tested {
        /// The provider's name.
        name: String,
        /// What the test found.
        test: Box<ProviderTest>,
    },
    /// Filter the audit log by this text (empty: no filter).
    AuditSearch(String),
    /// The audit chain was verified.
    Verified(Verification),
    /// A job ended (after its other actions).
    JobEnded(Box<Job>),
    /// A job panicked (a bug): the console leaves, with this as its error.
    Crashed(String),
}
