//! What each command does, returning the process exit code: 0 clean, 1
//! findings, 2 error. `main` maps errors to 2 and prints them.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use crate::baseline::{BASELINE_FILE_NAME, Baseline};
use crate::cli::{BaselineArgs, Cli, ColorChoice, Command, ExplainArgs, RulesAction, ScanArgs};
use crate::config::{LoadedConfig, SourceText};
use crate::engine::Engine;
use crate::path::{escape_for_terminal, escape_line_for_terminal, escape_lines_for_terminal};
use crate::report::{self, Format, ReportOptions};
use crate::scan::{self, BaselineSource, ScanRequest, Target};
use crate::source::history::{CommitSelection, Tips};
use crate::source::{ci, push};
use crate::{doctor, hooks, rules, verify};

pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

/// Did this error come from writing to a reader that went away (EPIPE)?
/// Listing commands then stop quietly; a scan still blocks.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        let kind = match cause.downcast_ref::<std::io::Error>() {
            Some(io) => Some(io.kind()),
            None => cause
                .downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind),
        };
        kind == Some(std::io::ErrorKind::BrokenPipe)
    })
}

/// Writes one message line to stdout; an error (a closed or full stdout)
/// is returned, never a panic as `println!` would.
fn say(line: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .context("cannot write to standard output")
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Scan(args) => scan_command(args),
        Command::Install { hook, force } => {
            let done = hooks::install(hook, force)?;
            say(&format!("leakgate: {}", escape_lines_for_terminal(&done)))?;
            Ok(ExitCode::from(EXIT_CLEAN))
        }
        Command::Uninstall { hook } => {
            let done = hooks::uninstall(hook)?;
            say(&format!("leakgate: {}", escape_lines_for_terminal(&done)))?;
            Ok(ExitCode::from(EXIT_CLEAN))
        }
        Command::HookHandshake => {
            say(hooks::HANDSHAKE)?;
            Ok(ExitCode::from(EXIT_CLEAN))
        }
        Command::Rules { action, config } => rules_command(action, config),
        Command::Explain(args) => explain_command(args),
        Command::Baseline(args) => baseline_command(args),
        Command::Doctor { config } => {
            let mut stdout = std::io::stdout().lock();
            let healthy = doctor::run(config, &mut stdout)?;
            stdout.flush()?;
            Ok(ExitCode::from(if healthy {
                EXIT_CLEAN
            } else {
                EXIT_FINDINGS
            }))
        }
    }
}

