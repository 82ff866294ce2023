//! One content rule's regex: how it is compiled, and where in a blob it runs.
//!
//! A rule's regex runs either over the whole blob or only over the regions
//! around occurrences of the rule's keywords. The second is an optimisation
//! and must never change what is found, so it is used only when two facts
//! are proven from the regex itself ([`reach::keyword_reach`]):
//!
//! 1. every match contains one of the rule's keywords, compared ASCII
//!    case-insensitively as the prefilter compares them, and
//! 2. on each side of that keyword, a match extends at most a bounded
//!    number of bytes, or stays within a bounded distance of the keyword's
//!    line ([`Reach`], from the longest lengths of the regex's parts on
//!    either side of the part that holds the keyword, and from how many
//!    line breaks they can match).
//!
//! Then a match containing the keyword occurrence `k` lies inside the window
//! that bound gives around `k` ([`regions_around`]). Windows that overlap or
//! lie close together are merged into regions; no match starts between two
//! regions, since every match lies in a window, so every match of a
//! whole-blob search lies inside exactly one region, and every candidate
//! match starting in a region also ends in it. Searching each region in
//! turn (with the whole blob still visible to `^`, `$` and `\b`) therefore
//! yields exactly the whole-blob search's matches, in the same order. A rule
//! whose regex cannot be proven (a keyword that sits outside the match, an
//! unbounded repetition that may cross lines, a case-folded class outside
//! ASCII) is searched over the whole blob.
//!
//! Generic rules are where this pays: `[\w.-]{0,30}(?:secret|token|...)`
//! searched over a whole file keeps the lazy DFA busy building states,
//! while the text around the few occurrences of `secret` is a small part of it.

use std::ops::Range;
use std::sync::OnceLock;

use regex_automata::meta::{self, Regex};
use regex_automata::util::syntax;
use regex_automata::{Input, MatchKind, PatternID};
use regex_syntax::hir::Hir;

use super::reach;
pub use super::reach::{Reach, Side};

/// Each built-in content rule's id, regex, keywords and keyword reach,
/// worked out by the build script with [`reach`]'s analysis; in the order
/// of the built-in rules.
static BUILTIN_REACH: &[(&str, &str, &[&str], Option<Reach>)] =
    &include!(concat!(env!("OUT_DIR"), "/builtin_reach.rs"));

/// The rows of [`BUILTIN_REACH`] in the order of their ids.
static BUILTIN_REACH_BY_ID: &[u16] = &include!(concat!(env!("OUT_DIR"), "/builtin_reach_by_id.rs"));

/// Finds the reach the build script worked out for the rules of one engine,
/// taken in rule order: each is looked for first in the row after the last
/// one found, where a built-in rule is unless a config removed the rules
/// before it, and else by its id. (Searching by id for each of ~400 rules
/// cost 0.13M instructions at every start, 2% of a small commit's.)
#[derive(Default)]
pub(super) struct BuiltinReaches {
    next: usize,
}

impl BuiltinReaches {
    /// The reach of built-in rule `id`, if the rule still has the regex and
    /// keywords it was built with (a config may replace a built-in rule's).
    pub(super) fn find(
        &mut self,
        id: &str,
        pattern: &str,
        keywords: &[String],
    ) -> Option<Option<Reach>> {
        let at = match BUILTIN_REACH.get(self.next) {
            Some((next_id, ..)) if *next_id == id => self.next,
            _ => {
                let i = BUILTIN_REACH_BY_ID
                    .binary_search_by(|&row| BUILTIN_REACH[usize::from(row)].0.cmp(id))
                    .ok()?;
                usize::from(BUILTIN_REACH_BY_ID[i])
            }
        };
        self.next = at + 1;
        let (_, built_pattern, built_keywords, reach) = BUILTIN_REACH[at];
        (built_pattern == pattern
            && built_keywords
                .iter()
                .copied()
                .eq(keywords.iter().map(String::as_str)))
        .then_some(reach)
    }
}

