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
pub mod check;
pub mod drop;
pub mod entropy;
pub mod filters;
pub mod ignored;
pub mod matcher;
pub mod prefilter;
pub mod validate;

use std::cell::{Cell, OnceCell};
use std::ops::Range;
use std::sync::OnceLock;

use anyhow::{Result, anyhow, bail};

use crate::finding::{CommitInfo, Finding, Secret};
use crate::location::LineIndex;
use crate::path::RepoPath;
#[cfg(test)]
use crate::rules;
use crate::rules::RuleSpec;
#[cfg(test)]
use crate::source_text::SourceText;
use allowlist::{Allowlist, Candidate};
pub use drop::DropReason;
pub use ignored::IgnoredFinding;
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
                .map(|p| matcher::compile_path(p.get_ref()))
                .transpose()
                .map_err(|e| format!("rule {} has an invalid {key} regex: {e}", spec.id()))
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
        });
        compiled
            .as_ref()
            .map_err(|err| anyhow!("rule {} has an invalid regex: {err}", self.spec.id()))
    }
}

/// What a config sets for an engine beyond its rules and allowlists.
#[derive(Debug, Default)]
pub struct Settings {
    /// Single findings to leave out (`.gitleaksignore`).
    pub ignored: Vec<IgnoredFinding>,
    /// `[scan] max_file_size`.
    pub max_file_size: Option<u64>,
    /// What the config asked for that could not be applied.
    pub warnings: Vec<String>,
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
    /// Why the hit is not reported although it still claims its text, so a
    /// catch-all rule cannot report the same secret: an allowlist or inline
    /// marker allowed it, its format check failed (a known format that fails
    /// its own check is not a secret, so it claims the text even against
    /// earlier catch-all rules), or its rule recognises non-secrets.
    claimed: Option<DropReason>,
    /// The part of the blob the finding keeps as its line, for display.
    excerpt: Range<usize>,
}

impl Hit {
    /// Does the hit keep catch-all rules off its text even when they come
    /// first? A format's verdict on its own text is stronger than a
    /// catch-all rule's guess.
    fn claims_text_first(&self) -> bool {
        matches!(
            self.claimed,
            Some(DropReason::FormatRejected(_) | DropReason::NotSecret)
        )
    }
}

/// What the value checks say about a match ([`judge_value`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// A secret, as far as the value shows.
    Secret,
    /// Not reported, but the match keeps catch-all rules off its text.
    Claims(DropReason),
    /// Not a secret.
    Dropped(DropReason),
}

