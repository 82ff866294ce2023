//! Command-line definitions. Parsing only: what each command does lives in
//! `app`.
//!
//! `scan --staged` is the file-list mode hook frameworks call with the
//! staged file names appended, and a file may be named `-h`, `--help` or
//! `--no-redact`. So every argument after `--staged` is a path, whether or
//! not the caller wrote `--` ([`parse`] makes it so before clap sees them):
//! a file name can never turn the hook into help output or reveal secrets.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::hooks::HookChoice;
use crate::report::Format;

#[derive(Debug, Parser)]
#[command(name = "leakgate", version, about = "Blocks commits that add secrets", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Parses the process arguments, with every argument after `scan
/// --staged` taken as a path (see the module docs).
pub fn parse() -> Cli {
    Cli::parse_from(staged_names_are_paths(std::env::args_os().collect()))
}

/// Inserts `--` after the `--staged` of a `scan` command, unless the caller
/// already put one there: the arguments that follow are file names.
pub fn staged_names_are_paths(mut args: Vec<OsString>) -> Vec<OsString> {
    if args.get(1).is_none_or(|command| command != "scan") {
        return args;
    }
    // No option of `scan` takes a value starting with `-`, so the first
    // `--staged` (before any `--`) is the flag itself.
    let staged = args[2..]
        .iter()
        .take_while(|arg| *arg != "--")
        .position(|arg| arg == "--staged");
    if let Some(at) = staged.map(|i| i + 2)
        && args.get(at + 1).is_none_or(|next| next != "--")
    {
        args.insert(at + 1, OsString::from("--"));
    }
    args
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan the staged changes (the default), or files and directories on disk.
    Scan(ScanArgs),
    /// Install leakgate's hooks where git runs hooks for this repository
    /// (pre-commit and commit-msg; pre-receive in a bare repository).
    Install {
        #[arg(long, value_enum)]
        hook: Option<HookChoice>,
        /// Replace an existing hook instead of chaining it (it is kept aside).
        #[arg(long)]
        force: bool,
    },
    /// Remove leakgate's hooks (all of them unless --hook names one) and
    /// restore the ones they replaced.
    Uninstall {
        #[arg(long, value_enum)]
        hook: Option<HookChoice>,
    },
    /// Prints a fixed token: how the hooks tell a working leakgate binary
    /// from an empty, truncated or foreign file of the same name.
    #[command(hide = true)]
    HookHandshake,
    /// Record the findings in history as accepted, in .leakgate-baseline.json.
    Baseline(BaselineArgs),
    /// Check that leakgate protects this repository, and say how to fix what does not.
    Doctor {
        /// Use this config instead of the repository's .leakgate.toml.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// List the rules, or check a rules file's examples.
    Rules {
        #[command(subcommand)]
        action: Option<RulesAction>,
        /// Config whose rules to list (default: the repository's).
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

impl Command {
    /// Scans block a commit or push on any error; other commands only list
    /// or report what they did.
    pub fn is_scan(&self) -> bool {
        matches!(self, Command::Scan(_))
    }
}

#[derive(Debug, Subcommand)]
pub enum RulesAction {
    /// Check every rule in FILE against its examples and negative examples.
    Check { file: PathBuf },
}

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Files or directories on disk; with --staged, limit the staged scan to these paths.
    pub paths: Vec<PathBuf>,
    /// Scan staged content (the default when no paths are given). Every
    /// argument after --staged is a file name, even one that starts with `-`.
    #[arg(long)]
    pub staged: bool,
    /// Scan commits: every ref, or these revisions and ranges (e.g. origin/main..HEAD).
    #[arg(
        long,
        num_args = 0..,
        value_name = "REVS",
        conflicts_with_all = ["staged", "paths", "pre_push"]
    )]
    pub history: Option<Vec<String>>,
    /// Scan only commits after SHA (implies --history).
    #[arg(long, value_name = "SHA", conflicts_with_all = ["staged", "paths", "pre_push"])]
    pub since_commit: Option<String>,
    /// Scan a commit message file, without git's comment lines (what the commit-msg hook runs).
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with_all = ["staged", "paths", "history", "since_commit", "pre_push"]
    )]
    pub commit_msg: Option<PathBuf>,
    /// Scan the commits a push sends, from git's pre-push lines on stdin (what the pre-push hook runs).
    #[arg(long, num_args = 1..=2, value_names = ["REMOTE", "URL"], conflicts_with_all = ["staged", "paths"])]
    pub pre_push: Option<Vec<String>>,
    /// Scan what a push brings to this server, from git's pre-receive lines on stdin (what the pre-receive hook runs).
    #[arg(
        long,
        conflicts_with_all = ["staged", "paths", "pre_push", "history", "since_commit", "ci", "commit_msg", "report_path", "baseline", "config"]
    )]
    pub pre_receive: bool,
    /// Scan the commits of the change a CI job runs for (GitHub Actions, GitLab CI, or --since-commit).
    #[arg(long, conflicts_with_all = ["staged", "paths", "pre_push", "history", "commit_msg"])]
    pub ci: bool,
    /// Ignore the findings this baseline accepts (default: .leakgate-baseline.json at the repository's top, if any).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Use this config instead of the repository's .leakgate.toml.
    #[arg(long)]
    pub config: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    /// Write the report (in --format) to FILE; the human report still goes to the terminal.
    #[arg(long, value_name = "FILE")]
    pub report_path: Option<PathBuf>,
    /// Print secrets in full instead of redacted.
    #[arg(long)]
    pub no_redact: bool,
    /// List each item that a warning only counts.
    #[arg(long, short)]
    pub verbose: bool,
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// Ask each secret's provider whether it still works (live, invalid or unknown). Sends each
    /// secret to its own provider and nowhere else; never for staged scans.
    #[arg(long)]
    pub verify: bool,
    /// Report only secrets their provider accepted (implies --verify); exit 1 if there are any.
    #[arg(long)]
    pub only_verified: bool,
    /// Seconds one verification request may take (default 10).
    #[arg(long, value_name = "SECONDS")]
    pub verify_timeout: Option<f64>,
}

