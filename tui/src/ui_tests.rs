//! Every screen and modal on ratatui's `TestBackend`, snapshotted with insta
//! (`src/snapshots/`), and key flows on the app alone: a key, the resulting
//! state, the jobs it asked for. The data is fixed and the clock is the
//! app's own, so the snapshots never change by themselves.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use domain::classify::{Classification, Kind, Priority};
use domain::i18n::{Lang, Locales};
use domain::operator::{ApiKeyChange, DeadLetter, ProviderTest, Queue};
use domain::purge::{ChatPreview, Preview};
use domain::rotation::{DekScope, KeyStatus, RewrapProgress};
use domain::store::audit::{AuditEntry, Verification};
use domain::store::chats::{Chat, ChatKind, ChatStatus, ReplyMode};
use domain::store::keys::{DataKey, KekRecord, KeyPurpose};
use domain::store::providers::{CircuitState, Provider};
use domain::store::retention::{PurgeCounts, PurgeRun, RetentionPolicy};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use crate::action::{
    Action, ChatRow, Job, KeysData, Loaded, Notice, OverviewData, RetentionData, ScreenId,
};
use crate::app::{App, Ctx};
use crate::modals::Modal;
use crate::text::Text;
use crate::theme::Theme;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0).unwrap()
}

fn ago(minutes: i64) -> DateTime<Utc> {
    now() - chrono::Duration::minutes(minutes)
}

fn app_in(lang: Lang) -> App {
    App::new(Ctx {
        text: Text::new(Arc::new(Locales::load().unwrap()), lang),
        theme: Theme::new(false),
        now: now(),
        kek_in_place: true,
        actor: "console:olena@203.0.113.7".into(),
    })
}

fn policy() -> RetentionPolicy {
    RetentionPolicy {
        default_days: 90,
        min_days: 7,
        max_days: 365,
    }
}

fn chat(id: i64, status: ChatStatus, mode: ReplyMode, retention: Option<i32>) -> Chat {
    Chat {
        id,
        kind: ChatKind::Supergroup,
        title_ct: None,
        status,
        reply_mode: mode,
        confidence_threshold: 0.6,
        time_zone: "Europe/Kyiv".into(),
        language: Some("uk".into()),
        retention_days: retention,
        notice_sent_at: (status == ChatStatus::Approved).then(|| ago(60 * 30)),
        pending_notice_at: None,
        decided_at: (status != ChatStatus::Pending).then(|| ago(60 * 26)),
        decided_by: (status != ChatStatus::Pending).then(|| "console:olena@203.0.113.7".into()),
        created_at: ago(60 * 24 * 40),
        updated_at: ago(60),
    }
}

fn chat_rows() -> Vec<ChatRow> {
    vec![
        ChatRow {
            chat: chat(-1001234567890, ChatStatus::Approved, ReplyMode::Reply, None),
            title: Some("Backend team".into()),
        },
        ChatRow {
            chat: chat(-1009876543210, ChatStatus::Pending, ReplyMode::Reply, None),
            title: Some("Команда продукту".into()),
        },
        ChatRow {
            chat: chat(
                -1005550001111,
                ChatStatus::Approved,
                ReplyMode::React,
                Some(30),
            ),
            title: Some("Support escalations".into()),
        },
        ChatRow {
            chat: chat(-42, ChatStatus::Blocked, ReplyMode::Silent, None),
            title: None,
        },
    ]
}

fn provider(id: i64, name: &str, circuit: Option<CircuitState>, error: Option<&str>) -> Provider {
    Provider {
        id,
        name: name.into(),
        kind: "openai".into(),
        base_url: if name == "ollama" {
            "http://127.0.0.1:11434/v1".into()
        } else {
            "https://api.openai.com/v1".into()
        },
        model: if name == "ollama" {
            "llama3.1:8b".into()
        } else {
            "gpt-4o-mini".into()
        },
        api_key_ct: (name != "ollama").then(|| vec![1, 2, 3]),
        timeout_ms: 20_000,
        requests_per_minute: 60,
        redact_pii: name != "ollama",
        is_default: name == "openai",
        enabled: true,
        last_error: error.map(str::to_owned),
        last_error_at: error.map(|_| ago(3)),
        last_ok_at: Some(ago(if error.is_some() { 45 } else { 2 })),
        circuit_state: circuit,
        circuit_changed_at: circuit.map(|_| ago(3)),
        created_at: ago(60 * 24 * 10),
        updated_at: ago(60 * 24),
    }
}

fn providers() -> Vec<Provider> {
    vec![
        provider(
            2,
            "ollama",
            Some(CircuitState::Open),
            Some("connection failed"),
        ),
        provider(1, "openai", Some(CircuitState::Closed), None),
    ]
}

