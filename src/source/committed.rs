//! The configuring files (`.leakgate.toml`, a gitleaks config,
//! `.gitleaksignore`, the baseline) as a commit has them.
//!
//! The server and CI scan changes someone else wrote, so their config must
//! come from a commit the change cannot alter: the default branch before
//! the push, or the base of a pull request. The files are looked up in the
//! commit's tree and read through the git layer, like every other object.
//! This module reads; it never changes refs, the index or the working tree.

use anyhow::Result;

use crate::baseline::{BASELINE_FILE_NAME, Baseline};
use crate::config::{LoadedConfig, SourceText};
use crate::git::{ObjectId, Repo};
use crate::scan::{TOP_FILES, config_from};
use crate::source::staged;

/// The config and baseline a commit carries.
#[derive(Default)]
pub struct CommittedConfig {
    pub config: Option<LoadedConfig>,
    pub baseline: Option<Baseline>,
}

/// Reads the configuring files at the top of `commit`'s tree; no commit
/// (the unborn `HEAD` of an empty repository) has none.
pub fn config_at(repo: &Repo, commit: Option<ObjectId>) -> Result<CommittedConfig> {
    let Some(commit) = commit else {
        return Ok(CommittedConfig::default());
    };
    let files = staged::commit_files(repo, Some(commit), &TOP_FILES)?;
    let short = commit.to_string()[..12].to_string();
    let read = |name: &str| -> Result<Option<Vec<u8>>> {
        files
            .blob(name)
            .map(|id| staged::read_blob(repo, id, name))
            .transpose()
    };
    let label = |name: &str| format!("{name} (committed in {short})");
    let config = config_from(|name| {
        read(name)?
            .map(|bytes| SourceText::from_bytes(label(name), &bytes))
            .transpose()
    })?;
    let baseline = read(BASELINE_FILE_NAME)?
        .map(|bytes| Baseline::parse(&label(BASELINE_FILE_NAME), &bytes))
        .transpose()?;
    Ok(CommittedConfig { config, baseline })
}
