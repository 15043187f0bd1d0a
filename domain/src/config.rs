//! Configuration: where it comes from, what it may contain, and how it is checked.
//!
//! Sources, later ones overriding earlier ones:
//! 1. built-in defaults (enough to run with only a bot token);
//! 2. one TOML file: `--config FILE`, else the first of [`default_search_paths`]
//!    that exists;
//! 3. environment variables `TASKTRACKER_SECTION__KEY` (double underscore
//!    between section and key);
//! 4. for secrets, a file: `telegram.token_file`, `database.url_file`, or a
//!    systemd credential (`$CREDENTIALS_DIRECTORY/telegram_token`, `…/database_url`).
//!
//! Every problem is reported with the key and the source it came from, all at
//! once, and nothing starts half-configured. This module never reads the
//! process environment itself: the caller passes the variables in.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::providers::{Format, Toml};
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider, Source};
use serde::Deserialize;

use crate::secret::{REDACTED, Secret};

/// Prefix of the environment variables that override configuration keys.
pub const ENV_PREFIX: &str = "TASKTRACKER_";
/// Separator between section and key in an environment variable name.
pub const ENV_SEPARATOR: &str = "__";
/// The variable systemd sets to the directory of the service's credentials.
pub const CREDENTIALS_DIRECTORY: &str = "CREDENTIALS_DIRECTORY";

/// Where the configuration file is looked for when `--config` is not given.
pub fn default_search_paths() -> Vec<PathBuf> {
    vec![
        PathBuf::from("tasktracker.toml"),
        PathBuf::from("/etc/tasktracker/tasktracker.toml"),
    ]
}

/// The default database: an SQLite file under `data/`, created on first run.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/tasktracker.db";

/// Every configuration key, in the order `check-config` prints them.
pub const KEYS: &[&str] = &[
    "telegram.token",
    "telegram.token_file",
    "telegram.api_url",
    "telegram.poll_timeout",
    "telegram.request_timeout",
    "telegram.messages_per_second",
    "telegram.messages_per_minute_per_group",
    "telegram.messages_per_second_per_chat",
    "database.url",
    "database.url_file",
    "database.max_connections",
    "database.connect_timeout",
    "database.busy_timeout",
    "encryption.key_file",
    "encryption.key",
    "chats.approved",
    "bot.operator_contact",
    "bot.commands_per_minute",
    "bot.classifications_per_minute",
    "bot.purge_interval",
    "log.format",
    "privacy.export_limit",
    "privacy.export_window",
    "privacy.export_part_mib",
    "privacy.forget_confirm_timeout",
    "console.language",
];

/// The default key file, beside the default database.
pub const DEFAULT_KEY_FILE: &str = "data/master.key";

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The Telegram Bot API.
    #[serde(default)]
    pub telegram: TelegramConfig,
    /// The database.
    #[serde(default)]
    pub database: DatabaseConfig,
    /// Encryption at rest.
    #[serde(default)]
    pub encryption: EncryptionConfig,
    /// Chats.
    #[serde(default)]
    pub chats: ChatsConfig,
    /// `[bot]`
    #[serde(default)]
    pub bot: BotConfig,
    /// Logging.
    #[serde(default)]
    pub log: LogConfig,
    /// Data-subject rights: export and erasure.
    #[serde(default)]
    pub privacy: PrivacyConfig,
    /// The operators' console.
    #[serde(default)]
    pub console: ConsoleConfig,
}

/// Telegram refuses documents over 50 MB; a part is at most this many MiB
/// (47 MiB = 49,283,072 bytes, under 50 MB however Telegram counts).
pub const MAX_EXPORT_PART_MIB: u32 = 47;

/// `[privacy]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PrivacyConfig {
    /// How many `/export`s a person may ask for within `export_window`.
    pub export_limit: u32,
    /// The window of the export limit.
    #[serde(deserialize_with = "duration::deserialize")]
    pub export_window: Duration,
    /// The largest export file, in MiB; a bigger export is split into parts.
    pub export_part_mib: u32,
    /// How long a `/forget` confirmation button stays valid.
    #[serde(deserialize_with = "duration::deserialize")]
    pub forget_confirm_timeout: Duration,
}

impl Default for PrivacyConfig {
    fn default() -> Self {
        Self {
            export_limit: 1,
            export_window: Duration::from_secs(24 * 3600),
            export_part_mib: MAX_EXPORT_PART_MIB,
            forget_confirm_timeout: Duration::from_secs(600),
        }
    }
}

impl PrivacyConfig {
    /// The export limit, for [`crate::requests::reserve_export`].
    pub fn export_limit(&self) -> crate::requests::ExportLimit {
        crate::requests::ExportLimit {
            per_window: self.export_limit,
            window: chrono::Duration::from_std(self.export_window)
                .unwrap_or(chrono::Duration::hours(24)),
        }
    }

    /// The largest export part in bytes.
    pub fn export_part_bytes(&self) -> u64 {
        u64::from(self.export_part_mib) * 1024 * 1024
    }

    /// How long a `/forget` confirmation stays valid.
    pub fn forget_confirm_timeout(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.forget_confirm_timeout)
            .unwrap_or(chrono::Duration::minutes(10))
    }
}

/// `[console]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsoleConfig {
    /// The console's language (`en` or `uk`); unset: from `LANG`, else English.
    pub language: Option<String>,
}

/// `[chats]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChatsConfig {
    /// Chat ids approved for capture by the configuration (operators may also
    /// approve with `tasktracker chats approve`).
    pub approved: Vec<i64>,
}

