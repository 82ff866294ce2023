//! The detection engine: given one blob (its path, bytes, and which lines
//! are new), it returns the findings in it.
//!
//! Pipeline per blob: file-name rules → binary check → keyword prefilter →
//! the triggered rules' regexes (compiled on first use) → entropy, validator
//! and placeholder filters → allowlists and inline markers → only findings
//! that touch a new line → a specific rule wins over a generic one → single
//! findings the config ignores (`.gitleaksignore`).
//!
//! The engine never reads git or the disk; sources hand it bytes.

pub mod allowlist;
pub mod entropy;
pub mod filters;
pub mod prefilter;
pub mod validate;

use std::ops::Range;
use std::sync::OnceLock;

use anyhow::{Result, anyhow, bail};
use regex::bytes::{Regex, RegexBuilder};

use crate::config::gitleaks::IgnoredFinding;
use crate::config::{LoadedConfig, SourceText};
use crate::finding::{CommitInfo, Finding, Secret};
use crate::location::LineIndex;
use crate::path::RepoPath;
use crate::rules::{self, RuleSpec, Validator};
use allowlist::{Allowlist, Candidate};
use prefilter::Prefilter;

/// How many leading bytes git inspects to decide a blob is binary.
const BINARY_SNIFF_LEN: usize = 8000;

/// Which lines of a blob are new: everything (a new file, a file on disk)
/// or 1-based, end-exclusive ranges from a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddedLines {
    All,
    Ranges(Vec<Range<u32>>),
}

impl AddedLines {
    /// Does any line from `first` to `last` (inclusive) count as new?
    pub fn touches(&self, first: u32, last: u32) -> bool {
        match self {
            AddedLines::All => true,
            AddedLines::Ranges(ranges) => {
                let i = ranges.partition_point(|r| r.end <= first);
                ranges.get(i).is_some_and(|r| r.start <= last)
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, AddedLines::Ranges(r) if r.is_empty())
    }
}

/// One blob to scan.
pub struct ScanInput<'a> {
    pub path: RepoPath,
    pub content: &'a [u8],
    pub added: AddedLines,
    pub commit: Option<CommitInfo>,
}

impl<'a> ScanInput<'a> {
    /// A blob whose every line is new.
    pub fn whole(path: RepoPath, content: &'a [u8]) -> Self {
        ScanInput {
            path,
            content,
            added: AddedLines::All,
            commit: None,
        }
    }
}

/// Why a blob was not scanned for content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    Binary,
}

#[derive(Debug, Default)]
pub struct ScanOutcome {
    pub findings: Vec<Finding>,
    pub skipped: Option<SkipReason>,
}

struct CompiledRule {
    spec: RuleSpec,
    path: Option<Regex>,
    path_exclude: Option<Regex>,
    regex: OnceLock<Result<Regex, String>>,
}

impl CompiledRule {
    /// Does the rule apply to a file at this path at all?
    fn applies_to(&self, path: &[u8]) -> bool {
        self.path.as_ref().is_none_or(|p| p.is_match(path))
            && !self.path_exclude.as_ref().is_some_and(|p| p.is_match(path))
    }

    /// Compiles the content regex on first use: most rules never see a
    /// keyword in a typical commit, so most regexes are never built.
    fn regex(&self) -> Result<&Regex> {
        let compiled = self.regex.get_or_init(|| {
            let pattern = self.spec.regex.as_ref().expect("content rule has a regex");
            compile_rule_regex(pattern.get_ref()).map_err(|e| e.to_string())
        });
        compiled
            .as_ref()
            .map_err(|err| anyhow!("rule {} has an invalid regex: {err}", self.spec.id()))
    }

    fn secret_group(&self, regex: &Regex) -> usize {
        if let Some(group) = self.spec.secret_group {
            return group;
        }
        if let Some(i) = regex.capture_names().position(|n| n == Some("secret")) {
            return i;
        }
        usize::from(regex.captures_len() > 1)
    }
}

