//! The `leakgate` binary: parse arguments, run, map the outcome to an exit
//! code. An error always exits 2, which blocks the commit.
//!
//! A reader that goes away (`leakgate rules | head`) is not an error for the
//! commands that only list or report what they did: they stop quietly with
//! exit 0, as ripgrep does. A scan whose report could not be written still
//! blocks, because nobody saw what it found. Nothing here may panic on a
//! closed or full stdout or stderr, so every write's error is handled.

use std::io::Write;
use std::process::ExitCode;

use leakgate::app::{self, EXIT_CLEAN, EXIT_ERROR};

fn main() -> ExitCode {
    let cli = leakgate::cli::parse();
    let scanning = cli.command.is_scan();
    let err = match app::run(cli) {
        Ok(code) => return code,
        Err(err) => err,
    };
    if !scanning && app::is_broken_pipe(&err) {
        return ExitCode::from(EXIT_CLEAN);
    }
    // Errors quote paths and config text from the repository.
    let message = leakgate::path::escape_lines_for_terminal(&format!("{err:#}"));
    let mut stderr = std::io::stderr().lock();
    // If stderr is gone too, the exit code is all that is left to tell.
    let _ = writeln!(stderr, "leakgate: error: {message}");
    if scanning {
        let _ = writeln!(
            stderr,
            "leakgate: nothing was allowed through; fix the problem above and run again."
        );
    }
    ExitCode::from(EXIT_ERROR)
}
