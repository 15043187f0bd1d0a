//! The bot end to end: the real binary against the fake Bot API, on the
//! default SQLite setup. Capture in a group, the task card and its buttons,
//! edits, an unapproved chat, an opted-out person, every command in English
//! and Ukrainian, and faults on the sending side.

use std::path::Path;
use std::time::Duration;

use domain::i18n::{Arg, Lang, Locales};
use domain::records;
use domain::store::chats::{self, ChatStatus};
use domain::store::inbox::{self, InboxStatus};
use domain::store::tasks::{self, TaskStatus};
use domain::store::{Db, messages, outbox};
use domain::vault::Vault;
use serde_json::Value;
use tests::bin::{self, Finished, Running, open_store};
use tests::fake_telegram::{Call, FakeTelegram, Fault, Injection, MemberStatus, TgUser};

/// How long a wait may take before the test fails (not a performance bound).
const WAIT: Duration = Duration::from_secs(120);

const GROUP: i64 = -1_001_500_000_001;

/// Limits far above Telegram's, since the fake does not need them and the
/// tests should not wait a second per message.
const FAST: [(&str, &str); 3] = [
    ("TASKTRACKER_TELEGRAM__MESSAGES_PER_SECOND", "1000"),
    (
        "TASKTRACKER_TELEGRAM__MESSAGES_PER_MINUTE_PER_GROUP",
        "100000",
    ),
    ("TASKTRACKER_TELEGRAM__MESSAGES_PER_SECOND_PER_CHAT", "1000"),
];

fn olena() -> TgUser {
    TgUser::new(701, "Olena").username("olena").language("uk")
}

fn petro() -> TgUser {
    TgUser::new(702, "Petro").username("petro").language("en")
}

fn approve(dir: &Path, chat: i64) {
    let out = bin::run(dir, &["chats", "approve", "--", &chat.to_string()]);
    assert!(out.status.success(), "{}", bin::text(&out));
}

async fn start(dir: &Path, fake: &FakeTelegram) -> Running {
    start_with(dir, fake, &[]).await
}

/// Starts the bot and waits until it polls (its database exists then).
async fn start_with(dir: &Path, fake: &FakeTelegram, extra: &[(&str, &str)]) -> Running {
    let mut env = FAST.to_vec();
    env.extend_from_slice(extra);
    let bot = Running::start(dir, fake.api_url().as_str(), fake.token(), &env);
    fake.wait_until(WAIT, "the first getUpdates", |calls| {
        calls.iter().any(|c| c.method == "getUpdates")
    })
    .await
    .unwrap();
    bot
}

/// Pushes a message; returns its update id and its message id.
fn push(fake: &FakeTelegram, chat: i64, from: &TgUser, text: &str) -> (i64, i64) {
    let update = fake.message(chat, from, text).build();
    let message_id = update["message"]["message_id"].as_i64().unwrap();
    (fake.push_update(update), message_id)
}

/// The bot is added to `chat` by `by`.
fn join(fake: &FakeTelegram, chat: i64, by: &TgUser) -> i64 {
    fake.my_chat_member(chat, by, MemberStatus::Member)
        .old_status(MemberStatus::Left)
        .push()
}

async fn stop(bot: Running) -> Finished {
    let out = bot.terminate().await;
    assert!(out.success, "{}\n{}", out.stdout, out.stderr);
    assert!(!out.stdout.contains("ERROR"), "{}", out.stdout);
    out
}

/// Successful sendMessage calls into `chat`, as text.
fn texts_in(fake: &FakeTelegram, chat: i64) -> Vec<String> {
    fake.calls_of("sendMessage")
        .iter()
        .filter(|c| c.ok && c.params.i64("chat_id") == Some(chat))
        .filter_map(|c| c.params.text("text"))
        .collect()
}

/// Waits until `n` successful sendMessage calls went to `chat`.
async fn wait_for_texts(fake: &FakeTelegram, chat: i64, n: usize) -> Vec<String> {
    fake.wait_until(WAIT, &format!("{n} messages in chat {chat}"), |calls| {
        calls
            .iter()
            .filter(|c| c.ok && c.method == "sendMessage" && c.params.i64("chat_id") == Some(chat))
            .count()
            >= n
    })
    .await
    .unwrap_or_else(|e| {
        let calls: Vec<String> = fake
            .sent()
            .iter()
            .filter(|c| c.method != "getUpdates")
            .map(|c| format!("{} ok={} {:?} {:?}", c.method, c.ok, c.error_code, c.params))
            .collect();
        panic!("{e}: calls so far:\n{}", calls.join("\n"))
    });
    texts_in(fake, chat)
}

