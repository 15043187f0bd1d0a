//! The real `tasktracker` binary, built once per test run.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// Path of the `tasktracker` binary, built with the test's own profile.
pub fn tasktracker() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
        escargot::CargoBuild::new()
            .manifest_path(manifest)
            .package("bot")
            .bin("tasktracker")
            .current_release()
            .run()
            .expect("building the tasktracker binary")
            .path()
            .to_path_buf()
    })
    .clone()
}

/// Path of the `tasktracker-console` binary, built like [`tasktracker`].
pub fn console() -> PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../Cargo.toml");
        escargot::CargoBuild::new()
            .manifest_path(manifest)
            .package("tui")
            .bin("tasktracker-console")
            .current_release()
            .run()
            .expect("building the tasktracker-console binary")
            .path()
            .to_path_buf()
    })
    .clone()
}

/// A command for the binary with a clean environment: no `TASKTRACKER_*`
/// or `RUST_LOG` from the developer's shell leaks into a test. Runs in `dir`,
/// so that `./tasktracker.toml` and `data/` resolve there.
pub fn command(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(tasktracker());
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
