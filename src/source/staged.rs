//! The staged source: what `git commit` would record, read from the index
//! git points the hook at, compared with HEAD (or with nothing on the first
//! commit).
//!
//! Finding the changed entries is one function, [`staged_changes`], so how
//! it is done can change without touching blob reading or the engine.

use anyhow::{Result, anyhow};
use git2::{Delta, DiffFindOptions, DiffOptions, FileMode, Oid};

use super::Sink;
use super::diff::added_lines;
use super::repo::GitRepo;
use crate::engine::{AddedLines, ScanInput};
use crate::path::RepoPath;

/// One entry the commit would add or change.
#[derive(Debug, Clone)]
pub struct StagedChange {
    pub path: RepoPath,
    /// The HEAD version it replaces (modified, renamed, copied entries).
    pub old: Option<Oid>,
    pub new: Oid,
}

/// Entries whose staged content differs from HEAD, limited to `pathspecs`
/// when any are given. Deletions, submodules and symlinks carry no content
/// to scan and are left out.
pub fn staged_changes(repo: &GitRepo, pathspecs: &[String]) -> Result<Vec<StagedChange>> {
    let git = &repo.repo;
    let head_tree = match git.head() {
        Ok(head) => Some(
            head.peel_to_tree()
                .map_err(|e| anyhow!("cannot read HEAD's tree: {}", e.message()))?,
        ),
        Err(e)
            if e.code() == git2::ErrorCode::UnbornBranch
                || e.code() == git2::ErrorCode::NotFound =>
        {
            None
        }
        Err(e) => return Err(anyhow!("cannot resolve HEAD: {}", e.message())),
    };
    let index = git.index().map_err(|e| {
        anyhow!(
            "cannot read the git index: {}.\n\
             If the repository uses a split index (core.splitIndex), this version of leakgate cannot read it",
            e.message()
        )
    })?;
    let mut options = DiffOptions::new();
    // Names from the command line (or from the pre-commit framework) are
    // literal file or directory names, not globs: `a*.py` means that file.
    options
        .include_typechange(true)
        .ignore_submodules(true)
        .disable_pathspec_match(true);
    for spec in pathspecs {
        options.pathspec(spec);
    }
    let mut diff = git
        .diff_tree_to_index(head_tree.as_ref(), Some(&index), Some(&mut options))
        .map_err(|e| anyhow!("cannot compare the index with HEAD: {}", e.message()))?;
    let mut find = DiffFindOptions::new();
    find.renames(true).copies(false);
    diff.find_similar(Some(&mut find))
        .map_err(|e| anyhow!("cannot detect renames: {}", e.message()))?;

    let mut changes = Vec::new();
    for delta in diff.deltas() {
        if !matches!(
            delta.status(),
            Delta::Added | Delta::Modified | Delta::Renamed | Delta::Copied | Delta::Typechange
        ) {
            continue;
        }
        let new_file = delta.new_file();
        if !matches!(new_file.mode(), FileMode::Blob | FileMode::BlobExecutable) {
            continue;
        }
        let old_file = delta.old_file();
        let old = (delta.status() != Delta::Added
            && matches!(old_file.mode(), FileMode::Blob | FileMode::BlobExecutable)
            && !old_file.id().is_zero())
        .then(|| old_file.id());
        let path = new_file
            .path_bytes()
            .ok_or_else(|| anyhow!("a staged entry has no path"))?;
        changes.push(StagedChange {
            path: RepoPath::new(path),
            old,
            new: new_file.id(),
        });
    }
    Ok(changes)
}

/// Reads each staged change and hands it to `sink` with its new lines.
pub fn scan_staged(repo: &GitRepo, pathspecs: &[String], sink: &mut dyn Sink) -> Result<()> {
    for change in staged_changes(repo, pathspecs)? {
        let new = repo.read_blob(change.new, &change.path)?;
        let added = match change.old {
            Some(old) => added_lines(&repo.read_blob(old, &change.path)?, &new),
            None => AddedLines::All,
        };
        sink.blob(ScanInput {
            path: change.path,
            content: &new,
            added,
            commit: None,
        })?;
    }
    Ok(())
}

/// The staged bytes of one path, if the index has it (used for the config
/// file: what is committed is what applies).
pub fn staged_blob(repo: &GitRepo, path: &str) -> Result<Option<Vec<u8>>> {
    let index = repo
        .repo
        .index()
        .map_err(|e| anyhow!("cannot read the git index: {}", e.message()))?;
    match index.get_path(std::path::Path::new(path), 0) {
        Some(entry) => Ok(Some(repo.read_blob(entry.id, &RepoPath::new(path))?)),
        None => Ok(None),
    }
}
