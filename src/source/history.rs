//! The history source: the commits a selection of revisions names (every
//! ref, a range such as `origin/main..HEAD`, the commits of a push), each
//! finding attributed to the commit that added it.
//!
//! How, and why this way:
//! 1. `git rev-list --topo-order --reverse --parents` lists the commits,
//!    parents before children, with author and date: git itself interprets
//!    ranges, `^SHA` and `--remotes=`, exactly as users know them.
//! 2. Each commit's tree is compared with its first parent's (a root commit
//!    with the empty tree) by one `git diff-tree --stdin`, renames detected,
//!    so a renamed file is not new.
//!    A merge adds only what is new relative to *every* parent: a file whose
//!    blob one of the other parents already has is skipped, and a line counts
//!    only when it is added relative to each parent (what `git log --cc`
//!    shows). Content a merge brings in from a branch belongs to that
//!    branch's own commits; conflict resolutions ("evil merges") are still
//!    scanned.
//! 3. Every distinct blob is read once and scanned whole by
//!    [`crate::pipeline`], once for each path it appears at (rules and
//!    allowlists depend on the path). Each commit's message, the paths it
//!    adds and the messages of the selected annotated tags are scanned as
//!    text in the same pass, at locations that name the commit or tag.
//! 4. Commits are then visited oldest-first. A blob in which step 3 found
//!    something is scanned again for each commit that changed it, with that
//!    commit's id (allowlists may name commits) and the lines it added. A
//!    finding is attributed to a commit only when it sits on a line that
//!    commit added, and only the
//!    first time its fingerprint (rule, path, secret) is seen: a secret that
//!    stays in a file for a hundred commits is reported once, with the commit
//!    that introduced it, and a secret added then removed is still found.
//!
//! Only blobs with findings are diffed and rescanned, so most of history
//! costs one read and one scan.
//! This source reads objects only: it never changes refs, the index or the
//! working tree.

use std::collections::{HashMap, HashSet};

use anyhow::{Context, Result, anyhow, bail};

use super::diff::added_lines;
use crate::engine::{AddedLines, Engine, ScanInput, SkipReason};
use crate::finding::{CommitInfo, Finding};
use crate::git::raw::{self, RawItem};
use crate::git::{ObjectId, ObjectReader, Repo};
use crate::path::RepoPath;
use crate::pipeline::{self, Content, Job};
use crate::progress::Progress;

/// Where the walk starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tips {
    /// Every ref, as `git rev-list --all` (branches, tags, remotes, stash).
    AllRefs,
    /// These revisions or ranges, as `git rev-list` takes them; none means
    /// there is nothing to scan (a push that only deletes).
    These(Vec<String>),
}

/// Which commits to scan: those reachable from `tips` but not from
/// `exclude` nor from any ref of `exclude_remote`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitSelection {
    pub tips: Tips,
    /// Commits whose ancestry is left out (`--since-commit`, a remote's old tip).
    pub exclude: Vec<String>,
    /// Leave out everything this remote's tracking refs reach (the remote has it).
    pub exclude_remote: Option<String>,
    /// Annotated tags whose messages are scanned too (tags being pushed).
    pub tags: Vec<ObjectId>,
}

impl CommitSelection {
    pub fn all_refs() -> Self {
        CommitSelection {
            tips: Tips::AllRefs,
            exclude: Vec::new(),
            exclude_remote: None,
            tags: Vec::new(),
        }
    }

    /// The arguments after `git rev-list`, or `None` when nothing is selected.
    fn rev_list_args(&self) -> Result<Option<Vec<String>>> {
        let mut args: Vec<String> = ["--topo-order", "--reverse", "--parents"]
            .map(String::from)
            .into();
        args.push(format!("--format={COMMIT_FORMAT}"));
        match &self.tips {
            Tips::AllRefs => args.push("--all".into()),
            Tips::These(revs) if revs.is_empty() => return Ok(None),
            Tips::These(revs) => {
                for rev in revs {
                    reject_option_like(rev)?;
                    args.push(rev.clone());
                }
            }
        }
        for rev in &self.exclude {
            reject_option_like(rev)?;
            args.push(format!("^{rev}"));
        }
        if let Some(remote) = &self.exclude_remote {
            args.push("--not".into());
            args.push(format!("--remotes={remote}"));
        }
        // Everything before `--` is a revision, never a path.
        args.push("--".into());
        Ok(Some(args))
    }
}

