//! `leakgate doctor`: checks that leakgate really protects this repository —
//! its hooks are where git runs hooks, executable, and find a leakgate
//! binary; no global `core.hooksPath` bypasses them; `.gitignore` keeps
//! `.env` and private key files out; and history holds no secrets the
//! baseline has not accepted.
//!
//! Every problem comes with the command that fixes it. Doctor only looks:
//! it never changes hooks, config, files or refs.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use crate::git::Repo;
use crate::hooks::managers::{self, Manager};
use crate::hooks::{self, HookKind};
use crate::scan::{self, BaselineSource, ScanRequest, Target};
use crate::source::history::CommitSelection;

/// The outcome of one check.
enum Status {
    Ok(String),
    Problem {
        what: String,
        /// Shell commands that fix it, in order.
        fixes: Vec<String>,
    },
}

struct Check {
    name: &'static str,
    status: Status,
}

/// Runs every check, prints them, and returns whether all passed.
pub fn run(config: Option<PathBuf>, out: &mut dyn Write) -> Result<bool> {
    let repo = Repo::discover()?;
    let hooks_dir = hooks::hooks_dir()?;
    let mut checks = vec![Check {
        name: "hooks directory",
        status: hooks_path_status(&hooks_dir)?,
    }];
    let mut any_ours = false;
    for kind in HookKind::ALL {
        let path = hooks_dir.join(kind.file_name());
        any_ours |= hooks::is_ours(&path);
        let status = match managers::detect(&hooks_dir, kind.file_name(), repo.workdir()) {
            Ok(Some(manager)) => {
                any_ours = true;
                managed_hook_status(kind, &manager)
            }
            Ok(None) => hook_status(kind, &path),
            Err(err) => Status::Problem {
                what: format!("{err:#}"),
                fixes: Vec::new(),
            },
        };
        checks.push(Check {
            name: kind.file_name(),
            status,
        });
    }
    if any_ours {
        checks.push(Check {
            name: "leakgate binary",
            status: binary_status(),
        });
    }
    checks.push(Check {
        name: ".gitignore",
        status: match repo.workdir() {
            Some(top) => gitignore_status(top)?,
            None => Status::Ok("bare repository: no working tree to protect".into()),
        },
    });
    checks.push(Check {
        name: "history",
        status: history_status(config),
    });

    let top = repo.workdir().unwrap_or_else(|| repo.git_dir());
    let top = top.to_string_lossy();
    // Paths, config values and hook contents come from the repository.
    let safe = crate::path::escape_lines_for_terminal;
    writeln!(out, "leakgate doctor: {}", safe(top.trim_end_matches('/')))?;
    let mut problems = 0;
    for check in &checks {
        match &check.status {
            Status::Ok(note) => writeln!(out, "  ok       {}: {}", check.name, safe(note))?,
            Status::Problem { what, fixes } => {
                problems += 1;
                writeln!(out, "  PROBLEM  {}: {}", check.name, safe(what))?;
                for fix in fixes {
                    writeln!(out, "           fix: {}", safe(fix))?;
                }
            }
        }
    }
    if problems == 0 {
        writeln!(out, "leakgate: all checks passed")?;
    } else {
        writeln!(
            out,
            "leakgate: {problems} problem(s); run the fix commands above, then `leakgate doctor` again"
        )?;
    }
    Ok(problems == 0)
}

/// Where git runs hooks from, and whether a `core.hooksPath` from the
/// global or system config takes the repository's own hooks out of play.
fn hooks_path_status(dir: &Path) -> Result<Status> {
    let output = Command::new("git")
        .args(["config", "--show-scope", "--get", "core.hooksPath"])
        .output()
        .context("cannot run git config (is git installed and on PATH?)")?;
    let text = String::from_utf8_lossy(&output.stdout);
    let Some((scope, value)) = text.trim_end_matches(['\n', '\r']).split_once('\t') else {
        return Ok(Status::Ok(format!("git runs hooks from {}", dir.display())));
    };
    if !matches!(scope, "global" | "system") {
        return Ok(Status::Ok(format!(
            "git runs hooks from {} (core.hooksPath in the {scope} config)",
            dir.display()
        )));
    }
    let ours_there = HookKind::ALL
        .iter()
        .all(|kind| hooks::is_ours(&dir.join(kind.file_name())));
    if ours_there {
        return Ok(Status::Ok(format!(
            "core.hooksPath in your {scope} git config sends every repository to {}, which holds leakgate's hooks",
            dir.display()
        )));
    }
    Ok(Status::Problem {
        what: format!(
            "core.hooksPath = {value} in your {scope} git config: git runs hooks from {} for every repository \
             and ignores this repository's own hooks",
            dir.display()
        ),
        fixes: vec![
            format!("git config --{scope} --unset core.hooksPath"),
            "leakgate install --hook all".into(),
        ],
    })
}