/// One content rule's regex: its keyword reach known when the rule is
/// first triggered (worked out at build time for built-in rules, analysed
/// then for others), parsed and compiled only when a region near new lines
/// needs searching (compiling a large regex costs far more than the rest).
pub struct RuleRegex {
    pattern: String,
    /// The capture group holding the secret, if the rule names it.
    secret_group: Option<usize>,
    /// When set, matches lie this close to a keyword occurrence (see the
    /// module documentation).
    keyword_reach: Option<Reach>,
    compiled: OnceLock<Result<(Regex, usize), String>>,
}

/// Compiles a rule's regex the way `regex::bytes::RegexBuilder` would with
/// `unicode(false)` and `crlf(true)`: rules use ASCII classes so `\w`, `\d`
/// and `\b` stay on the fast DFA path over arbitrary bytes (a rule can opt
/// into Unicode with `(?u)`), and CRLF mode keeps `.` and `$` off the `\r`
/// of a Windows line ending, so it never becomes part of a secret. Errors
/// read like the `regex` crate's.
pub fn compile(pattern: &str) -> Result<Regex, String> {
    let hir = reach::parse(pattern)?;
    build(&hir)
}

fn build(hir: &Hir) -> Result<Regex, String> {
    let config = meta::Config::new()
        .match_kind(MatchKind::LeftmostFirst)
        .utf8_empty(false)
        .nfa_size_limit(Some(32 * 1024 * 1024))
        // The lazy DFA's cache exists per thread and per compiled rule.
        // Searching keyword regions needs few states, and on a 128 MB commit
        // 16 MB instead of the regex crate's 2 MB saved under 3% of the time
        // but more than doubled peak memory.
        .hybrid_cache_capacity(2 * 1024 * 1024)
        .onepass(false);
    meta::Builder::new()
        .configure(config)
        .build_from_hir(hir)
        .map_err(|err| err.to_string())
}

/// Compiles a rule's `path` or `path_exclude` regex with the `regex`
/// crate's defaults (Unicode on), for `is_match` on short paths: the literal
/// prefilters and extra engines that speed up long searches are not built,
/// which makes compiling several times cheaper at start-up.
pub fn compile_path(pattern: &str) -> Result<Regex, String> {
    build_paths(&[pattern], MatchKind::LeftmostFirst)
}

/// One regex over many path patterns, reporting every pattern that matches
/// (`which_overlapping_matches`). Building one costs a fraction of building
/// each pattern alone, and file-name rules are consulted for every file.
pub fn compile_paths(patterns: &[&str]) -> Result<Regex, String> {
    build_paths(patterns, MatchKind::All)
}

fn build_paths(patterns: &[&str], kind: MatchKind) -> Result<Regex, String> {
    let config = syntax::Config::new().utf8(false);
    let hirs = patterns
        .iter()
        .map(|p| syntax::parse_with(p, &config).map_err(|err| err.to_string()))
        .collect::<Result<Vec<_>, _>>()?;
    let config = meta::Config::new()
        .match_kind(kind)
        .utf8_empty(false)
        .auto_prefilter(false)
        .onepass(false)
        .backtrack(false);
    meta::Builder::new()
        .configure(config)
        .build_many_from_hir(&hirs)
        .map_err(|err| err.to_string())
}

/// How many capture groups a compiled regex has, counting the whole match.
pub fn captures_len(regex: &Regex) -> usize {
    regex.captures_len()
}

impl RuleRegex {
    /// `keywords` are the rule's keywords as the prefilter knows them;
    /// `built_reach` the reach the build script worked out for a built-in
    /// rule with the regex and keywords it was built with
    /// ([`builtin_reach`]). Any other rule's regex is parsed and analysed
    /// now, so an invalid one fails here.
    pub fn new(
        pattern: &str,
        keywords: &[String],
        built_reach: Option<Option<Reach>>,
        secret_group: Option<usize>,
    ) -> Result<Self, String> {
        let keyword_reach = match built_reach {
            Some(known) => known,
            None => reach::reach_of_rule(pattern, keywords)?,
        };
        Ok(RuleRegex {
            pattern: pattern.to_string(),
            keyword_reach,
            secret_group,
            compiled: OnceLock::new(),
        })
    }

