//! What the pusher reads. git prefixes each line a pre-receive hook prints
//! with `remote: `, with no colour and often in a narrow terminal, so lines
//! stay short and plain. A typical push fits a screen: the first
//! [`SHOWN_FINDINGS`] findings are listed, then how many more there are.
//! Paths, rule text and commit metadata come from the push and are escaped.

use std::io::Write;
use std::time::Duration;

use anyhow::Result;

use super::settings::ServerSettings;
use super::{PushScan, SKIP_OPTION, describe_budget};
use crate::path::{escape_for_terminal, escape_lines_for_terminal};

/// Findings listed one by one; the rest are counted.
pub const SHOWN_FINDINGS: usize = 20;

fn escape(text: &str) -> String {
    escape_for_terminal(text.as_bytes())
}

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

pub fn warning(out: &mut dyn Write, warning: &str) -> Result<()> {
    writeln!(
        out,
        "leakgate: warning: {}",
        escape_lines_for_terminal(warning)
    )?;
    Ok(())
}

/// A push with nothing to report.
pub fn clean(out: &mut dyn Write, scan: &PushScan) -> Result<()> {
    let accepted = match scan.report.baselined {
        0 => String::new(),
        n => format!(
            " ({} accepted by the baseline)",
            plural(n as usize, "finding", "findings")
        ),
    };
    writeln!(
        out,
        "leakgate: no secrets in {}{accepted}",
        plural(scan.new_commits, "new commit", "new commits")
    )?;
    Ok(())
}

/// Each finding (up to [`SHOWN_FINDINGS`]) on one line: where, which rule,
/// the secret redacted, which commit.
pub fn findings(out: &mut dyn Write, scan: &PushScan, reveal: bool) -> Result<()> {
    let findings = &scan.report.findings;
    for finding in findings.iter().take(SHOWN_FINDINGS) {
        let commit = finding
            .commit
            .as_ref()
            .map(|c| {
                format!(
                    "  commit {}",
                    escape(&c.id.chars().take(12).collect::<String>())
                )
            })
            .unwrap_or_default();
        writeln!(
            out,
            "leakgate: {}:{}:{}  {}  {}{commit}",
            finding.path,
            finding.start.line,
            finding.start.column,
            escape(&finding.rule_id),
            escape(&finding.secret.shown(reveal))
        )?;
    }
    if findings.len() > SHOWN_FINDINGS {
        writeln!(
            out,
            "leakgate: ... and {} more ({} in all)",
            findings.len() - SHOWN_FINDINGS,
            findings.len()
        )?;
    }
    Ok(())
}

/// The push is rejected for its findings: what happened and what to do.
pub fn blocked(
    out: &mut dyn Write,
    scan: &PushScan,
    settings: &ServerSettings,
    skip_refused: bool,
) -> Result<()> {
    let findings = &scan.report.findings;
    let mut commits: Vec<&str> = findings
        .iter()
        .filter_map(|f| f.commit.as_ref().map(|c| c.id.as_str()))
        .collect();
    commits.sort_unstable();
    commits.dedup();
    writeln!(
        out,
        "leakgate: push rejected: {} in {} of {}.",
        plural(findings.len(), "secret", "secrets"),
        plural(commits.len(), "commit", "commits"),
        plural(scan.new_commits, "new commit", "new commits"),
    )?;
    writeln!(
        out,
        "  Take the secret out of the commit that added it (git commit --amend for the last\n  \
         commit, git rebase -i <commit>^ for an older one) and push again. Rotate the key:\n  \
         it has left your machine."
    )?;
    writeln!(
        out,
        "  Not a secret? Add an [allowlist] entry to .leakgate.toml on the default branch;\n  \
         this push is checked with the config the server has now, not the one it carries."
    )?;
    if skip_refused {
        writeln!(
            out,
            "  {SKIP_OPTION} was given, but this server does not allow skipping (leakgate.allowSkip)."
        )?;
    } else if settings.allow_skip && settings.push_options_advertised {
        writeln!(
            out,
            "  If it must go through as it is: git push -o '{SKIP_OPTION}=<reason>' (recorded in an audit log)."
        )?;
    }
    Ok(())
}

/// A blocked push let through by `-o leakgate.skip=<reason>`.
pub fn skipped(out: &mut dyn Write, reason: &str) -> Result<()> {
    writeln!(
        out,
        "leakgate: skipped: {}\n  The push is accepted despite the findings above; the skip is recorded in the audit log.",
        escape(reason)
    )?;
    Ok(())
}

/// The budget ran out and the push goes through (a skip, or
/// `leakgate.onTimeout = pass`).
pub fn timed_out_passed(out: &mut dyn Write, budget: Duration, skip: Option<&str>) -> Result<()> {
    writeln!(
        out,
        "leakgate: the scan did not finish within its time budget of {}.",
        describe_budget(budget)
    )?;
    match skip {
        Some(reason) => writeln!(out, "leakgate: skipped: {}", escape(reason))?,
        None => writeln!(
            out,
            "leakgate: this server lets such pushes through: accepted WITHOUT a complete scan."
        )?,
    }
    writeln!(
        out,
        "  The push is recorded in the audit log. Scan it yourself: leakgate scan --history <old>..<new>"
    )?;
    Ok(())
}

/// The error text when the budget ran out and the push is blocked.
pub fn timed_out_blocked(budget: Duration) -> String {
    format!(
        "the scan did not finish within its time budget of {}, so the push is rejected.\n\
         Push in smaller parts, a few commits at a time (git push origin <commit>:<branch>, \
         oldest first), or ask the server's administrator about leakgate.timeBudget",
        describe_budget(budget)
    )
}
