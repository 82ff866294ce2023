//! The one parser of git's `--raw -z` diff output, which `git diff-index`
//! (staged changes) and `git diff-tree --stdin` (history) both print.
//!
//! A record is `:OLDMODE NEWMODE OLDID NEWID STATUS\0PATH\0`, with a second
//! path (the new one) for renames and copies. `git diff-tree --stdin` puts
//! the commit's id on its own before that commit's records.

use anyhow::{Result, anyhow};

use super::ObjectId;
use crate::path::RepoPath;

/// A regular file's mode.
pub const MODE_FILE: u32 = 0o100644;
/// An executable file's mode.
pub const MODE_EXECUTABLE: u32 = 0o100755;
/// A symbolic link's mode: its blob holds the link's target.
pub const MODE_SYMLINK: u32 = 0o120000;

/// A regular or executable file.
pub fn is_regular_file(mode: u32) -> bool {
    mode == MODE_FILE || mode == MODE_EXECUTABLE
}

/// A regular file, an executable or a symlink: a blob whose bytes are
/// committed as they are.
pub fn has_content(mode: u32) -> bool {
    is_regular_file(mode) || mode == MODE_SYMLINK
}

/// One changed path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawChange {
    /// `A`dded, `M`odified, `D`eleted, `R`enamed, `C`opied, `T`ype changed,
    /// `U`nmerged.
    pub status: u8,
    pub old_mode: u32,
    pub new_mode: u32,
    pub old: ObjectId,
    pub new: ObjectId,
    /// The path before a rename or copy.
    pub source: Option<RepoPath>,
    pub path: RepoPath,
}

impl RawChange {
    /// Content to scan: an added, modified, renamed, copied or type-changed
    /// regular file or symlink (whose target is committed like content).
    /// Deletions, submodules (gitlinks) and unmerged entries (which git
    /// will not commit) have none.
    pub fn has_new_content(&self) -> bool {
        matches!(self.status, b'A' | b'M' | b'R' | b'C' | b'T') && has_content(self.new_mode)
    }

    /// The version this one replaces, whose lines are not new: the old
    /// file or symlink at this path, or the renamed-from one.
    pub fn replaced(&self) -> Option<ObjectId> {
        (self.status != b'A' && has_content(self.old_mode) && !self.old.is_zero())
            .then_some(self.old)
    }
}

/// One item of the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawItem {
    /// `git diff-tree --stdin`: the records that follow belong to this commit.
    Commit(ObjectId),
    Change(RawChange),
}

/// Parses the whole output; malformed output is an error, never a shorter
/// list.
pub fn parse(output: &[u8]) -> Result<Vec<RawItem>> {
    let mut fields = output.split(|&b| b == 0);
    let mut items = Vec::new();
    let bad = |what: &str, text: &[u8]| {
        anyhow!(
            "unexpected output from git ({what}): {:?}",
            String::from_utf8_lossy(text)
        )
    };
    while let Some(field) = fields.next() {
        if field.is_empty() {
            continue;
        }
        let text = std::str::from_utf8(field).map_err(|_| bad("header", field))?;
        let Some(meta) = text.strip_prefix(':') else {
            let id = ObjectId::from_hex(text.trim()).map_err(|_| bad("commit id", field))?;
            items.push(RawItem::Commit(id));
            continue;
        };
        let parts: Vec<&str> = meta.split(' ').collect();
        let [old_mode, new_mode, old, new, status] = parts[..] else {
            return Err(bad("header", field));
        };
        let mode = |m: &str| u32::from_str_radix(m, 8).map_err(|_| bad("mode", field));
        let id = |o: &str| ObjectId::from_hex(o).map_err(|_| bad("object id", field));
        let status = *status
            .as_bytes()
            .first()
            .ok_or_else(|| bad("status", field))?;
        let first = fields.next().ok_or_else(|| bad("path", field))?;
        let (source, path) = if matches!(status, b'R' | b'C') {
            let second = fields.next().ok_or_else(|| bad("path", field))?;
            (Some(RepoPath::new(first)), RepoPath::new(second))
        } else {
            (None, RepoPath::new(first))
        };
        items.push(RawItem::Change(RawChange {
            status,
            old_mode: mode(old_mode)?,
            new_mode: mode(new_mode)?,
            old: id(old)?,
            new: id(new)?,
            source,
            path,
        }));
    }
    Ok(items)
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

    fn changes(items: &[RawItem]) -> Vec<&RawChange> {
        items
            .iter()
            .filter_map(|i| match i {
                RawItem::Change(c) => Some(c),
                RawItem::Commit(_) => None,
            })
            .collect()
    }

    #[test]
    fn records_with_content_renames_and_commit_headers_are_parsed() {
        let items = parse(&raw(&[
            (B, &[]),
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
        let b = ObjectId::from_hex(B).unwrap();
        let a = ObjectId::from_hex(A).unwrap();
        assert_eq!(items[0], RawItem::Commit(b));
        let with_content: Vec<(String, Option<ObjectId>)> = changes(&items)
            .into_iter()
            .filter(|c| c.has_new_content())
            .map(|c| (c.path.to_string(), c.replaced()))
            .collect();
        assert_eq!(
            with_content,
            vec![
                ("mod.py".to_string(), Some(a)),
                ("new.sh".to_string(), None),
                ("new name.py".to_string(), Some(a)),
                ("link".to_string(), None),
                ("was-link".to_string(), Some(a)),
            ]
        );
        let renamed = changes(&items)[3];
        assert_eq!(renamed.source, Some(RepoPath::new("old name.py")));
    }

    #[test]
    fn malformed_output_is_an_error_not_an_empty_list() {
        assert!(parse(b":100644 100644 xyz").is_err());
        assert!(parse(format!(":100644 100644 {A} {B} M").as_bytes()).is_err());
        assert!(parse(b"not an id").is_err());
        assert!(parse(b"").unwrap().is_empty());
    }
}
