//! The server's own settings, read from git config (the repository's, the
//! server's `/etc/gitconfig`, the git user's `~/.gitconfig`), never from the
//! repository's files or the push: whoever pushes must not be able to
//! change how the push is checked.
//!
//! | key                              | meaning                                       | default |
//! |----------------------------------|-----------------------------------------------|---------|
//! | `leakgate.config`                | a server-wide config file added to the repository's | none |
//! | `leakgate.allowSkip`             | `git push -o leakgate.skip=<reason>` may let a blocked push through | true |
//! | `leakgate.timeBudget`            | how long a scan may take (`4500ms`, `4.5s`, `0`) | 4.5 s |
//! | `leakgate.onTimeout`             | `block` or `pass` when the budget runs out    | block   |
//! | `leakgate.auditLog`              | where skips and passes are recorded           | `leakgate-audit.log` in the git dir |
//!
//! `receive.advertisePushOptions` is read too, only to tell the pusher
//! whether `-o leakgate.skip=...` can reach the hook at all.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};

use crate::git;

/// The default budget: GitHub Enterprise Server gives a pre-receive hook 5
/// seconds in all; half a second is left for git and the hook's start.
pub const DEFAULT_TIME_BUDGET: Duration = Duration::from_millis(4500);

/// What to do with a push whose scan did not finish within the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnTimeout {
    /// Reject it, saying how to push in smaller parts.
    Block,
    /// Accept it unscanned, tell the pusher and record it in the audit log.
    Pass,
}

/// The server's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerSettings {
    pub config: Option<PathBuf>,
    pub allow_skip: bool,
    pub time_budget: Duration,
    pub on_timeout: OnTimeout,
    pub audit_log: Option<PathBuf>,
    /// `receive.advertisePushOptions`: push options reach the hook.
    pub push_options_advertised: bool,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            config: None,
            allow_skip: true,
            time_budget: DEFAULT_TIME_BUDGET,
            on_timeout: OnTimeout::Block,
            audit_log: None,
            push_options_advertised: false,
        }
    }
}

impl ServerSettings {
    /// Reads the settings with one `git config` call.
    pub fn load() -> Result<Self> {
        let output = git::command(&[
            "config",
            "--null",
            "--get-regexp",
            r"^(leakgate\.|receive\.advertisepushoptions$)",
        ])
        .output()
        .context("cannot run git config (is git installed and on PATH?)")?;
        // Exit 1: no such key is set, which leaves every default.
        match output.status.code() {
            Some(0) => ServerSettings::parse(&String::from_utf8_lossy(&output.stdout)),
            Some(1) => Ok(ServerSettings::default()),
            _ => bail!(
                "cannot read leakgate's server settings from git config: {}",
                String::from_utf8_lossy(&output.stderr).trim()
            ),
        }
    }

    /// Parses `git config --null --get-regexp` output: `key\nvalue\0` per
    /// entry, keys lowercased by git; a later entry wins, as in git.
    fn parse(output: &str) -> Result<Self> {
        let mut settings = ServerSettings::default();
        for entry in output.split('\0').filter(|e| !e.is_empty()) {
            let (key, value) = entry.split_once('\n').unwrap_or((entry, ""));
            let problem = |what: &str| anyhow!("git config {key} = {value:?}: {what}");
            match key {
                "leakgate.config" => settings.config = Some(PathBuf::from(value)),
                "leakgate.allowskip" => {
                    settings.allow_skip =
                        parse_bool(value).ok_or_else(|| problem("not a boolean"))?
                }
                "leakgate.timebudget" => {
                    settings.time_budget = parse_duration(value).ok_or_else(|| {
                        problem(
                            "not a duration; write milliseconds (4500, 4500ms) or seconds (4.5s)",
                        )
                    })?
                }
                "leakgate.ontimeout" => {
                    settings.on_timeout = match value.to_ascii_lowercase().as_str() {
                        "block" => OnTimeout::Block,
                        "pass" => OnTimeout::Pass,
                        _ => return Err(problem("write `block` or `pass`")),
                    }
                }
                "leakgate.auditlog" => settings.audit_log = Some(PathBuf::from(value)),
                "receive.advertisepushoptions" => {
                    settings.push_options_advertised = parse_bool(value).unwrap_or(false)
                }
                // A misspelt key would silently leave a default in place.
                _ => {
                    return Err(problem(
                        "not a leakgate setting (see README: Server set-up)",
                    ));
                }
            }
        }
        Ok(settings)
    }
}

/// git's booleans: a key with no value is true.
fn parse_bool(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "" | "true" | "yes" | "on" | "1" => Some(true),
        "false" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// `4500`, `4500ms` (milliseconds) or `4.5s` (seconds).
fn parse_duration(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Some(ms) = value.strip_suffix("ms") {
        return ms.trim().parse().ok().map(Duration::from_millis);
    }
    if let Some(s) = value.strip_suffix('s') {
        let seconds: f64 = s.trim().parse().ok()?;
        return (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds));
    }
    value.parse().ok().map(Duration::from_millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_is_read_and_later_entries_win() {
        let out = "leakgate.config\n/etc/leakgate.toml\0leakgate.allowskip\nfalse\0\
                   leakgate.timebudget\n2s\0leakgate.timebudget\n250ms\0leakgate.ontimeout\nPass\0\
                   leakgate.auditlog\n/var/log/leakgate.log\0receive.advertisepushoptions\ntrue\0";
        let settings = ServerSettings::parse(out).unwrap();
        assert_eq!(
            settings,
            ServerSettings {
                config: Some("/etc/leakgate.toml".into()),
                allow_skip: false,
                time_budget: Duration::from_millis(250),
                on_timeout: OnTimeout::Pass,
                audit_log: Some("/var/log/leakgate.log".into()),
                push_options_advertised: true,
            }
        );
    }

    #[test]
    fn bad_values_and_unknown_keys_are_errors_naming_the_key() {
        for out in [
            "leakgate.allowskip\nmaybe\0",
            "leakgate.timebudget\nsoon\0",
            "leakgate.ontimeout\nignore\0",
            "leakgate.alowskip\nfalse\0",
        ] {
            let err = ServerSettings::parse(out).unwrap_err().to_string();
            let key = out.split('\n').next().unwrap();
            assert!(err.contains(key), "{err}");
        }
    }

    #[test]
    fn durations_take_milliseconds_or_seconds() {
        assert_eq!(parse_duration("0"), Some(Duration::ZERO));
        assert_eq!(parse_duration("4500"), Some(Duration::from_millis(4500)));
        assert_eq!(parse_duration("4.5s"), Some(Duration::from_millis(4500)));
        assert_eq!(parse_duration("-1s"), None);
    }
}
