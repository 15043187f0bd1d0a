//! The operators' console, driven by keys as an operator would, on SQLite
//! and PostgreSQL: its changes land in the database, encrypted where they
//! must be, each with an audit entry naming the operator. And the console
//! writing to the SQLite file while the real bot writes its inbox.
//!
//! The bot's message processor is not written yet, so "approve a chat and
//! see the bot capture there" is asserted as the approval in the database;
//! the capture itself belongs to the processor's tests.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use domain::i18n::{Lang, Locales};
use domain::operator;
use domain::records::{self, IncomingMessage, Profile};
use domain::store::audit::{self, AuditEntry, AuditFilter, Verification};
use domain::store::chats::{self, ChatKind, ChatStatus, ReplyMode};
use domain::store::keys::{self, KeyPurpose};
use domain::store::providers::{self, CircuitState};
use domain::store::{Db, messages, retention};
use domain::vault::{KekSource, OpenOptions, Vault};
use tests::db::TestDb;
use tests::fake_openai::{FakeOpenAi, Reply};
use tests::fake_telegram::{FakeTelegram, TgUser};
use tui::action::ScreenId;
use tui::app::{App, Ctx};
use tui::modals::{Level, Modal};
use tui::tasks::Services;
use tui::text::Text;
use tui::theme::Theme;
use tui::{Console, KeyCode, KeyEvent, KeyModifiers};

on_both_backends!(
    approving_a_chat_and_its_settings_are_audited_under_the_operator,
    a_provider_added_in_the_form_has_its_key_encrypted,
    testing_a_provider_reports_latency_and_records_health,
    rotating_keys_from_the_console,
    retention_preview_and_purge_from_the_console,
    the_audit_screen_verifies_the_chain,
    provider_health_records_the_circuit_state,
    dead_letters_are_requeued_and_discarded_from_the_console,
    a_provider_url_with_credentials_stays_redacted,
);

/// The operator every test is: an SSH login.
fn operator_env() -> Vec<(String, String)> {
    vec![
        ("USER".into(), "olena".into()),
        ("SSH_CLIENT".into(), "203.0.113.7 52144 22".into()),
    ]
}

const OPERATOR: &str = "console:olena@203.0.113.7";

struct Harness {
    console: Console,
    db: Db,
    vault: Arc<Vault>,
    key_file: std::path::PathBuf,
    _dir: Option<tempfile::TempDir>,
}

async fn unlock(db: &Db, key_file: &Path) -> Vault {
    Vault::unlock(
        db,
        &OpenOptions {
            source: KekSource::File(key_file.to_path_buf()),
            create_if_missing: true,
        },
    )
    .await
    .unwrap()
}

fn console_over(db: Db, vault: Arc<Vault>, key_file: Option<std::path::PathBuf>) -> Console {
    let actor = operator::actor("console", &operator_env());
    assert_eq!(actor, OPERATOR);
    let ctx = Ctx {
        text: Text::new(Arc::new(Locales::load().unwrap()), Lang::En),
        theme: Theme::new(false),
        now: Utc::now(),
        kek_in_place: key_file.is_some(),
        actor: actor.clone(),
    };
    Console::new(
        App::new(ctx),
        Arc::new(Services {
            db,
            vault,
            actor,
            key_file,
        }),
    )
}

async fn harness(t: &TestDb) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("master.key");
    let vault = Arc::new(unlock(&t.db, &key_file).await);
    let mut console = console_over(t.db.clone(), vault.clone(), Some(key_file.clone()));
    console.settle().await;
    Harness {
        console,
        db: t.db.clone(),
        vault,
        key_file,
        _dir: Some(dir),
    }
}

impl Harness {
    async fn press(&mut self, code: KeyCode) {
        self.console.press(KeyEvent::new(code, KeyModifiers::NONE));
        self.console.settle().await;
    }

