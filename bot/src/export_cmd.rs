//! `tasktracker export`: an operator writes one person's data export (what
//! `/export` sends them) into a directory: recorded as an operator request
//! (never limited), audited without naming the person.

use std::path::Path;

use anyhow::Context;
use domain::config::Loaded;
use domain::export::{self, ExportOptions};
use domain::i18n::Locales;
use domain::requests;
use domain::store::Db;
use domain::vault::Vault;

/// Writes the export of `telegram_user_id` into `out` (a directory, created
/// mode 0700 when missing; existing files are never overwritten) and prints
/// a summary.
pub async fn run(
    db: &Db,
    vault: &Vault,
    loaded: &Loaded,
    telegram_user_id: i64,
    out: &Path,
    actor: &str,
) -> anyhow::Result<()> {
    if out.exists() && !out.is_dir() {
        anyhow::bail!(
            "{} exists and is not a directory: --out names a directory for the export's files",
            out.display()
        );
    }
    let locales = Locales::load().context("loading the translations")?;
    let now = domain::store::now();
    let request = requests::record_operator_export(db, vault, telegram_user_id, actor, now)
        .await
        .context("recording the export request")?;
    let opts = ExportOptions {
        part_limit: loaded.config.privacy.export_part_bytes(),
        lang: None,
    };
    let summary = match export::write_to_dir(
        db,
        vault,
        &locales,
        telegram_user_id,
        request.id,
        out,
        &opts,
    )
    .await
    {
        Ok(s) => s,
        Err(e) => {
            let reason = match &e {
                export::ExportError::Exists { .. } => "a file already existed",
                export::ExportError::Io { .. } => "writing the files failed",
                export::ExportError::Vault(_) => "decryption failed",
                export::ExportError::Store(_) => "the database failed",
                _ => "the export failed",
            };
            if let Err(fe) =
                requests::fail_export(db, request.id, reason, domain::store::now()).await
            {
                tracing::warn!(error = %fe, "could not record the failed export");
            }
            return Err(e).context("writing the export");
        }
    };
    requests::complete_export(
        db,
        request.id,
        &summary.delivered(),
        actor,
        domain::store::now(),
    )
    .await
    .context("recording the completed export")?;

    let c = summary.counts;
    if !c.profile && c.consents == 0 && c.requests <= 1 {
        println!("nothing is stored about that person; the export holds only this request");
    }
    println!(
        "wrote export {} ({} part(s), {} bytes): {} message(s), {} task(s) made from them, \
         {} task(s) assigned to them, {} consent record(s), {} request(s)",
        summary.export_id,
        summary.parts.len(),
        summary.bytes,
        c.messages,
        c.tasks,
        c.assigned_tasks,
        c.consents,
        c.requests,
    );
    for p in &summary.parts {
        println!("  {}", p.display());
    }
    Ok(())
}
