//! What a push brings to a server, from the lines git gives the
//! pre-receive hook on stdin: `<old id> <new id> <ref>`, one per ref.
//!
//! The commits to scan are exactly those the repository does not have yet:
//! reachable from a pushed new id, not from any existing ref (`git rev-list
//! <new>... --not --all`). git runs the hook before it moves any ref, with
//! the pushed objects in a quarantine directory it names in the environment
//! (`GIT_OBJECT_DIRECTORY`, `GIT_ALTERNATE_OBJECT_DIRECTORIES`), so git and
//! the object reader both see them, and "every existing ref" still means the
//! refs as they were before the push. History the repository already has is never
//! scanned again: a new branch made from an old commit brings no commit, and
//! a force push brings only the commits that are new to the repository.
//! Every ref of the push is covered, however many commits it carries. A
//! deletion (new id all zeros) brings nothing.
//!
//! The range is handed to the history source as tips plus the boundary
//! (the existing commits the new ones grow from), which selects the same
//! commits as `--not --all` without listing every ref on a command line.
//! This module only parses and chooses; it reads no content.

use anyhow::{Context, Result, bail};

use super::history::{CommitSelection, Tips};
use crate::git::{self, ObjectId};

/// One line of the pre-receive hook's stdin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefUpdate {
    pub old: String,
    pub new: String,
    pub refname: String,
}

impl RefUpdate {
    /// The ref is being deleted: nothing arrives.
    pub fn is_deletion(&self) -> bool {
        is_zero(&self.new)
    }

    /// The ref does not exist yet (a new branch or tag).
    pub fn is_creation(&self) -> bool {
        is_zero(&self.old)
    }
}

/// The all-zero object id git uses for "no object" (40 or 64 digits).
fn is_zero(id: &str) -> bool {
    id.bytes().all(|b| b == b'0')
}

/// A full object id: 40 hex digits (SHA-1) or 64 (SHA-256).
fn is_object_id(id: &str) -> bool {
    matches!(id.len(), 40 | 64) && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Parses git's pre-receive lines; blank lines are ignored. A ref name may
/// not contain a space, so the third field is the rest of the line.
pub fn parse_updates(input: &str) -> Result<Vec<RefUpdate>> {
    let mut updates = Vec::new();
    for (number, line) in input.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let mut fields = line.splitn(3, ' ');
        let (Some(old), Some(new), Some(refname)) = (fields.next(), fields.next(), fields.next())
        else {
            bail!(
                "pre-receive input line {}: expected `<old id> <new id> <ref>`, got {line:?}",
                number + 1
            );
        };
        for id in [old, new] {
            if !is_object_id(id) {
                bail!(
                    "pre-receive input line {}: {id:?} is not an object id",
                    number + 1
                );
            }
        }
        if old.len() != new.len() || refname.is_empty() {
            bail!(
                "pre-receive input line {}: expected `<old id> <new id> <ref>`, got {line:?}",
                number + 1
            );
        }
        updates.push(RefUpdate {
            old: old.to_string(),
            new: new.to_string(),
            refname: refname.to_string(),
        });
    }
    Ok(updates)
}

/// The commits the push brings, as a selection for the history source, and
/// how many there are.
pub struct NewCommits {
    pub selection: CommitSelection,
    pub count: usize,
}

/// The commits reachable from the pushed ids and from no existing ref.
pub fn new_commits(updates: &[RefUpdate]) -> Result<NewCommits> {
    let tips: Vec<String> = updates
        .iter()
        .filter(|u| !u.is_deletion())
        .map(|u| u.new.clone())
        .collect();
    let mut selection = CommitSelection {
        tips: Tips::These(Vec::new()),
        exclude: Vec::new(),
        exclude_remote: None,
        tags: new_annotated_tags(updates)?,
    };
    if tips.is_empty() {
        return Ok(NewCommits {
            selection,
            count: 0,
        });
    }
    let mut args = vec!["rev-list".to_string(), "--boundary".to_string()];
    args.extend(tips.iter().cloned());
    args.extend(["--not", "--all", "--"].map(String::from));
    let stdout = git::run(&args, "list the commits this push brings")?;
    let (count, boundary) = parse_boundary_list(&stdout)?;
    if count > 0 {
        selection.tips = Tips::These(tips);
        selection.exclude = boundary;
    }
    Ok(NewCommits { selection, count })
}

