//! The durable poller: the only caller of getUpdates.
//!
//! Each round reads the committed offset from the database, long-polls
//! getUpdates with it, seals every update's raw JSON with the system key and
//! commits the whole batch to the inbox together with the next offset, in
//! one transaction. Only then does it call getUpdates again, and that call is
//! what acknowledges the batch to Telegram. So an update is never
//! acknowledged before it is committed: a crash, a kill or a failed commit
//! at any point means redelivery, which the inbox's unique `update_id` makes
//! harmless.
//!
//! getUpdates is posted with the raw HTTP client rather than through
//! teloxide, because teloxide parses updates into its own types and an
//! update it cannot parse must still be stored, not lost.
//!
//! Failures never end the poller, except a refused token (401): network
//! errors, 5xx, unparsable answers and 409 Conflict back off exponentially
//! with jitter (100 ms to 30 s); 429 waits for `retry_after`.

use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use anyhow::Context;
use domain::config::TelegramConfig;
use domain::secret::Secret;
use domain::store::Db;
use domain::store::inbox::{self, RawUpdate};
use domain::vault::{Vault, aad};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

/// The update kinds the bot asks for (`allowed_updates`).
pub const ALLOWED_UPDATES: [&str; 4] = [
    "message",
    "edited_message",
    "callback_query",
    "my_chat_member",
];

/// Every update field the Bot API defines, in the order the kind is looked
/// up; an update with none of them is stored as `unknown`.
const KINDS: [&str; 23] = [
    "message",
    "edited_message",
    "callback_query",
    "my_chat_member",
    "chat_member",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
];

/// At most this many updates per getUpdates call (Telegram's maximum).
const LIMIT: u32 = 100;

/// The shortest and longest pause after a failure.
const BACKOFF_MIN: Duration = Duration::from_millis(100);
const BACKOFF_MAX: Duration = Duration::from_secs(30);

/// Long-polls getUpdates and commits what it gets to the inbox.
pub struct Poller {
    client: reqwest::Client,
    /// The getUpdates URL. It holds the token: never log it.
    url: reqwest::Url,
    poll_timeout: Duration,
    /// Notified after each commit (the processor waits on it).
    wake: Option<std::sync::Arc<tokio::sync::Notify>>,
}

impl fmt::Debug for Poller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Poller")
            .field("poll_timeout", &self.poll_timeout)
            .finish_non_exhaustive()
    }
}

/// Why one getUpdates call gave no updates.
#[derive(Debug, Clone, PartialEq, Eq)]
enum CallError {
    /// No answer: connection refused or dropped, timeout, DNS.
    Network(String),
    /// An answer that is neither success nor a Bot API error: 5xx pages,
    /// truncated or unparsable bodies.
    Malformed(String),
    /// 429: wait this long.
    RetryAfter(Duration),
    /// 409: another getUpdates (another instance with this token) is running.
    Conflict(String),
    /// 401: the token is wrong.
    Unauthorized(String),
    /// Any other Bot API error.
    Api(u16, String),
}

/// What the loop does after a call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Next {
    /// Pause for the next exponential backoff step.
    Backoff,
    /// Pause exactly this long.
    Wait(Duration),
    /// Stop: a configuration problem that retrying cannot fix.
    Fail(String),
}

impl CallError {
    fn next(&self) -> Next {
        match self {
            CallError::RetryAfter(d) => Next::Wait(*d),
            CallError::Unauthorized(description) => Next::Fail(format!(
                "Telegram refused the bot token (401 {description}): \
                 check telegram.token or telegram.token_file"
            )),
            _ => Next::Backoff,
        }
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Network(e) => write!(f, "network error: {e}"),
            CallError::Malformed(e) => write!(f, "unusable answer: {e}"),
            CallError::RetryAfter(d) => write!(f, "429 Too Many Requests, retry after {d:?}"),
            CallError::Conflict(e) => {
                write!(f, "409 {e} (is another instance polling with this token?)")
            }
            CallError::Unauthorized(e) => write!(f, "401 {e}"),
            CallError::Api(code, e) => write!(f, "{code} {e}"),
        }
    }
}

impl Poller {
    /// A poller over `client` (see [`crate::telegram::http_client`]) for the
    /// configured server and long-poll timeout.
    pub fn new(
        cfg: &TelegramConfig,
        token: &Secret,
        client: reqwest::Client,
    ) -> anyhow::Result<Poller> {
        let url = crate::telegram::method_url(cfg, token, "getUpdates")?;
        Ok(Poller {
            client,
            url,
            poll_timeout: cfg.poll_timeout,
            wake: None,
        })
    }

    /// Notifies `wake` after every committed batch.
    #[must_use]
    pub fn waking(mut self, wake: std::sync::Arc<tokio::sync::Notify>) -> Poller {
        self.wake = Some(wake);
        self
    }