fn kek(version: i32, retired: bool) -> KekRecord {
    KekRecord {
        version,
        check_value: vec![0; 32],
        created_at: ago(60 * 24 * 100),
        retired_at: retired.then(|| ago(60 * 24 * 7)),
    }
}

fn data_key(id: i64, purpose: KeyPurpose, current: i32, min: i32) -> DataKey {
    DataKey {
        id,
        purpose,
        current_version: current,
        min_decrypt_version: min,
        created_at: ago(60 * 24 * 100),
        updated_at: ago(60 * 24 * 7),
    }
}

fn data_keys() -> Vec<DataKey> {
    vec![
        data_key(1, KeyPurpose::System, 3, 2),
        data_key(2, KeyPurpose::BlindIndex, 1, 1),
        data_key(3, KeyPurpose::Person, 2, 1),
        data_key(4, KeyPurpose::Person, 2, 1),
        data_key(5, KeyPurpose::Person, 1, 1),
    ]
}

fn run(id: i64, minutes_ago: i64, messages: i64, error: Option<&str>) -> PurgeRun {
    PurgeRun {
        id,
        trigger: if id == 3 { "console" } else { "schedule" }.into(),
        dry_run: false,
        started_at: ago(minutes_ago),
        finished_at: Some(ago(minutes_ago - 1)),
        counts: PurgeCounts {
            messages,
            tasks: messages / 10,
            inbox: 120,
            outbox: 40,
        },
        error: error.map(str::to_owned),
    }
}

fn overview() -> OverviewData {
    OverviewData {
        chats_pending: 1,
        chats_approved: 2,
        chats_blocked: 1,
        people: 48,
        messages: 12_480,
        open_tasks: 37,
        inbox_pending: 3,
        inbox_dead: 0,
        outbox_pending: 1,
        outbox_dead: 2,
        last_purge: Some(run(3, 60 * 5, 1_204, None)),
        providers: providers(),
        keks: vec![kek(1, true), kek(2, false)],
        system_keys: data_keys().into_iter().take(2).collect(),
        person_keys: 48,
        audit_entries: 1_532,
    }
}

fn keys_data() -> KeysData {
    let mut status = KeyStatus {
        keks: vec![(1, true, 0), (2, false, 55)],
        ..KeyStatus::default()
    };
    status.keys.insert("system".into(), 1);
    status.keys.insert("person".into(), 48);
    status.keys.insert("blind_index".into(), 1);
    status.values.insert(("system".into(), 2), 12);
    status.values.insert(("system".into(), 3), 340);
    status.values.insert(("person".into(), 1), 2_001);
    status.values.insert(("person".into(), 2), 10_479);
    status.erased = 17;
    KeysData {
        status,
        data_keys: data_keys(),
    }
}

fn retention_data() -> RetentionData {
    RetentionData {
        preview: Preview {
            policy: policy(),
            chats: vec![
                ChatPreview {
                    chat_id: -1001234567890,
                    override_days: None,
                    effective_days: 90,
                    expired: 312,
                },
                ChatPreview {
                    chat_id: -1005550001111,
                    override_days: Some(30),
                    effective_days: 30,
                    expired: 1_208,
                },
                ChatPreview {
                    chat_id: -42,
                    override_days: Some(3),
                    effective_days: 7,
                    expired: 0,
                },
            ],
            inbox: 410,
            outbox: 96,
        },
        runs: vec![
            run(3, 60 * 5, 1_204, None),
            run(2, 60 * 29, 980, None),
            run(1, 60 * 53, 17, Some("database is locked")),
        ],
    }
}

fn entry(
    seq: i64,
    minutes_ago: i64,
    actor: &str,
    action: &str,
    subject: Option<&str>,
    details: &str,
) -> AuditEntry {
    AuditEntry {
        seq,
        at: ago(minutes_ago),
        actor: actor.into(),
        action: action.into(),
        subject: subject.map(str::to_owned),
        details: details.into(),
        prev_hash: vec![0; 32],
        hash: vec![1; 32],
    }
}

