//! The detection engine: given one blob (its path, bytes, and which lines
//! are new), it returns the findings in it, and on request every candidate
//! with why it was dropped ([`Engine::explain`]).
//!
//! Pipeline per blob: size limit → file-name rules ([`file_names`]) → Git
//! LFS pointer check → decoding (UTF-16 with a byte-order mark, see
//! [`crate::content`]) → binary check → keyword prefilter ([`prefilter`]) →
//! the triggered rules' regexes, compiled on first use ([`rule`],
//! [`matcher`]) → per match ([`candidates`]): does it touch a new line →
//! the value checks (entropy, format check ([`validate`]), a catch-all rule
//! in a generated file, placeholders and non-random values ([`filters`]),
//! stopwords, a rule for non-secrets) → allowlists and inline markers
//! ([`allowlist`]) → per blob: other matches masked in each finding's line
//! → a specific rule wins over a generic one → single findings the config
//! ignores ([`ignored`]). Every drop has a named reason ([`drop`]).
//!
//! The engine knows nothing of config files: `crate::config::ruleset`
//! assembles its rules, allowlists and [`Settings`]. [`check`] runs rules
//! against their own examples.
//!
//! A rule whose matches provably contain one of its keywords and have a
//! bounded length runs only around its keywords' occurrences, and only
//! around those near a new line ([`matcher`] explains why that finds the
//! same secrets as searching the whole blob). For the same reason the
//! prefilter looks for such rules' keywords only near new lines
//! ([`prefilter`]).
//!
//! The engine never reads git or the disk; sources hand it bytes. It is
//! `Sync`: one engine scans blobs on many threads at once. Any bytes: it
//! must not panic on, or take more than linear time and memory for, any
//! input (`fuzz/` holds the fuzz target that checks it).

pub mod allowlist;
pub mod candidates;
pub mod check;
pub mod drop;
pub mod entropy;
pub mod file_names;
pub mod filters;
pub mod ignored;
pub mod matcher;
pub mod prefilter;
pub mod reach;
pub mod rule;
pub mod validate;

use std::ops::Range;
use std::sync::Arc;

use anyhow::{Result, anyhow, bail};

use crate::finding::{CommitInfo, Finding};
use crate::path::RepoPath;
#[cfg(test)]
use crate::rules;
use crate::rules::RuleSpec;
#[cfg(test)]
use crate::source_text::SourceText;
use allowlist::Allowlist;
pub use candidates::Considered;
use candidates::{
    BlobText, mask_candidates, near_new_lines, new_line_bytes, prefer_specific, record_all,
};
pub use drop::DropReason;
pub use ignored::IgnoredFinding;
use prefilter::Prefilter;
use rule::CompiledRule;
pub use rule::Verdict;

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

/// What a config sets for an engine beyond its rules and allowlists.
#[derive(Debug, Default)]
pub struct Settings {
    /// Single findings to leave out (`.gitleaksignore`).
    pub ignored: Vec<IgnoredFinding>,
    /// `[scan] max_file_size`.
    pub max_file_size: Option<u64>,
    /// What the config asked for that could not be applied.
    pub warnings: Vec<String>,
    /// Details behind the warnings, for `--verbose`.
    pub warning_details: Vec<String>,
}

/// What reports say about a rule: SARIF lists every rule the scan ran.
#[derive(Debug, Clone)]
pub struct RuleInfo {
    pub id: String,
    pub description: String,
    pub remediation: String,
}

/// Rules, prefilter and allowlists, built once and shared by every blob.
pub struct Engine {
    rules: Vec<CompiledRule>,
    /// The rules as reports list them, in rule order. Made with the engine
    /// (in a commit hook, while git lists the changes) and shared by every
    /// report, rather than copied when a scan ends.
    rule_infos: Arc<[RuleInfo]>,
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
    /// Search for keywords and run every triggered rule over the whole
    /// blob, ignoring windows near new lines and keyword regions: the
    /// reference the windowed and region searches are tested against.
    whole_blobs_only: bool,
    /// The file-name rules, in rule order.
    file_name_rules: Vec<usize>,
    /// Which of them apply to a path; an invalid pattern is reported when
    /// a scan first needs it.
    file_names: file_names::FileNameMatcher,
}

