//! The bot end to end, as a benchmark: the release `tasktracker run` against
//! the in-process fake Bot API, on the default SQLite setup with the builtin
//! classifier. `cargo bench -p tests --bench bot_e2e`. Prints:
//!
//! 1. Throughput: 20,000 message updates (20 approved groups, a quarter of
//!    them task-like) are queued in the fake before the bot starts; the
//!    clock runs from the bot's first getUpdates until every update is
//!    acknowledged and applied (no pending inbox row: each is stored, its
//!    message captured, classified, and its card queued in the outbox, all
//!    in the processor's transaction). The time until the outbox is empty
//!    too (every card delivered to the fake) is printed beside it.
//! 2. Latency at a paced 1,000 updates/s for 10 s (10,000 updates, pushed
//!    every 5 ms in the amount that keeps the schedule). The bot is
//!    long-polling, so the fake answers getUpdates as soon as an update is
//!    pushed: the push instant stands for the getUpdates response (it is at
//!    most a wake-up earlier, so the figure is an upper bound). "Committed
//!    capture" is observed from outside: a task in this process reads
//!    `messages::count` in a loop (about every millisecond); since the
//!    processor applies updates in order, the k-th paced message is
//!    committed when the count first reaches base + k. Latency is that
//!    instant minus its push instant. The resolution is the polling
//!    interval plus one count query (a millisecond or two). The in-
//!    transaction `messages.created_at` stamps give a second, commit-free
//!    view (push → capture inside the transaction), printed too.
//! 3. Peak RSS: `VmHWM` from `/proc/<pid>/status` of the bot just before it
//!    is stopped.
//!
//! The fake, the pacing and the polling run in this process, on the same
//! two cores as the bot: the figures include that competition.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use domain::store::inbox::{self, InboxStatus};
use domain::store::outbox::{self, OutboxStatus};
use domain::store::{Db, messages};
use serde_json::Value;
use tests::bin::{self, Running, open_store};
use tests::fake_telegram::{FakeTelegram, TgUser};

const CHATS: i64 = 20;
const BULK: usize = 20_000;
const PACED_RATE: usize = 1_000;
const PACED_SECS: usize = 10;
const WAIT: Duration = Duration::from_secs(600);

const ENV: [(&str, &str); 5] = [
    ("TASKTRACKER_TELEGRAM__MESSAGES_PER_SECOND", "10000"),
    (
        "TASKTRACKER_TELEGRAM__MESSAGES_PER_MINUTE_PER_GROUP",
        "100000",
    ),
    (
        "TASKTRACKER_TELEGRAM__MESSAGES_PER_SECOND_PER_CHAT",
        "10000",
    ),
    ("TASKTRACKER_BOT__CLASSIFICATIONS_PER_MINUTE", "1000000"),
    ("RUST_LOG", "info"),
];

fn chat(i: usize) -> i64 {
    -1_001_800_000_000 - i64::try_from(i).unwrap() % CHATS
}

fn text(i: usize) -> String {
    match i % 4 {
        0 => format!("Please update the release notes by Friday (item {i})"),
        1 => format!("thanks, see you tomorrow {i}"),
        2 => format!("Fix the login page crash before the demo, ticket {i}"),
        _ => format!("ok {i}"),
    }
}

fn person(i: usize) -> TgUser {
    let id = 900 + i64::try_from(i % 5).unwrap();
    TgUser::new(id, "Person").language("en")
}

