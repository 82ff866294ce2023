//! The keyword prefilter: an Aho-Corasick automaton over every rule's
//! keywords decides which rules' regexes run on a blob at all.
//!
//! It also records where each keyword occurs, so rules proven to match only
//! around their keywords (see `matcher`) search just those regions.
//!
//! Matching is ASCII case-insensitive, because keyword lists are written in
//! lower case while tokens are often upper case.
//!
//! Start-up and throughput pull apart here. The built-in rules' keywords
//! are first searched with [`BuiltinKeywords`]: the build script turns the
//! `aho-corasick` crate's automaton for them into a transition table over
//! byte classes, which a scan does not build (building the crate's
//! automaton was a quarter of a small commit's instructions). Keywords only
//! a config's rules have are searched with an automaton the crate builds at
//! start-up. Once the engine has scanned [`DFA_AFTER_BYTES`], one DFA the
//! crate builds over all keywords takes over: it searched a 27 MB file in
//! 15% less time than the table (though in more instructions), which pays
//! for building it on a large scan. Both report the same occurrences.
//!
//! Most rules' matches lie within [`NEAR_BYTES`] of a keyword (or of its
//! line), so when only some lines of a blob are new, only keywords that
//! close to them can lead to a finding. The table then walks only the
//! windows around the new lines ([`Prefilter::scan`]); the keywords of the
//! rules that reach farther (multi-line blocks, context words anywhere in a
//! file) are searched over the whole blob by `FarKeywords`, a SIMD
//! searcher over a lower-cased copy, which costs a fraction of the table's
//! walk. On a commit that changes a few lines of a few files this took the
//! keyword search from 0.98M instructions to 0.38M (0.23M of it the SIMD
//! search), and the whole scan from 6.67M to 6.34M.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use anyhow::{Context, Result};

use super::matcher::LineBounds;

/// After this many scanned bytes, searching with a DFA pays for building it.
pub const DFA_AFTER_BYTES: usize = 4 << 20;

/// How far from a new line a keyword may be and still matter, for rules
/// whose matches extend at most this many bytes past the keyword (or past
/// its line). Other rules' keywords are searched over the whole blob.
pub const NEAR_BYTES: usize = 1024;

/// The tables the build script writes (see `src/rules/build.rs`).
mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_keywords.rs"));
}

/// The automaton over the built-in rules' keywords, as the build script
/// wrote it: keyword `i` is `builtin::KEYWORDS[i]`.
pub struct BuiltinKeywords;

impl BuiltinKeywords {
    /// The keyword's index, if it is one of the built-in ones (`word` in
    /// lower case).
    pub fn index_of(word: &str) -> Option<usize> {
        builtin::KEYWORDS.binary_search(&word).ok()
    }

    /// How many keywords there are.
    pub fn len() -> usize {
        builtin::KEYWORDS.len()
    }

    /// Calls `found` with the keyword index and byte range of every
    /// occurrence of every built-in keyword, overlapping ones included, in
    /// order of where they end.
    pub fn find_all(haystack: &[u8], mut found: impl FnMut(usize, Range<usize>)) {
        let mut row = 0usize;
        for (at, &byte) in haystack.iter().enumerate() {
            let class = usize::from(builtin::CLASSES[usize::from(byte)]);
            let next = builtin::TRANSITIONS[row + class];
            row = next as usize;
            if next >= builtin::FIRST_MATCH {
                let i = (next - builtin::FIRST_MATCH) as usize / builtin::STRIDE;
                let matches =
                    builtin::MATCH_STARTS[i] as usize..builtin::MATCH_STARTS[i + 1] as usize;
                for &keyword in &builtin::MATCHES[matches] {
                    let keyword = usize::from(keyword);
                    let len = builtin::KEYWORDS[keyword].len();
                    found(keyword, at + 1 - len..at + 1);
                }
            }
        }
    }
}

