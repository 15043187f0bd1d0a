//! Message classification: the shared result types, the builtin offline
//! classifier and the OpenAI-compatible provider client.
//!
//! A classifier turns one chat message into a [`Classification`]. The
//! builtin one ([`builtin::Builtin`]) is rule based, deterministic and
//! needs no network. [`openai::Client`] asks an LLM provider; the
//! [`Classifier`] the bot uses falls back to builtin on any provider failure.

use std::fmt;
use std::str::FromStr;

pub mod builtin;
mod classifier;
pub mod dates;
mod lexicon;
pub mod openai;
pub mod text;
mod title;

pub use classifier::{Classifier, Outcome, fallback_label};

/// What a message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// An actionable request, assignment, commitment or to-do.
    Task,
    /// A report that something is broken now.
    Bug,
    /// Asks only for information.
    Question,
    /// A status update, announcement, decision, or report of something done.
    Info,
    /// Greetings, thanks, reactions, small talk.
    Chatter,
}

impl Kind {
    /// Every kind, in a stable order (useful for reports and prompts).
    pub const ALL: [Kind; 5] = [
        Kind::Task,
        Kind::Bug,
        Kind::Question,
        Kind::Info,
        Kind::Chatter,
    ];

    /// Whether somebody has to act on the message: tasks and bugs.
    pub fn is_actionable(self) -> bool {
        matches!(self, Kind::Task | Kind::Bug)
    }

    /// The lowercase wire name, as used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Task => "task",
            Kind::Bug => "bug",
            Kind::Question => "question",
            Kind::Info => "info",
            Kind::Chatter => "chatter",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Kind {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Kind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| ParseError::new("kind", s))
    }
}

/// How soon something has to be handled. Ordered from least to most pressing.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    /// "when you have time", "не горить".
    Low,
    /// No urgency expressed.
    Normal,
    /// "high priority", "critical", "blocker", outages.
    High,
    /// "urgent", "asap", "терміново".
    Urgent,
}

impl Priority {
    /// Every priority, lowest first.
    pub const ALL: [Priority; 4] = [
        Priority::Low,
        Priority::Normal,
        Priority::High,
        Priority::Urgent,
    ];

    /// The lowercase wire name, as used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Normal => "normal",
            Priority::High => "high",
            Priority::Urgent => "urgent",
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Priority {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Priority::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| ParseError::new("priority", s))
    }
}

/// A string did not name a known [`Kind`] or [`Priority`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    what: &'static str,
    value: String,
}

impl ParseError {
    fn new(what: &'static str, value: &str) -> Self {
        // Keep the error small even if someone feeds us a huge string.
        let value = value.chars().take(40).collect();
        ParseError { what, value }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown {}: {:?}", self.what, self.value)
    }
}

impl std::error::Error for ParseError {}

/// The result of classifying one message.
///
/// For non-actionable kinds the builtin classifier leaves `due` empty,
/// `assignees` empty and `priority` normal: those fields describe work.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Classification {
    /// What the message is.
    pub kind: Kind,
    /// `kind.is_actionable()`, stored so consumers need not recompute it.
    pub actionable: bool,
    /// A short cleaned summary (at most 80 characters), not the raw text.
    pub title: String,
    /// How pressing the work is.
    pub priority: Priority,
    /// Deadline, resolved against the message's own local date.
    pub due: Option<chrono::NaiveDate>,
    /// Telegram usernames (without '@', lowercase) the work is addressed to,
    /// deduplicated, in order of appearance.
    pub assignees: Vec<String>,
    /// How sure the classifier is, from 0 to 1.
    pub confidence: f32,
    /// Which classifier produced this result ("builtin", or a provider name).
    pub classifier: String,
}

/// What a classifier is given.
#[derive(Debug, Clone, Copy)]
pub struct MessageInput<'a> {
    /// The raw message text, untrusted.
    pub text: &'a str,
    /// When the message was sent.
    pub sent_at: chrono::DateTime<chrono::Utc>,
    /// The chat's time zone; relative dates resolve against the local date.
    pub tz: chrono_tz::Tz,
}

impl MessageInput<'_> {
    /// The message's own date in the chat's time zone.
    pub fn local_date(&self) -> chrono::NaiveDate {
        self.sent_at.with_timezone(&self.tz).date_naive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kind_round_trips() {
        for k in Kind::ALL {
            assert_eq!(k.as_str().parse::<Kind>(), Ok(k));
            let json = serde_json::to_string(&k).unwrap();
            assert_eq!(json, format!("\"{}\"", k.as_str()));
        }
        assert!("TASK".parse::<Kind>().is_ok());
        assert!("nope".parse::<Kind>().is_err());
        assert!(Kind::Bug.is_actionable() && !Kind::Info.is_actionable());
    }

    #[test]
    fn priority_round_trips_and_orders() {
        for p in Priority::ALL {
            assert_eq!(p.as_str().parse::<Priority>(), Ok(p));
        }
        assert!(Priority::Urgent > Priority::High && Priority::Low < Priority::Normal);
        assert_eq!(
            serde_json::from_str::<Priority>("\"urgent\"").unwrap(),
            Priority::Urgent
        );
    }
}
