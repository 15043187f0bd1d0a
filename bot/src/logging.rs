//! Logging with `tracing`: filter from `RUST_LOG` (default `info`), text or
//! JSON lines.

use std::io;

use domain::config::LogFormat;
use tracing_subscriber::EnvFilter;

/// Where log lines go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sink {
    /// Standard output, where journald collects the bot's logs.
    Stdout,
    /// Standard error, so that a subcommand's own output stays clean.
    Stderr,
}

/// Installs the global subscriber. Calling it twice is harmless: the second
/// call changes nothing.
pub fn init(format: LogFormat, sink: Sink) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sea_orm_migration=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let result = match (format, sink) {
        (LogFormat::Text, Sink::Stdout) => builder.with_writer(io::stdout).try_init(),
        (LogFormat::Text, Sink::Stderr) => builder.with_writer(io::stderr).try_init(),
        (LogFormat::Json, Sink::Stdout) => builder.json().with_writer(io::stdout).try_init(),
        (LogFormat::Json, Sink::Stderr) => builder.json().with_writer(io::stderr).try_init(),
    };
    // Already installed (tests call this more than once): keep the first.
    drop(result);
}
