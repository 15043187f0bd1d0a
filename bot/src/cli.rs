//! The command line: `tasktracker [run] | migrate | check-config`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use domain::config::{self, LoadOptions, Loaded, LogFormat, Purpose};
use domain::store::Db;
use domain::vault::{KekSource, OpenOptions, Vault};
use tokio_util::sync::CancellationToken;

use crate::logging::{self, Sink};

/// Exit status for a refused configuration (EX_CONFIG from sysexits.h); the
/// systemd unit does not restart on it, since a restart cannot fix it.
pub const EXIT_CONFIG: u8 = 78;

/// tasktracker: recognises tasks and bug reports in Telegram team chats.
#[derive(Debug, Parser)]
#[command(name = "tasktracker", version, about, long_about = None)]
pub struct Cli {
    /// Configuration file [default: ./tasktracker.toml, then /etc/tasktracker/tasktracker.toml]
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Log line format; overrides log.format
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    pub log_format: Option<LogFormatArg>,

    /// What to do [default: run]
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// `--log-format`
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormatArg {
    /// Human-readable lines
    Text,
    /// One JSON object per line
    Json,
}

/// Subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Run the bot (the default): connect, migrate, serve until SIGTERM or SIGINT
    Run,
    /// Apply pending database migrations and exit
    Migrate,
    /// Check the configuration and print it, secrets redacted
    CheckConfig,
    /// Manage the encryption keys
    #[command(subcommand)]
    Keys(crate::keys_cmd::KeysCommand),
    /// Classify messages from standard input (one per line, plain text or
    /// {"text": ..., "sent_at": ...}); print one JSON line per message.
    /// Exits 1 when some lines were refused (each got an error line).
    Classify {
        /// The time of messages without sent_at [default: now]
        #[arg(long, value_name = "RFC3339", value_parser = parse_now)]
        now: Option<chrono::DateTime<chrono::Utc>>,
        /// The chat's time zone, for due dates (an IANA name such as Europe/Kyiv)
        #[arg(long, value_name = "ZONE", default_value = "UTC", value_parser = parse_tz)]
        tz: chrono_tz::Tz,
        /// The classifier: builtin (offline) or a configured provider's name
        #[arg(long, value_name = "NAME", default_value = crate::classify_cmd::BUILTIN)]
        provider: String,
    },
}

fn parse_now(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| format!("{e}; write an RFC 3339 time such as 2026-12-04T09:30:00Z"))
}

fn parse_tz(s: &str) -> Result<chrono_tz::Tz, String> {
    s.parse::<chrono_tz::Tz>().map_err(|_| {
        format!("unknown time zone {s:?}; use an IANA name such as Europe/Kyiv or UTC")
    })
}