/// Rules use ASCII classes so `\w`, `\d` and `\b` stay on the fast DFA path
/// over arbitrary bytes; a rule can opt into Unicode with `(?u)`.
fn compile_rule_regex(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .unicode(false)
        .size_limit(32 * 1024 * 1024)
        .build()
}

/// Rules, prefilter and allowlists, built once and shared by every blob.
pub struct Engine {
    rules: Vec<CompiledRule>,
    prefilter: Prefilter,
    allowlists: Vec<Allowlist>,
    /// Single findings the config leaves out (`.gitleaksignore`).
    ignored: Vec<IgnoredFinding>,
    /// What the config asked for that could not be applied.
    config_warnings: Vec<String>,
}

/// A candidate match inside one blob, before deduplication.
struct Hit {
    finding: Finding,
    span: Range<usize>,
    generic: bool,
    /// Allowed by an allowlist or inline marker: not reported, but it still
    /// claims its text, so a generic rule cannot report the same secret.
    allowed: bool,
}

impl Engine {
    /// An engine over the given rules; regexes compile lazily.
    pub fn from_specs(specs: Vec<RuleSpec>, allowlists: Vec<Allowlist>) -> Result<Self> {
        let mut rules = Vec::with_capacity(specs.len());
        for spec in specs {
            if spec.regex.is_none() && spec.path.is_none() {
                bail!("rule {} has neither a regex nor a path", spec.id());
            }
            let path =
                match &spec.path {
                    Some(p) => Some(Regex::new(p.get_ref()).map_err(|e| {
                        anyhow!("rule {} has an invalid path regex: {e}", spec.id())
                    })?),
                    None => None,
                };
            let path_exclude = match &spec.path_exclude {
                Some(p) => Some(Regex::new(p.get_ref()).map_err(|e| {
                    anyhow!("rule {} has an invalid path_exclude regex: {e}", spec.id())
                })?),
                None => None,
            };
            rules.push(CompiledRule {
                spec,
                path,
                path_exclude,
                regex: OnceLock::new(),
            });
        }
        let keywords: Vec<&[String]> = rules
            .iter()
            .map(|r| {
                if r.spec.regex.is_some() {
                    r.spec.keywords.as_slice()
                } else {
                    &[]
                }
            })
            .collect();
        // File-name rules never run through the prefilter.
        let mut prefilter_keywords = keywords.clone();
        let empty: &[String] = &[];
        let content_rules: Vec<bool> = rules.iter().map(|r| r.spec.regex.is_some()).collect();
        for (i, is_content) in content_rules.iter().enumerate() {
            if !is_content {
                prefilter_keywords[i] = empty;
            }
        }
        let prefilter = Prefilter::new(&prefilter_keywords)?;
        Ok(Engine {
            rules,
            prefilter,
            allowlists,
            ignored: Vec::new(),
            config_warnings: Vec::new(),
        })
    }

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
            for rule in Allowlist::named_rules(spec) {
                if !known(rule.get_ref()) {
                    return Err(source.error_at(
                        rule.span(),
                        &format!("allowlist names an unknown rule {:?}", rule.get_ref()),
                    ));
                }
            }
            allowlists.push(Allowlist::compile(spec, source)?);
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
        let mut engine = Engine::from_specs(specs, allowlists)?;
        engine.config_warnings = config.warnings.clone();
        for entry in &config.ignored {
            if !engine.rules.iter().any(|r| r.spec.id() == entry.rule_id) {
                engine.config_warnings.push(format!(
                    "an ignore entry for {}:{} names {:?}, which is not a leakgate rule, so it ignores nothing",
                    entry.path, entry.line, entry.rule_id
                ));
            }
        }
        engine.ignored = config.ignored.clone();
        Ok(engine)
    }

    pub fn rule_specs(&self) -> impl Iterator<Item = &RuleSpec> {
        self.rules.iter().map(|r| &r.spec)
    }

    /// Settings from the config that could not be applied, for the report.
    pub fn config_warnings(&self) -> &[String] {
        &self.config_warnings
    }

    pub fn scan(&self, input: &ScanInput) -> Result<ScanOutcome> {
        let mut outcome = self.scan_blob(input)?;
        if !self.ignored.is_empty() {
            outcome
                .findings
                .retain(|f| !self.ignored.iter().any(|entry| entry.matches(f)));
        }
        Ok(outcome)
    }

    fn scan_blob(&self, input: &ScanInput) -> Result<ScanOutcome> {
        let path_text = input.path.to_string_lossy();
        let mut hits = Vec::new();
        self.match_file_names(input, &path_text, &mut hits);

        let content = input.content;
        let sniff = &content[..content.len().min(BINARY_SNIFF_LEN)];
        if memchr::memchr(0, sniff).is_some() {
            return Ok(ScanOutcome {
                findings: hits.into_iter().map(|h| h.finding).collect(),
                skipped: Some(SkipReason::Binary),
            });
        }
        if input.added.is_empty() {
            return Ok(ScanOutcome {
                findings: hits.into_iter().map(|h| h.finding).collect(),
                skipped: None,
            });
        }

        let mut lines: Option<LineIndex> = None;
        for rule_index in self.prefilter.triggered(content) {
            let rule = &self.rules[rule_index];
            if rule.spec.regex.is_none() {
                continue;
            }
            if !rule.applies_to(path_text.as_bytes()) {
                continue;
            }
            let regex = rule.regex()?;
            let group = rule.secret_group(regex);
            for captures in regex.captures_iter(content) {
                let Some(secret) = captures.get(group) else {
                    continue;
                };
                if secret.is_empty() {
                    continue;
                }
                let lines = lines.get_or_insert_with(|| LineIndex::new(content));
                let whole = captures.get(0).map_or(secret.range(), |m| m.range());
                if let Some(hit) =
                    self.confirm(rule, input, &path_text, lines, secret.range(), whole)
                {
                    hits.push(hit);
                }
            }
        }
        Ok(ScanOutcome {
            findings: prefer_specific(hits),
            skipped: None,
        })
    }

    fn match_file_names(&self, input: &ScanInput, path_text: &str, hits: &mut Vec<Hit>) {
        for rule in self.rules.iter().filter(|r| r.spec.is_path_only()) {
            if !rule.applies_to(path_text.as_bytes()) {
                continue;
            }
            let name = input.path.file_name();
            let candidate = Candidate {
                rule_id: rule.spec.id(),
                path: path_text,
                secret: name,
                line: b"",
                matched: name,
                commit: input.commit.as_ref().map(|c| c.id.as_str()),
            };
            if self.allowlists.iter().any(|a| a.allows(&candidate)) {
                continue;
            }
            let start = crate::location::Position { line: 1, column: 1 };
            hits.push(Hit {
                finding: Finding {
                    rule_id: rule.spec.id().to_string(),
                    description: rule.spec.description.clone(),
                    remediation: rule.spec.remediation.clone(),
                    path: input.path.clone(),
                    start,
                    end: start,
                    secret: Secret::new(name),
                    line: Vec::new(),
                    secret_in_line: 0..0,
                    commit: input.commit.clone(),
                    file_rule: true,
                },
                span: 0..0,
                generic: rule.spec.generic,
                allowed: false,
            });
        }
    }

    /// Runs every check a regex match must pass to become a finding.
    fn confirm(
        &self,
        rule: &CompiledRule,
        input: &ScanInput,
        path_text: &str,
        lines: &LineIndex,
        span: Range<usize>,
        whole: Range<usize>,
    ) -> Option<Hit> {
        let start = lines.position(span.start);
        let end = lines.end_position(span.start, span.end);
        if !input.added.touches(start.line, end.line) {
            return None;
        }
        let secret = &input.content[span.clone()];
        if let Some(min) = rule.spec.entropy
            && entropy::shannon_entropy(secret) < min
        {
            return None;
        }
        if let Some(validator) = rule.spec.validate
            && !validate::validate(validator, secret)
        {
            return None;
        }
        if rule.spec.validate != Some(Validator::Pem) && filters::looks_like_placeholder(secret) {
            return None;
        }
        let lower = secret.to_ascii_lowercase();
        if rule
            .spec
            .stopwords
            .iter()
            .any(|w| memchr::memmem::find(&lower, w.to_ascii_lowercase().as_bytes()).is_some())
        {
            return None;
        }
        let line_range = lines.line_range(span.start);
        let line = &input.content[line_range.clone()];
        let candidate = Candidate {
            rule_id: rule.spec.id(),
            path: path_text,
            secret,
            line,
            matched: &input.content[whole],
            commit: input.commit.as_ref().map(|c| c.id.as_str()),
        };
        let allowed = allowlist::has_inline_marker(line)
            || self.allowlists.iter().any(|a| a.allows(&candidate));
        let in_line_start = span.start - line_range.start;
        let in_line_end = (span.end.min(line_range.end)) - line_range.start;
        Some(Hit {
            finding: Finding {
                rule_id: rule.spec.id().to_string(),
                description: rule.spec.description.clone(),
                remediation: rule.spec.remediation.clone(),
                path: input.path.clone(),
                start,
                end,
                secret: Secret::new(secret),
                line: line.to_vec(),
                secret_in_line: in_line_start..in_line_end.max(in_line_start),
                commit: input.commit.clone(),
                file_rule: false,
            },
            span,
            generic: rule.spec.generic,
            allowed,
        })
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
            let compiled = compile_rule_regex(regex.get_ref())
                .map_err(|e| source.error_at(regex.span(), &format!("invalid regex: {e}")))?;
            if let Some(group) = spec.secret_group
                && group >= compiled.captures_len()
            {
                return Err(source.error_at(
                    regex.span(),
                    &format!(
                        "secret_group = {group}, but the regex has only {} groups",
                        compiled.captures_len() - 1
                    ),
                ));
            }
        }
        _ => {}
    }
    for path in spec.path.iter().chain(spec.path_exclude.iter()) {
        Regex::new(path.get_ref())
            .map_err(|e| source.error_at(path.span(), &format!("invalid path regex: {e}")))?;
    }
    Ok(())
}

