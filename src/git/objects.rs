//! Reading objects: the only thing leakgate asks libgit2 for.
//!
//! [`ObjectStore`] is the object directory git reports plus every alternate
//! it names, so a `git2::Odb` is opened on those directories alone, never
//! as a repository: no repository extension (reftable, `refStorage`,
//! `partialClone`, `worktreeConfig`, ...) can refuse it, and nothing but
//! objects is read. It honours `GIT_OBJECT_DIRECTORY` (through git, which
//! reports the directory), `GIT_ALTERNATE_OBJECT_DIRECTORIES` and
//! `objects/info/alternates` (relative or absolute, nested), which is also
//! what a server-side hook needs to read a push's quarantined objects.
//!
//! libgit2 0.21 reads SHA-1 object stores only (SHA-256 sits behind its
//! `unstable-sha256` feature, which changes the library's API), so a
//! SHA-256 repository is read through one `git cat-file --batch` process.
//! For SHA-1 libgit2 stays: reading in-process avoids a pipe round trip per
//! object and lets every worker thread read on its own. Measured on the
//! `big` benchmark commit (11,659 staged files, 128 MB) and a SHA-256 copy
//! of it, three runs each on a loaded 2-core machine: 1.34-1.45 s of CPU
//! through libgit2 against 1.68-1.99 s through `git cat-file --batch`.
//!
//! An object the store does not have is asked of `git cat-file` before
//! giving up: in a partial clone git fetches it from the promisor remote.
//! Replacement objects (`git replace`) are never applied: libgit2 does not
//! know them and every git call runs with `GIT_NO_REPLACE_OBJECTS=1`.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Stdio};
use std::sync::Mutex;

use anyhow::{Context, Result, anyhow, bail};

use super::{ObjectFormat, ObjectId};
use crate::path::RepoPath;

/// How deep `info/alternates` files may chain, as in git.
const MAX_ALTERNATE_DEPTH: usize = 5;

/// Where a repository's objects are, shareable between threads; each
/// thread reads through its own [`ObjectReader`].
#[derive(Debug)]
pub struct ObjectStore {
    format: ObjectFormat,
    /// The object directory first, then its alternates.
    dirs: Vec<PathBuf>,
    /// The `git cat-file --batch` process of a SHA-256 repository.
    batch: Mutex<Option<CatFile>>,
}

impl ObjectStore {
    /// The store at `objects` (as git reports it) and its alternates.
    pub fn new(format: ObjectFormat, objects: PathBuf) -> Result<Self> {
        // libgit2 re-hashes every object it reads to check its id; git
        // itself does not when reading (fsck does), and on a 128 MB commit
        // the SHA-1 cost a sixth of the scan. zlib still checks each
        // object's integrity. The setting is process-wide.
        git2::opts::strict_hash_verification(false);
        let mut dirs = vec![objects];
        if let Some(extra) = std::env::var_os("GIT_ALTERNATE_OBJECT_DIRECTORIES") {
            let cwd = std::env::current_dir().context("cannot read the current directory")?;
            dirs.extend(
                std::env::split_paths(&extra)
                    .filter(|p| !p.as_os_str().is_empty())
                    .map(|p| cwd.join(p)),
            );
        }
        let mut i = 0;
        let mut depth = vec![0; dirs.len()];
        while i < dirs.len() {
            if depth[i] < MAX_ALTERNATE_DEPTH {
                for alternate in read_alternates(&dirs[i])? {
                    if !dirs.contains(&alternate) {
                        dirs.push(alternate);
                        depth.push(depth[i] + 1);
                    }
                }
            }
            i += 1;
        }
        Ok(ObjectStore {
            format,
            dirs,
            batch: Mutex::new(None),
        })
    }

    pub fn format(&self) -> ObjectFormat {
        self.format
    }

    /// The object directories read, the repository's own first.
    pub fn dirs(&self) -> &[PathBuf] {
        &self.dirs
    }

