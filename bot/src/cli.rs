//! The command line: `tasktracker [run] | migrate | check-config | …`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use domain::config::{self, LoadOptions, Loaded, LogFormat, Purpose};
use domain::store::Db;
use std::sync::Arc;

use domain::vault::{KekSource, OpenOptions, Vault};

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

/// `tasktracker audit` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum AuditCommand {
    /// Check the hash chain: prints OK, or the first broken entry (exit 1)
    Verify,
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
    /// The audit log
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Which chats may be captured
    #[command(subcommand)]
    Chats(crate::chats_cmd::ChatsCommand),
    /// Erase everything about one person (what /forget does), at once
    Forget {
        /// Their Telegram user id
        #[arg(long)]
        telegram_user_id: i64,
        /// Keep them on the opt-out list
        #[arg(long)]
        keep_opt_out: bool,
    },
    /// Write everything stored about one person (what /export sends them)
    /// as JSON files into a directory; audited without naming them
    Export {
        /// Their Telegram user id
        #[arg(long)]
        telegram_user_id: i64,
        /// The directory for the files (created, mode 0700, when missing);
        /// files are tasktracker-export-DATE-partN.json, mode 0600, and an
        /// existing file is never overwritten
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Delete what the retention policy says has expired, now
    Purge {
        /// Count what would go; delete nothing
        #[arg(long)]
        dry_run: bool,
        /// Rows per transaction
        #[arg(long, default_value_t = 1000)]
        batch: u64,
    },
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
        Command::Migrate
        | Command::Keys(_)
        | Command::Audit(_)
        | Command::Chats(_)
        | Command::Purge { .. }
        | Command::Export { .. }
        | Command::Forget { .. } => Purpose::Database,
        Command::Classify { now, tz, provider } => {
            return classify(&cli, env, now, tz, &provider);
        }
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
            Command::Audit(AuditCommand::Verify) => audit_verify(&loaded).await,
            Command::Forget {
                telegram_user_id,
                keep_opt_out,
            } => {
                forget(
                    &loaded,
                    telegram_user_id,
                    keep_opt_out,
                    &crate::keys_cmd::actor(&env_for_actor),
                )
                .await
            }
            Command::Export {
                telegram_user_id,
                out,
            } => {
                export(
                    &loaded,
                    telegram_user_id,
                    &out,
                    &crate::keys_cmd::actor(&env_for_actor),
                )
                .await
            }
            Command::Purge { dry_run, batch } => {
                purge(
                    &loaded,
                    dry_run,
                    batch,
                    &crate::keys_cmd::actor(&env_for_actor),
                )
                .await
            }
            Command::Chats(cmd) => {
                crate::chats_cmd::run(&cmd, &loaded, &crate::keys_cmd::actor(&env_for_actor)).await
            }
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
    cli: &Cli,
    env: Vec<(String, String)>,
    now: Option<chrono::DateTime<chrono::Utc>>,
    tz: chrono_tz::Tz,
    provider: &str,
) -> ExitCode {
    use crate::classify_cmd::{self, BUILTIN};
    use domain::classify::Classifier;
    use domain::classify::builtin::Builtin;

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("tasktracker classify: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The builtin classifier needs no configuration; a provider is looked
    // up in the database.
    let mut with_provider = None;
    let classifier = if provider == BUILTIN {
        Classifier::Builtin(Builtin)
    } else {
        let loaded = match config::load(&LoadOptions::new(
            cli.config.clone(),
            env,
            Purpose::Database,
        )) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("tasktracker classify: {e}");
                return ExitCode::from(EXIT_CONFIG);
            }
        };
        let format = match cli.log_format {
            Some(LogFormatArg::Text) => LogFormat::Text,
            Some(LogFormatArg::Json) => LogFormat::Json,
            None => loaded.config.log.format,
        };
        logging::init(format, Sink::Stderr);
        let found = runtime.block_on(async {
            let db = open(&loaded).await.context("opening the database")?;
            let row = classify_cmd::find_provider(&db, provider).await?;
            let classifier = classify_cmd::provider_classifier(&db, &loaded, &row).await?;
            anyhow::Ok((db, row, classifier))
        });
        match found {
            Ok((db, row, classifier)) => {
                with_provider = Some((db, row));
                classifier
            }
            Err(e) => {
                eprintln!("tasktracker classify: {e:#}");
                return ExitCode::from(2);
            }
        }
    };
    let opts = classify_cmd::Options {
        now: now.unwrap_or_else(chrono::Utc::now),
        tz,
    };
    let result = runtime.block_on(async {
        let stdin = std::io::stdin().lock();
        let stdout = std::io::BufWriter::new(std::io::stdout().lock());
        let report = classify_cmd::run(&opts, &classifier, stdin, stdout, std::io::stderr()).await;
        if let (Ok(report), Some((db, row))) = (&report, &with_provider)
            && let Err(e) = classify_cmd::record_health(db, row, report).await
        {
            tracing::warn!(error = %format!("{e:#}"), "could not record the provider's health");
        }
        report
    });
    match result {
        Ok(report) if report.refused == 0 => ExitCode::SUCCESS,
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

async fn forget(
    loaded: &Loaded,
    telegram_user_id: i64,
    keep_opt_out: bool,
    actor: &str,
) -> anyhow::Result<()> {
    let db = open(loaded).await?;
    let vault = Vault::unlock(&db, &OpenOptions::from_config(loaded, db.backend()))
        .await
        .context("unlocking the encryption keys")?;
    let e = domain::forget::forget(&db, &vault, telegram_user_id, keep_opt_out, actor).await?;
    db.close().await?;
    if !e.found_anything() {
        println!("nothing is stored about that person");
    } else {
        println!(
            "erased {} message(s), {} task(s) made from them, {} assignment(s), {} queued \
             message(s), {} sent repl(ies) quoting them ({} to delete from their chats, \
             {} card(s) to show without their name), {} consent record(s), {} request(s){}; \
             their key is destroyed",
            e.messages,
            e.tasks,
            e.assignments,
            e.outbox,
            e.sent,
            e.deletions,
            e.unnamed,
            e.consents,
            e.requests,
            if keep_opt_out {
                " (kept on the opt-out list)"
            } else {
                ""
            }
        );
    }
    Ok(())
}

async fn export(
    loaded: &Loaded,
    telegram_user_id: i64,
    out: &std::path::Path,
    actor: &str,
) -> anyhow::Result<()> {
    let db = open(loaded).await?;
    let vault = Vault::unlock(&db, &OpenOptions::from_config(loaded, db.backend()))
        .await
        .context("unlocking the encryption keys")?;
    let result = crate::export_cmd::run(&db, &vault, loaded, telegram_user_id, out, actor).await;
    db.close().await?;
    result
}

async fn purge(loaded: &Loaded, dry_run: bool, batch: u64, actor: &str) -> anyhow::Result<()> {
    use domain::purge::{self, PurgeOptions};
    let db = open(loaded).await?;
    let opts = PurgeOptions {
        batch,
        dry_run,
        ..Default::default()
    };
    let run = purge::purge(&db, chrono::Utc::now(), &opts, actor).await?;
    db.close().await?;
    let c = run.counts;
    println!(
        "{} {} message(s), {} task(s) made from them, {} inbox row(s) and {} outbox item(s)",
        if dry_run { "would delete" } else { "deleted" },
        c.messages,
        c.tasks,
        c.inbox,
        c.outbox
    );
    Ok(())
}

async fn audit_verify(loaded: &Loaded) -> anyhow::Result<()> {
    use domain::store::audit::{self, Verification};
    let db = open(loaded).await?;
    let result = audit::verify(&db).await?;
    db.close().await?;
    match result {
        Verification::Intact { entries } => {
            println!("OK: the audit log's {entries} entries form an unbroken chain");
            Ok(())
        }
        Verification::Broken { seq, reason } => {
            anyhow::bail!("the audit log is broken at entry {seq}: {reason}")
        }
    }
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
    crate::chats_cmd::apply_config(&db, loaded)
        .await
        .context("approving the chats listed in chats.approved")?;
    let result = crate::service::serve(loaded, &db, Arc::new(vault), &mut shutdown).await;
    db.close().await?;
    result?;
    tracing::info!("stopped");
    Ok(())
}
