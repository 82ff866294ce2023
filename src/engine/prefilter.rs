//! The keyword prefilter: one Aho-Corasick automaton over every rule's
//! keywords decides which rules' regexes run on a blob at all.
//!
//! It also records where each keyword occurs, so rules proven to match only
//! around their keywords (see `matcher`) search just those regions.
//!
//! Built once per engine; matching is ASCII case-insensitive, because keyword
//! lists are written in lower case while tokens are often upper case.
//!
//! Start-up and throughput pull apart here: for a large keyword set the
//! automaton the `aho-corasick` crate builds quickly (an NFA) searches at
//! about half the speed of a DFA, which takes several times longer to build.
//! A typical commit is a few kilobytes, so the engine starts with the quick
//! one and builds the DFA once the engine has scanned [`DFA_AFTER_BYTES`];
//! both report the same occurrences.
//!
//! The quick one is the noncontiguous NFA with dense transitions in its first
//! two levels ([`NFA_DENSE_DEPTH`]), not the crate's default choice (a
//! contiguous NFA converted from that one): with ~500 keywords the conversion
//! cost a fifth of building, while searching a small commit's files took the
//! same instructions either way (callgrind, 50 KB and 2 MB of Python).

use std::borrow::Cow;
use std::ops::Range;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

use anyhow::{Context, Result};

/// After this many scanned bytes, searching with a DFA pays for building it.
pub const DFA_AFTER_BYTES: usize = 4 << 20;

/// Levels of the first automaton whose states have dense transition tables:
/// those are the states most searches pass through.
const NFA_DENSE_DEPTH: usize = 2;

pub struct Prefilter {
    automaton: Option<AhoCorasick>,
    /// The keywords, for building the DFA later.
    patterns: Vec<String>,
    /// The DFA, once built (`None` inside if it could not be).
    dfa: OnceLock<Option<AhoCorasick>>,
    /// Bytes scanned so far with the first automaton.
    scanned: AtomicUsize,
    /// For each automaton pattern, the rules it triggers.
    rules_of_pattern: Vec<Vec<usize>>,
    /// Rules with no keywords: they run on every blob.
    always: Vec<usize>,
    rule_count: usize,
}

impl Prefilter {
    /// `keywords[i]` are the keywords of rule `i`.
    pub fn new(keywords: &[&[String]]) -> Result<Self> {
        // Sized up front and keyed by the rules' own strings (built-in
        // keywords are already lower case): start-up pays per keyword, so no
        // rehashing and no copies but the patterns kept for the DFA.
        let total: usize = keywords.iter().map(|words| words.len()).sum();
        let mut patterns: Vec<String> = Vec::with_capacity(total);
        let mut rules_of_pattern: Vec<Vec<usize>> = Vec::with_capacity(total);
        let mut index_of: std::collections::HashMap<Cow<str>, usize> =
            std::collections::HashMap::with_capacity(total);
        let mut always = Vec::new();
        for (rule, words) in keywords.iter().enumerate() {
            if words.is_empty() {
                always.push(rule);
            }
            for word in words.iter() {
                let word = if word.bytes().any(|b| b.is_ascii_uppercase()) {
                    Cow::Owned(word.to_ascii_lowercase())
                } else {
                    Cow::Borrowed(word.as_str())
                };
                let pattern = match index_of.get(&word) {
                    Some(&pattern) => pattern,
                    None => {
                        patterns.push(word.to_string());
                        rules_of_pattern.push(Vec::new());
                        index_of.insert(word, patterns.len() - 1);
                        patterns.len() - 1
                    }
                };
                if !rules_of_pattern[pattern].contains(&rule) {
                    rules_of_pattern[pattern].push(rule);
                }
            }
        }
        let automaton = if patterns.is_empty() {
            None
        } else {
            Some(
                builder(Some(AhoCorasickKind::NoncontiguousNFA))
                    .dense_depth(NFA_DENSE_DEPTH)
                    .build(&patterns)
                    .context("cannot build the keyword automaton")?,
            )
        };
        Ok(Prefilter {
            automaton,
            patterns,
            dfa: OnceLock::new(),
            scanned: AtomicUsize::new(0),
            rules_of_pattern,
            always,
            rule_count: keywords.len(),
        })
    }

