//! A client for any OpenAI-compatible chat-completions endpoint: OpenAI,
//! Ollama, vLLM, the llama.cpp server, OpenRouter, LM Studio.
//!
//! One [`Client`] per provider, shared by every caller: it holds the
//! provider's circuit breaker, its requests-per-minute limiter and the
//! structured-output mode that worked. [`Client::classify`] returns the
//! provider's answer or a [`ProviderError`]; falling back to the builtin
//! classifier is [`super::Classifier`]'s job.
//!
//! A request goes like this:
//!
//! 1. The circuit breaker must be closed (or half-open with the trial free).
//! 2. The text has invisible and BiDi controls stripped, then personal data
//!    replaced by placeholders ([`redact`]) when the provider's `redact_pii`
//!    is on, then goes between random delimiters ([`prompt`]).
//! 3. We ask for strict JSON-schema output. A 400/422 that mentions
//!    `response_format` or `json_schema` switches the client to `json_object`
//!    with the schema in the prompt, and a second refusal to no
//!    `response_format` at all; the answer is always parsed leniently.
//! 4. 408, 409, 429, 5xx and connection errors are retried with full-jitter
//!    backoff or the server's `retry-after-ms`/`Retry-After`, all within the
//!    total timeout. A 429 that says `insufficient_quota` is not retried.
//! 5. The answer is validated and clamped ([`answer`]), placeholders mapped back.
//!
//! Neither the API key nor message text is ever logged or put in an error.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use ring::rand::SystemRandom;

use super::builtin::Builtin;
use super::{Classification, MessageInput, text};
use crate::Secret;
use crate::store::providers::Provider;

pub mod answer;
pub mod circuit;
pub mod prompt;
pub mod redact;
pub mod retry;

pub use circuit::CircuitPolicy;
pub use prompt::Mode;
pub use retry::RetryPolicy;

/// The total timeout when a provider sets none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);

/// The longest connect timeout (shorter when the total timeout is shorter).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A chat completion for one classification is a few hundred bytes; a
/// response larger than this is refused rather than read into memory.
pub const MAX_RESPONSE_BYTES: usize = 1 << 20;

/// How to reach one provider.
#[derive(Clone)]
pub struct Settings {
    /// The provider's name, as recorded in results.
    pub name: String,
    /// The base URL, such as `https://api.openai.com/v1`;
    /// requests go to `{base_url}/chat/completions`.
    pub base_url: String,
    /// The model name.
    pub model: String,
    /// The API key, already decrypted (`None` for keyless local servers).
    pub api_key: Option<Secret>,
    /// The longest wait for a TCP/TLS connection.
    pub connect_timeout: Duration,
    /// The budget for one classification, retries and waits included.
    pub timeout: Duration,
    /// Requests per minute (`None`: unlimited).
    pub requests_per_minute: Option<NonZeroU32>,
    /// Replace personal data by placeholders before sending.
    pub redact_pii: bool,
    /// Retries.
    pub retry: RetryPolicy,
    /// The circuit breaker.
    pub circuit: CircuitPolicy,
}

impl std::fmt::Debug for Settings {
    // The key is a Secret (prints "[redacted]"); user information and query
    // values in the base URL are cut out too.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("name", &self.name)
            .field("base_url", &crate::config::redact_endpoint(&self.base_url))
            .field("model", &self.model)
            .field("api_key", &self.api_key)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("requests_per_minute", &self.requests_per_minute)
            .field("redact_pii", &self.redact_pii)
            .field("retry", &self.retry)
            .field("circuit", &self.circuit)
            .finish()
    }
}

