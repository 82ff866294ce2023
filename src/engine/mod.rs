//! The detection engine: given one blob (its path, bytes, and which lines
//! are new), it returns the findings in it.
//!
//! Pipeline per blob: file-name rules → size limit → Git LFS pointer check
//! → decoding (UTF-16 with a byte-order mark, see [`crate::content`]) →
//! binary check → keyword prefilter → the triggered rules' regexes (compiled
//! on first use) → entropy, validator and placeholder filters → allowlists
//! and inline markers → only findings that touch a new line → a specific
//! rule wins over a generic one → single findings the config ignores
//! (`.gitleaksignore`).
//!
//! A rule whose matches provably contain one of its keywords and have a
//! bounded length runs only around its keywords' occurrences, and only
//! around those near a new line ([`matcher`] explains why that finds the
//! same secrets as searching the whole blob).
//!
//! The engine never reads git or the disk; sources hand it bytes. It is
//! `Sync`: one engine scans blobs on many threads at once. Any bytes: it
//! must not panic on, or take more than linear time and memory for, any
//! input (`fuzz/` holds the fuzz target that checks it).

pub mod allowlist;
pub mod entropy;
pub mod filters;
pub mod matcher;
pub mod prefilter;
pub mod validate;

use std::cell::{Cell, OnceCell};
use std::ops::Range;
use std::sync::OnceLock;

use anyhow::{Result, anyhow, bail};

use crate::config::gitleaks::IgnoredFinding;
use crate::config::{LoadedConfig, SourceText};
use crate::finding::{CommitInfo, Finding, Secret};
use crate::location::LineIndex;
use crate::path::RepoPath;
use crate::rules::{self, RuleSpec, Validator};
use allowlist::{Allowlist, Candidate};
use matcher::RuleRegex;
use prefilter::Prefilter;
use regex_automata::meta::Regex as MetaRegex;
use regex_automata::{Input, PatternSet};

/// How many leading bytes git inspects to decide a blob is binary.
const BINARY_SNIFF_LEN: usize = 8000;

/// How much of a long line a finding keeps on each side of its secret, for
/// display: a finding in a 60 MB minified line must not copy the line.
const LINE_EXCERPT_BYTES: usize = 1024;

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
    /// A Git LFS pointer: the content lives on the LFS server.
    LfsPointer,
    /// Over `[scan] max_file_size`; sources skip reading such blobs at all.
    TooLarge {
        size: u64,
        limit: u64,
    },
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::Binary => f.write_str("binary"),
            SkipReason::LfsPointer => f.write_str("git-lfs pointer"),
            SkipReason::TooLarge { size, limit } => {
                write!(f, "{size} bytes, over max_file_size = {limit} bytes")
            }
        }
    }
}

#[derive(Debug, Default)]
pub struct ScanOutcome {
    pub findings: Vec<Finding>,
    pub skipped: Option<SkipReason>,
}

struct CompiledRule {
    spec: RuleSpec,
    paths: OnceLock<Result<PathFilter, String>>,
    regex: OnceLock<Result<RuleRegex, String>>,
}

/// A rule's `path` and `path_exclude`, compiled.
struct PathFilter {
    include: Option<MetaRegex>,
    exclude: Option<MetaRegex>,
}

impl PathFilter {
    fn compile(spec: &RuleSpec) -> Result<Self, String> {
        let compile = |pattern: &Option<toml::Spanned<String>>, key: &str| {
            pattern
                .as_ref()
                .map(|p| {
                    // Never quotes the pattern: it may hold a secret.
                    matcher::compile_path(p.get_ref()).map_err(|e| {
                        let problem = crate::config::describe_regex_error(p.get_ref(), &e);
                        format!("rule {} has an invalid {key} regex: {problem}", spec.id())
                    })
                })
                .transpose()
        };
        Ok(PathFilter {
            include: compile(&spec.path, "path")?,
            exclude: compile(&spec.path_exclude, "path_exclude")?,
        })
    }
}

impl CompiledRule {
    /// A finding of this rule in `input`: what the rule and the blob decide.
    /// Callers fill in where it is.
    fn finding_in(&self, input: &ScanInput, secret: &[u8]) -> Finding {
        Finding {
            rule_id: self.spec.id().to_string(),
            description: self.spec.description.clone(),
            remediation: self.spec.remediation.clone(),
            path: input.path.clone(),
            start: Default::default(),
            end: Default::default(),
            secret: Secret::new(secret),
            line: Vec::new(),
            secret_in_line: 0..0,
            commit: input.commit.clone(),
            file_rule: false,
            matched: Secret::new(secret),
            verification: None,
            hidden_in_line: Vec::new(),
        }
    }

