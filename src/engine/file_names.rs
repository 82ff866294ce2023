//! File-name rules: rules with a `path` and no regex, whose finding is the
//! file itself. One regex over all their patterns, built with the engine,
//! decides which apply to a path.

use anyhow::{Result, anyhow};
use regex_automata::meta::Regex as MetaRegex;
use regex_automata::{Input, PatternSet};

use super::allowlist::Candidate;
use super::candidates::Hit;
use super::drop::DropReason;
use super::rule::CompiledRule;
use super::{Engine, ScanInput, matcher};
use crate::finding::Finding;

/// One regex over the `path` of each file-name rule (`file_name_rules`
/// indexes `rules`).
pub(super) fn file_name_regex(
    rules: &[CompiledRule],
    file_name_rules: &[usize],
) -> Result<MetaRegex, String> {
    let patterns: Vec<&str> = file_name_rules
        .iter()
        .map(|&i| {
            let path = rules[i].spec.path.as_ref();
            path.expect("file-name rule has a path").get_ref().as_str()
        })
        .collect();
    matcher::compile_paths(&patterns)
        .map_err(|e| format!("the file-name rules' path regexes are invalid: {e}"))
}

impl Engine {
    pub(super) fn match_file_names(
        &self,
        input: &ScanInput,
        path_text: &str,
        hits: &mut Vec<Hit>,
    ) -> Result<()> {
        if self.file_name_rules.is_empty() {
            return Ok(());
        }
        let file_names = self.file_names.as_ref().map_err(|err| anyhow!("{err}"))?;
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
}