/// `[bot]`: how the bot behaves towards people.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BotConfig {
    /// Who runs this bot and how to reach them, shown by /privacy.
    pub operator_contact: Option<String>,
    /// Commands one person may give per minute (across chats).
    pub commands_per_minute: u32,
    /// Messages classified per chat per minute; beyond it messages are still
    /// stored, but get no card until the chat calms down.
    pub classifications_per_minute: u32,
    /// How often the bot purges expired data.
    #[serde(deserialize_with = "duration::deserialize")]
    pub purge_interval: Duration,
}

impl Default for BotConfig {
    fn default() -> Self {
        Self {
            operator_contact: None,
            commands_per_minute: 20,
            classifications_per_minute: 60,
            purge_interval: Duration::from_secs(3600),
        }
    }
}

/// `[encryption]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EncryptionConfig {
    /// The key file (32 random bytes, base64, mode 0600).
    pub key_file: PathBuf,
    /// The key itself (base64), for development only: prefer `key_file` or the
    /// systemd credential `encryption_key`.
    pub key: Option<Secret>,
}

impl Default for EncryptionConfig {
    fn default() -> Self {
        Self {
            key_file: PathBuf::from(DEFAULT_KEY_FILE),
            key: None,
        }
    }
}

impl Loaded {
    /// Whether the key file is the built-in default (neither the file nor the
    /// environment named one, and no credential supplied it): only then may a
    /// first run create it.
    pub fn key_file_is_default(&self) -> bool {
        self.source_of("encryption.key_file") == DEFAULT_SOURCE
    }
}

/// `[telegram]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelegramConfig {
    /// The bot token from @BotFather. Required to run the bot.
    pub token: Option<Secret>,
    /// A file holding the bot token, instead of `token`.
    pub token_file: Option<PathBuf>,
    /// Base URL of the Bot API server (a self-hosted one, or a fake in tests).
    pub api_url: String,
    /// How long one getUpdates long poll waits for updates.
    #[serde(deserialize_with = "duration::deserialize")]
    pub poll_timeout: Duration,
    /// Timeout of every HTTP request to the Bot API; must exceed `poll_timeout`.
    #[serde(deserialize_with = "duration::deserialize")]
    pub request_timeout: Duration,
    /// Messages the bot sends per second in all (Telegram allows 30).
    pub messages_per_second: u32,
    /// Messages per minute into one group (Telegram allows 20).
    pub messages_per_minute_per_group: u32,
    /// Messages per second into one chat (Telegram allows 1).
    pub messages_per_second_per_chat: u32,
}

impl Default for TelegramConfig {
    fn default() -> Self {
        Self {
            token: None,
            token_file: None,
            api_url: "https://api.telegram.org".to_owned(),
            poll_timeout: Duration::from_secs(25),
            request_timeout: Duration::from_secs(40),
            messages_per_second: 30,
            messages_per_minute_per_group: 20,
            messages_per_second_per_chat: 1,
        }
    }
}

/// `[database]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `sqlite://PATH` or `postgres://USER:PASSWORD@HOST/DB`. A secret, since it
    /// may hold a password.
    pub url: Secret,
    /// A file holding the URL, instead of `url`.
    pub url_file: Option<PathBuf>,
    /// Size of the connection pool.
    pub max_connections: u32,
    /// How long to wait for a connection before giving up.
    #[serde(deserialize_with = "duration::deserialize")]
    pub connect_timeout: Duration,
    /// SQLite only: how long a writer waits for another writer's lock.
    #[serde(deserialize_with = "duration::deserialize")]
    pub busy_timeout: Duration,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: Secret::new(DEFAULT_DATABASE_URL),
            url_file: None,
            max_connections: 5,
            connect_timeout: Duration::from_secs(10),
            busy_timeout: Duration::from_secs(5),
        }
    }
}

/// `[log]`
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `text` for people, `json` for log collectors.
    pub format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// What the caller is about to do; decides which values are required.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Run the bot: the token is required.
    RunBot,
    /// Only use the database (migrations, admin commands, the console).
    Database,
}

/// Everything [`load`] needs, passed in so that this module does no hidden I/O.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// `--config FILE`: must exist when given.
    pub explicit_file: Option<PathBuf>,
    /// Candidates tried in order when no file is given explicitly.
    pub search_paths: Vec<PathBuf>,
    /// The process environment (or a test's stand-in).
    pub env: Vec<(String, String)>,
    /// What the configuration is for.
    pub purpose: Purpose,
}

impl LoadOptions {
    /// Options with the default search paths.
    pub fn new(
        explicit_file: Option<PathBuf>,
        env: impl IntoIterator<Item = (String, String)>,
        purpose: Purpose,
    ) -> Self {
        Self {
            explicit_file,
            search_paths: default_search_paths(),
            env: env.into_iter().collect(),
            purpose,
        }
    }
}

/// A checked configuration and where each value came from.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The values.
    pub config: Config,
    /// The configuration file that was read, if any.
    pub file: Option<PathBuf>,
    sources: BTreeMap<String, String>,
}

/// One thing wrong with the configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The key, such as `database.max_connections`.
    pub key: String,
    /// Where the bad value came from, such as `file /etc/tasktracker/tasktracker.toml`.
    pub source: String,
    /// What is wrong and what to do.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} (from {})", self.key, self.message, self.source)
    }
}

