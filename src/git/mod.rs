//! The git layer: every git command leakgate runs, the one parser of git's
//! diff output, and the object reader. Nothing outside this module starts
//! git or opens libgit2.
//!
//! Division of work, and why:
//! - **git answers everything about the repository**: where it is
//!   ([`Repo::discover`], from `git rev-parse`), HEAD, refs, the index, the
//!   work tree, config and namespaces. Whatever git can open, leakgate can:
//!   reftable, `extensions.refStorage`, `extensions.partialClone`,
//!   `extensions.worktreeConfig`, bare repositories with `GIT_WORK_TREE`,
//!   `GIT_DIR`/`GIT_INDEX_FILE`/`GIT_NAMESPACE` from a hook.
//! - **libgit2 only reads objects** ([`objects`]), opened on the object
//!   directories git reports, never as a repository.
//! - Every git call goes through [`command`]: replace refs are off
//!   (`GIT_NO_REPLACE_OBJECTS=1`, what is committed is what is scanned), the
//!   pathspec-magic variables are removed (names are literal, exactly as
//!   passed), stdin is closed unless the caller pipes it, and a failure
//!   carries git's stderr.

pub mod objects;
pub mod oid;
pub mod raw;

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use anyhow::{Context, Result, anyhow, bail};

pub use objects::{ObjectData, ObjectReader, ObjectStore};
pub use oid::{ObjectFormat, ObjectId};

/// Environment variables that would change how git reads pathspecs. leakgate
/// passes paths it means literally (or with explicit magic), so none apply.
const PATHSPEC_VARIABLES: [&str; 4] = [
    "GIT_LITERAL_PATHSPECS",
    "GIT_GLOB_PATHSPECS",
    "GIT_NOGLOB_PATHSPECS",
    "GIT_ICASE_PATHSPECS",
];

/// The `git` that `PATH` names, found once per process. Each git process is
/// started with `vfork`, which holds leakgate until the child has executed
/// git: looking the name up in every `PATH` directory there, with a failed
/// `execve` per directory before git's, held it up twice on every commit.
/// When no directory has an executable `git`, the bare name is left for
/// the spawn to fail on, with the usual "is git on PATH?" error.
fn git_program() -> &'static OsStr {
    static PROGRAM: OnceLock<OsString> = OnceLock::new();
    PROGRAM.get_or_init(|| {
        let found = std::env::var_os("PATH").and_then(|path| {
            std::env::split_paths(&path)
                // An empty entry means the current directory to execvp;
                // the bare name keeps that meaning.
                .filter(|dir| !dir.as_os_str().is_empty())
                .map(|dir| dir.join("git"))
                .find(|candidate| is_executable_file(candidate))
        });
        found.map_or_else(|| OsString::from("git"), PathBuf::into_os_string)
    })
}

