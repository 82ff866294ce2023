//! What becomes of a rule's matches in one blob: each is confirmed (a new
//! line, the value checks, allowlists and inline markers) into a hit or a
//! named drop; hits are masked in each other's lines, a specific rule wins
//! over a catch-all one, and claimed hits are set aside, each drop recorded
//! when `explain` asks.

use std::cell::{Cell, OnceCell};
use std::ops::Range;

use super::allowlist::{self, Candidate};
use super::drop::DropReason;
use super::rule::{CompiledRule, Verdict};
use super::{AddedLines, Engine, ScanInput};
use crate::finding::Finding;
use crate::location::LineIndex;

/// How much of a long line a finding keeps on each side of its secret, for
/// display: a finding in a 60 MB minified line must not copy the line.
const LINE_EXCERPT_BYTES: usize = 1024;

/// A candidate match inside one blob, before deduplication.
pub(super) struct Hit {
    pub(super) finding: Finding,
    pub(super) span: Range<usize>,
    pub(super) generic: bool,
    /// Why the hit is not reported although it still claims its text, so a
    /// catch-all rule cannot report the same secret: an allowlist or inline
    /// marker allowed it, its format check failed (a known format that fails
    /// its own check is not a secret, so it claims the text even against
    /// earlier catch-all rules), or its rule recognises non-secrets.
    pub(super) claimed: Option<DropReason>,
    /// The part of the blob the finding keeps as its line, for display.
    pub(super) excerpt: Range<usize>,
}

impl Hit {
    /// Does the hit keep catch-all rules off its text even when they come
    /// first? A format's verdict on its own text is stronger than a
    /// catch-all rule's guess.
    fn claims_text_first(&self) -> bool {
        matches!(
            self.claimed,
            Some(DropReason::FormatRejected(_) | DropReason::NotSecret)
        )
    }
}

/// One candidate of `leakgate explain`: a match of a rule, where it is,
/// and why it was dropped (`None`: reported).
#[derive(Debug)]
pub struct Considered {
    pub finding: Finding,
    pub dropped: Option<DropReason>,
}

impl Engine {
    /// Runs every check a regex match must pass to become a finding: a
    /// hit (which may still be allowed or claim its text unreported), or why
    /// it was dropped.
    pub(super) fn confirm(
        &self,
        rule: &CompiledRule,
        input: &ScanInput,
        path_text: &str,
        text: &BlobText,
        span: Range<usize>,
        whole: Range<usize>,
    ) -> Result<Hit, DropReason> {
        let lines = text.lines();
        let start = lines.position(span.start);
        let end = lines.end_position(span.start, span.end);
        if !input.added.touches(start.line, end.line) {
            return Err(DropReason::NotOnANewLine);
        }
        let secret = &text.content[span.clone()];
        let line_range = lines.line_range(span.start);
        let before = &text.content[line_range.start..span.start];
        let mut claimed = match rule.judge_value(path_text, secret, before) {
            Verdict::Secret => None,
            Verdict::Claims(reason) => Some(reason),
            Verdict::Dropped(reason) => return Err(reason),
        };
        if claimed.is_none() {
            let candidate = Candidate {
                rule_id: rule.spec.id(),
                path: path_text,
                secret,
                line: &text.content[line_range.clone()],
                matched: &text.content[whole.clone()],
                commit: input.commit.as_ref().map(|c| c.id.as_str()),
            };
            claimed = if text.has_inline_marker(line_range) {
                Some(DropReason::InlineMarker)
            } else {
                self.allowlists
                    .iter()
                    .find(|a| a.allows(&candidate))
                    .map(|a| DropReason::Allowlisted {
                        description: a.description.clone(),
                    })
            };
        }
        let (mut finding, excerpt) = self.finding_at(rule, input, text, &span);
        // Verification reads the rule's named captures from the whole match.
        finding.matched = crate::finding::Secret::new(&text.content[whole]);
        Ok(Hit {
            finding,
            span,
            generic: rule.spec.generic,
            claimed,
            excerpt,
        })
    }

