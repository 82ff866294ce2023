//! The commit message a `commit-msg` hook is given (`leakgate scan
//! --commit-msg FILE`, FILE being the hook's `$1`): the text git will
//! commit, which is pushed and kept in history like any file.
//!
//! What is scanned is what git will commit, as far as a hook can tell:
//!
//! - When git strips comments (`commit.cleanup = strip`, or the default
//!   mode with an editor), its comment lines (the status and help text it
//!   puts in the editor, starting with `core.commentChar`, `#` by default)
//!   are not part of the commit: they are blanked, not removed, so reported
//!   lines are the file's lines.
//! - A message that no editor sees (`-m`, `-F`; git tells hooks so with
//!   `GIT_EDITOR=:`) is committed with the default `whitespace` cleanup,
//!   which keeps lines starting with `#`: `git commit -m "# <key>"` commits
//!   the key, so every line is scanned.
//! - Everything from git's scissors line on (the diff `git commit -v`
//!   shows) is dropped when an editor was used, except with the `verbatim`
//!   and `whitespace` modes, which keep it.
//! - With `core.commentChar = auto` the character git picked is not
//!   recorded anywhere, so every line is scanned.
//!
//! Where the hook cannot know (a `--cleanup` option on the command line),
//! it scans more rather than less: scanning a comment costs at most a false
//! alarm, skipping a message line could let a secret through. Pre-push and
//! history scans read the message as committed.

use std::path::Path;

use anyhow::{Context, Result, bail};

/// Where findings in a commit message are reported: it is not a file.
pub const LOCATION: &str = "commit message";

/// The characters git chooses from for `core.commentChar = auto`.
const AUTO_COMMENT_CHARS: &[u8] = b"#;@!$%^&|:";

/// What follows the comment prefix on git's scissors line.
const SCISSORS: &[u8] = b" ------------------------ >8 ------------------------";

/// The message in `path`, as the text to scan.
pub fn read(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path)
        .with_context(|| format!("cannot read the commit message file {}", path.display()))?;
    let cleanup = Cleanup::from_git()?;
    Ok(without_comments(&bytes, &comment_prefix()?, cleanup))
}

/// What git's cleanup of the message removes, as far as a hook can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cleanup {
    /// Lines starting with the comment prefix.
    pub comments: bool,
    /// The scissors line and everything after it.
    pub after_scissors: bool,
}

impl Cleanup {
    /// From `commit.cleanup` and whether an editor was used (git runs the
    /// hook with `GIT_EDITOR=:` when none is).
    pub fn from_git() -> Result<Self> {
        let edited = std::env::var_os("GIT_EDITOR").is_none_or(|editor| editor != ":");
        let mode = config_value("commit.cleanup")?.unwrap_or_default();
        Ok(Cleanup::for_mode(&mode, edited))
    }

    /// The cleanup `mode` (`commit.cleanup`) does, the message edited or not.
    pub fn for_mode(mode: &[u8], edited: bool) -> Self {
        let default = mode.is_empty() || mode == b"default";
        Cleanup {
            comments: mode == b"strip" || (default && edited),
            after_scissors: edited && !matches!(mode, b"verbatim" | b"whitespace"),
        }
    }
}

/// The last value of a git config key, if it is set.
fn config_value(key: &str) -> Result<Option<Vec<u8>>> {
    let out = crate::git::command(&["config", "--get", key])
        .output()
        .with_context(|| format!("cannot run git to read {key}"))?;
    match out.status.code() {
        Some(0) => {
            let value = out.stdout.strip_suffix(b"\n").unwrap_or(&out.stdout);
            Ok(Some(value.to_ascii_lowercase()))
        }
        Some(1) => Ok(None),
        _ => bail!(
            "git config cannot read {key}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ),
    }
}

/// How git marks a comment line in the message file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentPrefix {
    /// `core.commentChar` (or `core.commentString`), `#` by default.
    Fixed(Vec<u8>),
    /// `core.commentChar = auto`.
    Auto,
}

