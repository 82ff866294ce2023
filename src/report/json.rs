//! The JSON report: one object, `{"version": 1, "findings": [...],
//! "scanned": {...}, "skipped": [...], "warnings": [...]}`, stable for
//! tools to consume. `scanned.rules` counts the rules the scan ran: 0 means
//! nothing was checked, and `warnings` says so.
//!
//! It also owns how every JSON report (this one and SARIF) is written:
//! [`write_json`] escapes, besides what JSON requires, every character that
//! can steer or garble a terminal or viewer that shows the strings: DEL,
//! the C1 controls (U+009B is a one-byte CSI), the bidirectional controls
//! (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C) and the line and
//! paragraph separators U+2028 and U+2029 (line breaks to JavaScript and to
//! many viewers). serde_json writes them raw; here each becomes a `\uXXXX`
//! escape, which any JSON reader decodes back to the same string.

use std::io::{self, Write};

use anyhow::Result;
use serde::Serialize;

use super::ReportOptions;
use crate::finding::Finding;
use crate::scan::ScanReport;
use crate::verify::Verification;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    scanned: Scanned,
    skipped: Vec<JsonSkipped>,
    /// Config settings that could not be applied, and a scan that ran no rules.
    warnings: Vec<String>,
    /// What a staged change to the configuring files allows that HEAD's
    /// config would report (always redacted); absent when nothing.
    #[serde(skip_serializing_if = "Option::is_none")]
    loosened: Option<JsonLoosened<'a>>,
}

#[derive(Serialize)]
struct JsonLoosened<'a> {
    files: &'a [String],
    findings: Vec<JsonFinding<'a>>,
}

#[derive(Serialize)]
struct Scanned {
    files: u64,
    bytes: u64,
    /// How many rules the scan ran.
    rules: u64,
}

#[derive(Serialize)]
struct JsonSkipped {
    path: String,
    reason: String,
}

#[derive(Serialize)]
pub struct JsonFinding<'a> {
    rule_id: &'a str,
    description: &'a str,
    path: String,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    secret: String,
    fingerprint: String,
    commit: Option<&'a str>,
    author: Option<&'a str>,
    date: Option<&'a str>,
    /// `--verify`: what the provider said; absent when it was not asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    verification: Option<&'a Verification>,
}

impl<'a> JsonFinding<'a> {
    pub fn new(finding: &'a Finding, reveal: bool) -> Self {
        JsonFinding {
            rule_id: &finding.rule_id,
            description: &finding.description,
            path: finding.path.to_string_lossy(),
            line: finding.start.line,
            column: finding.start.column,
            end_line: finding.end.line,
            end_column: finding.end.column,
            secret: finding.secret.shown(reveal),
            fingerprint: finding.fingerprint(),
            commit: finding.commit.as_ref().map(|c| c.id.as_str()),
            author: finding.commit.as_ref().map(|c| c.author.as_str()),
            date: finding.commit.as_ref().map(|c| c.date.as_str()),
            verification: finding.verification.as_ref(),
        }
    }
}

pub fn write(report: &ScanReport, options: ReportOptions, out: &mut dyn Write) -> Result<()> {
    let json = JsonReport {
        version: 1,
        findings: report
            .findings
            .iter()
            .map(|f| JsonFinding::new(f, options.reveal))
            .collect(),
        scanned: Scanned {
            files: report.files,
            bytes: report.bytes,
            rules: report.rules.len() as u64,
        },
        skipped: report
            .skipped
            .iter()
            .map(|s| JsonSkipped {
                path: s.path.to_string_lossy(),
                reason: s.reason.clone(),
            })
            .collect(),
        loosened: report.loosened.as_ref().map(|l| JsonLoosened {
            files: &l.files,
            findings: l
                .findings
                .iter()
                .map(|f| JsonFinding::new(f, false))
                .collect(),
        }),
        warnings: report
            .warnings
            .iter()
            .cloned()
            .chain(
                report
                    .rules
                    .is_empty()
                    .then(|| super::NO_RULES_RAN.to_string()),
            )
            .collect(),
    };
    write_json(out, &json)
}

/// Writes `value` as pretty-printed JSON and a newline, with the characters
/// the module docs list escaped as `\uXXXX`.
pub fn write_json(out: &mut dyn Write, value: &impl Serialize) -> Result<()> {
    let mut serializer =
        serde_json::Serializer::with_formatter(&mut *out, SafeFormatter::default());
    value.serialize(&mut serializer)?;
    writeln!(out)?;
    Ok(())
}

/// Must this character be written as a `\uXXXX` escape? (JSON's own
/// escapes, quotes, backslashes and C0 controls, are serde_json's.)
pub fn needs_unicode_escape(c: char) -> bool {
    c.is_control() || crate::path::is_invisible_control(c)
}

/// serde_json's pretty formatter, with [`needs_unicode_escape`] applied to
/// the text of every string.
#[derive(Default)]
struct SafeFormatter(serde_json::ser::PrettyFormatter<'static>);

impl serde_json::ser::Formatter for SafeFormatter {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut rest = fragment;
        while let Some((at, c)) = rest.char_indices().find(|&(_, c)| needs_unicode_escape(c)) {
            writer.write_all(&rest.as_bytes()[..at])?;
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                write!(writer, "\\u{unit:04x}")?;
            }
            rest = &rest[at + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }

    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(value: &serde_json::Value) -> String {
        let mut out = Vec::new();
        write_json(&mut out, value).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn terminal_and_bidi_controls_are_escaped() {
        let text = "a\u{7f}b\u{9b}31m\u{202e}c\u{61c}\u{2028}\u{2029}\u{200f}é😀\n";
        let out = written(&serde_json::json!({ "path": text }));
        assert_eq!(
            out,
            "{\n  \"path\": \"a\\u007fb\\u009b31m\\u202ec\\u061c\\u2028\\u2029\\u200fé😀\\n\"\n}\n"
        );
        let back: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back["path"], text);
    }

    proptest::proptest! {
        #[test]
        fn any_string_round_trips_and_nothing_dangerous_is_raw(text in proptest::prelude::any::<String>()) {
            let value = serde_json::json!({ "k": [text.clone()] });
            let out = written(&value);
            proptest::prop_assert!(!out.chars().any(|c| c != '\n' && needs_unicode_escape(c)), "{:?}", out);
            let back: serde_json::Value = serde_json::from_str(&out).unwrap();
            proptest::prop_assert_eq!(back, value);
        }
    }
}
