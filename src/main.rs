//! The `leakgate` binary: parse arguments, run, map the outcome to an exit
//! code. An error always exits 2, which blocks the commit.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = leakgate::cli::Cli::parse();
    match leakgate::app::run(cli) {
        Ok(code) => code,
        Err(err) => {
            // Errors quote paths and config text from the repository.
            let message = leakgate::path::escape_lines_for_terminal(&format!("{err:#}"));
            eprintln!("leakgate: error: {message}");
            eprintln!(
                "leakgate: nothing was allowed through; fix the problem above and run again."
            );
            ExitCode::from(leakgate::app::EXIT_ERROR)
        }
    }
}
