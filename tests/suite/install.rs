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
    let out = run_fresh_binary(repo.command(&copy).arg("install"));
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

/// A directory holding only `leakgate` made of `bytes` (executable unless
/// `mode` says otherwise), to put first on PATH.
fn fake_leakgate(bytes: &[u8], mode: u32) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leakgate");
    std::fs::write(&path, bytes).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    dir
}

/// `git ARGS` with `dir` first on PATH.
fn git_with_first_on_path(
    repo: &TestRepo,
    dir: &std::path::Path,
    args: &[&str],
) -> std::process::Output {
    let path = format!("{}:/usr/bin:/bin:/usr/local/bin", dir.display());
    repo.command("git")
        .env("PATH", path)
        .args(args)
        .output()
        .unwrap()
}

/// A directory holding a `leakgate` that logs its arguments to `log` and
/// runs the real one; `older` makes it drop the handshake variable, as a
/// leakgate from before the scan answered the handshake itself would.
fn logging_leakgate(log: &std::path::Path, older: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let unset = if older {
        "unset LEAKGATE_HANDSHAKE_FD\n"
    } else {
        ""
    };
    let next = dir.path().join("next");
    write_executable(
        &next,
        &format!(
            "#!/bin/sh\necho \"$1\" >> '{}'\n{unset}exec '{}' \"$@\"\n",
            log.display(),
            leakgate_bin().display()
        ),
    );
    // Renamed into place: a file still open for writing cannot be run.
    std::fs::rename(&next, dir.path().join("leakgate")).unwrap();
    dir
}

#[test]
fn one_leakgate_process_scans_and_answers_the_handshake_and_an_older_one_is_asked_apart() {
    for older in [false, true] {
        let repo = TestRepo::new();
        let remote = repo.add_bare_remote();
        repo.commit_file("a.txt", "clean\n", "first");
        assert_passed(&repo.leakgate(&["install", "--hook", "all"]));
        let log = repo.home().join("calls.log");
        let bin = logging_leakgate(&log, older);
        // Each hook runs `scan` once; only an older binary is asked for the
        // handshake, once after each scan.
        let expect = |hooks: usize| {
            let call = if older {
                "scan\nhook-handshake\n"
            } else {
                "scan\n"
            };
            let calls = std::fs::read_to_string(&log).unwrap_or_default();
            let _ = std::fs::remove_file(&log);
            assert_eq!(calls, call.repeat(hooks), "older: {older}");
        };
        repo.stage("b.txt", "clean too\n");
        let out = git_with_first_on_path(&repo, bin.path(), &["commit", "-m", "clean"]);
        assert_passed(&out);
        expect(2); // pre-commit, commit-msg
        repo.stage("k.txt", &format!("{AWS_KEY_ID}\n"));
        let out = git_with_first_on_path(&repo, bin.path(), &["commit", "-m", "key"]);
        let all = assert_blocked_by_finding(&out);
        assert!(all.contains("k.txt:1:1"), "{all}");
        expect(1);
        repo.git(&["reset", "-q", "k.txt"]);
        let out = git_with_first_on_path(&repo, bin.path(), &["push", "origin", "main"]);
        assert_passed(&out);
        expect(1);
        assert!(repo.remote_ref(remote.path(), "refs/heads/main").is_some());
    }
}

#[test]
fn a_zero_byte_leakgate_earlier_on_path_blocks_the_commit() {
    let repo = TestRepo::new();
    repo.install_hook();
    repo.stage("a.txt", "clean\n");
    let empty = fake_leakgate(b"", 0o755);
    let out = git_with_first_on_path(&repo, empty.path(), &["commit", "-m", "x"]);
    let all = assert_blocked_by_error(&out);
    assert!(all.contains("is not a working leakgate"), "{all}");
    assert!(
        repo.try_git(&["rev-parse", "--verify", "-q", "HEAD"])
            .stdout
            .is_empty()
    );
}

