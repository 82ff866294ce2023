//! Migration from gitleaks: a `.gitleaks.toml` (gitleaks v8) translated into
//! leakgate's own config structures, and `.gitleaksignore` entries.
//!
//! Nothing is dropped silently. A key leakgate does not support is named in
//! a warning; so is a gitleaks built-in rule id (in `disabledRules`,
//! `targetRules` or a rule that only extends a built-in) that leakgate has
//! no rule for. A malformed file is an error naming file, line and column,
//! like leakgate's own config. This module only translates: matching is
//! the engine's job.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Result;
use serde::Deserialize;
use toml::Spanned;

use super::{AllowlistSpec, Condition, ConfigFile, Extend, LoadedConfig, SourceText};
pub use crate::engine::IgnoredFinding;
use crate::rules::{self, RuleSpec};

pub const GITLEAKS_CONFIG_NAME: &str = ".gitleaks.toml";
pub const GITLEAKS_IGNORE_NAME: &str = ".gitleaksignore";

/// Is this a gitleaks config by its name?
pub fn is_gitleaks_config(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n == GITLEAKS_CONFIG_NAME || n == "gitleaks.toml")
}

// gitleaks reads its config case-insensitively (viper); these structs accept
// the documented camelCase spelling and the all-lowercase one. Only what
// leakgate can apply is declared: every other key is reported as ignored.

#[derive(Debug, Deserialize)]
struct GitleaksFile {
    /// Labels with no effect on detection.
    #[allow(dead_code)]
    title: Option<String>,
    #[allow(dead_code)]
    description: Option<String>,
    #[serde(default)]
    extend: GitleaksExtend,
    #[serde(default)]
    rules: Vec<GitleaksRule>,
    /// The older single global allowlist.
    #[serde(alias = "allowList")]
    allowlist: Option<GitleaksAllowlist>,
    #[serde(default, alias = "allowLists")]
    allowlists: Vec<GitleaksAllowlist>,
}

#[derive(Debug, Default, Deserialize)]
struct GitleaksExtend {
    #[serde(rename = "useDefault", alias = "usedefault")]
    use_default: Option<bool>,
    #[serde(default, rename = "disabledRules", alias = "disabledrules")]
    disabled_rules: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
struct GitleaksRule {
    id: Spanned<String>,
    #[serde(default)]
    description: String,
    regex: Option<Spanned<String>>,
    #[serde(rename = "secretGroup", alias = "secretgroup")]
    secret_group: Option<usize>,
    entropy: Option<f64>,
    #[serde(default)]
    keywords: Vec<String>,
    path: Option<Spanned<String>>,
    /// The older single rule allowlist.
    #[serde(alias = "allowList")]
    allowlist: Option<GitleaksAllowlist>,
    #[serde(default, alias = "allowLists")]
    allowlists: Vec<GitleaksAllowlist>,
}

#[derive(Debug, Deserialize)]
struct GitleaksAllowlist {
    #[serde(default)]
    description: String,
    condition: Option<Spanned<String>>,
    #[serde(default)]
    commits: Vec<String>,
    /// Regexes, not globs.
    #[serde(default)]
    paths: Vec<Spanned<String>>,
    #[serde(rename = "regexTarget", alias = "regextarget")]
    regex_target: Option<Spanned<String>>,
    #[serde(default)]
    regexes: Vec<Spanned<String>>,
    #[serde(default, alias = "stopWords")]
    stopwords: Vec<String>,
    #[serde(default, rename = "targetRules", alias = "targetrules")]
    target_rules: Vec<Spanned<String>>,
}

/// Parses a gitleaks config and translates it; warnings go into the result.
pub fn translate(source: SourceText) -> Result<LoadedConfig> {
    let mut ignored_keys = Vec::new();
    let file: GitleaksFile = {
        let deserializer = toml::Deserializer::parse(&source.text).map_err(|err| {
            let message = err.message().trim().to_string();
            match err.span() {
                Some(span) => source.error_at(span, &message),
                None => anyhow::anyhow!(
                    "{}: {}",
                    source.name,
                    crate::path::escape_line_for_terminal(&message)
                ),
            }
        })?;
        serde_ignored::deserialize(deserializer, |path| ignored_keys.push(key_path(&path)))
            .map_err(|err| {
                let message = err.message().trim().to_string();
                match err.span() {
                    Some(span) => source.error_at(span, &message),
                    None => anyhow::anyhow!(
                        "{}: {}",
                        source.name,
                        crate::path::escape_line_for_terminal(&message)
                    ),
                }
            })?
    };
    let mut translation = Translation {
        source: &source,
        warnings: Vec::new(),
    };
    let config = translation.config(file, &ignored_keys)?;
    let warnings = translation.warnings;
    Ok(LoadedConfig {
        source,
        file: config,
        warnings,
        ignored: Vec::new(),
        warning_details: Vec::new(),
    })
}

/// `rules[2].tags` from serde_ignored's path to an unknown key.
fn key_path(path: &serde_ignored::Path) -> String {
    use serde_ignored::Path as P;
    match path {
        P::Root => String::new(),
        P::Seq { parent, index } => format!("{}[{index}]", key_path(parent)),
        P::Map { parent, key } => {
            let parent = key_path(parent);
            if parent.is_empty() {
                key.clone()
            } else {
                format!("{parent}.{key}")
            }
        }
        P::Some { parent } | P::NewtypeStruct { parent } | P::NewtypeVariant { parent } => {
            key_path(parent)
        }
    }
}

struct Translation<'a> {
    source: &'a SourceText,
    warnings: Vec<String>,
}

