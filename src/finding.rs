//! Findings: the one representation of a detected secret, its location, and
//! the only place that decides how a secret is redacted or fingerprinted.
//!
//! Nothing outside this module formats a raw secret; reports call
//! [`Secret::shown`] and get the redacted form unless the user asked for
//! `--no-redact`.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::location::Position;
use crate::path::RepoPath;

/// The bytes of a detected secret. `Debug` and `Display` never print them.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Secret(Vec<u8>);

/// How many characters of a secret a redacted report keeps.
const REDACTED_PREFIX_CHARS: usize = 4;

impl Secret {
    pub fn new(bytes: &[u8]) -> Self {
        Secret(bytes.to_vec())
    }

    /// The secret as reports show it: the full value only when `reveal`.
    pub fn shown(&self, reveal: bool) -> String {
        if reveal {
            String::from_utf8_lossy(&self.0).into_owned()
        } else {
            self.redacted()
        }
    }

    /// A few leading characters and an ellipsis. Short secrets keep at most a
    /// quarter of their length, so a redacted value never gives most of it away.
    pub fn redacted(&self) -> String {
        let text = String::from_utf8_lossy(&self.0);
        let total = text.chars().count();
        let keep = REDACTED_PREFIX_CHARS.min(total / 4);
        let prefix: String = text.chars().take(keep).collect();
        format!("{prefix}…")
    }

    /// Hex SHA-256 of the secret: lets baselines and fingerprints refer to a
    /// secret without storing it.
    pub fn digest_hex(&self) -> String {
        hex(&Sha256::digest(&self.0))
    }

    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// `text` with every occurrence of each of `secrets` replaced by its
/// redacted form: a line shown as context around one secret can hold others.
pub fn redact_within(text: &[u8], secrets: &[&Secret]) -> Vec<u8> {
    let mut out = text.to_vec();
    for secret in secrets {
        if secret.is_empty() {
            continue;
        }
        let redacted = secret.redacted().into_bytes();
        let mut masked = Vec::with_capacity(out.len());
        let mut rest = &out[..];
        while let Some(at) = memchr::memmem::find(rest, secret.expose()) {
            masked.extend_from_slice(&rest[..at]);
            masked.extend_from_slice(&redacted);
            rest = &rest[at + secret.len()..];
        }
        masked.extend_from_slice(rest);
        out = masked;
    }
    out
}

/// `text` with each of `spans` replaced by the redacted form of what it
/// covers; overlapping spans are redacted as one.
pub fn redact_spans(text: &[u8], mut spans: Vec<std::ops::Range<usize>>) -> Vec<u8> {
    spans.sort_by_key(|s| s.start);
    let mut out = Vec::with_capacity(text.len());
    let mut at = 0;
    let mut spans = spans.into_iter().peekable();
    while let Some(span) = spans.next() {
        let start = span.start.clamp(at, text.len());
        let mut end = span.end.clamp(start, text.len());
        while let Some(next) = spans.next_if(|next| next.start < end) {
            end = end.max(next.end.min(text.len()));
        }
        if start == end {
            continue;
        }
        out.extend_from_slice(&text[at..start]);
        out.extend_from_slice(Secret::new(&text[start..end]).redacted().as_bytes());
        at = end;
    }
    out.extend_from_slice(&text[at..]);
    out
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.redacted())
    }
}

/// The commit a finding was introduced by (history scans); `None` for staged
/// content and files on disk.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CommitInfo {
    pub id: String,
    pub author: String,
    pub date: String,
}

/// One detected secret. `Debug` shows where it is, never the secret or the
/// line holding it, so a debug log cannot leak it.
#[derive(Clone)]
pub struct Finding {
    pub rule_id: String,
    pub description: String,
    pub remediation: String,
    pub path: RepoPath,
    pub start: Position,
    pub end: Position,
    pub secret: Secret,
    /// The source line the finding starts on, for display; on a very long
    /// line, an excerpt of it around the secret.
    pub line: Vec<u8>,
    /// Where the secret sits within `line` (clipped to the line's end).
    pub secret_in_line: std::ops::Range<usize>,
    pub commit: Option<CommitInfo>,
    /// Found by a file-name rule: the file itself should not be committed.
    pub file_rule: bool,
    /// All the text the rule's regex matched, around and including the
    /// secret: as secret as the secret and never shown. Verification reads
    /// the rule's named captures (an account id next to a token) from it.
    pub matched: Secret,
    /// What the provider said of the secret (`--verify`); `None` when it was
    /// not asked.
    pub verification: Option<crate::verify::Verification>,
    /// Where within `line` every rule matched, reported or not (the
    /// finding's own secret among them): all are masked when the line is
    /// shown, so a secret an allowlist or the baseline accepts is not
    /// printed in full beside another finding.
    pub hidden_in_line: Vec<std::ops::Range<usize>>,
}

