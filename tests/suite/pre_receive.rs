//! The server-side check: a real bare repository with leakgate's
//! pre-receive hook, and real `git push` to it over the local and file://
//! transports. What the pusher reads is git's `remote:` lines.

use std::path::Path;
use std::process::Output;

use tempfile::TempDir;

use crate::util::*;

/// A developer's repository and the bare server repository it pushes to
/// (`origin`), with one clean commit on `main` already there and the
/// pre-receive hook installed.
struct Server {
    dev: TestRepo,
    bare: TempDir,
}

impl Server {
    fn new() -> Self {
        Self::with_init(&[])
    }

    /// The bare repository made with extra `git init` arguments
    /// (`--object-format=sha256`, `--ref-format=reftable`).
    fn with_init(init: &[&str]) -> Self {
        let dev = TestRepo::empty_dir();
        let mut args = vec!["init", "-q", "-b", "main"];
        args.extend_from_slice(init);
        dev.git(&args);
        let bare = tempfile::tempdir().unwrap();
        let out = dev
            .command("git")
            .args(["init", "-q", "--bare", "-b", "main"])
            .args(init)
            .arg(bare.path())
            .output()
            .unwrap();
        assert_passed(&out);
        dev.git(&["remote", "add", "origin", bare.path().to_str().unwrap()]);
        dev.commit_file("README.md", "hello\n", "readme");
        assert_passed(&dev.push(&["-q", "origin", "main"]));
        let server = Server { dev, bare };
        server.install_hook();
        server
    }

    /// `leakgate install --hook pre-receive`, run in the bare repository.
    fn install_hook(&self) {
        let out = self
            .dev
            .command(leakgate_bin())
            .current_dir(self.bare.path())
            .args(["install", "--hook", "pre-receive"])
            .output()
            .unwrap();
        assert_passed(&out);
    }

    fn path(&self) -> &Path {
        self.bare.path()
    }

    fn file_url(&self) -> String {
        format!("file://{}", self.path().display())
    }

    /// `git config` in the server repository.
    fn config(&self, key: &str, value: &str) {
        let out = self
            .dev
            .command("git")
            .arg("--git-dir")
            .arg(self.path())
            .args(["config", key, value])
            .output()
            .unwrap();
        assert_passed(&out);
    }

    fn server_ref(&self, name: &str) -> Option<String> {
        self.dev.remote_ref(self.path(), name)
    }

    fn audit_lines(&self) -> Vec<serde_json::Value> {
        let text =
            std::fs::read_to_string(self.path().join("leakgate-audit.log")).unwrap_or_default();
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Commits a file with a fake AWS key on the current branch.
    fn commit_secret(&self, rel: &str) -> String {
        self.dev
            .commit_file(rel, &format!("KEY = \"{AWS_KEY_ID}\"\n"), "add a key")
    }
}

/// The hook's lines as the pusher sees them, with commit ids and
/// authors' dates made stable.
fn remote_lines(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("remote:"))
        .map(str::trim_end)
        .collect();
    lines.join("\n")
}

/// A distinct, random-looking fake AWS access key id for each `seed`.
fn fake_key_id(seed: u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let tail: String = (0..16)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ALPHABET[(state >> 59) as usize] as char
        })
        .collect();
    format!("AKIA{tail}")
}

fn snapshot(name: &str, out: &Output) {
    insta::with_settings!({filters => vec![
        (r"\b[0-9a-f]{12,64}\b", "[commit]"),
        (r"\d+ ms|\d+ s\b", "[budget]"),
    ]}, {
        insta::assert_snapshot!(name, remote_lines(out));
    });
}

