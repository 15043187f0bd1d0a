//! Reliability under a kill: the whole pipeline (poller → inbox → processor
//! → outbox → sender) with tens of thousands of updates, SIGKILLed
//! mid-stream and restarted. Nothing may be lost, nothing stored twice, and
//! every task card must go out.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use domain::store::inbox::{self, InboxStatus};
use domain::store::outbox::{self, OutboxStatus};
use domain::store::{Db, messages, tasks};
use serde_json::Value;
use tests::bin::{self, Running, open_store};
use tests::fake_telegram::{FakeTelegram, TgUser};

/// How long the whole backlog may take to drain (not a performance bound).
const WAIT: Duration = Duration::from_secs(900);

const CHATS: i64 = 20;
const UPDATES: usize = 20_000;
const KILL_AFTER: usize = 5_000;

/// The `bot.rs` limits, plus a classification limit that 1,000 messages a
/// chat in a burst do not reach (above it the bot stores tasks without
/// cards, by design).
const ENV: [(&str, &str); 4] = [
    ("TASKTRACKER_TELEGRAM__MESSAGES_PER_SECOND", "1000"),
    (
        "TASKTRACKER_TELEGRAM__MESSAGES_PER_MINUTE_PER_GROUP",
        "100000",
    ),
    ("TASKTRACKER_TELEGRAM__MESSAGES_PER_SECOND_PER_CHAT", "1000"),
    ("TASKTRACKER_BOT__CLASSIFICATIONS_PER_MINUTE", "1000000"),
];

fn chat(i: i64) -> i64 {
    -1_001_700_000_000 - i
}

fn people() -> [TgUser; 3] {
    [
        TgUser::new(801, "Iryna").username("iryna").language("en"),
        TgUser::new(802, "Taras").username("taras").language("en"),
        TgUser::new(803, "Marta").username("marta").language("uk"),
    ]
}

/// Task-like or chatter, each text unique.
fn text(i: usize) -> String {
    match i % 4 {
        0 => format!("Please update the release notes by Friday (item {i})"),
        1 => format!("thanks, see you tomorrow {i}"),
        2 => format!("Fix the login page crash before the demo, ticket {i}"),
        _ => format!("ok {i}"),
    }
}

fn start(dir: &Path, fake: &FakeTelegram) -> Running {
    Running::start(dir, fake.api_url().as_str(), fake.token(), &ENV)
}

/// Every update applied and every outbox item settled.
async fn drained(db: &Db) -> bool {
    inbox::count(db, InboxStatus::Pending).await.unwrap() == 0
        && outbox::count(db, OutboxStatus::Pending).await.unwrap() == 0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_bot_stores_every_message_once_and_sends_every_card() {
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    for c in 0..CHATS {
        let out = bin::run(
            dir.path(),
            &["chats", "approve", "--", &chat(c).to_string()],
        );
        assert!(out.status.success(), "{}", bin::text(&out));
    }

    let people = people();
    let mut expected: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    let updates: Vec<Value> = (0..UPDATES)
        .map(|i| {
            let c = chat(i64::try_from(i).unwrap() % CHATS);
            let u = fake.message(c, &people[i % people.len()], &text(i)).build();
            let mid = u["message"]["message_id"].as_i64().unwrap();
            assert!(expected.entry(c).or_default().insert(mid));
            u
        })
        .collect();
    let ids = fake.push_many(updates);
    let last = *ids.last().unwrap();

    let started = Instant::now();
    let bot = start(dir.path(), &fake);
    fake.wait_for_acknowledged(ids[KILL_AFTER], WAIT)
        .await
        .unwrap();
    let killed = bot.kill().await;
    let acked_at_kill = fake.acknowledged_offset();
    assert!(
        acked_at_kill <= last,
        "the kill came after the whole stream; nothing was tested\n{}",
        killed.stdout
    );

    let bot = start(dir.path(), &fake);
    fake.wait_for_acknowledged(last + 1, WAIT).await.unwrap();
    let (db, _vault) = open_store(dir.path()).await;
    let deadline = Instant::now() + WAIT;
    while !drained(&db).await {
        assert!(
            Instant::now() < deadline,
            "not drained: {} inbox rows and {} outbox items pending",
            inbox::count(&db, InboxStatus::Pending).await.unwrap(),
            outbox::count(&db, OutboxStatus::Pending).await.unwrap()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let elapsed = started.elapsed();
    let out = bot.terminate().await;
    assert!(out.success, "{}\n{}", out.stdout, out.stderr);
    assert!(!out.stdout.contains("ERROR"), "{}", out.stdout);

    // Nothing dead on either side.
    assert_eq!(inbox::count(&db, InboxStatus::Dead).await.unwrap(), 0);
    assert_eq!(outbox::count(&db, OutboxStatus::Dead).await.unwrap(), 0);
    assert_eq!(
        inbox::count(&db, InboxStatus::Done).await.unwrap(),
        u64::try_from(UPDATES).unwrap()
    );

    // Exactly one row per message: the counts match and each is there.
    assert_eq!(
        messages::count(&db, None).await.unwrap(),
        u64::try_from(UPDATES).unwrap()
    );
    for (c, mids) in &expected {
        assert_eq!(
            messages::count(&db, Some(*c)).await.unwrap(),
            u64::try_from(mids.len()).unwrap(),
            "messages in chat {c}"
        );
        for mid in mids {
            assert!(
                messages::get(&db, *c, *mid).await.unwrap().is_some(),
                "message {mid} of chat {c} is missing"
            );
        }
    }

    // Every task has its card, and the fake saw it sent.
    let sent: HashSet<String> = fake
        .calls_of("sendMessage")
        .iter()
        .filter(|c| c.ok)
        .filter_map(|c| c.params.json("reply_markup"))
        .flat_map(|m| {
            m["inline_keyboard"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|row| row.as_array().into_iter().flatten())
                .filter_map(|b| b["callback_data"].as_str().map(str::to_owned))
                .collect::<Vec<_>>()
        })
        .collect();
    let mut all_tasks = 0;
    for c in expected.keys() {
        let open = tasks::list_open(&db, *c, 0, 1_000_000).await.unwrap();
        for t in &open {
            assert!(
                t.card_message_id.is_some(),
                "task {} in chat {c} has no card",
                t.id
            );
            assert!(
                sent.contains(&format!("t:done:{}", t.id)),
                "no card with t:done:{} was sent",
                t.id
            );
        }
        all_tasks += open.len();
    }
    assert!(all_tasks > 0, "the builtin classifier made no task");
    assert_eq!(
        u64::try_from(all_tasks).unwrap(),
        tasks::count_open(&db, None).await.unwrap()
    );
    eprintln!(
        "{UPDATES} updates, killed at offset {acked_at_kill}, {all_tasks} tasks, drained in {elapsed:?}"
    );
    db.close().await.unwrap();
}
