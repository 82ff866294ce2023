//! How leakgate talks to git: the environment of the user's shell cannot
//! change which index paths are scanned, names on the command line are
//! index paths, and a file named by the pre-commit framework is scanned
//! whole when it has no staged change.

use std::os::unix::fs::PermissionsExt;

use crate::util::*;

const SECRET_LINE: &str = "KEY = \"AKIAD7RGN7SS555HMTF6\"\n";

/// A repository whose HEAD has `src/a.py` with a committed secret on line
/// 1, and a staged secret on line 2.
fn repo_with_staged_secret() -> TestRepo {
    let repo = TestRepo::new();
    repo.stage("src/a.py", "x = 1\n");
    repo.commit_unchecked("base");
    repo.stage("src/a.py", &format!("x = 1\n{SECRET_LINE}"));
    repo
}

#[test]
fn pathspec_variables_in_the_environment_do_not_change_which_index_paths_are_scanned() {
    let repo = repo_with_staged_secret();
    for (variable, value) in [
        ("GIT_LITERAL_PATHSPECS", "1"),
        ("GIT_GLOB_PATHSPECS", "1"),
        ("GIT_NOGLOB_PATHSPECS", "1"),
        ("GIT_ICASE_PATHSPECS", "1"),
    ] {
        let out = repo
            .command(leakgate_bin())
            .env(variable, value)
            .args(["scan", "--staged", "--", "src/a.py"])
            .output()
            .unwrap();
        let all = assert_blocked_by_finding(&out);
        assert!(all.contains("src/a.py:2:8"), "{variable}: {all}");
    }
}

#[test]
fn staged_names_are_index_paths_even_when_the_directory_is_now_a_symlink() {
    let repo = repo_with_staged_secret();
    // The working tree's `src` becomes a symlink elsewhere; the index
    // still holds `src/a.py` with the secret.
    std::fs::create_dir(repo.path().join("elsewhere")).unwrap();
    std::fs::rename(repo.path().join("src"), repo.path().join("moved")).unwrap();
    std::os::unix::fs::symlink("elsewhere", repo.path().join("src")).unwrap();
    let out = repo.leakgate(&["scan", "--staged", "--", "src/a.py"]);
    let all = assert_blocked_by_finding(&out);
    assert!(all.contains("src/a.py:2:8"), "{all}");
}

#[test]
fn pre_commit_all_files_scans_a_named_file_without_staged_changes_whole() {
    let repo = TestRepo::new();
    repo.stage("old.py", &format!("x = 1\n{SECRET_LINE}"));
    repo.stage("clean.py", "y = 2\n");
    repo.commit_unchecked("a secret committed earlier");
    // `pre-commit run --all-files` names every tracked file; none is staged.
    let out = repo.leakgate(&["scan", "--staged", "--", "old.py", "clean.py"]);
    let all = assert_blocked_by_finding(&out);
    assert!(
        all.contains("old.py:2:8") && !all.contains("clean.py:"),
        "{all}"
    );
}

#[test]
fn a_named_file_with_staged_changes_keeps_the_added_lines_rule() {
    let repo = TestRepo::new();
    repo.stage("old.py", &format!("x = 1\n{SECRET_LINE}"));
    repo.commit_unchecked("a secret committed earlier");
    repo.stage("old.py", &format!("x = 1\n{SECRET_LINE}y = 2\n"));
    assert_passed(&repo.leakgate(&["scan", "--staged", "--", "old.py"]));
}

/// A repository with a secret committed (hooks bypassed), a bare remote,
/// and an uncommitted `.leakgate.toml` that would allow everything.
fn repo_with_uncommitted_loosening_config() -> (TestRepo, tempfile::TempDir) {
    let repo = TestRepo::new();
    let remote = repo.add_bare_remote();
    repo.commit_file("leak.py", SECRET_LINE, "leak");
    assert_passed(&repo.leakgate(&["install", "--hook", "all"]));
    repo.write(".leakgate.toml", "[allowlist]\npaths = [\"**\"]\n");
    (repo, remote)
}

