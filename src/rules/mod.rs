//! Rule definitions: the TOML schema shared by the built-in set (embedded
//! from `builtin.toml` at build time) and by custom rules in a config file,
//! plus the checks that keep every rule honest against its own examples.
//!
//! This module only describes rules; matching them is the engine's job.

use anyhow::{Context, Result, bail};
use serde::Deserialize;
use toml::Spanned;

use crate::config::SourceText;

/// The built-in rule set with its examples, compiled into the binary so
/// leakgate works with no config at all and can check its own rules.
pub const BUILTIN_RULES: &str = include_str!("builtin.toml");
pub const BUILTIN_RULES_NAME: &str = "<built-in rules>";

/// Structural checks a rule can ask for, beyond its regex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Validator {
    /// GitHub tokens: the last six characters are the base62 CRC32 of the
    /// random part.
    GithubCrc32,
    /// npm tokens: the same scheme as GitHub's.
    NpmCrc32,
    /// JSON Web Tokens: header and payload decode to JSON objects.
    Jwt,
    /// PEM private keys: the body is plausible base64.
    Pem,
    /// The secret is base64 of a JSON object.
    Base64Json,
    /// HTTP Basic credentials: base64 of printable `user:password`.
    BasicAuth,
}

/// One rule as written in TOML.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    pub id: Spanned<String>,
    #[serde(default)]
    pub description: String,
    /// Matches the secret in file content; absent for file-name rules.
    pub regex: Option<Spanned<String>>,
    pub secret_group: Option<usize>,
    #[serde(default)]
    pub keywords: Vec<String>,
    pub entropy: Option<f64>,
    pub validate: Option<Validator>,
    /// Catch-all rules yield to a specific rule matching the same text.
    #[serde(default)]
    pub generic: bool,
    /// Limits the rule to matching paths; alone, the path is the finding.
    pub path: Option<Spanned<String>>,
    /// Paths the rule never applies to, even when `path` matches.
    pub path_exclude: Option<Spanned<String>>,
    pub example_path: Option<String>,
    #[serde(default)]
    pub remediation: String,
    #[serde(default)]
    pub stopwords: Vec<String>,
    #[serde(default)]
    pub examples: Vec<String>,
    #[serde(default)]
    pub negative_examples: Vec<String>,
    /// How `--verify` asks the provider whether a secret works. Parsed only
    /// when verifying: the generated built-in rules leave it out.
    pub verify: Option<crate::verify::spec::VerifySpec>,
}

impl RuleSpec {
    pub fn id(&self) -> &str {
        self.id.get_ref()
    }

