//! Baselines: the findings a repository has accepted (usually the secrets
//! already in its history when it adopts leakgate), recorded in
//! `.leakgate-baseline.json` so every scan can ignore them.
//!
//! An entry accepts a finding with the same rule and secret (compared by
//! hash) that is either in the same file or on a line with the same
//! content: moving a line within its file, or the file itself (`git mv`),
//! keeps the finding accepted in every scan mode, while the same secret
//! pasted somewhere new is reported, and a different secret on the same
//! line is never hidden. Entries written before the secret and line hashes
//! existed match by fingerprint (rule, path and secret, see
//! [`Finding::fingerprint`]).
//!
//! The file never holds a secret, not even redacted: only the rule, path,
//! hashes, where it was first seen and why it was accepted, for the humans
//! reading it. This module reads, writes and matches baselines; it does not
//! scan.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use serde::{Deserialize, Serialize};

use crate::finding::{Finding, short_hash};

/// The file at the top of the repository that scans read by default.
pub const BASELINE_FILE_NAME: &str = ".leakgate-baseline.json";

const BASELINE_VERSION: u32 = 1;

const ABOUT: &str = "Findings accepted by `leakgate baseline`; every leakgate scan ignores them. \
     Entries hold hashes of rule, path, secret and line (no secrets are stored). \
     `leakgate baseline --list` shows them with their reasons; \
     `leakgate baseline --check` lists entries that no longer match anything.";

/// One accepted finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineEntry {
    pub fingerprint: String,
    pub rule_id: String,
    pub path: String,
    /// Hash of the rule and the secret ([`secret_key`]): what an entry
    /// must share with a finding wherever the finding is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_hash: Option<String>,
    /// Hash of the line the secret is on, trimmed ([`line_key`]): finds
    /// the finding again after its file was renamed or moved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_hash: Option<String>,
    /// The commit that introduced it, when it came from history.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Where it was when recorded (for people; matching ignores it).
    pub line: u32,
    /// Why it was accepted (`leakgate baseline --reason`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl BaselineEntry {
    /// Does this entry accept `finding`? Same rule and secret, and the same
    /// file or the same line content; an entry without hashes (an older
    /// file) by fingerprint.
    pub fn matches(&self, finding: &Finding) -> bool {
        if self.fingerprint == finding.fingerprint() {
            return true;
        }
        let Some(secret) = &self.value_hash else {
            return false;
        };
        *secret == secret_key(finding)
            && (self.path == finding.path.to_string_lossy()
                || self.line_hash.as_deref() == Some(line_key(finding).as_str()))
    }
}

/// Is `finding` a commit id or hash in a file that records accepted
/// findings (a baseline, or gitleaks' `.gitleaksignore`)? Such files are
/// lists of commit ids, fingerprints and hashes that rules which take any
/// long hex run for a token (near a word such as "cloudflare" in a path)
/// would report; a secret that is not plain hex is still reported there.
pub fn is_bookkeeping_id(finding: &Finding) -> bool {
    let name = finding
        .path
        .as_bytes()
        .rsplit(|&b| b == b'/')
        .next()
        .unwrap_or(b"");
    let bookkeeping = name == BASELINE_FILE_NAME.as_bytes() || name == b".gitleaksignore";
    let secret = finding.secret.expose();
    bookkeeping && !secret.is_empty() && secret.iter().all(u8::is_ascii_hexdigit)
}

/// Hash of a finding's rule and secret.
pub fn secret_key(finding: &Finding) -> String {
    short_hash(&[
        finding.rule_id.as_bytes(),
        finding.secret.digest_hex().as_bytes(),
    ])
}

/// Hash of the line a finding is on, without surrounding whitespace (a
/// move can re-indent it).
pub fn line_key(finding: &Finding) -> String {
    short_hash(&[finding.line.trim_ascii()])
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
    /// Entries by secret key, for matching; entries without one are
    /// matched by fingerprint through `fingerprints`.
    by_secret: HashMap<String, Vec<usize>>,
    fingerprints: HashSet<String>,
}

