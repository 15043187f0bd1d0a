//! Encryption at rest through the vault and the records layer, on SQLite and
//! PostgreSQL: key set-up and refusal, round trips, binding to rows,
//! crypto-shredding, and a canary that must never reach the database.

use std::path::PathBuf;

use chrono::{TimeZone, Utc};
use domain::classify::{Classification, Kind, Priority};
use domain::crypto::CryptoError;
use domain::records::PlainTask;
use domain::records::{self, IncomingMessage, Profile};
use domain::rotation::{self, DekScope};
use domain::store::chats::{self, ChatKind};
use domain::store::providers::{self, ProviderSpec};
use domain::store::{Db, admin, keys, messages, tasks};
use domain::vault::{KekSource, OpenOptions, Vault, VaultError};
use tests::db::TestDb;

on_both_backends!(
    first_unlock_creates_keys_and_later_unlocks_reuse_them,
    wrong_or_missing_key_changes_nothing,
    messages_round_trip_and_are_bound_to_their_row,
    shredding_a_key_erases_a_person,
    canary_never_reaches_the_database,
    chats_tasks_and_provider_keys_are_sealed_and_rotate,
    outbox_requests_are_sealed_to_their_row_and_person,
);

struct Keyed {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn key_path() -> Keyed {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keys/master.key");
    Keyed { _dir: dir, path }
}

async fn unlock(db: &Db, path: &std::path::Path, create: bool) -> Result<Vault, VaultError> {
    Vault::unlock(
        db,
        &OpenOptions {
            source: KekSource::File(path.to_path_buf()),
            create_if_missing: create,
        },
    )
    .await
}

async fn first_unlock_creates_keys_and_later_unlocks_reuse_them(t: &TestDb) {
    let k = key_path();
    assert!(matches!(
        unlock(&t.db, &k.path, false).await,
        Err(VaultError::NoKeyFile { .. })
    ));
    let v = unlock(&t.db, &k.path, true).await.unwrap();
    assert_eq!(v.kek_version(), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&k.path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let again = unlock(&t.db, &k.path, true).await.unwrap();
    assert_eq!(again.system_key(), v.system_key());
    assert_eq!(
        again.user_index(42),
        v.user_index(42),
        "the blind index is stable"
    );
    assert_ne!(v.user_index(42), v.user_index(43));
    assert_eq!(v.handle_index("@Olena"), v.handle_index("olena"));
    assert_eq!(keys::kek_versions(&t.db).await.unwrap().len(), 1);

    // A value sealed by one process opens in another.
    let aad = domain::vault::aad::chat_title(-1);
    let ct = v.seal_system(&t.db, &aad, b"Team chat").await.unwrap();
    assert_eq!(
        again.open_text(&t.db, &aad, &ct).await.unwrap(),
        "Team chat"
    );
}

async fn wrong_or_missing_key_changes_nothing(t: &TestDb) {
    let k = key_path();
    unlock(&t.db, &k.path, true).await.unwrap();
    let before = keys::kek_versions(&t.db).await.unwrap();

    let other = key_path();
    domain::vault::create_key_file(&other.path).unwrap();
    match unlock(&t.db, &other.path, true).await {
        Err(e @ VaultError::WrongKey { known: 1 }) => {
            assert!(e.to_string().contains("nothing was changed"), "{e}")
        }
        other => panic!("expected WrongKey, got {other:?}"),
    }
    let missing = key_path();
    match unlock(&t.db, &missing.path, true).await {
        Err(e @ VaultError::MissingKey { .. }) => {
            assert!(e.to_string().contains("restore the key file"), "{e}")
        }
        other => panic!("expected MissingKey, got {other:?}"),
    }
    assert!(
        !missing.path.exists(),
        "no key is created for a database that has data"
    );
    assert_eq!(keys::kek_versions(&t.db).await.unwrap(), before);

    // A key file readable by others is refused with the fix.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&k.path, std::fs::Permissions::from_mode(0o644)).unwrap();
        match unlock(&t.db, &k.path, true).await {
            Err(VaultError::Crypto(e @ CryptoError::InsecureKeyFile { .. })) => {
                assert!(e.to_string().contains("chmod 600"), "{e}")
            }
            other => panic!("expected InsecureKeyFile, got {other:?}"),
        }
    }
}

fn alice() -> Profile {
    Profile {
        telegram_user_id: 1001,
        name: "Alice Example".into(),
        username: Some("alice_ex".into()),
        language_code: Some("en".into()),
    }
}

async fn setup(t: &TestDb) -> (Keyed, Vault) {
    let k = key_path();
    let v = unlock(&t.db, &k.path, true).await.unwrap();
    let tx = t.db.begin_write().await.unwrap();
    for chat in [-10, -20] {
        chats::record_seen(&tx, chat, ChatKind::Supergroup, None)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    (k, v)
}

fn msg(chat_id: i64, message_id: i64, text: &str) -> IncomingMessage<'_> {
    IncomingMessage {
        chat_id,
        message_id,
        sent_at: Utc.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).unwrap(),
        text,
        reply_to_message_id: None,
        is_forwarded: false,
    }
}