#[test]
fn a_truncated_a_non_executable_or_a_foreign_leakgate_blocks_every_hook() {
    use std::os::unix::fs::PermissionsExt;
    let repo = TestRepo::new();
    let remote = repo.add_bare_remote();
    repo.commit_file("a.txt", "clean\n", "first");
    // The hooks are installed by a copy, which each case then spoils.
    let bin = tempfile::tempdir().unwrap();
    let copy = bin.path().join("leakgate");
    let real = std::fs::read(leakgate_bin()).unwrap();
    // Written beside and renamed into place: a file still open for writing
    // cannot be run ("text file busy") while other tests start processes.
    let spoil = |bytes: &[u8], mode: u32| {
        let next = bin.path().join("next");
        std::fs::write(&next, bytes).unwrap();
        std::fs::set_permissions(&next, std::fs::Permissions::from_mode(mode)).unwrap();
        std::fs::rename(&next, &copy).unwrap();
    };
    spoil(&real, 0o755);
    let out = run_fresh_binary(repo.command(&copy).args(["install", "--hook", "all"]));
    assert_passed(&out);
    let cases: [(&str, &[u8], u32); 3] = [
        // Cut where an interrupted download would leave it, well before
        // the code that answers; a binary cut so late that it still runs
        // the whole scan is no longer a danger.
        ("truncated", &real[..64 * 1024], 0o755),
        ("not executable", &real, 0o644),
        ("another program", b"#!/bin/sh\nexit 0\n", 0o755),
    ];
    let only_system = std::path::Path::new("/nonexistent");
    for (case, bytes, mode) in cases {
        spoil(bytes, mode);
        repo.stage("b.txt", "clean too\n");
        let out = git_with_first_on_path(&repo, only_system, &["commit", "-m", "x"]);
        let all = assert_blocked_by_error(&out);
        assert!(all.contains("is not a working leakgate"), "{case}: {all}");
        let out = git_with_first_on_path(&repo, only_system, &["push", "origin", "main"]);
        let all = assert_blocked_by_error(&out);
        assert!(all.contains("push is blocked"), "{case}: {all}");
    }
    assert_eq!(repo.remote_ref(remote.path(), "refs/heads/main"), None);
}

#[test]
fn the_default_install_adds_a_commit_msg_hook_and_all_adds_pre_push() {
    let repo = TestRepo::new();
    let said = assert_passed(&repo.leakgate(&["install"]));
    assert!(said.contains("commit-msg"), "{said}");
    let hooks = repo.path().join(".git/hooks");
    assert!(hooks.join("pre-commit").is_file() && hooks.join("commit-msg").is_file());
    assert!(!hooks.join("pre-push").exists());
    repo.stage("a.txt", "clean\n");
    let out = repo.try_git(&["commit", "-m", &format!("deploy with {GITHUB_TOKEN}")]);
    let all = assert_blocked_by_finding(&out);
    assert!(!all.contains(GITHUB_TOKEN), "{all}");
    assert_passed(&repo.commit(&[]));

    assert_passed(&repo.leakgate(&["install", "--hook", "all"]));
    for hook in ["pre-commit", "commit-msg", "pre-push"] {
        let text = std::fs::read_to_string(hooks.join(hook)).unwrap();
        assert!(text.contains("leakgate-managed-hook"), "{hook}");
    }
}

#[test]
fn uninstall_without_a_flag_removes_every_hook_install_all_put_in_and_restores_chained_ones() {
    let repo = TestRepo::new();
    let hooks = repo.path().join(".git/hooks");
    let theirs = "#!/bin/sh\necho their-pre-push\n";
    write_executable(&hooks.join("pre-push"), theirs);
    assert_passed(&repo.leakgate(&["install", "--hook", "all"]));
    let said = assert_passed(&repo.leakgate(&["uninstall"]));
    assert!(said.contains("pre-push"), "{said}");
    assert!(!hooks.join("pre-commit").exists());
    assert!(!hooks.join("commit-msg").exists());
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-push")).unwrap(),
        theirs
    );
    let left: Vec<String> = std::fs::read_dir(&hooks)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.ends_with(".sample"))
        .collect();
    assert_eq!(left, ["pre-push"]);
    // Nothing left to remove is not an error.
    let said = assert_passed(&repo.leakgate(&["uninstall"]));
    assert!(said.contains("no leakgate hook is installed"), "{said}");
}