/// One candidate of `leakgate explain`: a match of a rule, where it is,
/// and why it was dropped (`None`: reported).
#[derive(Debug)]
pub struct Considered {
    pub finding: Finding,
    pub dropped: Option<DropReason>,
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
            whole_blobs_only: false,
            file_name_rules,
            file_names: OnceLock::new(),
        })
    }

    /// Applies what a config sets beyond rules and allowlists: single
    /// findings to leave out, the size limit, and warnings for the report.
    pub fn with_settings(mut self, settings: Settings) -> Self {
        self.ignored = settings.ignored;
        self.max_file_size = settings.max_file_size;
        self.config_warnings = settings.warnings;
        self
    }

    /// The rules, in order.
    pub fn rule_specs(&self) -> impl Iterator<Item = &RuleSpec> {
        self.rules.iter().map(|r| &r.spec)
    }

    /// Settings from the config that could not be applied, for the report.
    pub fn config_warnings(&self) -> &[String] {
        &self.config_warnings
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
        self.skip_too_large_recording(path, commit, size, None)
    }

    fn skip_too_large_recording(
        &self,
        path: &RepoPath,
        commit: Option<&CommitInfo>,
        size: u64,
        dropped: Option<&mut Vec<Considered>>,
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
            findings: prefer_specific(hits, dropped),
            skipped: Some(SkipReason::TooLarge { size, limit }),
        }))
    }

    /// The findings in one blob.
    pub fn scan(&self, input: &ScanInput) -> Result<ScanOutcome> {
        self.scan_recording(input, None)
    }

    /// Every candidate the rules matched in one blob, reported or not, with
    /// why each dropped one was dropped, in position order; and the outcome
    /// a scan has. Slower than [`Engine::scan`]: for `leakgate explain`,
    /// rule checks and tests.
    pub fn explain(&self, input: &ScanInput) -> Result<(ScanOutcome, Vec<Considered>)> {
        let mut considered = Vec::new();
        let outcome = self.scan_recording(input, Some(&mut considered))?;
        considered.extend(outcome.findings.iter().map(|finding| Considered {
            finding: finding.clone(),
            dropped: None,
        }));
        considered.sort_by(|a, b| {
            (a.finding.start, a.finding.end, &a.finding.rule_id).cmp(&(
                b.finding.start,
                b.finding.end,
                &b.finding.rule_id,
            ))
        });
        Ok((outcome, considered))
    }

    /// Scans one blob; with `dropped`, also records each candidate that is
    /// not reported and why.
    fn scan_recording(
        &self,
        input: &ScanInput,
        mut dropped: Option<&mut Vec<Considered>>,
    ) -> Result<ScanOutcome> {
        let mut outcome = match self.skip_too_large_recording(
            &input.path,
            input.commit.as_ref(),
            input.content.len() as u64,
            dropped.as_deref_mut(),
        )? {
            Some(outcome) => outcome,
            None => self.scan_blob(input, dropped.as_deref_mut())?,
        };
        if !self.ignored.is_empty() {
            let (ignored, kept) = std::mem::take(&mut outcome.findings)
                .into_iter()
                .partition(|f| self.ignored.iter().any(|entry| entry.matches(f)));
            outcome.findings = kept;
            record_all(&mut dropped, ignored, DropReason::IgnoredByConfig);
        }
        Ok(outcome)
    }

    fn scan_blob(
        &self,
        input: &ScanInput,
        mut dropped: Option<&mut Vec<Considered>>,
    ) -> Result<ScanOutcome> {
        let path_text = input.path.to_string_lossy();
        let mut hits = Vec::new();
        self.match_file_names(input, &path_text, &mut hits)?;

        let only_file_names = |hits, dropped, skipped| ScanOutcome {
            findings: prefer_specific(hits, dropped),
            skipped,
        };
        if crate::content::is_lfs_pointer(input.content) {
            return Ok(only_file_names(hits, dropped, Some(SkipReason::LfsPointer)));
        }
        let decoded = crate::content::text_for_scanning(input.content);
        let content: &[u8] = &decoded;
        let sniff = &content[..content.len().min(BINARY_SNIFF_LEN)];
        if memchr::memchr(0, sniff).is_some() {
            return Ok(only_file_names(hits, dropped, Some(SkipReason::Binary)));
        }
        if input.added.is_empty() {
            return Ok(only_file_names(hits, dropped, None));
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
                    match self.confirm(rule, input, &path_text, &text, secret.clone(), whole) {
                        Ok(hit) => hits.push(hit),
                        Err(reason) => {
                            if let Some(dropped) = dropped.as_deref_mut() {
                                dropped.push(Considered {
                                    finding: self.finding_at(rule, input, &text, &secret).0,
                                    dropped: Some(reason),
                                });
                            }
                        }
                    }
                })
                .map_err(|err| anyhow!("rule {} has an invalid regex: {err}", rule.spec.id()))?;
        }
        mask_candidates(&mut hits, candidates);
        Ok(ScanOutcome {
            findings: prefer_specific(hits, dropped),
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
            let claimed = self
                .allowlists
                .iter()
                .find(|a| a.allows(&candidate))
                .map(|a| DropReason::Allowlisted {
                    description: a.description.clone(),
                });
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
                claimed,
                excerpt: 0..0,
            });
        }
        Ok(())
    }

    /// Runs every check a regex match must pass to become a finding: a
    /// hit (which may still be allowed or claim its text unreported), or why
    /// it was dropped.
    fn confirm(
        &self,
        rule: &CompiledRule,
        input: &ScanInput,
        path_text: &str,
        text: &BlobText,
        span: Range<usize>,
        whole: Range<usize>,
    ) -> Result<Hit, DropReason> {
        let lines = text.lines();
        let start = lines.position(span.start);
        let end = lines.end_position(span.start, span.end);
        if !input.added.touches(start.line, end.line) {
            return Err(DropReason::NotOnANewLine);
        }
        let secret = &text.content[span.clone()];
        let line_range = lines.line_range(span.start);
        let before = &text.content[line_range.start..span.start];
        let mut claimed = match rule.judge_value(path_text, secret, before) {
            Verdict::Secret => None,
            Verdict::Claims(reason) => Some(reason),
            Verdict::Dropped(reason) => return Err(reason),
        };
        if claimed.is_none() {
            let candidate = Candidate {
                rule_id: rule.spec.id(),
                path: path_text,
                secret,
                line: &text.content[line_range.clone()],
                matched: &text.content[whole],
                commit: input.commit.as_ref().map(|c| c.id.as_str()),
            };
            claimed = if text.has_inline_marker(line_range) {
                Some(DropReason::InlineMarker)
            } else {
                self.allowlists
                    .iter()
                    .find(|a| a.allows(&candidate))
                    .map(|a| DropReason::Allowlisted {
                        description: a.description.clone(),
                    })
            };
        }
        let (finding, excerpt) = self.finding_at(rule, input, text, &span);
        Ok(Hit {
            finding,
            span,
            generic: rule.spec.generic,
            claimed,
            excerpt,
        })
    }

    /// The finding a match of `rule` at `span` makes, with its place and
    /// line, and the part of the blob it keeps as its line.
    fn finding_at(
        &self,
        rule: &CompiledRule,
        input: &ScanInput,
        text: &BlobText,
        span: &Range<usize>,
    ) -> (Finding, Range<usize>) {
        let lines = text.lines();
        let line_range = lines.line_range(span.start);
        let excerpt = line_excerpt(text.content, line_range, span);
        // Clipped to the line: a secret may start at the line's `\r` or
        // `\n` (a rule matching leading whitespace) or run past its end.
        let in_line_start = span.start.min(excerpt.end) - excerpt.start;
        let in_line_end = span.end.min(excerpt.end) - excerpt.start;
        let finding = Finding {
            start: lines.position(span.start),
            end: lines.end_position(span.start, span.end),
            line: text.content[excerpt.clone()].to_vec(),
            secret_in_line: in_line_start..in_line_end.max(in_line_start),
            ..rule.finding_in(input, &text.content[span.clone()])
        };
        (finding, excerpt)
    }
}

