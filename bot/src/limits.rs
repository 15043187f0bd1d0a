//! Rate limits (governor), in memory: commands per person and
//! classifications per chat. Providers have their own limiter inside their
//! client (`domain::classify::openai`).

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use domain::config::BotConfig;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

/// What a limit says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Go ahead.
    Allowed,
    /// Refuse, and tell the person (the first refusal in a while).
    Refuse {
        /// When they may try again.
        retry_in: Duration,
    },
    /// Refuse silently: they were told recently.
    RefuseQuietly,
}

/// The bot's limits.
pub struct Limits {
    commands: DefaultKeyedRateLimiter<i64>,
    classifications: DefaultKeyedRateLimiter<i64>,
    /// When each person was last told they are limited.
    told: Mutex<HashMap<i64, Instant>>,
    clock: DefaultClock,
}

impl std::fmt::Debug for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limits").finish_non_exhaustive()
    }
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN))
}

impl Limits {
    /// The limits the configuration sets.
    pub fn new(cfg: &BotConfig) -> Limits {
        Limits {
            commands: RateLimiter::keyed(per_minute(cfg.commands_per_minute)),
            classifications: RateLimiter::keyed(per_minute(cfg.classifications_per_minute)),
            told: Mutex::new(HashMap::new()),
            clock: DefaultClock::default(),
        }
    }

    /// May this person give a command now?
    pub fn command(&self, user_id: i64) -> Verdict {
        match self.commands.check_key(&user_id) {
            Ok(()) => Verdict::Allowed,
            Err(not_until) => {
                let retry_in = not_until.wait_time_from(self.clock.now());
                let now = Instant::now();
                let Ok(mut told) = self.told.lock() else {
                    return Verdict::RefuseQuietly;
                };
                match told.get(&user_id) {
                    Some(at) if now.duration_since(*at) < Duration::from_secs(60) => {
                        Verdict::RefuseQuietly
                    }
                    _ => {
                        told.insert(user_id, now);
                        Verdict::Refuse { retry_in }
                    }
                }
            }
        }
    }

    /// May this chat's message be classified (and answered) now? Beyond the
    /// limit the message is still stored.
    pub fn classification(&self, chat_id: i64) -> bool {
        self.classifications.check_key(&chat_id).is_ok()
    }

    /// Forgets idle keys, so memory stays bounded.
    pub fn tidy(&self) {
        self.commands.retain_recent();
        self.classifications.retain_recent();
        if let Ok(mut told) = self.told.lock() {
            let now = Instant::now();
            told.retain(|_, at| now.duration_since(*at) < Duration::from_secs(60));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_over_the_limit_is_told_once() {
        let limits = Limits::new(&BotConfig {
            commands_per_minute: 2,
            classifications_per_minute: 1,
            ..BotConfig::default()
        });
        assert_eq!(limits.command(1), Verdict::Allowed);
        assert_eq!(limits.command(1), Verdict::Allowed);
        assert!(
            matches!(limits.command(1), Verdict::Refuse { retry_in } if retry_in > Duration::ZERO)
        );
        assert_eq!(limits.command(1), Verdict::RefuseQuietly);
        // Someone else is not affected.
        assert_eq!(limits.command(2), Verdict::Allowed);
        assert!(limits.classification(-100));
        assert!(!limits.classification(-100));
        assert!(limits.classification(-200));
        limits.tidy();
    }
}
