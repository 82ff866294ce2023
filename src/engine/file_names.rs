//! File-name rules: rules with a `path` and no regex, whose finding is the
//! file itself. One regex over all their patterns, built beside the
//! engine's other work, decides which apply to a path.

use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;

use anyhow::{Result, anyhow};
use regex_automata::meta::Regex as MetaRegex;
use regex_automata::{Input, PatternSet};

use super::allowlist::Candidate;
use super::candidates::Hit;
use super::drop::DropReason;
use super::rule::CompiledRule;
use super::{Engine, ScanInput, matcher};
use crate::finding::Finding;

/// One regex over the `path` of each file-name rule, built on a thread of
/// its own from the moment the engine is, and waited for only when a scan
/// first needs it. Building it is as much work as the rest of the engine;
/// in a commit hook git is listing the staged changes meanwhile, and the
/// regex is first needed after that, so nothing waits for it.
pub(super) struct FileNameRegex {
    /// The thread building it, until the first scan takes its result.
    building: Mutex<Option<JoinHandle<Result<MetaRegex, String>>>>,
    /// The regex, or why a pattern is invalid (reported when a scan first
    /// needs it).
    built: OnceLock<Result<MetaRegex, String>>,
}

impl FileNameRegex {
    /// Starts building the regex over the `path` of each file-name rule
    /// (`file_name_rules` indexes `rules`).
    pub(super) fn start(rules: &[CompiledRule], file_name_rules: &[usize]) -> Self {
        let patterns: Vec<String> = file_name_rules
            .iter()
            .map(|&i| {
                let path = rules[i].spec.path.as_ref();
                path.expect("file-name rule has a path")
                    .get_ref()
                    .as_str()
                    .to_string()
            })
            .collect();
        let for_thread = patterns.clone();
        let built = OnceLock::new();
        let thread = match patterns.is_empty() {
            // Nothing to build (a config without file-name rules).
            true => None,
            false => std::thread::Builder::new()
                .spawn(move || build(&for_thread))
                .ok(),
        };
        if thread.is_none() {
            let _ = built.set(build(&patterns));
        }
        FileNameRegex {
            building: Mutex::new(thread),
            built,
        }
    }

    /// The regex, once its thread has finished.
    fn get(&self) -> &Result<MetaRegex, String> {
        self.built.get_or_init(|| {
            let thread = self
                .building
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take();
            match thread {
                Some(thread) => thread.join().unwrap_or_else(|_| {
                    Err("building the file-name rules' regex failed".to_string())
                }),
                None => unreachable!("without a thread the regex is built at the start"),
            }
        })
    }
}

fn build(patterns: &[String]) -> Result<MetaRegex, String> {
    let patterns: Vec<&str> = patterns.iter().map(String::as_str).collect();
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
        let file_names = self
            .file_names
            .get()
            .as_ref()
            .map_err(|err| anyhow!("{err}"))?;
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
