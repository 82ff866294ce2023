//! Sources: where the bytes to scan come from. Each source turns its input
//! (the staged index, files on disk, commits in history) into [`ScanInput`]s for the engine and
//! knows nothing about rules or reports.

pub mod diff;
pub mod files;
pub mod history;
pub mod push;
pub mod repo;
pub mod staged;

use anyhow::Result;

use crate::engine::ScanInput;

/// Receives each blob a source produces; returning an error stops the scan.
pub trait Sink {
    fn blob(&mut self, input: ScanInput) -> Result<()>;
    /// A blob the source chose not to read, with the reason, so reports can
    /// list it instead of skipping it silently.
    fn skipped(&mut self, path: crate::path::RepoPath, reason: String);
}
