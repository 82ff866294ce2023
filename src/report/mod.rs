//! Reports: one writer per output format (human, JSON, SARIF, GitLab's
//! secret-detection report, and the replacements file for git filter-repo)
//! over the same [`ScanReport`].
//! Writers only format; redaction is decided by `reveal` and done by
//! [`crate::finding::Secret`].

pub mod filter_repo;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod sarif;

use std::io::Write;

use anyhow::Result;

use crate::scan::ScanReport;

/// Said on every scan that ran no rules at all, so that nobody mistakes it
/// for a clean result.
pub const NO_RULES_RAN: &str = "no rules ran: the config turns off the built-in rules \
     ([extend] use_default = false) and defines none of its own, so nothing was checked";

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Human,
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitLab's secret-detection report (gl-secret-detection-report.json).
    Gitlab,
    /// A replacements file for `git filter-repo --replace-text` (needs
    /// --no-redact and --report-path).
    GitFilterRepo,
}

#[derive(Debug, Clone, Copy)]
pub struct ReportOptions {
    /// Print full secrets (`--no-redact`).
    pub reveal: bool,
    /// Colour the human report (only on a terminal, never with NO_COLOR).
    pub color: bool,
}

pub fn write(
    report: &ScanReport,
    format: Format,
    options: ReportOptions,
    out: &mut dyn Write,
) -> Result<()> {
    match format {
        Format::Human => human::write(report, options, out),
        Format::Json => json::write(report, options, out),
        Format::Sarif => sarif::write(report, options, out),
        Format::Gitlab => gitlab::write(report, options, out),
        Format::GitFilterRepo => filter_repo::write(report, options, out),
    }
}
