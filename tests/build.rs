//! Turns the PostgreSQL tests on when `TEST_POSTGRES_URL` is set at build
//! time; without it they are compiled as ignored, and `cargo test` lists them
//! as skipped with the reason.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(pg_tests)");
    println!("cargo::rerun-if-env-changed=TEST_POSTGRES_URL");
    if std::env::var_os("TEST_POSTGRES_URL").is_some_and(|v| !v.is_empty()) {
        println!("cargo::rustc-cfg=pg_tests");
    }
}
