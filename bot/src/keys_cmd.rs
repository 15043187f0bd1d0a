//! `tasktracker keys …`: the encryption keys, for operators.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Subcommand, ValueEnum};
use domain::config::Loaded;
use domain::rotation::{self, DekScope};
use domain::store::Db;
use domain::vault::{self, KekSource, OpenOptions, Vault};

/// `tasktracker keys` subcommands.
#[derive(Debug, Clone, Subcommand)]
pub enum KeysCommand {
    /// Create a new key file (32 random bytes, base64, mode 0600); never overwrites
    Init {
        /// Where [default: encryption.key_file]
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// List KEK and data-key versions and how many values use each
    Status,
    /// Rewrap every data key under a new KEK (one transaction), retire the old
    /// KEK, and install the new key file in place of the configured one
    RotateKek {
        /// The new key file (make one with `tasktracker keys init --out FILE`)
        #[arg(long, value_name = "FILE")]
        new_key_file: PathBuf,
    },
    /// Start new data-key versions for new writes, then re-encrypt old values in batches
    RotateDek {
        /// Which keys
        #[arg(long, value_enum, default_value = "all")]
        scope: ScopeArg,
        /// Values per transaction
        #[arg(long, default_value_t = rotation::DEFAULT_BATCH)]
        batch: u64,
    },
    /// Re-encrypt values still on old data-key versions (resumes an interrupted rotate-dek)
    Rewrap {
        /// Values per transaction
        #[arg(long, default_value_t = rotation::DEFAULT_BATCH)]
        batch: u64,
    },
    /// Retire data-key versions no value uses any more
    Retire,
}

/// `--scope`
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScopeArg {
    /// The system key
    System,
    /// Every person's key
    People,
    /// Both
    All,
}

/// Who runs the command, for the audit log: `cli:USER`.
pub fn actor(env: &[(String, String)]) -> String {
    let user = env
        .iter()
        .find(|(k, _)| k == "USER" || k == "LOGNAME")
        .map(|(_, v)| v.as_str())
        .unwrap_or("unknown");
    format!("cli:{user}")
}

/// Runs a `keys` subcommand.
pub async fn run(cmd: &KeysCommand, loaded: &Loaded, actor: &str) -> anyhow::Result<()> {
    if let KeysCommand::Init { out } = cmd {
        let path = out
            .clone()
            .unwrap_or_else(|| loaded.config.encryption.key_file.clone());
        vault::create_key_file(&path)?;
        println!(
            "created {} (mode 0600). Back it up somewhere safe: without it the encrypted data \
             cannot be read.",
            path.display()
        );
        return Ok(());
    }
    let db = Db::connect(&loaded.config.database).await?;
    db.migrate().await?;
    if let KeysCommand::Status = cmd {
        print_status(&db).await?;
        return Ok(());
    }
    let opts = OpenOptions::from_config(loaded, db.backend());
    let vault = Vault::unlock(&db, &opts)
        .await
        .context("unlocking the keys")?;
    match cmd {
        KeysCommand::RotateKek { new_key_file } => {
            let r = rotation::rotate_kek(&db, &vault, new_key_file, actor).await?;
            println!(
                "rewrapped {} data key version(s) from KEK version {} to {}; version {} is retired",
                r.rewrapped, r.from, r.to, r.from
            );
            match &opts.source {
                KekSource::File(path)
                    if loaded
                        .source_of("encryption.key_file")
                        .starts_with("systemd") =>
                {
                    println!(
                        "the key comes from a systemd credential: replace {} with {} and restart \
                         the service",
                        path.display(),
                        new_key_file.display()
                    );
                }
                KekSource::File(path) => {
                    let backup = rotation::install_key_file(path, new_key_file, r.from)?;
                    println!(
                        "installed the new key at {}; the old key is kept at {} (old backups of \
                         the database need it). A running bot switches to the new key by itself.",
                        path.display(),
                        backup.display()
                    );
                }
                KekSource::Inline(_) => println!(
                    "the key comes from the environment: set it to the contents of {} and restart",
                    new_key_file.display()
                ),
            }
        }
        KeysCommand::RotateDek { scope, batch } => {
            let scope = match scope {
                ScopeArg::System => DekScope::System,
                ScopeArg::People => DekScope::People,
                ScopeArg::All => DekScope::All,
            };
            let n = rotation::rotate_dek(&db, &vault, scope, actor).await?;
            println!("started a new version of {n} data key(s); new writes use it now");
            rewrap(&db, &vault, *batch, actor).await?;
            println!("run `tasktracker keys retire` to retire the old versions");
        }
        KeysCommand::Rewrap { batch } => rewrap(&db, &vault, *batch, actor).await?,
        KeysCommand::Retire => {
            let retired = rotation::retire_versions(&db, &vault, actor).await?;
            if retired.is_empty() {
                println!("nothing to retire: every key's old versions are still in use or gone");
            } else {
                println!("retired old versions of {} data key(s)", retired.len());
            }
        }
        KeysCommand::Init { .. } | KeysCommand::Status => {}
    }
    db.close().await?;
    Ok(())
}

async fn rewrap(db: &Db, vault: &Vault, batch: u64, actor: &str) -> anyhow::Result<()> {
    let done = rotation::rewrap_values(db, vault, batch, actor, |p| {
        eprintln!(
            "  {}: {} scanned, {} re-encrypted, {} skipped",
            p.column, p.scanned, p.rewritten, p.skipped
        );
    })
    .await?;
    println!(
        "re-encrypted {} value(s) of {} scanned ({} skipped)",
        done.rewritten, done.scanned, done.skipped
    );
    Ok(())
}

async fn print_status(db: &Db) -> anyhow::Result<()> {
    let st = rotation::status(db).await?;
    println!("KEK versions:");
    if st.keks.is_empty() {
        println!("  none yet (the first start creates version 1)");
    }
    for (version, retired, wraps) in &st.keks {
        let state = if *retired { "retired" } else { "active" };
        println!("  v{version}  {state:<8} wraps {wraps} data-key version(s)");
    }
    println!("data keys:");
    for (purpose, n) in &st.keys {
        println!("  {purpose:<12} {n}");
    }
    println!("values by key version:");
    for ((purpose, version), n) in &st.values {
        println!("  {purpose:<12} v{version}  {n}");
    }
    if st.erased > 0 {
        println!("  erased (key deleted): {}", st.erased);
    }
    if st.unreadable > 0 {
        println!("  unreadable headers: {}", st.unreadable);
    }
    Ok(())
}
