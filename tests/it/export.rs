//! Data-subject requests and the data export, on SQLite and PostgreSQL:
//! an export holds exactly the person's data and nothing of anyone else,
//! validates against docs/export.schema.json, splits into parts that each
//! parse; the export limit survives a restart; erasure confirmations expire,
//! cancel and confirm once. And `tasktracker export` through the real binary.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, TimeZone, Utc};
use domain::classify::{Classification, Kind, Priority};
use domain::export::{self, ExportError, ExportOptions, MemorySink};
use domain::i18n::{Lang, Locales};
use domain::records::{self, IncomingMessage, PlainTask, Profile};
use domain::requests::{self, ExportLimit, RequestError};
use domain::store::chats::ChatKind;
use domain::store::privacy::{self, ConsentAction};
use domain::store::subject_requests::{RequestKind, RequestOrigin, RequestStatus};
use domain::store::{Db, audit, people};
use domain::vault::{KekSource, OpenOptions, Vault};
use serde_json::Value;
use tests::bin::{run, text};
use tests::db::TestDb;

on_both_backends!(
    export_holds_the_person_and_no_one_else,
    export_splits_into_parts_that_each_parse,
    export_limit_survives_a_restart,
    erasure_confirmation_expires_cancels_and_confirms,
);

/// Text of another person that must never appear in Mira's export.
pub const IVAN_CANARY: &str = "IVAN-CANARY-3b1e";
pub const MIRA: i64 = 501;
pub const IVAN: i64 = 502;
pub const CHAT: i64 = -5;

pub fn profile(id: i64, name: &str, username: &str) -> Profile {
    Profile {
        telegram_user_id: id,
        name: name.into(),
        username: Some(username.into()),
        language_code: Some("uk".into()),
    }
}

pub fn task(title: &str, assignees: &[&str]) -> PlainTask {
    PlainTask {
        classification: Classification {
            kind: Kind::Task,
            actionable: true,
            title: title.into(),
            priority: Priority::High,
            due: chrono::NaiveDate::from_ymd_opt(2026, 12, 11),
            assignees: assignees.iter().map(|s| s.to_string()).collect(),
            confidence: 0.8,
            classifier: "builtin".into(),
        },
        description: Some(format!("{title}, in detail")),
    }
}

pub fn msg(chat_id: i64, message_id: i64, text: &str) -> IncomingMessage<'_> {
    IncomingMessage {
        chat_id,
        message_id,
        sent_at: Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
            + Duration::minutes(message_id),
        text,
        reply_to_message_id: None,
        is_forwarded: false,
    }
}

pub async fn vault(db: &Db, key: &Path) -> Vault {
    Vault::unlock(
        db,
        &OpenOptions {
            source: KekSource::File(key.to_path_buf()),
            create_if_missing: true,
        },
    )
    .await
    .unwrap()
}

