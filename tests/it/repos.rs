//! Every repository function, on SQLite and PostgreSQL.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use domain::classify::{Kind, Priority};
use domain::store::audit::{self, AuditFilter, NewAuditEntry, Verification};
use domain::store::chats::{self, ChatKind, ChatStatus, ReplyMode};
use domain::store::inbox::{self, InboxStatus, RawUpdate};
use domain::store::keys::{self, KeyPurpose};
use domain::store::messages::{self, Captured, NewMessage};
use domain::store::outbox::{self, NewOutbox, OutboxStatus};
use domain::store::people::{self, PersonUpsert};
use domain::store::privacy::{self, ConsentAction};
use domain::store::providers::{self, ProviderSpec};
use domain::store::retention::{self, PurgeCounts, RetentionPolicy};
use domain::store::tasks::{self, Assignee, NewTask, TaskStatus};
use domain::store::{Db, StoreError, settings};
use tests::db::TestDb;

on_both_backends!(
    settings_roundtrip,
    chats_lifecycle,
    people_and_messages,
    tasks_lifecycle,
    inbox_queue,
    outbox_queue,
    outbox_deferred_rows,
    providers_crud,
    retention_policy_and_runs,
    consents_and_opt_outs,
    audit_chain,
    key_storage,
    erasing_a_person_cascades,
);