    async fn ctrl(&mut self, c: char) {
        self.console
            .press(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
        self.console.settle().await;
    }

    async fn keys(&mut self, s: &str) {
        for c in s.chars() {
            self.press(KeyCode::Char(c)).await;
        }
    }

    async fn tab(&mut self, n: usize) {
        for _ in 0..n {
            self.press(KeyCode::Tab).await;
        }
    }

    /// What the operator sees, at 80×24.
    fn screen(&mut self) -> String {
        self.console.screen_text(80, 24).unwrap()
    }

    fn assert_no_error(&self) {
        let app = &self.console.app;
        assert!(
            !app.modals()
                .iter()
                .any(|m| matches!(m, Modal::Message(msg) if msg.level == Level::Error)),
            "an error is shown: {:?}",
            app.modals()
        );
        assert!(
            app.status().is_none_or(|s| s.level != Level::Error),
            "{:?}",
            app.status()
        );
    }
}

async fn last_audit(db: &Db) -> AuditEntry {
    audit::list(db, &AuditFilter::default(), 1)
        .await
        .unwrap()
        .remove(0)
}

async fn seen_chat(db: &Db, vault: &Vault, id: i64, title: &str) {
    let tx = db.begin_write().await.unwrap();
    records::save_chat(&tx, vault, id, ChatKind::Supergroup, Some(title))
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn approving_a_chat_and_its_settings_are_audited_under_the_operator(t: &TestDb) {
    let mut h = harness(t).await;
    seen_chat(&h.db, &h.vault, -1001234567890, "Backend team").await;
    h.press(KeyCode::Char('2')).await;
    assert_eq!(h.console.app.screen(), ScreenId::Chats);
    let screen = h.screen();
    assert!(
        screen.contains("-1001234567890") && screen.contains("Backend team"),
        "the title is decrypted for the operator:\n{screen}"
    );

    h.press(KeyCode::Char('a')).await;
    assert!(h.screen().contains("Approve chat -1001234567890?"));
    h.press(KeyCode::Char('y')).await;
    h.assert_no_error();
    let chat = chats::get(&h.db, -1001234567890).await.unwrap().unwrap();
    assert_eq!(chat.status, ChatStatus::Approved);
    assert_eq!(chat.decided_by.as_deref(), Some(OPERATOR));
    let e = last_audit(&h.db).await;
    assert_eq!(
        (e.actor.as_str(), e.action.as_str(), e.subject.as_deref()),
        (OPERATOR, "chat.approve", Some("chat:-1001234567890"))
    );
    assert!(
        h.screen().contains("Chat -1001234567890 is approved"),
        "{}",
        h.screen()
    );
    // The list was reloaded after the change.
    assert_eq!(
        h.console.app.chats.selected().map(|r| r.chat.status),
        Some(ChatStatus::Approved)
    );

    // Reply mode: reply → react.
    h.press(KeyCode::Char('m')).await;
    h.press(KeyCode::Right).await;
    h.press(KeyCode::Enter).await;
    h.press(KeyCode::Char('y')).await;
    // Confidence threshold.
    h.press(KeyCode::Char('c')).await;
    h.ctrl('u').await;
    h.keys("0.75").await;
    h.press(KeyCode::Enter).await;
    h.press(KeyCode::Char('y')).await;
    // A retention override within the bounds (1 to 3650 days by default).
    h.press(KeyCode::Char('t')).await;
    h.keys("30").await;
    h.press(KeyCode::Enter).await;
    h.press(KeyCode::Char('y')).await;
    h.assert_no_error();
    let chat = chats::get(&h.db, -1001234567890).await.unwrap().unwrap();
    assert_eq!(chat.reply_mode, ReplyMode::React);
    assert!((chat.confidence_threshold - 0.75).abs() < 1e-9);
    assert_eq!(chat.retention_days, Some(30));
    let entries = audit::list(&h.db, &AuditFilter::default(), 10)
        .await
        .unwrap();
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "chat.retention",
            "chat.confidence_threshold",
            "chat.reply_mode",
            "chat.approve"
        ]
    );
    assert!(entries.iter().all(|e| e.actor == OPERATOR));
    assert_eq!(entries[0].details, r#"{"from":null,"to":30}"#);

    // Out of the bounds: refused by domain too, not only by the form.
    assert!(
        operator::set_chat_retention(&h.db, -1001234567890, Some(5000), OPERATOR)
            .await
            .is_err()
    );

    // Block, then cancel a second block: nothing more is audited.
    h.press(KeyCode::Char('b')).await;
    h.press(KeyCode::Char('y')).await;
    let n = audit::count(&h.db).await.unwrap();
    h.press(KeyCode::Char('b')).await;
    h.press(KeyCode::Esc).await;
    assert_eq!(audit::count(&h.db).await.unwrap(), n);
    assert_eq!(
        chats::get(&h.db, -1001234567890)
            .await
            .unwrap()
            .unwrap()
            .status,
        ChatStatus::Blocked
    );
    assert!(matches!(
        audit::verify(&h.db).await.unwrap(),
        Verification::Intact { .. }
    ));
}

async fn a_provider_added_in_the_form_has_its_key_encrypted(t: &TestDb) {
    let secret = "sk-or-v1-0123456789-very-secret";
    let mut h = harness(t).await;
    h.press(KeyCode::Char('3')).await;
    h.press(KeyCode::Char('n')).await;
    h.keys("openrouter").await;
    h.tab(2).await;
    h.keys("https://openrouter.ai/api/v1").await;
    h.tab(1).await;
    h.keys("meta-llama/llama-3.1-8b").await;
    h.tab(1).await;
    h.keys(secret).await;
    assert!(!h.screen().contains(secret), "the key is typed masked");
    h.tab(1).await;
    h.ctrl('u').await;
    h.keys("15000").await;
    h.tab(3).await;
    h.press(KeyCode::Char(' ')).await; // default on
    h.press(KeyCode::Enter).await;
    h.assert_no_error();
    assert!(h.console.app.modals().is_empty(), "saved: the form closed");

    let p = providers::get_by_name(&h.db, "openrouter")
        .await
        .unwrap()
        .expect("the provider row");
    assert_eq!(p.base_url, "https://openrouter.ai/api/v1");
    assert_eq!(p.timeout_ms, 15_000);
    assert!(p.is_default && p.enabled && p.redact_pii);
    let ct = p.api_key_ct.clone().expect("a stored key");
    assert!(
        !ct.windows(secret.len()).any(|w| w == secret.as_bytes())
            && !ct.windows(9).any(|w| w == b"sk-or-v1-"),
        "the row holds ciphertext, not the key"
    );
    let opened = records::provider_key(&h.db, &h.vault, &p).await.unwrap();
    assert_eq!(
        opened.map(|s| s.expose().to_owned()).as_deref(),
        Some(secret)
    );
    let e = last_audit(&h.db).await;
    assert_eq!(
        (e.actor.as_str(), e.action.as_str()),
        (OPERATOR, "provider.create")
    );
    assert!(e.details.contains(r#""api_key":"set""#), "{}", e.details);
    assert!(!e.details.contains("sk-or"), "{}", e.details);
    assert!(h.screen().contains("openrouter"));

    // Rename it without touching the key: the key is sealed again under the
    // new name (its associated data), and updated_at moves for the bot.
    tokio::time::sleep(Duration::from_millis(5)).await;
    h.press(KeyCode::Char('e')).await;
    h.ctrl('u').await;
    h.keys("router").await;
    h.press(KeyCode::Enter).await;
    h.assert_no_error();
    let renamed = providers::get(&h.db, p.id).await.unwrap().unwrap();
    assert_eq!(renamed.name, "router");
    assert!(renamed.updated_at > p.updated_at);
    let opened = records::provider_key(&h.db, &h.vault, &renamed)
        .await
        .unwrap();
    assert_eq!(
        opened.map(|s| s.expose().to_owned()).as_deref(),
        Some(secret)
    );
    let e = last_audit(&h.db).await;
    assert_eq!(e.action, "provider.update");
    assert!(
        e.details.contains(r#""renamed_from":"openrouter""#),
        "{}",
        e.details
    );

    // Remove the key: Delete in the key field of the form.
    h.press(KeyCode::Char('e')).await;
    h.tab(4).await;
    h.press(KeyCode::Delete).await;
    assert!(h.screen().contains("(will be removed)"), "{}", h.screen());
    h.press(KeyCode::Enter).await;
    h.assert_no_error();
    let keyless = providers::get(&h.db, p.id).await.unwrap().unwrap();
    assert_eq!(keyless.api_key_ct, None);
    assert!(
        last_audit(&h.db)
            .await
            .details
            .contains(r#""api_key":"removed""#)
    );

    // A duplicate name is refused in the form, which stays open.
    h.press(KeyCode::Char('n')).await;
    h.keys("router").await;
    h.tab(2).await;
    h.keys("http://127.0.0.1:11434/v1").await;
    h.tab(1).await;
    h.keys("llama3.1").await;
    h.press(KeyCode::Enter).await;
    let Some(Modal::Form(form)) = h.console.app.modals().last() else {
        panic!("the form stays open");
    };
    assert!(
        form.error
            .as_deref()
            .is_some_and(|e| e.contains("already exists")),
        "{:?}",
        form.error
    );
    h.press(KeyCode::Esc).await;

    // Delete, confirmed.
    h.press(KeyCode::Char('d')).await;
    h.press(KeyCode::Char('y')).await;
    h.assert_no_error();
    assert!(providers::get(&h.db, p.id).await.unwrap().is_none());
    let e = last_audit(&h.db).await;
    assert_eq!(
        (e.actor.as_str(), e.action.as_str()),
        (OPERATOR, "provider.delete")
    );
}

async fn testing_a_provider_reports_latency_and_records_health(t: &TestDb) {
    let fake = FakeOpenAi::start().await;
    fake.set_default(Reply::kind("task"));
    let mut h = harness(t).await;
    operator::save_provider(
        &h.db,
        &h.vault,
        None,
        operator::ProviderInput {
            name: "fake".into(),
            kind: "openai".into(),
            base_url: fake.base_url(),
            model: "m".into(),
            api_key: operator::ApiKeyChange::Set(domain::Secret::new("sk-test-key")),
            timeout_ms: 5_000,
            requests_per_minute: 600,
            redact_pii: true,
            is_default: false,
            enabled: true,
        },
        OPERATOR,
    )
    .await
    .unwrap();
    operator::save_provider(
        &h.db,
        &h.vault,
        None,
        operator::ProviderInput {
            name: "nowhere".into(),
            kind: "openai".into(),
            // Nothing listens on port 9 here.
            base_url: "http://127.0.0.1:9/v1".into(),
            model: "m".into(),
            api_key: operator::ApiKeyChange::Remove,
            timeout_ms: 2_000,
            requests_per_minute: 60,
            redact_pii: false,
            is_default: false,
            enabled: true,
        },
        OPERATOR,
    )
    .await
    .unwrap();
    h.press(KeyCode::Char('3')).await;
    h.press(KeyCode::Char('t')).await; // "fake" sorts first
    let screen = h.screen();
    assert!(screen.contains("fake answered"), "{screen}");
    assert!(
        screen.contains("Latency:") && screen.contains("Result: task"),
        "{screen}"
    );
    assert_eq!(
        fake.requests()[0].authorization.as_deref(),
        Some("Bearer sk-test-key"),
        "the decrypted key is what the provider receives"
    );
    let p = providers::get_by_name(&h.db, "fake")
        .await
        .unwrap()
        .unwrap();
    assert!(p.last_ok_at.is_some());
    h.press(KeyCode::Enter).await;

    h.press(KeyCode::Down).await;
    h.press(KeyCode::Char('t')).await;
    let screen = h.screen();
    assert!(
        screen.contains("nowhere failed") && screen.contains("connection failed"),
        "{screen}"
    );
    let p = providers::get_by_name(&h.db, "nowhere")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.last_error.as_deref(), Some("connection failed"));
}

async fn rotating_keys_from_the_console(t: &TestDb) {
    let mut h = harness(t).await;
    seen_chat(&h.db, &h.vault, -100, "Sealed title").await;
    let system = keys::list_data_keys(&h.db, KeyPurpose::System)
        .await
        .unwrap()
        .remove(0);
    h.press(KeyCode::Char('4')).await;
    assert!(h.screen().contains("Key-encryption key"), "{}", h.screen());

    // Data keys: a new version, then every value re-encrypted.
    h.press(KeyCode::Char('D')).await;
    h.press(KeyCode::Char('y')).await;
    h.assert_no_error();
    let after = keys::get_data_key(&h.db, system.id).await.unwrap().unwrap();
    assert_eq!(after.current_version, system.current_version + 1);
    let actions: Vec<String> = audit::list(&h.db, &AuditFilter::default(), 2)
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            assert_eq!(e.actor, OPERATOR);
            e.action
        })
        .collect();
    assert_eq!(actions, ["keys.rewrap", "keys.rotate_dek"]);
    assert!(
        h.screen()
            .contains("Every value uses its key's current version"),
        "{}",
        h.screen()
    );

    // Retire the old versions.
    h.press(KeyCode::Char('R')).await;
    h.press(KeyCode::Char('y')).await;
    h.assert_no_error();
    let retired = keys::get_data_key(&h.db, system.id).await.unwrap().unwrap();
    assert_eq!(retired.min_decrypt_version, after.current_version);
    assert_eq!(last_audit(&h.db).await.action, "keys.retire");

    // The KEK: a new key file is made, the data keys rewrapped, the file
    // installed in place and the old one kept.
    let old_key = std::fs::read_to_string(&h.key_file).unwrap();
    h.press(KeyCode::Char('K')).await;
    h.press(KeyCode::Char('y')).await;
    h.assert_no_error();
    let keks = keys::kek_versions(&h.db).await.unwrap();
    assert_eq!(keks.len(), 2);
    assert!(keks[0].retired_at.is_some() && keks[1].retired_at.is_none());
    assert_ne!(std::fs::read_to_string(&h.key_file).unwrap(), old_key);
    let backup = h.key_file.with_file_name("master.key.v1");
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), old_key);
    assert!(!h.key_file.with_file_name("master.key.next").exists());
    let e = last_audit(&h.db).await;
    assert_eq!(
        (e.actor.as_str(), e.action.as_str()),
        (OPERATOR, "keys.rotate_kek")
    );
    assert!(h.screen().contains("KEK v2 is in place"), "{}", h.screen());

