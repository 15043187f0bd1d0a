//! Two independent connection pools (what the bot and the console are) write
//! the same SQLite file at once, each with several connections, for several
//! seconds. Every write must land and neither may see "database is locked".

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use domain::store::audit::{self, NewAuditEntry, Verification};
use domain::store::{Db, settings};
use tests::db::TestDb;

const RUN_FOR: Duration = Duration::from_secs(4);
const TASKS_PER_POOL: usize = 4;

/// One writer: a read-then-write transaction in a loop (the pattern that fails
/// at once under DEFERRED transactions), plus an audit append, which also reads
/// the last row before writing.
async fn writer(db: Db, name: String, done: Arc<AtomicU64>) -> u64 {
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < RUN_FOR {
        let tx = db.begin_write().await.expect("begin");
        let current: u64 = settings::get(&tx, &name)
            .await
            .expect("read")
            .map(|v| v.parse().expect("number"))
            .unwrap_or(0);
        settings::set(&tx, &name, &(current + 1).to_string())
            .await
            .expect("write");
        audit::append(
            &tx,
            NewAuditEntry {
                actor: name.clone(),
                action: "test.write".into(),
                subject: None,
                details: serde_json::json!({ "n": current + 1 }),
            },
        )
        .await
        .expect("append");
        tx.commit().await.expect("commit");
        n += 1;
        done.fetch_add(1, Ordering::Relaxed);
    }
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_pools_write_one_file_without_locking_errors() {
    let t = TestDb::sqlite().await;
    // A second, fully independent pool on the same file: as separate a set of
    // SQLite connections as another process would have.
    let other = Db::connect(&t.config).await.unwrap();
    let done = Arc::new(AtomicU64::new(0));

    let mut handles = Vec::new();
    for (pool_name, db) in [("bot", t.db.clone()), ("console", other.clone())] {
        for i in 0..TASKS_PER_POOL {
            handles.push(tokio::spawn(writer(
                db.clone(),
                format!("{pool_name}-{i}"),
                done.clone(),
            )));
        }
    }
    // A reader keeps a read transaction busy meanwhile (WAL lets it).
    let reader_db = other.clone();
    let reader = tokio::spawn(async move {
        let start = Instant::now();
        let mut reads = 0u64;
        while start.elapsed() < RUN_FOR {
            audit::count(&reader_db).await.expect("read while writing");
            reads += 1;
        }
        reads
    });

    let mut total = 0;
    for h in handles {
        total += h.await.unwrap();
    }
    let reads = reader.await.unwrap();
    assert!(total > 0 && reads > 0);
    assert_eq!(done.load(Ordering::Relaxed), total);

    // Every write landed: each counter equals its writer's loop count, and the
    // audit chain holds every append, unbroken.
    let mut sum = 0;
    for s in settings::list(&t.db).await.unwrap() {
        sum += s.value.parse::<u64>().unwrap();
    }
    assert_eq!(sum, total);
    assert_eq!(audit::count(&t.db).await.unwrap(), total);
    assert_eq!(
        audit::verify(&t.db).await.unwrap(),
        Verification::Intact { entries: total }
    );
    println!("{total} write transactions and {reads} reads from two pools, no lock errors");
    other.close().await.unwrap();
}
