//! File-name rules: rules with a `path` and no regex, whose finding is the
//! file itself. [`FileNameMatcher`] decides which apply to a path: the
//! built-in rules' paths through a DFA the build script made, any other
//! path through one regex built beside the engine's other work.

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

/// What the build script wrote (see `file_name_table` in
/// `src/rules/build.rs`): `PATTERNS`, the built-in file-name rules' paths,
/// sorted, and one DFA over them as tables, whose pattern `i` is
/// `PATTERNS[i]`.
mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_file_names.rs"));
}

/// The built-in patterns that match somewhere in `path` (indexes into
/// `builtin::PATTERNS`), from a walk of the build script's DFA over it.
fn builtin_matches(path: &[u8]) -> Vec<usize> {
    let mut matched = Vec::new();
    let mut note = |row: usize| {
        let at =
            usize::from(builtin::MATCH_STARTS[row])..usize::from(builtin::MATCH_STARTS[row + 1]);
        matched.extend(builtin::MATCHES[at].iter().map(|&p| usize::from(p)));
    };
    let mut row = 0usize;
    for &byte in path {
        let class = usize::from(builtin::CLASSES[usize::from(byte)]);
        row = usize::from(builtin::TRANSITIONS[row * builtin::STRIDE + class]);
        if row == builtin::DEAD {
            break;
        }
        note(row);
    }
    if row != builtin::DEAD {
        note(usize::from(builtin::AT_END[row]));
    }
    matched.sort_unstable();
    matched.dedup();
    matched
}

/// Which file-name rules apply to a path. Building one regex over their
/// paths at start-up was as much work as the rest of the engine (a fifth of
/// a small commit's instructions), so the built-in paths come compiled: the
/// build script's DFA answers for every rule whose path is a built-in
/// rule's, whatever the config, and only the paths a config adds are
/// compiled, on a thread of their own.
pub(super) struct FileNameMatcher {
    /// For pattern `i` of the built-in DFA, the positions in the engine's
    /// `file_name_rules` of the rules with that path.
    builtin_positions: Vec<Vec<usize>>,
    /// The positions of the rules whose path is no built-in rule's, and the
    /// regex over their paths (pattern `i` is position `other_positions[i]`).
    other_positions: Vec<usize>,
    others: Option<FileNameRegex>,
}

impl FileNameMatcher {
    /// A matcher for `file_name_rules` (indexes into `rules`).
    pub(super) fn new(rules: &[CompiledRule], file_name_rules: &[usize]) -> Self {
        let mut builtin_positions = vec![Vec::new(); builtin::PATTERNS.len()];
        let mut other_positions = Vec::new();
        let mut other_patterns = Vec::new();
        for (position, &rule) in file_name_rules.iter().enumerate() {
            let path = rules[rule].spec.path.as_ref();
            let pattern = path.expect("file-name rule has a path").get_ref().as_str();
            match builtin::PATTERNS.binary_search(&pattern) {
                Ok(i) => builtin_positions[i].push(position),
                Err(_) => {
                    other_positions.push(position);
                    other_patterns.push(pattern.to_string());
                }
            }
        }
        let others = (!other_patterns.is_empty()).then(|| FileNameRegex::start(other_patterns));
        FileNameMatcher {
            builtin_positions,
            other_positions,
            others,
        }
    }

    /// The positions in `file_name_rules` of the rules whose path matches
    /// `path`, in order.
    fn matching(&self, path: &[u8]) -> Result<Vec<usize>> {
        let mut positions = Vec::new();
        for pattern in builtin_matches(path) {
            positions.extend_from_slice(&self.builtin_positions[pattern]);
        }
        if let Some(others) = &self.others {
            let regex = others.get().as_ref().map_err(|err| anyhow!("{err}"))?;
            let mut matched = PatternSet::new(regex.pattern_len());
            regex.which_overlapping_matches(&Input::new(path), &mut matched);
            positions.extend(matched.iter().map(|p| self.other_positions[p.as_usize()]));
        }
        positions.sort_unstable();
        Ok(positions)
    }
}