fn audit_entries() -> Vec<AuditEntry> {
    vec![
        entry(
            9,
            2,
            "console:olena@203.0.113.7",
            "chat.approve",
            Some("chat:-1001234567890"),
            r#"{"from":"pending"}"#,
        ),
        entry(
            8,
            20,
            "bot",
            "privacy.forget",
            None,
            r#"{"key":true,"messages":14,"tasks":2}"#,
        ),
        entry(
            7,
            60,
            "console:olena@203.0.113.7",
            "provider.update",
            Some("provider:1"),
            r#"{"api_key":"kept","name":"openai"}"#,
        ),
        entry(
            6,
            300,
            "bot",
            "retention.purge",
            Some("purge_run:3"),
            r#"{"messages":1204,"tasks":120}"#,
        ),
        entry(5, 900, "bot", "export.sent", None, r#"{"documents":1}"#),
        entry(
            4,
            1500,
            "cli:ops",
            "keys.rotate_dek",
            Some("scope:all"),
            r#"{"keys":49}"#,
        ),
        entry(
            3,
            1520,
            "cli:ops",
            "keys.rewrap",
            None,
            r#"{"rewritten":10479,"scanned":12492,"skipped":0}"#,
        ),
        entry(
            2,
            3000,
            "config",
            "chat.approve",
            Some("chat:-1005550001111"),
            r#"{"from":null}"#,
        ),
        entry(
            1,
            3100,
            "cli:ops",
            "chat.block",
            Some("chat:-42"),
            r#"{"from":"pending"}"#,
        ),
    ]
}

fn dead_letters() -> Vec<DeadLetter> {
    vec![
        DeadLetter {
            queue: Queue::Inbox,
            id: 804_112_377,
            kind: "message".into(),
            chat_id: None,
            attempts: 5,
            last_error: Some("applying the update: database error: disk I/O error".into()),
            queued_at: ago(60 * 6),
        },
        DeadLetter {
            queue: Queue::Outbox,
            id: 1_204,
            kind: "sendMessage".into(),
            chat_id: Some(-1001234567890),
            attempts: 1,
            last_error: Some("Telegram: Bad Request: chat not found".into()),
            queued_at: ago(90),
        },
        DeadLetter {
            queue: Queue::Outbox,
            id: 1_311,
            kind: "setMessageReaction".into(),
            chat_id: Some(-1005550001111),
            attempts: 8,
            last_error: Some("the person it quoted was erased".into()),
            queued_at: ago(12),
        },
    ]
}

/// An app with every screen loaded.
fn loaded(lang: Lang) -> App {
    let mut app = app_in(lang);
    app.update(Action::Loaded(Loaded::Overview(Box::new(overview()))));
    app.update(Action::Loaded(Loaded::Chats {
        rows: chat_rows(),
        policy: policy(),
    }));
    app.update(Action::Loaded(Loaded::Providers(providers())));
    app.update(Action::Loaded(Loaded::Keys(Box::new(keys_data()))));
    app.update(Action::Loaded(Loaded::Retention(
        Box::new(retention_data()),
    )));
    app.update(Action::Loaded(Loaded::Audit(audit_entries())));
    app.update(Action::Loaded(Loaded::DeadLetters(dead_letters())));
    app.take_jobs();
    app
}

fn draw(app: &mut App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|f| app.render(f)).unwrap();
    terminal
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn press(app: &mut App, code: KeyCode) {
    app.handle_key(key(code));
}

fn type_text(app: &mut App, s: &str) {
    for c in s.chars() {
        press(app, KeyCode::Char(c));
    }
}

fn go(app: &mut App, screen: ScreenId) {
    app.update(Action::Switch(screen));
    app.take_jobs();
}

macro_rules! snap {
    ($name:literal, $app:expr) => {
        insta::assert_snapshot!($name, draw($app, 80, 24).backend())
    };
}

#[test]
fn overview_screen() {
    let mut app = loaded(Lang::En);
    snap!("overview", &mut app);
}

#[test]
fn overview_at_120x40() {
    let mut app = loaded(Lang::En);
    insta::assert_snapshot!("overview_120x40", draw(&mut app, 120, 40).backend());
}

#[test]
fn loading() {
    let mut app = app_in(Lang::En);
    snap!("loading", &mut app);
}

#[test]
fn chats() {
    let mut app = loaded(Lang::En);
    go(&mut app, ScreenId::Chats);
    press(&mut app, KeyCode::Down);
    snap!("chats", &mut app);
}

#[test]
fn chats_in_ukrainian() {
    let mut app = loaded(Lang::Uk);
    go(&mut app, ScreenId::Chats);
    snap!("chats_uk", &mut app);
}

#[test]
fn chats_filtered_to_pending() {
    let mut app = loaded(Lang::En);
    go(&mut app, ScreenId::Chats);
    press(&mut app, KeyCode::Char('f'));
    snap!("chats_pending", &mut app);
}

#[test]
fn chats_empty() {
    let mut app = loaded(Lang::En);
    app.update(Action::Loaded(Loaded::Chats {
        rows: vec![],
        policy: policy(),
    }));
    go(&mut app, ScreenId::Chats);
    snap!("chats_empty", &mut app);
}

#[test]
fn providers_screen() {
    let mut app = loaded(Lang::En);
    go(&mut app, ScreenId::Providers);
    snap!("providers", &mut app);
}

#[test]
fn providers_empty() {
    let mut app = loaded(Lang::En);
    app.update(Action::Loaded(Loaded::Providers(vec![])));
    go(&mut app, ScreenId::Providers);
    snap!("providers_empty", &mut app);
}

#[test]
fn keys_screen() {
    let mut app = loaded(Lang::En);
    go(&mut app, ScreenId::Keys);
    snap!("keys", &mut app);
}

#[test]
fn keys_while_rewrapping() {
    let mut app = loaded(Lang::En);
    go(&mut app, ScreenId::Keys);
    app.update(Action::Progress(RewrapProgress {
        column: "messages.text_ct".into(),
        scanned: 1_500,
        rewritten: 1_212,
        skipped: 3,
    }));
    snap!("keys_rewrapping", &mut app);
}

#[test]
fn retention_screen() {
    let mut app = loaded(Lang::En);
    go(&mut app, ScreenId::Retention);
    snap!("retention", &mut app);
}

#[test]
fn audit_screen() {
    let mut app = loaded(Lang::En);
    go(&mut app, ScreenId::Audit);
    app.update(Action::Verified(Verification::Intact { entries: 9 }));
    snap!("audit", &mut app);
}

#[test]
fn audit_subject_requests_and_a_broken_chain() {
    let mut app = loaded(Lang::En);
    go(&mut app, ScreenId::Audit);
    app.update(Action::Verified(Verification::Broken {
        seq: 4,
        reason: "the entry was altered: its hash does not match its contents".into(),
    }));
    press(&mut app, KeyCode::Char('s'));
    snap!("audit_subject_requests", &mut app);
}

#[test]
fn help_overlay() {
    let mut app = loaded(Lang::En);
    go(&mut app, ScreenId::Chats);
    press(&mut app, KeyCode::Char('?'));
    snap!("help_chats", &mut app);
}

#[test]
fn help_overlay_in_ukrainian() {
    let mut app = loaded(Lang::Uk);
    go(&mut app, ScreenId::Keys);
    press(&mut app, KeyCode::Char('?'));
    snap!("help_keys_uk", &mut app);
}

#[test]
fn confirm_approval() {
    let mut app = loaded(Lang::En);
    go(&mut app, ScreenId::Chats);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('a'));
    snap!("confirm_approve", &mut app);
}

