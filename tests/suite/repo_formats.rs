//! Every repository format and layout git can use, used the way git users
//! do: each test ends in a real `git commit`, `git push` or history scan.
//! A secret blocks with its location and a clean change passes; anything
//! that cannot be read blocks with exit 2 naming what.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::util::*;

const SECRET_LINE: &str = "KEY = \"AKIAD7RGN7SS555HMTF6\"\n";

/// A repository made by `git init ARGS`, hook installed.
fn init_with(args: &[&str]) -> TestRepo {
    let repo = TestRepo::empty_dir();
    let mut all = vec!["init", "-q", "-b", "main"];
    all.extend_from_slice(args);
    repo.git(&all);
    repo.install_hook();
    repo
}

/// Commits a clean file, then checks a staged secret blocks the commit
/// naming `app.py:2:8` and a clean change passes.
fn commit_blocks_secret_and_passes_clean(repo: &TestRepo) {
    repo.stage("app.py", "x = 1\n");
    assert_passed(&repo.commit(&[]));
    repo.stage("app.py", &format!("x = 1\n{SECRET_LINE}"));
    let all = assert_blocked_by_finding(&repo.commit(&[]));
    assert!(all.contains("app.py:2:8"), "{all}");
    repo.stage("app.py", "x = 1\ny = 2\n");
    assert_passed(&repo.commit(&[]));
}

/// A history scan finds the secret committed with hooks bypassed.
fn history_finds_committed_secret(repo: &TestRepo) {
    repo.stage("leak.py", SECRET_LINE);
    repo.commit_unchecked("leak");
    let all = assert_blocked_by_finding(&repo.leakgate(&["scan", "--history"]));
    assert!(all.contains("leak.py:1:8"), "{all}");
}

#[test]
fn reftable_repository_commit_push_and_history_scan() {
    let repo = init_with(&["--ref-format=reftable"]);
    assert_passed(&repo.leakgate(&["install", "--hook", "all"]));
    commit_blocks_secret_and_passes_clean(&repo);
    let remote = repo.add_bare_remote();
    assert_passed(&repo.push(&["-q", "origin", "main"]));
    history_finds_committed_secret(&repo);
    let all = assert_blocked_by_finding(&repo.push(&["-q", "origin", "main"]));
    assert!(all.contains("leak.py:1:8"), "{all}");
    assert_ne!(
        repo.remote_ref(remote.path(), "refs/heads/main"),
        Some(repo.rev_parse("HEAD"))
    );
}

#[test]
fn explicit_ref_storage_files_extension() {
    let repo = init_with(&[]);
    repo.git(&["config", "core.repositoryformatversion", "1"]);
    repo.git(&["config", "extensions.refStorage", "files"]);
    commit_blocks_secret_and_passes_clean(&repo);
    history_finds_committed_secret(&repo);
}

#[test]
fn partial_clone_extension() {
    let repo = init_with(&[]);
    repo.git(&["config", "core.repositoryformatversion", "1"]);
    repo.git(&["config", "extensions.partialClone", "origin"]);
    commit_blocks_secret_and_passes_clean(&repo);
    history_finds_committed_secret(&repo);
}

#[test]
fn worktree_config_extension() {
    let repo = init_with(&[]);
    repo.git(&["config", "core.repositoryformatversion", "1"]);
    repo.git(&["config", "extensions.worktreeConfig", "true"]);
    repo.git(&["config", "--worktree", "user.name", "Worktree Test"]);
    commit_blocks_secret_and_passes_clean(&repo);
    history_finds_committed_secret(&repo);
}

#[test]
fn sha256_repository_clean_commit_passes_and_secret_blocks_naming_path_and_line() {
    let repo = init_with(&["--object-format=sha256"]);
    commit_blocks_secret_and_passes_clean(&repo);
    history_finds_committed_secret(&repo);
}

/// `git --git-dir=DOTFILES --work-tree=HOME`: the dotfiles set-up.
fn dotfiles_git(repo: &TestRepo, git_dir: &Path, home: &Path) -> Command {
    let mut git = repo.command("git");
    git.current_dir(home)
        .arg("--git-dir")
        .arg(git_dir)
        .arg("--work-tree")
        .arg(home);
    git
}

