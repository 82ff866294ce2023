//! The text of a config or rules file with the name errors give it, and
//! errors that point at a line and column in it. Config, rules and the
//! checks of rules all report places this way.

use std::ops::Range;
use std::path::Path;

use anyhow::{Result, anyhow};
use serde::de::DeserializeOwned;
use toml::Spanned;

use crate::path::escape_line_for_terminal;

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

    /// `file:line:column` of a byte offset in this file.
    pub fn place(&self, offset: usize) -> String {
        let (line, column) = line_column(&self.text, offset);
        format!("{}:{line}:{column}", self.name)
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
        let message = escape_line_for_terminal(message);
        anyhow!("{}: {message}", self.place(span.start))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters() {
        assert_eq!(line_column("é=1\nab", 5), (2, 1));
        assert_eq!(line_column("é=1", 2), (1, 2));
    }
}
