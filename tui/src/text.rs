//! The console's strings: every one comes from `locales/` (keys starting
//! with `console-`), in the operator's language.

use std::sync::Arc;

use domain::i18n::{Arg, Lang, Locales};

/// The translations and the language the console speaks. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Text {
    locales: Arc<Locales>,
    lang: Lang,
}

impl Text {
    /// Strings in `lang`.
    pub fn new(locales: Arc<Locales>, lang: Lang) -> Self {
        Text { locales, lang }
    }

    /// The language.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The message `key` without variables.
    pub fn t(&self, key: &str) -> String {
        self.locales.tr(self.lang, key, &[])
    }

    /// The message `key` with variables.
    pub fn tr(&self, key: &str, args: &[(&str, Arg<'_>)]) -> String {
        self.locales.tr(self.lang, key, args)
    }

    /// "yes" or "no".
    pub fn yes_no(&self, b: bool) -> String {
        self.t(if b { "console-yes" } else { "console-no" })
    }
}

/// The language for the console: the configured one, else the first of
/// `LC_ALL`, `LC_MESSAGES`, `LANG` that names a supported language, else
/// English. `env` is the process environment.
pub fn choose_lang(configured: Option<&str>, env: &[(String, String)]) -> Lang {
    if let Some(lang) = configured.and_then(Lang::from_tag) {
        return lang;
    }
    ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|name| env.iter().find(|(k, v)| k == name && !v.is_empty()))
        .find_map(|(_, v)| Lang::from_tag(v))
        .unwrap_or(Lang::En)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_from_config_then_locale_variables() {
        let env = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect()
        };
        assert_eq!(
            choose_lang(Some("uk"), &env(&[("LANG", "en_US.UTF-8")])),
            Lang::Uk
        );
        assert_eq!(
            choose_lang(None, &env(&[("LANG", "uk_UA.UTF-8")])),
            Lang::Uk
        );
        assert_eq!(
            choose_lang(
                None,
                &env(&[("LC_ALL", "en_GB.UTF-8"), ("LANG", "uk_UA.UTF-8")])
            ),
            Lang::En
        );
        assert_eq!(choose_lang(None, &env(&[("LANG", "C.UTF-8")])), Lang::En);
        assert_eq!(choose_lang(Some("de"), &env(&[])), Lang::En);
    }
}