    /// Which rules' keywords occur in `haystack`, and where every keyword
    /// occurrence is (rules searched only around their keywords need them).
    pub fn scan(&self, haystack: &[u8]) -> KeywordHits {
        let mut hit = vec![false; self.rule_count];
        for &rule in &self.always {
            hit[rule] = true;
        }
        let mut occurrences = Vec::new();
        if let Some(automaton) = self.automaton_for(haystack.len()) {
            for found in automaton.find_overlapping_iter(haystack) {
                let pattern = found.pattern().as_usize();
                for &rule in &self.rules_of_pattern[pattern] {
                    hit[rule] = true;
                }
                occurrences.push((pattern, found.range()));
            }
        }
        KeywordHits {
            triggered: hit
                .iter()
                .enumerate()
                .filter_map(|(rule, &on)| on.then_some(rule))
                .collect(),
            occurrences,
        }
    }

    /// The automaton to search `len` more bytes with: the first one, or the
    /// DFA once enough has been scanned to pay for building it.
    fn automaton_for(&self, len: usize) -> Option<&AhoCorasick> {
        let first = self.automaton.as_ref()?;
        if first.kind() == AhoCorasickKind::DFA {
            return Some(first);
        }
        if let Some(dfa) = self.dfa.get() {
            return dfa.as_ref().or(Some(first));
        }
        let scanned = self.scanned.fetch_add(len, Ordering::Relaxed) + len;
        if scanned < DFA_AFTER_BYTES {
            return Some(first);
        }
        // A DFA too large to build is not an error: the first one stays.
        let dfa = self.dfa.get_or_init(|| {
            builder(Some(AhoCorasickKind::DFA))
                .build(&self.patterns)
                .ok()
        });
        dfa.as_ref().or(Some(first))
    }

    /// The occurrences of `rule`'s keywords among `hits`.
    pub fn occurrences_of<'h>(
        &'h self,
        hits: &'h KeywordHits,
        rule: usize,
    ) -> impl Iterator<Item = Range<usize>> + 'h {
        hits.occurrences
            .iter()
            .filter(move |(pattern, _)| self.rules_of_pattern[*pattern].contains(&rule))
            .map(|(_, range)| range.clone())
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
    /// Every keyword occurrence: the automaton pattern and its byte range.
    occurrences: Vec<(usize, Range<usize>)>,
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn the_dfa_built_for_large_scans_reports_what_the_first_automaton_did() {
        // Enough keywords that the quick automaton is not already a DFA.
        let keywords: Vec<Vec<String>> = (0..300)
            .map(|i| vec![format!("kw{i}_"), format!("x{}y", i * 7)])
            .collect();
        let refs: Vec<&[String]> = keywords.iter().map(Vec::as_slice).collect();
        let prefilter = Prefilter::new(&refs).unwrap();
        assert_ne!(
            prefilter.automaton.as_ref().unwrap().kind(),
            AhoCorasickKind::DFA
        );
        let text: String = (0..20_000)
            .map(|i| format!("KW{}_ x{}y filler ", i % 400, i % 3000))
            .collect();
        let before = prefilter.scan(text.as_bytes());
        while prefilter.dfa.get().is_none() {
            prefilter.scan(&vec![b' '; DFA_AFTER_BYTES / 4]);
        }
        assert!(prefilter.dfa.get().unwrap().is_some(), "the DFA was built");
        let after = prefilter.scan(text.as_bytes());
        assert_eq!(before.triggered, after.triggered);
        assert_eq!(before.occurrences, after.occurrences);
        assert!(before.occurrences.len() > 10_000);
    }

    #[test]
    fn reports_every_occurrence_of_a_rules_keywords() {
        let k0 = vec!["akia".to_string(), "asia".to_string()];
        let k1 = vec!["asia".to_string()];
        let prefilter = Prefilter::new(&[&k0, &k1]).unwrap();
        let hits = prefilter.scan(b"AKIA asia akia xasiax");
        let of = |rule| prefilter.occurrences_of(&hits, rule).collect::<Vec<_>>();
        assert_eq!(of(0), vec![0..4, 5..9, 10..14, 16..20]);
        assert_eq!(of(1), vec![5..9, 16..20]);
    }
}
