//! Installing and removing leakgate's git hooks in the directory git really
//! runs hooks from (`core.hooksPath`, or the common git dir's `hooks/`, also
//! from a linked worktree). A hook that is not leakgate's is never lost: it
//! is kept beside ours and chained, or with `--force` set aside, and
//! `uninstall` puts it back. When another hook manager owns the hooks
//! (husky, lefthook), leakgate adds itself to that manager's config instead
//! ([`managers`]).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

pub mod managers;

/// Every leakgate shim carries this marker, so ours can be told from others.
pub const MARKER: &str = "leakgate-managed-hook";

/// What `leakgate hook-handshake` prints. Every shim (and the husky and
/// lefthook lines) blocks unless the binary it found says this: an empty
/// or truncated file, or another program named `leakgate`, would otherwise
/// run as a script that does nothing and let every commit through.
///
/// The shims ask the scan itself: `scan` writes this line to the file
/// descriptor [`HANDSHAKE_FD_VARIABLE`] names, which the shell captures, so
/// one process both scans and answers (a separate `hook-handshake` process
/// was 2 ms of every commit). A binary that does not answer there (an
/// older leakgate, or a system without `/dev/fd`) is then asked with
/// `hook-handshake`, as before.
pub const HANDSHAKE: &str = "leakgate-hook-handshake-1";

/// The environment variable that names the file descriptor (3 or higher)
/// `scan` answers the [`HANDSHAKE`] on. An environment variable, not an
/// option, so that an older leakgate ignores it rather than failing.
pub const HANDSHAKE_FD_VARIABLE: &str = "LEAKGATE_HANDSHAKE_FD";

/// Answers the [`HANDSHAKE`] on the file descriptor [`HANDSHAKE_FD_VARIABLE`]
/// names, if it is set to one above stderr. Nothing is reported if that
/// fails: the shim then asks `hook-handshake` instead.
pub fn answer_handshake() {
    use std::io::Write;
    let Some(fd) = std::env::var(HANDSHAKE_FD_VARIABLE)
        .ok()
        .and_then(|value| value.parse::<u32>().ok())
        .filter(|&fd| fd > 2)
    else {
        return;
    };
    // Opening /dev/fd/N reaches the descriptor without taking ownership of
    // it; where there is no /dev/fd, the open fails and the shim falls back.
    if let Ok(mut answer) = fs::OpenOptions::new()
        .write(true)
        .open(format!("/dev/fd/{fd}"))
    {
        let _ = writeln!(answer, "{HANDSHAKE}");
    }
}

/// Suffix of a previous hook that ours runs after itself.
pub const CHAINED_SUFFIX: &str = "leakgate-chained";
/// Suffix of a previous hook set aside by `--force` (not run).
const BACKUP_SUFFIX: &str = "leakgate-backup";
/// Suffix lefthook gives a hook it replaces (`lefthook install` renames an
/// existing `pre-commit` to `pre-commit.old` and never runs it).
pub const LEFTHOOK_OLD_SUFFIX: &str = "old";

/// The line of every shim that `install` fills in with the path of the
/// installing binary, so the hook finds it even off PATH.
const INSTALLED_BY_LINE: &str = "leakgate_installed_by=''";

/// One git hook leakgate provides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookKind {
    /// Scans the staged changes at `git commit`.
    PreCommit,
    /// Scans the commit message at `git commit`.
    CommitMsg,
    /// Scans the commits being pushed at `git push`; catches commits made
    /// with `--no-verify`.
    PrePush,
    /// Server side: scans the commits a push brings into a (bare)
    /// repository.
    PreReceive,
}

impl HookKind {
    /// Every hook leakgate can install, in the order it reports them.
    pub const ALL: [HookKind; 4] = [
        HookKind::PreCommit,
        HookKind::CommitMsg,
        HookKind::PrePush,
        HookKind::PreReceive,
    ];

    /// The hooks of a developer's clone (`--hook all`).
    pub const CLIENT: [HookKind; 3] = [HookKind::PreCommit, HookKind::CommitMsg, HookKind::PrePush];

    pub fn file_name(self) -> &'static str {
        match self {
            HookKind::PreCommit => "pre-commit",
            HookKind::CommitMsg => "commit-msg",
            HookKind::PrePush => "pre-push",
            HookKind::PreReceive => "pre-receive",
        }
    }

    fn shim(self) -> &'static str {
        match self {
            HookKind::PreCommit => include_str!("../hooks/pre-commit"),
            HookKind::CommitMsg => include_str!("../hooks/commit-msg"),
            HookKind::PrePush => include_str!("../hooks/pre-push"),
            HookKind::PreReceive => include_str!("../hooks/pre-receive"),
        }
    }
}

