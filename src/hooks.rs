//! Installing and removing leakgate's git hooks in the directory git really
//! runs hooks from (`core.hooksPath`, or the common git dir's `hooks/`, also
//! from a linked worktree). A hook that is not leakgate's is never lost: it
//! is kept beside ours and chained, or with `--force` set aside, and
//! `uninstall` puts it back. When another hook manager owns the hooks
//! (husky, lefthook), leakgate adds itself to that manager's config instead
//! ([`managers`]).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

pub mod managers;

/// Every leakgate shim carries this marker, so ours can be told from others.
pub const MARKER: &str = "leakgate-managed-hook";

/// Suffix of a previous hook that ours runs after itself.
pub const CHAINED_SUFFIX: &str = "leakgate-chained";
/// Suffix of a previous hook set aside by `--force` (not run).
const BACKUP_SUFFIX: &str = "leakgate-backup";

/// One git hook leakgate provides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookKind {
    /// Scans the staged changes at `git commit`.
    PreCommit,
    /// Scans the commits being pushed at `git push`; catches commits made
    /// with `--no-verify`.
    PrePush,
}

impl HookKind {
    pub const ALL: [HookKind; 2] = [HookKind::PreCommit, HookKind::PrePush];

    pub fn file_name(self) -> &'static str {
        match self {
            HookKind::PreCommit => "pre-commit",
            HookKind::PrePush => "pre-push",
        }
    }

    fn shim(self) -> &'static str {
        match self {
            HookKind::PreCommit => include_str!("../hooks/pre-commit"),
            HookKind::PrePush => include_str!("../hooks/pre-push"),
        }
    }
}

/// The `--hook` argument: one hook, or all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum HookChoice {
    PreCommit,
    PrePush,
    All,
}

impl HookChoice {
    pub fn kinds(self) -> &'static [HookKind] {
        match self {
            HookChoice::PreCommit => &[HookKind::PreCommit],
            HookChoice::PrePush => &[HookKind::PrePush],
            HookChoice::All => &HookKind::ALL,
        }
    }
}

/// Where git will look for hooks, as git itself resolves it.
pub fn hooks_dir() -> Result<PathBuf> {
    let output = Command::new("git")
        .args(["rev-parse", "--path-format=absolute", "--git-path", "hooks"])
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

fn sibling(hook: &Path, suffix: &str) -> PathBuf {
    let mut name = hook
        .file_name()
        .expect("hook path has a name")
        .to_os_string();
    name.push(".");
    name.push(suffix);
    hook.with_file_name(name)
}

/// Installs the chosen hooks; returns one sentence per hook.
pub fn install(choice: HookChoice, force: bool) -> Result<String> {
    let done = choice
        .kinds()
        .iter()
        .map(|&kind| install_one(kind, force))
        .collect::<Result<Vec<_>>>()?;
    Ok(done.join("\nleakgate: "))
}

/// Removes the chosen hooks; returns one sentence per hook.
pub fn uninstall(choice: HookChoice) -> Result<String> {
    let done = choice
        .kinds()
        .iter()
        .map(|&kind| uninstall_one(kind))
        .collect::<Result<Vec<_>>>()?;
    Ok(done.join("\nleakgate: "))
}

/// Installs one hook; returns a sentence describing what was done.
fn install_one(kind: HookKind, force: bool) -> Result<String> {
    let dir = hooks_dir()?;
    if let Some(manager) =
        managers::detect(&dir, kind.file_name(), managers::top_level().as_deref())?
    {
        return managers::install(&manager, kind.file_name());
    }
    fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create hooks directory {}", shown(&dir)))?;
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
    write_executable(&hook, kind.shim())?;
    Ok(format!(
        "installed leakgate {} hook at {}{note}",
        kind.file_name(),
        shown(&hook)
    ))
}

/// Removes our hook and restores whatever it replaced.
fn uninstall_one(kind: HookKind) -> Result<String> {
    let dir = hooks_dir()?;
    if let Some(manager) =
        managers::detect(&dir, kind.file_name(), managers::top_level().as_deref())?
    {
        return managers::uninstall(&manager, kind.file_name());
    }
    let hook = dir.join(kind.file_name());
    if !hook.exists() {
        return Ok(format!(
            "no {} hook installed at {}",
            kind.file_name(),
            shown(&hook)
        ));
    }
    if !is_ours(&hook) {
        bail!("{} is not leakgate's hook; leaving it alone", shown(&hook));
    }
    fs::remove_file(&hook).with_context(|| format!("cannot remove {}", shown(&hook)))?;
    for suffix in [CHAINED_SUFFIX, BACKUP_SUFFIX] {
        let previous = sibling(&hook, suffix);
        if previous.exists() {
            fs::rename(&previous, &hook).with_context(|| {
                format!("cannot restore {} to {}", shown(&previous), shown(&hook))
            })?;
            return Ok(format!(
                "removed leakgate's hook and restored the previous {}",
                shown(&hook)
            ));
        }
    }
    Ok(format!("removed leakgate's hook {}", shown(&hook)))
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
