//! One content rule's regex: how it is compiled, and where in a blob it runs.
//!
//! A rule's regex runs either over the whole blob or only over the regions
//! around occurrences of the rule's keywords. The second is an optimisation
//! and must never change what is found, so it is used only when two facts
//! are proven from the regex itself ([`keyword_reach`]):
//!
//! 1. every match contains one of the rule's keywords, compared ASCII
//!    case-insensitively as the prefilter compares them, and
//! 2. a match extends at most `before` bytes to the left of that keyword
//!    and `after` bytes to its right ([`Reach`], from the longest lengths of
//!    the regex's parts on either side of the part that holds the keyword).
//!
//! Then a match containing the keyword occurrence `k` lies inside the window
//! `k.end - before .. k.start + after`. Windows that overlap are merged into regions,
//! so every match of a whole-blob search lies inside exactly one region, and
//! every candidate match starting in a region also ends in it. Searching each
//! region in turn (with the whole blob still visible to `^`, `$` and `\b`)
//! therefore yields exactly the whole-blob search's matches, in the same
//! order. A rule whose regex cannot be proven (a keyword that sits outside
//! the match, an unbounded repetition, a case-folded class outside ASCII) is
//! searched over the whole blob.
//!
//! Generic rules are where this pays: `[\w.-]{0,30}(?:secret|token|...)`
//! searched over a whole file keeps the lazy DFA busy building states,
//! while the text around the few occurrences of `secret` is a small part of it.

use std::ops::Range;
use std::sync::OnceLock;

use regex_automata::meta::{self, Regex};
use regex_automata::util::syntax;
use regex_automata::{Input, MatchKind, PatternID};
use regex_syntax::hir::{Class, Hir, HirKind};

/// One content rule's regex: parsed and analysed when the rule is first
/// triggered, compiled only when a region near new lines needs searching
/// (compiling a large regex costs far more than parsing it).
pub struct RuleRegex {
    hir: Hir,
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
    let hir = parse(pattern)?;
    build(&hir)
}