fn hook_status(kind: HookKind, path: &Path) -> Status {
    let install = format!("leakgate install --hook {}", kind.file_name());
    let Ok(text) = std::fs::read(path) else {
        return Status::Problem {
            what: format!("not installed at {}", path.display()),
            fixes: vec![install],
        };
    };
    let ours = hooks::is_ours(path);
    if !ours && memchr::memmem::find(&text, b"leakgate").is_none() {
        return Status::Problem {
            what: format!(
                "{} is another tool's hook and does not run leakgate",
                path.display()
            ),
            fixes: vec![format!(
                "{install}   # keeps that hook and runs it after leakgate"
            )],
        };
    }
    if !is_executable(path) {
        return Status::Problem {
            what: format!(
                "{} is not executable, so git skips it (with a warning)",
                path.display()
            ),
            fixes: vec![format!(
                "chmod +x {}",
                shell_quote(&path.display().to_string())
            )],
        };
    }
    if ours {
        Status::Ok(format!("installed at {}", path.display()))
    } else {
        Status::Ok(format!("{} runs leakgate", path.display()))
    }
}

/// A hook another manager (husky, lefthook) owns: leakgate must be in the
/// file that manager runs for this hook.
fn managed_hook_status(kind: HookKind, manager: &Manager) -> Status {
    let hook = kind.file_name();
    let (name, file, runs_leakgate) = match manager {
        Manager::Husky { scripts } => {
            let script = scripts.join(hook);
            let runs = std::fs::read_to_string(&script).is_ok_and(|t| t.contains("leakgate"));
            ("husky", script, runs)
        }
        Manager::Lefthook { config } => {
            let runs = std::fs::read_to_string(config)
                .is_ok_and(|text| lefthook_hook_mentions_leakgate(&text, hook));
            ("lefthook", config.clone(), runs)
        }
    };
    if runs_leakgate {
        return Status::Ok(format!("runs leakgate through {name} ({})", file.display()));
    }
    let fixes = vec![format!("leakgate install --hook {hook}")];
    Status::Problem {
        what: format!(
            "{name} runs this hook, and {} does not run leakgate",
            file.display()
        ),
        fixes,
    }
}

/// Does the lefthook config's section for `hook` mention leakgate anywhere?
fn lefthook_hook_mentions_leakgate(text: &str, hook: &str) -> bool {
    fn mentions(yaml: &yaml_rust2::Yaml) -> bool {
        use yaml_rust2::Yaml;
        match yaml {
            Yaml::String(s) => s.contains("leakgate"),
            Yaml::Array(items) => items.iter().any(mentions),
            Yaml::Hash(map) => map.iter().any(|(k, v)| mentions(k) || mentions(v)),
            _ => false,
        }
    }
    yaml_rust2::YamlLoader::load_from_str(text)
        .is_ok_and(|docs| docs.iter().any(|doc| mentions(&doc[hook])))
}

fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// The binary leakgate's hooks will run, found the way the shims find it:
/// `leakgate` on PATH, else `${CARGO_HOME:-$HOME/.cargo}/bin/leakgate`.
fn hook_binary() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .filter(|dir| !dir.as_os_str().is_empty())
            .map(|dir| dir.join("leakgate"))
            .find(|candidate| is_executable(candidate))
    });
    on_path.or_else(|| {
        let cargo_home = std::env::var_os("CARGO_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
        let candidate = cargo_home.join("bin").join("leakgate");
        is_executable(&candidate).then_some(candidate)
    })
}

