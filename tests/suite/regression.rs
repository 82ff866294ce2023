//! One test per case of the issue "Nothing passes silently, nothing leaks
//! in the output", named `case_NN_...` after the case it pins, grouped by
//! case number. Each shows the case's situation end to end with the real
//! binary and real git.

use std::process::{Output, Stdio};

use crate::util::*;

/// The write end of a pipe whose reader is already gone: every write to it
/// fails with EPIPE, as when `head` has exited.
fn closed_pipe() -> Stdio {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    Stdio::from(writer)
}

/// Runs leakgate with the given stdout and stderr.
fn leakgate_with(repo: &TestRepo, args: &[&str], stdout: Stdio, stderr: Stdio) -> Output {
    repo.command(leakgate_bin())
        .args(args)
        .stdout(stdout)
        .stderr(stderr)
        .output()
        .unwrap()
}

fn assert_no_panic(out: &Output) {
    let all = text(out);
    assert_ne!(out.status.code(), Some(101), "panicked:\n{all}");
    assert!(!all.contains("panicked"), "panicked:\n{all}");
}

// Case 2: a staged file named like a flag.

const FLAG_NAMES: [&str; 3] = ["-h", "--help", "--no-redact"];

/// Stages a secret in files named like flags; returns the repository.
fn repo_with_flag_named_files() -> TestRepo {
    let repo = TestRepo::new();
    for name in FLAG_NAMES {
        repo.write(name, &format!("token = \"{GITHUB_TOKEN}\"\n"));
        repo.git(&["add", "--", name]);
    }
    repo
}

fn assert_flag_named_files_blocked(out: &Output) {
    let all = assert_blocked_by_finding(out);
    assert!(!all.contains("Usage:"), "help instead of a scan:\n{all}");
    assert!(!all.contains(GITHUB_TOKEN), "a secret was revealed:\n{all}");
    for name in FLAG_NAMES {
        assert!(all.contains(&format!("{name}:1:10")), "{name}:\n{all}");
    }
    assert!(all.contains("3 secrets in 3 files"), "{all}");
}

#[test]
fn case_02_files_named_like_flags_after_staged_without_a_separator_are_scanned() {
    let repo = repo_with_flag_named_files();
    let mut args = vec!["scan", "--staged"];
    args.extend(FLAG_NAMES);
    assert_flag_named_files_blocked(&repo.leakgate(&args));
}

#[test]
fn case_02_files_named_like_flags_after_a_separator_are_scanned() {
    let repo = repo_with_flag_named_files();
    let mut args = vec!["scan", "--staged", "--"];
    args.extend(FLAG_NAMES);
    assert_flag_named_files_blocked(&repo.leakgate(&args));
}

#[test]
fn case_02_an_option_written_after_staged_is_not_applied_and_says_so() {
    let repo = TestRepo::new();
    repo.stage("a.py", &format!("k = \"{AWS_KEY_ID}\"\n"));
    let out = repo.leakgate(&["scan", "--staged", "--no-redact", "a.py"]);
    let all = assert_blocked_by_finding(&out);
    assert!(!all.contains(AWS_KEY_ID), "{all}");
    assert!(
        all.contains("leakgate: warning: --no-redact after --staged read as file name(s)"),
        "{all}"
    );
}

#[test]
fn case_02_only_options_after_staged_still_scan_every_staged_file() {
    let repo = TestRepo::new();
    repo.stage("a.py", &format!("k = \"{AWS_KEY_ID}\"\n"));
    let out = repo.leakgate(&["scan", "--staged", "--no-redact"]);
    let all = assert_blocked_by_finding(&out);
    assert!(all.contains("a.py:1:6"), "{all}");
    assert!(!all.contains(AWS_KEY_ID), "{all}");
}

// Case 6: ASCII appended to a UTF-16 file (`echo >>`, `Add-Content`).

