//! The classifier the bot uses: the builtin one, or an LLM provider that
//! falls back to it.

use std::sync::Arc;

use super::builtin::Builtin;
use super::openai::{self, ProviderError};
use super::{Classification, MessageInput};

/// A classifier: builtin, or an OpenAI-compatible provider.
///
/// Cloning is cheap; clones of a provider classifier share one client, and
/// so one circuit breaker and one rate limit.
#[derive(Debug, Clone)]
pub enum Classifier {
    /// The offline rule-based classifier.
    Builtin(Builtin),
    /// An OpenAI-compatible provider; any failure falls back to builtin.
    OpenAi(Arc<openai::Client>),
}

/// A classification and, when a provider failed, why.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The result (from the provider, or from builtin after a failure).
    pub classification: Classification,
    /// The provider's failure, for provider health; `None` on success and
    /// for the builtin classifier.
    pub provider_error: Option<ProviderError>,
}

impl Classifier {
    /// A provider classifier over a new client.
    pub fn openai(settings: openai::Settings) -> Result<Classifier, ProviderError> {
        Ok(Classifier::OpenAi(Arc::new(openai::Client::new(settings)?)))
    }

    /// The name results carry on success: "builtin" or the provider's name.
    pub fn name(&self) -> &str {
        match self {
            Classifier::Builtin(_) => Builtin::NAME,
            Classifier::OpenAi(c) => c.name(),
        }
    }

    /// Classifies one message. Never fails: a provider failure gives the
    /// builtin result, labelled `builtin (fallback from NAME: REASON)`.
    pub async fn classify(&self, input: &MessageInput<'_>) -> Classification {
        self.classify_with_outcome(input).await.classification
    }

    /// Like [`Classifier::classify`], also returning the provider's failure.
    pub async fn classify_with_outcome(&self, input: &MessageInput<'_>) -> Outcome {
        match self {
            Classifier::Builtin(b) => Outcome {
                classification: b.classify(input),
                provider_error: None,
            },
            Classifier::OpenAi(client) => match client.classify(input).await {
                Ok(classification) => Outcome {
                    classification,
                    provider_error: None,
                },
                Err(error) => {
                    tracing::warn!(
                        provider = %client.name(),
                        reason = %error,
                        "provider failed; using the builtin classifier"
                    );
                    let mut classification = Builtin.classify(input);
                    classification.classifier = fallback_label(client.name(), &error);
                    Outcome {
                        classification,
                        provider_error: Some(error),
                    }
                }
            },
        }
    }
}

/// `builtin (fallback from NAME: REASON)`, with the reason cut short.
pub fn fallback_label(provider: &str, error: &ProviderError) -> String {
    let reason = error.to_string();
    let reason = super::text::truncate_at_char_boundary(&reason, 60);
    format!("{} (fallback from {provider}: {reason})", Builtin::NAME)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_short() {
        assert_eq!(
            fallback_label("ollama", &ProviderError::Timeout),
            "builtin (fallback from ollama: timeout)"
        );
        let long = ProviderError::InvalidAnswer("x".repeat(500));
        assert!(fallback_label("p", &long).len() < 100);
    }

    #[tokio::test]
    async fn builtin_never_fails() {
        let c = Classifier::Builtin(Builtin);
        let input = MessageInput {
            text: "please fix the login page",
            sent_at: chrono::Utc::now(),
            tz: chrono_tz::UTC,
        };
        let out = c.classify_with_outcome(&input).await;
        assert_eq!(out.classification.classifier, "builtin");
        assert!(out.provider_error.is_none());
        assert_eq!(c.name(), "builtin");
    }
}
