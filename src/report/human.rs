//! The human report: each finding's location, rule, the source line with the
//! secret highlighted and redacted, and where to rotate it; then a summary
//! that says what was blocked and how to allow a false positive.
//!
//! Everything taken from the repository (paths, lines) is escaped before it
//! reaches the terminal; colour codes come only from here.

use std::io::Write;

use anyhow::Result;
use colored::Colorize;

use super::ReportOptions;
use crate::finding::Finding;
use crate::path::escape_for_terminal;
use crate::scan::ScanReport;

/// Context kept on each side of a secret on very long (minified) lines.
const CONTEXT_BEFORE: usize = 60;
const CONTEXT_AFTER: usize = 40;

pub fn write(report: &ScanReport, options: ReportOptions, out: &mut dyn Write) -> Result<()> {
    colored::control::set_override(options.color);
    for finding in &report.findings {
        write_finding(finding, options, out)?;
    }
    for skipped in &report.skipped {
        writeln!(
            out,
            "{} {} ({})",
            "skipped:".dimmed(),
            skipped.path,
            skipped.reason
        )?;
    }
    write_summary(report, out)?;
    Ok(())
}

fn write_finding(finding: &Finding, options: ReportOptions, out: &mut dyn Write) -> Result<()> {
    let location = format!(
        "{}:{}:{}",
        finding.path, finding.start.line, finding.start.column
    );
    writeln!(
        out,
        "{}  {}  {}",
        location.bold(),
        finding.rule_id.red().bold(),
        finding.description
    )?;
    if let Some(commit) = &finding.commit {
        writeln!(
            out,
            "    commit {} by {} on {}",
            &commit.id[..commit.id.len().min(12)],
            escape_for_terminal(commit.author.as_bytes()),
            commit.date
        )?;
    }
    if finding.file_rule {
        writeln!(out, "    this file should not be committed at all")?;
    } else {
        let gutter = finding.start.line.to_string();
        let (before, after) = split_line(finding);
        let shown = finding.secret.shown(options.reveal);
        writeln!(
            out,
            "    {} | {}{}{}",
            gutter.dimmed(),
            before,
            shown.red().bold().underline(),
            after
        )?;
        let pad = " ".repeat(gutter.len() + before.chars().count());
        let marks = "^".repeat(shown.chars().count().max(1));
        writeln!(out, "    {pad}   {}", marks.red().bold())?;
    }
    if !finding.remediation.is_empty() {
        writeln!(out, "    {} {}", "fix:".green().bold(), finding.remediation)?;
    }
    writeln!(out)?;
    Ok(())
}

/// The escaped text before and after the secret on its line, trimmed on
/// long lines so a minified file does not flood the terminal.
fn split_line(finding: &Finding) -> (String, String) {
    let range = finding.secret_in_line.clone();
    let line = &finding.line;
    let before = escape_for_terminal(&line[..range.start]);
    let after = escape_for_terminal(&line[range.end.min(line.len())..]);
    let before = before.trim_start();
    let before = if before.chars().count() > CONTEXT_BEFORE {
        let skip = before.chars().count() - CONTEXT_BEFORE;
        format!("…{}", before.chars().skip(skip).collect::<String>())
    } else {
        before.to_string()
    };
    let after = if after.chars().count() > CONTEXT_AFTER {
        format!("{}…", after.chars().take(CONTEXT_AFTER).collect::<String>())
    } else {
        after
    };
    (before, after)
}

fn write_summary(report: &ScanReport, out: &mut dyn Write) -> Result<()> {
    let count = report.findings.len();
    if report.baselined > 0 {
        writeln!(
            out,
            "leakgate: {} finding(s) accepted by the baseline were not reported",
            report.baselined
        )?;
    }
    if count == 0 {
        if let Some(commits) = report.commits {
            writeln!(
                out,
                "leakgate: no secrets in {commits} commit(s) ({} file version(s))",
                report.files
            )?;
        } else if report.staged {
            writeln!(
                out,
                "leakgate: no secrets in {} staged file(s)",
                report.files
            )?;
        } else {
            writeln!(out, "leakgate: no secrets in {} file(s)", report.files)?;
        }
        return Ok(());
    }
    let mut paths: Vec<&[u8]> = report.findings.iter().map(|f| f.path.as_bytes()).collect();
    paths.dedup();
    let what = format!(
        "{count} secret{} in {} file{}",
        if count == 1 { "" } else { "s" },
        paths.len(),
        if paths.len() == 1 { "" } else { "s" }
    );
    if report.push {
        writeln!(out, "{} {what}.", "leakgate: push blocked:".red().bold())?;
        writeln!(
            out,
            "  The commit shown added it. Remove the secret from that commit (git commit --amend for the\n  \
             last one, git rebase -i COMMIT^ for an older one), rotate it if it was ever shared, and push again."
        )?;
    } else if report.staged {
        writeln!(out, "{} {what}.", "leakgate: commit blocked:".red().bold())?;
        writeln!(
            out,
            "  Remove the secret from the staged file (git add it again), rotate it if it was ever shared, and commit again."
        )?;
    } else if let Some(commits) = report.commits {
        writeln!(
            out,
            "{} {what}, in {commits} commit(s) scanned.",
            "leakgate: found".red().bold()
        )?;
        writeln!(
            out,
            "  Each is shown with the commit that added it. Rotate every secret that was ever pushed;\n  \
             to accept the ones already in history, record them with `leakgate baseline`."
        )?;
    } else {
        writeln!(out, "{} {what}.", "leakgate: found".red().bold())?;
    }
    writeln!(
        out,
        "  Not a secret? Put `leakgate:allow` in a comment on that line, or add an [allowlist] entry\n  (paths, secrets, lines or stopwords) to .leakgate.toml; config.example.toml shows every key."
    )?;
    Ok(())
}
