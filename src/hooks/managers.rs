//! Other hook managers that own a repository's hooks: husky (through
//! `core.hooksPath`) and lefthook (through its own generated hooks). Their
//! generated hooks are never replaced; leakgate adds itself to the file the
//! team edits — husky's `.husky/<hook>` script, lefthook's `lefthook.yml` —
//! inside marked lines, and `uninstall` removes exactly those lines.
//!
//! Edits are textual, so comments and layout survive. A lefthook edit is
//! checked by parsing the file before and after: when the result is not
//! the original plus leakgate's command, nothing is written and the user is
//! given the snippet to add by hand. This module never changes git config.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use yaml_rust2::{Yaml, YamlLoader};

/// First and last line of everything leakgate adds to another manager's
/// file (both are comments in shell and in YAML).
const BEGIN: &str =
    "# >>> leakgate (added by `leakgate install`; `leakgate uninstall` removes this block)";
const END: &str = "# <<< leakgate";

/// The shebang of a husky script leakgate had to create.
const SHEBANG: &str = "#!/usr/bin/env sh\n";

/// The lefthook config names lefthook reads, in its order of preference.
const LEFTHOOK_CONFIGS: &[&str] = &[
    "lefthook.yml",
    ".lefthook.yml",
    "lefthook.yaml",
    ".lefthook.yaml",
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Manager {
    /// husky: `core.hooksPath` is `.husky/_` (v9) or `.husky` (v5–v8); the
    /// scripts the team writes live in `.husky/`.
    Husky { scripts: PathBuf },
    /// lefthook: its hook runs `lefthook run <hook>`, which reads `config`.
    Lefthook { config: PathBuf },
}

/// Does the hook at `path` run lefthook (a hook `lefthook install` wrote)?
pub fn runs_lefthook(path: &Path) -> bool {
    fs::read_to_string(path).is_ok_and(|text| text.contains("lefthook"))
}

/// lefthook's config at the top of the working tree, if there is one.
pub fn lefthook_config(top: &Path) -> Option<PathBuf> {
    LEFTHOOK_CONFIGS
        .iter()
        .map(|name| top.join(name))
        .find(|path| path.is_file())
}

/// Is lefthook a dependency of the project (`package.json` names it)? Its
/// npm package installs its hooks when the project's packages are
/// installed, so it will take the hooks over even if it has not yet.
fn lefthook_in_package_json(top: &Path) -> bool {
    let Ok(text) = fs::read_to_string(top.join("package.json")) else {
        return false;
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(&text) else {
        return false;
    };
    ["dependencies", "devDependencies", "optionalDependencies"]
        .iter()
        .any(|section| {
            json[section].as_object().is_some_and(|deps| {
                deps.keys()
                    .any(|k| k == "lefthook" || k == "@evilmartians/lefthook")
            })
        })
}

/// Which manager, if any, owns `hook` in `hooks_dir` (where git runs hooks
/// from); `top` is the working tree's top, where lefthook keeps its config.
///
/// lefthook is in use when its hook is installed, when its config is at
/// the top of the working tree (even one of comments only, as its template
/// writes), or when `package.json` depends on it: any later `lefthook
/// install` renames the hooks it finds to `<hook>.old` and never runs them,
/// so leakgate must be in lefthook's config to keep running.
pub fn detect(hooks_dir: &Path, hook: &str, top: Option<&Path>) -> Result<Option<Manager>> {
    let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
    if name(hooks_dir).as_deref() == Some(".husky") {
        return Ok(Some(Manager::Husky {
            scripts: hooks_dir.to_path_buf(),
        }));
    }
    if name(hooks_dir).as_deref() == Some("_")
        && let Some(parent) = hooks_dir.parent()
        && name(parent).as_deref() == Some(".husky")
    {
        return Ok(Some(Manager::Husky {
            scripts: parent.to_path_buf(),
        }));
    }
    let installed = hooks_dir.join(hook);
    let config = top.and_then(lefthook_config);
    let in_use =
        runs_lefthook(&installed) || config.is_some() || top.is_some_and(lefthook_in_package_json);
    if !in_use {
        return Ok(None);
    }
    match config {
        Some(config) => Ok(Some(Manager::Lefthook { config })),
        None => bail!(
            "lefthook runs this repository's hooks ({}), but there is no lefthook.yml at the top of the repository.\n\
             Add this to your lefthook config, then run `lefthook install`:\n\n{}",
            if runs_lefthook(&installed) {
                format!("{} runs it", installed.display())
            } else {
                "package.json depends on it".to_string()
            },
            lefthook_snippet(hook, &command_for(hook)?)
        ),
    }
}

/// The top of the working tree, where lefthook keeps its config; `None` in
/// a bare repository.
pub fn top_level() -> Option<PathBuf> {
    let output = crate::git::command(&["rev-parse", "--show-toplevel"])
        .output()
        .ok()?;
    let top = String::from_utf8(output.stdout).ok()?;
    let top = top.trim_end_matches(['\n', '\r']);
    (output.status.success() && !top.is_empty()).then(|| PathBuf::from(top))
}

/// What leakgate's part of a managed hook runs.
#[derive(Debug, Clone)]
struct ManagedCommand {
    /// The arguments after `leakgate` in a husky script, which git's
    /// arguments and stdin reach.
    shell_args: &'static str,
    /// The same for lefthook's `run:`, where `{1} {2}` are git's arguments.
    lefthook_args: &'static str,
    /// lefthook hands a hook's stdin to a command only when asked.
    lefthook_use_stdin: bool,
    /// What the hook guards, for the message when no leakgate is found.
    guards: &'static str,
}

/// The shell leakgate adds to another manager's file, one command a line:
/// it finds the binary as leakgate's own hooks do (PATH, then where `cargo
/// install` puts it), runs `leakgate ARGS` with the handshake answered on
/// descriptor 3 as the shims do ([`crate::hooks::HANDSHAKE`]; a binary that
/// does not answer there is asked apart), and blocks unless the handshake
/// came back, so a missing, empty or truncated binary never lets anything
/// through. Then it stops the hook with leakgate's exit code unless that is
/// 0, so the manager's other commands run after a pass. The status is
/// taken in an `&&`/`||` list because husky runs scripts with `sh -e`,
/// which would end the script at a failing assignment before the check.
fn run_checked(args: &str, guards: &str) -> [String; 4] {
    let handshake = crate::hooks::HANDSHAKE;
    [
        "l=$(command -v leakgate || echo \"${CARGO_INSTALL_ROOT:-${CARGO_HOME:-$HOME/.cargo}}/bin/leakgate\")"
            .to_string(),
        format!(
            "exec 4>&1; a=$({}=3 \"$l\" {args} 3>&1 1>&4 4>&-) && s=0 || s=$?; exec 4>&-",
            crate::hooks::HANDSHAKE_FD_VARIABLE
        ),
        format!(
            "[ \"$a\" = {handshake} ] || [ \"$(\"$l\" hook-handshake 2>/dev/null)\" = {handshake} ] || \
             {{ echo \"leakgate: no working leakgate binary (looked for $l), so this {guards} is blocked; install it (see leakgate's README) and try again.\" >&2; exit 2; }}"
        ),
        "[ \"$s\" -eq 0 ] || exit \"$s\"".to_string(),
    ]
}

impl ManagedCommand {
    /// lefthook's `run:` value: [`run_checked`] on one line.
    fn lefthook_run(&self) -> String {
        run_checked(self.lefthook_args, self.guards).join("; ")
    }

    /// The keys of leakgate's lefthook command, in order, as YAML.
    fn lefthook_fields(&self) -> Vec<String> {
        let run = self.lefthook_run().replace('\'', "''");
        let mut fields = vec![format!("run: '{run}'")];
        if self.lefthook_use_stdin {
            fields.push("use_stdin: true".to_string());
        }
        fields
    }
}

fn command_for(hook: &str) -> Result<ManagedCommand> {
    match hook {
        // `--` so that no file name can be taken for an option.
        "pre-commit" => Ok(ManagedCommand {
            shell_args: "scan",
            lefthook_args: "scan",
            lefthook_use_stdin: false,
            guards: "commit",
        }),
        // git gives commit-msg the message file as its one argument.
        "commit-msg" => Ok(ManagedCommand {
            shell_args: "scan --commit-msg \"$1\"",
            lefthook_args: "scan --commit-msg {1}",
            lefthook_use_stdin: false,
            guards: "commit",
        }),
        // git gives pre-push the remote's name and URL as arguments and the
        // pushed refs on stdin; leakgate needs all three.
        "pre-push" => Ok(ManagedCommand {
            shell_args: "scan --pre-push \"$@\"",
            lefthook_args: "scan --pre-push {1} {2}",
            lefthook_use_stdin: true,
            guards: "push",
        }),
        other => Err(anyhow!(
            "leakgate cannot add a {other} hook to another hook manager yet; \
             install it without the manager or add it to the manager's config by hand"
        )),
    }
}

/// Adds leakgate to the manager's config; returns what was done.
pub fn install(manager: &Manager, hook: &str) -> Result<String> {
    let command = command_for(hook)?;
    match manager {
        Manager::Husky { scripts } => husky_install(&scripts.join(hook), &command),
        Manager::Lefthook { config } => lefthook_install(config, hook, &command),
    }
}

/// Removes what [`install`] added; returns what was done, or `None` when
/// leakgate was not in the manager's file for `hook`.
pub fn uninstall(manager: &Manager, hook: &str) -> Result<Option<String>> {
    match manager {
        Manager::Husky { scripts } => husky_uninstall(&scripts.join(hook)),
        Manager::Lefthook { config } => lefthook_uninstall(config, hook),
    }
}

fn read_optional(path: &Path) -> Result<Option<String>> {
    match fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Writes `text` keeping the file's permissions; a new file is executable.
fn write_keeping_mode(path: &Path, text: &str, existed: bool) -> Result<()> {
    fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
    #[cfg(unix)]
    if !existed {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(0o755))
            .with_context(|| format!("cannot make {} executable", path.display()))?;
    }
    Ok(())
}

/// leakgate's lines in a husky script. They find the binary the way
/// leakgate's own hook does, and block with a clear message without a
/// working one.
fn husky_block(command: &ManagedCommand) -> String {
    let lines = run_checked(command.shell_args, command.guards);
    format!("{BEGIN}\n{}\n{END}\n", lines.join("\n"))
}

/// Where leakgate's lines go in a husky script: after the shebang, comments
/// and husky's own set-up line (husky v5–v8 re-run the script from
/// `husky.sh`, so anything above it would run twice), before any command.
fn husky_insertion_offset(text: &str) -> usize {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.contains("husky.sh") {
            offset += line.len();
        } else {
            break;
        }
    }
    offset
}

fn husky_install(script: &Path, command: &ManagedCommand) -> Result<String> {
    let existing = read_optional(script)?;
    if existing.as_deref().is_some_and(|text| text.contains(BEGIN)) {
        return Ok(format!(
            "leakgate is already in husky's {}",
            script.display()
        ));
    }
    let block = husky_block(command);
    let text = match &existing {
        Some(text) => {
            let at = husky_insertion_offset(text);
            let mut text = text.clone();
            if at == text.len() && !text.is_empty() && !text.ends_with('\n') {
                text.push('\n');
            }
            let at = at.min(text.len());
            text.insert_str(at, &block);
            text
        }
        None => format!("{SHEBANG}{block}"),
    };
    if let Some(dir) = script.parent() {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    write_keeping_mode(script, &text, existing.is_some())?;
    let when = match command.guards {
        "push" => "before every push",
        _ => "at every commit",
    };
    Ok(format!(
        "added leakgate to husky's {} (husky runs it {when}; commit that file so the whole team does)",
        script.display()
    ))
}

fn husky_uninstall(script: &Path) -> Result<Option<String>> {
    let Some(text) = read_optional(script)? else {
        return Ok(None);
    };
    let Some(rest) = remove_block(&text) else {
        return Ok(None);
    };
    if rest == SHEBANG || rest.is_empty() {
        fs::remove_file(script).with_context(|| format!("cannot remove {}", script.display()))?;
        return Ok(Some(format!(
            "removed husky's {}, which only ran leakgate",
            script.display()
        )));
    }
    write_keeping_mode(script, &rest, true)?;
    Ok(Some(format!(
        "removed leakgate from husky's {}",
        script.display()
    )))
}

/// The text without leakgate's marked lines, or `None` if it has none.
fn remove_block(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut inside = false;
    let mut found = false;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if !inside && trimmed == BEGIN {
            inside = true;
            found = true;
        } else if inside && trimmed == END {
            inside = false;
        } else if !inside {
            out.push_str(line);
        }
    }
    found.then_some(out)
}

/// The text without leakgate's marked lines for `hook` (a lefthook config
/// holds one block per hook), or `None` if it has none. A block belongs to
/// the top-level section it sits in, or, when it starts a section of its
/// own, to the section it opens.
fn remove_hook_block(text: &str, hook: &str) -> Option<String> {
    let key_of = |line: &str| {
        let line = line.trim().trim_start_matches(['"', '\'']);
        line.split([':', '"', '\''])
            .next()
            .unwrap_or("")
            .to_string()
    };
    let mut out = String::with_capacity(text.len());
    let mut section = String::new();
    let mut block: Option<(String, Option<String>)> = None;
    let mut found = false;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim();
        if let Some((lines, owner)) = &mut block {
            lines.push_str(line);
            if owner.is_none() && !is_blank_or_comment(line) {
                *owner = Some(key_of(line));
            }
            if trimmed == END {
                let (lines, owner) = block.take().expect("inside a block");
                if owner.as_deref() == Some(hook) {
                    found = true;
                } else {
                    out.push_str(&lines);
                }
            }
            continue;
        }
        if trimmed == BEGIN {
            let owner = (indent_of(line) != Some(0)).then(|| section.clone());
            block = Some((line.to_string(), owner));
            continue;
        }
        if !is_blank_or_comment(line) && indent_of(line) == Some(0) {
            section = key_of(line);
        }
        out.push_str(line);
    }
    if let Some((lines, _)) = block {
        out.push_str(&lines);
    }
    found.then_some(out)
}

