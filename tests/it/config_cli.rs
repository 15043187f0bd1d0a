//! Configuration through the real binary: every kind of bad configuration is
//! refused by `check-config` and by `run` with a message naming the key and
//! where it came from, and nothing starts half-configured.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use tests::bin;

const TOKEN: &str = "123456789:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0";
const EXIT_CONFIG: i32 = 78;

fn data_dir(kind: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(kind)
}

fn toml_files(kind: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(data_dir(kind))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    files
}

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = bin::command(dir);
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn invalid_configs_are_refused_by_check_config_and_run() {
    for file in toml_files("invalid_configs") {
        let expectations: Vec<String> = std::fs::read_to_string(&file)
            .unwrap()
            .lines()
            .filter_map(|l| l.strip_prefix("# expect: ").map(str::to_owned))
            .collect();
        assert!(
            !expectations.is_empty(),
            "{} has no expectations",
            file.display()
        );
        for sub in ["check-config", "run"] {
            let dir = tempfile::tempdir().unwrap();
            let out = run(dir.path(), &["--config", file.to_str().unwrap(), sub], &[]);
            let (stdout, stderr) = text(&out);
            assert_eq!(
                out.status.code(),
                Some(EXIT_CONFIG),
                "{sub} {}: {stdout}{stderr}",
                file.display()
            );
            for e in &expectations {
                assert!(
                    stderr.contains(e.as_str()),
                    "{sub} {}: expected {e:?} in:\n{stderr}",
                    file.display()
                );
            }
            assert!(
                stderr.contains(&file.display().to_string()),
                "{sub} {}: the message must name the file:\n{stderr}",
                file.display()
            );
            assert!(
                !dir.path().join("data").exists(),
                "{sub} must not create the database when the configuration is refused"
            );
        }
    }
}

#[test]
fn valid_configs_pass_check_config_with_secrets_redacted() {
    for file in toml_files("valid_configs") {
        let dir = tempfile::tempdir().unwrap();
        let out = run(
            dir.path(),
            &["--config", file.to_str().unwrap(), "check-config"],
            &[],
        );
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{}: {stderr}", file.display());
        assert!(stdout.contains("token = \"[redacted]\""), "{stdout}");
        assert!(!stdout.contains(TOKEN), "the token leaked:\n{stdout}");
        assert!(
            !stdout.contains("s3cr3t-pw"),
            "the password leaked:\n{stdout}"
        );
        assert!(
            stdout.contains(&format!("file {}", file.display())),
            "{stdout}"
        );
    }
}

#[test]
fn environment_errors_name_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);
    let cases: &[Case] = &[
        (
            &[
                ("TASKTRACKER_TELEGRAM__TOKEN", TOKEN),
                ("TASKTRACKER_DATABASE__BUSY_TIMEOUT", "soon"),
            ],
            &[
                "database.busy_timeout",
                "environment variable TASKTRACKER_DATABASE__BUSY_TIMEOUT",
            ],
        ),
        (
            &[
                ("TASKTRACKER_TELEGRAM__TOKEN", TOKEN),
                ("TASKTRACKER_DATABASE__MAX_CONNECTIONS", "1000"),
            ],
            &[
                "database.max_connections: 1000 is out of range",
                "environment variable TASKTRACKER_DATABASE__MAX_CONNECTIONS",
            ],
        ),
        (
            &[
                ("TASKTRACKER_TELEGRAM__TOKEN", TOKEN),
                ("TASKTRACKER_DATABASE_URL", "sqlite://x.db"),
            ],
            &["database_url", "double underscore"],
        ),
        (&[], &["telegram.token", "required to run the bot"]),
    ];
    for (env, expected) in cases {
        for sub in ["check-config", "run"] {
            let out = run(dir.path(), &[sub], env);
            let (_, stderr) = text(&out);
            assert_eq!(
                out.status.code(),
                Some(EXIT_CONFIG),
                "{sub} {env:?}: {stderr}"
            );
            for e in *expected {
                assert!(
                    stderr.contains(e),
                    "{sub} {env:?}: expected {e:?} in:\n{stderr}"
                );
            }
        }
    }
    assert!(!dir.path().join("data").exists());
}

#[test]
fn missing_explicit_config_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        &["--config", "/nonexistent/tasktracker.toml", "check-config"],
        &[("TASKTRACKER_TELEGRAM__TOKEN", TOKEN)],
    );
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(EXIT_CONFIG));
    assert!(
        stderr.contains("/nonexistent/tasktracker.toml does not exist"),
        "{stderr}"
    );
}

