//! The pre-commit framework: `.pre-commit-hooks.yaml` at the repository
//! root, driven by the real `pre-commit` tool where it is installed, and the
//! `scan --staged FILE...` form its hooks rely on.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use yaml_rust2::{Yaml, YamlLoader};

use crate::util::*;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `pre-commit` executable, or `None` (with the reason printed, past
/// the test harness's capture) when it is not installed.
fn pre_commit_or_skip(test: &str) -> Option<PathBuf> {
    let found = Command::new("pre-commit")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success());
    if found {
        Some(PathBuf::from("pre-commit"))
    } else {
        let _ = writeln!(
            std::io::stderr(),
            "{test}: skipped: the pre-commit tool is not on PATH (pip install pre-commit)"
        );
        None
    }
}

fn pre_commit(repo: &TestRepo, program: &Path, args: &[&str]) -> Output {
    repo.command(program)
        .args(args)
        .env("PRE_COMMIT_HOME", repo.home().join("pre-commit-cache"))
        .env("PRE_COMMIT_COLOR", "never")
        .output()
        .unwrap()
}

fn hooks_manifest() -> Vec<Yaml> {
    let text = std::fs::read_to_string(manifest_dir().join(".pre-commit-hooks.yaml")).unwrap();
    let mut docs = YamlLoader::load_from_str(&text).unwrap();
    docs.remove(0)
        .into_vec()
        .expect("the manifest is a list of hooks")
}

