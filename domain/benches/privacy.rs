//! Export and erasure of one person with 100,000 messages, on an SQLite
//! file, with real encryption: how long each takes, and how much memory the
//! export adds (it streams, so the growth must not scale with the messages).
//! Run with `cargo bench -p domain --bench privacy`.
//!
//! Each export runs in a fresh process (this benchmark re-runs itself), so
//! that memory freed by the seeding cannot hide what the export needs; the
//! resident set before the export and the process's peak (VmHWM, from
//! /proc/self/status on Linux) are reported. `BENCH_CONNS=1` sizes the pool
//! to one connection (default 5, as `database.max_connections`): most of the
//! growth is SQLite's page cache, up to 2 MiB per connection used.

#![allow(clippy::expect_used)] // a benchmark: failing loudly is right

use std::path::Path;
use std::time::Instant;

use chrono::{Duration, Utc};
use domain::Secret;
use domain::classify::{Classification, Kind, Priority};
use domain::config::DatabaseConfig;
use domain::export::{self, ExportOptions};
use domain::i18n::Locales;
use domain::records::{self, PlainTask, Profile};
use domain::requests;
use domain::store::chats::{self, ChatKind};
use domain::store::messages::{self, NewMessage};
use domain::store::people::Person;
use domain::store::{Db, tasks};
use domain::vault::{KekSource, OpenOptions, Vault, aad};

const BIG: i64 = 100_000;
const SMALL: i64 = 10_000;
/// One message in this many made a task.
const TASK_EVERY: i64 = 10;
const PER_TX: i64 = 10_000;

fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

async fn person(db: &Db, vault: &Vault, id: i64, username: &str) -> Person {
    let tx = db.begin_write().await.expect("tx");
    let p = records::save_person(
        &tx,
        vault,
        &Profile {
            telegram_user_id: id,
            name: format!("Bench Person {id}"),
            username: Some(username.into()),
            language_code: Some("en".into()),
        },
    )
    .await
    .expect("person");
    tx.commit().await.expect("commit");
    p
}

/// `n` sealed messages of `p` in chat -1, ids from `first`, and a task from
/// every tenth, assigned to them and to someone else.
async fn seed(db: &Db, vault: &Vault, p: &Person, first: i64, n: i64) {
    let key = p.key_id.expect("key");
    let base = Utc::now() - Duration::days(30);
    let mut id = first;
    while id < first + n {
        let tx = db.begin_write().await.expect("tx");
        let mut rows = Vec::new();
        let end = (id + PER_TX).min(first + n);
        for m in id..end {
            let text = format!(
                "message {m}: @olena please review the release notes for 2.4 by Friday, \
                 the API changelog is in the doc — и ещё немного текста"
            );
            rows.push(NewMessage {
                chat_id: -1,
                message_id: m,
                person_id: p.id,
                sent_at: base + Duration::seconds(m),
                text_ct: vault
                    .seal(&tx, key, &aad::message_text(-1, m), text.as_bytes())
                    .await
                    .expect("seal"),
                reply_to_message_id: None,
                is_forwarded: false,
            });
        }
        messages::insert_many(&tx, rows).await.expect("insert");
        tx.commit().await.expect("commit");
        id = end;
    }
    let mut after = 0;
    loop {
        let tx = db.begin_write().await.expect("tx");
        let page = messages::page_for_person(&tx, p.id, after, 2000)
            .await
            .expect("page");
        let Some(last) = page.last() else { break };
        after = last.id;
        for m in page.iter().filter(|m| m.message_id % TASK_EVERY == 0) {
            let t = PlainTask {
                classification: Classification {
                    kind: Kind::Task,
                    actionable: true,
                    title: format!("Review the release notes {}", m.message_id),
                    priority: Priority::Normal,
                    due: None,
                    assignees: vec!["bench_big".into(), "someone_else".into()],
                    confidence: 0.75,
                    classifier: "builtin".into(),
                },
                description: None,
            };
            records::create_task(&tx, vault, p, m, &t)
                .await
                .expect("task");
        }
        tx.commit().await.expect("commit");
    }
}

struct ExportRun {
    seconds: f64,
    bytes: u64,
    parts: usize,
    messages: u64,
    tasks: u64,
    rss_before_kb: u64,
    peak_kb: u64,
}