/// The keyword search of one engine: which rules each keyword triggers, and
/// the automata that find them.
pub struct Prefilter {
    /// For each built-in keyword, the rules it triggers; keywords of
    /// other rules follow, numbered on from [`BuiltinKeywords::len`].
    rules_of_pattern: Vec<Vec<usize>>,
    /// For each rule, its keywords' patterns.
    patterns_of_rule: Vec<Vec<usize>>,
    /// Whether any rule has a built-in keyword.
    builtin_used: bool,
    /// The keywords that are not built-in ones, if any.
    others: Option<AhoCorasick>,
    /// Those keywords, for building the DFA.
    other_keywords: Vec<String>,
    /// The DFA over all keywords (built-in ones first), once built; `None`
    /// inside if it could not be.
    dfa: OnceLock<Option<AhoCorasick>>,
    /// Bytes scanned so far without the DFA.
    scanned: AtomicUsize,
    /// Rules with no keywords: they run on every blob.
    always: Vec<usize>,
    /// For each pattern, whether a rule that reaches far has it: its
    /// occurrences are searched over the whole blob.
    far_pattern: Vec<bool>,
    /// The searcher for the far-reaching rules' built-in keywords; `None`
    /// if it could not be built, and then every search is over whole blobs.
    far: Option<FarKeywords>,
}

impl Prefilter {
    /// `keywords[i]` are the keywords of rule `i`; `reaches_far[i]` says
    /// whether its matches may lie more than [`NEAR_BYTES`] from them.
    pub fn new(keywords: &[&[String]], reaches_far: &[bool]) -> Result<Self> {
        let builtin_len = BuiltinKeywords::len();
        let mut rules_of_pattern: Vec<Vec<usize>> = vec![Vec::new(); builtin_len];
        let mut patterns_of_rule: Vec<Vec<usize>> = vec![Vec::new(); keywords.len()];
        let mut other_keywords: Vec<String> = Vec::new();
        let mut other_index: HashMap<String, usize> = HashMap::new();
        let mut always = Vec::new();
        for (rule, words) in keywords.iter().enumerate() {
            if words.is_empty() {
                always.push(rule);
            }
            for word in words.iter() {
                // Built-in keywords are lower case already: no copy for them.
                let word = match word.bytes().any(|b| b.is_ascii_uppercase()) {
                    true => Cow::Owned(word.to_ascii_lowercase()),
                    false => Cow::Borrowed(word.as_str()),
                };
                let pattern = match BuiltinKeywords::index_of(&word) {
                    Some(pattern) => pattern,
                    None => *other_index
                        .entry(word.into_owned())
                        .or_insert_with_key(|word| {
                            other_keywords.push(word.clone());
                            rules_of_pattern.push(Vec::new());
                            builtin_len + other_keywords.len() - 1
                        }),
                };
                if !rules_of_pattern[pattern].contains(&rule) {
                    rules_of_pattern[pattern].push(rule);
                    patterns_of_rule[rule].push(pattern);
                }
            }
        }
        let others = match other_keywords.is_empty() {
            true => None,
            false => Some(
                builder(None)
                    .build(&other_keywords)
                    .context("cannot build the keyword automaton")?,
            ),
        };
        let far_pattern: Vec<bool> = rules_of_pattern
            .iter()
            .map(|rules| rules.iter().any(|&rule| reaches_far[rule]))
            .collect();
        let far = FarKeywords::new(
            (0..builtin_len)
                .filter(|&pattern| far_pattern[pattern])
                .map(|pattern| (pattern, builtin::KEYWORDS[pattern])),
        );
        Ok(Prefilter {
            far_pattern,
            far,
            other_keywords,
            dfa: OnceLock::new(),
            scanned: AtomicUsize::new(0),
            builtin_used: rules_of_pattern[..builtin_len]
                .iter()
                .any(|r| !r.is_empty()),
            rules_of_pattern,
            patterns_of_rule,
            others,
            always,
        })
    }

