//! One scan from start to end: choose the config, build the engine, run a
//! source through it, and collect what the reports need; then leave out
//! what the baseline accepts.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Result;

use crate::baseline::{BASELINE_FILE_NAME, Baseline};
use crate::config::gitleaks::{self, GITLEAKS_CONFIG_NAME, GITLEAKS_IGNORE_NAME};
use crate::config::{CONFIG_FILE_NAME, LoadedConfig, SourceText};
use crate::engine::{Engine, ScanInput, ScanOutcome};
use crate::finding::{Finding, sort_findings};
use crate::git::{ObjectId, Repo};
use crate::path::RepoPath;
use crate::pipeline;
use crate::progress::Progress;
use crate::rules::RuleSpec;
use crate::source::history::{self, CommitSelection};
use crate::source::push::{self, RefUpdate};
use crate::source::staged::{HeadFiles, StagedDiff};
use crate::source::{Sink, commit_msg, files, staged};

/// What to scan.
#[derive(Debug, Clone)]
pub enum Target {
    /// The staged changes, optionally only these paths.
    Staged { only: Vec<PathBuf> },
    /// Files and directories on disk.
    Files(Vec<PathBuf>),
    /// Commits, each finding attributed to the commit that added it.
    History(CommitSelection),
    /// A commit message file, as the commit-msg hook gets it.
    CommitMessage(PathBuf),
    /// The commits a push would send to `remote`, from git's pre-push lines.
    PrePush {
        remote: String,
        updates: Vec<RefUpdate>,
    },
}

/// Which baseline's accepted findings to leave out.
#[derive(Debug, Clone, Default)]
pub enum BaselineSource {
    /// The repository's `.leakgate-baseline.json`, if it has one.
    #[default]
    Repository,
    /// `--baseline FILE`: must exist.
    File(PathBuf),
    /// Report everything (used to record a baseline).
    Ignore,
}

pub struct ScanRequest {
    pub target: Target,
    /// `--config`: overrides the repository's own config.
    pub config: Option<PathBuf>,
    pub baseline: BaselineSource,
    /// Draw a progress bar on a terminal (history and push scans).
    pub progress: bool,
}

/// A file that was not scanned, and why.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub path: RepoPath,
    pub reason: String,
}

pub use crate::engine::RuleInfo;

/// Everything a report shows.
#[derive(Debug, Default)]
pub struct ScanReport {
    pub findings: Vec<Finding>,
    pub files: u64,
    pub bytes: u64,
    pub skipped: Vec<Skipped>,
    /// True for staged scans, where findings block a commit.
    pub staged: bool,
    /// The rules the scan ran, in rule order (shared with the engine).
    pub rules: Arc<[RuleInfo]>,
    /// Config settings that were read but could not be applied.
    pub warnings: Vec<String>,
    /// One line per item a summary line of `warnings` counts (`--verbose`).
    pub warning_details: Vec<String>,
    /// History and push scans: how many commits were scanned.
    pub commits: Option<u64>,
    /// True for pre-push scans, where findings block a push.
    pub push: bool,
    /// Findings left out because the baseline accepts them.
    pub baselined: u64,
    /// The config asks to verify findings (`[scan] verify`); never set for
    /// staged scans.
    pub verify_by_config: bool,
    /// The config's rules that carry a `verify` table; the built-in tables
    /// are read only when verifying.
    pub verify_rules: Vec<RuleSpec>,
    /// The config was named with `--config`: only then may its verify
    /// tables choose where a secret is sent. A repository's own config could
    /// otherwise send the secrets a scan finds to a host of its choosing.
    pub verify_rules_named: bool,
    /// True for a commit message scan, where findings block a commit.
    pub message: bool,
    /// Staged scans: what a staged change to the configuring files allows
    /// that HEAD's versions of them would block.
    pub loosened: Option<Loosened>,
}