/// Mira and Ivan in one chat. Mira: `n` messages (the first made a task
/// assigned to her and to Ivan), two consent records. Ivan: a message full
/// of his canary replying to hers, and a task from it assigned to Mira.
pub async fn seed(db: &Db, v: &Vault, n: i64) {
    let tx = db.begin_write().await.unwrap();
    records::save_chat(&tx, v, CHAT, ChatKind::Supergroup, Some("Team room"))
        .await
        .unwrap();
    let mira = records::save_person(&tx, v, &profile(MIRA, "Mira Koval", "mira_f"))
        .await
        .unwrap();
    let ivan = records::save_person(
        &tx,
        v,
        &profile(IVAN, &format!("Ivan {IVAN_CANARY}"), "ivan_k"),
    )
    .await
    .unwrap();
    let mut first = None;
    for i in 0..n {
        let text = format!("mira message {i}: please deploy the build (Mira says so)");
        let m = records::capture_message(&tx, v, &mira, &msg(CHAT, i + 1, &text))
            .await
            .unwrap();
        first.get_or_insert(m.message().clone());
    }
    let ivans = records::capture_message(
        &tx,
        v,
        &ivan,
        &IncomingMessage {
            reply_to_message_id: Some(1),
            is_forwarded: true,
            ..msg(
                CHAT,
                100_000,
                &format!("{IVAN_CANARY} @mira_f please review {IVAN_CANARY}"),
            )
        },
    )
    .await
    .unwrap()
    .message()
    .clone();
    if let Some(first) = first {
        records::create_task(
            &tx,
            v,
            &mira,
            &first,
            &task("Deploy the build", &["mira_f", "ivan_k"]),
        )
        .await
        .unwrap();
    }
    records::create_task(
        &tx,
        v,
        &ivan,
        &ivans,
        &task(&format!("Review {IVAN_CANARY}"), &["mira_f"]),
    )
    .await
    .unwrap();
    for (id, chat, action) in [
        (MIRA, Some(CHAT), ConsentAction::OptOut),
        (MIRA, None, ConsentAction::OptIn),
        (IVAN, Some(CHAT), ConsentAction::OptOut),
    ] {
        privacy::record(&tx, &v.user_index(id), chat, action, "2026-1")
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

fn schema() -> jsonschema::Validator {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/export.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap()
}

/// Parses a part and checks it against the schema.
pub fn parse_valid(bytes: &[u8]) -> Value {
    let doc: Value = serde_json::from_slice(bytes).unwrap_or_else(|e| {
        panic!(
            "a part is not JSON: {e}\n{}",
            String::from_utf8_lossy(bytes)
        )
    });
    let validator = schema();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "schema errors: {errors:#?}");
    doc
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

async fn export_holds_the_person_and_no_one_else(t: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let v = vault(&t.db, &dir.path().join("k")).await;
    seed(&t.db, &v, 3).await;
    let locales = Locales::load().unwrap();
    let t0 = domain::store::now();
    // An old erasure she cancelled shows in the export.
    let old = requests::open_erasure(&t.db, &v, MIRA, Duration::minutes(10), t0)
        .await
        .unwrap();
    requests::cancel_erasure(&t.db, &v, MIRA, old.id, t0)
        .await
        .unwrap();
    let r = requests::reserve_export(&t.db, &v, MIRA, &ExportLimit::default(), t0)
        .await
        .unwrap();

    let mut sink = MemorySink::default();
    let w = export::write_parts(
        &t.db,
        &v,
        &locales,
        MIRA,
        r.id,
        &mut sink,
        &ExportOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(sink.parts.len(), 1);
    let bytes = &sink.parts[0];
    assert_eq!(w.bytes(), bytes.len() as u64);
    for foreign in [IVAN_CANARY, "ivan_k", "Ivan", "Review"] {
        assert!(
            !contains(bytes, foreign),
            "{foreign:?} belongs to someone else but is in the export:\n{}",
            String::from_utf8_lossy(bytes)
        );
    }
    let doc = parse_valid(bytes);
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(
        (doc["part"].as_u64(), doc["parts"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(
        doc["export_id"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{}-", r.id))
    );
    // Her stored language decides the explanation's.
    assert_eq!(doc["about"], locales.tr(Lang::Uk, "export-about", &[]));

    let person = &doc["person"];
    assert_eq!(person["name"], "Mira Koval");
    assert_eq!(person["username"], "mira_f");
    assert_eq!(person["language_code"], "uk");
    assert_eq!(person["opted_out"], false);

    let consents = doc["consents"].as_array().unwrap();
    assert_eq!(consents.len(), 2, "only hers");
    assert_eq!(consents[0]["action"], "optout");
    assert_eq!(consents[0]["chat_id"], CHAT);

    let reqs = doc["requests"].as_array().unwrap();
    assert_eq!(reqs.len(), 2);
    assert_eq!(
        (&reqs[0]["kind"], &reqs[0]["status"]),
        (&Value::from("erasure"), &Value::from("cancelled"))
    );
    assert_eq!(
        (&reqs[1]["kind"], &reqs[1]["status"], &reqs[1]["id"]),
        (
            &Value::from("export"),
            &Value::from("pending"),
            &Value::from(r.id)
        )
    );

    let msgs = doc["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 3);
    assert_eq!(
        msgs[0]["text"],
        "mira message 0: please deploy the build (Mira says so)"
    );
    assert_eq!(msgs[0]["chat_id"], CHAT);
    assert_eq!(msgs[0]["chat_title"], "Team room");
    assert_eq!(msgs[0]["message_id"], 1);
    assert_eq!(msgs[0]["sent_at"], "2026-12-01T09:01:00Z");
    assert_eq!(msgs[0]["forwarded"], false);
    let task = &msgs[0]["task"];
    assert_eq!(task["title"], "Deploy the build");
    assert_eq!(task["description"], "Deploy the build, in detail");
    assert_eq!(task["kind"], "task");
    assert_eq!(task["priority"], "high");
    assert_eq!(task["due"], "2026-12-11");
    assert_eq!(task["classifier"], "builtin");
    assert_eq!(task["status"], "open");
    assert_eq!(task["assignees"], serde_json::json!(["mira_f"]));
    assert_eq!(task["other_assignees"], 1);
    assert!(msgs[1]["task"].is_null());

    let assigned = doc["assigned_tasks"].as_array().unwrap();
    assert_eq!(assigned.len(), 1, "Ivan's task assigned to her");
    assert_eq!(assigned[0]["assigned_as"], serde_json::json!(["mira_f"]));
    assert_eq!(assigned[0]["priority"], "high");
    assert!(assigned[0].get("title").is_none());
    assert_eq!(
        w.counts,
        export::ExportCounts {
            profile: true,
            consents: 2,
            requests: 2,
            messages: 3,
            tasks: 1,
            assigned_tasks: 1,
        }
    );

    // Ivan's own export has his canary, and nothing of hers.
    let r2 = requests::reserve_export(&t.db, &v, IVAN, &ExportLimit::default(), t0)
        .await
        .unwrap();
    let mut sink = MemorySink::default();
    export::write_parts(
        &t.db,
        &v,
        &locales,
        IVAN,
        r2.id,
        &mut sink,
        &ExportOptions {
            lang: Some(Lang::En),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let doc = parse_valid(&sink.parts[0]);
    assert!(contains(&sink.parts[0], IVAN_CANARY));
    assert!(!contains(&sink.parts[0], "mira message"));
    assert_eq!(doc["messages"][0]["reply_to_message_id"], 1);
    assert_eq!(doc["messages"][0]["forwarded"], true);
    // His task assigns Mira only: her handle is not his to export.
    assert_eq!(
        doc["messages"][0]["task"]["assignees"],
        serde_json::json!([])
    );
    assert_eq!(doc["messages"][0]["task"]["other_assignees"], 1);
    // Her task names him: assigned to him, without her title.
    assert_eq!(doc["assigned_tasks"].as_array().unwrap().len(), 1);
    assert!(!contains(&sink.parts[0], "Deploy"));

    // Someone the bot never met: a valid export of almost nothing.
    let r3 = requests::reserve_export(&t.db, &v, 999, &ExportLimit::default(), t0)
        .await
        .unwrap();
    let mut sink = MemorySink::default();
    let w = export::write_parts(
        &t.db,
        &v,
        &locales,
        999,
        r3.id,
        &mut sink,
        &ExportOptions::default(),
    )
    .await
    .unwrap();
    let doc = parse_valid(&sink.parts[0]);
    assert_eq!(doc["person"]["profile_stored"], false);
    assert_eq!(doc["messages"], serde_json::json!([]));
    assert_eq!(w.counts.requests, 1);

    // To files: a private directory, private files, never overwritten.
    let out = dir.path().join("out/mira");
    let summary = export::write_to_dir(
        &t.db,
        &v,
        &locales,
        MIRA,
        r.id,
        &out,
        &ExportOptions::default(),
    )
    .await
    .unwrap();
    assert_eq!(summary.parts.len(), 1);
    let name = summary.parts[0].file_name().unwrap().to_str().unwrap();
    assert_eq!(
        name,
        format!(
            "tasktracker-export-{}-part1.json",
            summary.generated_at.date_naive()
        )
    );
    assert_private(&out, &summary.parts);
    let on_disk = std::fs::read(&summary.parts[0]).unwrap();
    assert_eq!(on_disk.len() as u64, summary.bytes);
    parse_valid(&on_disk);
    match export::write_to_dir(
        &t.db,
        &v,
        &locales,
        MIRA,
        r.id,
        &out,
        &ExportOptions::default(),
    )
    .await
    {
        Err(ExportError::Exists { path }) => assert_eq!(path, summary.parts[0]),
        other => panic!("expected Exists, got {other:?}"),
    }
    assert_eq!(std::fs::read(&summary.parts[0]).unwrap(), on_disk);

    // Completing audits the export without naming her; twice is harmless.
    let done = requests::complete_export(&t.db, r.id, &summary.delivered(), "bot", Utc::now())
        .await
        .unwrap();
    assert_eq!(done.status, RequestStatus::Completed);
    assert_eq!(done.parts, Some(1));
    assert_eq!(done.items, Some(3));
    requests::complete_export(&t.db, r.id, &summary.delivered(), "bot", Utc::now())
        .await
        .unwrap();
    let entries = audit::list(
        &t.db,
        &audit::AuditFilter {
            action_prefix: Some("privacy.export".into()),
            ..Default::default()
        },
        10,
    )
    .await
    .unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(
        entries[0].subject.as_deref(),
        Some(format!("request:{}", r.id).as_str())
    );
    for pii in ["501", "mira", "Mira", "Koval"] {
        assert!(!entries[0].details.contains(pii), "{}", entries[0].details);
    }
    assert!(
        entries[0].details.contains("\"messages\":3"),
        "{}",
        entries[0].details
    );

    // A part limit that cannot hold an item is refused up front.
    assert!(matches!(
        export::write_parts(
            &t.db,
            &v,
            &locales,
            MIRA,
            r.id,
            &mut MemorySink::default(),
            &ExportOptions {
                part_limit: 1000,
                lang: None
            },
        )
        .await,
        Err(ExportError::PartLimitTooSmall { limit: 1000 })
    ));
}

#[cfg(unix)]
pub fn assert_private(dir: &Path, files: &[PathBuf]) {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(dir), 0o700, "{}", dir.display());
    for f in files {
        assert_eq!(mode(f), 0o600, "{}", f.display());
    }
}

#[cfg(not(unix))]
pub fn assert_private(_dir: &Path, _files: &[PathBuf]) {}

async fn export_splits_into_parts_that_each_parse(t: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let v = vault(&t.db, &dir.path().join("k")).await;
    seed(&t.db, &v, 450).await;
    let locales = Locales::load().unwrap();
    let r = requests::record_operator_export(&t.db, &v, MIRA, "cli:test", Utc::now())
        .await
        .unwrap();
    let limit = export::MIN_PART_BYTES;
    let out = dir.path().join("parts");
    let summary = export::write_to_dir(
        &t.db,
        &v,
        &locales,
        MIRA,
        r.id,
        &out,
        &ExportOptions {
            part_limit: limit,
            lang: None,
        },
    )
    .await
    .unwrap();
    let n = summary.parts.len();
    assert!(n >= 2, "{n} part(s) for {} bytes", summary.bytes);
    assert_private(&out, &summary.parts);

    let mut texts = Vec::new();
    let mut total = 0;
    for (i, path) in summary.parts.iter().enumerate() {
        assert!(
            path.to_str()
                .unwrap()
                .ends_with(&format!("-part{}.json", i + 1)),
            "{}",
            path.display()
        );
        let bytes = std::fs::read(path).unwrap();
        assert!(
            bytes.len() as u64 <= limit,
            "part {} has {} bytes",
            i + 1,
            bytes.len()
        );
        assert_eq!(bytes.len() as u64, summary.part_bytes[i]);
        total += bytes.len() as u64;
        assert!(!contains(&bytes, IVAN_CANARY));
        let doc = parse_valid(&bytes);
        assert_eq!(doc["export_id"].as_str(), Some(summary.export_id.as_str()));
        assert_eq!(doc["part"].as_u64(), Some(i as u64 + 1));
        assert_eq!(doc["parts"].as_u64(), Some(n as u64));
        assert_eq!(doc["person"].is_null(), i > 0);
        for m in doc["messages"].as_array().unwrap() {
            texts.push(m["text"].as_str().unwrap().to_owned());
        }
        if i + 1 == n {
            assert_eq!(doc["assigned_tasks"].as_array().unwrap().len(), 1);
        } else {
            assert_eq!(doc["assigned_tasks"], serde_json::json!([]));
        }
    }
    assert_eq!(total, summary.bytes);
    let expected: Vec<String> = (0..450)
        .map(|i| format!("mira message {i}: please deploy the build (Mira says so)"))
        .collect();
    assert_eq!(texts, expected, "every message once, in order");
    let done = requests::complete_export(&t.db, r.id, &summary.delivered(), "cli:test", Utc::now())
        .await
        .unwrap();
    assert_eq!(done.parts, Some(i32::try_from(n).unwrap()));
    assert_eq!(done.origin, RequestOrigin::Operator);
}

fn at(h: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 8, 0, 0).unwrap() + Duration::hours(h)
}

async fn export_limit_survives_a_restart(t: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k");
    let limit = ExportLimit::default();
    {
        let v = vault(&t.db, &key).await;
        let first = requests::reserve_export(&t.db, &v, MIRA, &limit, at(0))
            .await
            .unwrap();
        assert_eq!(first.status, RequestStatus::Pending);
        requests::complete_export(
            &t.db,
            first.id,
            &requests::Delivered::default(),
            "bot",
            at(0),
        )
        .await
        .unwrap();
        match requests::reserve_export(&t.db, &v, MIRA, &limit, at(3)).await {
            Err(RequestError::ExportLimited { next_allowed_at }) => {
                assert_eq!(next_allowed_at, at(24))
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        // Operators are not limited, and do not use up the person's export.
        requests::record_operator_export(&t.db, &v, MIRA, "cli:ops", at(4))
            .await
            .unwrap();
        // Someone else is not affected.
        requests::reserve_export(&t.db, &v, IVAN, &limit, at(3))
            .await
            .unwrap();
    }

    // A new process: new pool, new vault, same database and key.
    let db = Db::connect(&t.config).await.unwrap();
    let v = vault(&db, &key).await;
    match requests::reserve_export(&db, &v, MIRA, &limit, at(23)).await {
        Err(RequestError::ExportLimited { next_allowed_at }) => assert_eq!(next_allowed_at, at(24)),
        other => panic!("expected a refusal after the restart, got {other:?}"),
    }
    let second = requests::reserve_export(&db, &v, MIRA, &limit, at(24))
        .await
        .unwrap();
    // A failed export does not count: she may ask again at once.
    requests::fail_export(&db, second.id, "sending failed", at(24))
        .await
        .unwrap();
    let third = requests::reserve_export(&db, &v, MIRA, &limit, at(24))
        .await
        .unwrap();
    // While one is pending, a second is refused until the first would leave
    // the window...
    match requests::reserve_export(&db, &v, MIRA, &limit, at(24) + Duration::minutes(30)).await {
        Err(RequestError::ExportLimited { next_allowed_at }) => assert_eq!(next_allowed_at, at(48)),
        other => panic!("expected a refusal, got {other:?}"),
    }
    // ...unless it was left pending by a stopped process: then it does not
    // count, and the sweep records it as failed (with Ivan's, and her
    // operator export, which nobody completed either).
    let overdue = requests::close_overdue(&db, at(26)).await.unwrap();
    assert_eq!(overdue.exports, 3);
    let history = requests::history(&db, &v, MIRA).await.unwrap();
    let third_now = history.iter().find(|r| r.id == third.id).unwrap();
    assert_eq!(third_now.status, RequestStatus::Failed);
    requests::reserve_export(&db, &v, MIRA, &limit, at(26))
        .await
        .unwrap();

    // Two per window: the refusal names when the older of the two leaves it.
    let two = ExportLimit {
        per_window: 2,
        window: Duration::hours(24),
    };
    for h in [10, 11] {
        let r = requests::reserve_export(&db, &v, IVAN, &two, at(h))
            .await
            .unwrap();
        requests::complete_export(&db, r.id, &requests::Delivered::default(), "bot", at(h))
            .await
            .unwrap();
    }
    match requests::reserve_export(&db, &v, IVAN, &two, at(12)).await {
        Err(RequestError::ExportLimited { next_allowed_at }) => assert_eq!(next_allowed_at, at(34)),
        other => panic!("expected a refusal, got {other:?}"),
    }
    // Inside the processor's transaction: a refusal writes nothing and
    // leaves the transaction usable (on PostgreSQL too), so the answer can
    // be queued and everything committed together.
    let tx = db.begin_write().await.unwrap();
    let r = requests::reserve_export_in(&tx, &v, 777, &limit, at(30))
        .await
        .unwrap();
    assert!(matches!(
        requests::reserve_export_in(&tx, &v, 777, &limit, at(30)).await,
        Err(RequestError::ExportLimited { .. })
    ));
    let f = requests::open_erasure_in(&tx, &v, 777, Duration::minutes(10), at(30))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let ids: Vec<i64> = requests::history(&db, &v, 777)
        .await
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, [r.id, f.id]);

    let kinds: Vec<(RequestKind, RequestOrigin)> = requests::history(&db, &v, MIRA)
        .await
        .unwrap()
        .iter()
        .map(|r| (r.kind, r.origin))
        .collect();
    assert_eq!(kinds.len(), 5);
    assert_eq!(kinds[1], (RequestKind::Export, RequestOrigin::Operator));
    db.close().await.unwrap();
}

async fn erasure_confirmation_expires_cancels_and_confirms(t: &TestDb) {
    let dir = tempfile::tempdir().unwrap();
    let v = vault(&t.db, &dir.path().join("k")).await;
    seed(&t.db, &v, 5).await;
    let ttl = Duration::minutes(10);
    let t0 = domain::store::now();

    // Too late: refused and recorded as expired.
    let late = requests::open_erasure(&t.db, &v, MIRA, ttl, t0)
        .await
        .unwrap();
    assert_eq!(late.expires_at, Some(t0 + ttl));
    match requests::confirm_erasure(&t.db, &v, MIRA, late.id, false, "bot", t0 + ttl).await {
        Err(RequestError::Expired { expired_at }) => assert_eq!(expired_at, t0 + ttl),
        other => panic!("expected Expired, got {other:?}"),
    }
    assert!(matches!(
        requests::cancel_erasure(&t.db, &v, MIRA, late.id, t0 + ttl).await,
        Err(RequestError::Expired { .. })
    ));
    // A second /forget replaces the first: only the newest button works.
    let a = requests::open_erasure(&t.db, &v, MIRA, ttl, t0 + ttl)
        .await
        .unwrap();
    let b = requests::open_erasure(&t.db, &v, MIRA, ttl, t0 + ttl)
        .await
        .unwrap();
    assert!(matches!(
        requests::confirm_erasure(&t.db, &v, MIRA, a.id, false, "bot", t0 + ttl).await,
        Err(RequestError::Closed {
            status: RequestStatus::Cancelled
        })
    ));
    // Cancelled: nothing erased, and the button is dead.
    let cancelled = requests::cancel_erasure(&t.db, &v, MIRA, b.id, t0 + ttl)
        .await
        .unwrap();
    assert_eq!(cancelled.status, RequestStatus::Cancelled);
    assert!(matches!(
        requests::confirm_erasure(&t.db, &v, MIRA, b.id, false, "bot", t0 + ttl).await,
        Err(RequestError::Closed { .. })
    ));
    assert!(
        records::find_person(&t.db, &v, MIRA)
            .await
            .unwrap()
            .is_some()
    );
    let statuses: Vec<RequestStatus> = requests::history(&t.db, &v, MIRA)
        .await
        .unwrap()
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(
        statuses,
        [
            RequestStatus::Expired,
            RequestStatus::Cancelled,
            RequestStatus::Cancelled
        ]
    );

    // Only she can confirm her erasure; an export request is not an erasure.
    let c = requests::open_erasure(&t.db, &v, MIRA, ttl, t0 + ttl)
        .await
        .unwrap();
    assert!(matches!(
        requests::confirm_erasure(&t.db, &v, IVAN, c.id, false, "bot", t0 + ttl).await,
        Err(RequestError::NotYours)
    ));
    let e = requests::reserve_export(&t.db, &v, MIRA, &ExportLimit::default(), t0)
        .await
        .unwrap();
    assert!(matches!(
        requests::confirm_erasure(&t.db, &v, MIRA, e.id, false, "bot", t0 + ttl).await,
        Err(RequestError::WrongKind { .. })
    ));
    let erased = requests::confirm_erasure(
        &t.db,
        &v,
        MIRA,
        c.id,
        false,
        "bot",
        t0 + ttl + Duration::minutes(9),
    )
    .await
    .unwrap();
    assert_eq!(erased.messages, 5);
    assert_eq!(erased.tasks, 1);
    assert_eq!(erased.assignments, 2, "on her task and on Ivan's");
    assert_eq!(erased.consents, 2);
    assert_eq!(erased.requests, 5, "her requests go, this one included");
    assert!(erased.profile && erased.key);
    assert!(
        records::find_person(&t.db, &v, MIRA)
            .await
            .unwrap()
            .is_none()
    );
    assert!(requests::history(&t.db, &v, MIRA).await.unwrap().is_empty());
    // Pressing the button again finds nothing; Ivan keeps his requests.
    assert!(matches!(
        requests::confirm_erasure(&t.db, &v, MIRA, c.id, false, "bot", t0 + ttl).await,
        Err(RequestError::NotFound)
    ));
    let entry = &audit::list(&t.db, &audit::AuditFilter::default(), 1)
        .await
        .unwrap()[0];
    assert_eq!(entry.action, "privacy.forget");
    assert_eq!(entry.actor, "bot");
    assert_eq!(entry.subject, None);
    assert!(
        entry.details.contains("\"requests\":5"),
        "{}",
        entry.details
    );
    let ivan = people::get_by_index(&t.db, &v.user_index(IVAN))
        .await
        .unwrap();
    assert!(ivan.is_some());

    // The sweep expires what nobody confirmed.
    let d = requests::open_erasure(&t.db, &v, IVAN, ttl, t0)
        .await
        .unwrap();
    let swept = requests::close_overdue(&t.db, t0 + ttl).await.unwrap();
    assert_eq!(swept.erasures, 1);
    let h = requests::history(&t.db, &v, IVAN).await.unwrap();
    let d = h.iter().find(|r| r.id == d.id).unwrap();
    assert_eq!(
        (d.status, d.completed_at),
        (RequestStatus::Expired, Some(t0 + ttl))
    );
}

/// `tasktracker export` through the real binary, on the default SQLite setup.
#[test]
fn export_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    // The first run creates the database and the key, and finds nothing.
    let o = run(
        dir.path(),
        &["export", "--telegram-user-id", "501", "--out", "first"],
    );
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("nothing is stored about that person"),
        "{}",
        text(&o)
    );

    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let cfg = domain::config::DatabaseConfig {
            url: domain::Secret::new(format!(
                "sqlite://{}",
                dir.path().join("data/tasktracker.db").display()
            )),
            ..Default::default()
        };
        let db = Db::connect(&cfg).await.unwrap();
        let v = Vault::unlock(
            &db,
            &OpenOptions {
                source: KekSource::File(dir.path().join("data/master.key")),
                create_if_missing: false,
            },
        )
        .await
        .unwrap();
        seed(&db, &v, 4).await;
        db.close().await.unwrap();
    });

    let o = run(
        dir.path(),
        &["export", "--telegram-user-id", "501", "--out", "out"],
    );
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("1 part(s)") && out.contains("4 message(s)"),
        "{out}"
    );
    assert!(!out.contains("Mira") && !out.contains("deploy"), "{out}");
    let files: Vec<PathBuf> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    assert_private(&dir.path().join("out"), &files);
    let bytes = std::fs::read(&files[0]).unwrap();
    assert!(!contains(&bytes, IVAN_CANARY));
    let doc = parse_valid(&bytes);
    assert_eq!(doc["messages"].as_array().unwrap().len(), 4);
    assert_eq!(doc["person"]["name"], "Mira Koval");
    // The operator's request is recorded, not limited.
    assert!(
        doc["requests"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["origin"] == "operator" && r["status"] == "pending")
    );

    // Never overwrites: the same directory on the same day is refused, and
    // the file is untouched.
    let o = run(
        dir.path(),
        &["export", "--telegram-user-id", "501", "--out", "out"],
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("already exists"), "{}", text(&o));
    assert_eq!(std::fs::read(&files[0]).unwrap(), bytes);
    let o = run(
        dir.path(),
        &[
            "export",
            "--telegram-user-id",
            "501",
            "--out",
            files[0].to_str().unwrap(),
        ],
    );
    assert!(!o.status.success());
    assert!(text(&o).contains("not a directory"), "{}", text(&o));

    // Audited without naming her: two completed exports, chain intact.
    let o = run(dir.path(), &["audit", "verify"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("2 entries"), "{}", text(&o));
}
