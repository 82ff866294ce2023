//! `leakgate doctor`: what is wrong, with the command that fixes it.

use std::os::unix::fs::PermissionsExt;

use crate::util::*;

/// The `fix:` commands doctor printed, in order.
fn fixes(report: &str) -> Vec<String> {
    report
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("fix: "))
        .map(|fix| fix.split("   #").next().unwrap().trim().to_string())
        .collect()
}

#[test]
fn a_fresh_repository_has_problems_with_fixes_and_none_once_they_are_applied() {
    let repo = TestRepo::new();
    repo.commit_file("app.py", "print('hi')\n", "app");

    let out = repo.leakgate(&["doctor"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report = text(&out);
    let fixes = fixes(&report);
    assert!(
        fixes.contains(&"leakgate install --hook pre-commit".to_string()),
        "{report}"
    );
    assert!(
        fixes.contains(&"leakgate install --hook pre-push".to_string()),
        "{report}"
    );
    assert!(report.contains("not ignored"), "{report}");
    assert!(report.contains("no secrets in 1 commit(s)"), "{report}");

    // Every printed fix is a command that works as printed.
    for fix in &fixes {
        let out = repo.command("sh").args(["-c", fix]).output().unwrap();
        assert_passed(&out);
    }
    let out = repo.leakgate(&["doctor"]);
    let report = assert_passed(&out);
    assert!(report.contains("all checks passed"), "{report}");
    assert!(report.contains("ok       pre-push"), "{report}");
}

#[test]
fn secrets_in_history_are_a_problem_until_rotated_and_baselined() {
    let repo = TestRepo::new();
    repo.write(
        ".gitignore",
        ".env\n.env.*\nid_rsa\nid_ecdsa\nid_ed25519\n*.key\n",
    );
    repo.commit_file("k.py", &format!("K = \"{AWS_KEY_ID}\"\n"), "leak");
    assert_passed(&repo.leakgate(&["install", "--hook", "all"]));

    let out = repo.leakgate(&["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out);
    assert!(report.contains("1 secret(s) in 1 commit(s)"), "{report}");
    assert!(report.contains("leakgate baseline"), "{report}");

    assert_passed(&repo.leakgate(&["baseline"]));
    // History is judged by committed files only: the baseline counts once
    // it is committed.
    repo.git(&["add", ".leakgate-baseline.json"]);
    repo.commit_unchecked("baseline");
    let report = assert_passed(&repo.leakgate(&["doctor"]));
    assert!(report.contains("1 accepted by the baseline"), "{report}");
}

#[test]
fn a_global_hooks_path_that_bypasses_the_repository_is_a_problem() {
    let repo = TestRepo::new();
    repo.write(
        ".gitignore",
        ".env\n.env.*\nid_rsa\nid_ecdsa\nid_ed25519\n*.key\n",
    );
    assert_passed(&repo.leakgate(&["install", "--hook", "all"]));
    assert_passed(&repo.leakgate(&["doctor"]));

    let elsewhere = repo.home().join("global-hooks");
    repo.git(&[
        "config",
        "--global",
        "core.hooksPath",
        elsewhere.to_str().unwrap(),
    ]);
    let out = repo.leakgate(&["doctor"]);
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out);
    assert!(report.contains("global git config"), "{report}");
    assert!(
        fixes(&report).contains(&"git config --global --unset core.hooksPath".to_string()),
        "{report}"
    );
}

#[test]
fn a_hook_that_is_not_executable_or_cannot_find_leakgate_is_a_problem() {
    let repo = TestRepo::new();
    repo.write(
        ".gitignore",
        ".env\n.env.*\nid_rsa\nid_ecdsa\nid_ed25519\n*.key\n",
    );
    assert_passed(&repo.leakgate(&["install", "--hook", "all"]));
    let hook = repo.path().join(".git/hooks/pre-push");
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o644)).unwrap();
    let report = text(&repo.leakgate(&["doctor"]));
    assert!(
        fixes(&report).contains(&format!("chmod +x {}", hook.display())),
        "{report}"
    );

    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    // Installed by a copy: an empty file in its place is found and fails
    // the handshake; with it gone, nothing is found at all.
    let bin = tempfile::tempdir().unwrap();
    let copy = bin.path().join("leakgate");
    std::fs::copy(leakgate_bin(), &copy).unwrap();
    let installed = loop {
        match repo
            .command(&copy)
            .args(["install", "--hook", "all"])
            .output()
        {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => continue,
            result => break result.unwrap(),
        }
    };
    assert_passed(&installed);
    let doctor = || {
        repo.command(leakgate_bin())
            .arg("doctor")
            .env("PATH", "/usr/bin:/bin:/usr/local/bin")
            .output()
            .unwrap()
    };
    std::fs::write(&copy, b"").unwrap();
    let out = doctor();
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out);
    assert!(report.contains("is not a working leakgate"), "{report}");

    std::fs::remove_file(&copy).unwrap();
    let out = doctor();
    assert_eq!(out.status.code(), Some(1));
    let report = text(&out);
    assert!(report.contains("neither on PATH"), "{report}");
    assert!(report.contains("install.sh"), "{report}");
}

