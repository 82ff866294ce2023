//! Single findings a config leaves out (a `.gitleaksignore` entry): a rule
//! at one line of one path, optionally in one commit.

use crate::finding::Finding;

/// One `.gitleaksignore` entry: the finding of `rule_id` starting on `line`
/// of `path`, in `commit` when given (history findings only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredFinding {
    pub commit: Option<String>,
    pub path: String,
    /// The rule id as the entry names it (a gitleaks id, usually).
    pub rule_id: String,
    /// The leakgate rules it stands for: itself, and what
    /// `crate::config::gitleaks::leakgate_rule_ids` maps a gitleaks id to.
    pub rule_ids: Vec<String>,
    pub line: u32,
}

impl IgnoredFinding {
    pub fn matches(&self, finding: &Finding) -> bool {
        if !self.rule_ids.contains(&finding.rule_id)
            || finding.start.line != self.line
            || finding.path.to_string_lossy() != self.path
        {
            return false;
        }
        match &self.commit {
            None => true,
            Some(commit) => finding
                .commit
                .as_ref()
                .is_some_and(|c| c.id.eq_ignore_ascii_case(commit)),
        }
    }
}
