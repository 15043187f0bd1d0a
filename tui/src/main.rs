//! `tasktracker-console`: the operators' console.
//!
//! For now it prints a one-screen overview of the database the bot uses and
//! exits; the interactive ratatui console (chats, providers, keys, retention,
//! audit) is the console issue's work. It loads the same configuration as the
//! bot, so it always looks at the same database.

use std::path::PathBuf;

use clap::Parser;
use color_eyre::eyre::{Result, WrapErr, eyre};
use domain::config::{self, LoadOptions, Purpose};
use domain::store::audit::{self, Verification};
use domain::store::chats::{self, ChatStatus};
use domain::store::inbox::{self, InboxStatus};
use domain::store::outbox::{self, OutboxStatus};
use domain::store::{Db, messages, people, retention, tasks};

/// tasktracker-console: the operators' view of a tasktracker database.
#[derive(Debug, Parser)]
#[command(name = "tasktracker-console", version, about)]
struct Cli {
    /// Configuration file [default: ./tasktracker.toml, then /etc/tasktracker/tasktracker.toml]
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

fn main() -> Result<()> {
    color_eyre::install()?;
    let cli = Cli::parse();
    let loaded = config::load(&LoadOptions::new(
        cli.config,
        std::env::vars(),
        Purpose::Database,
    ))
    .map_err(|e| eyre!("{e}"))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let db = Db::connect(&loaded.config.database)
            .await
            .wrap_err("opening the database")?;
        db.migrate().await.wrap_err("migrating the database")?;
        print!("{}", overview(&db).await?);
        db.close().await?;
        Ok(())
    })
}

async fn overview(db: &Db) -> Result<String> {
    let mut out = String::from("tasktracker overview\n\n");
    let count_chats = async |s| -> Result<usize> { Ok(chats::list(db, Some(s)).await?.len()) };
    out.push_str(&format!(
        "chats      {} approved, {} pending, {} blocked\n",
        count_chats(ChatStatus::Approved).await?,
        count_chats(ChatStatus::Pending).await?,
        count_chats(ChatStatus::Blocked).await?,
    ));
    out.push_str(&format!("people     {}\n", people::count(db).await?));
    out.push_str(&format!(
        "messages   {}\n",
        messages::count(db, None).await?
    ));
    out.push_str(&format!(
        "open tasks {}\n",
        tasks::count_open(db, None).await?
    ));
    out.push_str(&format!(
        "inbox      {} pending, {} dead\n",
        inbox::count(db, InboxStatus::Pending).await?,
        inbox::count(db, InboxStatus::Dead).await?,
    ));
    out.push_str(&format!(
        "outbox     {} pending, {} dead\n",
        outbox::count(db, OutboxStatus::Pending).await?,
        outbox::count(db, OutboxStatus::Dead).await?,
    ));
    let policy = retention::policy(db).await?;
    out.push_str(&format!(
        "retention  {} days by default (chats may choose {} to {})\n",
        policy.default_days, policy.min_days, policy.max_days
    ));
    match retention::recent_runs(db, 1).await?.first() {
        Some(run) => out.push_str(&format!(
            "last purge {} ({} messages)\n",
            run.started_at.format("%Y-%m-%d %H:%M UTC"),
            run.counts.messages
        )),
        None => out.push_str("last purge never\n"),
    }
    out.push_str(&match audit::verify(db).await? {
        Verification::Intact { entries } => format!("audit      {entries} entries, chain intact\n"),
        Verification::Broken { seq, reason } => {
            format!("audit      CHAIN BROKEN at entry {seq}: {reason}\n")
        }
    });
    Ok(out)
}
