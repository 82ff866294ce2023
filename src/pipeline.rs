//! The one way every source reaches the engine: a list of [`Job`]s scanned
//! in parallel by one shared [`Engine`].
//!
//! Sources (staged, history, pre-push, files) decide *what* to scan and
//! hand over jobs; this module only reads and scans:
//!
//! - A job is a blob (with the older blob its new lines are measured
//!   against, or none when every line is new) or a piece of text that is
//!   not a blob (a commit or tag message, a path), each with a location.
//! - A blob is read once however many paths it appears at, and scanned at
//!   each path, since rules and allowlists depend on the path.
//! - Each worker thread reads objects through its own
//!   [`ObjectReader`](crate::git::ObjectReader) (libgit2 handles must not
//!   be shared between threads), opened once per call and reused for every
//!   job that thread takes. It drops a job's bytes before taking the next,
//!   so memory holds a few blobs per thread, never the whole set.
//! - Results come back in job order and the first error in job order wins,
//!   so the report (and the error, if any) is the same as a sequential scan.
//! - Few jobs are scanned on the calling thread: a typical commit should
//!   not pay for starting threads.
//! - Progress (files and bytes done) is reported as jobs finish.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use anyhow::Result;

use crate::engine::{AddedLines, Engine, ScanInput, ScanOutcome};
use crate::finding::{CommitInfo, Finding};
use crate::git::{ObjectId, ObjectReader, ObjectStore};
use crate::path::RepoPath;
use crate::progress::Progress;
use crate::source::diff::added_lines;

/// Below this many jobs, scanning stays on the calling thread.
const PARALLEL_MIN_JOBS: usize = 16;

/// What a job scans.
#[derive(Debug, Clone)]
pub enum Content {
    /// A blob; when `diff_base` is given only lines new relative to that
    /// older blob count, else every line.
    Blob {
        id: ObjectId,
        diff_base: Option<ObjectId>,
    },
    /// Text that is not a blob (a commit message, a tag message, a path),
    /// every line new.
    Text(Vec<u8>),
}

/// One thing to scan, at one or more paths.
#[derive(Debug, Clone)]
pub struct Job {
    /// Where the content is (or what it is, for text); never empty.
    pub paths: Vec<RepoPath>,
    pub content: Content,
    /// The commit it belongs to (history, pre-push).
    pub commit: Option<CommitInfo>,
}

impl Job {
    /// A blob at `path`, its new lines measured against `diff_base`.
    pub fn blob(path: RepoPath, id: ObjectId, diff_base: Option<ObjectId>) -> Self {
        Job {
            paths: vec![path],
            content: Content::Blob { id, diff_base },
            commit: None,
        }
    }

    /// Text that is not a blob, shown at `location` (for example
    /// `commit 1a2b3c4 message`), optionally in `commit`.
    pub fn text(location: RepoPath, text: Vec<u8>, commit: Option<CommitInfo>) -> Self {
        Job {
            paths: vec![location],
            content: Content::Text(text),
            commit,
        }
    }
}

/// Where the findings of a [`file_names_job`] are before
/// [`place_file_name_findings`] moves them to their paths.
const FILE_NAMES_LOCATION: &str = "(file names)";

/// The names of `paths`, one a line, as one text job: a path is committed
/// and pushed like content, and scanning every name at once costs one scan.
pub fn file_names_job(paths: &[RepoPath], commit: Option<CommitInfo>) -> Option<Job> {
    if paths.is_empty() {
        return None;
    }
    let mut text = Vec::new();
    for path in paths {
        // A line break in a name would shift every later line.
        text.extend(
            path.as_bytes()
                .iter()
                .map(|&b| if b == b'\n' { b' ' } else { b }),
        );
        text.push(b'\n');
    }
    Some(Job::text(RepoPath::new(FILE_NAMES_LOCATION), text, commit))
}

/// Whether a scanned job is a [`file_names_job`].
pub fn is_file_names(location: &RepoPath) -> bool {
    location.as_bytes() == FILE_NAMES_LOCATION.as_bytes()
}

/// Moves each finding of a [`file_names_job`] over `paths` to the path it
/// was found in, shown as `PATH (file name)` on line 1.
pub fn place_file_name_findings(findings: &mut [Finding], paths: &[RepoPath]) {
    for finding in findings {
        if !is_file_names(&finding.path) {
            continue;
        }
        if let Some(path) = paths.get(finding.start.line as usize - 1) {
            let mut shown = path.as_bytes().to_vec();
            shown.extend_from_slice(b" (file name)");
            finding.path = RepoPath::new(shown);
            finding.end.line = finding.end.line + 1 - finding.start.line;
            finding.start.line = 1;
        }
    }
}