#[test]
fn pre_receive_installs_into_a_bare_repository_chained_and_uninstall_restores_it() {
    let repo = TestRepo::new();
    let bare = repo.add_bare_remote();
    let hook = bare.path().join("hooks/pre-receive");
    let theirs = "#!/bin/sh\ncat >/dev/null\necho their-pre-receive\n";
    write_executable(&hook, theirs);
    let in_bare = |args: &[&str]| {
        repo.command(leakgate_bin())
            .current_dir(bare.path())
            .args(args)
            .output()
            .unwrap()
    };
    let said = assert_passed(&in_bare(&["install", "--hook", "pre-receive"]));
    assert!(said.contains("kept and chained"), "{said}");
    let shim = std::fs::read_to_string(&hook).unwrap();
    assert!(shim.contains("scan --pre-receive"), "{shim}");
    assert_eq!(
        std::fs::read_to_string(bare.path().join("hooks/pre-receive.leakgate-chained")).unwrap(),
        theirs
    );
    // GIT_DIR names the repository just as well; installing again is harmless.
    let out = repo
        .command(leakgate_bin())
        .env("GIT_DIR", bare.path())
        .args(["install", "--hook", "pre-receive"])
        .output()
        .unwrap();
    assert_passed(&out);
    assert_passed(&in_bare(&["uninstall"]));
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), theirs);
    assert!(
        !bare
            .path()
            .join("hooks/pre-receive.leakgate-chained")
            .exists()
    );

    // In a bare repository, where no one commits, plain `install` means
    // the server's hook.
    let said = assert_passed(&in_bare(&["install"]));
    assert!(said.contains("pre-receive"), "{said}");
    assert!(!bare.path().join("hooks/pre-commit").exists());
    assert_passed(&in_bare(&["uninstall"]));
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), theirs);
}