async fn open(db_path: &Path, key: &Path) -> (Db, Vault) {
    let cfg = DatabaseConfig {
        url: Secret::new(format!("sqlite://{}", db_path.display())),
        max_connections: std::env::var("BENCH_CONNS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(5),
        ..DatabaseConfig::default()
    };
    let db = Db::connect(&cfg).await.expect("connect");
    db.migrate().await.expect("migrate");
    let vault = Vault::unlock(
        &db,
        &OpenOptions {
            source: KekSource::File(key.to_path_buf()),
            create_if_missing: true,
        },
    )
    .await
    .expect("vault");
    (db, vault)
}

/// In a fresh process (so that memory the seeding freed cannot hide the
/// export's needs): one export of `user`, printed as one line.
fn export_child(db_path: &Path, key: &Path, user: i64) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let (db, vault) = open(db_path, key).await;
        let locales = Locales::load().expect("locales");
        let out = tempfile::tempdir().expect("tempdir");
        let r = requests::record_operator_export(&db, &vault, user, "bench", domain::store::now())
            .await
            .expect("request");
        let rss_before_kb = status_kb("VmRSS:");
        let start = Instant::now();
        let s = export::write_to_dir(
            &db,
            &vault,
            &locales,
            user,
            r.id,
            out.path(),
            &ExportOptions::default(),
        )
        .await
        .expect("export");
        let seconds = start.elapsed().as_secs_f64();
        println!(
            "RESULT {seconds} {} {} {} {} {rss_before_kb} {}",
            s.bytes,
            s.parts.len(),
            s.counts.messages,
            s.counts.tasks,
            status_kb("VmHWM:")
        );
        db.close().await.expect("close");
    });
}

fn export_in_child(db_path: &Path, key: &Path, user: i64) -> ExportRun {
    let out = std::process::Command::new(std::env::current_exe().expect("current exe"))
        .arg("export-child")
        .arg(db_path)
        .arg(key)
        .arg(user.to_string())
        .output()
        .expect("running the export child");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .unwrap_or_else(|| {
            panic!(
                "the export child failed: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    let f: Vec<f64> = line
        .split_whitespace()
        .map(|v| v.parse().expect("number"))
        .collect();
    ExportRun {
        seconds: f[0],
        bytes: f[1] as u64,
        parts: f[2] as usize,
        messages: f[3] as u64,
        tasks: f[4] as u64,
        rss_before_kb: f[5] as u64,
        peak_kb: f[6] as u64,
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("export-child") {
        let user = args[4].parse().expect("user id");
        export_child(Path::new(&args[2]), Path::new(&args[3]), user);
        return;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("tempdir");
        let (db_path, key) = (dir.path().join("b.db"), dir.path().join("k"));
        let (db, vault) = open(&db_path, &key).await;
        let tx = db.begin_write().await.expect("tx");
        chats::record_seen(&tx, -1, ChatKind::Supergroup, None)
            .await
            .expect("chat");
        tx.commit().await.expect("commit");

        let start = Instant::now();
        let big = person(&db, &vault, 1, "bench_big").await;
        let small = person(&db, &vault, 2, "bench_small").await;
        seed(&db, &vault, &big, 1, BIG).await;
        seed(&db, &vault, &small, BIG + 1, SMALL).await;
        let n_tasks = tasks::count_open(&db, None).await.expect("count");
        println!(
            "seeded {} + {} messages and {n_tasks} tasks in {:.1} s",
            BIG,
            SMALL,
            start.elapsed().as_secs_f64()
        );

        // Each export in a fresh process; the first warms the page cache.
        let _ = export_in_child(&db_path, &key, 2);
        let small_run = export_in_child(&db_path, &key, 2);
        let big_run = export_in_child(&db_path, &key, 1);
        println!("export to files, SQLite, real encryption, each in a fresh process:");
        for (label, r) in [
            ("10,000 messages ", &small_run),
            ("100,000 messages", &big_run),
        ] {
            println!(
                "  {label}  {:>6.2} s  {:>6.1} MB in {} part(s)  {} messages, {} tasks  \
                 {:>8.0} messages/s  memory: {:.1} MB resident before, peak {:.1} MB (+{:.1} MB)",
                r.seconds,
                r.bytes as f64 / 1e6,
                r.parts,
                r.messages,
                r.tasks,
                r.messages as f64 / r.seconds,
                r.rss_before_kb as f64 / 1024.0,
                r.peak_kb as f64 / 1024.0,
                r.peak_kb.saturating_sub(r.rss_before_kb) as f64 / 1024.0,
            );
        }

        let start = Instant::now();
        let e = domain::forget::forget(&db, &vault, 1, false, "bench")
            .await
            .expect("forget");
        println!(
            "forget of the 100,000-message person: {:.2} s ({} messages, {} tasks, {} assignments, \
             key destroyed: {})",
            start.elapsed().as_secs_f64(),
            e.messages,
            e.tasks,
            e.assignments,
            e.key
        );
        db.close().await.expect("close");
    });
}