/// The configuration was refused. Lists every problem found.
#[derive(Debug, Clone, thiserror::Error)]
pub struct ConfigError {
    /// The problems, in key order.
    pub problems: Vec<Problem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        write!(
            f,
            "invalid configuration ({n} problem{}):",
            if n == 1 { "" } else { "s" }
        )?;
        for p in &self.problems {
            write!(f, "\n  - {p}")?;
        }
        Ok(())
    }
}

impl ConfigError {
    fn single(key: &str, source: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            problems: vec![Problem {
                key: key.to_owned(),
                source: source.into(),
                message: message.into(),
            }],
        }
    }
}

const DEFAULT_SOURCE: &str = "built-in default";

/// Loads, resolves and checks the configuration.
pub fn load(opts: &LoadOptions) -> Result<Loaded, ConfigError> {
    let file = match &opts.explicit_file {
        Some(path) if !path.is_file() => {
            return Err(ConfigError::single(
                "--config",
                "command line",
                format!(
                    "the configuration file {} does not exist or is not a file",
                    path.display()
                ),
            ));
        }
        Some(path) => Some(path.clone()),
        None => opts.search_paths.iter().find(|p| p.is_file()).cloned(),
    };

    let mut figment = Figment::new();
    if let Some(path) = &file {
        figment = figment.merge(Toml::file_exact(path));
    }
    for var in env_overrides(&opts.env) {
        figment = figment.merge(var);
    }

    let mut config: Config = figment.extract().map_err(|e| from_figment(&figment, e))?;
    let mut sources: BTreeMap<String, String> = KEYS
        .iter()
        .map(|k| ((*k).to_owned(), source_of(&figment, k)))
        .collect();

    let mut problems = Vec::new();
    resolve_secrets(&mut config, &opts.env, &mut sources, &mut problems);
    check_values(&config, opts.purpose, &sources, &mut problems);
    if problems.is_empty() {
        Ok(Loaded {
            config,
            file,
            sources,
        })
    } else {
        problems.sort_by(|a, b| a.key.cmp(&b.key));
        Err(ConfigError { problems })
    }
}

impl Loaded {
    /// Where the value of `key` came from.
    pub fn source_of(&self, key: &str) -> &str {
        self.sources
            .get(key)
            .map(String::as_str)
            .unwrap_or(DEFAULT_SOURCE)
    }

    /// The effective configuration as TOML, secrets redacted, each value
    /// annotated with its source. What `tasktracker check-config` prints.
    pub fn render_redacted(&self) -> String {
        let mut out = String::new();
        out.push_str("# effective configuration; secrets are redacted\n");
        match &self.file {
            Some(f) => out.push_str(&format!("# file: {}\n", f.display())),
            None => out.push_str("# file: none (built-in defaults and environment)\n"),
        }
        let mut section = "";
        for key in KEYS {
            let Some((sec, name)) = key.split_once('.') else {
                continue;
            };
            if sec != section {
                out.push_str(&format!("\n[{sec}]\n"));
                section = sec;
            }
            match self.config.display_value(key) {
                Some(v) => out.push_str(&format!("{name} = {v}  # {}\n", self.source_of(key))),
                None => out.push_str(&format!("# {name} is not set\n")),
            }
        }
        out
    }
}

impl Config {
    /// The value of `key` as TOML, with secrets redacted; `None` when unset.
    fn display_value(&self, key: &str) -> Option<String> {
        let quote = |s: &str| format!("{s:?}");
        let path = |p: &Option<PathBuf>| p.as_ref().map(|p| quote(&p.display().to_string()));
        let dur = |d: &Duration| Some(quote(&humantime::format_duration(*d).to_string()));
        match key {
            "telegram.token" => self.telegram.token.as_ref().map(|_| quote(REDACTED)),
            "telegram.token_file" => path(&self.telegram.token_file),
            "telegram.api_url" => Some(quote(&self.telegram.api_url)),
            "telegram.poll_timeout" => dur(&self.telegram.poll_timeout),
            "telegram.request_timeout" => dur(&self.telegram.request_timeout),
            "database.url" => Some(quote(&redact_url(self.database.url.expose()))),
            "database.url_file" => path(&self.database.url_file),
            "database.max_connections" => Some(self.database.max_connections.to_string()),
            "database.connect_timeout" => dur(&self.database.connect_timeout),
            "database.busy_timeout" => dur(&self.database.busy_timeout),
            "encryption.key_file" => Some(quote(&self.encryption.key_file.display().to_string())),
            "encryption.key" => self.encryption.key.as_ref().map(|_| quote(REDACTED)),
            "chats.approved" => Some(format!(
                "[{}]",
                self.chats
                    .approved
                    .iter()
                    .map(i64::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            "telegram.messages_per_second" => Some(self.telegram.messages_per_second.to_string()),
            "telegram.messages_per_minute_per_group" => {
                Some(self.telegram.messages_per_minute_per_group.to_string())
            }
            "telegram.messages_per_second_per_chat" => {
                Some(self.telegram.messages_per_second_per_chat.to_string())
            }
            "bot.operator_contact" => self.bot.operator_contact.as_deref().map(quote),
            "bot.commands_per_minute" => Some(self.bot.commands_per_minute.to_string()),
            "bot.classifications_per_minute" => {
                Some(self.bot.classifications_per_minute.to_string())
            }
            "bot.purge_interval" => dur(&self.bot.purge_interval),
            "log.format" => Some(quote(match self.log.format {
                LogFormat::Text => "text",
                LogFormat::Json => "json",
            })),
            "privacy.export_limit" => Some(self.privacy.export_limit.to_string()),
            "privacy.export_window" => dur(&self.privacy.export_window),
            "privacy.export_part_mib" => Some(self.privacy.export_part_mib.to_string()),
            "privacy.forget_confirm_timeout" => dur(&self.privacy.forget_confirm_timeout),
            "console.language" => self.console.language.as_deref().map(quote),
            _ => None,
        }
    }
}

/// A database URL with its password replaced by `[redacted]`, for display.
/// Covers both `user:password@host` and a `password=` query parameter.
pub fn redact_url(raw: &str) -> String {
    let Some(scheme_end) = raw.find("://") else {
        return raw.to_owned();
    };
    let (head, rest) = raw.split_at(scheme_end + 3);
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rfind('@') {
        Some(at) => {
            let (userinfo, host) = authority.split_at(at);
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{user}:{REDACTED}{host}"),
                None => authority.to_owned(),
            }
        }
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let query: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => {
                        format!("{k}={REDACTED}")
                    }
                    _ => pair.to_owned(),
                })
                .collect();
            format!("{path}?{}", query.join("&"))
        }
        None => tail.to_owned(),
    };
    format!("{head}{authority}{tail}")
}

