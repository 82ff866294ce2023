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
//! 3. Every distinct blob is read once and scanned whole, in parallel, once
//!    for each path it appears at (rules and allowlists depend on the path).
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
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, anyhow, bail};
use git2::{Oid, Repository, Tree};
use rayon::prelude::*;

use super::diff::added_lines;
use super::repo::GitRepo;
use crate::engine::{AddedLines, Engine, ScanInput, SkipReason};
use crate::finding::{CommitInfo, Finding};
use crate::path::RepoPath;
use crate::pipeline::find_blob;
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
}

impl CommitSelection {
    pub fn all_refs() -> Self {
        CommitSelection {
            tips: Tips::AllRefs,
            exclude: Vec::new(),
            exclude_remote: None,
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

/// Author name, email and date (strict ISO 8601), separated by NUL.
const COMMIT_FORMAT: &str = "%an%x00%ae%x00%aI";

/// One commit to scan, with its parents as git sees them (grafts and
/// shallow boundaries included).
#[derive(Debug, Clone)]
pub struct ListedCommit {
    pub id: Oid,
    pub parents: Vec<Oid>,
    pub info: CommitInfo,
}

/// The selected commits, parents before children.
pub fn list_commits(selection: &CommitSelection) -> Result<Vec<ListedCommit>> {
    let Some(args) = selection.rev_list_args()? else {
        return Ok(Vec::new());
    };
    let output = Command::new("git")
        .arg("rev-list")
        .args(&args)
        .output()
        .context("cannot run git rev-list (is git installed and on PATH?)")?;
    if !output.status.success() {
        bail!(
            "cannot list the commits to scan: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    parse_rev_list(&output.stdout)
}

/// Parses `commit <id> <parent>...` header lines, each followed by one
/// line in [`COMMIT_FORMAT`].
fn parse_rev_list(stdout: &[u8]) -> Result<Vec<ListedCommit>> {
    let mut commits = Vec::new();
    let mut lines = stdout.split(|&b| b == b'\n');
    while let Some(header) = lines.next() {
        if header.is_empty() {
            continue;
        }
        let header = std::str::from_utf8(header).context("git rev-list printed a non-UTF-8 id")?;
        let mut ids = header
            .strip_prefix("commit ")
            .ok_or_else(|| anyhow!("unexpected git rev-list output: {header:?}"))?
            .split(' ')
            .map(|id| Oid::from_str(id).with_context(|| format!("bad commit id {id:?}")));
        let id = ids
            .next()
            .ok_or_else(|| anyhow!("unexpected git rev-list output: {header:?}"))??;
        let parents = ids.collect::<Result<Vec<_>>>()?;
        let meta = lines
            .next()
            .ok_or_else(|| anyhow!("git rev-list output ends after commit {id}"))?;
        let mut fields = meta.split(|&b| b == 0).map(String::from_utf8_lossy);
        let (name, email, date) = (
            fields.next().unwrap_or_default(),
            fields.next().unwrap_or_default(),
            fields.next().unwrap_or_default(),
        );
        commits.push(ListedCommit {
            id,
            parents,
            info: CommitInfo {
                id: id.to_string(),
                author: format!("{name} <{email}>"),
                date: date.into_owned(),
            },
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
    oid: Oid,
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
    old: Option<Oid>,
    /// The other parents' versions at this path, for merges.
    other_parents: Vec<Option<Oid>>,
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
    repo: &GitRepo,
    selection: &CommitSelection,
    engine: &Engine,
    show_progress: bool,
) -> Result<HistoryOutcome> {
    for rev in &selection.exclude {
        reject_option_like(rev)?;
        repo.repo
            .revparse_single(&format!("{rev}^{{commit}}"))
            .map_err(|_| {
                anyhow!(
                    "{rev:?} is not a commit in this repository (--since-commit takes a commit id, branch or tag)"
                )
            })?;
    }
    let commits = list_commits(selection)?;
    let (blobs, changes) = collect_changes(&repo.repo, &commits)?;
    let total_bytes = blobs.iter().map(|b| b.size).sum();
    let progress = Progress::new(
        show_progress,
        "scanning history",
        blobs.len() as u64,
        total_bytes,
    );
    let scans = scan_blobs(repo.repo.path().to_path_buf(), &blobs, engine, &progress)?;
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
    outcome.findings = attribute(&repo.repo, engine, &commits, &blobs, &changes, &scans)?;
    Ok(outcome)
}

/// Every file each commit added or changed, and the distinct blobs among them.
fn collect_changes(
    repo: &Repository,
    commits: &[ListedCommit],
) -> Result<(Vec<DistinctBlob>, Vec<Change>)> {
    let odb = repo
        .odb()
        .map_err(|e| anyhow!("cannot open the object database: {}", e.message()))?;
    let first_parent_changes = first_parent_changes(commits)?;
    let mut blobs: Vec<DistinctBlob> = Vec::new();
    let mut blob_index: HashMap<Oid, usize> = HashMap::new();
    let mut changes = Vec::new();
    for (commit_index, (listed, files)) in commits.iter().zip(first_parent_changes).enumerate() {
        // Only merges need the other parents' trees.
        let other_parents = listed
            .parents
            .iter()
            .skip(1)
            .map(|&parent| commit_tree(repo, parent))
            .collect::<Result<Vec<_>>>()?;
        for FileChange { path, old, new } in files {
            let others: Vec<Option<Oid>> =
                other_parents.iter().map(|t| blob_at(t, &path)).collect();
            if others.contains(&Some(new)) {
                // The merge took this file as it was on another parent.
                continue;
            }
            let blob = match blob_index.get(&new) {
                Some(&i) => i,
                None => {
                    let (size, _) = odb.read_header(new).map_err(|e| {
                        anyhow!(
                            "cannot read {path} (object {new}) in commit {}: {}",
                            listed.id,
                            e.message()
                        )
                    })?;
                    blobs.push(DistinctBlob {
                        oid: new,
                        size: size as u64,
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
    Ok((blobs, changes))
}

fn commit_tree(repo: &Repository, id: Oid) -> Result<Tree<'_>> {
    repo.find_commit(id)
        .and_then(|c| c.tree())
        .map_err(|e| anyhow!("cannot read commit {id}: {}", e.message()))
}

/// A regular or executable file whose content a commit added or changed.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileChange {
    path: RepoPath,
    /// The version it replaces (or was renamed from), if that was a file.
    old: Option<Oid>,
    new: Oid,
}

/// For each commit, in order, the files it added or changed relative to
/// its first parent (a root commit: relative to the empty tree), renames
/// detected. Deletions, submodules and symlinks carry no content to scan.
///
/// One `git diff-tree --stdin` serves every commit: git skips unchanged
/// subtrees, so a commit costs what it changed, not the size of its tree
/// (libgit2's tree diff walked all 11,000 files of every commit of our
/// benchmark repository, 15 times slower).
fn first_parent_changes(commits: &[ListedCommit]) -> Result<Vec<Vec<FileChange>>> {
    if commits.is_empty() {
        return Ok(Vec::new());
    }
    // "<commit> <parent>" compares the commit with that parent only.
    let input: String = commits
        .iter()
        .map(|c| match c.parents.first() {
            Some(parent) => format!("{} {parent}\n", c.id),
            None => format!("{}\n", c.id),
        })
        .collect();
    let mut child = Command::new("git")
        .args(["diff-tree", "--stdin", "-r", "--root", "-M", "--raw", "-z"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run git diff-tree (is git installed and on PATH?)")?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    // Written from another thread: git answers while it reads, and a full
    // stdout pipe would otherwise stall both sides.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child
        .wait_with_output()
        .context("cannot read git diff-tree's output")?;
    let written = writer.join().expect("the writer thread does not panic");
    if !output.status.success() {
        bail!(
            "cannot compare the commits with their parents: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    written.context("cannot send the commits to git diff-tree")?;
    let index: HashMap<Oid, usize> = commits.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    let mut changes = vec![Vec::new(); commits.len()];
    let mut current = None;
    for item in parse_raw_diff(&output.stdout) {
        match item? {
            RawItem::Commit(id) => {
                current = Some(*index.get(&id).ok_or_else(|| {
                    anyhow!("git diff-tree reported commit {id}, which was not asked for")
                })?);
            }
            RawItem::File(change) => {
                let commit = current
                    .ok_or_else(|| anyhow!("git diff-tree output starts without a commit"))?;
                changes[commit].push(change);
            }
        }
    }
    Ok(changes)
}

enum RawItem {
    Commit(Oid),
    File(FileChange),
}

/// Parses `git diff-tree -z --raw` output: a commit id, then for each file
/// `:<old mode> <new mode> <old id> <new id> <status>` and its path (two
/// paths for renames and copies), every field NUL-terminated. Only files
/// with content to scan are returned.
fn parse_raw_diff(stdout: &[u8]) -> impl Iterator<Item = Result<RawItem>> + '_ {
    let mut fields = stdout.split(|&b| b == 0);
    std::iter::from_fn(move || {
        loop {
            let field = fields.next()?;
            if field.is_empty() {
                continue;
            }
            let Some(meta) = field.strip_prefix(b":") else {
                let id = std::str::from_utf8(field)
                    .ok()
                    .and_then(|text| Oid::from_str(text).ok());
                return Some(id.map(RawItem::Commit).ok_or_else(|| {
                    anyhow!(
                        "unexpected git diff-tree output {:?}",
                        String::from_utf8_lossy(field)
                    )
                }));
            };
            let meta = String::from_utf8_lossy(meta);
            let parts: Vec<&str> = meta.split(' ').collect();
            let [old_mode, new_mode, old_id, new_id, status] = parts[..] else {
                return Some(Err(anyhow!("unexpected git diff-tree entry {meta:?}")));
            };
            let two_paths = status.starts_with('R') || status.starts_with('C');
            let path = if two_paths {
                fields.next();
                fields.next()
            } else {
                fields.next()
            };
            let Some(path) = path else {
                return Some(Err(anyhow!("git diff-tree entry {meta:?} has no path")));
            };
            let wanted = matches!(status.as_bytes()[0], b'A' | b'M' | b'R' | b'C' | b'T')
                && is_regular(new_mode);
            if !wanted {
                continue;
            }
            let (Ok(old), Ok(new)) = (Oid::from_str(old_id), Oid::from_str(new_id)) else {
                return Some(Err(anyhow!("unexpected git diff-tree entry {meta:?}")));
            };
            let old =
                (!status.starts_with('A') && is_regular(old_mode) && !old.is_zero()).then_some(old);
            return Some(Ok(RawItem::File(FileChange {
                path: RepoPath::new(path),
                old,
                new,
            })));
        }
    })
}

/// A regular or executable file, as an octal mode from git's raw output.
fn is_regular(mode: &str) -> bool {
    matches!(mode, "100644" | "100755")
}

/// The regular file at `path` in `tree`, if there is one.
fn blob_at(tree: &Tree, path: &RepoPath) -> Option<Oid> {
    let entry = tree.get_path(&repo_path_to_fs(path)).ok()?;
    matches!(entry.filemode(), 0o100644 | 0o100755).then(|| entry.id())
}

fn repo_path_to_fs(path: &RepoPath) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(std::ffi::OsStr::from_bytes(path.as_bytes()))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(path.to_string_lossy())
    }
}

/// Scans every distinct blob once per path, in parallel. Each worker has
/// its own repository handle: a `git2::Repository` cannot be shared between
/// threads.
fn scan_blobs(
    git_dir: PathBuf,
    blobs: &[DistinctBlob],
    engine: &Engine,
    progress: &Progress,
) -> Result<Vec<Vec<PathScan>>> {
    blobs
        .par_iter()
        .map_init(
            // From the environment like the main handle, so objects git
            // names there (a pre-receive hook's quarantine) are found too.
            Repository::open_from_env,
            |repo, blob| {
                let repo = repo.as_ref().map_err(|e| {
                    anyhow!(
                        "cannot open the repository at {}: {}",
                        git_dir.display(),
                        e.message()
                    )
                })?;
                if engine
                    .max_file_size()
                    .is_some_and(|limit| blob.size > limit)
                {
                    progress.file_done(blob.size);
                    let mut scans = Vec::with_capacity(blob.paths.len());
                    for path in &blob.paths {
                        if let Some(outcome) = engine.skip_too_large(path, None, blob.size)? {
                            scans.push(PathScan {
                                has_findings: !outcome.findings.is_empty(),
                                skipped: outcome.skipped,
                            });
                        }
                    }
                    return Ok(scans);
                }
                let blob_data = find_blob(repo, blob.oid, &blob.paths[0])?;
                let content = blob_data.content();
                let mut scans = Vec::with_capacity(blob.paths.len());
                for path in &blob.paths {
                    let outcome = engine.scan(&ScanInput {
                        path: path.clone(),
                        content,
                        added: AddedLines::All,
                        commit: None,
                    })?;
                    scans.push(PathScan {
                        has_findings: !outcome.findings.is_empty(),
                        skipped: outcome.skipped,
                    });
                }
                progress.file_done(blob.size);
                Ok(scans)
            },
        )
        .collect()
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
    repo: &Repository,
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
        let new_blob = find_blob(repo, blob.oid, path)?;
        let new = new_blob.content();
        // Added relative to every parent: one line set per parent.
        let mut added_per_parent = Vec::with_capacity(1 + change.other_parents.len());
        for old in std::iter::once(change.old).chain(change.other_parents.iter().copied()) {
            added_per_parent.push(match old {
                Some(old) => added_lines(find_blob(repo, old, path)?.content(), new),
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
            "commit {a}\nAda\0ada@example.invalid\x002024-05-01T10:00:00+02:00\n\
             commit {b} {a}\nBob\0bob@example.invalid\x002024-05-02T10:00:00Z\n"
        );
        let commits = parse_rev_list(out.as_bytes()).unwrap();
        assert_eq!(commits.len(), 2);
        assert!(commits[0].parents.is_empty());
        assert_eq!(commits[1].parents, vec![Oid::from_str(a).unwrap()]);
        assert_eq!(commits[1].info.id, b);
        assert_eq!(commits[0].info.author, "Ada <ada@example.invalid>");
        assert_eq!(commits[0].info.date, "2024-05-01T10:00:00+02:00");
    }

    #[test]
    fn raw_diff_output_keeps_files_with_content_and_the_renamed_to_path() {
        let c = "3333333333333333333333333333333333333333";
        let a = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        let b = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
        let z = "0000000000000000000000000000000000000000";
        let raw = format!(
            "{c}\0:000000 100644 {z} {a} A\0new.txt\0\
             :100644 100644 {a} {b} R087\0old name\0new name\0\
             :100644 000000 {a} {z} D\0gone\0\
             :000000 120000 {z} {a} A\0link\0\
             :000000 160000 {z} {a} A\0submodule\0"
        );
        let items: Vec<RawItem> = parse_raw_diff(raw.as_bytes())
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(items.len(), 3);
        assert!(matches!(&items[0], RawItem::Commit(id) if id.to_string() == c));
        let RawItem::File(added) = &items[1] else {
            panic!()
        };
        assert_eq!((added.path.as_bytes(), added.old), (&b"new.txt"[..], None));
        let RawItem::File(renamed) = &items[2] else {
            panic!()
        };
        assert_eq!(renamed.path.as_bytes(), b"new name");
        assert_eq!(renamed.old, Some(Oid::from_str(a).unwrap()));
        assert_eq!(renamed.new, Oid::from_str(b).unwrap());
    }

    #[test]
    fn revisions_that_look_like_options_are_refused() {
        let selection = CommitSelection {
            tips: Tips::These(vec!["--output=/tmp/x".into()]),
            exclude: Vec::new(),
            exclude_remote: None,
        };
        assert!(selection.rev_list_args().is_err());
        let nothing = CommitSelection {
            tips: Tips::These(Vec::new()),
            exclude: Vec::new(),
            exclude_remote: None,
        };
        assert_eq!(nothing.rev_list_args().unwrap(), None);
    }
}
