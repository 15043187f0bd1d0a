//! OpenAI-compatible LLM providers configured by operators.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, sea_query::Expr,
};

use super::entity::provider;
use super::{Conn, StoreError, Tx, in_savepoint, now, string_enum, unique_violation};

string_enum! {
    /// A provider's circuit breaker, as the bot last reported it.
    pub enum CircuitState {
        /// Requests flow.
        Closed => "closed",
        /// Requests are refused until a cool-down passes.
        Open => "open",
        /// One trial request decides.
        HalfOpen => "half_open",
    }
}

/// A provider. Its `Debug` shows the base URL redacted
/// ([`crate::config::redact_endpoint`]) and the key's length only.
#[derive(Clone, PartialEq)]
pub struct Provider {
    /// Row id.
    pub id: i64,
    /// Unique name, used by `--provider NAME`.
    pub name: String,
    /// API dialect; `openai` (chat completions) for now.
    pub kind: String,
    /// Base URL, such as `https://api.openai.com/v1` or `http://127.0.0.1:11434/v1`.
    pub base_url: String,
    /// Model name.
    pub model: String,
    /// API key, encrypted with the system key.
    pub api_key_ct: Option<Vec<u8>>,
    /// Per-request timeout.
    pub timeout_ms: u32,
    /// Rate limit.
    pub requests_per_minute: u32,
    /// Replace PII with placeholders before text leaves the machine.
    pub redact_pii: bool,
    /// Used when a chat names no provider.
    pub is_default: bool,
    /// Disabled providers are never called.
    pub enabled: bool,
    /// Last failure.
    pub last_error: Option<String>,
    /// When it failed.
    pub last_error_at: Option<DateTime<Utc>>,
    /// Last success.
    pub last_ok_at: Option<DateTime<Utc>>,
    /// The circuit breaker's state the bot last reported (`None`: never
    /// reported, or a value this build does not know).
    pub circuit_state: Option<CircuitState>,
    /// When the reported state last changed.
    pub circuit_changed_at: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("base_url", &crate::config::redact_endpoint(&self.base_url))
            .field("model", &self.model)
            .field("api_key_ct", &self.api_key_ct.as_ref().map(Vec::len))
            .field("timeout_ms", &self.timeout_ms)
            .field("requests_per_minute", &self.requests_per_minute)
            .field("redact_pii", &self.redact_pii)
            .field("is_default", &self.is_default)
            .field("enabled", &self.enabled)
            .field("last_error", &self.last_error)
            .field("last_error_at", &self.last_error_at)
            .field("last_ok_at", &self.last_ok_at)
            .field("circuit_state", &self.circuit_state)
            .field("circuit_changed_at", &self.circuit_changed_at)
            .field("created_at", &self.created_at)
            .field("updated_at", &self.updated_at)
            .finish()
    }
}

impl From<provider::Model> for Provider {
    fn from(m: provider::Model) -> Self {
        Provider {
            id: m.id,
            name: m.name,
            kind: m.kind,
            base_url: m.base_url,
            model: m.model,
            api_key_ct: m.api_key_ct,
            timeout_ms: u32::try_from(m.timeout_ms).unwrap_or(0),
            requests_per_minute: u32::try_from(m.requests_per_minute).unwrap_or(0),
            redact_pii: m.redact_pii,
            is_default: m.is_default,
            enabled: m.enabled,
            last_error: m.last_error,
            last_error_at: m.last_error_at,
            last_ok_at: m.last_ok_at,
            circuit_state: m.circuit_state.as_deref().and_then(|s| s.parse().ok()),
            circuit_changed_at: m.circuit_changed_at,
            created_at: m.created_at,
            updated_at: m.updated_at,
        }
    }
}