/// Does the lefthook config's section for `hook` mention leakgate anywhere
/// (as a command, a job, or a script)?
pub fn lefthook_runs_leakgate(text: &str, hook: &str) -> bool {
    fn mentions(yaml: &Yaml) -> bool {
        match yaml {
            Yaml::String(s) => s.contains("leakgate"),
            Yaml::Array(items) => items.iter().any(mentions),
            Yaml::Hash(map) => map.iter().any(|(k, v)| mentions(k) || mentions(v)),
            _ => false,
        }
    }
    YamlLoader::load_from_str(text).is_ok_and(|docs| docs.iter().any(|doc| mentions(&doc[hook])))
}

fn lefthook_section_has_leakgate(text: &str, hook: &str) -> bool {
    lefthook_runs_leakgate(text, hook)
}

/// What to add to a lefthook config by hand.
fn lefthook_snippet(hook: &str, command: &ManagedCommand) -> String {
    let mut out = format!("{hook}:\n  commands:\n    leakgate:\n");
    for field in command.lefthook_fields() {
        out.push_str(&format!("      {field}\n"));
    }
    out
}

fn lefthook_install(config: &Path, hook: &str, command: &ManagedCommand) -> Result<String> {
    let text =
        fs::read_to_string(config).with_context(|| format!("cannot read {}", config.display()))?;
    if lefthook_section_has_leakgate(&text, hook) {
        return Ok(format!(
            "leakgate is already in the {hook} section of {}",
            config.display()
        ));
    }
    let edited = lefthook_insert(&text, hook, command)
        .and_then(|edited| verify_lefthook_edit(&text, &edited, hook, command).map(|()| edited));
    match edited {
        Ok(edited) => {
            write_keeping_mode(config, &edited, true)?;
            Ok(format!(
                "added a leakgate command to the {hook} section of {} (lefthook runs it; commit that file so the whole team does)",
                config.display()
            ))
        }
        Err(reason) => bail!(
            "cannot safely edit {}: {reason}.\nNothing was changed. Add this to the {hook} section yourself:\n\n{}",
            config.display(),
            lefthook_snippet(hook, command)
        ),
    }
}