/// Findings that the staged config, ignore list or baseline allows and
/// HEAD's would report. The commit may go on (it is the developer's own
/// repository), but it does not go on silently.
#[derive(Debug, Clone)]
pub struct Loosened {
    /// The configuring files the commit changes, e.g. `.leakgate.toml`.
    pub files: Vec<String>,
    pub findings: Vec<Finding>,
}

pub fn run(request: &ScanRequest) -> Result<ScanReport> {
    // A staged scan loads its baseline from the same listing of staged
    // changes it reads its config from.
    let (mut report, staged_baseline) = match &request.target {
        Target::Staged { only } => {
            let (report, baseline) = scan_staged(request, only)?;
            (report, Some(baseline))
        }
        Target::Files(paths) => {
            let config = match &request.config {
                Some(path) => Some(LoadedConfig::load(path)?),
                None => disk_config()?,
            };
            let engine = Engine::from_config(config.as_ref())?;
            let mut collector = Collector::new(&engine);
            files::scan_files(paths, &mut collector)?;
            let mut report = collector.finish(false);
            add_verify_setup(&mut report, &engine, config.as_ref());
            report.verify_rules_named = request.config.is_some();
            (report, None)
        }
        Target::History(selection) => {
            let repo = Repo::discover()?;
            let (report, baseline) = scan_commits(request, &repo, selection, repo.head())?;
            (report, Some(baseline))
        }
        Target::PrePush { remote, updates } => {
            let repo = Repo::discover()?;
            let selection = push::commits_to_push(&repo, remote, updates)?;
            // The commits pushed are judged by the config the pushed tip
            // commits (the first ref's), else HEAD's.
            let tip = match updates.iter().find(|u| !u.is_deletion()) {
                Some(update) => repo.resolve_commit(&update.local_sha)?,
                None => repo.head(),
            };
            let (mut report, baseline) = scan_commits(request, &repo, &selection, tip)?;
            report.push = true;
            (report, Some(baseline))
        }
        Target::CommitMessage(file) => (scan_commit_message(request, file)?, None),
    };
    let baseline = match staged_baseline {
        Some(baseline) => baseline,
        None => load_baseline(request, None)?,
    };
    if let Some(baseline) = baseline {
        report.baselined = baseline.filter(&mut report.findings);
    }
    report
        .findings
        .retain(|f| !crate::baseline::is_bookkeeping_id(f));
    Ok(report)
}

/// The files at the top of a repository that configure a scan of it.
pub const TOP_FILES: [&str; 4] = [
    CONFIG_FILE_NAME,
    GITLEAKS_CONFIG_NAME,
    GITLEAKS_IGNORE_NAME,
    BASELINE_FILE_NAME,
];

