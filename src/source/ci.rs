//! `leakgate scan --ci`: the commits of the change a CI job runs for, found
//! from the CI environment.
//!
//! - GitHub Actions (`GITHUB_ACTIONS=true`): the event in
//!   `GITHUB_EVENT_PATH`. `pull_request` and `pull_request_target` scan the
//!   pull request's commits (`base.sha..head.sha`), `push` scans
//!   `before..after`, `merge_group` `base_sha..head_sha`.
//! - GitLab CI (`GITLAB_CI=true`): merge-request pipelines scan
//!   `CI_MERGE_REQUEST_DIFF_BASE_SHA..CI_COMMIT_SHA`, branch and tag
//!   pipelines `CI_COMMIT_BEFORE_SHA..CI_COMMIT_SHA`.
//! - Anywhere: `--since-commit BASE` scans `BASE..HEAD`, and wins over the
//!   environment.
//!
//! A push that creates a branch or tag has no `before` (all zeros): its new
//! commits are those on no other branch of the remote, never the whole
//! history. CI clones are often shallow; missing history is fetched from
//! `origin` (deeper each time), and when that fails the error names the
//! fetch-depth setting. A range is never silently empty: a deleted branch
//! says so, and a commit that cannot be found is an error.
//!
//! The config (and baseline) come from the base of the change, as on the
//! server: a pull request cannot allow its own secrets. This module chooses
//! the commits and the config; the history source scans them.

use std::collections::HashSet;

use anyhow::{Context, Result, anyhow, bail};

use super::committed::{self, CommittedConfig};
use super::history::{CommitSelection, Tips};
use crate::git::{self, Repo};

/// Where the range came from, for the report's first line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provenance {
    GitHub { event: String },
    GitLab { pipeline: &'static str },
    SinceCommit,
}

impl std::fmt::Display for Provenance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Provenance::GitHub { event } => write!(f, "GitHub Actions {event} event"),
            Provenance::GitLab { pipeline } => write!(f, "GitLab CI {pipeline} pipeline"),
            Provenance::SinceCommit => write!(f, "--since-commit"),
        }
    }
}

/// The change to scan, as the environment describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRange {
    pub provenance: Provenance,
    /// The newest commit of the change; `None` when the push deleted a ref.
    pub head: Option<String>,
    /// What the change is compared with; `None` for a new branch or tag.
    pub base: Option<String>,
    /// The remote branch the change was pushed to (for a new branch: the
    /// one remote branch whose commits are not "other" branches').
    pub branch: Option<String>,
}

/// The range the CI environment (read with `var`) describes, or the one
/// `--since-commit` gives.
pub fn detect(
    var: &dyn Fn(&str) -> Option<String>,
    since_commit: Option<&str>,
) -> Result<ChangeRange> {
    let var = |name: &str| var(name).filter(|v| !v.trim().is_empty());
    if let Some(base) = since_commit {
        return Ok(ChangeRange {
            provenance: Provenance::SinceCommit,
            head: Some("HEAD".into()),
            base: Some(base.to_string()),
            branch: None,
        });
    }
    if var("GITHUB_ACTIONS").as_deref() == Some("true") {
        return github(&var);
    }
    if var("GITLAB_CI").as_deref() == Some("true") {
        return gitlab(&var);
    }
    bail!(
        "cannot tell which commits this CI job is for: neither GitHub Actions (GITHUB_ACTIONS) \
         nor GitLab CI (GITLAB_CI) is set.\nGive the range's base with --since-commit BASE \
         (BASE..HEAD is scanned)"
    )
}