async fn settings_roundtrip(t: &TestDb) {
    let db = &t.db;
    assert_eq!(settings::get(db, "a").await.unwrap(), None);
    let tx = db.begin_write().await.unwrap();
    settings::set(&tx, "a", "1").await.unwrap();
    settings::set(&tx, "b", "2").await.unwrap();
    settings::set(&tx, "a", "3").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(settings::get(db, "a").await.unwrap().as_deref(), Some("3"));
    let all = settings::list(db).await.unwrap();
    assert_eq!(
        all.iter()
            .map(|s| (s.key.as_str(), s.value.as_str()))
            .collect::<Vec<_>>(),
        [("a", "3"), ("b", "2")]
    );
    // A transaction dropped without commit changes nothing.
    let tx = db.begin_write().await.unwrap();
    assert!(settings::delete(&tx, "a").await.unwrap());
    drop(tx);
    assert!(settings::get(db, "a").await.unwrap().is_some());
    let tx = db.begin_write().await.unwrap();
    assert!(settings::delete(&tx, "a").await.unwrap());
    assert!(!settings::delete(&tx, "a").await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(settings::get(db, "a").await.unwrap(), None);
}

async fn chats_lifecycle(t: &TestDb) {
    let db = &t.db;
    let tx = db.begin_write().await.unwrap();
    let c = chats::record_seen(&tx, -100_123, ChatKind::Supergroup, Some(vec![1, 2, 3]))
        .await
        .unwrap();
    assert_eq!(c.status, ChatStatus::Pending);
    assert_eq!(c.reply_mode, ReplyMode::Reply);
    assert_eq!(c.time_zone, "UTC");
    // Approval before the bot has seen a chat creates it.
    let early = chats::set_status(&tx, -200, ChatStatus::Approved, "cli:root")
        .await
        .unwrap();
    assert_eq!(early.kind, ChatKind::Unknown);
    assert_eq!(early.decided_by.as_deref(), Some("cli:root"));
    tx.commit().await.unwrap();

    let tx = db.begin_write().await.unwrap();
    let c = chats::set_status(&tx, -100_123, ChatStatus::Approved, "console:ops")
        .await
        .unwrap();
    assert_eq!(c.status, ChatStatus::Approved);
    assert!(c.decided_at.is_some());
    // Seeing it again updates the title but never the approval.
    let c = chats::record_seen(&tx, -100_123, ChatKind::Supergroup, Some(vec![9]))
        .await
        .unwrap();
    assert_eq!(c.status, ChatStatus::Approved);
    assert_eq!(c.title_ct, Some(vec![9]));
    let c = chats::set_reply_mode(&tx, -100_123, ReplyMode::React)
        .await
        .unwrap();
    assert_eq!(c.reply_mode, ReplyMode::React);
    let c = chats::set_confidence_threshold(&tx, -100_123, 0.8)
        .await
        .unwrap();
    assert_eq!(c.confidence_threshold, 0.8);
    assert!(matches!(
        chats::set_confidence_threshold(&tx, -100_123, 1.5).await,
        Err(StoreError::Invalid(_))
    ));
    let c = chats::set_retention_days(&tx, -100_123, Some(30))
        .await
        .unwrap();
    assert_eq!(c.retention_days, Some(30));
    assert!(matches!(
        chats::set_retention_days(&tx, -100_123, Some(0)).await,
        Err(StoreError::Invalid(_))
    ));
    let c = chats::set_time_zone(&tx, -100_123, "Europe/Kyiv")
        .await
        .unwrap();
    assert_eq!(c.time_zone, "Europe/Kyiv");
    let c = chats::set_language(&tx, -100_123, Some("uk"))
        .await
        .unwrap();
    assert_eq!(c.language.as_deref(), Some("uk"));
    let at = Utc.with_ymd_and_hms(2026, 12, 4, 10, 0, 0).unwrap();
    let c = chats::mark_notice_sent(&tx, -100_123, at).await.unwrap();
    assert_eq!(c.notice_sent_at, Some(at));
    assert!(matches!(
        chats::set_reply_mode(&tx, 42, ReplyMode::Silent).await,
        Err(StoreError::NotFound(_))
    ));
    tx.commit().await.unwrap();

    let fetched = chats::get(db, -100_123).await.unwrap().unwrap();
    assert_eq!(fetched, c);
    assert_eq!(chats::get(db, 1).await.unwrap(), None);
    assert_eq!(chats::list(db, None).await.unwrap().len(), 2);
    let approved = chats::list(db, Some(ChatStatus::Approved)).await.unwrap();
    assert_eq!(
        approved.iter().map(|c| c.id).collect::<Vec<_>>(),
        [-100_123, -200]
    );
    assert!(
        chats::list(db, Some(ChatStatus::Blocked))
            .await
            .unwrap()
            .is_empty()
    );
}

fn person(index: u8) -> PersonUpsert {
    PersonUpsert {
        user_index: vec![index; 32],
        key_id: None,
        name_ct: Some(vec![index, 1]),
        username_ct: Some(vec![index, 2]),
        username_index: Some(vec![index, 3]),
        language_code: Some("uk".into()),
    }
}

async fn seed_chat(db: &Db, id: i64) {
    let tx = db.begin_write().await.unwrap();
    chats::record_seen(&tx, id, ChatKind::Group, None)
        .await
        .unwrap();
    chats::set_status(&tx, id, ChatStatus::Approved, "test")
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn people_and_messages(t: &TestDb) {
    let db = &t.db;
    seed_chat(db, -1).await;
    let tx = db.begin_write().await.unwrap();
    let alice = people::upsert(&tx, person(1)).await.unwrap();
    let mut renamed = person(1);
    renamed.name_ct = Some(vec![7, 7]);
    let again = people::upsert(&tx, renamed).await.unwrap();
    assert_eq!(again.id, alice.id, "same blind index, same person");
    assert_eq!(again.name_ct, Some(vec![7, 7]));
    let bob = people::upsert(&tx, person(2)).await.unwrap();
    tx.commit().await.unwrap();

    assert_eq!(people::count(db).await.unwrap(), 2);
    assert_eq!(
        people::get_by_index(db, &[1; 32])
            .await
            .unwrap()
            .unwrap()
            .id,
        alice.id
    );
    assert_eq!(people::get(db, bob.id).await.unwrap().unwrap(), bob);
    assert_eq!(people::get_by_index(db, &[9; 32]).await.unwrap(), None);
    let found = people::find_by_username_index(db, &[2, 3]).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, bob.id);

    let sent = Utc.with_ymd_and_hms(2026, 12, 2, 9, 30, 0).unwrap();
    let new = |message_id: i64, person_id: i64| NewMessage {
        chat_id: -1,
        message_id,
        person_id,
        sent_at: sent,
        text_ct: vec![message_id as u8],
        reply_to_message_id: None,
        is_forwarded: false,
    };
    let tx = db.begin_write().await.unwrap();
    let first = messages::capture(&tx, new(10, alice.id)).await.unwrap();
    assert!(matches!(first, Captured::New(_)));
    assert_eq!(first.message().sent_at, sent);
    // A redelivery is recognised and changes nothing.
    let mut dup = new(10, alice.id);
    dup.text_ct = vec![99];
    let second = messages::capture(&tx, dup).await.unwrap();
    match second {
        Captured::Duplicate(m) => assert_eq!(m.text_ct, vec![10]),
        other => panic!("expected a duplicate, got {other:?}"),
    }
    let mut reply = new(11, bob.id);
    reply.reply_to_message_id = Some(10);
    reply.is_forwarded = true;
    messages::capture(&tx, reply).await.unwrap();
    for id in 12..20 {
        messages::capture(&tx, new(id, alice.id)).await.unwrap();
    }
    tx.commit().await.unwrap();

    let m = messages::get(db, -1, 11).await.unwrap().unwrap();
    assert_eq!(m.reply_to_message_id, Some(10));
    assert!(m.is_forwarded);
    assert_eq!(messages::get_by_id(db, m.id).await.unwrap().unwrap(), m);
    assert_eq!(messages::get(db, -1, 999).await.unwrap(), None);
    assert_eq!(messages::count(db, None).await.unwrap(), 10);
    assert_eq!(messages::count(db, Some(-1)).await.unwrap(), 10);
    assert_eq!(messages::count(db, Some(-2)).await.unwrap(), 0);

    // Keyset pages cover every message of one person exactly once, in order.
    let mut after = 0;
    let mut seen = Vec::new();
    loop {
        let page = messages::page_for_person(db, alice.id, after, 4)
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        assert!(page.iter().all(|m| m.person_id == alice.id));
        after = page.last().unwrap().id;
        seen.extend(page.iter().map(|m| m.message_id));
    }
    assert_eq!(seen, [10, 12, 13, 14, 15, 16, 17, 18, 19]);

    // Edits apply once, newest wins, unknown messages are reported.
    let t1 = sent + Duration::minutes(5);
    let t0 = sent + Duration::minutes(1);
    let tx = db.begin_write().await.unwrap();
    let edited = messages::apply_edit(&tx, -1, 10, vec![50], t1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(edited.text_ct, vec![50]);
    assert_eq!(edited.edited_at, Some(t1));
    assert_eq!(
        messages::apply_edit(&tx, -1, 10, vec![40], t0)
            .await
            .unwrap(),
        None,
        "an older edit redelivered late must not win"
    );
    assert_eq!(
        messages::apply_edit(&tx, -1, 404, vec![1], t1)
            .await
            .unwrap(),
        None
    );
    tx.commit().await.unwrap();
    assert_eq!(
        messages::get(db, -1, 10).await.unwrap().unwrap().text_ct,
        vec![50]
    );
}

async fn seed_message(db: &Db, chat: i64, message_id: i64, who: u8) -> (i64, i64) {
    let tx = db.begin_write().await.unwrap();
    if chats::get(&tx, chat).await.unwrap().is_none() {
        chats::record_seen(&tx, chat, ChatKind::Group, None)
            .await
            .unwrap();
    }
    let p = people::upsert(&tx, person(who)).await.unwrap();
    let m = messages::capture(
        &tx,
        NewMessage {
            chat_id: chat,
            message_id,
            person_id: p.id,
            sent_at: Utc::now(),
            text_ct: vec![1],
            reply_to_message_id: None,
            is_forwarded: false,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    (p.id, m.message().id)
}

fn new_task(chat: i64, message: Option<i64>, assignees: Vec<Assignee>) -> NewTask {
    NewTask {
        chat_id: chat,
        message_id: message,
        kind: Kind::Bug,
        title_ct: vec![5, 5],
        description_ct: None,
        priority: Priority::Urgent,
        due_date: NaiveDate::from_ymd_opt(2026, 12, 4),
        confidence: 0.9,
        classifier: "builtin".into(),
        assignees,
    }
}

async fn tasks_lifecycle(t: &TestDb) {
    let db = &t.db;
    let (bob, msg) = seed_message(db, -5, 1, 2).await;
    let assignees = vec![
        Assignee {
            handle_index: vec![1],
            handle_ct: vec![11],
            person_id: Some(bob),
        },
        Assignee {
            handle_index: vec![2],
            handle_ct: vec![22],
            person_id: None,
        },
    ];
    let tx = db.begin_write().await.unwrap();
    let task = tasks::create(&tx, new_task(-5, Some(msg), assignees.clone()))
        .await
        .unwrap();
    let other = tasks::create(&tx, new_task(-5, None, vec![]))
        .await
        .unwrap();
    let mut bad = new_task(-5, None, vec![]);
    bad.confidence = 1.2;
    assert!(matches!(
        tasks::create(&tx, bad).await,
        Err(StoreError::Invalid(_))
    ));
    tx.commit().await.unwrap();

    assert_eq!(task.status, TaskStatus::Open);
    assert_eq!(task.kind, Kind::Bug);
    assert_eq!(task.priority, Priority::Urgent);
    assert_eq!(task.due_date, NaiveDate::from_ymd_opt(2026, 12, 4));
    assert_eq!(tasks::get(db, task.id).await.unwrap().unwrap(), task);
    assert_eq!(
        tasks::get_for_message(db, msg).await.unwrap().unwrap().id,
        task.id
    );
    assert_eq!(tasks::assignees(db, task.id).await.unwrap(), assignees);
    assert!(tasks::assignees(db, other.id).await.unwrap().is_empty());
    assert_eq!(tasks::count_open(db, Some(-5)).await.unwrap(), 2);
    let page = tasks::list_open(db, -5, 1, 10).await.unwrap();
    assert_eq!(page.iter().map(|t| t.id).collect::<Vec<_>>(), [other.id]);

    let tx = db.begin_write().await.unwrap();
    let done = tasks::set_status(&tx, task.id, TaskStatus::Done)
        .await
        .unwrap();
    assert!(done.closed_at.is_some());
    let carded = tasks::set_card_message(&tx, other.id, 777).await.unwrap();
    assert_eq!(carded.card_message_id, Some(777));
    let reopened = tasks::set_status(&tx, task.id, TaskStatus::Open)
        .await
        .unwrap();
    assert_eq!(reopened.closed_at, None);
    tasks::set_status(&tx, task.id, TaskStatus::Dismissed)
        .await
        .unwrap();
    assert!(matches!(
        tasks::set_status(&tx, 999_999, TaskStatus::Done).await,
        Err(StoreError::NotFound(_))
    ));
    tx.commit().await.unwrap();
    assert_eq!(tasks::count_open(db, Some(-5)).await.unwrap(), 1);
    assert_eq!(tasks::count_open(db, None).await.unwrap(), 1);
}

fn raw(update_id: i64) -> RawUpdate {
    RawUpdate {
        update_id,
        kind: "message".into(),
        payload: format!("{{\"update_id\":{update_id}}}").into_bytes(),
    }
}

async fn inbox_queue(t: &TestDb) {
    let db = &t.db;
    assert_eq!(inbox::next_offset(db).await.unwrap(), None);
    assert_eq!(inbox::head(db).await.unwrap(), None);

    // A batch larger than one INSERT chunk, committed with its offset.
    let batch: Vec<RawUpdate> = (1..=1200).map(raw).collect();
    let tx = db.begin_write().await.unwrap();
    assert_eq!(inbox::store_batch(&tx, &batch, 1201).await.unwrap(), 1200);
    tx.commit().await.unwrap();
    assert_eq!(inbox::next_offset(db).await.unwrap(), Some(1201));
    // Redelivery of an overlapping batch adds only what is new.
    let tx = db.begin_write().await.unwrap();
    let overlap: Vec<RawUpdate> = (1195..=1205).map(raw).collect();
    assert_eq!(inbox::store_batch(&tx, &overlap, 1206).await.unwrap(), 5);
    tx.commit().await.unwrap();
    assert_eq!(inbox::count(db, InboxStatus::Pending).await.unwrap(), 1205);

    let head = inbox::head(db).await.unwrap().unwrap();
    assert_eq!(head.update_id, 1);
    assert_eq!(head.payload, raw(1).payload);

    let tx = db.begin_write().await.unwrap();
    inbox::mark_done(&tx, 1).await.unwrap();
    let retry_at = Utc::now() + Duration::seconds(30);
    assert_eq!(
        inbox::record_failure(&tx, 2, "boom", Some(retry_at))
            .await
            .unwrap(),
        InboxStatus::Pending
    );
    tx.commit().await.unwrap();
    let head = inbox::head(db).await.unwrap().unwrap();
    assert_eq!(head.update_id, 2, "a row waiting to retry holds its place");
    assert_eq!(head.attempts, 1);
    assert_eq!(head.last_error.as_deref(), Some("boom"));
    assert!(head.next_attempt_at.is_some());

    let tx = db.begin_write().await.unwrap();
    assert_eq!(
        inbox::record_failure(&tx, 2, "boom again", None)
            .await
            .unwrap(),
        InboxStatus::Dead
    );
    tx.commit().await.unwrap();
    assert_eq!(inbox::head(db).await.unwrap().unwrap().update_id, 3);
    let dead = inbox::list_dead(db, 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].attempts, 2);
    assert_eq!(inbox::count(db, InboxStatus::Done).await.unwrap(), 1);
    assert_eq!(inbox::count(db, InboxStatus::Dead).await.unwrap(), 1);
    assert_eq!(
        inbox::get(db, 1).await.unwrap().unwrap().status,
        InboxStatus::Done
    );

    let tx = db.begin_write().await.unwrap();
    inbox::requeue(&tx, 2).await.unwrap();
    assert!(matches!(
        inbox::mark_done(&tx, 99_999).await,
        Err(StoreError::NotFound(_))
    ));
    tx.commit().await.unwrap();
    assert_eq!(inbox::head(db).await.unwrap().unwrap().update_id, 2);
}

/// Deferred rows: nothing is written until the transaction's next outbox
/// statement or its commit; ids follow the order of queueing; a rollback
/// drops them; erasing the person they quote, in the same transaction,
/// deletes them too.
async fn outbox_deferred_rows(t: &TestDb) {
    let db = &t.db;
    let (alice, _) = seed_message(db, -7, 1, 1).await;
    let item = |text: &str, person: Option<i64>| NewOutbox {
        chat_id: -7,
        method: text.into(),
        payload: vec![1],
        person_id: person,
        task_id: None,
        payload_nonce: Some(vec![9; 16]),
    };
    let methods = |items: Vec<outbox::OutboxItem>| -> Vec<String> {
        items.into_iter().map(|i| i.method).collect()
    };
    let later = Utc::now() + Duration::seconds(5);

    let tx = db.begin_write().await.unwrap();
    outbox::defer(&tx, item("first", None));
    outbox::defer(&tx, item("second", Some(alice)));
    assert!(
        outbox::due(&tx, later, 10).await.unwrap().is_empty(),
        "not written yet"
    );
    let third = outbox::enqueue(&tx, item("third", None)).await.unwrap();
    outbox::defer(&tx, item("fourth", None));
    tx.commit().await.unwrap();
    let due = outbox::due(db, later, 10).await.unwrap();
    assert_eq!(methods(due.clone()), ["first", "second", "third", "fourth"]);
    assert!(due.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(due[2].id, third);
    assert_eq!(due[0].payload_nonce.as_deref(), Some(&[9u8; 16][..]));

    let tx = db.begin_write().await.unwrap();
    outbox::defer(&tx, item("rolled back", None));
    tx.rollback().await.unwrap();
    let tx = db.begin_write().await.unwrap();
    outbox::defer(&tx, item("flushed", Some(alice)));
    assert_eq!(outbox::flush(&tx).await.unwrap(), 1);
    assert_eq!(outbox::flush(&tx).await.unwrap(), 0);
    outbox::defer(&tx, item("erased", Some(alice)));
    assert_eq!(
        outbox::delete_pending_for_person(&tx, alice).await.unwrap(),
        3,
        "the second, the flushed one and the deferred one"
    );
    tx.commit().await.unwrap();
    assert_eq!(
        methods(outbox::due(db, later, 10).await.unwrap()),
        ["first", "third", "fourth"]
    );
}

async fn outbox_queue(t: &TestDb) {
    let db = &t.db;
    let (alice, _) = seed_message(db, -7, 1, 1).await;
    let item = |chat: i64, person: Option<i64>| NewOutbox {
        chat_id: chat,
        method: "sendMessage".into(),
        payload: vec![1, 2, 3],
        person_id: person,
        task_id: None,
        payload_nonce: None,
    };
    let tx = db.begin_write().await.unwrap();
    let a = outbox::enqueue(&tx, item(-7, Some(alice))).await.unwrap();
    let b = outbox::enqueue(&tx, item(-7, None)).await.unwrap();
    let c = outbox::enqueue(&tx, item(-8, Some(alice))).await.unwrap();
    tx.commit().await.unwrap();

    let now = Utc::now() + Duration::seconds(1);
    let due = outbox::due(db, now, 10).await.unwrap();
    assert_eq!(due.iter().map(|i| i.id).collect::<Vec<_>>(), [a, b, c]);
    assert_eq!(outbox::due(db, now, 2).await.unwrap().len(), 2);

    let tx = db.begin_write().await.unwrap();
    outbox::mark_sent(&tx, a, Some(555)).await.unwrap();
    let later = now + Duration::seconds(60);
    assert_eq!(
        outbox::record_failure(&tx, b, "429: retry after 60", Some(later))
            .await
            .unwrap(),
        OutboxStatus::Pending
    );
    tx.commit().await.unwrap();
    let sent = outbox::get(db, a).await.unwrap().unwrap();
    assert_eq!(sent.status, OutboxStatus::Sent);
    assert_eq!(sent.sent_message_id, Some(555));
    let due = outbox::due(db, now, 10).await.unwrap();
    assert_eq!(
        due.iter().map(|i| i.id).collect::<Vec<_>>(),
        [c],
        "b waits for its retry time"
    );
    assert_eq!(
        outbox::due(db, later, 10)
            .await
            .unwrap()
            .iter()
            .map(|i| i.id)
            .collect::<Vec<_>>(),
        [b, c]
    );

    // Inside a write transaction too (FOR UPDATE SKIP LOCKED on PostgreSQL).
    let tx = db.begin_write().await.unwrap();
    assert_eq!(outbox::due(&tx, later, 10).await.unwrap().len(), 2);
    assert_eq!(
        outbox::record_failure(&tx, b, "400: chat not found", None)
            .await
            .unwrap(),
        OutboxStatus::Dead
    );
    assert_eq!(
        outbox::delete_pending_for_person(&tx, alice).await.unwrap(),
        1,
        "only the pending item quoting alice goes; the sent one stays"
    );
    tx.commit().await.unwrap();
    assert_eq!(outbox::count(db, OutboxStatus::Pending).await.unwrap(), 0);
    assert_eq!(outbox::count(db, OutboxStatus::Sent).await.unwrap(), 1);
    assert_eq!(outbox::count(db, OutboxStatus::Dead).await.unwrap(), 1);
    assert_eq!(outbox::get(db, c).await.unwrap(), None);
}

fn spec(name: &str) -> ProviderSpec {
    ProviderSpec {
        name: name.into(),
        kind: "openai".into(),
        base_url: "http://127.0.0.1:11434/v1".into(),
        model: "llama3.1".into(),
        api_key_ct: Some(vec![4, 2]),
        timeout_ms: 20_000,
        requests_per_minute: 60,
        redact_pii: true,
        is_default: false,
        enabled: true,
    }
}

async fn providers_crud(t: &TestDb) {
    let db = &t.db;
    let tx = db.begin_write().await.unwrap();
    let mut s = spec("local");
    s.is_default = true;
    let local = providers::create(&tx, s).await.unwrap();
    let mut s = spec("openai");
    s.base_url = "https://api.openai.com/v1".into();
    let remote = providers::create(&tx, s).await.unwrap();
    tx.commit().await.unwrap();

    // Refused: duplicate name, bad URL, reserved name, bad ranges.
    for (bad, what) in [
        (spec("local"), "already exists"),
        (
            ProviderSpec {
                base_url: "ftp://x".into(),
                ..spec("x")
            },
            "not an http(s) URL",
        ),
        (spec("builtin"), "offline classifier"),
        (
            ProviderSpec {
                timeout_ms: 5,
                ..spec("y")
            },
            "out of range",
        ),
        (spec("bad name!"), "invalid"),
    ] {
        let tx = db.begin_write().await.unwrap();
        match providers::create(&tx, bad).await {
            Err(StoreError::Invalid(m)) => assert!(m.contains(what), "{m}"),
            other => panic!("expected Invalid({what}), got {other:?}"),
        }
    }

    assert_eq!(
        providers::get_by_name(db, "local").await.unwrap().unwrap(),
        local
    );
    assert_eq!(
        providers::default_provider(db).await.unwrap().unwrap().id,
        local.id
    );
    // Making another the default clears the first.
    let tx = db.begin_write().await.unwrap();
    let mut s = spec("openai");
    s.is_default = true;
    s.model = "gpt-4o-mini".into();
    let updated = providers::update(&tx, remote.id, s).await.unwrap();
    assert_eq!(updated.model, "gpt-4o-mini");
    assert!(matches!(
        providers::update(&tx, local.id, spec("openai")).await,
        Err(StoreError::Invalid(_))
    ));
    tx.commit().await.unwrap();
    assert_eq!(
        providers::default_provider(db).await.unwrap().unwrap().id,
        remote.id
    );
    assert!(
        !providers::get(db, local.id)
            .await
            .unwrap()
            .unwrap()
            .is_default
    );

    let tx = db.begin_write().await.unwrap();
    providers::record_health(&tx, remote.id, Err("HTTP 500"), None)
        .await
        .unwrap();
    providers::record_health(&tx, remote.id, Ok(()), None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let p = providers::get(db, remote.id).await.unwrap().unwrap();
    assert_eq!(p.last_error.as_deref(), Some("HTTP 500"));
    assert!(p.last_ok_at.is_some() && p.last_error_at.is_some());

    assert_eq!(
        providers::list(db)
            .await
            .unwrap()
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        ["local", "openai"]
    );
    let tx = db.begin_write().await.unwrap();
    assert!(providers::delete(&tx, local.id).await.unwrap());
    assert!(!providers::delete(&tx, local.id).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(providers::list(db).await.unwrap().len(), 1);
}

async fn retention_policy_and_runs(t: &TestDb) {
    let db = &t.db;
    let p = retention::policy(db).await.unwrap();
    assert_eq!(
        p,
        RetentionPolicy {
            default_days: 90,
            min_days: 1,
            max_days: 3650
        }
    );
    let tight = RetentionPolicy {
        default_days: 30,
        min_days: 7,
        max_days: 60,
    };
    let tx = db.begin_write().await.unwrap();
    retention::set_policy(&tx, tight).await.unwrap();
    assert!(matches!(
        retention::set_policy(
            &tx,
            RetentionPolicy {
                default_days: 5,
                min_days: 7,
                max_days: 60
            }
        )
        .await,
        Err(StoreError::Invalid(_))
    ));
    tx.commit().await.unwrap();
    let p = retention::policy(db).await.unwrap();
    assert_eq!(p, tight);
    assert_eq!(p.effective_days(None), 30);
    assert_eq!(p.effective_days(Some(1)), 7);
    assert_eq!(p.effective_days(Some(365)), 60);
    assert_eq!(p.effective_days(Some(45)), 45);

    let tx = db.begin_write().await.unwrap();
    let first = retention::start_run(&tx, "manual", true).await.unwrap();
    let second = retention::start_run(&tx, "schedule", false).await.unwrap();
    let counts = PurgeCounts {
        messages: 10,
        tasks: 2,
        inbox: 100,
        outbox: 5,
    };
    let done = retention::finish_run(&tx, second, counts, None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(done.counts, counts);
    assert!(done.finished_at.is_some());
    let runs = retention::recent_runs(db, 10).await.unwrap();
    assert_eq!(
        runs.iter().map(|r| r.id).collect::<Vec<_>>(),
        [second, first]
    );
    assert!(runs[1].dry_run && runs[1].finished_at.is_none());
}

async fn consents_and_opt_outs(t: &TestDb) {
    let db = &t.db;
    let who = [7u8; 32];
    assert!(!privacy::is_opted_out(db, &who).await.unwrap());
    let tx = db.begin_write().await.unwrap();
    privacy::record(&tx, &who, Some(-1), ConsentAction::OptOut, "2026-12")
        .await
        .unwrap();
    // Opting out twice is harmless.
    privacy::record(&tx, &who, None, ConsentAction::OptOut, "2026-12")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(privacy::is_opted_out(db, &who).await.unwrap());

    let tx = db.begin_write().await.unwrap();
    let r = privacy::record(&tx, &who, None, ConsentAction::OptIn, "2026-12")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(r.action, ConsentAction::OptIn);
    assert!(!privacy::is_opted_out(db, &who).await.unwrap());
    let history = privacy::history(db, &who).await.unwrap();
    assert_eq!(
        history.iter().map(|h| h.action).collect::<Vec<_>>(),
        [
            ConsentAction::OptOut,
            ConsentAction::OptOut,
            ConsentAction::OptIn
        ]
    );
    assert_eq!(history[0].chat_id, Some(-1));

    // Erasure keeps only an opt-out marker, when asked to.
    let tx = db.begin_write().await.unwrap();
    privacy::record(&tx, &who, None, ConsentAction::OptOut, "2026-12")
        .await
        .unwrap();
    assert_eq!(privacy::erase(&tx, &who, true).await.unwrap(), 4);
    tx.commit().await.unwrap();
    assert!(privacy::history(db, &who).await.unwrap().is_empty());
    assert!(privacy::is_opted_out(db, &who).await.unwrap());
    let tx = db.begin_write().await.unwrap();
    privacy::erase(&tx, &who, false).await.unwrap();
    tx.commit().await.unwrap();
    assert!(!privacy::is_opted_out(db, &who).await.unwrap());
}

async fn audit_chain(t: &TestDb) {
    let db = &t.db;
    assert_eq!(
        audit::verify(db).await.unwrap(),
        Verification::Intact { entries: 0 }
    );
    for i in 0..25 {
        let tx = db.begin_write().await.unwrap();
        audit::append(
            &tx,
            NewAuditEntry {
                actor: "cli:root".into(),
                action: if i % 2 == 0 {
                    "chat.approve".into()
                } else {
                    "purge.run".into()
                },
                subject: Some(format!("chat:-{i}")),
                details: serde_json::json!({ "n": i }),
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    assert_eq!(audit::count(db).await.unwrap(), 25);
    assert_eq!(
        audit::verify(db).await.unwrap(),
        Verification::Intact { entries: 25 }
    );
    let newest = audit::list(db, &AuditFilter::default(), 3).await.unwrap();
    assert_eq!(
        newest.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [25, 24, 23]
    );
    assert_eq!(
        newest[1].prev_hash,
        audit::list(
            db,
            &AuditFilter {
                before_seq: Some(24),
                ..Default::default()
            },
            1
        )
        .await
        .unwrap()[0]
            .hash
    );
    let approvals = audit::list(
        db,
        &AuditFilter {
            action_prefix: Some("chat.".into()),
            before_seq: Some(10),
        },
        100,
    )
    .await
    .unwrap();
    assert_eq!(
        approvals.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [9, 7, 5, 3, 1]
    );

    // Altering one row is detected, and named.
    assert_eq!(
        domain::testing::tamper_audit_details(db, 12, "{\"n\":999}")
            .await
            .unwrap(),
        1
    );
    match audit::verify(db).await.unwrap() {
        Verification::Broken { seq, reason } => {
            assert_eq!(seq, 12);
            assert!(reason.contains("altered"), "{reason}");
        }
        other => panic!("tampering went unnoticed: {other:?}"),
    }
    // So is a deleted row, at the gap.
    domain::testing::delete_audit_entry(db, 5).await.unwrap();
    match audit::verify(db).await.unwrap() {
        Verification::Broken { seq, reason } => {
            assert_eq!(seq, 5);
            assert!(reason.contains("missing"), "{reason}");
        }
        other => panic!("deletion went unnoticed: {other:?}"),
    }
}

async fn key_storage(t: &TestDb) {
    let db = &t.db;
    let tx = db.begin_write().await.unwrap();
    keys::add_kek_version(&tx, 1, &[1; 16]).await.unwrap();
    assert!(matches!(
        keys::add_kek_version(&tx, 1, &[2; 16]).await,
        Err(StoreError::Invalid(_))
    ));
    tx.commit().await.unwrap();
    let tx = db.begin_write().await.unwrap();
    keys::add_kek_version(&tx, 2, &[2; 16]).await.unwrap();
    let key = keys::create_data_key_row(&tx, KeyPurpose::Person)
        .await
        .unwrap();
    assert_eq!(key.current_version, 0);
    let key = keys::add_version(&tx, key.id, 1, 1, vec![10; 65])
        .await
        .unwrap();
    assert_eq!(key.current_version, 1);
    assert!(matches!(
        keys::add_version(&tx, key.id, 3, 1, vec![0; 65]).await,
        Err(StoreError::Invalid(_))
    ));
    let key = keys::add_version(&tx, key.id, 2, 2, vec![20; 65])
        .await
        .unwrap();
    assert_eq!(key.current_version, 2);
    tx.commit().await.unwrap();

    assert_eq!(keys::count_wrapped_by(db, 1).await.unwrap(), 1);
    let old = keys::versions_wrapped_by(db, 1).await.unwrap();
    assert_eq!(old.len(), 1);
    assert_eq!((old[0].key_id, old[0].version), (key.id, 1));

    // KEK rotation rewraps; retiring versions removes them.
    let tx = db.begin_write().await.unwrap();
    keys::rewrap_version(&tx, key.id, 1, 2, vec![30; 65])
        .await
        .unwrap();
    keys::retire_kek_version(&tx, 1).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(keys::count_wrapped_by(db, 1).await.unwrap(), 0);
    let v1 = keys::get_version(db, key.id, 1).await.unwrap().unwrap();
    assert_eq!((v1.kek_version, v1.wrapped.clone()), (2, vec![30; 65]));
    let keks = keys::kek_versions(db).await.unwrap();
    assert_eq!(keks.len(), 2);
    assert!(keks[0].retired_at.is_some() && keks[1].retired_at.is_none());

    let tx = db.begin_write().await.unwrap();
    assert!(matches!(
        keys::set_min_decrypt_version(&tx, key.id, 3).await,
        Err(StoreError::Invalid(_))
    ));
    let key = keys::set_min_decrypt_version(&tx, key.id, 2).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(key.min_decrypt_version, 2);
    assert_eq!(keys::get_version(db, key.id, 1).await.unwrap(), None);
    assert_eq!(keys::get_data_key(db, key.id).await.unwrap().unwrap(), key);
    assert_eq!(
        keys::list_data_keys(db, KeyPurpose::Person)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(
        keys::list_data_keys(db, KeyPurpose::System)
            .await
            .unwrap()
            .is_empty()
    );

    let tx = db.begin_write().await.unwrap();
    assert!(keys::delete_data_key(&tx, key.id).await.unwrap());
    tx.commit().await.unwrap();
    assert_eq!(keys::get_data_key(db, key.id).await.unwrap(), None);
    assert_eq!(keys::get_version(db, key.id, 2).await.unwrap(), None);
}

/// Deleting a person removes their messages, the tasks made from them, and
/// pending outbox items quoting them; their key row goes on its own.
async fn erasing_a_person_cascades(t: &TestDb) {
    let db = &t.db;
    let (alice, msg) = seed_message(db, -9, 1, 1).await;
    let (bob, bob_msg) = seed_message(db, -9, 2, 2).await;
    let tx = db.begin_write().await.unwrap();
    let key = keys::create_data_key_row(&tx, KeyPurpose::Person)
        .await
        .unwrap();
    people::set_key(&tx, alice, Some(key.id)).await.unwrap();
    let alice_task = tasks::create(&tx, new_task(-9, Some(msg), vec![]))
        .await
        .unwrap();
    let assigned = tasks::create(
        &tx,
        new_task(
            -9,
            Some(bob_msg),
            vec![Assignee {
                handle_index: vec![1],
                handle_ct: vec![1],
                person_id: Some(alice),
            }],
        ),
    )
    .await
    .unwrap();
    outbox::enqueue(
        &tx,
        NewOutbox {
            chat_id: -9,
            method: "sendMessage".into(),
            payload: vec![],
            person_id: Some(alice),
            task_id: Some(alice_task.id),
            payload_nonce: None,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        people::get(db, alice).await.unwrap().unwrap().key_id,
        Some(key.id)
    );

    let tx = db.begin_write().await.unwrap();
    assert!(people::delete(&tx, alice).await.unwrap());
    assert!(keys::delete_data_key(&tx, key.id).await.unwrap());
    tx.commit().await.unwrap();

    assert_eq!(messages::count(db, Some(-9)).await.unwrap(), 1);
    assert_eq!(tasks::get(db, alice_task.id).await.unwrap(), None);
    assert_eq!(outbox::count(db, OutboxStatus::Pending).await.unwrap(), 0);
    let still = tasks::get(db, assigned.id).await.unwrap().unwrap();
    assert_eq!(still.message_id, Some(bob_msg));
    assert_eq!(
        tasks::assignees(db, assigned.id).await.unwrap()[0].person_id,
        None,
        "a task assigned to the erased person loses the link"
    );
    assert!(people::get(db, bob).await.unwrap().is_some());
}
