//! Fault injection: what can go wrong with a call, and when it does.
//!
//! An [`Injection`] names a fault, the calls it applies to (one method or
//! all) and a trigger: the next N matching calls, or each matching call with
//! a probability drawn from a seeded generator (so a run is reproducible as
//! long as the calls arrive in the same order). Rules are consulted in the
//! order they were added; the first that fires wins.

use std::time::Duration;

/// Something that goes wrong with one call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// `429 Too Many Requests` with `parameters.retry_after`, as Telegram's
    /// flood control answers. The call has no effect.
    TooManyRequests {
        /// Seconds the client is told to wait.
        retry_after: u32,
    },
    /// A server error; the call has no effect. 500 carries Telegram's JSON
    /// envelope; 502 and other codes carry an HTML page, as the nginx in
    /// front of the Bot API sends.
    ServerError(u16),
    /// Telegram refuses the call with this error code and description (e.g.
    /// `400`, `Bad Request: file is too big`), as its JSON envelope says;
    /// the call has no effect.
    Refused(u16, String),
    /// The response is delayed, then the call is handled normally. If the
    /// client gives up in the meantime the call still takes effect, as it
    /// would on Telegram.
    Slow(Duration),
    /// The TCP connection is closed without any HTTP response; the call has
    /// no effect.
    DropConnection,
    /// The call takes effect, then the connection is closed without a
    /// response: the client cannot know that it succeeded.
    DropAfterProcessing,
    /// The call takes effect and the answer is `200` with a truncated,
    /// unparsable JSON body.
    MalformedBody,
}

/// A rule: which calls get which fault, and when.
#[derive(Clone, Debug)]
pub struct Injection {
    pub(crate) method: Option<String>,
    pub(crate) fault: Fault,
    pub(crate) trigger: Trigger,
}

#[derive(Clone, Debug)]
pub(crate) enum Trigger {
    Next(u32),
    Probability(f64),
}

impl Injection {
    /// The next `n` matching calls fail with `fault`.
    pub fn next(n: u32, fault: Fault) -> Injection {
        Injection {
            method: None,
            fault,
            trigger: Trigger::Next(n),
        }
    }

    /// Each matching call fails with `fault` with probability `p` (0–1),
    /// until the rule is cleared.
    pub fn with_probability(p: f64, fault: Fault) -> Injection {
        Injection {
            method: None,
            fault,
            trigger: Trigger::Probability(p.clamp(0.0, 1.0)),
        }
    }

    /// Limits the rule to one method (case-insensitive, as Telegram treats
    /// method names). Without it the rule applies to every method.
    pub fn on(mut self, method: &str) -> Injection {
        self.method = Some(method.to_owned());
        self
    }
}

/// A fault that fired, for tests to count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FiredFault {
    /// The method of the call it hit.
    pub method: String,
    /// The fault.
    pub fault: Fault,
}

/// The active rules and the generator behind probabilistic ones.
#[derive(Debug)]
pub(crate) struct FaultPlan {
    rules: Vec<Injection>,
    rng: SplitMix64,
    pub(crate) fired: Vec<FiredFault>,
}

impl FaultPlan {
    pub(crate) fn new(seed: u64) -> FaultPlan {
        FaultPlan {
            rules: Vec::new(),
            rng: SplitMix64(seed),
            fired: Vec::new(),
        }
    }

    pub(crate) fn add(&mut self, rule: Injection) {
        self.rules.push(rule);
    }

    pub(crate) fn clear(&mut self) {
        self.rules.clear();
    }

    pub(crate) fn reseed(&mut self, seed: u64) {
        self.rng = SplitMix64(seed);
    }

    /// Decides the fault for one call of `method`, if any, and records it.
    pub(crate) fn take(&mut self, method: &str) -> Option<Fault> {
        let mut fired = None;
        for (i, rule) in self.rules.iter_mut().enumerate() {
            if rule
                .method
                .as_deref()
                .is_some_and(|m| !m.eq_ignore_ascii_case(method))
            {
                continue;
            }
            let hit = match &mut rule.trigger {
                Trigger::Next(n) => {
                    *n = n.saturating_sub(1);
                    true
                }
                Trigger::Probability(p) => self.rng.next_f64() < *p,
            };
            if hit {
                fired = Some((i, rule.fault.clone()));
                break;
            }
        }
        let (i, fault) = fired?;
        if matches!(self.rules[i].trigger, Trigger::Next(0)) {
            self.rules.remove(i);
        }
        self.fired.push(FiredFault {
            method: method.to_owned(),
            fault: fault.clone(),
        });
        Some(fault)
    }
}

/// A small seeded generator (SplitMix64): reproducible, no dependency.
#[derive(Debug)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_n_fires_n_times_on_its_method_only() {
        let mut plan = FaultPlan::new(1);
        plan.add(Injection::next(2, Fault::ServerError(500)).on("sendMessage"));
        assert_eq!(plan.take("getMe"), None);
        assert_eq!(plan.take("sendmessage"), Some(Fault::ServerError(500)));
        assert_eq!(plan.take("sendMessage"), Some(Fault::ServerError(500)));
        assert_eq!(plan.take("sendMessage"), None);
        assert_eq!(plan.fired.len(), 2);
    }

    #[test]
    fn probability_is_reproducible_and_roughly_right() {
        let run = |seed| {
            let mut plan = FaultPlan::new(seed);
            plan.add(Injection::with_probability(0.25, Fault::DropConnection));
            (0..4000)
                .map(|_| plan.take("x").is_some())
                .collect::<Vec<_>>()
        };
        let a = run(7);
        assert_eq!(a, run(7));
        let hits = a.iter().filter(|h| **h).count();
        assert!((800..1200).contains(&hits), "{hits}");
    }
}
