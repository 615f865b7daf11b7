//! The `cyanotype` binary: `cyanotype serve` (the OSS-compatible server) and `cyanotype process`
//! (the engine on local files).

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli_process;
mod config;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cyanotype",
    version,
    about = "An OSS-compatible object store with on-the-fly image processing"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the OSS API on a local data directory (default 127.0.0.1:8080, ./cyanotype-data).
    Serve(serve::Args),
    /// Apply an x-oss-process string to an image file, or to every file of a directory.
    Process(cli_process::Args),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Serve(args) => serve::run(args),
        Command::Process(args) => cli_process::run(args),
    }
}
