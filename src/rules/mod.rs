//! Rule definitions: the built-in set (one TOML file per vendor or family
//! under `src/rules/builtin/`, embedded at build time), the schema it shares
//! with custom rules in a config file ([`spec`]).
//!
//! This module only describes rules. Matching them is the engine's job, and
//! so is checking them against their examples ([`crate::engine::check`]).

pub mod spec;

use anyhow::{Context, Result, bail};

use crate::source_text::SourceText;
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
    Ok(builtin_rule_files()?
        .into_iter()
        .flat_map(|(_, specs)| specs)
        .collect())
}

/// Each built-in rule file with its rules, in name order.
pub fn builtin_rule_files() -> Result<Vec<(SourceText, Vec<RuleSpec>)>> {
    BUILTIN_RULE_FILES
        .iter()
        .map(|(name, text)| {
            let source = SourceText::new(*name, *text);
            let specs = parse_rules(&source)
                .context("the built-in rule set is malformed (a bug in leakgate)")?;
            Ok((source, specs))
        })
        .collect()
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
}