    /// Polls until `cancel` fires (returns `Ok`) or the token is refused
    /// (returns the error). A cancellation interrupts a long poll or a
    /// pause, never a commit in progress.
    pub async fn run(
        &self,
        db: &Db,
        vault: &Vault,
        cancel: &CancellationToken,
    ) -> anyhow::Result<()> {
        let mut backoff = Backoff::default();
        while !cancel.is_cancelled() {
            let offset = match inbox::next_offset(db).await {
                Ok(offset) => offset,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the getUpdates offset; retrying");
                    pause(backoff.next_delay(), cancel).await;
                    continue;
                }
            };
            let answer = tokio::select! {
                () = cancel.cancelled() => break,
                answer = self.get_updates(offset) => answer,
            };
            let updates = match answer {
                Ok(updates) => updates,
                Err(e) => {
                    match e.next() {
                        Next::Fail(message) => anyhow::bail!(message),
                        Next::Wait(d) => {
                            tracing::warn!(error = %e, "getUpdates was refused; waiting");
                            pause(d, cancel).await;
                        }
                        Next::Backoff => {
                            let d = backoff.next_delay();
                            tracing::warn!(error = %e, retry_in = ?d, "getUpdates failed");
                            pause(d, cancel).await;
                        }
                    }
                    continue;
                }
            };
            if updates.is_empty() {
                backoff.reset();
                continue;
            }
            match commit_batch(db, vault, &updates, offset).await {
                Ok(c) => {
                    backoff.reset();
                    if let Some(w) = &self.wake {
                        w.notify_one();
                    }
                    tracing::debug!(
                        received = updates.len(),
                        new = c.added,
                        next_offset = c.next_offset,
                        "updates committed to the inbox"
                    );
                }
                Err(e) => {
                    // Not committed, so not acknowledged: the next call asks
                    // for the same updates again.
                    let d = backoff.next_delay();
                    tracing::error!(error = %format!("{e:#}"), retry_in = ?d,
                        "cannot commit updates to the inbox");
                    pause(d, cancel).await;
                }
            }
        }
        Ok(())
    }

    /// One getUpdates call: the raw JSON of each update, in order.
    async fn get_updates(&self, offset: Option<i64>) -> Result<Vec<Value>, CallError> {
        let mut params = serde_json::json!({
            "timeout": self.poll_timeout.as_secs(),
            "limit": LIMIT,
            "allowed_updates": ALLOWED_UPDATES,
        });
        if let Some(offset) = offset {
            params["offset"] = offset.into();
        }
        let response = self
            .client
            .post(self.url.clone())
            .json(&params)
            .send()
            .await
            .map_err(|e| CallError::Network(describe(&e)))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| CallError::Network(describe(&e)))?;
        parse_answer(status, &body)
    }
}

/// A reqwest error and its causes, without the URL (which holds the token).
fn describe(e: &reqwest::Error) -> String {
    let mut text = String::new();
    // The top level's Display would name the URL; print its kind instead.
    if e.is_timeout() {
        text.push_str("timed out");
    } else if e.is_connect() {
        text.push_str("cannot connect");
    } else {
        text.push_str("request failed");
    }
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// Interprets a getUpdates answer: Telegram's envelope
/// `{"ok": true, "result": [...]}` or `{"ok": false, "error_code": …}`.
fn parse_answer(status: u16, body: &[u8]) -> Result<Vec<Value>, CallError> {
    let envelope: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return Err(CallError::Malformed(format!(
                "HTTP {status}, body is not JSON ({e})"
            )));
        }
    };
    if envelope.get("ok").and_then(Value::as_bool) == Some(true) {
        return match envelope.get("result") {
            Some(Value::Array(updates)) if updates.iter().all(|u| update_id(u).is_some()) => {
                Ok(updates.clone())
            }
            _ => Err(CallError::Malformed(
                "result is not a list of updates with update_id".to_owned(),
            )),
        };
    }
    let code = envelope
        .get("error_code")
        .and_then(Value::as_u64)
        .and_then(|c| u16::try_from(c).ok())
        .unwrap_or(status);
    let description = envelope
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("(no description)")
        .chars()
        .take(200)
        .collect::<String>();
    let retry_after = envelope
        .pointer("/parameters/retry_after")
        .and_then(Value::as_u64);
    Err(match (code, retry_after) {
        (429, Some(secs)) => CallError::RetryAfter(Duration::from_secs(secs)),
        (401, _) => CallError::Unauthorized(description),
        (409, _) => CallError::Conflict(description),
        (500..=599, _) | (429, None) => {
            CallError::Malformed(format!("server error {code} {description}"))
        }
        _ => CallError::Api(code, description),
    })
}

fn update_id(update: &Value) -> Option<i64> {
    update.get("update_id").and_then(Value::as_i64)
}