#[test]
fn bare_repository_with_a_work_tree_has_the_hook_installed_and_firing() {
    let repo = TestRepo::empty_dir();
    let git_dir = repo.path().join("dotfiles.git");
    let home = repo.path().join("home");
    std::fs::create_dir(&home).unwrap();
    repo.git(&["init", "-q", "--bare", "-b", "main", "dotfiles.git"]);
    let run = |args: &[&str]| -> Output {
        dotfiles_git(&repo, &git_dir, &home)
            .args(args)
            .output()
            .unwrap()
    };
    let install = repo
        .command(leakgate_bin())
        .current_dir(&home)
        .env("GIT_DIR", &git_dir)
        .env("GIT_WORK_TREE", &home)
        .arg("install")
        .output()
        .unwrap();
    assert_passed(&install);
    std::fs::write(home.join(".bashrc"), "alias ll='ls -l'\n").unwrap();
    assert_passed(&run(&["add", ".bashrc"]));
    assert_passed(&run(&["commit", "-q", "-m", "clean"]));
    std::fs::write(
        home.join(".bashrc"),
        format!("alias ll='ls -l'\nexport AWS_{SECRET_LINE}"),
    )
    .unwrap();
    assert_passed(&run(&["add", ".bashrc"]));
    let all = assert_blocked_by_finding(&run(&["commit", "-q", "-m", "leak"]));
    assert!(all.contains(".bashrc:2"), "{all}");
    // The same through the environment instead of options.
    let env_commit = repo
        .command("git")
        .current_dir(&home)
        .env("GIT_DIR", &git_dir)
        .env("GIT_WORK_TREE", &home)
        .args(["commit", "-q", "-m", "leak"])
        .output()
        .unwrap();
    let all = assert_blocked_by_finding(&env_commit);
    assert!(all.contains(".bashrc:2"), "{all}");
}

#[test]
fn a_replace_ref_on_head_does_not_change_what_is_scanned() {
    let repo = init_with(&[]);
    repo.stage("app.py", "x = 1\n");
    assert_passed(&repo.commit(&[]));
    let real_head = repo.rev_parse("HEAD");
    // A replacement of HEAD whose tree already has the secret: diffing
    // against it would call the staged secret old.
    repo.stage("app.py", &format!("x = 1\n{SECRET_LINE}"));
    let tree = repo.git(&["write-tree"]).trim().to_string();
    let replacement = repo
        .git(&["commit-tree", &tree, "-m", "replacement"])
        .trim()
        .to_string();
    repo.git(&["replace", &real_head, &replacement]);
    let all = assert_blocked_by_finding(&repo.commit(&[]));
    assert!(all.contains("app.py:2:8"), "{all}");
    // The real HEAD has no secret; the replacement's tree is not history.
    assert_passed(&repo.leakgate(&["scan", "--history", "HEAD"]));
}

#[test]
fn git_namespace_set_gives_no_false_alarm_for_an_untouched_old_secret() {
    let repo = init_with(&[]);
    repo.stage("old.py", SECRET_LINE);
    repo.commit_unchecked("old secret");
    repo.stage("app.py", "x = 1\n");
    let out = repo
        .command("git")
        .env("GIT_NAMESPACE", "team")
        .args(["commit", "-q", "-m", "clean"])
        .output()
        .unwrap();
    assert_passed(&out);
    repo.stage("app.py", &format!("x = 1\n{SECRET_LINE}"));
    let out = repo
        .command("git")
        .env("GIT_NAMESPACE", "team")
        .args(["commit", "-q", "-m", "leak"])
        .output()
        .unwrap();
    let all = assert_blocked_by_finding(&out);
    assert!(
        all.contains("app.py:2:8") && !all.contains("old.py"),
        "{all}"
    );
}

/// A repository whose objects live only in `source`'s object store,
/// reached through `objects/info/alternates` holding `alternate`.
fn borrowing_repo(source: &TestRepo, alternate: impl Fn(&Path) -> PathBuf) -> TestRepo {
    let borrower = TestRepo::empty_dir();
    borrower.git(&["init", "-q", "-b", "main"]);
    let objects = borrower.path().join(".git/objects");
    let target = alternate(&objects);
    std::fs::write(
        objects.join("info/alternates"),
        format!("{}\n", target.display()),
    )
    .unwrap();
    let head = source.rev_parse("HEAD");
    borrower.git(&["update-ref", "refs/heads/main", &head]);
    borrower.git(&["reset", "-q", "--hard"]);
    borrower.install_hook();
    // Every object of the history is borrowed, none copied.
    assert_eq!(
        borrower.git(&["count-objects"]).trim(),
        "0 objects, 0 kilobytes"
    );
    borrower
}