#[test]
fn confirm_purge() {
    let mut app = loaded(Lang::En);
    go(&mut app, ScreenId::Retention);
    press(&mut app, KeyCode::Char('P'));
    snap!("confirm_purge", &mut app);
}

#[test]
fn confirm_kek_rotation() {
    let mut app = loaded(Lang::En);
    go(&mut app, ScreenId::Keys);
    press(&mut app, KeyCode::Char('K'));
    snap!("confirm_rotate_kek", &mut app);
}

#[test]
fn provider_form_new_with_a_masked_key() {
    let mut app = loaded(Lang::En);
    go(&mut app, ScreenId::Providers);
    press(&mut app, KeyCode::Char('n'));
    type_text(&mut app, "openrouter");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "https://openrouter.ai/api/v1");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "meta-llama/llama-3.1-8b");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "sk-or-v1-secret");
    let screen = draw(&mut app, 80, 24);
    assert!(
        !format!("{}", screen.backend()).contains("secret"),
        "the key is masked"
    );
    insta::assert_snapshot!("provider_form_new", screen.backend());
}

#[test]
fn provider_form_edit_and_a_refusal() {
    let mut app = loaded(Lang::En);
    go(&mut app, ScreenId::Providers);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('e'));
    // Redaction off for a remote provider is refused in the form.
    for _ in 0..7 {
        press(&mut app, KeyCode::Tab);
    }
    press(&mut app, KeyCode::Char(' '));
    press(&mut app, KeyCode::Enter);
    assert!(app.take_jobs().is_empty());
    snap!("provider_form_edit_refused", &mut app);
}

#[test]
fn provider_test_results() {
    let mut app = loaded(Lang::En);
    go(&mut app, ScreenId::Providers);
    app.update(Action::Tested {
        name: "openai".into(),
        test: Box::new(ProviderTest {
            latency: Duration::from_millis(842),
            result: Ok(Classification {
                kind: Kind::Task,
                actionable: true,
                title: "Fix the login page".into(),
                priority: Priority::Normal,
                due: None,
                assignees: vec![],
                confidence: 0.82,
                classifier: "openai".into(),
            }),
        }),
    });
    snap!("provider_test_ok", &mut app);
}

