//! Nothing from the repository can steer the terminal: file names, lines,
//! and a repository's own config (rule ids, descriptions, remediation text)
//! are printed escaped, colour codes come only from leakgate and only on a
//! terminal, and the installed hook quotes every path.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::process::Output;

use crate::util::*;

/// Bytes a terminal could act on: C0 controls other than newline, DEL, C1
/// controls, bidirectional controls and marks (LRM, RLM, ALM), the Unicode
/// line and paragraph separators (as UTF-8), and invalid UTF-8.
pub fn assert_no_raw_controls(bytes: &[u8], allow_colour: bool) {
    let text = std::str::from_utf8(bytes).unwrap_or_else(|e| {
        panic!(
            "output is not UTF-8 ({e}): {:?}",
            String::from_utf8_lossy(bytes)
        )
    });
    for (at, c) in text.char_indices() {
        if c == '\x1b' && allow_colour {
            // Only SGR colour sequences: ESC [ digits and semicolons m.
            let rest = &text[at + 1..];
            let end = rest.find('m').expect("an SGR sequence ends in m");
            let body = &rest[..end];
            assert!(
                body.starts_with('[') && body[1..].chars().all(|c| c.is_ascii_digit() || c == ';'),
                "not a colour code: {:?}",
                &rest[..end + 1]
            );
            continue;
        }
        let dangerous = (c.is_control() && c != '\n') || is_invisible_control(c);
        assert!(!dangerous, "raw {c:?} at byte {at} in:\n{text}");
    }
}