/// Builds the update for message `i`; returns it with its (chat, message id).
fn update(fake: &FakeTelegram, i: usize) -> (Value, (i64, i64)) {
    let c = chat(i);
    let u = fake.message(c, &person(i), &text(i)).build();
    let mid = u["message"]["message_id"].as_i64().unwrap();
    (u, (c, mid))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (p / 100.0 * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

async fn wait_for(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done().await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn pending(db: &Db) -> (u64, u64) {
    (
        inbox::count(db, InboxStatus::Pending).await.unwrap(),
        outbox::count(db, OutboxStatus::Pending).await.unwrap(),
    )
}

fn approve(binary: &Path, dir: &Path, c: i64) {
    let out = bin::command_of(binary, dir)
        .args(["chats", "approve", "--", &c.to_string()])
        .env("USER", "ops")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", bin::text(&out));
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let binary = bin::tasktracker_release();
    let fake = FakeTelegram::start().await;
    let dir = tempfile::tempdir().unwrap();
    for c in 0..usize::try_from(CHATS).unwrap() {
        approve(&binary, dir.path(), chat(c));
    }

    // ----- 1. throughput ------------------------------------------------
    let updates: Vec<Value> = (0..BULK).map(|i| update(&fake, i).0).collect();
    let ids = fake.push_many(updates);
    let last = *ids.last().unwrap();
    let bot = Running::start_binary(
        &binary,
        dir.path(),
        fake.api_url().as_str(),
        fake.token(),
        &ENV,
    );
    let pid = bot.id();
    fake.wait_until(WAIT, "the first getUpdates", |calls| {
        calls.iter().any(|c| c.method == "getUpdates")
    })
    .await
    .unwrap();
    let t0 = Instant::now();
    let (db, _vault) = open_store(dir.path()).await;
    wait_for("the bulk to be applied", async || {
        fake.acknowledged_offset() > last && pending(&db).await.0 == 0
    })
    .await;
    let applied = t0.elapsed();
    wait_for("the bulk's cards to be sent", async || {
        pending(&db).await.1 == 0
    })
    .await;
    let sent = t0.elapsed();
    let cards = fake.calls_of("sendMessage").len();
    let bulk = BULK as f64;
    println!(
        "throughput: {BULK} updates applied in {:.2} s = {:.0} updates/s (fake → inbox → capture → classification → outbox)",
        applied.as_secs_f64(),
        bulk / applied.as_secs_f64()
    );
    println!(
        "            {cards} sendMessage calls; outbox empty after {:.2} s = {:.0} updates/s including delivery",
        sent.as_secs_f64(),
        bulk / sent.as_secs_f64()
    );

    // ----- 2. latency at a paced rate -----------------------------------
    let base = messages::count(&db, None).await.unwrap();
    let total = PACED_RATE * PACED_SECS;
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let db = db.clone();
        let stop = Arc::clone(&stop);
        tokio::spawn(async move {
            // (count, first instant seen)
            let mut seen: Vec<(u64, Instant)> = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let n = messages::count(&db, None).await.unwrap();
                let at = Instant::now();
                if seen.last().is_none_or(|(m, _)| *m < n) {
                    seen.push((n, at));
                }
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            seen
        })
    };
    let mut pushed: Vec<(Instant, DateTime<Utc>, (i64, i64))> = Vec::with_capacity(total);
    let start = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(5));
    let mut i = 0;
    while i < total {
        tick.tick().await;
        let due = (start.elapsed().as_secs_f64() * PACED_RATE as f64) as usize;
        let due = due.min(total);
        while i < due {
            let (u, key) = update(&fake, BULK + i);
            fake.push_update(u);
            pushed.push((Instant::now(), Utc::now(), key));
            i += 1;
        }
    }
    let target = base + total as u64;
    wait_for("the paced updates to be captured", async || {
        messages::count(&db, None).await.unwrap() >= target
    })
    .await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    stop.store(true, Ordering::Relaxed);
    let seen = watcher.await.unwrap();
    let mut committed: Vec<f64> = Vec::with_capacity(total);
    let mut in_tx: Vec<f64> = Vec::with_capacity(total);
    for (k, (at, wall, (c, mid))) in pushed.iter().enumerate() {
        let need = base + k as u64 + 1;
        let pos = seen.partition_point(|(n, _)| *n < need);
        if let Some((_, t)) = seen.get(pos) {
            committed.push(t.saturating_duration_since(*at).as_secs_f64() * 1e3);
        }
        if let Some(m) = messages::get(&db, *c, *mid).await.unwrap() {
            in_tx.push((m.created_at - *wall).num_microseconds().unwrap_or(0) as f64 / 1e3);
        }
    }
    committed.sort_by(f64::total_cmp);
    in_tx.sort_by(f64::total_cmp);
    println!(
        "latency at {PACED_RATE}/s ({total} updates): push → committed capture p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&committed, 50.0),
        percentile(&committed, 99.0),
        percentile(&committed, 100.0)
    );
    println!(
        "            push → capture inside the transaction (created_at) p50 {:.1} ms, p99 {:.1} ms",
        percentile(&in_tx, 50.0),
        percentile(&in_tx, 99.0)
    );

    // ----- 3. memory ----------------------------------------------------
    wait_for("the paced cards to be sent", async || {
        pending(&db).await.1 == 0
    })
    .await;
    let hwm = vm_hwm_kb(pid);
    let out = bot.terminate().await;
    assert!(out.success, "{}\n{}", out.stdout, out.stderr);
    match hwm {
        Some(kb) => println!("peak RSS (VmHWM): {:.1} MB", kb as f64 / 1024.0),
        None => println!("peak RSS: /proc/{pid}/status unreadable"),
    }
    db.close().await.unwrap();
}
