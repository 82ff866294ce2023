//! Command-line definitions. Parsing only: what each command does lives in
//! `app`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::hooks::HookKind;
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
        hook: HookKind,
        /// Replace an existing hook instead of chaining it (it is kept aside).
        #[arg(long)]
        force: bool,
    },
    /// Remove leakgate's hook and restore the one it replaced.
    Uninstall {
        #[arg(long, value_enum, default_value = "pre-commit")]
        hook: HookKind,
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

#[derive(Debug, Subcommand)]
pub enum RulesAction {
    /// Check every rule in FILE against its examples and negative examples.
    Check { file: PathBuf },
}

#[derive(Debug, clap::Args)]
pub struct ScanArgs {
    /// Files or directories on disk; with --staged, limit the staged scan to these paths.
    pub paths: Vec<PathBuf>,
    /// Scan staged content (the default when no paths are given).
    #[arg(long)]
    pub staged: bool,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}