    /// The compiled regex and the group holding the secret: the named
    /// group, else `secret`, else the first group, else the whole match.
    fn compiled(&self) -> Result<&(Regex, usize), String> {
        let compiled = self.compiled.get_or_init(|| {
            let regex = compile(&self.pattern)?;
            let group = self
                .secret_group
                .or_else(|| regex.group_info().to_index(PatternID::ZERO, "secret"))
                .unwrap_or(usize::from(regex.captures_len() > 1));
            Ok((regex, group))
        });
        compiled.as_ref().map_err(Clone::clone)
    }

    pub fn keyword_reach(&self) -> Option<Reach> {
        self.keyword_reach
    }

    /// Calls `found` with the secret's span and the whole match's span of
    /// every match, in order, over the whole of `content` or only inside
    /// `regions` (sorted, disjoint). Fails only if the regex cannot be
    /// compiled (too large).
    pub fn for_each_secret(
        &self,
        content: &[u8],
        regions: Option<&[Range<usize>]>,
        mut found: impl FnMut(Range<usize>, Range<usize>),
    ) -> Result<(), String> {
        let (regex, group) = self.compiled()?;
        let whole = 0..content.len();
        for region in regions.unwrap_or(std::slice::from_ref(&whole)) {
            let input = Input::new(content).span(region.clone());
            for captures in regex.captures_iter(input) {
                if let (Some(secret), Some(whole)) =
                    (captures.get_group(*group), captures.get_match())
                {
                    found(secret.range(), whole.range());
                }
            }
        }
        Ok(())
    }
}

/// The regions of `content` to search for a rule with the given reach: the
/// windows around each keyword occurrence (bounded in bytes on a side where
/// the reach is, else by the keyword's line), clipped to the blob, sorted,
/// and merged where they overlap or touch.
pub fn regions_around(
    occurrences: impl IntoIterator<Item = Range<usize>>,
    reach: Reach,
    content: &[u8],
) -> Vec<Range<usize>> {
    let len = content.len();
    // A side bounded in bytes takes that bound alone: finding line breaks
    // too would narrow the windows a little and cost a sort and a search
    // for every occurrence, 6% of a history scan.
    let by_line = |side: Side| side.bytes.is_none().then_some(side.beyond_line).flatten();
    let (before_line, after_line) = (by_line(reach.before), by_line(reach.after));
    // Each occurrence becomes its window in place.
    let mut windows: Vec<Range<usize>> = occurrences.into_iter().collect();
    if before_line.is_some() {
        // Line starts are found in one pass over occurrences in order.
        windows.sort_unstable_by_key(|k| k.start);
    }
    let mut lines = LineBounds::new(content);
    for window in &mut windows {
        let k = window.clone();
        let start = match (reach.before.bytes, before_line) {
            (Some(bytes), _) => k.end.saturating_sub(bytes),
            (None, Some(beyond)) => lines.start_before(k.start).saturating_sub(beyond),
            (None, None) => 0,
        };
        let end = match (reach.after.bytes, after_line) {
            (Some(bytes), _) => k.start.saturating_add(bytes),
            (None, Some(beyond)) => lines.break_after(k.end).saturating_add(beyond),
            (None, None) => len,
        };
        *window = start..end.min(len);
    }
    windows.sort_unstable_by_key(|w| w.start);
    let mut regions: Vec<Range<usize>> = Vec::with_capacity(windows.len());
    for window in windows {
        match regions.last_mut() {
            Some(last) if window.start <= last.end.saturating_add(REGION_GAP) => {
                last.end = last.end.max(window.end)
            }
            _ => regions.push(window),
        }
    }
    regions
}

/// Windows this close are searched as one region: each search has a fixed
/// cost, and no match starts in the gap (every match lies in a window), so
/// searching it changes nothing found.
const REGION_GAP: usize = 256;