impl Baseline {
    /// A baseline that accepts exactly these findings (one entry per
    /// fingerprint, in a stable order so re-recording does not churn).
    /// An entry keeps the reason `previous` gave the finding, else gets
    /// `reason`.
    pub fn from_findings(
        findings: &[Finding],
        previous: Option<&Baseline>,
        reason: Option<&str>,
    ) -> Self {
        let mut entries: Vec<BaselineEntry> = findings
            .iter()
            .map(|f| BaselineEntry {
                fingerprint: f.fingerprint(),
                rule_id: f.rule_id.clone(),
                path: f.path.to_string_lossy(),
                value_hash: Some(secret_key(f)),
                line_hash: Some(line_key(f)),
                commit: f.commit.as_ref().map(|c| c.id.clone()),
                line: f.start.line,
                reason: previous
                    .and_then(|p| p.accepting(f))
                    .and_then(|e| e.reason.clone())
                    .or_else(|| reason.map(str::to_string)),
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
        let mut by_secret: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, entry) in entries.iter().enumerate() {
            if let Some(secret) = &entry.value_hash {
                by_secret.entry(secret.clone()).or_default().push(i);
            }
        }
        Baseline {
            entries,
            by_secret,
            fingerprints,
        }
    }

    /// The entry that accepts `finding`, if any.
    pub fn accepting(&self, finding: &Finding) -> Option<&BaselineEntry> {
        let candidates = self.by_secret.get(&secret_key(finding));
        candidates
            .into_iter()
            .flatten()
            .map(|&i| &self.entries[i])
            .find(|e| e.matches(finding))
            .or_else(|| {
                self.fingerprints
                    .contains(&finding.fingerprint())
                    .then(|| self.entries.iter().find(|e| e.matches(finding)))
                    .flatten()
            })
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

    /// The file's text: pretty JSON, one field per line, ending in a newline,
    /// with terminal and bidi controls in paths escaped as the reports do.
    pub fn to_json(&self) -> String {
        let file = BaselineFile {
            version: BASELINE_VERSION,
            about: ABOUT.to_string(),
            findings: self.entries.clone(),
        };
        let mut text = Vec::new();
        crate::report::json::write_json(&mut text, &file).expect("a baseline serializes");
        String::from_utf8(text).expect("JSON is UTF-8")
    }

    pub fn write(&self, path: &Path) -> Result<()> {
        std::fs::write(path, self.to_json())
            .with_context(|| format!("cannot write the baseline {}", path.display()))
    }

    pub fn entries(&self) -> &[BaselineEntry] {
        &self.entries
    }

    pub fn accepts(&self, finding: &Finding) -> bool {
        self.accepting(finding).is_some()
    }

    /// Removes accepted findings; returns how many were removed.
    pub fn filter(&self, findings: &mut Vec<Finding>) -> u64 {
        let before = findings.len();
        findings.retain(|f| !self.accepts(f));
        (before - findings.len()) as u64
    }

    /// Entries that match none of `findings`.
    pub fn stale(&self, findings: &[Finding]) -> Vec<&BaselineEntry> {
        self.entries
            .iter()
            .filter(|e| !findings.iter().any(|f| e.matches(f)))
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
            matched: Secret::new(secret.as_bytes()),
            verification: None,
            hidden_in_line: Vec::new(),
        }
    }

    #[test]
    fn a_baseline_matches_by_fingerprint_not_line_and_stores_no_secret() {
        let secret = "AKIAD7RGN7SS555HMTF6"; // leakgate:allow (fake key)
        let baseline = Baseline::from_findings(&[finding("a.env", 3, secret)], None, None);
        let text = baseline.to_json();
        assert!(!text.contains(secret) && !text.contains("AKIA"), "{text}");
        let loaded = Baseline::parse("b.json", text.as_bytes()).unwrap();
        assert!(loaded.accepts(&finding("a.env", 40, secret)));
        let other = "AKIAD7RGN7SS555HMTF7"; // leakgate:allow (fake key)
        assert!(!loaded.accepts(&finding("a.env", 3, other)));
        // Another file with another line: the secret pasted somewhere new.
        let mut elsewhere = finding("b.env", 3, secret);
        elsewhere.line = format!("KEY={secret}").into_bytes();
        assert!(!loaded.accepts(&elsewhere));
        // The same line in a renamed file.
        assert!(loaded.accepts(&finding("moved/a.env", 9, secret)));
        assert_eq!(loaded.to_json(), text);
    }

    #[test]
    fn a_broken_baseline_names_file_line_and_column() {
        let err = Baseline::parse("x.json", b"{\n  \"version\": 1,\n  oops\n}").unwrap_err();
        assert!(err.to_string().starts_with("x.json:3:"), "{err}");
    }
}