/// An HTTP endpoint (a provider's base URL) fit to show or log: the user
/// information (`user:password@`, or a bare token before `@`) becomes
/// `[redacted]`, and so does every query value and the fragment, since
/// services take API keys there (`?api_key=…`). Text that is not a valid URL
/// (which is when an error wants to quote it) is cut as far as its last `@`,
/// so a password holding `/` or `?` does not leak either.
pub fn redact_endpoint(raw: &str) -> String {
    let (base, query, fragment) = match url::Url::parse(raw) {
        // Only a URL with a host has its user information where the parser
        // looks ("user:pw@host" parses as scheme "user" and a path).
        Ok(mut u) if u.has_host() => {
            let query = u.query().map(str::to_owned);
            let fragment = u.fragment().map(str::to_owned);
            let userinfo = !u.username().is_empty() || u.password().is_some();
            u.set_query(None);
            u.set_fragment(None);
            let _ = u.set_password(None);
            let _ = u.set_username("");
            let base = u.to_string();
            let base = match (userinfo, base.find("://")) {
                (true, Some(i)) => format!("{}{REDACTED}@{}", &base[..i + 3], &base[i + 3..]),
                _ => base,
            };
            (base, query, fragment)
        }
        _ => {
            let (head, rest) = match raw.find("://") {
                Some(i) => raw.split_at(i + 3),
                None => ("", raw),
            };
            let rest = match rest.rfind('@') {
                Some(at) => format!("{REDACTED}{}", &rest[at..]),
                None => rest.to_owned(),
            };
            let (before, fragment) = match rest.split_once('#') {
                Some((b, f)) => (b.to_owned(), Some(f.to_owned())),
                None => (rest, None),
            };
            let (before, query) = match before.split_once('?') {
                Some((b, q)) => (b.to_owned(), Some(q.to_owned())),
                None => (before, None),
            };
            (format!("{head}{before}"), query, fragment)
        }
    };
    let mut out = base;
    if let Some(query) = query {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, _)) => format!("{k}={REDACTED}"),
                None if pair.is_empty() => String::new(),
                None => REDACTED.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    if let Some(f) = fragment {
        out.push('#');
        if !f.is_empty() {
            out.push_str(REDACTED);
        }
    }
    out
}

/// One `TASKTRACKER_…` variable as a figment provider, so that errors name the
/// exact variable a bad value came from.
struct EnvVar {
    name: String,
    key: String,
    value: String,
}

fn env_overrides(env: &[(String, String)]) -> Vec<EnvVar> {
    let mut vars: Vec<EnvVar> = env
        .iter()
        .filter_map(|(name, value)| {
            let rest = name.strip_prefix(ENV_PREFIX)?;
            if rest.is_empty() {
                return None;
            }
            let key = rest
                .split(ENV_SEPARATOR)
                .map(str::to_ascii_lowercase)
                .collect::<Vec<_>>()
                .join(".");
            Some(EnvVar {
                name: name.clone(),
                key,
                value: value.clone(),
            })
        })
        .collect();
    // Deterministic precedence whatever order the environment came in.
    vars.sort_by(|a, b| a.name.cmp(&b.name));
    vars
}

impl Provider for EnvVar {
    fn metadata(&self) -> Metadata {
        Metadata::named(format!("environment variable {}", self.name)).source(Source::Custom(
            format!("environment variable {}", self.name),
        ))
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        // Parsing follows figment's own Env provider: numbers and booleans
        // become typed values, everything else stays a string.
        let value: Value = self
            .value
            .parse()
            .unwrap_or_else(|_| Value::from(self.value.clone()));
        let dict = figment::util::nest(&self.key, value)
            .into_dict()
            .ok_or_else(|| figment::Error::from(format!("empty key in {}", self.name)))?;
        let mut map = Map::new();
        map.insert(Profile::Default, dict);
        Ok(map)
    }
}

fn describe(md: &Metadata) -> String {
    match &md.source {
        Some(Source::File(p)) => format!("file {}", p.display()),
        Some(Source::Custom(s)) => s.clone(),
        _ => md.name.to_string(),
    }
}

fn source_of(figment: &Figment, key: &str) -> String {
    figment
        .find_metadata(key)
        .map(describe)
        .unwrap_or_else(|| DEFAULT_SOURCE.to_owned())
}