    /// The finding a match of `rule` at `span` makes, with its place and
    /// line, and the part of the blob it keeps as its line.
    pub(super) fn finding_at(
        &self,
        rule: &CompiledRule,
        input: &ScanInput,
        text: &BlobText,
        span: &Range<usize>,
    ) -> (Finding, Range<usize>) {
        let lines = text.lines();
        let line_range = lines.line_range(span.start);
        let excerpt = line_excerpt(text.content, line_range, span);
        // Clipped to the line: a secret may start at the line's `\r` or
        // `\n` (a rule matching leading whitespace) or run past its end.
        let in_line_start = span.start.min(excerpt.end) - excerpt.start;
        let in_line_end = span.end.min(excerpt.end) - excerpt.start;
        let finding = Finding {
            start: lines.position(span.start),
            end: lines.end_position(span.start, span.end),
            line: text.content[excerpt.clone()].to_vec(),
            secret_in_line: in_line_start..in_line_end.max(in_line_start),
            ..rule.finding_in(input, &text.content[span.clone()])
        };
        (finding, excerpt)
    }
}

/// One blob's text as the rules see it, and what is learnt about it while
/// confirming matches.
pub(super) struct BlobText<'c> {
    content: &'c [u8],
    lines: OnceCell<LineIndex<'c>>,
    /// Whether the line starting at this offset has an inline allow marker.
    /// Matches on a minified file all share one huge line; this keeps each
    /// of them from searching it again.
    marker: Cell<Option<(usize, bool)>>,
}

impl<'c> BlobText<'c> {
    pub(super) fn new(content: &'c [u8]) -> Self {
        BlobText {
            content,
            lines: OnceCell::new(),
            marker: Cell::new(None),
        }
    }

    pub(super) fn lines(&self) -> &LineIndex<'c> {
        self.lines.get_or_init(|| LineIndex::new(self.content))
    }

    fn has_inline_marker(&self, line: Range<usize>) -> bool {
        if let Some((start, found)) = self.marker.get()
            && start == line.start
        {
            return found;
        }
        let found = allowlist::has_inline_marker(&self.content[line.clone()]);
        self.marker.set(Some((line.start, found)));
        found
    }
}

/// The part of a line a finding keeps for display: the whole line, or on a
/// very long line a window around the secret cut at character boundaries.
fn line_excerpt(content: &[u8], line: Range<usize>, secret: &Range<usize>) -> Range<usize> {
    let continues_a_character = |i: usize| content.get(i).is_some_and(|&b| (b & 0xC0) == 0x80);
    let mut start = line
        .start
        .max(secret.start.saturating_sub(LINE_EXCERPT_BYTES));
    while start < secret.start && continues_a_character(start) {
        start += 1;
    }
    let mut end = line.end.min(secret.end.saturating_add(LINE_EXCERPT_BYTES));
    while end > secret.end && end > start && continues_a_character(end) {
        end -= 1;
    }
    start..end.max(start)
}

/// The byte ranges of the new lines, sorted; `None` when every line is new
/// (and then the blob's lines are not indexed: a large first commit would
/// pay for it).
pub(super) fn new_line_bytes<'c>(
    added: &AddedLines,
    lines: impl FnOnce() -> &'c LineIndex<'c>,
) -> Option<Vec<Range<usize>>> {
    let AddedLines::Ranges(ranges) = added else {
        return None;
    };
    let lines = lines();
    Some(
        ranges
            .iter()
            .map(|r| lines.byte_range_of_lines(r.start, r.end))
            .filter(|r| !r.is_empty())
            .collect(),
    )
}

/// Keeps the regions that overlap a new line (`new_bytes`, from
/// [`new_line_bytes`]): a finding must touch one, and its secret lies
/// inside its region, so the others cannot yield one.
pub(super) fn near_new_lines(
    regions: Vec<Range<usize>>,
    new_bytes: Option<&[Range<usize>]>,
) -> Vec<Range<usize>> {
    let Some(new_bytes) = new_bytes else {
        return regions;
    };
    regions
        .into_iter()
        .filter(|region| {
            let i = new_bytes.partition_point(|b| b.end <= region.start);
            new_bytes.get(i).is_some_and(|b| b.start < region.end)
        })
        .collect()
}

