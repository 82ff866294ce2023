//! What each command does, returning the process exit code: 0 clean, 1
//! findings, 2 error. `main` maps errors to 2 and prints them.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

use crate::cli::{Cli, ColorChoice, Command, RulesAction, ScanArgs};
use crate::config::{LoadedConfig, SourceText};
use crate::engine::Engine;
use crate::report::{self, Format, ReportOptions};
use crate::scan::{self, ScanRequest, Target};
use crate::{hooks, rules};

pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Scan(args) => scan_command(args),
        Command::Install { hook, force } => {
            println!("leakgate: {}", hooks::install(hook, force)?);
            Ok(ExitCode::from(EXIT_CLEAN))
        }
        Command::Uninstall { hook } => {
            println!("leakgate: {}", hooks::uninstall(hook)?);
            Ok(ExitCode::from(EXIT_CLEAN))
        }
        Command::Rules { action, config } => rules_command(action, config),
    }
}

fn scan_command(args: ScanArgs) -> Result<ExitCode> {
    let target = if args.staged || args.paths.is_empty() {
        Target::Staged { only: args.paths }
    } else {
        Target::Files(args.paths)
    };
    let report = scan::run(&ScanRequest {
        target,
        config: args.config,
    })?;
    print_warnings(&report.warnings);
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
    let terminal_format = match &args.report_path {
        Some(path) => {
            write_report_file(&report, args.format, options, path)?;
            Format::Human
        }
        None => args.format,
    };
    let mut stdout = std::io::stdout().lock();
    report::write(&report, terminal_format, options, &mut stdout)?;
    stdout.flush()?;
    Ok(ExitCode::from(if report.findings.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    }))
}

/// Config settings that could not be applied: on stderr, so reports on
/// stdout stay parseable, and never silently.
fn print_warnings(warnings: &[String]) {
    for warning in warnings {
        eprintln!("leakgate: warning: {warning}");
    }
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
    let file = std::fs::File::create(path)
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
                None => None,
            };
            if let Some(config) = &config {
                print_warnings(&config.warnings);
            }
            let engine = Engine::from_config(config.as_ref())?;
            let mut out = std::io::stdout().lock();
            for spec in engine.rule_specs() {
                writeln!(out, "{:<40} {}", spec.id(), spec.description)?;
            }
            Ok(ExitCode::from(EXIT_CLEAN))
        }
        Some(RulesAction::Check { file }) => {
            let source = SourceText::read(&file)?;
            let specs = rules::parse_rules(&source)?;
            rules::ensure_not_empty(&specs, &source.name)?;
            let failures = rules::check_rules(&specs)?;
            for failure in &failures {
                println!("FAIL {failure}");
            }
            if !failures.is_empty() {
                bail!("{} of the checks in {} failed", failures.len(), source.name);
            }
            println!(
                "ok: {} rules in {} match their examples",
                specs.len(),
                source.name
            );
            Ok(ExitCode::from(EXIT_CLEAN))
        }
    }
}