    /// Which rules' keywords occur in `haystack`, and where every keyword
    /// occurrence is (rules searched only around their keywords need them).
    ///
    /// With `new_bytes` (the byte ranges of the new lines, sorted), the
    /// keywords of rules that do not reach far may be looked for only within
    /// [`NEAR_BYTES`] of them, widened to whole lines: an occurrence farther
    /// away cannot lead to a match that touches a new line. (When that is
    /// most of the blob, the whole blob is searched.)
    pub fn scan(&self, haystack: &[u8], new_bytes: Option<&[Range<usize>]>) -> KeywordHits {
        let mut hit = vec![false; self.patterns_of_rule.len()];
        for &rule in &self.always {
            hit[rule] = true;
        }
        let mut occurrences = Vec::new();
        let mut record = |pattern: usize, range: Range<usize>| {
            let rules = &self.rules_of_pattern[pattern];
            if rules.is_empty() {
                return;
            }
            for &rule in rules {
                hit[rule] = true;
            }
            occurrences.push((pattern, range));
        };
        // Where the windows cover most of the blob (a regenerated file), one
        // walk over all of it costs less than the far search plus the walk.
        let near = match (new_bytes, &self.far) {
            (Some(new_bytes), Some(far)) if self.builtin_used => {
                let windows = windows_near(haystack, new_bytes);
                let covered: usize = windows.iter().map(|w| w.len()).sum();
                (covered <= haystack.len() / 2).then_some((windows, far))
            }
            _ => None,
        };
        if let Some((windows, far)) = near {
            far.find_all(haystack, &mut record);
            for window in windows {
                let offset = window.start;
                BuiltinKeywords::find_all(&haystack[window], |pattern, range| {
                    // Far patterns were found over the whole blob already.
                    if !self.far_pattern[pattern] {
                        record(pattern, range.start + offset..range.end + offset);
                    }
                });
            }
            self.find_others(haystack, &mut record);
        } else if let Some(dfa) = self.dfa_for(haystack.len()) {
            // Its patterns are numbered as `rules_of_pattern` is.
            for found in dfa.find_overlapping_iter(haystack) {
                record(found.pattern().as_usize(), found.range());
            }
        } else {
            if self.builtin_used {
                BuiltinKeywords::find_all(haystack, &mut record);
            }
            self.find_others(haystack, &mut record);
        }
        // Grouped by pattern, each group in the order found, so a rule's
        // occurrences are found without going through everyone's.
        occurrences.sort_by_key(|(pattern, _)| *pattern);
        KeywordHits {
            triggered: hit
                .iter()
                .enumerate()
                .filter_map(|(rule, &on)| on.then_some(rule))
                .collect(),
            occurrences,
        }
    }

    /// Reports the occurrences of the keywords only a config's rules have,
    /// over the whole of `haystack`.
    fn find_others(&self, haystack: &[u8], mut record: impl FnMut(usize, Range<usize>)) {
        if let Some(others) = &self.others {
            let first = BuiltinKeywords::len();
            for found in others.find_overlapping_iter(haystack) {
                record(first + found.pattern().as_usize(), found.range());
            }
        }
    }

    /// The DFA to search `len` more bytes with, once enough has been
    /// scanned to pay for building it (a DFA too large to build is not an
    /// error: the first automata stay).
    fn dfa_for(&self, len: usize) -> Option<&AhoCorasick> {
        if let Some(dfa) = self.dfa.get() {
            return dfa.as_ref();
        }
        let scanned = self.scanned.fetch_add(len, Ordering::Relaxed) + len;
        if scanned < DFA_AFTER_BYTES {
            return None;
        }
        let dfa = self.dfa.get_or_init(|| {
            let all = builtin::KEYWORDS
                .iter()
                .copied()
                .chain(self.other_keywords.iter().map(String::as_str));
            builder(Some(AhoCorasickKind::DFA)).build(all).ok()
        });
        dfa.as_ref()
    }