    /// A reader for the calling thread.
    pub fn reader(&self) -> Result<ObjectReader<'_>> {
        let odb = match self.format {
            ObjectFormat::Sha1 => {
                let odb = git2::Odb::new()
                    .map_err(|e| anyhow!("cannot open the object store: {}", e.message()))?;
                for dir in &self.dirs {
                    let text = dir.to_str().ok_or_else(|| {
                        anyhow!("the object directory {} is not UTF-8", dir.display())
                    })?;
                    odb.add_disk_alternate(text).map_err(|e| {
                        anyhow!(
                            "cannot open the object directory {}: {}",
                            dir.display(),
                            e.message()
                        )
                    })?;
                }
                Some(odb)
            }
            ObjectFormat::Sha256 => None,
        };
        Ok(ObjectReader { store: self, odb })
    }
}

/// The directories an `objects/info/alternates` file names, relative ones
/// resolved against `objects` as git does; comments and blank lines skipped.
fn read_alternates(objects: &Path) -> Result<Vec<PathBuf>> {
    let file = objects.join("info").join("alternates");
    let text = match std::fs::read(&file) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) => return Err(err).with_context(|| format!("cannot read {}", file.display())),
    };
    Ok(text
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
        .filter(|line| !line.is_empty() && !line.starts_with(b"#"))
        .map(|line| objects.join(bytes_to_path(line)))
        .collect())
}

fn bytes_to_path(bytes: &[u8]) -> PathBuf {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
    }
}

/// Reads objects on one thread.
pub struct ObjectReader<'s> {
    store: &'s ObjectStore,
    odb: Option<git2::Odb<'static>>,
}

/// An object's content, borrowed from libgit2 when it came from there.
pub enum ObjectData<'r> {
    Odb(git2::OdbObject<'r>),
    Owned(Vec<u8>),
}

impl ObjectData<'_> {
    pub fn content(&self) -> &[u8] {
        match self {
            ObjectData::Odb(object) => object.data(),
            ObjectData::Owned(bytes) => bytes,
        }
    }
}

impl ObjectReader<'_> {
    /// A blob's bytes; `path` names it in the error if it cannot be read.
    pub fn blob(&self, id: ObjectId, path: &RepoPath) -> Result<ObjectData<'_>> {
        self.object(id, "blob")
            .map_err(|err| missing_object(id, path, &err))
    }

    /// A blob's size, from the object header where libgit2 can read it.
    pub fn blob_size(&self, id: ObjectId, path: &RepoPath) -> Result<u64> {
        if let (Some(odb), Some(oid)) = (&self.odb, id.to_git2())
            && let Ok((size, _)) = odb.read_header(oid)
        {
            return Ok(size as u64);
        }
        Ok(self.blob(id, path)?.content().len() as u64)
    }

    /// An object of `kind` (`blob`, `tree`, `commit`, `tag`).
    pub fn object(&self, id: ObjectId, kind: &str) -> Result<ObjectData<'_>> {
        if let (Some(odb), Some(oid)) = (&self.odb, id.to_git2()) {
            match odb.read(oid) {
                Ok(object) if object.kind().str() == kind => return Ok(ObjectData::Odb(object)),
                Ok(object) => bail!("object {id} is a {}, not a {kind}", object.kind().str()),
                // Not in the store: a partial clone fetches it through git.
                Err(err) if err.code() == git2::ErrorCode::NotFound => {}
                Err(err) => bail!("{}", err.message()),
            }
        }
        let mut batch = self.store.batch.lock().unwrap_or_else(|e| e.into_inner());
        if batch.is_none() {
            *batch = Some(CatFile::start()?);
        }
        let reader = batch.as_mut().expect("started above");
        match reader.read(id) {
            Ok(Some((found, bytes))) if found == kind => Ok(ObjectData::Owned(bytes)),
            Ok(Some((found, _))) => bail!("object {id} is a {found}, not a {kind}"),
            Ok(None) => bail!("object {id} is missing"),
            Err(err) => {
                // The process is in an unknown state; start afresh next time.
                *batch = None;
                Err(err)
            }
        }
    }

    /// The entry `path` names in the tree `tree` (following subtrees):
    /// its mode and id, or `None` if the tree has no such path.
    pub fn tree_entry(&self, tree: ObjectId, path: &[u8]) -> Result<Option<(u32, ObjectId)>> {
        let mut current = tree;
        let mut parts = path.split(|&b| b == b'/').peekable();
        while let Some(name) = parts.next() {
            let data = self.object(current, "tree")?;
            let Some((mode, id)) = find_in_tree(data.content(), name, self.store.format)? else {
                return Ok(None);
            };
            if parts.peek().is_none() {
                return Ok(Some((mode, id)));
            }
            if mode != 0o40000 {
                return Ok(None);
            }
            current = id;
        }
        Ok(None)
    }

    /// The entries `names` name at the top of the tree `tree`, reading the
    /// tree once: each entry's mode and id, or `None`.
    pub fn top_entries(
        &self,
        tree: ObjectId,
        names: &[&str],
    ) -> Result<Vec<Option<(u32, ObjectId)>>> {
        let data = self.object(tree, "tree")?;
        names
            .iter()
            .map(|name| find_in_tree(data.content(), name.as_bytes(), self.store.format))
            .collect()
    }

    /// The tree of `commit`.
    pub fn commit_tree(&self, commit: ObjectId) -> Result<ObjectId> {
        let data = self
            .object(commit, "commit")
            .with_context(|| format!("cannot read commit {commit}"))?;
        let hex = data
            .content()
            .strip_prefix(b"tree ")
            .and_then(|rest| rest.split(|&b| b == b'\n').next())
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .ok_or_else(|| anyhow!("commit {commit} does not start with its tree"))?;
        ObjectId::from_hex(hex)
    }
}

