//! The human report: each finding's location, rule, the source line with the
//! secret highlighted and redacted, and where to rotate it; then a summary
//! that says what was blocked and how to allow a false positive.
//!
//! Output fits the terminal: its width (or `COLUMNS` when set) cuts a long
//! source line around the secret, so the carets stay under the secret's
//! first character, and wraps advice text. Without a terminal or
//! `COLUMNS`, lines keep the fixed context below.
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
use crate::verify::Status;

/// Context kept on each side of a secret on very long (minified) lines.
const CONTEXT_BEFORE: usize = 60;
const CONTEXT_AFTER: usize = 40;
/// Findings further apart than this many columns cannot show up in each
/// other's context (a finding keeps at most 1 KiB of its line each side).
const DISPLAY_NEIGHBOURHOOD: u32 = 4096;

/// Narrowest layout the report will cut lines for.
const MIN_WIDTH: usize = 40;

/// The width to fit: `COLUMNS` when it is set to a number, else the
/// terminal's (stdout's, or stderr's where git hooks send output), else
/// none.
pub fn terminal_width() -> Option<usize> {
    if let Some(columns) = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
    {
        return Some(columns.max(MIN_WIDTH));
    }
    [console::Term::stdout(), console::Term::stderr()]
        .iter()
        .filter(|term| term.is_term())
        .find_map(|term| term.size_checked())
        .map(|(_, columns)| usize::from(columns).max(MIN_WIDTH))
}

pub fn write(report: &ScanReport, options: ReportOptions, out: &mut dyn Write) -> Result<()> {
    write_with_width(report, options, terminal_width(), out)
}