    /// Does the rule apply to a file at this path at all? Path regexes
    /// compile on first use, like content regexes: a content rule's are
    /// needed only once its keyword shows up.
    fn applies_to(&self, path: &[u8]) -> Result<bool> {
        if self.spec.path.is_none() && self.spec.path_exclude.is_none() {
            return Ok(true);
        }
        let filter = self
            .paths
            .get_or_init(|| PathFilter::compile(&self.spec))
            .as_ref()
            .map_err(|err| anyhow!("{err}"))?;
        Ok(filter.include.as_ref().is_none_or(|p| p.is_match(path))
            && !filter.exclude.as_ref().is_some_and(|p| p.is_match(path)))
    }

    /// Parses the content regex on first use: most rules never see a
    /// keyword in a typical commit, so most regexes are never parsed, and
    /// fewer still compiled.
    fn regex(&self) -> Result<&RuleRegex> {
        let compiled = self.regex.get_or_init(|| {
            let pattern = self.spec.regex.as_ref().expect("content rule has a regex");
            RuleRegex::new(
                pattern.get_ref(),
                &self.spec.keywords,
                self.spec.secret_group,
            )
            // Never quotes the pattern: it may hold a secret.
            .map_err(|err| crate::config::describe_regex_error(pattern.get_ref(), &err))
        });
        compiled
            .as_ref()
            .map_err(|err| anyhow!("rule {} has an invalid regex: {err}", self.spec.id()))
    }
}

/// Rules, prefilter and allowlists, built once and shared by every blob.
pub struct Engine {
    rules: Vec<CompiledRule>,
    prefilter: Prefilter,
    allowlists: Vec<Allowlist>,
    /// Single findings the config leaves out (`.gitleaksignore`).
    ignored: Vec<IgnoredFinding>,
    /// `[scan] max_file_size`: larger blobs are skipped, not scanned.
    max_file_size: Option<u64>,
    /// What the config asked for that could not be applied.
    config_warnings: Vec<String>,
    /// What the summary lines among `config_warnings` sum up.
    config_warning_details: Vec<String>,
    /// Search every triggered rule over the whole blob, ignoring keyword
    /// regions: the reference the region search is tested against.
    whole_blobs_only: bool,
    /// The file-name rules, in rule order, and one regex over all their
    /// `path` patterns (pattern `i` is rule `file_name_rules[i]`'s).
    file_name_rules: Vec<usize>,
    file_names: OnceLock<Result<MetaRegex, String>>,
}

/// A candidate match inside one blob, before deduplication.
struct Hit {
    finding: Finding,
    span: Range<usize>,
    generic: bool,
    /// Allowed by an allowlist or inline marker: not reported, but it still
    /// claims its text, so a generic rule cannot report the same secret.
    allowed: bool,
    /// The rule's format check (checksum, JWT, PEM) rejected the text: not
    /// reported, and it claims the text even against earlier generic rules,
    /// because a known format that fails its own check is not a secret.
    format_rejected: bool,
    /// The part of the blob the finding keeps as its line, for display.
    excerpt: Range<usize>,
}