/// Looks `name` up in a tree object's entries: `MODE NAME\0RAW-ID`.
fn find_in_tree(tree: &[u8], name: &[u8], format: ObjectFormat) -> Result<Option<(u32, ObjectId)>> {
    let id_len = format.id_len();
    let mut rest = tree;
    while !rest.is_empty() {
        let space = memchr::memchr(b' ', rest).ok_or_else(|| anyhow!("malformed tree object"))?;
        let nul = memchr::memchr(0, rest).ok_or_else(|| anyhow!("malformed tree object"))?;
        if nul < space || rest.len() < nul + 1 + id_len {
            bail!("malformed tree object");
        }
        let entry_name = &rest[space + 1..nul];
        if entry_name == name {
            let mode = std::str::from_utf8(&rest[..space])
                .ok()
                .and_then(|m| u32::from_str_radix(m, 8).ok())
                .ok_or_else(|| anyhow!("malformed tree object"))?;
            return Ok(Some((
                mode,
                ObjectId::from_raw(&rest[nul + 1..nul + 1 + id_len])?,
            )));
        }
        rest = &rest[nul + 1 + id_len..];
    }
    Ok(None)
}

fn missing_object(id: ObjectId, path: &RepoPath, err: &anyhow::Error) -> anyhow::Error {
    anyhow!(
        "cannot read the content of {path} (object {id}): {err:#}.\n\
         The index or history points at an object the repository does not have \
         (in a partial clone, git could not fetch it); re-stage the file with \
         `git add {path}`, fetch it, or check the repository with `git fsck`"
    )
}

/// A running `git cat-file --batch`: one process answers every request.
#[derive(Debug)]
struct CatFile {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl CatFile {
    fn start() -> Result<Self> {
        let mut child = super::command(&["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot run git cat-file (is git on PATH?)")?;
        let stdin = child.stdin.take().expect("stdin is piped");
        let stdout = BufReader::new(child.stdout.take().expect("stdout is piped"));
        Ok(CatFile {
            child,
            stdin,
            stdout,
        })
    }

    /// The object's type and bytes, or `None` if git has no such object.
    fn read(&mut self, id: ObjectId) -> Result<Option<(String, Vec<u8>)>> {
        writeln!(self.stdin, "{id}").context("cannot ask git cat-file for an object")?;
        self.stdin
            .flush()
            .context("cannot ask git cat-file for an object")?;
        let mut header = String::new();
        self.stdout
            .read_line(&mut header)
            .context("cannot read git cat-file's answer")?;
        let fields: Vec<&str> = header.trim_end().split(' ').collect();
        match fields[..] {
            [_, "missing"] => Ok(None),
            [_, kind, size] => {
                let size: usize = size
                    .parse()
                    .map_err(|_| anyhow!("unexpected git cat-file header {header:?}"))?;
                let mut bytes = vec![0; size + 1];
                self.stdout
                    .read_exact(&mut bytes)
                    .context("git cat-file's answer ends early")?;
                bytes.pop();
                Ok(Some((kind.to_string(), bytes)))
            }
            _ => bail!("unexpected git cat-file header {header:?}"),
        }
    }
}

impl Drop for CatFile {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
