//! Retention purges on SQLite and PostgreSQL: exactly what expired goes,
//! counted the same dry and wet, also while capture goes on.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{Duration, Utc};
use domain::classify::{Kind, Priority};
use domain::purge::{self, PurgeOptions};
use domain::store::chats::{self, ChatKind};
use domain::store::inbox::{self, RawUpdate};
use domain::store::messages::{self, NewMessage};
use domain::store::outbox::{self, NewOutbox};
use domain::store::people::{self, PersonUpsert};
use domain::store::retention::{self, RetentionPolicy};
use domain::store::tasks::{self, NewTask};
use domain::store::{Db, audit};
use tests::db::TestDb;

on_both_backends!(
    purge_removes_exactly_what_expired,
    expired_pages_walk_equal_times_once_each,
);

async fn put(db: &Db, person: i64, chat: i64, id: i64, age_days: i64) -> i64 {
    let tx = db.begin_write().await.unwrap();
    let m = messages::capture(
        &tx,
        NewMessage {
            chat_id: chat,
            message_id: id,
            person_id: person,
            sent_at: Utc::now() - Duration::days(age_days),
            text_ct: vec![1, 2, 3],
            reply_to_message_id: None,
            is_forwarded: false,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    m.message().id
}

async fn purge_removes_exactly_what_expired(t: &TestDb) {
    let db = &t.db;
    let tx = db.begin_write().await.unwrap();
    retention::set_policy(
        &tx,
        RetentionPolicy {
            default_days: 30,
            min_days: 5,
            max_days: 365,
        },
    )
    .await
    .unwrap();
    for chat in [-1, -2, -3] {
        chats::record_seen(&tx, chat, ChatKind::Group, None)
            .await
            .unwrap();
    }
    chats::set_retention_days(&tx, -2, Some(7)).await.unwrap();
    // Below the minimum: clamped up to 5 days.
    chats::set_retention_days(&tx, -3, Some(1)).await.unwrap();
    let p = people::upsert(
        &tx,
        PersonUpsert {
            user_index: vec![1; 32],
            key_id: None,
            name_ct: None,
            username_ct: None,
            username_index: None,
            language_code: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    // (chat, message id, age in days, expired?)
    let plan = [
        (-1, 1, 10, false),
        (-1, 2, 29, false),
        (-1, 3, 31, true),
        (-1, 4, 400, true),
        (-2, 1, 3, false),
        (-2, 2, 8, true),
        (-2, 3, 100, true),
        (-3, 1, 2, false),
        (-3, 2, 6, true),
    ];
    let mut expired_task = 0;
    for (chat, id, age, _) in plan {
        let row = put(db, p.id, chat, id, age).await;
        if (chat, id) == (-2, 2) || (chat, id) == (-1, 1) {
            let tx = db.begin_write().await.unwrap();
            let task = tasks::create(
                &tx,
                NewTask {
                    chat_id: chat,
                    message_id: Some(row),
                    kind: Kind::Task,
                    title_ct: vec![9],
                    description_ct: None,
                    priority: Priority::Normal,
                    due_date: None,
                    confidence: 0.9,
                    classifier: "builtin".into(),
                    assignees: vec![],
                },
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
            if chat == -2 {
                expired_task = task.id;
            }
        }
    }
    // Queue rows: two applied inbox rows, one pending; one sent outbox item.
    let tx = db.begin_write().await.unwrap();
    let raw = |id: i64| RawUpdate {
        update_id: id,
        kind: "message".into(),
        payload: vec![0],
    };
    inbox::store_batch(&tx, &[raw(1), raw(2), raw(3)], 4)
        .await
        .unwrap();
    inbox::mark_done(&tx, 1).await.unwrap();
    inbox::mark_done(&tx, 2).await.unwrap();
    let sent = outbox::enqueue(
        &tx,
        NewOutbox {
            chat_id: -1,
            method: "sendMessage".into(),
            payload: vec![0],
            person_id: None,
            task_id: None,
            payload_nonce: None,
        },
    )
    .await
    .unwrap();
    outbox::mark_sent(&tx, sent, Some(1)).await.unwrap();
    tx.commit().await.unwrap();

    // "Now" is a few minutes ahead, so the queue rows are not yet old enough;
    // later runs move it past the queue retention.
    let now = Utc::now() + Duration::minutes(5);
    let opts = |dry_run| PurgeOptions {
        batch: 2,
        dry_run,
        pause: std::time::Duration::ZERO,
        ..Default::default()
    };

    let dry = purge::purge(db, now, &opts(true), "cli:test")
        .await
        .unwrap();
    assert!(dry.dry_run);
    assert_eq!(dry.counts.messages, 5);
    assert_eq!(dry.counts.tasks, 1);
    assert_eq!((dry.counts.inbox, dry.counts.outbox), (0, 0));
    assert_eq!(
        messages::count(db, None).await.unwrap(),
        9,
        "a dry run deletes nothing"
    );

    // A writer keeps capturing fresh messages during the real purge.
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (db, stop) = (db.clone(), stop.clone());
        let person = p.id;
        tokio::spawn(async move {
            let mut n = 0;
            while n < 10 || (!stop.load(Ordering::Relaxed) && n < 200) {
                put(&db, person, -1, 1000 + n, 0).await;
                n += 1;
            }
            n
        })
    };
    let wet = purge::purge(db, now, &opts(false), "cli:test")
        .await
        .unwrap();
    stop.store(true, Ordering::Relaxed);
    let fresh = writer.await.unwrap();
    assert_eq!(wet.counts, dry.counts, "dry and wet runs agree");
    for (chat, id, _, expired) in plan {
        assert_eq!(
            messages::get(db, chat, id).await.unwrap().is_none(),
            expired,
            "chat {chat} message {id}"
        );
    }
    assert_eq!(messages::count(db, None).await.unwrap(), 4 + fresh as u64);
    assert_eq!(tasks::get(db, expired_task).await.unwrap(), None);
    assert_eq!(tasks::count_open(db, None).await.unwrap(), 1);

    // Four days on, the applied inbox rows and the sent item go; the pending row stays.
    let later = Utc::now() + Duration::days(4);
    let run = purge::purge(db, later, &opts(false), "schedule")
        .await
        .unwrap();
    assert_eq!((run.counts.inbox, run.counts.outbox), (2, 1));
    assert_eq!(inbox::head(db).await.unwrap().unwrap().update_id, 3);

    let runs = retention::recent_runs(db, 10).await.unwrap();
    assert_eq!(runs.len(), 3);
    assert!(
        runs.iter()
            .all(|r| r.finished_at.is_some() && r.error.is_none())
    );
    let entries = audit::list(
        db,
        &audit::AuditFilter {
            action_prefix: Some("retention.".into()),
            ..Default::default()
        },
        10,
    )
    .await
    .unwrap();
    assert_eq!(entries.len(), 3);
    assert!(
        entries[2].details.contains("\"messages\":5"),
        "{}",
        entries[2].details
    );
}

/// The purge pages by (sent at, row id): messages sent in the same
/// microsecond are each returned once, and unexpired ones never.
async fn expired_pages_walk_equal_times_once_each(t: &TestDb) {
    let db = &t.db;
    let tx = db.begin_write().await.unwrap();
    chats::record_seen(&tx, -1, ChatKind::Group, None)
        .await
        .unwrap();
    let p = people::upsert(
        &tx,
        PersonUpsert {
            user_index: vec![2; 32],
            key_id: None,
            name_ct: None,
            username_ct: None,
            username_index: None,
            language_code: None,
        },
    )
    .await
    .unwrap();
    let same = domain::store::now() - Duration::days(40);
    let rows: Vec<NewMessage> = (0..10)
        .map(|i| NewMessage {
            chat_id: -1,
            message_id: i,
            person_id: p.id,
            // Seven at one instant, then three older, then two fresh.
            sent_at: match i {
                0..7 => same,
                7..10 => same - Duration::days(i),
                _ => unreachable!(),
            },
            text_ct: vec![0],
            reply_to_message_id: None,
            is_forwarded: false,
        })
        .chain((10..12).map(|i| NewMessage {
            chat_id: -1,
            message_id: i,
            person_id: p.id,
            sent_at: domain::store::now(),
            text_ct: vec![0],
            reply_to_message_id: None,
            is_forwarded: false,
        }))
        .collect();
    assert_eq!(messages::insert_many(&tx, rows).await.unwrap(), 12);
    tx.commit().await.unwrap();

    let cutoff = Utc::now() - Duration::days(30);
    let mut after = None;
    let mut seen = Vec::new();
    loop {
        let page = messages::expired_page(db, -1, cutoff, after, 2)
            .await
            .unwrap();
        let Some(&(id, at)) = page.last() else { break };
        after = Some((at, id));
        seen.extend(page);
    }
    assert_eq!(seen.len(), 10, "{seen:?}");
    let mut sorted = seen.clone();
    sorted.sort_by_key(|(id, at)| (*at, *id));
    assert_eq!(seen, sorted, "oldest first, row id within a time");
    let mut ids: Vec<i64> = seen.iter().map(|(id, _)| *id).collect();
    ids.dedup();
    assert_eq!(ids.len(), 10);
}
