//! The audit log: one JSON line for every push leakgate let through
//! without a clean scan (a break-glass skip, or a scan that ran out of time
//! on a server set to pass such pushes). Findings appear redacted, as in
//! every report. A line that cannot be written blocks the push: a skip
//! nobody can review is not allowed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use serde::Serialize;

use crate::finding::Finding;
use crate::report::json::JsonFinding;
use crate::source::pre_receive::RefUpdate;

/// The log's file name in the git dir unless `leakgate.auditLog` names one.
pub const AUDIT_LOG_NAME: &str = "leakgate-audit.log";

/// Environment variables git servers set to the pusher's name, most
/// specific first: GitLab, GitHub Enterprise Server, Gitea and Forgejo,
/// then a web server's authenticated user and the login of an SSH account.
const PUSHER_VARIABLES: [&str; 6] = [
    "GL_USERNAME",
    "GITHUB_USER_LOGIN",
    "GITEA_PUSHER_NAME",
    "REMOTE_USER",
    "USER",
    "LOGNAME",
];

/// Why the push went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuditEvent {
    /// `git push -o leakgate.skip=<reason>`.
    Skip,
    /// The time budget ran out and `leakgate.onTimeout = pass`.
    TimeoutPass,
}

#[derive(Serialize)]
struct RefLine<'a> {
    #[serde(rename = "ref")]
    refname: &'a str,
    old: &'a str,
    new: &'a str,
}

#[derive(Serialize)]
struct Pusher {
    name: String,
    /// The variable the name came from, so a reader knows how far to trust it.
    from: &'static str,
}

#[derive(Serialize)]
struct AuditLine<'a> {
    time: String,
    event: AuditEvent,
    pusher: Option<Pusher>,
    refs: Vec<RefLine<'a>>,
    /// False when the time budget ran out: findings are then incomplete.
    scan_complete: bool,
    findings: Vec<JsonFinding<'a>>,
    reason: Option<&'a str>,
}

/// One audit record.
pub struct AuditRecord<'a> {
    pub event: AuditEvent,
    pub updates: &'a [RefUpdate],
    pub findings: &'a [Finding],
    pub scan_complete: bool,
    pub reason: Option<&'a str>,
}

/// Appends one line for `record` to `log` in a single write, so lines of
/// pushes to the same repository at the same moment do not interleave.
pub fn append(log: &Path, record: &AuditRecord) -> Result<()> {
    let line = AuditLine {
        time: utc_timestamp(SystemTime::now()),
        event: record.event,
        pusher: pusher(),
        refs: record
            .updates
            .iter()
            .map(|u| RefLine {
                refname: &u.refname,
                old: &u.old,
                new: &u.new,
            })
            .collect(),
        scan_complete: record.scan_complete,
        findings: record
            .findings
            .iter()
            .map(|f| JsonFinding::new(f, false))
            .collect(),
        reason: record.reason,
    };
    let mut text = serde_json::to_string(&line).context("cannot encode the audit line")?;
    text.push('\n');
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .with_context(|| format!("cannot open the audit log {}", log.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write to the audit log {}", log.display()))
}

/// The audit log: the configured file (relative to the git dir), else
/// [`AUDIT_LOG_NAME`] in the git dir.
pub fn log_path(configured: Option<&Path>, git_dir: &Path) -> PathBuf {
    match configured {
        Some(path) => git_dir.join(path),
        None => git_dir.join(AUDIT_LOG_NAME),
    }
}

fn pusher() -> Option<Pusher> {
    PUSHER_VARIABLES.iter().find_map(|&variable| {
        let name = std::env::var(variable).ok().filter(|v| !v.is_empty())?;
        Some(Pusher {
            name,
            from: variable,
        })
    })
}

/// `2026-12-07T03:04:05Z`: UTC, to the second.
pub fn utc_timestamp(time: SystemTime) -> String {
    let seconds = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, of_day) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_are_utc_dates() {
        let at = |s: u64| utc_timestamp(UNIX_EPOCH + Duration::from_secs(s));
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_796_612_645), "2026-12-07T03:04:05Z");
    }
}
