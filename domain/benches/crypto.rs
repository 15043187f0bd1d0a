//! Seal+open throughput for typical value sizes.
//!
//! Why a hand-rolled harness: it keeps the dependency list at ring/zeroize
//! and answers the only question we have — is per-value encryption cheap
//! enough to ignore in request handling? Run with `cargo bench`.

use std::hint::black_box;
use std::time::Instant;

use domain::crypto::{Aad, CryptoError, Dek, open, seal};
use ring::rand::SystemRandom;

const RUNS: usize = 5;

fn run(size: usize, iters: u32) -> Result<(), CryptoError> {
    let rng = SystemRandom::new();
    let dek = Dek::generate(&rng)?;
    let aad = Aad::new("messages", "text", &42u64.to_be_bytes());
    let pt = vec![0x61u8; size];
    let mut rates = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        let start = Instant::now();
        for _ in 0..iters {
            let ct = seal(&dek, 1, 1, &aad, black_box(&pt), &rng)?;
            let back = open(&dek, &aad, black_box(&ct))?;
            black_box(back.len());
        }
        rates.push(f64::from(iters) / start.elapsed().as_secs_f64());
    }
    rates.sort_by(f64::total_cmp);
    let ops = rates[RUNS / 2];
    let mbs = ops * size as f64 / 1e6;
    println!(
        "seal+open {size:>5} B: {ops:>10.0} ops/s  {mbs:>8.1} MB/s  (median of {RUNS} runs x {iters} ops)"
    );
    Ok(())
}

fn main() -> Result<(), CryptoError> {
    run(200, 100_000)?;
    run(4096, 20_000)?;
    Ok(())
}
