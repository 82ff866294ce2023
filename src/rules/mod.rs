//! Rule definitions: the built-in set (one TOML file per vendor or family
//! under `src/rules/builtin/`, embedded at build time), the schema it shares
//! with custom rules in a config file ([`spec`]), and the checks that keep
//! every rule honest against its own examples.
//!
//! This module only describes rules; matching them is the engine's job.

pub mod spec;

use anyhow::{Context, Result, bail};

use crate::config::SourceText;
pub use spec::{RuleFile, RuleSpec, Validator};

/// The built-in rule files, in name order: each one's path in the source
/// tree (which errors name) and its text.
pub const BUILTIN_RULE_FILES: &[(&str, &str)] =
    include!(concat!(env!("OUT_DIR"), "/builtin_files.rs"));

/// Parses a rules file (a built-in one, or one given to `rules check`).
pub fn parse_rules(source: &SourceText) -> Result<Vec<RuleSpec>> {
    let file: RuleFile = source.parse_toml()?;
    Ok(file.rules)
}

/// The built-in rules as a scan uses them: without examples, constructed
/// by code the build script generates from the rule files, because parsing
/// the TOML was the largest part of a small commit's start-up.
pub fn builtin_rules() -> Result<Vec<RuleSpec>> {
    use toml::Spanned;
    Ok(include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs")))
}

/// The built-in rules with everything written in their files: examples,
/// negative examples and `verify` tables.
pub fn builtin_rules_with_examples() -> Result<Vec<RuleSpec>> {
    let mut specs = Vec::new();
    for (name, text) in BUILTIN_RULE_FILES {
        let rules = parse_rules(&SourceText::new(*name, *text))
            .context("the built-in rule set is malformed (a bug in leakgate)")?;
        specs.extend(rules);
    }
    Ok(specs)
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

    /// Every field a scan uses, as the generated code writes it: spans
    /// and the fields read only at run time are left out.
    fn embedded_fields(spec: &RuleSpec) -> String {
        let mut code = String::new();
        spec::ToRust::to_rust(spec, &mut code);
        code
    }

    #[test]
    fn the_generated_rules_are_the_toml_rules_without_their_examples() {
        let generated = builtin_rules().unwrap();
        let parsed = builtin_rules_with_examples().unwrap();
        assert!(parsed.len() > 200);
        assert_eq!(generated.len(), parsed.len());
        for (generated, parsed) in generated.iter().zip(&parsed) {
            assert_eq!(embedded_fields(generated), embedded_fields(parsed));
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
    fn a_rule_may_spread_its_regex_over_lines_and_carry_references_and_a_verify_table() {
        let source = SourceText::new(
            "t.toml",
            r#"[[rules]]
id = "acme-token"
description = "Acme API token"
regex = '''(?x-u)
    \b
    (acme_[a-z0-9]{16})   # the token: a prefix and 16 random characters
    \b
'''
keywords = ["acme_"]
references = ["https://docs.acme.example/tokens"]
remediation = { template = "revoke", how = "in the Acme console" }
verify = { url = "https://api.acme.example/whoami" }
examples = ["t = acme_q8fz2lmx0prt7wvn"]
negative_examples = ["t = acme_q8fz2"]
"#,
        );
        let specs = parse_rules(&source).unwrap();
        assert_eq!(check_rules(&specs).unwrap(), Vec::<String>::new());
        assert_eq!(specs[0].references, ["https://docs.acme.example/tokens"]);
        assert!(specs[0].verify.is_some());
        assert_eq!(
            specs[0].remediation,
            "Remove it from the staged change and invalidate it in the Acme console. \
             Load the replacement from an environment variable or a secret manager instead of committing it."
        );
    }

    #[test]
    fn remediation_templates_take_a_note_and_refuse_what_they_do_not_know() {
        let parse = |remediation: &str| {
            let source = SourceText::new(
                "t.toml",
                format!("[[rules]]\nid = \"x\"\npath = 'x'\nremediation = {remediation}\n"),
            );
            parse_rules(&source).map(|specs| specs[0].remediation.clone())
        };
        let with_note =
            parse(r#"{ template = "sensitive-file", note = "Tell the owner." }"#).unwrap();
        assert!(with_note.starts_with("Remove the file from the index"));
        assert!(with_note.ends_with("contains. Tell the owner."));
        for (bad, problem) in [
            (
                r#"{ template = "rotate" }"#,
                "unknown remediation template \"rotate\"",
            ),
            (r#"{ template = "revoke" }"#, "needs `how`"),
            (
                r#"{ template = "private-key", how = "x" }"#,
                "takes no `how`",
            ),
            (r#"{ template = "revoke", hwo = "x" }"#, "unknown key `hwo`"),
            ("3", "found integer"),
        ] {
            let err = format!("{:#}", parse(bad).unwrap_err());
            assert!(err.starts_with("t.toml:4:"), "{bad}: {err}");
            assert!(err.contains(problem), "{bad}: {err}");
        }
    }

    #[test]
    fn a_default_rule_spec_is_empty() {
        let spec = RuleSpec::default();
        assert_eq!(spec.id(), "");
        assert!(spec.regex.is_none() && spec.keywords.is_empty() && !spec.generic);
        assert!(spec.remediation.is_empty() && spec.verify.is_none());
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
