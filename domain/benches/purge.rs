//! A retention purge of 1,000,000 expired messages on an SQLite file while
//! capture goes on: how long the purge takes, and how long a capture (one
//! encrypted message in its own writing transaction) waits at worst.
//! Run with `cargo bench -p domain --bench purge`.

#![allow(clippy::expect_used)] // a benchmark: failing loudly is right

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use domain::Secret;
use domain::config::DatabaseConfig;
use domain::purge::{self, PurgeOptions};
use domain::records::{self, IncomingMessage, Profile};
use domain::store::chats::{self, ChatKind};
use domain::store::messages::{self, NewMessage};
use domain::store::{Db, retention};
use domain::vault::{KekSource, OpenOptions, Vault};

const EXPIRED: i64 = 1_000_000;
const PER_TX: i64 = 50_000;
/// Pause between two captures: a busy group, about 100 messages a second.
const CAPTURE_EVERY: Duration = Duration::from_millis(10);

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let cfg = DatabaseConfig {
            url: Secret::new(format!("sqlite://{}", dir.path().join("b.db").display())),
            ..DatabaseConfig::default()
        };
        let db = Db::connect(&cfg).await.expect("connect");
        db.migrate().await.expect("migrate");
        let vault = Arc::new(
            Vault::unlock(
                &db,
                &OpenOptions {
                    source: KekSource::File(dir.path().join("k")),
                    create_if_missing: true,
                },
            )
            .await
            .expect("vault"),
        );
        let tx = db.begin_write().await.expect("tx");
        for chat in [-1, -2] {
            chats::record_seen(&tx, chat, ChatKind::Supergroup, None)
                .await
                .expect("chat");
        }
        let person = records::save_person(
            &tx,
            &vault,
            &Profile {
                telegram_user_id: 1,
                name: "Bench".into(),
                username: None,
                language_code: None,
            },
        )
        .await
        .expect("person");
        tx.commit().await.expect("commit");

        // Expired rows go in fast: bulk inserts of opaque bytes (the purge
        // never decrypts), a year old.
        let start = Instant::now();
        let old = Utc::now() - chrono::Duration::days(365);
        let mut id = 0;
        while id < EXPIRED {
            let tx = db.begin_write().await.expect("tx");
            let rows: Vec<NewMessage> = (id..id + PER_TX)
                .map(|m| NewMessage {
                    chat_id: -1,
                    message_id: m,
                    person_id: person.id,
                    sent_at: old,
                    text_ct: vec![(m % 251) as u8; 120],
                    reply_to_message_id: None,
                    is_forwarded: false,
                })
                .collect();
            messages::insert_many(&tx, rows).await.expect("insert");
            tx.commit().await.expect("commit");
            id += PER_TX;
        }
        let policy = retention::policy(&db).await.expect("policy");
        println!(
            "seeded {EXPIRED} expired messages in {:.1} s (retention {} days)",
            start.elapsed().as_secs_f64(),
            policy.default_days
        );

        // Capture into another chat, one message per transaction, until the
        // purge is done.
        let done = Arc::new(AtomicBool::new(false));
        let capture = {
            let (db, vault, done, person) =
                (db.clone(), vault.clone(), done.clone(), person.clone());
            tokio::spawn(async move {
                let mut waits = Vec::new();
                let mut n = 0;
                while !done.load(Ordering::Relaxed) {
                    n += 1;
                    let text = format!("capture {n}: the deploy failed again, please look");
                    let start = Instant::now();
                    let tx = db.begin_write().await.expect("tx");
                    records::capture_message(
                        &tx,
                        &vault,
                        &person,
                        &IncomingMessage {
                            chat_id: -2,
                            message_id: n,
                            sent_at: Utc::now(),
                            text: &text,
                            reply_to_message_id: None,
                            is_forwarded: false,
                        },
                    )
                    .await
                    .expect("capture");
                    tx.commit().await.expect("commit");
                    waits.push(start.elapsed().as_secs_f64() * 1000.0);
                    tokio::time::sleep(CAPTURE_EVERY).await;
                }
                waits
            })
        };
        // Let capture settle before the purge starts.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let start = Instant::now();
        let run = purge::purge(&db, Utc::now(), &PurgeOptions::default(), "bench")
            .await
            .expect("purge");
        let seconds = start.elapsed().as_secs_f64();
        done.store(true, Ordering::Relaxed);
        let mut waits = capture.await.expect("capture task");
        waits.sort_by(f64::total_cmp);
        let over = waits.iter().filter(|w| **w > 100.0).count();
        println!(
            "purge of {} expired messages (batches of {}): {seconds:.1} s, {:.0} rows/s",
            run.counts.messages,
            PurgeOptions::default().batch,
            run.counts.messages as f64 / seconds
        );
        println!(
            "capture meanwhile: {} messages, one transaction each; time per capture: \
             median {:.1} ms, p99 {:.1} ms, max {:.1} ms; {over} over 100 ms",
            waits.len(),
            percentile(&waits, 0.5),
            percentile(&waits, 0.99),
            waits.last().copied().unwrap_or(0.0),
        );
        assert_eq!(run.counts.messages, EXPIRED, "every expired message went");
        db.close().await.expect("close");
    });
}
