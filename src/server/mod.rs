//! `leakgate scan --pre-receive`: the check a developer cannot skip, run by
//! the server that receives the push.
//!
//! What it decides, in order:
//! 1. The server's settings come from git config ([`settings`]), the push
//!    options from git's `GIT_PUSH_OPTION_*` variables; a `leakgate.skip`
//!    option without a reason is an error.
//! 2. A worker thread finds the commits the push brings
//!    ([`crate::source::pre_receive`]) and scans them with the config of the
//!    repository's default branch as it is before the push (never the
//!    pushed one: a commit cannot allow itself), plus the server-wide file
//!    `leakgate.config` names, and the default branch's baseline.
//! 3. The main thread waits for it no longer than the time budget. A scan
//!    that does not finish blocks the push, or with `leakgate.onTimeout =
//!    pass` lets it through with an audit line; the pusher is told which.
//! 4. Findings block the push (exit 1) unless the pusher broke the glass
//!    with `-o leakgate.skip=<reason>` and the server allows it; a skip is
//!    written to the audit log ([`audit`]) before the push is accepted.
//!
//! Everything the pusher reads goes to stderr, which git shows them as
//! `remote:` lines ([`message`]). Errors block, as everywhere in leakgate.

pub mod audit;
pub mod message;
pub mod settings;

use std::io::Write;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};

use crate::app::{EXIT_CLEAN, EXIT_FINDINGS};
use crate::config::LoadedConfig;
use crate::engine::Engine;
use crate::git::Repo;
use crate::scan::{self, ScanReport};
use crate::source::committed;
use crate::source::pre_receive::{self, RefUpdate};
use audit::{AuditEvent, AuditRecord};
use settings::{OnTimeout, ServerSettings};

/// The push option that lets a blocked push through.
pub const SKIP_OPTION: &str = "leakgate.skip";

/// What scanning a push gave.
pub struct PushScan {
    pub report: ScanReport,
    /// Commits the push brings that the repository did not have.
    pub new_commits: usize,
}

/// Runs the pre-receive check on git's lines in `input`; `reveal` prints
/// secrets in full (`--no-redact`).
pub fn pre_receive(input: &str, reveal: bool) -> Result<ExitCode> {
    let started = Instant::now();
    let settings = ServerSettings::load()?;
    let skip = skip_reason()?;
    let updates = pre_receive::parse_updates(input)?;
    let (sender, receiver) = mpsc::channel();
    let worker_settings = settings.clone();
    let worker_updates = updates.clone();
    std::thread::spawn(move || {
        // The receiver may be gone (the budget ran out); nothing to tell then.
        let _ = sender.send(scan_push(&worker_updates, &worker_settings));
    });
    let remaining = settings.time_budget.saturating_sub(started.elapsed());
    // A zero budget has run out before it starts: how tests force it.
    let outcome = if remaining.is_zero() {
        None
    } else {
        match receiver.recv_timeout(remaining) {
            Ok(result) => Some(result?),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                bail!("the scan of this push stopped without a result")
            }
        }
    };
    let mut err = std::io::stderr().lock();
    let code = match outcome {
        Some(scan) => decide(
            &scan,
            &updates,
            &settings,
            skip.as_deref(),
            reveal,
            &mut err,
        )?,
        None => out_of_time(&updates, &settings, skip.as_deref(), &mut err)?,
    };
    err.flush()?;
    Ok(ExitCode::from(code))
}

/// A scan that finished: pass, block, or pass by a skip.
fn decide(
    scan: &PushScan,
    updates: &[RefUpdate],
    settings: &ServerSettings,
    skip: Option<&str>,
    reveal: bool,
    out: &mut dyn Write,
) -> Result<u8> {
    for warning in &scan.report.warnings {
        message::warning(out, warning)?;
    }
    if scan.report.findings.is_empty() {
        message::clean(out, scan)?;
        return Ok(EXIT_CLEAN);
    }
    message::findings(out, scan, reveal)?;
    match skip {
        Some(reason) if settings.allow_skip => {
            record(
                settings,
                &AuditRecord {
                    event: AuditEvent::Skip,
                    updates,
                    findings: &scan.report.findings,
                    scan_complete: true,
                    reason: Some(reason),
                },
            )?;
            message::skipped(out, reason)?;
            Ok(EXIT_CLEAN)
        }
        _ => {
            message::blocked(out, scan, settings, skip.is_some())?;
            Ok(EXIT_FINDINGS)
        }
    }
}

/// The time budget ran out before the scan finished.
fn out_of_time(
    updates: &[RefUpdate],
    settings: &ServerSettings,
    skip: Option<&str>,
    out: &mut dyn Write,
) -> Result<u8> {
    let budget = settings.time_budget;
    if let Some(reason) = skip.filter(|_| settings.allow_skip) {
        record(
            settings,
            &AuditRecord {
                event: AuditEvent::Skip,
                updates,
                findings: &[],
                scan_complete: false,
                reason: Some(reason),
            },
        )?;
        message::timed_out_passed(out, budget, Some(reason))?;
        return Ok(EXIT_CLEAN);
    }
    match settings.on_timeout {
        OnTimeout::Pass => {
            record(
                settings,
                &AuditRecord {
                    event: AuditEvent::TimeoutPass,
                    updates,
                    findings: &[],
                    scan_complete: false,
                    reason: None,
                },
            )?;
            message::timed_out_passed(out, budget, None)?;
            Ok(EXIT_CLEAN)
        }
        OnTimeout::Block => Err(anyhow!(message::timed_out_blocked(budget))),
    }
}

