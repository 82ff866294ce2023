//! One scan from start to end: choose the config, build the engine, run a
//! source through it, and collect what the reports need.

use std::path::PathBuf;

use anyhow::Result;

use crate::config::gitleaks::{self, GITLEAKS_CONFIG_NAME, GITLEAKS_IGNORE_NAME};
use crate::config::{CONFIG_FILE_NAME, LoadedConfig, SourceText};
use crate::engine::{Engine, ScanInput, SkipReason};
use crate::finding::{Finding, sort_findings};
use crate::path::RepoPath;
use crate::source::repo::GitRepo;
use crate::source::{Sink, files, staged};

/// What to scan.
#[derive(Debug, Clone)]
pub enum Target {
    /// The staged changes, optionally only these paths.
    Staged { only: Vec<PathBuf> },
    /// Files and directories on disk.
    Files(Vec<PathBuf>),
}

pub struct ScanRequest {
    pub target: Target,
    /// `--config`: overrides the repository's own config.
    pub config: Option<PathBuf>,
}

/// A file that was not scanned, and why.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub path: RepoPath,
    pub reason: String,
}

/// What reports say about a rule: SARIF lists every rule the scan ran.
#[derive(Debug, Clone)]
pub struct RuleInfo {
    pub id: String,
    pub description: String,
    pub remediation: String,
}

/// Everything a report shows.
#[derive(Debug, Default)]
pub struct ScanReport {
    pub findings: Vec<Finding>,
    pub files: u64,
    pub bytes: u64,
    pub skipped: Vec<Skipped>,
    /// True for staged scans, where findings block a commit.
    pub staged: bool,
    /// The rules the scan ran, sorted by id.
    pub rules: Vec<RuleInfo>,
    /// Config settings that were read but could not be applied.
    pub warnings: Vec<String>,
}

pub fn run(request: &ScanRequest) -> Result<ScanReport> {
    match &request.target {
        Target::Staged { only } => {
            let repo = GitRepo::open_from_env()?;
            let config = match &request.config {
                Some(path) => Some(LoadedConfig::load(path)?),
                None => repo_config(&repo)?,
            };
            let engine = Engine::from_config(config.as_ref())?;
            let pathspecs = repo.repo_relative(only)?;
            let mut collector = Collector::new(&engine);
            staged::scan_staged(&repo, &pathspecs, &mut collector)?;
            Ok(collector.finish(true))
        }
        Target::Files(paths) => {
            let config = match &request.config {
                Some(path) => Some(LoadedConfig::load(path)?),
                None => disk_config()?,
            };
            let engine = Engine::from_config(config.as_ref())?;
            let mut collector = Collector::new(&engine);
            files::scan_files(paths, &mut collector)?;
            Ok(collector.finish(false))
        }
    }
}

/// The repository's config as it will be committed: `.leakgate.toml`, or
/// failing that a gitleaks config, each the staged version if the index has
/// one, else the working tree's; plus `.gitleaksignore` entries.
fn repo_config(repo: &GitRepo) -> Result<Option<LoadedConfig>> {
    let mut config = match repo_file(repo, CONFIG_FILE_NAME)? {
        Some(source) => Some(LoadedConfig::parse(source)?),
        None => match repo_file(repo, GITLEAKS_CONFIG_NAME)? {
            Some(source) => Some(gitleaks::translate(source)?),
            None => None,
        },
    };
    if let Some(ignore) = repo_file(repo, GITLEAKS_IGNORE_NAME)? {
        config
            .get_or_insert_with(LoadedConfig::defaults)
            .add_gitleaks_ignore(&ignore);
    }
    Ok(config)
}

/// A file at the top of the repository: its staged version, else the
/// working tree's.
fn repo_file(repo: &GitRepo, name: &str) -> Result<Option<SourceText>> {
    if let Some(bytes) = staged::staged_blob(repo, name)? {
        return Ok(Some(SourceText::from_bytes(
            format!("{name} (staged)"),
            &bytes,
        )?));
    }
    match repo.workdir() {
        Some(dir) if dir.join(name).is_file() => Ok(Some(SourceText::read(&dir.join(name))?)),
        _ => Ok(None),
    }
}

/// For files on disk: the config at the top of the enclosing repository,
/// or in the current directory outside one (a gitleaks config when there is
/// no leakgate one), plus `.gitleaksignore` entries.
fn disk_config() -> Result<Option<LoadedConfig>> {
    let top = git2::Repository::open_from_env()
        .ok()
        .and_then(|r| r.workdir().map(|p| p.to_path_buf()))
        .unwrap_or_else(|| PathBuf::from("."));
    let path = top.join(CONFIG_FILE_NAME);
    let gitleaks_path = top.join(GITLEAKS_CONFIG_NAME);
    let mut config = if path.is_file() {
        Some(LoadedConfig::parse(SourceText::read(&path)?)?)
    } else if gitleaks_path.is_file() {
        Some(gitleaks::translate(SourceText::read(&gitleaks_path)?)?)
    } else {
        None
    };
    let ignore = top.join(GITLEAKS_IGNORE_NAME);
    if ignore.is_file() {
        config
            .get_or_insert_with(LoadedConfig::defaults)
            .add_gitleaks_ignore(&SourceText::read(&ignore)?);
    }
    Ok(config)
}

struct Collector<'e> {
    engine: &'e Engine,
    report: ScanReport,
}

impl<'e> Collector<'e> {
    fn new(engine: &'e Engine) -> Self {
        Collector {
            engine,
            report: ScanReport::default(),
        }
    }

    fn finish(mut self, staged: bool) -> ScanReport {
        sort_findings(&mut self.report.findings);
        self.report.skipped.sort_by(|a, b| a.path.cmp(&b.path));
        self.report.staged = staged;
        self.report.rules = self
            .engine
            .rule_specs()
            .map(|spec| RuleInfo {
                id: spec.id().to_string(),
                description: spec.description.clone(),
                remediation: spec.remediation.clone(),
            })
            .collect();
        self.report.rules.sort_by(|a, b| a.id.cmp(&b.id));
        self.report.warnings = self.engine.config_warnings().to_vec();
        self.report
    }
}

impl Sink for Collector<'_> {
    fn blob(&mut self, input: ScanInput) -> Result<()> {
        let outcome = self.engine.scan(&input)?;
        self.report.findings.extend(outcome.findings);
        match outcome.skipped {
            Some(SkipReason::Binary) => self.report.skipped.push(Skipped {
                path: input.path,
                reason: "binary".into(),
            }),
            None => {
                self.report.files += 1;
                self.report.bytes += input.content.len() as u64;
            }
        }
        Ok(())
    }

    fn skipped(&mut self, path: RepoPath, reason: String) {
        self.report.skipped.push(Skipped { path, reason });
    }
}