/// Records on each hit where the rule matches on its displayed line lie, so
/// reports mask every one of them, whether it is reported or not: a secret
/// that an allowlist, the baseline or `.gitleaksignore` accepts, or that a
/// filter dropped, is still printed beside another finding on its line.
pub(super) fn mask_candidates(hits: &mut [Hit], mut candidates: Vec<Range<usize>>) {
    if hits.is_empty() {
        return;
    }
    candidates.sort_by_key(|c| (c.start, c.end));
    candidates.dedup();
    let longest = candidates.iter().map(|c| c.len()).max().unwrap_or(0);
    for hit in hits.iter_mut().filter(|h| !h.finding.file_rule) {
        let excerpt = hit.excerpt.clone();
        // Candidates are sorted by start, and none is longer than `longest`.
        let from = candidates.partition_point(|c| c.start + longest <= excerpt.start);
        hit.finding.hidden_in_line = candidates[from..]
            .iter()
            .take_while(|c| c.start < excerpt.end)
            .filter(|c| c.end > excerpt.start)
            .map(|c| {
                c.start.max(excerpt.start) - excerpt.start..c.end.min(excerpt.end) - excerpt.start
            })
            .collect();
    }
}

/// Drops a generic rule's hit where a specific rule matched overlapping
/// text (even if that match was allowed or failed its format check), and
/// repeated hits of one span, keeping the first rule's; then drops claimed
/// hits (allowed, rejected, not secret), and file-name hits in a file whose
/// content already has a finding (the content finding says which secret to
/// rotate). With `dropped`, records each dropped hit and why.
pub(super) fn prefer_specific(
    mut hits: Vec<Hit>,
    mut dropped: Option<&mut Vec<Considered>>,
) -> Vec<Finding> {
    hits.sort_by_key(|h| (h.generic && !h.claims_text_first(), h.span.start));
    let mut kept: Vec<Hit> = Vec::with_capacity(hits.len());
    for hit in hits {
        let overlaps = |k: &Hit| {
            k.finding.file_rule == hit.finding.file_rule
                && k.span.start < hit.span.end.max(hit.span.start + 1)
                && hit.span.start < k.span.end.max(k.span.start + 1)
        };
        let earlier = kept.iter().find(|k| {
            (k.span == hit.span
                && k.finding.file_rule == hit.finding.file_rule
                && !hit.finding.file_rule)
                || (hit.generic && !hit.finding.file_rule && overlaps(k))
        });
        match earlier {
            None => kept.push(hit),
            Some(earlier) => {
                let rule = earlier.finding.rule_id.clone();
                let reason = if hit.generic && !earlier.generic {
                    DropReason::SpecificRuleWins { rule }
                } else {
                    DropReason::SameTextAsRule { rule }
                };
                record(&mut dropped, hit.finding, reason);
            }
        }
    }
    let (claimed, mut kept): (Vec<Hit>, Vec<Hit>) =
        kept.into_iter().partition(|h| h.claimed.is_some());
    for hit in claimed {
        let reason = hit.claimed.expect("partitioned on a claim");
        record(&mut dropped, hit.finding, reason);
    }
    if kept.iter().any(|h| !h.finding.file_rule) {
        let (files, content): (Vec<Hit>, Vec<Hit>) =
            kept.into_iter().partition(|h| h.finding.file_rule);
        kept = content;
        let files = files.into_iter().map(|h| h.finding).collect();
        record_all(&mut dropped, files, DropReason::ContentFindingInFile);
    }
    kept.into_iter().map(|h| h.finding).collect()
}

/// Notes a dropped finding, when the caller asked for them.
fn record(dropped: &mut Option<&mut Vec<Considered>>, finding: Finding, reason: DropReason) {
    if let Some(dropped) = dropped.as_deref_mut() {
        dropped.push(Considered {
            finding,
            dropped: Some(reason),
        });
    }
}

/// Notes several findings dropped for one reason.
pub(super) fn record_all(
    dropped: &mut Option<&mut Vec<Considered>>,
    findings: Vec<Finding>,
    reason: DropReason,
) {
    for finding in findings {
        record(dropped, finding, reason.clone());
    }
}
