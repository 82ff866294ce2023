//! Baselines: adopting leakgate in a repository whose history already holds
//! secrets, without hiding any new one.

use crate::util::*;

const BASELINE: &str = ".leakgate-baseline.json";

/// A repository whose history holds an AWS key in `settings.py` line 2.
fn repo_with_an_old_secret() -> (TestRepo, String) {
    let repo = TestRepo::new();
    let added = repo.commit_file(
        "settings.py",
        &format!("DEBUG = False\nAWS_KEY = \"{AWS_KEY_ID}\"\n"),
        "settings",
    );
    (repo, added)
}

fn record(repo: &TestRepo) -> String {
    let all = assert_passed(&repo.leakgate(&["baseline"]));
    assert!(all.contains("recorded 1 finding(s)"), "{all}");
    std::fs::read_to_string(repo.path().join(BASELINE)).unwrap()
}

#[test]
fn after_adoption_the_old_secret_is_ignored_everywhere_and_a_new_one_still_blocks() {
    let (repo, added) = repo_with_an_old_secret();
    let baseline = record(&repo);
    assert!(
        !baseline.contains(AWS_KEY_ID) && !baseline.contains("AKIA"),
        "{baseline}"
    );
    assert!(baseline.contains("\"path\": \"settings.py\""), "{baseline}");
    assert!(
        baseline.contains(&added),
        "first-seen commit for humans: {baseline}"
    );

    repo.install_hook();
    repo.git(&["add", BASELINE]);
    assert_passed(&repo.commit(&[]));
    let all = assert_passed(&repo.leakgate(&["scan", "--history"]));
    assert!(
        all.contains("1 finding(s) accepted by the baseline"),
        "{all}"
    );

    // Editing the file around the old secret does not block.
    repo.stage(
        "settings.py",
        &format!("DEBUG = True\nAWS_KEY = \"{AWS_KEY_ID}\"  # old\n"),
    );
    assert_passed(&repo.commit(&[]));

    // A new secret does, and only it is reported.
    repo.stage(
        "settings.py",
        &format!("DEBUG = True\nAWS_KEY = \"{AWS_KEY_ID}\"  # old\nTOKEN = \"{GITHUB_TOKEN}\"\n"),
    );
    let out = repo.leakgate(&["scan", "--format", "json"]);
    let found = findings(&out);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["rule_id"], "github-pat-classic");
    assert_blocked_by_finding(&repo.commit(&[]));
}

#[test]
fn a_different_secret_on_the_baselined_line_is_not_hidden() {
    let (repo, _) = repo_with_an_old_secret();
    record(&repo);
    repo.stage(
        "settings.py",
        "DEBUG = False\nAWS_KEY = \"AKIAQYLPMN5HHHFPZAM2\"\n",
    );
    let out = repo.leakgate(&["scan"]);
    let all = assert_blocked_by_finding(&out);
    assert!(all.contains("settings.py:2:"), "{all}");
}

#[test]
fn moving_lines_does_not_churn_the_baseline() {
    let (repo, _) = repo_with_an_old_secret();
    let first = record(&repo);
    repo.commit_file(
        "settings.py",
        &format!("# settings\n\nDEBUG = False\n\nAWS_KEY = \"{AWS_KEY_ID}\"\n"),
        "move lines",
    );
    assert_passed(&repo.leakgate(&["scan", "--history", "HEAD~1..HEAD"]));
    let second = record(&repo);
    assert_eq!(first, second, "re-recording gives the same file");
}

#[test]
fn check_lists_an_entry_that_no_longer_matches_anything() {
    let (repo, added) = repo_with_an_old_secret();
    repo.commit_file("b.txt", "b\n", "more");
    record(&repo);
    assert_passed(&repo.leakgate(&["baseline", "--check"]));

    // History is rewritten without the secret; the entry is now stale.
    repo.git(&["checkout", "-q", "--orphan", "fresh"]);
    repo.git(&["rm", "-q", "--cached", "settings.py"]);
    std::fs::remove_file(repo.path().join("settings.py")).unwrap();
    repo.commit_unchecked("history without the key");
    repo.git(&["branch", "-q", "-D", "main"]);

    let out = repo.leakgate(&["baseline", "--check"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let all = text(&out);
    assert!(
        all.contains("stale: settings.py  aws-access-key-id"),
        "{all}"
    );
    assert!(all.contains(&added[..12]), "{all}");
    assert!(all.contains("1 of 1 entries"), "{all}");
}

#[test]
fn an_explicit_baseline_file_is_used_and_must_exist() {
    let (repo, _) = repo_with_an_old_secret();
    let file = repo.home().join("accepted.json");
    let file = file.to_str().unwrap();
    assert_passed(&repo.leakgate(&["baseline", "--baseline", file]));
    assert!(!repo.path().join(BASELINE).exists());
    assert_eq!(
        repo.leakgate(&["scan", "--history"]).status.code(),
        Some(1),
        "the default file does not exist, so nothing is accepted"
    );
    assert_passed(&repo.leakgate(&["scan", "--history", "--baseline", file]));

    let missing = repo.leakgate(&["scan", "--history", "--baseline", "nope.json"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing).contains("nope.json"), "{}", text(&missing));
}

#[test]
fn a_broken_baseline_is_an_error_naming_its_line() {
    let (repo, _) = repo_with_an_old_secret();
    // History is judged by the committed baseline.
    repo.commit_file(
        BASELINE,
        "{\n  \"version\": 1,\n  \"findings\": [oops]\n}\n",
        "broken baseline",
    );
    let out = repo.leakgate(&["scan", "--history"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains(".leakgate-baseline.json (committed in ")
            && text(&out).contains("):3:"),
        "{}",
        text(&out)
    );
}