/// Not control characters to Rust, but they reorder or break what is shown.
pub fn is_invisible_control(c: char) -> bool {
    matches!(
        c,
        '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{061c}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

pub fn assert_output_safe(out: &Output, allow_colour: bool) {
    assert_no_raw_controls(&out.stdout, allow_colour);
    assert_no_raw_controls(&out.stderr, false);
}

/// Scans with colour off and forced on, checks both outputs are safe and
/// report findings, and returns the plain output for closer checks.
fn scan_safely_in_both_colours(repo: &TestRepo) -> String {
    for colour in ["never", "always"] {
        let out = repo.leakgate(&["scan", "--color", colour]);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        assert_output_safe(&out, colour == "always");
    }
    text(&repo.leakgate(&["scan", "--color", "never"]))
}

/// File names git can hold that would garble or hijack a terminal.
const HOSTILE_NAMES: &[&[u8]] = &[
    b"with space.txt",
    b"quo\"te's.txt",
    b"new\nline.txt",
    b"bad\xffutf8.txt",
    b"esc\x1b[31mred\x1b[0m.txt",
    b"osc\x1b]0;owned\x07.txt",
    b"clear\x1b[2J\x1b[H.txt",
    b"bidi\xe2\x80\xaetxt.exe",
    b"c1\xc2\x9b31m.txt",
    b"cr\rover.txt",
    b"del\x7f.txt",
    b"alm\xd8\x9c.txt",
    b"ls\xe2\x80\xa8ps\xe2\x80\xa9.txt",
];

fn stage_hostile_names(repo: &TestRepo) {
    for name in HOSTILE_NAMES {
        let path = repo.path().join(OsStr::from_bytes(name));
        std::fs::write(path, format!("key = \"{AWS_KEY_ID}\"\n")).unwrap();
    }
    repo.git(&["add", "-A"]);
}

#[test]
fn hostile_file_names_are_printed_escaped() {
    let repo = TestRepo::new();
    stage_hostile_names(&repo);
    let plain = scan_safely_in_both_colours(&repo);
    for shown in [
        "with space.txt:1:8",
        "quo\"te's.txt:1:8",
        "new\\nline.txt:1:8",
        "bad\\xffutf8.txt:1:8",
        "esc\\u{1b}[31mred\\u{1b}[0m.txt:1:8",
        "osc\\u{1b}]0;owned\\u{7}.txt:1:8",
        "bidi\\u{202e}txt.exe:1:8",
        "c1\\u{9b}31m.txt:1:8",
        "cr\\rover.txt:1:8",
        "del\\u{7f}.txt:1:8",
        "alm\\u{61c}.txt:1:8",
        "ls\\u{2028}ps\\u{2029}.txt:1:8",
    ] {
        assert!(plain.contains(shown), "{shown} missing from:\n{plain}");
    }
    assert_eq!(
        plain.matches("aws-access-key-id").count(),
        HOSTILE_NAMES.len(),
        "{plain}"
    );
}

#[test]
fn hostile_file_names_are_escaped_when_the_hook_blocks_a_commit() {
    let repo = TestRepo::new();
    repo.install_hook();
    stage_hostile_names(&repo);
    let out = repo.commit(&[]);
    assert_blocked_by_finding(&out);
    assert_output_safe(&out, false);
}

#[test]
fn escape_sequences_inside_a_line_are_printed_escaped() {
    let repo = TestRepo::new();
    repo.stage(
        "page.html",
        &format!(
            "\x1b]8;;https://evil.invalid\x07click\x1b]8;;\x07 key=\"{AWS_KEY_ID}\" \x1b[2J\x1b[3J\u{202e}\x08\x08\n"
        ),
    );
    let plain = scan_safely_in_both_colours(&repo);
    assert!(
        plain.contains(
            "| \\u{1b}]8;;https://evil.invalid\\u{7}click\\u{1b}]8;;\\u{7} key=\"AKIA…\""
        ),
        "{plain}"
    );
    assert!(
        plain.contains("\\u{1b}[2J\\u{1b}[3J\\u{202e}\\u{8}\\u{8}"),
        "{plain}"
    );
}

/// A `.leakgate.toml` arrives with the repository: its rule ids,
/// descriptions and remediation are untrusted text.
const HOSTILE_CONFIG: &str = r#"
[[rules]]
id = "acme\u001b[2J"
description = "ACME token\u001b]0;owned\u0007\u009b31m\u202e"
regex = '''acme_([a-z0-9]{16})'''
keywords = ["acme_"]
remediation = "Rotate it\u001b]8;;https://evil.invalid\u0007 here\u001b]8;;\u0007\nand\rmore"
"#;

#[test]
fn text_from_a_repository_config_is_printed_escaped() {
    let repo = TestRepo::new();
    repo.stage(".leakgate.toml", HOSTILE_CONFIG);
    repo.stage("a.py", "t = acme_q8fz2lmx0prt7wvn\n");
    let plain = scan_safely_in_both_colours(&repo);
    assert!(
        plain.contains(
            "a.py:1:10  acme\\u{1b}[2J  ACME token\\u{1b}]0;owned\\u{7}\\u{9b}31m\\u{202e}"
        ),
        "{plain}"
    );
    assert!(
        plain.contains(
            "fix: Rotate it\\u{1b}]8;;https://evil.invalid\\u{7} here\\u{1b}]8;;\\u{7}\\nand\\rmore"
        ),
        "{plain}"
    );

    let rules = repo.leakgate(&["rules", "--config", ".leakgate.toml"]);
    assert!(rules.status.success(), "{}", text(&rules));
    assert_output_safe(&rules, false);
    assert!(text(&rules).contains("acme\\u{1b}[2J"));
}

#[test]
fn error_messages_that_quote_the_repository_are_escaped() {
    let repo = TestRepo::new();
    // An unknown key: the parser's message quotes it.
    repo.stage(".leakgate.toml", "[scan]\n\"\\u001b[2Jboom\\u0007\" = 1\n");
    repo.stage("a.txt", "a\n");
    let out = repo.leakgate(&["scan"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_output_safe(&out, false);
    assert!(
        text(&out).contains("\\u{1b}[2Jboom\\u{7}"),
        "{}",
        text(&out)
    );

    // A path in an error: the index names an object that is gone.
    let repo = TestRepo::new();
    let name = "lost\x1b[31m.txt";
    repo.stage(name, "soon gone\n");
    let oid = repo
        .git(&["rev-parse", &format!(":{name}")])
        .trim()
        .to_string();
    std::fs::remove_file(
        repo.path()
            .join(".git/objects")
            .join(&oid[..2])
            .join(&oid[2..]),
    )
    .unwrap();
    let out = repo.leakgate(&["scan"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_output_safe(&out, false);
    assert!(text(&out).contains("lost\\u{1b}[31m.txt"), "{}", text(&out));
}

/// Runs leakgate under a pseudo-terminal (util-linux `script`), as a user's
/// shell or `git commit` at a terminal would.
fn scan_on_a_terminal(repo: &TestRepo, no_color: Option<&str>) -> String {
    let mut cmd = repo.command("script");
    cmd.args(["-qec", "leakgate scan", "/dev/null"]);
    if let Some(value) = no_color {
        cmd.env("NO_COLOR", value);
    }
    let out = cmd.output().unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn colour_is_used_on_a_terminal_only_and_never_with_no_color() {
    let repo = TestRepo::new();
    repo.stage("a.txt", &format!("{AWS_KEY_ID}\n"));
    let on_terminal = scan_on_a_terminal(&repo, None);
    assert!(on_terminal.contains("a.txt:1:1"), "{on_terminal}");
    assert!(
        on_terminal.contains("\x1b["),
        "colour on a terminal: {on_terminal:?}"
    );
    let no_color = scan_on_a_terminal(&repo, Some("1"));
    assert!(no_color.contains("a.txt:1:1"), "{no_color}");
    assert!(!no_color.contains('\x1b'), "NO_COLOR: {no_color:?}");
    let piped = repo.leakgate(&["scan"]);
    assert!(!piped.stdout.contains(&0x1b), "not a terminal");
}

#[test]
fn the_installed_hook_quotes_every_path() {
    let outer = TestRepo::empty_dir();
    // Spaces, quotes, globs, `$`, backticks and a trailing newline.
    let weird = outer.path().join("we ird \"dir\" 'q' * $HOME `false` ;\n");
    std::fs::create_dir(&weird).unwrap();
    let git = |args: &[&str]| {
        let out = outer
            .command("git")
            .current_dir(&weird)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success() || matches!(args[0], "commit" | "push"),
            "git {args:?}: {}",
            text(&out)
        );
        out
    };
    git(&["init", "-q", "-b", "main"]);
    let out = outer
        .command(leakgate_bin())
        .current_dir(&weird)
        .args(["install", "--hook", "all"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    // A hook that was there before keeps running after leakgate's: it is
    // found through the quoted hooks directory.
    let hooks = weird.join(".git/hooks");
    for hook in ["pre-commit", "pre-push"] {
        let chained = hooks.join(format!("{hook}.leakgate-chained"));
        write_executable(
            &chained,
            &format!(
                "#!/bin/sh
echo chained-{hook}-ran >&2
"
            ),
        );
    }

    std::fs::write(weird.join("a.txt"), "clean\n").unwrap();
    git(&["add", "a.txt"]);
    let out = git(&["commit", "-m", "clean"]);
    let all = assert_passed(&out);
    assert!(all.contains("chained-pre-commit-ran"), "{all}");

    std::fs::write(weird.join("b.txt"), format!("{AWS_KEY_ID}\n")).unwrap();
    git(&["add", "b.txt"]);
    let all = assert_blocked_by_finding(&git(&["commit", "-m", "secret"]));
    assert!(all.contains("b.txt:1:1"), "{all}");
    assert!(
        !all.contains("chained-pre-commit-ran"),
        "blocked before the chained hook: {all}"
    );

    // The pre-push hook, from the same directory: a clean push passes and
    // runs the chained hook; a commit that skipped pre-commit is stopped.
    let remote = outer.path().join("remote.git");
    git(&["init", "-q", "--bare", remote.to_str().unwrap()]);
    git(&["remote", "add", "origin", remote.to_str().unwrap()]);
    let all = assert_passed(&git(&["push", "origin", "main"]));
    assert!(all.contains("chained-pre-push-ran"), "{all}");
    git(&["commit", "-q", "--no-verify", "-m", "secret"]);
    let all = assert_blocked_by_finding(&git(&["push", "origin", "main"]));
    assert!(all.contains("b.txt:1:1"), "{all}");
}

/// A baseline file is committed to the repository, so its entries are
/// untrusted too. A multi-byte commit id used to make `--check` panic.
#[test]
fn a_hostile_baseline_file_is_printed_escaped_and_does_not_crash() {
    let repo = TestRepo::new();
    repo.stage("a.txt", "a\n");
    repo.commit_unchecked("one commit");
    std::fs::write(
        repo.path().join(".leakgate-baseline.json"),
        r#"{"version": 1, "findings": [{"fingerprint": "\u001b[2Jfp", "rule_id": "aws\u001b]0;owned\u0007",
            "path": "a\u001b[31m.py", "commit": "aaaaaaaaaaaé\u001b[31m", "line": 1}]}"#,
    )
    .unwrap();
    let out = repo.leakgate(&["baseline", "--check"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_output_safe(&out, false);
    let all = text(&out);
    assert!(
        all.contains("stale: a\\u{1b}[31m.py  aws\\u{1b}]0;owned\\u{7}  fingerprint \\u{1b}[2Jfp"),
        "{all}"
    );
    assert!(all.contains("of commit aaaaaaaaaaaé"), "{all}");
}

/// `core.hooksPath` naming a directory that ends in a newline: `leakgate
/// install` must write there (not to the name without it), and both shims
/// must find their chained hooks beside them.
#[test]
fn hooks_in_a_hooks_path_ending_in_a_newline_work() {
    let repo = TestRepo::new();
    let hooks = repo.path().join("team hooks $HOME `false` 'q'\n");
    std::fs::create_dir(&hooks).unwrap();
    repo.git(&["config", "core.hooksPath", hooks.to_str().unwrap()]);
    repo.git(&["commit", "-q", "--allow-empty", "--no-verify", "-m", "base"]);
    let all = assert_passed(&repo.leakgate(&["install", "--hook", "all"]));
    assert!(
        all.contains("\\n/pre-commit"),
        "the escaped path is reported: {all}"
    );
    for hook in ["pre-commit", "pre-push"] {
        assert!(hooks.join(hook).is_file(), "{hook} installed in {hooks:?}");
        let chained = hooks.join(format!("{hook}.leakgate-chained"));
        write_executable(
            &chained,
            &format!(
                "#!/bin/sh
echo chained-{hook}-ran >&2
"
            ),
        );
    }
    repo.stage("a.txt", "clean\n");
    let all = assert_passed(&repo.commit(&[]));
    assert!(all.contains("chained-pre-commit-ran"), "{all}");
    let remote = repo.home().join("remote.git");
    repo.git(&["init", "-q", "--bare", remote.to_str().unwrap()]);
    let all = assert_passed(&repo.try_git(&["push", remote.to_str().unwrap(), "main"]));
    assert!(all.contains("chained-pre-push-ran"), "{all}");
}

/// A staged Python file whose one line holds an AWS key deep inside a
/// long call, scanned with `COLUMNS` set.
fn scan_long_line(columns: &str) -> String {
    let repo = TestRepo::new();
    stage_long_line_with_a_key(&repo);
    let out = repo
        .command(leakgate_bin())
        .args(["scan", "--color", "never"])
        .env("COLUMNS", columns)
        .output()
        .unwrap();
    assert_blocked_by_finding(&out)
}

#[test]
fn at_80_columns_every_line_fits_and_the_carets_sit_under_the_secret() {
    let all = scan_long_line("80");
    for line in all.lines() {
        assert!(
            line.chars().count() <= 80,
            "{} columns: {line}",
            line.chars().count()
        );
    }
    let lines: Vec<&str> = all.lines().collect();
    let source = lines
        .iter()
        .position(|l| l.starts_with("    1 | "))
        .expect(&all);
    let secret_at = lines[source].find("AKIA").expect(&all);
    let caret_at = lines[source + 1].find('^').expect(&all);
    assert_eq!(
        lines[source][..secret_at].chars().count(),
        lines[source + 1][..caret_at].chars().count(),
        "{all}"
    );
    assert!(lines[source].contains('…'), "the line was cut: {all}");
    // The fix text wraps instead of running on.
    assert!(
        all.lines().filter(|l| l.starts_with("         ")).count() >= 1,
        "{all}"
    );
}

#[test]
fn a_wide_terminal_shows_more_of_the_line() {
    let narrow = scan_long_line("60");
    let wide = scan_long_line("200");
    let source = |all: &str| {
        all.lines()
            .find(|l| l.starts_with("    1 | "))
            .unwrap()
            .to_string()
    };
    assert!(source(&wide).chars().count() > source(&narrow).chars().count());
    assert!(source(&narrow).chars().count() <= 60, "{narrow}");
}
