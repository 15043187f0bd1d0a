//! Database work, each job in a task of its own, answering with actions.
//!
//! The app never waits for the database: it queues a [`Job`], a task runs it
//! through `domain` (which audits every change in the transaction that
//! makes it), and the result comes back on the action channel, followed by
//! [`Action::JobEnded`]. Changing jobs run one at a time (a writer queue),
//! so two rotations can never overlap; reads run alongside them.

use std::path::PathBuf;
use std::sync::Arc;

use domain::operator;
use domain::purge::{self, PurgeOptions};
use domain::records;
use domain::rotation;
use domain::store::chats::{self, ChatStatus};
use domain::store::inbox::{self, InboxStatus};
use domain::store::keys::{self, KeyPurpose};
use domain::store::outbox::{self, OutboxStatus};
use domain::store::{Db, audit, messages, people, providers, retention, tasks};
use domain::vault::{Vault, VaultError};
use tokio::sync::mpsc::UnboundedSender;

use crate::action::{
    Action, ChatRow, Job, KeysData, Loaded, Notice, OverviewData, RetentionData, ScreenId,
};
use crate::screens::AUDIT_PAGE;

/// How many dead letters of each queue the dead-letters screen lists
/// (oldest first; the overview counts them all).
pub const DEAD_LETTERS_SHOWN: u64 = 500;

/// The sample a connection test classifies (fixed, and free of personal data).
pub const TEST_SAMPLE: &str = "Please fix the login page by Friday";

/// What the jobs run against.
#[derive(Debug)]
pub struct Services {
    /// The database the bot uses.
    pub db: Db,
    /// The key vault.
    pub vault: Arc<Vault>,
    /// Who the audit log names.
    pub actor: String,
    /// The key file to replace on a KEK rotation (`None`: the key comes from
    /// a systemd credential or the environment, and is replaced by hand).
    pub key_file: Option<PathBuf>,
}

/// Runs jobs in tasks.
#[derive(Debug, Clone)]
pub struct Worker {
    services: Arc<Services>,
    actions: UnboundedSender<Action>,
    writes: Arc<tokio::sync::Mutex<()>>,
    #[cfg(feature = "test-hooks")]
    panic_next: Arc<std::sync::atomic::AtomicBool>,
}

impl Worker {
    /// A worker sending its results to `actions`.
    pub fn new(services: Arc<Services>, actions: UnboundedSender<Action>) -> Worker {
        Worker {
            services,
            actions,
            writes: Arc::new(tokio::sync::Mutex::new(())),
            #[cfg(feature = "test-hooks")]
            panic_next: Arc::default(),
        }
    }