/// Which field of the update is set, or `unknown`.
fn kind(update: &Value) -> &'static str {
    KINDS
        .into_iter()
        .find(|k| update.get(k).is_some())
        .unwrap_or("unknown")
}

/// What a committed batch did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Committed {
    /// Rows new to the inbox (the rest were redeliveries).
    added: u64,
    /// The offset committed with them.
    next_offset: i64,
}

/// Seals the updates and commits them with the next offset, in one
/// transaction. Nothing is written if any step fails.
async fn commit_batch(
    db: &Db,
    vault: &Vault,
    updates: &[Value],
    offset: Option<i64>,
) -> anyhow::Result<Committed> {
    let tx = db.begin_write().await?;
    let mut rows = Vec::with_capacity(updates.len());
    let mut next_offset = offset.unwrap_or(0);
    for update in updates {
        let id = update_id(update).context("an update without update_id")?;
        let json = serde_json::to_vec(update)?;
        let payload = vault
            .seal_system(&tx, &aad::inbox_payload(id), &json)
            .await
            .with_context(|| format!("sealing update {id}"))?;
        rows.push(RawUpdate {
            update_id: id,
            kind: kind(update).to_owned(),
            payload,
        });
        next_offset = next_offset.max(id.saturating_add(1));
    }
    let added = inbox::store_batch(&tx, &rows, next_offset).await?;
    tx.commit().await?;
    Ok(Committed { added, next_offset })
}

/// Sleeps for `d`, or until `cancel` fires.
async fn pause(d: Duration, cancel: &CancellationToken) {
    tokio::select! {
        () = cancel.cancelled() => {}
        () = tokio::time::sleep(d) => {}
    }
}

/// Exponential backoff with jitter: each step doubles (from
/// [`BACKOFF_MIN`] up to [`BACKOFF_MAX`]), and the pause is drawn between
/// half the step and the whole step, so instances do not retry in lockstep.
#[derive(Debug, Default)]
struct Backoff {
    failures: u32,
}

impl Backoff {
    fn next_delay(&mut self) -> Duration {
        let step = BACKOFF_MIN
            .saturating_mul(1u32 << self.failures.min(16))
            .min(BACKOFF_MAX);
        self.failures = self.failures.saturating_add(1);
        let half = step / 2;
        half + half.mul_f64(jitter())
    }

    fn reset(&mut self) {
        self.failures = 0;
    }
}

/// A random number in [0, 1), from the standard library's randomly keyed
/// hasher (good enough to spread retries; not for cryptography).
fn jitter() -> f64 {
    let bits = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    // 53 random bits make a uniform f64 in [0, 1).
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn answers_are_classified() {
        let ok = br#"{"ok":true,"result":[{"update_id":5,"message":{}}]}"#;
        assert_eq!(parse_answer(200, ok).unwrap().len(), 1);
        let retry = br#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}"#;
        assert_eq!(
            parse_answer(429, retry),
            Err(CallError::RetryAfter(Duration::from_secs(3)))
        );
        let bad = br#"{"ok":false,"error_code":401,"description":"Unauthorized"}"#;
        assert!(
            matches!(parse_answer(401, bad).unwrap_err().next(), Next::Fail(m) if m.contains("telegram.token"))
        );
        let conflict = br#"{"ok":false,"error_code":409,"description":"Conflict"}"#;
        assert_eq!(
            parse_answer(409, conflict).unwrap_err().next(),
            Next::Backoff
        );
        let html = b"<html><body>502 Bad Gateway</body></html>";
        assert!(matches!(
            parse_answer(502, html),
            Err(CallError::Malformed(_))
        ));
        let truncated = br#"{"ok":true,"result":[{"update_"#;
        assert!(matches!(
            parse_answer(200, truncated),
            Err(CallError::Malformed(_))
        ));
        let no_id = br#"{"ok":true,"result":[{"message":{}}]}"#;
        assert!(matches!(
            parse_answer(200, no_id),
            Err(CallError::Malformed(_))
        ));
    }

    #[test]
    fn kinds_fall_back_to_unknown() {
        let u = serde_json::json!({"update_id": 1, "callback_query": {}});
        assert_eq!(kind(&u), "callback_query");
        let u = serde_json::json!({"update_id": 1, "something_new": {}});
        assert_eq!(kind(&u), "unknown");
    }

    #[test]
    fn backoff_grows_to_its_cap_and_resets() {
        let mut b = Backoff::default();
        let first = b.next_delay();
        assert!(first >= BACKOFF_MIN / 2 && first <= BACKOFF_MIN);
        for _ in 0..40 {
            let d = b.next_delay();
            assert!(d <= BACKOFF_MAX);
        }
        assert!(b.next_delay() >= BACKOFF_MAX / 2);
        b.reset();
        assert!(b.next_delay() <= BACKOFF_MIN);
    }
}
