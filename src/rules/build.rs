//! Build script: embeds the built-in rules (`src/rules/builtin/*.toml`).
//!
//! It parses them with the schema leakgate itself uses (`spec.rs`, included
//! below) and writes two files into `$OUT_DIR`:
//! - `builtin_rules.rs`: Rust code that constructs the rules, without their
//!   examples. Parsing the TOML was the largest part of a small commit's
//!   start-up; constructing the rules directly costs a few thousand
//!   allocations. The code comes from `ToRust`, which `spec.rs` derives
//!   from the same field list as the parser, so a new field needs no change
//!   here.
//! - `builtin_files.rs`: each file's name and text, for the checks that need
//!   the examples (`leakgate rules check`, tests) and for verification.
//! - `builtin_reach.rs`: each content rule's id, regex, keywords and keyword
//!   reach (`src/engine/reach.rs`, included below). The analysis of one
//!   large generic rule cost more than the rest of a small commit's scan.
//!
//! Files are read in name order and rules in the order written, so the rule
//! order is the same on every build.

use std::path::{Path, PathBuf};

#[path = "spec.rs"]
#[allow(dead_code)] // the build script needs only the parser and `ToRust`
mod spec;

#[path = "../engine/reach.rs"]
#[allow(dead_code)] // the build script needs only `reach_of_rule`
mod reach;

use spec::{RuleFile, ToRust};

const RULES_DIR: &str = "src/rules/builtin";

fn main() {
    println!("cargo::rerun-if-changed={RULES_DIR}");
    println!("cargo::rerun-if-changed=src/rules/build.rs");
    println!("cargo::rerun-if-changed=src/rules/spec.rs");
    let manifest = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(manifest.join(RULES_DIR))
        .unwrap_or_else(|err| panic!("{RULES_DIR} is readable: {err}"))
        .map(|entry| entry.expect("a readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    let mut rules_code = String::from("vec![\n");
    let mut files_code = String::from("&[\n");
    let mut reaches: Vec<(String, String)> = Vec::new();
    for path in &files {
        println!("cargo::rerun-if-changed={}", path.display());
        let name = format!("{RULES_DIR}/{}", file_name(path));
        let text = std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{name}: {err}"));
        let file: RuleFile = toml::from_str(&text).unwrap_or_else(|err| panic!("{name}: {err}"));
        for rule in file.rules {
            if let Some(regex) = &rule.regex {
                reaches.push((
                    rule.id.get_ref().clone(),
                    reach_code(&rule, regex.get_ref()),
                ));
            }
            rules_code.push_str("    ");
            rule.to_rust(&mut rules_code);
            rules_code.push_str(",\n");
        }
        files_code.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    rules_code.push_str("]\n");
    files_code.push_str("]\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("builtin_rules.rs"), rules_code).expect("OUT_DIR is writable");
    std::fs::write(out.join("builtin_files.rs"), files_code).expect("OUT_DIR is writable");
    reaches.sort();
    let mut reach_code = String::from("[\n");
    for (_, code) in reaches {
        reach_code.push_str(&code);
    }
    reach_code.push_str("]\n");
    std::fs::write(out.join("builtin_reach.rs"), reach_code).expect("OUT_DIR is writable");
}

/// One row of `builtin_reach.rs`: `(id, regex, keywords, reach),`.
fn reach_code(rule: &spec::RuleSpec, pattern: &str) -> String {
    let id = rule.id.get_ref();
    let reach = reach::reach_of_rule(pattern, &rule.keywords)
        .unwrap_or_else(|err| panic!("rule {id} has an invalid regex: {err}"));
    // `{:?}` of a reach is the Rust that constructs it.
    let reach = format!("{reach:?}");
    format!(
        "    ({id:?}, {pattern:?}, &{:?}, {reach}),\n",
        rule.keywords
    )
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .expect("a file has a name")
        .to_string_lossy()
        .into_owned()
}
