//! `leakgate install` next to other hook managers: it adds itself to the
//! file the team edits (husky's `.husky/pre-commit`, `lefthook.yml`) without
//! replacing the manager's generated hooks, and `uninstall` takes exactly
//! that back out. husky's layout is written here as husky 9 and 8 write it
//! (no npm needed); lefthook need not be installed to test its config edit.

use std::os::unix::fs::PermissionsExt;

use yaml_rust2::YamlLoader;

use crate::util::*;

fn read(repo: &TestRepo, rel: &str) -> String {
    std::fs::read_to_string(repo.path().join(rel)).unwrap()
}

/// husky 9's runner: every generated hook in `.husky/_` sources it, and it
/// runs the user's script of the same name from `.husky/` with `sh -e`.
const HUSKY9_RUNNER: &str = r#"#!/usr/bin/env sh
[ "$HUSKY" = "2" ] && set -x
n=$(basename "$0")
s=$(dirname "$(dirname "$0")")/$n

[ ! -f "$s" ] && exit 0

i="${XDG_CONFIG_HOME:-$HOME/.config}/husky/init.sh"
[ -f "$i" ] && . "$i"

[ "${HUSKY-}" = "0" ] && exit 0

export PATH="node_modules/.bin:$PATH"
sh -e "$s" "$@"
c=$?

[ $c != 0 ] && echo "husky - $n script failed (code $c)"
[ $c = 127 ] && echo "husky - command not found in PATH=$PATH"
exit $c
"#;

const HUSKY9_GENERATED_HOOK: &str = "#!/usr/bin/env sh\n. \"$(dirname \"$0\")/h\"\n";

/// A repository set up the way `npx husky init` leaves it.
fn husky9_repo(user_script: Option<&str>) -> TestRepo {
    let repo = TestRepo::new();
    write_executable(&repo.path().join(".husky/_/h"), HUSKY9_RUNNER);
    write_executable(
        &repo.path().join(".husky/_/pre-commit"),
        HUSKY9_GENERATED_HOOK,
    );
    if let Some(script) = user_script {
        repo.write(".husky/pre-commit", script);
    }
    repo.git(&["config", "core.hooksPath", ".husky/_"]);
    repo
}

#[test]
fn husky9_gets_a_leakgate_line_in_the_user_script_and_loses_it_on_uninstall() {
    let user_script = "# run the team's checks\necho checks-ran >> .git/husky-ran\n";
    let repo = husky9_repo(Some(user_script));
    let out = repo.leakgate(&["install"]);
    let said = assert_passed(&out);
    assert!(said.contains("husky"), "{said}");
    assert_eq!(read(&repo, ".husky/_/pre-commit"), HUSKY9_GENERATED_HOOK);
    assert_eq!(read(&repo, ".husky/_/h"), HUSKY9_RUNNER);
    let script = read(&repo, ".husky/pre-commit");
    assert!(
        script.contains("leakgate") && script.contains("checks-ran"),
        "{script}"
    );

    repo.stage("app.py", "x = 1\n");
    assert_passed(&repo.commit(&[]));
    assert_eq!(read(&repo, ".git/husky-ran"), "checks-ran\n");

    repo.stage("settings.py", &format!("KEY = \"{AWS_KEY_ID}\"\n"));
    let all = assert_blocked_by_finding(&repo.commit(&[]));
    assert!(all.contains("settings.py:1:8"), "{all}");
    assert!(all.contains("husky - pre-commit script failed"), "{all}");

    // Installing again changes nothing.
    assert_passed(&repo.leakgate(&["install"]));
    assert_eq!(read(&repo, ".husky/pre-commit"), script);

    assert_passed(&repo.leakgate(&["uninstall"]));
    assert_eq!(read(&repo, ".husky/pre-commit"), user_script);
    assert_eq!(read(&repo, ".husky/_/pre-commit"), HUSKY9_GENERATED_HOOK);
    assert_passed(&repo.commit(&[]));
}

#[test]
fn husky9_without_a_user_script_gets_one_that_uninstall_removes() {
    let repo = husky9_repo(None);
    assert_passed(&repo.leakgate(&["install"]));
    assert!(repo.path().join(".husky/pre-commit").is_file());
    repo.stage("k.txt", &format!("{GITHUB_TOKEN}\n"));
    assert_blocked_by_finding(&repo.commit(&[]));
    assert_passed(&repo.leakgate(&["uninstall"]));
    assert!(!repo.path().join(".husky/pre-commit").exists());
    assert_passed(&repo.commit(&[]));
}

