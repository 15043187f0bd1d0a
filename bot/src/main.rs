//! `tasktracker`: the bot and its admin subcommands. A thin shell over the
//! `bot` library, so tests can drive the same code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = bot::cli::Cli::parse();
    bot::cli::main(cli, std::env::vars().collect())
}