#[derive(Debug, clap::Args)]
pub struct BaselineArgs {
    /// Where to write (or, with --check, read) the baseline.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Do not write: list baseline entries that no longer match any finding in history.
    #[arg(long, conflicts_with = "list")]
    pub check: bool,
    /// Do not scan: list the baseline's entries with the reason each was accepted.
    #[arg(long)]
    pub list: bool,
    /// Why the findings are accepted, stored with each new entry and shown by --list.
    #[arg(long, value_name = "TEXT", conflicts_with_all = ["check", "list"])]
    pub reason: Option<String>,
    /// Use this config instead of the repository's .leakgate.toml.
    #[arg(long)]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    fn paths(list: &[&str]) -> Vec<PathBuf> {
        let cli = Cli::try_parse_from(staged_names_are_paths(args(list))).unwrap();
        let Command::Scan(scan) = cli.command else {
            panic!("not a scan: {list:?}");
        };
        assert!(scan.staged && !scan.no_redact, "{list:?}");
        scan.paths
    }

    #[test]
    fn names_after_staged_are_paths_with_or_without_a_separator() {
        let flags = ["-h", "--help", "--no-redact", "-V", "--", "x"];
        let expected: Vec<PathBuf> = flags.iter().map(PathBuf::from).collect();
        let mut without = vec!["leakgate", "scan", "--staged"];
        without.extend(flags);
        assert_eq!(paths(&without), expected);
        let mut with = vec!["leakgate", "scan", "--format", "json", "--staged", "--"];
        with.extend(flags);
        assert_eq!(paths(&with), expected);
    }

    #[test]
    fn options_before_staged_still_count() {
        let list = [
            "leakgate", "scan", "--format", "json", "--staged", "--format",
        ];
        let cli = Cli::try_parse_from(staged_names_are_paths(args(&list))).unwrap();
        let Command::Scan(scan) = cli.command else {
            panic!("not a scan");
        };
        assert_eq!(scan.format, Format::Json);
        assert_eq!(scan.paths, vec![PathBuf::from("--format")]);
        // A `--staged` after `--` is a file name already.
        let named = args(&["leakgate", "scan", "--", "--staged", "a"]);
        assert_eq!(staged_names_are_paths(named.clone()), named);
        // Other commands and scans without --staged are left alone.
        let other = args(&["leakgate", "rules", "--staged"]);
        assert_eq!(staged_names_are_paths(other.clone()), other);
        let files = args(&["leakgate", "scan", "a", "--no-redact"]);
        assert_eq!(staged_names_are_paths(files.clone()), files);
    }
}