fn github(var: &dyn Fn(&str) -> Option<String>) -> Result<ChangeRange> {
    let event = var("GITHUB_EVENT_NAME")
        .ok_or_else(|| anyhow!("GITHUB_EVENT_NAME is not set; is this a GitHub Actions job?"))?;
    let path = var("GITHUB_EVENT_PATH")
        .ok_or_else(|| anyhow!("GITHUB_EVENT_PATH is not set; is this a GitHub Actions job?"))?;
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read the GitHub event file {path}"))?;
    let payload: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("the GitHub event file {path} is not JSON"))?;
    let field = |pointer: &str| -> Result<String> {
        payload
            .pointer(pointer)
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .ok_or_else(|| anyhow!("the {event} event in {path} has no {pointer}"))
    };
    let provenance = Provenance::GitHub {
        event: event.clone(),
    };
    match event.as_str() {
        "pull_request" | "pull_request_target" => Ok(ChangeRange {
            provenance,
            head: Some(field("/pull_request/head/sha")?),
            base: Some(field("/pull_request/base/sha")?),
            branch: None,
        }),
        "merge_group" => Ok(ChangeRange {
            provenance,
            head: Some(field("/merge_group/head_sha")?),
            base: Some(field("/merge_group/base_sha")?),
            branch: None,
        }),
        "push" => {
            let refname = field("/ref")?;
            Ok(ChangeRange {
                provenance,
                head: non_zero(field("/after")?),
                base: non_zero(field("/before")?),
                branch: refname.strip_prefix("refs/heads/").map(str::to_string),
            })
        }
        other => bail!(
            "a GitHub {other} event names no commits to compare; run leakgate --ci on push and \
             pull_request events, or give the range's base with --since-commit BASE"
        ),
    }
}

fn gitlab(var: &dyn Fn(&str) -> Option<String>) -> Result<ChangeRange> {
    let head = var("CI_COMMIT_SHA")
        .ok_or_else(|| anyhow!("CI_COMMIT_SHA is not set; is this a GitLab CI job?"))?;
    if let Some(base) = var("CI_MERGE_REQUEST_DIFF_BASE_SHA") {
        return Ok(ChangeRange {
            provenance: Provenance::GitLab {
                pipeline: "merge request",
            },
            head: Some(head),
            base: Some(base),
            branch: None,
        });
    }
    let tag = var("CI_COMMIT_TAG");
    Ok(ChangeRange {
        provenance: Provenance::GitLab {
            pipeline: if tag.is_some() { "tag" } else { "branch" },
        },
        head: Some(head),
        base: var("CI_COMMIT_BEFORE_SHA").and_then(non_zero),
        branch: match tag {
            Some(_) => None,
            None => var("CI_COMMIT_BRANCH").or_else(|| var("CI_COMMIT_REF_NAME")),
        },
    })
}

/// An object id, unless it is git's all-zero "no commit".
fn non_zero(id: String) -> Option<String> {
    (!id.bytes().all(|b| b == b'0')).then_some(id)
}

/// The commits to scan and the config to scan them with.
pub struct CiScan {
    /// The repository, as it is after any fetch.
    pub repo: Repo,
    pub range: ChangeRange,
    pub selection: CommitSelection,
    /// The config and baseline of the change's base.
    pub committed: CommittedConfig,
    /// The commit the config came from, if any.
    pub config_from: Option<String>,
}

/// Resolves `range` in the repository in the current directory: fetches
/// what a shallow clone lacks, chooses the commits and reads the base's
/// config.
pub fn prepare(range: ChangeRange) -> Result<CiScan> {
    let Some(head) = range.head.clone() else {
        return Ok(CiScan {
            repo: Repo::discover()?,
            range,
            selection: nothing(),
            committed: CommittedConfig::default(),
            config_from: None,
        });
    };
    let mut exclude = match &range.base {
        Some(base) => vec![base.clone()],
        None => {
            let mut others = other_remote_branches(range.branch.as_deref())?;
            if others.is_empty() {
                // CI runners often fetch only the branch being built.
                fetch_all_branches()?;
                others = other_remote_branches(range.branch.as_deref())?;
            }
            if others.is_empty() {
                bail!(
                    "cannot tell which commits of {head} are new: this clone has no other branch of \
                     origin to compare with, and leakgate never scans a whole history instead.\n\
                     Fetch the other branches (actions/checkout: fetch-depth: 0; GitLab CI: GIT_DEPTH: 0 \
                     and `git fetch origin '+refs/heads/*:refs/remotes/origin/*'`), or give --since-commit BASE"
                );
            }
            others
        }
    };
    ensure_history(&head, range.base.as_deref(), &exclude)?;
    let boundary = boundary(&head, &exclude)?;
    let config_from = range.base.clone().or_else(|| boundary.first().cloned());
    if range.base.is_none() {
        // The commits the new branch grows from are enough to exclude, and
        // far fewer than every other branch.
        exclude = boundary;
    }
    // Found after fetching, so the object store includes what was fetched.
    let repo = Repo::discover()?;
    let committed = match &config_from {
        Some(commit) => committed::config_at(&repo, repo.resolve_commit(commit)?)?,
        None => CommittedConfig::default(),
    };
    Ok(CiScan {
        repo,
        selection: CommitSelection {
            tips: Tips::These(vec![head]),
            exclude,
            exclude_remote: None,
            tags: Vec::new(),
        },
        range,
        committed,
        config_from,
    })
}

