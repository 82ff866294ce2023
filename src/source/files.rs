//! The files source: files and directories on disk, for scans outside a
//! commit. Honours .gitignore but reads hidden files (`.env`, `.npmrc` are
//! where keys live) and never enters `.git`.

use std::path::{Path, PathBuf};

use anyhow::{Result, anyhow};
use ignore::WalkBuilder;

use super::Sink;
use crate::engine::ScanInput;
use crate::path::RepoPath;

pub fn scan_files(paths: &[PathBuf], sink: &mut dyn Sink) -> Result<()> {
    for root in paths {
        if !root.exists() {
            return Err(anyhow!("{}: no such file or directory", root.display()));
        }
        let walker = WalkBuilder::new(root)
            .hidden(false)
            .require_git(false)
            .filter_entry(|entry| entry.file_name() != ".git")
            .build();
        for entry in walker {
            let entry = entry.map_err(|e| anyhow!("cannot walk {}: {e}", root.display()))?;
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let path = entry.path();
            let shown = display_path(path);
            if let Some(limit) = sink.max_file_size() {
                // Checked before reading: the point of the limit is not to
                // load the file at all.
                let size = entry
                    .metadata()
                    .map_err(|e| anyhow!("cannot read {}: {e}", path.display()))?
                    .len();
                if size > limit {
                    sink.too_large(shown, size)?;
                    continue;
                }
            }
            let content =
                std::fs::read(path).map_err(|e| anyhow!("cannot read {}: {e}", path.display()))?;
            sink.blob(ScanInput::whole(shown, &content))?;
        }
    }
    Ok(())
}

/// The path as the user gave it, `/`-separated and without a leading `./`.
fn display_path(path: &Path) -> RepoPath {
    let text = path.to_string_lossy().replace('\\', "/");
    let text = text.strip_prefix("./").unwrap_or(&text);
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        if std::str::from_utf8(path.as_os_str().as_bytes()).is_err() {
            let bytes = path.as_os_str().as_bytes();
            let bytes = bytes.strip_prefix(b"./").unwrap_or(bytes);
            return RepoPath::new(bytes);
        }
    }
    RepoPath::new(text)
}