    /// Makes the next job panic, other than the overview's (tests of the
    /// panic hook only: the overview loads at start-up, before the test
    /// has seen the first frame; the next job is one the test asks for).
    #[cfg(feature = "test-hooks")]
    pub fn panic_next_job(&self) {
        self.panic_next
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// Starts `job` in a task of its own. A job that panics (a bug) is
    /// answered with [`Action::Crashed`]; either way [`Action::JobEnded`]
    /// follows, so nothing waits for it forever.
    pub fn spawn(&self, job: Job) {
        use futures::FutureExt;
        let this = self.clone();
        tokio::spawn(async move {
            let _turn = if job.is_read() {
                None
            } else {
                Some(this.writes.clone().lock_owned().await)
            };
            let ran = std::panic::AssertUnwindSafe(this.run(&job))
                .catch_unwind()
                .await;
            if let Err(panic) = ran {
                let why = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                this.send(Action::Crashed(format!("a console job panicked: {why}")));
            }
            let _ = this.actions.send(Action::JobEnded(Box::new(job)));
        });
    }

    fn send(&self, action: Action) {
        // The receiver is gone only when the console is closing.
        let _ = self.actions.send(action);
    }

    async fn run(&self, job: &Job) {
        #[cfg(feature = "test-hooks")]
        if !matches!(job, Job::Load(ScreenId::Overview))
            && self
                .panic_next
                .swap(false, std::sync::atomic::Ordering::SeqCst)
        {
            panic!("--panic-for-test job: panicking in a job, as asked");
        }
        let s = &*self.services;
        let actor = s.actor.as_str();
        let fail = |what: &'static str, e: &dyn std::fmt::Display| {
            tracing::warn!(job = what, error = %e, "console job failed");
            Action::Failed {
                what,
                error: e.to_string(),
            }
        };
        let action = match job {
            Job::Load(screen) => match self.load(*screen).await {
                Ok(loaded) => Action::Loaded(loaded),
                Err(e) => fail("console-what-load", &e),
            },
            Job::LoadOlderAudit { before_seq } => {
                match audit_page(&s.db, Some(*before_seq)).await {
                    Ok(entries) => Action::Loaded(Loaded::OlderAudit(entries)),
                    Err(e) => fail("console-what-load", &e),
                }
            }
            Job::DecideChat { chat_id, status } => {
                match operator::decide_chat(&s.db, *chat_id, *status, actor).await {
                    Ok(changed) => Action::Done(Notice::ChatDecided {
                        chat_id: *chat_id,
                        status: *status,
                        changed,
                    }),
                    Err(e) => fail("console-what-decide", &e),
                }
            }
            Job::SetReplyMode { chat_id, mode } => chat_done(
                *chat_id,
                operator::set_reply_mode(&s.db, *chat_id, *mode, actor).await,
            )
            .unwrap_or_else(|e| fail("console-what-chat", &e)),
            Job::SetConfidence { chat_id, value } => chat_done(
                *chat_id,
                operator::set_confidence_threshold(&s.db, *chat_id, *value, actor).await,
            )
            .unwrap_or_else(|e| fail("console-what-chat", &e)),
            Job::SetChatRetention { chat_id, days } => chat_done(
                *chat_id,
                operator::set_chat_retention(&s.db, *chat_id, *days, actor).await,
            )
            .unwrap_or_else(|e| fail("console-what-chat", &e)),
            Job::SetPolicy(p) => match operator::set_retention_policy(&s.db, *p, actor).await {
                Ok(()) => Action::Done(Notice::PolicySaved),
                Err(e) => fail("console-what-policy", &e),
            },
            Job::SaveProvider { id, input } => {
                match operator::save_provider(&s.db, &s.vault, *id, (**input).clone(), actor).await
                {
                    Ok(p) => Action::Done(Notice::ProviderSaved { name: p.name }),
                    Err(e) => fail("console-what-save-provider", &e),
                }
            }
            Job::DeleteProvider { id, name } => {
                match operator::delete_provider(&s.db, *id, actor).await {
                    Ok(_) => Action::Done(Notice::ProviderDeleted { name: name.clone() }),
                    Err(e) => fail("console-what-delete-provider", &e),
                }
            }
            Job::TestProvider { id, name } => {
                match operator::test_provider(
                    &s.db,
                    &s.vault,
                    *id,
                    TEST_SAMPLE,
                    domain::store::now(),
                )
                .await
                {
                    Ok(test) => Action::Tested {
                        name: name.clone(),
                        test: Box::new(test),
                    },
                    Err(e) => fail("console-what-test", &e),
                }
            }
            Job::RotateKek => match &s.key_file {
                Some(path) => {
                    match rotation::rotate_kek_in_place(&s.db, &s.vault, path, actor).await {
                        Ok(done) => Action::Done(Notice::KekRotated {
                            to: done.rotation.to,
                            backup: done.backup.display().to_string(),
                        }),
                        Err(e) => fail("console-what-rotate-kek", &e),
                    }
                }
                None => fail(
                    "console-what-rotate-kek",
                    &"the key does not come from a key file; use `tasktracker keys rotate-kek`",
                ),
            },
            Job::RotateDek(scope) => {
                match rotation::rotate_dek(&s.db, &s.vault, *scope, actor).await {
                    Ok(n) => {
                        self.send(Action::Done(Notice::DekRotated { keys: n }));
                        self.rewrap().await
                    }
                    Err(e) => fail("console-what-rotate-dek", &e),
                }
            }
            Job::Rewrap => self.rewrap().await,
            Job::Retire => match rotation::retire_versions(&s.db, &s.vault, actor).await {
                Ok(r) => Action::Done(Notice::Retired {
                    keys: r.len() as u64,
                }),
                Err(e) => fail("console-what-retire", &e),
            },
            Job::Purge => {
                let opts = PurgeOptions {
                    trigger: "console".into(),
                    ..PurgeOptions::default()
                };
                match purge::purge(&s.db, domain::store::now(), &opts, actor).await {
                    Ok(run) => Action::Done(Notice::Purged {
                        messages: run.counts.messages,
                        tasks: run.counts.tasks,
                    }),
                    Err(e) => fail("console-what-purge", &e),
                }
            }
            Job::VerifyAudit => match audit::verify(&s.db).await {
                Ok(v) => Action::Verified(v),
                Err(e) => fail("console-what-verify", &e),
            },
            Job::RequeueDeadLetter { queue, id } => {
                match operator::requeue_dead_letter(&s.db, *queue, *id, actor).await {
                    Ok(changed) => Action::Done(Notice::Requeued {
                        queue: *queue,
                        id: *id,
                        changed,
                    }),
                    Err(e) => fail("console-what-requeue", &e),
                }
            }
            Job::RequeueAllDeadLetters => {
                match operator::requeue_all_dead_letters(&s.db, actor).await {
                    Ok((inbox, outbox)) => Action::Done(Notice::RequeuedAll { inbox, outbox }),
                    Err(e) => fail("console-what-requeue", &e),
                }
            }
            Job::DiscardDeadLetter { queue, id } => {
                match operator::discard_dead_letter(&s.db, *queue, *id, actor).await {
                    Ok(changed) => Action::Done(Notice::Discarded {
                        queue: *queue,
                        id: *id,
                        changed,
                    }),
                    Err(e) => fail("console-what-discard", &e),
                }
            }
        };
        self.send(action);
    }