impl CompiledRule {
    /// The checks on a matched value itself, in order: entropy, the format
    /// check, a catch-all rule in a generated file, placeholders, a
    /// catch-all rule's randomness, stopwords, and whether the rule
    /// recognises non-secrets. `before` is the text before the secret on
    /// its line (its key), `path` the file's.
    fn judge_value(&self, path: &str, secret: &[u8], before: &[u8]) -> Verdict {
        let spec = &self.spec;
        // A specific rule's threshold fits its format's alphabet; a catch-all
        // rule's cannot, so long hex values get hex's yardstick there.
        if let Some(min) = spec.entropy
            && !(if spec.generic {
                entropy::is_random_enough(secret, min)
            } else {
                entropy::shannon_entropy(secret) >= min
            })
        {
            let entropy = entropy::shannon_entropy(secret);
            return Verdict::Dropped(DropReason::LowEntropy { entropy, min });
        }
        let format = match spec.validate {
            Some(validator) if !validate::validate(validator, secret) => {
                return Verdict::Claims(DropReason::FormatRejected(validator));
            }
            Some(_) => filters::Format::Validated,
            None if spec.distinctive => filters::Format::Distinctive,
            None => filters::Format::Unverified,
        };
        if spec.generic && filters::is_generated_file(path) {
            return Verdict::Dropped(DropReason::GeneratedFile);
        }
        if let Some(kind) = filters::placeholder(secret, format) {
            return Verdict::Dropped(DropReason::Placeholder(kind));
        }
        if spec.generic
            && let Some(kind) = filters::not_random(secret, before)
        {
            return Verdict::Dropped(DropReason::NotRandom(kind));
        }
        if !spec.stopwords.is_empty() {
            // Stopwords were lowercased when the engine was built.
            let lower = secret.to_ascii_lowercase();
            if let Some(word) = spec
                .stopwords
                .iter()
                .find(|w| memchr::memmem::find(&lower, w.as_bytes()).is_some())
            {
                return Verdict::Dropped(DropReason::Stopword(word.clone()));
            }
        }
        if spec.not_secret {
            return Verdict::Claims(DropReason::NotSecret);
        }
        Verdict::Secret
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
/// repeated hits of one span, keeping the first rule's; then drops claimed
/// hits (allowed, rejected, not secret), and file-name hits in a file whose
/// content already has a finding (the content finding says which secret to
/// rotate). With `dropped`, records each dropped hit and why.
fn prefer_specific(mut hits: Vec<Hit>, mut dropped: Option<&mut Vec<Considered>>) -> Vec<Finding> {
    hits.sort_by_key(|h| (h.generic && !h.claims_text_first(), h.span.start));
    let mut kept: Vec<Hit> = Vec::with_capacity(hits.len());
    for hit in hits {
        let overlaps = |k: &Hit| {
            k.finding.file_rule == hit.finding.file_rule
                && k.span.start < hit.span.end.max(hit.span.start + 1)
                && hit.span.start < k.span.end.max(k.span.start + 1)
        };
        let earlier = kept.iter().find(|k| {
            (k.span == hit.span
                && k.finding.file_rule == hit.finding.file_rule
                && !hit.finding.file_rule)
                || (hit.generic && !hit.finding.file_rule && overlaps(k))
        });
        match earlier {
            None => kept.push(hit),
            Some(earlier) => {
                let rule = earlier.finding.rule_id.clone();
                let reason = if hit.generic && !earlier.generic {
                    DropReason::SpecificRuleWins { rule }
                } else {
                    DropReason::SameTextAsRule { rule }
                };
                record(&mut dropped, hit.finding, reason);
            }
        }
    }
    let (claimed, mut kept): (Vec<Hit>, Vec<Hit>) =
        kept.into_iter().partition(|h| h.claimed.is_some());
    for hit in claimed {
        let reason = hit.claimed.expect("partitioned on a claim");
        record(&mut dropped, hit.finding, reason);
    }
    if kept.iter().any(|h| !h.finding.file_rule) {
        let (files, content): (Vec<Hit>, Vec<Hit>) =
            kept.into_iter().partition(|h| h.finding.file_rule);
        kept = content;
        let files = files.into_iter().map(|h| h.finding).collect();
        record_all(&mut dropped, files, DropReason::ContentFindingInFile);
    }
    kept.into_iter().map(|h| h.finding).collect()
}

/// Notes a dropped finding, when the caller asked for them.
fn record(dropped: &mut Option<&mut Vec<Considered>>, finding: Finding, reason: DropReason) {
    if let Some(dropped) = dropped.as_deref_mut() {
        dropped.push(Considered {
            finding,
            dropped: Some(reason),
        });
    }
}

/// Notes several findings dropped for one reason.
fn record_all(
    dropped: &mut Option<&mut Vec<Considered>>,
    findings: Vec<Finding>,
    reason: DropReason,
) {
    for finding in findings {
        record(dropped, finding, reason.clone());
    }
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
                text.push_str(example.get_ref());
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

    /// xorshift64*: a small PRNG with a fixed seed, so the keys below are
    /// the same on every run.
    struct Random(u64);

    impl Random {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        /// `len` characters drawn from `alphabet` (at most 64 long), six
        /// bits of randomness each: the alphabets below have 32, 62 or 64
        /// characters, and 62 wraps its last two values onto the first two.
        fn string(&mut self, alphabet: &[u8], len: usize) -> String {
            let mut out = Vec::with_capacity(len);
            let mut bits = 0;
            let mut pool = 0;
            while out.len() < len {
                if bits < 6 {
                    pool = self.next();
                    bits = 64;
                }
                out.push(alphabet[(pool & 63) as usize % alphabet.len()]);
                pool >>= 6;
                bits -= 6;
            }
            String::from_utf8(out).expect("alphabets are ASCII")
        }
    }

    const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    const URL_SAFE: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-";
    const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    const BASE64: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz+/";

    /// `prefix` + 30 random base62 characters + their CRC32 in base62.
    fn crc32_token(random: &mut Random, prefix: &str) -> String {
        let body = random.string(BASE62, 30);
        let mut crc = crc32fast::hash(body.as_bytes());
        let mut digits = [b'0'; 6];
        for digit in digits.iter_mut().rev() {
            *digit = BASE62[(crc % 62) as usize];
            crc /= 62;
        }
        format!("{prefix}{body}{}", std::str::from_utf8(&digits).unwrap())
    }

    fn jwt(random: &mut Random) -> String {
        use base64::Engine as _;
        let b64 = |json: String| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json);
        let header = b64(r#"{"alg":"HS256","typ":"JWT"}"#.to_string());
        let subject = random.string(BASE62, 12);
        let payload = b64(format!(
            r#"{{"sub":"{subject}","iat":{}}}"#,
            random.next() % 2_000_000_000
        ));
        format!("{header}.{payload}.{}", random.string(URL_SAFE, 43))
    }

    /// Does the whole engine report `key` under rule `id`, assigned in a
    /// config file as people write it?
    fn whole_engine_reports(engine: &Engine, id: &str, key: &str) -> bool {
        let text = if id == "aws-secret-access-key" {
            format!("aws_secret_access_key = {key}\n")
        } else {
            format!("credential = \"{key}\"\n")
        };
        let input = ScanInput::whole(RepoPath::new("settings.ini"), text.as_bytes());
        let outcome = engine.scan(&input).unwrap();
        outcome.findings.iter().any(|f| f.rule_id == id)
    }

    /// Every checksummed or structured kind of key, one rule each: 100,000
    /// random, format-valid keys per kind pass every value check. Before,
    /// placeholder words anywhere in a key (`fake`, `dummy`, `xxxx`, ...)
    /// dropped about 1 in 4,100 OpenAI project keys and 1 in 15,900 GitHub
    /// tokens. The value checks run directly, so the test is quick enough in
    /// a debug build; the first 200 keys of each kind also go through the
    /// whole engine.
    #[test]
    fn random_format_valid_keys_of_every_structured_kind_are_never_vetoed() {
        type Generate = fn(&mut Random) -> String;
        let kinds: &[(&str, Generate)] = &[
            ("github-pat-classic", |r| crc32_token(r, "ghp_")),
            ("github-oauth-token", |r| crc32_token(r, "gho_")),
            ("github-user-to-server-token", |r| crc32_token(r, "ghu_")),
            ("github-server-to-server-token", |r| crc32_token(r, "ghs_")),
            ("github-refresh-token", |r| crc32_token(r, "ghr_")),
            ("npm-access-token", |r| crc32_token(r, "npm_")),
            ("github-fine-grained-pat", |r| {
                format!(
                    "github_pat_{}_{}",
                    r.string(BASE62, 22),
                    r.string(BASE62, 59)
                )
            }),
            ("openai-api-key", |r| {
                format!(
                    "sk-{}T3BlbkFJ{}",
                    r.string(BASE62, 20),
                    r.string(BASE62, 20)
                )
            }),
            ("openai-project-key", |r| {
                format!(
                    "sk-proj-{}T3BlbkFJ{}",
                    r.string(URL_SAFE, 74),
                    r.string(URL_SAFE, 74)
                )
            }),
            ("openai-service-account-key", |r| {
                format!(
                    "sk-svcacct-{}T3BlbkFJ{}",
                    r.string(URL_SAFE, 74),
                    r.string(URL_SAFE, 74)
                )
            }),
            ("anthropic-api-key", |r| {
                format!("sk-ant-api03-{}AA", r.string(URL_SAFE, 93))
            }),
            ("aws-access-key-id", |r| {
                format!("AKIA{}", r.string(BASE32, 16))
            }),
            ("aws-temporary-access-key-id", |r| {
                format!("ASIA{}", r.string(BASE32, 16))
            }),
            ("aws-secret-access-key", |r| r.string(BASE64, 40)),
            ("jwt", jwt),
        ];
        let engine = builtin_engine();
        // One thread per kind, each with its own fixed seed.
        let failures: Vec<String> = std::thread::scope(|scope| {
            let threads: Vec<_> = kinds
                .iter()
                .enumerate()
                .map(|(i, (id, generate))| {
                    let engine = &engine;
                    scope.spawn(move || {
                        let rule = engine
                            .rules
                            .iter()
                            .find(|r| r.spec.id() == *id)
                            .unwrap_or_else(|| panic!("no built-in rule {id}"));
                        let mut random = Random(0x9E37_79B9_7F4A_7C15 ^ (i as u64 + 1));
                        let mut misses = Vec::new();
                        for n in 0..100_000 {
                            let key = generate(&mut random);
                            let verdict = rule.judge_value("example.txt", key.as_bytes(), b"");
                            if verdict != Verdict::Secret {
                                misses.push((key, format!("{verdict:?}")));
                            } else if n < 200 && !whole_engine_reports(engine, id, &key) {
                                misses.push((key, "not reported by the engine".to_string()));
                            }
                        }
                        (!misses.is_empty()).then(|| {
                            format!(
                                "{id}: {} of 100,000 random keys dropped, e.g. {:?}",
                                misses.len(),
                                &misses[..misses.len().min(3)]
                            )
                        })
                    })
                })
                .collect();
            threads
                .into_iter()
                .filter_map(|t| t.join().unwrap())
                .collect()
        });
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// The reasons `explain` gives for the candidates a rule matched.
    fn reasons(engine: &Engine, path: &str, text: &str, rule: &str) -> Vec<Option<DropReason>> {
        let input = ScanInput::whole(RepoPath::new(path), text.as_bytes());
        let (_, considered) = engine.explain(&input).unwrap();
        considered
            .into_iter()
            .filter(|c| c.finding.rule_id == rule)
            .map(|c| c.dropped)
            .collect()
    }

    #[test]
    fn each_filter_names_the_reason_it_dropped_a_candidate() {
        use drop::{NotRandom, Placeholder};
        let engine = builtin_engine();
        let cases: Vec<(&str, &str, &str, DropReason)> = vec![
            (
                "deploy.py",
                "GITHUB_TOKEN = \"ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8024xXX\"\n",
                "github-pat-classic",
                DropReason::FormatRejected(rules::Validator::GithubCrc32),
            ),
            (
                "deploy.py",
                "GITHUB_TOKEN = \"ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8024xXX\"\n",
                "generic-api-key-assignment",
                DropReason::SpecificRuleWins {
                    rule: "github-pat-classic".into(),
                },
            ),
            (
                "a.txt",
                "key = AKIAIOSFODNN7EXAMPLE\n",
                "aws-access-key-id",
                DropReason::Stopword("example".into()),
            ),
            (
                "a.txt",
                "id = ACCAAAAAAAAAAAAAAAAA\n",
                "aws-context-credential-key-id",
                DropReason::LowEntropy {
                    entropy: crate::engine::entropy::shannon_entropy(b"ACCAAAAAAAAAAAAAAAAA"),
                    min: 2.5,
                },
            ),
            (
                "a.env.txt",
                "SHIPPO_API_KEY=shippo_live_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
                "shippo-live-token",
                DropReason::LowEntropy {
                    entropy: crate::engine::entropy::shannon_entropy(
                        b"shippo_live_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                    ),
                    min: 3.0,
                },
            ),
            (
                "config.py",
                "API_KEY = \"fake_key_q8Fz2LmX0pRt7WvNc3Yb\"\n",
                "generic-api-key-assignment",
                DropReason::Placeholder(Placeholder::Word("fake")),
            ),
            (
                "config.py",
                "API_KEY = \"abc123def4567890abc123def4567890\"\n",
                "generic-api-key-assignment",
                DropReason::Placeholder(Placeholder::Filler),
            ),
            (
                "config.py",
                "secret_checksum = \"3f786850e387550fdab836ed7e6dc881de23001b\"\n",
                "generic-high-entropy-assignment",
                DropReason::NotRandom(NotRandom::Digest),
            ),
            (
                "package-lock.json",
                "\"api_key\": \"q8Fz2LmX0pRt7WvNc3YbK4dG\"\n",
                "generic-api-key-assignment",
                DropReason::GeneratedFile,
            ),
        ];
        for (path, text, rule, reason) in cases {
            assert!(
                reasons(&engine, path, text, rule).contains(&Some(reason.clone())),
                "{rule} on {text:?}: expected {reason:?}, got {:?}",
                reasons(&engine, path, text, rule)
            );
        }
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
