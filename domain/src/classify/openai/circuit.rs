//! A circuit breaker per provider.
//!
//! Closed: requests flow; `failure_threshold` consecutive failures open it.
//! Open: no request is sent until `cool_down` has passed. Half-open: one
//! trial request is let through; its success closes the circuit, its
//! failure opens it again for another cool-down.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Circuit-breaker settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CircuitPolicy {
    /// Consecutive failed classifications that open the circuit.
    pub failure_threshold: u32,
    /// How long it stays open before a trial request.
    pub cool_down: Duration,
}

impl Default for CircuitPolicy {
    fn default() -> Self {
        CircuitPolicy {
            failure_threshold: 5,
            cool_down: Duration::from_secs(30),
        }
    }
}

/// The breaker's state, as seen from outside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Requests flow; this many failures in a row so far.
    Closed {
        /// Consecutive failures.
        failures: u32,
    },
    /// No requests until the instant.
    Open {
        /// When a trial request becomes possible.
        until: Instant,
    },
    /// One trial request is (or may be) in flight.
    HalfOpen {
        /// Whether the trial has been handed out.
        trial_taken: bool,
    },
}

impl From<State> for crate::store::providers::CircuitState {
    /// The state as the providers table records it (without the instants,
    /// which mean nothing to another process).
    fn from(s: State) -> Self {
        use crate::store::providers::CircuitState;
        match s {
            State::Closed { .. } => CircuitState::Closed,
            State::Open { .. } => CircuitState::Open,
            State::HalfOpen { .. } => CircuitState::HalfOpen,
        }
    }
}

/// A circuit breaker; share it (in its client) among all callers of one provider.
#[derive(Debug)]
pub struct CircuitBreaker {
    policy: CircuitPolicy,
    state: Mutex<State>,
}

/// The circuit refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Open;

impl CircuitBreaker {
    /// A closed breaker.
    pub fn new(policy: CircuitPolicy) -> Self {
        CircuitBreaker {
            policy,
            state: Mutex::new(State::Closed { failures: 0 }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is a plain value, valid even if a holder panicked.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current state.
    pub fn state(&self) -> State {
        *self.lock()
    }

    /// Asks to send a request now.
    pub fn acquire(&self) -> Result<(), Open> {
        let mut state = self.lock();
        match *state {
            State::Closed { .. } => Ok(()),
            State::Open { until } if Instant::now() >= until => {
                *state = State::HalfOpen { trial_taken: true };
                Ok(())
            }
            State::Open { .. } => Err(Open),
            State::HalfOpen { trial_taken: false } => {
                *state = State::HalfOpen { trial_taken: true };
                Ok(())
            }
            State::HalfOpen { trial_taken: true } => Err(Open),
        }
    }

    /// Reports a success: the circuit closes.
    pub fn record_success(&self) {
        *self.lock() = State::Closed { failures: 0 };
    }

    /// Reports a failure: counts it, or (re)opens the circuit.
    pub fn record_failure(&self) {
        let mut state = self.lock();
        let open = State::Open {
            until: Instant::now() + self.policy.cool_down,
        };
        *state = match *state {
            State::Closed { failures } if failures + 1 >= self.policy.failure_threshold => open,
            State::Closed { failures } => State::Closed {
                failures: failures + 1,
            },
            State::HalfOpen { .. } | State::Open { .. } => open,
        };
    }

    /// Hands an unused trial back (the request was never sent).
    pub fn release_unused(&self) {
        let mut state = self.lock();
        if let State::HalfOpen { trial_taken: true } = *state {
            *state = State::HalfOpen { trial_taken: false };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_after_threshold_then_half_opens() {
        let b = CircuitBreaker::new(CircuitPolicy {
            failure_threshold: 2,
            cool_down: Duration::from_millis(300),
        });
        assert!(b.acquire().is_ok());
        b.record_failure();
        assert_eq!(b.state(), State::Closed { failures: 1 });
        b.record_failure();
        assert!(matches!(b.state(), State::Open { .. }));
        assert_eq!(b.acquire(), Err(Open));
        std::thread::sleep(Duration::from_millis(350));
        assert!(b.acquire().is_ok(), "the trial");
        assert_eq!(b.acquire(), Err(Open), "only one trial");
        b.record_failure();
        assert!(
            matches!(b.state(), State::Open { .. }),
            "failed trial reopens"
        );
        std::thread::sleep(Duration::from_millis(350));
        assert!(b.acquire().is_ok());
        b.record_success();
        assert_eq!(b.state(), State::Closed { failures: 0 });
    }

    #[test]
    fn success_resets_the_count() {
        let b = CircuitBreaker::new(CircuitPolicy {
            failure_threshold: 2,
            cool_down: Duration::from_secs(60),
        });
        b.record_failure();
        b.record_success();
        b.record_failure();
        assert_eq!(b.state(), State::Closed { failures: 1 });
    }
}
