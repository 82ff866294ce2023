//! Scanning many blobs of one repository on every core.
//!
//! [`scan_blobs`] takes a list of [`BlobJob`]s (a path, the blob to read,
//! how to tell which of its lines are new, and the commit it belongs to) and
//! scans them in parallel with one shared [`Engine`]. Sources decide *what*
//! to scan; this module only reads and scans:
//!
//! - Each worker thread reads objects through its own libgit2 repository
//!   handle (libgit2 handles must not be shared between threads), opened at
//!   most once per thread per call with the caller's `open` function and
//!   reused for every job that thread runs.
//! - A worker reads one job's blob (and the old version it is diffed
//!   against), scans it and drops the bytes before taking the next job, so
//!   memory holds a few blobs per thread, never the whole set.
//! - Results come back in job order and the first error in job order wins,
//!   so the report (and the error, if any) is the same as a sequential scan.
//! - Few jobs are scanned on the calling thread with the caller's handle:
//!   a typical commit should not pay for opening more repositories.
//!
//! The staged source hands it one job per changed file. A history source can
//! hand it one job per distinct blob, with [`NewLines::DiffAgainst`] for the
//! parent's version or [`NewLines::Known`] when it has the line ranges.

use std::ops::Range;
use std::sync::Mutex;

use anyhow::{Result, anyhow};
use git2::{Oid, Repository};
use rayon::prelude::*;

use crate::engine::{AddedLines, Engine, ScanInput, ScanOutcome};
use crate::finding::CommitInfo;
use crate::path::RepoPath;
use crate::source::diff::added_lines;

/// Below this many jobs, scanning stays on the calling thread.
const PARALLEL_MIN_JOBS: usize = 16;

/// How to find which lines of a job's blob are new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewLines {
    /// Every line (an added file).
    All,
    /// The lines that differ from this older blob.
    DiffAgainst(Oid),
    /// Already known: 1-based, end-exclusive line ranges.
    Known(Vec<Range<u32>>),
}

/// One blob to read and scan.
#[derive(Debug, Clone)]
pub struct BlobJob {
    pub path: RepoPath,
    pub blob: Oid,
    pub new_lines: NewLines,
    pub commit: Option<CommitInfo>,
}

/// What scanning one job gave.
#[derive(Debug)]
pub struct ScannedBlob {
    pub path: RepoPath,
    /// The blob's size in bytes.
    pub size: u64,
    pub outcome: ScanOutcome,
}

/// Scans every job with `engine`, in parallel when there are many, and
/// returns one result per job in job order. `repo` serves the calling
/// thread; `open` opens a handle on the same repository for a worker.
pub fn scan_blobs<F>(
    repo: &Repository,
    open: F,
    engine: &Engine,
    jobs: Vec<BlobJob>,
) -> Result<Vec<ScannedBlob>>
where
    F: Fn() -> Result<Repository> + Sync,
{
    if jobs.len() < PARALLEL_MIN_JOBS || rayon::current_num_threads() < 2 {
        return jobs
            .into_iter()
            .map(|job| scan_job(repo, engine, job))
            .collect();
    }
    let handles = HandlePool {
        open: &open,
        idle: Mutex::new(Vec::new()),
    };
    let results: Vec<Result<ScannedBlob>> = jobs
        .into_par_iter()
        .map_init(
            || handles.take(),
            |handle, job| match handle {
                Ok(handle) => scan_job(handle.repo(), engine, job),
                Err(err) => Err(anyhow!("{err:#}")),
            },
        )
        .collect();
    results.into_iter().collect()
}

/// Reads one job's blob, works out its new lines and scans it. A blob over
/// the size limit is not read: git's object header tells its size.
fn scan_job(repo: &Repository, engine: &Engine, job: BlobJob) -> Result<ScannedBlob> {
    if engine.max_file_size().is_some() {
        let size = blob_size(repo, job.blob, &job.path)?;
        if let Some(outcome) = engine.skip_too_large(&job.path, job.commit.as_ref(), size)? {
            return Ok(ScannedBlob {
                path: job.path,
                size,
                outcome,
            });
        }
    }
    let blob = find_blob(repo, job.blob, &job.path)?;
    let content = blob.content();
    let added = match job.new_lines {
        NewLines::All => AddedLines::All,
        NewLines::Known(ranges) => AddedLines::Ranges(ranges),
        NewLines::DiffAgainst(old) => {
            let old = find_blob(repo, old, &job.path)?;
            added_lines(old.content(), content)
        }
    };
    let input = ScanInput {
        path: job.path,
        content,
        added,
        commit: job.commit,
    };
    let outcome = engine.scan(&input)?;
    Ok(ScannedBlob {
        path: input.path,
        size: content.len() as u64,
        outcome,
    })
}

/// A blob's size from its object header, without inflating it.
fn blob_size(repo: &Repository, oid: Oid, path: &RepoPath) -> Result<u64> {
    let odb = repo
        .odb()
        .map_err(|err| anyhow!("cannot open the object database: {}", err.message()))?;
    let (size, _) = odb
        .read_header(oid)
        .map_err(|err| missing_object(oid, path, &err))?;
    Ok(size as u64)
}

/// A blob, or an error that names the path and what to do.
pub fn find_blob<'r>(repo: &'r Repository, oid: Oid, path: &RepoPath) -> Result<git2::Blob<'r>> {
    repo.find_blob(oid)
        .map_err(|err| missing_object(oid, path, &err))
}

fn missing_object(oid: Oid, path: &RepoPath, err: &git2::Error) -> anyhow::Error {
    anyhow!(
        "cannot read the content of {path} (object {oid}): {}.\n\
         The index or history points at an object the repository does not have; \
         re-stage the file with `git add {path}` or check the repository with `git fsck`",
        err.message()
    )
}

/// Repository handles for worker threads: taken by a rayon task, given back
/// when it ends, so no more are opened than tasks run at once.
struct HandlePool<'a, F> {
    open: &'a F,
    idle: Mutex<Vec<Repository>>,
}

impl<'a, F> HandlePool<'a, F>
where
    F: Fn() -> Result<Repository>,
{
    fn take(&'a self) -> Result<PooledHandle<'a, F>> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let repo = match idle {
            Some(repo) => repo,
            None => (self.open)()?,
        };
        Ok(PooledHandle {
            pool: self,
            repo: Some(repo),
        })
    }
}

struct PooledHandle<'a, F> {
    pool: &'a HandlePool<'a, F>,
    repo: Option<Repository>,
}

impl<F> PooledHandle<'_, F> {
    fn repo(&self) -> &Repository {
        self.repo
            .as_ref()
            .expect("a pooled handle holds a repository until dropped")
    }
}

impl<F> Drop for PooledHandle<'_, F> {
    fn drop(&mut self) {
        if let Some(repo) = self.repo.take() {
            self.pool
                .idle
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(repo);
        }
    }
}