    /// The occurrences of `rule`'s keywords among `hits`, keyword by
    /// keyword.
    pub fn occurrences_of<'h>(
        &'h self,
        hits: &'h KeywordHits,
        rule: usize,
    ) -> impl Iterator<Item = Range<usize>> + 'h {
        self.patterns_of_rule[rule].iter().flat_map(|&pattern| {
            let all = &hits.occurrences;
            let first = all.partition_point(|(p, _)| *p < pattern);
            let end = first + all[first..].partition_point(|(p, _)| *p == pattern);
            all[first..end].iter().map(|(_, range)| range.clone())
        })
    }
}

/// The regions of `haystack` whose keywords can matter to rules that do not
/// reach far, given the byte ranges of its new lines (sorted): each range
/// widened by [`NEAR_BYTES`], then to whole lines, so that every keyword
/// whose window (see [`matcher::regions_around`](super::matcher::regions_around))
/// can touch a new line lies wholly inside one: no keyword holds a line
/// break (the build script checks). Sorted, merged where they overlap.
fn windows_near(haystack: &[u8], new_bytes: &[Range<usize>]) -> Vec<Range<usize>> {
    let len = haystack.len();
    // The new ranges come in order, so each line is searched once however
    // many of them reach into it (a long minified line, say).
    let mut lines = LineBounds::new(haystack);
    let mut windows: Vec<Range<usize>> = Vec::with_capacity(new_bytes.len());
    for new in new_bytes {
        let from = new.start.saturating_sub(NEAR_BYTES).min(len);
        let to = new.end.saturating_add(NEAR_BYTES).min(len);
        let window = lines.start_before(from)..(lines.break_after(to) + 1).min(len);
        match windows.last_mut() {
            Some(last) if window.start <= last.end => last.end = last.end.max(window.end),
            _ => windows.push(window),
        }
    }
    windows
}

/// The built-in keywords of the rules that reach far, searched over whole
/// blobs: aho-corasick's packed (SIMD) searcher, on a lower-cased copy since
/// it has no case-insensitive mode, finds the leftmost-longest keyword at
/// each place one starts.
struct FarKeywords {
    searcher: Option<aho_corasick::packed::Searcher>,
    /// For each of the searcher's patterns, the prefilter patterns that
    /// occur wherever it matches: itself and every far keyword it starts
    /// with (found as part of it, since the longest one is reported).
    implied: Vec<Vec<usize>>,
}

impl FarKeywords {
    /// `None` when the searcher cannot be built (too many keywords, or a CPU
    /// without the SIMD instructions it needs).
    fn new(patterns: impl Iterator<Item = (usize, &'static str)>) -> Option<Self> {
        let patterns: Vec<(usize, &str)> = patterns.collect();
        if patterns.is_empty() {
            return Some(FarKeywords {
                searcher: None,
                implied: Vec::new(),
            });
        }
        let mut builder = aho_corasick::packed::Config::new()
            .match_kind(aho_corasick::packed::MatchKind::LeftmostLongest)
            .builder();
        for (_, word) in &patterns {
            builder.add(word);
        }
        let searcher = builder.build()?;
        let implied = patterns
            .iter()
            .map(|(_, word)| {
                patterns
                    .iter()
                    .filter(|(_, other)| word.starts_with(other))
                    .map(|&(pattern, _)| pattern)
                    .collect()
            })
            .collect();
        Some(FarKeywords {
            searcher: Some(searcher),
            implied,
        })
    }

    /// Calls `found` with the pattern and byte range of every occurrence of
    /// every far keyword, overlapping ones included.
    fn find_all(&self, haystack: &[u8], mut found: impl FnMut(usize, Range<usize>)) {
        let Some(searcher) = &self.searcher else {
            return;
        };
        let lower = haystack.to_ascii_lowercase();
        let mut at = 0;
        while let Some(m) = searcher.find_in(&lower, aho_corasick::Span::from(at..lower.len())) {
            for &pattern in &self.implied[m.pattern().as_usize()] {
                let len = builtin::KEYWORDS[pattern].len();
                found(pattern, m.start()..m.start() + len);
            }
            at = m.start() + 1;
        }
    }
}

fn builder(kind: Option<AhoCorasickKind>) -> AhoCorasickBuilder {
    let mut builder = AhoCorasickBuilder::new();
    builder
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .kind(kind);
    builder
}

/// What the prefilter learnt about one blob.
pub struct KeywordHits {
    /// The rules to run, in rule order.
    pub triggered: Vec<usize>,
    /// Every keyword occurrence: the automaton pattern and its byte range,
    /// sorted by pattern.
    occurrences: Vec<(usize, Range<usize>)>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn triggers_rules_by_case_insensitive_keyword() {
        let k0 = vec!["ghp_".to_string()];
        let k1 = vec!["akia".to_string(), "asia".to_string()];
        let k2: Vec<String> = vec![];
        let prefilter = Prefilter::new(&[&k0, &k1, &k2], &[false; 3]).unwrap();
        assert_eq!(prefilter.scan(b"key = AKIA...", None).triggered, vec![1, 2]);
        assert_eq!(prefilter.scan(b"nothing here", None).triggered, vec![2]);
        assert_eq!(
            prefilter.scan(b"GHP_ and asia", None).triggered,
            vec![0, 1, 2]
        );
    }

