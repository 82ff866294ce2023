//! What users read, as insta snapshots (tests/suite/snapshots/): the human,
//! JSON and SARIF reports, `rules`, `doctor` and the main error messages.
//! A change to any wording or layout shows up as a snapshot diff to review
//! (`INSTA_UPDATE=always cargo test --test suite snapshots`, then read the
//! diff before committing it).
//!
//! Each snapshot holds the exit code, stdout and stderr of one run. Filters
//! replace what differs between runs: temporary directories, the binary's
//! directory and the version.

use std::process::Output;

use crate::util::*;

fn leakgate(repo: &TestRepo, args: &[&str]) -> Output {
    repo.command(leakgate_bin())
        .args(args)
        .env("GIT_AUTHOR_DATE", FIXED_DATE)
        .env("GIT_COMMITTER_DATE", FIXED_DATE)
        .output()
        .unwrap()
}

/// Two secrets in one staged file, a clean file and a binary one.
fn repo_with_staged_secrets() -> TestRepo {
    let repo = TestRepo::new();
    repo.stage(
        "config/settings.py",
        &format!("DEBUG = True\nAWS_KEY = \"{AWS_KEY_ID}\"\ntoken = '{GITHUB_TOKEN}'\n"),
    );
    repo.stage("README.md", "# demo\n");
    repo.stage_bytes("logo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    repo
}

/// A config with one custom rule and no built-in ones, so the SARIF rule
/// list stays short.
const CUSTOM_RULES: &str = r#"[extend]
use_default = false

[[rules]]
id = "acme-token"
description = "ACME API token"
regex = '''acme_([a-z0-9]{16})'''
keywords = ["acme_"]
remediation = "Revoke it in the ACME console."
"#;

#[test]
fn human_report_of_a_blocked_commit() {
    let repo = repo_with_staged_secrets();
    snapshot(&repo, "human_blocked_commit", &leakgate(&repo, &["scan"]));
}

#[test]
fn human_report_of_a_clean_commit() {
    let repo = TestRepo::new();
    repo.stage("a.py", "x = 1\n");
    snapshot(&repo, "human_clean_commit", &leakgate(&repo, &["scan"]));
}

#[test]
fn json_report_of_a_blocked_commit() {
    let repo = repo_with_staged_secrets();
    let out = leakgate(&repo, &["scan", "--format", "json"]);
    snapshot(&repo, "json_blocked_commit", &out);
}

#[test]
fn sarif_report_with_a_custom_rule() {
    let repo = TestRepo::new();
    repo.stage(".leakgate.toml", CUSTOM_RULES);
    repo.stage("src/client.py", "KEY = 'acme_q8fz2lmx0prt7wvn'\n");
    let out = leakgate(&repo, &["scan", "--format", "sarif"]);
    snapshot(&repo, "sarif_custom_rule", &out);
}

#[test]
fn human_and_json_reports_of_history() {
    let repo = TestRepo::new();
    repo.stage("a.py", "x = 1\n");
    commit_at_fixed_date(&repo, "first");
    repo.stage(
        "deploy.sh",
        &format!("export AWS_ACCESS_KEY_ID={AWS_KEY_ID}\n"),
    );
    commit_at_fixed_date(&repo, "add deploy script");
    snapshot(
        &repo,
        "human_history",
        &leakgate(&repo, &["scan", "--history"]),
    );
    snapshot(
        &repo,
        "json_history",
        &leakgate(&repo, &["scan", "--history", "--format", "json"]),
    );
}

#[test]
fn human_report_of_a_config_that_runs_no_rules() {
    let repo = TestRepo::new();
    repo.stage(".leakgate.toml", "[extend]\nuse_default = false\n");
    repo.stage("a.py", &format!("k = \"{AWS_KEY_ID}\"\n"));
    snapshot(&repo, "human_no_rules", &leakgate(&repo, &["scan"]));
}

#[test]
fn human_report_of_a_commit_message() {
    let repo = TestRepo::new();
    repo.write(
        "msg.txt",
        &format!("Deploy\n\nwith token {GITHUB_TOKEN}\n# Please enter the commit message\n"),
    );
    // As the hook runs after an editor: git's comment lines are stripped.
    let out = repo
        .command(leakgate_bin())
        .args(["scan", "--commit-msg", "msg.txt"])
        .env("GIT_EDITOR", "vi")
        .output()
        .unwrap();
    snapshot(&repo, "human_commit_message", &out);
}

#[test]
fn rules_lists_the_builtin_rules() {
    let repo = TestRepo::new();
    snapshot(&repo, "rules_builtin", &leakgate(&repo, &["rules"]));
}

#[test]
fn rules_lists_a_repository_configs_rules() {
    let repo = TestRepo::new();
    repo.write(".leakgate.toml", CUSTOM_RULES);
    snapshot(&repo, "rules_custom", &leakgate(&repo, &["rules"]));
}

#[test]
fn doctor_in_a_repository_with_only_the_pre_commit_hook() {
    let repo = TestRepo::new();
    repo.install_hook();
    repo.write(".gitignore", ".env\n");
    snapshot(
        &repo,
        "doctor_pre_commit_only",
        &leakgate(&repo, &["doctor"]),
    );
}

#[test]
fn doctor_in_a_protected_repository() {
    let repo = TestRepo::new();
    assert_passed(&leakgate(&repo, &["install", "--hook", "all"]));
    repo.write(
        ".gitignore",
        ".env\n.env.*\n!.env.example\nid_rsa\nid_ecdsa\nid_ed25519\n*.key\n",
    );
    snapshot(&repo, "doctor_protected", &leakgate(&repo, &["doctor"]));
}

// The main error messages.

#[test]
fn error_a_config_that_is_not_toml() {
    let repo = TestRepo::new();
    repo.stage(".leakgate.toml", "[allowlist\npaths = [\"x\"]\n");
    snapshot(&repo, "error_config_not_toml", &leakgate(&repo, &["scan"]));
}

#[test]
fn error_an_unknown_config_key() {
    let repo = TestRepo::new();
    repo.stage(".leakgate.toml", "[scan]\nmax_size = 1\n");
    snapshot(&repo, "error_unknown_key", &leakgate(&repo, &["scan"]));
}

#[test]
fn error_an_invalid_allowlist_regex() {
    let repo = TestRepo::new();
    repo.stage(
        ".leakgate.toml",
        &format!("[allowlist]\nsecrets = ['({AWS_KEY_ID}']\n"),
    );
    snapshot(&repo, "error_allowlist_regex", &leakgate(&repo, &["scan"]));
}

#[test]
fn error_an_unknown_disabled_rule() {
    let repo = TestRepo::new();
    repo.stage(
        ".leakgate.toml",
        "[extend]\ndisabled_rules = [\"no-such-rule\"]\n",
    );
    snapshot(&repo, "error_unknown_rule", &leakgate(&repo, &["scan"]));
}

#[test]
fn error_not_a_repository() {
    let repo = TestRepo::empty_dir();
    snapshot(
        &repo,
        "error_not_a_repository",
        &leakgate(&repo, &["scan", "--staged"]),
    );
}

#[test]
fn error_a_staged_object_that_is_missing() {
    let repo = TestRepo::new();
    repo.stage("lost.txt", "soon gone\n");
    repo.lose_staged_object("lost.txt");
    snapshot(&repo, "error_missing_object", &leakgate(&repo, &["scan"]));
}

#[test]
fn error_a_baseline_that_is_not_json() {
    let repo = TestRepo::new();
    repo.stage(".leakgate-baseline.json", "{\"version\": 1, \n");
    repo.stage("a.py", "x = 1\n");
    snapshot(
        &repo,
        "error_baseline_not_json",
        &leakgate(&repo, &["scan"]),
    );
}
