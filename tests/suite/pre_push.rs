//! The pre-push hook scans exactly the commits a push sends, with real
//! `git push` to a local bare repository.

use std::os::unix::fs::PermissionsExt;

use crate::util::*;

/// A repository with one clean commit on `main`, already pushed to a bare
/// `origin`, and both hooks installed.
fn pushed_repo() -> (TestRepo, tempfile::TempDir) {
    let repo = TestRepo::new();
    let remote = repo.add_bare_remote();
    repo.commit_file("README.md", "hello\n", "readme");
    assert_passed(&repo.push(&["-q", "origin", "main"]));
    let out = repo.leakgate(&["install", "--hook", "all"]);
    assert_passed(&out);
    (repo, remote)
}

#[test]
fn install_all_puts_both_hooks_where_git_runs_them() {
    let repo = TestRepo::new();
    let all = assert_passed(&repo.leakgate(&["install", "--hook", "all"]));
    for hook in ["pre-commit", "pre-push"] {
        let path = repo.path().join(".git/hooks").join(hook);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert!(mode & 0o111 != 0, "{hook} is executable");
        assert!(all.contains(hook), "{all}");
    }
    assert_passed(&repo.leakgate(&["uninstall", "--hook", "all"]));
    assert!(!repo.path().join(".git/hooks/pre-push").exists());
    assert!(!repo.path().join(".git/hooks/pre-commit").exists());
}

#[test]
fn a_clean_push_to_an_existing_branch_passes() {
    let (repo, remote) = pushed_repo();
    let head = repo.commit_file("app.py", "print('hi')\n", "app");
    assert_passed(&repo.push(&["origin", "main"]));
    assert_eq!(
        repo.remote_ref(remote.path(), "refs/heads/main"),
        Some(head)
    );
}

#[test]
fn a_commit_made_with_no_verify_is_stopped_at_push() {
    let (repo, remote) = pushed_repo();
    let before = repo.remote_ref(remote.path(), "refs/heads/main");
    let sneaky = repo.commit_file("k.py", &format!("K = \"{AWS_KEY_ID}\"\n"), "sneaky");
    repo.commit_file("k.py", "K = None\n", "cover it up");

    let out = repo.push(&["origin", "main"]);
    let all = assert_blocked_by_finding(&out);
    assert!(all.contains("k.py:1:"), "{all}");
    assert!(all.contains(&format!("commit {}", &sneaky[..12])), "{all}");
    assert!(all.contains("push blocked"), "{all}");
    assert_eq!(
        repo.remote_ref(remote.path(), "refs/heads/main"),
        before,
        "the remote did not move"
    );
}

#[test]
fn a_new_branch_is_scanned_only_for_what_the_remote_lacks() {
    let repo = TestRepo::new();
    let remote = repo.add_bare_remote();
    // A secret the remote already has (pushed before leakgate was set up)
    // is not this push's doing.
    repo.commit_file("old.py", &format!("K = \"{AWS_KEY_ID}\"\n"), "old leak");
    assert_passed(&repo.push(&["-q", "origin", "main"]));
    assert_passed(&repo.leakgate(&["install", "--hook", "all"]));

    repo.git(&["checkout", "-q", "-b", "clean-topic"]);
    repo.commit_file("a.txt", "a\n", "clean work");
    assert_passed(&repo.push(&["origin", "clean-topic"]));

    repo.git(&["checkout", "-q", "-b", "leaky-topic"]);
    repo.commit_file("b.py", &format!("T = \"{GITHUB_TOKEN}\"\n"), "leak");
    let out = repo.push(&["origin", "leaky-topic"]);
    let all = assert_blocked_by_finding(&out);
    assert!(all.contains("b.py:1:"), "{all}");
    assert!(
        !all.contains("old.py"),
        "the remote's own history is not rescanned: {all}"
    );
    assert_eq!(
        repo.remote_ref(remote.path(), "refs/heads/leaky-topic"),
        None
    );
}

#[test]
fn deleting_a_branch_passes_even_when_it_holds_a_secret() {
    let (repo, remote) = pushed_repo();
    repo.git(&["checkout", "-q", "-b", "leaky"]);
    repo.commit_file("b.py", &format!("T = \"{GITHUB_TOKEN}\"\n"), "leak");
    assert_passed(&repo.push(&["-q", "--no-verify", "origin", "leaky"]));
    assert!(repo.remote_ref(remote.path(), "refs/heads/leaky").is_some());

    assert_passed(&repo.push(&["origin", "--delete", "leaky"]));
    assert_eq!(repo.remote_ref(remote.path(), "refs/heads/leaky"), None);
}