/// The `--hook` argument: one hook, or all of a clone's hooks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HookChoice {
    PreCommit,
    CommitMsg,
    PrePush,
    PreReceive,
    /// pre-commit, commit-msg and pre-push.
    All,
}

impl HookChoice {
    pub fn kinds(self) -> &'static [HookKind] {
        match self {
            HookChoice::PreCommit => &[HookKind::PreCommit],
            HookChoice::CommitMsg => &[HookKind::CommitMsg],
            HookChoice::PrePush => &[HookKind::PrePush],
            HookChoice::PreReceive => &[HookKind::PreReceive],
            HookChoice::All => &HookKind::CLIENT,
        }
    }
}

/// What `leakgate install` installs without `--hook`: the hooks every
/// commit runs (content and message). In a bare repository, where no one
/// commits, the server's pre-receive hook.
fn default_kinds() -> &'static [HookKind] {
    if is_bare() {
        &[HookKind::PreReceive]
    } else {
        &[HookKind::PreCommit, HookKind::CommitMsg]
    }
}

fn is_bare() -> bool {
    crate::git::command(&["rev-parse", "--is-bare-repository"])
        .output()
        .is_ok_and(|o| o.status.success() && o.stdout.starts_with(b"true"))
}

/// Where git will look for hooks, as git itself resolves it.
pub fn hooks_dir() -> Result<PathBuf> {
    let output =
        crate::git::command(&["rev-parse", "--path-format=absolute", "--git-path", "hooks"])
            .output()
            .context("cannot run git (is it installed and on PATH?)")?;
    if !output.status.success() {
        bail!(
            "cannot find the hooks directory: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    // git ends the path with one newline; the path itself may end with
    // another, or hold any bytes a file name can.
    let dir = output.stdout.strip_suffix(b"\n").unwrap_or(&output.stdout);
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Ok(PathBuf::from(std::ffi::OsStr::from_bytes(dir)))
    }
    #[cfg(not(unix))]
    {
        let dir = String::from_utf8(dir.to_vec()).context("git printed a non-UTF-8 hooks path")?;
        Ok(PathBuf::from(dir.trim_end_matches('\r')))
    }
}

pub fn is_ours(path: &Path) -> bool {
    fs::read_to_string(path).is_ok_and(|text| text.contains(MARKER))
}

/// `hook` with `.suffix` added to its name.
pub fn sibling(hook: &Path, suffix: &str) -> PathBuf {
    let mut name = hook
        .file_name()
        .expect("hook path has a name")
        .to_os_string();
    name.push(".");
    name.push(suffix);
    hook.with_file_name(name)
}

/// Installs the chosen hooks (without a choice, [`default_kinds`]);
/// returns one sentence per hook.
pub fn install(choice: Option<HookChoice>, force: bool) -> Result<String> {
    let kinds = choice.map_or_else(default_kinds, HookChoice::kinds);
    let done = kinds
        .iter()
        .map(|&kind| install_one(kind, force))
        .collect::<Result<Vec<_>>>()?;
    Ok(done.join("\nleakgate: "))
}

/// Removes the chosen hooks; without a choice, every hook leakgate
/// installed (whatever `--hook` installed it), leaving other tools' hooks
/// alone. Returns one sentence per hook.
pub fn uninstall(choice: Option<HookChoice>) -> Result<String> {
    let Some(choice) = choice else {
        let mut done = Vec::new();
        for kind in HookKind::ALL {
            if let Some(sentence) = uninstall_one(kind, false)? {
                done.push(sentence);
            }
        }
        if done.is_empty() {
            return Ok(format!(
                "no leakgate hook is installed in {}",
                shown(&hooks_dir()?)
            ));
        }
        return Ok(done.join("\nleakgate: "));
    };
    let done = choice
        .kinds()
        .iter()
        .map(|&kind| {
            uninstall_one(kind, true).map(|s| {
                s.unwrap_or_else(|| format!("no leakgate {} hook is installed", kind.file_name()))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(done.join("\nleakgate: "))
}

/// Installs one hook; returns a sentence describing what was done.
fn install_one(kind: HookKind, force: bool) -> Result<String> {
    let dir = hooks_dir()?;
    let top = managers::top_level();
    if kind != HookKind::PreReceive
        && let Some(manager) = managers::detect(&dir, kind.file_name(), top.as_deref())?
    {
        let mut done = managers::install(&manager, kind.file_name())?;
        // lefthook in use but its hook not (yet) installed: git runs
        // nothing of lefthook's, so leakgate's own hook protects the
        // repository until `lefthook install` replaces it with lefthook's,
        // which then runs leakgate from its config.
        if matches!(manager, managers::Manager::Lefthook { .. })
            && !managers::runs_lefthook(&dir.join(kind.file_name()))
        {
            done.push_str(&format!(
                "\nleakgate: {}; run `lefthook install` so that lefthook's hook runs it",
                install_shim(&dir, kind, force)?
            ));
        }
        return Ok(done);
    }
    install_shim(&dir, kind, force)
}

/// Writes leakgate's own shim for `kind` into `dir`, keeping any hook that
/// was there.
fn install_shim(dir: &Path, kind: HookKind, force: bool) -> Result<String> {
    fs::create_dir_all(dir)
        .with_context(|| format!("cannot create hooks directory {}", shown(dir)))?;
    let hook = dir.join(kind.file_name());
    let mut note = String::new();
    if hook.exists() && !is_ours(&hook) {
        let (kept, what) = if force {
            (
                sibling(&hook, BACKUP_SUFFIX),
                "set aside (not run; --force)",
            )
        } else {
            (
                sibling(&hook, CHAINED_SUFFIX),
                "kept and chained: it runs after leakgate",
            )
        };
        if kept.exists() {
            bail!(
                "{} exists and so does {}; refusing to overwrite either. Move one of them away and run leakgate install again",
                shown(&hook),
                shown(&kept)
            );
        }
        fs::rename(&hook, &kept)
            .with_context(|| format!("cannot move {} to {}", shown(&hook), shown(&kept)))?;
        note = format!("; the existing hook was {what} as {}", shown(&kept));
    }
    write_executable(&hook, &shim_text(kind))?;
    Ok(format!(
        "installed leakgate {} hook at {}{note}",
        kind.file_name(),
        shown(&hook)
    ))
}

/// The shim with the installing binary's path filled in: the hook tries
/// `leakgate` on PATH first, then this one, so a binary that `cargo
/// install` put off PATH (`CARGO_INSTALL_ROOT`) is still found.
fn shim_text(kind: HookKind) -> String {
    let shim = kind.shim();
    let Some(exe) = std::env::current_exe()
        .ok()
        .and_then(|p| p.to_str().map(str::to_string))
    else {
        return shim.to_string();
    };
    let quoted = format!("'{}'", exe.replace('\'', r"'\''"));
    shim.replacen(
        INSTALLED_BY_LINE,
        &format!("leakgate_installed_by={quoted}"),
        1,
    )
}

/// Removes our hook and restores whatever it replaced. `None` when there
/// is nothing of leakgate's for `kind`; with `strict`, another tool's hook
/// in its place is an error rather than passed over.
fn uninstall_one(kind: HookKind, strict: bool) -> Result<Option<String>> {
    let dir = hooks_dir()?;
    let hook = dir.join(kind.file_name());
    let mut done = Vec::new();
    if kind != HookKind::PreReceive
        && let Some(manager) =
            managers::detect(&dir, kind.file_name(), managers::top_level().as_deref())
                .ok()
                .flatten()
        && let Some(sentence) = managers::uninstall(&manager, kind.file_name())?
    {
        done.push(sentence);
    }
    // A shim of ours that lefthook renamed when it took the hook over.
    let old = sibling(&hook, LEFTHOOK_OLD_SUFFIX);
    if is_ours(&old) {
        fs::remove_file(&old).with_context(|| format!("cannot remove {}", shown(&old)))?;
        done.push(format!("removed leakgate's hook {}", shown(&old)));
    }
    if is_ours(&hook) {
        fs::remove_file(&hook).with_context(|| format!("cannot remove {}", shown(&hook)))?;
        let restored = [CHAINED_SUFFIX, BACKUP_SUFFIX]
            .iter()
            .map(|suffix| sibling(&hook, suffix))
            .find(|previous| previous.exists());
        match restored {
            Some(previous) => {
                fs::rename(&previous, &hook).with_context(|| {
                    format!("cannot restore {} to {}", shown(&previous), shown(&hook))
                })?;
                done.push(format!(
                    "removed leakgate's hook and restored the previous {}",
                    shown(&hook)
                ));
            }
            None => done.push(format!("removed leakgate's hook {}", shown(&hook))),
        }
    } else if strict && done.is_empty() && hook.exists() {
        bail!("{} is not leakgate's hook; leaving it alone", shown(&hook));
    }
    Ok((!done.is_empty()).then(|| done.join("\nleakgate: ")))
}

fn write_executable(path: &Path, text: &str) -> Result<()> {
    fs::write(path, text).with_context(|| format!("cannot write {}", shown(path)))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o755))
            .with_context(|| format!("cannot make {} executable", shown(path)))?;
    }
    Ok(())
}

/// A path for a message: escaped like every other path leakgate prints, so
/// a hooks directory named with a newline or an escape sequence cannot
/// garble the terminal.
fn shown(path: &Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        crate::path::escape_for_terminal(path.as_os_str().as_bytes())
    }
    #[cfg(not(unix))]
    {
        crate::path::escape_for_terminal(path.to_string_lossy().as_bytes())
    }
}