impl Settings {
    /// Settings from a stored provider row and its decrypted API key.
    ///
    /// `redact_pii` is taken from the row as stored: operators may turn it off
    /// for a provider on a loopback address (a model on this machine); new
    /// providers should start with [`default_redact_pii`], which is on for
    /// every other address.
    pub fn from_provider(p: &Provider, api_key: Option<Secret>) -> Result<Settings, ProviderError> {
        if p.kind != "openai" {
            return Err(ProviderError::Config(format!(
                "provider kind {:?} is not supported; set it to \"openai\"",
                p.kind
            )));
        }
        let timeout = match p.timeout_ms {
            0 => DEFAULT_TIMEOUT,
            ms => Duration::from_millis(u64::from(ms)),
        };
        Ok(Settings {
            name: p.name.clone(),
            base_url: p.base_url.clone(),
            model: p.model.clone(),
            api_key,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT.min(timeout),
            timeout,
            requests_per_minute: NonZeroU32::new(p.requests_per_minute),
            redact_pii: p.redact_pii,
            retry: RetryPolicy::default(),
            circuit: CircuitPolicy::default(),
        })
    }
}

/// Whether `base_url` points at this machine (`localhost`, 127.0.0.0/8, `::1`).
pub fn is_loopback(base_url: &str) -> bool {
    match url::Url::parse(base_url)
        .ok()
        .and_then(|u| u.host().map(|h| h.to_owned()))
    {
        Some(url::Host::Domain(d)) => {
            d.eq_ignore_ascii_case("localhost") || d.to_ascii_lowercase().ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The `redact_pii` a new provider should start with: on, except for a
/// loopback base URL, where text does not leave the machine.
pub fn default_redact_pii(base_url: &str) -> bool {
    !is_loopback(base_url)
}

/// Why a provider gave no usable answer. The messages are short and hold
/// no secrets and no message text: they go into results and provider health.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    /// The total timeout passed.
    #[error("timeout")]
    Timeout,
    /// No connection could be made.
    #[error("connection failed")]
    Connect,
    /// The connection broke, or the response could not be read.
    #[error("connection dropped")]
    Transport,
    /// An HTTP error status (after retries, if it was retryable).
    #[error("HTTP {status}{}", code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Http {
        /// The status code.
        status: u16,
        /// The error's `code` or `type` from the body, when it is a short identifier.
        code: Option<String>,
    },
    /// 429 and the provider says the quota or credit is used up.
    #[error("quota exhausted")]
    QuotaExhausted,
    /// The provider asked us to wait longer than we may.
    #[error("rate limited")]
    RateLimited,
    /// Our own requests-per-minute limit would make us wait too long.
    #[error("local rate limit")]
    LocalRateLimit,
    /// The circuit breaker is open after repeated failures.
    #[error("circuit open")]
    CircuitOpen,
    /// The answer was not a valid classification.
    #[error("invalid answer: {0}")]
    InvalidAnswer(String),
    /// The provider is configured wrongly.
    #[error("misconfigured: {0}")]
    Config(String),
}

impl ProviderError {
    /// Whether the failure says the provider is unwell (counts for the circuit breaker).
    fn is_outage(&self) -> bool {
        !matches!(
            self,
            ProviderError::InvalidAnswer(_)
                | ProviderError::CircuitOpen
                | ProviderError::LocalRateLimit
                | ProviderError::Config(_)
        )
    }
}

/// What one attempt ended with, when it did not succeed.
struct Failure {
    error: ProviderError,
    retryable: bool,
    retry_after: Option<Duration>,
}

impl Failure {
    fn fatal(error: ProviderError) -> Self {
        Failure {
            error,
            retryable: false,
            retry_after: None,
        }
    }
}

/// A client for one provider. Share it (e.g. in an `Arc`): the circuit
/// breaker, the rate limit and the remembered output mode are per client.
pub struct Client {
    settings: Settings,
    endpoint: reqwest::Url,
    http: reqwest::Client,
    mode: AtomicU8,
    circuit: circuit::CircuitBreaker,
    limiter: Option<DefaultDirectRateLimiter>,
    rng: SystemRandom,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Settings' Debug redacts the key (Secret); the endpoint is shown
        // without user information or query.
        f.debug_struct("Client")
            .field("name", &self.settings.name)
            .field("endpoint", &self.endpoint.path())
            .field("mode", &self.mode())
            .field("circuit", &self.circuit.state())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Builds a client. Fails on a base URL that is not http(s), or a key
    /// that cannot go in a header.
    pub fn new(settings: Settings) -> Result<Client, ProviderError> {
        let base = url::Url::parse(settings.base_url.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| {
                ProviderError::Config(format!(
                    "provider {}: the base URL is not an http(s) URL such as \
                     http://127.0.0.1:11434/v1; fix it in the console",
                    settings.name
                ))
            })?;
        let endpoint_text = format!("{}/chat/completions", base.as_str().trim_end_matches('/'));
        let endpoint = reqwest::Url::parse(&endpoint_text).map_err(|_| {
            ProviderError::Config(format!(
                "provider {}: the base URL is invalid",
                settings.name
            ))
        })?;
        let mut headers = HeaderMap::new();
        if let Some(key) = settings.api_key.as_ref().filter(|k| !k.is_empty()) {
            let mut value =
                HeaderValue::from_str(&format!("Bearer {}", key.expose())).map_err(|_| {
                    ProviderError::Config(format!(
                        "provider {}: the API key holds characters a header cannot carry; \
                         enter it again",
                        settings.name
                    ))
                })?;
            value.set_sensitive(true);
            headers.insert(AUTHORIZATION, value);
        }
        let mut builder = reqwest::Client::builder();
        if is_loopback(&settings.base_url) {
            // A server on this machine is never reached through a proxy.
            builder = builder.no_proxy();
        }
        let http = builder
            .default_headers(headers)
            .connect_timeout(settings.connect_timeout.min(settings.timeout))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("tasktracker/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|_| {
                ProviderError::Config(format!(
                    "provider {}: the HTTP client could not be built",
                    settings.name
                ))
            })?;
        if !settings.redact_pii && !is_loopback(&settings.base_url) {
            tracing::warn!(
                provider = %settings.name,
                "PII redaction is off for a provider that is not on this machine"
            );
        }
        let limiter = settings
            .requests_per_minute
            .map(|rpm| RateLimiter::direct(Quota::per_minute(rpm)));
        Ok(Client {
            circuit: circuit::CircuitBreaker::new(settings.circuit),
            settings,
            endpoint,
            http,
            mode: AtomicU8::new(0),
            limiter,
            rng: SystemRandom::new(),
        })
    }

    /// The provider's name.
    pub fn name(&self) -> &str {
        &self.settings.name
    }

    /// The structured-output mode this client uses now (the last one that worked).
    pub fn mode(&self) -> Mode {
        match self.mode.load(Ordering::Relaxed) {
            0 => Mode::JsonSchema,
            1 => Mode::JsonObject,
            _ => Mode::Plain,
        }
    }

    fn set_mode(&self, mode: Mode) {
        let v = match mode {
            Mode::JsonSchema => 0,
            Mode::JsonObject => 1,
            Mode::Plain => 2,
        };
        self.mode.store(v, Ordering::Relaxed);
    }

    /// The circuit breaker's state.
    pub fn circuit_state(&self) -> circuit::State {
        self.circuit.state()
    }

    /// Classifies one message with the provider.
    pub async fn classify(
        &self,
        input: &MessageInput<'_>,
    ) -> Result<Classification, ProviderError> {
        let deadline = Instant::now() + self.settings.timeout;
        self.circuit
            .acquire()
            .map_err(|circuit::Open| ProviderError::CircuitOpen)?;
        let result = self.classify_inner(input, deadline).await;
        match &result {
            Ok(_) => self.circuit.record_success(),
            Err(e) if e.is_outage() => self.circuit.record_failure(),
            // The server answered, just not usefully: it is up.
            Err(ProviderError::InvalidAnswer(_)) => self.circuit.record_success(),
            Err(_) => self.circuit.release_unused(),
        }
        result
    }

    async fn classify_inner(
        &self,
        input: &MessageInput<'_>,
        deadline: Instant,
    ) -> Result<Classification, ProviderError> {
        let stripped = text::strip_controls(input.text);
        let redacted = if self.settings.redact_pii {
            redact::redact(&stripped)
        } else {
            redact::Redacted::none(&stripped)
        };
        let token = prompt::fresh_token(&self.rng).map_err(|_| {
            ProviderError::Config("the system's random number generator failed".to_owned())
        })?;
        let local_date = input.local_date();
        let user = prompt::user_message(&redacted.text, &token, local_date, input.tz.name());
        let content = self.complete(&user, deadline).await?;
        let answer = answer::parse_content(&content).map_err(ProviderError::InvalidAnswer)?;
        let fallback = Builtin.classify(input);
        let ctx = answer::Context {
            original_text: input.text,
            local_date,
            redacted: &redacted,
            fallback_title: &fallback.title,
        };
        answer::validate(&answer, &ctx, &self.settings.name).map_err(ProviderError::InvalidAnswer)
    }

    /// Sends the chat-completions request, retrying as the policy allows;
    /// returns the message content.
    async fn complete(&self, user: &str, deadline: Instant) -> Result<String, ProviderError> {
        let policy = self.settings.retry;
        let mut attempt: u32 = 0;
        loop {
            self.wait_for_limiter(deadline, attempt).await?;
            let mode = self.mode();
            let failure = match self.attempt(mode, user, deadline).await {
                Ok(content) => return Ok(content),
                Err(Attempt::Downgrade) => {
                    let next = match mode {
                        Mode::JsonSchema => Mode::JsonObject,
                        Mode::JsonObject | Mode::Plain => Mode::Plain,
                    };
                    tracing::info!(
                        provider = %self.settings.name,
                        from = mode.as_str(),
                        to = next.as_str(),
                        "the provider refused the structured-output mode; trying the next"
                    );
                    self.set_mode(next);
                    continue;
                }
                Err(Attempt::Failed(f)) => f,
            };
            attempt += 1;
            tracing::debug!(
                provider = %self.settings.name,
                attempt,
                error = %failure.error,
                "provider request failed"
            );
            if !failure.retryable || attempt >= policy.max_attempts {
                return Err(failure.error);
            }
            let wait = match failure.retry_after {
                Some(w) if w > policy.max_retry_after => {
                    return Err(match failure.error {
                        ProviderError::Http { status: 429, .. } => ProviderError::RateLimited,
                        other => other,
                    });
                }
                Some(w) => w,
                None => policy.backoff(attempt - 1, &self.rng),
            };
            if Instant::now() + wait >= deadline {
                return Err(match failure.error {
                    ProviderError::Http { status: 429, .. } => ProviderError::RateLimited,
                    other => other,
                });
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// Waits for the requests-per-minute limiter, unless that wait would
    /// outlast the budget.
    async fn wait_for_limiter(&self, deadline: Instant, attempt: u32) -> Result<(), ProviderError> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        loop {
            match limiter.check() {
                Ok(()) => return Ok(()),
                Err(not_until) => {
                    let wait = not_until.wait_time_from(DefaultClock::default().now());
                    if Instant::now() + wait >= deadline {
                        tracing::debug!(
                            provider = %self.settings.name,
                            attempt,
                            wait_ms = wait.as_millis() as u64,
                            "requests-per-minute limit reached"
                        );
                        return Err(ProviderError::LocalRateLimit);
                    }
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// One HTTP request.
    async fn attempt(&self, mode: Mode, user: &str, deadline: Instant) -> Result<String, Attempt> {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(Attempt::Failed(Failure::fatal(ProviderError::Timeout)));
        }
        let body = prompt::request_body(&self.settings.model, mode, user);
        let response = self
            .http
            .post(self.endpoint.clone())
            .timeout(remaining)
            .json(&body)
            .send()
            .await
            .map_err(|e| Attempt::Failed(transport_failure(&e)))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = read_body(response).await.map_err(Attempt::Failed)?;
        if (200..300).contains(&status) {
            return completion_content(&text).map_err(|e| Attempt::Failed(Failure::fatal(e)));
        }
        if matches!(status, 400 | 422) && mode != Mode::Plain && mentions_response_format(&text) {
            return Err(Attempt::Downgrade);
        }
        if status == 429 && text.contains("insufficient_quota") {
            return Err(Attempt::Failed(Failure::fatal(
                ProviderError::QuotaExhausted,
            )));
        }
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        Err(Attempt::Failed(Failure {
            error: ProviderError::Http {
                status,
                code: error_code(&text),
            },
            retryable: retry::retryable_status(status),
            retry_after: retry::retry_after(
                header("retry-after-ms"),
                header("retry-after"),
                chrono::Utc::now(),
            ),
        }))
    }
}

/// How one attempt failed.
enum Attempt {
    /// The endpoint refused the structured-output mode: try the next one.
    Downgrade,
    /// Anything else.
    Failed(Failure),
}

/// Reads a response body of at most [`MAX_RESPONSE_BYTES`].
async fn read_body(mut response: reqwest::Response) -> Result<String, Failure> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| transport_failure(&e))? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(Failure::fatal(ProviderError::InvalidAnswer(
                "the response is too large".to_owned(),
            )));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
}

/// Maps a reqwest error to a retryable failure, without its URL or text.
fn transport_failure(e: &reqwest::Error) -> Failure {
    // A connect timeout is a connection failure, worth retrying while the
    // total budget lasts; any other timeout has used the budget up.
    let error = if e.is_connect() {
        ProviderError::Connect
    } else if e.is_timeout() {
        ProviderError::Timeout
    } else {
        ProviderError::Transport
    };
    Failure {
        // A timeout has used up the budget: retrying cannot help.
        retryable: error != ProviderError::Timeout,
        error,
        retry_after: None,
    }
}

/// Whether an error body complains about `response_format` / `json_schema`.
fn mentions_response_format(body: &str) -> bool {
    let lower = body.to_ascii_lowercase();
    [
        "response_format",
        "json_schema",
        "response format",
        "structured output",
        "json schema",
    ]
    .iter()
    .any(|needle| lower.contains(needle))
}

/// `error.code` or `error.type` from an OpenAI-style error body, when it is
/// a short identifier (nothing else of the body is kept: it may echo input).
fn error_code(body: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(body).ok()?;
    let err = v.get("error")?;
    [err.get("code"), err.get("type")]
        .into_iter()
        .flatten()
        .filter_map(serde_json::Value::as_str)
        .find(|s| {
            !s.is_empty()
                && s.len() <= 40
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        })
        .map(str::to_owned)
}

/// `choices[0].message.content` of a chat-completions response.
fn completion_content(body: &str) -> Result<String, ProviderError> {
    let v: serde_json::Value = serde_json::from_str(body).map_err(|_| {
        ProviderError::InvalidAnswer("the response is not a chat completion".to_owned())
    })?;
    let message = v
        .get("choices")
        .and_then(|c| c.get(0))
        .and_then(|c| c.get("message"))
        .ok_or_else(|| ProviderError::InvalidAnswer("the response has no choices".to_owned()))?;
    if message.get("refusal").is_some_and(|r| !r.is_null()) {
        return Err(ProviderError::InvalidAnswer("the model refused".to_owned()));
    }
    message
        .get("content")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| ProviderError::InvalidAnswer("the response has no content".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_detection() {
        assert!(is_loopback("http://127.0.0.1:11434/v1"));
        assert!(is_loopback("http://127.8.9.1/v1"));
        assert!(is_loopback("http://localhost:1234/v1"));
        assert!(is_loopback("http://[::1]:8080/v1"));
        assert!(!is_loopback("https://api.openai.com/v1"));
        assert!(!is_loopback("http://10.0.0.2:11434/v1"));
        assert!(!is_loopback("not a url"));
        assert!(default_redact_pii("https://openrouter.ai/api/v1"));
        assert!(!default_redact_pii("http://localhost:11434/v1"));
    }

    #[test]
    fn error_bodies() {
        assert_eq!(
            error_code(
                r#"{"error":{"message":"sk-abc is wrong","type":"invalid_request_error","code":"invalid_api_key"}}"#
            ),
            Some("invalid_api_key".to_owned())
        );
        assert_eq!(error_code(r#"{"error":{"code":"has spaces!"}}"#), None);
        assert!(mentions_response_format(
            r#"{"error":{"message":"Invalid parameter: 'response_format' of type 'json_schema' is not supported"}}"#
        ));
        assert!(!mentions_response_format(r#"{"error":"model not found"}"#));
        let e = ProviderError::Http {
            status: 401,
            code: Some("invalid_api_key".into()),
        };
        assert_eq!(e.to_string(), "HTTP 401 (invalid_api_key)");
    }

    #[test]
    fn completion_bodies() {
        let ok = r#"{"choices":[{"message":{"role":"assistant","content":"{}"}}]}"#;
        assert_eq!(completion_content(ok).unwrap(), "{}");
        assert!(completion_content(r#"{"choices":[]}"#).is_err());
        assert!(
            completion_content(r#"{"choices":[{"message":{"content":null,"refusal":"no"}}]}"#)
                .is_err()
        );
    }

    fn provider(kind: &str, timeout_ms: u32, rpm: u32) -> Provider {
        let t = chrono::Utc::now();
        Provider {
            id: 1,
            name: "ollama".into(),
            kind: kind.into(),
            base_url: "http://127.0.0.1:11434/v1".into(),
            model: "llama3.1".into(),
            api_key_ct: None,
            timeout_ms,
            requests_per_minute: rpm,
            redact_pii: false,
            is_default: false,
            enabled: true,
            last_error: None,
            last_error_at: None,
            last_ok_at: None,
            circuit_state: None,
            circuit_changed_at: None,
            created_at: t,
            updated_at: t,
        }
    }

    #[test]
    fn settings_from_a_provider_row() {
        let s = Settings::from_provider(&provider("openai", 20_000, 60), None).unwrap();
        assert_eq!(s.name, "ollama");
        assert_eq!(s.timeout, Duration::from_secs(20));
        assert_eq!(s.connect_timeout, DEFAULT_CONNECT_TIMEOUT);
        assert_eq!(s.requests_per_minute, NonZeroU32::new(60));
        assert!(!s.redact_pii, "the stored flag is honoured");
        let s = Settings::from_provider(&provider("openai", 0, 0), None).unwrap();
        assert_eq!(s.timeout, DEFAULT_TIMEOUT);
        assert_eq!(s.requests_per_minute, None);
        let s = Settings::from_provider(&provider("openai", 500, 1), None).unwrap();
        assert_eq!(s.connect_timeout, Duration::from_millis(500));
        let e = Settings::from_provider(&provider("anthropic", 500, 1), None).unwrap_err();
        assert!(e.to_string().contains("set it to \"openai\""));
    }

    #[test]
    fn debug_never_shows_the_key() {
        let s = Settings {
            name: "p".into(),
            base_url: "http://127.0.0.1:9/v1".into(),
            model: "m".into(),
            api_key: Some(Secret::new("sk-very-secret")),
            connect_timeout: Duration::from_secs(1),
            timeout: Duration::from_secs(1),
            requests_per_minute: None,
            redact_pii: true,
            retry: RetryPolicy::default(),
            circuit: CircuitPolicy::default(),
        };
        assert!(!format!("{s:?}").contains("sk-very"));
        let mut with_password = s.clone();
        with_password.base_url = "https://user:hunter2@llm.example/v1".into();
        assert!(!format!("{with_password:?}").contains("hunter2"));
        let c = Client::new(s).unwrap();
        assert!(!format!("{c:?}").contains("sk-very"));
    }
}
