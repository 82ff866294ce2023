//! Build script: writes the built-in rules without their examples and
//! comments to `$OUT_DIR/builtin-runtime.toml`. A scan loads that copy, so
//! start-up does not parse the half of `builtin.toml` that only tests and
//! `leakgate rules check` read.

use std::path::PathBuf;

const RULES: &str = "src/rules/builtin.toml";
const TEST_ONLY_KEYS: &[&str] = &["examples", "negative_examples"];

fn main() {
    println!("cargo::rerun-if-changed={RULES}");
    println!("cargo::rerun-if-changed=src/rules/build.rs");
    let text = std::fs::read_to_string(RULES).expect("src/rules/builtin.toml is readable");
    let mut document: toml::Table = text
        .parse()
        .unwrap_or_else(|err| panic!("{RULES} is not valid TOML: {err}"));
    if let Some(toml::Value::Array(rules)) = document.get_mut("rules") {
        for rule in rules.iter_mut() {
            if let toml::Value::Table(rule) = rule {
                for key in TEST_ONLY_KEYS {
                    rule.remove(*key);
                }
            }
        }
    }
    let runtime = toml::to_string(&document).expect("a TOML table serializes");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("builtin-runtime.toml"), runtime).expect("OUT_DIR is writable");
}