#[test]
fn husky9_blocks_with_a_clear_message_when_leakgate_is_missing() {
    let repo = husky9_repo(None);
    assert_passed(&repo.leakgate(&["install"]));
    repo.stage("a.txt", "a\n");
    let out = repo
        .command("git")
        .env("PATH", "/usr/bin:/bin")
        .args(["commit", "-m", "x"])
        .output()
        .unwrap();
    let all = assert_blocked_by_finding(&out);
    assert!(all.contains("no working leakgate binary"), "{all}");
}

/// husky 5–8: `core.hooksPath=.husky`; each user script sources
/// `_/husky.sh`, which runs the script again under `sh -e`.
const HUSKY8_SH: &str = r#"#!/usr/bin/env sh
if [ -z "$husky_skip_init" ]; then
  hook_name="$(basename -- "$0")"
  if [ "$HUSKY" = "0" ]; then
    exit 0
  fi
  readonly husky_skip_init=1
  export husky_skip_init
  sh -e "$0" "$@"
  exitCode="$?"
  if [ $exitCode != 0 ]; then
    echo "husky - $hook_name hook exited with code $exitCode (error)"
  fi
  exit $exitCode
fi
"#;

#[test]
fn husky8_gets_the_line_after_its_set_up_so_it_runs_once() {
    let repo = TestRepo::new();
    write_executable(&repo.path().join(".husky/_/husky.sh"), HUSKY8_SH);
    let user_script =
        "#!/usr/bin/env sh\n. \"$(dirname -- \"$0\")/_/husky.sh\"\n\necho ran >> .git/husky-ran\n";
    write_executable(&repo.path().join(".husky/pre-commit"), user_script);
    repo.git(&["config", "core.hooksPath", ".husky"]);

    assert_passed(&repo.leakgate(&["install"]));
    let script = read(&repo, ".husky/pre-commit");
    let setup = script.find("husky.sh").unwrap();
    let ours = script.find("hook-handshake").unwrap();
    assert!(setup < ours, "{script}");

    repo.stage("a.txt", "a\n");
    assert_passed(&repo.commit(&[]));
    assert_eq!(read(&repo, ".git/husky-ran"), "ran\n");
    repo.stage("k.txt", &format!("{AWS_KEY_ID}\n"));
    let all = assert_blocked_by_finding(&repo.commit(&[]));
    assert!(all.contains("k.txt:1:1"), "{all}");

    assert_passed(&repo.leakgate(&["uninstall"]));
    assert_eq!(read(&repo, ".husky/pre-commit"), user_script);
}

/// What `lefthook install` writes into `.git/hooks/pre-commit` (shortened).
const LEFTHOOK_HOOK: &str = r#"#!/bin/sh
if [ "$LEFTHOOK" = "0" ]; then
  exit 0
fi
call_lefthook()
{
  lefthook "$@"
}
call_lefthook run "pre-commit" "$@"
"#;

const LEFTHOOK_CONFIG: &str = "# Team hooks: see https://lefthook.dev\n\
pre-commit:\n  parallel: true\n  commands:\n    # keep lint first\n    lint:\n      glob: \"*.{js,ts}\"\n      run: npx eslint {staged_files}\n\
\npre-push:\n  commands:\n    test:\n      run: npm test # all of it\n";

/// leakgate's lefthook command finds the binary, runs `leakgate ARGS` with
/// the handshake answered on descriptor 3, checks it, and ends with
/// leakgate's verdict.
fn assert_runs(command: &yaml_rust2::Yaml, args: &str) {
    let run = command["run"]
        .as_str()
        .unwrap_or_else(|| panic!("{command:?}"));
    assert!(
        run.contains(&format!("\"$l\" {args} 3>&1 1>&4 4>&-)")),
        "{run}"
    );
    assert!(run.contains("hook-handshake"), "{run}");
    assert!(run.ends_with("[ \"$s\" -eq 0 ] || exit \"$s\""), "{run}");
}

fn lefthook_repo(config: &str) -> TestRepo {
    let repo = TestRepo::new();
    repo.write("lefthook.yml", config);
    write_executable(&repo.path().join(".git/hooks/pre-commit"), LEFTHOOK_HOOK);
    repo
}