/// Runs the command line with the given environment; returns the exit status.
pub fn main(cli: Cli, env: Vec<(String, String)>) -> ExitCode {
    let command = cli.command.clone().unwrap_or(Command::Run);
    let purpose = match command {
        Command::Run | Command::CheckConfig => Purpose::RunBot,
        Command::Migrate | Command::Keys(_) => Purpose::Database,
        Command::Classify { now, tz, provider } => return classify(now, tz, &provider),
    };
    let env_for_actor: Vec<(String, String)> = env
        .iter()
        .filter(|(k, _)| k == "USER" || k == "LOGNAME")
        .cloned()
        .collect();
    let loaded = match config::load(&LoadOptions::new(cli.config.clone(), env, purpose)) {
        Ok(l) => l,
        Err(e) => {
            eprintln!("tasktracker: {e}");
            eprintln!(
                "see config/tasktracker.example.toml for every key, or run `tasktracker check-config`"
            );
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let format = match cli.log_format {
        Some(LogFormatArg::Text) => LogFormat::Text,
        Some(LogFormatArg::Json) => LogFormat::Json,
        None => loaded.config.log.format,
    };
    let sink = match command {
        Command::Run => Sink::Stdout,
        _ => Sink::Stderr,
    };
    logging::init(format, sink);

    if let Command::CheckConfig = command {
        print!("{}", loaded.render_redacted());
        return ExitCode::SUCCESS;
    }

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tasktracker: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match command {
            Command::Run => run(&loaded).await,
            Command::Migrate => migrate(&loaded).await,
            Command::Keys(cmd) => {
                crate::keys_cmd::run(&cmd, &loaded, &crate::keys_cmd::actor(&env_for_actor)).await
            }
            Command::CheckConfig | Command::Classify { .. } => Ok(()),
        }
    });
    // A blocking task (a DNS lookup of an unreachable Bot API) must not hold
    // the exit back.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "stopped on error");
            eprintln!("tasktracker: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn classify(
    now: Option<chrono::DateTime<chrono::Utc>>,
    tz: chrono_tz::Tz,
    provider: &str,
) -> ExitCode {
    if provider != crate::classify_cmd::BUILTIN {
        eprintln!(
            "tasktracker classify: provider {provider:?} is not available: this build has only \
             the builtin classifier (LLM providers are not built yet)"
        );
        return ExitCode::from(2);
    }
    let opts = crate::classify_cmd::Options {
        now: now.unwrap_or_else(chrono::Utc::now),
        tz,
    };
    let stdin = std::io::stdin().lock();
    let stdout = std::io::BufWriter::new(std::io::stdout().lock());
    match crate::classify_cmd::run(&opts, stdin, stdout, std::io::stderr()) {
        Ok(0) => ExitCode::SUCCESS,
        // Every line got its answer, but some were refused: say so to scripts.
        Ok(_) => ExitCode::FAILURE,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tasktracker classify: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn open(loaded: &Loaded) -> anyhow::Result<Db> {
    let db = Db::connect(&loaded.config.database).await?;
    let report = db.migrate().await?;
    if !report.applied.is_empty() {
        tracing::info!(count = report.applied.len(), "database migrated");
    }
    Ok(db)
}

async fn migrate(loaded: &Loaded) -> anyhow::Result<()> {
    let db = Db::connect(&loaded.config.database).await?;
    let report = db.migrate().await?;
    if report.applied.is_empty() {
        println!("the database is up to date");
    } else {
        println!("applied {} migration(s):", report.applied.len());
        for name in &report.applied {
            println!("  {name}");
        }
    }
    db.close().await?;
    Ok(())
}

async fn run(loaded: &Loaded) -> anyhow::Result<()> {
    let mut shutdown = crate::shutdown::Shutdown::install()?;
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        database = %config::redact_url(loaded.config.database.url.expose()),
        config_file = ?loaded.file,
        "tasktracker starting"
    );
    let db = open(loaded).await.context("opening the database")?;
    let opts = OpenOptions::from_config(loaded, db.backend());
    if matches!(opts.source, KekSource::Inline(_)) {
        tracing::warn!(
            "the encryption key comes from an environment variable: fine for development, \
             use encryption.key_file or a systemd credential in production"
        );
    }
    let vault = Vault::unlock(&db, &opts)
        .await
        .context("unlocking the encryption keys")?;
    let result = poll(loaded, &db, &vault, &mut shutdown).await;
    db.close().await?;
    result?;
    tracing::info!("stopped");
    Ok(())
}

/// Runs the poller until a signal (then `Ok`) or a fatal error.
async fn poll(
    loaded: &Loaded,
    db: &Db,
    vault: &Vault,
    shutdown: &mut crate::shutdown::Shutdown,
) -> anyhow::Result<()> {
    let telegram = &loaded.config.telegram;
    let token = telegram
        .token
        .as_ref()
        .context("telegram.token is missing")?;
    let client = crate::telegram::http_client(telegram)?;
    let poller = crate::poller::Poller::new(telegram, token, client)?;
    let cancel = CancellationToken::new();
    let polling = poller.run(db, vault, &cancel);
    tokio::pin!(polling);
    tracing::info!(
        backend = ?db.backend(),
        kek_version = vault.kek_version(),
        api_url = %config::redact_url(&telegram.api_url),
        "database and keys ready; polling Telegram; stop with SIGTERM or SIGINT"
    );
    tokio::select! {
        result = &mut polling => result,
        signal = shutdown.wait() => {
            tracing::info!(signal, "stopping");
            cancel.cancel();
            // The poller stops at once, unless it is committing a batch.
            polling.await
        }
    }
}