#[test]
fn a_pushed_secret_is_rejected_and_the_branch_stays_where_it_was() {
    let server = Server::new();
    let before = server.server_ref("refs/heads/main");
    server.commit_secret("config/settings.py");

    let out = server.dev.push(&["origin", "main"]);
    let all = assert_blocked_by_finding(&out);
    assert!(all.contains("pre-receive hook declined"), "{all}");
    assert!(!all.contains(AWS_KEY_ID), "the secret is redacted:\n{all}");
    assert_eq!(server.server_ref("refs/heads/main"), before);
    snapshot("pre_receive_rejected", &out);
}

#[test]
fn a_clean_push_over_file_url_is_accepted() {
    let server = Server::new();
    let head = server.dev.commit_file("app.py", "print('hi')\n", "app");
    let out = server.dev.push(&[&server.file_url(), "main"]);
    let all = assert_passed(&out);
    assert!(
        all.contains("leakgate: no secrets in 1 new commit"),
        "{all}"
    );
    assert_eq!(server.server_ref("refs/heads/main"), Some(head));
}

#[test]
fn a_secret_pushed_over_file_url_is_rejected() {
    let server = Server::new();
    let before = server.server_ref("refs/heads/main");
    server.commit_secret("k.py");
    let out = server.dev.push(&[&server.file_url(), "main"]);
    let all = assert_blocked_by_finding(&out);
    assert!(all.contains("remote: leakgate: k.py:1:8"), "{all}");
    assert_eq!(server.server_ref("refs/heads/main"), before);
}

#[test]
fn a_new_branch_from_an_old_commit_with_an_old_secret_passes() {
    // The server already has a secret (pushed before leakgate was set up).
    let server = Server::new();
    std::fs::remove_file(server.path().join("hooks/pre-receive")).unwrap();
    server.commit_secret("old.py");
    server.dev.commit_file("later.txt", "later\n", "later");
    assert_passed(&server.dev.push(&["-q", "origin", "main"]));
    server.install_hook();

    // A branch at an old commit brings nothing new.
    server.dev.git(&["branch", "at-old", "HEAD~1"]);
    let out = server.dev.push(&["origin", "at-old"]);
    let all = assert_passed(&out);
    assert!(all.contains("no secrets in 0 new commits"), "{all}");
    // A branch with new work on top is scanned for that work only.
    server.dev.git(&["checkout", "-q", "-b", "topic"]);
    server.dev.commit_file("new.txt", "new\n", "new work");
    let all = assert_passed(&server.dev.push(&["origin", "topic"]));
    assert!(all.contains("no secrets in 1 new commit"), "{all}");
}

#[test]
fn a_force_push_is_scanned_for_the_commits_it_brings() {
    let server = Server::new();
    server.dev.commit_file("a.txt", "a\n", "a");
    assert_passed(&server.dev.push(&["-q", "origin", "main"]));
    let before = server.server_ref("refs/heads/main");

    // Rewrite the last commit so it adds a key, and force it.
    server.dev.git(&["reset", "-q", "--hard", "HEAD~1"]);
    server.commit_secret("a.txt");
    let out = server.dev.push(&["--force", "origin", "main"]);
    let all = assert_blocked_by_finding(&out);
    assert!(all.contains("a.txt:1:8"), "{all}");
    assert_eq!(server.server_ref("refs/heads/main"), before);

    // A clean rewrite goes through.
    server.dev.git(&["reset", "-q", "--hard", "HEAD~1"]);
    let clean = server.dev.commit_file("b.txt", "b\n", "b");
    assert_passed(&server.dev.push(&["--force", "origin", "main"]));
    assert_eq!(server.server_ref("refs/heads/main"), Some(clean));
}

#[test]
fn deleting_a_branch_passes_and_scans_nothing() {
    let server = Server::new();
    std::fs::remove_file(server.path().join("hooks/pre-receive")).unwrap();
    server.dev.git(&["checkout", "-q", "-b", "leaky"]);
    server.commit_secret("k.py");
    assert_passed(&server.dev.push(&["-q", "origin", "leaky"]));
    server.install_hook();

    let out = server.dev.push(&["origin", "--delete", "leaky"]);
    let all = assert_passed(&out);
    assert!(all.contains("no secrets in 0 new commits"), "{all}");
    assert_eq!(server.server_ref("refs/heads/leaky"), None);
}