    // The values still open, with the vault that followed the new key file
    // and with a fresh one.
    let chat = chats::get(&h.db, -100).await.unwrap().unwrap();
    assert_eq!(
        records::chat_title(&h.db, &h.vault, &chat)
            .await
            .unwrap()
            .as_deref(),
        Some("Sealed title")
    );
    let fresh = unlock(&h.db, &h.key_file).await;
    assert_eq!(
        records::chat_title(&h.db, &fresh, &chat)
            .await
            .unwrap()
            .as_deref(),
        Some("Sealed title")
    );
}

async fn capture_old(db: &Db, vault: &Vault, chat: i64, n: i64, days_ago: i64) {
    let tx = db.begin_write().await.unwrap();
    let person = records::save_person(
        &tx,
        vault,
        &Profile {
            telegram_user_id: 777,
            name: "Someone".into(),
            username: None,
            language_code: None,
        },
    )
    .await
    .unwrap();
    for i in 0..n {
        records::capture_message(
            &tx,
            vault,
            &person,
            &IncomingMessage {
                chat_id: chat,
                message_id: 1000 * days_ago + i,
                sent_at: Utc::now() - chrono::Duration::days(days_ago),
                text: "an old message",
                reply_to_message_id: None,
                is_forwarded: false,
            },
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
}

async fn retention_preview_and_purge_from_the_console(t: &TestDb) {
    let mut h = harness(t).await;
    seen_chat(&h.db, &h.vault, -7, "Old chat").await;
    capture_old(&h.db, &h.vault, -7, 3, 120).await;
    capture_old(&h.db, &h.vault, -7, 2, 8).await;
    h.press(KeyCode::Char('5')).await;
    let d = h.console.app.retention.data.clone().expect("loaded");
    assert_eq!(d.preview.messages(), 3, "older than the 90-day default");
    assert_eq!(
        messages::count(&h.db, None).await.unwrap(),
        5,
        "a preview deletes nothing"
    );
    assert!(
        retention::recent_runs(&h.db, 1).await.unwrap().is_empty(),
        "nor records a run"
    );

    // An override for the chat changes the preview: 7 days.
    h.press(KeyCode::Char('t')).await;
    h.keys("7").await;
    h.press(KeyCode::Enter).await;
    h.press(KeyCode::Char('y')).await;
    h.assert_no_error();
    let d = h.console.app.retention.data.clone().unwrap();
    assert_eq!(d.preview.messages(), 5);

    // The policy: default 60, bounds 10..400 (the override of 7 is clamped to 10).
    h.press(KeyCode::Char('e')).await;
    h.ctrl('u').await;
    h.keys("60").await;
    h.tab(1).await;
    h.ctrl('u').await;
    h.keys("10").await;
    h.tab(1).await;
    h.ctrl('u').await;
    h.keys("400").await;
    h.press(KeyCode::Enter).await;
    h.press(KeyCode::Char('y')).await;
    h.assert_no_error();
    let p = retention::policy(&h.db).await.unwrap();
    assert_eq!((p.default_days, p.min_days, p.max_days), (60, 10, 400));
    assert_eq!(last_audit(&h.db).await.action, "retention.policy");
    let d = h.console.app.retention.data.clone().unwrap();
    assert_eq!(d.preview.chats[0].effective_days, 10);
    assert_eq!(d.preview.messages(), 3);

    h.press(KeyCode::Char('P')).await;
    assert!(h.screen().contains("Purge now?"));
    h.press(KeyCode::Char('y')).await;
    h.assert_no_error();
    assert_eq!(messages::count(&h.db, None).await.unwrap(), 2);
    let run = retention::recent_runs(&h.db, 1).await.unwrap().remove(0);
    assert_eq!((run.trigger.as_str(), run.counts.messages), ("console", 3));
    let e = last_audit(&h.db).await;
    assert_eq!(
        (e.actor.as_str(), e.action.as_str()),
        (OPERATOR, "retention.purge")
    );
    assert!(h.screen().contains("Purged 3 messages"), "{}", h.screen());
}

async fn the_audit_screen_verifies_the_chain(t: &TestDb) {
    let mut h = harness(t).await;
    operator::decide_chat(&h.db, -1, ChatStatus::Approved, "cli:ops")
        .await
        .unwrap();
    let tx = h.db.begin_write().await.unwrap();
    audit::append(
        &tx,
        audit::NewAuditEntry {
            actor: "bot".into(),
            action: "privacy.forget".into(),
            subject: None,
            details: serde_json::json!({"messages": 4}),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    h.press(KeyCode::Char('6')).await;
    h.press(KeyCode::Char('v')).await;
    let screen = h.screen();
    assert!(screen.contains("intact, 2 entries checked"), "{screen}");
    h.press(KeyCode::Char('s')).await;
    let screen = h.screen();
    assert!(
        screen.contains("privacy.forget") && !screen.contains("chat.approve"),
        "{screen}"
    );
}

async fn provider_health_records_the_circuit_state(t: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let vault = unlock(&t.db, &dir.path().join("k")).await;
    let p = operator::save_provider(
        &t.db,
        &vault,
        None,
        operator::ProviderInput {
            name: "p".into(),
            kind: "openai".into(),
            base_url: "http://127.0.0.1:9/v1".into(),
            model: "m".into(),
            api_key: operator::ApiKeyChange::Keep,
            timeout_ms: 1_000,
            requests_per_minute: 60,
            redact_pii: true,
            is_default: false,
            enabled: true,
        },
        OPERATOR,
    )
    .await
    .unwrap();
    assert_eq!(p.circuit_state, None);
    let report = async |outcome: Result<(), &str>, circuit| {
        let tx = t.db.begin_write().await.unwrap();
        providers::record_health(&tx, p.id, outcome, circuit)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        providers::get(&t.db, p.id).await.unwrap().unwrap()
    };
    let open = report(Err("HTTP 500"), Some(CircuitState::Open)).await;
    assert_eq!(open.circuit_state, Some(CircuitState::Open));
    let changed = open.circuit_changed_at.unwrap();
    assert_eq!(
        open.updated_at, p.updated_at,
        "health is not a setting change"
    );
    tokio::time::sleep(Duration::from_millis(5)).await;
    let still = report(Err("circuit open"), Some(CircuitState::Open)).await;
    assert_eq!(
        still.circuit_changed_at,
        Some(changed),
        "same state: same time"
    );
    let closed = report(Ok(()), Some(CircuitState::Closed)).await;
    assert_eq!(closed.circuit_state, Some(CircuitState::Closed));
    assert!(closed.circuit_changed_at.unwrap() > changed);
    let unknown = report(Ok(()), None).await;
    assert_eq!(
        unknown.circuit_state,
        Some(CircuitState::Closed),
        "None keeps it"
    );
}

async fn dead_letters_are_requeued_and_discarded_from_the_console(t: &TestDb) {
    use domain::store::inbox::{self, InboxStatus, RawUpdate};
    use domain::store::outbox::{self, NewOutbox, OutboxStatus};
    let mut h = harness(t).await;
    let tx = h.db.begin_write().await.unwrap();
    let updates: Vec<RawUpdate> = [41, 42]
        .map(|id| RawUpdate {
            update_id: id,
            kind: "message".into(),
            payload: b"sealed".to_vec(),
        })
        .to_vec();
    inbox::store_batch(&tx, &updates, 43).await.unwrap();
    inbox::record_failure(&tx, 41, "cannot apply", None)
        .await
        .unwrap();
    inbox::record_failure(&tx, 42, "cannot apply either", None)
        .await
        .unwrap();
    let item = outbox::enqueue(
        &tx,
        NewOutbox {
            chat_id: -1001234567890,
            method: "sendMessage".into(),
            payload: b"sealed".to_vec(),
            person_id: None,
            task_id: None,
            payload_nonce: None,
        },
    )
    .await
    .unwrap();
    outbox::record_failure(&tx, item, "Telegram: Bad Request: chat not found", None)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // The overview counts them; d lists them.
    h.press(KeyCode::Char('1')).await;
    assert_eq!(
        h.console
            .app
            .overview
            .data
            .as_ref()
            .map(|d| (d.inbox_dead, d.outbox_dead)),
        Some((2, 1))
    );
    h.press(KeyCode::Char('d')).await;
    assert_eq!(h.console.app.screen(), ScreenId::DeadLetters);
    let screen = h.screen();
    assert!(
        screen.contains("2 in the inbox, 1 in the outbox")
            && screen.contains("sendMessage")
            && screen.contains("cannot apply"),
        "{screen}"
    );

    // Requeue the first inbox update, confirmed.
    h.press(KeyCode::Char('t')).await;
    assert!(h.screen().contains("Requeue inbox 41?"), "{}", h.screen());
    h.press(KeyCode::Char('y')).await;
    h.assert_no_error();
    let row = inbox::get(&h.db, 41).await.unwrap().unwrap();
    assert_eq!((row.status, row.attempts), (InboxStatus::Pending, 0));
    let e = last_audit(&h.db).await;
    assert_eq!(
        (e.actor.as_str(), e.action.as_str(), e.subject.as_deref()),
        (OPERATOR, "dead_letter.requeue", Some("inbox:41"))
    );
    assert!(
        h.screen().contains("inbox 41 is back in its queue"),
        "{}",
        h.screen()
    );
    assert_eq!(
        h.console.app.dead_letters.rows.as_ref().map(Vec::len),
        Some(2),
        "the list was reloaded"
    );

    // Discard the next (update 42), confirmed; cancel once first.
    h.press(KeyCode::Char('d')).await;
    h.press(KeyCode::Esc).await;
    assert!(inbox::get(&h.db, 42).await.unwrap().is_some());
    h.press(KeyCode::Char('d')).await;
    assert!(h.screen().contains("Discard inbox 42?"), "{}", h.screen());
    h.press(KeyCode::Char('y')).await;
    h.assert_no_error();
    assert!(inbox::get(&h.db, 42).await.unwrap().is_none());
    assert_eq!(last_audit(&h.db).await.action, "dead_letter.discard");

    // Requeue all: the outbox item.
    h.press(KeyCode::Char('T')).await;
    h.press(KeyCode::Char('y')).await;
    h.assert_no_error();
    let sent = outbox::get(&h.db, item).await.unwrap().unwrap();
    assert_eq!((sent.status, sent.attempts), (OutboxStatus::Pending, 0));
    let e = last_audit(&h.db).await;
    assert_eq!(
        (e.actor.as_str(), e.action.as_str(), e.details.as_str()),
        (
            OPERATOR,
            "dead_letter.requeue_all",
            r#"{"inbox":0,"outbox":1}"#
        )
    );
    assert!(h.screen().contains("No dead letters"), "{}", h.screen());
    h.press(KeyCode::Esc).await;
    assert_eq!(h.console.app.screen(), ScreenId::Overview);
}

/// A base URL with a password and a key in its query never reaches an
/// error, the audit log, the provider's health or a `Debug` in clear.
async fn a_provider_url_with_credentials_stays_redacted(t: &TestDb) {
    const PASSWORD: &str = "hunter2-pw";
    const KEY: &str = "sk-in-query-123";
    let mut h = harness(t).await;
    let type_provider = async |h: &mut Harness, url: &str| {
        h.press(KeyCode::Char('n')).await;
        h.keys("leaky").await;
        h.tab(2).await;
        h.keys(url).await;
        h.tab(1).await;
        h.keys("m").await;
        h.press(KeyCode::Enter).await;
    };
    h.press(KeyCode::Char('3')).await;
    // Not an http(s) URL: refused, the form stays open with the error.
    type_provider(
        &mut h,
        &format!("htps://olena:{PASSWORD}@llm.example/v1?api_key={KEY}"),
    )
    .await;
    let Some(Modal::Form(form)) = h.console.app.modals().last() else {
        panic!("the form stays open");
    };
    let error = form.error.clone().expect("the refusal");
    assert!(
        error.contains("htps://[redacted]@llm.example/v1?api_key=[redacted]"),
        "{error}"
    );
    assert!(!format!("{form:?}").contains(PASSWORD) && !format!("{form:?}").contains(KEY));
    h.press(KeyCode::Esc).await;

    // A valid URL with credentials (nothing listens on port 9): saved.
    let url = format!("http://olena:{PASSWORD}@127.0.0.1:9/v1?api_key={KEY}");
    type_provider(&mut h, &url).await;
    h.assert_no_error();
    let p = providers::get_by_name(&h.db, "leaky")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.base_url, url, "stored as typed: the bot needs it");
    let shown = format!("{p:?} {}", h.screen());
    let e = last_audit(&h.db).await;
    assert_eq!(e.action, "provider.create");
    // The test connection fails; its message and the health record too.
    h.press(KeyCode::Char('t')).await;
    let test_screen = h.screen();
    assert!(test_screen.contains("leaky failed"), "{test_screen}");
    let p = providers::get_by_name(&h.db, "leaky")
        .await
        .unwrap()
        .unwrap();
    let health = p.last_error.clone().unwrap_or_default();
    for text in [&shown, &e.details, &test_screen, &health] {
        assert!(
            !text.contains(PASSWORD) && !text.contains(KEY),
            "a secret shows: {text}"
        );
    }
    assert!(
        e.details
            .contains("http://[redacted]@127.0.0.1:9/v1?api_key=[redacted]"),
        "{}",
        e.details
    );
}

#[test]
fn the_overview_flag_prints_plain_text() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(tests::bin::console())
        .arg("--overview")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .current_dir(dir.path())
        .output()
        .unwrap();
    let text = tests::bin::text(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("tasktracker overview"), "{text}");
    assert!(
        text.contains("chats      0 approved, 0 pending, 0 blocked"),
        "{text}"
    );
    assert!(
        text.contains("audit      0 entries, chain intact"),
        "{text}"
    );
}

/// How long a wait may take before the test fails (not a performance bound).
const WAIT: Duration = Duration::from_secs(120);

fn drain(r: impl std::io::Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut all = String::new();
        let mut r = r;
        let _ = r.read_to_string(&mut all);
        all
    })
}

