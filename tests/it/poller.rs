//! The durable poller, end to end: the real binary long-polls the fake Bot
//! API and commits every update to the inbox exactly once, before it
//! acknowledges it, through kills and injected faults.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use domain::store::Db;
use domain::store::inbox::{self, InboxStatus};
use domain::vault::{self, Vault};
use serde_json::{Value, json};
use tests::bin::{Running, open_store};
use tests::fake_telegram::{FakeTelegram, Fault, Injection, MemberStatus, TgUser};

/// How long a wait may take before the test fails (not a performance bound).
const WAIT: Duration = Duration::from_secs(120);

fn start(dir: &Path, fake: &FakeTelegram, token: &str) -> Running {
    Running::start(dir, fake.api_url().as_str(), token, &[])
}

/// The JSON stored for `update_id`, decrypted.
async fn stored_json(db: &Db, vault: &Vault, update_id: i64) -> (String, Value) {
    let item = inbox::get(db, update_id)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("update {update_id} is not in the inbox"));
    let plain = vault
        .open(db, &vault::aad::inbox_payload(update_id), &item.payload)
        .await
        .unwrap();
    (item.kind, serde_json::from_slice(plain.expose()).unwrap())
}

/// Queues `update` and returns it as the fake will deliver it.
fn push(fake: &FakeTelegram, mut update: Value) -> (i64, Value) {
    let id = fake.push_update(update.clone());
    update["update_id"] = json!(id);
    (id, update)
}

fn alice() -> TgUser {
    TgUser::new(501, "Alice").username("alice").language("en")
}

/// `n` ordinary group messages, as the fake will number them from `first`.
fn messages(fake: &FakeTelegram, n: usize) -> Vec<Value> {
    let user = alice();
    (0..n)
        .map(|i| {
            let chat = -1_001_000_000_000 - i64::try_from(i % 7).unwrap();
            fake.message(chat, &user, &format!("message {i}")).build()
        })
        .collect()
}