/// [`write`] for a given width (`None`: do not fit).
pub fn write_with_width(
    report: &ScanReport,
    options: ReportOptions,
    width: Option<usize>,
    out: &mut dyn Write,
) -> Result<()> {
    colored::control::set_override(options.color);
    // Secrets their provider accepted come first: they need revoking now.
    let live = |f: &Finding| {
        f.verification
            .as_ref()
            .is_some_and(|v| v.status == Status::Live)
    };
    let order = (0..report.findings.len())
        .filter(|&i| live(&report.findings[i]))
        .chain((0..report.findings.len()).filter(|&i| !live(&report.findings[i])));
    for i in order {
        let finding = &report.findings[i];
        let nearby = secrets_near(&report.findings, i);
        write_finding(finding, &nearby, options, width, out)?;
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
    write_summary(report, width, out)?;
    Ok(())
}

fn write_finding(
    finding: &Finding,
    same_file: &[&Secret],
    options: ReportOptions,
    width: Option<usize>,
    out: &mut dyn Write,
) -> Result<()> {
    let location = format!(
        "{}:{}:{}",
        finding.path, finding.start.line, finding.start.column
    );
    let rule_id = escape(&finding.rule_id);
    let description = escape(&finding.description);
    let header = location.chars().count() + 2 + rule_id.chars().count() + 2;
    if width.is_some_and(|w| header + description.chars().count() > w) {
        writeln!(out, "{}  {}", location.bold(), rule_id.red().bold())?;
        for line in wrap(&description, width, 4) {
            writeln!(out, "    {line}")?;
        }
    } else {
        writeln!(
            out,
            "{}  {}  {}",
            location.bold(),
            rule_id.red().bold(),
            description
        )?;
    }
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
    if let Some(verification) = &finding.verification {
        let detail = escape(&verification.detail);
        match verification.status {
            Status::Live => writeln!(
                out,
                "    {} {detail}: revoke it now",
                "LIVE:".red().bold().reversed()
            )?,
            Status::Invalid => writeln!(out, "    {} {detail}", "verified invalid:".dimmed())?,
            Status::Unknown => writeln!(out, "    {} {detail}", "not verified:".yellow())?,
        }
    }
    if finding.file_rule {
        writeln!(out, "    this file should not be committed at all")?;
    } else {
        let gutter = finding.start.line.to_string();
        let hide = if options.reveal { &[][..] } else { same_file };
        let (before, after) = split_line(finding, hide, options.reveal);
        let shown = escape(&finding.secret.shown(options.reveal));
        // "    N | " comes before the line.
        let room = width.map(|w| w.saturating_sub(gutter.len() + 7));
        let (before, after) = fit(&before, shown.chars().count(), &after, room);
        writeln!(
            out,
            "    {} | {}{}{}",
            gutter.dimmed(),
            before,
            shown.red().bold().underline(),
            after
        )?;
        let pad = " ".repeat(gutter.len() + before.chars().count());
        let mut marks_len = shown.chars().count().max(1);
        if let Some(room) = room {
            marks_len = marks_len.min(room.saturating_sub(before.chars().count()).max(1));
        }
        let marks = "^".repeat(marks_len);
        writeln!(out, "    {pad}   {}", marks.red().bold())?;
    }
    if !finding.remediation.is_empty() {
        let lines = wrap(&escape(&finding.remediation), width, 9);
        for (i, line) in lines.iter().enumerate() {
            if i == 0 {
                writeln!(out, "    {} {line}", "fix:".green().bold())?;
            } else {
                writeln!(out, "         {line}")?;
            }
        }
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

/// The text before and after the secret, cut to fit `room` columns with
/// the secret (`secret` columns) in full: the secret is what the reader
/// must find, and the carets go under its first character. Context before
/// it gets up to two thirds of what is left; `…` marks a cut.
fn fit(before: &str, secret: usize, after: &str, room: Option<usize>) -> (String, String) {
    let Some(room) = room else {
        return (before.to_string(), after.to_string());
    };
    let b = before.chars().count();
    let a = after.chars().count();
    if b + secret + a <= room {
        return (before.to_string(), after.to_string());
    }
    let left = room.saturating_sub(secret);
    let keep_before = b.min((left * 2 / 3).max(left.saturating_sub(a)));
    let before = if keep_before < b {
        let keep = keep_before.saturating_sub(1);
        let tail: String = before.chars().skip(b - keep).collect();
        if keep_before == 0 {
            String::new()
        } else {
            format!("…{tail}")
        }
    } else {
        before.to_string()
    };
    let keep_after = left.saturating_sub(before.chars().count());
    let after = if keep_after < a {
        let head: String = after.chars().take(keep_after.saturating_sub(1)).collect();
        if keep_after == 0 {
            String::new()
        } else {
            format!("{head}…")
        }
    } else {
        after.to_string()
    };
    (before, after)
}

/// `text` in lines of at most `width - indent` columns, broken at spaces
/// (a word longer than a line is left whole); one line without a width.
fn wrap(text: &str, width: Option<usize>, indent: usize) -> Vec<String> {
    let Some(width) = width else {
        return vec![text.to_string()];
    };
    let limit = width.saturating_sub(indent).max(20);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let len = line.chars().count();
        if len > 0 && len + 1 + word.chars().count() > limit {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// Writes advice: each paragraph wrapped to `width` with two spaces of
/// indentation; a numbered step's lines hang under its text.
fn write_advice(out: &mut dyn Write, width: Option<usize>, paragraphs: &[&str]) -> Result<()> {
    for paragraph in paragraphs {
        let text = paragraph.trim_start();
        let indent = 2 + paragraph.len() - text.len();
        let number = text
            .split_once(". ")
            .filter(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .map_or(0, |(n, _)| n.len() + 2);
        let lines = wrap(text, width.map(|w| w.saturating_sub(number)), indent);
        for (i, line) in lines.iter().enumerate() {
            let pad = if i == 0 { indent } else { indent + number };
            writeln!(out, "{}{line}", " ".repeat(pad))?;
        }
    }
    Ok(())
}

/// What a human report says after a scan of history that found secrets:
/// the purge, in the order that works.
pub const HISTORY_PURGE_STEPS: &[&str] = &[
    "To purge them from history, in this order:",
    "  1. Rotate every secret listed above first. Rewriting history does not un-leak a key that was pushed.",
    "  2. Write the plan: leakgate scan --history --format git-filter-repo --no-redact --report-path ../leakgate-replacements.txt (outside the repository: it holds the secrets).",
    "  3. Rewrite history: git filter-repo --replace-text ../leakgate-replacements.txt",
    "  4. Force-push every branch and tag (filter-repo removes the origin remote; add it back first): git push --force --all origin && git push --force --tags origin",
    "  5. Ask the host to purge cached views and pull-request refs (old commits stay reachable there until it does).",
    "  6. Have every clone re-clone: a clone made before the rewrite pushes the secrets back.",
];

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

/// After `--verify`: the secrets that still work, to rotate first.
fn write_live_list(report: &ScanReport, out: &mut dyn Write) -> Result<()> {
    let live: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| {
            f.verification
                .as_ref()
                .is_some_and(|v| v.status == Status::Live)
        })
        .collect();
    if live.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "{} {} secret(s) still work; rotate these first:",
        "leakgate:".red().bold(),
        live.len()
    )?;
    for finding in live {
        let detail = finding
            .verification
            .as_ref()
            .map(|v| escape(&v.detail))
            .unwrap_or_default();
        writeln!(
            out,
            "  - {}:{}  {}  ({detail})",
            finding.path,
            finding.start.line,
            escape(&finding.rule_id)
        )?;
    }
    Ok(())
}

/// What a staged change to the configuring files allows, redacted.
fn write_loosened(report: &ScanReport, out: &mut dyn Write) -> Result<()> {
    let Some(loosened) = &report.loosened else {
        return Ok(());
    };
    writeln!(
        out,
        "leakgate: the staged {} allows {} finding(s) that HEAD's config blocks:",
        escape(&loosened.files.join(", ")),
        loosened.findings.len()
    )?;
    for finding in &loosened.findings {
        writeln!(
            out,
            "    {}:{}:{}  {}  {}",
            finding.path,
            finding.start.line,
            finding.start.column,
            escape(&finding.rule_id),
            escape(&finding.secret.redacted())
        )?;
    }
    Ok(())
}

fn write_summary(report: &ScanReport, width: Option<usize>, out: &mut dyn Write) -> Result<()> {
    write_loosened(report, out)?;
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
    write_live_list(report, out)?;
    let mut paths: Vec<&[u8]> = report.findings.iter().map(|f| f.path.as_bytes()).collect();
    paths.dedup();
    let what = format!(
        "{count} secret{} in {} file{}",
        if count == 1 { "" } else { "s" },
        paths.len(),
        if paths.len() == 1 { "" } else { "s" }
    );
    // How to let a value that is not a secret through, without pointing at
    // files the user's repository does not have.
    const ALLOWLIST: &str = "Not a secret? Put `leakgate:allow` in a comment on that line, or allowlist it in .leakgate.toml: [allowlist] takes paths = [\"globs\"], secrets = [\"regexes\"], lines = [\"regexes\"] and stopwords = [\"words\"].";
    if report.push {
        writeln!(out, "{} {what}.", "leakgate: push blocked:".red().bold())?;
        // A comment added now cannot change a commit that already exists.
        write_advice(
            out,
            width,
            &[
                "The commit shown added it. Rewrite that commit without the secret (git commit --amend for the last one, git rebase -i COMMIT^ for an older one), rotate the secret if it was ever shared, and push again.",
                "Not a secret, or one already rotated and accepted? Record it with a reason: leakgate baseline --reason \"why\", commit .leakgate-baseline.json, and push again.",
            ],
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
        write_advice(
            out,
            width,
            &[
                "Remove the secret from the staged file (git add it again), rotate it if it was ever shared, and commit again.",
                ALLOWLIST,
            ],
        )?;
    } else if let Some(commits) = report.commits {
        writeln!(
            out,
            "{} {what}, in {commits} commit(s) scanned.",
            "leakgate: found".red().bold()
        )?;
        write_advice(
            out,
            width,
            &[
                "Each is shown with the commit that added it. To accept the ones already in history, record them with a reason: leakgate baseline --reason \"why\".",
            ],
        )?;
        write_advice(out, width, HISTORY_PURGE_STEPS)?;
    } else {
        writeln!(out, "{} {what}.", "leakgate: found".red().bold())?;
        write_advice(out, width, &[ALLOWLIST])?;
    }
    Ok(())
}