/// What scanning a job at one of its paths gave.
#[derive(Debug)]
pub struct Scanned {
    pub path: RepoPath,
    /// The content's size in bytes.
    pub size: u64,
    pub outcome: ScanOutcome,
}

/// Scans every job with `engine`, in parallel when there are many, and
/// returns for each job, in job order, one result per path.
pub fn scan(
    objects: &ObjectStore,
    engine: &Engine,
    jobs: Vec<Job>,
    progress: &Progress,
) -> Result<Vec<Vec<Scanned>>> {
    // Asked only for many jobs: the answer reads the cgroup's CPU quota
    // from /proc and /sys, three files a small commit need not open.
    let threads = match jobs.len() < PARALLEL_MIN_JOBS {
        true => 1,
        false => std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(jobs.len()),
    };
    if threads < 2 {
        let reader = objects.reader()?;
        return jobs
            .into_iter()
            .map(|job| scan_job(&reader, engine, job, progress))
            .collect();
    }
    let count = jobs.len();
    let queue: Vec<Mutex<Option<Job>>> = jobs.into_iter().map(|j| Mutex::new(Some(j))).collect();
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let results: Vec<Mutex<Option<Result<Vec<Scanned>>>>> =
        (0..count).map(|_| Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let reader = objects.reader();
                loop {
                    // After an error no new job starts; the jobs before it
                    // were all taken already and finish, so the first error
                    // in job order is still known.
                    if failed.load(Ordering::Relaxed) {
                        return;
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        return;
                    }
                    let job = lock(&queue[i]).take().expect("each job is taken once");
                    let result = match &reader {
                        Ok(reader) => scan_job(reader, engine, job, progress),
                        Err(err) => Err(anyhow::anyhow!("{err:#}")),
                    };
                    if result.is_err() {
                        failed.store(true, Ordering::Relaxed);
                    }
                    *lock(&results[i]) = Some(result);
                }
            });
        }
    });
    let mut out = Vec::with_capacity(count);
    for (i, slot) in results.into_iter().enumerate() {
        match slot.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some(result) => out.push(result?),
            // A job is left unrun only after an earlier-taken one failed,
            // and that error was returned above.
            None => anyhow::bail!("internal error: scan job {i} was never run"),
        }
    }
    Ok(out)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Reads one job's content, works out its new lines and scans it at each
/// path. A blob over the size limit is not read: its header tells its size.
fn scan_job(
    reader: &ObjectReader,
    engine: &Engine,
    job: Job,
    progress: &Progress,
) -> Result<Vec<Scanned>> {
    let Job {
        paths,
        content,
        commit,
    } = job;
    let first = paths.first().expect("a job has a path").clone();
    let (id, diff_base) = match content {
        Content::Text(text) => {
            let scanned = scan_at(engine, &paths, &text, &AddedLines::All, &commit)?;
            progress.file_done(text.len() as u64);
            return Ok(scanned);
        }
        Content::Blob { id, diff_base } => (id, diff_base),
    };
    if engine.max_file_size().is_some() {
        let size = reader.blob_size(id, &first)?;
        let mut scanned = Vec::with_capacity(paths.len());
        for path in &paths {
            match engine.skip_too_large(path, commit.as_ref(), size)? {
                Some(outcome) => scanned.push(Scanned {
                    path: path.clone(),
                    size,
                    outcome,
                }),
                None => break,
            }
        }
        if scanned.len() == paths.len() {
            progress.file_done(size);
            return Ok(scanned);
        }
    }
    let blob = reader.blob(id, &first)?;
    let bytes = blob.content();
    let added = match diff_base {
        None => AddedLines::All,
        Some(old) => added_lines(reader.blob(old, &first)?.content(), bytes),
    };
    let scanned = scan_at(engine, &paths, bytes, &added, &commit)?;
    progress.file_done(bytes.len() as u64);
    Ok(scanned)
}

fn scan_at(
    engine: &Engine,
    paths: &[RepoPath],
    content: &[u8],
    added: &AddedLines,
    commit: &Option<CommitInfo>,
) -> Result<Vec<Scanned>> {
    paths
        .iter()
        .map(|path| {
            let outcome = engine.scan(&ScanInput {
                path: path.clone(),
                content,
                added: added.clone(),
                commit: commit.clone(),
            })?;
            Ok(Scanned {
                path: path.clone(),
                size: content.len() as u64,
                outcome,
            })
        })
        .collect()
}
