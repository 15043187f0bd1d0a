//! The real `tasktracker` binary, built once per test run.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// Builds `bin` of `package` once per test run: with the caller's own
/// profile, or the release profile, and `features`.
fn build(
    cell: &'static OnceLock<PathBuf>,
    package: &str,
    bin: &str,
    release: bool,
    features: &str,
) -> PathBuf {
    cell.get_or_init(|| {
        let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
        let mut cargo = escargot::CargoBuild::new()
            .manifest_path(manifest)
            .package(package)
            .bin(bin);
        if !features.is_empty() {
            cargo = cargo.features(features);
        }
        let cargo = if release {
            cargo.release()
        } else {
            cargo.current_release()
        };
        cargo
            .run()
            .unwrap_or_else(|e| panic!("building {bin}: {e}"))
            .path()
            .to_path_buf()
    })
    .clone()
}

/// Path of the `tasktracker` binary, built with the test's own profile.
pub fn tasktracker() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    build(&PATH, "bot", "tasktracker", false, "")
}

/// Path of the `tasktracker` binary built with the release profile,
/// whatever profile the caller was built with (for benchmarks).
pub fn tasktracker_release() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    build(&PATH, "bot", "tasktracker", true, "")
}

/// Path of the `tasktracker-console` binary, built like [`tasktracker`],
/// with the `test-hooks` feature (its hidden `--panic-for-test` flag).
pub fn console() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    build(&PATH, "tui", "tasktracker-console", false, "test-hooks")
}

/// A command for the binary with a clean environment: no `TASKTRACKER_*`
/// or `RUST_LOG` from the developer's shell leaks into a test. Runs in `dir`,
/// so that `./tasktracker.toml` and `data/` resolve there.
pub fn command(dir: &std::path::Path) -> Command {
    command_of(&tasktracker(), dir)
}

/// Like [`command`], for the binary at `binary`.
pub fn command_of(binary: &std::path::Path, dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(binary);
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .current_dir(dir);
    cmd
}

/// A well-formed bot token for tests (no such bot exists).
pub const TOKEN: &str = "123456789:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0";

/// Runs the binary in `dir` with `args` as operator `ops` and waits for it.
pub fn run(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    command(dir)
        .args(args)
        .env("USER", "ops")
        .output()
        .expect("running tasktracker")
}

/// Standard output then standard error, as text.
pub fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A running `tasktracker run`, its output drained by threads so that a full
/// pipe never blocks it.
#[derive(Debug)]
pub struct Running {
    child: std::process::Child,
    stdout: std::thread::JoinHandle<String>,
    stderr: std::thread::JoinHandle<String>,
    /// Standard output so far, line by line, while it runs.
    live: std::sync::Arc<std::sync::Mutex<String>>,
}

/// What a finished run left behind.
#[derive(Debug)]
pub struct Finished {
    /// Exit status 0.
    pub success: bool,
    /// Everything it wrote to stdout (the log).
    pub stdout: String,
    /// Everything it wrote to stderr.
    pub stderr: String,
}

fn drain(
    mut r: impl std::io::Read + Send + 'static,
    live: Option<std::sync::Arc<std::sync::Mutex<String>>>,
) -> std::thread::JoinHandle<String> {
    use std::io::BufRead;
    std::thread::spawn(move || {
        let mut all = String::new();
        for line in std::io::BufReader::new(&mut r).lines() {
            let line = line.unwrap_or_default();
            if let Some(live) = &live {
                let mut live = live.lock().unwrap_or_else(|e| e.into_inner());
                live.push_str(&line);
                live.push('\n');
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    })
}

impl Running {
    /// Starts `tasktracker run` in `dir` against the Bot API at `api_url`,
    /// with `token` and extra environment variables.
    pub fn start(
        dir: &std::path::Path,
        api_url: &str,
        token: &str,
        env: &[(&str, &str)],
    ) -> Running {
        Running::start_binary(&tasktracker(), dir, api_url, token, env)
    }

    /// Like [`Running::start`], for the binary at `binary`.
    pub fn start_binary(
        binary: &std::path::Path,
        dir: &std::path::Path,
        api_url: &str,
        token: &str,
        env: &[(&str, &str)],
    ) -> Running {
        use std::process::Stdio;
        let mut cmd = command_of(binary, dir);
        cmd.arg("run")
            .env("TASKTRACKER_TELEGRAM__API_URL", api_url)
            .env("TASKTRACKER_TELEGRAM__TOKEN", token)
            .env("RUST_LOG", "info,bot=debug")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("starting tasktracker run");
        let live = std::sync::Arc::default();
        let stdout = drain(
            child.stdout.take().expect("piped stdout"),
            Some(std::sync::Arc::clone(&live)),
        );
        let stderr = drain(child.stderr.take().expect("piped stderr"), None);
        Running {
            child,
            stdout,
            stderr,
            live,
        }
    }

    /// What it has written to stdout (the log) so far.
    pub fn stdout_so_far(&self) -> String {
        self.live.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Waits until its stdout holds `needle`; an error names what it waited
    /// for and shows the log so far.
    pub async fn wait_for_stdout(
        &self,
        needle: &str,
        timeout: std::time::Duration,
    ) -> Result<(), String> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if self.stdout_so_far().contains(needle) {
                return Ok(());
            }
            if std::time::Instant::now() >= deadline {
                return Err(format!(
                    "no {needle:?} in the log within {timeout:?}:\n{}",
                    self.stdout_so_far()
                ));
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// The process id.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Waits for the process to end by itself.
    pub async fn finish(self) -> Finished {
        let Running {
            mut child,
            stdout,
            stderr,
            ..
        } = self;
        tokio::task::spawn_blocking(move || {
            let status = child.wait().expect("waiting for tasktracker");
            Finished {
                success: status.success(),
                stdout: stdout.join().unwrap_or_default(),
                stderr: stderr.join().unwrap_or_default(),
            }
        })
        .await
        .expect("joining the waiter")
    }

    /// Sends SIGTERM and waits for the process to end.
    pub async fn terminate(self) -> Finished {
        let sent = std::process::Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("running kill");
        assert!(sent.success());
        self.finish().await
    }

    /// SIGKILL: no chance to clean up.
    pub async fn kill(mut self) -> Finished {
        self.child.kill().expect("killing tasktracker");
        self.finish().await
    }
}

/// The database and keys the binary created in `dir` (the default SQLite
/// setup), opened as `domain`.
pub async fn open_store(dir: &std::path::Path) -> (domain::store::Db, domain::vault::Vault) {
    use domain::vault::{KekSource, OpenOptions, Vault};
    let cfg = domain::config::DatabaseConfig {
        url: domain::Secret::new(format!(
            "sqlite://{}",
            dir.join("data/tasktracker.db").display()
        )),
        ..domain::config::DatabaseConfig::default()
    };
    let db = domain::store::Db::connect(&cfg)
        .await
        .expect("opening the bot's database");
    let vault = Vault::unlock(
        &db,
        &OpenOptions {
            source: KekSource::File(dir.join("data/master.key")),
            create_if_missing: false,
        },
    )
    .await
    .expect("unlocking the bot's keys");
    (db, vault)
}
