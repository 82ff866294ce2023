//! What users read in the workflows around the hook, as insta snapshots
//! (tests/suite/snapshots/): doctor's report, the human report fitted to
//! 80 columns, the purge steps after a history scan, and a baseline listed
//! with its reasons. Review a change with
//! `INSTA_UPDATE=always cargo test --test suite workflow_snapshots` and
//! read the diff before committing it.
//!
//! Filters replace what differs between runs: temporary directories and
//! the binary's directory; commits carry fixed dates, so their ids repeat.

use std::process::Output;

use crate::util::*;

fn leakgate_at(repo: &TestRepo, columns: Option<&str>, args: &[&str]) -> Output {
    let mut command = repo.command(leakgate_bin());
    command.args(args);
    match columns {
        Some(columns) => command.env("COLUMNS", columns),
        None => command.env_remove("COLUMNS"),
    };
    command.output().unwrap()
}

#[test]
fn doctor_in_a_repository_set_up_as_the_readme_says() {
    let repo = TestRepo::new();
    repo.stage("app.py", "print('hi')\n");
    commit_at_fixed_date(&repo, "app");
    assert_passed(&repo.leakgate(&["install", "--hook", "all"]));
    snapshot(
        &repo,
        "doctor_readme_setup",
        &leakgate_at(&repo, None, &["doctor"]),
    );
}

#[test]
fn doctor_with_secrets_in_many_files_of_history() {
    let repo = TestRepo::new();
    repo.write(".gitignore", ".env\n.env.*\n");
    for i in 0..8 {
        repo.stage(&format!("keys/k{i}.py"), &format!("K = \"{AWS_KEY_ID}\"\n"));
    }
    commit_at_fixed_date(&repo, "keys");
    assert_passed(&repo.leakgate(&["install"]));
    snapshot(
        &repo,
        "doctor_history_list",
        &leakgate_at(&repo, None, &["doctor"]),
    );
}

#[test]
fn a_long_line_at_80_columns() {
    let repo = TestRepo::new();
    stage_long_line_with_a_key(&repo);
    snapshot(
        &repo,
        "human_report_80_columns",
        &leakgate_at(&repo, Some("80"), &["scan", "--color", "never"]),
    );
}

#[test]
fn a_history_scan_with_secrets_ends_with_the_purge_steps() {
    let repo = TestRepo::new();
    repo.stage("deploy/ci.sh", &format!("export TOKEN={GITHUB_TOKEN}\n"));
    commit_at_fixed_date(&repo, "ci");
    snapshot(
        &repo,
        "history_purge_steps",
        &leakgate_at(
            &repo,
            Some("100"),
            &["scan", "--history", "--color", "never"],
        ),
    );
}

#[test]
fn a_blocked_push_at_100_columns() {
    let repo = TestRepo::new();
    let _remote = repo.add_bare_remote();
    repo.stage("k.py", &format!("K = \"{AWS_KEY_ID}\"\n"));
    commit_at_fixed_date(&repo, "sneaky");
    let head = repo.rev_parse("HEAD");
    let out = repo
        .command(leakgate_bin())
        .args(["scan", "--color", "never", "--pre-push", "origin"])
        .env("COLUMNS", "100")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            let line = format!(
                "refs/heads/main {head} refs/heads/main {}\n",
                "0".repeat(40)
            );
            child.stdin.take().unwrap().write_all(line.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    snapshot(&repo, "push_blocked_advice", &out);
}

#[test]
fn a_baseline_listed_with_its_reasons() {
    let repo = TestRepo::new();
    repo.stage("settings.py", &format!("AWS_KEY = \"{AWS_KEY_ID}\"\n"));
    commit_at_fixed_date(&repo, "settings");
    assert_passed(&repo.leakgate(&["baseline", "--reason", "rotated 2026-01, ticket SEC-12"]));
    repo.stage("ci.sh", &format!("TOKEN={GITHUB_TOKEN}\n"));
    commit_at_fixed_date(&repo, "ci");
    assert_passed(&repo.leakgate(&["baseline"]));
    snapshot(
        &repo,
        "baseline_list",
        &leakgate_at(&repo, None, &["baseline", "--list"]),
    );
}