#[test]
fn dead_letters_screen() {
    let mut app = loaded(Lang::En);
    press(&mut app, KeyCode::Char('d'));
    assert_eq!(app.screen(), ScreenId::DeadLetters);
    assert!(matches!(
        app.take_jobs().as_slice(),
        [Job::Load(ScreenId::DeadLetters)]
    ));
    press(&mut app, KeyCode::Down);
    snap!("dead_letters", &mut app);
}

#[test]
fn dead_letters_in_ukrainian() {
    let mut app = loaded(Lang::Uk);
    go(&mut app, ScreenId::DeadLetters);
    snap!("dead_letters_uk", &mut app);
}

#[test]
fn dead_letters_empty() {
    let mut app = loaded(Lang::En);
    app.update(Action::Loaded(Loaded::DeadLetters(vec![])));
    go(&mut app, ScreenId::DeadLetters);
    snap!("dead_letters_empty", &mut app);
    press(&mut app, KeyCode::Char('t'));
    press(&mut app, KeyCode::Char('T'));
    press(&mut app, KeyCode::Char('d'));
    assert!(app.modals().is_empty(), "nothing to ask about");
}

#[test]
fn confirm_requeue_and_discard() {
    let mut app = loaded(Lang::En);
    go(&mut app, ScreenId::DeadLetters);
    press(&mut app, KeyCode::Char('t'));
    snap!("confirm_requeue_inbox", &mut app);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('d'));
    snap!("confirm_discard_outbox", &mut app);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('T'));
    snap!("confirm_requeue_all", &mut app);
}

#[test]
fn help_on_the_dead_letters() {
    let mut app = loaded(Lang::En);
    go(&mut app, ScreenId::DeadLetters);
    press(&mut app, KeyCode::Char('?'));
    snap!("help_dead_letters", &mut app);
}

#[test]
fn a_failed_change_opens_an_error() {
    let mut app = loaded(Lang::En);
    go(&mut app, ScreenId::Chats);
    app.update(Action::Failed {
        what: "console-what-decide",
        error: "database error: database is locked".into(),
    });
    snap!("error_message", &mut app);
}

#[test]
fn chat_forms() {
    let mut app = loaded(Lang::En);
    go(&mut app, ScreenId::Chats);
    press(&mut app, KeyCode::Char('m'));
    snap!("form_reply_mode", &mut app);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('c'));
    snap!("form_confidence", &mut app);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('t'));
    type_text(&mut app, "400");
    press(&mut app, KeyCode::Enter);
    snap!("form_chat_retention_out_of_bounds", &mut app);
}

#[test]
fn policy_form() {
    let mut app = loaded(Lang::En);
    go(&mut app, ScreenId::Retention);
    press(&mut app, KeyCode::Char('e'));
    snap!("form_policy", &mut app);
}

#[test]
fn status_line_after_a_change() {
    let mut app = loaded(Lang::En);
    go(&mut app, ScreenId::Chats);
    app.update(Action::Done(Notice::ChatDecided {
        chat_id: -1009876543210,
        status: ChatStatus::Approved,
        changed: true,
    }));
    let screen = format!("{}", draw(&mut app, 80, 24).backend());
    assert!(
        screen.contains("Chat -1009876543210 is approved"),
        "{screen}"
    );
    // The notice goes after a while.
    app.update(Action::Tick(now() + chrono::Duration::seconds(30)));
    let screen = format!("{}", draw(&mut app, 80, 24).backend());
    assert!(!screen.contains("is approved"), "{screen}");
    assert!(screen.contains("console:olena@203.0.113.7"), "{screen}");
}

// Key flows: keys in, state and jobs out.