#[test]
fn install_sh_finds_the_binary_under_cargo_install_root_and_so_do_the_hooks() {
    let repo = TestRepo::new();
    // A stand-in for `cargo install` that puts the freshly built binary
    // where the real one would with the arguments it is given (--root), so
    // the test does not run a release build.
    let tools = tempfile::tempdir().unwrap();
    write_executable(
        &tools.path().join("cargo"),
        &format!(
            "#!/bin/sh\nroot=\nwhile [ $# -gt 0 ]; do [ \"$1\" = --root ] && root=$2; shift; done\n\
             [ -n \"$root\" ] || {{ echo 'cargo: no --root given' >&2; exit 1; }}\n\
             mkdir -p \"$root/bin\" && cp '{}' \"$root/bin/leakgate\"\n",
            leakgate_bin().display()
        ),
    );
    let root = repo.home().join("custom-root");
    let path = format!("{}:/usr/bin:/bin:/usr/local/bin", tools.path().display());
    let install_sh = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("install.sh");
    let out = repo
        .command(&install_sh)
        .env("PATH", &path)
        .env("CARGO_INSTALL_ROOT", &root)
        .output()
        .unwrap();
    let said = assert_passed(&out);
    assert!(root.join("bin/leakgate").is_file(), "{said}");

    // At commit time neither PATH nor CARGO_INSTALL_ROOT leads to it: the
    // hooks remember where install.sh's leakgate was.
    repo.stage("k.txt", &format!("{AWS_KEY_ID}\n"));
    let out = repo
        .command("git")
        .env("PATH", "/usr/bin:/bin:/usr/local/bin")
        .args(["commit", "-m", "x"])
        .output()
        .unwrap();
    let all = assert_blocked_by_finding(&out);
    assert!(all.contains("k.txt:1:1"), "{all}");
    // With CARGO_INSTALL_ROOT set at commit time, it is found there too.
    std::fs::write(
        repo.path().join(".git/hooks/pre-commit"),
        std::fs::read_to_string(repo.path().join(".git/hooks/pre-commit"))
            .unwrap()
            .lines()
            .filter(|l| !l.starts_with("leakgate_installed_by="))
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .unwrap();
    let out = repo
        .command("git")
        .env("PATH", "/usr/bin:/bin:/usr/local/bin")
        .env("CARGO_INSTALL_ROOT", &root)
        .args(["commit", "-m", "x"])
        .output()
        .unwrap();
    assert_blocked_by_finding(&out);
}

#[test]
fn install_sh_links_statically_on_linux_gnu_and_falls_back_to_a_dynamic_build() {
    let repo = TestRepo::new();
    let tools = tempfile::tempdir().unwrap();
    let log = tools.path().join("cargo.log");
    write_executable(
        &tools.path().join("rustc"),
        "#!/bin/sh\nprintf 'rustc 1.0.0\\nhost: x86_64-unknown-linux-gnu\\n'\n",
    );
    // Records how it was called; fails a build for a --target when asked.
    write_executable(
        &tools.path().join("cargo"),
        &format!(
            "#!/bin/sh\necho \"RUSTFLAGS=$RUSTFLAGS LIBZ_SYS_STATIC=$LIBZ_SYS_STATIC $*\" >> '{log}'\n\
             case \" $* \" in *' --target '*) [ -z \"$FAIL_STATIC\" ] || {{ echo 'cannot find -lc' >&2; exit 101; }};; esac\n\
             root=\nwhile [ $# -gt 0 ]; do [ \"$1\" = --root ] && root=$2; shift; done\n\
             mkdir -p \"$root/bin\" && cp '{bin}' \"$root/bin/leakgate\"\n",
            log = log.display(),
            bin = leakgate_bin().display()
        ),
    );
    let path = format!("{}:/usr/bin:/bin:/usr/local/bin", tools.path().display());
    let install_sh = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("install.sh");
    let install = |root: &str, fail_static: bool| {
        let mut command = repo.command(&install_sh);
        command
            .arg("--binary-only")
            .env("PATH", &path)
            .env("CARGO_INSTALL_ROOT", repo.home().join(root))
            .env_remove("RUSTFLAGS")
            .env_remove("FAIL_STATIC");
        if fail_static {
            command.env("FAIL_STATIC", "1");
        }
        let said = assert_passed(&command.output().unwrap());
        assert!(
            repo.home().join(root).join("bin/leakgate").is_file(),
            "{said}"
        );
        let calls = std::fs::read_to_string(&log).unwrap();
        std::fs::remove_file(&log).unwrap();
        (said, calls.lines().map(String::from).collect::<Vec<_>>())
    };

    let (said, calls) = install("static", false);
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(
        calls[0].starts_with("RUSTFLAGS=-C target-feature=+crt-static LIBZ_SYS_STATIC=1 install ")
            && calls[0].ends_with(" --target x86_64-unknown-linux-gnu"),
        "{calls:?}"
    );
    assert!(!said.contains("static build failed"), "{said}");

    let (said, calls) = install("dynamic", true);
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(calls[0].contains("--target"), "{calls:?}");
    assert!(
        calls[1].starts_with("RUSTFLAGS= LIBZ_SYS_STATIC= install ")
            && !calls[1].contains("--target"),
        "{calls:?}"
    );
    assert!(said.contains("the static build failed"), "{said}");
}

/// Runs a binary the test has just written. Another test's thread may be
/// between fork and exec with the file's write handle inherited, and Linux
/// refuses to run a file open for writing ("text file busy"): try again.
fn run_fresh_binary(command: &mut std::process::Command) -> std::process::Output {
    loop {
        match command.output() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(std::time::Duration::from_millis(10))
            }
            result => return result.unwrap(),
        }
    }
}