/// Scans the staged changes and loads the baseline that applies to them.
///
/// `git diff-index` lists the changes in a child process; meanwhile this
/// one builds the engine the scan most likely needs (the `--config` one, or
/// the built-in rules alone, right for every repository without a config)
/// and finds the configuring files in HEAD's tree.
fn scan_staged(request: &ScanRequest, only: &[PathBuf]) -> Result<(ScanReport, Option<Baseline>)> {
    let given = match &request.config {
        Some(path) => Some(LoadedConfig::load(path)?),
        None => None,
    };
    let (repo, pathspecs, pending, early_engine) = if only.is_empty() {
        // The hook's case: git lists the changes while git says where the
        // repository is, and meanwhile the engine is built.
        let early = staged::start_against_head()?;
        let pending_repo = Repo::start_discovery()?;
        let early_engine = Some(Engine::from_config(given.as_ref()));
        let repo = pending_repo.wait()?;
        let pending = match repo.head() {
            Some(_) => early,
            None => {
                early.discard();
                staged::start(&repo, &[])?
            }
        };
        (repo, Vec::new(), pending, early_engine)
    } else {
        let repo = Repo::discover()?;
        let pathspecs = staged::index_paths(&repo, only)?;
        let pending = staged::start(&repo, &pathspecs)?;
        (repo, pathspecs, pending, None)
    };
    let pending_unchanged = match pathspecs.is_empty() {
        true => None,
        false => Some(staged::start_index_files(&pathspecs)?),
    };
    // A listing limited to the named paths says nothing of the config.
    let pending_top = match pathspecs.is_empty() {
        true => None,
        false => {
            let names: Vec<String> = TOP_FILES.iter().map(|n| n.to_string()).collect();
            Some(staged::start(&repo, &names)?)
        }
    };
    // With named paths, the engine is built while their git processes run.
    let early_engine = early_engine.unwrap_or_else(|| Engine::from_config(given.as_ref()));
    let head = staged::head_files(&repo, &TOP_FILES)?;
    let diff = pending.wait()?;
    let top_diff = pending_top.map(|p| p.wait()).transpose()?;
    let top = StagedTop {
        repo: &repo,
        diff: top_diff.as_ref().unwrap_or(&diff),
        head,
    };
    let config = match given {
        Some(_) => None,
        None => config_from(|name| top.file(name))?,
    };
    let engine = match config {
        Some(config) => Engine::from_config(Some(&config))?,
        None => early_engine?,
    };
    let changes = diff.changes();
    let unchanged = match pending_unchanged {
        Some(pending) => pending.wait(&changes)?,
        None => Vec::new(),
    };
    let jobs: Vec<pipeline::Job> = changes
        .into_iter()
        .map(|c| c.into_job())
        .chain(unchanged)
        .collect();
    // A commit that changes a configuring file is also scanned with HEAD's.
    // Before the first commit there is no HEAD config to loosen.
    let config_changed = request.config.is_none()
        && repo.head().is_some()
        && TOP_FILES
            .iter()
            .any(|name| top.diff.index_entry(name) != staged::IndexEntry::AsInHead);
    let jobs_again = config_changed.then(|| jobs.clone());
    let new_paths = diff.new_paths();
    // The names go first: one job over every new path is the largest piece
    // of work in a commit that adds a tree, and the last job taken runs
    // alone while the other threads have nothing left.
    let jobs: Vec<pipeline::Job> = pipeline::file_names_job(&new_paths, None)
        .into_iter()
        .chain(jobs)
        .collect();
    let scanned = pipeline::scan(repo.objects(), &engine, jobs, &Progress::hidden())?;
    let mut collector = Collector::new(&engine);
    for mut blob in scanned.into_iter().flatten() {
        if blob.outcome.skipped.is_none() && pipeline::is_file_names(&blob.path) {
            // Names are not a file: their findings go to their paths.
            pipeline::place_file_name_findings(&mut blob.outcome.findings, &new_paths);
            collector.report.findings.extend(blob.outcome.findings);
            continue;
        }
        collector.record(blob.path, blob.size, blob.outcome);
    }
    let mut report = collector.finish(true);
    let baseline = load_baseline(request, Some(&top))?;
    if let Some(jobs) = jobs_again {
        report.loosened = loosened_by_staged_config(&repo, &top, &report, baseline.as_ref(), jobs)?;
    }
    // The process ends right after a staged scan (it is the hook's whole
    // job), so the engine's hundreds of rules are left for the OS to free:
    // dropping them one by one took about 5% of a small commit's work.
    std::mem::forget(engine);
    Ok((report, baseline))
}

