//! The `git-filter-repo` report: a replacements file for `git filter-repo
//! --replace-text FILE`, which rewrites every blob in history with each
//! found secret replaced by a marker naming its rule
//! (`***REMOVED-aws-access-key-id***`).
//!
//! This is the one report that must hold every secret in full: filter-repo
//! matches them byte for byte. So the command refuses it unless the user
//! passed `--no-redact` and `--report-path` (the file is created readable
//! by its owner only, and never printed to a terminal or a CI log); this
//! writer only formats.
//!
//! Each secret is one line. A secret on one line that cannot be mistaken
//! for filter-repo's syntax is written as `literal:SECRET==>MARKER`; one
//! that spans lines (a private key) or holds `==>` is written as a
//! `regex:` line that matches exactly its bytes.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Result;

use super::ReportOptions;
use crate::scan::ScanReport;

pub fn write(report: &ScanReport, options: ReportOptions, out: &mut dyn Write) -> Result<()> {
    anyhow::ensure!(
        options.reveal,
        "the git-filter-repo report needs --no-redact: filter-repo must match each secret exactly"
    );
    // One line per distinct secret, in a stable order; the first rule to
    // name a secret names its marker.
    let mut secrets: BTreeMap<&[u8], &str> = BTreeMap::new();
    for finding in &report.findings {
        if finding.file_rule || finding.secret.is_empty() {
            continue;
        }
        secrets
            .entry(finding.secret.expose())
            .or_insert(finding.rule_id.as_str());
    }
    writeln!(
        out,
        "# leakgate: replacements for `git filter-repo --replace-text THIS-FILE`.\n\
         # It holds {} secret(s) in full: rotate them first, keep this file out of\n\
         # the repository, and delete it once history is rewritten.",
        secrets.len()
    )?;
    for (secret, rule_id) in secrets {
        out.write_all(&replacement_line(secret, &marker(rule_id)))?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// What a secret becomes: a marker naming the rule that found it, made of
/// characters a rule id may hold that filter-repo treats literally.
fn marker(rule_id: &str) -> String {
    let id: String = rule_id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    format!("***REMOVED-{id}***")
}

/// One line of the replacements file.
fn replacement_line(secret: &[u8], marker: &str) -> Vec<u8> {
    let plain = !secret.iter().any(|&b| b == b'\n' || b == b'\r')
        && memchr::memmem::find(secret, b"==>").is_none();
    let mut line = Vec::with_capacity(secret.len() * 2 + marker.len() + 16);
    if plain {
        line.extend_from_slice(b"literal:");
        line.extend_from_slice(secret);
    } else {
        line.extend_from_slice(b"regex:");
        line.extend_from_slice(&regex_literal(secret));
    }
    line.extend_from_slice(b"==>");
    line.extend_from_slice(marker.as_bytes());
    line
}

/// A Python regular expression matching exactly `bytes`: every ASCII
/// character that is not a letter or digit is escaped (Python reads a
/// backslash before punctuation as that character), line breaks and tabs
/// become `\n`, `\r`, `\t`, and other bytes stand for themselves.
fn regex_literal(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() * 2);
    for &b in bytes {
        match b {
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b if b.is_ascii_alphanumeric() || !b.is_ascii() => out.push(b),
            b if b.is_ascii_graphic() || b == b' ' => {
                out.push(b'\\');
                out.push(b);
            }
            // Other control bytes, as hex escapes.
            b => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_secrets_are_literal_and_others_exact_regexes() {
        assert_eq!(
            replacement_line(b"AKIAD7RGN7SS555HMTF6", "***REMOVED-aws***"),
            b"literal:AKIAD7RGN7SS555HMTF6==>***REMOVED-aws***"
        );
        assert_eq!(
            replacement_line(b"-----BEGIN KEY-----\nab+/=\n", "M"),
            b"regex:\\-\\-\\-\\-\\-BEGIN\\ KEY\\-\\-\\-\\-\\-\\nab\\+\\/\\=\\n==>M"
        );
        let tricky = replacement_line(b"pa==>ss", "M");
        assert_eq!(tricky, b"regex:pa\\=\\=\\>ss==>M");
        assert_eq!(
            marker("aws-access-key-id"),
            "***REMOVED-aws-access-key-id***"
        );
        assert_eq!(marker("x==>y\n"), "***REMOVED-xy***");
    }
}