fn nothing() -> CommitSelection {
    CommitSelection {
        tips: Tips::These(Vec::new()),
        exclude: Vec::new(),
        exclude_remote: None,
        tags: Vec::new(),
    }
}

/// The tips of origin's branches other than `own`, as commit ids.
fn other_remote_branches(own: Option<&str>) -> Result<Vec<String>> {
    let out = git(&[
        "for-each-ref",
        "--format=%(objectname) %(refname) %(symref)",
        "refs/remotes/origin/",
    ])?;
    let own = own.map(|b| format!("refs/remotes/origin/{b}"));
    let mut tips = Vec::new();
    for line in out.lines() {
        let mut fields = line.splitn(3, ' ');
        let (Some(id), Some(name)) = (fields.next(), fields.next()) else {
            continue;
        };
        let symbolic = fields.next().is_some_and(|s| !s.is_empty());
        if symbolic || Some(name) == own.as_deref() {
            continue;
        }
        tips.push(id.to_string());
    }
    tips.sort();
    tips.dedup();
    Ok(tips)
}

/// Fetches origin's branches as remote-tracking refs. A failure is left to
/// the caller, which then finds no other branch and says what to fetch.
fn fetch_all_branches() -> Result<()> {
    let mut args = ["fetch", "--quiet", "--no-tags", "--no-write-fetch-head"]
        .map(String::from)
        .to_vec();
    if !shallow_commits()?.is_empty() {
        // Enough to meet this branch's own history; deepened later if not.
        args.push(format!("--depth={}", FETCH_DEPTHS[0]));
    }
    args.extend(["origin", "+refs/heads/*:refs/remotes/origin/*"].map(String::from));
    git::command(&args)
        .output()
        .context("cannot run git fetch (is git installed and on PATH?)")?;
    Ok(())
}

/// The existing commits the range's commits grow from.
fn boundary(head: &str, exclude: &[String]) -> Result<Vec<String>> {
    let mut args = vec!["rev-list", "--boundary", head];
    let negated: Vec<String> = exclude.iter().map(|e| format!("^{e}")).collect();
    args.extend(negated.iter().map(String::as_str));
    args.push("--");
    let out = git(&args)?;
    Ok(out
        .lines()
        .filter_map(|l| l.strip_prefix('-'))
        .map(str::to_string)
        .collect())
}

/// Deepest fetch tried before giving up on a shallow clone: after this,
/// `--unshallow` fetches the rest.
const FETCH_DEPTHS: [u32; 3] = [50, 500, 5000];

/// Makes sure the range is complete here: `head` and `base` present and no
/// commit of the range cut off from its parents by a shallow clone.
/// Fetches from origin when it is not; fails naming the fetch-depth
/// setting when that does not help.
fn ensure_history(head: &str, base: Option<&str>, exclude: &[String]) -> Result<()> {
    let wanted: Vec<&str> = std::iter::once(head).chain(base).collect();
    let mut fetches = 0;
    loop {
        let missing: Vec<&str> = wanted
            .iter()
            .copied()
            .filter(|id| !has_commit(id))
            .collect();
        let shallow = shallow_commits()?;
        if missing.is_empty() && (shallow.is_empty() || !range_is_cut(head, exclude, &shallow)?) {
            return Ok(());
        }
        // A full clone lacks only commits it never fetched: one fetch by id.
        // A shallow one is deepened step by step, then unshallowed.
        let depth = match (shallow.is_empty(), fetches) {
            (true, 0) => None,
            (false, n) if n < FETCH_DEPTHS.len() => Some(format!("--depth={}", FETCH_DEPTHS[n])),
            (false, n) if n == FETCH_DEPTHS.len() => Some("--unshallow".to_string()),
            _ => return Err(incomplete(head, base, &missing, None)),
        };
        fetches += 1;
        let ids = if shallow.is_empty() {
            &missing
        } else {
            &wanted
        };
        if let Err(err) = fetch(ids, depth) {
            return Err(incomplete(head, base, &missing, Some(&err)));
        }
    }
}