/// Writes one audit line, to the configured log or the git dir's.
fn record(settings: &ServerSettings, record: &AuditRecord) -> Result<()> {
    let repo = Repo::discover()?;
    audit::append(
        &audit::log_path(settings.audit_log.as_deref(), repo.git_dir()),
        record,
    )
}

/// The reason of a `leakgate.skip=<reason>` push option, if one was given
/// (the last wins). git hands push options to the hook as
/// `GIT_PUSH_OPTION_COUNT` and `GIT_PUSH_OPTION_0`...
fn skip_reason() -> Result<Option<String>> {
    let count: usize = match std::env::var("GIT_PUSH_OPTION_COUNT") {
        Ok(count) => count
            .parse()
            .map_err(|_| anyhow!("GIT_PUSH_OPTION_COUNT={count:?} is not a number"))?,
        Err(_) => return Ok(None),
    };
    let options: Vec<String> = (0..count)
        .map(|i| std::env::var(format!("GIT_PUSH_OPTION_{i}")).unwrap_or_default())
        .collect();
    parse_skip(&options)
}

fn parse_skip(options: &[String]) -> Result<Option<String>> {
    let mut reason = None;
    for option in options {
        let (key, value) = option.split_once('=').unwrap_or((option, ""));
        if key != SKIP_OPTION {
            continue;
        }
        let value = value.trim();
        if value.is_empty() {
            bail!(
                "the push option {SKIP_OPTION} needs a reason, which goes to the audit log: \
                 git push -o '{SKIP_OPTION}=<why this push must go through>'"
            );
        }
        reason = Some(value.to_string());
    }
    Ok(reason)
}

/// Finds and scans the commits the push brings, with the default branch's
/// config and baseline and the server-wide config.
fn scan_push(updates: &[RefUpdate], settings: &ServerSettings) -> Result<PushScan> {
    // git walks the refs for the new commits while this thread reads the
    // config: on a one-commit push the two take about as long.
    let (new, read) = std::thread::scope(|scope| {
        let listing = scope.spawn(|| pre_receive::new_commits(updates));
        let read = read_config(settings);
        let new = listing
            .join()
            .unwrap_or_else(|_| Err(anyhow!("listing the pushed commits failed")));
        (new, read)
    });
    let new = new?;
    let (repo, committed, config) = read?;
    let mut report = if new.count == 0 && new.selection.tags.is_empty() {
        ScanReport {
            commits: Some(0),
            push: true,
            ..ScanReport::default()
        }
    } else {
        scan::scan_commits_with(&repo, config.as_ref(), &new.selection, false)?
    };
    report.push = true;
    if let Some(baseline) = committed.baseline {
        report.baselined = baseline.filter(&mut report.findings);
    }
    Ok(PushScan {
        report,
        new_commits: new.count,
    })
}

/// The repository, the config and baseline of its default branch (`HEAD`
/// before the push: an empty repository has none, and the built-in rules
/// apply), and those layered with the server-wide config file.
fn read_config(
    settings: &ServerSettings,
) -> Result<(Repo, committed::CommittedConfig, Option<LoadedConfig>)> {
    let repo = Repo::discover()?;
    let mut committed = committed::config_at(&repo, repo.head())?;
    let server_config = settings
        .config
        .as_deref()
        .map(|path| {
            LoadedConfig::load(path).with_context(|| {
                format!(
                    "cannot use the server-wide config named by git config leakgate.config ({})",
                    path.display()
                )
            })
        })
        .transpose()?;
    let config = layered(committed.config.take(), server_config)?;
    Ok((repo, committed, config))
}

/// The repository's config with the server-wide one added: the rules of
/// both (the server's replace the repository's of the same id), the
/// allowlists and ignore entries of both, the smaller size limit. Each is
/// checked on its own first, so a mistake is reported in its own file.
fn layered(
    repository: Option<LoadedConfig>,
    server: Option<LoadedConfig>,
) -> Result<Option<LoadedConfig>> {
    let (mut merged, server) = match (repository, server) {
        (Some(repository), Some(server)) => (repository, server),
        (repository, server) => return Ok(repository.or(server)),
    };
    Engine::from_config(Some(&merged))?;
    Engine::from_config(Some(&server))?;
    let theirs = server.file;
    let ours = &mut merged.file;
    ours.extend.use_default &= theirs.extend.use_default;
    ours.extend
        .disabled_rules
        .extend(theirs.extend.disabled_rules);
    ours.rules.extend(theirs.rules);
    ours.allowlists.extend(theirs.allowlist);
    ours.allowlists.extend(theirs.allowlists);
    if let Some(limit) = theirs.scan.max_file_size
        && ours
            .scan
            .max_file_size()
            .is_none_or(|own| limit.get_ref().0 < own)
    {
        ours.scan.max_file_size = Some(limit);
    }
    merged.ignored.extend(server.ignored);
    merged.warnings.extend(server.warnings);
    Ok(Some(merged))
}

/// How long the scan may take, for messages.
pub fn describe_budget(budget: Duration) -> String {
    if budget.subsec_millis() == 0 {
        format!("{} s", budget.as_secs())
    } else {
        format!("{} ms", budget.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_skip_needs_a_reason() {
        let opts = |o: &[&str]| o.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(parse_skip(&opts(&["ci.skip"])).unwrap(), None);
        assert_eq!(
            parse_skip(&opts(&["leakgate.skip=revoked already, ticket 12"])).unwrap(),
            Some("revoked already, ticket 12".into())
        );
        for bad in ["leakgate.skip", "leakgate.skip=", "leakgate.skip=  "] {
            let err = parse_skip(&opts(&[bad])).unwrap_err().to_string();
            assert!(err.contains("needs a reason"), "{err}");
        }
    }
}
