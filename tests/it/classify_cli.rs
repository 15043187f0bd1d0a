//! `tasktracker classify` through the real binary.

use std::io::Write;
use std::process::{Output, Stdio};

use tests::bin;

fn classify(args: &[&str], input: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let mut child = bin::command(dir.path())
        .arg("classify")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A binary that refuses its options exits without reading stdin; the
    // write then fails with a broken pipe, which is not the test's concern.
    if let Err(e) = child.stdin.take().unwrap().write_all(input.as_bytes()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

fn json_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn classifies_lines_with_time_zone_and_now() {
    // 23:30 UTC on Friday 4 December is already Saturday in Kyiv, so
    // "tomorrow" there is Sunday the 6th.
    let out = classify(
        &["--now", "2026-12-04T23:30:00Z", "--tz", "Europe/Kyiv"],
        "@petro deploy the hotfix tomorrow\n\
         {\"text\": \"зроби, будь ласка, звіт до п'ятниці\", \"sent_at\": \"2026-12-01T08:00:00Z\"}\n\
         what time is the standup?\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_lines(&out);
    assert_eq!(v.len(), 3);
    assert_eq!(v[0]["kind"], "task");
    assert_eq!(v[0]["due"], "2026-12-06");
    assert_eq!(v[0]["assignees"], serde_json::json!(["petro"]));
    assert_eq!(v[1]["actionable"], true);
    assert_eq!(
        v[1]["due"], "2026-12-04",
        "sent_at (a Tuesday) wins over --now"
    );
    assert_eq!(v[2]["kind"], "question");
    assert_eq!(v[2]["actionable"], false);
    for line in &v {
        for field in [
            "kind",
            "actionable",
            "title",
            "priority",
            "due",
            "assignees",
            "confidence",
            "classifier",
        ] {
            assert!(line.get(field).is_some(), "{field} missing in {line}");
        }
        let c = line["confidence"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&c));
    }
}

#[test]
fn bad_lines_get_an_error_line_and_the_rest_continue() {
    let out = classify(&[], "{\"txt\": \"typo\"}\nthe build is broken on main\n");
    assert_eq!(out.status.code(), Some(1));
    let v = json_lines(&out);
    assert_eq!(v.len(), 2);
    assert_eq!(v[0]["line"], 1);
    assert_eq!(v[1]["kind"], "bug");
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1"));
}

#[test]
fn bad_options_are_refused_clearly() {
    let out = classify(&["--tz", "Mars/Olympus"], "hi\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown time zone"));
    let out = classify(&["--now", "yesterday"], "hi\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("RFC 3339"));
    // A provider is looked up in the database (here a fresh SQLite file).
    let out = classify(&["--provider", "openai"], "hi\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no provider named \"openai\""));
}