fn incomplete(
    head: &str,
    base: Option<&str>,
    missing: &[&str],
    fetch_error: Option<&anyhow::Error>,
) -> anyhow::Error {
    let what = match (missing.is_empty(), base) {
        (false, _) => format!("commit {} is not in this clone", missing.join(" and ")),
        (true, Some(base)) => {
            format!("the history between {base} and {head} is cut off by a shallow clone")
        }
        (true, None) => format!("the history of {head} is cut off by a shallow clone"),
    };
    let fetched = match fetch_error {
        Some(err) => format!(" ({err:#})"),
        None => String::new(),
    };
    anyhow!(
        "{what}, and fetching it from origin did not help{fetched}, so the change cannot be scanned.\n\
         Check out the full history: `fetch-depth: 0` in actions/checkout (GitHub Actions), \
         `GIT_DEPTH: 0` in the job's variables (GitLab CI)"
    )
}

/// Whether any commit of the range is a shallow boundary (its parents are
/// not here, so it would look like a root that adds every file).
fn range_is_cut(head: &str, exclude: &[String], shallow: &HashSet<String>) -> Result<bool> {
    let mut args = vec!["rev-list", head];
    let negated: Vec<String> = exclude
        .iter()
        .filter(|e| has_commit(e))
        .map(|e| format!("^{e}"))
        .collect();
    args.extend(negated.iter().map(String::as_str));
    args.push("--");
    let out = git(&args)?;
    Ok(out.lines().any(|id| shallow.contains(id)))
}

fn shallow_commits() -> Result<HashSet<String>> {
    let path = git(&["rev-parse", "--git-path", "shallow"])?;
    match std::fs::read_to_string(path.trim_end()) {
        Ok(text) => Ok(text.lines().map(str::to_string).collect()),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(HashSet::new()),
        Err(err) => Err(anyhow!("cannot read the shallow-clone list: {err}")),
    }
}

fn has_commit(id: &str) -> bool {
    git::command(&["cat-file", "-e", &format!("{id}^{{commit}}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `git fetch origin <ids>`, with a depth option for a shallow clone.
fn fetch(ids: &[&str], depth: Option<String>) -> Result<()> {
    let mut args = ["fetch", "--quiet", "--no-tags", "--no-write-fetch-head"]
        .map(String::from)
        .to_vec();
    args.extend(depth);
    args.push("origin".into());
    args.extend(ids.iter().map(|id| id.to_string()));
    let output = git::command(&args)
        .output()
        .context("cannot run git fetch (is git installed and on PATH?)")?;
    if !output.status.success() {
        bail!(
            "git fetch origin failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// Runs git and returns its stdout as text.
fn git(args: &[&str]) -> Result<String> {
    let doing = format!("run git {}", args.first().unwrap_or(&""));
    Ok(String::from_utf8_lossy(&git::run(args, &doing)?).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    const ZERO: &str = "0000000000000000000000000000000000000000";

    #[test]
    fn gitlab_merge_request_and_branch_pipelines() {
        let mr = detect(
            &env(&[
                ("GITLAB_CI", "true"),
                ("CI_COMMIT_SHA", "bbb"),
                ("CI_MERGE_REQUEST_DIFF_BASE_SHA", "aaa"),
                ("CI_COMMIT_BEFORE_SHA", ZERO),
            ]),
            None,
        )
        .unwrap();
        assert_eq!(
            (mr.base.as_deref(), mr.head.as_deref()),
            (Some("aaa"), Some("bbb"))
        );
        let new_branch = detect(
            &env(&[
                ("GITLAB_CI", "true"),
                ("CI_COMMIT_SHA", "bbb"),
                ("CI_COMMIT_BEFORE_SHA", ZERO),
                ("CI_COMMIT_BRANCH", "topic"),
            ]),
            None,
        )
        .unwrap();
        assert_eq!(new_branch.base, None);
        assert_eq!(new_branch.branch.as_deref(), Some("topic"));
    }

    #[test]
    fn since_commit_wins_and_no_environment_is_an_error() {
        let range = detect(&env(&[("GITLAB_CI", "true")]), Some("abc")).unwrap();
        assert_eq!(range.provenance, Provenance::SinceCommit);
        assert_eq!(range.base.as_deref(), Some("abc"));
        let err = detect(&env(&[]), None).unwrap_err().to_string();
        assert!(err.contains("--since-commit"), "{err}");
    }
}