/// Revisions reach `git rev-list` as arguments; one that starts with `-`
/// would be read as an option.
fn reject_option_like(rev: &str) -> Result<()> {
    if rev.starts_with('-') || rev.is_empty() {
        bail!(
            "{rev:?} is not a revision: give branch names, tags, commit ids or ranges such as origin/main..HEAD"
        );
    }
    Ok(())
}

/// Author name, email and date (strict ISO 8601), one a line (none can
/// hold a line break), then the raw message, ended by NUL (which no
/// message holds; `-z` does not separate `--format` output).
const COMMIT_FORMAT: &str = "%an%n%ae%n%aI%n%B%x00";

/// One commit to scan, with its parents as git sees them (grafts and
/// shallow boundaries included).
#[derive(Debug, Clone)]
pub struct ListedCommit {
    pub id: ObjectId,
    pub parents: Vec<ObjectId>,
    pub info: CommitInfo,
    /// The commit message, as committed.
    pub message: Vec<u8>,
}

/// The selected commits, parents before children.
pub fn list_commits(selection: &CommitSelection) -> Result<Vec<ListedCommit>> {
    let Some(args) = selection.rev_list_args()? else {
        return Ok(Vec::new());
    };
    let mut command = vec!["rev-list".to_string()];
    command.extend(args);
    parse_rev_list(&crate::git::run(&command, "list the commits to scan")?)
}

/// Parses `git rev-list` records: a `commit <id> <parent>...` line, then
/// [`COMMIT_FORMAT`], each record ended by NUL and a line break.
fn parse_rev_list(stdout: &[u8]) -> Result<Vec<ListedCommit>> {
    let mut commits = Vec::new();
    for record in stdout.split(|&b| b == 0) {
        let record = record.strip_prefix(b"\n").unwrap_or(record);
        if record.is_empty() {
            continue;
        }
        let mut lines = record.splitn(5, |&b| b == b'\n');
        let header = lines.next().unwrap_or_default();
        let header = std::str::from_utf8(header).context("git rev-list printed a non-UTF-8 id")?;
        let mut ids = header
            .strip_prefix("commit ")
            .ok_or_else(|| anyhow!("unexpected git rev-list output: {header:?}"))?
            .split(' ')
            .map(|id| ObjectId::from_hex(id).with_context(|| format!("bad commit id {id:?}")));
        let id = ids
            .next()
            .ok_or_else(|| anyhow!("unexpected git rev-list output: {header:?}"))??;
        let parents = ids.collect::<Result<Vec<_>>>()?;
        let mut field = || String::from_utf8_lossy(lines.next().unwrap_or_default()).into_owned();
        let (name, email, date) = (field(), field(), field());
        let message = lines.next().unwrap_or_default().to_vec();
        commits.push(ListedCommit {
            id,
            parents,
            info: CommitInfo {
                id: id.to_string(),
                author: format!("{name} <{email}>"),
                date,
            },
            message,
        });
    }
    Ok(commits)
}

/// What a history scan found and read.
#[derive(Debug, Default)]
pub struct HistoryOutcome {
    /// Each finding once, with the commit that introduced it.
    pub findings: Vec<Finding>,
    pub commits: u64,
    /// Distinct text blobs scanned, and their bytes.
    pub files: u64,
    pub bytes: u64,
    /// Paths whose content was not scanned (binary, an LFS pointer, over
    /// the size limit) and why, each once.
    pub skipped: Vec<(RepoPath, String)>,
}

/// A blob, read once, and every path it appears at in the changes.
struct DistinctBlob {
    oid: ObjectId,
    size: u64,
    paths: Vec<RepoPath>,
}

/// One file a commit added or changed.
struct Change {
    commit: usize,
    blob: usize,
    path: usize,
    /// The first parent's version, if it had one at this path (or the
    /// renamed-from path).
    old: Option<ObjectId>,
    /// The other parents' versions at this path, for merges.
    other_parents: Vec<Option<ObjectId>>,
}

/// What scanning one blob whole, at one path, showed.
#[derive(Default)]
struct PathScan {
    /// It has findings when no commit is known (a superset of any commit's).
    has_findings: bool,
    skipped: Option<SkipReason>,
}

