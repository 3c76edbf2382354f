//! `notes`: the command-line peer. A thin binary over `store` and `sync`
//! (like `server/`); `cli::run` does the work.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::args::Cli::parse();
    match cli::run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("notes: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
