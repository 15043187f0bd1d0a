//! Key rotation on SQLite and PostgreSQL: KEK rotation rewraps the data keys
//! and a running vault follows the new key file; data-key rotation while a
//! writer keeps capturing; retiring old versions.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use chrono::Utc;
use domain::records::{self, IncomingMessage, Profile};
use domain::rotation::{self, DekScope};
use domain::store::audit::{self, AuditFilter};
use domain::store::chats::{self, ChatKind};
use domain::store::{Db, messages};
use domain::vault::{self, KekSource, OpenOptions, Vault, VaultError};
use tests::db::TestDb;

on_both_backends!(
    kek_rotation_rewraps_keys_and_a_running_vault_follows,
    dek_rotation_while_capturing_then_retire,
);

async fn unlock(db: &Db, path: &Path) -> Result<Vault, VaultError> {
    Vault::unlock(
        db,
        &OpenOptions {
            source: KekSource::File(path.to_path_buf()),
            create_if_missing: true,
        },
    )
    .await
}

async fn capture(db: &Db, v: &Vault, user: i64, chat: i64, id: i64, text: &str) {
    let tx = db.begin_write().await.unwrap();
    let p = records::save_person(
        &tx,
        v,
        &Profile {
            telegram_user_id: user,
            name: format!("user {user}"),
            username: None,
            language_code: None,
        },
    )
    .await
    .unwrap();
    records::capture_message(
        &tx,
        v,
        &p,
        &IncomingMessage {
            chat_id: chat,
            message_id: id,
            sent_at: Utc::now(),
            text,
            reply_to_message_id: None,
            is_forwarded: false,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

async fn read(db: &Db, v: &Vault, chat: i64, id: i64) -> String {
    let m = messages::get(db, chat, id).await.unwrap().unwrap();
    records::message_text(db, v, &m).await.unwrap()
}

async fn seed_chat(db: &Db, chat: i64) {
    let tx = db.begin_write().await.unwrap();
    chats::record_seen(&tx, chat, ChatKind::Group, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn kek_rotation_rewraps_keys_and_a_running_vault_follows(t: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let path: PathBuf = dir.path().join("master.key");
    let running = unlock(&t.db, &path).await.unwrap();
    seed_chat(&t.db, -1).await;
    for user in 1..=3 {
        capture(
            &t.db,
            &running,
            user,
            -1,
            user,
            &format!("hello from {user}"),
        )
        .await;
    }
    let old_copy = dir.path().join("old.key");
    std::fs::copy(&path, &old_copy).unwrap();

    let new_key = dir.path().join("new.key");
    vault::create_key_file(&new_key).unwrap();
    let operator = unlock(&t.db, &path).await.unwrap();
    let r = rotation::rotate_kek(&t.db, &operator, &new_key, "cli:test")
        .await
        .unwrap();
    assert_eq!((r.from, r.to), (1, 2));
    assert_eq!(r.rewrapped, 5, "system, blind index and three people");
    // The same key cannot be rotated to twice.
    assert!(matches!(
        rotation::rotate_kek(&t.db, &operator, &new_key, "cli:test").await,
        Err(VaultError::Inconsistent(_))
    ));

    // The old key no longer opens the database; the new one reads everything.
    assert!(matches!(
        unlock(&t.db, &old_copy).await,
        Err(VaultError::RetiredKey { version: 1 })
    ));
    let fresh = unlock(&t.db, &new_key).await.unwrap();
    assert_eq!(fresh.kek_version(), 2);
    for user in 1..=3 {
        assert_eq!(
            read(&t.db, &fresh, -1, user).await,
            format!("hello from {user}")
        );
    }

    // A vault still holding the old key cannot create keys until the new key
    // file is in place; then it switches by itself.
    let tx = t.db.begin_write().await.unwrap();
    assert!(matches!(
        running.create_person_key(&tx).await,
        Err(VaultError::RetiredKey { .. })
    ));
    drop(tx);
    std::fs::copy(&new_key, &path).unwrap();
    capture(&t.db, &running, 4, -1, 4, "after the rotation").await;
    assert_eq!(running.kek_version(), 2);
    assert_eq!(read(&t.db, &fresh, -1, 4).await, "after the rotation");

    let st = rotation::status(&t.db).await.unwrap();
    assert_eq!(st.keks, vec![(1, true, 0), (2, false, 6)]);
    let entries = audit::list(
        &t.db,
        &AuditFilter {
            action_prefix: Some("keys.".into()),
            ..Default::default()
        },
        10,
    )
    .await
    .unwrap();
    assert_eq!(entries[0].action, "keys.rotate_kek");
}

async fn dek_rotation_while_capturing_then_retire(t: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("master.key");
    let bot = Arc::new(unlock(&t.db, &path).await.unwrap());
    seed_chat(&t.db, -2).await;
    for i in 0..60 {
        capture(&t.db, &bot, 10 + i % 4, -2, i, &format!("before {i}")).await;
    }
    let before = messages::get(&t.db, -2, 0).await.unwrap().unwrap();

    // The bot keeps capturing while an operator rotates and re-encrypts.
    let stop = Arc::new(AtomicBool::new(false));
    let next_id = Arc::new(AtomicI64::new(1000));
    let writer = {
        let (db, bot, stop, next_id) = (t.db.clone(), bot.clone(), stop.clone(), next_id.clone());
        tokio::spawn(async move {
            let mut n = 0;
            // At least 20 writes, at most 400: long enough to overlap the rotation.
            while n < 20 || (!stop.load(Ordering::Relaxed) && n < 400) {
                let id = next_id.fetch_add(1, Ordering::Relaxed);
                capture(&db, &bot, 10 + id % 4, -2, id, &format!("during {id}")).await;
                n += 1;
            }
            n
        })
    };
    let operator = unlock(&t.db, &path).await.unwrap();
    let rotated = rotation::rotate_dek(&t.db, &operator, DekScope::All, "cli:test")
        .await
        .unwrap();
    assert_eq!(rotated, 5, "the system key and four people");
    let mut reports = 0;
    let done = rotation::rewrap_values(&t.db, &operator, 7, "cli:test", |_| reports += 1)
        .await
        .unwrap();
    stop.store(true, Ordering::Relaxed);
    let written = writer.await.unwrap();
    assert!(written >= 20);
    // Every message written before the rotation; profiles the writer re-saved
    // meanwhile were already sealed under the new version.
    assert!(done.rewritten >= 60, "every old message: {done:?}");
    assert!(reports > 1, "progress is reported per batch");
    // Stragglers a writer sealed just before the rotation committed are
    // caught by a second pass; then nothing is left on version 1.
    rotation::rewrap_values(&t.db, &operator, 100, "cli:test", |_| {})
        .await
        .unwrap();
    let st = rotation::status(&t.db).await.unwrap();
    assert!(
        st.values.keys().all(|(_, v)| *v == 2),
        "all values on version 2: {:?}",
        st.values
    );

    let retired = rotation::retire_versions(&t.db, &operator, "cli:test")
        .await
        .unwrap();
    assert_eq!(retired.len(), 5);
    // Everything still reads, through both vaults.
    let total = messages::count(&t.db, Some(-2)).await.unwrap();
    assert_eq!(total, 60 + written);
    for v in [&*bot, &operator] {
        assert_eq!(read(&t.db, v, -2, 0).await, "before 0");
        assert_eq!(read(&t.db, v, -2, 1000).await, "during 1000");
    }
    // The old ciphertext of message 0 (version 1) no longer decrypts.
    let fresh = unlock(&t.db, &path).await.unwrap();
    assert!(matches!(
        records::message_text(&t.db, &fresh, &before).await,
        Err(VaultError::RetiredVersion { version: 1, .. })
    ));
}