#[test]
fn several_refs_in_one_push_are_all_scanned_and_one_secret_stops_them_all() {
    let (repo, remote) = pushed_repo();
    let main_before = repo.remote_ref(remote.path(), "refs/heads/main");
    repo.commit_file("ok.txt", "fine\n", "clean on main");
    repo.git(&["checkout", "-q", "-b", "second"]);
    repo.commit_file("s.py", &format!("K = \"{AWS_KEY_ID}\"\n"), "leak on second");
    repo.git(&["checkout", "-q", "main"]);

    let out = repo.push(&["origin", "main", "second"]);
    let all = assert_blocked_by_finding(&out);
    assert!(all.contains("s.py:1:"), "{all}");
    assert_eq!(
        repo.remote_ref(remote.path(), "refs/heads/main"),
        main_before
    );
    assert_eq!(repo.remote_ref(remote.path(), "refs/heads/second"), None);

    repo.git(&["checkout", "-q", "second"]);
    repo.git(&["reset", "-q", "--hard", "main"]);
    repo.commit_file("s.py", "K = None\n", "clean on second");
    assert_passed(&repo.push(&["origin", "main", "second"]));
}

#[test]
fn a_tag_on_an_unpushed_secret_is_stopped_and_a_tag_on_pushed_work_passes() {
    let (repo, remote) = pushed_repo();
    repo.git(&["tag", "-a", "-m", "first release", "v1"]);
    assert_passed(&repo.push(&["origin", "v1"]));
    assert!(repo.remote_ref(remote.path(), "refs/tags/v1").is_some());

    repo.git(&["checkout", "-q", "--detach"]);
    repo.commit_file("k.py", &format!("K = \"{AWS_KEY_ID}\"\n"), "leak");
    repo.git(&["tag", "-a", "-m", "second release", "v2"]);
    let all = assert_blocked_by_finding(&repo.push(&["origin", "v2"]));
    assert!(all.contains("k.py:1:"), "{all}");
    assert_eq!(repo.remote_ref(remote.path(), "refs/tags/v2"), None);
}

#[test]
fn a_previous_pre_push_hook_is_chained_and_gets_the_same_stdin() {
    let repo = TestRepo::new();
    let _remote = repo.add_bare_remote();
    let hook = repo.path().join(".git/hooks/pre-push");
    std::fs::create_dir_all(hook.parent().unwrap()).unwrap();
    std::fs::write(
        &hook,
        "#!/bin/sh\ndir=$(git rev-parse --git-dir)\necho \"$1 $2\" > \"$dir/chained-args\"\ncat > \"$dir/chained-stdin\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_passed(&repo.leakgate(&["install", "--hook", "pre-push"]));
    let head = repo.commit_file("a.txt", "a\n", "one");

    assert_passed(&repo.push(&["origin", "main"]));
    let stdin = std::fs::read_to_string(repo.path().join(".git/chained-stdin")).unwrap();
    assert_eq!(
        stdin,
        format!(
            "refs/heads/main {head} refs/heads/main {}\n",
            "0".repeat(40)
        )
    );
    let args = std::fs::read_to_string(repo.path().join(".git/chained-args")).unwrap();
    assert!(args.starts_with("origin "), "{args}");

    assert_passed(&repo.leakgate(&["uninstall", "--hook", "pre-push"]));
    assert!(
        std::fs::read_to_string(&hook)
            .unwrap()
            .contains("chained-stdin")
    );
}

#[test]
fn the_shipped_pre_push_hook_works_as_core_hooks_path() {
    let repo = TestRepo::new();
    let remote = repo.add_bare_remote();
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("hooks");
    repo.git(&["config", "core.hooksPath", shipped.to_str().unwrap()]);
    repo.commit_file("k.py", &format!("K = \"{AWS_KEY_ID}\"\n"), "leak");
    assert_blocked_by_finding(&repo.push(&["origin", "main"]));
    assert_eq!(repo.remote_ref(remote.path(), "refs/heads/main"), None);
    let shim = std::fs::read(shipped.join("pre-push")).unwrap();
    assert!(!shim.contains(&b'\r'), "the shim has LF line endings");
}

#[test]
fn garbage_on_stdin_is_an_error_that_blocks() {
    let repo = TestRepo::new();
    repo.commit_file("a.txt", "a\n", "one");
    let mut child = repo
        .command(leakgate_bin())
        .args(["scan", "--pre-push", "origin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"refs/heads/main not-a-sha\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("line 1"), "{}", text(&out));
}

#[test]
fn a_blocked_push_suggests_rewriting_the_commit_or_a_baseline_never_an_inline_allow() {
    let repo = TestRepo::new();
    let _remote = repo.add_bare_remote();
    assert_passed(&repo.leakgate(&["install", "--hook", "pre-push"]));
    repo.commit_file("k.py", &format!("K = \"{AWS_KEY_ID}\"\n"), "sneaky");
    let all = assert_blocked_by_finding(&repo.push(&["origin", "main"]));
    assert!(!all.contains("leakgate:allow"), "{all}");
    assert!(all.contains("git rebase -i"), "{all}");
    assert!(all.contains("leakgate baseline --reason"), "{all}");
    assert!(!all.contains("config.example.toml"), "{all}");
}