fn from_figment(figment: &Figment, err: figment::Error) -> ConfigError {
    let mut problems: Vec<Problem> = err
        .into_iter()
        .map(|e| {
            let mut path = e.path.clone();
            let mut message = e.kind.to_string();
            if let figment::error::Kind::UnknownField(field, expected) = &e.kind {
                if path.last() != Some(field) {
                    path.push(field.clone());
                }
                message = if expected.is_empty() {
                    format!("unknown key `{field}`")
                } else {
                    format!(
                        "unknown key `{field}`; expected one of: {}",
                        expected.join(", ")
                    )
                };
            }
            let key = if path.is_empty() {
                "(root)".to_owned()
            } else {
                path.join(".")
            };
            let source = figment
                .find_metadata(&key)
                .map(describe)
                .or_else(|| e.metadata.as_ref().map(describe))
                .unwrap_or_else(|| DEFAULT_SOURCE.to_owned());
            if source.starts_with("environment variable") && path.len() == 1 && key.contains('_') {
                message.push_str(&format!(
                    "; environment variables separate section and key with a double underscore, \
                     as in {ENV_PREFIX}DATABASE{ENV_SEPARATOR}URL"
                ));
            }
            Problem {
                key,
                source,
                message,
            }
        })
        .collect();
    problems.sort_by(|a, b| a.key.cmp(&b.key));
    problems.dedup();
    ConfigError { problems }
}

/// Fills secrets from `*_file` keys or systemd credentials.
fn resolve_secrets(
    config: &mut Config,
    env: &[(String, String)],
    sources: &mut BTreeMap<String, String>,
    problems: &mut Vec<Problem>,
) {
    let credentials = env
        .iter()
        .find(|(k, _)| k == CREDENTIALS_DIRECTORY)
        .map(|(_, v)| PathBuf::from(v));

    // telegram.token
    let token = resolve_one(
        "telegram.token",
        config.telegram.token.is_some(),
        config.telegram.token_file.as_deref(),
        credentials.as_deref(),
        "telegram_token",
        sources,
        problems,
    );
    if let Some(token) = token {
        config.telegram.token = Some(token);
    }

    // database.url: "set" means set somewhere other than the default.
    let url_set = sources
        .get("database.url")
        .is_some_and(|s| s != DEFAULT_SOURCE);
    let url = resolve_one(
        "database.url",
        url_set,
        config.database.url_file.as_deref(),
        credentials.as_deref(),
        "database_url",
        sources,
        problems,
    );
    if let Some(url) = url {
        config.database.url = url;
    }

    // encryption: the systemd credential `encryption_key` is a key file.
    let key_file_set = sources
        .get("encryption.key_file")
        .is_some_and(|s| s != DEFAULT_SOURCE);
    if let Some(cred) = credentials.map(|d| d.join("encryption_key"))
        && cred.is_file()
        && !key_file_set
        && config.encryption.key.is_none()
    {
        sources.insert(
            "encryption.key_file".to_owned(),
            format!("systemd credential {}", cred.display()),
        );
        config.encryption.key_file = cred;
    }
    if config.encryption.key.is_some() && key_file_set {
        problems.push(Problem {
            key: "encryption.key".to_owned(),
            source: sources.get("encryption.key").cloned().unwrap_or_default(),
            message: format!(
                "set either encryption.key or encryption.key_file, not both (encryption.key_file comes from {})",
                sources.get("encryption.key_file").cloned().unwrap_or_default()
            ),
        });
    }
}

fn resolve_one(
    key: &str,
    set_directly: bool,
    file: Option<&Path>,
    credentials: Option<&Path>,
    credential_name: &str,
    sources: &mut BTreeMap<String, String>,
    problems: &mut Vec<Problem>,
) -> Option<Secret> {
    let file_key = format!("{key}_file");
    if let Some(file) = file {
        if set_directly {
            problems.push(Problem {
                key: key.to_owned(),
                source: sources.get(key).cloned().unwrap_or_default(),
                message: format!(
                    "set either {key} or {file_key}, not both ({file_key} comes from {})",
                    sources.get(&file_key).cloned().unwrap_or_default()
                ),
            });
            return None;
        }
        let source = sources.get(&file_key).cloned().unwrap_or_default();
        return match read_secret_file(file) {
            Ok(secret) => {
                sources.insert(key.to_owned(), format!("file {}", file.display()));
                Some(secret)
            }
            Err(message) => {
                problems.push(Problem {
                    key: file_key,
                    source,
                    message,
                });
                None
            }
        };
    }
    if set_directly {
        return None;
    }
    let path = credentials?.join(credential_name);
    if !path.is_file() {
        return None;
    }
    match read_secret_file(&path) {
        Ok(secret) => {
            sources.insert(
                key.to_owned(),
                format!("systemd credential {}", path.display()),
            );
            Some(secret)
        }
        Err(message) => {
            problems.push(Problem {
                key: key.to_owned(),
                source: format!("systemd credential {}", path.display()),
                message,
            });
            None
        }
    }
}

fn read_secret_file(path: &Path) -> Result<Secret, String> {
    let raw = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let value = raw.trim();
    if value.is_empty() {
        return Err(format!("{} is empty", path.display()));
    }
    Ok(Secret::new(value))
}

