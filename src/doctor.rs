//! `leakgate doctor`: checks that leakgate really protects this repository —
//! its hooks are where git runs hooks, executable, and find a leakgate
//! binary; no global `core.hooksPath` bypasses them; `.gitignore` keeps
//! `.env` and private key files out; and history holds no secrets the
//! baseline has not accepted.
//!
//! Every finding is either a problem (the scan does not run, or history
//! holds secrets: exit 1) or a recommendation (protection that would be
//! better, such as a `.gitignore` entry or the pre-push hook: exit 0), and
//! each comes with the command that fixes it. Doctor only looks: it never
//! changes hooks, config, files or refs.

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
    /// leakgate does not protect the repository as it should: exit 1.
    Problem {
        what: String,
        /// Shell commands that fix it, in order.
        fixes: Vec<String>,
    },
    /// Protection would be better, but nothing gets through: exit 0.
    Advice {
        what: String,
        /// Shell commands that follow the advice, in order.
        fixes: Vec<String>,
    },
}

/// How many items of a list a check prints, one per line.
const LIST_LIMIT: usize = 5;

/// The items one per line, indented, at most [`LIST_LIMIT`] of them and a
/// count of the rest.
fn list(items: &[String]) -> String {
    let mut out = String::new();
    for item in items.iter().take(LIST_LIMIT) {
        out.push_str("\n             ");
        out.push_str(item);
    }
    if items.len() > LIST_LIMIT {
        out.push_str(&format!(
            "\n             and {} more",
            items.len() - LIST_LIMIT
        ));
    }
    out
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
    let kinds: &[HookKind] = if repo.workdir().is_none() {
        &[HookKind::PreReceive]
    } else {
        &HookKind::CLIENT
    };
    for &kind in kinds {
        let path = hooks_dir.join(kind.file_name());
        any_ours |= hooks::is_ours(&path);
        let status = match client_hook_status(kind, &hooks_dir, repo.workdir()) {
            Ok((status, managed)) => {
                any_ours |= managed;
                weigh(kind, status)
            }
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
            status: binary_status(
                Some(hooks_dir.join(HookKind::PreCommit.file_name()).as_path())
                    .filter(|p| hooks::is_ours(p)),
            ),
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
    let (mut problems, mut advice) = (0, 0);
    for check in &checks {
        let (label, what, fixes) = match &check.status {
            Status::Ok(note) => {
                writeln!(out, "  ok       {}: {}", check.name, safe(note))?;
                continue;
            }
            Status::Problem { what, fixes } => {
                problems += 1;
                ("PROBLEM", what, fixes)
            }
            Status::Advice { what, fixes } => {
                advice += 1;
                ("advice ", what, fixes)
            }
        };
        writeln!(out, "  {label}  {}: {}", check.name, safe(what))?;
        for fix in fixes {
            writeln!(out, "           fix: {}", safe(fix))?;
        }
    }
    let recommended = match advice {
        0 => String::new(),
        n => format!(
            "; {n} recommendation(s) (\"advice\": worth doing, but nothing gets through without it)"
        ),
    };
    if problems == 0 {
        writeln!(out, "leakgate: all checks passed{recommended}")?;
    } else {
        writeln!(
            out,
            "leakgate: {problems} problem(s){recommended}; run the fix commands above, then `leakgate doctor` again"
        )?;
    }
    Ok(problems == 0)
}

/// Where git runs hooks from, and whether a `core.hooksPath` from the
/// global or system config takes the repository's own hooks out of play.
fn hooks_path_status(dir: &Path) -> Result<Status> {
    let output = crate::git::command(&["config", "--show-scope", "--get", "core.hooksPath"])
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
    let ours_there = [HookKind::PreCommit]
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

/// One hook's status, and whether leakgate's own lines run in it through a
/// manager (so the binary check applies).
fn client_hook_status(
    kind: HookKind,
    hooks_dir: &Path,
    top: Option<&Path>,
) -> Result<(Status, bool)> {
    let hook = kind.file_name();
    let path = hooks_dir.join(hook);
    if let Some(top) = top
        && is_pre_commit_framework_hook(&path)
    {
        return Ok((pre_commit_framework_status(kind, top), false));
    }
    let Some(manager) = managers::detect(hooks_dir, hook, top)? else {
        return Ok((hook_status(kind, &path), false));
    };
    if let Manager::Lefthook { config } = &manager
        && !managers::runs_lefthook(&path)
    {
        // lefthook is in use but its hook is not installed (yet): what runs
        // is the hook in place, until `lefthook install` replaces it.
        let runs = std::fs::read_to_string(config)
            .is_ok_and(|text| managers::lefthook_runs_leakgate(&text, hook));
        let status = hook_status(kind, &path);
        if runs || !matches!(status, Status::Ok(_)) {
            return Ok((status, runs));
        }
        return Ok((
            Status::Problem {
                what: format!(
                    "{} is in use, and the next `lefthook install` renames {} to {hook}.old, which nothing runs; \
                     leakgate is not in {}'s {hook} section",
                    config.display(),
                    path.display(),
                    config.display()
                ),
                fixes: vec![format!("leakgate install --hook {hook}")],
            },
            false,
        ));
    }
    let status = managed_hook_status(kind, &manager, &path);
    let runs = matches!(status, Status::Ok(_));
    Ok((status, runs))
}

/// pre-commit (and pre-receive on a server) is what keeps secrets out;
/// commit-msg and pre-push add to it, so their trouble is advice.
fn weigh(kind: HookKind, status: Status) -> Status {
    match (kind, status) {
        (HookKind::CommitMsg | HookKind::PrePush, Status::Problem { what, fixes }) => {
            Status::Advice { what, fixes }
        }
        (_, status) => status,
    }
}

/// A hook that `pre-commit install` wrote (the pre-commit framework).
fn is_pre_commit_framework_hook(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| t.contains("File generated by pre-commit"))
}

/// The pre-commit framework runs this hook: leakgate must be one of the
/// hooks in `.pre-commit-config.yaml` for this stage. Installing
/// leakgate's own hook beside it would run leakgate twice.
fn pre_commit_framework_status(kind: HookKind, top: &Path) -> Status {
    let hook = kind.file_name();
    let config = top.join(".pre-commit-config.yaml");
    let text = std::fs::read_to_string(&config).unwrap_or_default();
    if pre_commit_config_runs_leakgate(&text, hook) {
        return Status::Ok(format!(
            "runs leakgate through the pre-commit framework ({})",
            config.display()
        ));
    }
    let (level_problem, why) = match kind {
        HookKind::PreCommit => (true, "so staged secrets are not scanned"),
        _ => (false, "so this hook does not scan for secrets"),
    };
    let what = format!(
        "the pre-commit framework runs this hook, and {} has no leakgate hook for the {hook} stage, {why}",
        config.display()
    );
    let fixes = vec![format!(
        "add `- id: leakgate-system` (stages: [{hook}]) to {} (see leakgate's README), then `pre-commit install --hook-type {hook}`",
        config.display()
    )];
    if level_problem {
        Status::Problem { what, fixes }
    } else {
        Status::Advice { what, fixes }
    }
}

/// Does a `.pre-commit-config.yaml` run leakgate at `stage`? A hook whose
/// id or entry names leakgate, with no `stages` (every stage) or with
/// `stage` among them.
fn pre_commit_config_runs_leakgate(text: &str, stage: &str) -> bool {
    let Ok(docs) = yaml_rust2::YamlLoader::load_from_str(text) else {
        return false;
    };
    let Some(repos) = docs.first().and_then(|d| d["repos"].as_vec()) else {
        return false;
    };
    repos
        .iter()
        .filter_map(|repo| repo["hooks"].as_vec())
        .flatten()
        .any(|hook| {
            let names_leakgate = ["id", "entry"]
                .iter()
                .any(|key| hook[*key].as_str().is_some_and(|v| v.contains("leakgate")));
            let at_stage = match hook["stages"].as_vec() {
                None => true,
                Some(stages) => stages.iter().any(|s| {
                    let s = s.as_str().unwrap_or("");
                    // pre-commit < 3.2 named the pre-commit stage `commit`.
                    s == stage || (stage == "pre-commit" && s == "commit")
                }),
            };
            names_leakgate && at_stage
        })
}

fn hook_status(kind: HookKind, path: &Path) -> Status {
    let install = format!("leakgate install --hook {}", kind.file_name());
    let Ok(text) = std::fs::read(path) else {
        let old = hooks::sibling(path, hooks::LEFTHOOK_OLD_SUFFIX);
        let what = if hooks::is_ours(&old) {
            format!(
                "leakgate's hook was renamed to {}, which git never runs",
                old.display()
            )
        } else {
            format!("not installed at {}", path.display())
        };
        return match kind {
            HookKind::PreCommit | HookKind::PreReceive => Status::Problem {
                what,
                fixes: vec![install],
            },
            HookKind::CommitMsg | HookKind::PrePush => Status::Advice {
                what: format!(
                    "{what}; it would catch {}",
                    if kind == HookKind::PrePush {
                        "commits made with --no-verify before they leave the machine"
                    } else {
                        "secrets pasted into commit messages"
                    }
                ),
                fixes: vec![install],
            },
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
fn managed_hook_status(kind: HookKind, manager: &Manager, path: &Path) -> Status {
    let hook = kind.file_name();
    let (name, file, runs_leakgate) = match manager {
        Manager::Husky { scripts } => {
            let script = scripts.join(hook);
            let runs = std::fs::read_to_string(&script).is_ok_and(|t| t.contains("leakgate"));
            ("husky", script, runs)
        }
        Manager::Lefthook { config } => {
            let runs = std::fs::read_to_string(config)
                .is_ok_and(|text| managers::lefthook_runs_leakgate(&text, hook));
            ("lefthook", config.clone(), runs)
        }
    };
    if runs_leakgate {
        return Status::Ok(format!("runs leakgate through {name} ({})", file.display()));
    }
    let old = hooks::sibling(path, hooks::LEFTHOOK_OLD_SUFFIX);
    let renamed = if hooks::is_ours(&old) {
        format!(
            "; leakgate's own hook was renamed to {}, which {name} never runs",
            old.display()
        )
    } else {
        String::new()
    };
    let fixes = vec![format!("leakgate install --hook {hook}")];
    let what = format!(
        "{name} runs this hook, and {} does not run leakgate{renamed}",
        file.display()
    );
    match kind {
        HookKind::PreCommit | HookKind::PreReceive => Status::Problem { what, fixes },
        HookKind::CommitMsg | HookKind::PrePush => Status::Advice { what, fixes },
    }
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
/// `leakgate` on PATH, else the binary that installed the hook (its path is
/// written into the shim), else `$CARGO_INSTALL_ROOT/bin/leakgate`, else
/// `${CARGO_HOME:-$HOME/.cargo}/bin/leakgate`. Like the shims, it takes
/// the first that exists, whether it works or not.
fn hook_binary(shim: Option<&Path>) -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .filter(|dir| !dir.as_os_str().is_empty())
            .map(|dir| dir.join("leakgate"))
            .find(|candidate| is_executable(candidate))
    });
    let installed_by = shim
        .and_then(|shim| std::fs::read_to_string(shim).ok())
        .and_then(|text| {
            text.lines()
                .find_map(|l| l.strip_prefix("leakgate_installed_by='"))
                .and_then(|rest| rest.strip_suffix('\''))
                .filter(|p| !p.is_empty() && !p.contains('\''))
                .map(PathBuf::from)
        });
    let env_dir = |var: &str| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let install_root = env_dir("CARGO_INSTALL_ROOT").map(|root| root.join("bin/leakgate"));
    let cargo_home = env_dir("CARGO_HOME")
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|home| home.join("bin/leakgate"));
    on_path
        .into_iter()
        .chain(installed_by)
        .chain(install_root)
        .chain(cargo_home)
        .find(|candidate| candidate.exists())
}

/// Does the binary answer the hooks' handshake?
fn answers_handshake(binary: &Path) -> bool {
    Command::new(binary)
        .arg("hook-handshake")
        .output()
        .is_ok_and(|out| {
            out.status.success()
                && String::from_utf8_lossy(&out.stdout).trim_end() == hooks::HANDSHAKE
        })
}

fn binary_status(shim: Option<&Path>) -> Status {
    let fixes = vec![
        "./install.sh   # from a leakgate checkout".into(),
        "cargo install --path <leakgate checkout> --locked --force   # or this".into(),
    ];
    match hook_binary(shim) {
        Some(path) if answers_handshake(&path) => {
            Status::Ok(format!("the hooks run {}", path.display()))
        }
        Some(path) => Status::Problem {
            what: format!(
                "the hooks would run {}, which is not a working leakgate (empty, truncated, not executable \
                 or another program), so every commit and push is blocked",
                path.display()
            ),
            fixes,
        },
        None => Status::Problem {
            what: "the hooks call `leakgate`, but it is neither on PATH, nor where it was installed from, \
                   nor in $CARGO_INSTALL_ROOT/bin or ~/.cargo/bin, so every commit and push is blocked"
                .into(),
            fixes,
        },
    }
}

/// Local secret files that `git add .` should not pick up, each with the
/// `.gitignore` patterns that keep it out. Private key files are not
/// here: few repositories have any reason to ignore them, and leakgate's
/// file-name rules block them at commit time anyway.
const SHOULD_BE_IGNORED: &[(&str, &[&str])] = &[
    (".env", &[".env"]),
    (".env.local", &[".env.*", "!.env.example"]),
];

/// Asks git itself (`git check-ignore`) whether each name is ignored, so
/// every ignore source and negation counts as git would count it. Names
/// that are not ignored are advice, not a problem: leakgate's file-name
/// rules block a staged `.env` whatever `.gitignore` says.
fn gitignore_status(top: &Path) -> Result<Status> {
    let output = crate::git::command(&["check-ignore", "--no-index", "--"])
        .current_dir(top)
        .args(SHOULD_BE_IGNORED.iter().map(|(name, _)| name))
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
    let missing: Vec<&(&str, &[&str])> = SHOULD_BE_IGNORED
        .iter()
        .filter(|(name, _)| !ignored.contains(name))
        .collect();
    if missing.is_empty() {
        return Ok(Status::Ok(".env files are ignored".into()));
    }
    let names: Vec<&str> = missing.iter().map(|(name, _)| *name).collect();
    let patterns: Vec<String> = missing
        .iter()
        .flat_map(|(_, patterns)| patterns.iter())
        .map(|p| shell_quote(p))
        .collect();
    Ok(Status::Advice {
        what: format!(
            "not ignored, so `git add .` would stage them (and leakgate would then block the commit): {}",
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
    paths.sort();
    paths.dedup();
    Status::Problem {
        what: format!(
            "{} secret(s) in {commits} commit(s){accepted}, in {} file(s):{}",
            report.findings.len(),
            paths.len(),
            list(&paths)
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
