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

#[test]
fn a_baselined_secret_stays_accepted_after_git_mv_in_every_scan_mode() {
    let (repo, _) = repo_with_an_old_secret();
    let remote = repo.add_bare_remote();
    repo.git(&["push", "-q", "origin", "main"]);
    record(&repo);
    repo.git(&["add", BASELINE]);
    repo.commit_unchecked("baseline");
    assert_passed(&repo.leakgate(&["install", "--hook", "all"]));

    std::fs::create_dir(repo.path().join("config")).unwrap();
    repo.git(&["mv", "settings.py", "config/settings.py"]);
    // Staged: the hook sees the moved file as all new lines.
    assert_passed(&repo.leakgate(&["scan"]));
    assert_passed(&repo.commit(&[]));
    // Files on disk, history and the push that carries the rename.
    assert_passed(&repo.leakgate(&["scan", "."]));
    assert_passed(&repo.leakgate(&["scan", "--history"]));
    assert_passed(&repo.push(&["-q", "origin", "main"]));
    assert!(repo.remote_ref(remote.path(), "refs/heads/main").is_some());

    // Re-indented in its new place, still the same line.
    repo.stage(
        "config/settings.py",
        &format!("DEBUG = False\n    AWS_KEY = \"{AWS_KEY_ID}\"\n"),
    );
    assert_passed(&repo.leakgate(&["scan"]));

    // The same secret pasted into another file on another line is new.
    repo.stage("deploy.sh", &format!("export KEY={AWS_KEY_ID}\n"));
    let all = assert_blocked_by_finding(&repo.leakgate(&["scan"]));
    assert!(all.contains("deploy.sh:1:"), "{all}");
    assert!(!all.contains("settings.py"), "{all}");
}

#[test]
fn a_baseline_reason_is_stored_listed_and_kept_when_recording_again() {
    let (repo, added) = repo_with_an_old_secret();
    let out = repo.leakgate(&["baseline", "--reason", "rotated 2024-05, ticket SEC-12"]);
    assert_passed(&out);
    let text_of = std::fs::read_to_string(repo.path().join(BASELINE)).unwrap();
    assert!(
        text_of.contains("\"reason\": \"rotated 2024-05, ticket SEC-12\""),
        "{text_of}"
    );

    let listed = assert_passed(&repo.leakgate(&["baseline", "--list"]));
    assert!(
        listed.contains(&format!(
            "settings.py:2  aws-access-key-id in commit {}  reason: rotated 2024-05, ticket SEC-12",
            &added[..12]
        )),
        "{listed}"
    );

    // A second secret, recorded with another reason: the first keeps its own.
    repo.commit_file("ci.sh", &format!("TOKEN={GITHUB_TOKEN}\n"), "ci");
    assert_passed(&repo.leakgate(&["baseline", "--reason", "test fixture"]));
    let listed = assert_passed(&repo.leakgate(&["baseline", "--list"]));
    assert!(listed.contains("ci.sh:1  github-pat-classic"), "{listed}");
    assert!(listed.contains("reason: test fixture"), "{listed}");
    assert!(
        listed.contains("reason: rotated 2024-05, ticket SEC-12"),
        "{listed}"
    );

    let out = repo.leakgate(&["baseline", "--reason", "  "]);
    assert_blocked_by_error(&out);
}