/// The calls so far, for a failure message.
fn dump(fake: &FakeTelegram) -> String {
    fake.sent()
        .iter()
        .filter(|c| c.method != "getUpdates")
        .map(|c| {
            format!(
                "{} ok={} {:?} {:?} {:?}",
                c.method, c.ok, c.error_code, c.fault, c.params
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Waits until the processor applied every update up to `update_id`.
async fn wait_applied(db: &Db, update_id: i64) {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(row) = inbox::get(db, update_id).await.unwrap()
            && row.status != InboxStatus::Pending
        {
            let pending = inbox::count(db, InboxStatus::Pending).await.unwrap();
            if pending == 0
                || inbox::head(db)
                    .await
                    .unwrap()
                    .is_none_or(|h| h.update_id > update_id)
            {
                return;
            }
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "update {update_id} was not applied"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn reply_markup(c: &Call) -> Value {
    c.params.json("reply_markup").unwrap_or(Value::Null)
}

async fn message_text(db: &Db, vault: &Vault, chat: i64, message_id: i64) -> Option<String> {
    let m = messages::get(db, chat, message_id).await.unwrap()?;
    Some(records::message_text(db, vault, &m).await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_is_captured_and_answered_with_cards_and_buttons() {
    let l = Locales::load().unwrap();
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    approve(dir.path(), GROUP);
    fake.set_admins(GROUP, &[petro()]);
    let bot = start(dir.path(), &fake).await;

    // Joining: the privacy notice.
    join(&fake, GROUP, &petro());
    let texts = wait_for_texts(&fake, GROUP, 1).await;
    assert!(texts[0].contains("@tasktracker_test_bot"), "{}", texts[0]);
    assert!(texts[0].contains("90 days"), "{}", texts[0]);

    // A task, a bug report with an assignee, chatter, another bot.
    let (_, task_message) = push(
        &fake,
        GROUP,
        &petro(),
        "Please update the deployment docs by Friday",
    );
    let bug_id = fake
        .message(
            GROUP,
            &olena(),
            "@petro логін не працює, помилка 500 після оновлення, терміново",
        )
        .build();
    let bug_message = bug_id["message"]["message_id"].as_i64().unwrap();
    fake.push_update(bug_id);
    fake.message(GROUP, &petro(), "thanks, see you tomorrow")
        .push();
    let other_bot = TgUser::new(900, "Other").username("other_bot").bot();
    fake.message(GROUP, &other_bot, "please fix the build now")
        .push();
    let fwd_update = fake
        .message(GROUP, &petro(), "Customer: the export button is broken")
        .forwarded_from(&olena())
        .build();
    let fwd_message = fwd_update["message"]["message_id"].as_i64().unwrap();
    let forwarded = fake.push_update(fwd_update);
    let texts = wait_for_texts(&fake, GROUP, 4).await;
    let (db, vault) = open_store(dir.path()).await;
    wait_applied(&db, forwarded).await;

    // Cards: English for Petro, Ukrainian for Olena, replying to the message.
    let cards: Vec<Call> = fake
        .calls_of("sendMessage")
        .into_iter()
        .filter(|c| c.ok && c.params.has("reply_markup"))
        .collect();
    assert_eq!(cards.len(), 3, "{texts:#?}");
    assert!(
        cards[0]
            .params
            .text("text")
            .unwrap()
            .starts_with("Task #1: "),
        "{texts:#?}"
    );
    assert!(
        cards[0].params.text("text").unwrap().contains("Due: "),
        "{texts:#?}"
    );
    let bug_card = cards[1].params.text("text").unwrap();
    assert!(bug_card.contains("#2"), "{bug_card}");
    assert!(
        bug_card.contains(&l.tr(Lang::Uk, "priority-urgent", &[])),
        "{bug_card}"
    );
    assert!(bug_card.contains("@petro"), "{bug_card}");
    let reply_to = cards[1].params.json("reply_parameters").unwrap();
    assert_eq!(reply_to["message_id"].as_i64(), Some(bug_message));
    let buttons = reply_markup(&cards[1]);
    assert_eq!(
        buttons["inline_keyboard"][0][0]["callback_data"],
        "t:done:2"
    );
    assert_eq!(buttons["inline_keyboard"][0][1]["callback_data"], "t:nt:2");

    // Stored: every person's message once (not the bot's), encrypted, the
    // forward flagged, tasks with their card ids.
    assert_eq!(messages::count(&db, Some(GROUP)).await.unwrap(), 4);
    let stored = messages::get(&db, GROUP, fwd_message)
        .await
        .unwrap()
        .unwrap();
    assert!(stored.is_forwarded);
    assert!(!String::from_utf8_lossy(&stored.text_ct).contains("export button"));
    let t2 = tasks::get(&db, 2).await.unwrap().unwrap();
    assert_eq!(t2.status, TaskStatus::Open);
    assert!(t2.card_message_id.is_some());
    assert_eq!(
        records::task_assignees(&db, &vault, &t2).await.unwrap(),
        ["petro"]
    );

    // ✅ on the bug card: the card is edited, the button answered.
    let card_id = t2.card_message_id.unwrap();
    let q = fake
        .callback_query(GROUP, &petro(), card_id, "t:done:2")
        .push_returning_id();
    fake.wait_for_calls("editMessageText", 1, WAIT)
        .await
        .unwrap();
    fake.wait_until(WAIT, "the button answered", |_| true)
        .await
        .unwrap();
    let edit = &fake.calls_of("editMessageText")[0];
    assert_eq!(edit.params.i64("message_id"), Some(card_id));
    let edited = edit.params.text("text").unwrap();
    assert!(edited.ends_with("Виконав(ла) Petro."), "{edited}");
    assert!(!edit.params.has("reply_markup"), "the buttons are gone");
    wait_until_answered(&fake, &q).await;
    assert_eq!(
        tasks::get(&db, 2).await.unwrap().unwrap().status,
        TaskStatus::Done
    );

    // A second press: already closed. A press on a task of another chat: refused.
    let q2 = fake
        .callback_query(GROUP, &olena(), card_id, "t:done:2")
        .push_returning_id();
    wait_until_answered(&fake, &q2).await;
    let q3 = fake
        .callback_query(GROUP, &olena(), card_id, "t:nt:999")
        .push_returning_id();
    wait_until_answered(&fake, &q3).await;
    let answers = fake.calls_of("answerCallbackQuery");
    let of = |id: &str| {
        answers
            .iter()
            .find(|c| c.params.str("callback_query_id") == Some(id))
            .unwrap()
            .clone()
    };
    assert_eq!(
        of(&q2).params.text("text").unwrap(),
        l.tr(Lang::Uk, "task-already-closed", &[("id", Arg::Num(2))])
    );
    assert_eq!(
        of(&q3).params.text("text").unwrap(),
        l.tr(Lang::Uk, "not-yours", &[])
    );
    assert_eq!(of(&q3).params.bool("show_alert"), Some(true));

    // An edit: the stored text follows, and the task is reclassified.
    let edit_id = fake
        .edited_message(
            GROUP,
            &petro(),
            2,
            "Please update the deployment docs by Monday, urgent",
        )
        .push();
    wait_applied(&db, edit_id).await;
    assert_eq!(
        message_text(&db, &vault, GROUP, task_message)
            .await
            .unwrap(),
        "Please update the deployment docs by Monday, urgent"
    );
    let t1 = tasks::get(&db, 1).await.unwrap().unwrap();
    assert_eq!(t1.priority, domain::classify::Priority::Urgent);
    fake.wait_for_calls("editMessageText", 2, WAIT)
        .await
        .unwrap();

    let out = stop(bot).await;
    for secret in ["deployment docs", "логін", fake.token()] {
        assert!(
            !out.stdout.contains(secret) && !out.stderr.contains(secret),
            "{secret:?} was logged"
        );
    }
    db.close().await.unwrap();
}

async fn wait_until_answered(fake: &FakeTelegram, id: &str) {
    fake.wait_until(WAIT, &format!("an answer to {id}"), |calls| {
        calls.iter().any(|c| {
            c.ok && c.method == "answerCallbackQuery"
                && c.params.str("callback_query_id") == Some(id)
        })
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unapproved_chat_gets_one_notice_and_nothing_is_stored() {
    let l = Locales::load().unwrap();
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    fake.set_can_read_all_group_messages(false);
    let bot = start(dir.path(), &fake).await;
    let joined = join(&fake, GROUP, &petro());
    fake.wait_for_acknowledged(joined + 1, WAIT).await.unwrap();
    // Made an admin, it sees every message despite privacy mode.
    fake.set_bot_status(GROUP, MemberStatus::Administrator);
    fake.message(GROUP, &petro(), "Please fix the login page today")
        .push();
    let last = fake
        .message(GROUP, &olena(), "Треба оновити сертифікат до п'ятниці")
        .push();
    let (db, _vault) = open_store(dir.path()).await;
    wait_applied(&db, last).await;
    let texts = wait_for_texts(&fake, GROUP, 2).await;
    // The pending notice once, and the privacy-mode warning for admins.
    assert_eq!(
        texts,
        [
            l.tr(Lang::En, "notice-pending", &[]),
            l.tr(Lang::En, "notice-privacy-mode", &[])
        ]
    );
    assert_eq!(messages::count(&db, None).await.unwrap(), 0);
    let chat = chats::get(&db, GROUP).await.unwrap().unwrap();
    assert_eq!(chat.status, ChatStatus::Pending);

    // Approved while the bot runs: the next message is captured, after the
    // privacy notice.
    approve(dir.path(), GROUP);
    let next = fake.message(GROUP, &petro(), "hello all").push();
    wait_applied(&db, next).await;
    assert_eq!(messages::count(&db, None).await.unwrap(), 1);
    let texts = wait_for_texts(&fake, GROUP, 3).await;
    assert!(texts[2].contains("@tasktracker_test_bot"), "{texts:#?}");
    stop(bot).await;
    db.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_opted_out_person_is_never_stored() {
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    approve(dir.path(), GROUP);
    let bot = start(dir.path(), &fake).await;
    fake.message(GROUP, &olena(), "/optout").push();
    let mine = fake
        .message(GROUP, &olena(), "SECRET-CANARY please fix the build today")
        .push();
    let theirs = fake
        .message(GROUP, &petro(), "please fix the build today")
        .push();
    let (db, vault) = open_store(dir.path()).await;
    wait_applied(&db, theirs).await;
    let _ = mine;
    assert!(messages::get(&db, GROUP, 2).await.unwrap().is_none());
    assert!(messages::get(&db, GROUP, 3).await.unwrap().is_some());
    // No classification was made of her text either.
    assert_eq!(tasks::count_open(&db, Some(GROUP)).await.unwrap(), 1);
    let index = vault.user_index(701);
    assert!(
        domain::store::privacy::is_opted_out(&db, &index)
            .await
            .unwrap()
    );
    assert!(
        domain::store::people::get_by_index(&db, &index)
            .await
            .unwrap()
            .is_none()
    );

    push(&fake, GROUP, &olena(), "/optin");
    let (back, back_message) = push(&fake, GROUP, &olena(), "I am back");
    wait_applied(&db, back).await;
    assert!(
        messages::get(&db, GROUP, back_message)
            .await
            .unwrap()
            .is_some()
    );
    stop(bot).await;
    db.close().await.unwrap();
}

/// Every command, in English and Ukrainian: the reply is the locale's text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_answers_in_the_persons_language() {
    let l = Locales::load().unwrap();
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    approve(dir.path(), GROUP);
    let admin = TgUser::new(800, "Admin").language("en");
    let adminka = TgUser::new(801, "Адмінка").language("uk");
    fake.set_admins(GROUP, &[admin.clone(), adminka.clone()]);
    let bot = start_with(
        dir.path(),
        &fake,
        &[("TASKTRACKER_BOT__OPERATOR_CONTACT", "privacy@example.org")],
    )
    .await;
    let (db, _vault) = open_store(dir.path()).await;

    for (lang, person, code) in [(Lang::En, petro(), "en"), (Lang::Uk, olena(), "uk")] {
        let private = person.id;
        let tr = |key: &str| l.tr(lang, key, &[]);
        let mode = |m: &str| l.tr(lang, &format!("mode-{m}"), &[]);
        let link = "https://t.me/tasktracker_test_bot?start=privacy";
        let days = [
            ("days", Arg::Num(90)),
            ("contact", Arg::Str("privacy@example.org")),
        ];
        let cases: Vec<(i64, &TgUser, &str, String)> = vec![
            (private, &person, "/start", tr("start")),
            (GROUP, &person, "/help", tr("help")),
            (
                private,
                &person,
                "/privacy",
                l.tr(lang, "privacy-policy", &days),
            ),
            (GROUP, &person, "/tasks", tr("tasks-empty")),
            (private, &person, "/tasks", tr("group-only")),
            (GROUP, &person, "/done", tr("done-usage")),
            (
                GROUP,
                &person,
                "/done 999",
                l.tr(lang, "done-not-found", &[("id", Arg::Num(999))]),
            ),
            (
                GROUP,
                &person,
                "/mode",
                l.tr(lang, "mode-current", &[("mode", Arg::Str(&mode("reply")))]),
            ),
            (GROUP, &person, "/mode react", tr("mode-admins-only")),
            (GROUP, &person, "/optout", tr("optout-done")),
            (GROUP, &person, "/optin", tr("optin-done")),
            (
                GROUP,
                &person,
                "/export",
                l.tr(lang, "private-only", &[("link", Arg::Str(link))]),
            ),
            (
                GROUP,
                &person,
                "/forget",
                l.tr(lang, "private-only", &[("link", Arg::Str(link))]),
            ),
            (private, &person, "/frobnicate", tr("unknown-command")),
        ];
        for (chat, from, command, expected) in cases {
            let before = texts_in(&fake, chat).len();
            let id = fake.message(chat, from, command).push();
            wait_applied(&db, id).await;
            let texts = wait_for_texts(&fake, chat, before + 1).await;
            assert_eq!(texts[before], expected, "{code} {command}");
        }
        // An admin changes the mode; the answer is in the admin's language.
        let (admin_user, admin_lang) = if lang == Lang::En {
            (&admin, Lang::En)
        } else {
            (&adminka, Lang::Uk)
        };
        let before = texts_in(&fake, GROUP).len();
        let id = fake.message(GROUP, admin_user, "/mode silent").push();
        wait_applied(&db, id).await;
        let texts = wait_for_texts(&fake, GROUP, before + 1).await;
        let label = l.tr(admin_lang, "mode-silent", &[]);
        assert_eq!(
            texts[before],
            l.tr(admin_lang, "mode-changed", &[("mode", Arg::Str(&label))])
        );
        assert_eq!(
            chats::get(&db, GROUP).await.unwrap().unwrap().reply_mode,
            chats::ReplyMode::Silent
        );
        let restore = fake.message(GROUP, admin_user, "/mode reply").push();
        wait_applied(&db, restore).await;
        wait_for_texts(&fake, GROUP, before + 2).await;
    }

    // The command list, registered per language.
    let registered = fake.my_commands();
    let en = registered
        .iter()
        .find(|c| c.language_code.is_empty())
        .unwrap();
    let uk = registered.iter().find(|c| c.language_code == "uk").unwrap();
    assert_eq!(en.commands.as_array().unwrap().len(), 10);
    assert_eq!(
        uk.commands[0]["description"],
        l.tr(Lang::Uk, "cmd-start", &[])
    );
    stop(bot).await;
    db.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn react_mode_reacts_and_tasks_pages_through_buttons() {
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    approve(dir.path(), GROUP);
    fake.set_admins(GROUP, &[petro()]);
    let bot = start(dir.path(), &fake).await;
    let mode = fake.message(GROUP, &petro(), "/mode react").push();
    let (db, _vault) = open_store(dir.path()).await;
    wait_applied(&db, mode).await;
    let mut last = 0;
    for i in 0..12 {
        last = fake
            .message(
                GROUP,
                &olena(),
                &format!("Please prepare release notes number {i} by Friday"),
            )
            .push();
    }
    wait_applied(&db, last).await;
    fake.wait_for_calls("setMessageReaction", 12, WAIT)
        .await
        .unwrap();
    assert!(fake.reaction(GROUP, 3).is_some());
    assert_eq!(tasks::count_open(&db, Some(GROUP)).await.unwrap(), 12);

    let list = fake.message(GROUP, &petro(), "/tasks").push();
    wait_applied(&db, list).await;
    let sent = fake.wait_for_calls("sendMessage", 3, WAIT).await.unwrap();
    let page = sent.iter().find(|c| c.params.has("reply_markup")).unwrap();
    let text = page.params.text("text").unwrap();
    assert!(text.starts_with("Open tasks (12):"), "{text}");
    assert!(text.ends_with("Page 1 of 2"), "{text}");
    let list_id = page.result.as_ref().unwrap()["message_id"]
        .as_i64()
        .unwrap();
    assert_eq!(
        reply_markup(page)["inline_keyboard"][0][0]["callback_data"],
        "l:2"
    );
    let q = fake
        .callback_query(GROUP, &petro(), list_id, "l:2")
        .push_returning_id();
    wait_until_answered(&fake, &q).await;
    let edit = fake
        .wait_for_calls("editMessageText", 1, WAIT)
        .await
        .unwrap();
    let text = edit[0].params.text("text").unwrap();
    assert!(
        text.contains("#11") && text.ends_with("Page 2 of 2"),
        "{text}"
    );
    stop(bot).await;
    db.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sending_survives_every_fault() {
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    approve(dir.path(), GROUP);
    // Every fault, on messages and on reactions (which Throttle does not
    // cover: the sender itself must honour their retry_after).
    let faults = [
        Fault::TooManyRequests { retry_after: 1 },
        Fault::ServerError(500),
        Fault::ServerError(502),
        Fault::Slow(Duration::from_millis(300)),
        Fault::DropConnection,
        Fault::DropAfterProcessing,
        Fault::MalformedBody,
    ];
    for (i, fault) in faults.iter().enumerate() {
        fake.inject(Injection::next(1, fault.clone()).on("sendMessage"));
        if i % 2 == 0 {
            fake.inject(Injection::next(1, fault.clone()).on("setMessageReaction"));
        }
    }
    fake.set_admins(GROUP, &[petro()]);
    let bot = start(dir.path(), &fake).await;
    let (db, _vault) = open_store(dir.path()).await;
    for i in 0..5 {
        fake.message(
            GROUP,
            &olena(),
            &format!("Please renew certificate {i} by Friday"),
        )
        .push();
    }
    // Five cards (and the privacy notice) arrive despite seven faults.
    let delivered = fake
        .wait_until(WAIT, "six messages delivered", |calls| {
            // At least once: a card whose answer was lost is sent again.
            let distinct: std::collections::HashSet<String> = calls
                .iter()
                .filter(|c| c.ok && c.method == "sendMessage")
                .filter_map(|c| c.params.text("text"))
                .collect();
            distinct.len() >= 6
        })
        .await;
    if let Err(e) = delivered {
        let out = bot.terminate().await;
        panic!("{e}\n{}\n{}", dump(&fake), out.stdout);
    }
    let mode = fake.message(GROUP, &petro(), "/mode react").push();
    wait_applied(&db, mode).await;
    let last = fake
        .message(
            GROUP,
            &olena(),
            "Please renew the last certificate by Friday",
        )
        .push();
    wait_applied(&db, last).await;
    fake.wait_until(WAIT, "a reaction despite four faults", |calls| {
        calls
            .iter()
            .any(|c| c.ok && c.method == "setMessageReaction" && c.fault.is_none())
    })
    .await
    .unwrap();
    let fired: Vec<Fault> = fake.faults_fired().into_iter().map(|f| f.fault).collect();
    assert_eq!(fired.len(), 11, "{fired:?}");
    let out = stop(bot).await;
    assert!(!out.stdout.contains(fake.token()), "the token leaked");
    // Nothing dead, nothing left.
    assert_eq!(
        outbox::count(&db, outbox::OutboxStatus::Dead)
            .await
            .unwrap(),
        0
    );
    db.close().await.unwrap();
}

/// /export and /forget in a private chat: the file holds her messages and
/// nobody else's; a second export is refused with the next time; /forget
/// asks first and then erases.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_and_forget_in_a_private_chat() {
    let l = Locales::load().unwrap();
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    approve(dir.path(), GROUP);
    let bot = start(dir.path(), &fake).await;
    let her = olena();
    let private = her.id;
    push(
        &fake,
        GROUP,
        &her,
        "CANARY-HERS please fix the login page today",
    );
    let (theirs, _) = push(
        &fake,
        GROUP,
        &petro(),
        "CANARY-THEIRS fix the docs by Friday",
    );
    let (db, vault) = open_store(dir.path()).await;
    wait_applied(&db, theirs).await;

    let (export, _) = push(&fake, private, &her, "/export");
    wait_applied(&db, export).await;
    let docs = fake.wait_for_calls("sendDocument", 1, WAIT).await.unwrap();
    let file = &docs[0].files[0];
    let body = String::from_utf8_lossy(&file.bytes).into_owned();
    assert!(body.contains("CANARY-HERS"), "{body}");
    assert!(
        !body.contains("CANARY-THEIRS"),
        "another person's message leaked"
    );
    let caption = docs[0].params.text("caption").unwrap();
    assert!(caption.contains("1 з 1"), "{caption}");
    let texts = wait_for_texts(&fake, private, 2).await;
    assert_eq!(texts[0], l.tr(Lang::Uk, "export-preparing", &[]));
    assert!(texts[1].contains("1"), "{texts:?}");

    let (again, _) = push(&fake, private, &her, "/export");
    wait_applied(&db, again).await;
    let texts = wait_for_texts(&fake, private, 3).await;
    assert!(
        texts[2].starts_with("Ви нещодавно вже отримали експорт"),
        "{texts:?}"
    );

    let (forget, _) = push(&fake, private, &her, "/forget");
    wait_applied(&db, forget).await;
    let texts = wait_for_texts(&fake, private, 4).await;
    assert_eq!(
        texts[3],
        l.tr(Lang::Uk, "forget-confirm", &[("minutes", Arg::Num(10))])
    );
    let confirm = fake
        .calls_of("sendMessage")
        .into_iter()
        .rfind(|c| c.params.i64("chat_id") == Some(private) && c.params.has("reply_markup"))
        .unwrap();
    let data = reply_markup(&confirm)["inline_keyboard"][0][0]["callback_data"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(data.starts_with("f:yes:"), "{data}");
    let confirm_id = confirm.result.as_ref().unwrap()["message_id"]
        .as_i64()
        .unwrap();
    let q = fake
        .callback_query(private, &her, confirm_id, &data)
        .push_returning_id();
    wait_until_answered(&fake, &q).await;
    let edits = fake
        .wait_for_calls("editMessageText", 1, WAIT)
        .await
        .unwrap();
    let done = edits[0].params.text("text").unwrap();
    assert!(done.contains(": 1"), "{done}");
    assert!(
        domain::store::people::get_by_index(&db, &vault.user_index(her.id))
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(messages::count(&db, Some(GROUP)).await.unwrap(), 1);
    stop(bot).await;
    db.close().await.unwrap();
}

/// Telegram refuses the export's document for good: the request is recorded
/// as failed and the person is told, instead of waiting in silence.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_telegram_refuses_is_reported_to_the_person() {
    let l = Locales::load().unwrap();
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    approve(dir.path(), GROUP);
    let bot = start(dir.path(), &fake).await;
    let her = olena();
    let private = her.id;
    let (first, _) = push(&fake, GROUP, &her, "please fix the login page today");
    let (db, vault) = open_store(dir.path()).await;
    wait_applied(&db, first).await;
    fake.inject(
        Injection::next(1, Fault::Refused(400, "Bad Request: chat not found".into()))
            .on("sendDocument"),
    );

    let (export, _) = push(&fake, private, &her, "/export");
    wait_applied(&db, export).await;
    let texts = wait_for_texts(&fake, private, 2).await;
    assert_eq!(texts[0], l.tr(Lang::Uk, "export-preparing", &[]));
    assert_eq!(texts[1], l.tr(Lang::Uk, "export-failed", &[]));
    assert!(fake.calls_of("sendDocument").iter().all(|c| !c.ok));
    let history = domain::requests::history(&db, &vault, her.id)
        .await
        .unwrap();
    assert_eq!(history.len(), 1, "{history:?}");
    assert_eq!(
        history[0].status,
        domain::store::subject_requests::RequestStatus::Failed
    );
    assert!(
        history[0]
            .failure
            .as_deref()
            .is_some_and(|f| f.contains("chat not found")),
        "{history:?}"
    );
    assert_eq!(
        outbox::count(&db, outbox::OutboxStatus::Dead)
            .await
            .unwrap(),
        1,
        "the document is the one dead item"
    );
    stop(bot).await;
    db.close().await.unwrap();
}

/// Stores a message sent `days_ago` days ago in GROUP, as if captured then.
async fn old_message(db: &Db, vault: &Vault, message_id: i64, days_ago: i64) {
    let tx = db.begin_write().await.unwrap();
    let person = records::save_person(
        &tx,
        vault,
        &records::Profile {
            telegram_user_id: 4242,
            name: "Old Timer".into(),
            username: None,
            language_code: None,
        },
    )
    .await
    .unwrap();
    records::capture_message(
        &tx,
        vault,
        &person,
        &records::IncomingMessage {
            chat_id: GROUP,
            message_id,
            sent_at: chrono::Utc::now() - chrono::Duration::days(days_ago),
            text: "an old message",
            reply_to_message_id: None,
            is_forwarded: false,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

async fn wait_for_scheduled_runs(db: &Db, n: usize, within: Duration) {
    let deadline = std::time::Instant::now() + within;
    loop {
        let runs = domain::store::retention::recent_runs(db, 10).await.unwrap();
        let done = runs
            .iter()
            .filter(|r| r.trigger == "schedule" && r.finished_at.is_some())
            .count();
        if done >= n {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{done} scheduled purge runs after {within:?}: {runs:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The bot purges expired messages by itself: once at start, then every
/// `bot.purge_interval` (here the shortest allowed, one minute).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_purges_expired_messages_on_schedule() {
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    approve(dir.path(), GROUP);
    let bot = start_with(
        dir.path(),
        &fake,
        &[("TASKTRACKER_BOT__PURGE_INTERVAL", "1m")],
    )
    .await;
    let (db, vault) = open_store(dir.path()).await;
    // The run at start.
    wait_for_scheduled_runs(&db, 1, WAIT).await;

    // Expired while the bot runs: the next run, a minute later, takes it.
    old_message(&db, &vault, 1, 200).await; // past the 90-day default
    old_message(&db, &vault, 2, 10).await; // within it
    wait_for_scheduled_runs(&db, 2, Duration::from_secs(100)).await;
    assert!(messages::get(&db, GROUP, 1).await.unwrap().is_none());
    assert!(messages::get(&db, GROUP, 2).await.unwrap().is_some());
    let runs = domain::store::retention::recent_runs(&db, 1).await.unwrap();
    assert_eq!(runs[0].trigger, "schedule");
    assert_eq!(runs[0].counts.messages, 1, "{runs:?}");
    stop(bot).await;
    db.close().await.unwrap();
}

/// Whether a call of `method` into `chat` has failed with an injected fault.
fn faulted(calls: &[Call], method: &str, chat: i64) -> bool {
    calls
        .iter()
        .any(|c| c.method == method && c.fault.is_some() && c.params.i64("chat_id") == Some(chat))
}

/// Replies still waiting in the outbox show nothing of a person erased
/// meanwhile: a "Done by …" edit naming the closer goes with the closer, a
/// `/tasks` page is rendered when sent (without the erased author's task).
/// A closer who opted out is not named at all, and no profile is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiting_replies_show_nothing_of_a_person_erased_meanwhile() {
    let l = Locales::load().unwrap();
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    approve(dir.path(), GROUP);
    let bot = start(dir.path(), &fake).await;
    let ivan = TgUser::new(703, "Ivan").username("ivan").language("en");

    // Three tasks of Olena's, each with its card.
    for title in ["FIRST-CANARY", "SECOND-CANARY", "THIRD-CANARY"] {
        push(
            &fake,
            GROUP,
            &olena(),
            &format!("Please fix the {title} login page by Friday"),
        );
    }
    wait_for_texts(&fake, GROUP, 3).await;
    let (db, vault) = open_store(dir.path()).await;
    // The card's message id, once the sender recorded it.
    let card = |id: i64| {
        let db = db.clone();
        async move {
            let deadline = tokio::time::Instant::now() + WAIT;
            loop {
                let task = tasks::get(&db, id).await.unwrap();
                if let Some(card) = task.and_then(|t| t.card_message_id) {
                    return card;
                }
                assert!(tokio::time::Instant::now() < deadline, "no card for {id}");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };

    // Ivan opted out, then dismisses the third: the card names no one and
    // nothing of his is stored.
    let (optout, _) = push(&fake, GROUP, &ivan, "/optout");
    wait_applied(&db, optout).await;
    let q = fake
        .callback_query(GROUP, &ivan, card(3).await, "t:nt:3")
        .push_returning_id();
    wait_until_answered(&fake, &q).await;
    let edits = fake
        .wait_for_calls("editMessageText", 1, WAIT)
        .await
        .unwrap();
    let edited = edits[0].params.text("text").unwrap();
    assert!(
        edited.ends_with(&l.tr(Lang::Uk, "card-dismissed-unnamed", &[])),
        "{edited}"
    );
    assert!(!edited.contains("Ivan"), "{edited}");
    assert!(
        records::find_person(&db, &vault, ivan.id)
            .await
            .unwrap()
            .is_none()
    );

    // Petro closes the first while Telegram fails every edit; he is erased
    // before it gets through: the edit naming him goes with him.
    fake.inject(Injection::with_probability(1.0, Fault::ServerError(500)).on("editMessageText"));
    // (Its answer waits behind the edit: the chat's queue keeps order.)
    fake.callback_query(GROUP, &petro(), card(1).await, "t:done:1")
        .push();
    fake.wait_until(WAIT, "a failed edit", |calls| {
        faulted(calls, "editMessageText", GROUP)
    })
    .await
    .unwrap();
    let out = bin::run(
        dir.path(),
        &["forget", "--telegram-user-id", &petro().id.to_string()],
    );
    assert!(out.status.success(), "{}", bin::text(&out));
    fake.clear_faults();

    // Ivan asks for /tasks while Telegram fails every message; Olena is
    // erased before it gets through: the page no longer lists her tasks.
    fake.inject(Injection::with_probability(1.0, Fault::ServerError(500)).on("sendMessage"));
    let (list, _) = push(&fake, GROUP, &ivan, "/tasks");
    wait_applied(&db, list).await;
    fake.wait_until(WAIT, "a failed page", |calls| {
        faulted(calls, "sendMessage", GROUP)
    })
    .await
    .unwrap();
    let out = bin::run(
        dir.path(),
        &["forget", "--telegram-user-id", &olena().id.to_string()],
    );
    assert!(out.status.success(), "{}", bin::text(&out));
    fake.clear_faults();
    let empty = l.tr(Lang::En, "tasks-empty", &[]);
    fake.wait_until(WAIT, "the page", |calls| {
        calls.iter().any(|c| {
            c.ok && c.method == "sendMessage"
                && c.params.text("text").as_deref() == Some(empty.as_str())
        })
    })
    .await
    .unwrap_or_else(|e| panic!("{e}:\n{}", dump(&fake)));
    // Her cards are deleted (sent < 48 h ago), then the queue is empty.
    fake.wait_for_calls("deleteMessage", 3, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}:\n{}", dump(&fake)));
    for c in fake
        .sent()
        .iter()
        .filter(|c| c.ok && c.method != "getUpdates")
    {
        let text = c.params.text("text").unwrap_or_default();
        assert!(!text.contains("Petro"), "{}: {text}", c.method);
        if c.method == "sendMessage" && !c.params.has("reply_markup") {
            assert!(!text.contains("CANARY"), "a page quoted her: {text}");
        }
    }
    assert_eq!(
        fake.calls_of("editMessageText")
            .iter()
            .filter(|c| c.ok)
            .count(),
        1,
        "only Ivan's dismissal was edited in:\n{}",
        dump(&fake)
    );
    stop(bot).await;
    db.close().await.unwrap();
}

/// An erasure while the sender is in the middle of posting a card that
/// quotes the person: the card lands (Telegram cannot be stopped), its
/// outbox row is gone, and the bot deletes the card it just posted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_erased_while_in_flight_is_deleted_once_it_lands() {
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    approve(dir.path(), GROUP);
    let bot = start(dir.path(), &fake).await;
    push(&fake, GROUP, &petro(), "hello"); // the privacy notice goes first
    wait_for_texts(&fake, GROUP, 1).await;
    fake.inject(Injection::next(1, Fault::Slow(Duration::from_secs(5))).on("sendMessage"));
    push(
        &fake,
        GROUP,
        &olena(),
        "Please fix the INFLIGHT-CANARY login page by Friday",
    );
    let deadline = tokio::time::Instant::now() + WAIT;
    while fake.faults_fired().is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the card was not sent"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let out = bin::run(
        dir.path(),
        &["forget", "--telegram-user-id", &olena().id.to_string()],
    );
    assert!(out.status.success(), "{}", bin::text(&out));
    let deleted = fake
        .wait_for_calls("deleteMessage", 1, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}:\n{}", dump(&fake)));
    let cards: Vec<Call> = fake
        .calls_of("sendMessage")
        .into_iter()
        .filter(|c| c.params.has("reply_markup"))
        .collect();
    assert_eq!(cards.len(), 1, "{}", dump(&fake));
    let card = cards[0].result.as_ref().unwrap()["message_id"]
        .as_i64()
        .unwrap();
    assert_eq!(deleted[0].params.i64("message_id"), Some(card));
    assert_eq!(fake.stored_message(GROUP, card), None, "the card is gone");
    let (db, _) = open_store(dir.path()).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while outbox::count(&db, outbox::OutboxStatus::Pending)
        .await
        .unwrap()
        > 0
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the outbox stays busy"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let out = stop(bot).await;
    assert!(
        out.stdout.contains("erased while it was being sent"),
        "{}",
        out.stdout
    );
    db.close().await.unwrap();
}

/// The card of someone else's task says who closed it; once that person is
/// erased, the bot edits the card again to name no one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_card_no_longer_names_its_erased_closer() {
    let l = Locales::load().unwrap();
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    approve(dir.path(), GROUP);
    let bot = start(dir.path(), &fake).await;
    push(
        &fake,
        GROUP,
        &olena(),
        "Please fix the login page by Friday",
    );
    wait_for_texts(&fake, GROUP, 2).await; // the notice and the card
    let (db, _) = open_store(dir.path()).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    let card = loop {
        if let Some(id) = tasks::get(&db, 1)
            .await
            .unwrap()
            .and_then(|t| t.card_message_id)
        {
            break id;
        }
        assert!(tokio::time::Instant::now() < deadline, "no card");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let q = fake
        .callback_query(GROUP, &petro(), card, "t:done:1")
        .push_returning_id();
    wait_until_answered(&fake, &q).await;
    let edits = fake
        .wait_for_calls("editMessageText", 1, WAIT)
        .await
        .unwrap();
    let named = edits[0].params.text("text").unwrap();
    assert!(named.ends_with("Виконав(ла) Petro."), "{named}");

    let out = bin::run(
        dir.path(),
        &["forget", "--telegram-user-id", &petro().id.to_string()],
    );
    assert!(out.status.success(), "{}", bin::text(&out));
    assert!(
        bin::text(&out).contains("1 card(s) to show without their name"),
        "{}",
        bin::text(&out)
    );
    let edits = fake
        .wait_for_calls("editMessageText", 2, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}:\n{}", dump(&fake)));
    assert_eq!(edits[1].params.i64("message_id"), Some(card));
    let unnamed = edits[1].params.text("text").unwrap();
    assert_eq!(
        unnamed,
        named.replace(
            "Виконав(ла) Petro.",
            &l.tr(Lang::Uk, "card-done-unnamed", &[])
        ),
    );
    assert!(fake.calls_of("deleteMessage").is_empty(), "{}", dump(&fake));
    assert_eq!(
        tasks::get(&db, 1).await.unwrap().unwrap().status,
        TaskStatus::Done
    );
    stop(bot).await;
    db.close().await.unwrap();
}
