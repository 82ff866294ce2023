//! The pre-commit hook blocks exactly the commits that add secrets.

use crate::util::*;

fn repo_with_hook() -> TestRepo {
    let repo = TestRepo::new();
    repo.install_hook();
    repo
}

#[test]
fn a_staged_secret_blocks_the_commit_and_names_path_line_and_column() {
    let repo = repo_with_hook();
    repo.stage(
        "config/settings.py",
        &format!("DEBUG = True\nAWS_KEY = \"{AWS_KEY_ID}\"\n"),
    );
    let all = assert_blocked_by_finding(&repo.commit(&[]));
    assert!(all.contains("config/settings.py:2:12"), "{all}");
    assert!(all.contains("aws-access-key-id"), "{all}");
    assert!(all.contains("commit blocked"), "{all}");
    assert!(
        repo.try_git(&["rev-parse", "HEAD"]).status.code() != Some(0),
        "no commit was made"
    );
}

#[test]
fn a_clean_commit_passes() {
    let repo = repo_with_hook();
    repo.stage("app.py", "print('hello')\n");
    assert_passed(&repo.commit(&[]));
}

#[test]
fn a_secret_only_in_the_working_tree_does_not_block() {
    let repo = repo_with_hook();
    repo.stage("app.py", "print('hello')\n");
    repo.write("notes.txt", &format!("key {AWS_KEY_ID}\n"));
    assert_passed(&repo.commit(&[]));
}

#[test]
fn with_partial_staging_the_staged_version_decides_both_ways() {
    let repo = repo_with_hook();
    // Staged secret, cleaned in the working tree only: still blocked.
    repo.stage("app.py", &format!("KEY = \"{AWS_KEY_ID}\"\n"));
    repo.write("app.py", "KEY = None\n");
    assert_blocked_by_finding(&repo.commit(&[]));
    // Staged clean, secret in the working tree only: passes.
    repo.stage("app.py", "KEY = None\n");
    repo.write("app.py", &format!("KEY = \"{AWS_KEY_ID}\"\n"));
    assert_passed(&repo.commit(&[]));
}

#[test]
fn git_commit_all_with_a_secret_is_blocked() {
    let repo = repo_with_hook();
    repo.stage("app.py", "KEY = None\n");
    assert_passed(&repo.commit(&[]));
    repo.write("app.py", &format!("KEY = \"{GITHUB_TOKEN}\"\n"));
    let all = assert_blocked_by_finding(&repo.commit(&["-a"]));
    assert!(all.contains("app.py:1:8"), "{all}");
}

#[test]
fn git_commit_with_a_path_and_a_secret_is_blocked() {
    let repo = repo_with_hook();
    repo.stage("app.py", "KEY = None\n");
    repo.stage("other.py", "x = 1\n");
    assert_passed(&repo.commit(&[]));
    repo.write("app.py", &format!("KEY = \"{GITHUB_TOKEN}\"\n"));
    assert_blocked_by_finding(&repo.commit(&["--", "app.py"]));
    assert_blocked_by_finding(&repo.commit(&["--only", "app.py"]));
    // A path-limited commit of a clean file is not held up by the other one.
    repo.write("other.py", "x = 2\n");
    assert_passed(&repo.commit(&["--", "other.py"]));
}

#[test]
fn the_first_commit_of_a_repository_is_scanned() {
    let repo = repo_with_hook();
    repo.stage("README", &format!("token {GITHUB_TOKEN}\n"));
    assert_blocked_by_finding(&repo.commit(&[]));
}

#[test]
fn removing_a_secret_passes() {
    let repo = repo_with_hook();
    repo.stage("app.py", &format!("KEY = \"{AWS_KEY_ID}\"\nx = 1\n"));
    repo.commit_unchecked("old secret");
    repo.stage("app.py", "x = 1\n");
    assert_passed(&repo.commit(&[]));
    repo.stage("gone.py", &format!("KEY = \"{AWS_KEY_ID}\"\n"));
    repo.commit_unchecked("another");
    repo.git(&["rm", "-q", "gone.py"]);
    assert_passed(&repo.commit(&[]));
}

#[test]
fn an_untouched_secret_does_not_block_an_edit_elsewhere_in_the_file() {
    let repo = repo_with_hook();
    repo.stage("app.py", &format!("KEY = \"{AWS_KEY_ID}\"\nx = 1\n"));
    repo.commit_unchecked("old secret");
    repo.stage("app.py", &format!("KEY = \"{AWS_KEY_ID}\"\nx = 2\n"));
    assert_passed(&repo.commit(&[]));
}