/// When the commit changes a configuring file ([`TOP_FILES`]), scans the
/// same changes with HEAD's versions of them and returns what HEAD's would
/// report that the staged ones let through (after each side's baseline).
fn loosened_by_staged_config(
    repo: &Repo,
    top: &StagedTop,
    report: &ScanReport,
    baseline: Option<&Baseline>,
    jobs: Vec<pipeline::Job>,
) -> Result<Option<Loosened>> {
    let files: Vec<String> = TOP_FILES
        .iter()
        .filter(|name| top.diff.index_entry(name) != staged::IndexEntry::AsInHead)
        .map(|name| name.to_string())
        .collect();
    if files.is_empty() {
        return Ok(None);
    }
    let read_head = |name: &str| -> Result<Option<Vec<u8>>> {
        top.head
            .blob(name)
            .map(|id| staged::read_blob(repo, id, name))
            .transpose()
    };
    let head_config = config_from(|name| {
        read_head(name)?
            .map(|bytes| SourceText::from_bytes(format!("{name} (HEAD)"), &bytes))
            .transpose()
    })?;
    let head_engine = Engine::from_config(head_config.as_ref())?;
    let mut head_findings: Vec<Finding> =
        pipeline::scan(repo.objects(), &head_engine, jobs, &Progress::hidden())?
            .into_iter()
            .flatten()
            .flat_map(|s| s.outcome.findings)
            .collect();
    if let Some(bytes) = read_head(BASELINE_FILE_NAME)? {
        Baseline::parse(&format!("{BASELINE_FILE_NAME} (HEAD)"), &bytes)?
            .filter(&mut head_findings);
    }
    let mut staged_findings = report.findings.clone();
    if let Some(baseline) = baseline {
        baseline.filter(&mut staged_findings);
    }
    let reported: std::collections::HashSet<String> =
        staged_findings.iter().map(|f| f.fingerprint()).collect();
    let mut findings: Vec<Finding> = head_findings
        .into_iter()
        .filter(|f| !reported.contains(&f.fingerprint()))
        .collect();
    if findings.is_empty() {
        return Ok(None);
    }
    sort_findings(&mut findings);
    Ok(Some(Loosened { files, findings }))
}

/// The configuring files of a staged scan, as the commit will have them.
struct StagedTop<'a> {
    repo: &'a Repo,
    /// A listing of staged changes that covers [`TOP_FILES`].
    diff: &'a StagedDiff,
    head: HeadFiles,
}

impl StagedTop<'_> {
    /// A file at the top of the repository: its staged version, else the
    /// working tree's.
    fn file(&self, name: &str) -> Result<Option<SourceText>> {
        if let Some(bytes) = staged::staged_file(self.repo, self.diff, &self.head, name)? {
            return Ok(Some(SourceText::from_bytes(
                format!("{name} (staged)"),
                &bytes,
            )?));
        }
        match self.repo.workdir() {
            Some(dir) if dir.join(name).is_file() => Ok(Some(SourceText::read(&dir.join(name))?)),
            _ => Ok(None),
        }
    }
}

/// Scans commits with the config and baseline committed in `judge` (the
/// pushed tip, or HEAD): an uncommitted `.leakgate.toml`, `.gitleaksignore`
/// or baseline in the working tree never loosens a push or a history scan
/// unless `--config` or `--baseline` names it.
fn scan_commits(
    request: &ScanRequest,
    repo: &Repo,
    selection: &CommitSelection,
    judge: Option<ObjectId>,
) -> Result<(ScanReport, Option<Baseline>)> {
    let committed = staged::commit_files(repo, judge, &TOP_FILES)?;
    let read_committed = |name: &str| -> Result<Option<Vec<u8>>> {
        committed
            .blob(name)
            .map(|id| staged::read_blob(repo, id, name))
            .transpose()
    };
    let short = judge
        .map(|id| id.to_string()[..12].to_string())
        .unwrap_or_default();
    let config = match &request.config {
        Some(path) => Some(LoadedConfig::load(path)?),
        None => config_from(|name| {
            read_committed(name)?
                .map(|bytes| {
                    SourceText::from_bytes(format!("{name} (committed in {short})"), &bytes)
                })
                .transpose()
        })?,
    };
    let baseline = match &request.baseline {
        BaselineSource::Repository => read_committed(BASELINE_FILE_NAME)?
            .map(|bytes| {
                Baseline::parse(
                    &format!("{BASELINE_FILE_NAME} (committed in {short})"),
                    &bytes,
                )
            })
            .transpose()?,
        _ => load_baseline(request, None)?,
    };
    let mut report = scan_commits_with(repo, config.as_ref(), selection, request.progress)?;
    report.verify_rules_named = request.config.is_some();
    Ok((report, baseline))
}

