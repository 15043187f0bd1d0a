//! Throughput of the builtin classifier over the labelled corpus.
//!
//! `cargo bench --bench builtin` classifies 200,000 messages (the labelled
//! and holdout sets, cycled) five times and prints the median rate, then
//! the process's peak resident memory (VmHWM from /proc/self/status, Linux).

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use chrono::{DateTime, Utc};
use domain::classify::MessageInput;
use domain::classify::builtin::Builtin;

const MESSAGES_PER_RUN: usize = 200_000;
const RUNS: usize = 5;

struct Sample {
    text: String,
    sent_at: DateTime<Utc>,
    tz: chrono_tz::Tz,
}

fn load(path: &str) -> Vec<Sample> {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let data = std::fs::read_to_string(&full).unwrap_or_default();
    data.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| {
            Some(Sample {
                text: v.get("text")?.as_str()?.to_owned(),
                sent_at: v.get("sent_at")?.as_str()?.parse().ok()?,
                tz: v.get("tz")?.as_str()?.parse().ok()?,
            })
        })
        .collect()
}

fn main() {
    let mut corpus = load("../tests/data/classification/labelled.jsonl");
    corpus.extend(load("../tests/data/classification/holdout.jsonl"));
    if corpus.is_empty() {
        eprintln!("no corpus found");
        return;
    }
    let classifier = Builtin;
    let mut rates = Vec::with_capacity(RUNS);
    for run in 1..=RUNS {
        let started = Instant::now();
        let mut actionable = 0usize;
        for s in corpus.iter().cycle().take(MESSAGES_PER_RUN) {
            let input = MessageInput {
                text: &s.text,
                sent_at: s.sent_at,
                tz: s.tz,
            };
            actionable += usize::from(black_box(classifier.classify(black_box(&input))).actionable);
        }
        let secs = started.elapsed().as_secs_f64();
        let rate = MESSAGES_PER_RUN as f64 / secs;
        println!(
            "run {run}: {MESSAGES_PER_RUN} messages in {secs:.3}s = {rate:.0} msgs/s ({actionable} actionable)"
        );
        rates.push(rate);
    }
    rates.sort_by(f64::total_cmp);
    println!(
        "median: {:.0} msgs/s (single thread, {} distinct messages, mean {:.0} bytes)",
        rates[RUNS / 2],
        corpus.len(),
        corpus.iter().map(|s| s.text.len()).sum::<usize>() as f64 / corpus.len() as f64
    );
    match peak_memory_kib() {
        Some(kib) => println!(
            "peak memory: {:.1} MiB (VmHWM, whole process)",
            kib as f64 / 1024.0
        ),
        None => println!("peak memory: unknown (no VmHWM in /proc/self/status)"),
    }
}

/// The peak resident set size in KiB, from `VmHWM` in /proc/self/status.
fn peak_memory_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    parse_vm_hwm(&status)
}

/// `VmHWM:    12345 kB` → 12345.
fn parse_vm_hwm(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}
