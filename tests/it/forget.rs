//! Erasure of one person, on SQLite and PostgreSQL: everything of theirs
//! goes, nothing of anyone else's, the audit entry names no one, and a
//! second erasure is harmless.

use chrono::{TimeZone, Utc};
use domain::classify::{Classification, Kind, Priority};
use domain::forget;
use domain::records::{self, IncomingMessage, PlainTask, Profile};
use domain::store::chats::ChatKind;
use domain::store::inbox::{self, InboxStatus, RawUpdate};
use domain::store::outbox::{self, NewOutbox, OutboxStatus};
use domain::store::privacy::{self, ConsentAction};
use domain::store::{admin, audit, keys, messages, people, tasks};
use domain::vault::{KekSource, OpenOptions, Vault, VaultError, aad};
use tests::db::TestDb;

on_both_backends!(
    forget_erases_one_person_and_nothing_else,
    forget_deletes_recent_group_replies_quoting_them,
    forget_drops_their_queued_updates,
);

/// The SQLite file and its write-ahead log hold no trace of `canary`.
fn assert_no_trace_in_files(t: &TestDb, canary: &str) {
    let Some(path) = t.config.url.expose().strip_prefix("sqlite://") else {
        return;
    };
    let mut scanned = 0;
    for file in [path.to_owned(), format!("{path}-wal")] {
        if let Ok(bytes) = std::fs::read(&file) {
            scanned += bytes.len();
            assert!(
                !bytes.windows(canary.len()).any(|w| w == canary.as_bytes()),
                "{file} holds {canary:?}"
            );
        }
    }
    assert!(scanned > 10_000, "the files were read ({scanned} bytes)");
}

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
    // Two items quoting her, one quoting no one, and two card edits sealed
    // under the system key ("Done by …"): one about her task, which shows
    // its title and goes with her, one about Ivan's, which stays.
    for (person, task_id) in [
        (Some(mira.id), None),
        (Some(mira.id), None),
        (None, None),
        (None, Some(mira_task.id)),
        (None, Some(ivans_task.id)),
    ] {
        outbox::enqueue(
            &tx,
            NewOutbox {
                chat_id: -5,
                method: "sendMessage".into(),
                payload: vec![0],
                person_id: person,
                task_id,
                payload_nonce: None,
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
            outbox: 3,
            sent: 0,
            deletions: 0,
            unnamed: 0,
            consents: 2,
            requests: 0,
            queued: 0,
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
        2
    );
    assert_eq!(
        admin::scan_for(&t.db, b"FORGETME").await.unwrap(),
        Vec::<String>::new()
    );
    assert_no_trace_in_files(t, "FORGETME");

    // Ivan's message and task stay; the task lost only her assignment.
    assert_eq!(
        records::message_text(&t.db, &v, &ivans).await.unwrap(),
        "@mira_f please review the release"
    );
    let kept = tasks::get(&t.db, ivans_task.id).await.unwrap().unwrap();
    let left = tasks::assignees(&t.db, kept.id).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].person_id, Some(ivan.id));
    // The handle left behind still opens: it is bound to its stored
    // position, which kept the gap hers left.
    assert_eq!(
        records::task_assignees(&t.db, &v, &kept).await.unwrap(),
        ["ivan_k"]
    );
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