#[test]
fn dead_letters_are_requeued_and_discarded_after_a_confirmation() {
    let mut app = loaded(Lang::En);
    // From the overview, whose tab stays lit.
    press(&mut app, KeyCode::Char('d'));
    assert_eq!(app.screen(), ScreenId::DeadLetters);
    assert_eq!(app.screen().index(), ScreenId::Overview.index());
    app.take_jobs();
    app.update(Action::JobEnded(Box::new(Job::Load(ScreenId::DeadLetters))));

    // Requeue the second (an outbox message): asked first, then run.
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('t'));
    let Some(Modal::Confirm(c)) = app.modals().last() else {
        panic!("a confirmation opens");
    };
    assert!(matches!(
        c.job,
        Job::RequeueDeadLetter {
            queue: Queue::Outbox,
            id: 1_204
        }
    ));
    assert!(!c.dangerous);
    assert!(app.take_jobs().is_empty(), "nothing runs before yes");
    press(&mut app, KeyCode::Char('y'));
    assert!(matches!(
        app.take_jobs().as_slice(),
        [Job::RequeueDeadLetter {
            queue: Queue::Outbox,
            id: 1_204
        }]
    ));
    app.update(Action::Done(Notice::Requeued {
        queue: Queue::Outbox,
        id: 1_204,
        changed: true,
    }));
    assert!(
        app.status()
            .is_some_and(|s| s.text == "outbox 1204 is back in its queue."),
        "{:?}",
        app.status()
    );
    assert!(
        app.take_jobs()
            .iter()
            .any(|j| matches!(j, Job::Load(ScreenId::DeadLetters))),
        "the list reloads"
    );
    app.update(Action::JobEnded(Box::new(Job::Load(ScreenId::DeadLetters))));

    // Discard: a warning, and n cancels.
    press(&mut app, KeyCode::Delete);
    assert!(matches!(app.modals().last(), Some(Modal::Confirm(c))
        if c.dangerous && matches!(c.job, Job::DiscardDeadLetter { queue: Queue::Outbox, id: 1_204 })));
    press(&mut app, KeyCode::Char('n'));
    assert!(app.modals().is_empty() && app.take_jobs().is_empty());

    // Requeue all.
    press(&mut app, KeyCode::Char('T'));
    press(&mut app, KeyCode::Enter);
    assert!(matches!(
        app.take_jobs().as_slice(),
        [Job::RequeueAllDeadLetters]
    ));

    // Esc goes back to the overview; Tab goes on from the overview's tab.
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen(), ScreenId::Overview);
    press(&mut app, KeyCode::Char('d'));
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.screen(), ScreenId::Chats);
}

#[test]
fn approving_asks_first_and_the_confirmation_carries_the_job() {
    let mut app = loaded(Lang::En);
    go(&mut app, ScreenId::Chats);
    press(&mut app, KeyCode::Char('f')); // pending only
    press(&mut app, KeyCode::Char('a'));
    let Some(Modal::Confirm(c)) = app.modals().last() else {
        panic!("a confirmation opens");
    };
    assert!(matches!(
        c.job,
        Job::DecideChat {
            chat_id: -1009876543210,
            status: ChatStatus::Approved
        }
    ));
    assert!(app.take_jobs().is_empty(), "nothing runs before yes");
    press(&mut app, KeyCode::Char('y'));
    assert!(app.modals().is_empty());
    let jobs = app.take_jobs();
    assert!(
        matches!(
            jobs.as_slice(),
            [Job::DecideChat {
                chat_id: -1009876543210,
                status: ChatStatus::Approved
            }]
        ),
        "{jobs:?}"
    );
    assert!(app.is_busy());
}

#[test]
fn a_chat_can_be_approved_by_id_before_the_bot_sees_it() {
    let mut app = loaded(Lang::En);
    go(&mut app, ScreenId::Chats);
    press(&mut app, KeyCode::Char('n'));
    type_text(&mut app, "abc0");
    press(&mut app, KeyCode::Enter);
    assert!(
        matches!(app.modals().last(), Some(Modal::Form(f)) if f.error.is_some()),
        "0 is not a chat id (letters are not typed at all)"
    );
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "-100777");
    press(&mut app, KeyCode::Enter);
    let Some(Modal::Confirm(c)) = app.modals().last() else {
        panic!("a confirmation");
    };
    assert!(matches!(
        c.job,
        Job::DecideChat {
            chat_id: -100777,
            status: ChatStatus::Approved
        }
    ));
}

#[test]
fn working_goes_from_the_status_line_when_the_job_ends() {
    let mut app = loaded(Lang::En);
    go(&mut app, ScreenId::Audit);
    press(&mut app, KeyCode::Char('v'));
    let jobs = app.take_jobs();
    assert!(matches!(jobs.as_slice(), [Job::VerifyAudit]));
    assert!(app.status().is_some_and(|s| s.text.contains("Verifying")));
    app.update(Action::Verified(Verification::Intact { entries: 9 }));
    app.update(Action::JobEnded(Box::new(Job::VerifyAudit)));
    assert!(app.status().is_none());
}

#[test]
fn no_cancels_and_runs_nothing() {
    let mut app = loaded(Lang::En);
    go(&mut app, ScreenId::Chats);
    press(&mut app, KeyCode::Char('b'));
    assert_eq!(app.modals().len(), 1);
    press(&mut app, KeyCode::Char('n'));
    assert!(app.modals().is_empty());
    assert!(app.take_jobs().is_empty());
}

