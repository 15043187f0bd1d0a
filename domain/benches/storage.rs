//! Bulk capture into an SQLite file, with and without encryption: what
//! sealing every message costs. Prints medians of 5 runs and the ratio.
//! Run with `cargo bench -p domain --bench storage`.

#![allow(clippy::expect_used)] // a benchmark: failing loudly is right

use std::time::Instant;

use chrono::Utc;
use domain::Secret;
use domain::config::DatabaseConfig;
use domain::records::{self, IncomingMessage, Profile};
use domain::store::chats::{self, ChatKind};
use domain::store::messages::{self, NewMessage};
use domain::store::{Db, people};
use domain::vault::{KekSource, OpenOptions, Vault};

const ROWS: i64 = 5_000;
const PER_TX: i64 = 500;
const RUNS: usize = 5;
const TEXT: &str =
    "@olena please review the release notes for 2.4 by Friday, the API changelog is in the doc";

async fn fresh() -> (tempfile::TempDir, Db, Vault, people::Person) {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = DatabaseConfig {
        url: Secret::new(format!("sqlite://{}", dir.path().join("b.db").display())),
        ..DatabaseConfig::default()
    };
    let db = Db::connect(&cfg).await.expect("connect");
    db.migrate().await.expect("migrate");
    let vault = Vault::unlock(
        &db,
        &OpenOptions {
            source: KekSource::File(dir.path().join("k")),
            create_if_missing: true,
        },
    )
    .await
    .expect("vault");
    let tx = db.begin_write().await.expect("tx");
    chats::record_seen(&tx, -1, ChatKind::Group, None)
        .await
        .expect("chat");
    let p = records::save_person(
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
    (dir, db, vault, p)
}

async fn run(encrypted: bool) -> f64 {
    let (_dir, db, vault, person) = fresh().await;
    let start = Instant::now();
    let mut id = 0;
    while id < ROWS {
        let tx = db.begin_write().await.expect("tx");
        for _ in 0..PER_TX {
            id += 1;
            if encrypted {
                let m = IncomingMessage {
                    chat_id: -1,
                    message_id: id,
                    sent_at: Utc::now(),
                    text: TEXT,
                    reply_to_message_id: None,
                    is_forwarded: false,
                };
                records::capture_message(&tx, &vault, &person, &m)
                    .await
                    .expect("capture");
            } else {
                messages::capture(
                    &tx,
                    NewMessage {
                        chat_id: -1,
                        message_id: id,
                        person_id: person.id,
                        sent_at: Utc::now(),
                        text_ct: TEXT.as_bytes().to_vec(),
                        reply_to_message_id: None,
                        is_forwarded: false,
                    },
                )
                .await
                .expect("capture");
            }
        }
        tx.commit().await.expect("commit");
    }
    ROWS as f64 / start.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // Interleave the two kinds so machine noise hits both alike.
    let (mut plain, mut sealed) = (Vec::new(), Vec::new());
    for _ in 0..RUNS {
        plain.push(rt.block_on(run(false)));
        sealed.push(rt.block_on(run(true)));
    }
    let (p, s) = (median(plain), median(sealed));
    println!(
        "bulk capture into SQLite, {ROWS} messages, {PER_TX} per transaction, median of {RUNS}:"
    );
    println!("  plain bytes          {p:>10.0} rows/s");
    println!("  encrypted (records)  {s:>10.0} rows/s");
    println!(
        "  encryption costs {:.1}% of throughput",
        (1.0 - s / p) * 100.0
    );
}
