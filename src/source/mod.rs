//! Sources: where the bytes to scan come from. Each source turns its input
//! (the staged index, commits in history or a push, files on disk) into
//! jobs for [`crate::pipeline`] (files on disk: [`ScanInput`]s through a
//! [`Sink`]). A source decides what to scan; it asks [`crate::git`] for
//! everything about the repository and knows nothing about rules or reports.

pub mod ci;
pub mod commit_msg;
pub mod committed;
pub mod diff;
pub mod files;
pub mod history;
pub mod pre_receive;
pub mod push;
pub mod staged;

use anyhow::Result;

use crate::engine::ScanInput;

/// Receives each blob a source produces; returning an error stops the scan.
pub trait Sink {
    fn blob(&mut self, input: ScanInput) -> Result<()>;
    /// A blob the source chose not to read, with the reason, so reports can
    /// list it instead of skipping it silently.
    fn skipped(&mut self, path: crate::path::RepoPath, reason: String);
    /// `[scan] max_file_size`: a file on disk larger than this is not read;
    /// the source calls [`Sink::too_large`] instead.
    fn max_file_size(&self) -> Option<u64> {
        None
    }
    /// A blob of `size` bytes over [`Sink::max_file_size`], not read.
    fn too_large(&mut self, path: crate::path::RepoPath, size: u64) -> Result<()>;
}