#[test]
fn keys_go_to_the_modal_before_the_screen_and_the_global_keymap() {
    let mut app = loaded(Lang::En);
    go(&mut app, ScreenId::Providers);
    press(&mut app, KeyCode::Char('n'));
    // 'q' and '2' are text in the form, not quit or a screen switch.
    type_text(&mut app, "q2");
    assert!(!app.should_quit());
    assert_eq!(app.screen(), ScreenId::Providers);
    let Some(Modal::Form(f)) = app.modals().last() else {
        panic!("the form is open");
    };
    assert_eq!(f.fields[0].value, "q2");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('2'));
    assert_eq!(app.screen(), ScreenId::Chats);
    press(&mut app, KeyCode::Char('q'));
    assert!(app.should_quit());
}

#[test]
fn the_provider_form_stays_open_until_saved_and_shows_a_refusal() {
    let mut app = loaded(Lang::En);
    go(&mut app, ScreenId::Providers);
    press(&mut app, KeyCode::Char('n'));
    type_text(&mut app, "local");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "http://127.0.0.1:11434/v1");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "llama3.1");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "sk-local");
    press(&mut app, KeyCode::Enter);
    let jobs = app.take_jobs();
    let [Job::SaveProvider { id: None, input }] = jobs.as_slice() else {
        panic!("{jobs:?}");
    };
    assert_eq!(input.name, "local");
    assert!(matches!(&input.api_key, ApiKeyChange::Set(k) if k.expose() == "sk-local"));
    assert!(
        !format!("{input:?}").contains("sk-local"),
        "Debug hides the key"
    );
    assert!(matches!(app.modals().last(), Some(Modal::Form(f)) if f.pending));
    app.update(Action::Failed {
        what: "console-what-save-provider",
        error: "a provider named \"local\" already exists".into(),
    });
    let Some(Modal::Form(f)) = app.modals().last() else {
        panic!("the form stays");
    };
    assert!(!f.pending);
    assert_eq!(
        f.error.as_deref(),
        Some("a provider named \"local\" already exists")
    );
    press(&mut app, KeyCode::Enter);
    app.take_jobs();
    app.update(Action::Done(Notice::ProviderSaved {
        name: "local".into(),
    }));
    assert!(app.modals().is_empty(), "saved: the form closes");
    // The load in flight began before the save: another follows it.
    assert!(app.take_jobs().is_empty());
    app.update(Action::JobEnded(Box::new(Job::Load(ScreenId::Providers))));
    assert!(
        app.take_jobs()
            .iter()
            .any(|j| matches!(j, Job::Load(ScreenId::Providers))),
        "and the list reloads"
    );
}

#[test]
fn editing_without_typing_a_key_keeps_the_stored_one() {
    let mut app = loaded(Lang::En);
    go(&mut app, ScreenId::Providers);
    press(&mut app, KeyCode::Down); // openai, which has a key
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    let jobs = app.take_jobs();
    let [Job::SaveProvider { id: Some(1), input }] = jobs.as_slice() else {
        panic!("{jobs:?}");
    };
    assert!(matches!(input.api_key, ApiKeyChange::Keep));
}

#[test]
fn confidence_and_retention_are_checked_before_confirming() {
    let mut app = loaded(Lang::En);
    go(&mut app, ScreenId::Chats);
    press(&mut app, KeyCode::Char('c'));
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "1.5");
    press(&mut app, KeyCode::Enter);
    assert!(matches!(app.modals().last(), Some(Modal::Form(f)) if f.error.is_some()));
    press(&mut app, KeyCode::Backspace);
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "8");
    press(&mut app, KeyCode::Enter); // 1.8: still refused
    assert!(matches!(app.modals().last(), Some(Modal::Form(_))));
    press(&mut app, KeyCode::Esc);

    press(&mut app, KeyCode::Char('t'));
    type_text(&mut app, "30");
    press(&mut app, KeyCode::Enter);
    let Some(Modal::Confirm(c)) = app.modals().last() else {
        panic!("within the bounds: a confirmation");
    };
    assert!(matches!(
        c.job,
        Job::SetChatRetention {
            chat_id: -1001234567890,
            days: Some(30)
        }
    ));
}

#[test]
fn kek_rotation_is_refused_when_the_key_is_not_in_a_file() {
    let mut app = App::new(Ctx {
        kek_in_place: false,
        ..loaded(Lang::En).ctx().clone()
    });
    app.update(Action::Loaded(Loaded::Keys(Box::new(keys_data()))));
    go(&mut app, ScreenId::Keys);
    press(&mut app, KeyCode::Char('K'));
    assert!(matches!(app.modals().last(), Some(Modal::Message(_))));
    press(&mut app, KeyCode::Enter);
    assert!(app.take_jobs().is_empty());
    press(&mut app, KeyCode::Char('D'));
    press(&mut app, KeyCode::Char('y'));
    assert!(matches!(
        app.take_jobs().as_slice(),
        [Job::RotateDek(DekScope::All)]
    ));
}