fn check_values(
    config: &Config,
    purpose: Purpose,
    sources: &BTreeMap<String, String>,
    problems: &mut Vec<Problem>,
) {
    // A token file that failed to read was reported already; "missing" would repeat it.
    let token_reported = problems.iter().any(|p| p.key.starts_with("telegram.token"));
    let mut bad = |key: &str, message: String| {
        problems.push(Problem {
            key: key.to_owned(),
            source: sources
                .get(key)
                .cloned()
                .unwrap_or_else(|| DEFAULT_SOURCE.to_owned()),
            message,
        });
    };

    let t = &config.telegram;
    match &t.token {
        Some(token) if !looks_like_bot_token(token.expose()) => bad(
            "telegram.token",
            "this is not a bot token; it looks like 123456789:AA… (copy it from @BotFather)"
                .to_owned(),
        ),
        None if purpose == Purpose::RunBot && !token_reported => bad(
            "telegram.token",
            format!(
                "required to run the bot: set it in the configuration file, in \
                 {ENV_PREFIX}TELEGRAM{ENV_SEPARATOR}TOKEN, or in telegram.token_file"
            ),
        ),
        _ => {}
    }
    match url::Url::parse(&t.api_url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
        _ => bad(
            "telegram.api_url",
            format!(
                "{:?} is not an http(s) URL such as https://api.telegram.org",
                t.api_url
            ),
        ),
    }
    if !(Duration::from_secs(1)..=Duration::from_secs(50)).contains(&t.poll_timeout) {
        bad(
            "telegram.poll_timeout",
            format!(
                "{} is out of range: use 1s to 50s (Telegram's limit)",
                humantime::format_duration(t.poll_timeout)
            ),
        );
    }
    if t.request_timeout < t.poll_timeout + Duration::from_secs(5) {
        bad(
            "telegram.request_timeout",
            format!(
                "{} must be at least 5s longer than telegram.poll_timeout ({}), or every long poll times out",
                humantime::format_duration(t.request_timeout),
                humantime::format_duration(t.poll_timeout)
            ),
        );
    }
    if t.request_timeout > Duration::from_secs(600) {
        bad(
            "telegram.request_timeout",
            "is out of range: use at most 10m".to_owned(),
        );
    }

    if let Some(key) = &config.encryption.key
        && crate::crypto::Kek::from_encoded_str(key.expose(), 0).is_err()
    {
        bad(
            "encryption.key",
            "is not a key: it must be 32 random bytes in base64 (44 characters), as written by \
             `tasktracker keys init`"
                .to_owned(),
        );
    }
    if config.encryption.key_file.as_os_str().is_empty() {
        bad("encryption.key_file", "must not be empty".to_owned());
    }

    if let Some(lang) = &config.console.language
        && crate::i18n::Lang::from_tag(lang).is_none()
    {
        bad(
            "console.language",
            format!("{lang:?} is not a language the console speaks: use \"en\" or \"uk\""),
        );
    }

    if let Some(zero) = config.chats.approved.iter().find(|id| **id == 0) {
        bad(
            "chats.approved",
            format!("{zero} is not a chat id; group ids are negative, such as -1001234567890"),
        );
    }

    for (key, value, max) in [
        (
            "telegram.messages_per_second",
            t.messages_per_second,
            10_000,
        ),
        (
            "telegram.messages_per_minute_per_group",
            t.messages_per_minute_per_group,
            100_000,
        ),
        (
            "telegram.messages_per_second_per_chat",
            t.messages_per_second_per_chat,
            10_000,
        ),
        (
            "bot.commands_per_minute",
            config.bot.commands_per_minute,
            10_000,
        ),
        (
            "bot.classifications_per_minute",
            config.bot.classifications_per_minute,
            1_000_000,
        ),
    ] {
        if !(1..=max).contains(&value) {
            bad(key, format!("{value} is out of range: use 1 to {max}"));
        }
    }
    if let Some(contact) = &config.bot.operator_contact
        && (contact.trim().is_empty() || contact.chars().count() > 500)
    {
        bad(
            "bot.operator_contact",
            "must be a short text (1 to 500 characters), such as an email address or @handle"
                .to_owned(),
        );
    }
    if !(Duration::from_secs(60)..=Duration::from_secs(7 * 86_400))
        .contains(&config.bot.purge_interval)
    {
        bad(
            "bot.purge_interval",
            format!(
                "{} is out of range: use 1m to 7d",
                humantime::format_duration(config.bot.purge_interval)
            ),
        );
    }

    let d = &config.database;
    let url = d.url.expose();
    if !(url.starts_with("sqlite:")
        || url.starts_with("postgres://")
        || url.starts_with("postgresql://"))
    {
        bad(
            "database.url",
            "must start with sqlite: (for example sqlite://data/tasktracker.db) or postgres://"
                .to_owned(),
        );
    } else if url.starts_with("postgres") && url::Url::parse(url).is_err() {
        bad(
            "database.url",
            "is not a valid postgres:// URL (percent-encode special characters in the password)"
                .to_owned(),
        );
    }
    if !(1..=64).contains(&d.max_connections) {
        bad(
            "database.max_connections",
            format!("{} is out of range: use 1 to 64", d.max_connections),
        );
    }
    if !(Duration::from_secs(1)..=Duration::from_secs(300)).contains(&d.connect_timeout) {
        bad(
            "database.connect_timeout",
            format!(
                "{} is out of range: use 1s to 5m",
                humantime::format_duration(d.connect_timeout)
            ),
        );
    }
    if !(Duration::from_secs(5)..=Duration::from_secs(600)).contains(&d.busy_timeout) {
        bad(
            "database.busy_timeout",
            format!(
                "{} is out of range: use 5s to 10m (shorter waits make the bot and the console fail with \"database is locked\")",
                humantime::format_duration(d.busy_timeout)
            ),
        );
    }

    let p = &config.privacy;
    if !(1..=100).contains(&p.export_limit) {
        bad(
            "privacy.export_limit",
            format!(
                "{} is out of range: use 1 to 100 exports per privacy.export_window",
                p.export_limit
            ),
        );
    }
    if !(Duration::from_secs(60)..=Duration::from_secs(30 * 24 * 3600)).contains(&p.export_window) {
        bad(
            "privacy.export_window",
            format!(
                "{} is out of range: use 1m to 30days",
                humantime::format_duration(p.export_window)
            ),
        );
    }
    if !(1..=MAX_EXPORT_PART_MIB).contains(&p.export_part_mib) {
        bad(
            "privacy.export_part_mib",
            format!(
                "{} is out of range: use 1 to {MAX_EXPORT_PART_MIB} (Telegram refuses documents over 50 MB)",
                p.export_part_mib
            ),
        );
    }
    if !(Duration::from_secs(30)..=Duration::from_secs(3600)).contains(&p.forget_confirm_timeout) {
        bad(
            "privacy.forget_confirm_timeout",
            format!(
                "{} is out of range: use 30s to 1h",
                humantime::format_duration(p.forget_confirm_timeout)
            ),
        );
    }
}

