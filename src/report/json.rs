//! The JSON report: one object, `{"version": 1, "findings": [...],
//! "scanned": {...}, "skipped": [...]}`, stable for tools to consume.

use std::io::Write;

use anyhow::Result;
use serde::Serialize;

use super::ReportOptions;
use crate::finding::Finding;
use crate::scan::ScanReport;

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    scanned: Scanned,
    skipped: Vec<JsonSkipped>,
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
    };
    serde_json::to_writer_pretty(&mut *out, &json)?;
    writeln!(out)?;
    Ok(())
}