fn scan_command(mut args: ScanArgs) -> Result<ExitCode> {
    hooks::answer_handshake();
    if args.pre_receive {
        let input = std::io::read_to_string(std::io::stdin())
            .context("cannot read the refs being pushed from stdin")?;
        return crate::server::pre_receive(&input, args.no_redact);
    }
    if args.staged {
        // Every argument after --staged is a file name; an option written
        // there (an old hook config) is not applied, and must not go unsaid.
        let options: Vec<String> = args
            .paths
            .iter()
            .filter(|p| p.as_os_str().as_encoded_bytes().starts_with(b"-") && !p.exists())
            .map(|p| escape_for_terminal(p.as_os_str().as_encoded_bytes()))
            .collect();
        if !options.is_empty() {
            print_warnings(&[format!(
                "{} after --staged read as file name(s), not options, and no such file exists; \
                 put options before --staged",
                options.join(" ")
            )]);
        }
        // Only such names (`scan --staged --verify`): scanning none of the
        // staged files would pass a commit unscanned, so scan them all.
        if !options.is_empty() && options.len() == args.paths.len() {
            args.paths.clear();
        }
    }
    let target = if let Some(file) = &args.commit_msg {
        Target::CommitMessage(file.clone())
    } else if let Some(remote) = &args.pre_push {
        let input = std::io::read_to_string(std::io::stdin())
            .context("cannot read the refs being pushed from stdin")?;
        Target::PrePush {
            remote: remote[0].clone(),
            updates: push::parse_updates(&input)?,
        }
    } else if args.history.is_some() || args.since_commit.is_some() {
        let revs = args.history.clone().unwrap_or_default();
        Target::History(CommitSelection {
            tips: if revs.is_empty() {
                Tips::AllRefs
            } else {
                Tips::These(revs)
            },
            exclude: args.since_commit.iter().cloned().collect(),
            exclude_remote: None,
            tags: Vec::new(),
        })
    } else if args.staged || args.paths.is_empty() {
        Target::Staged {
            only: args.paths.clone(),
        }
    } else {
        Target::Files(args.paths.clone())
    };
    if args.format == Format::GitFilterRepo {
        // The replacements file holds every secret in full.
        if args.report_path.is_none() {
            bail!(
                "--format git-filter-repo writes every secret in full, so it is only written to a file: \
                 add --report-path FILE (outside the repository), never to a terminal or a CI log"
            );
        }
        if !args.no_redact {
            bail!(
                "--format git-filter-repo needs --no-redact: git filter-repo must match each secret exactly, \
                 so the file holds them in full"
            );
        }
    }
    let verify_asked = args.verify || args.only_verified;
    if verify_asked && matches!(target, Target::Staged { .. } | Target::CommitMessage(_)) {
        bail!(
            "--verify does not apply to staged or commit message scans: commit hooks never make \
             network requests.\n\
             Verify what a scan of history or of files finds instead (leakgate scan --history --verify)."
        );
    }
    let request_timeout = args
        .verify_timeout
        .map(|secs| {
            std::time::Duration::try_from_secs_f64(secs)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| {
                    anyhow::anyhow!("--verify-timeout {secs}: give a number of seconds above zero")
                })
        })
        .transpose()?;
    let mut report = if args.ci {
        ci_scan(&args)?
    } else {
        scan::run(&ScanRequest {
            target,
            config: args.config.clone(),
            baseline: args
                .baseline
                .clone()
                .map_or(BaselineSource::Repository, BaselineSource::File),
            progress: true,
        })?
    };
    print_warnings(&report.warnings);
    if !report.staged && !report.message && (verify_asked || report.verify_by_config) {
        verify_report(&mut report, request_timeout)?;
    }
    if args.only_verified {
        report.findings.retain(|f| {
            f.verification
                .as_ref()
                .is_some_and(|v| v.status == verify::Status::Live)
        });
    }
    if report.rules.is_empty() && args.format != Format::Human && args.report_path.is_none() {
        // The human report says it in its summary; a machine-readable
        // report on stdout carries it as a field, and this tells the user.
        print_warnings(&[report::NO_RULES_RAN.to_string()]);
    }
    if args.verbose {
        print_warnings(&report.warning_details);
    }
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let options = ReportOptions {
        reveal: args.no_redact,
        color,
    };
    // The replacements file is the one place its secrets go: the terminal
    // (or CI log) gets the redacted human report.
    let terminal_options = ReportOptions {
        reveal: args.no_redact && args.format != Format::GitFilterRepo,
        ..options
    };
    let terminal_format = match &args.report_path {
        Some(path) => {
            write_report_file(&report, args.format, options, path)?;
            Format::Human
        }
        None => args.format,
    };
    let mut stdout = std::io::stdout().lock();
    report::write(&report, terminal_format, terminal_options, &mut stdout)
        .and_then(|()| stdout.flush().map_err(Into::into))
        .context("cannot write the report to standard output, so nobody saw what the scan found")?;
    Ok(ExitCode::from(if report.findings.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    }))
}

/// Asks providers about the report's findings: built-in verify tables (read
/// now, never on the hook's path) and the config rules' own.
fn verify_report(
    report: &mut scan::ScanReport,
    request_timeout: Option<std::time::Duration>,
) -> Result<()> {
    if report.findings.is_empty() {
        return Ok(());
    }
    let builtin = rules::builtin_rules_with_examples()?;
    let own: &[rules::RuleSpec] = if report.verify_rules_named {
        &report.verify_rules
    } else {
        for rule in &report.verify_rules {
            print_warnings(&[format!(
                "the verify table of rule {} in the repository's config is ignored: only a config \
                 named with --config may say where secrets are sent",
                rule.id()
            )]);
        }
        &[]
    };
    let verifiers = verify::Verifiers::new(builtin.iter().chain(own))?;
    let options = verify::VerifyOptions::from_env(request_timeout)?;
    verify::verify_findings(&mut report.findings, &verifiers, &options);
    Ok(())
}