/// Checks that updates `ids` are each in the inbox once (the processor may
/// have applied them already), and that the inbox holds nothing else.
async fn assert_inbox_holds(db: &Db, ids: &[i64]) {
    let mut rows = 0;
    for status in InboxStatus::ALL {
        rows += inbox::count(db, *status).await.unwrap();
    }
    assert_eq!(rows, u64::try_from(ids.len()).unwrap());
    for &id in ids {
        assert!(
            inbox::get(db, id).await.unwrap().is_some(),
            "update {id} is missing"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_are_committed_in_order_before_they_are_acknowledged() {
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let group = -1_001_234_567_890;
    let user = alice();
    let mut expected: BTreeMap<i64, (&str, Value)> = BTreeMap::new();
    let (id, u) = push(
        &fake,
        fake.my_chat_member(group, &user, MemberStatus::Member)
            .build(),
    );
    expected.insert(id, ("my_chat_member", u));
    let (id, u) = push(
        &fake,
        fake.message(group, &user, "fix the login page by Friday")
            .build(),
    );
    expected.insert(id, ("message", u));
    let message_id = expected[&id].1["message"]["message_id"].as_i64().unwrap();

    let bot = start(dir.path(), &fake, fake.token());
    let first_ack = *expected.keys().last().unwrap() + 1;
    fake.wait_for_acknowledged(first_ack, WAIT).await.unwrap();

    // More while the bot is running: they wake its long poll.
    let edit = fake.edited_message(group, &user, message_id, "fix the login page by Monday");
    let (id, u) = push(&fake, edit.build());
    expected.insert(id, ("edited_message", u));
    let (id, u) = push(
        &fake,
        fake.callback_query(group, &user, message_id, "done:1")
            .build(),
    );
    expected.insert(id, ("callback_query", u));
    let last_ack = id + 1;
    fake.wait_for_acknowledged(last_ack, WAIT).await.unwrap();

    // Acknowledged means committed: the rows are there the moment the fake
    // saw the offset move past them.
    let (db, vault) = open_store(dir.path()).await;
    let ids: Vec<i64> = expected.keys().copied().collect();
    assert_inbox_holds(&db, &ids).await;
    for (id, (kind, json)) in &expected {
        let (stored_kind, stored) = stored_json(&db, &vault, *id).await;
        assert_eq!(&stored_kind, kind);
        assert_eq!(&stored, json);
    }
    assert_eq!(
        inbox::next_offset(&db).await.unwrap(),
        Some(last_ack),
        "the committed offset"
    );

    // The poller asked as configured and only moved forward.
    let calls = fake.calls_of("getUpdates");
    let first = &calls[0].params;
    assert_eq!(first.i64("limit"), Some(100));
    assert_eq!(first.i64("timeout"), Some(25));
    assert_eq!(
        fake.allowed_updates().unwrap(),
        [
            "message",
            "edited_message",
            "callback_query",
            "my_chat_member"
        ]
    );
    let offsets: Vec<i64> = fake.offsets_received().into_iter().flatten().collect();
    assert!(offsets.windows(2).all(|w| w[0] <= w[1]), "{offsets:?}");

    // A signal ends the long poll and the process, cleanly.
    fake.wait_for_long_poll(WAIT).await.unwrap();
    let out = bot.terminate().await;
    assert!(out.success, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("polling Telegram"), "{}", out.stdout);
    assert!(out.stdout.contains("SIGTERM"), "{}", out.stdout);
    assert!(out.stdout.contains("stopped"), "{}", out.stdout);
    for text in [fake.token(), "login page"] {
        assert!(
            !out.stdout.contains(text) && !out.stderr.contains(text),
            "{text:?} was logged"
        );
    }
    db.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_poller_loses_and_duplicates_nothing() {
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let ids = fake.push_many(messages(&fake, 2_000));
    let last = *ids.last().unwrap();

    // Slow answers spread the 20 batches out, so the kill lands mid-stream.
    fake.inject(
        Injection::with_probability(1.0, Fault::Slow(Duration::from_millis(50))).on("getUpdates"),
    );
    let bot = start(dir.path(), &fake, fake.token());
    fake.wait_for_acknowledged(ids[500], WAIT).await.unwrap();
    bot.kill().await;
    fake.clear_faults();

    let bot = start(dir.path(), &fake, fake.token());
    fake.wait_for_acknowledged(last + 1, WAIT).await.unwrap();
    let out = bot.terminate().await;
    assert!(out.success, "{}\n{}", out.stdout, out.stderr);

    let (db, vault) = open_store(dir.path()).await;
    assert_inbox_holds(&db, &ids).await;
    let (kind, json) = stored_json(&db, &vault, last).await;
    assert_eq!(kind, "message");
    assert_eq!(json["message"]["text"], "message 1999");
    db.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_are_survived_and_everything_lands() {
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let faults = [
        Fault::ServerError(500),
        Fault::ServerError(502),
        Fault::TooManyRequests { retry_after: 1 },
        Fault::DropConnection,
        Fault::DropAfterProcessing,
        Fault::MalformedBody,
    ];
    for fault in &faults {
        fake.inject(Injection::next(1, fault.clone()).on("getUpdates"));
    }
    let mut ids = fake.push_many(messages(&fake, 150));

    let bot = start(dir.path(), &fake, fake.token());
    fake.wait_for_acknowledged(ids[149] + 1, WAIT)
        .await
        .unwrap();
    ids.extend(fake.push_many(messages(&fake, 10)));
    fake.wait_for_acknowledged(ids.last().unwrap() + 1, WAIT)
        .await
        .unwrap();
    let fired: Vec<Fault> = fake.faults_fired().into_iter().map(|f| f.fault).collect();
    assert_eq!(fired, faults);

    let out = bot.terminate().await;
    assert!(out.success, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("getUpdates failed"), "{}", out.stdout);
    assert!(!out.stdout.contains(fake.token()), "the token leaked");

    let (db, _vault) = open_store(dir.path()).await;
    assert_inbox_holds(&db, &ids).await;
    db.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_ends_run_with_a_clear_error() {
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    let wrong = "123456789:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0";
    let out = start(dir.path(), &fake, wrong).finish().await;
    assert!(!out.success, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains("401") && out.stderr.contains("telegram.token"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stdout.contains(wrong) && !out.stderr.contains(wrong),
        "the token leaked"
    );
}