impl Engine {
    /// An engine over the given rules; regexes compile lazily.
    pub fn from_specs(specs: Vec<RuleSpec>, allowlists: Vec<Allowlist>) -> Result<Self> {
        let mut rules = Vec::with_capacity(specs.len());
        for mut spec in specs {
            for word in &mut spec.stopwords {
                word.make_ascii_lowercase();
            }
            if spec.regex.is_none() && spec.path.is_none() {
                bail!("rule {} has neither a regex nor a path", spec.id());
            }
            rules.push(CompiledRule {
                spec,
                paths: OnceLock::new(),
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
        let file_name_rules = (0..rules.len())
            .filter(|&i| rules[i].spec.is_path_only())
            .collect();
        Ok(Engine {
            rules,
            prefilter,
            allowlists,
            ignored: Vec::new(),
            max_file_size: None,
            config_warnings: Vec::new(),
            config_warning_details: Vec::new(),
            whole_blobs_only: false,
            file_name_rules,
            file_names: OnceLock::new(),
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
        engine.config_warning_details = config.warning_details.clone();
        let unknown: Vec<_> = config
            .ignored
            .iter()
            .filter(|entry| {
                !engine
                    .rules
                    .iter()
                    .any(|r| entry.rule_ids.iter().any(|id| id == r.spec.id()))
            })
            .collect();
        let detail = |entry: &crate::config::gitleaks::IgnoredFinding| {
            format!(
                "an ignore entry for {}:{} names {:?}, which is neither a leakgate rule nor a gitleaks rule leakgate knows, so it ignores nothing",
                entry.path, entry.line, entry.rule_id
            )
        };
        match unknown.as_slice() {
            [] => {}
            [entry] => engine.config_warnings.push(detail(entry)),
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
                engine.config_warnings.push(format!(
                    "{} ignore entries name rules leakgate has no counterpart for ({}{more}), so they ignore nothing; \
                     `leakgate rules` lists leakgate's ids, --verbose lists the entries",
                    entries.len(),
                    named.join(", ")
                ));
                engine
                    .config_warning_details
                    .extend(entries.iter().map(|e| detail(e)));
            }
        }
        engine.ignored = config.ignored.clone();
        engine.max_file_size = file.scan.max_file_size();
        Ok(engine)
    }

    pub fn rule_specs(&self) -> impl Iterator<Item = &RuleSpec> {
        self.rules.iter().map(|r| &r.spec)
    }

    /// Settings from the config that could not be applied, for the report.
    pub fn config_warnings(&self) -> &[String] {
        &self.config_warnings
    }

    /// One line per item the summary lines of [`Self::config_warnings`]
    /// count, for `--verbose`.
    pub fn config_warning_details(&self) -> &[String] {
        &self.config_warning_details
    }

    /// The size above which blobs are skipped. Sources that can learn a
    /// blob's size without reading it (git's object header, a file's
    /// metadata) check it first and call [`Engine::skip_too_large`].
    pub fn max_file_size(&self) -> Option<u64> {
        self.max_file_size
    }

    /// For a blob of `size` bytes over [`Engine::max_file_size`]: the outcome
    /// without reading it (file-name rules still apply), else `None`.
    pub fn skip_too_large(
        &self,
        path: &RepoPath,
        commit: Option<&CommitInfo>,
        size: u64,
    ) -> Result<Option<ScanOutcome>> {
        let Some(limit) = self.max_file_size.filter(|&limit| size > limit) else {
            return Ok(None);
        };
        let input = ScanInput {
            path: path.clone(),
            content: &[],
            added: AddedLines::All,
            commit: commit.cloned(),
        };
        let mut hits = Vec::new();
        self.match_file_names(&input, &input.path.to_string_lossy(), &mut hits)?;
        Ok(Some(ScanOutcome {
            findings: hits.into_iter().map(|h| h.finding).collect(),
            skipped: Some(SkipReason::TooLarge { size, limit }),
        }))
    }

    pub fn scan(&self, input: &ScanInput) -> Result<ScanOutcome> {
        let mut outcome = match self.skip_too_large(
            &input.path,
            input.commit.as_ref(),
            input.content.len() as u64,
        )? {
            Some(outcome) => outcome,
            None => self.scan_blob(input)?,
        };
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
        self.match_file_names(input, &path_text, &mut hits)?;

        if crate::content::is_lfs_pointer(input.content) {
            return Ok(ScanOutcome {
                findings: hits.into_iter().map(|h| h.finding).collect(),
                skipped: Some(SkipReason::LfsPointer),
            });
        }
        let decoded = crate::content::text_for_scanning(input.content);
        let content: &[u8] = &decoded;
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

        let text = BlobText::new(content);
        let lines = || text.lines();
        // Every rule match, whatever becomes of it: each is masked wherever
        // a finding's line shows it (see `mask_candidates`).
        let mut candidates = Vec::new();
        let keywords = self.prefilter.scan(content);
        for &rule_index in &keywords.triggered {
            let rule = &self.rules[rule_index];
            if rule.spec.regex.is_none() {
                continue;
            }
            if !rule.applies_to(path_text.as_bytes())? {
                continue;
            }
            let regex = rule.regex()?;
            let reach = regex.keyword_reach().filter(|_| !self.whole_blobs_only);
            let regions = match reach {
                Some(reach) => {
                    let around = self.prefilter.occurrences_of(&keywords, rule_index);
                    let regions = matcher::regions_around(around, reach, content.len());
                    let regions = near_new_lines(regions, &input.added, lines);
                    if regions.is_empty() {
                        continue;
                    }
                    Some(regions)
                }
                None => None,
            };
            regex
                .for_each_secret(content, regions.as_deref(), |mut secret, whole| {
                    // A pattern like `[^"]+` can still run into the `\r` of
                    // a CRLF line ending; it is never part of the secret.
                    while secret.end > secret.start && content[secret.end - 1] == b'\r' {
                        secret.end -= 1;
                    }
                    if secret.is_empty() {
                        return;
                    }
                    candidates.push(secret.clone());
                    if let Some(hit) = self.confirm(rule, input, &path_text, &text, secret, whole) {
                        hits.push(hit);
                    }
                })
                .map_err(|err| anyhow!("rule {} has an invalid regex: {err}", rule.spec.id()))?;
        }
        mask_candidates(&mut hits, candidates);
        Ok(ScanOutcome {
            findings: prefer_specific(hits),
            skipped: None,
        })
    }

    /// One regex over every file-name rule's `path`, built on first use.
    fn file_name_regex(&self) -> Result<&MetaRegex> {
        self.file_names
            .get_or_init(|| {
                let patterns: Vec<&str> = self
                    .file_name_rules
                    .iter()
                    .map(|&i| {
                        let path = self.rules[i].spec.path.as_ref();
                        path.expect("file-name rule has a path").get_ref().as_str()
                    })
                    .collect();
                matcher::compile_paths(&patterns)
                    .map_err(|e| format!("the file-name rules' path regexes are invalid: {e}"))
            })
            .as_ref()
            .map_err(|err| anyhow!("{err}"))
    }

    /// Does now the start-up work every scan needs: the file-name rules'
    /// regex, consulted for every file. The staged scan calls it while git
    /// lists the changes, so on a second core it costs no wall time. (Rule
    /// regexes are not analysed here: which rules a commit triggers is not
    /// known yet, and analysing all of them outlasts git.) Errors are left
    /// for the scan to report.
    pub fn warm_up(&self) {
        if !self.file_name_rules.is_empty() {
            let _ = self.file_name_regex();
        }
    }

    fn match_file_names(
        &self,
        input: &ScanInput,
        path_text: &str,
        hits: &mut Vec<Hit>,
    ) -> Result<()> {
        if self.file_name_rules.is_empty() {
            return Ok(());
        }
        let file_names = self.file_name_regex()?;
        let mut matched = PatternSet::new(file_names.pattern_len());
        file_names.which_overlapping_matches(&Input::new(path_text.as_bytes()), &mut matched);
        for pattern in matched.iter() {
            let rule = &self.rules[self.file_name_rules[pattern.as_usize()]];
            // Rare (the path matched): now pay for the rule's own filter,
            // which adds its `path_exclude`.
            if !rule.applies_to(path_text.as_bytes())? {
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
                    start,
                    end: start,
                    file_rule: true,
                    ..rule.finding_in(input, name)
                },
                span: 0..0,
                generic: rule.spec.generic,
                allowed: false,
                format_rejected: false,
                excerpt: 0..0,
            });
        }
        Ok(())
    }

    /// Runs every check a regex match must pass to become a finding.
    fn confirm(
        &self,
        rule: &CompiledRule,
        input: &ScanInput,
        path_text: &str,
        text: &BlobText,
        span: Range<usize>,
        whole: Range<usize>,
    ) -> Option<Hit> {
        let lines = text.lines();
        let start = lines.position(span.start);
        let end = lines.end_position(span.start, span.end);
        if !input.added.touches(start.line, end.line) {
            return None;
        }
        let secret = &text.content[span.clone()];
        // A specific rule's threshold fits its format's alphabet; a catch-all
        // rule's cannot, so long hex values get hex's yardstick there.
        if let Some(min) = rule.spec.entropy
            && !(if rule.spec.generic {
                entropy::is_random_enough(secret, min)
            } else {
                entropy::shannon_entropy(secret) >= min
            })
        {
            return None;
        }
        let format_rejected = rule
            .spec
            .validate
            .is_some_and(|validator| !validate::validate(validator, secret));
        if rule.spec.generic && !format_rejected && filters::is_generated_file(path_text) {
            return None;
        }
        if !format_rejected && self.is_false_positive(rule, text.content, &span, lines) {
            return None;
        }
        let line_range = lines.line_range(span.start);
        let line = &text.content[line_range.clone()];
        let candidate = Candidate {
            rule_id: rule.spec.id(),
            path: path_text,
            secret,
            line,
            matched: &text.content[whole.clone()],
            commit: input.commit.as_ref().map(|c| c.id.as_str()),
        };
        let allowed = text.has_inline_marker(line_range.clone())
            || self.allowlists.iter().any(|a| a.allows(&candidate));
        let excerpt = line_excerpt(text.content, line_range, &span);
        // Clipped to the line: a secret may start at the line's `\r` or
        // `\n` (a rule matching leading whitespace) or run past its end.
        let in_line_start = span.start.min(excerpt.end) - excerpt.start;
        let in_line_end = span.end.min(excerpt.end) - excerpt.start;
        Some(Hit {
            finding: Finding {
                start,
                end,
                line: text.content[excerpt.clone()].to_vec(),
                secret_in_line: in_line_start..in_line_end.max(in_line_start),
                matched: Secret::new(&text.content[whole]),
                ..rule.finding_in(input, secret)
            },
            span,
            generic: rule.spec.generic,
            allowed,
            format_rejected,
            excerpt,
        })
    }

    /// The value-level filters: placeholders, published test keys, stopwords
    /// and, for catch-all rules, values that are not random.
    fn is_false_positive(
        &self,
        rule: &CompiledRule,
        content: &[u8],
        span: &Range<usize>,
        lines: &LineIndex,
    ) -> bool {
        let secret = &content[span.clone()];
        if rule.spec.validate != Some(Validator::Pem) && filters::looks_like_placeholder(secret) {
            return true;
        }
        if filters::is_published_non_secret(secret) {
            return true;
        }
        if rule.spec.generic {
            let before = &content[lines.line_range(span.start).start..span.start];
            if filters::generic_value_is_benign(secret, before) {
                return true;
            }
        }
        if rule.spec.stopwords.is_empty() {
            return false;
        }
        // Stopwords were lowercased when the engine was built.
        let lower = secret.to_ascii_lowercase();
        rule.spec
            .stopwords
            .iter()
            .any(|w| memchr::memmem::find(&lower, w.as_bytes()).is_some())
    }
}

/// One blob's text as the rules see it, and what is learnt about it while
/// confirming matches.
struct BlobText<'c> {
    content: &'c [u8],
    lines: OnceCell<LineIndex<'c>>,
    /// Whether the line starting at this offset has an inline allow marker.
    /// Matches on a minified file all share one huge line; this keeps each
    /// of them from searching it again.
    marker: Cell<Option<(usize, bool)>>,
}

impl<'c> BlobText<'c> {
    fn new(content: &'c [u8]) -> Self {
        BlobText {
            content,
            lines: OnceCell::new(),
            marker: Cell::new(None),
        }
    }