#[test]
fn lefthook_gets_a_leakgate_command_and_uninstall_restores_the_file_exactly() {
    let repo = lefthook_repo(LEFTHOOK_CONFIG);
    let said = assert_passed(&repo.leakgate(&["install"]));
    assert!(said.contains("lefthook.yml"), "{said}");
    assert_eq!(read(&repo, ".git/hooks/pre-commit"), LEFTHOOK_HOOK);

    let edited = read(&repo, "lefthook.yml");
    for kept in ["# Team hooks", "# keep lint first", "# all of it"] {
        assert!(edited.contains(kept), "comment {kept:?} lost:\n{edited}");
    }
    let config = &YamlLoader::load_from_str(&edited).unwrap()[0];
    let commands = &config["pre-commit"]["commands"];
    assert_runs(&commands["leakgate"], "scan");
    assert_eq!(
        commands["lint"]["run"].as_str(),
        Some("npx eslint {staged_files}")
    );
    assert_eq!(config["pre-commit"]["parallel"].as_bool(), Some(true));
    assert!(config["pre-push"]["commands"]["leakgate"].is_badvalue());

    assert_passed(&repo.leakgate(&["install"]));
    assert_eq!(
        read(&repo, "lefthook.yml"),
        edited,
        "installing twice is harmless"
    );

    assert_passed(&repo.leakgate(&["uninstall"]));
    assert_eq!(read(&repo, "lefthook.yml"), LEFTHOOK_CONFIG);
    assert_eq!(read(&repo, ".git/hooks/pre-commit"), LEFTHOOK_HOOK);
}

#[test]
fn lefthook_without_a_pre_commit_section_gets_one() {
    let config = "pre-push:\n  commands:\n    test:\n      run: npm test\n";
    let repo = lefthook_repo(config);
    assert_passed(&repo.leakgate(&["install"]));
    let parsed = &YamlLoader::load_from_str(&read(&repo, "lefthook.yml")).unwrap()[0];
    assert_runs(&parsed["pre-commit"]["commands"]["leakgate"], "scan");
    assert_passed(&repo.leakgate(&["uninstall"]));
    assert_eq!(read(&repo, "lefthook.yml"), config);
}