/// The console's writes (approvals through the confirmation, provider edits
/// through the form) on the SQLite file the real bot is filling with
/// updates: nothing fails with "database is locked" on either side, and
/// every write of both lands.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_console_writes_while_the_bot_fills_the_inbox() {
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut bot = tests::bin::command(dir.path())
        .arg("run")
        .env("TASKTRACKER_TELEGRAM__API_URL", fake.api_url().as_str())
        .env("TASKTRACKER_TELEGRAM__TOKEN", fake.token())
        .env("RUST_LOG", "info")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = drain(bot.stdout.take().unwrap());
    let stderr = drain(bot.stderr.take().unwrap());
    // Polling means migrated, keys created: the file is the bot's.
    fake.wait_for_long_poll(WAIT).await.unwrap();

    let cfg = domain::config::DatabaseConfig {
        url: domain::Secret::new(format!(
            "sqlite://{}",
            dir.path().join("data/tasktracker.db").display()
        )),
        ..domain::config::DatabaseConfig::default()
    };
    let db = Db::connect(&cfg).await.unwrap();
    let key_file = dir.path().join("data/master.key");
    let vault = Arc::new(
        Vault::unlock(
            &db,
            &OpenOptions {
                source: KekSource::File(key_file.clone()),
                create_if_missing: false,
            },
        )
        .await
        .unwrap(),
    );
    const CHATS: i64 = 12;
    for i in 0..CHATS {
        seen_chat(&db, &vault, -2000 - i, &format!("Team {i}")).await;
    }
    operator::save_provider(
        &db,
        &vault,
        None,
        operator::ProviderInput {
            name: "local".into(),
            kind: "openai".into(),
            base_url: "http://127.0.0.1:11434/v1".into(),
            model: "model-0".into(),
            api_key: operator::ApiKeyChange::Set(domain::Secret::new("sk-local")),
            timeout_ms: 20_000,
            requests_per_minute: 60,
            redact_pii: false,
            is_default: true,
            enabled: true,
        },
        OPERATOR,
    )
    .await
    .unwrap();
    let mut h = Harness {
        console: console_over(db.clone(), vault.clone(), Some(key_file.clone())),
        db: db.clone(),
        vault,
        key_file,
        _dir: None,
    };
    h.console.settle().await;

    let user = TgUser::new(501, "Alice").username("alice");
    let mut last = 0;
    let mut pushed = 0u64;
    for round in 0..CHATS {
        // The bot gets a burst of updates to commit...
        let updates: Vec<_> = (0..40)
            .map(|i| {
                fake.message(-2000 - (i % CHATS), &user, &format!("r{round} m{i}"))
                    .build()
            })
            .collect();
        pushed += updates.len() as u64;
        last = *fake.push_many(updates).last().unwrap();
        // ...while the operator approves a chat and edits the provider.
        h.press(KeyCode::Char('2')).await;
        h.press(KeyCode::Home).await;
        for _ in 0..round {
            h.press(KeyCode::Down).await;
        }
        h.press(KeyCode::Char('a')).await;
        h.press(KeyCode::Char('y')).await;
        h.assert_no_error();
        h.press(KeyCode::Char('3')).await;
        h.press(KeyCode::Char('e')).await;
        h.tab(3).await;
        h.ctrl('u').await;
        h.keys(&format!("model-{}", round + 1)).await;
        h.press(KeyCode::Enter).await;
        h.assert_no_error();
    }
    fake.wait_for_acknowledged(last + 1, WAIT).await.unwrap();

    let approved = chats::list(&db, Some(ChatStatus::Approved)).await.unwrap();
    assert_eq!(approved.len() as i64, CHATS, "every approval landed");
    let p = providers::get_by_name(&db, "local").await.unwrap().unwrap();
    assert_eq!(p.model, format!("model-{CHATS}"));
    let approvals = audit::list(
        &db,
        &AuditFilter {
            action_prefix: Some("chat.approve".into()),
            before_seq: None,
        },
        100,
    )
    .await
    .unwrap();
    assert_eq!(approvals.len() as i64, CHATS);
    assert!(approvals.iter().all(|e| e.actor == OPERATOR));
    let mut in_inbox = 0;
    for status in domain::store::inbox::InboxStatus::ALL {
        in_inbox += domain::store::inbox::count(&db, *status).await.unwrap();
    }
    assert_eq!(
        in_inbox, pushed,
        "every update the bot acknowledged is in the inbox"
    );

    // A chat the console approved is captured by the running bot.
    fake.message(-2000, &user, "Please update the release notes by Friday")
        .push();
    let deadline = tokio::time::Instant::now() + WAIT;
    while domain::store::messages::count(&db, Some(-2000))
        .await
        .unwrap()
        == 0
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the bot did not capture in the chat the console approved"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    let sent = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(bot.id().to_string())
        .status()
        .unwrap();
    assert!(sent.success());
    let status = tokio::task::spawn_blocking(move || bot.wait().unwrap())
        .await
        .unwrap();
    let (out, err) = (stdout.join().unwrap(), stderr.join().unwrap());
    assert!(status.success(), "{out}\n{err}");
    for text in [&out, &err] {
        assert!(!text.contains("locked"), "the bot hit a lock:\n{text}");
        assert!(!text.contains("ERROR"), "{text}");
    }
    db.close().await.unwrap();
}
