//! `leakgate scan --history`: commits in history, each finding attributed to
//! the commit that added it.

use crate::util::*;

/// main: readme → secret added → another line changed → secret removed.
/// Returns the id of the commit that added the secret.
fn repo_with_a_removed_secret(repo: &TestRepo) -> String {
    repo.commit_file("README.md", "hello\n", "readme");
    let added = repo.commit_file(
        "deploy.sh",
        &format!("#!/bin/sh\nexport AWS_ACCESS_KEY_ID={AWS_KEY_ID}\n"),
        "add deploy script",
    );
    repo.commit_file(
        "deploy.sh",
        &format!("#!/bin/sh -e\nexport AWS_ACCESS_KEY_ID={AWS_KEY_ID}\n"),
        "fail on error",
    );
    repo.commit_file("deploy.sh", "#!/bin/sh -e\n", "remove the key");
    added
}

#[test]
fn a_secret_added_then_removed_is_found_once_with_the_commit_author_and_date_that_added_it() {
    let repo = TestRepo::new();
    let added = repo_with_a_removed_secret(&repo);

    let out = repo.leakgate(&["scan", "--history", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let found = findings(&out);
    assert_eq!(
        found.len(),
        1,
        "reported once, not once per commit: {found:?}"
    );
    let finding = &found[0];
    assert_eq!(finding["path"], "deploy.sh");
    assert_eq!(finding["line"], 2);
    assert_eq!(
        finding["commit"],
        added.as_str(),
        "the full hash of the adding commit"
    );
    assert_eq!(finding["author"], "Test <test@example.invalid>");
    let date = repo.git(&["log", "-1", "--format=%aI", &added]);
    assert_eq!(finding["date"], date.trim());
    assert_eq!(json(&out)["scanned"]["files"], 4, "each distinct blob once");

    let human = text(&repo.leakgate(&["scan", "--history"]));
    assert!(
        human.contains(&format!("commit {} by Test", &added[..12])),
        "{human}"
    );
    assert!(human.contains("deploy.sh:2:"), "{human}");
    assert!(human.contains("in 4 commit(s) scanned"), "{human}");
}

#[test]
fn a_range_that_excludes_the_adding_commit_is_clean_and_one_that_includes_it_is_not() {
    let repo = TestRepo::new();
    let added = repo_with_a_removed_secret(&repo);

    let after = format!("{added}..HEAD");
    let out = repo.leakgate(&["scan", "--history", &after]);
    let all = assert_passed(&out);
    assert!(all.contains("no secrets in 2 commit(s)"), "{all}");

    let including = format!("{added}~1..HEAD");
    let out = repo.leakgate(&["scan", "--history", &including, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(findings(&out)[0]["commit"], added.as_str());
}

#[test]
fn since_commit_scans_only_the_commits_after_it() {
    let repo = TestRepo::new();
    let added = repo_with_a_removed_secret(&repo);
    assert_passed(&repo.leakgate(&["scan", "--since-commit", &added]));
    let before = format!("{added}~1");
    let out = repo.leakgate(&["scan", "--since-commit", &before, "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(findings(&out)[0]["commit"], added.as_str());

    let out = repo.leakgate(&["scan", "--since-commit", "no-such-commit"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("not a commit"), "{}", text(&out));
}

#[test]
fn the_same_blob_in_two_commits_is_scanned_once_and_reported_once() {
    let repo = TestRepo::new();
    let content = format!("token = \"{GITHUB_TOKEN}\"\n");
    let first = repo.commit_file("ci/token.txt", &content, "add token");
    repo.git(&["rm", "-q", "ci/token.txt"]);
    repo.commit_unchecked("remove token");
    let again = repo.commit_file("ci/token.txt", &content, "put the same file back");
    assert_ne!(first, again);

    let out = repo.leakgate(&["scan", "--history", "--format", "json"]);
    let found = findings(&out);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["commit"], first.as_str());
    assert_eq!(json(&out)["scanned"]["files"], 1, "one distinct blob");
}

#[test]
fn renaming_a_file_does_not_report_its_secret_again() {
    let repo = TestRepo::new();
    let added = repo.commit_file(
        "old/keys.py",
        &format!("# keys\nK = \"{AWS_KEY_ID}\"\n"),
        "keys",
    );
    repo.git(&["mv", "old/keys.py", "new-keys.py"]);
    repo.commit_unchecked("rename");
    let out = repo.leakgate(&["scan", "--history", "--format", "json"]);
    let found = findings(&out);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["path"], "old/keys.py");
    assert_eq!(found[0]["commit"], added.as_str());
    assert_passed(&repo.leakgate(&["scan", "--history", "HEAD~1..HEAD"]));
}

#[test]
fn a_secret_merged_from_a_branch_belongs_to_the_branch_commit_not_the_merge() {
    let repo = TestRepo::new();
    repo.commit_file("a.txt", "a\n", "root");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    let added = repo.commit_file("k.py", &format!("K = \"{AWS_KEY_ID}\"\n"), "key on topic");
    repo.git(&["checkout", "-q", "main"]);
    repo.commit_file("b.txt", "b\n", "work on main");
    repo.git(&["merge", "-q", "--no-edit", "--no-verify", "topic"]);
    let merge = repo.rev_parse("HEAD");
    assert_ne!(merge, added);

    let out = repo.leakgate(&["scan", "--history", "--format", "json"]);
    let found = findings(&out);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["commit"], added.as_str());

    // The merge alone adds nothing new relative to both parents.
    let merge_only = format!("{merge}^1..{merge}");
    let out = repo.leakgate(&["scan", "--history", &merge_only, "^topic"]);
    assert_passed(&out);
}

#[test]
fn a_secret_written_while_resolving_a_merge_is_attributed_to_the_merge() {
    let repo = TestRepo::new();
    repo.commit_file("conf.ini", "key = none\n", "root");
    repo.git(&["checkout", "-q", "-b", "topic"]);
    repo.commit_file("conf.ini", "key = topic\n", "topic value");
    repo.git(&["checkout", "-q", "main"]);
    repo.commit_file("conf.ini", "key = main\n", "main value");
    let conflicted = repo.try_git(&["merge", "-q", "topic"]);
    assert!(!conflicted.status.success(), "the merge conflicts");
    repo.stage("conf.ini", &format!("key = {AWS_KEY_ID}\n"));
    repo.commit_unchecked("merge topic");
    let merge = repo.rev_parse("HEAD");

    let out = repo.leakgate(&["scan", "--history", "--format", "json"]);
    let found = findings(&out);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["commit"], merge.as_str());
}

#[test]
fn no_progress_bar_when_stderr_is_not_a_terminal() {
    let repo = TestRepo::new();
    repo_with_a_removed_secret(&repo);
    let out = repo.leakgate(&["scan", "--history"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.is_empty(), "nothing on stderr: {stderr:?}");
}

#[test]
fn a_progress_bar_is_drawn_on_a_terminal_and_cleared() {
    // `script` (util-linux, always on Debian) gives the scan a terminal.
    let repo = TestRepo::new();
    repo_with_a_removed_secret(&repo);
    let command = format!("{} scan --history --color never", leakgate_bin().display());
    let out = repo
        .command("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .expect("script(1) runs a command on a terminal");
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(screen.contains("scanning history"), "{screen:?}");
    assert!(screen.contains("files"), "{screen:?}");
    assert!(
        screen.contains("deploy.sh:2:"),
        "the report follows: {screen:?}"
    );
}

#[test]
fn an_empty_repository_and_an_empty_range_are_clean() {
    let repo = TestRepo::new();
    let all = assert_passed(&repo.leakgate(&["scan", "--history"]));
    assert!(all.contains("no secrets in 0 commit(s)"), "{all}");
    repo.commit_file("a.txt", "a\n", "one");
    assert_passed(&repo.leakgate(&["scan", "--history", "HEAD..HEAD"]));
    let out = repo.leakgate(&["scan", "--history", "no-such-branch"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

#[test]
fn an_allowlist_naming_the_commit_allows_its_findings_in_history_only() {
    let repo = TestRepo::new();
    let vendored = repo.commit_file(
        "vendor/keys.txt",
        &format!("K = \"{AWS_KEY_ID}\"\n"),
        "vendor",
    );
    let later = repo.commit_file("app/keys.txt", &format!("T = \"{GITHUB_TOKEN}\"\n"), "app");
    // History is judged by the committed config.
    repo.commit_file(
        ".leakgate.toml",
        &format!("[[allowlists]]\ncommits = [\"{}\"]\n", &vendored[..10]),
        "config",
    );
    let out = repo.leakgate(&["scan", "--history", "--format", "json"]);
    let found = findings(&out);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["commit"], later.as_str());
}

#[test]
fn a_gitleaksignore_entry_with_a_commit_ignores_that_finding_in_history() {
    let repo = TestRepo::new();
    let added = repo.commit_file("k.py", &format!("K = \"{AWS_KEY_ID}\"\n"), "leak");
    assert_eq!(repo.leakgate(&["scan", "--history"]).status.code(), Some(1));
    repo.commit_file(
        ".gitleaksignore",
        &format!("{added}:k.py:aws-access-key-id:1\n"),
        "ignore",
    );
    assert_passed(&repo.leakgate(&["scan", "--history"]));
}

/// `git filter-repo`, or `None` with the reason printed past the test
/// harness's capture (.ci/run installs it from PyPI).
fn filter_repo_or_skip(test: &str) -> Option<&'static str> {
    use std::io::Write;
    let found = std::process::Command::new("git-filter-repo")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    if !found {
        let _ = writeln!(
            std::io::stderr(),
            "{test}: skipped: git-filter-repo is not on PATH (pip install git-filter-repo)"
        );
    }
    found.then_some("git-filter-repo")
}

/// A history with an AWS key, a GitHub token in two files and a private key.
fn repo_with_leaks() -> TestRepo {
    let repo = TestRepo::new();
    repo.commit_file("README.md", "hello\n", "first");
    repo.commit_file(
        "deploy/ci.sh",
        &format!("export KEY={AWS_KEY_ID}\nexport TOKEN={GITHUB_TOKEN}\n"),
        "ci",
    );
    repo.commit_file(
        "tools/sync.py",
        &format!("TOKEN = \"{GITHUB_TOKEN}\"\n"),
        "sync",
    );
    repo.git(&["rm", "-q", "deploy/ci.sh"]);
    repo.commit_unchecked("remove ci");
    repo
}

#[test]
fn filter_repo_with_the_replacements_file_leaves_a_history_scan_clean() {
    let Some(filter_repo) = filter_repo_or_skip("filter_repo_replacements") else {
        return;
    };
    let repo = repo_with_leaks();
    assert_blocked_by_finding(&repo.leakgate(&["scan", "--history"]));
    let plan = repo.home().join("plan/replacements.txt");
    let out = repo.leakgate(&[
        "scan",
        "--history",
        "--format",
        "git-filter-repo",
        "--no-redact",
        "--report-path",
        plan.to_str().unwrap(),
    ]);
    let all = assert_blocked_by_finding(&out);
    assert!(
        !all.contains(AWS_KEY_ID) && !all.contains(GITHUB_TOKEN),
        "{all}"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&plan).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let text_of = std::fs::read_to_string(&plan).unwrap();
    assert!(
        text_of.contains(&format!(
            "literal:{GITHUB_TOKEN}==>***REMOVED-github-pat-classic***"
        )),
        "{text_of}"
    );
    assert_eq!(
        text_of.matches(GITHUB_TOKEN).count(),
        1,
        "one line per secret:\n{text_of}"
    );

    let out = repo
        .command(filter_repo)
        .args(["--force", "--replace-text", plan.to_str().unwrap()])
        .output()
        .unwrap();
    assert_passed(&out);
    let all = assert_passed(&repo.leakgate(&["scan", "--history"]));
    assert!(all.contains("no secrets"), "{all}");
    let sync = repo.git(&["show", "HEAD:tools/sync.py"]);
    assert_eq!(sync, "TOKEN = \"***REMOVED-github-pat-classic***\"\n");
}

#[test]
fn the_filter_repo_report_is_refused_without_a_report_path_or_no_redact() {
    let repo = repo_with_leaks();
    let out = repo.leakgate(&[
        "scan",
        "--history",
        "--format",
        "git-filter-repo",
        "--no-redact",
    ]);
    let all = assert_blocked_by_error(&out);
    assert!(all.contains("--report-path"), "{all}");
    assert!(!all.contains(GITHUB_TOKEN), "{all}");
    let plan = repo.home().join("plan.txt");
    let out = repo.leakgate(&[
        "scan",
        "--history",
        "--format",
        "git-filter-repo",
        "--report-path",
        plan.to_str().unwrap(),
    ]);
    let all = assert_blocked_by_error(&out);
    assert!(all.contains("--no-redact"), "{all}");
    assert!(!plan.exists());
}

#[test]
fn a_history_report_with_secrets_ends_with_the_purge_steps_in_order() {
    let repo = repo_with_leaks();
    let all = assert_blocked_by_finding(&repo.leakgate(&["scan", "--history"]));
    let steps = [
        "Rotate every secret listed above first",
        "--format git-filter-repo --no-redact --report-path",
        "git filter-repo --replace-text",
        "git push --force --all",
        "purge cached views and pull-request refs",
        "re-clone",
    ];
    let mut at = 0;
    for step in steps {
        let found = all[at..]
            .find(step)
            .unwrap_or_else(|| panic!("{step:?} missing or out of order:\n{all}"));
        at += found + step.len();
    }
    assert!(!all.contains("config.example.toml"), "{all}");
}
