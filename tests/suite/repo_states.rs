//! Every state a repository can be in when `git commit` runs the hook: the
//! staged changes are scanned, a secret blocks the commit and a clean
//! commit passes. What cannot be read blocks with exit 2 and says why. And
//! a scan never changes the repository it reads.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::util::*;

fn repo_with_hook() -> TestRepo {
    let repo = TestRepo::new();
    repo.install_hook();
    repo
}

/// A repository with one commit on `main`.
fn repo_with_history() -> TestRepo {
    let repo = repo_with_hook();
    repo.stage("app.py", "x = 1\n");
    assert_passed(&repo.commit(&[]));
    repo
}

const SECRET_LINE: &str = "KEY = \"AKIAD7RGN7SS555HMTF6\"\n";

/// Stages a secret, checks the commit is blocked with its location, then
/// stages a clean version and checks the commit passes.
fn blocks_secret_then_passes_clean(repo: &TestRepo, commit: impl Fn() -> Output) {
    repo.stage("app.py", &format!("x = 1\n{SECRET_LINE}"));
    let all = assert_blocked_by_finding(&commit());
    assert!(all.contains("app.py:2:8"), "{all}");
    repo.stage("app.py", "x = 1\ny = 2\n");
    assert_passed(&commit());
}

#[test]
fn unborn_branch_first_commit() {
    let repo = repo_with_hook();
    blocks_secret_then_passes_clean(&repo, || repo.commit(&[]));
}

#[test]
fn unborn_orphan_branch_in_a_repository_with_history() {
    let repo = repo_with_history();
    repo.git(&["checkout", "-q", "--orphan", "fresh"]);
    blocks_secret_then_passes_clean(&repo, || repo.commit(&[]));
}

#[test]
fn detached_head() {
    let repo = repo_with_history();
    repo.git(&["checkout", "-q", "--detach"]);
    blocks_secret_then_passes_clean(&repo, || repo.commit(&[]));
}

/// Two branches that both change `app.py`'s second line.
fn conflicting_branches(repo: &TestRepo) {
    repo.stage("app.py", "x = 1\nmode = base\n");
    repo.commit_unchecked("base");
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.stage("app.py", "x = 1\nmode = side\n");
    repo.commit_unchecked("side");
    repo.git(&["checkout", "-q", "main"]);
    repo.stage("app.py", "x = 1\nmode = main\n");
    repo.commit_unchecked("main");
}

#[test]
fn the_commit_that_concludes_a_conflicted_merge() {
    let repo = repo_with_history();
    conflicting_branches(&repo);
    assert!(!repo.try_git(&["merge", "-q", "side"]).status.success());
    blocks_secret_then_passes_clean(&repo, || repo.commit(&["--no-edit"]));
    let parents = repo.git(&["rev-list", "--parents", "-n1", "HEAD"]);
    assert_eq!(parents.split_whitespace().count(), 3, "a merge commit");
}

#[test]
fn amend() {
    let repo = repo_with_history();
    blocks_secret_then_passes_clean(&repo, || repo.commit(&["--amend"]));
    assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]).trim(), "1");
}

#[test]
fn cherry_pick_continue_after_a_conflict() {
    let repo = repo_with_history();
    conflicting_branches(&repo);
    assert!(!repo.try_git(&["cherry-pick", "side"]).status.success());
    blocks_secret_then_passes_clean(&repo, || {
        repo.command("git")
            .args(["cherry-pick", "--continue"])
            .env("GIT_EDITOR", "true")
            .output()
            .unwrap()
    });
}

