//! Checks rules against their own examples: every example must give a
//! finding of its rule, no negative example may, and each rule is checked
//! alone so a neighbour matching the same text can neither hide a miss nor
//! cause a false failure. Failures name the file, line and column of the
//! rule or example, and for a missed example why its candidates were dropped.
//!
//! `leakgate rules check` and the test suite run the same checks.

use std::collections::HashMap;

use anyhow::Result;

use super::{Engine, ScanInput};
use crate::path::RepoPath;
use crate::rules::RuleSpec;
use crate::source_text::SourceText;

/// Checks the rules of several files (a built-in set, or one file given on
/// the command line). Returns one `file:line:column: rule: problem` line per
/// failure; an empty list means every rule is sound.
pub fn check_rule_files(files: &[(SourceText, Vec<RuleSpec>)]) -> Result<Vec<String>> {
    let mut failures = Vec::new();
    let mut first_seen: HashMap<&str, String> = HashMap::new();
    for (source, specs) in files {
        for spec in specs {
            let place = source.place(spec.id.span().start);
            let mut fail = |problem: String| {
                failures.push(format!("{place}: {}: {problem}", spec.id()));
            };
            if let Some(first) = first_seen.get(spec.id()) {
                fail(format!("duplicate rule id (first defined at {first})"));
            } else {
                first_seen.insert(spec.id(), place.clone());
            }
            for problem in check_rule(spec, source)? {
                failures.push(problem);
            }
        }
    }
    Ok(failures)
}

/// Every problem with one rule, each located in `source`.
fn check_rule(spec: &RuleSpec, source: &SourceText) -> Result<Vec<String>> {
    let id = spec.id();
    let rule_place = source.place(spec.id.span().start);
    let mut failures = Vec::new();
    if spec.examples.is_empty() {
        failures.push(format!("{rule_place}: {id}: has no examples"));
    }
    if spec.negative_examples.is_empty() {
        failures.push(format!("{rule_place}: {id}: has no negative examples"));
    }
    if let Some(regex) = &spec.regex
        && spec.keywords.is_empty()
    {
        failures.push(format!(
            "{}: {id}: the regex has no keywords, so it would run on every file",
            source.place(regex.span().start)
        ));
    }
    let engine = match Engine::from_specs(vec![spec.clone()], Vec::new()) {
        Ok(engine) => engine,
        Err(err) => {
            failures.push(format!("{rule_place}: {id}: {err:#}"));
            return Ok(failures);
        }
    };
    let example_path = spec.example_path.as_deref().unwrap_or("example.txt");
    // What the rule makes of one example: found (or, for a rule that
    // recognises non-secrets, recognised), and why its other candidates
    // were dropped.
    let run = |text: &str| -> Result<(bool, Vec<String>)> {
        let (path, content) = if spec.is_path_only() {
            (text, "")
        } else {
            (example_path, text)
        };
        let input = ScanInput::whole(RepoPath::new(path), content.as_bytes());
        let (_, considered) = engine.explain(&input)?;
        let mut found = false;
        let mut reasons = Vec::new();
        for candidate in considered.iter().filter(|c| c.finding.rule_id == id) {
            match &candidate.dropped {
                None => found = true,
                Some(super::DropReason::NotSecret) if spec.not_secret => found = true,
                Some(reason) => reasons.push(reason.to_string()),
            }
        }
        Ok((found, reasons))
    };
    for (i, example) in spec.examples.iter().enumerate() {
        let (found, reasons) = run(example.get_ref())?;
        if !found {
            let why = if reasons.is_empty() {
                "the regex does not match".to_string()
            } else {
                format!("dropped: {}", reasons.join("; "))
            };
            failures.push(format!(
                "{}: {id}: example {} is not found ({why}): {}",
                source.place(example.span().start),
                i + 1,
                excerpt(example.get_ref())
            ));
        }
    }
    for (i, example) in spec.negative_examples.iter().enumerate() {
        if run(example.get_ref())?.0 {
            failures.push(format!(
                "{}: {id}: negative example {} is found: {}",
                source.place(example.span().start),
                i + 1,
                excerpt(example.get_ref())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{self, parse_rules};

    fn check(name: &str, text: &str) -> Vec<String> {
        let source = SourceText::new(name, text);
        let specs = parse_rules(&source).unwrap();
        check_rule_files(&[(source, specs)]).unwrap()
    }

    #[test]
    fn every_builtin_rule_matches_its_examples_and_none_of_its_negatives() {
        let failures = check_rule_files(&rules::builtin_rule_files().unwrap()).unwrap();
        assert!(
            failures.is_empty(),
            "{} rule check failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn rule_stopwords_match_whatever_their_case() {
        let text = "[[rules]]\nid = \"acme\"\nregex = '\\b(acme_[a-z0-9]{16})\\b'\nkeywords = [\"acme_\"]\n\
             stopwords = [\"SandBox\"]\nexamples = [\"t = acme_q8fz2lmx0prt7wvn\"]\n\
             negative_examples = [\"t = acme_sandboxq8fz2lmx0\"]\n";
        assert_eq!(check("t.toml", text), Vec::<String>::new());
    }

    #[test]
    fn a_rule_may_spread_its_regex_over_lines_and_carry_references_and_a_verify_table() {
        let text = r#"[[rules]]
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
"#;
        assert_eq!(check("t.toml", text), Vec::<String>::new());
        let specs = parse_rules(&SourceText::new("t.toml", text)).unwrap();
        assert_eq!(specs[0].references, ["https://docs.acme.example/tokens"]);
        assert!(specs[0].verify.is_some());
        assert_eq!(
            specs[0].remediation,
            "Remove it from the staged change and invalidate it in the Acme console. \
             Load the replacement from an environment variable or a secret manager instead of committing it."
        );
    }

    #[test]
    fn failures_name_the_line_of_the_rule_or_example_and_why_an_example_was_dropped() {
        let text = r#"[[rules]]
id = "acme-token"
regex = '\b(acme_[a-z0-9]{16})\b'
keywords = ["acme_"]
examples = [
  "t = acme_q8fz2lmx0prt7wvn",
  "t = acme_aaaaaaaaaaaaaaaa",
]
negative_examples = ["t = acme_k3v9x2m7q8w4z1p6"]

[[rules]]
id = "acme-token"
regex = '\b(acme_[a-z0-9]{16})\b'
"#;
        assert_eq!(
            check("acme.toml", text),
            [
                "acme.toml:7:3: acme-token: example 2 is not found (dropped: placeholder: \
                 repeated or consecutive characters): t = acme_aaaaaaaaaaaaaaaa",
                "acme.toml:9:22: acme-token: negative example 1 is found: t = acme_k3v9x2m7q8w4z1p6",
                "acme.toml:12:6: acme-token: duplicate rule id (first defined at acme.toml:2:6)",
                "acme.toml:12:6: acme-token: has no examples",
                "acme.toml:12:6: acme-token: has no negative examples",
                "acme.toml:13:9: acme-token: the regex has no keywords, so it would run on every file",
            ]
        );
    }
}