/// `--ci`: the change the CI job runs for, with the config and baseline of
/// its base (or `--config` / `--baseline`).
fn ci_scan(args: &ScanArgs) -> Result<scan::ScanReport> {
    let range = ci::detect(
        &|name| std::env::var(name).ok(),
        args.since_commit.as_deref(),
    )?;
    let prepared = ci::prepare(range)?;
    let describe = |id: &str| escape_for_terminal(id.get(..12).unwrap_or(id).as_bytes());
    let range = &prepared.range;
    let what = match (&range.head, &range.base) {
        (None, _) => "a deleted ref: no commits to scan".to_string(),
        (Some(head), Some(base)) => format!("commits {}..{}", describe(base), describe(head)),
        (Some(head), None) => format!(
            "the commits of {} on no other branch of origin",
            describe(head)
        ),
    };
    let config_from = match (&args.config, &prepared.config_from) {
        (Some(path), _) => path.display().to_string(),
        (None, Some(commit)) => format!("the config of {}", describe(commit)),
        (None, None) => "the built-in rules (the change has no base commit)".to_string(),
    };
    eprintln!(
        "leakgate: {}: scanning {what}, with {config_from}",
        range.provenance
    );
    let config = match &args.config {
        Some(path) => Some(LoadedConfig::load(path)?),
        None => prepared.committed.config,
    };
    let mut report =
        scan::scan_commits_with(&prepared.repo, config.as_ref(), &prepared.selection, false)?;
    // Only a config named on the command line may say where secrets are sent.
    report.verify_rules_named = args.config.is_some();
    // The change is judged like a push: its commits are to be rewritten
    // before they land, not purged from history.
    report.push = true;
    let baseline = match &args.baseline {
        Some(path) => Some(Baseline::read(path)?),
        None => prepared.committed.baseline,
    };
    if let Some(baseline) = baseline {
        report.baselined = baseline.filter(&mut report.findings);
    }
    Ok(report)
}

/// Config settings that could not be applied: on stderr, so reports on
/// stdout stay parseable, and never silently.
fn print_warnings(warnings: &[String]) {
    let mut stderr = std::io::stderr().lock();
    for warning in warnings {
        // Warnings quote the repository's config. A closed stderr cannot
        // be told anything; what the command does next does not depend on it.
        let _ = writeln!(
            stderr,
            "leakgate: warning: {}",
            escape_line_for_terminal(warning)
        );
    }
}

/// A report file; one that holds secrets in full (`--no-redact`) is
/// readable and writable by its owner only, whether new or replaced.
fn create_report_file(path: &std::path::Path, secrets: bool) -> std::io::Result<std::fs::File> {
    let mut open = std::fs::OpenOptions::new();
    open.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secrets {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        open.mode(0o600);
        let file = open.open(path)?;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        return Ok(file);
    }
    let _ = secrets;
    open.open(path)
}

/// `--report-path`: the report in the chosen format, never coloured.
fn write_report_file(
    report: &scan::ScanReport,
    format: Format,
    options: ReportOptions,
    path: &std::path::Path,
) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create the directory {}", parent.display()))?;
    }
    let file = create_report_file(path, options.reveal)
        .with_context(|| format!("cannot create the report file {}", path.display()))?;
    let mut out = std::io::BufWriter::new(file);
    let options = ReportOptions {
        color: false,
        ..options
    };
    report::write(report, format, options, &mut out)
        .and_then(|()| out.flush().map_err(Into::into))
        .with_context(|| format!("cannot write the report file {}", path.display()))
}

