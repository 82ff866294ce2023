//! What a `git push` would send, from the lines git gives the pre-push hook
//! on stdin: `<local ref> <local sha> <remote ref> <remote sha>`, one per
//! ref being pushed.
//!
//! The commits to scan are those reachable from the pushed tips that the
//! remote does not have: not reachable from the remote's old tip of each
//! ref (when this repository has that commit) nor from any of the remote's
//! tracking refs. A new branch (remote sha all zeros) is scanned back to
//! where it leaves what the remote already has; a deletion (local sha all
//! zeros) sends nothing and is not scanned. This module only parses and
//! chooses; the history source does the scanning.

use anyhow::{Result, bail};

use super::history::{CommitSelection, Tips};
use crate::git::{ObjectId, Repo};

/// One line of the pre-push hook's stdin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefUpdate {
    pub local_ref: String,
    pub local_sha: String,
    pub remote_ref: String,
    pub remote_sha: String,
}

impl RefUpdate {
    pub fn is_deletion(&self) -> bool {
        is_zero(&self.local_sha)
    }

    /// The remote does not have this ref yet.
    pub fn is_new_ref(&self) -> bool {
        is_zero(&self.remote_sha)
    }
}

/// The all-zero object id git uses for "no object" (40 or 64 digits).
fn is_zero(sha: &str) -> bool {
    sha.bytes().all(|b| b == b'0')
}

/// Parses git's pre-push lines; blank lines are ignored.
pub fn parse_updates(input: &str) -> Result<Vec<RefUpdate>> {
    let mut updates = Vec::new();
    for (number, line) in input.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(' ').collect();
        let [local_ref, local_sha, remote_ref, remote_sha] = fields[..] else {
            bail!(
                "pre-push input line {}: expected `<local ref> <local sha> <remote ref> <remote sha>`, got {line:?}",
                number + 1
            );
        };
        for sha in [local_sha, remote_sha] {
            if !matches!(sha.len(), 40 | 64) || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
                bail!(
                    "pre-push input line {}: {sha:?} is not an object id",
                    number + 1
                );
            }
        }
        updates.push(RefUpdate {
            local_ref: local_ref.to_string(),
            local_sha: local_sha.to_string(),
            remote_ref: remote_ref.to_string(),
            remote_sha: remote_sha.to_string(),
        });
    }
    Ok(updates)
}

/// The commits `updates` would send to `remote` (a remote's name, or the
/// URL when the push names no configured remote).
pub fn commits_to_push(
    repo: &Repo,
    remote: &str,
    updates: &[RefUpdate],
) -> Result<CommitSelection> {
    let mut tips = Vec::new();
    let mut exclude = Vec::new();
    let mut tags = Vec::new();
    for update in updates {
        if update.is_deletion() {
            continue;
        }
        tips.push(pushed_commit(repo, update)?.to_string());
        // An annotated tag being pushed carries a message of its own.
        let id = ObjectId::from_hex(&update.local_sha)?;
        if update.local_ref.starts_with("refs/tags/")
            && repo.object_type(id)?.as_deref() == Some("tag")
        {
            tags.push(id);
        }
        if !update.is_new_ref() && has_commit(repo, &update.remote_sha) {
            exclude.push(update.remote_sha.clone());
        }
    }
    Ok(CommitSelection {
        tips: Tips::These(tips),
        exclude,
        exclude_remote: Some(remote.to_string()),
        tags,
    })
}

/// The commit a pushed ref points at (an annotated tag is peeled). A tag of
/// a tree or a blob cannot be scanned as history, so it stops the push
/// rather than slipping through.
fn pushed_commit(repo: &Repo, update: &RefUpdate) -> Result<ObjectId> {
    if let Some(commit) = repo.resolve_commit(&update.local_sha)? {
        return Ok(commit);
    }
    let id = ObjectId::from_hex(&update.local_sha)?;
    match repo.object_type(id)? {
        None => bail!(
            "cannot find {} ({}) being pushed in this repository",
            update.local_ref,
            update.local_sha
        ),
        Some(kind) => bail!(
            "{} points at a {kind} rather than a commit; leakgate cannot scan it, so the push is stopped.\n\
             Push it with `git push --no-verify` only if you have checked its content yourself",
            update.local_ref,
        ),
    }
}

/// The remote's old tip exists here when we have fetched it; if not (someone
/// else pushed since), the remote-tracking refs still bound the range.
fn has_commit(repo: &Repo, sha: &str) -> bool {
    repo.resolve_commit(sha).is_ok_and(|c| c.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const ZERO: &str = "0000000000000000000000000000000000000000";

    #[test]
    fn parses_updates_new_refs_and_deletions() {
        let input = format!(
            "refs/heads/main {A} refs/heads/main {A}\n\
             refs/heads/topic {A} refs/heads/topic {ZERO}\n\
             (delete) {ZERO} refs/heads/old {A}\n\n"
        );
        let updates = parse_updates(&input).unwrap();
        assert_eq!(updates.len(), 3);
        assert!(!updates[0].is_new_ref() && !updates[0].is_deletion());
        assert!(updates[1].is_new_ref());
        assert!(updates[2].is_deletion());
        assert_eq!(updates[2].remote_ref, "refs/heads/old");
    }

    #[test]
    fn malformed_lines_are_errors_that_name_the_line() {
        let err = parse_updates("refs/heads/main abc\n").unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
        let err = parse_updates(&format!("a {A} b nothex\n")).unwrap_err();
        assert!(err.to_string().contains("not an object id"), "{err}");
    }
}
