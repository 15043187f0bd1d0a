//! `tasktracker-console`: the operators' console, run over SSH on the bot's
//! host against the same database and key. It loads the configuration
//! exactly as the bot does (`--config`, `./tasktracker.toml`,
//! `/etc/tasktracker/tasktracker.toml`, `TASKTRACKER_*`), logs to a file
//! (never the terminal), and restores the terminal on exit, on a panic and
//! on SIGHUP, SIGTERM and SIGINT. `--overview` prints a plain overview for
//! scripts instead.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Parser;
use color_eyre::eyre::{Result, WrapErr, eyre};
use domain::config::{self, LoadOptions, Loaded, Purpose};
use domain::i18n::Locales;
use domain::store::Db;
use domain::vault::{KekSource, OpenOptions, Vault};
use tui::app::{App, Ctx};
use tui::tasks::Services;
use tui::text::{Text, choose_lang};
use tui::theme::Theme;
use tui::{Console, plain};

/// tasktracker-console: chats, providers, keys, retention and the audit log.
#[derive(Debug, Parser)]
#[command(name = "tasktracker-console", version, about)]
struct Cli {
    /// Configuration file [default: ./tasktracker.toml, then /etc/tasktracker/tasktracker.toml]
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Print a plain-text overview and exit (for scripts; English)
    #[arg(long)]
    overview: bool,
    /// Write logs here [default: $XDG_STATE_HOME/tasktracker/console.log,
    /// else ~/.local/state/tasktracker/console.log]
    #[arg(long, value_name = "FILE")]
    log_file: Option<PathBuf>,
    /// Panic on purpose (built with the `test-hooks` feature only, for the
    /// tests that watch the terminal being restored).
    #[cfg(feature = "test-hooks")]
    #[arg(long, hide = true, value_name = "WHERE")]
    panic_for_test: Option<tui::PanicAt>,
}

fn main() -> Result<()> {
    color_eyre::install()?;
    let cli = Cli::parse();
    let env: Vec<(String, String)> = std::env::vars().collect();
    let loaded = config::load(&LoadOptions::new(
        cli.config.clone(),
        env.clone(),
        Purpose::Database,
    ))
    .map_err(|e| eyre!("{e}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if cli.overview {
        return runtime.block_on(async {
            let db = Db::connect(&loaded.config.database)
                .await
                .wrap_err("opening the database")?;
            db.migrate().await.wrap_err("migrating the database")?;
            print!("{}", plain::overview(&db).await?);
            db.close().await?;
            Ok(())
        });
    }
    init_logging(cli.log_file.clone().or_else(|| default_log_file(&env)));
    // Logs a panic and restores the terminal before color-eyre's report.
    tui::terminal::install_panic_hook();
    runtime.block_on(interactive(cli, loaded, env))
}

async fn interactive(cli: Cli, loaded: Loaded, env: Vec<(String, String)>) -> Result<()> {
    let db = Db::connect(&loaded.config.database)
        .await
        .wrap_err("opening the database")?;
    db.migrate().await.wrap_err("migrating the database")?;
    let opts = OpenOptions::from_config(&loaded, db.backend());
    let vault = Vault::unlock(&db, &opts)
        .await
        .wrap_err("unlocking the encryption keys")?;
    // A key in a file the console may replace; one from a systemd
    // credential or the environment is replaced by hand.
    let key_file = match &opts.source {
        KekSource::File(path)
            if !loaded
                .source_of("encryption.key_file")
                .starts_with("systemd") =>
        {
            Some(path.clone())
        }
        _ => None,
    };
    let actor = domain::operator::actor("console", &env);
    let locales = Arc::new(Locales::load()?);
    let ctx = Ctx {
        text: Text::new(
            locales,
            choose_lang(loaded.config.console.language.as_deref(), &env),
        ),
        theme: Theme::from_env(&env),
        now: domain::store::now(),
        kek_in_place: key_file.is_some(),
        actor: actor.clone(),
    };
    tracing::info!(%actor, "console started");
    let services = Arc::new(Services {
        db: db.clone(),
        vault: Arc::new(vault),
        actor,
        key_file,
    });
    let mut console = Console::new(App::new(ctx), services);
    #[cfg(feature = "test-hooks")]
    if let Some(at) = cli.panic_for_test {
        console.panic_for_test(at);
    }
    #[cfg(not(feature = "test-hooks"))]
    let _ = cli;

    // Listening before the terminal is taken: a signal that came between
    // the two would end the console in raw mode.
    let shutdown = shutdown_signal();
    let mut terminal = tui::terminal::take().wrap_err("opening the terminal")?;
    let result = console
        .run(
            &mut terminal,
            crossterm::event::EventStream::new(),
            shutdown,
        )
        .await;
    // Dropping ratatui's terminal shows the cursor (still on the alternate
    // screen); then the terminal is given back, once.
    drop(terminal);
    tui::terminal::give_back();
    match &result {
        Ok(()) => tracing::info!("console stopped"),
        Err(e) => tracing::error!(error = %e, "console stopped"),
    }
    db.close().await?;
    result
}

/// Listens for SIGHUP (the SSH connection went away), SIGTERM and SIGINT
/// from now on (not from the first poll): the future completes on the
/// first of them.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut streams = Vec::new();
    for kind in [
        SignalKind::hangup(),
        SignalKind::terminate(),
        SignalKind::interrupt(),
    ] {
        match signal(kind) {
            Ok(s) => streams.push(s),
            Err(e) => tracing::warn!(error = %e, "cannot listen for a signal"),
        }
    }
    async move {
        if streams.is_empty() {
            return std::future::pending().await;
        }
        let waits = streams.iter_mut().map(|s| Box::pin(s.recv()));
        futures::future::select_all(waits).await;
        tracing::info!("signal received; leaving");
    }
}

fn default_log_file(env: &[(String, String)]) -> Option<PathBuf> {
    let var = |k: &str| {
        env.iter()
            .find(|(n, v)| n == k && !v.is_empty())
            .map(|(_, v)| PathBuf::from(v))
    };
    var("XDG_STATE_HOME")
        .or_else(|| var("HOME").map(|h| h.join(".local/state")))
        .map(|d| d.join("tasktracker/console.log"))
}

/// Logs to `path` (appending), never to the terminal the console draws
/// on; the level comes from `RUST_LOG` (default `info`). Without a usable
/// file, nothing is logged.
fn init_logging(path: Option<PathBuf>) {
    let Some(path) = path else { return };
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    else {
        return;
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init();
}
