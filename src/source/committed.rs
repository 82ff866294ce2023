//! The configuring files (`.leakgate.toml`, a gitleaks config,
//! `.gitleaksignore`, the baseline) as a commit has them.
//!
//! The server and CI scan changes someone else wrote, so their config must
//! come from a commit the change cannot alter: the default branch before
//! the push, or the base of a pull request. One `git cat-file --batch` reads
//! all four files, through git so that any repository git can read (a
//! quarantine, reftable, SHA-256) works. This module reads; it never
//! changes refs, the index or the working tree.

use std::io::Write;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, anyhow, bail};

use crate::baseline::{BASELINE_FILE_NAME, Baseline};
use crate::config::{LoadedConfig, SourceText};
use crate::scan::{TOP_FILES, config_from};

/// The config and baseline a commit carries.
#[derive(Default)]
pub struct CommittedConfig {
    pub config: Option<LoadedConfig>,
    pub baseline: Option<Baseline>,
}

/// Reads the configuring files at the top of `rev`'s tree. A revision that
/// does not exist yet (the unborn `HEAD` of an empty repository) has none.
pub fn config_at(rev: &str) -> Result<CommittedConfig> {
    if rev.is_empty() || rev.starts_with('-') || rev.contains(['\n', ':']) {
        bail!("{rev:?} is not a revision to read the config from");
    }
    let files = read_files(rev, &TOP_FILES)?;
    let label = |name: &str| format!("{name} (at {})", short(rev));
    let file = |name: &str| -> Result<Option<SourceText>> {
        let index = TOP_FILES
            .iter()
            .position(|n| *n == name)
            .expect("a top file");
        files[index]
            .as_ref()
            .map(|bytes| SourceText::from_bytes(label(name), bytes))
            .transpose()
    };
    let config = config_from(file)?;
    let baseline_index = TOP_FILES
        .iter()
        .position(|n| *n == BASELINE_FILE_NAME)
        .expect("the baseline is a top file");
    let baseline = files[baseline_index]
        .as_ref()
        .map(|bytes| Baseline::parse(&label(BASELINE_FILE_NAME), bytes))
        .transpose()?;
    Ok(CommittedConfig { config, baseline })
}

/// A commit id shortened for messages; names such as `HEAD` stay whole.
fn short(rev: &str) -> &str {
    if rev.len() >= 40 && rev.bytes().all(|b| b.is_ascii_hexdigit()) {
        &rev[..12]
    } else {
        rev
    }
}

/// The content of each `names` file at the top of `rev`, `None` where the
/// commit has no such file.
fn read_files(rev: &str, names: &[&str]) -> Result<Vec<Option<Vec<u8>>>> {
    let input: String = names.iter().map(|n| format!("{rev}:{n}\n")).collect();
    let mut child = Command::new("git")
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("cannot run git cat-file (is git installed and on PATH?)")?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    // Four short lines fit any pipe buffer; written before reading anyway.
    stdin
        .write_all(input.as_bytes())
        .context("cannot send the config file names to git cat-file")?;
    drop(stdin);
    let output = child
        .wait_with_output()
        .context("cannot read git cat-file's output")?;
    if !output.status.success() {
        bail!(
            "cannot read the config files of {rev}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    parse_batch(&output.stdout, names.len()).with_context(|| {
        format!("cannot read the config files of {rev}: unexpected git cat-file output")
    })
}

/// Parses `git cat-file --batch` output: per object `<id> <type> <size>`, a
/// newline, the content and a newline, or `<name> missing`.
fn parse_batch(mut out: &[u8], count: usize) -> Result<Vec<Option<Vec<u8>>>> {
    let mut files = Vec::with_capacity(count);
    for _ in 0..count {
        let end = out
            .iter()
            .position(|&b| b == b'\n')
            .ok_or_else(|| anyhow!("output ends early"))?;
        let header = String::from_utf8_lossy(&out[..end]).into_owned();
        out = &out[end + 1..];
        if header.ends_with(" missing") || header.ends_with(" ambiguous") {
            files.push(None);
            continue;
        }
        let fields: Vec<&str> = header.split(' ').collect();
        let [_, kind, size] = fields[..] else {
            bail!("unexpected header {header:?}");
        };
        let size: usize = size
            .parse()
            .map_err(|_| anyhow!("bad size in {header:?}"))?;
        if out.len() < size + 1 {
            bail!("output ends inside an object");
        }
        let content = out[..size].to_vec();
        out = &out[size + 1..];
        // A directory of that name is not a config file.
        files.push((kind == "blob").then_some(content));
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_output_gives_present_and_missing_files() {
        let out = b"HEAD:.leakgate.toml missing\n\
                    1111111111111111111111111111111111111111 blob 5\nhello\n\
                    2222222222222222222222222222222222222222 tree 0\n\n";
        let files = parse_batch(out, 3).unwrap();
        assert_eq!(files, vec![None, Some(b"hello".to_vec()), None]);
        assert!(parse_batch(b"1111 blob 9\nshort\n", 1).is_err());
    }
}