impl Translation<'_> {
    fn warn(&mut self, message: String) {
        self.warnings
            .push(format!("{}: {message}", self.source.name));
    }

    fn config(&mut self, file: GitleaksFile, ignored_keys: &[String]) -> Result<ConfigFile> {
        if !ignored_keys.is_empty() {
            self.warn(format!(
                "gitleaks settings leakgate does not support, ignored: {}",
                ignored_keys.join(", ")
            ));
        }
        // gitleaks runs only a config's own rules unless it extends the
        // defaults. A config with no rules and no `useDefault` would run
        // none, which is never what a migration wants: leakgate's built-in
        // rules apply then.
        let use_default = match file.extend.use_default {
            Some(value) => value,
            None if file.rules.is_empty() => {
                self.warn(
                    "no [[rules]] and no [extend] useDefault: gitleaks would run no rules; \
                     leakgate runs its built-in rules"
                        .to_string(),
                );
                true
            }
            None => false,
        };
        let builtin: BTreeSet<String> = if use_default {
            rules::builtin_rules()?
                .iter()
                .map(|r| r.id().to_string())
                .collect()
        } else {
            BTreeSet::new()
        };
        let mut config = ConfigFile {
            extend: Extend {
                use_default,
                disabled_rules: Vec::new(),
            },
            ..ConfigFile::default()
        };
        let mut rule_allowlists = Vec::new();
        for rule in file.rules {
            let id = rule.id.clone();
            let extends_existing = rule.regex.is_none() && rule.path.is_none();
            let rule_lists: Vec<GitleaksAllowlist> =
                rule.allowlist.into_iter().chain(rule.allowlists).collect();
            if extends_existing {
                // In gitleaks this adds to a default rule of the same id.
                let mut overridden = Vec::new();
                if !rule.description.is_empty() {
                    overridden.push("description");
                }
                if rule.secret_group.is_some() {
                    overridden.push("secretGroup");
                }
                if rule.entropy.is_some() {
                    overridden.push("entropy");
                }
                if !rule.keywords.is_empty() {
                    overridden.push("keywords");
                }
                // A gitleaks id stands for the leakgate rules the alias
                // table maps it to; its allowlists apply to them.
                let targets: Vec<Spanned<String>> = leakgate_rule_ids(id.get_ref())
                    .into_iter()
                    .filter(|candidate| builtin.contains(candidate))
                    .map(|candidate| Spanned::new(id.span(), candidate))
                    .collect();
                if targets.is_empty() {
                    self.warn(format!(
                        "rule {:?} has no regex or path and leakgate has no built-in rule of that id \
                         nor one gitleaks' rule of that id maps to; it is ignored",
                        id.get_ref()
                    ));
                    continue;
                }
                if !builtin.contains(id.get_ref()) {
                    for list in rule_lists {
                        rule_allowlists.push((targets.clone(), list));
                    }
                    continue;
                }
                if !overridden.is_empty() {
                    self.warn(format!(
                        "rule {:?} changes {} of a built-in rule; leakgate keeps its own rule {:?} as it is \
                         (its allowlists still apply)",
                        id.get_ref(),
                        overridden.join(", "),
                        id.get_ref()
                    ));
                }
            } else {
                config.rules.push(RuleSpec {
                    id: id.clone(),
                    description: rule.description,
                    regex: rule.regex,
                    secret_group: rule.secret_group,
                    keywords: rule.keywords,
                    entropy: rule.entropy,
                    path: rule.path,
                    ..RuleSpec::default()
                });
            }
            for list in rule_lists {
                if !list.target_rules.is_empty() {
                    self.warn(format!(
                        "targetRules in an allowlist of rule {:?} means nothing there and is ignored",
                        id.get_ref()
                    ));
                }
                rule_allowlists.push((vec![id.clone()], list));
            }
        }
        let known: BTreeSet<String> = builtin
            .iter()
            .cloned()
            .chain(config.rules.iter().map(|r| r.id().to_string()))
            .collect();

        // gitleaks' rule ids count through the alias table.
        let expand = |id: &Spanned<String>| -> Vec<Spanned<String>> {
            leakgate_rule_ids(id.get_ref())
                .into_iter()
                .filter(|candidate| known.contains(candidate))
                .map(|candidate| Spanned::new(id.span(), candidate))
                .collect()
        };
        for disabled in file.extend.disabled_rules {
            let ids = expand(&disabled);
            if !ids.is_empty() {
                config.extend.disabled_rules.extend(ids);
            } else {
                self.warn(format!(
                    "disabledRules names {:?}, which is not a leakgate rule (gitleaks' built-in rule ids \
                     differ from leakgate's; `leakgate rules` lists them); ignored",
                    disabled.get_ref()
                ));
            }
        }
        for (rules, list) in rule_allowlists {
            let spec = self.allowlist(list, rules)?;
            config.allowlists.push(spec);
        }
        for list in file.allowlist.into_iter().chain(file.allowlists) {
            let targets = list.target_rules.clone();
            let (kept, unknown): (Vec<_>, Vec<_>) =
                targets.into_iter().partition(|t| !expand(t).is_empty());
            let kept: Vec<Spanned<String>> = kept.iter().flat_map(&expand).collect();
            if !unknown.is_empty() {
                let names: Vec<String> = unknown
                    .iter()
                    .map(|t| format!("{:?}", t.get_ref()))
                    .collect();
                if kept.is_empty() {
                    self.warn(format!(
                        "an allowlist targets only {}, which leakgate has no rules for; it is ignored",
                        names.join(", ")
                    ));
                    continue;
                }
                self.warn(format!(
                    "an allowlist targets {}, which leakgate has no rules for; it applies to the others",
                    names.join(", ")
                ));
            }
            let spec = self.allowlist(list, kept)?;
            config.allowlists.push(spec);
        }
        Ok(config)
    }

    fn allowlist(
        &mut self,
        list: GitleaksAllowlist,
        rules: Vec<Spanned<String>>,
    ) -> Result<AllowlistSpec> {
        let condition = match &list.condition {
            None => Condition::Or,
            Some(c) => match c.get_ref().to_ascii_uppercase().as_str() {
                "" | "OR" | "||" => Condition::Or,
                "AND" | "&&" => Condition::And,
                other => {
                    return Err(self.source.error_at(
                        c.span(),
                        &format!(
                            "unknown allowlist condition {other:?} (expected \"OR\" or \"AND\")"
                        ),
                    ));
                }
            },
        };
        let mut spec = AllowlistSpec {
            description: list.description,
            rules,
            path_regexes: list.paths,
            stopwords: list.stopwords,
            commits: list.commits,
            condition,
            ..AllowlistSpec::default()
        };
        let target = list.regex_target.as_ref();
        match target.map(|t| t.get_ref().as_str()) {
            None | Some("") | Some("secret") => spec.secrets = list.regexes,
            Some("match") => spec.matches = list.regexes,
            Some("line") => spec.lines = list.regexes,
            Some(other) => {
                return Err(self.source.error_at(
                    target.expect("matched Some").span(),
                    &format!(
                        "unknown regexTarget {other:?} (expected \"secret\", \"match\" or \"line\")"
                    ),
                ));
            }
        }
        if spec.path_regexes.is_empty()
            && spec.secrets.is_empty()
            && spec.matches.is_empty()
            && spec.lines.is_empty()
            && spec.stopwords.is_empty()
            && spec.commits.is_empty()
        {
            self.warn(format!(
                "an allowlist{} has no paths, regexes, stopwords or commits; it allows nothing",
                if spec.description.is_empty() {
                    String::new()
                } else {
                    format!(" ({:?})", spec.description)
                }
            ));
        }
        Ok(spec)
    }
}

