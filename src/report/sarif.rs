//! The SARIF 2.1.0 report, in the shape GitHub code scanning accepts: one
//! run whose driver is `leakgate` with every rule the scan ran, and one
//! result per finding with a repository-relative location and a partial
//! fingerprint of its own, so an alert keeps its identity when lines move
//! and two findings never merge into one alert.
//!
//! SARIF files are made to be uploaded, so this writer always shows secrets
//! redacted, even with `--no-redact`. Only the SARIF properties leakgate
//! fills are modelled: a handful of plain serde structs cost less to build
//! and read than a crate generating the whole schema.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Result;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_encode};
use serde::Serialize;

use super::ReportOptions;
use crate::finding::{Finding, short_hash};
use crate::scan::{RuleInfo, ScanReport};
use crate::verify::{Status, Verification};

pub const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
pub const VERSION: &str = "2.1.0";
/// The key of leakgate's fingerprint in `partialFingerprints`; the version
/// changes if the way fingerprints are computed ever does (v1 was the
/// finding's fingerprint alone, shared by every copy of a secret in a file).
pub const FINGERPRINT_KEY: &str = "leakgate/v2";

/// Where code scanning links the tool's name to.
pub const INFORMATION_URI: &str = env!("CARGO_PKG_REPOSITORY");

/// Bytes a URI path keeps as they are: unreserved characters and `/`.
/// Everything else, `:` included (a relative URI whose first segment has a
/// colon would read as a scheme), is percent-encoded.
const URI_PATH: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'/');

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    /// leakgate counts columns in characters, not UTF-16 code units.
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
    /// Config warnings, and a scan that ran no rules, as notifications.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    invocations: Vec<Invocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_configuration_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    information_uri: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    short_description: Text,
    help: Text,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: [&'static str; 2],
    /// GitHub code scanning's severity score (a CVSS-like number as a
    /// string): 9.0 and up is "critical", 7.0 to 8.9 "high".
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<ResultProperties<'a>>,
}

/// What leakgate adds to a result: its commit, and what its provider said.
#[derive(Serialize)]
struct ResultProperties<'a> {
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    commit: Option<CommitProperties<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verification: Option<&'a Verification>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
    /// SARIF's end column is the column just after the region.
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<u32>,
}

/// Where a history finding came from.
#[derive(Serialize)]
struct CommitProperties<'a> {
    commit: &'a str,
    author: &'a str,
    date: &'a str,
}

pub fn write(report: &ScanReport, _options: ReportOptions, out: &mut dyn Write) -> Result<()> {
    let rules = rules_of(report);
    let index_of: BTreeMap<&str, usize> = rules
        .iter()
        .enumerate()
        .map(|(i, rule)| (rule.id.as_str(), i))
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: VERSION,
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "leakgate",
                    information_uri: INFORMATION_URI,
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules: rules.iter().map(|rule| sarif_rule(rule)).collect(),
                },
            },
            column_kind: "unicodeCodePoints",
            results: report
                .findings
                .iter()
                .zip(result_fingerprints(&report.findings))
                .map(|(finding, fingerprint)| {
                    sarif_result(finding, index_of[finding.rule_id.as_str()], fingerprint)
                })
                .collect(),
            invocations: invocations(report),
        }],
    };
    super::json::write_json(out, &log)
}

/// One invocation carrying the scan's warnings, if it has any.
fn invocations(report: &ScanReport) -> Vec<Invocation> {
    let no_rules = report
        .rules
        .is_empty()
        .then(|| super::NO_RULES_RAN.to_string());
    let notifications: Vec<Notification> = report
        .warnings
        .iter()
        .cloned()
        .chain(no_rules)
        .map(|text| Notification {
            level: "warning",
            message: Text { text },
        })
        .collect();
    if notifications.is_empty() {
        return Vec::new();
    }
    vec![Invocation {
        execution_successful: true,
        tool_configuration_notifications: notifications,
    }]
}

/// The scan's rules, plus any rule a finding names that the list lacks, so
/// every result has a rule to point at.
fn rules_of(report: &ScanReport) -> Vec<RuleInfo> {
    let mut rules = report.rules.to_vec();
    for finding in &report.findings {
        if !rules.iter().any(|r| r.id == finding.rule_id) {
            rules.push(RuleInfo {
                id: finding.rule_id.clone(),
                description: finding.description.clone(),
                remediation: finding.remediation.clone(),
            });
        }
    }
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    rules
}

fn sarif_rule(rule: &RuleInfo) -> Rule<'_> {
    let description = if rule.description.is_empty() {
        rule.id.clone()
    } else {
        rule.description.clone()
    };
    let help = if rule.remediation.is_empty() {
        "Remove the secret from the file and rotate it: anything that was committed or pushed may have been copied.".to_string()
    } else {
        rule.remediation.clone()
    };
    Rule {
        id: &rule.id,
        short_description: Text { text: description },
        help: Text { text: help },
        default_configuration: Configuration { level: "error" },
        properties: RuleProperties {
            tags: ["security", "secret"],
            security_severity: security_severity(&rule.id),
        },
    }
}

/// A rule's `security-severity`. Every rule finds a credential, which is
/// critical once leaked; the catch-all rules, which judge a value by its
/// name and look alone, are less certain to have found one, so high.
fn security_severity(rule_id: &str) -> &'static str {
    if rule_id.starts_with("generic-") {
        "7.5"
    } else {
        "9.0"
    }
}

