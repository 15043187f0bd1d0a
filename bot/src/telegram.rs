//! The connection to the Bot API: one HTTP client, shared by teloxide's
//! [`Bot`] and the poller, with the configured timeout and server.

use std::time::Duration;

use anyhow::Context;
use domain::config::TelegramConfig;
use domain::secret::Secret;
use teloxide::Bot;

/// The HTTP client for every Bot API request: rustls, and
/// `telegram.request_timeout` (which the configuration keeps above the
/// long-poll timeout, so a long poll is never cut short by the client).
/// Plain `http` is allowed (unlike teloxide's default client), for a Bot API
/// server on a private network or a test server.
pub fn http_client(cfg: &TelegramConfig) -> anyhow::Result<reqwest::Client> {
    reqwest::Client::builder()
        .use_rustls_tls()
        .connect_timeout(Duration::from_secs(5))
        .tcp_nodelay(true)
        .timeout(cfg.request_timeout)
        .build()
        .context("building the HTTP client for the Bot API")
}

/// The Bot API server's base URL (`telegram.api_url`).
pub fn api_url(cfg: &TelegramConfig) -> anyhow::Result<reqwest::Url> {
    reqwest::Url::parse(&cfg.api_url).context("telegram.api_url is not a URL")
}

/// The URL of a Bot API method, built as teloxide builds it
/// (`<api_url>/bot<TOKEN>/<method>`). It holds the token: never log it.
pub fn method_url(
    cfg: &TelegramConfig,
    token: &Secret,
    method: &str,
) -> anyhow::Result<reqwest::Url> {
    let mut url = api_url(cfg)?;
    url.path_segments_mut()
        .map_err(|()| anyhow::anyhow!("telegram.api_url cannot be a base URL"))?
        .pop_if_empty()
        .push(&format!("bot{}", token.expose()))
        .push(method);
    Ok(url)
}

/// A teloxide request error without the URL (which holds the token).
pub fn describe(e: &teloxide::RequestError) -> String {
    match e {
        teloxide::RequestError::Network(n) if n.is_timeout() => "timed out".to_owned(),
        teloxide::RequestError::Network(n) if n.is_connect() => "cannot connect".to_owned(),
        teloxide::RequestError::Network(_) => "network error".to_owned(),
        other => other.to_string(),
    }
}

/// A teloxide [`Bot`] over `client`, pointed at `telegram.api_url`.
pub fn bot(cfg: &TelegramConfig, token: &Secret, client: reqwest::Client) -> anyhow::Result<Bot> {
    Ok(Bot::with_client(token.expose(), client).set_api_url(api_url(cfg)?))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_bot_uses_the_configured_server() {
        let cfg = TelegramConfig {
            api_url: "http://127.0.0.1:8081/".to_owned(),
            ..TelegramConfig::default()
        };
        let token = Secret::new("1:A".to_owned());
        let bot = bot(&cfg, &token, http_client(&cfg).unwrap()).unwrap();
        assert_eq!(bot.api_url().as_str(), "http://127.0.0.1:8081/");
        let url = method_url(&cfg, &token, "getUpdates").unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:8081/bot1:A/getUpdates");
        let cfg = TelegramConfig {
            api_url: "https://example.org/tg".to_owned(),
            ..TelegramConfig::default()
        };
        let url = method_url(&cfg, &token, "getMe").unwrap();
        assert_eq!(url.as_str(), "https://example.org/tg/bot1:A/getMe");
    }
}