/// The alias table kept beside the rules: gitleaks rule id to the
/// leakgate rules that find the same secrets.
const GITLEAKS_ALIASES: &str = include_str!("../rules/gitleaks_aliases.toml");

fn aliases() -> &'static std::collections::BTreeMap<String, Vec<String>> {
    static ALIASES: std::sync::LazyLock<std::collections::BTreeMap<String, Vec<String>>> =
        std::sync::LazyLock::new(|| {
            #[derive(Deserialize)]
            struct Table {
                aliases: std::collections::BTreeMap<String, Vec<String>>,
            }
            toml::from_str::<Table>(GITLEAKS_ALIASES)
                .expect("gitleaks_aliases.toml parses (checked by cargo test)")
                .aliases
        });
    &ALIASES
}

/// The leakgate rules a rule id in a gitleaks file stands for: the id
/// itself (it may be a leakgate id, or a custom rule's), then the leakgate
/// rules gitleaks' built-in rule of that id corresponds to.
pub fn leakgate_rule_ids(id: &str) -> Vec<String> {
    let mut ids = vec![id.to_string()];
    if let Some(mapped) = aliases().get(id) {
        ids.extend(mapped.iter().filter(|m| *m != id).cloned());
    }
    ids
}

/// Entries of a `.gitleaksignore`: `file:rule-id:line` or
/// `commit:file:rule-id:line`, one a line; `#` starts a comment. A line in
/// neither form is reported in a warning.
pub fn parse_ignore(source: &SourceText) -> (Vec<IgnoredFinding>, Vec<String>) {
    let mut entries = Vec::new();
    let mut warnings = Vec::new();
    for (number, line) in source.text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_ignore_entry(line) {
            Some(entry) => entries.push(entry),
            None => warnings.push(format!(
                "{}:{}: not a gitleaks fingerprint (file:rule-id:line or commit:file:rule-id:line); ignored",
                source.name,
                number + 1
            )),
        }
    }
    (entries, warnings)
}

