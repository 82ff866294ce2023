//! Allowlists: config entries and inline markers that let a developer say a
//! finding is not a secret. Compiled once, with errors pointing into the
//! config file; checked only for candidates that survived every other test.

use globset::GlobSet;
use regex::bytes::RegexSet;
use serde::Deserialize;

/// Comments that allow the finding on their line. The last two are other
/// scanners' markers, honoured so projects can switch without edits.
pub const INLINE_MARKERS: &[&str] = &[
    "leakgate:allow",
    "gitleaks:allow",
    "pragma: allowlist secret",
];

pub fn has_inline_marker(line: &[u8]) -> bool {
    INLINE_MARKERS
        .iter()
        .any(|m| memchr::memmem::find(line, m.as_bytes()).is_some())
}

/// One compiled allowlist entry. The config compiles it from what it says
/// (`crate::config::ruleset`), with errors pointing into the config file.
pub struct Allowlist {
    /// What the entry says about itself, for `leakgate explain`.
    pub description: String,
    /// Rule ids the entry is limited to; empty means every rule.
    pub rules: Vec<String>,
    /// Globs on the repository-relative path.
    pub paths: GlobSet,
    /// Regexes on the repository-relative path.
    pub path_regexes: Option<RegexSet>,
    /// Regexes on the secret.
    pub secrets: Option<RegexSet>,
    /// Regexes on the line the finding starts on.
    pub lines: Option<RegexSet>,
    /// Regexes on everything the rule's regex matched.
    pub matches: Option<RegexSet>,
    /// Lowercase words of which the secret must contain one.
    pub stopwords: Vec<Vec<u8>>,
    /// Lowercase commit ids or prefixes.
    pub commits: Vec<String>,
    /// How the conditions combine.
    pub condition: Condition,
}

/// How an allowlist entry combines its conditions.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Condition {
    /// Any one condition allows (the default).
    #[default]
    Or,
    /// Every kind of condition the entry lists must hold (paths and path
    /// regexes are one kind).
    And,
}

/// What an allowlist is asked about.
pub struct Candidate<'a> {
    pub rule_id: &'a str,
    pub path: &'a str,
    pub secret: &'a [u8],
    pub line: &'a [u8],
    /// Everything the rule's regex matched (the secret is part of it).
    pub matched: &'a [u8],
    /// The commit being scanned, for history findings.
    pub commit: Option<&'a str>,
}

