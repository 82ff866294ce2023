//! The staged source: what `git commit` would record, read from the index
//! git points the hook at, compared with HEAD (or with nothing on the first
//! commit).
//!
//! The list of changed entries comes from git itself, `git diff-index
//! --cached -z --raw -M <HEAD or the empty tree>`. That was chosen by
//! measurement: on an 11,660-file repository git answers in about 4 ms,
//! where opening the index with libgit2 and diffing it against HEAD's tree
//! took about 17 ms (git skips unchanged directories using the index's
//! cache-tree; libgit2 reads every tree). git also reads every index format
//! (split index, sparse index) and honours `GIT_DIR`, `GIT_WORK_TREE` and
//! `GIT_INDEX_FILE`, which the child process inherits from the hook.
//! The process is started by [`start`] and collected by
//! [`PendingChanges::wait`], so the caller can build its engine meanwhile.
//!
//! Blob contents are read through [`crate::git::objects`] by [`crate::pipeline`].
//! This module never writes to the index or the repository.

use std::path::{Component, Path, PathBuf};
use std::process::Child;

use anyhow::{Context, Result, anyhow, bail};

use crate::git::raw::{self, RawChange, RawItem};
use crate::git::{ObjectId, Repo};
use crate::path::RepoPath;
use crate::pipeline::Job;

/// One entry the commit would add or change, with content to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedChange {
    pub path: RepoPath,
    /// The HEAD version it replaces (modified, renamed, type-changed from a
    /// file), whose lines are not new.
    pub old: Option<ObjectId>,
    pub new: ObjectId,
}

impl StagedChange {
    /// The job that scans this change's new lines.
    pub fn into_job(self) -> Job {
        Job::blob(self.path, self.new, self.old)
    }
}

/// What the index says about one path, relative to HEAD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexEntry {
    /// Staged with this content (added, modified, or renamed to the path).
    Staged(ObjectId),
    /// Not in the index: deleted, or renamed away.
    Absent,
    /// The same as in HEAD (or absent from both).
    AsInHead,
}

/// Every difference between the index and HEAD that git reported.
#[derive(Debug, Clone, Default)]
pub struct StagedDiff {
    entries: Vec<RawChange>,
}

/// A running `git diff-index`.
pub struct PendingChanges {
    child: Child,
}

/// Starts listing the staged changes, limited to `pathspecs` (repository
/// relative) when any are given. The base is the commit HEAD points at as
/// git resolves it for `git commit` (no namespace, no replacement).
pub fn start(repo: &Repo, pathspecs: &[String]) -> Result<PendingChanges> {
    let base = repo
        .head()
        .unwrap_or(repo.format().empty_tree())
        .to_string();
    start_against(&base, pathspecs)
}

/// Starts listing every staged change against `HEAD` before the caller
/// knows where the repository is, so that `git rev-parse` and `git
/// diff-index` run at once. `HEAD` is the commit `git commit` uses (replace
/// refs are off); before the first commit the listing fails, and the
/// caller starts again with [`start`].
pub fn start_against_head() -> Result<PendingChanges> {
    start_against("HEAD", &[])
}

