//! The `cyanotype` binary. Today: `cyanotype process`, the engine on local files. The server
//! (`cyanotype serve`) builds on the same engine.

mod cli_process;

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
    /// Apply an x-oss-process string to an image file, or to every file of a directory.
    Process(cli_process::Args),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Process(args) => cli_process::run(args),
    }
}