    #[test]
    fn keywords_of_config_rules_are_found_beside_built_in_ones() {
        let builtin = vec!["akia".to_string()];
        let custom = vec!["Zq_Internal".to_string(), "akia".to_string()];
        assert!(BuiltinKeywords::index_of("akia").is_some());
        assert!(BuiltinKeywords::index_of("zq_internal").is_none());
        let prefilter = Prefilter::new(&[&builtin, &custom], &[false; 2]).unwrap();
        assert_eq!(prefilter.scan(b"ZQ_INTERNAL", None).triggered, vec![1]);
        let hits = prefilter.scan(b"akia zq_internal", None);
        assert_eq!(hits.triggered, vec![0, 1]);
        let of = |rule| {
            let mut found = prefilter.occurrences_of(&hits, rule).collect::<Vec<_>>();
            found.sort_by_key(|range| range.start);
            found
        };
        assert_eq!(of(0), vec![0..4]);
        assert_eq!(of(1), vec![0..4, 5..16]);
    }

    #[test]
    fn reports_every_occurrence_of_a_rules_keywords() {
        let k0 = vec!["akia".to_string(), "asia".to_string()];
        let k1 = vec!["asia".to_string()];
        let prefilter = Prefilter::new(&[&k0, &k1], &[false; 2]).unwrap();
        let hits = prefilter.scan(b"AKIA asia akia xasiax", None);
        let of = |rule| {
            let mut found = prefilter.occurrences_of(&hits, rule).collect::<Vec<_>>();
            found.sort_by_key(|range| range.start);
            found
        };
        assert_eq!(of(0), vec![0..4, 5..9, 10..14, 16..20]);
        assert_eq!(of(1), vec![5..9, 16..20]);
    }

    #[test]
    fn the_dfa_built_for_large_scans_reports_what_the_first_automata_did() {
        let builtin = vec!["akia".to_string(), "ghp_".to_string()];
        let custom = vec!["zq_internal".to_string(), "akia".to_string()];
        let prefilter = Prefilter::new(&[&builtin, &custom], &[false; 2]).unwrap();
        let text: String = (0..20_000)
            .map(|i| format!("AKIA{i} zq_INTERNAL ghp_ filler "))
            .collect();
        let before = prefilter.scan(text.as_bytes(), None);
        while prefilter.dfa.get().is_none() {
            prefilter.scan(&vec![b' '; DFA_AFTER_BYTES / 4], None);
        }
        assert!(prefilter.dfa.get().unwrap().is_some(), "the DFA was built");
        let after = prefilter.scan(text.as_bytes(), None);
        assert_eq!(before.triggered, after.triggered);
        let sorted = |hits: KeywordHits| {
            let mut occurrences = hits.occurrences;
            occurrences.sort_by_key(|(pattern, range)| (range.start, *pattern));
            occurrences
        };
        let (before, after) = (sorted(before), sorted(after));
        assert_eq!(before.len(), 60_000);
        assert!(before == after, "the DFA found other occurrences");
    }