fn parse(pattern: &str) -> Result<Hir, String> {
    let config = syntax::Config::new().unicode(false).utf8(false).crlf(true);
    syntax::parse_with(pattern, &config).map_err(|err| err.to_string())
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
        .hybrid_cache_capacity(2 * 1024 * 1024);
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
    /// `keywords` are the rule's keywords as the prefilter knows them.
    pub fn new(
        pattern: &str,
        keywords: &[String],
        secret_group: Option<usize>,
    ) -> Result<Self, String> {
        let hir = parse(pattern)?;
        let lowered: Vec<Vec<u8>> = keywords
            .iter()
            .map(|k| k.to_ascii_lowercase().into_bytes())
            .collect();
        Ok(RuleRegex {
            keyword_reach: keyword_reach(&hir, &lowered),
            hir,
            secret_group,
            compiled: OnceLock::new(),
        })
    }

    /// The compiled regex and the group holding the secret: the named
    /// group, else `secret`, else the first group, else the whole match.
    fn compiled(&self) -> Result<&(Regex, usize), String> {
        let compiled = self.compiled.get_or_init(|| {
            let regex = build(&self.hir)?;
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

/// The regions to search for a rule with the given reach: the windows
/// around each keyword occurrence, clipped to the blob, sorted, and merged
/// where they overlap or touch.
pub fn regions_around(
    occurrences: impl IntoIterator<Item = Range<usize>>,
    reach: Reach,
    len: usize,
) -> Vec<Range<usize>> {
    let mut windows: Vec<Range<usize>> = occurrences
        .into_iter()
        .map(|k| k.end.saturating_sub(reach.before)..k.start.saturating_add(reach.after).min(len))
        .collect();
    windows.sort_unstable_by_key(|w| w.start);
    let mut regions: Vec<Range<usize>> = Vec::with_capacity(windows.len());
    for window in windows {
        match regions.last_mut() {
            Some(last) if window.start <= last.end => last.end = last.end.max(window.end),
            _ => regions.push(window),
        }
    }
    regions
}

/// The most strings a regex fragment may stand for before the analysis gives
/// up on enumerating them.
const MAX_STRINGS: usize = 64;
/// The most distinct (lower-cased) bytes a class may hold to be enumerated.
const MAX_CLASS_BYTES: usize = 16;

/// How far a match can extend around the keyword occurrence it contains:
/// a match holding the occurrence `k` starts at or after `k.end - before`
/// and ends at or before `k.start + after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reach {
    pub before: usize,
    pub after: usize,
}

impl Reach {
    /// A fragment at most `len` bytes long that contains the keyword.
    fn within(len: usize) -> Reach {
        Reach {
            before: len,
            after: len,
        }
    }

    fn width(self) -> usize {
        self.before.saturating_add(self.after)
    }

    /// `self` with up to `before` and `after` more bytes matched around it.
    fn widened(self, before: usize, after: usize) -> Reach {
        Reach {
            before: self.before.saturating_add(before),
            after: self.after.saturating_add(after),
        }
    }
}

/// `Some` when every match of `hir` contains one of `keywords` (already
/// lower-cased) and the match's extent around it is bounded; `None` when
/// that cannot be proven. Sound but incomplete: `None` only costs speed.
pub fn keyword_reach(hir: &Hir, keywords: &[Vec<u8>]) -> Option<Reach> {
    if keywords.is_empty() || keywords.iter().any(|k| k.is_empty()) {
        return None;
    }
    reach_of(hir, keywords)
}

/// The strings analysed are a few bytes long: a plain window comparison
/// beats setting up a substring searcher for each.
fn contains_keyword(text: &[u8], keywords: &[Vec<u8>]) -> bool {
    keywords
        .iter()
        .any(|k| text.windows(k.len()).any(|window| window == k.as_slice()))
}

fn max_len(hir: &Hir) -> Option<usize> {
    hir.properties().maximum_len()
}

fn max_len_of_all(items: &[Hir]) -> Option<usize> {
    items
        .iter()
        .try_fold(0usize, |sum, item| Some(sum.saturating_add(max_len(item)?)))
}

/// What the analysis learns about one regex fragment.
struct Analysis {
    /// Every string the fragment matches, lower-cased, if there are few.
    strings: Option<Vec<Vec<u8>>>,
    /// The tightest proven reach of its matches around a keyword.
    reach: Option<Reach>,
}

/// Analyses `hir` bottom-up, each fragment once.
fn reach_of(hir: &Hir, keywords: &[Vec<u8>]) -> Option<Reach> {
    analyse(hir, keywords).reach
}

fn analyse(hir: &Hir, keywords: &[Vec<u8>]) -> Analysis {
    let (strings, structural) = match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => (Some(vec![Vec::new()]), None),
        HirKind::Literal(literal) => (Some(vec![literal.0.to_ascii_lowercase()]), None),
        HirKind::Class(class) => (
            class_bytes(class).map(|bytes| bytes.into_iter().map(|b| vec![b]).collect()),
            None,
        ),
        HirKind::Capture(capture) => {
            let sub = analyse(&capture.sub, keywords);
            (sub.strings, sub.reach)
        }
        HirKind::Repetition(rep) => {
            let sub = analyse(&rep.sub, keywords);
            let strings = match (&sub.strings, rep.max) {
                (Some(strings), Some(max)) => repeat(strings, rep.min, max),
                _ => None,
            };
            // Every copy holds a keyword; rely on the first one, which the
            // remaining copies can only follow.
            let reach = match (sub.reach, rep.max, max_len(&rep.sub)) {
                (Some(first), Some(max), Some(len)) if rep.min >= 1 => (max as usize - 1)
                    .checked_mul(len)
                    .map(|rest| first.widened(0, rest)),
                _ => None,
            };
            (strings, reach)
        }
        HirKind::Alternation(branches) => {
            let parts: Vec<Analysis> = branches.iter().map(|b| analyse(b, keywords)).collect();
            let strings = parts
                .iter()
                .try_fold(Vec::new(), |mut all, part| {
                    all.extend(part.strings.as_ref()?.iter().cloned());
                    Some(all)
                })
                .and_then(dedup);
            let reach = parts.iter().try_fold(
                Reach {
                    before: 0,
                    after: 0,
                },
                |acc, part| {
                    let r = part.reach?;
                    Some(Reach {
                        before: acc.before.max(r.before),
                        after: acc.after.max(r.after),
                    })
                },
            );
            (strings, reach)
        }
        HirKind::Concat(items) => {
            let parts: Vec<Analysis> = items.iter().map(|i| analyse(i, keywords)).collect();
            let strings = parts.iter().try_fold(vec![Vec::new()], |product, part| {
                concatenate(&product, part.strings.as_ref()?)
            });
            (strings, concat_reach(items, &parts, keywords))
        }
    };
    let enumerated = strings
        .as_ref()
        .filter(|strings| strings.iter().all(|s| contains_keyword(s, keywords)))
        .and_then(|_| max_len(hir))
        .map(Reach::within);
    Analysis {
        strings,
        reach: tightest(structural, enumerated),
    }
}

fn tightest(a: Option<Reach>, b: Option<Reach>) -> Option<Reach> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.width() < a.width() { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// A concatenation holds a keyword if one item does, or if a run of
/// consecutive items can only spell strings that contain one (as
/// `(?i)api[_.-]?key` does: one-byte classes with an optional separator).
/// The items before and after it widen the reach by their longest length.
fn concat_reach(items: &[Hir], parts: &[Analysis], keywords: &[Vec<u8>]) -> Option<Reach> {
    let around = |start: usize, end: usize, inner: Reach| {
        Some(inner.widened(
            max_len_of_all(&items[..start])?,
            max_len_of_all(&items[end..])?,
        ))
    };
    let mut best = None;
    for (i, part) in parts.iter().enumerate() {
        if let Some(inner) = part.reach {
            best = tightest(best, around(i, i + 1, inner));
        }
    }
    for start in 0..parts.len() {
        let mut product: Vec<Vec<u8>> = vec![Vec::new()];
        for (offset, part) in parts[start..].iter().enumerate() {
            let Some(next) = part
                .strings
                .as_ref()
                .and_then(|strings| concatenate(&product, strings))
            else {
                break;
            };
            product = next;
            if product.iter().all(|s| contains_keyword(s, keywords)) {
                let end = start + offset + 1;
                let longest = product.iter().map(Vec::len).max().unwrap_or(0);
                best = tightest(best, around(start, end, Reach::within(longest)));
                break;
            }
        }
    }
    best
}

/// `strings` repeated `min` to `max` times, if that stays small.
fn repeat(strings: &[Vec<u8>], min: u32, max: u32) -> Option<Vec<Vec<u8>>> {
    if max as usize > MAX_STRINGS {
        return None;
    }
    let mut all: Vec<Vec<u8>> = Vec::new();
    let mut power: Vec<Vec<u8>> = vec![Vec::new()];
    for count in 0..=max {
        if count >= min {
            all.extend(power.iter().cloned());
            if all.len() > MAX_STRINGS {
                return None;
            }
        }
        if count < max {
            power = concatenate(&power, strings)?;
        }
    }
    dedup(all)
}

/// The lower-cased bytes of a small class that matches single ASCII or
/// raw bytes only.
fn class_bytes(class: &Class) -> Option<Vec<u8>> {
    let mut bytes: Vec<u8> = Vec::new();
    let mut add = |start: u32, end: u32| -> Option<()> {
        // Lower-casing at most halves the count: give up early on big classes.
        if bytes.len() + (end - start) as usize >= 2 * MAX_CLASS_BYTES {
            return None;
        }
        for b in start..=end {
            bytes.push((b as u8).to_ascii_lowercase());
        }
        Some(())
    };
    match class {
        Class::Bytes(class) => {
            for range in class.ranges() {
                add(u32::from(range.start()), u32::from(range.end()))?;
            }
        }
        Class::Unicode(class) => {
            for range in class.ranges() {
                // A non-ASCII character is several bytes, and Unicode case
                // folding (KELVIN SIGN for `k`) is not what the prefilter does.
                if !range.end().is_ascii() {
                    return None;
                }
                add(u32::from(range.start()), u32::from(range.end()))?;
            }
        }
    }
    bytes.sort_unstable();
    bytes.dedup();
    (bytes.len() <= MAX_CLASS_BYTES).then_some(bytes)
}

fn concatenate(left: &[Vec<u8>], right: &[Vec<u8>]) -> Option<Vec<Vec<u8>>> {
    if left.len().saturating_mul(right.len()) > MAX_STRINGS {
        return None;
    }
    let mut out = Vec::with_capacity(left.len() * right.len());
    for l in left {
        for r in right {
            let mut s = l.clone();
            s.extend_from_slice(r);
            out.push(s);
        }
    }
    dedup(out)
}

fn dedup(mut strings: Vec<Vec<u8>>) -> Option<Vec<Vec<u8>>> {
    strings.sort_unstable();
    strings.dedup();
    (strings.len() <= MAX_STRINGS).then_some(strings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reach(pattern: &str, keywords: &[&str]) -> Option<Reach> {
        let keywords: Vec<Vec<u8>> = keywords.iter().map(|k| k.as_bytes().to_vec()).collect();
        keyword_reach(&parse(pattern).unwrap(), &keywords)
    }

    #[test]
    fn a_keyword_inside_every_match_is_proven() {
        let reach_of = |before, after| Some(Reach { before, after });
        assert_eq!(
            reach(r"\b(ghp_[A-Za-z0-9]{36})\b", &["ghp_"]),
            reach_of(4, 40)
        );
        assert_eq!(
            reach(
                r"(?i)api[_.-]?key=(\w{8})",
                &["apikey", "api_key", "api-key", "api.key"]
            ),
            reach_of(7, 16)
        );
        // The keyword at the end: the part before it widens `before` only.
        assert_eq!(reach(r"[a-z]{0,30}_(?:token)", &["token"]), reach_of(36, 6));
        assert_eq!(reach(r"(?:x_token){1,3}", &["token"]), reach_of(7, 21));
        assert!(reach(r"(?i)passw(?:or)?d\s{0,3}=\s{0,3}(\w{8,20})", &["passw"]).is_some());
        // Every branch of an alternation needs its own keyword.
        assert!(reach(r"(?:AKIA|ASIA)[A-Z2-7]{16}", &["akia", "asia"]).is_some());
        assert!(reach(r"(?:AKIA|ABIA)[A-Z2-7]{16}", &["akia"]).is_none());
        // The generic assignment shape: keyword after a bounded identifier.
        assert!(
            reach(
                r#"(?i)(?:^|[^A-Za-z0-9])[A-Za-z0-9_.-]{0,30}(?:api[_.-]?key|secret|token|passw(?:or)?d)[A-Za-z0-9_.-]{0,20}\s{0,5}=\s{0,5}["']([A-Za-z0-9]{12,128})["']"#,
                &["key", "secret", "token", "passw"],
            )
            .is_some()
        );
    }

    #[test]
    fn unprovable_rules_fall_back_to_the_whole_blob() {
        // The keyword is context the match does not include.
        assert!(reach(r"\b([a-f0-9]{32})\b", &["heroku"]).is_none());
        // Optional keyword.
        assert!(reach(r"(?:token)?([a-f0-9]{32})", &["token"]).is_none());
        // Unbounded length.
        assert!(reach(r"-----BEGIN[\s\S]+?-----END", &["-----begin"]).is_none());
        // Unicode case folding matches what the ASCII prefilter would not.
        assert!(reach(r"(?iu)key=\w{4}", &["key"]).is_none());
        assert!(reach(r"key", &[]).is_none());
        assert!(reach(r"key", &[""]).is_none());
    }

    /// Every match the whole-blob search finds, the region search finds, in
    /// the same order, on text built to make matches touch region edges.
    #[test]
    fn region_search_finds_exactly_the_whole_blob_matches() {
        let pattern =
            r#"(?i)[a-z_]{0,8}(?:secret|token)[a-z_]{0,4}\s{0,3}=\s{0,3}"([^"\n]{4,16})""#;
        let rule = RuleRegex::new(pattern, &["secret".into(), "token".into()], None).unwrap();
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
        let regions = regions_around(occurrences, reach, content.len());
        let mut in_regions = Vec::new();
        rule.for_each_secret(content, Some(&regions), |s, w| in_regions.push((s, w)))
            .unwrap();
        assert!(whole.len() > 100, "the test text must have matches");
        assert_eq!(whole, in_regions);
    }
}