fn lefthook_uninstall(config: &Path, hook: &str) -> Result<Option<String>> {
    let text =
        fs::read_to_string(config).with_context(|| format!("cannot read {}", config.display()))?;
    let Some(rest) = remove_hook_block(&text, hook) else {
        return Ok(None);
    };
    if let Err(reason) = parse_yaml(&rest) {
        bail!(
            "removing leakgate's lines from {} would leave it unreadable ({reason}); nothing was changed. \
             Remove the leakgate command from its {hook} section yourself",
            config.display()
        );
    }
    write_keeping_mode(config, &rest, true)?;
    Ok(Some(format!(
        "removed the leakgate command from the {hook} section of {}",
        config.display()
    )))
}

/// Indentation of a line in spaces, or `None` for a tab (YAML forbids tabs
/// there, and guessing would be unsafe).
fn indent_of(line: &str) -> Option<usize> {
    let spaces = line.len() - line.trim_start_matches(' ').len();
    (!line[spaces..].starts_with('\t')).then_some(spaces)
}

fn is_blank_or_comment(line: &str) -> bool {
    let trimmed = line.trim();
    trimmed.is_empty() || trimmed.starts_with('#')
}

/// `key:` alone on a line (a trailing comment allowed): the start of a
/// block mapping or sequence under `key`.
fn is_block_key(line: &str, key: &str) -> bool {
    let Some(rest) = line.trim_start().strip_prefix(key) else {
        return false;
    };
    let Some(rest) = rest.strip_prefix(':') else {
        return false;
    };
    let rest = rest.trim();
    rest.is_empty() || rest.starts_with('#')
}

