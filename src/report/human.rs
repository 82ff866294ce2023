//! The human report: each finding's location, rule, the source line with the
//! secret highlighted and redacted, and where to rotate it; then a summary
//! that says what was blocked and how to allow a false positive.
//!
//! Everything taken from the repository is escaped before it reaches the
//! terminal: paths, lines and secrets, and also rule ids, descriptions and
//! remediation text (a repository's `.leakgate.toml` defines rules too) and
//! commit metadata. Colour codes come only from here.

use std::io::Write;

use anyhow::Result;
use colored::Colorize;

use super::ReportOptions;
use crate::finding::{Finding, Secret, redact_within};
use crate::path::escape_for_terminal;
use crate::scan::ScanReport;

/// Context kept on each side of a secret on very long (minified) lines.
const CONTEXT_BEFORE: usize = 60;
const CONTEXT_AFTER: usize = 40;
/// Findings further apart than this many columns cannot show up in each
/// other's context (a finding keeps at most 1 KiB of its line each side).
const DISPLAY_NEIGHBOURHOOD: u32 = 4096;

pub fn write(report: &ScanReport, options: ReportOptions, out: &mut dyn Write) -> Result<()> {
    colored::control::set_override(options.color);
    for (i, finding) in report.findings.iter().enumerate() {
        let nearby = secrets_near(&report.findings, i);
        write_finding(finding, &nearby, options, out)?;
    }
    for skipped in &report.skipped {
        writeln!(
            out,
            "{} {} ({})",
            "skipped:".dimmed(),
            skipped.path,
            escape(&skipped.reason)
        )?;
    }
    write_summary(report, out)?;
    Ok(())
}

fn write_finding(
    finding: &Finding,
    same_file: &[&Secret],
    options: ReportOptions,
    out: &mut dyn Write,
) -> Result<()> {
    let location = format!(
        "{}:{}:{}",
        finding.path, finding.start.line, finding.start.column
    );
    writeln!(
        out,
        "{}  {}  {}",
        location.bold(),
        escape(&finding.rule_id).red().bold(),
        escape(&finding.description)
    )?;
    if let Some(commit) = &finding.commit {
        let short_id: String = commit.id.chars().take(12).collect();
        writeln!(
            out,
            "    commit {} by {} on {}",
            escape(&short_id),
            escape(&commit.author),
            escape(&commit.date)
        )?;
    }
    if finding.file_rule {
        writeln!(out, "    this file should not be committed at all")?;
    } else {
        let gutter = finding.start.line.to_string();
        let hide = if options.reveal { &[][..] } else { same_file };
        let (before, after) = split_line(finding, hide, options.reveal);
        let shown = escape(&finding.secret.shown(options.reveal));
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
        writeln!(
            out,
            "    {} {}",
            "fix:".green().bold(),
            escape(&finding.remediation)
        )?;
    }
    writeln!(out)?;
    Ok(())
}

/// The secrets that can appear in the text shown around finding `i`: its
/// own and those of findings starting on the same line close enough to it.
/// Findings are sorted by path, line and column, so they are neighbours; a
/// minified line with thousands of findings stays linear.
fn secrets_near(findings: &[Finding], i: usize) -> Vec<&Secret> {
    let this = &findings[i];
    let close = |other: &&Finding| {
        other.path == this.path
            && other.start.line == this.start.line
            && other.start.column.abs_diff(this.start.column) <= DISPLAY_NEIGHBOURHOOD
    };
    let before = findings[..i].iter().rev().take_while(close);
    let after = findings[i..].iter().take_while(close);
    before
        .chain(after)
        .filter(|f| !f.file_rule)
        .map(|f| &f.secret)
        .collect()
}

fn escape(text: &str) -> String {
    escape_for_terminal(text.as_bytes())
}

/// The escaped text before and after the secret on its line, with every
/// other secret on it redacted, trimmed on long lines so a minified file
/// does not flood the terminal.
fn split_line(finding: &Finding, hide: &[&Secret], reveal: bool) -> (String, String) {
    let (before, after) = finding.context(reveal);
    let before = redact_within(&before, hide);
    let after = redact_within(&after, hide);
    // Trimmed before escaping, so an escape is never cut in half.
    let before = before.trim_ascii_start();
    let starts = char_starts(before);
    let chars = starts.len() - 1;
    let before = if chars > CONTEXT_BEFORE {
        let from = starts[chars - CONTEXT_BEFORE];
        format!("…{}", escape_for_terminal(&before[from..]))
    } else {
        escape_for_terminal(before)
    };
    let starts = char_starts(&after);
    let chars = starts.len() - 1;
    let after = if chars > CONTEXT_AFTER {
        format!("{}…", escape_for_terminal(&after[..starts[CONTEXT_AFTER]]))
    } else {
        escape_for_terminal(&after)
    };
    (before, after)
}

/// The offsets where characters start (as columns count them: each invalid
/// byte is one), plus the end.
fn char_starts(bytes: &[u8]) -> Vec<usize> {
    let mut starts = Vec::with_capacity(bytes.len() + 1);
    let mut at = 0;
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            starts.push(at);
            at += c.len_utf8();
        }
        for _ in chunk.invalid() {
            starts.push(at);
            at += 1;
        }
    }
    starts.push(at);
    starts
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
    if report.rules.is_empty() {
        // Not "no secrets": nothing was looked for.
        writeln!(
            out,
            "{} {}",
            "leakgate: warning:".yellow().bold(),
            super::NO_RULES_RAN
        )?;
    }
    if count == 0 && report.rules.is_empty() {
        return Ok(());
    }
    if count == 0 {
        if report.message {
            writeln!(out, "leakgate: no secrets in the commit message")?;
        } else if let Some(commits) = report.commits {
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
    } else if report.message {
        let what = format!(
            "{count} secret{} in the commit message",
            if count == 1 { "" } else { "s" }
        );
        writeln!(out, "{} {what}.", "leakgate: commit blocked:".red().bold())?;
        writeln!(
            out,
            "  The commit message holds it. Rotate it if it was ever shared, and commit again with the\n  \
             secret taken out of the message (git keeps it in .git/COMMIT_EDITMSG: git commit -e -F .git/COMMIT_EDITMSG)."
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
