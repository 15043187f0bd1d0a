//! `tasktracker chats …` and `chats.approved`, through the real binary.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tests::bin::{self, TOKEN, run, text};

#[test]
fn approve_block_and_list_are_audited() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["chats", "list"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("no chats yet"));

    assert!(
        run(dir.path(), &["chats", "approve", "-1001234567890"])
            .status
            .success()
    );
    assert!(run(dir.path(), &["chats", "block", "-42"]).status.success());
    // Approving twice changes nothing and is not audited twice.
    assert!(
        run(dir.path(), &["chats", "approve", "-1001234567890"])
            .status
            .success()
    );
    let o = run(dir.path(), &["chats", "list"]);
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("-1001234567890") && out.contains("approved"),
        "{out}"
    );
    assert!(out.contains("-42") && out.contains("blocked"), "{out}");

    let o = run(dir.path(), &["audit", "verify"]);
    assert!(text(&o).contains("2 entries"), "{}", text(&o));

    let o = run(dir.path(), &["chats", "approve", "not-a-number"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn chats_listed_in_the_configuration_are_approved_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = bin::command(dir.path())
        .arg("run")
        .env("TASKTRACKER_TELEGRAM__TOKEN", TOKEN)
        .env("TASKTRACKER_CHATS__APPROVED", "[-100, -200]")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let _ = tx.send(line.unwrap_or_default());
        }
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("run did not report that it was ready");
        if line.contains("SIGTERM or SIGINT") {
            break;
        }
    }
    std::process::Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());

    let o = run(dir.path(), &["chats", "list"]);
    let out = text(&o);
    assert!(out.contains("-100") && out.contains("-200"), "{out}");
    assert_eq!(out.matches("approved").count(), 2, "{out}");
}

#[test]
fn purge_runs_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let o = run(dir.path(), &["purge", "--dry-run"]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("would delete 0 message(s)"),
        "{}",
        text(&o)
    );
    let o = run(dir.path(), &["purge"]);
    assert!(text(&o).contains("deleted 0 message(s)"), "{}", text(&o));
    let o = run(dir.path(), &["audit", "verify"]);
    assert!(text(&o).contains("2 entries"), "{}", text(&o));
}

#[test]
fn forget_from_the_command_line_is_harmless_twice() {
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let o = run(dir.path(), &["forget", "--telegram-user-id", "12345"]);
        assert!(o.status.success(), "{}", text(&o));
        assert!(
            text(&o).contains("nothing is stored about that person"),
            "{}",
            text(&o)
        );
    }
    let o = run(dir.path(), &["audit", "verify"]);
    assert!(text(&o).contains("2 entries"), "{}", text(&o));
}