fn binary_status() -> Status {
    match hook_binary() {
        Some(path) => Status::Ok(format!("the hooks run {}", path.display())),
        None => Status::Problem {
            what: "the hooks call `leakgate`, but it is neither on PATH nor in ~/.cargo/bin, \
                   so every commit and push is blocked"
                .into(),
            fixes: vec![
                "./install.sh   # from a leakgate checkout".into(),
                "cargo install --path <leakgate checkout> --locked   # or this".into(),
            ],
        },
    }
}

/// File names that should never be committed, each with the `.gitignore`
/// patterns that keep it out.
const MUST_BE_IGNORED: &[(&str, &[&str])] = &[
    (".env", &[".env"]),
    (".env.local", &[".env.*", "!.env.example"]),
    ("id_rsa", &["id_rsa"]),
    ("id_ecdsa", &["id_ecdsa"]),
    ("id_ed25519", &["id_ed25519"]),
    ("server.key", &["*.key"]),
];

/// Asks git itself (`git check-ignore`) whether each name is ignored, so
/// every ignore source and negation counts as git would count it.
fn gitignore_status(top: &Path) -> Result<Status> {
    let output = Command::new("git")
        .current_dir(top)
        .args(["check-ignore", "--no-index", "--"])
        .args(MUST_BE_IGNORED.iter().map(|(name, _)| name))
        .output()
        .context("cannot run git check-ignore (is git installed and on PATH?)")?;
    if !matches!(output.status.code(), Some(0 | 1)) {
        anyhow::bail!(
            "git check-ignore failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let ignored: Vec<&str> = stdout.lines().collect();
    let missing: Vec<&(&str, &[&str])> = MUST_BE_IGNORED
        .iter()
        .filter(|(name, _)| !ignored.contains(name))
        .collect();
    if missing.is_empty() {
        return Ok(Status::Ok(".env and private key files are ignored".into()));
    }
    let names: Vec<&str> = missing.iter().map(|(name, _)| *name).collect();
    let patterns: Vec<String> = missing
        .iter()
        .flat_map(|(_, patterns)| patterns.iter())
        .map(|p| shell_quote(p))
        .collect();
    Ok(Status::Problem {
        what: format!(
            "not ignored, so `git add .` would stage them: {}",
            names.join(", ")
        ),
        fixes: vec![format!(
            "printf '%s\\n' {} >> {}",
            patterns.join(" "),
            shell_quote(&top.join(".gitignore").display().to_string())
        )],
    })
}

/// Scans every ref's history, leaving out what the baseline accepts.
fn history_status(config: Option<PathBuf>) -> Status {
    let scanned = scan::run(&ScanRequest {
        target: Target::History(CommitSelection::all_refs()),
        config,
        baseline: BaselineSource::Repository,
        progress: true,
    });
    let report = match scanned {
        Ok(report) => report,
        Err(err) => {
            return Status::Problem {
                what: format!("cannot scan history: {err:#}"),
                fixes: vec!["leakgate scan --history   # shows the same error; fix it, then run doctor again".into()],
            };
        }
    };
    let commits = report.commits.unwrap_or(0);
    let accepted = if report.baselined > 0 {
        format!(" ({} accepted by the baseline)", report.baselined)
    } else {
        String::new()
    };
    if report.findings.is_empty() {
        return Status::Ok(format!("no secrets in {commits} commit(s){accepted}"));
    }
    let mut paths: Vec<String> = report.findings.iter().map(|f| f.path.to_string()).collect();
    paths.dedup();
    Status::Problem {
        what: format!(
            "{} secret(s) in {commits} commit(s){accepted}, in {}",
            report.findings.len(),
            paths.join(", ")
        ),
        fixes: vec![
            "leakgate scan --history   # shows each with the commit that added it; rotate them"
                .into(),
            "leakgate baseline         # then accept the ones already in history".into(),
        ],
    }
}

/// Quotes a word for a POSIX shell, leaving plain words as they are.
fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_./-=:,+@%".contains(&b));
    if plain {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quote_leaves_plain_words_and_quotes_the_rest() {
        assert_eq!(shell_quote("/repo/.gitignore"), "/repo/.gitignore");
        assert_eq!(shell_quote("*.key"), "'*.key'");
        assert_eq!(shell_quote("my repo/x"), "'my repo/x'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote("!.env.example"), "'!.env.example'");
    }
}