/// Bot tokens are `<bot id>:<35 characters of [A-Za-z0-9_-]>`.
fn looks_like_bot_token(token: &str) -> bool {
    let Some((id, secret)) = token.split_once(':') else {
        return false;
    };
    !id.is_empty()
        && id.len() <= 20
        && id.bytes().all(|b| b.is_ascii_digit())
        && secret.len() >= 30
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Durations are written as humantime strings: `30s`, `5m`, `1h 30m`.
mod duration {
    use std::fmt;
    use std::time::Duration;

    use serde::de::{self, Visitor};

    pub fn deserialize<'de, D: de::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        d.deserialize_any(DurationVisitor)
    }

    struct DurationVisitor;

    impl Visitor<'_> for DurationVisitor {
        type Value = Duration;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a duration with a unit, such as \"30s\", \"5m\" or \"1h\"")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Duration, E> {
            humantime::parse_duration(v.trim()).map_err(|e| {
                E::custom(format!(
                    "invalid duration {v:?} ({e}): write a number with a unit, such as \"30s\", \"5m\" or \"1h\""
                ))
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &str = "123456789:AAHfiqksKZ8WmR2zSjiQ7_v4TMAKdiHm9T0";

    fn opts(file: Option<&Path>, env: &[(&str, &str)], purpose: Purpose) -> LoadOptions {
        LoadOptions {
            explicit_file: file.map(Path::to_path_buf),
            search_paths: vec![],
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            purpose,
        }
    }

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    #[test]
    fn only_the_token_is_needed() {
        let loaded = load(&opts(
            None,
            &[("TASKTRACKER_TELEGRAM__TOKEN", TOKEN)],
            Purpose::RunBot,
        ))
        .unwrap();
        assert_eq!(loaded.config.database.url.expose(), DEFAULT_DATABASE_URL);
        assert_eq!(
            loaded.source_of("telegram.token"),
            "environment variable TASKTRACKER_TELEGRAM__TOKEN"
        );
        assert_eq!(loaded.source_of("database.url"), DEFAULT_SOURCE);
    }

    #[test]
    fn missing_token_is_refused_for_the_bot_only() {
        let err = load(&opts(None, &[], Purpose::RunBot)).unwrap_err();
        assert_eq!(err.problems.len(), 1);
        assert_eq!(err.problems[0].key, "telegram.token");
        assert!(load(&opts(None, &[], Purpose::Database)).is_ok());
    }

    #[test]
    fn env_overrides_file_and_errors_name_their_source() {
        let dir = tempfile::tempdir().unwrap();
        let f = write(
            &dir,
            "tt.toml",
            "[database]\nmax_connections = 8\nbusy_timeout = \"1s\"\n",
        );
        let err = load(&opts(
            Some(&f),
            &[("TASKTRACKER_DATABASE__MAX_CONNECTIONS", "500")],
            Purpose::Database,
        ))
        .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("database.max_connections: 500 is out of range")
                && text.contains("environment variable TASKTRACKER_DATABASE__MAX_CONNECTIONS"),
            "{text}"
        );
        assert!(
            text.contains("database.busy_timeout")
                && text.contains(&format!("file {}", f.display())),
            "{text}"
        );
    }

    #[test]
    fn unknown_keys_are_refused_with_their_source() {
        let dir = tempfile::tempdir().unwrap();
        let f = write(&dir, "tt.toml", "[telegram]\ntokne = \"x\"\n");
        let err = load(&opts(Some(&f), &[], Purpose::Database)).unwrap_err();
        assert_eq!(err.problems[0].key, "telegram.tokne");
        assert!(err.problems[0].message.contains("unknown key"));
        assert_eq!(err.problems[0].source, format!("file {}", f.display()));

        let err = load(&opts(
            None,
            &[("TASKTRACKER_DATABASE_URL", "sqlite://x.db")],
            Purpose::Database,
        ))
        .unwrap_err();
        assert_eq!(err.problems[0].key, "database_url");
        assert!(err.problems[0].message.contains("double underscore"));
    }

    #[test]
    fn malformed_values_and_durations() {
        let dir = tempfile::tempdir().unwrap();
        let f = write(
            &dir,
            "tt.toml",
            "[database]\nmax_connections = \"many\"\n[telegram]\npoll_timeout = \"soon\"\n",
        );
        let err = load(&opts(Some(&f), &[], Purpose::Database)).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("database.max_connections"), "{text}");
        // figment stops at the first type error per struct; fix one, see the next.
        let f = write(&dir, "tt2.toml", "[telegram]\npoll_timeout = \"soon\"\n");
        let err = load(&opts(Some(&f), &[], Purpose::Database)).unwrap_err();
        assert!(
            err.to_string().contains("invalid duration \"soon\""),
            "{err}"
        );
    }

    #[test]
    fn toml_syntax_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let f = write(&dir, "tt.toml", "[database\nurl = 1\n");
        let err = load(&opts(Some(&f), &[], Purpose::Database)).unwrap_err();
        assert!(err.to_string().contains(&f.display().to_string()), "{err}");
    }

    #[test]
    fn explicit_file_must_exist() {
        let err = load(&opts(
            Some(Path::new("/nonexistent/tt.toml")),
            &[],
            Purpose::Database,
        ))
        .unwrap_err();
        assert_eq!(err.problems[0].key, "--config");
    }

    #[test]
    fn secrets_from_files_and_credentials() {
        let dir = tempfile::tempdir().unwrap();
        let tf = write(&dir, "token", &format!("{TOKEN}\n"));
        let f = write(
            &dir,
            "tt.toml",
            &format!("[telegram]\ntoken_file = {:?}\n", tf.display().to_string()),
        );
        let loaded = load(&opts(Some(&f), &[], Purpose::RunBot)).unwrap();
        assert_eq!(loaded.config.telegram.token.unwrap().expose(), TOKEN);

        let creds = tempfile::tempdir().unwrap();
        std::fs::write(creds.path().join("telegram_token"), TOKEN).unwrap();
        std::fs::write(
            creds.path().join("database_url"),
            "postgres://tt:s3cret@db/tt",
        )
        .unwrap();
        let dirstr = creds.path().display().to_string();
        let loaded = load(&opts(
            None,
            &[(CREDENTIALS_DIRECTORY, dirstr.as_str())],
            Purpose::RunBot,
        ))
        .unwrap();
        assert_eq!(
            loaded.config.database.url.expose(),
            "postgres://tt:s3cret@db/tt"
        );
        let shown = loaded.render_redacted();
        assert!(
            !shown.contains("s3cret") && !shown.contains(TOKEN),
            "{shown}"
        );
        assert!(shown.contains("systemd credential"), "{shown}");

        let empty = write(&dir, "empty", "\n");
        let f = write(
            &dir,
            "tt3.toml",
            &format!(
                "[telegram]\ntoken_file = {:?}\n",
                empty.display().to_string()
            ),
        );
        let err = load(&opts(Some(&f), &[], Purpose::RunBot)).unwrap_err();
        assert_eq!(err.problems[0].key, "telegram.token_file");
        assert!(err.problems[0].message.contains("is empty"));
    }

    #[test]
    fn token_and_token_file_conflict() {
        let dir = tempfile::tempdir().unwrap();
        let tf = write(&dir, "token", TOKEN);
        let f = write(
            &dir,
            "tt.toml",
            &format!(
                "[telegram]\ntoken = {TOKEN:?}\ntoken_file = {:?}\n",
                tf.display().to_string()
            ),
        );
        let err = load(&opts(Some(&f), &[], Purpose::RunBot)).unwrap_err();
        assert!(err.to_string().contains("not both"), "{err}");
    }

    #[test]
    fn redaction() {
        assert_eq!(
            redact_url("postgres://u:p%40ss@h:5432/db"),
            "postgres://u:[redacted]@h:5432/db"
        );
        assert_eq!(redact_url("sqlite://data/x.db"), "sqlite://data/x.db");
        assert_eq!(
            redact_url("postgres://h/db?user=u&password=pw"),
            "postgres://h/db?user=u&password=[redacted]"
        );
        assert!(!looks_like_bot_token("hello"));
    }

    #[test]
    fn endpoint_redaction() {
        let cases = [
            ("https://api.openai.com/v1", "https://api.openai.com/v1"),
            (
                "https://user:hunter2@host:8443/v1",
                "https://[redacted]@host:8443/v1",
            ),
            ("https://sk-token@host/v1", "https://[redacted]@host/v1"),
            (
                "https://host/v1?api_key=sk-1&model=m",
                "https://host/v1?api_key=[redacted]&model=[redacted]",
            ),
            (
                "https://host/v1?sk-bare#frag",
                "https://host/v1?[redacted]#[redacted]",
            ),
            // A '/' or '?' in the password: not a valid URL, still redacted.
            ("https://u:pa/ss@host/v1", "https://[redacted]@host/v1"),
            ("https://u:pa?ss@host/v1", "https://[redacted]@host/v1"),
            ("https://u:pa#ss@host/v1", "https://[redacted]@host/v1"),
            ("http://127.0.0.1:11434", "http://127.0.0.1:11434/"),
            ("u:pw@host/v1?key=k", "[redacted]@host/v1?key=[redacted]"),
            ("", ""),
        ];
        for (raw, shown) in cases {
            assert_eq!(redact_endpoint(raw), shown, "{raw}");
        }
        assert!(looks_like_bot_token(TOKEN));
    }
}