#[test]
fn a_tag_of_a_new_commit_with_a_secret_is_rejected_and_a_tag_of_an_old_one_passes() {
    let server = Server::new();
    server
        .dev
        .git(&["tag", "-a", "-m", "first release", "v1", "HEAD"]);
    let all = assert_passed(&server.dev.push(&["origin", "v1"]));
    assert!(all.contains("no secrets in 0 new commits"), "{all}");

    server.commit_secret("k.py");
    server
        .dev
        .git(&["tag", "-a", "-m", "second release", "v2", "HEAD"]);
    let out = server.dev.push(&["origin", "v2"]);
    let all = assert_blocked_by_finding(&out);
    assert!(all.contains("k.py:1:8"), "{all}");
    assert_eq!(server.server_ref("refs/tags/v2"), None);
}

#[test]
fn every_ref_of_a_push_is_scanned_not_only_the_first() {
    let server = Server::new();
    server.dev.git(&["checkout", "-q", "-b", "a-clean"]);
    server.dev.commit_file("clean.txt", "clean\n", "clean");
    server.dev.git(&["checkout", "-q", "main"]);
    server.dev.git(&["checkout", "-q", "-b", "z-leaky"]);
    server.commit_secret("leak.py");

    let out = server.dev.push(&["origin", "a-clean", "z-leaky"]);
    let all = assert_blocked_by_finding(&out);
    assert!(all.contains("leak.py:1:8"), "{all}");
    // git applies a pre-receive verdict to the whole push.
    assert_eq!(server.server_ref("refs/heads/a-clean"), None);
    assert_eq!(server.server_ref("refs/heads/z-leaky"), None);
}

#[test]
fn a_secret_deep_in_a_long_push_is_found() {
    let server = Server::new();
    server.commit_secret("early.py");
    for i in 0..80 {
        server
            .dev
            .commit_file("counter.txt", &format!("{i}\n"), &format!("step {i}"));
    }
    let out = server.dev.push(&["origin", "main"]);
    let all = assert_blocked_by_finding(&out);
    assert!(all.contains("early.py:1:8"), "{all}");
    assert!(all.contains("of 81 new commits"), "{all}");
}

#[test]
fn more_findings_than_a_screen_are_summarised() {
    let server = Server::new();
    let body: String = (0..25)
        .map(|i| format!("KEY_{i} = \"{}\"\n", fake_key_id(i)))
        .collect();
    server.dev.commit_file("many.py", &body, "many keys");
    let out = server.dev.push(&["origin", "main"]);
    assert_blocked_by_finding(&out);
    snapshot("pre_receive_summarised", &out);
}

#[test]
fn a_pushed_config_cannot_allow_its_own_secret() {
    let server = Server::new();
    let before = server.server_ref("refs/heads/main");
    server.dev.stage(
        ".leakgate.toml",
        "[allowlist]\ndescription = \"everything\"\npaths = [\"**\"]\n",
    );
    server.commit_secret("k.py");
    let out = server.dev.push(&["origin", "main"]);
    assert_blocked_by_finding(&out);
    assert_eq!(server.server_ref("refs/heads/main"), before);
}

#[test]
fn the_default_branch_config_and_the_server_wide_config_apply() {
    let server = Server::new();
    // The default branch allows test fixtures.
    server.dev.commit_file(
        ".leakgate.toml",
        "[allowlist]\npaths = [\"fixtures/**\"]\n",
        "allow fixtures",
    );
    assert_passed(&server.dev.push(&["-q", "origin", "main"]));
    server.commit_secret("fixtures/k.py");
    assert_passed(&server.dev.push(&["origin", "main"]));

    // The server's own file allows a vendored directory in every repository.
    server.commit_secret("vendor/k.py");
    assert_blocked_by_finding(&server.dev.push(&["origin", "main"]));
    let server_config = server.dev.home().join("server-leakgate.toml");
    std::fs::write(&server_config, "[allowlist]\npaths = [\"vendor/**\"]\n").unwrap();
    server.config("leakgate.config", server_config.to_str().unwrap());
    assert_passed(&server.dev.push(&["origin", "main"]));
}