#[test]
fn another_tools_hook_that_never_runs_leakgate_is_a_problem() {
    let repo = TestRepo::new();
    let hook = repo.path().join(".git/hooks/pre-commit");
    std::fs::create_dir_all(hook.parent().unwrap()).unwrap();
    std::fs::write(&hook, "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    let report = text(&repo.leakgate(&["doctor"]));
    assert!(report.contains("does not run leakgate"), "{report}");
}

#[test]
fn a_hook_that_husky_owns_counts_when_husky_runs_leakgate() {
    let repo = TestRepo::new();
    repo.write(
        ".husky/_/pre-commit",
        "#!/usr/bin/env sh\n. \"$(dirname \"$0\")/h\"\n",
    );
    repo.write(".husky/pre-commit", "npm test\n");
    repo.git(&["config", "core.hooksPath", ".husky/_"]);
    let report = text(&repo.leakgate(&["doctor"]));
    assert!(
        report.contains("PROBLEM  pre-commit: husky runs this hook"),
        "{report}"
    );
    assert!(fixes(&report).contains(&"leakgate install --hook pre-commit".to_string()));

    assert_passed(&repo.leakgate(&["install"]));
    let report = text(&repo.leakgate(&["doctor"]));
    assert!(
        report.contains("ok       pre-commit: runs leakgate through husky"),
        "{report}"
    );
    assert!(
        report.contains("advice   pre-push: husky runs this hook"),
        "{report}"
    );
}

#[test]
fn a_repository_set_up_as_the_readme_recommends_passes_with_advice_only() {
    let repo = TestRepo::new();
    repo.commit_file("app.py", "print('hi')\n", "app");
    // What ./install.sh runs in the repository.
    assert_passed(&repo.leakgate(&["install", "--hook", "all"]));
    let out = repo.leakgate(&["doctor"]);
    let report = assert_passed(&out);
    assert!(report.contains("all checks passed"), "{report}");
    // No .gitignore: a recommendation, labelled as one, not a problem.
    assert!(
        report.contains("advice   .gitignore: not ignored"),
        "{report}"
    );
    assert!(report.contains("1 recommendation(s)"), "{report}");
    for line in report
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
    {
        let label = &line[2..9];
        assert!(
            ["ok     ", "PROBLEM", "advice "].contains(&label),
            "unlabelled check: {line}\n{report}"
        );
    }
}

#[test]
fn a_gitignore_that_ignores_env_files_passes_the_check() {
    let repo = TestRepo::new();
    repo.write(".gitignore", "node_modules/\n.env*\n!.env.example\n");
    repo.commit_file("app.py", "print('hi')\n", "app");
    assert_passed(&repo.leakgate(&["install", "--hook", "all"]));
    let report = assert_passed(&repo.leakgate(&["doctor"]));
    assert!(report.contains("ok       .gitignore"), "{report}");
    assert!(!report.contains("advice"), "{report}");
}

#[test]
fn a_long_list_of_files_is_capped_one_per_line() {
    let repo = TestRepo::new();
    for i in 0..12 {
        repo.stage(
            &format!("keys/k{i:02}.py"),
            &format!("K = \"{AWS_KEY_ID}\"\n"),
        );
    }
    repo.commit_unchecked("keys");
    let report = text(&repo.leakgate(&["doctor"]));
    let history = report
        .lines()
        .skip_while(|l| !l.contains("history:"))
        .take_while(|l| !l.contains("fix:"))
        .collect::<Vec<_>>();
    assert!(
        history[0].contains("12 secret(s) in 1 commit(s), in 12 file(s):"),
        "{report}"
    );
    assert_eq!(history.len(), 1 + 5 + 1, "{report}");
    assert_eq!(history[1].trim(), "keys/k00.py");
    assert_eq!(history[6].trim(), "and 7 more");
    assert!(report.lines().all(|l| l.chars().count() < 200), "{report}");
}