/// The annotated tag objects the push brings: their messages are pushed
/// like content. A tag object some ref already points at is not new.
fn new_annotated_tags(updates: &[RefUpdate]) -> Result<Vec<ObjectId>> {
    let pushed: Vec<&RefUpdate> = updates
        .iter()
        .filter(|u| !u.is_deletion() && u.refname.starts_with("refs/tags/"))
        .collect();
    if pushed.is_empty() {
        return Ok(Vec::new());
    }
    let existing = git::run(
        &["for-each-ref", "--format=%(objectname)", "refs/tags/"],
        "list the existing tags",
    )?;
    let existing = String::from_utf8_lossy(&existing);
    let mut tags = Vec::new();
    for update in pushed {
        if existing.lines().any(|line| line == update.new) {
            continue;
        }
        let kind = git::run(
            &["cat-file", "-t", update.new.as_str()],
            "read the type of a pushed tag",
        )?;
        if String::from_utf8_lossy(&kind).trim() == "tag" {
            tags.push(ObjectId::from_hex(&update.new)?);
        }
    }
    Ok(tags)
}

/// Parses `git rev-list --boundary`: one id per line, boundary commits
/// (existing commits that new ones have as parents) marked with `-`.
fn parse_boundary_list(stdout: &[u8]) -> Result<(usize, Vec<String>)> {
    let text = std::str::from_utf8(stdout).context("git rev-list printed a non-UTF-8 id")?;
    let mut count = 0;
    let mut boundary = Vec::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        match line.strip_prefix('-') {
            Some(id) if is_object_id(id) => boundary.push(id.to_string()),
            None if is_object_id(line) => count += 1,
            _ => bail!("unexpected git rev-list output {line:?}"),
        }
    }
    Ok((count, boundary))
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "1111111111111111111111111111111111111111";
    const ZERO: &str = "0000000000000000000000000000000000000000";
    const A256: &str = "1111111111111111111111111111111111111111111111111111111111111111";
    const ZERO256: &str = "0000000000000000000000000000000000000000000000000000000000000000";

    #[test]
    fn creations_deletions_and_sha256_ids_are_parsed() {
        let input = format!(
            "{A} {A} refs/heads/main\n{ZERO} {A} refs/tags/v1\n{A} {ZERO} refs/heads/old\n\n\
             {ZERO256} {A256} refs/heads/wide\n"
        );
        let updates = parse_updates(&input).unwrap();
        assert_eq!(updates.len(), 4);
        assert!(!updates[0].is_creation() && !updates[0].is_deletion());
        assert!(updates[1].is_creation());
        assert!(updates[2].is_deletion());
        assert!(updates[3].is_creation());
        assert_eq!(updates[3].refname, "refs/heads/wide");
    }

    #[test]
    fn malformed_lines_are_errors_that_name_the_line() {
        let err = parse_updates(&format!("{A} {A} refs/heads/a\n{A} nothex refs/x\n")).unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
        let err = parse_updates(&format!("{A} {A}\n")).unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
        let err = parse_updates(&format!("{A} {A256} refs/heads/a\n")).unwrap_err();
        assert!(err.to_string().contains("line 1"), "{err}");
    }

    #[test]
    fn boundary_lines_are_told_from_new_commits() {
        let out = format!("{A}\n-{ZERO}\n");
        let (count, boundary) = parse_boundary_list(out.as_bytes()).unwrap();
        assert_eq!(count, 1);
        assert_eq!(boundary, vec![ZERO.to_string()]);
        assert!(parse_boundary_list(b"-x\n").is_err());
    }
}