impl fmt::Debug for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Finding")
            .field("rule_id", &self.rule_id)
            .field("path", &self.path)
            .field("start", &self.start)
            .field("end", &self.end)
            .field("secret", &self.secret)
            .field("line", &format_args!("<{} bytes>", self.line.len()))
            .field("commit", &self.commit)
            .field("file_rule", &self.file_rule)
            .field("verification", &self.verification)
            .finish_non_exhaustive()
    }
}

impl Finding {
    /// The text of `line` before and after the secret, as reports show it:
    /// every secret-shaped span in it redacted, unless `reveal`.
    pub fn context(&self, reveal: bool) -> (Vec<u8>, Vec<u8>) {
        let line = &self.line;
        let start = self.secret_in_line.start.min(line.len());
        let end = self.secret_in_line.end.clamp(start, line.len());
        if reveal {
            return (line[..start].to_vec(), line[end..].to_vec());
        }
        let within = |part: std::ops::Range<usize>| -> Vec<std::ops::Range<usize>> {
            self.hidden_in_line
                .iter()
                .map(|h| h.start.max(part.start)..h.end.min(part.end))
                .filter(|h| h.start < h.end)
                .map(|h| h.start - part.start..h.end - part.start)
                .collect()
        };
        (
            redact_spans(&line[..start], within(0..start)),
            redact_spans(&line[end..], within(end..line.len())),
        )
    }

    /// Stable across line moves and never reversible to the secret: a hash of
    /// the rule, the path and the secret's own hash.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.rule_id, &self.path.to_string_lossy(), &self.secret)
    }

    /// The order every report uses: path, line, column, rule.
    pub fn sort_key(&self) -> (&[u8], u32, u32, &str, &Option<CommitInfo>) {
        (
            self.path.as_bytes(),
            self.start.line,
            self.start.column,
            &self.rule_id,
            &self.commit,
        )
    }
}

pub fn fingerprint(rule_id: &str, path: &str, secret: &Secret) -> String {
    let mut hasher = Sha256::new();
    hasher.update(rule_id.as_bytes());
    hasher.update([0]);
    hasher.update(path.as_bytes());
    hasher.update([0]);
    hasher.update(secret.digest_hex().as_bytes());
    hex(&hasher.finalize()[..16])
}