#[test]
fn a_lefthook_config_that_cannot_be_edited_safely_is_left_alone_with_the_snippet_printed() {
    let config = "pre-commit: {commands: {lint: {run: npx eslint}}}\n";
    let repo = lefthook_repo(config);
    let out = repo.leakgate(&["install"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let all = text(&out);
    assert!(all.contains("cannot safely edit"), "{all}");
    assert!(
        all.contains("pre-commit:\n  commands:\n    leakgate:\n      run: '"),
        "{all}"
    );
    assert_eq!(read(&repo, "lefthook.yml"), config);
    assert_eq!(read(&repo, ".git/hooks/pre-commit"), LEFTHOOK_HOOK);
}

#[test]
fn a_lefthook_hook_without_its_config_is_an_error_with_the_snippet() {
    let repo = TestRepo::new();
    write_executable(&repo.path().join(".git/hooks/pre-commit"), LEFTHOOK_HOOK);
    let out = repo.leakgate(&["install"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("hook-handshake"), "{}", text(&out));
    assert_eq!(read(&repo, ".git/hooks/pre-commit"), LEFTHOOK_HOOK);
}

#[test]
fn a_lefthook_config_without_its_hook_gets_leakgate_in_the_config_and_a_hook_meanwhile() {
    // lefthook.yml in the tree but lefthook's hook not installed yet:
    // leakgate goes into the config (for after `lefthook install`) and
    // installs its own hook, which protects the commits made before.
    let repo = TestRepo::new();
    repo.write("lefthook.yml", LEFTHOOK_CONFIG);
    let said = assert_passed(&repo.leakgate(&["install", "--hook", "pre-commit"]));
    assert!(said.contains("lefthook install"), "{said}");
    let parsed = &YamlLoader::load_from_str(&read(&repo, "lefthook.yml")).unwrap()[0];
    assert_runs(&parsed["pre-commit"]["commands"]["leakgate"], "scan");
    repo.stage("k.txt", &format!("{AWS_KEY_ID}\n"));
    assert_blocked_by_finding(&repo.commit(&[]));
    assert_passed(&repo.leakgate(&["uninstall"]));
    assert_eq!(read(&repo, "lefthook.yml"), LEFTHOOK_CONFIG);
    assert!(!repo.path().join(".git/hooks/pre-commit").exists());
}

#[test]
fn husky9_pre_push_gets_git_arguments_and_stdin_and_stops_a_secret() {
    let repo = husky9_repo(None);
    write_executable(
        &repo.path().join(".husky/_/pre-push"),
        HUSKY9_GENERATED_HOOK,
    );
    let remote = repo.add_bare_remote();
    repo.commit_file("README.md", "hello\n", "readme");
    assert_passed(&repo.push(&["-q", "origin", "main"]));

    let said = assert_passed(&repo.leakgate(&["install", "--hook", "pre-push"]));
    assert!(said.contains("husky"), "{said}");
    assert_eq!(read(&repo, ".husky/_/pre-push"), HUSKY9_GENERATED_HOOK);
    assert!(read(&repo, ".husky/pre-push").contains("--pre-push \"$@\""));

    let before = repo.remote_ref(remote.path(), "refs/heads/main");
    repo.commit_file("k.py", &format!("K = \"{AWS_KEY_ID}\"\n"), "sneaky");
    let all = assert_blocked_by_finding(&repo.push(&["origin", "main"]));
    assert!(all.contains("k.py:1:"), "{all}");
    assert_eq!(repo.remote_ref(remote.path(), "refs/heads/main"), before);

    assert_passed(&repo.leakgate(&["uninstall", "--hook", "pre-push"]));
    assert!(!repo.path().join(".husky/pre-push").exists());
    assert_passed(&repo.push(&["-q", "origin", "main"]));
}

#[test]
fn lefthook_pre_push_command_passes_git_arguments_and_stdin() {
    let repo = lefthook_repo(LEFTHOOK_CONFIG);
    write_executable(&repo.path().join(".git/hooks/pre-push"), LEFTHOOK_HOOK);
    assert_passed(&repo.leakgate(&["install", "--hook", "pre-push"]));
    let edited = read(&repo, "lefthook.yml");
    let config = &YamlLoader::load_from_str(&edited).unwrap()[0];
    let leakgate = &config["pre-push"]["commands"]["leakgate"];
    assert_runs(leakgate, "scan --pre-push {1} {2}");
    assert_eq!(leakgate["use_stdin"].as_bool(), Some(true));
    assert!(config["pre-commit"]["commands"]["leakgate"].is_badvalue());
    assert_passed(&repo.leakgate(&["uninstall", "--hook", "pre-push"]));
    assert_eq!(read(&repo, "lefthook.yml"), LEFTHOOK_CONFIG);
}

/// `tool` when it is on PATH, or `None` with the reason printed past the
/// test harness's capture (.ci/run installs it from npm).
fn tool_or_skip(tool: &str, test: &str) -> Option<&'static str> {
    use std::io::Write;
    // Found on PATH, never run here: `husky ARG` installs hooks into ARG and
    // points the current repository's core.hooksPath at it, and the tests'
    // working directory is this project's own repository.
    let found = std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            std::fs::metadata(dir.join(tool))
                .is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
        })
    });
    if found {
        Some(if tool == "lefthook" {
            "lefthook"
        } else {
            "husky"
        })
    } else {
        let _ = writeln!(
            std::io::stderr(),
            "{test}: skipped: {tool} is not on PATH (npm install {tool}; .ci/run does)"
        );
        None
    }
}

fn run_tool(repo: &TestRepo, tool: &str, args: &[&str]) -> String {
    let out = repo
        .command(tool)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_passed(&out)
}

/// Hook files (not git's samples) in `.git/hooks`, sorted.
fn hook_files(repo: &TestRepo) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo.path().join(".git/hooks"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.ends_with(".sample"))
        .collect();
    names.sort();
    names
}

#[test]
fn lefthook_installed_after_leakgate_keeps_the_scan_running_and_uninstall_leaves_no_old_files() {
    let Some(lefthook) = tool_or_skip("lefthook", "lefthook_after_leakgate") else {
        return;
    };
    let repo = TestRepo::new();
    repo.commit_file("README.md", "hello\n", "first");
    assert_passed(&repo.leakgate(&["install"]));
    // What lefthook's template writes: comments only.
    let template = "# EXAMPLE USAGE:\n#\n#   Refer for explanation to following link:\n#   https://lefthook.dev/configuration/\n#\n";
    repo.write("lefthook.yml", template);
    let said = assert_passed(&repo.leakgate(&["install"]));
    assert!(said.contains("lefthook.yml"), "{said}");
    run_tool(&repo, lefthook, &["install"]);
    assert!(
        managed_by_lefthook(&repo, "pre-commit"),
        "{:?}",
        hook_files(&repo)
    );

    repo.stage("k.py", &format!("K = \"{AWS_KEY_ID}\"\n"));
    let all = assert_blocked_by_finding(&repo.commit(&[]));
    assert!(all.contains("k.py:1:6"), "{all}");
    let out = repo.try_git(&[
        "commit",
        "--allow-empty",
        "-m",
        &format!("x {GITHUB_TOKEN}"),
    ]);
    assert_blocked_by_finding(&out);
    let report = assert_passed(&repo.leakgate(&["doctor"]));
    assert!(
        report.contains("ok       pre-commit: runs leakgate through lefthook"),
        "{report}"
    );

    assert_passed(&repo.leakgate(&["uninstall"]));
    assert_eq!(read(&repo, "lefthook.yml"), template);
    let left = hook_files(&repo);
    assert!(left.iter().all(|name| !name.ends_with(".old")), "{left:?}");
    assert!(
        left.iter().all(|name| !crate::util::text_contains(
            &repo.path().join(".git/hooks").join(name),
            "leakgate-managed-hook"
        )),
        "{left:?}"
    );
}