fn source_repo() -> TestRepo {
    let source = TestRepo::new();
    source.stage("app.py", "x = 1\n");
    source.stage("old.py", SECRET_LINE);
    source.commit_unchecked("base");
    source
}

fn edits_in_borrowing_repo_are_scanned(borrower: &TestRepo) {
    borrower.stage("app.py", &format!("x = 1\n{SECRET_LINE}"));
    let all = assert_blocked_by_finding(&borrower.commit(&[]));
    assert!(
        all.contains("app.py:2:8") && !all.contains("old.py"),
        "{all}"
    );
    borrower.stage("app.py", "x = 1\ny = 2\n");
    assert_passed(&borrower.commit(&[]));
    let all = assert_blocked_by_finding(&borrower.leakgate(&["scan", "--history"]));
    assert!(all.contains("old.py:1:8"), "{all}");
}

#[test]
fn alternates_with_an_absolute_path() {
    let source = source_repo();
    let source_objects = source.path().join(".git/objects");
    let borrower = borrowing_repo(&source, |_| source_objects.clone());
    edits_in_borrowing_repo_are_scanned(&borrower);
}

#[test]
fn alternates_with_a_relative_path() {
    let source = source_repo();
    let source_objects = source.path().join(".git/objects");
    let borrower = borrowing_repo(&source, |objects| {
        // Relative to the borrower's objects directory, as git resolves it.
        let up = objects.components().count();
        let mut relative = PathBuf::new();
        for _ in 0..up - 1 {
            relative.push("..");
        }
        relative.join(source_objects.strip_prefix("/").unwrap())
    });
    edits_in_borrowing_repo_are_scanned(&borrower);
}

/// A bare server allowing filters with two versions of `app.py`, and a
/// `--filter=blob:none` clone of it whose HEAD is moved back one commit:
/// the index holds version 2 while HEAD's version 1 was never fetched.
fn partial_clone_missing_old_blob() -> (TestRepo, TestRepo, PathBuf) {
    let origin = TestRepo::new();
    origin.stage("app.py", "x = 1\n");
    origin.commit_unchecked("v1");
    origin.stage("app.py", "x = 1\ny = 2\n");
    origin.commit_unchecked("v2");
    let server = origin.path().join("server.git");
    origin.git(&["clone", "-q", "--bare", ".", server.to_str().unwrap()]);
    origin.git(&[
        "--git-dir",
        server.to_str().unwrap(),
        "config",
        "uploadpack.allowFilter",
        "true",
    ]);
    let clone = TestRepo::empty_dir();
    clone.git(&[
        "clone",
        "-q",
        "--filter=blob:none",
        &format!("file://{}", server.display()),
        ".",
    ]);
    clone.git(&["reset", "-q", "--soft", "HEAD~1"]);
    let old_blob = clone.rev_parse("HEAD:app.py");
    let missing = clone
        .command("git")
        .args(["cat-file", "-e", &old_blob])
        .env("GIT_NO_LAZY_FETCH", "1")
        .output()
        .unwrap();
    assert!(!missing.status.success(), "the old blob must be missing");
    clone.install_hook();
    (origin, clone, server)
}

#[test]
fn partial_clone_with_a_missing_old_blob_fetches_it() {
    let (_origin, clone, _server) = partial_clone_missing_old_blob();
    // Version 2 adds one clean line to version 1; the secret is new too.
    clone.stage("app.py", &format!("x = 1\ny = 2\n{SECRET_LINE}"));
    let all = assert_blocked_by_finding(&clone.commit(&[]));
    assert!(all.contains("app.py:3:8"), "{all}");
    clone.stage("app.py", "x = 1\ny = 2\nz = 3\n");
    assert_passed(&clone.commit(&[]));
}

#[test]
fn partial_clone_with_an_unreachable_missing_old_blob_blocks_naming_the_path() {
    let (_origin, clone, server) = partial_clone_missing_old_blob();
    std::fs::rename(&server, server.with_extension("gone")).unwrap();
    clone.stage("app.py", &format!("x = 1\ny = 2\n{SECRET_LINE}"));
    let all = assert_blocked_by_error(&clone.commit(&[]));
    assert!(all.contains("app.py"), "{all}");
}
