//! `tasktracker-console --overview`: the overview as plain English text,
//! for scripts (operator command-line output stays English).

use color_eyre::eyre::Result;
use domain::store::audit::{self, Verification};
use domain::store::chats::{self, ChatStatus};
use domain::store::inbox::{self, InboxStatus};
use domain::store::outbox::{self, OutboxStatus};
use domain::store::{Db, messages, people, providers, retention, tasks};

/// The overview, one fact per line.
pub async fn overview(db: &Db) -> Result<String> {
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
    for p in providers::list(db).await? {
        out.push_str(&format!(
            "provider   {} ({}): circuit {}, last error {}\n",
            p.name,
            if p.enabled { "enabled" } else { "disabled" },
            p.circuit_state.map(|c| c.as_str()).unwrap_or("unknown"),
            p.last_error.as_deref().unwrap_or("none"),
        ));
    }
    Ok(out)
}