/// git does not run pre-commit for the commits `git rebase` makes (not even
/// `--continue` after a conflict): committing the resolution with `git
/// commit` runs it, and `leakgate scan` sees the staged resolution.
#[test]
fn rebase_stopped_at_a_conflict() {
    let repo = repo_with_history();
    conflicting_branches(&repo);
    repo.git(&["checkout", "-q", "side"]);
    assert!(!repo.try_git(&["rebase", "main"]).status.success());
    repo.stage("app.py", &format!("x = 1\n{SECRET_LINE}"));
    let out = repo.leakgate(&["scan"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    blocks_secret_then_passes_clean(&repo, || repo.commit(&[]));
    let out = repo
        .command("git")
        .args(["rebase", "--continue"])
        .env("GIT_EDITOR", "true")
        .output()
        .unwrap();
    assert_passed(&out);
}

#[test]
fn interactive_rebase_editing_a_commit() {
    let repo = repo_with_history();
    repo.stage("b.py", "b = 1\n");
    repo.commit_unchecked("second");
    let out = repo
        .command("git")
        .args(["rebase", "-i", "HEAD~1"])
        .env("GIT_SEQUENCE_EDITOR", "sed -i -e s/^pick/edit/")
        .output()
        .unwrap();
    assert_passed(&out);
    blocks_secret_then_passes_clean(&repo, || repo.commit(&["--amend"]));
    assert_passed(&repo.try_git(&["rebase", "--continue"]));
}

fn sparse_repo() -> TestRepo {
    let repo = repo_with_hook();
    repo.stage("in/a.txt", "a\n");
    repo.stage("out/b.txt", "b\n");
    repo.commit_unchecked("two dirs");
    repo
}

/// Stages a secret inside the sparse cone, then a clean file.
fn sparse_blocks_secret_then_passes_clean(repo: &TestRepo) {
    repo.stage("in/app.py", SECRET_LINE);
    let all = assert_blocked_by_finding(&repo.commit(&[]));
    assert!(all.contains("in/app.py:1:8"), "{all}");
    repo.git(&["rm", "-q", "--cached", "in/app.py"]);
    repo.stage("in/clean.py", "c = 1\n");
    assert_passed(&repo.commit(&[]));
}

#[test]
fn sparse_checkout() {
    let repo = sparse_repo();
    repo.git(&["sparse-checkout", "set", "--no-sparse-index", "in"]);
    assert!(!repo.path().join("out/b.txt").exists());
    sparse_blocks_secret_then_passes_clean(&repo);
}

fn sparse_index_repo() -> TestRepo {
    let repo = sparse_repo();
    repo.git(&["sparse-checkout", "set", "--sparse-index", "in"]);
    let entries = repo.git(&["ls-files", "--sparse"]);
    assert!(entries.contains("out/\n"), "the index is sparse: {entries}");
    repo
}

#[test]
fn sparse_index() {
    sparse_blocks_secret_then_passes_clean(&sparse_index_repo());
}

fn split_index_repo() -> TestRepo {
    let repo = repo_with_history();
    repo.git(&["config", "core.splitIndex", "true"]);
    repo.git(&["update-index", "--split-index"]);
    let shared = std::fs::read_dir(repo.path().join(".git"))
        .unwrap()
        .any(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("sharedindex.")
        });
    assert!(shared, "the index is split");
    repo
}

#[test]
fn split_index() {
    let repo = split_index_repo();
    blocks_secret_then_passes_clean(&repo, || repo.commit(&[]));
}

#[test]
fn each_linked_worktree_commits_its_own_index() {
    let repo = repo_with_history();
    let linked = repo.path().join("linked");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        linked.to_str().unwrap(),
        "-b",
        "side",
    ]);
    // A secret staged in the main worktree does not block the linked one.
    repo.stage("main-only.py", SECRET_LINE);
    let in_linked = |args: &[&str]| {
        repo.command("git")
            .current_dir(&linked)
            .args(args)
            .output()
            .unwrap()
    };
    std::fs::write(linked.join("clean.py"), "c = 1\n").unwrap();
    assert_passed(&in_linked(&["add", "clean.py"]));
    assert_passed(&in_linked(&["commit", "-m", "clean"]));
    std::fs::write(linked.join("leak.py"), SECRET_LINE).unwrap();
    assert_passed(&in_linked(&["add", "leak.py"]));
    let all = assert_blocked_by_finding(&in_linked(&["commit", "-m", "leak"]));
    assert!(
        all.contains("leak.py:1:8") && !all.contains("main-only.py"),
        "{all}"
    );
}

#[test]
fn submodules_in_the_superproject_and_inside_the_submodule() {
    let outer = TestRepo::empty_dir();
    let git_in = |dir: &Path, args: &[&str]| {
        let out = outer
            .command("git")
            .current_dir(dir)
            .args(["-c", "protocol.file.allow=always"])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", text(&out));
    };
    let sub_origin = outer.path().join("lib");
    let superproject = outer.path().join("app");
    for dir in [&sub_origin, &superproject] {
        std::fs::create_dir(dir).unwrap();
        git_in(dir, &["init", "-q", "-b", "main"]);
    }
    std::fs::write(sub_origin.join("lib.py"), "l = 1\n").unwrap();
    git_in(&sub_origin, &["add", "lib.py"]);
    git_in(&sub_origin, &["commit", "-q", "-m", "lib"]);
    let leakgate_in = |dir: &Path, args: &[&str]| {
        outer
            .command(leakgate_bin())
            .current_dir(dir)
            .args(args)
            .output()
            .unwrap()
    };
    assert_passed(&leakgate_in(&superproject, &["install"]));
    git_in(&superproject, &["submodule", "add", "-q", "../lib", "lib"]);
    let commit_in = |dir: &Path, message: &str| {
        outer
            .command("git")
            .current_dir(dir)
            .args(["commit", "-m", message])
            .output()
            .unwrap()
    };
    // Adding the submodule (a gitlink, no content) passes.
    assert_passed(&commit_in(&superproject, "add lib"));

    // A secret committed inside the submodule, with the hook installed there
    // (its hooks live in the superproject's .git/modules/lib).
    let sub = superproject.join("lib");
    assert_passed(&leakgate_in(&sub, &["install"]));
    std::fs::write(sub.join("leak.py"), SECRET_LINE).unwrap();
    git_in(&sub, &["add", "leak.py"]);
    let all = assert_blocked_by_finding(&commit_in(&sub, "leak"));
    assert!(all.contains("leak.py:1:8"), "{all}");
    git_in(&sub, &["rm", "-q", "--cached", "leak.py"]);
    std::fs::remove_file(sub.join("leak.py")).unwrap();
    std::fs::write(sub.join("more.py"), "m = 2\n").unwrap();
    git_in(&sub, &["add", "more.py"]);
    assert_passed(&commit_in(&sub, "more"));

    // In the superproject, a submodule bump next to a secret: the secret
    // blocks; the bump alone passes.
    git_in(&superproject, &["add", "lib"]);
    std::fs::write(superproject.join("conf.py"), SECRET_LINE).unwrap();
    git_in(&superproject, &["add", "conf.py"]);
    let all = assert_blocked_by_finding(&commit_in(&superproject, "bump"));
    assert!(all.contains("conf.py:1:8"), "{all}");
    git_in(&superproject, &["rm", "-q", "--cached", "conf.py"]);
    assert_passed(&commit_in(&superproject, "bump"));
}