#[test]
fn pre_push_never_reads_an_uncommitted_config_that_would_allow_the_secret() {
    let (repo, remote) = repo_with_uncommitted_loosening_config();
    let all = assert_blocked_by_finding(&repo.push(&["-q", "origin", "main"]));
    assert!(all.contains("leak.py:1:8"), "{all}");
    assert_eq!(repo.remote_ref(remote.path(), "refs/heads/main"), None);
}

#[test]
fn history_scans_never_read_an_uncommitted_config_unless_config_names_it() {
    let (repo, _remote) = repo_with_uncommitted_loosening_config();
    let all = assert_blocked_by_finding(&repo.leakgate(&["scan", "--history"]));
    assert!(all.contains("leak.py:1:8"), "{all}");
    assert_passed(&repo.leakgate(&["scan", "--history", "--config", ".leakgate.toml"]));
}

#[test]
fn pre_push_is_judged_by_the_config_the_pushed_commits_carry() {
    let (repo, remote) = repo_with_uncommitted_loosening_config();
    repo.git(&["add", ".leakgate.toml"]);
    repo.commit_unchecked("allow everything");
    assert_passed(&repo.push(&["-q", "origin", "main"]));
    assert!(repo.remote_ref(remote.path(), "refs/heads/main").is_some());
}

#[test]
fn a_history_scan_finds_a_secret_in_a_commit_message_naming_the_commit() {
    let repo = TestRepo::new();
    repo.stage("app.py", "x = 1\n");
    repo.git(&[
        "commit",
        "-q",
        "--no-verify",
        "-m",
        &format!("debug\n\n{SECRET_LINE}"),
    ]);
    let commit = repo.rev_parse("HEAD");
    let all = assert_blocked_by_finding(&repo.leakgate(&["scan", "--history"]));
    assert!(
        all.contains(&format!("(message of commit {})", &commit[..12])),
        "{all}"
    );
}

#[test]
fn a_pre_push_scan_finds_a_secret_in_an_annotated_tag_message() {
    let repo = TestRepo::new();
    let _remote = repo.add_bare_remote();
    repo.commit_file("app.py", "x = 1\n", "clean");
    assert_passed(&repo.leakgate(&["install", "--hook", "all"]));
    assert_passed(&repo.push(&["-q", "origin", "main"]));
    repo.git(&[
        "tag",
        "-a",
        "v1",
        "-m",
        &format!("release\n\n{SECRET_LINE}"),
    ]);
    let tag = repo.rev_parse("v1");
    let all = assert_blocked_by_finding(&repo.push(&["-q", "origin", "v1"]));
    assert!(
        all.contains(&format!("(message of tag {})", &tag[..12])),
        "{all}"
    );
}

#[test]
fn a_staged_symlink_target_is_scanned_as_content() {
    let repo = TestRepo::new();
    repo.install_hook();
    std::os::unix::fs::symlink(
        "/run/AKIAD7RGN7SS555HMTF6/credentials",
        repo.path().join("creds"),
    )
    .unwrap();
    repo.git(&["add", "creds"]);
    let all = assert_blocked_by_finding(&repo.commit(&[]));
    assert!(all.contains("creds:1"), "{all}");
}

#[test]
fn a_staged_config_that_allows_what_heads_config_blocks_says_so() {
    let repo = TestRepo::new();
    repo.install_hook();
    repo.commit_file("app.py", "x = 1\n", "base");
    repo.stage(".leakgate.toml", "[allowlist]\npaths = [\"app.py\"]\n");
    repo.stage("app.py", &format!("x = 1\n{SECRET_LINE}"));
    let all = assert_passed(&repo.commit(&[]));
    assert!(
        all.contains("the staged .leakgate.toml allows 1 finding(s) that HEAD's config blocks"),
        "{all}"
    );
    assert!(all.contains("app.py:2:8") && all.contains("AKIA"), "{all}");
    assert!(!all.contains("AKIAD7RGN7SS555HMTF6"), "redacted: {all}");
}