/// Finds line bounds around positions taken in order (keyword occurrences,
/// new lines), remembering what it searched: on a minified file's one long
/// line with thousands of occurrences, searching from each afresh would
/// cost the line's length every time.
pub(super) struct LineBounds<'a> {
    content: &'a [u8],
    /// Where the last [`LineBounds::start_before`] search ended.
    searched_to: usize,
    /// The start of the line holding `searched_to`.
    line_start: usize,
    /// The last [`LineBounds::break_after`] answer: `(from, at)` says the
    /// first line break at or after any position in `from..=at` is at `at`
    /// (the content's length if there is none).
    next_break: Option<(usize, usize)>,
}

impl<'a> LineBounds<'a> {
    pub(super) fn new(content: &'a [u8]) -> Self {
        LineBounds {
            content,
            searched_to: 0,
            line_start: 0,
            next_break: None,
        }
    }

    /// The start of the line holding `at`; `at` never decreases between
    /// calls.
    pub(super) fn start_before(&mut self, at: usize) -> usize {
        if at < self.searched_to {
            // Not in order after all: start over rather than answer wrong.
            self.searched_to = 0;
            self.line_start = 0;
        }
        let from = self.searched_to;
        if let Some(i) = memchr::memrchr(b'\n', &self.content[from..at]) {
            self.line_start = from + i + 1;
        }
        self.searched_to = at;
        self.line_start
    }

    /// The first line break at or after `at`, or the content's length.
    pub(super) fn break_after(&mut self, at: usize) -> usize {
        if let Some((from, found)) = self.next_break
            && (from..=found).contains(&at)
        {
            return found;
        }
        let found =
            memchr::memchr(b'\n', &self.content[at..]).map_or(self.content.len(), |i| at + i);
        self.next_break = Some((at, found));
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The build script's reach for each built-in rule is what the analysis
    /// gives at run time, and every built-in content rule has one.
    #[test]
    fn built_in_reaches_are_the_analysis_of_each_rule() {
        let specs = crate::rules::builtin_rules().unwrap();
        let content_rules: Vec<_> = specs.iter().filter(|s| s.regex.is_some()).collect();
        assert_eq!(BUILTIN_REACH.len(), content_rules.len());
        for spec in content_rules {
            let pattern = spec.regex.as_ref().unwrap().get_ref();
            assert_eq!(
                BuiltinReaches::default().find(spec.id(), pattern, &spec.keywords),
                Some(reach::reach_of_rule(pattern, &spec.keywords).unwrap()),
                "{}",
                spec.id()
            );
        }
        // A config that changes a built-in rule's regex or keywords gets its
        // own analysis.
        let spec = specs.iter().find(|s| s.regex.is_some()).unwrap();
        let pattern = spec.regex.as_ref().unwrap().get_ref();
        let mut reaches = BuiltinReaches::default();
        assert_eq!(reaches.find(spec.id(), "changed", &spec.keywords), None);
        assert_eq!(reaches.find(spec.id(), pattern, &["other".into()]), None);
        assert_eq!(reaches.find("no-such-rule", pattern, &spec.keywords), None);
        // Rules taken in order find their rows whatever comes before them:
        // every other one (as if a config disabled the rest), then all of
        // them backwards.
        let rules: Vec<_> = specs.iter().filter(|s| s.regex.is_some()).collect();
        let mut in_order = BuiltinReaches::default();
        let mut backwards = BuiltinReaches::default();
        for spec in rules.iter().step_by(2).chain(rules.iter().rev()) {
            let pattern = spec.regex.as_ref().unwrap().get_ref();
            let expected = Some(reach::reach_of_rule(pattern, &spec.keywords).unwrap());
            assert_eq!(in_order.find(spec.id(), pattern, &spec.keywords), expected);
            assert_eq!(backwards.find(spec.id(), pattern, &spec.keywords), expected);
        }
    }

    /// Whole-blob and region searches agree for rules bounded by bytes, by
    /// the keyword's line, or by one byte past it, on text made of the
    /// rules' own pieces and line breaks.
    mod line_bounded {
        use super::*;
        use proptest::prelude::*;

        const RULES: [(&str, &[&str]); 4] = [
            (r"(?i)key=([a-z0-9]{4,})", &["key"]),
            (
                r"(?i)([a-z]*)key[ ]{0,2}=([a-z0-9]+)(?:[^a-z0-9]|$)",
                &["key"],
            ),
            (r"(?i)(?:tok|key)_([a-z0-9]{2,})\b", &["tok_", "key_"]),
            (r"(?i)[a-z]{0,3}\s?key\s?([0-9]{2,5})", &["key"]),
        ];

        fn piece() -> impl Strategy<Value = &'static str> {
            prop::sample::select(vec![
                "key", "KEY", "=", "_", "tok", "a", "b9", "z", "0", " ", "\n", "\r\n", "\"",
            ])
        }

        fn matches(
            rule: &RuleRegex,
            content: &[u8],
            regions: Option<&[Range<usize>]>,
        ) -> Vec<(Range<usize>, Range<usize>)> {
            let mut found = Vec::new();
            rule.for_each_secret(content, regions, |s, w| found.push((s, w)))
                .unwrap();
            found
        }

        proptest! {
            #[test]
            fn region_search_equals_whole_blob_search(
                pieces in prop::collection::vec(piece(), 0..80),
                which in 0..RULES.len(),
            ) {
                let (pattern, keywords) = RULES[which];
                let keywords: Vec<String> = keywords.iter().map(|k| k.to_string()).collect();
                let rule = RuleRegex::new(pattern, &keywords, None, None).unwrap();
                let reach = rule.keyword_reach().expect("each test rule is bounded");
                let content = pieces.concat().into_bytes();
                let lowered = content.to_ascii_lowercase();
                let occurrences = keywords.iter().flat_map(|k| {
                    memchr::memmem::find_iter(&lowered, k.as_bytes())
                        .map(move |start| start..start + k.len())
                        .collect::<Vec<_>>()
                });
                let regions = regions_around(occurrences, reach, &content);
                prop_assert_eq!(matches(&rule, &content, None), matches(&rule, &content, Some(&regions)));
            }
        }
    }