#[test]
fn shallow_clone() {
    let origin = repo_with_history();
    origin.stage("second.py", "s = 2\n");
    origin.commit_unchecked("second");
    let clone_dir = origin.home().join("shallow");
    let url = format!("file://{}", origin.path().display());
    origin.git(&[
        "clone",
        "-q",
        "--depth",
        "1",
        &url,
        clone_dir.to_str().unwrap(),
    ]);
    assert!(clone_dir.join(".git/shallow").exists());
    let in_clone = |args: &[&str]| {
        origin
            .command("git")
            .current_dir(&clone_dir)
            .args(args)
            .output()
            .unwrap()
    };
    let out = origin
        .command(leakgate_bin())
        .current_dir(&clone_dir)
        .arg("install")
        .output()
        .unwrap();
    assert_passed(&out);
    std::fs::write(clone_dir.join("app.py"), format!("x = 1\n{SECRET_LINE}")).unwrap();
    assert_passed(&in_clone(&["add", "app.py"]));
    let all = assert_blocked_by_finding(&in_clone(&["commit", "-m", "leak"]));
    assert!(all.contains("app.py:2:8"), "{all}");
    std::fs::write(clone_dir.join("app.py"), "x = 1\ny = 2\n").unwrap();
    assert_passed(&in_clone(&["add", "app.py"]));
    assert_passed(&in_clone(&["commit", "-m", "clean"]));
}

#[test]
fn an_index_pointing_at_a_missing_object_blocks_the_commit_naming_the_path() {
    let repo = repo_with_history();
    repo.stage("lost.txt", "content that will vanish\n");
    repo.lose_staged_object("lost.txt");
    let all = assert_blocked_by_error(&repo.commit(&[]));
    assert!(all.contains("cannot read the content of lost.txt"), "{all}");
    assert!(all.contains("nothing was allowed through"), "{all}");
    assert_eq!(repo.git(&["rev-list", "--count", "HEAD"]).trim(), "1");
}

/// Every file under `dir` with its size, modification time and content.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (std::time::SystemTime, Vec<u8>)> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                pending.push(entry.path());
            } else {
                let content = std::fs::read(entry.path()).unwrap();
                files.insert(entry.path(), (meta.modified().unwrap(), content));
            }
        }
    }
    files
}

#[test]
fn a_scan_changes_nothing_and_needs_no_lock() {
    let repo = repo_with_history();
    repo.git(&["config", "core.splitIndex", "false"]);
    repo.stage("leak.py", SECRET_LINE);
    repo.stage("clean.py", "c = 1\n");
    repo.write("app.py", "x = 2\n"); // unstaged change
    repo.write("untracked.txt", "u\n");
    // git holds index.lock while the pre-commit hook runs; a scan must not
    // need it, take it, or remove it.
    std::fs::write(repo.path().join(".git/index.lock"), b"").unwrap();
    let before = snapshot(repo.path());
    for args in [
        &["scan"][..],
        &["scan", "--format", "json"],
        &["scan", "--staged", "clean.py"],
        &["scan", "leak.py"],
        &["rules"],
    ] {
        let out = repo.leakgate(args);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{args:?}: {}",
            text(&out)
        );
        assert_eq!(
            before,
            snapshot(repo.path()),
            "{args:?} changed the repository"
        );
    }
    // Also when the scan fails.
    repo.write(".leakgate.toml", "not toml");
    let before = snapshot(repo.path());
    assert_eq!(repo.leakgate(&["scan"]).status.code(), Some(2));
    assert_eq!(before, snapshot(repo.path()));
}
