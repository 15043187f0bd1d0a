//! Erasure of one person, on SQLite and PostgreSQL: everything of theirs
//! goes, nothing of anyone else's, the audit entry names no one, and a
//! second erasure is harmless.

use chrono::{TimeZone, Utc};
use domain::classify::{Classification, Kind, Priority};
use domain::forget;
use domain::records::{self, IncomingMessage, PlainTask, Profile};
use domain::store::chats::ChatKind;
use domain::store::outbox::{self, NewOutbox, OutboxStatus};
use domain::store::privacy::{self, ConsentAction};
use domain::store::{admin, audit, keys, messages, people, tasks};
use domain::vault::{KekSource, OpenOptions, Vault, VaultError};
use tests::db::TestDb;

on_both_backends!(forget_erases_one_person_and_nothing_else);

fn profile(id: i64, name: &str, username: &str) -> Profile {
    Profile {
        telegram_user_id: id,
        name: name.into(),
        username: Some(username.into()),
        language_code: Some("en".into()),
    }
}

fn task(title: &str, assignees: &[&str]) -> PlainTask {
    PlainTask {
        classification: Classification {
            kind: Kind::Task,
            actionable: true,
            title: title.into(),
            priority: Priority::Normal,
            due: None,
            assignees: assignees.iter().map(|s| s.to_string()).collect(),
            confidence: 0.8,
            classifier: "builtin".into(),
        },
        description: None,
    }
}

async fn forget_erases_one_person_and_nothing_else(t: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let v = Vault::unlock(
        &t.db,
        &OpenOptions {
            source: KekSource::File(dir.path().join("k")),
            create_if_missing: true,
        },
    )
    .await
    .unwrap();
    let tx = t.db.begin_write().await.unwrap();
    records::save_chat(&tx, &v, -5, ChatKind::Supergroup, Some("Team"))
        .await
        .unwrap();
    let mira = records::save_person(&tx, &v, &profile(501, "Mira FORGETME", "mira_f"))
        .await
        .unwrap();
    let ivan = records::save_person(&tx, &v, &profile(502, "Ivan", "ivan_k"))
        .await
        .unwrap();
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap();
    let mut mira_msgs = Vec::new();
    for i in 0..30 {
        let m = records::capture_message(
            &tx,
            &v,
            &mira,
            &IncomingMessage {
                chat_id: -5,
                message_id: i,
                sent_at: at,
                text: "FORGETME please deploy it",
                reply_to_message_id: None,
                is_forwarded: false,
            },
        )
        .await
        .unwrap();
        mira_msgs.push(m.message().clone());
    }
    let ivans = records::capture_message(
        &tx,
        &v,
        &ivan,
        &IncomingMessage {
            chat_id: -5,
            message_id: 100,
            sent_at: at,
            text: "@mira_f please review the release",
            reply_to_message_id: Some(3),
            is_forwarded: false,
        },
    )
    .await
    .unwrap()
    .message()
    .clone();
    let mira_task = records::create_task(&tx, &v, &mira, &mira_msgs[0], &task("Deploy it", &[]))
        .await
        .unwrap();
    let ivans_task = records::create_task(
        &tx,
        &v,
        &ivan,
        &ivans,
        &task("Review the release", &["mira_f", "ivan_k"]),
    )
    .await
    .unwrap();
    for person in [Some(mira.id), Some(mira.id), None] {
        outbox::enqueue(
            &tx,
            NewOutbox {
                chat_id: -5,
                method: "sendMessage".into(),
                payload: vec![0],
                person_id: person,
                task_id: None,
            },
        )
        .await
        .unwrap();
    }
    privacy::record(
        &tx,
        &v.user_index(501),
        Some(-5),
        ConsentAction::OptOut,
        "1",
    )
    .await
    .unwrap();
    privacy::record(&tx, &v.user_index(501), None, ConsentAction::OptIn, "1")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mira_key = mira.key_id.unwrap();

    let erased = forget::forget(&t.db, &v, 501, false, "cli:test")
        .await
        .unwrap();
    assert_eq!(
        erased,
        forget::Erased {
            messages: 30,
            tasks: 1,
            assignments: 1,
            outbox: 2,
            consents: 2,
            profile: true,
            key: true,
        }
    );

    // Nothing of hers remains, and her old ciphertexts no longer open.
    assert!(
        records::find_person(&t.db, &v, 501)
            .await
            .unwrap()
            .is_none()
    );
    assert!(messages::get(&t.db, -5, 0).await.unwrap().is_none());
    assert!(tasks::get(&t.db, mira_task.id).await.unwrap().is_none());
    assert!(keys::get_data_key(&t.db, mira_key).await.unwrap().is_none());
    assert!(
        privacy::history(&t.db, &v.user_index(501))
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        records::message_text(&t.db, &v, &mira_msgs[7]).await,
        Err(VaultError::Erased)
    ));
    assert_eq!(
        outbox::count(&t.db, OutboxStatus::Pending).await.unwrap(),
        1
    );
    assert_eq!(
        admin::scan_for(&t.db, b"FORGETME").await.unwrap(),
        Vec::<String>::new()
    );

    // Ivan's message and task stay; the task lost only her assignment.
    assert_eq!(
        records::message_text(&t.db, &v, &ivans).await.unwrap(),
        "@mira_f please review the release"
    );
    let kept = tasks::get(&t.db, ivans_task.id).await.unwrap().unwrap();
    let left = tasks::assignees(&t.db, kept.id).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].person_id, Some(ivan.id));
    assert!(people::get(&t.db, ivan.id).await.unwrap().is_some());

    // The audit entry holds counts, no one's identity.
    let entry = &audit::list(&t.db, &audit::AuditFilter::default(), 1)
        .await
        .unwrap()[0];
    assert_eq!(entry.action, "privacy.forget");
    assert_eq!(entry.subject, None);
    assert!(!entry.details.contains("501") && !entry.details.contains("mira"));

    // Again: harmless. With keep_opt_out, only the opt-out marker stays.
    let again = forget::forget(&t.db, &v, 501, true, "cli:test")
        .await
        .unwrap();
    assert_eq!(again, forget::Erased::default());
    let tx = t.db.begin_write().await.unwrap();
    privacy::record(&tx, &v.user_index(501), None, ConsentAction::OptOut, "1")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let third = forget::forget(&t.db, &v, 501, true, "cli:test")
        .await
        .unwrap();
    assert_eq!(third.consents, 1);
    assert!(
        privacy::is_opted_out(&t.db, &v.user_index(501))
            .await
            .unwrap()
    );
}