/// A short, stable, one-way key for a tuple of values: the first 16 bytes
/// of SHA-256 over the parts, each followed by a NUL so that no two tuples
/// hash the same text. Baselines and SARIF fingerprints are built with it.
pub fn short_hash(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
        hasher.update([0]);
    }
    hex(&hasher.finalize()[..16])
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_keeps_a_short_prefix_only() {
        let secret = Secret::new(b"ghp_abcdefghijklmnopqrstuvwxyz0123456789");
        assert_eq!(secret.redacted(), "ghp_…");
        assert_eq!(Secret::new(b"abcdefgh").redacted(), "ab…");
        assert_eq!(Secret::new(b"abc").redacted(), "…");
        assert!(!format!("{secret:?}").contains("abcdefgh"));
    }

    #[test]
    fn other_secrets_in_a_line_are_redacted_too() {
        let a = Secret::new(b"AKIAQYLPMN5HHHFPZAM2");
        let b = Secret::new(b"ghp_abcdefghijklmnopqrstuvwxyz0123456789");
        let line = b"x = AKIAQYLPMN5HHHFPZAM2, y = ghp_abcdefghijklmnopqrstuvwxyz0123456789;";
        assert_eq!(
            redact_within(line, &[&a, &b]),
            "x = AKIA…, y = ghp_…;".as_bytes()
        );
    }

    proptest::proptest! {
        /// A redacted secret shows at most four leading characters and at
        /// most a quarter of it, then an ellipsis, and nothing else.
        #[test]
        fn redaction_never_reveals_more_than_a_short_prefix(text in proptest::prelude::any::<String>()) {
            let secret = Secret::new(text.as_bytes());
            let redacted = secret.redacted();
            let prefix = redacted.strip_suffix('…').expect("ends with an ellipsis");
            let total = text.chars().count();
            proptest::prop_assert!(text.starts_with(prefix));
            proptest::prop_assert!(prefix.chars().count() <= 4);
            proptest::prop_assert!(prefix.chars().count() * 4 <= total);
            proptest::prop_assert_eq!(format!("{:?}", secret), format!("Secret({})", redacted));
        }

        #[test]
        fn redacting_within_a_line_leaves_no_copy(
            before in "[a-z =]{0,20}",
            secret in "[A-Za-z0-9]{8,40}",
            after in "[a-z =]{0,20}",
        ) {
            let line = format!("{before}{secret}{after}{secret}");
            let masked = redact_within(line.as_bytes(), &[&Secret::new(secret.as_bytes())]);
            proptest::prop_assert!(memchr::memmem::find(&masked, secret.as_bytes()).is_none());
        }
    }

    #[test]
    fn every_hidden_span_is_redacted_around_the_secret() {
        let line = b"a = AKIAQYLPMN5HHHFPZAM2, b = ghp_abcdefghijklmnopqrstuvwxyz0123456789, c = sk_live_abcdefghijklmnop;";
        let text = String::from_utf8_lossy(line);
        let span = |s: &str| {
            let at = text.find(s).unwrap();
            at..at + s.len()
        };
        let finding = Finding {
            rule_id: "r".into(),
            description: String::new(),
            remediation: String::new(),
            path: RepoPath::new("a"),
            start: Position::default(),
            end: Position::default(),
            secret: Secret::new(b"ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
            line: line.to_vec(),
            secret_in_line: span("ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
            commit: None,
            file_rule: false,
            // Overlapping spans, the secret's own, and one across its end.
            hidden_in_line: vec![
                span("AKIAQYLPMN5HHHFPZAM2"),
                span("QYLPMN5HHH"),
                span("ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
                span("0123456789, c = sk_live_abcdefghijklmnop"),
            ],
            matched: Secret::new(b"ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
            verification: None,
        };
        let (before, after) = finding.context(false);
        assert_eq!(before, b"a = AKIA\xe2\x80\xa6, b = ");
        assert_eq!(String::from_utf8(after).unwrap(), ", c …;");
        let (before, after) = finding.context(true);
        assert_eq!(before, b"a = AKIAQYLPMN5HHHFPZAM2, b = ");
        assert_eq!(after, b", c = sk_live_abcdefghijklmnop;");
    }

    proptest::proptest! {
        #[test]
        fn redacting_spans_never_panics_and_hides_each_span(
            text in "[a-zA-Z0-9 ]{0,60}",
            spans in proptest::collection::vec((0usize..70, 0usize..70), 0..6),
        ) {
            let spans: Vec<std::ops::Range<usize>> = spans.into_iter().map(|(a, b)| a.min(b)..a.max(b)).collect();
            let out = redact_spans(text.as_bytes(), spans.clone());
            for span in spans.iter().filter(|s| s.end <= text.len() && s.len() >= 8) {
                let piece = &text[span.clone()];
                proptest::prop_assert!(memchr::memmem::find(&out, piece.as_bytes()).is_none() || text.matches(piece).count() > 1);
            }
        }
    }

    #[test]
    fn fingerprint_depends_on_rule_path_and_secret_only() {
        let s = Secret::new(b"AKIAQYLPMN5HHHFPZAM2");
        let a = fingerprint("aws", "a.txt", &s);
        assert_eq!(a, fingerprint("aws", "a.txt", &s));
        assert_ne!(a, fingerprint("aws", "b.txt", &s));
        assert_ne!(
            a,
            fingerprint("aws", "a.txt", &Secret::new(b"AKIAQYLPMN5HHHFPZAM3"))
        );
        assert!(!a.contains("AKIA"));
    }
}