#[test]
fn file_in_working_directory_is_found_and_env_overrides_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tasktracker.toml"),
        format!("[telegram]\ntoken = \"{TOKEN}\"\n[database]\nmax_connections = 3\n"),
    )
    .unwrap();
    let out = run(
        dir.path(),
        &["check-config"],
        &[("TASKTRACKER_DATABASE__MAX_CONNECTIONS", "7")],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("# file: tasktracker.toml"), "{stdout}");
    assert!(
        stdout.contains(
            "max_connections = 7  # environment variable TASKTRACKER_DATABASE__MAX_CONNECTIONS"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("token = \"[redacted]\"  # file tasktracker.toml"),
        "{stdout}"
    );
}

#[test]
fn secrets_come_from_systemd_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let creds = tempfile::tempdir().unwrap();
    std::fs::write(creds.path().join("telegram_token"), format!("{TOKEN}\n")).unwrap();
    let out = run(
        dir.path(),
        &["check-config"],
        &[("CREDENTIALS_DIRECTORY", creds.path().to_str().unwrap())],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(stdout.contains("systemd credential"), "{stdout}");
    assert!(!stdout.contains(TOKEN));
}

#[test]
fn the_example_configuration_documents_every_key_and_loads() {
    let example =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../config/tasktracker.example.toml");
    let body = std::fs::read_to_string(&example).unwrap();
    let mut section = String::new();
    let mut documented = Vec::new();
    for line in body.lines() {
        let l = line.trim_start_matches('#').trim();
        if let Some(s) = l.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            section = s.to_owned();
        } else if let Some((key, _)) = l.split_once(" = ")
            && !key.contains(' ')
        {
            documented.push(format!("{section}.{key}"));
        }
    }
    for key in domain::config::KEYS {
        assert!(
            documented.iter().any(|d| d == key),
            "{key} is not documented in {}",
            example.display()
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        dir.path(),
        &["--config", example.to_str().unwrap(), "check-config"],
        &[("TASKTRACKER_TELEGRAM__TOKEN", TOKEN)],
    );
    assert!(out.status.success(), "{}", text(&out).1);
}

/// `run` with only a token: creates `data/tasktracker.db`, migrates, and exits
/// 0 on SIGTERM and on SIGINT. With `--log-format json` every line is JSON.
#[test]
fn run_needs_only_a_token_and_stops_cleanly_on_signals() {
    for (signal, format) in [("TERM", "text"), ("INT", "json")] {
        let dir = tempfile::tempdir().unwrap();
        let mut child = bin::command(dir.path())
            .args(["--log-format", format, "run"])
            .env("TASKTRACKER_TELEGRAM__TOKEN", TOKEN)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Wait until `run` says it is waiting for a signal: its handlers are
        // installed by then, and the database exists and is migrated.
        let stdout = child.stdout.take().unwrap();
        let (lines_tx, lines_rx) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            let mut all = String::new();
            for line in BufReader::new(stdout).lines() {
                let line = line.unwrap_or_default();
                all.push_str(&line);
                all.push('\n');
                let _ = lines_tx.send(line);
            }
            all
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let line = lines_rx
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .expect("run did not report that it was ready");
            if line.contains("polling Telegram; stop with SIGTERM or SIGINT") {
                break;
            }
        }
        assert!(dir.path().join("data/tasktracker.db").exists());
        assert!(
            dir.path().join("data/master.key").exists(),
            "the first run on the default setup creates the key file"
        );
        let killed = std::process::Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .unwrap();
        assert!(killed.success());
        let out = child.wait_with_output().unwrap();
        let stdout = reader.join().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            out.status.success(),
            "SIG{signal}: exit {:?}\n{stdout}\n{stderr}",
            out.status
        );
        assert!(stdout.contains(&format!("SIG{signal}")), "{stdout}");
        assert!(stdout.contains("stopped"), "{stdout}");
        assert!(
            !stdout.contains(TOKEN) && !stderr.contains(TOKEN),
            "the token leaked"
        );

        let out = run(dir.path(), &["migrate"], &[]);
        assert!(out.status.success());
        assert!(
            text(&out).0.contains("up to date"),
            "run had migrated the database"
        );
    }
}