/// Drops a generic rule's hit where a specific rule matched overlapping
/// text (even if that match was allowed), and repeated hits of one span,
/// keeping the first rule's; then drops allowed hits.
fn prefer_specific(mut hits: Vec<Hit>) -> Vec<Finding> {
    hits.sort_by_key(|h| (h.generic, h.span.start));
    let mut kept: Vec<Hit> = Vec::with_capacity(hits.len());
    for hit in hits {
        let overlaps = |k: &Hit| {
            k.finding.file_rule == hit.finding.file_rule
                && k.span.start < hit.span.end.max(hit.span.start + 1)
                && hit.span.start < k.span.end.max(k.span.start + 1)
        };
        let duplicate = kept.iter().any(|k| {
            (k.span == hit.span
                && k.finding.file_rule == hit.finding.file_rule
                && !hit.finding.file_rule)
                || (hit.generic && !hit.finding.file_rule && overlaps(k))
        });
        if !duplicate {
            kept.push(hit);
        }
    }
    kept.into_iter()
        .filter(|h| !h.allowed)
        .map(|h| h.finding)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_lines_touching() {
        let added = AddedLines::Ranges(vec![3..5, 9..10]);
        assert!(!added.touches(1, 2));
        assert!(added.touches(2, 3));
        assert!(added.touches(4, 4));
        assert!(!added.touches(5, 8));
        assert!(added.touches(9, 9));
        assert!(!added.touches(10, 12));
        assert!(AddedLines::All.touches(1, 1));
    }
}
