//! Dead letters through `domain::operator`, on SQLite and PostgreSQL: they
//! are listed without their payloads, requeued where the bot's processor
//! and sender look for work (pending, attempts reset, due now), or
//! discarded, each change audited under the operator; a letter that is not
//! dead any more is left alone and nothing is audited.

use chrono::{Duration, Utc};
use domain::operator::{self, DeadLetter, Queue};
use domain::store::Db;
use domain::store::audit::{self, AuditFilter};
use domain::store::inbox::{self, InboxStatus, RawUpdate};
use domain::store::outbox::{self, NewOutbox, OutboxStatus};
use tests::db::TestDb;

on_both_backends!(
    dead_letters_are_listed_without_payloads,
    requeued_dead_letters_are_due_for_the_bot,
    discarding_deletes_only_dead_letters,
    requeueing_all_takes_both_queues_in_one_entry,
);

const OPERATOR: &str = "console:olena@203.0.113.7";

/// Sealed payloads as far as these tests care: bytes never shown.
const PAYLOAD: &[u8] = b"sealed-bytes-never-shown";

/// Inbox updates 10, 11, 12 (11 dead after 5 attempts, 12 pending) and
/// outbox items (the first dead, the second pending); returns the outbox ids.
async fn seed(db: &Db) -> (i64, i64) {
    let tx = db.begin_write().await.unwrap();
    let updates: Vec<RawUpdate> = (10..=12)
        .map(|id| RawUpdate {
            update_id: id,
            kind: "message".into(),
            payload: PAYLOAD.to_vec(),
        })
        .collect();
    inbox::store_batch(&tx, &updates, 13).await.unwrap();
    inbox::mark_done(&tx, 10).await.unwrap();
    for _ in 0..4 {
        inbox::record_failure(&tx, 11, "boom", Some(Utc::now() - Duration::seconds(1)))
            .await
            .unwrap();
    }
    inbox::record_failure(&tx, 11, "applying the update: boom", None)
        .await
        .unwrap();
    let item = |method: &str| NewOutbox {
        chat_id: -1001234567890,
        method: method.into(),
        payload: PAYLOAD.to_vec(),
        person_id: None,
        task_id: None,
        payload_nonce: None,
    };
    let dead = outbox::enqueue(&tx, item("sendMessage")).await.unwrap();
    let pending = outbox::enqueue(&tx, item("setMessageReaction"))
        .await
        .unwrap();
    outbox::record_failure(&tx, dead, "Telegram: Bad Request: chat not found", None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    (dead, pending)
}

async fn entries(db: &Db) -> Vec<audit::AuditEntry> {
    audit::list(db, &AuditFilter::default(), 100).await.unwrap()
}

async fn dead_letters_are_listed_without_payloads(t: &TestDb) {
    let db = &t.db;
    let (dead, _) = seed(db).await;
    let letters = operator::dead_letters(db, 100).await.unwrap();
    assert_eq!(letters.len(), 2, "{letters:?}");
    let inbox_letter = &letters[0];
    assert_eq!(
        (
            inbox_letter.queue,
            inbox_letter.id,
            inbox_letter.kind.as_str()
        ),
        (Queue::Inbox, 11, "message")
    );
    assert_eq!(inbox_letter.attempts, 5);
    assert_eq!(inbox_letter.chat_id, None);
    assert_eq!(
        inbox_letter.last_error.as_deref(),
        Some("applying the update: boom")
    );
    let outbox_letter = &letters[1];
    assert_eq!(
        (
            outbox_letter.queue,
            outbox_letter.id,
            outbox_letter.kind.as_str(),
            outbox_letter.chat_id
        ),
        (Queue::Outbox, dead, "sendMessage", Some(-1001234567890))
    );
    assert!(
        !format!("{letters:?}").contains("sealed-bytes"),
        "no payload is read out"
    );
    assert_eq!(
        operator::dead_letters(db, 0).await.unwrap(),
        Vec::<DeadLetter>::new()
    );
}

async fn requeued_dead_letters_are_due_for_the_bot(t: &TestDb) {
    let db = &t.db;
    let (dead, pending) = seed(db).await;
    let before = audit::count(db).await.unwrap();

    assert!(
        operator::requeue_dead_letter(db, Queue::Inbox, 11, OPERATOR)
            .await
            .unwrap()
    );
    // The processor takes the oldest pending rows, in update order, and
    // applies the first at once when its next attempt is not set.
    let batch = inbox::pending(db, 200).await.unwrap();
    assert_eq!(
        batch.iter().map(|r| r.update_id).collect::<Vec<_>>(),
        [11, 12]
    );
    let row = &batch[0];
    assert_eq!(
        (
            row.status,
            row.attempts,
            row.next_attempt_at,
            row.processed_at
        ),
        (InboxStatus::Pending, 0, None, None)
    );
    assert_eq!(row.payload, PAYLOAD, "the payload is untouched");

    assert!(
        operator::requeue_dead_letter(db, Queue::Outbox, dead, OPERATOR)
            .await
            .unwrap()
    );
    // The sender takes pending items whose time has come, in id order.
    let due = outbox::due(db, Utc::now() + Duration::seconds(1), 10)
        .await
        .unwrap();
    assert_eq!(
        due.iter().map(|i| i.id).collect::<Vec<_>>(),
        [dead, pending]
    );
    assert_eq!((due[0].status, due[0].attempts), (OutboxStatus::Pending, 0));
    assert_eq!(due[0].payload, PAYLOAD);

    let e = entries(db).await;
    assert_eq!(e.len() as u64, before + 2);
    assert_eq!(
        (
            e[0].actor.as_str(),
            e[0].action.as_str(),
            e[0].subject.clone()
        ),
        (
            OPERATOR,
            "dead_letter.requeue",
            Some(format!("outbox:{dead}"))
        )
    );
    assert_eq!(
        (e[1].action.as_str(), e[1].subject.as_deref()),
        ("dead_letter.requeue", Some("inbox:11"))
    );
    assert!(
        e[1].details.contains(r#""attempts":5"#) && e[1].details.contains(r#""kind":"message""#),
        "{}",
        e[1].details
    );
    assert!(
        !e.iter()
            .any(|x| x.details.contains("boom") || x.details.contains("chat not found")),
        "error texts stay out of the audit log"
    );

    // Not dead any more: nothing happens, nothing is audited.
    assert!(
        !operator::requeue_dead_letter(db, Queue::Inbox, 11, OPERATOR)
            .await
            .unwrap()
    );
    assert!(
        !operator::requeue_dead_letter(db, Queue::Outbox, pending, OPERATOR)
            .await
            .unwrap()
    );
    assert!(
        !operator::requeue_dead_letter(db, Queue::Inbox, 999, OPERATOR)
            .await
            .unwrap(),
        "nor for a row that does not exist"
    );
    assert_eq!(audit::count(db).await.unwrap(), before + 2);
    assert!(matches!(
        audit::verify(db).await.unwrap(),
        audit::Verification::Intact { .. }
    ));
}

async fn discarding_deletes_only_dead_letters(t: &TestDb) {
    let db = &t.db;
    let (dead, pending) = seed(db).await;
    let before = audit::count(db).await.unwrap();
    assert!(
        !operator::discard_dead_letter(db, Queue::Inbox, 12, OPERATOR)
            .await
            .unwrap(),
        "a pending update is not a dead letter"
    );
    assert!(
        !operator::discard_dead_letter(db, Queue::Outbox, pending, OPERATOR)
            .await
            .unwrap()
    );
    assert!(inbox::get(db, 12).await.unwrap().is_some());
    assert!(outbox::get(db, pending).await.unwrap().is_some());
    assert_eq!(audit::count(db).await.unwrap(), before);

    assert!(
        operator::discard_dead_letter(db, Queue::Inbox, 11, OPERATOR)
            .await
            .unwrap()
    );
    assert!(
        operator::discard_dead_letter(db, Queue::Outbox, dead, OPERATOR)
            .await
            .unwrap()
    );
    assert!(inbox::get(db, 11).await.unwrap().is_none());
    assert!(outbox::get(db, dead).await.unwrap().is_none());
    assert!(operator::dead_letters(db, 100).await.unwrap().is_empty());
    let e = entries(db).await;
    assert_eq!(
        e.iter()
            .take(2)
            .map(|x| (x.action.as_str(), x.subject.clone().unwrap_or_default()))
            .collect::<Vec<_>>(),
        [
            ("dead_letter.discard", format!("outbox:{dead}")),
            ("dead_letter.discard", "inbox:11".to_owned()),
        ]
    );
    assert!(e.iter().take(2).all(|x| x.actor == OPERATOR));
    assert!(
        !operator::discard_dead_letter(db, Queue::Inbox, 11, OPERATOR)
            .await
            .unwrap(),
        "gone already"
    );
    assert_eq!(audit::count(db).await.unwrap(), before + 2);
}

async fn requeueing_all_takes_both_queues_in_one_entry(t: &TestDb) {
    let db = &t.db;
    let (dead, _) = seed(db).await;
    let tx = db.begin_write().await.unwrap();
    inbox::record_failure(&tx, 12, "also broken", None)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let before = audit::count(db).await.unwrap();

    assert_eq!(
        operator::requeue_all_dead_letters(db, OPERATOR)
            .await
            .unwrap(),
        (2, 1)
    );
    assert!(operator::dead_letters(db, 100).await.unwrap().is_empty());
    assert_eq!(inbox::count(db, InboxStatus::Pending).await.unwrap(), 2);
    let item = outbox::get(db, dead).await.unwrap().unwrap();
    assert_eq!((item.status, item.attempts), (OutboxStatus::Pending, 0));
    assert!(item.not_before <= Utc::now());
    assert!(
        inbox::pending(db, 10)
            .await
            .unwrap()
            .iter()
            .all(|r| r.attempts == 0 && r.next_attempt_at.is_none())
    );
    let e = entries(db).await;
    assert_eq!(e.len() as u64, before + 1);
    assert_eq!(
        (e[0].actor.as_str(), e[0].action.as_str()),
        (OPERATOR, "dead_letter.requeue_all")
    );
    assert_eq!(e[0].details, r#"{"inbox":2,"outbox":1}"#);

    // Nothing dead: nothing to record.
    assert_eq!(
        operator::requeue_all_dead_letters(db, OPERATOR)
            .await
            .unwrap(),
        (0, 0)
    );
    assert_eq!(audit::count(db).await.unwrap(), before + 1);
}