async fn forget_deletes_recent_group_replies_quoting_them(t: &TestDb) {
    use domain::records::OutgoingRequest;
    use domain::requests;
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
    let mira = records::save_person(&tx, &v, &profile(501, "Mira REPLYCANARY", "mira_f"))
        .await
        .unwrap();
    let ivan = records::save_person(&tx, &v, &profile(502, "Ivan", "ivan_k"))
        .await
        .unwrap();
    // (chat, person, sent message id, hours ago; None = still pending)
    let plan: [(i64, i64, Option<i64>, Option<i64>); 7] = [
        (-5, mira.id, Some(10), Some(1)),  // a card in the group: deleted
        (-5, mira.id, Some(10), Some(2)),  // an edit of that card: once
        (-5, mira.id, Some(11), Some(49)), // too old for Telegram to delete
        (501, mira.id, Some(12), Some(1)), // her private chat: hers to clear
        (-5, mira.id, None, Some(1)),      // a reaction: no message to delete
        (-5, mira.id, None, None),         // not sent yet: dropped
        (-5, ivan.id, Some(13), Some(1)),  // Ivan's: untouched
    ];
    let mut ids = Vec::new();
    for (chat, person, _, _) in plan {
        ids.push(
            records::enqueue_request(
                &tx,
                &v,
                &OutgoingRequest {
                    chat_id: chat,
                    method: "sendMessage".into(),
                    params: serde_json::json!({"chat_id": chat, "text": "Task #1: REPLYCANARY"}),
                    person_id: Some(person),
                    task_id: None,
                },
            )
            .await
            .unwrap(),
        );
    }
    for (id, (_, _, msg, ago)) in ids.iter().zip(plan) {
        if ago.is_some() {
            outbox::mark_sent(&tx, *id, msg).await.unwrap();
        }
    }
    tx.commit().await.unwrap();
    let now = Utc::now();
    for (id, (_, _, _, ago)) in ids.iter().zip(plan) {
        if let Some(h) = ago {
            domain::testing::set_outbox_sent_at(&t.db, *id, now - chrono::Duration::hours(h))
                .await
                .unwrap();
        }
    }
    // A pending erasure request of hers goes with her.
    let r = requests::open_erasure(&t.db, &v, 501, chrono::Duration::minutes(10), now)
        .await
        .unwrap();

    let erased = requests::confirm_erasure(&t.db, &v, 501, r.id, false, "bot", now)
        .await
        .unwrap();
    assert_eq!(erased.outbox, 1);
    assert_eq!(erased.sent, 5);
    assert_eq!(erased.deletions, 1);
    assert_eq!(erased.requests, 1);

    // One deleteMessage, quoting no one, for the young group card.
    let pending = outbox::due(&t.db, now + chrono::Duration::hours(1), 100)
        .await
        .unwrap();
    assert_eq!(pending.len(), 1, "{pending:?}");
    let d = &pending[0];
    assert_eq!(
        (d.method.as_str(), d.chat_id, d.person_id),
        ("deleteMessage", -5, None)
    );
    assert_eq!(
        records::request_params(&t.db, &v, d).await.unwrap(),
        serde_json::json!({"chat_id": -5, "message_id": 10})
    );
    // Her rows are gone; Ivan's sent reply is untouched.
    for (id, (_, person, _, _)) in ids.iter().zip(plan) {
        let row = outbox::get(&t.db, *id).await.unwrap();
        assert_eq!(row.is_some(), person == ivan.id, "outbox item {id}");
    }
    assert_eq!(outbox::count(&t.db, OutboxStatus::Sent).await.unwrap(), 1);
    assert_eq!(
        admin::scan_for(&t.db, b"REPLYCANARY").await.unwrap(),
        Vec::<String>::new()
    );
    assert_no_trace_in_files(t, "REPLYCANARY");

    // Again: nothing found, nothing queued.
    let again = forget::forget(&t.db, &v, 501, false, "cli:test")
        .await
        .unwrap();
    assert_eq!(again, forget::Erased::default());
    assert!(!again.found_anything());
    assert_eq!(
        outbox::count(&t.db, OutboxStatus::Pending).await.unwrap(),
        1
    );
}

/// Raw updates still queued in the inbox (pending, as when the erasure
/// comes from the CLI while the bot is behind, or dead letters) go with the
/// person; other people's stay; applied rows hold no payload at all.
async fn forget_drops_their_queued_updates(t: &TestDb) {
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
    let update = |id: i64, from: i64, text: &str| {
        serde_json::json!({
            "update_id": id,
            "message": {
                "message_id": id, "date": 1_764_000_000,
                "chat": {"id": -5, "type": "supergroup", "title": "Team"},
                "from": {"id": from, "is_bot": false, "first_name": "X"},
                "text": text,
            }
        })
    };
    let queued = [
        (1, 601, "QUEUEDCANARY applied already"),
        (2, 601, "QUEUEDCANARY still pending"),
        (3, 602, "someone else, pending"),
        (4, 601, "QUEUEDCANARY dead letter"),
        (5, 602, "someone else, dead"),
    ];
    let tx = t.db.begin_write().await.unwrap();
    let mut rows = Vec::new();
    for (id, from, text) in queued {
        let json = serde_json::to_vec(&update(id, from, text)).unwrap();
        rows.push(RawUpdate {
            update_id: id,
            kind: "message".into(),
            payload: v
                .seal_system(&tx, &aad::inbox_payload(id), &json)
                .await
                .unwrap(),
        });
    }
    inbox::store_batch(&tx, &rows, 6).await.unwrap();
    inbox::mark_done(&tx, 1).await.unwrap();
    for id in [4, 5] {
        inbox::record_failure(&tx, id, "boom", None).await.unwrap();
    }
    tx.commit().await.unwrap();
    // Applied: the row stays (until the purge) without its content.
    let applied = inbox::get(&t.db, 1).await.unwrap().unwrap();
    assert_eq!(applied.status, InboxStatus::Done);
    assert!(applied.payload.is_empty());

    let erased = forget::forget(&t.db, &v, 601, false, "cli:test")
        .await
        .unwrap();
    assert_eq!(erased.queued, 2);
    assert!(erased.found_anything());
    assert!(inbox::get(&t.db, 2).await.unwrap().is_none());
    assert!(inbox::get(&t.db, 4).await.unwrap().is_none());
    for id in [1, 3, 5] {
        assert!(inbox::get(&t.db, id).await.unwrap().is_some(), "row {id}");
    }
    // Harmless twice.
    let again = forget::forget(&t.db, &v, 601, false, "cli:test")
        .await
        .unwrap();
    assert_eq!(again.queued, 0);
    // What the queue still holds, decrypted, says nothing of theirs.
    for id in 1..=5 {
        let Some(row) = inbox::get(&t.db, id).await.unwrap() else {
            continue;
        };
        if row.payload.is_empty() {
            continue;
        }
        let plain = v
            .open(&t.db, &aad::inbox_payload(id), &row.payload)
            .await
            .unwrap();
        let text = String::from_utf8_lossy(plain.expose()).into_owned();
        assert!(!text.contains("QUEUEDCANARY"), "row {id}: {text}");
    }
}
