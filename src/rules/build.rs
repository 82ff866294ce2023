//! Build script: turns the built-in rules (`src/rules/builtin.toml`) into
//! Rust code that constructs them, `$OUT_DIR/builtin_rules.rs`. Parsing the
//! TOML was the largest part of a small commit's start-up; constructing the
//! rules directly costs a few thousand allocations. Examples are left out:
//! tests and `leakgate rules check` read them from the TOML itself.
//!
//! The generated code is a struct literal naming every field, so a field
//! added to `RuleSpec` fails the build until it is handled here, and a key
//! this script does not know fails it too.

use std::fmt::Write;
use std::path::PathBuf;

use toml::Value;

const RULES: &str = "src/rules/builtin.toml";

fn main() {
    println!("cargo::rerun-if-changed={RULES}");
    println!("cargo::rerun-if-changed=src/rules/build.rs");
    let text = std::fs::read_to_string(RULES).expect("src/rules/builtin.toml is readable");
    let document: toml::Table = text
        .parse()
        .unwrap_or_else(|err| panic!("{RULES} is not valid TOML: {err}"));
    let rules = match document.get("rules") {
        Some(Value::Array(rules)) => rules.as_slice(),
        _ => &[],
    };
    let mut code = String::from("vec![\n");
    for rule in rules {
        let rule = rule.as_table().expect("each [[rules]] entry is a table");
        code.push_str(&rule_literal(rule));
    }
    code.push_str("]\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("builtin_rules.rs"), code).expect("OUT_DIR is writable");
}

const KNOWN_KEYS: &[&str] = &[
    "id",
    "description",
    "regex",
    "secret_group",
    "keywords",
    "entropy",
    "validate",
    "generic",
    "path",
    "path_exclude",
    "example_path",
    "remediation",
    "stopwords",
    "examples",
    "negative_examples",
    // Read at run time, only by `--verify`: the hook never pays for it.
    "verify",
];

fn rule_literal(rule: &toml::Table) -> String {
    let id = rule
        .get("id")
        .and_then(Value::as_str)
        .expect("every rule has an id");
    if let Some(key) = rule.keys().find(|k| !KNOWN_KEYS.contains(&k.as_str())) {
        panic!("rule {id}: key `{key}` is unknown to src/rules/build.rs");
    }
    let text = |key: &str| -> Option<String> {
        rule.get(key).map(|v| {
            let s = v
                .as_str()
                .unwrap_or_else(|| panic!("rule {id}: `{key}` is a string"));
            format!("String::from({s:?})")
        })
    };
    let spanned = |key: &str| text(key).map(|s| format!("Spanned::new(0..0, {s})"));
    let option = |value: Option<String>| value.map_or("None".to_string(), |v| format!("Some({v})"));
    let strings = |key: &str| -> String {
        let items = match rule.get(key) {
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| format!("String::from({:?})", v.as_str().expect("a list of strings")))
                .collect::<Vec<_>>(),
            Some(_) => panic!("rule {id}: `{key}` is a list"),
            None => Vec::new(),
        };
        format!("vec![{}]", items.join(", "))
    };
    let secret_group = rule.get("secret_group").map(|v| {
        let n = v.as_integer().expect("secret_group is an integer");
        format!("{n}usize")
    });
    let entropy = rule.get("entropy").map(|v| {
        let n = v
            .as_float()
            .or(v.as_integer().map(|i| i as f64))
            .expect("entropy is a number");
        format!("{n:?}f64")
    });
    let validate = rule.get("validate").map(|v| {
        let name = v.as_str().expect("validate is a string");
        // serde's kebab-case names back to the variant: `github-crc32` is `GithubCrc32`.
        let variant: String = name
            .split('-')
            .map(|part| {
                let mut chars = part.chars();
                chars.next().map_or(String::new(), |c| {
                    c.to_ascii_uppercase().to_string() + chars.as_str()
                })
            })
            .collect();
        format!("Validator::{variant}")
    });
    let generic = rule
        .get("generic")
        .is_some_and(|v| v.as_bool().expect("generic is a boolean"));
    let mut out = String::new();
    let _ = writeln!(
        out,
        "RuleSpec {{ id: {id}, description: {description}, regex: {regex}, secret_group: {secret_group}, \
         keywords: {keywords}, entropy: {entropy}, validate: {validate}, generic: {generic}, path: {path}, \
         path_exclude: {path_exclude}, example_path: {example_path}, remediation: {remediation}, \
         stopwords: {stopwords}, examples: Vec::new(), negative_examples: Vec::new(), verify: None }},",
        id = spanned("id").expect("id"),
        description = text("description").unwrap_or_else(|| "String::new()".into()),
        regex = option(spanned("regex")),
        secret_group = option(secret_group),
        keywords = strings("keywords"),
        entropy = option(entropy),
        validate = option(validate),
        path = option(spanned("path")),
        path_exclude = option(spanned("path_exclude")),
        example_path = option(text("example_path")),
        remediation = text("remediation").unwrap_or_else(|| "String::new()".into()),
        stopwords = strings("stopwords"),
    );
    out
}
