//! Rule-set assembly: the engine a config asks for. The built-in rules
//! (unless `use_default = false`) minus disabled ones, plus the config's
//! custom rules and compiled allowlists, each mistake reported with its line
//! and column. It lives beside the config so the engine never reads a
//! config: it is handed rules, allowlists and [`Settings`].

use anyhow::Result;
use globset::{GlobBuilder, GlobSetBuilder};
use regex::bytes::{Regex, RegexSet, RegexSetBuilder};

use super::{AllowlistSpec, LoadedConfig, SourceText};
use crate::engine::allowlist::Allowlist;
use crate::engine::{Engine, IgnoredFinding, Settings, matcher};
use crate::rules::{self, RuleSpec};

/// Commit prefixes shorter than this could name several commits.
const MIN_COMMIT_PREFIX: usize = 7;

impl Engine {
    /// The engine a config asks for: built-in rules (unless `use_default =
    /// false`) minus disabled ones, plus custom rules and allowlists. Every
    /// mistake in the config is reported with its line and column.
    pub fn from_config(config: Option<&LoadedConfig>) -> Result<Self> {
        let Some(config) = config else {
            return Engine::from_specs(rules::builtin_rules()?, Vec::new());
        };
        let file = &config.file;
        let source = &config.source;
        let mut specs = if file.extend.use_default {
            rules::builtin_rules()?
        } else {
            Vec::new()
        };
        for custom in &file.rules {
            validate_custom_rule(custom, source)?;
        }
        let known = |id: &str| {
            specs.iter().any(|s: &RuleSpec| s.id() == id) || file.rules.iter().any(|s| s.id() == id)
        };
        for disabled in &file.extend.disabled_rules {
            if !known(disabled.get_ref()) {
                return Err(source.error_at(
                    disabled.span(),
                    &format!(
                        "disabled_rules names an unknown rule {:?}",
                        disabled.get_ref()
                    ),
                ));
            }
        }
        let all_allowlists = file.allowlist.iter().chain(file.allowlists.iter());
        let mut allowlists = Vec::new();
        for spec in all_allowlists {
            for rule in spec.rules.iter() {
                if !known(rule.get_ref()) {
                    return Err(source.error_at(
                        rule.span(),
                        &format!("allowlist names an unknown rule {:?}", rule.get_ref()),
                    ));
                }
            }
            allowlists.push(compile_allowlist(spec, source)?);
        }
        specs.retain(|s| {
            !file
                .extend
                .disabled_rules
                .iter()
                .any(|d| d.get_ref() == s.id())
        });
        for custom in &file.rules {
            // A custom rule with a built-in's id replaces it.
            specs.retain(|s| s.id() != custom.id());
            if !file
                .extend
                .disabled_rules
                .iter()
                .any(|d| d.get_ref() == custom.id())
            {
                specs.push(custom.clone());
            }
        }
        let engine = Engine::from_specs(specs, allowlists)?;
        let mut warnings = config.warnings.clone();
        let mut warning_details = config.warning_details.clone();
        let unknown: Vec<_> = config
            .ignored
            .iter()
            .filter(|entry| {
                !engine
                    .rule_specs()
                    .any(|s| entry.rule_ids.iter().any(|id| id == s.id()))
            })
            .collect();
        let detail = |entry: &IgnoredFinding| {
            format!(
                "an ignore entry for {}:{} names {:?}, which is neither a leakgate rule nor a gitleaks rule leakgate knows, so it ignores nothing",
                entry.path, entry.line, entry.rule_id
            )
        };
        match unknown.as_slice() {
            [] => {}
            [entry] => warnings.push(detail(entry)),
            entries => {
                let mut ids: Vec<&str> = entries.iter().map(|e| e.rule_id.as_str()).collect();
                ids.sort();
                ids.dedup();
                let named: Vec<String> = ids.iter().take(5).map(|id| format!("{id:?}")).collect();
                let more = if ids.len() > 5 {
                    format!(" and {} more", ids.len() - 5)
                } else {
                    String::new()
                };
                warnings.push(format!(
                    "{} ignore entries name rules leakgate has no counterpart for ({}{more}), so they ignore nothing; \
                     `leakgate rules` lists leakgate's ids, --verbose lists the entries",
                    entries.len(),
                    named.join(", ")
                ));
                warning_details.extend(entries.iter().map(|e| detail(e)));
            }
        }
        Ok(engine.with_settings(Settings {
            ignored: config.ignored.clone(),
            max_file_size: file.scan.max_file_size(),
            warnings,
            warning_details,
        }))
    }
}

