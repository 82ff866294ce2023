//! A temporary repository with its own HOME (so no global git config leaks
//! in) and the freshly built leakgate binary first on PATH.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

/// A fake AWS access key id: right shape, not a real key.
pub const AWS_KEY_ID: &str = "AKIAD7RGN7SS555HMTF6";
/// A fake GitHub token with a valid checksum.
pub const GITHUB_TOKEN: &str = "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";

/// The leakgate under test: the one cargo has just built, or the binary
/// `LEAKGATE_TEST_BIN` names (`.ci/run` runs the suite again on the binary
/// `install.sh` builds, which is linked differently).
pub fn leakgate_bin() -> PathBuf {
    match std::env::var_os("LEAKGATE_TEST_BIN") {
        Some(bin) => PathBuf::from(bin),
        None => PathBuf::from(env!("CARGO_BIN_EXE_leakgate")),
    }
}

pub struct TestRepo {
    dir: TempDir,
    home: TempDir,
    path_env: OsString,
}

impl TestRepo {
    /// A new repository on branch `main`, no commits yet.
    pub fn new() -> Self {
        let repo = Self::empty_dir();
        repo.git(&["init", "-q", "-b", "main"]);
        repo
    }

    /// A directory with the test environment but no repository.
    pub fn empty_dir() -> Self {
        let bin_dir = leakgate_bin().parent().unwrap().to_path_buf();
        let mut paths = vec![bin_dir];
        paths.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        TestRepo {
            dir: tempfile::tempdir().unwrap(),
            home: tempfile::tempdir().unwrap(),
            path_env: std::env::join_paths(paths).unwrap(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// A command run in the repository with the test environment.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(self.path())
            .env("HOME", self.home())
            .env("XDG_CONFIG_HOME", self.home().join(".config"))
            // cargo test exports the real CARGO_HOME, where an installed
            // leakgate may live; the hooks must not find that one.
            .env("CARGO_HOME", self.home().join(".cargo"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", "Test")
            .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
            .env("GIT_COMMITTER_NAME", "Test")
            .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
            .env("PATH", &self.path_env)
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("NO_COLOR")
            // rustup points CARGO_HOME at the real ~/.cargo, where an
            // installed leakgate would hide a missing one from the hooks.
            .env_remove("CARGO_HOME")
            .stdin(Stdio::null());
        cmd
    }

    /// Runs git and returns its output, whatever the exit code.
    pub fn try_git(&self, args: &[&str]) -> Output {
        self.command("git").args(args).output().unwrap()
    }

    /// Runs git and fails the test if git fails.
    pub fn git(&self, args: &[&str]) -> String {
        let out = self.try_git(args);
        assert!(out.status.success(), "git {args:?} failed:\n{}", text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn write(&self, rel: &str, content: &str) {
        let path = self.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    pub fn write_bytes(&self, rel: &str, content: &[u8]) {
        let path = self.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }

    pub fn stage_bytes(&self, rel: &str, content: &[u8]) {
        self.write_bytes(rel, content);
        self.git(&["add", "--", rel]);
    }

    pub fn stage(&self, rel: &str, content: &str) {
        self.write(rel, content);
        self.git(&["add", "--", rel]);
    }

    /// Deletes the loose object the index holds for `rel`, leaving an index
    /// that points at an object the repository does not have.
    pub fn lose_staged_object(&self, rel: &str) {
        let oid = self
            .git(&["rev-parse", &format!(":{rel}")])
            .trim()
            .to_string();
        let object = self
            .path()
            .join(".git/objects")
            .join(&oid[..2])
            .join(&oid[2..]);
        std::fs::remove_file(object).unwrap();
    }

    pub fn leakgate(&self, args: &[&str]) -> Output {
        self.command(leakgate_bin()).args(args).output().unwrap()
    }

    pub fn install_hook(&self) {
        let out = self.leakgate(&["install"]);
        assert!(out.status.success(), "install failed:\n{}", text(&out));
    }

    /// `git commit -m MSG EXTRA...`, not asserting success.
    pub fn commit(&self, extra: &[&str]) -> Output {
        let mut args = vec!["commit", "-m", "test commit"];
        args.extend_from_slice(extra);
        self.try_git(&args)
    }

    /// Commits bypassing hooks, to set up history.
    pub fn commit_unchecked(&self, message: &str) {
        self.git(&["commit", "-q", "--no-verify", "-m", message]);
    }
}

/// Writes an executable script (a hook), creating its directory.
pub fn write_executable(path: &Path, body: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// stdout and stderr together, for assertions and failure messages.
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Asserts that a commit, push or scan was blocked because leakgate found a
/// secret (leakgate's exit 1), not because of an error. `git commit` and
/// `git push` exit 1 whatever their hook returned, so for them the hook's
/// own words tell the two apart: an error always prints `leakgate: error:`.
pub fn assert_blocked_by_finding(out: &Output) -> String {
    let all = text(out);
    assert!(
        !out.status.success(),
        "expected a block by a finding:\n{all}"
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "expected exit 1 (findings), not an error:\n{all}"
    );
    assert!(
        !all.contains("leakgate: error:") && !all.contains("nothing was allowed through"),
        "expected a block by a finding, but leakgate reported an error:\n{all}"
    );
    all
}

/// Asserts that a commit, push or scan was blocked by an error (leakgate's
/// exit 2, or a hook that could not run leakgate), not by a finding.
pub fn assert_blocked_by_error(out: &Output) -> String {
    let all = text(out);
    assert!(
        !out.status.success(),
        "expected a block by an error:\n{all}"
    );
    match out.status.code() {
        // leakgate itself: 2 is an error.
        Some(2) => {}
        // git commit/push: the hook's message says which.
        Some(1) => assert!(
            all.contains("leakgate: error:")
                || all.contains("commit is blocked")
                || all.contains("push is blocked")
                || all.contains("is blocked"),
            "expected an error message from the hook:\n{all}"
        ),
        other => panic!("unexpected exit status {other:?}:\n{all}"),
    }
    all
}

pub fn assert_passed(out: &Output) -> String {
    let all = text(out);
    assert!(out.status.success(), "expected success:\n{all}");
    all
}

pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", text(out)))
}

/// History helpers: commits made without hooks, and a bare remote.
impl TestRepo {
    /// Writes, stages and commits one file (hooks bypassed); returns the
    /// new commit's full id.
    pub fn commit_file(&self, rel: &str, content: &str, message: &str) -> String {
        self.stage(rel, content);
        self.commit_unchecked(message);
        self.rev_parse("HEAD")
    }

    pub fn rev_parse(&self, rev: &str) -> String {
        self.git(&["rev-parse", rev]).trim().to_string()
    }

    /// A bare repository added as remote `origin`; kept alive by the
    /// returned directory.
    pub fn add_bare_remote(&self) -> TempDir {
        let remote = tempfile::tempdir().unwrap();
        let out = self
            .command("git")
            .args(["init", "-q", "--bare", "-b", "main"])
            .arg(remote.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git init --bare failed:\n{}",
            text(&out)
        );
        self.git(&["remote", "add", "origin", remote.path().to_str().unwrap()]);
        remote
    }

    /// `git push ARGS...` with hooks, not asserting success.
    pub fn push(&self, args: &[&str]) -> Output {
        let mut all = vec!["push"];
        all.extend_from_slice(args);
        self.try_git(&all)
    }

    /// The commit a ref of the bare remote points at, if it exists.
    pub fn remote_ref(&self, remote: &Path, refname: &str) -> Option<String> {
        let out = self
            .command("git")
            .arg("--git-dir")
            .arg(remote)
            .args(["rev-parse", "--verify", "--quiet", refname])
            .output()
            .unwrap();
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
    }
}

/// The findings of a JSON report.
pub fn findings(out: &Output) -> Vec<serde_json::Value> {
    json(out)["findings"].as_array().unwrap().clone()
}

/// Does the file at `path` exist and contain `needle`?
pub fn text_contains(path: &Path, needle: &str) -> bool {
    std::fs::read_to_string(path).is_ok_and(|text| text.contains(needle))
}

/// Commits and runs made with these dates get the same ids on every run,
/// so snapshots can show them.
pub const FIXED_DATE: &str = "2026-01-02T03:04:05+00:00";

/// Commits what is staged, without hooks, dated [`FIXED_DATE`].
pub fn commit_at_fixed_date(repo: &TestRepo, message: &str) {
    let out = repo
        .command("git")
        .args(["commit", "-q", "--no-verify", "-m", message])
        .env("GIT_AUTHOR_DATE", FIXED_DATE)
        .env("GIT_COMMITTER_DATE", FIXED_DATE)
        .output()
        .unwrap();
    assert_passed(&out);
}

/// Exit code, stdout and stderr of one run, as a snapshot shows them.
pub fn shown(out: &Output) -> String {
    format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        out.status
            .code()
            .map_or_else(|| "signal".to_string(), |c| c.to_string()),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Asserts the snapshot `name` of a run in `repo`, with the repository's,
/// home's and binary's paths and the crate version replaced by labels.
pub fn snapshot(repo: &TestRepo, name: &str, out: &Output) {
    let mut filters: Vec<(String, &str)> = Vec::new();
    for (path, label) in [
        (repo.path().to_path_buf(), "[REPO]"),
        (repo.home().to_path_buf(), "[HOME]"),
        (leakgate_bin().parent().unwrap().to_path_buf(), "[BIN]"),
    ] {
        filters.push((regex::escape(&path.to_string_lossy()), label));
        if let Ok(real) = path.canonicalize() {
            filters.push((regex::escape(&real.to_string_lossy()), label));
        }
    }
    filters.push((
        format!(r#""{}""#, regex::escape(env!("CARGO_PKG_VERSION"))),
        r#""[VERSION]""#,
    ));
    let filters: Vec<(&str, &str)> = filters.iter().map(|(r, l)| (r.as_str(), *l)).collect();
    insta::with_settings!({ filters => filters, prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, shown(out));
    });
}

/// Stages `app.py`, one line of about 240 characters holding an AWS key id
/// deep inside a long call: what a terminal-width report has to cut.
pub fn stage_long_line_with_a_key(repo: &TestRepo) {
    let prefix = format!(
        "client = make_client(region=\"eu-west-1\", retries=5, timeout=30, {}",
        "x=1, ".repeat(12)
    );
    repo.stage(
        "app.py",
        &format!(
            "{prefix}key=\"{AWS_KEY_ID}\", {})\n",
            "flag=True, ".repeat(10)
        ),
    );
}