    /// Every match the whole-blob search finds, the region search finds, in
    /// the same order, on text built to make matches touch region edges.
    #[test]
    fn region_search_finds_exactly_the_whole_blob_matches() {
        let pattern =
            r#"(?i)[a-z_]{0,8}(?:secret|token)[a-z_]{0,4}\s{0,3}=\s{0,3}"([^"\n]{4,16})""#;
        let rule = RuleRegex::new(pattern, &["secret".into(), "token".into()], None, None).unwrap();
        let reach = rule.keyword_reach().unwrap();
        let mut text = String::new();
        for i in 0..400 {
            match i % 7 {
                0 => text.push_str(&format!("my_secret = \"value{i}\"\n")),
                1 => text.push_str(&format!("TOKEN=\"x{i}y\"token=\"abcd{i}\"\n")),
                2 => text.push_str(&"filler words here ".repeat(i % 5)),
                3 => text.push_str(&format!("x_token_y = \"{}\"", "z".repeat(i % 20))),
                4 => text.push('"'),
                _ => text.push_str("secretsecret = \"q\" \n"),
            }
        }
        let content = text.as_bytes();
        let mut whole = Vec::new();
        rule.for_each_secret(content, None, |s, w| whole.push((s, w)))
            .unwrap();
        let lowered = content.to_ascii_lowercase();
        let mut occurrences: Vec<Range<usize>> = Vec::new();
        for keyword in ["secret", "token"] {
            occurrences.extend(
                memchr::memmem::find_iter(&lowered, keyword)
                    .map(|start| start..start + keyword.len()),
            );
        }
        let regions = regions_around(occurrences, reach, content);
        let mut in_regions = Vec::new();
        rule.for_each_secret(content, Some(&regions), |s, w| in_regions.push((s, w)))
            .unwrap();
        assert!(whole.len() > 100, "the test text must have matches");
        assert_eq!(whole, in_regions);
    }
}
