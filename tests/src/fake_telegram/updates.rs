//! `getUpdates`: acknowledgement by offset, `limit`, `allowed_updates`,
//! long polling, and the 409 Conflict Telegram answers a long poll that a
//! newer getUpdates call superseded.

use std::time::Duration;

use tokio::time::Instant;

use super::Shared;
use super::methods::ApiError;
use super::params::Params;

const CONFLICT: &str = "Conflict: terminated by other getUpdates request; \
                        make sure that only one bot instance is running";

/// Answers one getUpdates call: the JSON array of updates and their ids.
pub(crate) async fn get_updates(
    shared: &Shared,
    p: &Params,
) -> Result<(String, Vec<i64>), ApiError> {
    let timeout = Duration::from_secs(p.i64("timeout").unwrap_or(0).max(0).unsigned_abs());
    let limit = match p.i64("limit") {
        Some(n @ 1..=100) => n as usize,
        _ => 100,
    };
    let offset = p.i64("offset");
    let allowed = p.json("allowed_updates").and_then(|v| {
        v.as_array().map(|a| {
            a.iter()
                .filter_map(|k| k.as_str().map(str::to_owned))
                .collect::<Vec<_>>()
        })
    });

    let mut changes = shared.updates.subscribe();
    let generation = {
        let mut s = shared.lock();
        s.offsets.push(offset);
        if let Some(o) = offset {
            s.acknowledge(o);
        }
        if allowed.is_some() {
            s.allowed_updates = allowed;
        }
        s.poll_generation += 1;
        s.poll_generation
    };
    // Wakes an older long poll, which then finds it was superseded.
    shared.updates_changed();

    let deadline = Instant::now() + timeout;
    let mut waiting = None;
    loop {
        changes.borrow_and_update();
        {
            let s = shared.lock();
            if s.poll_generation != generation {
                return Err(ApiError::new(409, CONFLICT));
            }
            let (json, ids) = s.pending(limit);
            if !ids.is_empty() {
                return Ok((json, ids));
            }
        }
        if waiting.is_none() && !timeout.is_zero() {
            waiting = Some(Waiting::start(shared));
        }
        match tokio::time::timeout_at(deadline, changes.changed()).await {
            Ok(Ok(())) => continue,
            _ => return Ok(("[]".to_owned(), Vec::new())),
        }
    }
}

/// Counts a long poll as waiting while it lives (it is dropped when the
/// call returns or the client goes away).
struct Waiting<'a>(&'a Shared);

impl<'a> Waiting<'a> {
    fn start(shared: &'a Shared) -> Waiting<'a> {
        shared.lock().long_polls_waiting += 1;
        shared.updates_changed();
        Waiting(shared)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.lock().long_polls_waiting -= 1;
        self.0.updates_changed();
    }
}