/// Scans the selected commits and attributes each finding to the commit
/// that added it.
pub fn scan_history(
    repo: &Repo,
    selection: &CommitSelection,
    engine: &Engine,
    show_progress: bool,
) -> Result<HistoryOutcome> {
    for rev in &selection.exclude {
        reject_option_like(rev)?;
        if repo.resolve_commit(rev)?.is_none() {
            bail!(
                "{rev:?} is not a commit in this repository (--since-commit takes a commit id, branch or tag)"
            );
        }
    }
    let commits = list_commits(selection)?;
    let reader = repo.objects().reader()?;
    let (blobs, changes, new_paths) = collect_changes(&reader, &commits)?;
    // Every distinct blob once, whole, at each of its paths.
    let mut jobs: Vec<Job> = blobs
        .iter()
        .map(|blob| Job {
            paths: blob.paths.clone(),
            content: Content::Blob {
                id: blob.oid,
                diff_base: None,
            },
            commit: None,
        })
        .collect();
    // Messages are committed and pushed like content: each is scanned as
    // text at a location naming its commit (or tag).
    jobs.extend(commits.iter().map(|c| {
        Job::text(
            message_location("commit", &c.id),
            c.message.clone(),
            Some(c.info.clone()),
        )
    }));
    // Each commit's new paths, scanned as text.
    let mut names_of = Vec::new();
    for (commit, paths) in commits.iter().zip(&new_paths) {
        if let Some(job) = pipeline::file_names_job(paths, Some(commit.info.clone())) {
            jobs.push(job);
            names_of.push(paths);
        }
    }
    let mut tags = selection.tags.clone();
    if selection.tips == Tips::AllRefs {
        tags.extend(annotated_tags()?);
    }
    for tag in tags {
        jobs.push(tag_job(repo, tag)?);
    }
    let total_bytes = blobs.iter().map(|b| b.size).sum::<u64>()
        + commits.iter().map(|c| c.message.len() as u64).sum::<u64>();
    let progress = Progress::new(
        show_progress,
        "scanning history",
        jobs.len() as u64,
        total_bytes,
    );
    let mut scanned = pipeline::scan(repo.objects(), engine, jobs, &progress)?;
    let texts = scanned.split_off(blobs.len());
    let mut names = names_of.into_iter();
    let mut message_findings: Vec<Finding> = Vec::new();
    for scanned in texts.into_iter().flatten() {
        let mut findings = scanned.outcome.findings;
        if pipeline::is_file_names(&scanned.path)
            && let Some(paths) = names.next()
        {
            pipeline::place_file_name_findings(&mut findings, paths);
        }
        message_findings.extend(findings);
    }
    let scans: Vec<Vec<PathScan>> = scanned
        .into_iter()
        .map(|scanned| {
            scanned
                .into_iter()
                .map(|s| PathScan {
                    has_findings: !s.outcome.findings.is_empty(),
                    skipped: s.outcome.skipped,
                })
                .collect()
        })
        .collect();
    progress.finish();

    let mut outcome = HistoryOutcome {
        commits: commits.len() as u64,
        ..HistoryOutcome::default()
    };
    for (blob, scans) in blobs.iter().zip(&scans) {
        // Skipped or not is a property of the content, the same at every path.
        if let Some(reason) = scans.iter().find_map(|s| s.skipped.as_ref()) {
            let reason = reason.to_string();
            outcome
                .skipped
                .extend(blob.paths.iter().map(|p| (p.clone(), reason.clone())));
        } else {
            outcome.files += 1;
            outcome.bytes += blob.size;
        }
    }
    outcome.skipped.sort();
    outcome.skipped.dedup();
    outcome.findings = attribute(&reader, engine, &commits, &blobs, &changes, &scans)?;
    outcome.findings.extend(message_findings);
    Ok(outcome)
}

/// Where a message's findings are shown: `(message of commit 1a2b3c4d5e6f)`.
pub fn message_location(kind: &str, id: &ObjectId) -> RepoPath {
    RepoPath::new(format!("(message of {kind} {})", &id.to_string()[..12]))
}

/// Every annotated tag the refs name (a scan of all refs covers them).
fn annotated_tags() -> Result<Vec<ObjectId>> {
    let out = crate::git::run(
        &[
            "for-each-ref",
            "--format=%(objecttype) %(objectname)",
            "refs/tags",
        ],
        "list the tags",
    )?;
    String::from_utf8_lossy(&out)
        .lines()
        .filter_map(|line| line.strip_prefix("tag "))
        .map(ObjectId::from_hex)
        .collect()
}

/// The message of the annotated tag `tag`, as a text job.
fn tag_job(repo: &Repo, tag: ObjectId) -> Result<Job> {
    let reader = repo.objects().reader()?;
    let data = reader
        .object(tag, "tag")
        .with_context(|| format!("cannot read tag {tag}"))?;
    // Headers, a blank line, then the message (and any signature).
    let content = data.content();
    let message = match content.windows(2).position(|w| w == b"\n\n") {
        Some(at) => content[at + 2..].to_vec(),
        None => Vec::new(),
    };
    Ok(Job::text(message_location("tag", &tag), message, None))
}

