//! One active bot per database: the instance lease in `domain` on both
//! backends, and two real `tasktracker run` processes on one database
//! against the fake Bot API (one polls, the other waits as a standby and
//! takes over when the first is killed).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use domain::store::inbox::{self, InboxStatus};
use domain::store::lease::{self, Lease, LeaseError};
use domain::store::outbox::{self, OutboxStatus};
use domain::store::{Backend, Db, messages};
use tests::bin::{self, Running};
use tests::db::TestDb;
use tests::fake_telegram::{Call, FakeTelegram, TgUser};

/// How long a wait may take before the test fails (not a performance bound).
const WAIT: Duration = Duration::from_secs(120);

/// How soon a standby must take over from a killed instance: it tries every
/// 2 s; the rest is slack for a loaded machine.
const TAKEOVER: Duration = Duration::from_secs(20);

/// What the bot logs when it holds the lease, and when it waits for it.
const ACTIVE_LINE: &str = "this is the active tasktracker instance";
const STANDBY_LINE: &str =
    "another tasktracker instance is active on this database; waiting as a standby";

const GROUP: i64 = -1_001_600_000_001;

/// Takes the lease, retrying for a few seconds: a PostgreSQL server ends a
/// closed session a moment after the client closed it.
async fn eventually_acquire(db: &Db) -> Lease {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(lease) = Lease::try_acquire(db).await.unwrap() {
            return lease;
        }
        assert!(
            Instant::now() < deadline,
            "the lease was not free again within 10 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A second pool on the same database, as another process would open it.
async fn another_pool(t: &TestDb) -> Db {
    Db::connect(&t.config).await.unwrap()
}

on_both_backends!(
    a_second_lease_is_refused_while_the_first_is_held,
    a_dropped_lease_is_free_again,
    a_standby_waits_until_the_lease_is_free,
    operators_commands_run_beside_the_lease,
);

async fn a_second_lease_is_refused_while_the_first_is_held(t: &TestDb) {
    let mut first = Lease::try_acquire(&t.db).await.unwrap().expect("free");
    assert!(Lease::try_acquire(&t.db).await.unwrap().is_none());
    let other = another_pool(t).await;
    assert!(Lease::try_acquire(&other).await.unwrap().is_none());
    first.check().await.unwrap();

    first.release().await.unwrap();
    let second = Lease::try_acquire(&other)
        .await
        .unwrap()
        .expect("free after release");
    assert!(Lease::try_acquire(&t.db).await.unwrap().is_none());
    second.release().await.unwrap();
}

async fn a_dropped_lease_is_free_again(t: &TestDb) {
    let first = Lease::try_acquire(&t.db).await.unwrap().expect("free");
    let other = another_pool(t).await;
    assert!(Lease::try_acquire(&other).await.unwrap().is_none());
    drop(first);
    let mut second = eventually_acquire(&other).await;
    second.check().await.unwrap();
}

async fn a_standby_waits_until_the_lease_is_free(t: &TestDb) {
    let first = Lease::try_acquire(&t.db).await.unwrap().expect("free");
    let other = another_pool(t).await;
    let waiting =
        tokio::spawn(async move { Lease::acquire(&other, Duration::from_millis(100)).await });
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(!waiting.is_finished(), "took a lease that was held");
    first.release().await.unwrap();
    let mut second = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("the standby took the lease within 10 s")
        .unwrap()
        .unwrap();
    second.check().await.unwrap();
}

/// Admin subcommands never take the lease: they run while a bot holds it.
async fn operators_commands_run_beside_the_lease(t: &TestDb) {
    let held = Lease::try_acquire(&t.db).await.unwrap().expect("free");
    let dir = tempfile::tempdir().unwrap();
    let url = t.config.url.expose().to_owned();
    let out = tokio::task::spawn_blocking({
        let dir = dir.path().to_owned();
        move || {
            bin::command(&dir)
                .args(["purge", "--dry-run"])
                .env("TASKTRACKER_DATABASE__URL", url)
                .output()
                .unwrap()
        }
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", bin::text(&out));
    assert!(
        bin::text(&out).contains("would delete"),
        "{}",
        bin::text(&out)
    );
    held.release().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sqlite_lock_file_sits_next_to_the_database() {
    let t = TestDb::sqlite().await;
    let lease = Lease::try_acquire(&t.db).await.unwrap().expect("free");
    let db_file = sqlite_file(&t);
    let lock_file = lock_file_of(&db_file);
    assert_eq!(
        lease::location(&t.db),
        format!("lock file {}", lock_file.display())
    );
    let pid = std::fs::read_to_string(&lock_file).unwrap();
    assert_eq!(pid.trim(), std::process::id().to_string());
    lease.release().await.unwrap();
    assert!(lock_file.exists(), "the lock file is never deleted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_sqlite_lock_file_is_noticed_by_its_holder() {
    let t = TestDb::sqlite().await;
    let mut held = Lease::try_acquire(&t.db).await.unwrap().expect("free");
    std::fs::remove_file(lock_file_of(&sqlite_file(&t))).unwrap();
    // Another process could now lock a new file at that path: the holder
    // must step down.
    let newcomer = Lease::try_acquire(&t.db).await.unwrap().expect("new file");
    match held.check().await {
        Err(LeaseError::LockFileReplaced { .. }) => {}
        other => panic!("expected LockFileReplaced, got {other:?}"),
    }
    let lost = tokio::time::timeout(Duration::from_secs(5), held.lost(Duration::from_millis(50)))
        .await
        .expect("lost() notices");
    assert!(
        matches!(lost, LeaseError::LockFileReplaced { .. }),
        "{lost}"
    );
    newcomer.release().await.unwrap();
}

#[tokio::test]
async fn an_in_memory_sqlite_database_has_a_private_lease() {
    let db = Db::connect(&domain::config::DatabaseConfig {
        url: domain::Secret::new("sqlite::memory:"),
        ..domain::config::DatabaseConfig::default()
    })
    .await
    .unwrap();
    let _first = Lease::try_acquire(&db).await.unwrap().expect("granted");
    assert!(Lease::try_acquire(&db).await.unwrap().is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(pg_tests),
    ignore = "PostgreSQL tests are off: set TEST_POSTGRES_URL (see README)"
)]
async fn a_postgres_holder_notices_when_its_session_is_ended() {
    let t = TestDb::postgres().await;
    let mut held = Lease::try_acquire(&t.db).await.unwrap().expect("free");
    assert_eq!(
        domain::testing::terminate_lease_sessions(&t.db)
            .await
            .unwrap(),
        1
    );
    let lost = tokio::time::timeout(
        Duration::from_secs(10),
        held.lost(Duration::from_millis(100)),
    )
    .await
    .expect("lost() notices within 10 s");
    assert!(
        matches!(lost, LeaseError::Postgres(_) | LeaseError::Timeout(_)),
        "{lost}"
    );
    drop(held);
    eventually_acquire(&t.db).await.release().await.unwrap();
}

/// The SQLite file of a test database.
fn sqlite_file(t: &TestDb) -> PathBuf {
    assert_eq!(t.db.backend(), Backend::Sqlite);
    let url = t.config.url.expose();
    PathBuf::from(url.trim_start_matches("sqlite://"))
}

fn lock_file_of(db_file: &Path) -> PathBuf {
    let mut name = std::fs::canonicalize(db_file).unwrap().into_os_string();
    name.push(".lock");
    PathBuf::from(name)
}

// ----- the real binary ---------------------------------------------------

/// Limits far above Telegram's (the fake does not need them) and the
/// database and key of the test.
fn bot_env(url: &str, key_file: &Path) -> Vec<(String, String)> {
    [
        ("TASKTRACKER_TELEGRAM__MESSAGES_PER_SECOND", "1000"),
        (
            "TASKTRACKER_TELEGRAM__MESSAGES_PER_MINUTE_PER_GROUP",
            "100000",
        ),
        ("TASKTRACKER_TELEGRAM__MESSAGES_PER_SECOND_PER_CHAT", "1000"),
        ("TASKTRACKER_BOT__CLASSIFICATIONS_PER_MINUTE", "1000000"),
        ("TASKTRACKER_DATABASE__URL", url),
        (
            "TASKTRACKER_ENCRYPTION__KEY_FILE",
            key_file.to_str().unwrap(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// A directory to run in, with a key file, the database's keys made with
/// it, and `GROUP` approved.
async fn setup(t: &TestDb) -> (tempfile::TempDir, Vec<(String, String)>) {
    use domain::vault::{KekSource, OpenOptions, Vault};
    let dir = tempfile::tempdir().unwrap();
    let key_file = dir.path().join("master.key");
    domain::vault::create_key_file(&key_file).unwrap();
    // Two bots starting at once on a database without keys race to create
    // them (and on PostgreSQL the loser stops on error): not what is tested here.
    Vault::unlock(
        &t.db,
        &OpenOptions {
            source: KekSource::File(key_file.clone()),
            create_if_missing: false,
        },
    )
    .await
    .unwrap();
    let env = bot_env(t.config.url.expose(), &key_file);
    let out = bin::command(dir.path())
        .args(["chats", "approve", "--", &GROUP.to_string()])
        .env("USER", "ops")
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", bin::text(&out));
    (dir, env)
}

fn start(dir: &Path, fake: &FakeTelegram, env: &[(String, String)]) -> Running {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    Running::start(dir, fake.api_url().as_str(), fake.token(), &env)
}

fn ivan() -> TgUser {
    TgUser::new(901, "Ivan").username("ivan").language("en")
}

/// Pushes `n` task messages; returns their message ids.
fn push_tasks(fake: &FakeTelegram, from: usize, n: usize) -> Vec<i64> {
    (from..from + n)
        .map(|i| {
            let update = fake
                .message(
                    GROUP,
                    &ivan(),
                    &format!("Please update the release notes by Friday (item {i})"),
                )
                .build();
            let id = update["message"]["message_id"].as_i64().unwrap();
            fake.push_update(update);
            id
        })
        .collect()
}

/// Task cards among `calls`, counted by the message they answer.
fn cards_by_message(calls: &[Call]) -> BTreeMap<i64, usize> {
    let mut cards = BTreeMap::new();
    for c in calls {
        if c.ok
            && c.method == "sendMessage"
            && c.params.has("reply_markup")
            && c.params.i64("chat_id") == Some(GROUP)
        {
            let to = c
                .params
                .json("reply_parameters")
                .and_then(|r| r["message_id"].as_i64())
                .unwrap_or_default();
            *cards.entry(to).or_default() += 1;
        }
    }
    cards
}

/// Waits until every message in `ids` has a card and nothing is pending.
async fn wait_for_cards(fake: &FakeTelegram, db: &Db, ids: &[i64]) {
    fake.wait_until(WAIT, &format!("cards for {ids:?}"), |calls| {
        let cards = cards_by_message(calls);
        ids.iter().all(|id| cards.contains_key(id))
    })
    .await
    .unwrap();
    let deadline = Instant::now() + WAIT;
    while inbox::count(db, InboxStatus::Pending).await.unwrap() > 0
        || outbox::count(db, OutboxStatus::Pending).await.unwrap() > 0
    {
        assert!(Instant::now() < deadline, "the queues did not drain");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until one of `a` and `b` is active and the other a standby;
/// returns them as (active, standby).
async fn sort_out(a: Running, b: Running) -> (Running, Running) {
    let deadline = Instant::now() + WAIT;
    loop {
        let (la, lb) = (a.stdout_so_far(), b.stdout_so_far());
        match (
            la.contains(ACTIVE_LINE),
            lb.contains(ACTIVE_LINE),
            la.contains(STANDBY_LINE),
            lb.contains(STANDBY_LINE),
        ) {
            (true, true, _, _) => panic!("both are active:\n{la}\n----\n{lb}"),
            (true, false, _, true) => return (a, b),
            (false, true, true, _) => return (b, a),
            _ => {}
        }
        assert!(
            Instant::now() < deadline,
            "no active/standby pair:\n{la}\n----\n{lb}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

on_both_backends!(two_bots_one_database_the_standby_takes_over);

/// Two `tasktracker run` on one database: one polls and answers, the other
/// waits; SIGKILL the first and the second takes over; SIGTERM ends it.
async fn two_bots_one_database_the_standby_takes_over(t: &TestDb) {
    let fake = FakeTelegram::start().await;
    let (dir, env) = setup(t).await;
    let a = start(dir.path(), &fake, &env);
    let b = start(dir.path(), &fake, &env);
    let (active, standby) = sort_out(a, b).await;
    fake.wait_for_long_poll(WAIT).await.unwrap();

    let first = push_tasks(&fake, 0, 10);
    wait_for_cards(&fake, &t.db, &first).await;
    // Only one poller: Telegram (and the fake) answer 409 to a getUpdates
    // that another one overtook.
    let conflicts = fake
        .calls_of("getUpdates")
        .iter()
        .filter(|c| c.error_code == Some(409))
        .count();
    assert_eq!(conflicts, 0, "two pollers");
    let standby_log = standby.stdout_so_far();
    for line in ["polling Telegram", "connected to the Bot API", ACTIVE_LINE] {
        assert!(
            !standby_log.contains(line),
            "the standby is working:\n{standby_log}"
        );
    }
    assert_eq!(
        standby_log.matches(STANDBY_LINE).count(),
        1,
        "says it once:\n{standby_log}"
    );

    let killed_at = Instant::now();
    let killed = active.kill().await;
    standby
        .wait_for_stdout(ACTIVE_LINE, TAKEOVER)
        .await
        .unwrap_or_else(|e| panic!("{e}\nthe killed one:\n{}", killed.stdout));
    eprintln!(
        "the standby took over {:?} after the kill",
        killed_at.elapsed()
    );

    let second = push_tasks(&fake, 10, 10);
    wait_for_cards(&fake, &t.db, &second).await;

    // Every message captured once and answered once.
    assert_eq!(messages::count(&t.db, Some(GROUP)).await.unwrap(), 20);
    assert_eq!(inbox::count(&t.db, InboxStatus::Done).await.unwrap(), 20);
    let cards = cards_by_message(&fake.sent());
    for id in first.iter().chain(&second) {
        assert_eq!(cards.get(id), Some(&1), "cards for message {id}: {cards:?}");
    }

    let out = standby.terminate().await;
    assert!(out.success, "{}\n{}", out.stdout, out.stderr);
    assert!(!out.stdout.contains("ERROR"), "{}", out.stdout);
    drop(dir);
}

on_both_backends!(a_standby_exits_0_on_sigterm);

async fn a_standby_exits_0_on_sigterm(t: &TestDb) {
    let fake = FakeTelegram::start().await;
    let (dir, env) = setup(t).await;
    let active = start(dir.path(), &fake, &env);
    active.wait_for_stdout(ACTIVE_LINE, WAIT).await.unwrap();
    let standby = start(dir.path(), &fake, &env);
    standby.wait_for_stdout(STANDBY_LINE, WAIT).await.unwrap();

    let asked = Instant::now();
    let out = standby.terminate().await;
    assert!(out.success, "{}\n{}", out.stdout, out.stderr);
    assert!(
        asked.elapsed() < Duration::from_secs(5),
        "took {:?}",
        asked.elapsed()
    );
    assert!(out.stdout.contains("SIGTERM"), "{}", out.stdout);
    assert!(!out.stdout.contains("polling Telegram"), "{}", out.stdout);

    // The active one did not notice.
    let out = active.terminate().await;
    assert!(out.success, "{}\n{}", out.stdout, out.stderr);
    assert!(!out.stdout.contains(STANDBY_LINE), "{}", out.stdout);
    drop(dir);
}

/// A SIGKILLed holder's lock file lock is gone with the process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_bot_leaves_the_sqlite_lease_free() {
    let t = TestDb::sqlite().await;
    let fake = FakeTelegram::start().await;
    let (dir, env) = setup(&t).await;
    let bot = start(dir.path(), &fake, &env);
    bot.wait_for_stdout(ACTIVE_LINE, WAIT).await.unwrap();
    let pid = std::fs::read_to_string(lock_file_of(&sqlite_file(&t))).unwrap();
    assert_eq!(pid.trim(), bot.id().to_string());
    assert!(Lease::try_acquire(&t.db).await.unwrap().is_none());

    bot.kill().await;
    let lease = Lease::try_acquire(&t.db)
        .await
        .unwrap()
        .expect("free once the holder is dead");
    lease.release().await.unwrap();
    drop(dir);
}

/// An active bot whose PostgreSQL lease session is ended (an administrator,
/// a server restart) stops its work and waits as a standby; one of the two
/// becomes active again and answers everything once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(pg_tests),
    ignore = "PostgreSQL tests are off: set TEST_POSTGRES_URL (see README)"
)]
async fn a_bot_that_loses_its_postgres_lease_steps_down() {
    let t = TestDb::postgres().await;
    let fake = FakeTelegram::start().await;
    let (dir, env) = setup(&t).await;
    let a = start(dir.path(), &fake, &env);
    a.wait_for_stdout(ACTIVE_LINE, WAIT).await.unwrap();
    let b = start(dir.path(), &fake, &env);
    b.wait_for_stdout(STANDBY_LINE, WAIT).await.unwrap();
    let first = push_tasks(&fake, 0, 5);
    wait_for_cards(&fake, &t.db, &first).await;

    // Ends the active one's lease session (and the standby's connection).
    assert!(
        domain::testing::terminate_lease_sessions(&t.db)
            .await
            .unwrap()
            >= 1
    );
    a.wait_for_stdout("lost the instance lease", TAKEOVER)
        .await
        .unwrap();
    let deadline = Instant::now() + TAKEOVER;
    loop {
        let actives = a.stdout_so_far().matches(ACTIVE_LINE).count()
            + b.stdout_so_far().matches(ACTIVE_LINE).count();
        if actives == 2 {
            break;
        }
        assert!(
            actives < 2 && Instant::now() < deadline,
            "{actives} activations:\n{}\n----\n{}",
            a.stdout_so_far(),
            b.stdout_so_far()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let second = push_tasks(&fake, 5, 5);
    wait_for_cards(&fake, &t.db, &second).await;
    let cards = cards_by_message(&fake.sent());
    for id in first.iter().chain(&second) {
        assert_eq!(cards.get(id), Some(&1), "cards for message {id}: {cards:?}");
    }
    assert_eq!(messages::count(&t.db, Some(GROUP)).await.unwrap(), 10);

    for bot in [a, b] {
        let out = bot.terminate().await;
        assert!(out.success, "{}\n{}", out.stdout, out.stderr);
    }
    drop(dir);
}
