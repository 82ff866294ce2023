//! The keyword prefilter: one Aho-Corasick automaton over every rule's
//! keywords decides which rules' regexes run on a blob at all.
//!
//! Built once per engine; matching is ASCII case-insensitive, because keyword
//! lists are written in lower case while tokens are often upper case.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use anyhow::{Context, Result};

pub struct Prefilter {
    automaton: Option<AhoCorasick>,
    /// For each automaton pattern, the rules it triggers.
    rules_of_pattern: Vec<Vec<usize>>,
    /// Rules with no keywords: they run on every blob.
    always: Vec<usize>,
    rule_count: usize,
}

impl Prefilter {
    /// `keywords[i]` are the keywords of rule `i`.
    pub fn new(keywords: &[&[String]]) -> Result<Self> {
        let mut patterns: Vec<String> = Vec::new();
        let mut rules_of_pattern: Vec<Vec<usize>> = Vec::new();
        let mut index_of = std::collections::HashMap::new();
        let mut always = Vec::new();
        for (rule, words) in keywords.iter().enumerate() {
            if words.is_empty() {
                always.push(rule);
            }
            for word in words.iter() {
                let word = word.to_ascii_lowercase();
                let pattern = *index_of.entry(word.clone()).or_insert_with(|| {
                    patterns.push(word);
                    rules_of_pattern.push(Vec::new());
                    patterns.len() - 1
                });
                if !rules_of_pattern[pattern].contains(&rule) {
                    rules_of_pattern[pattern].push(rule);
                }
            }
        }
        let automaton = if patterns.is_empty() {
            None
        } else {
            Some(
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(true)
                    .match_kind(MatchKind::Standard)
                    .build(&patterns)
                    .context("cannot build the keyword automaton")?,
            )
        };
        Ok(Prefilter {
            automaton,
            rules_of_pattern,
            always,
            rule_count: keywords.len(),
        })
    }

    /// The rules whose keywords occur in `haystack`, in rule order.
    pub fn triggered(&self, haystack: &[u8]) -> Vec<usize> {
        let mut hit = vec![false; self.rule_count];
        for &rule in &self.always {
            hit[rule] = true;
        }
        if let Some(automaton) = &self.automaton {
            let mut seen_pattern = vec![false; self.rules_of_pattern.len()];
            let mut patterns_left = seen_pattern.len();
            for found in automaton.find_overlapping_iter(haystack) {
                let pattern = found.pattern().as_usize();
                if seen_pattern[pattern] {
                    continue;
                }
                seen_pattern[pattern] = true;
                for &rule in &self.rules_of_pattern[pattern] {
                    hit[rule] = true;
                }
                patterns_left -= 1;
                if patterns_left == 0 {
                    break;
                }
            }
        }
        hit.iter()
            .enumerate()
            .filter_map(|(rule, &on)| on.then_some(rule))
            .collect()
    }
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
        assert_eq!(prefilter.triggered(b"key = AKIA..."), vec![1, 2]);
        assert_eq!(prefilter.triggered(b"nothing here"), vec![2]);
        assert_eq!(prefilter.triggered(b"GHP_ and asia"), vec![0, 1, 2]);
    }
}
