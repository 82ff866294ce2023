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

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use anyhow::{Context, Result};

/// After this many scanned bytes, searching with a DFA pays for building it.
pub const DFA_AFTER_BYTES: usize = 4 << 20;

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
}

impl Prefilter {
    /// `keywords[i]` are the keywords of rule `i`.
    pub fn new(keywords: &[&[String]]) -> Result<Self> {
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
        Ok(Prefilter {
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
    pub fn scan(&self, haystack: &[u8]) -> KeywordHits {
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
        if let Some(dfa) = self.dfa_for(haystack.len()) {
            // Its patterns are numbered as `rules_of_pattern` is.
            for found in dfa.find_overlapping_iter(haystack) {
                record(found.pattern().as_usize(), found.range());
            }
        } else {
            if self.builtin_used {
                BuiltinKeywords::find_all(haystack, &mut record);
            }
            if let Some(others) = &self.others {
                let first = BuiltinKeywords::len();
                for found in others.find_overlapping_iter(haystack) {
                    record(first + found.pattern().as_usize(), found.range());
                }
            }
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
        let prefilter = Prefilter::new(&[&k0, &k1, &k2]).unwrap();
        assert_eq!(prefilter.scan(b"key = AKIA...").triggered, vec![1, 2]);
        assert_eq!(prefilter.scan(b"nothing here").triggered, vec![2]);
        assert_eq!(prefilter.scan(b"GHP_ and asia").triggered, vec![0, 1, 2]);
    }

    #[test]
    fn keywords_of_config_rules_are_found_beside_built_in_ones() {
        let builtin = vec!["akia".to_string()];
        let custom = vec!["Zq_Internal".to_string(), "akia".to_string()];
        assert!(BuiltinKeywords::index_of("akia").is_some());
        assert!(BuiltinKeywords::index_of("zq_internal").is_none());
        let prefilter = Prefilter::new(&[&builtin, &custom]).unwrap();
        assert_eq!(prefilter.scan(b"ZQ_INTERNAL").triggered, vec![1]);
        let hits = prefilter.scan(b"akia zq_internal");
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
        let prefilter = Prefilter::new(&[&k0, &k1]).unwrap();
        let hits = prefilter.scan(b"AKIA asia akia xasiax");
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
        let prefilter = Prefilter::new(&[&builtin, &custom]).unwrap();
        let text: String = (0..20_000)
            .map(|i| format!("AKIA{i} zq_INTERNAL ghp_ filler "))
            .collect();
        let before = prefilter.scan(text.as_bytes());
        while prefilter.dfa.get().is_none() {
            prefilter.scan(&vec![b' '; DFA_AFTER_BYTES / 4]);
        }
        assert!(prefilter.dfa.get().unwrap().is_some(), "the DFA was built");
        let after = prefilter.scan(text.as_bytes());
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
    }
}