fn rules_command(
    action: Option<RulesAction>,
    config: Option<std::path::PathBuf>,
) -> Result<ExitCode> {
    match action {
        None => {
            let config = match config {
                Some(path) => Some(LoadedConfig::load(&path)?),
                None => scan::disk_config()?,
            };
            if let Some(config) = &config {
                print_warnings(&config.warnings);
            }
            let engine = Engine::from_config(config.as_ref())?;
            let mut out = std::io::stdout().lock();
            let mut list = || -> std::io::Result<()> {
                for spec in engine.rule_specs() {
                    writeln!(
                        out,
                        "{:<40} {}",
                        escape_for_terminal(spec.id().as_bytes()),
                        escape_for_terminal(spec.description.as_bytes())
                    )?;
                }
                out.flush()
            };
            list().context("cannot write the list of rules to standard output")?;
            Ok(ExitCode::from(EXIT_CLEAN))
        }
        Some(RulesAction::Check { file }) => {
            let (files, name) = match file {
                Some(file) => {
                    let source = SourceText::read(&file)?;
                    let specs = rules::parse_rules(&source)?;
                    rules::ensure_not_empty(&specs, &source.name)?;
                    let name = source.name.clone();
                    (vec![(source, specs)], name)
                }
                None => (
                    rules::builtin_rule_files()?,
                    "the built-in rules".to_string(),
                ),
            };
            let count: usize = files.iter().map(|(_, specs)| specs.len()).sum();
            let failures = crate::engine::check::check_rule_files(&files)?;
            for failure in &failures {
                say(&format!("FAIL {}", escape_lines_for_terminal(failure)))?;
            }
            if !failures.is_empty() {
                bail!("{} of the checks in {name} failed", failures.len());
            }
            say(&format!("ok: {count} rules in {name} match their examples"))?;
            Ok(ExitCode::from(EXIT_CLEAN))
        }
    }
}

/// `leakgate explain`: every candidate each rule matched in the files, one
/// a line in position order, redacted unless `--no-redact`, with why it
/// was dropped or that it is reported. Exit 1 when any is reported, as a
/// scan of the files would.
fn explain_command(args: ExplainArgs) -> Result<ExitCode> {
    let config = match &args.config {
        Some(path) => Some(LoadedConfig::load(path)?),
        None => scan::disk_config()?,
    };
    if let Some(config) = &config {
        print_warnings(&config.warnings);
    }
    let engine = Engine::from_config(config.as_ref())?;
    let mut out = std::io::stdout().lock();
    let (mut candidates, mut reported) = (0, 0);
    for file in &args.files {
        let content = std::fs::read(file).with_context(|| {
            format!(
                "cannot read {}",
                escape_for_terminal(file.as_os_str().as_encoded_bytes())
            )
        })?;
        let path = crate::path::RepoPath::new(file.as_os_str().as_encoded_bytes());
        let (outcome, considered) =
            engine.explain(&crate::engine::ScanInput::whole(path, &content))?;
        if let Some(skipped) = &outcome.skipped {
            writeln!(
                out,
                "{}: not scanned: {skipped}",
                escape_for_terminal(file.as_os_str().as_encoded_bytes())
            )?;
        }
        for candidate in &considered {
            let finding = &candidate.finding;
            let verdict = match &candidate.dropped {
                None => "reported".to_string(),
                Some(reason) => format!("dropped: {reason}"),
            };
            writeln!(
                out,
                "{}:{}:{}: {} {} {}",
                escape_for_terminal(finding.path.as_bytes()),
                finding.start.line,
                finding.start.column,
                escape_for_terminal(finding.rule_id.as_bytes()),
                escape_for_terminal(finding.secret.shown(args.no_redact).as_bytes()),
                escape_for_terminal(verdict.as_bytes()),
            )?;
        }
        candidates += considered.len();
        reported += outcome.findings.len();
    }
    writeln!(
        out,
        "leakgate: {candidates} candidate(s) in {} file(s), {reported} reported",
        args.files.len()
    )?;
    out.flush()?;
    Ok(ExitCode::from(if reported == 0 {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    }))
}

/// `  reason: …` for an entry that has one, escaped (the file is
/// committed to the repository, so its text is untrusted).
fn reason_note(entry: &crate::baseline::BaselineEntry) -> String {
    entry
        .reason
        .as_ref()
        .map(|r| format!("  reason: {}", escape_for_terminal(r.as_bytes())))
        .unwrap_or_default()
}

/// `leakgate baseline --list`: every entry, one per line, with its reason.
fn list_baseline(path: &std::path::Path) -> Result<ExitCode> {
    let baseline = Baseline::read(path)?;
    let mut out = std::io::stdout().lock();
    for entry in baseline.entries() {
        let commit = entry
            .commit
            .as_ref()
            .map(|c| {
                let short: String = c.chars().take(12).collect();
                format!(" in commit {}", escape_for_terminal(short.as_bytes()))
            })
            .unwrap_or_default();
        writeln!(
            out,
            "{}:{}  {}{commit}{}",
            escape_for_terminal(entry.path.as_bytes()),
            entry.line,
            escape_for_terminal(entry.rule_id.as_bytes()),
            match &entry.reason {
                Some(_) => reason_note(entry),
                None => "  (no reason recorded)".to_string(),
            }
        )?;
    }
    writeln!(
        out,
        "leakgate: {} accepted finding(s) in {}",
        baseline.entries().len(),
        path.display()
    )?;
    Ok(ExitCode::from(EXIT_CLEAN))
}