impl Allowlist {
    pub fn allows(&self, candidate: &Candidate) -> bool {
        if !self.rules.is_empty() && !self.rules.iter().any(|r| r == candidate.rule_id) {
            return false;
        }
        // Each kind of condition the entry lists, and whether it holds;
        // `None` for kinds it does not list.
        let has_paths = !self.paths.is_empty() || self.path_regexes.is_some();
        let checks = [
            has_paths.then(|| {
                self.paths.is_match(candidate.path)
                    || self
                        .path_regexes
                        .as_ref()
                        .is_some_and(|s| s.is_match(candidate.path.as_bytes()))
            }),
            self.secrets.as_ref().map(|s| s.is_match(candidate.secret)),
            self.lines.as_ref().map(|s| s.is_match(candidate.line)),
            self.matches.as_ref().map(|s| s.is_match(candidate.matched)),
            (!self.stopwords.is_empty()).then(|| {
                let lower = candidate.secret.to_ascii_lowercase();
                self.stopwords
                    .iter()
                    .any(|w| memchr::memmem::find(&lower, w).is_some())
            }),
            (!self.commits.is_empty()).then(|| {
                candidate.commit.is_some_and(|id| {
                    let id = id.to_ascii_lowercase();
                    self.commits.iter().any(|c| id.starts_with(c.as_str()))
                })
            }),
        ];
        match self.condition {
            Condition::Or => checks.contains(&Some(true)),
            // An entry that lists nothing allows nothing, whatever its condition.
            Condition::And => checks.iter().any(Option::is_some) && !checks.contains(&Some(false)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::LoadedConfig;
    use crate::config::ruleset::compile_allowlist;
    use crate::source_text::SourceText;
    use anyhow::Result;

    fn compile(text: &str) -> Result<Allowlist> {
        let config = LoadedConfig::parse(SourceText::new("t.toml", text))?;
        compile_allowlist(config.file.allowlist.as_ref().unwrap(), &config.source)
    }

    fn candidate<'a>(path: &'a str, secret: &'a str, line: &'a str) -> Candidate<'a> {
        Candidate {
            rule_id: "r",
            path,
            secret: secret.as_bytes(),
            line: line.as_bytes(),
            matched: secret.as_bytes(),
            commit: None,
        }
    }

    #[test]
    fn paths_secrets_lines_and_stopwords_each_allow() {
        let list = compile(
            "[allowlist]\npaths = [\"tests/fixtures\"]\nsecrets = ['^AKIATEST']\nlines = ['fixture']\nstopwords = [\"Sandbox\"]\n",
        )
        .unwrap();
        assert!(list.allows(&candidate("tests/fixtures/a/b.txt", "x", "")));
        assert!(list.allows(&candidate("src/a", "AKIATESTQQQ", "")));
        assert!(list.allows(&candidate("src/a", "zz", "k = zz # fixture")));
        assert!(list.allows(&candidate("src/a", "mysandboxkey", "")));
        assert!(!list.allows(&candidate("src/a", "zz", "k = zz")));
    }

    #[test]
    fn path_regexes_matches_and_commits_each_allow() {
        let list = compile(
            "[allowlist]\npath_regexes = ['^vendor/.*\\.js$']\nmatches = ['^token=']\ncommits = ['AbCdEf0']\n",
        )
        .unwrap();
        assert!(list.allows(&candidate("vendor/x/a.js", "s", "")));
        assert!(!list.allows(&candidate("src/vendor/a.js", "s", "")));
        let mut matched = candidate("src/a", "s3cr3t", "x token=s3cr3t");
        matched.matched = b"token=s3cr3t";
        assert!(list.allows(&matched));
        let mut in_commit = candidate("src/a", "s", "");
        in_commit.commit = Some("abcdef0123456789abcdef0123456789abcdef01");
        assert!(list.allows(&in_commit));
        assert!(!list.allows(&candidate("src/a", "s", "")));
    }

    #[test]
    fn the_and_condition_needs_every_listed_kind() {
        let list = compile(
            "[allowlist]\ncondition = \"and\"\npaths = ['tests/**']\nstopwords = ['fake']\n",
        )
        .unwrap();
        assert!(list.allows(&candidate("tests/a.py", "myfakekey", "")));
        assert!(!list.allows(&candidate("tests/a.py", "realkey", "")));
        assert!(!list.allows(&candidate("src/a.py", "myfakekey", "")));
        let empty = compile("[allowlist]\ncondition = \"and\"\n").unwrap();
        assert!(!empty.allows(&candidate("a", "b", "c")));
    }

    #[test]
    fn a_bad_regex_names_its_line_and_column() {
        let err = compile("[allowlist]\nsecrets = ['ok', '(unclosed']\n")
            .err()
            .unwrap();
        assert!(
            err.to_string().starts_with("t.toml:2:18: invalid regex"),
            "{err}"
        );
    }

    #[test]
    fn a_bad_regex_is_described_without_quoting_it() {
        let key = "AKIAQYLPMN5HHHFPZAM2";
        for (pattern, problem) in [
            (
                format!("({key}"),
                "unclosed group at character 1 of the pattern",
            ),
            (
                format!("{key}\\"),
                "incomplete escape sequence, reached end of pattern prematurely at character 21",
            ),
            (
                format!("{key}(?<n>x)(?<n>y)"),
                "duplicate capture group name at character 31",
            ),
            (
                format!("{key}\\p{{Bogus}}"),
                "Unicode property not found at character 21",
            ),
        ] {
            let err = compile(&format!("[allowlist]\nsecrets = ['{pattern}']\n"))
                .err()
                .unwrap()
                .to_string();
            assert!(err.contains(problem), "{err}");
            assert!(!err.contains(&key[4..]), "{err}");
        }
    }

    #[test]
    fn inline_markers() {
        assert!(has_inline_marker(b"key = 'abc' # leakgate:allow"));
        assert!(has_inline_marker(b"key = 'abc' // gitleaks:allow"));
        assert!(has_inline_marker(b"key = 'abc' # pragma: allowlist secret"));
        assert!(!has_inline_marker(b"key = 'abc'"));
    }
}