fn parse_ignore_entry(entry: &str) -> Option<IgnoredFinding> {
    // From the right, so a path may itself hold a colon.
    let (rest, line) = entry.rsplit_once(':')?;
    let line: u32 = line.parse().ok()?;
    let (rest, rule_id) = rest.rsplit_once(':')?;
    let (commit, path) = match rest.split_once(':') {
        Some((commit, path))
            if matches!(commit.len(), 40 | 64) && commit.bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            (Some(commit.to_string()), path)
        }
        _ => (None, rest),
    };
    if path.is_empty() || rule_id.is_empty() {
        return None;
    }
    Some(IgnoredFinding {
        commit,
        path: path.replace('\\', "/"),
        rule_id: rule_id.to_string(),
        rule_ids: leakgate_rule_ids(rule_id),
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn translated(text: &str) -> LoadedConfig {
        translate(SourceText::new(".gitleaks.toml", text)).unwrap()
    }

    #[test]
    fn rules_and_allowlists_map_onto_leakgate_structures() {
        let config = translated(
            r#"
title = "team config"
[extend]
useDefault = true
disabledRules = ["aws-access-key-id", "another-gitleaks-rule"]

[[rules]]
id = "acme-token"
description = "ACME token"
regex = '''acme_([a-z0-9]{16})'''
secretGroup = 1
entropy = 3.0
keywords = ["acme_"]
path = '''\.py$'''
tags = ["internal"]
  [[rules.allowlists]]
  regexTarget = "line"
  regexes = ['''#\s*fixture''']

[allowlist]
paths = ['''^tests/''']
stopwords = ["sample"]

[[allowlists]]
condition = "AND"
targetRules = ["acme-token", "gitleaks-only-rule"]
regexTarget = "match"
regexes = ['''acme_0''']
commits = ["0123456789abcdef0123456789abcdef01234567"]
"#,
        );
        let file = &config.file;
        assert!(file.extend.use_default);
        let disabled: Vec<&str> = file
            .extend
            .disabled_rules
            .iter()
            .map(|d| d.get_ref().as_str())
            .collect();
        assert_eq!(disabled, ["aws-access-key-id"]);
        let rule = &file.rules[0];
        assert_eq!(rule.id(), "acme-token");
        assert_eq!(rule.secret_group, Some(1));
        assert_eq!(rule.entropy, Some(3.0));
        assert_eq!(rule.path.as_ref().unwrap().get_ref(), r"\.py$");
        assert_eq!(file.allowlists.len(), 3);
        assert_eq!(file.allowlists[0].rules[0].get_ref(), "acme-token");
        assert_eq!(file.allowlists[0].lines.len(), 1);
        assert_eq!(file.allowlists[1].path_regexes[0].get_ref(), "^tests/");
        assert!(file.allowlists[1].rules.is_empty());
        assert_eq!(file.allowlists[2].condition, Condition::And);
        assert_eq!(file.allowlists[2].matches.len(), 1);
        assert_eq!(file.allowlists[2].commits.len(), 1);
        let targets: Vec<&str> = file.allowlists[2]
            .rules
            .iter()
            .map(|r| r.get_ref().as_str())
            .collect();
        assert_eq!(targets, ["acme-token"]);

        let warnings = config.warnings.join("\n");
        assert!(warnings.contains("rules[0].tags"), "{warnings}");
        assert!(warnings.contains("\"another-gitleaks-rule\""), "{warnings}");
        assert!(warnings.contains("\"gitleaks-only-rule\""), "{warnings}");
        assert!(!warnings.contains("title"), "{warnings}");
    }

    #[test]
    fn a_config_without_rules_or_use_default_keeps_the_built_in_rules() {
        let config = translated("[allowlist]\npaths = ['''^vendor/''']\n");
        assert!(config.file.extend.use_default);
        let own_rules_only = translated("[[rules]]\nid = \"x\"\nregex = 'x_[0-9]{8}'\n");
        assert!(!own_rules_only.file.extend.use_default);
    }

    #[test]
    fn bad_values_are_errors_with_line_and_column() {
        let err = translate(SourceText::new(
            ".gitleaks.toml",
            "[allowlist]\nregexTarget = \"file\"\nregexes = ['x']\n",
        ))
        .err()
        .unwrap()
        .to_string();
        assert!(
            err.starts_with(".gitleaks.toml:2:15: unknown regexTarget"),
            "{err}"
        );
        let err = translate(SourceText::new(
            ".gitleaks.toml",
            "[[rules]]\nregex = 'x'\n",
        ))
        .err()
        .unwrap()
        .to_string();
        assert!(err.contains("missing field `id`"), "{err}");
    }

    #[test]
    fn ignore_entries_in_both_forms() {
        let sha = "0123456789abcdef0123456789abcdef01234567";
        let source = SourceText::new(
            ".gitleaksignore",
            format!(
                "# comment\nsrc/a.py:aws-access-key-id:3\n{sha}:dir\\b c.txt:github-token:12\nnonsense\nc:d:x:1\n"
            ),
        );
        let (entries, warnings) = parse_ignore(&source);
        assert_eq!(entries[0].path, "src/a.py");
        assert_eq!(entries[0].commit, None);
        assert_eq!(entries[0].line, 3);
        assert_eq!(entries[1].commit.as_deref(), Some(sha));
        assert_eq!(entries[1].path, "dir/b c.txt");
        assert_eq!(entries[1].rule_id, "github-token");
        assert_eq!(entries[2].path, "c:d", "a colon in a path is kept");
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].starts_with(".gitleaksignore:4:"),
            "{warnings:?}"
        );
    }

    #[test]
    fn every_leakgate_rule_the_gitleaks_alias_table_names_exists() {
        let ids: BTreeSet<String> = crate::rules::builtin_rules()
            .unwrap()
            .iter()
            .map(|r| r.id().to_string())
            .collect();
        assert!(aliases().len() > 100, "{}", aliases().len());
        for (gitleaks, leakgate) in aliases() {
            assert!(!leakgate.is_empty(), "{gitleaks} maps to nothing");
            for id in leakgate {
                assert!(
                    ids.contains(id),
                    "{gitleaks} -> {id}: no such leakgate rule"
                );
            }
        }
        assert_eq!(
            leakgate_rule_ids("github-pat"),
            ["github-pat", "github-pat-classic"]
        );
        assert_eq!(leakgate_rule_ids("jwt"), ["jwt"]);
    }
}