/// `leakgate baseline`: records the findings in history (all refs), or with
/// `--check` lists entries that match nothing any more (exit 1 if any).
fn baseline_command(args: BaselineArgs) -> Result<ExitCode> {
    let path = match args.baseline {
        Some(path) => path,
        None => {
            let repo = crate::git::Repo::discover()?;
            let top = repo.workdir().ok_or_else(|| {
                anyhow::anyhow!(
                    "a bare repository has no working tree for {BASELINE_FILE_NAME}; give the file with --baseline FILE"
                )
            })?;
            top.join(BASELINE_FILE_NAME)
        }
    };
    if args.list {
        return list_baseline(&path);
    }
    if args.reason.as_deref().is_some_and(|r| r.trim().is_empty()) {
        bail!("--reason needs some text: say why these findings are accepted");
    }
    let existing = if args.check {
        Some(Baseline::read(&path)?)
    } else {
        None
    };
    let report = scan::run(&ScanRequest {
        target: Target::History(CommitSelection::all_refs()),
        config: args.config,
        baseline: BaselineSource::Ignore,
        progress: true,
    })?;
    let commits = report.commits.unwrap_or(0);
    let mut out = std::io::stdout().lock();
    let Some(existing) = existing else {
        // Re-recording keeps the reasons entries already had.
        let previous = path.is_file().then(|| Baseline::read(&path)).transpose()?;
        let baseline =
            Baseline::from_findings(&report.findings, previous.as_ref(), args.reason.as_deref());
        baseline.write(&path)?;
        writeln!(
            out,
            "leakgate: recorded {} finding(s) from {commits} commit(s) in {}",
            baseline.entries().len(),
            path.display()
        )?;
        writeln!(
            out,
            "  Staged scans now ignore them; pushes and history scans do once the file is\n  \
             committed (they trust committed files only). Commit it, and rotate any of these\n  \
             secrets that was ever shared: they are still in history."
        )?;
        out.flush()?;
        return Ok(ExitCode::from(EXIT_CLEAN));
    };
    let stale = existing.stale(&report.findings);
    let unrecorded = report
        .findings
        .iter()
        .filter(|f| !existing.accepts(f))
        .count();
    for entry in &stale {
        writeln!(
            out,
            "stale: {}  {}  fingerprint {} (recorded at line {}{}){}",
            escape_for_terminal(entry.path.as_bytes()),
            // A baseline file is committed to the repository: untrusted.
            escape_for_terminal(entry.rule_id.as_bytes()),
            escape_for_terminal(entry.fingerprint.as_bytes()),
            entry.line,
            entry
                .commit
                .as_ref()
                .map(|c| {
                    let short: String = c.chars().take(12).collect();
                    format!(" of commit {}", escape_for_terminal(short.as_bytes()))
                })
                .unwrap_or_default(),
            reason_note(entry)
        )?;
    }
    if unrecorded > 0 {
        writeln!(
            out,
            "leakgate: {unrecorded} finding(s) in history are not in the baseline; `leakgate scan --history` shows them"
        )?;
    }
    if stale.is_empty() {
        writeln!(
            out,
            "leakgate: every entry of {} matches a finding in {commits} commit(s)",
            path.display()
        )?;
        out.flush()?;
        return Ok(ExitCode::from(EXIT_CLEAN));
    }
    writeln!(
        out,
        "leakgate: {} of {} entries in {} match nothing in history any more.\n  \
         Delete those entries from the file (or run `leakgate baseline` to record history afresh,\n  \
         which also accepts any finding not yet in it).",
        stale.len(),
        existing.entries().len(),
        path.display()
    )?;
    out.flush()?;
    Ok(ExitCode::from(EXIT_FINDINGS))
}
