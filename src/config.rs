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

use crate::path::escape_line_for_terminal;
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
                None => anyhow!("{}: {}", self.name, escape_line_for_terminal(&message)),
            }
        })
    }

    /// An error about a regex written in this file (`what` says which kind):
    /// where it is and what is wrong, never the pattern itself, which may
    /// hold the very secret it was written to allow.
    pub fn regex_error_at(
        &self,
        pattern: &Spanned<String>,
        what: &str,
        error: &str,
    ) -> anyhow::Error {
        let problem = describe_regex_error(pattern.get_ref(), error);
        self.error_at(pattern.span(), &format!("{what}: {problem}"))
    }

    /// An error pointing at a span of this file. The message may quote the
    /// file (a key, a value), so it is kept to one escaped line.
    pub fn error_at(&self, span: Range<usize>, message: &str) -> anyhow::Error {
        let (line, column) = line_column(&self.text, span.start);
        let message = escape_line_for_terminal(message);
        anyhow!("{}:{line}:{column}: {message}", self.name)
    }
}

/// What is wrong with a regex that failed to compile, as its kind and its
/// position in the pattern ("unclosed group at character 1 of the
/// pattern"). The regex crates' own messages quote the pattern, and a
/// pattern in an allowlist is often the secret it allows; `error` (their
/// message) is used only when it does not quote any of it.
pub fn describe_regex_error(pattern: &str, error: &str) -> String {
    let at = |kind: &dyn std::fmt::Display, span: &regex_syntax::ast::Span| {
        let start = span.start;
        let line = if pattern.contains('\n') {
            format!("line {} ", start.line)
        } else {
            String::new()
        };
        format!("{kind} at {line}character {} of the pattern", start.column)
    };
    if let Err(err) = regex_syntax::ast::parse::Parser::new().parse(pattern) {
        return at(err.kind(), err.span());
    }
    let translated = regex_syntax::ParserBuilder::new()
        .utf8(false)
        .build()
        .parse(pattern);
    if let Err(regex_syntax::Error::Translate(err)) = translated {
        return at(err.kind(), err.span());
    }
    let quotes_the_pattern = pattern
        .lines()
        .map(str::trim)
        .any(|line| line.chars().count() >= 4 && error.contains(line));
    if quotes_the_pattern || error.contains('\n') {
        "the regex cannot be compiled (it may be too large)".to_string()
    } else {
        escape_line_for_terminal(error)
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

/// `[scan]`: what a scan reads.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanSettings {
    /// Files larger than this are not read and are listed as skipped
    /// (`"1MB"`, `"512KiB"`, or a number of bytes). No limit by default.
    pub max_file_size: Option<Spanned<FileSize>>,
    /// Verify findings with their providers as `--verify` does, in history,
    /// file and pre-push scans. Never in staged scans: commit hooks make no
    /// network request.
    #[serde(default)]
    pub verify: bool,
}

impl ScanSettings {
    /// The size limit in bytes, if one is set.
    pub fn max_file_size(&self) -> Option<u64> {
        self.max_file_size.as_ref().map(|size| size.get_ref().0)
    }
}

/// A size in bytes written as a number or with a unit: `"1MB"` (10^6),
/// `"1MiB"` (2^20), `"500 kB"`. Parsing is the `bytesize` crate's, so units
/// mean what they mean elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileSize(pub u64);

impl std::str::FromStr for FileSize {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        if trimmed.is_empty() || !trimmed.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(format!(
                "{text:?} is not a size; write a number of bytes or a size like \"1MB\" or \"512KiB\""
            ));
        }
        let size = trimmed.parse::<bytesize::ByteSize>().map_err(|_| {
            format!("{text:?} is not a size; write a number of bytes or a size like \"1MB\" or \"512KiB\"")
        })?;
        if size.as_u64() == 0 {
            return Err(format!(
                "{text:?} would skip every file; give a size above zero"
            ));
        }
        Ok(FileSize(size.as_u64()))
    }
}

impl<'de> Deserialize<'de> for FileSize {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = FileSize;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a size such as \"1MB\" or a number of bytes")
            }

            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<FileSize, E> {
                match u64::try_from(v) {
                    Ok(v) => self.visit_u64(v),
                    Err(_) => Err(E::custom("a size cannot be negative")),
                }
            }

            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<FileSize, E> {
                v.to_string().parse().map_err(E::custom)
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<FileSize, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

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
    /// What the summary lines among `warnings` sum up, one line each;
    /// shown with `--verbose`.
    pub warning_details: Vec<String>,
}

impl LoadedConfig {
    pub fn parse(source: SourceText) -> Result<Self> {
        let file = source.parse_toml()?;
        Ok(LoadedConfig {
            source,
            file,
            warnings: Vec::new(),
            ignored: Vec::new(),
            warning_details: Vec::new(),
        })
    }

    /// The defaults, as when there is no config file at all.
    pub fn defaults() -> Self {
        LoadedConfig {
            source: SourceText::new("<defaults>", ""),
            file: ConfigFile::default(),
            warnings: Vec::new(),
            ignored: Vec::new(),
            warning_details: Vec::new(),
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
        let (entries, malformed) = gitleaks::parse_ignore(source);
        self.ignored.extend(entries);
        match malformed.len() {
            0 => {}
            1 => self.warnings.extend(malformed),
            n => {
                self.warnings.push(format!(
                    "{}: {n} lines are not gitleaks fingerprints (file:rule-id:line or commit:file:rule-id:line) and ignore nothing; --verbose lists them",
                    source.name
                ));
                self.warning_details.extend(malformed);
            }
        }
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
    fn max_file_size_takes_units_or_bytes() {
        let size = |text: &str| {
            let source = SourceText::new("c.toml", format!("[scan]\nmax_file_size = {text}\n"));
            LoadedConfig::parse(source).map(|c| c.file.scan.max_file_size())
        };
        assert_eq!(size("\"1MB\"").unwrap(), Some(1_000_000));
        assert_eq!(size("\"1 MiB\"").unwrap(), Some(1 << 20));
        assert_eq!(size("\"1.5kb\"").unwrap(), Some(1500));
        assert_eq!(size("4096").unwrap(), Some(4096));
        for bad in ["\"big\"", "\"1 parsec\"", "0", "-5", "\"\"", "true"] {
            let err = size(bad).unwrap_err().to_string();
            assert!(err.starts_with("c.toml:2:17:"), "{bad}: {err}");
        }
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(line_column("é=1\nab", 5), (2, 1));
        assert_eq!(line_column("é=1", 2), (1, 2));
    }
}
