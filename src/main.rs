//! The `leakgate` binary: parse arguments, run, map the outcome to an exit
//! code. An error always exits 2, which blocks the commit.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = leakgate::cli::Cli::parse();
    match leakgate::app::run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("leakgate: error: {err:#}");
            eprintln!(
                "leakgate: nothing was allowed through; fix the problem above and run again."
            );
            ExitCode::from(leakgate::app::EXIT_ERROR)
        }
    }
}