/// Checks a config's custom rule up front, so a typo is reported with its
/// line and column instead of surfacing mid-scan.
fn validate_custom_rule(spec: &RuleSpec, source: &SourceText) -> Result<()> {
    if spec.id().trim().is_empty() {
        return Err(source.error_at(spec.id.span(), "rule id must not be empty"));
    }
    match (&spec.regex, &spec.path) {
        (None, None) => {
            return Err(source.error_at(
                spec.id.span(),
                &format!("rule {:?} needs a regex, a path, or both", spec.id()),
            ));
        }
        (Some(regex), _) => {
            let compiled = matcher::compile(regex.get_ref())
                .map_err(|e| source.regex_error_at(regex, "invalid regex", &e))?;
            let groups = matcher::captures_len(&compiled);
            if let Some(group) = spec.secret_group
                && group >= groups
            {
                return Err(source.error_at(
                    regex.span(),
                    &format!(
                        "secret_group = {group}, but the regex has only {} groups",
                        groups - 1
                    ),
                ));
            }
        }
        _ => {}
    }
    for path in spec.path.iter().chain(spec.path_exclude.iter()) {
        matcher::compile_path(path.get_ref())
            .map_err(|e| source.regex_error_at(path, "invalid path regex", &e))?;
    }
    Ok(())
}

/// Compiles an allowlist entry; errors name its line and column.
pub fn compile_allowlist(spec: &AllowlistSpec, source: &SourceText) -> Result<Allowlist> {
    let mut paths = GlobSetBuilder::new();
    for glob in &spec.paths {
        let compiled = GlobBuilder::new(glob.get_ref())
            .literal_separator(false)
            .build()
            .map_err(|err| source.error_at(glob.span(), &format!("invalid path glob: {err}")))?;
        paths.add(compiled);
        // `dir/` or `dir` should cover what is inside it, as in .gitignore.
        let inner = format!("{}/**", glob.get_ref().trim_end_matches('/'));
        if let Ok(inner) = GlobBuilder::new(&inner).build() {
            paths.add(inner);
        }
    }
    let paths = paths
        .build()
        .map_err(|err| anyhow::anyhow!("{}: invalid path globs: {err}", source.name))?;
    for commit in &spec.commits {
        if commit.len() < MIN_COMMIT_PREFIX || !commit.bytes().all(|b| b.is_ascii_hexdigit()) {
            anyhow::bail!(
                "{}: allowlist commit {commit:?} is not a commit id (at least {MIN_COMMIT_PREFIX} hex digits)",
                source.name
            );
        }
    }
    Ok(Allowlist {
        description: spec.description.clone(),
        rules: spec.rules.iter().map(|r| r.get_ref().clone()).collect(),
        paths,
        path_regexes: regex_set(&spec.path_regexes, source)?,
        secrets: regex_set(&spec.secrets, source)?,
        lines: regex_set(&spec.lines, source)?,
        matches: regex_set(&spec.matches, source)?,
        stopwords: spec
            .stopwords
            .iter()
            .map(|w| w.to_ascii_lowercase().into_bytes())
            .collect(),
        commits: spec
            .commits
            .iter()
            .map(|c| c.to_ascii_lowercase())
            .collect(),
        condition: spec.condition,
    })
}

fn regex_set(patterns: &[toml::Spanned<String>], source: &SourceText) -> Result<Option<RegexSet>> {
    if patterns.is_empty() {
        return Ok(None);
    }
    for pattern in patterns {
        // Never quotes the pattern: it may be the secret it allows.
        Regex::new(pattern.get_ref())
            .map_err(|err| source.regex_error_at(pattern, "invalid regex", &err.to_string()))?;
    }
    let set = RegexSetBuilder::new(patterns.iter().map(|p| p.get_ref()))
        .build()
        .map_err(|err| anyhow::anyhow!("{}: invalid regexes: {err}", source.name))?;
    Ok(Some(set))
}
