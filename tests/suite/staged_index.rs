//! Reading what is staged in every state an index can be in: split and
//! sparse indexes, renames, a committed config, path-limited scans, and
//! commits large enough to be scanned in parallel.

use crate::util::*;

fn committed_repo() -> TestRepo {
    let repo = TestRepo::new();
    repo.stage("README", "readme\n");
    repo.commit_unchecked("base");
    repo
}

#[test]
fn a_split_index_is_read() {
    let repo = committed_repo();
    repo.git(&["config", "core.splitIndex", "true"]);
    repo.stage("clean.py", "x = 1\n");
    repo.git(&["update-index", "--split-index"]);
    repo.stage("app/settings.py", &format!("KEY = \"{AWS_KEY_ID}\"\n"));
    let shared = std::fs::read_dir(repo.path().join(".git"))
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| e.file_name().to_string_lossy().starts_with("sharedindex."));
    assert!(shared, "the repository must really use a split index");
    let all = assert_blocked_by_finding(&repo.leakgate(&["scan"]));
    assert!(all.contains("app/settings.py:1:8"), "{all}");
    repo.stage("app/settings.py", "KEY = None\n");
    let all = assert_passed(&repo.leakgate(&["scan"]));
    assert!(all.contains("2 staged file(s)"), "{all}");
}

#[test]
fn a_sparse_checkout_with_a_sparse_index_is_read() {
    let repo = TestRepo::new();
    repo.stage("inside/a.py", "a = 1\n");
    repo.stage("outside/b.py", &format!("KEY = \"{AWS_KEY_ID}\"\n"));
    repo.stage("outside/deep/c.py", "c = 1\n");
    repo.commit_unchecked("base");
    repo.git(&["sparse-checkout", "init", "--cone", "--sparse-index"]);
    repo.git(&["sparse-checkout", "set", "inside"]);
    assert!(
        !repo.path().join("outside").exists(),
        "outside/ is not checked out"
    );
    // The directories outside the cone are single index entries now; they
    // must not look like deleted or added files, nor hide a new secret.
    repo.stage("inside/a.py", "a = 2\n");
    let report = json(&repo.leakgate(&["scan", "--format", "json"]));
    assert_eq!(report["scanned"]["files"], 1, "{report}");
    assert_eq!(report["findings"].as_array().unwrap().len(), 0, "{report}");
    repo.stage("inside/new.py", &format!("KEY = \"{GITHUB_TOKEN}\"\n"));
    let all = assert_blocked_by_finding(&repo.leakgate(&["scan"]));
    assert!(all.contains("inside/new.py:1:8"), "{all}");
}

#[test]
fn a_pure_rename_of_a_file_with_an_old_secret_passes() {
    let repo = TestRepo::new();
    let body = format!("KEY = \"{AWS_KEY_ID}\"\n{}", "line\n".repeat(20));
    repo.stage("old/name.py", &body);
    repo.commit_unchecked("old secret");
    std::fs::create_dir(repo.path().join("new")).unwrap();
    repo.git(&["mv", "old/name.py", "new/name.py"]);
    assert_passed(&repo.leakgate(&["scan"]));
    // A rename that also adds a secret blocks on the added line only.
    repo.stage("new/name.py", &format!("{body}T = \"{GITHUB_TOKEN}\"\n"));
    let all = assert_blocked_by_finding(&repo.leakgate(&["scan"]));
    assert!(all.contains("new/name.py:22:6"), "{all}");
    assert!(!all.contains("new/name.py:1:"), "{all}");
}

#[test]
fn a_committed_config_applies_when_it_is_not_staged_again() {
    let repo = TestRepo::new();
    repo.stage(".leakgate.toml", "[allowlist]\npaths = [\"fixtures\"]\n");
    repo.commit_unchecked("config");
    std::fs::remove_file(repo.path().join(".leakgate.toml")).unwrap();
    repo.stage("fixtures/k.txt", &format!("{AWS_KEY_ID}\n"));
    assert_passed(&repo.leakgate(&["scan"]));
    assert_passed(&repo.leakgate(&["scan", "--staged", "fixtures/k.txt"]));
    // Staging the config's deletion means the commit has no config.
    repo.git(&["rm", "-q", "--cached", ".leakgate.toml"]);
    assert_blocked_by_finding(&repo.leakgate(&["scan"]));
}

#[test]
fn staged_paths_are_relative_to_the_current_directory() {
    let repo = committed_repo();
    repo.stage("sub/dirty.py", &format!("K = \"{AWS_KEY_ID}\"\n"));
    repo.stage("sub/clean.py", "x = 1\n");
    let run = |args: &[&str]| {
        repo.command(leakgate_bin())
            .current_dir(repo.path().join("sub"))
            .args(args)
            .output()
            .unwrap()
    };
    assert_passed(&run(&["scan", "--staged", "clean.py"]));
    let all = assert_blocked_by_finding(&run(&["scan", "--staged", "dirty.py"]));
    assert!(all.contains("sub/dirty.py:1:6"), "{all}");
}

/// Enough files to be scanned on several threads: the report must be the
/// one a sequential scan of the same files gives.
#[test]
fn a_large_commit_scanned_in_parallel_reports_like_a_sequential_scan() {
    let repo = TestRepo::new();
    for i in 0..120 {
        let body = match i % 9 {
            0 => format!("# file {i}\nKEY = \"{AWS_KEY_ID}\"\n"),
            4 => format!("token = \"{GITHUB_TOKEN}\"\nx = {i}\n"),
            _ => format!("x = {i}\n"),
        };
        repo.stage(&format!("src/m{i:03}.py"), &body);
    }
    let staged = repo.leakgate(&["scan", "--format", "json"]);
    assert_eq!(staged.status.code(), Some(1), "{}", text(&staged));
    let files = repo.leakgate(&["scan", "--format", "json", "src"]);
    let staged = json(&staged);
    let files = json(&files);
    assert_eq!(staged["scanned"]["files"], 120);
    assert_eq!(staged["findings"].as_array().unwrap().len(), 14 + 13);
    assert_eq!(staged["findings"], files["findings"]);
}
