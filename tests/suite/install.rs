//! Installing the hook where git really runs hooks, without losing anyone
//! else's hook.

use crate::util::*;

#[test]
fn a_pre_existing_hook_keeps_running_after_install_and_returns_after_uninstall() {
    let repo = TestRepo::new();
    let hook = repo.path().join(".git/hooks/pre-commit");
    let original = "#!/bin/sh\necho previous-hook-ran > \"$(git rev-parse --git-dir)/marker\"\n";
    write_executable(&hook, original);
    repo.install_hook();

    repo.stage("a.txt", "a\n");
    assert_passed(&repo.commit(&[]));
    assert!(
        repo.path().join(".git/marker").exists(),
        "the chained hook ran"
    );

    repo.stage("b.txt", &format!("{AWS_KEY_ID}\n"));
    assert_blocked_by_finding(&repo.commit(&[]));

    let out = repo.leakgate(&["uninstall"]);
    assert_passed(&out);
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), original);
    assert_passed(&repo.commit(&[]));
}

#[test]
fn force_sets_the_old_hook_aside_without_running_it_and_uninstall_restores_it() {
    let repo = TestRepo::new();
    let hook = repo.path().join(".git/hooks/pre-commit");
    let original = "#!/bin/sh\nexit 1\n";
    write_executable(&hook, original);
    assert_passed(&repo.leakgate(&["install", "--force"]));
    repo.stage("a.txt", "a\n");
    assert_passed(&repo.commit(&[]));
    assert_passed(&repo.leakgate(&["uninstall"]));
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), original);
}

#[test]
fn installing_twice_is_harmless() {
    let repo = TestRepo::new();
    repo.install_hook();
    repo.install_hook();
    repo.stage("b.txt", &format!("{AWS_KEY_ID}\n"));
    assert_blocked_by_finding(&repo.commit(&[]));
    assert_passed(&repo.leakgate(&["uninstall"]));
    assert!(!repo.path().join(".git/hooks/pre-commit").exists());
    assert_passed(&repo.commit(&[]));
}

#[test]
fn a_relative_core_hooks_path_is_honoured() {
    let repo = TestRepo::new();
    repo.git(&["config", "core.hooksPath", "team-hooks"]);
    repo.install_hook();
    assert!(repo.path().join("team-hooks/pre-commit").exists());
    assert!(!repo.path().join(".git/hooks/pre-commit").exists());
    repo.stage("b.txt", &format!("{AWS_KEY_ID}\n"));
    assert_blocked_by_finding(&repo.commit(&[]));
}

#[test]
fn the_shipped_hooks_directory_works_as_core_hooks_path() {
    let repo = TestRepo::new();
    let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("hooks");
    repo.git(&["config", "core.hooksPath", shipped.to_str().unwrap()]);
    repo.stage("b.txt", &format!("{AWS_KEY_ID}\n"));
    assert_blocked_by_finding(&repo.commit(&[]));
    let shim = std::fs::read(shipped.join("pre-commit")).unwrap();
    assert!(!shim.contains(&b'\r'), "the shim has LF line endings");
}

#[test]
fn without_the_binary_the_shim_blocks_and_says_how_to_install() {
    let repo = TestRepo::new();
    // Installed by a copy that is then deleted: neither PATH nor the path
    // the hook remembers finds a binary.
    let bin = tempfile::tempdir().unwrap();
    let copy = bin.path().join("leakgate");
    std::fs::copy(leakgate_bin(), &copy).unwrap();
    let out = repo.command(&copy).arg("install").output().unwrap();
    assert_passed(&out);
    std::fs::remove_file(&copy).unwrap();
    repo.stage("a.txt", "a\n");
    let out = repo
        .command("git")
        .env("PATH", "/usr/bin:/bin:/usr/local/bin")
        .args(["commit", "-m", "x"])
        .output()
        .unwrap();
    let all = assert_blocked_by_error(&out);
    assert!(all.contains("not installed"), "{all}");
    assert!(all.contains("install.sh"), "{all}");
}