/// Scans commits with a config the caller chose (the server and CI take it
/// from a commit the change cannot alter). No baseline is applied.
pub fn scan_commits_with(
    repo: &Repo,
    config: Option<&LoadedConfig>,
    selection: &CommitSelection,
    progress: bool,
) -> Result<ScanReport> {
    let engine = Engine::from_config(config)?;
    let outcome = history::scan_history(repo, selection, &engine, progress)?;
    let mut findings = outcome.findings;
    sort_findings(&mut findings);
    let mut report = ScanReport {
        findings,
        files: outcome.files,
        bytes: outcome.bytes,
        skipped: outcome
            .skipped
            .into_iter()
            .map(|(path, reason)| Skipped { path, reason })
            .collect(),
        commits: Some(outcome.commits),
        ..ScanReport::default()
    };
    report.record_engine(&engine);
    add_verify_setup(&mut report, &engine, config);
    Ok(report)
}

/// What verification needs from a non-staged scan: whether the config asks
/// for it, and the config rules' own verify tables.
fn add_verify_setup(report: &mut ScanReport, engine: &Engine, config: Option<&LoadedConfig>) {
    report.verify_by_config = config.is_some_and(|c| c.file.scan.verify);
    report.verify_rules = engine
        .rule_specs()
        .filter(|spec| spec.verify.is_some())
        .cloned()
        .collect();
}

/// Scans a commit message file (the `commit-msg` hook's argument) as one
/// text job, every line new, reported at [`commit_msg::LOCATION`]. It is
/// judged by the config the commit will have, as the staged scan judged
/// the commit's content.
fn scan_commit_message(request: &ScanRequest, file: &std::path::Path) -> Result<ScanReport> {
    let repo = Repo::discover()?;
    let config = match &request.config {
        Some(path) => Some(LoadedConfig::load(path)?),
        None => {
            let names: Vec<String> = TOP_FILES.iter().map(|n| n.to_string()).collect();
            let pending = staged::start(&repo, &names)?;
            let head = staged::head_files(&repo, &TOP_FILES)?;
            let diff = pending.wait()?;
            let top = StagedTop {
                repo: &repo,
                diff: &diff,
                head,
            };
            config_from(|name| top.file(name))?
        }
    };
    let engine = Engine::from_config(config.as_ref())?;
    let text = commit_msg::read(file)?;
    let job = pipeline::Job::text(RepoPath::new(commit_msg::LOCATION), text, None);
    let scanned = pipeline::scan(repo.objects(), &engine, vec![job], &Progress::hidden())?;
    let mut collector = Collector::new(&engine);
    for piece in scanned.into_iter().flatten() {
        collector.record(piece.path, piece.size, piece.outcome);
    }
    let mut report = collector.finish(false);
    report.message = true;
    Ok(report)
}

/// A file at the top of the working tree, if the repository has one there.
fn worktree_file(repo: &Repo, name: &str) -> Option<PathBuf> {
    repo.workdir()
        .map(|dir| dir.join(name))
        .filter(|path| path.is_file())
}

