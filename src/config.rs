//! The repository config (`.leakgate.toml`): its schema, where it is read
//! from, and errors that name the file, line and column of a problem.
//!
//! Loading never falls back to defaults on a bad file: a config that cannot
//! be read or understood is an error, and the scan does not run. A gitleaks
//! config is translated into the same structures ([`gitleaks`]).

pub mod gitleaks;

use std::ops::Range;
use std::path::Path;

use anyhow::{Result, anyhow};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned;

use crate::rules::RuleSpec;

pub const CONFIG_FILE_NAME: &str = ".leakgate.toml";

/// A config or rules file's text and the name errors should give it.
pub struct SourceText {
    pub name: String,
    pub text: String,
}

impl SourceText {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        SourceText {
            name: name.into(),
            text: text.into(),
        }
    }

    pub fn from_bytes(name: impl Into<String>, bytes: &[u8]) -> Result<Self> {
        let name = name.into();
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(SourceText::new(name, text)),
            Err(err) => {
                let offset = err.valid_up_to();
                let (line, column) = line_column(&String::from_utf8_lossy(bytes), offset);
                Err(anyhow!(
                    "{name}:{line}:{column}: the file is not valid UTF-8 (TOML must be UTF-8)"
                ))
            }
        }
    }

    pub fn read(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path)
            .map_err(|err| anyhow!("cannot read config file {}: {err}", path.display()))?;
        SourceText::from_bytes(path.display().to_string(), &bytes)
    }

    /// Deserializes the text, turning a TOML or schema error into
    /// `file:line:column: problem`.
    pub fn parse_toml<T: DeserializeOwned>(&self) -> Result<T> {
        toml::from_str(&self.text).map_err(|err| {
            let message = err.message().trim().to_string();
            match err.span() {
                Some(span) => self.error_at(span, &message),
                None => anyhow!("{}: {message}", self.name),
            }
        })
    }

    /// An error pointing at a span of this file.
    pub fn error_at(&self, span: Range<usize>, message: &str) -> anyhow::Error {
        let (line, column) = line_column(&self.text, span.start);
        anyhow!("{}:{line}:{column}: {message}", self.name)
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text.as_bytes()[..offset];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// `.leakgate.toml` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    #[serde(default)]
    pub extend: Extend,
    #[serde(default)]
    pub scan: ScanSettings,
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
    /// Applies to every rule.
    pub allowlist: Option<AllowlistSpec>,
    /// Each applies to the rules it names, or to all when it names none.
    #[serde(default)]
    pub allowlists: Vec<AllowlistSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extend {
    /// Start from the built-in rules (the default) or only the config's own.
    #[serde(default = "default_true")]
    pub use_default: bool,
    #[serde(default)]
    pub disabled_rules: Vec<Spanned<String>>,
}

impl Default for Extend {
    fn default() -> Self {
        Extend {
            use_default: true,
            disabled_rules: Vec::new(),
        }
    }
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanSettings {}

/// One allowlist entry: a finding is allowed when any one of its conditions
/// holds.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowlistSpec {
    #[serde(default)]
    pub description: String,
    /// Rule ids this entry is limited to; empty means every rule.
    #[serde(default)]
    pub rules: Vec<Spanned<String>>,
    /// Globs on the repository-relative path (`tests/fixtures/**`).
    #[serde(default)]
    pub paths: Vec<Spanned<String>>,
    /// Regexes on the secret itself.
    #[serde(default)]
    pub secrets: Vec<Spanned<String>>,
    /// Regexes on the whole line the finding starts on.
    #[serde(default)]
    pub lines: Vec<Spanned<String>>,
    /// A finding whose secret contains one of these words (case-insensitive).
    #[serde(default)]
    pub stopwords: Vec<String>,
    /// Regexes on the repository-relative path (gitleaks' `paths`).
    #[serde(default)]
    pub path_regexes: Vec<Spanned<String>>,
    /// Regexes on all the text the rule's regex matched, not only the secret.
    #[serde(default)]
    pub matches: Vec<Spanned<String>>,
    /// Commits (full ids, or prefixes of 7 or more) whose findings are
    /// allowed; only history findings have a commit.
    #[serde(default)]
    pub commits: Vec<String>,
    /// `"or"` (the default): any one condition allows. `"and"`: every kind of
    /// condition the entry lists must hold (paths and path_regexes are one
    /// kind).
    #[serde(default)]
    pub condition: Condition,
}

/// How an allowlist entry combines its conditions.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Condition {
    #[default]
    Or,
    And,
}

/// A parsed config together with its text, so later validation (regexes,
/// globs, rule ids) can still point at lines and columns.
pub struct LoadedConfig {
    pub source: SourceText,
    pub file: ConfigFile,
    /// Settings that were read but could not be applied (from a gitleaks
    /// config); the scan reports them on stderr.
    pub warnings: Vec<String>,
    /// Single findings to leave out (`.gitleaksignore`).
    pub ignored: Vec<gitleaks::IgnoredFinding>,
}

impl LoadedConfig {
    pub fn parse(source: SourceText) -> Result<Self> {
        let file = source.parse_toml()?;
        Ok(LoadedConfig {
            source,
            file,
            warnings: Vec::new(),
            ignored: Vec::new(),
        })
    }

    /// The defaults, as when there is no config file at all.
    pub fn defaults() -> Self {
        LoadedConfig {
            source: SourceText::new("<defaults>", ""),
            file: ConfigFile::default(),
            warnings: Vec::new(),
            ignored: Vec::new(),
        }
    }

    /// Reads a config file named on the command line: a gitleaks config
    /// (`.gitleaks.toml`, `gitleaks.toml`) is translated, anything else is
    /// leakgate's own format.
    pub fn load(path: &Path) -> Result<Self> {
        let source = SourceText::read(path)?;
        if gitleaks::is_gitleaks_config(path) {
            gitleaks::translate(source)
        } else {
            LoadedConfig::parse(source)
        }
    }

    /// Adds the entries of a `.gitleaksignore`.
    pub fn add_gitleaks_ignore(&mut self, source: &SourceText) {
        let (entries, warnings) = gitleaks::parse_ignore(source);
        self.ignored.extend(entries);
        self.warnings.extend(warnings);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_name_file_line_and_column() {
        let source = SourceText::new(".leakgate.toml", "[allowlist]\npaths = [\"a\",\n  oops]\n");
        let err = LoadedConfig::parse(source).err().unwrap().to_string();
        assert!(err.starts_with(".leakgate.toml:3:3:"), "{err}");
    }

    #[test]
    fn unknown_keys_are_errors_not_ignored() {
        let source = SourceText::new("c.toml", "[allowlist]\npath = [\"a\"]\n");
        let err = LoadedConfig::parse(source).err().unwrap().to_string();
        assert!(err.starts_with("c.toml:2:1:"), "{err}");
        assert!(err.contains("unknown field"), "{err}");
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(line_column("é=1\nab", 5), (2, 1));
        assert_eq!(line_column("é=1", 2), (1, 2));
    }
}
