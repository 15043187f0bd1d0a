//! Migrations: applied once, even when several processes start at once.

use std::process::Stdio;

use tests::bin;
use tests::db::TestDb;

/// Runs `tasktracker migrate` in `n` processes at once against `url`;
/// returns each one's (success, stdout, stderr).
fn migrate_concurrently(n: usize, url: &str) -> Vec<(bool, String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let children: Vec<_> = (0..n)
        .map(|_| {
            bin::command(dir.path())
                .arg("migrate")
                .env("TASKTRACKER_DATABASE__URL", url)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    children
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            (
                out.status.success(),
                String::from_utf8_lossy(&out.stdout).into_owned(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        })
        .collect()
}

fn assert_migrated_exactly_once(results: &[(bool, String, String)]) {
    for (ok, out, err) in results {
        assert!(ok, "a migrate process failed:\n{out}\n{err}");
    }
    let appliers = results
        .iter()
        .filter(|(_, out, _)| out.contains("applied"))
        .count();
    let up_to_date = results
        .iter()
        .filter(|(_, out, _)| out.contains("up to date"))
        .count();
    assert_eq!(appliers, 1, "exactly one process applies: {results:?}");
    assert_eq!(up_to_date, results.len() - 1);
}

#[tokio::test]
async fn four_processes_migrate_a_fresh_sqlite_file() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("fresh/tt.db").display());
    let results = tokio::task::spawn_blocking(move || migrate_concurrently(4, &url))
        .await
        .unwrap();
    assert_migrated_exactly_once(&results);
}

#[tokio::test]
#[cfg_attr(
    not(pg_tests),
    ignore = "PostgreSQL tests are off: set TEST_POSTGRES_URL (see README)"
)]
async fn four_processes_migrate_a_fresh_postgres_database() {
    let t = TestDb::postgres_unmigrated().await;
    let url = t.config.url.expose().to_owned();
    let results = tokio::task::spawn_blocking(move || migrate_concurrently(4, &url))
        .await
        .unwrap();
    assert_migrated_exactly_once(&results);
    assert!(t.db.pending_migrations().await.unwrap().is_empty());
}

on_both_backends!(migrating_again_changes_nothing);

async fn migrating_again_changes_nothing(t: &TestDb) {
    assert!(t.db.pending_migrations().await.unwrap().is_empty());
    let report = t.db.migrate().await.unwrap();
    assert!(report.applied.is_empty());
}
