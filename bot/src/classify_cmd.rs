//! `tasktracker classify`: classifies messages read from standard input, one
//! per line, and writes one JSON line per message, in order.
//!
//! A line is plain text, or a JSON object `{"text": "...", "sent_at":
//! "RFC3339"}`. A line that cannot be read gets an error on standard error and
//! an error JSON line in its place, and the rest continue.
//!
//! `--provider NAME` classifies with a provider configured in the database;
//! a provider failure falls back to the builtin classifier, and the result's
//! `classifier` says so.

use std::io::{BufRead, Write};

use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use domain::Secret;
use domain::classify::openai::{ProviderError, Settings};
use domain::classify::{Classifier, MessageInput};
use domain::config::Loaded;
use domain::records;
use domain::store::Db;
use domain::store::providers::{self, Provider};
use domain::vault::{OpenOptions, Vault};

/// The classifier that needs no network and no configuration.
pub const BUILTIN: &str = "builtin";

/// Options of the subcommand.
#[derive(Debug, Clone)]
pub struct Options {
    /// The time of messages that do not carry `sent_at`.
    pub now: DateTime<Utc>,
    /// The chat's time zone for due dates.
    pub tz: chrono_tz::Tz,
}

/// What a run did, beyond its output lines.
#[derive(Debug, Default)]
pub struct Report {
    /// Lines refused (each got an error line).
    pub refused: u64,
    /// Messages the provider classified itself.
    pub provider_ok: u64,
    /// The provider's last failure, if any (its results fell back to builtin).
    pub last_provider_error: Option<ProviderError>,
}

#[derive(Debug, serde::Deserialize)]
struct JsonLine {
    text: String,
    #[serde(default)]
    sent_at: Option<DateTime<Utc>>,
}

/// Finds an enabled provider by name.
pub async fn find_provider(db: &Db, name: &str) -> anyhow::Result<Provider> {
    let provider = providers::get_by_name(db, name)
        .await
        .context("reading the providers")?
        .with_context(|| {
            format!(
                "no provider named {name:?} is configured; add it in tasktracker-console, \
                 or use --provider {BUILTIN}"
            )
        })?;
    if !provider.enabled {
        bail!(
            "provider {name:?} is disabled; enable it in tasktracker-console, \
             or use --provider {BUILTIN}"
        );
    }
    Ok(provider)
}

/// The provider's API key, decrypted with the key vault (`None` for a
/// keyless local server). Unlocks the vault only when there is a key.
pub async fn resolve_api_key(
    db: &Db,
    loaded: &Loaded,
    provider: &Provider,
) -> anyhow::Result<Option<Secret>> {
    if provider.api_key_ct.is_none() {
        return Ok(None);
    }
    let vault = Vault::unlock(db, &OpenOptions::from_config(loaded, db.backend()))
        .await
        .context("unlocking the encryption keys to read the provider's API key")?;
    records::provider_key(db, &vault, provider)
        .await
        .with_context(|| format!("decrypting the API key of provider {:?}", provider.name))
}

/// The classifier for a provider row.
pub async fn provider_classifier(
    db: &Db,
    loaded: &Loaded,
    provider: &Provider,
) -> anyhow::Result<Classifier> {
    let key = resolve_api_key(db, loaded, provider).await?;
    let settings = Settings::from_provider(provider, key)
        .with_context(|| format!("provider {:?}", provider.name))?;
    Classifier::openai(settings).with_context(|| format!("provider {:?}", provider.name))
}