/// Every file each commit added or changed, and the distinct blobs among them.
/// The distinct blobs, every change, and per commit the paths it adds.
type CollectedChanges = (Vec<DistinctBlob>, Vec<Change>, Vec<Vec<RepoPath>>);

fn collect_changes(reader: &ObjectReader, commits: &[ListedCommit]) -> Result<CollectedChanges> {
    let (first_parent_changes, new_paths) = first_parent_changes(commits)?;
    let mut blobs: Vec<DistinctBlob> = Vec::new();
    let mut blob_index: HashMap<ObjectId, usize> = HashMap::new();
    let mut changes = Vec::new();
    for (commit_index, (listed, files)) in commits.iter().zip(first_parent_changes).enumerate() {
        // Only merges need the other parents' trees.
        let other_parents = listed
            .parents
            .iter()
            .skip(1)
            .map(|&parent| reader.commit_tree(parent))
            .collect::<Result<Vec<_>>>()?;
        for FileChange { path, old, new } in files {
            let others = other_parents
                .iter()
                .map(|&tree| blob_at(reader, tree, &path))
                .collect::<Result<Vec<Option<ObjectId>>>>()?;
            if others.contains(&Some(new)) {
                // The merge took this file as it was on another parent.
                continue;
            }
            let blob = match blob_index.get(&new) {
                Some(&i) => i,
                None => {
                    let size = reader
                        .blob_size(new, &path)
                        .with_context(|| format!("cannot read {path} in commit {}", listed.id))?;
                    blobs.push(DistinctBlob {
                        oid: new,
                        size,
                        paths: Vec::new(),
                    });
                    blob_index.insert(new, blobs.len() - 1);
                    blobs.len() - 1
                }
            };
            let paths = &mut blobs[blob].paths;
            let path_index = match paths.iter().position(|p| *p == path) {
                Some(i) => i,
                None => {
                    paths.push(path);
                    paths.len() - 1
                }
            };
            changes.push(Change {
                commit: commit_index,
                blob,
                path: path_index,
                old,
                other_parents: others,
            });
        }
    }
    Ok((blobs, changes, new_paths))
}

/// A regular or executable file whose content a commit added or changed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileChange {
    path: RepoPath,
    /// The version it replaces (or was renamed from), if that was a file.
    old: Option<ObjectId>,
    new: ObjectId,
}

/// For each commit, in order, the files it added or changed relative to
/// its first parent (a root commit: relative to the empty tree), renames
/// detected. Deletions, submodules and symlinks carry no content to scan.
///
/// One `git diff-tree --stdin` serves every commit: git skips unchanged
/// subtrees, so a commit costs what it changed, not the size of its tree
/// (libgit2's tree diff walked all 11,000 files of every commit of our
/// benchmark repository, 15 times slower).
fn first_parent_changes(commits: &[ListedCommit]) -> Result<FirstParentChanges> {
    if commits.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    // "<commit> <parent>" compares the commit with that parent only.
    let input: String = commits
        .iter()
        .map(|c| match c.parents.first() {
            Some(parent) => format!("{} {parent}\n", c.id),
            None => format!("{}\n", c.id),
        })
        .collect();
    let stdout = crate::git::run_with_input(
        &["diff-tree", "--stdin", "-r", "--root", "-M", "--raw", "-z"],
        input.into_bytes(),
        "compare the commits with their parents",
    )?;
    let index: HashMap<ObjectId, usize> =
        commits.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    let mut changes = vec![Vec::new(); commits.len()];
    let mut new_paths = vec![Vec::new(); commits.len()];
    let mut current = None;
    for item in raw::parse(&stdout)? {
        match item {
            RawItem::Commit(id) => {
                current = Some(*index.get(&id).ok_or_else(|| {
                    anyhow!("git diff-tree reported commit {id}, which was not asked for")
                })?);
            }
            RawItem::Change(change) => {
                let commit = current
                    .ok_or_else(|| anyhow!("git diff-tree output starts without a commit"))?;
                // A merge's names come from the commits it merges.
                if matches!(change.status, b'A' | b'R' | b'C') && commits[commit].parents.len() < 2
                {
                    new_paths[commit].push(change.path.clone());
                }
                if change.has_new_content() {
                    changes[commit].push(FileChange {
                        old: change.replaced(),
                        new: change.new,
                        path: change.path,
                    });
                }
            }
        }
    }
    Ok((changes, new_paths))
}

