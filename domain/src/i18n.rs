//! Translations: the Fluent files of `locales/`, embedded at build time, and
//! the choice of language for a reply.
//!
//! A reply's language is the person's Telegram `language_code` when we have
//! it, else the chat's language setting, else English ([`Lang::negotiate`]).

use std::fmt;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

/// A language the bot speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English, the fallback.
    En,
    /// Ukrainian.
    Uk,
}

impl Lang {
    /// Every supported language.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Uk];

    /// The language's code, as in `locales/<code>/`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Uk => "uk",
        }
    }

    /// The supported language for a tag such as `uk`, `uk-UA` or `en_GB`.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Lang::En),
            "uk" => Some(Lang::Uk),
            _ => None,
        }
    }

    /// The person's language if supported, else the chat's, else English.
    pub fn negotiate(person: Option<&str>, chat: Option<&str>) -> Lang {
        person
            .and_then(Lang::from_tag)
            .or_else(|| chat.and_then(Lang::from_tag))
            .unwrap_or(Lang::En)
    }

    fn source(self) -> &'static str {
        match self {
            Lang::En => include_str!("../../locales/en/tasktracker.ftl"),
            Lang::Uk => include_str!("../../locales/uk/tasktracker.ftl"),
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A locale file that does not parse or load.
#[derive(Debug, thiserror::Error)]
#[error("locales/{lang}/tasktracker.ftl: {detail}")]
pub struct I18nError {
    /// The locale.
    pub lang: Lang,
    /// What is wrong.
    pub detail: String,
}

impl I18nError {
    fn new(lang: Lang, errors: &[impl fmt::Display]) -> Self {
        I18nError {
            lang,
            detail: errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("; "),
        }
    }
}

/// The loaded translations. Build once at start-up and share.
pub struct Locales {
    bundles: Vec<(Lang, FluentBundle<FluentResource>)>,
}

impl fmt::Debug for Locales {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Locales")
            .field(
                "languages",
                &self.bundles.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// A value for a message's variable.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg<'a> {
    /// Text.
    Str(&'a str),
    /// A number (plural forms choose by it).
    Num(i64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(s: &'a str) -> Self {
        Arg::Str(s)
    }
}

impl From<i64> for Arg<'_> {
    fn from(n: i64) -> Self {
        Arg::Num(n)
    }
}

impl Locales {
    /// Parses every embedded locale.
    pub fn load() -> Result<Locales, I18nError> {
        let mut bundles = Vec::new();
        for lang in Lang::ALL {
            let resource = FluentResource::try_new(lang.source().to_owned())
                .map_err(|(_, errors)| I18nError::new(lang, &errors))?;
            let id: LanguageIdentifier = lang.code().parse().map_err(|_| I18nError {
                lang,
                detail: "not a language identifier".into(),
            })?;
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            // Telegram shows the Unicode isolation marks Fluent puts around
            // variables as stray characters; the texts here are plain.
            bundle.set_use_isolating(false);
            bundle
                .add_resource(resource)
                .map_err(|errors| I18nError::new(lang, &errors))?;
            bundles.push((lang, bundle));
        }
        Ok(Locales { bundles })
    }

    fn bundle(&self, lang: Lang) -> Option<&FluentBundle<FluentResource>> {
        self.bundles
            .iter()
            .find(|(l, _)| *l == lang)
            .map(|(_, b)| b)
    }

    /// The message `key` in `lang` with `args`, falling back to English and
    /// then to the key itself (logged), so a reply is never lost.
    pub fn tr(&self, lang: Lang, key: &str, args: &[(&str, Arg<'_>)]) -> String {
        for l in [lang, Lang::En] {
            if let Some(text) = self.format(l, key, args) {
                return text;
            }
        }
        tracing::error!(key, %lang, "missing translation");
        key.to_owned()
    }

    fn format(&self, lang: Lang, key: &str, args: &[(&str, Arg<'_>)]) -> Option<String> {
        let bundle = self.bundle(lang)?;
        let pattern = bundle.get_message(key)?.value()?;
        let mut fargs = FluentArgs::new();
        for (name, value) in args {
            match value {
                Arg::Str(s) => fargs.set(*name, FluentValue::from(*s)),
                Arg::Num(n) => fargs.set(*name, FluentValue::from(*n)),
            }
        }
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(&fargs), &mut errors);
        if !errors.is_empty() {
            tracing::warn!(key, %lang, ?errors, "translation formatted with errors");
        }
        Some(text.into_owned())
    }

    /// Every message key of `lang`, sorted.
    pub fn keys(&self, lang: Lang) -> Vec<String> {
        let mut keys: Vec<String> = lang_keys(lang.source());
        keys.sort();
        keys
    }
}

/// Message ids defined in a Fluent source (top-level `id =` lines).
fn lang_keys(source: &str) -> Vec<String> {
    source
        .lines()
        .filter(|l| !l.starts_with([' ', '#', '\t']))
        .filter_map(|l| l.split_once(" =").map(|(k, _)| k.trim().to_owned()))
        .filter(|k| !k.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The variables (`{ $name }`) a message uses in a Fluent source.
    fn variables(source: &str, key: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut in_message = false;
        for line in source.lines() {
            if !line.starts_with([' ', '\t']) {
                in_message = line.split_once(" =").is_some_and(|(k, _)| k.trim() == key);
            }
            if in_message {
                let mut rest = line;
                while let Some(i) = rest.find('$') {
                    rest = &rest[i + 1..];
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '-' || *c == '_')
                        .collect();
                    if !name.is_empty() && !out.contains(&name) {
                        out.push(name);
                    }
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn every_locale_parses_and_has_every_key_with_the_same_variables() {
        let locales = Locales::load().unwrap();
        let english = locales.keys(Lang::En);
        assert!(english.len() > 40);
        for lang in Lang::ALL {
            let keys = locales.keys(lang);
            let missing: Vec<_> = english.iter().filter(|k| !keys.contains(k)).collect();
            let extra: Vec<_> = keys.iter().filter(|k| !english.contains(k)).collect();
            assert!(missing.is_empty(), "{lang} lacks {missing:?}");
            assert!(extra.is_empty(), "{lang} has keys English lacks: {extra:?}");
            for key in &english {
                assert_eq!(
                    variables(lang.source(), key),
                    variables(Lang::En.source(), key),
                    "{lang}: {key} uses other variables than English"
                );
                assert!(
                    locales.format(lang, key, &[]).is_some(),
                    "{lang}: {key} has no value"
                );
            }
        }
    }

    #[test]
    fn plurals_and_fallbacks() {
        let l = Locales::load().unwrap();
        let days = |lang, n: i64| {
            l.tr(
                lang,
                "notice-joined",
                &[("bot", "@tt_bot".into()), ("days", n.into())],
            )
        };
        assert!(days(Lang::En, 1).contains("after 1 day."));
        assert!(days(Lang::En, 90).contains("after 90 days."));
        assert!(days(Lang::Uk, 1).contains("через 1 день."));
        assert!(days(Lang::Uk, 3).contains("через 3 дні."));
        assert!(days(Lang::Uk, 90).contains("через 90 днів."));
        assert!(
            !days(Lang::En, 1).contains('\u{2068}'),
            "no isolation marks"
        );
        assert_eq!(l.tr(Lang::Uk, "no-such-key", &[]), "no-such-key");
        assert_eq!(
            l.tr(Lang::Uk, "done-ok", &[("id", 12.into())]),
            "Задачу #12 виконано."
        );
    }

    #[test]
    fn negotiation() {
        assert_eq!(Lang::negotiate(Some("uk-UA"), Some("en")), Lang::Uk);
        assert_eq!(Lang::negotiate(Some("de"), Some("uk")), Lang::Uk);
        assert_eq!(Lang::negotiate(Some("de"), None), Lang::En);
        assert_eq!(Lang::negotiate(None, None), Lang::En);
        assert_eq!(Lang::from_tag("EN_gb"), Some(Lang::En));
    }
}