fn utf16le_with_bom(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

#[test]
fn case_06_a_key_appended_in_ascii_to_a_utf16_file_blocks() {
    let repo = TestRepo::new();
    let mut bytes = utf16le_with_bom("[settings]\r\nname = \"demo\"\r\n");
    bytes.extend_from_slice(format!("AWS_KEY={AWS_KEY_ID}\r\n").as_bytes());
    repo.stage_bytes("settings.ini", &bytes);
    let all = assert_blocked_by_finding(&repo.leakgate(&["scan"]));
    assert!(all.contains("settings.ini:3:9  aws-access-key-id"), "{all}");
    assert!(all.contains("AWS_KEY=AKIA…"), "{all}");
    let all = assert_blocked_by_finding(&repo.leakgate(&["scan", "settings.ini"]));
    assert!(all.contains("settings.ini:3:9"), "{all}");
}

#[test]
fn case_06_only_the_appended_lines_of_a_utf16_file_are_new() {
    let repo = TestRepo::new();
    // An old key in the UTF-16 part is not part of this change.
    let old = utf16le_with_bom(&format!("old = \"{GITHUB_TOKEN}\"\r\n"));
    repo.stage_bytes("config.txt", &old);
    repo.commit_unchecked("utf-16 config");
    let mut new = old.clone();
    new.extend_from_slice(format!("echo = \"{AWS_KEY_ID}\"\n").as_bytes());
    repo.stage_bytes("config.txt", &new);
    let out = repo.leakgate(&["scan", "--format", "json"]);
    assert_blocked_by_finding(&out);
    let found: Vec<(String, u64)> = findings(&out)
        .iter()
        .map(|f| {
            let rule = f["rule_id"].as_str().unwrap().to_string();
            (rule, f["line"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(found, vec![("aws-access-key-id".to_string(), 2)]);
}

// Case 7: secrets outside file content. Commit messages, through the
// `commit-msg` hook's `leakgate scan --commit-msg FILE`.

/// A `commit-msg` hook that runs exactly what leakgate's own hook runs.
fn install_commit_msg_hook(repo: &TestRepo) {
    write_executable(
        &repo.path().join(".git/hooks/commit-msg"),
        "#!/bin/sh\nexec leakgate scan --commit-msg \"$1\"\n",
    );
}

#[test]
fn case_07_a_secret_in_a_commit_message_blocks_the_commit() {
    let repo = TestRepo::new();
    install_commit_msg_hook(&repo);
    repo.stage("a.txt", "clean\n");
    let message = format!("Deploy\n\nused token {GITHUB_TOKEN} for the run\n");
    let all = assert_blocked_by_finding(&repo.try_git(&["commit", "-q", "-m", &message]));
    assert!(
        all.contains("commit message:3:12  github-pat-classic"),
        "{all}"
    );
    assert!(all.contains("1 secret in the commit message"), "{all}");
    assert!(!all.contains(&GITHUB_TOKEN[4..]), "{all}");
    assert!(
        repo.try_git(&["rev-parse", "--verify", "-q", "HEAD"])
            .stdout
            .is_empty()
    );
    // Without the secret, the commit goes through.
    assert_passed(&repo.try_git(&["commit", "-q", "-m", "Deploy"]));
}

#[test]
fn case_07_the_installed_commit_msg_hook_blocks_a_secret_in_the_message() {
    let repo = TestRepo::new();
    repo.install_hook();
    repo.stage("a.txt", "clean\n");
    let message = format!("Rotate keys\n\nold one was {AWS_KEY_ID}\n");
    let all = assert_blocked_by_finding(&repo.try_git(&["commit", "-q", "-m", &message]));
    assert!(
        all.contains("commit message:3:13  aws-access-key-id"),
        "{all}"
    );
    assert!(!all.contains(&AWS_KEY_ID[4..]), "{all}");
    assert_passed(&repo.try_git(&["commit", "-q", "-m", "Rotate keys"]));
}

#[test]
fn case_07_a_comment_line_git_keeps_is_scanned_and_one_it_strips_is_not() {
    let repo = TestRepo::new();
    repo.install_hook();
    repo.stage("a.txt", "clean\n");
    // `-m`: no editor, so git's whitespace cleanup keeps the `#` line and
    // commits the key.
    let message = format!("Subject\n# {GITHUB_TOKEN}\n");
    let all = assert_blocked_by_finding(&repo.try_git(&["commit", "-q", "-m", &message]));
    assert!(all.contains("commit message:2:3"), "{all}");
    // In an editor the same line is a comment git strips.
    let editor = format!("printf 'Subject\\n# {GITHUB_TOKEN}\\n' >");
    let out = repo
        .command("git")
        .args(["commit", "-q"])
        .env("GIT_EDITOR", &editor)
        .output()
        .unwrap();
    assert_passed(&out);
    assert_eq!(repo.git(&["log", "-1", "--format=%B"]).trim(), "Subject");
}

#[test]
fn case_07_a_commit_message_file_is_scanned_as_json_too() {
    let repo = TestRepo::new();
    repo.write("msg.txt", &format!("Add key\n\nAWS {AWS_KEY_ID}\n"));
    let out = repo.leakgate(&["scan", "--commit-msg", "msg.txt", "--format", "json"]);
    assert_blocked_by_finding(&out);
    let found = findings(&out);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["path"], "commit message");
    assert_eq!(found[0]["line"], 3);
    assert_eq!(found[0]["column"], 5);
    // A message file that cannot be read blocks with an error.
    let all = assert_blocked_by_error(&repo.leakgate(&["scan", "--commit-msg", "missing.txt"]));
    assert!(
        all.contains("cannot read the commit message file missing.txt"),
        "{all}"
    );
}

#[test]
fn case_07_git_comment_lines_of_a_commit_message_are_not_scanned() {
    let repo = TestRepo::new();
    let scan = |message: &str| {
        repo.write("msg.txt", message);
        // As the hook runs after an editor: git's comment lines are stripped.
        repo.command(leakgate_bin())
            .args(["scan", "--commit-msg", "msg.txt"])
            .env("GIT_EDITOR", "vi")
            .output()
            .unwrap()
    };
    let commented = format!("Subject\n# {AWS_KEY_ID} in a comment\n");
    assert_passed(&scan(&commented));
    // The verbose diff below the scissors line is not part of the message.
    let verbose = format!(
        "Subject\n# ------------------------ >8 ------------------------\n+key = \"{AWS_KEY_ID}\"\n"
    );
    assert_passed(&scan(&verbose));
    // core.commentChar decides what a comment is.
    repo.git(&["config", "core.commentChar", ";"]);
    let all = assert_blocked_by_finding(&scan(&commented));
    assert!(all.contains("commit message:2:3"), "{all}");
    assert_passed(&scan(&format!("Subject\n; {AWS_KEY_ID} in a comment\n")));
    // `auto`: git's choice is not known, so every line is scanned.
    repo.git(&["config", "core.commentChar", "auto"]);
    assert_blocked_by_finding(&scan(&commented));
}

// Case 8: a secret that the baseline, `.gitleaksignore` or an allowlist
// accepts was printed in full beside another finding on its line.

/// One line with a secret that is accepted and one that is reported.
fn line_with_accepted_and_reported_secret() -> String {
    format!("keys = [\"{AWS_KEY_ID}\", \"{GITHUB_TOKEN}\"]\n")
}

fn assert_only_the_token_reported_and_nothing_in_full(repo: &TestRepo) {
    for args in [
        &["scan"][..],
        &["scan", "--color", "always"],
        &["scan", "a.py"],
    ] {
        let all = assert_blocked_by_finding(&repo.leakgate(args));
        assert!(all.contains("github-pat-classic"), "{args:?}:\n{all}");
        // Not reported as a finding (the note on what a staged baseline
        // allows may name it, redacted).
        assert!(
            !all.lines()
                .any(|l| !l.starts_with(' ') && l.contains("aws-access-key-id")),
            "{args:?}:\n{all}"
        );
        assert!(!all.contains(&AWS_KEY_ID[4..]), "{args:?}:\n{all}");
        assert!(!all.contains(&GITHUB_TOKEN[4..]), "{args:?}:\n{all}");
        assert!(all.contains("AKIA…"), "{args:?}:\n{all}");
    }
    let revealed = text(&repo.leakgate(&["scan", "--no-redact"]));
    assert!(revealed.contains(AWS_KEY_ID), "{revealed}");
}

#[test]
fn case_08_a_secret_an_allowlist_accepts_is_masked_beside_a_finding() {
    let repo = TestRepo::new();
    repo.stage(
        ".leakgate.toml",
        &format!("[allowlist]\nsecrets = ['^{AWS_KEY_ID}$']\n"),
    );
    repo.stage("a.py", &line_with_accepted_and_reported_secret());
    assert_only_the_token_reported_and_nothing_in_full(&repo);
}

#[test]
fn case_08_a_secret_gitleaksignore_accepts_is_masked_beside_a_finding() {
    let repo = TestRepo::new();
    repo.stage(".gitleaksignore", "a.py:aws-access-key-id:1\n");
    repo.stage("a.py", &line_with_accepted_and_reported_secret());
    assert_only_the_token_reported_and_nothing_in_full(&repo);
}

#[test]
fn case_08_a_secret_the_baseline_accepts_is_masked_beside_a_finding() {
    let repo = TestRepo::new();
    repo.commit_file("a.py", &format!("old = \"{AWS_KEY_ID}\"\n"), "old key");
    assert_passed(&repo.leakgate(&["baseline"]));
    repo.stage(
        ".leakgate-baseline.json",
        &std::fs::read_to_string(repo.path().join(".leakgate-baseline.json")).unwrap(),
    );
    repo.stage("a.py", &line_with_accepted_and_reported_secret());
    assert_only_the_token_reported_and_nothing_in_full(&repo);
}

// Case 9: an allowlist regex error echoed the secret written in it.

#[test]
fn case_09_a_bad_allowlist_regex_is_reported_without_the_secret_in_it() {
    for config in [
        format!("[allowlist]\nsecrets = ['{GITHUB_TOKEN}(']\n"),
        format!("[[allowlists]]\nlines = ['x = \"{GITHUB_TOKEN}\\']\n"),
        format!("[[rules]]\nid = \"mine\"\nregex = '''{GITHUB_TOKEN}[z-a]'''\n"),
        format!("[[rules]]\nid = \"mine\"\npath = '''{GITHUB_TOKEN}\\p{{Nope}}'''\n"),
    ] {
        let repo = TestRepo::new();
        repo.stage(".leakgate.toml", &config);
        repo.stage("a.py", "x = 1\n");
        let all = assert_blocked_by_error(&repo.leakgate(&["scan"]));
        assert!(all.contains(".leakgate.toml (staged):"), "{config}:\n{all}");
        assert!(all.contains("of the pattern"), "{all}");
        assert!(!all.contains(&GITHUB_TOKEN[4..16]), "{config}:\n{all}");
    }
    // A gitleaks config's allowlist, translated to the same checks.
    let repo = TestRepo::new();
    repo.stage(
        ".gitleaks.toml",
        &format!("[extend]\nuseDefault = true\n[allowlist]\nregexes = ['({GITHUB_TOKEN}']\n"),
    );
    let all = assert_blocked_by_error(&repo.leakgate(&["scan"]));
    assert!(all.contains("unclosed group at character 1"), "{all}");
    assert!(!all.contains(&GITHUB_TOKEN[4..16]), "{all}");
    // A rules file checked with `leakgate rules check`.
    repo.write(
        "rules.toml",
        &format!(
            "[[rules]]\nid = \"mine\"\ndescription = \"d\"\nregex = '({GITHUB_TOKEN}'\n\
             keywords = [\"ghp_\"]\nexamples = ['{GITHUB_TOKEN}']\n"
        ),
    );
    let all = assert_blocked_by_error(&repo.leakgate(&["rules", "check", "rules.toml"]));
    assert!(all.contains("unclosed group at character 1"), "{all}");
    assert!(!all.contains(&GITHUB_TOKEN[4..16]), "{all}");
}

// Case 10: JSON and SARIF wrote terminal and bidi controls raw.

/// File names with every kind of character a JSON string must not carry
/// raw: DEL, a C1 CSI, bidi controls and marks, line and paragraph
/// separators.
const CONTROL_NAMES: [&str; 5] = [
    "del\u{7f}.txt",
    "csi\u{9b}31m.txt",
    "rlo\u{202e}txt.exe",
    "marks\u{200e}\u{200f}\u{61c}\u{2066}.txt",
    "breaks\u{2028}\u{2029}.txt",
];

/// A repository config whose rule description carries the same characters.
const CONTROL_RULE: &str = "[[rules]]\nid = \"acme\"\n\
    description = \"ACME\\u009b2J\\u202e\\u2028\\u061c\\u007f\"\n\
    regex = '''acme_([a-z0-9]{16})'''\nkeywords = [\"acme_\"]\n";

fn assert_json_escapes_controls(out: &Output) {
    let raw = std::str::from_utf8(&out.stdout).unwrap();
    for c in raw.chars() {
        let dangerous = (c.is_control() && c != '\n') || crate::terminal::is_invisible_control(c);
        assert!(!dangerous, "raw {c:?} in:\n{raw}");
    }
    for needle in ["\\u007f", "\\u009b", "\\u202e", "\\u2028", "\\u061c"] {
        assert!(raw.contains(needle), "{needle} missing from:\n{raw}");
    }
}

#[test]
fn case_10_json_and_sarif_escape_controls_from_paths_and_rule_descriptions() {
    let repo = TestRepo::new();
    repo.stage(".leakgate.toml", CONTROL_RULE);
    for name in CONTROL_NAMES {
        repo.stage(name, "t = acme_q8fz2lmx0prt7wvn\n");
    }
    let out = repo.leakgate(&["scan", "--format", "json"]);
    assert_blocked_by_finding(&out);
    assert_json_escapes_controls(&out);
    // The escapes decode back to the very names and description.
    let mut paths: Vec<String> = findings(&out)
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    paths.sort();
    let mut expected: Vec<String> = CONTROL_NAMES.iter().map(|n| n.to_string()).collect();
    expected.sort();
    assert_eq!(paths, expected);
    assert_eq!(
        findings(&out)[0]["description"],
        "ACME\u{9b}2J\u{202e}\u{2028}\u{61c}\u{7f}"
    );

    let out = repo.leakgate(&["scan", "--format", "sarif"]);
    assert_blocked_by_finding(&out);
    assert_json_escapes_controls(&out);
    let sarif = json(&out);
    let rule = &sarif["runs"][0]["tool"]["driver"]["rules"][0];
    assert_eq!(
        rule["shortDescription"]["text"], "ACME\u{9b}2J\u{202e}\u{2028}\u{61c}\u{7f}",
        "{rule}"
    );
}

#[test]
fn case_10_a_recorded_baseline_escapes_controls_in_paths() {
    let repo = TestRepo::new();
    for name in CONTROL_NAMES {
        repo.stage(name, &format!("k = \"{AWS_KEY_ID}\"\n"));
    }
    repo.commit_unchecked("hostile names");
    assert_passed(&repo.leakgate(&["baseline"]));
    let written = std::fs::read_to_string(repo.path().join(".leakgate-baseline.json")).unwrap();
    for c in written.chars() {
        let dangerous = (c.is_control() && c != '\n') || crate::terminal::is_invisible_control(c);
        assert!(!dangerous, "raw {c:?} in:\n{written}");
    }
    assert!(written.contains("rlo\\u202etxt.exe"), "{written}");
    // The escapes read back as the same paths: every entry still matches.
    let all = assert_passed(&repo.leakgate(&["baseline", "--check"]));
    assert!(all.contains("every entry"), "{all}");
}

// Case 11: human output let ALM and line separators through, and a TOML
// key's newline forge a line.

#[test]
fn case_11_human_output_escapes_alm_and_unicode_line_separators() {
    let repo = TestRepo::new();
    repo.stage(".leakgate.toml", CONTROL_RULE);
    for name in CONTROL_NAMES {
        repo.stage(name, "t = acme_q8fz2lmx0prt7wvn \u{61c}\u{2028}\u{2029}\n");
    }
    let out = repo.leakgate(&["scan"]);
    let all = assert_blocked_by_finding(&out);
    crate::terminal::assert_output_safe(&out, false);
    for shown in [
        "marks\\u{200e}\\u{200f}\\u{61c}\\u{2066}.txt:1:10",
        "breaks\\u{2028}\\u{2029}.txt:1:10",
        "ACME\\u{9b}2J\\u{202e}\\u{2028}\\u{61c}\\u{7f}",
        "acme_q8fz… \\u{61c}\\u{2028}\\u{2029}",
    ] {
        assert!(all.contains(shown), "{shown} missing from:\n{all}");
    }
}

/// Lines leakgate itself prints; no repository text may start one.
const FORGED: &str = "leakgate: no secrets in 9 staged file(s)";

fn assert_no_forged_line(out: &Output) {
    let all = text(out);
    crate::terminal::assert_output_safe(out, false);
    assert!(
        !all.lines().any(|line| line.starts_with(FORGED)),
        "a forged line:\n{all}"
    );
    assert!(all.contains(&format!("\\n{FORGED}")), "{all}");
}

#[test]
fn case_11_a_newline_in_a_quoted_toml_key_cannot_forge_a_line() {
    // An unknown key in leakgate's config: an error that quotes the key.
    let repo = TestRepo::new();
    repo.stage(".leakgate.toml", &format!("\"x\\n{FORGED}\" = 1\n"));
    repo.stage("a.py", &format!("k = \"{AWS_KEY_ID}\"\n"));
    let out = repo.leakgate(&["scan"]);
    assert_blocked_by_error(&out);
    assert_no_forged_line(&out);

    // An unsupported key in a gitleaks config: a warning that quotes it.
    let repo = TestRepo::new();
    repo.stage(
        ".gitleaks.toml",
        &format!("[extend]\nuseDefault = true\n\"x\\n{FORGED}\" = 1\n"),
    );
    repo.stage("a.py", "x = 1\n");
    let out = repo.leakgate(&["scan"]);
    assert_passed(&out);
    assert_no_forged_line(&out);
}

// Case 12: output that crashes.

#[test]
fn case_12_install_with_stdout_on_a_closed_pipe_installs_and_exits_0() {
    let repo = TestRepo::new();
    let out = leakgate_with(&repo, &["install"], closed_pipe(), Stdio::piped());
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(out.stderr.is_empty(), "{}", text(&out));
    assert!(repo.path().join(".git/hooks/pre-commit").is_file());
}

#[test]
fn case_12_rules_into_a_reader_that_went_away_stops_quietly() {
    let repo = TestRepo::new();
    // stderr piped too: the panic showed only then.
    for _ in 0..3 {
        let out = leakgate_with(&repo, &["rules"], closed_pipe(), Stdio::piped());
        assert_no_panic(&out);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert!(out.stderr.is_empty(), "{}", text(&out));
    }
    let out = leakgate_with(&repo, &["rules"], closed_pipe(), closed_pipe());
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn case_12_every_listing_command_stops_quietly_on_a_closed_pipe() {
    let repo = TestRepo::new();
    repo.install_hook();
    repo.commit_file("a.txt", "clean\n", "base");
    for args in [
        &["doctor"][..],
        &["rules", "--config", "/dev/null"],
        &["uninstall"],
        &["--help"],
        &["--version"],
        &["scan", "--help"],
        &["baseline", "--baseline", "b.json"],
    ] {
        let out = leakgate_with(&repo, args, closed_pipe(), Stdio::piped());
        assert_no_panic(&out);
        assert!(
            matches!(out.status.code(), Some(0) | Some(1)),
            "{args:?}: {}",
            text(&out)
        );
        assert!(out.stderr.is_empty(), "{args:?}: {}", text(&out));
    }
}

#[test]
fn case_12_rules_into_a_full_device_is_an_error_not_a_panic() {
    let repo = TestRepo::new();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = leakgate_with(&repo, &["rules"], full.into(), Stdio::piped());
    assert_no_panic(&out);
    let all = assert_blocked_by_error(&out);
    assert!(
        all.contains("cannot write the list of rules to standard output"),
        "{all}"
    );
    // Only a scan lets something through, or not.
    assert!(!all.contains("nothing was allowed through"), "{all}");
}

#[test]
fn case_12_a_scan_whose_report_cannot_be_written_blocks_with_an_error() {
    let repo = TestRepo::new();
    repo.stage("a.py", &format!("key = \"{AWS_KEY_ID}\"\n"));
    for format in ["human", "json", "sarif"] {
        let args = ["scan", "--format", format];
        let out = leakgate_with(&repo, &args, closed_pipe(), Stdio::piped());
        assert_no_panic(&out);
        let all = assert_blocked_by_error(&out);
        assert!(
            all.contains("cannot write the report to standard output"),
            "{all}"
        );
        assert!(all.contains("nothing was allowed through"), "{all}");
    }
    // A clean scan too: nobody saw that it was clean.
    let clean = TestRepo::new();
    clean.stage("a.py", "x = 1\n");
    let out = leakgate_with(&clean, &["scan"], closed_pipe(), Stdio::piped());
    assert_blocked_by_error(&out);
    // With nowhere to write at all, the exit code still blocks.
    let out = leakgate_with(&repo, &["scan"], closed_pipe(), closed_pipe());
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
}

// Case 13: a config that runs no rules reported "no secrets".

const NO_RULES: &str = "[extend]\nuse_default = false\n";

#[test]
fn case_13_a_config_that_runs_no_rules_says_so_on_every_scan() {
    let repo = TestRepo::new();
    repo.stage(".leakgate.toml", NO_RULES);
    repo.stage("a.py", &format!("k = \"{AWS_KEY_ID}\"\n"));
    // The staged scan (what the hook runs), files on disk, and history.
    repo.commit_unchecked("no rules");
    repo.stage("b.py", &format!("k = \"{GITHUB_TOKEN}\"\n"));
    for args in [&["scan"][..], &["scan", "a.py"], &["scan", "--history"]] {
        let all = assert_passed(&repo.leakgate(args));
        assert!(
            all.contains("leakgate: warning: no rules ran"),
            "{args:?}:\n{all}"
        );
        assert!(!all.contains("no secrets"), "{args:?}:\n{all}");
    }
    let out = repo.leakgate(&["scan", "--format", "json"]);
    assert_passed(&out);
    let report = json(&out);
    assert_eq!(report["scanned"]["rules"], 0, "{report}");
    assert!(
        report["warnings"][0]
            .as_str()
            .unwrap()
            .starts_with("no rules ran"),
        "{report}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("leakgate: warning: no rules ran"),
        "{stderr}"
    );
    let out = repo.leakgate(&["scan", "--format", "sarif"]);
    assert_passed(&out);
    let sarif = json(&out);
    let notice = &sarif["runs"][0]["invocations"][0]["toolConfigurationNotifications"][0];
    assert_eq!(notice["level"], "warning", "{sarif}");
    assert!(
        notice["message"]["text"]
            .as_str()
            .unwrap()
            .starts_with("no rules ran"),
        "{sarif}"
    );
    // With rules, the count says how many ran and nothing warns.
    let repo = TestRepo::new();
    repo.stage("a.py", "x = 1\n");
    let report = json(&repo.leakgate(&["scan", "--format", "json"]));
    assert!(report["scanned"]["rules"].as_u64().unwrap() > 100);
    assert_eq!(report["warnings"], serde_json::json!([]));
}