async fn messages_round_trip_and_are_bound_to_their_row(t: &TestDb) {
    let (_k, v) = setup(t).await;
    let tx = t.db.begin_write().await.unwrap();
    let a = records::save_person(&tx, &v, &alice()).await.unwrap();
    let again = records::save_person(&tx, &v, &alice()).await.unwrap();
    assert_eq!(a.id, again.id);
    assert_eq!(a.key_id, again.key_id, "one key per person");
    let m1 = records::capture_message(&tx, &v, &a, &msg(-10, 1, "please deploy on Friday"))
        .await
        .unwrap();
    let m2 = records::capture_message(&tx, &v, &a, &msg(-10, 2, "привіт, команда"))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let found = records::find_person(&t.db, &v, 1001)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.id, a.id);
    assert_eq!(
        records::profile(&t.db, &v, &found).await.unwrap(),
        (Some("Alice Example".into()), Some("alice_ex".into()))
    );
    let stored1 = m1.message().clone();
    let stored2 = m2.message().clone();
    assert_eq!(
        records::message_text(&t.db, &v, &stored1).await.unwrap(),
        "please deploy on Friday"
    );
    assert_eq!(
        records::message_text(&t.db, &v, &stored2).await.unwrap(),
        "привіт, команда"
    );

    // Moving a ciphertext to another row (or flipping a byte) is detected.
    let swapped = messages::StoredMessage {
        text_ct: stored1.text_ct.clone(),
        ..stored2.clone()
    };
    assert!(matches!(
        records::message_text(&t.db, &v, &swapped).await,
        Err(VaultError::Crypto(CryptoError::Decrypt))
    ));
    let mut tampered = stored1.clone();
    let last = tampered.text_ct.len() - 1;
    tampered.text_ct[last] ^= 1;
    assert!(matches!(
        records::message_text(&t.db, &v, &tampered).await,
        Err(VaultError::Crypto(CryptoError::Decrypt))
    ));
    tampered.text_ct.truncate(5);
    assert!(matches!(
        records::message_text(&t.db, &v, &tampered).await,
        Err(VaultError::Crypto(_))
    ));
}

async fn shredding_a_key_erases_a_person(t: &TestDb) {
    let (_k, v) = setup(t).await;
    let tx = t.db.begin_write().await.unwrap();
    let a = records::save_person(&tx, &v, &alice()).await.unwrap();
    let bob = records::save_person(
        &tx,
        &v,
        &Profile {
            telegram_user_id: 2002,
            name: "Bob".into(),
            username: None,
            language_code: None,
        },
    )
    .await
    .unwrap();
    assert_ne!(a.key_id, bob.key_id);
    for i in 0..5 {
        records::capture_message(&tx, &v, &a, &msg(-10, i, "SHRED-ME alice secret"))
            .await
            .unwrap();
    }
    records::capture_message(&tx, &v, &bob, &msg(-10, 100, "bob stays"))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let tx = t.db.begin_write().await.unwrap();
    assert!(records::shred_person_key(&tx, &v, &a).await.unwrap());
    tx.commit().await.unwrap();

    // Every old row of hers is now a typed "erased", in this process and in a
    // fresh one (no cached key can help).
    let fresh = unlock(&t.db, &_k.path, false).await.unwrap();
    for vault in [&v, &fresh] {
        let mut after = 0;
        loop {
            let page = messages::page_for_person(&t.db, a.id, after, 2)
                .await
                .unwrap();
            if page.is_empty() {
                break;
            }
            for m in &page {
                assert!(matches!(
                    records::message_text(&t.db, vault, m).await,
                    Err(VaultError::Erased)
                ));
            }
            after = page.last().unwrap().id;
        }
        assert!(matches!(
            records::profile(&t.db, vault, &a).await,
            Err(VaultError::Erased)
        ));
        let bobs = messages::get(&t.db, -10, 100).await.unwrap().unwrap();
        assert_eq!(
            records::message_text(&t.db, vault, &bobs).await.unwrap(),
            "bob stays"
        );
    }
    // Capturing under an erased key is refused, not silently re-keyed.
    let tx = t.db.begin_write().await.unwrap();
    assert!(matches!(
        records::capture_message(&tx, &v, &a, &msg(-10, 50, "x")).await,
        Err(VaultError::Erased)
    ));
}

const CANARY: &str = "CANARY-7f3a9c-do-not-store";