#[test]
fn a_bad_server_wide_config_blocks_with_an_error_naming_the_file() {
    let server = Server::new();
    let server_config = server.dev.home().join("server-leakgate.toml");
    std::fs::write(&server_config, "[allowlist]\npaths = [\"a\",\n  oops]\n").unwrap();
    server.config("leakgate.config", server_config.to_str().unwrap());
    server.dev.commit_file("a.txt", "a\n", "a");
    let out = server.dev.push(&["origin", "main"]);
    let all = assert_blocked_by_error(&out);
    assert!(all.contains("server-leakgate.toml:3:3"), "{all}");
}

#[test]
fn break_glass_lets_a_blocked_push_through_and_writes_an_audit_line() {
    let server = Server::new();
    server.config("receive.advertisePushOptions", "true");
    let head = server.commit_secret("k.py");

    let refused = server.dev.push(&["origin", "main"]);
    let all = assert_blocked_by_finding(&refused);
    assert!(all.contains("-o 'leakgate.skip=<reason>'"), "{all}");

    let out = server
        .dev
        .command("git")
        .args([
            "push",
            "-o",
            "leakgate.skip=key revoked already, INC-42",
            "origin",
            "main",
        ])
        .env("GL_USERNAME", "ada")
        .output()
        .unwrap();
    let all = assert_passed(&out);
    assert!(
        all.contains("remote: leakgate: skipped: key revoked already, INC-42"),
        "{all}"
    );
    assert_eq!(server.server_ref("refs/heads/main"), Some(head.clone()));

    let lines = server.audit_lines();
    assert_eq!(lines.len(), 1);
    let line = &lines[0];
    assert_eq!(line["event"], "skip");
    assert_eq!(line["reason"], "key revoked already, INC-42");
    assert_eq!(line["pusher"]["name"], "ada");
    assert_eq!(line["pusher"]["from"], "GL_USERNAME");
    assert_eq!(line["refs"][0]["ref"], "refs/heads/main");
    assert_eq!(line["refs"][0]["new"], head.as_str());
    assert_eq!(line["findings"][0]["path"], "k.py");
    assert_eq!(line["findings"][0]["commit"], head.as_str());
    let raw = std::fs::read_to_string(server.path().join("leakgate-audit.log")).unwrap();
    assert!(
        !raw.contains(AWS_KEY_ID),
        "the audit log holds no secret: {raw}"
    );
}

#[test]
fn break_glass_without_a_reason_is_refused() {
    let server = Server::new();
    server.config("receive.advertisePushOptions", "true");
    server.commit_secret("k.py");
    let out = server.dev.push(&["-o", "leakgate.skip", "origin", "main"]);
    let all = assert_blocked_by_error(&out);
    assert!(all.contains("needs a reason"), "{all}");
    assert!(server.audit_lines().is_empty());
}

#[test]
fn break_glass_turned_off_by_the_server_keeps_the_push_blocked() {
    let server = Server::new();
    server.config("receive.advertisePushOptions", "true");
    server.config("leakgate.allowSkip", "false");
    let before = server.server_ref("refs/heads/main");
    server.commit_secret("k.py");
    let out = server
        .dev
        .push(&["-o", "leakgate.skip=please", "origin", "main"]);
    let all = assert_blocked_by_finding(&out);
    assert!(all.contains("does not allow skipping"), "{all}");
    assert_eq!(server.server_ref("refs/heads/main"), before);
    assert!(server.audit_lines().is_empty());
}