/// Records how the provider fared in its health columns.
pub async fn record_health(db: &Db, provider: &Provider, report: &Report) -> anyhow::Result<()> {
    if report.provider_ok == 0 && report.last_provider_error.is_none() {
        return Ok(());
    }
    let tx = db.begin_write().await?;
    if report.provider_ok > 0 {
        providers::record_health(&tx, provider.id, Ok(()), None).await?;
    }
    if let Some(e) = &report.last_provider_error {
        providers::record_health(&tx, provider.id, Err(&e.to_string()), None).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Parses one input line into its text and time.
fn parse_line(line: &str, now: DateTime<Utc>) -> Result<(String, DateTime<Utc>), String> {
    let trimmed = line.trim_end_matches(['\r', '\n']);
    if trimmed.trim_start().starts_with('{') {
        let parsed: JsonLine = serde_json::from_str(trimmed).map_err(|e| {
            format!("not a valid JSON message ({e}); expected {{\"text\": \"...\", \"sent_at\": \"RFC3339\"}}")
        })?;
        Ok((parsed.text, parsed.sent_at.unwrap_or(now)))
    } else if trimmed.trim().is_empty() {
        Err("empty line: nothing to classify".to_owned())
    } else {
        Ok((trimmed.to_owned(), now))
    }
}

/// Runs the classification over `input`, writing results to `output` and
/// errors to `errors`.
pub async fn run(
    opts: &Options,
    classifier: &Classifier,
    input: impl BufRead,
    mut output: impl Write,
    mut errors: impl Write,
) -> std::io::Result<Report> {
    let mut report = Report::default();
    for (index, line) in input.split(b'\n').enumerate() {
        let number = index + 1;
        let line = line?;
        let result = String::from_utf8(line)
            .map_err(|_| "the line is not valid UTF-8".to_owned())
            .and_then(|l| parse_line(&l, opts.now));
        match result {
            Ok((text, sent_at)) => {
                let outcome = classifier
                    .classify_with_outcome(&MessageInput {
                        text: &text,
                        sent_at,
                        tz: opts.tz,
                    })
                    .await;
                match outcome.provider_error {
                    Some(e) => report.last_provider_error = Some(e),
                    None if matches!(classifier, Classifier::OpenAi(_)) => report.provider_ok += 1,
                    None => {}
                }
                serde_json::to_writer(&mut output, &outcome.classification)?;
            }
            Err(message) => {
                report.refused += 1;
                writeln!(errors, "tasktracker classify: line {number}: {message}")?;
                serde_json::to_writer(
                    &mut output,
                    &serde_json::json!({ "error": message, "line": number }),
                )?;
            }
        }
        output.write_all(b"\n")?;
        // A provider is slow: let each answer out as soon as it is known.
        if matches!(classifier, Classifier::OpenAi(_)) {
            output.flush()?;
        }
    }
    output.flush()?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use domain::classify::builtin::Builtin;

    fn opts() -> Options {
        Options {
            now: Utc.with_ymd_and_hms(2026, 12, 2, 10, 0, 0).unwrap(),
            tz: chrono_tz::UTC,
        }
    }

    fn run_builtin(input: &[u8], out: &mut Vec<u8>, err: &mut Vec<u8>) -> std::io::Result<Report> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(run(&opts(), &Classifier::Builtin(Builtin), input, out, err))
    }

    fn lines(input: &str) -> (Vec<serde_json::Value>, String) {
        let mut out = Vec::new();
        let mut err = Vec::new();
        run_builtin(input.as_bytes(), &mut out, &mut err).unwrap();
        let values = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        (values, String::from_utf8(err).unwrap())
    }

    #[test]
    fn one_output_line_per_input_line_in_order() {
        let (out, err) = lines(
            "@olena please review the release notes by Friday\n\
             {\"text\": \"fix the login page tomorrow\", \"sent_at\": \"2026-12-04T09:00:00Z\"}\n\
             {\"text\": broken json}\n\
             \n\
             thanks all!\n",
        );
        assert_eq!(out.len(), 5);
        assert_eq!(out[0]["kind"], "task");
        assert_eq!(out[0]["assignees"], serde_json::json!(["olena"]));
        assert_eq!(
            out[0]["due"], "2026-12-04",
            "Friday after Wednesday the 2nd"
        );
        assert_eq!(out[0]["classifier"], "builtin");
        assert_eq!(out[1]["due"], "2026-12-05", "sent_at wins over --now");
        assert_eq!(out[2]["line"], 3);
        assert!(
            out[2]["error"]
                .as_str()
                .unwrap()
                .contains("not a valid JSON")
        );
        assert_eq!(out[3]["line"], 4);
        assert_eq!(out[4]["kind"], "chatter");
        assert_eq!(err.lines().count(), 2, "{err}");
        assert!(err.contains("line 3") && err.contains("line 4"));
    }

    #[test]
    fn invalid_utf8_is_refused_and_the_rest_continue() {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let input: &[u8] = b"\xff\xfe\nthe API is down\n";
        let report = run_builtin(input, &mut out, &mut err).unwrap();
        assert_eq!(report.refused, 1);
        let text = String::from_utf8(out).unwrap();
        let out: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(out[0]["error"].as_str().unwrap().contains("UTF-8"));
        assert_eq!(out[1]["kind"], "bug");
    }
}