async fn canary_never_reaches_the_database(t: &TestDb) {
    let (_k, v) = setup(t).await;
    let tx = t.db.begin_write().await.unwrap();
    let a = records::save_person(
        &tx,
        &v,
        &Profile {
            telegram_user_id: 3003,
            name: format!("{CANARY} name"),
            username: Some(format!("{CANARY}_user")),
            language_code: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    for batch in 0..10 {
        let tx = t.db.begin_write().await.unwrap();
        for i in 0..100 {
            let text = format!("message {i} of batch {batch}: {CANARY} card 4111 1111 1111 1111");
            records::capture_message(&tx, &v, &a, &msg(-20, batch * 100 + i, &text))
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
    }
    assert_eq!(messages::count(&t.db, Some(-20)).await.unwrap(), 1000);
    let last = messages::get(&t.db, -20, 999).await.unwrap().unwrap();
    assert!(
        records::message_text(&t.db, &v, &last)
            .await
            .unwrap()
            .contains(CANARY)
    );

    // The raw bytes of the SQLite file and its write-ahead log hold no trace.
    if let Some(path) = t.config.url.expose().strip_prefix("sqlite://") {
        let mut scanned = 0;
        for file in [path.to_owned(), format!("{path}-wal")] {
            if let Ok(bytes) = std::fs::read(&file) {
                scanned += bytes.len();
                assert!(
                    !bytes.windows(CANARY.len()).any(|w| w == CANARY.as_bytes()),
                    "{file} holds the canary in plain text"
                );
            }
        }
        assert!(scanned > 100_000, "the files were read ({scanned} bytes)");
    }

    // As stored, row by row, on either backend.
    assert_eq!(
        admin::scan_for(&t.db, CANARY.as_bytes()).await.unwrap(),
        Vec::<String>::new()
    );
    // The scan can fail: a plaintext setting is found.
    let tx = t.db.begin_write().await.unwrap();
    domain::store::settings::set(&tx, "probe", CANARY)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        admin::scan_for(&t.db, CANARY.as_bytes()).await.unwrap(),
        ["settings.value"]
    );
}

async fn chats_tasks_and_provider_keys_are_sealed_and_rotate(t: &TestDb) {
    let k = key_path();
    let v = unlock(&t.db, &k.path, true).await.unwrap();
    let tx = t.db.begin_write().await.unwrap();
    let chat = records::save_chat(
        &tx,
        &v,
        -30,
        ChatKind::Supergroup,
        Some(&format!("{CANARY} team")),
    )
    .await
    .unwrap();
    let author = records::save_person(&tx, &v, &alice()).await.unwrap();
    let olena = records::save_person(
        &tx,
        &v,
        &Profile {
            telegram_user_id: 77,
            name: "Olena".into(),
            username: Some("Olena_K".into()),
            language_code: Some("uk".into()),
        },
    )
    .await
    .unwrap();
    let text = "@olena_k @petro please fix the login page by Friday";
    let source = records::capture_message(&tx, &v, &author, &msg(-30, 5, text))
        .await
        .unwrap()
        .message()
        .clone();
    let task = records::create_task(
        &tx,
        &v,
        &author,
        &source,
        &PlainTask {
            classification: Classification {
                kind: Kind::Task,
                actionable: true,
                title: format!("Fix the login page {CANARY}"),
                priority: Priority::High,
                due: chrono::NaiveDate::from_ymd_opt(2026, 12, 4),
                assignees: vec!["olena_k".into(), "petro".into()],
                confidence: 0.9,
                classifier: "builtin".into(),
            },
            description: Some(format!("details {CANARY}")),
        },
    )
    .await
    .unwrap();
    let api_key = domain::Secret::new(format!("sk-{CANARY}"));
    let sealed_key = records::seal_provider_key(&tx, &v, "openai", &api_key)
        .await
        .unwrap();
    let provider = providers::create(
        &tx,
        ProviderSpec {
            name: "openai".into(),
            kind: "openai".into(),
            base_url: "https://api.openai.com/v1".into(),
            model: "gpt-4o-mini".into(),
            api_key_ct: Some(sealed_key),
            timeout_ms: 20_000,
            requests_per_minute: 60,
            redact_pii: true,
            is_default: true,
            enabled: true,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    check_sealed(&t.db, &v, chat.id, task.id, provider.id).await;
    let links = tasks::assignees(&t.db, task.id).await.unwrap();
    assert_eq!(
        links[0].person_id,
        Some(olena.id),
        "@olena_k is a known person"
    );
    assert_eq!(links[1].person_id, None);
    assert_eq!(
        admin::scan_for(&t.db, CANARY.as_bytes()).await.unwrap(),
        Vec::<String>::new()
    );

    // Every one of these columns follows a data-key rotation.
    rotation::rotate_dek(&t.db, &v, DekScope::All, "test")
        .await
        .unwrap();
    let done = rotation::rewrap_values(&t.db, &v, 2, "test", |_| {})
        .await
        .unwrap();
    assert!(done.rewritten >= 8, "{done:?}");
    rotation::retire_versions(&t.db, &v, "test").await.unwrap();
    let fresh = unlock(&t.db, &k.path, false).await.unwrap();
    check_sealed(&t.db, &fresh, chat.id, task.id, provider.id).await;
    let st = rotation::status(&t.db).await.unwrap();
    assert!(st.values.keys().all(|(_, version)| *version == 2), "{st:?}");

    // The task's title goes with its author's key.
    let tx = t.db.begin_write().await.unwrap();
    records::shred_person_key(&tx, &v, &author).await.unwrap();
    tx.commit().await.unwrap();
    assert!(matches!(
        records::task_title(&t.db, &fresh, &task).await,
        Err(VaultError::Erased)
    ));
}

async fn check_sealed(db: &Db, v: &Vault, chat_id: i64, task_id: i64, provider_id: i64) {
    let chat = domain::store::chats::get(db, chat_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        records::chat_title(db, v, &chat).await.unwrap(),
        Some(format!("{CANARY} team"))
    );
    let task = tasks::get(db, task_id).await.unwrap().unwrap();
    assert_eq!(
        records::task_title(db, v, &task).await.unwrap(),
        format!("Fix the login page {CANARY}")
    );
    assert_eq!(
        records::task_assignees(db, v, &task).await.unwrap(),
        ["olena_k", "petro"]
    );
    let provider = providers::get(db, provider_id).await.unwrap().unwrap();
    assert_eq!(
        records::provider_key(db, v, &provider)
            .await
            .unwrap()
            .unwrap()
            .expose(),
        format!("sk-{CANARY}")
    );
}

async fn outbox_requests_are_sealed_to_their_row_and_person(t: &TestDb) {
    use domain::store::outbox;
    let (_k, v) = setup(t).await;
    let tx = t.db.begin_write().await.unwrap();
    let a = records::save_person(&tx, &v, &alice()).await.unwrap();
    let card = records::OutgoingRequest {
        chat_id: -10,
        method: "sendMessage".into(),
        params: serde_json::json!({"chat_id": -10, "text": "CANARY-OUTBOX fix the login"}),
        person_id: Some(a.id),
        task_id: None,
    };
    let quoted = records::enqueue_request(&tx, &v, &card).await.unwrap();
    let notice = records::OutgoingRequest {
        person_id: None,
        params: serde_json::json!({"chat_id": -10, "text": "notice"}),
        ..card.clone()
    };
    let system = records::enqueue_request(&tx, &v, &notice).await.unwrap();
    tx.commit().await.unwrap();

    let q = outbox::get(&t.db, quoted).await.unwrap().unwrap();
    assert!(
        !String::from_utf8_lossy(&q.payload).contains("CANARY-OUTBOX"),
        "the payload is ciphertext"
    );
    assert_eq!(
        records::request_params(&t.db, &v, &q).await.unwrap(),
        card.params
    );
    let s = outbox::get(&t.db, system).await.unwrap().unwrap();
    assert_eq!(
        records::request_params(&t.db, &v, &s).await.unwrap(),
        notice.params
    );

    // Bound to its row: another row's payload does not open here.
    let swapped = outbox::OutboxItem {
        payload: s.payload.clone(),
        ..q.clone()
    };
    assert!(matches!(
        records::request_params(&t.db, &v, &swapped).await,
        Err(VaultError::Crypto(_))
    ));

    // Sealed under the person's key: erasing them shreds it.
    let tx = t.db.begin_write().await.unwrap();
    assert!(records::shred_person_key(&tx, &v, &a).await.unwrap());
    tx.commit().await.unwrap();
    assert!(matches!(
        records::request_params(&t.db, &v, &q).await,
        Err(VaultError::Erased)
    ));
    assert!(records::request_params(&t.db, &v, &s).await.is_ok());

    // A row queued before payloads had their own nonce (bound to its id)
    // still opens, and not from another row.
    let tx = t.db.begin_write().await.unwrap();
    let old_params = serde_json::json!({"chat_id": -10, "text": "queued by an older release"});
    let old = domain::testing::enqueue_id_bound_outbox(&tx, &v, -10, &old_params)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let o = outbox::get(&t.db, old).await.unwrap().unwrap();
    assert_eq!(o.payload_nonce, None);
    assert!(s.payload_nonce.is_some());
    assert_eq!(
        records::request_params(&t.db, &v, &o).await.unwrap(),
        old_params
    );
    let moved = outbox::OutboxItem {
        id: s.id,
        ..o.clone()
    };
    assert!(matches!(
        records::request_params(&t.db, &v, &moved).await,
        Err(VaultError::Crypto(_))
    ));
}