fn managed_by_lefthook(repo: &TestRepo, hook: &str) -> bool {
    std::fs::read_to_string(repo.path().join(".git/hooks").join(hook))
        .is_ok_and(|text| text.contains("lefthook"))
}

#[test]
fn doctor_flags_a_leakgate_hook_that_lefthook_renamed_and_install_brings_the_scan_back() {
    let Some(lefthook) = tool_or_skip("lefthook", "lefthook_renamed_hook") else {
        return;
    };
    let repo = TestRepo::new();
    repo.write(".gitignore", ".env\n.env.*\n");
    repo.commit_file("README.md", "hello\n", "first");
    assert_passed(&repo.leakgate(&["install"]));
    // The team adopts lefthook without telling leakgate.
    repo.write(
        "lefthook.yml",
        "pre-commit:\n  jobs:\n    - name: lint\n      run: echo lint\n",
    );
    run_tool(&repo, lefthook, &["install"]);
    assert!(repo.path().join(".git/hooks/pre-commit.old").is_file());

    let out = repo.leakgate(&["doctor"]);
    let report = text(&out);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(
        report.contains("PROBLEM  pre-commit: lefthook runs this hook"),
        "{report}"
    );
    assert!(report.contains("pre-commit.old"), "{report}");

    // The fix doctor prints adds a job to lefthook 2's `jobs:` list.
    assert_passed(&repo.leakgate(&["install", "--hook", "pre-commit"]));
    let config = &YamlLoader::load_from_str(&read(&repo, "lefthook.yml")).unwrap()[0];
    assert_eq!(
        config["pre-commit"]["jobs"][0]["name"].as_str(),
        Some("leakgate")
    );
    assert_runs(&config["pre-commit"]["jobs"][0], "scan");
    run_tool(&repo, lefthook, &["install"]);
    repo.stage("k.py", &format!("K = \"{AWS_KEY_ID}\"\n"));
    let all = assert_blocked_by_finding(&repo.commit(&[]));
    assert!(all.contains("k.py:1:6"), "{all}");
    let report = text(&repo.leakgate(&["doctor"]));
    assert!(
        report.contains("ok       pre-commit: runs leakgate through lefthook"),
        "{report}"
    );
}

#[test]
fn lefthook_in_package_json_counts_as_in_use() {
    let repo = TestRepo::new();
    repo.write(
        "package.json",
        "{\"devDependencies\": {\"lefthook\": \"^2.0.0\"}}\n",
    );
    let out = repo.leakgate(&["install"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let all = text(&out);
    assert!(all.contains("package.json depends on it"), "{all}");
    assert!(
        all.contains("pre-commit:\n  commands:\n    leakgate:\n"),
        "{all}"
    );
}

#[test]
fn husky_pre_push_says_it_runs_before_every_push() {
    let Some(husky) = tool_or_skip("husky", "husky_pre_push_words") else {
        return;
    };
    let repo = TestRepo::new();
    repo.write("package.json", "{}\n");
    run_tool(&repo, husky, &["init"]);
    let said = assert_passed(&repo.leakgate(&["install", "--hook", "pre-push"]));
    assert!(said.contains("before every push"), "{said}");
    assert!(!said.contains("every commit"), "{said}");
    let said = assert_passed(&repo.leakgate(&["install", "--hook", "pre-commit"]));
    assert!(said.contains("at every commit"), "{said}");
    // husky's own generated hook runs the team's script, and leakgate in it.
    repo.write(
        ".husky/pre-commit",
        &read(&repo, ".husky/pre-commit").replace("npm test\n", ""),
    );
    repo.stage("k.py", &format!("K = \"{AWS_KEY_ID}\"\n"));
    let all = assert_blocked_by_finding(&repo.commit(&[]));
    assert!(all.contains("k.py:1:6"), "{all}");
}