#[test]
fn a_multi_line_private_key_is_reported_at_its_first_line() {
    let repo = repo_with_hook();
    let key = "-----BEGIN OPENSSH PRIVATE KEY-----\n\
        Dy9kc+W24lC7HP8U7ipUMC+n74a/dwhPqrlg1l/8VHErGwAURxRZa/TiH4/2wjVh\n\
        W8TST9LNbhYMtHkyX4rrcjFSXbzleQehaT/PoMRnCmAIdhDN6w9BMb8Q5ptWXEVV\n\
        -----END OPENSSH PRIVATE KEY-----\n";
    repo.stage("deploy/key.txt", &format!("# deploy key\n{key}"));
    let all = assert_blocked_by_finding(&repo.commit(&[]));
    assert!(all.contains("deploy/key.txt:2:1"), "{all}");
}

#[test]
fn a_staged_env_file_is_a_finding_but_an_example_is_not() {
    let repo = repo_with_hook();
    repo.stage(".env.example", "DATABASE_URL=\n");
    assert_passed(&repo.commit(&[]));
    repo.stage("app/.env", "DEBUG=1\n");
    let all = assert_blocked_by_finding(&repo.commit(&[]));
    assert!(all.contains("app/.env:1:1"), "{all}");
    assert!(all.contains(".gitignore"), "{all}");
}

#[test]
fn binary_files_are_skipped_and_listed() {
    let repo = repo_with_hook();
    let mut bytes = b"\x00\x01binary ".to_vec();
    bytes.extend_from_slice(AWS_KEY_ID.as_bytes());
    std::fs::write(repo.path().join("blob.bin"), bytes).unwrap();
    repo.git(&["add", "blob.bin"]);
    let out = repo.leakgate(&["scan"]);
    let all = assert_passed(&out);
    assert!(all.contains("blob.bin (binary)"), "{all}");
    assert_passed(&repo.commit(&[]));
}

#[test]
fn a_symlink_target_is_scanned_as_content() {
    let repo = repo_with_hook();
    repo.write("real.txt", "nothing\n");
    std::os::unix::fs::symlink(AWS_KEY_ID, repo.path().join("link")).unwrap();
    repo.git(&["add", "real.txt", "link"]);
    let all = assert_blocked_by_finding(&repo.commit(&[]));
    assert!(all.contains("link:1:1"), "{all}");
}

#[test]
fn the_hook_works_from_a_linked_worktree() {
    let repo = repo_with_hook();
    repo.stage("a.txt", "a\n");
    assert_passed(&repo.commit(&[]));
    let linked = repo.path().join("linked");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        linked.to_str().unwrap(),
        "-b",
        "side",
    ]);
    std::fs::write(linked.join("b.py"), format!("K = \"{AWS_KEY_ID}\"\n")).unwrap();
    let run = |args: &[&str]| {
        repo.command("git")
            .current_dir(&linked)
            .args(args)
            .output()
            .unwrap()
    };
    assert!(run(&["add", "b.py"]).status.success());
    let out = run(&["commit", "-m", "from worktree"]);
    let all = assert_blocked_by_finding(&out);
    assert!(all.contains("b.py:1:6"), "{all}");
}

#[test]
fn scan_staged_limited_to_named_files() {
    let repo = TestRepo::new();
    repo.stage("clean.py", "x = 1\n");
    repo.stage("dirty.py", &format!("K = \"{AWS_KEY_ID}\"\n"));
    assert_passed(&repo.leakgate(&["scan", "--staged", "clean.py"]));
    assert_blocked_by_finding(&repo.leakgate(&["scan", "--staged", "dirty.py"]));
    assert_blocked_by_finding(&repo.leakgate(&["scan", "--staged"]));
}

#[test]
fn a_missing_object_blocks_with_the_path_named() {
    let repo = repo_with_hook();
    repo.stage("lost.txt", "some content that will vanish\n");
    repo.lose_staged_object("lost.txt");
    let out = repo.leakgate(&["scan"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("lost.txt"), "{}", text(&out));
}

#[test]
fn outside_a_repository_scan_is_an_error_that_says_what_to_do() {
    let dir = TestRepo::empty_dir();
    let out = dir.leakgate(&["scan"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("not inside a git repository"),
        "{}",
        text(&out)
    );
}