/// What an operator sets on a provider. Its `Debug` shows the base URL
/// redacted.
#[derive(Clone, PartialEq)]
pub struct ProviderSpec {
    /// Unique name: letters, digits, `-` and `_`.
    pub name: String,
    /// API dialect (`openai`).
    pub kind: String,
    /// Base URL (http or https).
    pub base_url: String,
    /// Model name.
    pub model: String,
    /// API key, already encrypted (`None` for keyless local servers).
    pub api_key_ct: Option<Vec<u8>>,
    /// Timeout in milliseconds (100 ms to 10 min).
    pub timeout_ms: u32,
    /// Requests per minute (1 to 100,000).
    pub requests_per_minute: u32,
    /// PII redaction.
    pub redact_pii: bool,
    /// Make it the default (clears the flag on every other provider).
    pub is_default: bool,
    /// Enabled.
    pub enabled: bool,
}

impl std::fmt::Debug for ProviderSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderSpec")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .field("base_url", &crate::config::redact_endpoint(&self.base_url))
            .field("model", &self.model)
            .field("api_key_ct", &self.api_key_ct.as_ref().map(Vec::len))
            .field("timeout_ms", &self.timeout_ms)
            .field("requests_per_minute", &self.requests_per_minute)
            .field("redact_pii", &self.redact_pii)
            .field("is_default", &self.is_default)
            .field("enabled", &self.enabled)
            .finish()
    }
}

impl ProviderSpec {
    fn check(&self) -> Result<(), StoreError> {
        let bad = |m: String| Err(StoreError::Invalid(m));
        if self.name.is_empty()
            || self.name.len() > 64
            || !self
                .name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return bad(format!(
                "provider name {:?} is invalid: use 1 to 64 letters, digits, '-' or '_'",
                self.name
            ));
        }
        if self.name == "builtin" {
            return bad("\"builtin\" is the offline classifier's name; choose another".into());
        }
        if self.kind != "openai" {
            return bad(format!(
                "provider kind {:?} is not supported; use \"openai\" (any OpenAI-compatible API)",
                self.kind
            ));
        }
        match url::Url::parse(&self.base_url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
            _ => {
                // Quoted redacted: what was typed may hold a password or a key.
                return bad(format!(
                    "base URL {:?} is not an http(s) URL such as https://api.openai.com/v1",
                    crate::config::redact_endpoint(&self.base_url)
                ));
            }
        }
        if self.model.trim().is_empty() || self.model.len() > 128 {
            return bad("model name must be 1 to 128 characters".into());
        }
        if !(100..=600_000).contains(&self.timeout_ms) {
            return bad(format!(
                "timeout {} ms is out of range: use 100 to 600000",
                self.timeout_ms
            ));
        }
        if !(1..=100_000).contains(&self.requests_per_minute) {
            return bad(format!(
                "{} requests per minute is out of range: use 1 to 100000",
                self.requests_per_minute
            ));
        }
        Ok(())
    }

    fn apply(self, am: &mut provider::ActiveModel) {
        am.name = Set(self.name);
        am.kind = Set(self.kind);
        am.base_url = Set(self.base_url);
        am.model = Set(self.model);
        am.api_key_ct = Set(self.api_key_ct);
        // Both fit in i32: check() bounds them.
        am.timeout_ms = Set(i32::try_from(self.timeout_ms).unwrap_or(i32::MAX));
        am.requests_per_minute = Set(i32::try_from(self.requests_per_minute).unwrap_or(i32::MAX));
        am.redact_pii = Set(self.redact_pii);
        am.is_default = Set(self.is_default);
        am.enabled = Set(self.enabled);
        am.updated_at = Set(now());
    }
}

async fn clear_default(c: &impl ConnectionTrait) -> Result<(), sea_orm::DbErr> {
    provider::Entity::update_many()
        .col_expr(provider::Column::IsDefault, Expr::value(false))
        // A changed flag is a changed setting: readers watching `updated_at`
        // (the bot reloads providers by it) must see it.
        .col_expr(provider::Column::UpdatedAt, Expr::value(now()))
        .filter(provider::Column::IsDefault.eq(true))
        .exec(c)
        .await?;
    Ok(())
}