/// The baseline that applies: `--baseline FILE`, else the repository's
/// `.leakgate-baseline.json` (for staged scans the staged version, as for
/// the config), else none.
fn load_baseline(request: &ScanRequest, staged: Option<&StagedTop>) -> Result<Option<Baseline>> {
    match &request.baseline {
        BaselineSource::Ignore => Ok(None),
        BaselineSource::File(path) => Ok(Some(Baseline::read(path)?)),
        BaselineSource::Repository => match &request.target {
            Target::Staged { .. } => {
                let top = staged.expect("a staged scan passes its configuring files");
                if let Some(bytes) =
                    staged::staged_file(top.repo, top.diff, &top.head, BASELINE_FILE_NAME)?
                {
                    let name = format!("{BASELINE_FILE_NAME} (staged)");
                    return Ok(Some(Baseline::parse(&name, &bytes)?));
                }
                worktree_file(top.repo, BASELINE_FILE_NAME)
                    .map(|path| Baseline::read(&path))
                    .transpose()
            }
            // The committed baseline is read by `scan_commits`.
            Target::History(_) | Target::PrePush { .. } => Ok(None),
            // A message being written is new text: no baseline entry names it.
            Target::CommitMessage(_) => Ok(None),
            Target::Files(_) => {
                let path = disk_top().join(BASELINE_FILE_NAME);
                path.is_file().then(|| Baseline::read(&path)).transpose()
            }
        },
    }
}

/// `.leakgate.toml`, or failing that a gitleaks config, plus
/// `.gitleaksignore` entries, each read with `read`.
pub fn config_from(
    read: impl Fn(&str) -> Result<Option<SourceText>>,
) -> Result<Option<LoadedConfig>> {
    let mut config = match read(CONFIG_FILE_NAME)? {
        Some(source) => Some(LoadedConfig::parse(source)?),
        None => match read(GITLEAKS_CONFIG_NAME)? {
            Some(source) => Some(gitleaks::translate(source)?),
            None => None,
        },
    };
    if let Some(ignore) = read(GITLEAKS_IGNORE_NAME)? {
        config
            .get_or_insert_with(LoadedConfig::defaults)
            .add_gitleaks_ignore(&ignore);
    }
    Ok(config)
}

/// For files on disk (and `leakgate rules`): the config at the top of the
/// enclosing repository, or in the current directory outside one (a
/// gitleaks config when there is no leakgate one), plus `.gitleaksignore`.
pub fn disk_config() -> Result<Option<LoadedConfig>> {
    let top = disk_top();
    config_from(|name| {
        let path = top.join(name);
        if path.is_file() {
            SourceText::read(&path).map(Some)
        } else {
            Ok(None)
        }
    })
}

/// The top of the enclosing repository's working tree, or the current
/// directory outside one.
fn disk_top() -> PathBuf {
    Repo::discover()
        .ok()
        .and_then(|r| r.workdir().map(|p| p.to_path_buf()))
        .unwrap_or_else(|| PathBuf::from("."))
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
        self.report.record_engine(self.engine);
        self.report
    }
}

impl ScanReport {
    /// Records what `engine` ran: its rules and its config's warnings.
    fn record_engine(&mut self, engine: &Engine) {
        self.rules = engine.rule_infos();
        self.warnings = engine.config_warnings().to_vec();
        self.warning_details = engine.config_warning_details().to_vec();
    }
}

impl Collector<'_> {
    /// Adds one scanned blob's outcome to the report.
    fn record(&mut self, path: RepoPath, size: u64, outcome: ScanOutcome) {
        self.report.findings.extend(outcome.findings);
        match outcome.skipped {
            Some(reason) => self.report.skipped.push(Skipped {
                path,
                reason: reason.to_string(),
            }),
            None => {
                self.report.files += 1;
                self.report.bytes += size;
            }
        }
    }
}

impl Sink for Collector<'_> {
    fn blob(&mut self, input: ScanInput) -> Result<()> {
        let outcome = self.engine.scan(&input)?;
        self.record(input.path, input.content.len() as u64, outcome);
        Ok(())
    }

    fn skipped(&mut self, path: RepoPath, reason: String) {
        self.report.skipped.push(Skipped { path, reason });
    }

    fn max_file_size(&self) -> Option<u64> {
        self.engine.max_file_size()
    }

    fn too_large(&mut self, path: RepoPath, size: u64) -> Result<()> {
        if let Some(outcome) = self.engine.skip_too_large(&path, None, size)? {
            self.record(path, size, outcome);
        }
        Ok(())
    }
}
