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
//! Blob contents are read in-process with libgit2 ([`crate::pipeline`]).
//! This module never writes to the index or the repository.

use std::process::{Child, Command, Stdio};

use anyhow::{Context, Result, anyhow, bail};
use git2::Oid;

use super::repo::GitRepo;
use crate::path::RepoPath;
use crate::pipeline::{BlobJob, NewLines};

/// git's well-known id of the empty tree, which every repository has
/// without storing it: the first commit is compared with it.
const EMPTY_TREE: &str = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

/// One entry the commit would add or change, with content to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedChange {
    pub path: RepoPath,
    /// The HEAD version it replaces (modified, renamed, type-changed from a
    /// file), whose lines are not new.
    pub old: Option<Oid>,
    pub new: Oid,
}

impl StagedChange {
    /// The blob job that scans this change's new lines.
    pub fn into_job(self) -> BlobJob {
        BlobJob {
            path: self.path,
            blob: self.new,
            new_lines: match self.old {
                Some(old) => NewLines::DiffAgainst(old),
                None => NewLines::All,
            },
            commit: None,
        }
    }
}

/// What the index says about one path, relative to HEAD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexEntry {
    /// Staged with this content (added, modified, or renamed to the path).
    Staged(Oid),
    /// Not in the index: deleted, or renamed away.
    Absent,
    /// The same as in HEAD (or absent from both).
    AsInHead,
}

/// One line of `git diff-index --raw` output.
#[derive(Debug, Clone)]
struct RawEntry {
    status: u8,
    old_mode: u32,
    new_mode: u32,
    old: Oid,
    new: Oid,
    /// The path before a rename or copy.
    source: Option<RepoPath>,
    path: RepoPath,
}

/// Every difference between the index and HEAD that git reported.
#[derive(Debug, Clone, Default)]
pub struct StagedDiff {
    entries: Vec<RawEntry>,
}

/// A running `git diff-index`.
pub struct PendingChanges {
    child: Child,
}