/// Adds a provider.
pub async fn create(tx: &Tx, spec: ProviderSpec) -> Result<Provider, StoreError> {
    spec.check()?;
    let name = spec.name.clone();
    let make_default = spec.is_default;
    let t = now();
    let mut am = provider::ActiveModel {
        id: Default::default(),
        last_error: Set(None),
        last_error_at: Set(None),
        last_ok_at: Set(None),
        circuit_state: Set(None),
        circuit_changed_at: Set(None),
        created_at: Set(t),
        ..Default::default()
    };
    spec.apply(&mut am);
    // One savepoint for both steps: a refused insert keeps the old default.
    let row = in_savepoint(tx, async |c| {
        if make_default {
            clear_default(c).await?;
        }
        am.insert(c).await
    })
    .await
    .map_err(|e| unique_violation(e, || format!("a provider named {name:?} already exists")))?;
    Ok(row.into())
}

/// Replaces a provider's settings.
pub async fn update(tx: &Tx, id: i64, spec: ProviderSpec) -> Result<Provider, StoreError> {
    spec.check()?;
    let existing = provider::Entity::find_by_id(id)
        .one(tx.inner())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("provider {id}")))?;
    let name = spec.name.clone();
    let make_default = spec.is_default;
    let mut am: provider::ActiveModel = existing.into();
    spec.apply(&mut am);
    let row = in_savepoint(tx, async |c| {
        if make_default {
            clear_default(c).await?;
        }
        am.update(c).await
    })
    .await
    .map_err(|e| unique_violation(e, || format!("a provider named {name:?} already exists")))?;
    Ok(row.into())
}

/// The provider with this id.
pub async fn get(c: &impl Conn, id: i64) -> Result<Option<Provider>, StoreError> {
    Ok(provider::Entity::find_by_id(id)
        .one(c.inner())
        .await?
        .map(Provider::from))
}

/// The provider with this name.
pub async fn get_by_name(c: &impl Conn, name: &str) -> Result<Option<Provider>, StoreError> {
    Ok(provider::Entity::find()
        .filter(provider::Column::Name.eq(name))
        .one(c.inner())
        .await?
        .map(Provider::from))
}

/// The default provider, if one is set and enabled.
pub async fn default_provider(c: &impl Conn) -> Result<Option<Provider>, StoreError> {
    Ok(provider::Entity::find()
        .filter(provider::Column::IsDefault.eq(true))
        .filter(provider::Column::Enabled.eq(true))
        .one(c.inner())
        .await?
        .map(Provider::from))
}

/// Every provider, by name.
pub async fn list(c: &impl Conn) -> Result<Vec<Provider>, StoreError> {
    Ok(provider::Entity::find()
        .order_by_asc(provider::Column::Name)
        .all(c.inner())
        .await?
        .into_iter()
        .map(Provider::from)
        .collect())
}

/// Deletes a provider; true when it existed.
pub async fn delete(tx: &Tx, id: i64) -> Result<bool, StoreError> {
    Ok(provider::Entity::delete_by_id(id)
        .exec(tx.inner())
        .await?
        .rows_affected
        > 0)
}

/// Records the outcome of a call and, when the caller knows it, the state of
/// the provider's circuit breaker: `Ok` stamps `last_ok_at`, `Err` keeps the
/// message (which must hold no secrets) and its time; a circuit state that
/// differs from the stored one is written with the time of the change.
///
/// Health is not configuration: `updated_at` stays as it is, so a bot that
/// re-reads providers when `updated_at` moves is not woken by its own reports.
pub async fn record_health(
    tx: &Tx,
    id: i64,
    outcome: Result<(), &str>,
    circuit: Option<CircuitState>,
) -> Result<(), StoreError> {
    let existing = provider::Entity::find_by_id(id)
        .one(tx.inner())
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("provider {id}")))?;
    let stored_circuit = existing.circuit_state.clone();
    let mut am: provider::ActiveModel = existing.into();
    let t = now();
    match outcome {
        Ok(()) => am.last_ok_at = Set(Some(t)),
        Err(message) => {
            am.last_error = Set(Some(message.to_owned()));
            am.last_error_at = Set(Some(t));
        }
    }
    if let Some(state) = circuit
        && stored_circuit.as_deref() != Some(state.as_str())
    {
        am.circuit_state = Set(Some(state.as_str().to_owned()));
        am.circuit_changed_at = Set(Some(t));
    }
    am.update(tx.inner()).await?;
    Ok(())
}