    /// Text made of built-in keywords (some sharing prefixes and suffixes),
    /// their pieces in either case, and other bytes.
    fn text_of_keywords() -> impl Strategy<Value = Vec<u8>> {
        let keywords: Vec<&'static str> = builtin::KEYWORDS.iter().step_by(7).copied().collect();
        let piece = prop_oneof![
            prop::sample::select(keywords.clone()).prop_map(|k| k.as_bytes().to_vec()),
            prop::sample::select(keywords)
                .prop_map(|k| k[..k.len() / 2].to_ascii_uppercase().into_bytes()),
            prop::collection::vec(any::<u8>(), 0..4),
            Just(b"_key=".to_vec()),
        ];
        prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
    }

    #[test]
    #[allow(clippy::single_range_in_vec_init)] // one range of new bytes
    fn near_keywords_are_searched_only_around_new_lines_and_far_ones_everywhere() {
        let near = vec!["akia".to_string()];
        let far = vec!["ghp_".to_string()];
        let prefilter = Prefilter::new(&[&near, &far], &[false, true]).unwrap();
        let line = "AKIA = 1; GHP_ = 2; filler filler filler filler filler\n";
        let text = line.repeat(400);
        let middle = 200 * line.len();
        let new_bytes = [middle..middle + line.len()];
        let hits = prefilter.scan(text.as_bytes(), Some(&new_bytes));
        let near_found: Vec<Range<usize>> = prefilter.occurrences_of(&hits, 0).collect();
        let far_found = prefilter.occurrences_of(&hits, 1).count();
        assert_eq!(far_found, 400, "a far keyword is found on every line");
        // The new line and the lines within NEAR_BYTES of it, whole.
        let lines_near = 1 + 2 * NEAR_BYTES.div_ceil(line.len());
        assert_eq!(near_found.len(), lines_near);
        assert!(
            near_found
                .iter()
                .all(|r| r.start.abs_diff(middle) <= NEAR_BYTES + line.len())
        );
        // Without new lines, or where the windows would cover most of the
        // blob, the whole blob is searched.
        for new in [None, Some(&[0..text.len() / 2][..])] {
            let hits = prefilter.scan(text.as_bytes(), new);
            assert_eq!(prefilter.occurrences_of(&hits, 0).count(), 400);
        }
    }

    /// Built-in keywords `a` and `b` where `b` starts with `a`: where `b`
    /// occurs, so does `a`.
    fn keyword_and_longer_one() -> (&'static str, &'static str) {
        builtin::KEYWORDS
            .iter()
            .find_map(|&a| {
                let b = builtin::KEYWORDS
                    .iter()
                    .find(|&&b| b != a && b.starts_with(a))?;
                Some((a, *b))
            })
            .expect("some built-in keyword starts with another")
    }

    /// Rules (their keywords), which of them reach far, a text, and the
    /// byte ranges of its new lines.
    type NearCase = (Vec<Vec<String>>, Vec<bool>, Vec<u8>, Vec<Range<usize>>);