    fn lines(&self) -> &LineIndex<'c> {
        self.lines.get_or_init(|| LineIndex::new(self.content))
    }

    fn has_inline_marker(&self, line: Range<usize>) -> bool {
        if let Some((start, found)) = self.marker.get()
            && start == line.start
        {
            return found;
        }
        let found = allowlist::has_inline_marker(&self.content[line.clone()]);
        self.marker.set(Some((line.start, found)));
        found
    }
}

/// The part of a line a finding keeps for display: the whole line, or on a
/// very long line a window around the secret cut at character boundaries.
fn line_excerpt(content: &[u8], line: Range<usize>, secret: &Range<usize>) -> Range<usize> {
    let continues_a_character = |i: usize| content.get(i).is_some_and(|&b| (b & 0xC0) == 0x80);
    let mut start = line
        .start
        .max(secret.start.saturating_sub(LINE_EXCERPT_BYTES));
    while start < secret.start && continues_a_character(start) {
        start += 1;
    }
    let mut end = line.end.min(secret.end.saturating_add(LINE_EXCERPT_BYTES));
    while end > secret.end && end > start && continues_a_character(end) {
        end -= 1;
    }
    start..end.max(start)
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

/// Keeps the regions that overlap a new line: a finding must touch one, and
/// its secret lies inside its region, so the others cannot yield one.
fn near_new_lines<'c>(
    regions: Vec<Range<usize>>,
    added: &AddedLines,
    lines: impl FnOnce() -> &'c LineIndex<'c>,
) -> Vec<Range<usize>> {
    let AddedLines::Ranges(ranges) = added else {
        return regions;
    };
    let lines = lines();
    let new_bytes: Vec<Range<usize>> = ranges
        .iter()
        .map(|r| lines.byte_range_of_lines(r.start, r.end))
        .filter(|r| !r.is_empty())
        .collect();
    regions
        .into_iter()
        .filter(|region| {
            let i = new_bytes.partition_point(|b| b.end <= region.start);
            new_bytes.get(i).is_some_and(|b| b.start < region.end)
        })
        .collect()
}

