//! Baselines: the findings a repository has accepted (usually the secrets
//! already in its history when it adopts leakgate), recorded in
//! `.leakgate-baseline.json` so every scan can ignore them.
//!
//! Entries are keyed by fingerprint (rule, path and a hash of the secret,
//! see [`Finding::fingerprint`]), never by line: moving a line does not
//! change the file, and a different secret on the same line is never hidden.
//! The file never holds a secret, not even redacted: only the rule, path,
//! fingerprint, and where it was first seen, for the humans reading it.
//! This module reads, writes and matches baselines; it does not scan.

use std::collections::HashSet;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use serde::{Deserialize, Serialize};

use crate::finding::Finding;

/// The file at the top of the repository that scans read by default.
pub const BASELINE_FILE_NAME: &str = ".leakgate-baseline.json";

const BASELINE_VERSION: u32 = 1;

const ABOUT: &str = "Findings accepted by `leakgate baseline`; every leakgate scan ignores them. \
     Entries are fingerprints of rule, path and secret (no secrets are stored). \
     `leakgate baseline --check` lists entries that no longer match anything.";

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub fingerprint: String,
    pub rule_id: String,
    pub path: String,
    /// The commit that introduced it, when it came from history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Where it was when recorded (for people; matching ignores it).
    pub line: u32,
}

#[derive(Debug, Serialize, Deserialize)]
struct BaselineFile {
    version: u32,
    #[serde(default)]
    about: String,
    findings: Vec<BaselineEntry>,
}

/// A loaded baseline.
#[derive(Debug, Default)]
pub struct Baseline {
    entries: Vec<BaselineEntry>,
    fingerprints: HashSet<String>,
}

impl Baseline {
    /// A baseline that accepts exactly these findings (one entry per
    /// fingerprint, in a stable order so re-recording does not churn).
    pub fn from_findings(findings: &[Finding]) -> Self {
        let mut entries: Vec<BaselineEntry> = findings
            .iter()
            .map(|f| BaselineEntry {
                fingerprint: f.fingerprint(),
                rule_id: f.rule_id.clone(),
                path: f.path.to_string_lossy(),
                commit: f.commit.as_ref().map(|c| c.id.clone()),
                line: f.start.line,
            })
            .collect();
        // Findings arrive sorted by path and line, so the first entry of a
        // fingerprint is its first place in the file.
        let mut seen = HashSet::new();
        entries.retain(|e| seen.insert(e.fingerprint.clone()));
        entries.sort_by(|a, b| {
            (&a.path, &a.rule_id, &a.fingerprint).cmp(&(&b.path, &b.rule_id, &b.fingerprint))
        });
        Baseline::from_entries(entries)
    }

    fn from_entries(entries: Vec<BaselineEntry>) -> Self {
        let fingerprints = entries.iter().map(|e| e.fingerprint.clone()).collect();
        Baseline {
            entries,
            fingerprints,
        }
    }

    /// Parses a baseline file's bytes; `name` is used in errors.
    pub fn parse(name: &str, bytes: &[u8]) -> Result<Self> {
        let file: BaselineFile = serde_json::from_slice(bytes).map_err(|e| {
            anyhow!(
                "{name}:{}:{}: not a leakgate baseline: {}.\n\
                 Fix the file, or record it again with `leakgate baseline`",
                e.line(),
                e.column(),
                // The message quotes the file's keys and values.
                crate::path::escape_line_for_terminal(&e.to_string())
            )
        })?;
        if file.version != BASELINE_VERSION {
            bail!(
                "{name}: baseline version {} is not supported (this leakgate reads version {BASELINE_VERSION}); \
                 record it again with `leakgate baseline`",
                file.version
            );
        }
        Ok(Baseline::from_entries(file.findings))
    }

    pub fn read(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read the baseline {}", path.display()))?;
        Baseline::parse(&path.display().to_string(), &bytes)
    }

    /// The file's text: pretty JSON, one field per line, ending in a newline.
    pub fn to_json(&self) -> String {
        let file = BaselineFile {
            version: BASELINE_VERSION,
            about: ABOUT.to_string(),
            findings: self.entries.clone(),
        };
        let mut text = serde_json::to_string_pretty(&file).expect("a baseline serializes");
        text.push('\n');
        text
    }

    pub fn write(&self, path: &Path) -> Result<()> {
        std::fs::write(path, self.to_json())
            .with_context(|| format!("cannot write the baseline {}", path.display()))
    }

    pub fn entries(&self) -> &[BaselineEntry] {
        &self.entries
    }

    pub fn accepts(&self, finding: &Finding) -> bool {
        self.fingerprints.contains(&finding.fingerprint())
    }

    /// Removes accepted findings; returns how many were removed.
    pub fn filter(&self, findings: &mut Vec<Finding>) -> u64 {
        let before = findings.len();
        findings.retain(|f| !self.accepts(f));
        (before - findings.len()) as u64
    }

    /// Entries that match none of `findings`.
    pub fn stale(&self, findings: &[Finding]) -> Vec<&BaselineEntry> {
        let current: HashSet<String> = findings.iter().map(Finding::fingerprint).collect();
        self.entries
            .iter()
            .filter(|e| !current.contains(&e.fingerprint))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Secret;
    use crate::location::Position;
    use crate::path::RepoPath;

    fn finding(path: &str, line: u32, secret: &str) -> Finding {
        let at = Position { line, column: 1 };
        Finding {
            rule_id: "aws-access-key-id".into(),
            description: String::new(),
            remediation: String::new(),
            path: RepoPath::new(path),
            start: at,
            end: at,
            secret: Secret::new(secret.as_bytes()),
            line: secret.as_bytes().to_vec(),
            secret_in_line: 0..secret.len(),
            commit: None,
            file_rule: false,
            hidden_in_line: Vec::new(),
        }
    }

    #[test]
    fn a_baseline_matches_by_fingerprint_not_line_and_stores_no_secret() {
        let secret = "AKIAD7RGN7SS555HMTF6"; // leakgate:allow (fake key)
        let baseline = Baseline::from_findings(&[finding("a.env", 3, secret)]);
        let text = baseline.to_json();
        assert!(!text.contains(secret) && !text.contains("AKIA"), "{text}");
        let loaded = Baseline::parse("b.json", text.as_bytes()).unwrap();
        assert!(loaded.accepts(&finding("a.env", 40, secret)));
        let other = "AKIAD7RGN7SS555HMTF7"; // leakgate:allow (fake key)
        assert!(!loaded.accepts(&finding("a.env", 3, other)));
        assert!(!loaded.accepts(&finding("b.env", 3, secret)));
        assert_eq!(loaded.to_json(), text);
    }

    #[test]
    fn a_broken_baseline_names_file_line_and_column() {
        let err = Baseline::parse("x.json", b"{\n  \"version\": 1,\n  oops\n}").unwrap_err();
        assert!(err.to_string().starts_with("x.json:3:"), "{err}");
    }
}