#[test]
fn an_exhausted_time_budget_blocks_the_push_by_default() {
    let server = Server::new();
    server.config("leakgate.timeBudget", "0");
    let before = server.server_ref("refs/heads/main");
    server.dev.commit_file("a.txt", "a\n", "a");
    let out = server.dev.push(&["origin", "main"]);
    assert_blocked_by_error(&out);
    assert_eq!(server.server_ref("refs/heads/main"), before);
    snapshot("pre_receive_time_budget_blocked", &out);
}

#[test]
fn an_exhausted_time_budget_passes_when_the_server_says_so_and_is_logged() {
    let server = Server::new();
    server.config("leakgate.timeBudget", "0ms");
    server.config("leakgate.onTimeout", "pass");
    let head = server.dev.commit_file("a.txt", "a\n", "a");
    let out = server.dev.push(&["origin", "main"]);
    assert_passed(&out);
    assert_eq!(server.server_ref("refs/heads/main"), Some(head));
    snapshot("pre_receive_time_budget_passed", &out);
    let lines = server.audit_lines();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["event"], "timeout-pass");
    assert_eq!(lines[0]["scan_complete"], false);
}

#[test]
fn the_audit_log_goes_where_the_server_config_names() {
    let server = Server::new();
    server.config("leakgate.timeBudget", "0");
    server.config("leakgate.onTimeout", "pass");
    let log = server.dev.home().join("audit/leakgate.jsonl");
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    server.config("leakgate.auditLog", log.to_str().unwrap());
    server.dev.commit_file("a.txt", "a\n", "a");
    assert_passed(&server.dev.push(&["origin", "main"]));
    assert_eq!(std::fs::read_to_string(&log).unwrap().lines().count(), 1);
    assert!(!server.path().join("leakgate-audit.log").exists());
}

/// A pushed secret is rejected with the branch left where it was; the same
/// branch without it is then accepted.
fn assert_a_secret_is_rejected_and_a_clean_push_accepted(server: &Server) {
    let before = server.server_ref("refs/heads/main");
    server.commit_secret("k.py");
    assert_blocked_by_finding(&server.dev.push(&["origin", "main"]));
    assert_eq!(server.server_ref("refs/heads/main"), before);
    server.dev.git(&["reset", "-q", "--hard", "HEAD~1"]);
    server.dev.commit_file("a.txt", "a\n", "a");
    assert_passed(&server.dev.push(&["origin", "main"]));
}

#[test]
fn a_reftable_repository_is_checked_like_any_other() {
    assert_a_secret_is_rejected_and_a_clean_push_accepted(&Server::with_init(&[
        "--ref-format=reftable",
    ]));
}

#[test]
fn a_sha256_repository_is_checked_like_any_other() {
    assert_a_secret_is_rejected_and_a_clean_push_accepted(&Server::with_init(&[
        "--object-format=sha256",
    ]));
}

#[test]
fn a_secret_in_a_pushed_commit_message_is_rejected() {
    let server = Server::new();
    let before = server.server_ref("refs/heads/main");
    server.dev.stage("a.txt", "a\n");
    server.dev.git(&[
        "commit",
        "-q",
        "--no-verify",
        "-m",
        &format!("deploy with {AWS_KEY_ID}"),
    ]);
    assert_blocked_by_finding(&server.dev.push(&["origin", "main"]));
    assert_eq!(server.server_ref("refs/heads/main"), before);
}

#[test]
fn a_secret_in_a_pushed_tag_message_is_rejected() {
    let server = Server::new();
    server.dev.git(&[
        "tag",
        "-a",
        "-m",
        &format!("release key {AWS_KEY_ID}"),
        "v1",
        "HEAD",
    ]);
    assert_blocked_by_finding(&server.dev.push(&["origin", "v1"]));
    assert_eq!(server.server_ref("refs/tags/v1"), None);
}