/// Inserts leakgate's command into `hook`'s `commands` (creating either
/// when missing), or, in lefthook 2's style, as the first of its `jobs`;
/// as marked lines, indented like their neighbours.
fn lefthook_insert(text: &str, hook: &str, command: &ManagedCommand) -> Result<String, String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let top_level: Vec<usize> = (0..lines.len())
        .filter(|&i| !is_blank_or_comment(lines[i]) && indent_of(lines[i]) == Some(0))
        .collect();
    let mentions_hook = |line: &str| {
        let line = line.trim_start_matches(['"', '\'']);
        line.starts_with(hook)
            && line[hook.len()..]
                .trim_start_matches(['"', '\''])
                .starts_with(':')
    };
    let sections: Vec<usize> = top_level
        .iter()
        .copied()
        .filter(|&i| mentions_hook(lines[i]))
        .collect();
    let block = |indent: usize, unit: usize, with_commands: bool| {
        let pad = |n: usize| " ".repeat(n);
        let mut out = format!("{}{BEGIN}\n", pad(indent));
        let mut at = indent;
        if with_commands {
            out.push_str(&format!("{}commands:\n", pad(at)));
            at += unit;
        }
        out.push_str(&format!("{}leakgate:\n", pad(at)));
        for field in command.lefthook_fields() {
            out.push_str(&format!("{}{field}\n", pad(at + unit)));
        }
        out.push_str(&format!("{}{END}\n", pad(indent)));
        out
    };
    let insert_after = |line: usize, addition: String| {
        let mut out = String::with_capacity(text.len() + addition.len());
        for (i, l) in lines.iter().enumerate() {
            out.push_str(l);
            if i == line {
                out.push_str(&addition);
            }
        }
        out
    };

    let &[section] = sections.as_slice() else {
        if sections.len() > 1 {
            return Err(format!("it defines `{hook}` more than once"));
        }
        // No section yet: append one at the end.
        let mut out = text.to_string();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        out.push_str(&format!(
            "{BEGIN}\n{}{END}\n",
            lefthook_snippet(hook, command)
        ));
        return Ok(out);
    };
    if !is_block_key(lines[section], hook) {
        return Err(format!("its `{hook}` section is not a plain block mapping"));
    }
    let end = top_level
        .iter()
        .copied()
        .find(|&i| i > section)
        .unwrap_or(lines.len());
    let body: Vec<usize> = (section + 1..end)
        .filter(|&i| !is_blank_or_comment(lines[i]))
        .collect();
    let Some(&first) = body.first() else {
        // `hook:` with nothing under it.
        return Ok(insert_after(section, block(2, 2, true)));
    };
    let child = indent_of(lines[first]).ok_or("it indents with tabs")?;
    let children: Vec<usize> = body
        .iter()
        .copied()
        .filter(|&i| indent_of(lines[i]) == Some(child))
        .collect();
    let jobs = children
        .iter()
        .copied()
        .find(|&i| lines[i].trim_start().starts_with("jobs:"));
    // A sequence may sit at its key's own indentation: items right after
    // `jobs:` are its items, anywhere else they break the mapping.
    let mut in_jobs = false;
    for &i in &children {
        if !lines[i].trim_start().starts_with('-') {
            in_jobs = Some(i) == jobs;
        } else if !in_jobs {
            return Err(format!("its `{hook}` section is not a mapping"));
        }
    }
    if let Some(jobs) = jobs {
        if !is_block_key(lines[jobs], "jobs") {
            return Err("its `jobs` is not a plain block sequence".into());
        }
        // Items may sit at the key's own indentation or deeper.
        let item = body
            .iter()
            .copied()
            .find(|&i| i > jobs)
            .filter(|&i| lines[i].trim_start().starts_with('-'))
            .and_then(|i| indent_of(lines[i]))
            .unwrap_or(child + 2);
        let pad = " ".repeat(item);
        let mut addition = format!("{pad}{BEGIN}\n{pad}- name: leakgate\n");
        for field in command.lefthook_fields() {
            addition.push_str(&format!("{pad}  {field}\n"));
        }
        addition.push_str(&format!("{pad}{END}\n"));
        return Ok(insert_after(jobs, addition));
    }
    let commands = children
        .iter()
        .copied()
        .find(|&i| lines[i].trim_start().starts_with("commands:"));
    let Some(commands) = commands else {
        return Ok(insert_after(section, block(child, child, true)));
    };
    if !is_block_key(lines[commands], "commands") {
        return Err("its `commands` is not a plain block mapping".into());
    }
    let next = body.iter().copied().find(|&i| i > commands);
    let grandchild = match next.and_then(|i| indent_of(lines[i])) {
        Some(indent) if indent > child => indent,
        _ => child * 2,
    };
    Ok(insert_after(
        commands,
        block(grandchild, grandchild - child, false),
    ))
}

