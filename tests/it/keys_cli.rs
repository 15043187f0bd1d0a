//! `tasktracker keys …` and the key at start-up, through the real binary.

use tests::bin::{self, TOKEN, run, text};

#[test]
fn init_never_overwrites_and_status_reports_versions() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["keys", "init"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("data/master.key"));
    let key = std::fs::read(dir.path().join("data/master.key")).unwrap();
    let o = run(dir.path(), &["keys", "init"]);
    assert!(!o.status.success());
    assert!(text(&o).contains("exists"), "{}", text(&o));
    assert_eq!(
        std::fs::read(dir.path().join("data/master.key")).unwrap(),
        key,
        "the key file is untouched"
    );

    // The first rotation command unlocks (creating KEK version 1), rotates.
    let o = run(dir.path(), &["keys", "rotate-dek", "--scope", "system"]);
    assert!(o.status.success(), "{}", text(&o));
    let o = run(dir.path(), &["keys", "status"]);
    let text = text(&o);
    assert!(o.status.success(), "{text}");
    assert!(text.contains("v1  active"), "{text}");
    assert!(text.contains("system       1"), "{text}");
}

#[test]
fn rotate_kek_installs_the_new_key_and_keeps_the_old() {
    let dir = tempfile::tempdir().unwrap();
    assert!(run(dir.path(), &["keys", "rotate-dek"]).status.success());
    let new = dir.path().join("new.key");
    assert!(
        run(
            dir.path(),
            &["keys", "init", "--out", new.to_str().unwrap()]
        )
        .status
        .success()
    );
    let o = run(
        dir.path(),
        &[
            "keys",
            "rotate-kek",
            "--new-key-file",
            new.to_str().unwrap(),
        ],
    );
    let printed = text(&o);
    assert!(o.status.success(), "{printed}");
    assert!(printed.contains("from KEK version 1 to 2"), "{printed}");
    assert_eq!(
        std::fs::read(dir.path().join("data/master.key")).unwrap(),
        std::fs::read(&new).unwrap()
    );
    assert!(dir.path().join("data/master.key.v1").exists());
    let o = run(dir.path(), &["keys", "status"]);
    assert!(text(&o).contains("v1  retired"), "{}", text(&o));
    assert!(text(&o).contains("v2  active"), "{}", text(&o));
}

#[test]
fn a_wrong_or_missing_key_stops_start_up_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // Create the database and its keys.
    assert!(run(dir.path(), &["keys", "rotate-dek"]).status.success());
    let db = dir.path().join("data/tasktracker.db");

    // Another key: refused, with the reason.
    let key = dir.path().join("data/master.key");
    let saved = std::fs::read(&key).unwrap();
    std::fs::remove_file(&key).unwrap();
    let other = dir.path().join("other.key");
    assert!(
        run(
            dir.path(),
            &["keys", "init", "--out", other.to_str().unwrap()]
        )
        .status
        .success()
    );
    let before = std::fs::read(&db).unwrap();
    let o = bin::command(dir.path())
        .arg("run")
        .env("TASKTRACKER_TELEGRAM__TOKEN", TOKEN)
        .env("TASKTRACKER_ENCRYPTION__KEY_FILE", other.to_str().unwrap())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("does not belong to this database"),
        "{}",
        text(&o)
    );

    // No key at all: refused, and no new key is made for a database with data.
    let o = bin::command(dir.path())
        .arg("run")
        .env("TASKTRACKER_TELEGRAM__TOKEN", TOKEN)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("restore the key file"), "{}", text(&o));
    assert!(!key.exists());
    assert_eq!(std::fs::read(&db).unwrap().len(), before.len());

    std::fs::write(&key, saved).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).unwrap();
        let o = run(dir.path(), &["keys", "rotate-dek"]);
        assert!(!o.status.success());
        assert!(text(&o).contains("chmod 600"), "{}", text(&o));
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    assert!(run(dir.path(), &["keys", "rotate-dek"]).status.success());
}

#[test]
fn audit_verify_reports_ok_and_names_a_broken_entry() {
    let dir = tempfile::tempdir().unwrap();
    // Key operations write audit entries.
    assert!(run(dir.path(), &["keys", "rotate-dek"]).status.success());
    assert!(run(dir.path(), &["keys", "retire"]).status.success());
    let o = run(dir.path(), &["audit", "verify"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("OK: the audit log's 3 entries"),
        "{}",
        text(&o)
    );

    let url = format!(
        "sqlite://{}",
        dir.path().join("data/tasktracker.db").display()
    );
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let db = domain::store::Db::connect(&domain::config::DatabaseConfig {
            url: domain::Secret::new(url),
            ..Default::default()
        })
        .await
        .unwrap();
        domain::testing::tamper_audit_details(&db, 2, "{}")
            .await
            .unwrap();
        db.close().await.unwrap();
    });
    let o = run(dir.path(), &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("broken at entry 2"), "{}", text(&o));
}