/// One fingerprint per finding, in order. A hash of the rule, the path,
/// the commit (history findings), the secret, and which occurrence of
/// that secret in that file this is (counted in the report's path, line,
/// column order): the same secret on three lines gives three alerts, and
/// moving unrelated lines changes none of them.
fn result_fingerprints(findings: &[Finding]) -> Vec<String> {
    let mut seen: BTreeMap<(String, Vec<u8>, String, String), u32> = BTreeMap::new();
    findings
        .iter()
        .map(|finding| {
            let commit = finding
                .commit
                .as_ref()
                .map(|c| c.id.clone())
                .unwrap_or_default();
            let digest = finding.secret.digest_hex();
            let occurrence = seen
                .entry((
                    finding.rule_id.clone(),
                    finding.path.as_bytes().to_vec(),
                    commit.clone(),
                    digest.clone(),
                ))
                .or_insert(0);
            *occurrence += 1;
            short_hash(&[
                finding.rule_id.as_bytes(),
                finding.path.as_bytes(),
                commit.as_bytes(),
                digest.as_bytes(),
                occurrence.to_string().as_bytes(),
            ])
        })
        .collect()
}

fn sarif_result(finding: &Finding, rule_index: usize, fingerprint: String) -> SarifResult<'_> {
    let message = if finding.file_rule {
        format!(
            "{}: {}: this file should not be committed",
            finding.rule_id, finding.description
        )
    } else {
        format!(
            "{}: {} found: {}",
            finding.rule_id,
            finding.description,
            finding.secret.redacted()
        )
    };
    let region = if finding.file_rule {
        Region {
            start_line: 1,
            start_column: 1,
            end_line: None,
            end_column: None,
        }
    } else {
        Region {
            start_line: finding.start.line,
            start_column: finding.start.column,
            end_line: Some(finding.end.line),
            end_column: Some(finding.end.column + 1),
        }
    };
    SarifResult {
        rule_id: &finding.rule_id,
        rule_index,
        level: level(finding),
        message: Text { text: message },
        locations: [Location {
            physical_location: PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: path_uri(finding.path.as_bytes()),
                },
                region,
            },
        }],
        partial_fingerprints: BTreeMap::from([(FINGERPRINT_KEY, fingerprint)]),
        properties: (finding.commit.is_some() || finding.verification.is_some()).then(|| {
            ResultProperties {
                commit: finding.commit.as_ref().map(|commit| CommitProperties {
                    commit: &commit.id,
                    author: &commit.author,
                    date: &commit.date,
                }),
                verification: finding.verification.as_ref(),
            }
        }),
    }
}

/// Every finding is an error, except that once verified, a secret its
/// provider rejected drops to a note and one it could not judge to a
/// warning, so live ones stand above the rest.
fn level(finding: &Finding) -> &'static str {
    match finding.verification.as_ref().map(|v| v.status) {
        None | Some(Status::Live) => "error",
        Some(Status::Unknown) => "warning",
        Some(Status::Invalid) => "note",
    }
}

/// A path as a URI reference: repository-relative paths stay relative (code
/// scanning resolves them against the checkout); an absolute path from a
/// scan of files on disk becomes a `file://` URI.
fn path_uri(path: &[u8]) -> String {
    let encoded = percent_encode(path, URI_PATH).to_string();
    if path.starts_with(b"/") {
        format!("file://{encoded}")
    } else {
        encoded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(path_uri(b"src/main.rs"), "src/main.rs");
        assert_eq!(
            path_uri("a b/é:c#.txt".as_bytes()),
            "a%20b/%C3%A9%3Ac%23.txt"
        );
        assert_eq!(path_uri(b"bad\xff"), "bad%FF");
        assert_eq!(path_uri(b"/tmp/x"), "file:///tmp/x");
    }

    #[test]
    fn a_history_finding_carries_its_commit_in_properties() {
        use crate::finding::{CommitInfo, Secret};
        use crate::location::Position;
        use crate::path::RepoPath;

        let secret = "AKIAD7RGN7SS555HMTF6";
        let finding = Finding {
            rule_id: "aws-access-key-id".into(),
            description: "AWS access key ID".into(),
            remediation: String::new(),
            path: RepoPath::new("old/keys.txt"),
            start: Position { line: 3, column: 5 },
            end: Position {
                line: 3,
                column: 24,
            },
            secret: Secret::new(secret.as_bytes()),
            line: format!("k = {secret}").into_bytes(),
            secret_in_line: 4..24,
            commit: Some(CommitInfo {
                id: "0123456789abcdef0123456789abcdef01234567".into(),
                author: "Dev <dev@example.invalid>".into(),
                date: "2024-05-01T10:00:00Z".into(),
            }),
            file_rule: false,
            matched: Secret::new(secret.as_bytes()),
            verification: None,
            hidden_in_line: Vec::new(),
        };
        let report = ScanReport {
            findings: vec![finding],
            ..ScanReport::default()
        };
        let options = ReportOptions {
            reveal: true,
            color: false,
        };
        let mut out = Vec::new();
        write(&report, options, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(!text.contains(secret), "never the full secret: {text}");
        let sarif: serde_json::Value = serde_json::from_str(&text).unwrap();
        let result = &sarif["runs"][0]["results"][0];
        assert_eq!(
            result["properties"]["commit"],
            "0123456789abcdef0123456789abcdef01234567"
        );
        assert_eq!(result["properties"]["date"], "2024-05-01T10:00:00Z");
        assert_eq!(
            sarif["runs"][0]["tool"]["driver"]["rules"][0]["id"], "aws-access-key-id",
            "a rule missing from the scan's list is added from its finding"
        );
        assert_eq!(result["ruleIndex"], 0);
        assert_eq!(
            result["locations"][0]["physicalLocation"]["region"]["endColumn"],
            25
        );
    }
}