#[cfg(unix)]
fn is_executable_file(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable_file(_: &Path) -> bool {
    false
}

/// A `git` command with leakgate's fixed environment: no replace objects,
/// no pathspec variables, stdin closed, stdout and stderr captured.
pub fn command<S: AsRef<OsStr>>(args: &[S]) -> Command {
    let mut command = Command::new(git_program());
    command
        .args(args)
        .env("GIT_NO_REPLACE_OBJECTS", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for variable in PATHSPEC_VARIABLES {
        command.env_remove(variable);
    }
    command
}

/// Runs git and returns its stdout; a failure is an error with git's
/// stderr, saying what leakgate was trying to do (`doing`).
pub fn run<S: AsRef<OsStr>>(args: &[S], doing: &str) -> Result<Vec<u8>> {
    let output = command(args)
        .output()
        .with_context(|| format!("cannot run git to {doing} (is git installed and on PATH?)"))?;
    if !output.status.success() {
        bail!(
            "cannot {doing}: git failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(output.stdout)
}

/// Runs git with `input` on its stdin, written from another thread so a
/// full stdout pipe cannot stall both sides.
pub fn run_with_input<S: AsRef<OsStr>>(args: &[S], input: Vec<u8>, doing: &str) -> Result<Vec<u8>> {
    use std::io::Write;
    let mut child = command(args)
        .stdin(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run git to {doing} (is git installed and on PATH?)"))?;
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child
        .wait_with_output()
        .with_context(|| format!("cannot read git's answer to {doing}"))?;
    let written = writer.join().expect("the writer thread does not panic");
    if !output.status.success() {
        bail!(
            "cannot {doing}: git failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    written.with_context(|| format!("cannot send git its input to {doing}"))?;
    Ok(output.stdout)
}

/// One path git prints, without the line break that ends it.
fn path_query(args: &[&str]) -> Result<String> {
    let out = run(args, "find the repository")?;
    let text = String::from_utf8(out)
        .map_err(|_| anyhow!("git reported a repository path that is not UTF-8"))?;
    Ok(text.strip_suffix('\n').unwrap_or(&text).to_string())
}

/// The repository git finds from the environment and current directory.
#[derive(Debug)]
pub struct Repo {
    git_dir: PathBuf,
    work_tree: Option<PathBuf>,
    head: Option<ObjectId>,
    objects: ObjectStore,
}

/// The two shapes of the `rev-parse` that finds the repository: the
/// fixed-format answers first, the paths last.
const DISCOVER_FIXED: [&str; 3] = ["rev-parse", "--show-object-format", "--is-bare-repository"];
const DISCOVER_PATHS: [&str; 4] = ["--absolute-git-dir", "--git-path", "objects", "--show-cdup"];
const CANNOT_DISCOVER: &str =
    "cannot run git (leakgate asks git where the repository is; is git on PATH?)";

/// A [`Repo::discover`] under way: git is answering while the caller does
/// other work.
pub struct PendingRepo {
    with_head: std::process::Child,
}

impl PendingRepo {
    /// Waits for git's answer and opens the object store.
    pub fn wait(self) -> Result<Repo> {
        let with_head = self.with_head.wait_with_output().context(CANNOT_DISCOVER)?;
        Repo::from_rev_parse(with_head)
    }
}

impl Repo {
    /// Asks git where the repository is, as a hook or a user's shell sees
    /// it (`GIT_DIR`, `GIT_WORK_TREE`, `GIT_OBJECT_DIRECTORY`, discovery).
    pub fn discover() -> Result<Self> {
        Repo::start_discovery()?.wait()
    }

    /// Starts [`Repo::discover`]'s git process and returns without waiting.
    pub fn start_discovery() -> Result<PendingRepo> {
        // One git process answers everything, HEAD included; only before
        // the first commit (HEAD unborn) does it take a second. `HEAD`, not
        // `HEAD^{commit}`: git keeps HEAD on a commit (it refuses to point
        // it at anything else), and peeling made git open the pack for
        // nothing, a quarter of this process's work. A HEAD that did name
        // something else fails where its tree is read, as an error.
        let with_head = command(&[&DISCOVER_FIXED[..], &["HEAD"], &DISCOVER_PATHS[..]].concat())
            .spawn()
            .context(CANNOT_DISCOVER)?;
        Ok(PendingRepo { with_head })
    }

    fn from_rev_parse(with_head: std::process::Output) -> Result<Self> {
        let (output, has_head) = match with_head.status.success() {
            true => (with_head, true),
            false => (
                command(&[&DISCOVER_FIXED[..], &DISCOVER_PATHS[..]].concat())
                    .output()
                    .context(CANNOT_DISCOVER)?,
                false,
            ),
        };
        if !output.status.success() {
            bail!(
                "not inside a git repository ({}).\n\
                 Run leakgate from a repository, or give paths to scan files on disk: leakgate scan PATH",
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        let text = String::from_utf8(output.stdout)
            .map_err(|_| anyhow!("git reported a repository path that is not UTF-8"))?;
        let fixed_lines = if has_head { 3 } else { 2 };
        let mut lines = text.splitn(fixed_lines + 1, '\n');
        let format = lines.next().unwrap_or_default();
        let bare = lines.next().unwrap_or_default();
        let head = match has_head {
            true => Some(ObjectId::from_hex(lines.next().unwrap_or_default())?),
            false => None,
        };
        let rest = lines.next().unwrap_or_default();
        let paths: Vec<&str> = rest.split('\n').collect();
        let (git_dir, objects, cdup) = match paths[..] {
            [git_dir, objects, cdup, ""] => {
                (git_dir.to_string(), objects.to_string(), cdup.to_string())
            }
            // A path with a line break in it: ask for each path alone.
            _ => (
                path_query(&["rev-parse", "--absolute-git-dir"])?,
                path_query(&["rev-parse", "--git-path", "objects"])?,
                path_query(&["rev-parse", "--show-cdup"])?,
            ),
        };
        let cwd = std::env::current_dir().context("cannot read the current directory")?;
        let format = match format {
            "sha1" => ObjectFormat::Sha1,
            "sha256" => ObjectFormat::Sha256,
            other => bail!(
                "this repository uses the object format {other:?}, which leakgate cannot read; \
                 nothing here can be scanned"
            ),
        };
        let work_tree = match bare {
            "true" => None,
            _ => {
                let dir = cwd.join(cdup);
                Some(dir.canonicalize().with_context(|| {
                    format!("cannot resolve the working tree {}", dir.display())
                })?)
            }
        };
        Ok(Repo {
            git_dir: PathBuf::from(git_dir),
            work_tree,
            head,
            objects: ObjectStore::new(format, cwd.join(objects))?,
        })
    }

    /// The repository's git directory.
    pub fn git_dir(&self) -> &Path {
        &self.git_dir
    }

    /// The top of the working tree; `None` for a bare repository used
    /// without one.
    pub fn workdir(&self) -> Option<&Path> {
        self.work_tree.as_deref()
    }

    pub fn format(&self) -> ObjectFormat {
        self.objects.format()
    }

    /// The object store, shared by the threads that read it.
    pub fn objects(&self) -> &ObjectStore {
        &self.objects
    }

    /// The commit HEAD points at, as `git commit` will use it (namespaces
    /// and replace refs do not apply), or `None` before the first commit.
    pub fn head(&self) -> Option<ObjectId> {
        self.head
    }

    /// The commit `rev` names (a tag is peeled), or `None` when there is
    /// no such commit.
    pub fn resolve_commit(&self, rev: &str) -> Result<Option<ObjectId>> {
        if rev.starts_with('-') {
            return Ok(None);
        }
        let output = command(&["rev-parse", "-q", "--verify", &format!("{rev}^{{commit}}")])
            .output()
            .context("cannot run git rev-parse (is git on PATH?)")?;
        if !output.status.success() {
            return Ok(None);
        }
        let text = String::from_utf8_lossy(&output.stdout);
        Ok(Some(ObjectId::from_hex(text.trim())?))
    }

    /// The type of the object `id` (`commit`, `tag`, `tree`, `blob`), or
    /// `None` when the repository does not have it.
    pub fn object_type(&self, id: ObjectId) -> Result<Option<String>> {
        let output = command(&["cat-file", "-t", &id.to_string()])
            .output()
            .context("cannot run git cat-file (is git on PATH?)")?;
        Ok(output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string()))
    }
}