#[test]
fn the_hooks_manifest_declares_a_cargo_built_and_an_installed_binary_hook() {
    let hooks = hooks_manifest();
    let ids: Vec<&str> = hooks.iter().map(|h| h["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["leakgate", "leakgate-system"]);
    for hook in &hooks {
        assert_eq!(hook["entry"].as_str(), Some("leakgate scan --staged --"));
        assert_eq!(hook["pass_filenames"].as_bool(), Some(true));
        assert_eq!(hook["require_serial"].as_bool(), Some(true));
        let stages = hook["stages"].as_vec().unwrap();
        assert_eq!(stages, &[Yaml::String("pre-commit".into())]);
        assert!(hook["name"].as_str().is_some());
    }
    assert_eq!(hooks[0]["language"].as_str(), Some("rust"));
    assert_eq!(hooks[1]["language"].as_str(), Some("system"));
    // `language: rust` builds the crate at the repository root.
    assert!(manifest_dir().join("Cargo.toml").is_file());
}

#[test]
fn scan_staged_takes_file_names_with_spaces_and_glob_characters_literally() {
    let repo = TestRepo::new();
    repo.stage("app/my settings.py", &format!("K = \"{AWS_KEY_ID}\"\n"));
    repo.stage("app/clean file.py", "x = 1\n");
    repo.stage("a*.py", "x = 1\n");
    repo.stage("ab.py", &format!("K = \"{AWS_KEY_ID}\"\n"));
    repo.stage("[ab].py", &format!("K = \"{GITHUB_TOKEN}\"\n"));

    let out = repo.leakgate(&["scan", "--staged", "app/clean file.py", "a*.py"]);
    let all = assert_passed(&out);
    assert!(all.contains("no secrets in 2 staged file(s)"), "{all}");

    let out = repo.leakgate(&[
        "scan",
        "--staged",
        "app/clean file.py",
        "app/my settings.py",
    ]);
    let all = assert_blocked_by_finding(&out);
    assert!(all.contains("app/my settings.py:1:6"), "{all}");
    assert!(all.contains("1 secret in 1 file"), "{all}");

    let out = repo.leakgate(&["scan", "--staged", "[ab].py"]);
    let all = assert_blocked_by_finding(&out);
    assert!(
        all.contains("[ab].py:1:6") && !all.contains("ab.py:1:6  aws"),
        "{all}"
    );

    // From a subdirectory, names are relative to it, as pre-commit never
    // does but a person might.
    let out = repo
        .command(leakgate_bin())
        .current_dir(repo.path().join("app"))
        .args(["scan", "--staged", "my settings.py"])
        .output()
        .unwrap();
    assert!(assert_blocked_by_finding(&out).contains("app/my settings.py:1:6"));

    // No names: everything staged.
    let all = assert_blocked_by_finding(&repo.leakgate(&["scan", "--staged"]));
    assert!(all.contains("3 secrets in 3 files"), "{all}");
}

#[test]
fn pre_commit_try_repo_runs_the_installed_binary_hook_against_this_repository() {
    let Some(program) = pre_commit_or_skip("pre_commit_try_repo") else {
        return;
    };
    if !manifest_dir().join(".git").exists() {
        let _ = writeln!(
            std::io::stderr(),
            "pre_commit_try_repo: skipped: {} is not a git checkout, which try-repo needs",
            manifest_dir().display()
        );
        return;
    }
    let repo = TestRepo::new();
    repo.stage("app/my settings.py", &format!("K = \"{AWS_KEY_ID}\"\n"));
    repo.stage("clean.py", "x = 1\n");
    let this_repo = manifest_dir();
    let out = pre_commit(
        &repo,
        &program,
        &["try-repo", this_repo.to_str().unwrap(), "leakgate-system"],
    );
    let all = assert_blocked_by_finding(&out);
    assert!(all.contains("app/my settings.py:1:6"), "{all}");
    assert!(all.contains("aws-access-key-id"), "{all}");
    assert!(!all.contains(AWS_KEY_ID), "{all}");

    repo.stage("app/my settings.py", "K = None\n");
    let out = pre_commit(
        &repo,
        &program,
        &["try-repo", this_repo.to_str().unwrap(), "leakgate-system"],
    );
    assert_passed(&out);
}

/// A repository holding only this repository's hook manifest, committed, so
/// `.pre-commit-config.yaml` can pin it by commit as a team would pin a tag.
fn hook_repository(repo: &TestRepo) -> (PathBuf, String) {
    let dir = repo.home().join("leakgate-hooks");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        manifest_dir().join(".pre-commit-hooks.yaml"),
        dir.join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    let git = |args: &[&str]| {
        let out = repo
            .command("git")
            .current_dir(&dir)
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", text(&out));
        String::from_utf8(out.stdout).unwrap()
    };
    git(&["init", "-q", "-b", "main"]);
    git(&["add", ".pre-commit-hooks.yaml"]);
    git(&["commit", "-q", "-m", "hooks"]);
    let rev = git(&["rev-parse", "HEAD"]).trim().to_string();
    (dir, rev)
}

/// A repository whose staged `.pre-commit-config.yaml` runs the
/// `leakgate-system` hook of this repository's manifest, installed with
/// `pre-commit install`.
fn repo_with_the_system_hook_installed(program: &Path) -> TestRepo {
    let repo = TestRepo::new();
    let (hooks, rev) = hook_repository(&repo);
    repo.stage(
        ".pre-commit-config.yaml",
        &format!(
            "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: leakgate-system\n",
            hooks.display()
        ),
    );
    assert_passed(&pre_commit(&repo, program, &["install"]));
    repo
}

#[test]
fn a_pre_commit_config_using_the_system_hook_blocks_a_real_commit() {
    let Some(program) = pre_commit_or_skip("pre_commit_install") else {
        return;
    };
    let repo = repo_with_the_system_hook_installed(&program);

    repo.stage("app.py", "print('hello')\n");
    assert_passed(&repo.commit(&[]));

    repo.stage("deploy/my key.txt", &format!("token {GITHUB_TOKEN}\n"));
    let all = assert_blocked_by_finding(&repo.commit(&[]));
    assert!(all.contains("deploy/my key.txt:1:7"), "{all}");
    // Staged and cleaned only in the working tree: still blocked, because
    // leakgate reads the staged blob.
    repo.write("deploy/my key.txt", "token None\n");
    assert_blocked_by_finding(&repo.commit(&[]));
}

#[test]
fn the_readme_pre_commit_config_works_as_written() {
    let Some(program) = pre_commit_or_skip("readme_pre_commit_config") else {
        return;
    };
    let readme = std::fs::read_to_string(manifest_dir().join("README.md")).unwrap();
    let config = readme
        .split("```yaml\n")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .find(|block| block.contains("repo: local"))
        .expect("README.md shows a .pre-commit-config.yaml with `repo: local`");
    let repo = TestRepo::new();
    repo.stage(".pre-commit-config.yaml", config);
    assert_passed(&pre_commit(&repo, &program, &["install"]));
    repo.stage("ok.txt", "fine\n");
    assert_passed(&repo.commit(&[]));
    repo.stage("leak.txt", &format!("{AWS_KEY_ID}\n"));
    let all = assert_blocked_by_finding(&repo.commit(&[]));
    assert!(all.contains("leak.txt:1:1"), "{all}");
}

/// `language: rust` makes pre-commit `cargo install` this repository into
/// its cache: a release build that took 77 s of wall time on 2 cores and
/// needs crates.io, so it runs only when asked:
/// `cargo test --test suite -- --ignored pre_commit_try_repo_builds`.
#[test]
#[ignore = "cargo-installs this repository (a release build that needs crates.io)"]
fn pre_commit_try_repo_builds_and_runs_the_cargo_hook() {
    let Some(program) = pre_commit_or_skip("pre_commit_rust_hook") else {
        return;
    };
    let real_home = PathBuf::from(std::env::var_os("HOME").unwrap());
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| real_home.join(".cargo"));
    let rustup_home = std::env::var_os("RUSTUP_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| real_home.join(".rustup"));
    let repo = TestRepo::new();
    repo.stage("leak.py", &format!("K = \"{AWS_KEY_ID}\"\n"));
    let out = repo
        .command(&program)
        .args(["try-repo", manifest_dir().to_str().unwrap(), "leakgate"])
        .env("PRE_COMMIT_HOME", repo.home().join("pre-commit-cache"))
        .env("CARGO_HOME", cargo_home)
        .env("RUSTUP_HOME", rustup_home)
        .output()
        .unwrap();
    let all = assert_blocked_by_finding(&out);
    assert!(all.contains("leak.py:1:6"), "{all}");
}

#[test]
fn staged_files_named_like_flags_are_file_names_through_the_manifest_entry() {
    let Some(program) = pre_commit_or_skip("flag_named_files") else {
        return;
    };
    let repo = repo_with_the_system_hook_installed(&program);
    for name in ["-h", "--help", "--no-redact"] {
        repo.stage(name, "nothing here\n");
    }
    repo.stage("leak.txt", &format!("token {GITHUB_TOKEN}\n"));
    let all = assert_blocked_by_finding(&repo.commit(&[]));
    assert!(all.contains("leak.txt:1:7"), "{all}");
    assert!(
        !all.contains(GITHUB_TOKEN),
        "the secret was printed:\n{all}"
    );
    assert!(!all.contains("Usage:"), "help instead of a scan:\n{all}");
}

#[test]
fn doctor_counts_a_pre_commit_config_that_runs_leakgate() {
    let Some(program) = pre_commit_or_skip("doctor_pre_commit_config") else {
        return;
    };
    let repo = TestRepo::new();
    repo.write(".gitignore", ".env\n.env.*\n");
    repo.stage(".pre-commit-config.yaml", "repos: []\n");
    assert_passed(&pre_commit(&repo, &program, &["install"]));
    repo.commit_unchecked("config");

    // The framework runs the hook, and its config has no leakgate: the fix
    // is an entry in that config, never a second leakgate hook beside it.
    let out = repo.leakgate(&["doctor"]);
    let report = text(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(
        report.contains("PROBLEM  pre-commit: the pre-commit framework runs this hook"),
        "{report}"
    );
    assert!(!report.contains("another tool's hook"), "{report}");
    assert!(
        !report.contains("leakgate install --hook pre-commit"),
        "{report}"
    );

    let readme = std::fs::read_to_string(manifest_dir().join("README.md")).unwrap();
    let config = readme
        .split("```yaml\n")
        .skip(1)
        .filter_map(|block| block.split("```").next())
        .find(|block| block.contains("repo: local"))
        .unwrap();
    repo.write(".pre-commit-config.yaml", config);
    let out = repo.leakgate(&["doctor"]);
    let report = assert_passed(&out);
    assert!(
        report.contains("ok       pre-commit: runs leakgate through the pre-commit framework"),
        "{report}"
    );
}