impl Engine {
    /// An engine over the given rules; regexes compile lazily.
    pub fn from_specs(specs: Vec<RuleSpec>, allowlists: Vec<Allowlist>) -> Result<Self> {
        let mut rules = Vec::with_capacity(specs.len());
        let mut reaches = matcher::BuiltinReaches::default();
        for mut spec in specs {
            for word in &mut spec.stopwords {
                word.make_ascii_lowercase();
            }
            if spec.regex.is_none() && spec.path.is_none() {
                bail!("rule {} has neither a regex nor a path", spec.id());
            }
            rules.push(CompiledRule::new(spec, &mut reaches));
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
        let file_name_rules: Vec<usize> = (0..rules.len())
            .filter(|&i| rules[i].spec.is_path_only())
            .collect();
        let file_names = file_names::FileNameMatcher::new(&rules, &file_name_rules);
        let reaches_far: Vec<bool> = rules.iter().map(CompiledRule::reaches_far).collect();
        let prefilter = Prefilter::new(&prefilter_keywords, &reaches_far)?;
        let rule_infos = rules
            .iter()
            .map(|r| RuleInfo {
                id: r.spec.id().to_string(),
                description: r.spec.description.clone(),
                remediation: r.spec.remediation.clone(),
            })
            .collect();
        Ok(Engine {
            rules,
            rule_infos,
            prefilter,
            allowlists,
            ignored: Vec::new(),
            max_file_size: None,
            config_warnings: Vec::new(),
            config_warning_details: Vec::new(),
            whole_blobs_only: false,
            file_name_rules,
            file_names,
        })
    }

    /// Applies what a config sets beyond rules and allowlists: single
    /// findings to leave out, the size limit, and warnings for the report.
    pub fn with_settings(mut self, settings: Settings) -> Self {
        self.ignored = settings.ignored;
        self.max_file_size = settings.max_file_size;
        self.config_warnings = settings.warnings;
        self.config_warning_details = settings.warning_details;
        self
    }

    /// The rules, in order.
    pub fn rule_specs(&self) -> impl Iterator<Item = &RuleSpec> {
        self.rules.iter().map(|r| &r.spec)
    }

    /// The rules as reports list them, in rule order.
    pub fn rule_infos(&self) -> Arc<[RuleInfo]> {
        Arc::clone(&self.rule_infos)
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
        let new_bytes = new_line_bytes(&input.added, || text.lines());
        // Every rule match, whatever becomes of it: each is masked wherever
        // a finding's line shows it (see `mask_candidates`).
        let mut candidates = Vec::new();
        let near_new = new_bytes.as_deref().filter(|_| !self.whole_blobs_only);
        let keywords = self.prefilter.scan(content, near_new);
        for &rule_index in &keywords.triggered {
            let rule = &self.rules[rule_index];
            if rule.spec.regex.is_none() {
                continue;
            }
            let regex = rule.regex()?;
            let reach = regex.keyword_reach().filter(|_| !self.whole_blobs_only);
            let regions = match reach {
                Some(reach) => {
                    let around = self.prefilter.occurrences_of(&keywords, rule_index);
                    let regions = matcher::regions_around(around, reach, content);
                    let regions = near_new_lines(regions, new_bytes.as_deref());
                    if regions.is_empty() {
                        continue;
                    }
                    Some(regions)
                }
                None => None,
            };
            // After the regions: most triggered rules have none near new
            // lines, and then their path regexes need not be compiled.
            if !rule.applies_to(path_text.as_bytes())? {
                continue;
            }
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
            rule.keyword_reach()
                .map(|r| (r.before.bytes, r.after.bytes)),
            Some((Some(6), Some(39))),
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

    /// A private key block longer than the prefilter's windows, whose last
    /// lines alone are new: its keyword, on an old line far above them,
    /// still triggers its rule (rules that reach far have their keywords
    /// searched over the whole blob).
    #[test]
    #[allow(clippy::single_range_in_vec_init)] // one range of new lines
    fn a_far_reaching_rule_is_triggered_by_a_keyword_far_from_the_new_lines() {
        let engine = builtin_engine();
        let mut state = 0x9e37_79b9_u32;
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut body = String::new();
        for _ in 0..50 {
            for _ in 0..64 {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                body.push(alphabet[(state % 64) as usize] as char);
            }
            body.push('\n');
        }
        assert!(body.len() > 2 * prefilter::NEAR_BYTES);
        let text =
            format!("-----BEGIN RSA PRIVATE KEY-----\n{body}-----END RSA PRIVATE KEY-----\n");
        let last = text.lines().count() as u32;
        let tail = AddedLines::Ranges(vec![last - 1..last + 1]);
        assert_eq!(lines_found(&engine, &text, AddedLines::All), vec![1]);
        assert_eq!(lines_found(&engine, &text, tail), vec![1]);
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
        // Far apart, so most keywords lie outside the windows the
        // prefilter searches around new lines.
        let every_80th: Vec<Range<u32>> = (1..=lines).step_by(80).map(|l| l..l + 2).collect();
        for added in [
            AddedLines::All,
            AddedLines::Ranges(every_third),
            AddedLines::Ranges(every_80th),
        ] {
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