/// The comment prefix git's config gives: the last `core.commentChar` or
/// `core.commentString` set (git 2.45 made them one setting).
pub fn comment_prefix() -> Result<CommentPrefix> {
    let out = crate::git::command(&[
        "config",
        "--null",
        "--get-regexp",
        r"^core\.comment(char|string)$",
    ])
    .output()
    .context("cannot run git to read core.commentChar")?;
    match out.status.code() {
        Some(0) => {}
        // No such setting.
        Some(1) => return Ok(CommentPrefix::Fixed(b"#".to_vec())),
        _ => bail!(
            "git config cannot read core.commentChar: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ),
    }
    // Entries are `key\nvalue\0`.
    let last = out
        .stdout
        .split(|&b| b == 0)
        .rfind(|entry| !entry.is_empty())
        .unwrap_or_default();
    let value = last
        .iter()
        .position(|&b| b == b'\n')
        .map_or(&[][..], |at| &last[at + 1..]);
    Ok(match value {
        b"auto" => CommentPrefix::Auto,
        b"" => CommentPrefix::Fixed(b"#".to_vec()),
        prefix => CommentPrefix::Fixed(prefix.to_vec()),
    })
}

/// `message` with what `cleanup` removes taken out: comment lines blanked
/// (each keeps its line break), everything from the scissors line on
/// dropped.
pub fn without_comments(message: &[u8], prefix: &CommentPrefix, cleanup: Cleanup) -> Vec<u8> {
    let mut text = Vec::with_capacity(message.len());
    for line in message.split_inclusive(|&b| b == b'\n') {
        let content = line.strip_suffix(b"\n").unwrap_or(line);
        let content = content.strip_suffix(b"\r").unwrap_or(content);
        let is_scissors = |p: &[u8]| content.strip_prefix(p) == Some(SCISSORS);
        let scissors = match prefix {
            CommentPrefix::Fixed(p) => is_scissors(p),
            CommentPrefix::Auto => AUTO_COMMENT_CHARS.iter().any(|c| is_scissors(&[*c])),
        };
        if scissors && cleanup.after_scissors {
            break;
        }
        let comment = match prefix {
            CommentPrefix::Fixed(p) => cleanup.comments && line.starts_with(p),
            CommentPrefix::Auto => false,
        };
        if comment {
            if line.ends_with(b"\n") {
                text.push(b'\n');
            }
        } else {
            text.extend_from_slice(line);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash() -> CommentPrefix {
        CommentPrefix::Fixed(b"#".to_vec())
    }

    /// What git's default cleanup does to an edited message.
    const EDITED: Cleanup = Cleanup {
        comments: true,
        after_scissors: true,
    };

    #[test]
    fn which_cleanup_git_does() {
        assert_eq!(Cleanup::for_mode(b"", true), EDITED);
        assert_eq!(Cleanup::for_mode(b"default", true), EDITED);
        assert_eq!(
            Cleanup::for_mode(b"strip", false),
            Cleanup {
                comments: true,
                after_scissors: false
            }
        );
        // `-m`: whitespace cleanup keeps `#` lines.
        assert_eq!(
            Cleanup::for_mode(b"", false),
            Cleanup {
                comments: false,
                after_scissors: false
            }
        );
        assert_eq!(
            Cleanup::for_mode(b"scissors", true),
            Cleanup {
                comments: false,
                after_scissors: true
            }
        );
        for mode in [&b"verbatim"[..], b"whitespace"] {
            assert_eq!(
                Cleanup::for_mode(mode, true),
                Cleanup {
                    comments: false,
                    after_scissors: false
                }
            );
        }
    }

    #[test]
    fn nothing_is_left_out_when_git_keeps_everything() {
        let message =
            b"Subject\n# kept\n# ------------------------ >8 ------------------------\nkept too\n";
        let keep = Cleanup {
            comments: false,
            after_scissors: false,
        };
        assert_eq!(without_comments(message, &hash(), keep), message);
    }

    #[test]
    fn comment_lines_are_blanked_and_keep_line_numbers() {
        let message = b"Add the client\n\nKey: abc\n# Please enter the commit message\n#\ttoken = x\n  # indented\n";
        assert_eq!(
            without_comments(message, &hash(), EDITED),
            b"Add the client\n\nKey: abc\n\n\n  # indented\n"
        );
    }

    #[test]
    fn the_configured_comment_string_is_used() {
        let message = b"; a comment\n# not one\n// also\n";
        let semicolon = CommentPrefix::Fixed(b";".to_vec());
        assert_eq!(
            without_comments(message, &semicolon, EDITED),
            b"\n# not one\n// also\n"
        );
        let slashes = CommentPrefix::Fixed(b"//".to_vec());
        assert_eq!(
            without_comments(message, &slashes, EDITED),
            b"; a comment\n# not one\n\n"
        );
        // With `auto` nothing is a comment for sure.
        assert_eq!(
            without_comments(message, &CommentPrefix::Auto, EDITED),
            message
        );
    }

    #[test]
    fn everything_from_the_scissors_line_on_is_dropped() {
        let message = b"Subject\n# ------------------------ >8 ------------------------\ndiff --git a/x b/x\n+key\n";
        assert_eq!(without_comments(message, &hash(), EDITED), b"Subject\n");
        let auto = b"Subject\n; ------------------------ >8 ------------------------\r\n+key\n";
        assert_eq!(
            without_comments(auto, &CommentPrefix::Auto, EDITED),
            b"Subject\n"
        );
        // Not a scissors line: different text after the prefix.
        let other = b"Subject\n# ---- >8 ----\nbody\n";
        assert_eq!(
            without_comments(other, &hash(), EDITED),
            b"Subject\n\nbody\n"
        );
    }
}