#[test]
fn ticks_reload_the_shown_screen_once_at_a_time() {
    let mut app = loaded(Lang::En);
    app.update(Action::Tick(now()));
    app.update(Action::Tick(now()));
    assert!(matches!(
        app.take_jobs().as_slice(),
        [Job::Load(ScreenId::Overview)]
    ));
    app.update(Action::JobEnded(Box::new(Job::Load(ScreenId::Overview))));
    app.update(Action::Tick(now()));
    assert_eq!(app.take_jobs().len(), 1);
    // The audit log does not move under the reader.
    go(&mut app, ScreenId::Audit);
    app.update(Action::JobEnded(Box::new(Job::Load(ScreenId::Audit))));
    app.update(Action::Tick(now()));
    assert!(app.take_jobs().is_empty());
}

#[test]
fn scrolling_to_the_end_of_the_audit_log_loads_older_entries() {
    let mut app = loaded(Lang::En);
    let many: Vec<AuditEntry> = (1..=crate::screens::AUDIT_PAGE as i64)
        .rev()
        .map(|seq| entry(seq + 100, 1, "bot", "chat.approve", None, "{}"))
        .collect();
    app.update(Action::Loaded(Loaded::Audit(many)));
    go(&mut app, ScreenId::Audit);
    press(&mut app, KeyCode::End);
    assert!(matches!(
        app.take_jobs().as_slice(),
        [Job::LoadOlderAudit { before_seq: 101 }]
    ));
    press(&mut app, KeyCode::End);
    assert!(app.take_jobs().is_empty(), "asked once");
    app.update(Action::Loaded(Loaded::OlderAudit(audit_entries())));
    press(&mut app, KeyCode::End);
    assert!(app.take_jobs().is_empty(), "a short page: nothing older");
}

#[test]
fn searching_the_audit_log() {
    let mut app = loaded(Lang::En);
    go(&mut app, ScreenId::Audit);
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "keys.");
    press(&mut app, KeyCode::Enter);
    let screen = format!("{}", draw(&mut app, 80, 24).backend());
    assert!(
        screen.contains("keys.rotate_dek") && screen.contains("keys.rewrap"),
        "{screen}"
    );
    assert!(!screen.contains("chat.approve"), "{screen}");
}

#[test]
fn every_console_string_exists_in_every_language() {
    let locales = Locales::load().unwrap();
    let sources = [
        include_str!("app.rs"),
        include_str!("keys.rs"),
        include_str!("tasks.rs"),
        include_str!("action.rs"),
        include_str!("modals/confirm.rs"),
        include_str!("modals/form.rs"),
        include_str!("modals/help.rs"),
        include_str!("modals/message.rs"),
        include_str!("screens/mod.rs"),
        include_str!("screens/overview.rs"),
        include_str!("screens/chats.rs"),
        include_str!("screens/providers.rs"),
        include_str!("screens/keys.rs"),
        include_str!("screens/retention.rs"),
        include_str!("screens/audit.rs"),
        include_str!("screens/dead_letters.rs"),
    ];
    let mut used = Vec::new();
    for src in sources {
        let mut rest = src;
        while let Some(i) = rest.find("\"console-") {
            rest = &rest[i + 1..];
            let end = rest.find('"').unwrap();
            used.push(rest[..end].to_owned());
        }
    }
    assert!(used.len() > 100);
    for lang in Lang::ALL {
        let keys = locales.keys(lang);
        let missing: Vec<_> = used.iter().filter(|k| !keys.contains(k)).collect();
        assert!(missing.is_empty(), "{lang} lacks {missing:?}");
    }
}

#[test]
fn no_color_draws_without_colour() {
    use ratatui::style::Color;
    let colours = |theme: Theme| {
        let mut app = App::new(Ctx {
            theme,
            ..loaded(Lang::En).ctx().clone()
        });
        app.update(Action::Loaded(Loaded::Chats {
            rows: chat_rows(),
            policy: policy(),
        }));
        go(&mut app, ScreenId::Chats);
        press(&mut app, KeyCode::Char('a'));
        let terminal = draw(&mut app, 80, 24);
        terminal
            .backend()
            .buffer()
            .content()
            .iter()
            .filter(|c| c.fg != Color::Reset || c.bg != Color::Reset)
            .count()
    };
    assert_eq!(
        colours(Theme::new(false)),
        0,
        "NO_COLOR: not one coloured cell"
    );
    assert!(colours(Theme::new(true)) > 0);
    let env = |v: &str| vec![("NO_COLOR".to_owned(), v.to_owned())];
    assert_eq!(Theme::from_env(&env("1")), Theme::new(false));
    assert_eq!(Theme::from_env(&env("")), Theme::new(true));
}
