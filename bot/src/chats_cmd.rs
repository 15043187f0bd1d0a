//! `tasktracker chats list | approve | block`: which chats may be captured.

use clap::Subcommand;
use domain::config::Loaded;
use domain::records;
use domain::store::Db;
use domain::store::chats::{self, ChatStatus};
use domain::vault::{OpenOptions, Vault};

/// `tasktracker chats` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum ChatsCommand {
    /// List every chat the bot has seen or an operator decided on
    List,
    /// Allow capture in a chat (group ids are negative)
    Approve {
        /// The Telegram chat id
        #[arg(allow_negative_numbers = true)]
        chat_id: i64,
    },
    /// Refuse capture in a chat
    Block {
        /// The Telegram chat id
        #[arg(allow_negative_numbers = true)]
        chat_id: i64,
    },
}

/// Sets a chat's approval and audits it, in one transaction
/// (`domain::operator::decide_chat`).
pub async fn decide(db: &Db, chat_id: i64, status: ChatStatus, actor: &str) -> anyhow::Result<()> {
    domain::operator::decide_chat(db, chat_id, status, actor).await?;
    Ok(())
}

/// Approves the chats the configuration lists (actor `config`).
pub async fn apply_config(db: &Db, loaded: &Loaded) -> anyhow::Result<()> {
    for id in &loaded.config.chats.approved {
        decide(db, *id, ChatStatus::Approved, "config").await?;
    }
    Ok(())
}

/// Runs a `chats` subcommand.
pub async fn run(cmd: &ChatsCommand, loaded: &Loaded, actor: &str) -> anyhow::Result<()> {
    let db = Db::connect(&loaded.config.database).await?;
    db.migrate().await?;
    match cmd {
        ChatsCommand::List => {
            let all = chats::list(&db, None).await?;
            if all.is_empty() {
                println!("no chats yet: add the bot to a group, or approve a chat id");
            } else {
                let vault =
                    Vault::unlock(&db, &OpenOptions::from_config(loaded, db.backend())).await?;
                println!(
                    "{:>16}  {:<10} {:<9} {:<7} title",
                    "chat id", "kind", "status", "mode"
                );
                for c in &all {
                    let title = records::chat_title(&db, &vault, c)
                        .await
                        .unwrap_or_else(|e| Some(format!("({e})")))
                        .unwrap_or_default();
                    println!(
                        "{:>16}  {:<10} {:<9} {:<7} {title}",
                        c.id, c.kind, c.status, c.reply_mode
                    );
                }
            }
        }
        ChatsCommand::Approve { chat_id } => {
            decide(&db, *chat_id, ChatStatus::Approved, actor).await?;
            println!("chat {chat_id} is approved: the bot captures there from now on");
        }
        ChatsCommand::Block { chat_id } => {
            decide(&db, *chat_id, ChatStatus::Blocked, actor).await?;
            println!("chat {chat_id} is blocked: the bot captures nothing there");
        }
    }
    db.close().await?;
    Ok(())
}
