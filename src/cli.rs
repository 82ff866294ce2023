//! Command-line definitions. Parsing only: what each command does lives in
//! `app`.

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

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan the staged changes (the default), or files and directories on disk.
    Scan(ScanArgs),
    /// Install leakgate's hook where git runs hooks for this repository.
    Install {
        #[arg(long, value_enum, default_value = "pre-commit")]
        hook: HookChoice,
        /// Replace an existing hook instead of chaining it (it is kept aside).
        #[arg(long)]
        force: bool,
    },
    /// Remove leakgate's hook and restore the one it replaced.
    Uninstall {
        #[arg(long, value_enum, default_value = "pre-commit")]
        hook: HookChoice,
    },
    /// Record the findings in history as accepted, in .leakgate-baseline.json.
    Baseline(BaselineArgs),
    /// Check that leakgate protects this repository, and say how to fix what does not.
    Doctor {
        /// Use this config instead of the repository's .leakgate.toml.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// List every candidate the rules match in FILES, reported or not, and
    /// why each dropped one was dropped.
    Explain(ExplainArgs),
    /// List the rules, or check a rules file's examples.
    Rules {
        #[command(subcommand)]
        action: Option<RulesAction>,
        /// Config whose rules to list (default: the repository's).
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum RulesAction {
    /// Check every rule in FILE (default: the built-in rules) against its
    /// examples and negative examples; failures name file:line.
    Check { file: Option<PathBuf> },
}

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Files or directories on disk; with --staged, limit the staged scan to these paths.
    pub paths: Vec<PathBuf>,
    /// Scan staged content (the default when no paths are given).
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
    /// Scan the commits a push sends, from git's pre-push lines on stdin (what the pre-push hook runs).
    #[arg(long, num_args = 1..=2, value_names = ["REMOTE", "URL"], conflicts_with_all = ["staged", "paths"])]
    pub pre_push: Option<Vec<String>>,
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
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
}

#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// Files on disk, scanned whole.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Use this config instead of the repository's .leakgate.toml.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Print secrets in full instead of redacted.
    #[arg(long)]
    pub no_redact: bool,
}

#[derive(Debug, clap::Args)]
pub struct BaselineArgs {
    /// Where to write (or, with --check, read) the baseline.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Do not write: list baseline entries that no longer match any finding in history.
    #[arg(long)]
    pub check: bool,
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