/// Starts listing the staged changes, limited to `pathspecs` (repository
/// relative) when any are given.
pub fn start(repo: &GitRepo, pathspecs: &[String]) -> Result<PendingChanges> {
    let base = match head_commit(repo)? {
        Some(commit) => commit.to_string(),
        None => EMPTY_TREE.to_string(),
    };
    let mut command = Command::new("git");
    command
        .args([
            "diff-index",
            "--cached",
            "-z",
            "--raw",
            "--no-abbrev",
            "-M",
            &base,
            "--",
        ])
        // `top` because the paths are already relative to the top of the
        // working tree, while git runs in the current directory; `literal`
        // because names from the command line (or from the pre-commit
        // framework) are file or directory names, not globs: `a*.py` means
        // that file.
        .args(pathspecs.iter().map(|p| format!(":(top,literal){p}")))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command
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
pub fn staged_changes(repo: &GitRepo, pathspecs: &[String]) -> Result<Vec<StagedChange>> {
    Ok(start(repo, pathspecs)?.wait()?.changes())
}

/// HEAD's commit, or `None` before the first commit.
fn head_commit(repo: &GitRepo) -> Result<Option<Oid>> {
    match repo.repo.head() {
        Ok(head) => {
            let commit = head
                .peel_to_commit()
                .map_err(|e| anyhow!("cannot read HEAD's commit: {}", e.message()))?;
            Ok(Some(commit.id()))
        }
        Err(e)
            if e.code() == git2::ErrorCode::UnbornBranch
                || e.code() == git2::ErrorCode::NotFound =>
        {
            Ok(None)
        }
        Err(e) => Err(anyhow!("cannot resolve HEAD: {}", e.message())),
    }
}

const MODE_FILE: u32 = 0o100644;
const MODE_EXECUTABLE: u32 = 0o100755;

fn is_regular_file(mode: u32) -> bool {
    mode == MODE_FILE || mode == MODE_EXECUTABLE
}

impl StagedDiff {
    /// Entries whose staged content is new: added, modified, renamed,
    /// copied or type-changed regular files. Deletions, submodules
    /// (gitlinks) and symlinks carry no content to scan and are left out;
    /// so are unmerged entries, which git will not commit.
    pub fn changes(&self) -> Vec<StagedChange> {
        self.entries
            .iter()
            .filter(|e| matches!(e.status, b'A' | b'M' | b'R' | b'C' | b'T'))
            .filter(|e| is_regular_file(e.new_mode))
            .map(|e| StagedChange {
                path: e.path.clone(),
                old: (e.status != b'A' && is_regular_file(e.old_mode) && !e.old.is_zero())
                    .then_some(e.old),
                new: e.new,
            })
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

/// Parses `git diff-index -z --raw` output:
/// `:OLDMODE NEWMODE OLDID NEWID STATUS\0PATH\0`, with a second path (the
/// new one) for renames and copies.
fn parse_raw(output: &[u8]) -> Result<StagedDiff> {
    let mut fields = output.split(|&b| b == 0);
    let mut entries = Vec::new();
    let bad = |what: &str, text: &[u8]| {
        anyhow!(
            "unexpected output from git diff-index ({what}): {:?}",
            String::from_utf8_lossy(text)
        )
    };
    while let Some(header) = fields.next() {
        if header.is_empty() {
            continue;
        }
        let text = std::str::from_utf8(header).map_err(|_| bad("header", header))?;
        let text = text
            .strip_prefix(':')
            .ok_or_else(|| bad("header", header))?;
        let parts: Vec<&str> = text.split(' ').collect();
        let [old_mode, new_mode, old, new, status] = parts[..] else {
            return Err(bad("header", header));
        };
        let mode = |m: &str| u32::from_str_radix(m, 8).map_err(|_| bad("mode", header));
        let oid = |o: &str| Oid::from_str(o).map_err(|_| bad("object id", header));
        let status = *status
            .as_bytes()
            .first()
            .ok_or_else(|| bad("status", header))?;
        let first = fields.next().ok_or_else(|| bad("path", header))?;
        let (source, path) = if matches!(status, b'R' | b'C') {
            let second = fields.next().ok_or_else(|| bad("path", header))?;
            (Some(RepoPath::new(first)), RepoPath::new(second))
        } else {
            (None, RepoPath::new(first))
        };
        entries.push(RawEntry {
            status,
            old_mode: mode(old_mode)?,
            new_mode: mode(new_mode)?,
            old: oid(old)?,
            new: oid(new)?,
            source,
            path,
        });
    }
    Ok(StagedDiff { entries })
}

/// Where top-level files (config, ignore list, baseline) are in HEAD's
/// tree, looked up while git lists the staged changes.
#[derive(Debug, Default)]
pub struct HeadFiles {
    blobs: Vec<(String, Oid)>,
}

/// Looks `names` up in HEAD's tree (none before the first commit).
pub fn head_files(repo: &GitRepo, names: &[&str]) -> Result<HeadFiles> {
    let Some(commit) = head_commit(repo)? else {
        return Ok(HeadFiles::default());
    };
    let tree = repo
        .repo
        .find_commit(commit)
        .and_then(|c| c.tree())
        .map_err(|e| anyhow!("cannot read HEAD's tree: {}", e.message()))?;
    let blobs = names
        .iter()
        .filter_map(|name| {
            let entry = tree.get_name(name)?;
            (entry.kind() == Some(git2::ObjectType::Blob)).then(|| (name.to_string(), entry.id()))
        })
        .collect();
    Ok(HeadFiles { blobs })
}

/// The staged bytes of a file at the top of the repository, if the index
/// has it: what is committed is what applies. `diff` must not have been
/// limited by pathspecs that exclude `name`; `head` must have looked it up.
pub fn staged_file(
    repo: &GitRepo,
    diff: &StagedDiff,
    head: &HeadFiles,
    name: &str,
) -> Result<Option<Vec<u8>>> {
    let oid = match diff.index_entry(name) {
        IndexEntry::Staged(oid) => oid,
        IndexEntry::Absent => return Ok(None),
        IndexEntry::AsInHead => match head.blobs.iter().find(|(n, _)| n == name) {
            Some((_, oid)) => *oid,
            None => return Ok(None),
        },
    };
    Ok(Some(repo.read_blob(oid, &RepoPath::new(name))?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const B: &str = "2222222222222222222222222222222222222222";
    const Z: &str = "0000000000000000000000000000000000000000";

    fn raw(records: &[(&str, &[&str])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (header, paths) in records {
            out.extend_from_slice(header.as_bytes());
            out.push(0);
            for p in *paths {
                out.extend_from_slice(p.as_bytes());
                out.push(0);
            }
        }
        out
    }

    #[test]
    fn raw_output_becomes_changes_with_content() {
        let diff = parse_raw(&raw(&[
            (&format!(":100644 100644 {A} {B} M"), &["mod.py"]),
            (&format!(":000000 100755 {Z} {B} A"), &["new.sh"]),
            (&format!(":100644 000000 {A} {Z} D"), &["gone.py"]),
            (
                &format!(":100644 100644 {A} {B} R087"),
                &["old name.py", "new name.py"],
            ),
            (&format!(":000000 160000 {Z} {B} A"), &["submodule"]),
            (&format!(":000000 120000 {Z} {B} A"), &["link"]),
            (&format!(":120000 100644 {A} {B} T"), &["was-link"]),
        ]))
        .unwrap();
        let a = Oid::from_str(A).unwrap();
        let b = Oid::from_str(B).unwrap();
        let change = |path: &str, old| StagedChange {
            path: RepoPath::new(path),
            old,
            new: b,
        };
        assert_eq!(
            diff.changes(),
            vec![
                change("mod.py", Some(a)),
                change("new.sh", None),
                change("new name.py", Some(a)),
                change("was-link", None),
            ]
        );
        assert_eq!(diff.index_entry("mod.py"), IndexEntry::Staged(b));
        assert_eq!(diff.index_entry("gone.py"), IndexEntry::Absent);
        assert_eq!(diff.index_entry("old name.py"), IndexEntry::Absent);
        assert_eq!(diff.index_entry("new name.py"), IndexEntry::Staged(b));
        assert_eq!(diff.index_entry("other.py"), IndexEntry::AsInHead);
    }

    #[test]
    fn malformed_output_is_an_error_not_an_empty_list() {
        assert!(parse_raw(b":100644 100644 xyz").is_err());
        assert!(parse_raw(format!(":100644 100644 {A} {B} M").as_bytes()).is_err());
        assert!(parse_raw(b"").unwrap().changes().is_empty());
    }
}