    async fn rewrap(&self) -> Action {
        let s = &*self.services;
        let actions = self.actions.clone();
        match rotation::rewrap_values(&s.db, &s.vault, rotation::DEFAULT_BATCH, &s.actor, |p| {
            let _ = actions.send(Action::Progress(p.clone()));
        })
        .await
        {
            Ok(p) => Action::Done(Notice::Rewrapped {
                rewritten: p.rewritten,
                scanned: p.scanned,
            }),
            Err(e) => Action::Failed {
                what: "console-what-rewrap",
                error: e.to_string(),
            },
        }
    }

    async fn load(&self, screen: ScreenId) -> Result<Loaded, VaultError> {
        let s = &*self.services;
        let db = &s.db;
        Ok(match screen {
            ScreenId::Overview => Loaded::Overview(Box::new(overview(db).await?)),
            ScreenId::Chats => {
                let mut rows = Vec::new();
                for chat in chats::list(db, None).await? {
                    let title = match records::chat_title(db, &s.vault, &chat).await {
                        Ok(t) => t,
                        Err(e) => {
                            tracing::warn!(chat = chat.id, error = %e, "chat title unreadable");
                            None
                        }
                    };
                    rows.push(ChatRow { chat, title });
                }
                Loaded::Chats {
                    rows,
                    policy: retention::policy(db).await?,
                }
            }
            ScreenId::Providers => Loaded::Providers(providers::list(db).await?),
            ScreenId::Keys => {
                let mut data_keys = Vec::new();
                for p in KeyPurpose::ALL {
                    data_keys.extend(keys::list_data_keys(db, *p).await?);
                }
                Loaded::Keys(Box::new(KeysData {
                    status: rotation::status(db).await?,
                    data_keys,
                }))
            }
            ScreenId::Retention => Loaded::Retention(Box::new(RetentionData {
                preview: purge::preview(
                    db,
                    domain::store::now(),
                    PurgeOptions::default().queue_retention,
                )
                .await?,
                runs: retention::recent_runs(db, 6).await?,
            })),
            ScreenId::Audit => Loaded::Audit(audit_page(db, None).await?),
            ScreenId::DeadLetters => {
                Loaded::DeadLetters(operator::dead_letters(db, DEAD_LETTERS_SHOWN).await?)
            }
        })
    }
}

async fn audit_page(
    db: &Db,
    before_seq: Option<i64>,
) -> Result<Vec<domain::store::audit::AuditEntry>, domain::store::StoreError> {
    let filter = audit::AuditFilter {
        action_prefix: None,
        before_seq,
    };
    audit::list(db, &filter, AUDIT_PAGE).await
}

fn chat_done<E>(chat_id: i64, r: Result<chats::Chat, E>) -> Result<Action, E> {
    r.map(|_| Action::Done(Notice::ChatUpdated { chat_id }))
}

async fn overview(db: &Db) -> Result<OverviewData, VaultError> {
    let all = chats::list(db, None).await?;
    let n = |s: ChatStatus| all.iter().filter(|c| c.status == s).count() as u64;
    let mut system_keys = keys::list_data_keys(db, KeyPurpose::System).await?;
    system_keys.extend(keys::list_data_keys(db, KeyPurpose::BlindIndex).await?);
    Ok(OverviewData {
        chats_pending: n(ChatStatus::Pending),
        chats_approved: n(ChatStatus::Approved),
        chats_blocked: n(ChatStatus::Blocked),
        people: people::count(db).await?,
        messages: messages::count(db, None).await?,
        open_tasks: tasks::count_open(db, None).await?,
        inbox_pending: inbox::count(db, InboxStatus::Pending).await?,
        inbox_dead: inbox::count(db, InboxStatus::Dead).await?,
        outbox_pending: outbox::count(db, OutboxStatus::Pending).await?,
        outbox_dead: outbox::count(db, OutboxStatus::Dead).await?,
        last_purge: retention::recent_runs(db, 1).await?.into_iter().next(),
        providers: providers::list(db).await?,
        keks: keys::kek_versions(db).await?,
        system_keys,
        person_keys: keys::list_data_keys(db, KeyPurpose::Person).await?.len() as u64,
        audit_entries: audit::count(db).await?,
    })
}