/// One regex over the paths of the file-name rules the build script did
/// not see, built on a thread of its own from the moment the engine is, and
/// waited for only when a scan first needs it: in a commit hook git is
/// listing the staged changes meanwhile.
struct FileNameRegex {
    /// The thread building it, until the first scan takes its result.
    building: Mutex<Option<JoinHandle<Result<MetaRegex, String>>>>,
    /// The regex, or why a pattern is invalid (reported when a scan first
    /// needs it).
    built: OnceLock<Result<MetaRegex, String>>,
}

impl FileNameRegex {
    /// Starts building the regex over `patterns` (at least one).
    fn start(patterns: Vec<String>) -> Self {
        let for_thread = patterns.clone();
        let built = OnceLock::new();
        let thread = std::thread::Builder::new()
            .spawn(move || build(&for_thread))
            .ok();
        if thread.is_none() {
            // No thread to be had: build it here and now.
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

/// The regex over file-name rules' paths, as [`matcher::compile_paths`]
/// builds it.
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
        for position in self.file_names.matching(path_text.as_bytes())? {
            let rule = &self.rules[self.file_name_rules[position]];
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What the regex `matcher::compile_paths` builds over the built-in
    /// patterns finds in `path`: the answer the build script's DFA must
    /// give.
    fn regex_matches(path: &[u8]) -> Vec<usize> {
        let patterns: Vec<String> = builtin::PATTERNS.iter().map(|p| p.to_string()).collect();
        let regex = build(&patterns).unwrap();
        let mut matched = PatternSet::new(regex.pattern_len());
        regex.which_overlapping_matches(&Input::new(path), &mut matched);
        matched.iter().map(|p| p.as_usize()).collect()
    }

    /// Pieces of paths: what the built-in paths look for, near misses,
    /// other case, separators, non-ASCII and bytes that are not UTF-8.
    fn piece() -> impl Strategy<Value = &'static [u8]> {
        prop::sample::select(vec![
            &b"/"[..],
            b"a",
            b"dir",
            b".",
            b"-",
            b"_",
            b".env",
            b".ENV",
            b".Env",
            b"env",
            b".local",
            b"id_",
            b"rsa",
            b"dsa",
            b"ecdsa",
            b"ed25519",
            b"_sk",
            b".pub",
            b".p12",
            b".PFX",
            b".pfx",
            b".jks",
            b".KEYSTORE",
            b".jceks",
            b".bks",
            b".kdb",
            b".kdbx",
            b".keytab",
            b".ppk",
            b"netrc",
            b".netrc",
            b".htpasswd",
            b".pgpass",
            b".s3cfg",
            b".vault-token",
            b".git-credentials",
            b"credentials",
            b".aws",
            b".tfrc",
            b".json",
            b"terraform",
            b".tfstate",
            b".backup",
            b"secring",
            b".gpg",
            b".skr",
            b"private-keys-v1.d",
            b".key",
            b"AuthKey_",
            b"ABCDE12345",
            b".p8",
            b".2024-01-02",
            b".private-key",
            b".pem",
            "é".as_bytes(),
            "İ".as_bytes(),
            b"\xff",
            b"\x80",
            b"\n",
            b" ",
        ])
    }

    #[test]
    fn the_built_in_dfa_finds_what_the_regex_finds_in_named_paths() {
        for path in [
            &b".env"[..],
            b"config/.env.production",
            b"APP/.ENV",
            b"home/.ssh/id_ed25519_sk",
            b"id_rsa.pub",
            b"keys/store.P12",
            b"a/b/terraform.tfstate.backup",
            b".aws/credentials",
            b"x/AuthKey_ABCDE12345.p8",
            b"docs/readme.md",
            b"",
            b"\xff/.env",
        ] {
            assert_eq!(
                builtin_matches(path),
                regex_matches(path),
                "{}",
                String::from_utf8_lossy(path)
            );
        }
        // Not a vacuous comparison: these do match.
        assert!(!builtin_matches(b"config/.env.production").is_empty());
        assert!(!builtin_matches(b"home/.ssh/id_ed25519_sk").is_empty());
    }

    proptest! {
        #[test]
        fn the_built_in_dfa_finds_what_the_regex_finds(
            pieces in prop::collection::vec(piece(), 0..12),
        ) {
            let path = pieces.concat();
            prop_assert_eq!(builtin_matches(&path), regex_matches(&path));
        }
    }
}