fn parse_yaml(text: &str) -> Result<Yaml, String> {
    let mut docs = YamlLoader::load_from_str(text).map_err(|e| e.to_string())?;
    match docs.len() {
        0 => Ok(Yaml::Hash(Default::default())),
        1 => Ok(docs.remove(0)),
        _ => Err("it holds more than one YAML document".into()),
    }
}

/// The edit must add exactly leakgate's command (`hook.commands.leakgate`,
/// or a job named `leakgate` first in `hook.jobs`) and change nothing else.
fn verify_lefthook_edit(
    original: &str,
    edited: &str,
    hook: &str,
    command: &ManagedCommand,
) -> Result<(), String> {
    let before = parse_yaml(original).map_err(|e| format!("it is not valid YAML ({e})"))?;
    let mut after =
        parse_yaml(edited).map_err(|e| format!("the edit would not be valid YAML ({e})"))?;
    let key = |k: &str| Yaml::String(k.to_string());
    let jobs_before = match &before[hook]["jobs"] {
        Yaml::Array(jobs) => Some(jobs.len()),
        Yaml::Null => Some(0),
        _ => None,
    };
    if let Some(jobs_before) = jobs_before {
        let first = &after[hook]["jobs"][0];
        if first["name"].as_str() != Some("leakgate")
            || first["run"].as_str() != Some(command.lefthook_run().as_str())
        {
            return Err("the edit would not add the job where lefthook reads it".into());
        }
        let Yaml::Hash(root) = &mut after else {
            return Err("the edit would not leave a mapping at the top".into());
        };
        let Some(Yaml::Hash(section)) = root.get_mut(&key(hook)) else {
            return Err("the edit would not leave a mapping under the hook".into());
        };
        let Some(Yaml::Array(jobs)) = section.get_mut(&key("jobs")) else {
            return Err("the edit would not leave a sequence under jobs".into());
        };
        if jobs.len() != jobs_before + 1 {
            return Err("the edit would change the number of jobs".into());
        }
        jobs.remove(0);
        if jobs.is_empty() && before[hook]["jobs"].is_null() {
            section.insert(key("jobs"), Yaml::Null);
        }
        return if after == before {
            Ok(())
        } else {
            Err("the edit would change more than the leakgate job".into())
        };
    }
    if !before[hook]["commands"]["leakgate"].is_badvalue() {
        return Err(format!(
            "its `{hook}` section already has a `leakgate` command"
        ));
    }
    if after[hook]["commands"]["leakgate"]["run"].as_str() != Some(command.lefthook_run().as_str())
    {
        return Err("the edit would not add the command where lefthook reads it".into());
    }
    let had_section = !before[hook].is_badvalue();
    let had_commands =
        !before[hook]["commands"].is_badvalue() && !before[hook]["commands"].is_null();
    let Yaml::Hash(root) = &mut after else {
        return Err("the edit would not leave a mapping at the top".into());
    };
    let Some(Yaml::Hash(section)) = root.get_mut(&key(hook)) else {
        return Err("the edit would not leave a mapping under the hook".into());
    };
    let Some(Yaml::Hash(commands)) = section.get_mut(&key("commands")) else {
        return Err("the edit would not leave a mapping under commands".into());
    };
    commands.remove(&key("leakgate"));
    if !had_commands {
        if before[hook]["commands"].is_null() {
            section.insert(key("commands"), Yaml::Null);
        } else {
            section.remove(&key("commands"));
        }
    }
    if !had_section {
        root.remove(&key(hook));
    } else if before[hook].is_null() && section.is_empty() {
        root.insert(key(hook), Yaml::Null);
    }
    if after == before {
        Ok(())
    } else {
        Err("the edit would change more than the leakgate command".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(original: &str) -> String {
        let edited = lefthook_insert(original, "pre-commit", &command_for("pre-commit").unwrap())
            .and_then(|e| {
                verify_lefthook_edit(
                    original,
                    &e,
                    "pre-commit",
                    &command_for("pre-commit").unwrap(),
                )
                .map(|()| e)
            })
            .unwrap_or_else(|e| panic!("{e}\n{original}"));
        assert_eq!(remove_block(&edited).as_deref(), Some(original));
        edited
    }

    #[test]
    fn lefthook_commands_gain_leakgate_with_comments_kept() {
        let original = "# team hooks\npre-commit:\n  parallel: true\n  commands:\n    # lint first\n    eslint:\n      glob: \"*.js\"\n      run: npx eslint {staged_files}\npre-push:\n  commands:\n    test:\n      run: npm test\n";
        let edited = round_trip(original);
        assert!(
            edited.contains("  commands:\n    # >>> leakgate"),
            "{edited}"
        );
        assert!(edited.contains("    leakgate:\n      run: '"), "{edited}");
        assert!(edited.contains("# lint first"));
    }

    #[test]
    fn lefthook_sections_and_commands_are_created_when_missing() {
        round_trip("pre-push:\n  commands:\n    test:\n      run: npm test\n");
        round_trip("pre-commit:\n    parallel: true\n");
        round_trip("pre-commit:\n");
        round_trip("");
        round_trip("pre-commit:\n  commands:\n");
        let four = round_trip("pre-commit:\n    commands:\n        a:\n            run: x\n");
        assert!(
            four.contains("        leakgate:\n            run: '"),
            "{four}"
        );
    }

    #[test]
    fn lefthook_jobs_gain_a_leakgate_job_first() {
        let edited = round_trip("pre-commit:\n  jobs:\n    - name: lint\n      run: x\n");
        let parsed = parse_yaml(&edited).unwrap();
        assert_eq!(
            parsed["pre-commit"]["jobs"][0]["name"].as_str(),
            Some("leakgate")
        );
        assert_eq!(
            parsed["pre-commit"]["jobs"][1]["name"].as_str(),
            Some("lint")
        );
        round_trip("pre-commit:\n  jobs:\n  - run: x\n");
        round_trip("pre-commit:\n  jobs:\n");
    }

    #[test]
    fn each_hook_loses_only_its_own_block() {
        let mut text = "pre-push:\n  commands:\n    t:\n      run: x\n".to_string();
        text = lefthook_insert(&text, "pre-push", &command_for("pre-push").unwrap()).unwrap();
        let both =
            lefthook_insert(&text, "pre-commit", &command_for("pre-commit").unwrap()).unwrap();
        assert_eq!(
            remove_hook_block(&both, "pre-commit").as_deref(),
            Some(text.as_str())
        );
        assert!(remove_hook_block(&text, "pre-commit").is_none());
    }

    #[test]
    fn unusual_lefthook_layouts_are_refused_not_guessed() {
        for original in [
            "pre-commit: {commands: {a: {run: x}}}\n",
            "pre-commit:\n  jobs: [{run: x}]\n",
            "pre-commit:\n  commands: {a: {run: x}}\n",
            "pre-commit:\n  commands:\n    leakgate:\n      run: leakgate scan\n",
            "pre-commit:\n  commands:\n    a:\n      run: x\npre-commit:\n  commands: {}\n",
        ] {
            let result =
                lefthook_insert(original, "pre-commit", &command_for("pre-commit").unwrap())
                    .and_then(|e| {
                        verify_lefthook_edit(
                            original,
                            &e,
                            "pre-commit",
                            &command_for("pre-commit").unwrap(),
                        )
                    });
            assert!(result.is_err(), "edited unsafely:\n{original}");
        }
    }

    #[test]
    fn husky_lines_go_after_the_set_up_and_come_out_exactly() {
        let v8 = "#!/usr/bin/env sh\n. \"$(dirname -- \"$0\")/_/husky.sh\"\n\nnpx lint-staged\n";
        let at = husky_insertion_offset(v8);
        assert_eq!(&v8[at..], "npx lint-staged\n");
        let mut text = v8.to_string();
        text.insert_str(at, &husky_block(&command_for("pre-commit").unwrap()));
        assert_eq!(remove_block(&text).as_deref(), Some(v8));
    }
}
