//! GitLab's secret-detection report (`gl-secret-detection-report.json`),
//! which GitLab shows in merge requests and the vulnerability report when a
//! job declares it under `artifacts:reports:secret_detection`.
//!
//! Schema 14.1.2 of GitLab's security report schemas: `version`, one
//! vulnerability per finding (`id`, `category: "secret_detection"`, `name`,
//! `severity`, `scanner`, `location` with `file`, `commit.sha` and lines,
//! `identifiers` naming the rule) and `scan` (the scanner, its type and
//! status). Like SARIF, the file is made to be uploaded, so it never holds a
//! secret, not even redacted: only where it is and which rule found it.

use std::io::Write;
use std::time::SystemTime;

use anyhow::Result;
use serde::Serialize;

use super::ReportOptions;
use crate::finding::Finding;
use crate::scan::ScanReport;
use crate::server::audit::utc_timestamp;

pub const SCHEMA_VERSION: &str = "14.1.2";

/// A finding without a commit (files on disk, staged content) still needs
/// a commit sha in this format; GitLab's own analyzer writes this one.
const NO_COMMIT: &str = "0000000";

#[derive(Serialize)]
struct Report<'a> {
    version: &'static str,
    vulnerabilities: Vec<Vulnerability<'a>>,
    scan: Scan,
}

#[derive(Serialize)]
struct Vulnerability<'a> {
    id: String,
    category: &'static str,
    name: &'a str,
    message: &'a str,
    description: String,
    severity: &'static str,
    confidence: &'static str,
    scanner: ScannerRef,
    location: Location<'a>,
    identifiers: [Identifier<'a>; 1],
}

#[derive(Serialize)]
struct ScannerRef {
    id: &'static str,
    name: &'static str,
}

#[derive(Serialize)]
struct Location<'a> {
    file: String,
    commit: Commit<'a>,
    start_line: u32,
    end_line: u32,
}

#[derive(Serialize)]
struct Commit<'a> {
    sha: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<&'a str>,
}

#[derive(Serialize)]
struct Identifier<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    name: String,
    value: &'a str,
}

#[derive(Serialize)]
struct Scan {
    scanner: Tool,
    analyzer: Tool,
    #[serde(rename = "type")]
    kind: &'static str,
    start_time: String,
    end_time: String,
    status: &'static str,
}

#[derive(Serialize)]
struct Tool {
    id: &'static str,
    name: &'static str,
    version: &'static str,
    vendor: Vendor,
}

#[derive(Serialize)]
struct Vendor {
    name: &'static str,
}

fn tool() -> Tool {
    Tool {
        id: "leakgate",
        name: "leakgate",
        version: env!("CARGO_PKG_VERSION"),
        vendor: Vendor { name: "leakgate" },
    }
}

pub fn write(report: &ScanReport, _options: ReportOptions, out: &mut dyn Write) -> Result<()> {
    // The schema wants both times, to the second, without a zone; the
    // report is written as the scan ends.
    let now = utc_timestamp(SystemTime::now());
    let now = now.trim_end_matches('Z').to_string();
    let document = Report {
        version: SCHEMA_VERSION,
        vulnerabilities: report.findings.iter().map(vulnerability).collect(),
        scan: Scan {
            scanner: tool(),
            analyzer: tool(),
            kind: "secret_detection",
            start_time: now.clone(),
            end_time: now,
            status: "success",
        },
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)?;
    Ok(())
}

fn vulnerability(finding: &Finding) -> Vulnerability<'_> {
    let name = if finding.description.is_empty() {
        finding.rule_id.as_str()
    } else {
        finding.description.as_str()
    };
    let mut description = format!("{name} found by leakgate rule {}.", finding.rule_id);
    if !finding.remediation.is_empty() {
        description.push(' ');
        description.push_str(&finding.remediation);
    }
    let commit = finding.commit.as_ref();
    Vulnerability {
        id: finding.fingerprint(),
        category: "secret_detection",
        name,
        message: name,
        description,
        severity: "Critical",
        confidence: "High",
        scanner: ScannerRef {
            id: "leakgate",
            name: "leakgate",
        },
        location: Location {
            file: finding.path.to_string_lossy(),
            commit: Commit {
                sha: commit.map_or(NO_COMMIT, |c| c.id.as_str()),
                author: commit.map(|c| c.author.as_str()),
                date: commit.map(|c| c.date.as_str()),
            },
            start_line: finding.start.line,
            end_line: finding.end.line,
        },
        identifiers: [Identifier {
            kind: "leakgate_rule_id",
            name: format!("leakgate rule {}", finding.rule_id),
            value: &finding.rule_id,
        }],
    }
}