    /// A file-name rule has a path pattern and nothing to look for inside.
    pub fn is_path_only(&self) -> bool {
        self.regex.is_none() && self.path.is_some()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    rules: Vec<RuleSpec>,
}

/// Parses a rules file (the built-in one, or one given to `rules check`).
pub fn parse_rules(source: &SourceText) -> Result<Vec<RuleSpec>> {
    let file: RuleFile = source.parse_toml()?;
    Ok(file.rules)
}

/// The built-in rules as a scan uses them: without examples, constructed
/// by code the build script generates from `builtin.toml`, because parsing
/// the TOML was the largest part of a small commit's start-up.
pub fn builtin_rules() -> Result<Vec<RuleSpec>> {
    Ok(include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs")))
}

/// The built-in rules with their examples and negative examples.
pub fn builtin_rules_with_examples() -> Result<Vec<RuleSpec>> {
    parse_rules(&SourceText::new(BUILTIN_RULES_NAME, BUILTIN_RULES))
        .context("the built-in rule set is malformed (a bug in leakgate)")
}

/// Checks every rule of a set against its examples: each example must give a
/// finding of that rule, each negative example none. Returns one message per
/// failure; an empty list means the set is sound.
pub fn check_rules(specs: &[RuleSpec]) -> Result<Vec<String>> {
    use crate::engine::{Engine, ScanInput};
    use crate::path::RepoPath;

    let mut failures = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for spec in specs {
        if !seen.insert(spec.id().to_string()) {
            failures.push(format!("{}: duplicate rule id", spec.id()));
        }
        if spec.examples.is_empty() {
            failures.push(format!("{}: has no examples", spec.id()));
        }
        if spec.negative_examples.is_empty() {
            failures.push(format!("{}: has no negative examples", spec.id()));
        }
    }
    for spec in specs {
        // Each rule alone, so a neighbour that matches the same text cannot
        // hide a miss or cause a false failure.
        let engine = match Engine::from_specs(vec![spec.clone()], Default::default()) {
            Ok(engine) => engine,
            Err(err) => {
                failures.push(format!("{}: {err:#}", spec.id()));
                continue;
            }
        };
        let example_path = spec.example_path.as_deref().unwrap_or("example.txt");
        let run = |text: &str| -> Result<usize> {
            let (path, content) = if spec.is_path_only() {
                (text, "")
            } else {
                (example_path, text)
            };
            let outcome =
                engine.scan(&ScanInput::whole(RepoPath::new(path), content.as_bytes()))?;
            Ok(outcome
                .findings
                .iter()
                .filter(|f| f.rule_id == spec.id())
                .count())
        };
        for (i, example) in spec.examples.iter().enumerate() {
            if run(example)? == 0 {
                failures.push(format!(
                    "{}: example {} does not match: {}",
                    spec.id(),
                    i + 1,
                    excerpt(example)
                ));
            }
        }
        for (i, example) in spec.negative_examples.iter().enumerate() {
            if run(example)? != 0 {
                failures.push(format!(
                    "{}: negative example {} matches: {}",
                    spec.id(),
                    i + 1,
                    excerpt(example)
                ));
            }
        }
        if let Some(regex) = &spec.regex
            && spec.keywords.is_empty()
        {
            failures.push(format!(
                "{}: regex {:?} has no keywords, so it would run on every file",
                spec.id(),
                excerpt(regex.get_ref())
            ));
        }
    }
    Ok(failures)
}

/// A one-line, shortened view of an example for failure messages.
fn excerpt(text: &str) -> String {
    let line: String = text.chars().take(80).collect();
    let line = line.replace('\n', "\\n");
    if text.chars().count() > 80 {
        format!("{line}…")
    } else {
        line
    }
}

/// Refuses a set that cannot be used at all (no rules).
pub fn ensure_not_empty(specs: &[RuleSpec], name: &str) -> Result<()> {
    if specs.is_empty() {
        bail!("{name} defines no [[rules]]");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field of a rule but its examples, spans left out.
    fn without_examples(spec: &RuleSpec) -> String {
        format!(
            "{:?} {:?}",
            (
                spec.id.get_ref(),
                &spec.description,
                spec.regex.as_ref().map(|r| r.get_ref()),
                spec.secret_group,
                &spec.keywords,
                spec.entropy,
                spec.validate,
                spec.generic,
            ),
            (
                spec.path.as_ref().map(|p| p.get_ref()),
                spec.path_exclude.as_ref().map(|p| p.get_ref()),
                &spec.example_path,
                &spec.remediation,
                &spec.stopwords,
            )
        )
    }

    #[test]
    fn the_generated_rules_are_the_toml_rules_without_their_examples() {
        let generated = builtin_rules().unwrap();
        let parsed = builtin_rules_with_examples().unwrap();
        assert!(parsed.len() > 200);
        assert_eq!(generated.len(), parsed.len());
        for (generated, parsed) in generated.iter().zip(&parsed) {
            assert_eq!(without_examples(generated), without_examples(parsed));
            assert!(generated.examples.is_empty() && !parsed.examples.is_empty());
        }
    }

    #[test]
    fn rule_stopwords_match_whatever_their_case() {
        let source = SourceText::new(
            "t.toml",
            "[[rules]]\nid = \"acme\"\nregex = '\\b(acme_[a-z0-9]{16})\\b'\nkeywords = [\"acme_\"]\n\
             stopwords = [\"SandBox\"]\nexamples = [\"t = acme_q8fz2lmx0prt7wvn\"]\n\
             negative_examples = [\"t = acme_sandboxq8fz2lmx0\"]\n",
        );
        let specs = parse_rules(&source).unwrap();
        assert_eq!(check_rules(&specs).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn every_builtin_rule_matches_its_examples_and_none_of_its_negatives() {
        let specs = builtin_rules_with_examples().unwrap();
        let failures = check_rules(&specs).unwrap();
        assert!(
            failures.is_empty(),
            "{} rule check failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}