/// Per commit: the files with new content, and the paths it adds.
type FirstParentChanges = (Vec<Vec<FileChange>>, Vec<Vec<RepoPath>>);

/// The regular file at `path` in `tree`, if there is one.
fn blob_at(reader: &ObjectReader, tree: ObjectId, path: &RepoPath) -> Result<Option<ObjectId>> {
    Ok(reader
        .tree_entry(tree, path.as_bytes())?
        .filter(|&(mode, _)| raw::has_content(mode))
        .map(|(_, id)| id))
}

/// Walks the changes oldest-first and keeps each finding where a commit
/// added its lines, the first time its fingerprint is seen.
///
/// The whole-blob scan without a commit is a superset (knowing the commit
/// can only allow more: allowlist `commits`, `.gitleaksignore` entries
/// with a commit), so a blob it found nothing in is done with. A blob it
/// found something in is scanned again here, with the commit and the lines
/// the commit added, so every allowlist sees the commit.
fn attribute(
    reader: &ObjectReader,
    engine: &Engine,
    commits: &[ListedCommit],
    blobs: &[DistinctBlob],
    changes: &[Change],
    scans: &[Vec<PathScan>],
) -> Result<Vec<Finding>> {
    let mut seen: HashSet<String> = HashSet::new();
    let mut findings = Vec::new();
    for change in changes {
        if !scans[change.blob][change.path].has_findings {
            continue;
        }
        let blob = &blobs[change.blob];
        let path = &blob.paths[change.path];
        let new_blob = reader.blob(blob.oid, path)?;
        let new = new_blob.content();
        // Added relative to every parent: one line set per parent.
        let mut added_per_parent = Vec::with_capacity(1 + change.other_parents.len());
        for old in std::iter::once(change.old).chain(change.other_parents.iter().copied()) {
            added_per_parent.push(match old {
                Some(old) => added_lines(reader.blob(old, path)?.content(), new),
                None => AddedLines::All,
            });
        }
        let (first_parent, other_parents) = added_per_parent
            .split_first()
            .expect("there is always a first-parent line set");
        let outcome = engine.scan(&ScanInput {
            path: path.clone(),
            content: new,
            added: first_parent.clone(),
            commit: Some(commits[change.commit].info.clone()),
        })?;
        let mut introduced = Vec::new();
        for finding in outcome.findings {
            let added = finding.file_rule
                || other_parents
                    .iter()
                    .all(|a| a.touches(finding.start.line, finding.end.line));
            if !added {
                continue;
            }
            let fingerprint = finding.fingerprint();
            if seen.contains(&fingerprint) {
                continue;
            }
            introduced.push((fingerprint, finding));
        }
        // Two copies of one secret added by the same change are both shown;
        // only later commits are measured against what came before.
        for (fingerprint, finding) in introduced {
            seen.insert(fingerprint);
            findings.push(finding);
        }
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rev_list_output_is_parsed_with_parents_author_and_date() {
        let a = "1111111111111111111111111111111111111111";
        let b = "2222222222222222222222222222222222222222";
        let out = format!(
            "commit {a}\nAda\nada@example.invalid\n2024-05-01T10:00:00+02:00\nFirst\n\nbody\n\0\n\
             commit {b} {a}\nBob\nbob@example.invalid\n2024-05-02T10:00:00Z\nSecond\n\0\n"
        );
        let commits = parse_rev_list(out.as_bytes()).unwrap();
        assert_eq!(commits.len(), 2);
        assert!(commits[0].parents.is_empty());
        assert_eq!(commits[1].parents, vec![ObjectId::from_hex(a).unwrap()]);
        assert_eq!(commits[1].info.id, b);
        assert_eq!(commits[0].info.author, "Ada <ada@example.invalid>");
        assert_eq!(commits[0].info.date, "2024-05-01T10:00:00+02:00");
        assert_eq!(commits[0].message, b"First\n\nbody\n");
    }

    #[test]
    fn revisions_that_look_like_options_are_refused() {
        let selection = CommitSelection {
            tips: Tips::These(vec!["--output=/tmp/x".into()]),
            exclude: Vec::new(),
            exclude_remote: None,
            tags: Vec::new(),
        };
        assert!(selection.rev_list_args().is_err());
        let nothing = CommitSelection {
            tips: Tips::These(Vec::new()),
            exclude: Vec::new(),
            exclude_remote: None,
            tags: Vec::new(),
        };
        assert_eq!(nothing.rev_list_args().unwrap(), None);
    }
}