#[test]
fn a_staged_config_that_allows_nothing_new_adds_no_note() {
    let repo = TestRepo::new();
    repo.install_hook();
    repo.commit_file("app.py", "x = 1\n", "base");
    repo.stage(".leakgate.toml", "[allowlist]\npaths = [\"vendor/**\"]\n");
    repo.stage("app.py", "x = 1\ny = 2\n");
    let all = assert_passed(&repo.commit(&[]));
    assert!(!all.contains("allows"), "{all}");
}

#[test]
fn a_staged_file_name_is_scanned_as_text() {
    let repo = TestRepo::new();
    repo.install_hook();
    repo.stage("backup-AKIAD7RGN7SS555HMTF6.txt", "nothing here\n");
    let all = assert_blocked_by_finding(&repo.commit(&[]));
    assert!(
        all.contains("backup-AKIAD7RGN7SS555HMTF6.txt (file name):1:8"),
        "{all}"
    );
}

#[test]
fn a_history_scan_finds_a_secret_in_a_file_name_with_its_commit() {
    let repo = TestRepo::new();
    let added = repo.commit_file("keys/AKIAD7RGN7SS555HMTF6.txt", "x\n", "add");
    let out = repo.leakgate(&["scan", "--history", "--format", "json"]);
    let found = findings(&out);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(
        found[0]["path"],
        "keys/AKIAD7RGN7SS555HMTF6.txt (file name)"
    );
    assert_eq!(found[0]["commit"], added.as_str());
}

/// The directory of the `git` the test environment finds first on PATH.
fn real_git_dir() -> std::path::PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .find(|dir| {
            std::fs::metadata(dir.join("git"))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
        .expect("git is on PATH")
}

#[test]
fn leakgate_runs_the_first_executable_git_on_path_as_the_shell_would() {
    // Run as CI or the pre-commit framework runs it: from a shell's PATH.
    // (In git's own hooks git puts its exec-path first on PATH.)
    let repo = repo_with_staged_secret();
    let shims = tempfile::tempdir().unwrap();
    // Earlier on PATH than any program: a `git` that is a plain file, not
    // executable, and a directory named `git`. The shell passes over both.
    let plain = shims.path().join("plain");
    std::fs::create_dir(&plain).unwrap();
    std::fs::write(plain.join("git"), "#!/bin/sh\nexit 97\n").unwrap();
    let directory = shims.path().join("directory");
    std::fs::create_dir_all(directory.join("git")).unwrap();
    // Then a wrapper that records each git command and runs the real git.
    let log = shims.path().join("calls.log");
    let wrapper = shims.path().join("wrapper");
    write_executable(
        &wrapper.join("git"),
        &format!(
            "#!/bin/sh\necho \"$1\" >> '{}'\nexec '{}' \"$@\"\n",
            log.display(),
            real_git_dir().join("git").display()
        ),
    );
    let mut dirs = vec![
        plain,
        directory,
        wrapper,
        leakgate_bin().parent().unwrap().into(),
    ];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    let out = repo
        .command(leakgate_bin())
        .env("PATH", std::env::join_paths(dirs).unwrap())
        .args(["scan", "--staged"])
        .output()
        .unwrap();
    let all = assert_blocked_by_finding(&out);
    assert!(all.contains("src/a.py:2:8"), "{all}");
    // leakgate's own git commands went through the wrapper: the first git
    // on PATH that is a program.
    let calls = std::fs::read_to_string(&log).unwrap();
    assert!(calls.lines().any(|c| c == "diff-index"), "{calls}");
    assert!(calls.lines().any(|c| c == "rev-parse"), "{calls}");
}