/// Records on each hit where the rule matches on its displayed line lie, so
/// reports mask every one of them, whether it is reported or not: a secret
/// that an allowlist, the baseline or `.gitleaksignore` accepts, or that a
/// filter dropped, is still printed beside another finding on its line.
fn mask_candidates(hits: &mut [Hit], mut candidates: Vec<Range<usize>>) {
    if hits.is_empty() {
        return;
    }
    candidates.sort_by_key(|c| (c.start, c.end));
    candidates.dedup();
    let longest = candidates.iter().map(|c| c.len()).max().unwrap_or(0);
    for hit in hits.iter_mut().filter(|h| !h.finding.file_rule) {
        let excerpt = hit.excerpt.clone();
        // Candidates are sorted by start, and none is longer than `longest`.
        let from = candidates.partition_point(|c| c.start + longest <= excerpt.start);
        hit.finding.hidden_in_line = candidates[from..]
            .iter()
            .take_while(|c| c.start < excerpt.end)
            .filter(|c| c.end > excerpt.start)
            .map(|c| {
                c.start.max(excerpt.start) - excerpt.start..c.end.min(excerpt.end) - excerpt.start
            })
            .collect();
    }
}

/// Drops a generic rule's hit where a specific rule matched overlapping
/// text (even if that match was allowed or failed its format check), and
/// repeated hits of one span, keeping the first rule's; then drops allowed
/// and rejected hits, and file-name hits in a file whose content already
/// has a finding (the content finding says which secret to rotate).
fn prefer_specific(mut hits: Vec<Hit>) -> Vec<Finding> {
    hits.sort_by_key(|h| (h.generic && !h.format_rejected, h.span.start));
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
    kept.retain(|h| !h.allowed && !h.format_rejected);
    if kept.iter().any(|h| !h.finding.file_rule) {
        kept.retain(|h| !h.finding.file_rule);
    }
    kept.into_iter().map(|h| h.finding).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const PLANTED_KEY: &str = "AKIAD7RGN7SS555HMTF6";

    /// Filler that cannot form or touch a key: words, spaces, multi-byte
    /// characters and invalid UTF-8.
    fn filler() -> impl Strategy<Value = Vec<u8>> {
        const PIECES: [&[u8]; 8] = [
            b"var ",
            b" = ",
            "\u{e9}".as_bytes(),
            "\u{20ac}".as_bytes(),
            b"\xff",
            b"\x80",
            b"\t",
            b"\"; ",
        ];
        proptest::collection::vec(proptest::sample::select(&PIECES[..]), 0..8)
            .prop_map(|parts| parts.concat())
    }

    proptest! {
        /// Keys planted at random places in random lines (LF or CRLF, with
        /// invalid UTF-8 around them) are each found at exactly their line
        /// and column, counted the slow way.
        #[test]
        fn planted_keys_are_found_where_they_are(
            lines in proptest::collection::vec((filler(), any::<bool>(), filler()), 1..12),
            crlf in any::<bool>(),
        ) {
            static ENGINE: std::sync::LazyLock<Engine> =
                std::sync::LazyLock::new(|| Engine::from_config(None).unwrap());
            let engine = &*ENGINE;
            let mut text = Vec::new();
            let mut expected = Vec::new();
            for (i, (before, has_key, after)) in lines.iter().enumerate() {
                text.extend_from_slice(before);
                if *has_key {
                    // `="` and `"` keep the key a word of its own.
                    let column = crate::location::char_count(before) as u32 + 3;
                    expected.push((i as u32 + 1, column));
                    text.extend_from_slice(format!("=\"{PLANTED_KEY}\"").as_bytes());
                }
                text.extend_from_slice(after);
                text.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
            }
            let outcome = engine
                .scan(&ScanInput::whole(RepoPath::new("planted.txt"), &text))
                .unwrap();
            let found: Vec<(u32, u32)> = outcome
                .findings
                .iter()
                .filter(|f| f.rule_id == "aws-access-key-id")
                .map(|f| (f.start.line, f.start.column))
                .collect();
            prop_assert_eq!(found, expected);
            for finding in &outcome.findings {
                prop_assert_eq!(finding.secret.expose(), PLANTED_KEY.as_bytes());
                prop_assert_eq!(finding.end.column, finding.start.column + 19);
            }
        }
    }

    fn engine_with_rule(id: &str, regex: &str, keywords: &[&str]) -> Engine {
        let keywords: Vec<String> = keywords.iter().map(|k| format!("{k:?}")).collect();
        let toml = format!(
            "[[rules]]\nid = \"{id}\"\nregex = '''{regex}'''\nkeywords = [{}]\n",
            keywords.join(", ")
        );
        let specs = rules::parse_rules(&SourceText::new("test.toml", toml)).unwrap();
        Engine::from_specs(specs, Vec::new()).unwrap()
    }

    fn lines_found(engine: &Engine, content: &str, added: AddedLines) -> Vec<u32> {
        let input = ScanInput {
            path: RepoPath::new("a.txt"),
            content: content.as_bytes(),
            added,
            commit: None,
        };
        let outcome = engine.scan(&input).unwrap();
        outcome.findings.iter().map(|f| f.start.line).collect()
    }

    #[test]
    #[allow(clippy::single_range_in_vec_init)] // one range of new lines
    fn a_new_secret_whose_keyword_is_on_an_old_line_is_found() {
        let engine = engine_with_rule(
            "split",
            r#"(?i)secret\s{0,5}=\s{0,5}"([A-Za-z0-9]{8,20})""#,
            &["secret"],
        );
        let rule = engine.rules[0].regex().unwrap();
        assert_eq!(
            rule.keyword_reach(),
            Some(matcher::Reach {
                before: 6,
                after: 39
            }),
            "the rule runs around keywords"
        );
        let text = "x = 1\nSECRET =\n    \"q8Fz2LmX0pRt7WvNc3Yb\"\ny = 2\n";
        assert_eq!(
            lines_found(&engine, text, AddedLines::Ranges(vec![3..4])),
            vec![3]
        );
        let only_line_4 = AddedLines::Ranges(vec![4..5]);
        assert_eq!(lines_found(&engine, text, only_line_4), Vec::<u32>::new());
        assert_eq!(lines_found(&engine, text, AddedLines::All), vec![3]);
    }

    #[test]
    fn a_keyword_at_the_far_end_of_a_match_is_reached() {
        let engine = engine_with_rule(
            "before",
            r"\b([a-z0-9]{8,40})[ ]{0,10}(?:secret|token)\b",
            &["secret", "token"],
        );
        let text = format!(
            "{} {}          secret\nshort1234 token\n",
            "a".repeat(50),
            "k3y".repeat(13)
        );
        assert_eq!(lines_found(&engine, &text, AddedLines::All), vec![1, 2]);
    }

    /// Every built-in rule's examples and negative examples, in a blob with
    /// filler between them and only some lines new: searching around
    /// keywords near new lines must report exactly what searching the whole
    /// blob reports.
    #[test]
    fn keyword_regions_report_what_the_whole_blob_search_reports() {
        let specs = rules::builtin_rules_with_examples().unwrap();
        let mut text = String::new();
        for (i, spec) in specs.iter().enumerate() {
            for example in spec.examples.iter().chain(&spec.negative_examples) {
                text.push_str(example);
                text.push_str(if i % 3 == 0 { " " } else { "\n" });
                text.push_str(&"filler text, key token secret\n".repeat(i % 4));
            }
        }
        let lines = text.lines().count() as u32;
        let fast = Engine::from_specs(specs.clone(), Vec::new()).unwrap();
        let mut reference = Engine::from_specs(specs, Vec::new()).unwrap();
        reference.whole_blobs_only = true;
        let every_third: Vec<Range<u32>> = (1..=lines).step_by(3).map(|l| l..l + 1).collect();
        for added in [AddedLines::All, AddedLines::Ranges(every_third)] {
            let input = ScanInput {
                path: RepoPath::new("mixed.txt"),
                content: text.as_bytes(),
                added: added.clone(),
                commit: None,
            };
            let found = |engine: &Engine| -> Vec<(String, u32, u32)> {
                let outcome = engine.scan(&input).unwrap();
                outcome
                    .findings
                    .iter()
                    .map(|f| (f.rule_id.clone(), f.start.line, f.start.column))
                    .collect()
            };
            let expected = found(&reference);
            assert!(
                expected.len() > 5,
                "the blob must have findings: {expected:?}"
            );
            assert_eq!(found(&fast), expected, "with {added:?}");
        }
    }

    fn builtin_engine() -> Engine {
        Engine::from_specs(rules::builtin_rules().unwrap(), Vec::new()).unwrap()
    }

    /// Rule id and line of every finding in one file.
    fn findings(engine: &Engine, path: &str, text: &str) -> Vec<(String, u32)> {
        let input = ScanInput::whole(RepoPath::new(path), text.as_bytes());
        let outcome = engine.scan(&input).unwrap();
        outcome
            .findings
            .iter()
            .map(|f| (f.rule_id.clone(), f.start.line))
            .collect()
    }

    #[test]
    fn a_token_that_fails_its_own_checksum_is_not_reported_by_a_catch_all_rule() {
        let engine = builtin_engine();
        let bad_crc = "GITHUB_TOKEN = \"ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8024xXX\"\n";
        assert_eq!(findings(&engine, "deploy.py", bad_crc), vec![]);
        let good = "GITHUB_TOKEN = \"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\"\n";
        assert_eq!(
            findings(&engine, "deploy.py", good),
            vec![("github-pat-classic".to_string(), 1)]
        );
    }

    #[test]
    fn a_jwt_whose_segments_are_not_json_is_not_reported_under_a_token_name() {
        let engine = builtin_engine();
        let text = "MOCK_ACCESS_TOKEN = \"eyJzlPMusri0HmQTknTC84dbl9Fn9gAmL4H34I.eyJ_dUJsDTUToa0B6RCzdOTuck9B7kzs.yT-qmmy1giYESFMdi5CfgfMit4hpOyXqkX_3\"\n";
        assert_eq!(findings(&engine, "test_api.py", text), vec![]);
    }

    #[test]
    fn a_dotenv_file_with_a_secret_is_reported_once_at_the_secret() {
        let engine = builtin_engine();
        let text = "DEBUG=1\nSTRIPE_KEY=sk_live_xiRGHOY32nfr5pyzPCB9t203\n";
        assert_eq!(
            findings(&engine, "app/.env", text),
            vec![("stripe-secret-key".to_string(), 2)]
        );
        assert_eq!(
            findings(&engine, "app/.env", "DEBUG=1\n"),
            vec![("dotenv-file".to_string(), 1)]
        );
    }

    #[test]
    fn published_test_and_publishable_keys_are_not_secrets() {
        let engine = builtin_engine();
        let text = "STRIPE_SECRET_KEY = \"sk_test_zRAqyomV3dgFRMvcpRj46mcp\"\n\
                    STRIPE_PUBLISHABLE_KEY = \"pk_live_KFkcIBMifKb1KnjJQbQqtuGy\"\n";
        assert_eq!(findings(&engine, "settings.py", text), vec![]);
    }

    #[test]
    fn identifiers_ids_and_digests_under_secret_names_are_not_secrets() {
        let engine = builtin_engine();
        let text = "FORCE_CHANGE_PASSWORD = \"FORCE_CHANGE_PASSWORD\"\n\
                    token_type = 'quoted-string'\n\
                    \"alias/aws/secretsmanager\": \"fee5173a-3972-428e-ae73-cd4c2a371222\",\n\
                    \"AWS::IAM::AccessKey\": \"62d91b17309e76c8\",\n\
                    api_key_sha256 = \"484557880602a759bb4edc1d2524f0d4a83fa802af4581b87d3a3cd6c09a966f\"\n\
                    \"private_key_id\": \"0566171e1b68bec307bfe5fbb58290c1567768d0\",\n\
                    password = \"admin123\"\n";
        assert_eq!(findings(&engine, "providers.py", text), vec![]);
        let real = "INTERNAL_API_TOKEN = \"c43fada4aa948adce551e54df81d03a8375e7d67\"\n";
        assert_eq!(findings(&engine, "providers.py", real).len(), 1);
    }

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