impl PendingChanges {
    /// Drops a listing that is not needed, reaping its process.
    pub fn discard(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_against(base: &str, pathspecs: &[String]) -> Result<PendingChanges> {
    let mut args: Vec<String> = [
        "diff-index",
        "--cached",
        "-z",
        "--raw",
        "--no-abbrev",
        "-M",
        base,
        "--",
    ]
    .map(String::from)
    .into();
    // `top` because the paths are already relative to the top of the
    // working tree, while git runs in the current directory; `literal`
    // because names from the command line (or from the pre-commit
    // framework) are file or directory names, not globs: `a*.py` means
    // that file. The runner removes the variables that would override it.
    args.extend(pathspecs.iter().map(|p| format!(":(top,literal){p}")));
    let child = crate::git::command(&args)
        .spawn()
        .context("cannot run git (leakgate asks git for the staged changes; is git on PATH?)")?;
    Ok(PendingChanges { child })
}

impl PendingChanges {
    pub fn wait(self) -> Result<StagedDiff> {
        let output = self
            .child
            .wait_with_output()
            .context("cannot read the output of git diff-index")?;
        if !output.status.success() {
            bail!(
                "git diff-index failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        parse_raw(&output.stdout)
    }
}

/// The staged changes with content to scan, limited to `pathspecs`.
pub fn staged_changes(repo: &Repo, pathspecs: &[String]) -> Result<Vec<StagedChange>> {
    Ok(start(repo, pathspecs)?.wait()?.changes())
}

impl StagedDiff {
    /// Entries whose staged content is new: added, modified, renamed,
    /// copied or type-changed regular files (see [`RawChange::has_new_content`]).
    pub fn changes(&self) -> Vec<StagedChange> {
        self.entries
            .iter()
            .filter(|e| e.has_new_content())
            .map(|e| StagedChange {
                path: e.path.clone(),
                old: e.replaced(),
                new: e.new,
            })
            .collect()
    }

    /// Paths the commit adds to the tree (added, renamed or copied to),
    /// whatever they hold: a name is committed like content.
    pub fn new_paths(&self) -> Vec<RepoPath> {
        self.entries
            .iter()
            .filter(|e| matches!(e.status, b'A' | b'R' | b'C'))
            .map(|e| e.path.clone())
            .collect()
    }

    /// What the index holds at `path` compared with HEAD. Only meaningful
    /// when the listing was not limited to pathspecs that exclude `path`.
    pub fn index_entry(&self, path: &str) -> IndexEntry {
        let path = RepoPath::new(path);
        let mut entry = IndexEntry::AsInHead;
        for e in &self.entries {
            if e.path == path {
                return match e.status {
                    b'D' => IndexEntry::Absent,
                    _ => IndexEntry::Staged(e.new),
                };
            }
            if e.status == b'R' && e.source.as_ref() == Some(&path) {
                entry = IndexEntry::Absent;
            }
        }
        entry
    }
}

/// Parses `git diff-index -z --raw` output, which has no commit lines.
fn parse_raw(output: &[u8]) -> Result<StagedDiff> {
    let entries = raw::parse(output)?
        .into_iter()
        .map(|item| match item {
            RawItem::Change(change) => Ok(change),
            RawItem::Commit(id) => Err(anyhow!(
                "unexpected output from git diff-index: a commit id ({id})"
            )),
        })
        .collect::<Result<_>>()?;
    Ok(StagedDiff { entries })
}

/// A running `git ls-files --stage` for the names given on the command line.
pub struct PendingIndexFiles {
    child: Child,
    names: Vec<String>,
}

/// Starts listing what the index holds at exactly `names` (index paths),
/// for the names that have no staged change: `pre-commit run --all-files`
/// passes every tracked file, and a file with no staged change is scanned
/// whole (its index version), so a secret committed earlier is still found.
pub fn start_index_files(names: &[String]) -> Result<PendingIndexFiles> {
    let mut args = vec![
        "ls-files".to_string(),
        "--stage".into(),
        "-z".into(),
        "--".into(),
    ];
    args.extend(names.iter().map(|p| format!(":(top,literal){p}")));
    let child = crate::git::command(&args)
        .spawn()
        .context("cannot run git (leakgate asks git for the index; is git on PATH?)")?;
    Ok(PendingIndexFiles {
        child,
        names: names.to_vec(),
    })
}

impl PendingIndexFiles {
    /// Jobs that scan whole each named file whose index version is not
    /// among `changed` (the staged changes, scanned by their new lines).
    pub fn wait(self, changed: &[StagedChange]) -> Result<Vec<Job>> {
        let output = self
            .child
            .wait_with_output()
            .context("cannot read the output of git ls-files")?;
        if !output.status.success() {
            bail!(
                "git ls-files failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        let mut jobs = Vec::new();
        for record in output.stdout.split(|&b| b == 0).filter(|r| !r.is_empty()) {
            // `MODE ID STAGE\tPATH`
            let bad = || {
                anyhow!(
                    "unexpected output from git ls-files: {:?}",
                    String::from_utf8_lossy(record)
                )
            };
            let tab = memchr::memchr(b'\t', record).ok_or_else(bad)?;
            let meta = std::str::from_utf8(&record[..tab]).map_err(|_| bad())?;
            let path = RepoPath::new(&record[tab + 1..]);
            let [mode, id, _stage] = meta.split(' ').collect::<Vec<_>>()[..] else {
                return Err(bad());
            };
            let mode = u32::from_str_radix(mode, 8).map_err(|_| bad())?;
            let named = self.names.iter().any(|n| n.as_bytes() == path.as_bytes());
            let content = raw::has_content(mode);
            if named && content && !changed.iter().any(|c| c.path == path) {
                jobs.push(Job::blob(path, ObjectId::from_hex(id)?, None));
            }
        }
        Ok(jobs)
    }
}

/// Where top-level files (config, ignore list, baseline) are in HEAD's
/// tree, looked up while git lists the staged changes.
#[derive(Debug, Default)]
pub struct HeadFiles {
    blobs: Vec<(String, ObjectId)>,
}

impl HeadFiles {
    /// The blob HEAD has for `name`, if any.
    pub fn blob(&self, name: &str) -> Option<ObjectId> {
        self.blobs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, id)| *id)
    }
}

/// Looks `names` up in the tree of `commit` (none before the first commit).
pub fn commit_files(repo: &Repo, commit: Option<ObjectId>, names: &[&str]) -> Result<HeadFiles> {
    let Some(commit) = commit else {
        return Ok(HeadFiles::default());
    };
    let reader = repo.objects().reader()?;
    let tree = reader.commit_tree(commit)?;
    let mut blobs = Vec::new();
    for (name, entry) in names.iter().zip(reader.top_entries(tree, names)?) {
        if let Some((mode, id)) = entry
            && raw::is_regular_file(mode)
        {
            blobs.push((name.to_string(), id));
        }
    }
    Ok(HeadFiles { blobs })
}

/// Looks `names` up in HEAD's tree (none before the first commit).
pub fn head_files(repo: &Repo, names: &[&str]) -> Result<HeadFiles> {
    commit_files(repo, repo.head(), names)
}

/// The bytes of a blob, read once (configuring files).
pub fn read_blob(repo: &Repo, id: ObjectId, name: &str) -> Result<Vec<u8>> {
    let reader = repo.objects().reader()?;
    Ok(reader.blob(id, &RepoPath::new(name))?.content().to_vec())
}

/// The staged bytes of a file at the top of the repository, if the index
/// has it: what is committed is what applies. `diff` must not have been
/// limited by pathspecs that exclude `name`; `head` must have looked it up.
pub fn staged_file(
    repo: &Repo,
    diff: &StagedDiff,
    head: &HeadFiles,
    name: &str,
) -> Result<Option<Vec<u8>>> {
    let id = match diff.index_entry(name) {
        IndexEntry::Staged(id) => id,
        IndexEntry::Absent => return Ok(None),
        IndexEntry::AsInHead => match head.blob(name) {
            Some(id) => id,
            None => return Ok(None),
        },
    };
    Ok(Some(read_blob(repo, id, name)?))
}

/// Turns names given on the command line (relative to the current
/// directory) into index paths. Names are taken as written: a directory
/// that is now a symlink in the working tree does not redirect them, since
/// the index may still hold files under that name.
pub fn index_paths(repo: &Repo, names: &[PathBuf]) -> Result<Vec<String>> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let top = repo.workdir().ok_or_else(|| {
        anyhow!("a bare repository without a working tree has no staged files to name")
    })?;
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let cwd = cwd.canonicalize().unwrap_or(cwd);
    names
        .iter()
        .map(|name| {
            let absolute = normalize(&cwd.join(name));
            let relative = match absolute.strip_prefix(top) {
                Ok(relative) => relative.to_path_buf(),
                // Reached through a symlink outside the working tree (a
                // symlinked home directory, say): compare resolved forms.
                Err(_) => canonicalize_lenient(&absolute)
                    .strip_prefix(top)
                    .map(Path::to_path_buf)
                    .map_err(|_| {
                        anyhow!(
                            "{} is outside the repository at {}",
                            name.display(),
                            top.display()
                        )
                    })?,
            };
            Ok(relative.to_string_lossy().replace('\\', "/"))
        })
        .collect()
}

/// Resolves `.` and `..` without looking at the disk.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

/// Canonicalizes the deepest existing ancestor, so a path that was deleted
/// from the working tree (but is still staged) resolves too.
fn canonicalize_lenient(path: &Path) -> PathBuf {
    if let Ok(resolved) = path.canonicalize() {
        return resolved;
    }
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => canonicalize_lenient(parent).join(name),
        _ => path.to_path_buf(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const B: &str = "2222222222222222222222222222222222222222";
    const Z: &str = "0000000000000000000000000000000000000000";

    #[test]
    fn the_index_entry_of_a_path_follows_renames_and_deletions() {
        let mut out = Vec::new();
        for (header, paths) in [
            (format!(":100644 100644 {A} {B} M"), vec!["mod.py"]),
            (format!(":100644 000000 {A} {Z} D"), vec!["gone.py"]),
            (
                format!(":100644 100644 {A} {B} R087"),
                vec!["old name.py", "new name.py"],
            ),
        ] {
            out.extend_from_slice(header.as_bytes());
            out.push(0);
            for p in paths {
                out.extend_from_slice(p.as_bytes());
                out.push(0);
            }
        }
        let diff = parse_raw(&out).unwrap();
        let b = ObjectId::from_hex(B).unwrap();
        assert_eq!(diff.index_entry("mod.py"), IndexEntry::Staged(b));
        assert_eq!(diff.index_entry("gone.py"), IndexEntry::Absent);
        assert_eq!(diff.index_entry("old name.py"), IndexEntry::Absent);
        assert_eq!(diff.index_entry("new name.py"), IndexEntry::Staged(b));
        assert_eq!(diff.index_entry("other.py"), IndexEntry::AsInHead);
        assert!(
            parse_raw(A.as_bytes()).is_err(),
            "diff-index prints no commits"
        );
    }

    #[test]
    fn names_are_normalized_without_following_symlinks() {
        assert_eq!(
            normalize(Path::new("/r/./src/../src/a.py")),
            PathBuf::from("/r/src/a.py")
        );
    }
}
