//! One scan from start to end: choose the config, build the engine, run a
//! source through it, and collect what the reports need.

use std::path::PathBuf;

use anyhow::Result;

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
}

pub fn run(request: &ScanRequest) -> Result<ScanReport> {
    match &request.target {
        Target::Staged { only } => {
            let repo = GitRepo::open_from_env()?;
            let config = match &request.config {
                Some(path) => Some(LoadedConfig::parse(SourceText::read(path)?)?),
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
                Some(path) => Some(LoadedConfig::parse(SourceText::read(path)?)?),
                None => disk_config()?,
            };
            let engine = Engine::from_config(config.as_ref())?;
            let mut collector = Collector::new(&engine);
            files::scan_files(paths, &mut collector)?;
            Ok(collector.finish(false))
        }
    }
}

/// The repository's config as it will be committed: the staged version if
/// the index has one, else the working tree's.
fn repo_config(repo: &GitRepo) -> Result<Option<LoadedConfig>> {
    if let Some(bytes) = staged::staged_blob(repo, CONFIG_FILE_NAME)? {
        let name = format!("{CONFIG_FILE_NAME} (staged)");
        return Ok(Some(LoadedConfig::parse(SourceText::from_bytes(
            name, &bytes,
        )?)?));
    }
    match repo.workdir() {
        Some(dir) if dir.join(CONFIG_FILE_NAME).is_file() => Ok(Some(LoadedConfig::parse(
            SourceText::read(&dir.join(CONFIG_FILE_NAME))?,
        )?)),
        _ => Ok(None),
    }
}

/// For files on disk: the config at the top of the enclosing repository,
/// or in the current directory outside one.
fn disk_config() -> Result<Option<LoadedConfig>> {
    let top = git2::Repository::open_from_env()
        .ok()
        .and_then(|r| r.workdir().map(|p| p.to_path_buf()))
        .unwrap_or_else(|| PathBuf::from("."));
    let path = top.join(CONFIG_FILE_NAME);
    if path.is_file() {
        Ok(Some(LoadedConfig::parse(SourceText::read(&path)?)?))
    } else {
        Ok(None)
    }
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
