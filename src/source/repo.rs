//! Opening the repository the way git tells us to: `GIT_DIR`,
//! `GIT_WORK_TREE` and `GIT_INDEX_FILE` from the environment (a hook runs
//! with these set), else discovery from the current directory.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow};
use git2::Repository;

pub struct GitRepo {
    pub repo: Repository,
}

impl GitRepo {
    pub fn open_from_env() -> Result<Self> {
        // libgit2 re-hashes every object it reads to check its id; git
        // itself does not when reading (fsck does), and on a 128 MB commit
        // the SHA-1 cost a sixth of the scan. zlib still checks each
        // object's integrity. The setting is process-wide, so it covers
        // every handle opened after this one.
        git2::opts::strict_hash_verification(false);
        let repo = Repository::open_from_env().map_err(|err| {
            if err.message().contains("object format") {
                // libgit2 finds the repository but cannot read it; saying
                // "not a repository" would send the user the wrong way.
                return anyhow!(
                    "this repository uses an object format leakgate cannot read ({}).\n\
                     leakgate reads SHA-1 repositories only; repositories created with \
                     `git init --object-format=sha256` are not supported yet, so nothing \
                     staged here can be scanned and the commit is blocked",
                    err.message()
                );
            }
            anyhow!(
                "not inside a git repository ({}).\n\
                 Run leakgate from a repository, or give paths to scan files on disk: leakgate scan PATH",
                err.message()
            )
        })?;
        Ok(GitRepo { repo })
    }

    /// The top of the working tree; `None` for a bare repository.
    pub fn workdir(&self) -> Option<&Path> {
        self.repo.workdir()
    }

    /// A blob's bytes, or an error that names the path and what to do.
    pub fn read_blob(&self, oid: git2::Oid, path: &crate::path::RepoPath) -> Result<Vec<u8>> {
        let blob = self.repo.find_blob(oid).map_err(|err| {
            anyhow!(
                "cannot read the staged content of {path} (object {oid}): {}.\n\
                 The index points at an object the repository does not have; \
                 re-stage the file with `git add {path}` or check the repository with `git fsck`",
                err.message()
            )
        })?;
        Ok(blob.content().to_vec())
    }

    /// Turns paths given on the command line (relative to the current
    /// directory) into repository paths.
    pub fn repo_relative(&self, paths: &[PathBuf]) -> Result<Vec<String>> {
        let workdir = self
            .workdir()
            .ok_or_else(|| anyhow!("a bare repository has no staged files to name"))?;
        let workdir = workdir
            .canonicalize()
            .with_context(|| format!("cannot resolve the working tree {}", workdir.display()))?;
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        paths
            .iter()
            .map(|p| {
                let absolute = cwd.join(p);
                let resolved = canonicalize_lenient(&absolute);
                let relative = resolved.strip_prefix(&workdir).map_err(|_| {
                    anyhow!(
                        "{} is outside the repository at {}",
                        p.display(),
                        workdir.display()
                    )
                })?;
                Ok(relative.to_string_lossy().replace('\\', "/"))
            })
            .collect()
    }
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