    /// Rules of one built-in keyword each, every fifth keyword, with a
    /// prefix pair among them, some reaching far.
    fn rules_and_text_around_new_lines() -> impl Strategy<Value = NearCase> {
        let (short, long) = keyword_and_longer_one();
        let mut words: Vec<&str> = builtin::KEYWORDS.iter().step_by(5).copied().collect();
        words.extend([short, long]);
        let rules: Vec<Vec<String>> = words.iter().map(|w| vec![w.to_string()]).collect();
        let count = rules.len();
        let piece = prop_oneof![
            4 => prop::sample::select(words).prop_map(|k| k.to_ascii_uppercase().into_bytes()),
            2 => Just(long.as_bytes().to_vec()),
            // Filler without line breaks: lines longer than NEAR_BYTES.
            1 => (0..NEAR_BYTES).prop_map(|n| b"= 0; ".repeat(n / 5)),
            1 => Just(b"\n".to_vec()),
        ];
        (
            Just(rules),
            prop::collection::vec(any::<bool>(), count),
            prop::collection::vec(piece, 0..60).prop_map(|pieces| pieces.concat()),
            prop::collection::vec((any::<prop::sample::Index>(), 0..40usize), 0..4),
        )
            .prop_map(|(rules, far, text, picks)| {
                let mut new_bytes: Vec<Range<usize>> = picks
                    .iter()
                    .map(|(at, len)| {
                        let start = at.index(text.len() + 1);
                        start..(start + len).min(text.len())
                    })
                    .collect();
                new_bytes.sort_by_key(|r| (r.start, r.end));
                (rules, far, text, new_bytes)
            })
    }

    proptest! {
        /// The build script's table finds exactly what the `aho-corasick`
        /// crate's automaton over the same keywords finds.
        #[test]
        fn the_built_in_table_finds_what_aho_corasick_finds(text in text_of_keywords()) {
            static REFERENCE: std::sync::LazyLock<AhoCorasick> = std::sync::LazyLock::new(|| {
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .build(builtin::KEYWORDS)
                    .unwrap()
            });
            let mut expected: Vec<(usize, Range<usize>)> = REFERENCE
                .find_overlapping_iter(&text)
                .map(|m| (m.pattern().as_usize(), m.range()))
                .collect();
            let mut found = Vec::new();
            BuiltinKeywords::find_all(&text, |keyword, range| found.push((keyword, range)));
            expected.sort_by_key(|(k, r)| (r.end, r.start, *k));
            found.sort_by_key(|(k, r)| (r.end, r.start, *k));
            prop_assert_eq!(found, expected);
        }

        /// Searching near new lines finds every occurrence of a far rule's
        /// keyword anywhere, and every other occurrence within
        /// [`NEAR_BYTES`] of a new byte; it finds nothing the whole-blob
        /// search does not.
        #[test]
        fn the_search_near_new_lines_misses_nothing_that_can_matter(
            (rules, far, text, new_bytes) in rules_and_text_around_new_lines()
        ) {
            let keywords: Vec<&[String]> = rules.iter().map(Vec::as_slice).collect();
            let prefilter = Prefilter::new(&keywords, &far).unwrap();
            let whole = prefilter.scan(&text, None);
            let near = prefilter.scan(&text, Some(&new_bytes));
            // An occurrence matters if its line comes within NEAR_BYTES of
            // a new byte: rules bounded by lines reach from anywhere on it.
            let line_of = |range: &Range<usize>| {
                let start = memchr::memrchr(b'\n', &text[..range.start]).map_or(0, |i| i + 1);
                let end = memchr::memchr(b'\n', &text[range.end..]).map_or(text.len(), |i| range.end + i);
                start..end
            };
            let close = |range: &Range<usize>| {
                let line = line_of(range);
                new_bytes.iter().any(|new| {
                    line.end + NEAR_BYTES > new.start && line.start < new.end + NEAR_BYTES
                })
            };
            for (rule, &reaches_far) in far.iter().enumerate() {
                let all: Vec<Range<usize>> = prefilter.occurrences_of(&whole, rule).collect();
                let found: Vec<Range<usize>> = prefilter.occurrences_of(&near, rule).collect();
                for range in &found {
                    prop_assert!(all.contains(range), "rule {} found {:?} only near", rule, range);
                }
                for range in &all {
                    if reaches_far || close(range) {
                        prop_assert!(found.contains(range), "rule {} missed {:?}", rule, range);
                    }
                }
                prop_assert_eq!(
                    near.triggered.contains(&rule),
                    !found.is_empty(),
                    "rule {} triggered", rule
                );
            }
        }
    }
}
