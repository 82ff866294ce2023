//! Which lines of a new blob are added or changed relative to the old one:
//! a line diff, so an untouched or deleted secret never blocks a commit.
//! The staged, pre-push and history scans all use this one diff.
//!
//! Both sides are diffed as the engine will read them ([`text_for_scanning`]:
//! UTF-16 decoded), so line numbers agree with the lines the engine reports.
//!
//! The cost is bounded on every input, since a commit hook must never be
//! quadratic (a regenerated 400k-line JSON file once took 26 s here):
//! 1. Lines common to the start and the end are unchanged. They are found
//!    by comparing bytes, before any line is hashed: a typical commit
//!    changes a few lines of a file, and hashing every line of both
//!    versions was most of the diff's work.
//! 2. A line whose content the old middle never has is new, whatever the
//!    alignment; a line the new middle never has is a deletion. Neither
//!    takes part in the alignment (as in git's xdiff), so what is left to
//!    align is usually small.
//! 3. The rest is aligned by Myers' algorithm when a forward greedy pass,
//!    counting its work, finishes within [`work_budget`], proportional to
//!    the lines left; else each line whose content occurs more often in
//!    the new middle than in the old is new (a line-multiset comparison,
//!    linear).
//!
//! Either way no line an exact diff would report as new is dropped, except
//! a line whose content the old blob already had: a line the alignment
//! calls unchanged is matched with an identical old line, and the fallback
//! only drops contents that occur at least as often in the old middle.

use std::ops::Range;

use imara_diff::{Algorithm, Diff, InternedInput, Token, sources::byte_lines};

use crate::content::text_for_scanning;
use crate::engine::AddedLines;

pub fn added_lines(old: &[u8], new: &[u8]) -> AddedLines {
    added_lines_within(old, new, work_budget)
}

/// [`added_lines`] with the alignment's work limited by `budget`.
fn added_lines_within(old: &[u8], new: &[u8], budget: fn(usize) -> u64) -> AddedLines {
    let (old, new) = (text_for_scanning(old), text_for_scanning(new));
    let common = CommonEnds::of(&old, &new);
    let (old, new) = (common.middle(&old), common.middle(&new));
    let input = InternedInput::new(byte_lines(old), byte_lines(new));
    let flags = new_line_flags(
        &input.before,
        &input.after,
        input.interner.num_tokens(),
        budget,
    );
    AddedLines::Ranges(ranges(&flags, common.prefix_lines))
}

/// The whole lines two texts share at their start and at their end, which
/// the diff leaves out: they are unchanged.
struct CommonEnds {
    /// Bytes of the shared leading lines.
    prefix: usize,
    /// How many lines those are.
    prefix_lines: u32,
    /// Bytes of the shared trailing lines (not overlapping the prefix).
    suffix: usize,
}

impl CommonEnds {
    fn of(old: &[u8], new: &[u8]) -> Self {
        // The shared bytes, cut back to the last line break in them.
        let same = common_prefix_len(old, new);
        let prefix = memchr::memrchr(b'\n', &old[..same]).map_or(0, |i| i + 1);
        let prefix_lines = memchr::memchr_iter(b'\n', &old[..prefix]).count() as u32;
        let (old_rest, new_rest) = (&old[prefix..], &new[prefix..]);
        let same = common_suffix_len(old_rest, new_rest);
        // The shared end must start a line on both sides. Where the shared
        // bytes reach back to the prefix on one side, that side starts a
        // line there; else the byte before them differs, and the shared
        // lines start after the first line break among them.
        let starts_line = |rest: &[u8]| rest.len() == same || rest[rest.len() - same - 1] == b'\n';
        let suffix = match starts_line(old_rest) && starts_line(new_rest) {
            true => same,
            false => {
                let shared = &old_rest[old_rest.len() - same..];
                memchr::memchr(b'\n', shared).map_or(0, |i| same - i - 1)
            }
        };
        CommonEnds {
            prefix,
            prefix_lines,
            suffix,
        }
    }

    /// What is left of `text` between the shared lines.
    fn middle<'t>(&self, text: &'t [u8]) -> &'t [u8] {
        &text[self.prefix..text.len() - self.suffix]
    }
}

/// How many bytes `a` and `b` share at their start. Blocks are compared
/// first, as one `memcmp` each.
fn common_prefix_len(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 64;
    let len = a.len().min(b.len());
    let mut at = 0;
    while at + BLOCK <= len && a[at..at + BLOCK] == b[at..at + BLOCK] {
        at += BLOCK;
    }
    at + a[at..len]
        .iter()
        .zip(&b[at..len])
        .take_while(|(x, y)| x == y)
        .count()
}

/// How many bytes `a` and `b` share at their end.
fn common_suffix_len(a: &[u8], b: &[u8]) -> usize {
    const BLOCK: usize = 64;
    let len = a.len().min(b.len());
    let (a, b) = (&a[a.len() - len..], &b[b.len() - len..]);
    let mut shared = 0;
    while shared + BLOCK <= len
        && a[len - shared - BLOCK..len - shared] == b[len - shared - BLOCK..len - shared]
    {
        shared += BLOCK;
    }
    shared
        + a[..len - shared]
            .iter()
            .rev()
            .zip(b[..len - shared].iter().rev())
            .take_while(|(x, y)| x == y)
            .count()
}

/// How much work the alignment of `lines` lines may take: steps of the
/// greedy pass, linear in the input with room for a few thousand edits on
/// small files.
fn work_budget(lines: usize) -> u64 {
    32 * lines as u64 + 4_000_000
}

/// For each line of `after`, whether it is new relative to `before` (the
/// middles of the texts: their [`CommonEnds`] are left out already).
fn new_line_flags(
    before: &[Token],
    after: &[Token],
    num_tokens: u32,
    budget: fn(usize) -> u64,
) -> Vec<bool> {
    let mut flags = vec![false; after.len()];
    let mut old_count = vec![0u32; num_tokens as usize];
    let mut new_count = vec![0u32; num_tokens as usize];
    for t in before {
        old_count[t.0 as usize] += 1;
    }
    for t in after {
        new_count[t.0 as usize] += 1;
    }
    let old_kept: Vec<Token> = before
        .iter()
        .copied()
        .filter(|t| new_count[t.0 as usize] > 0)
        .collect();
    let mut new_kept = Vec::new();
    let mut new_index = Vec::new();
    for (i, t) in after.iter().enumerate() {
        if old_count[t.0 as usize] == 0 {
            flags[i] = true;
        } else {
            new_kept.push(*t);
            new_index.push(i);
        }
    }
    let budget = budget(old_kept.len() + new_kept.len());
    if greedy_fits(&old_kept, &new_kept, budget) {
        let mut diff = Diff::default();
        diff.compute_with(Algorithm::Myers, &old_kept, &new_kept, num_tokens);
        for (j, &index) in new_index.iter().enumerate() {
            if diff.is_added(j as u32) {
                flags[index] = true;
            }
        }
    } else {
        for (t, &index) in new_kept.iter().zip(&new_index) {
            if new_count[t.0 as usize] > old_count[t.0 as usize] {
                flags[index] = true;
            }
        }
    }
    flags
}

/// Whether Myers' forward greedy pass over `a` and `b` ends within
/// `budget` steps (diagonals tried plus lines matched): the cost of the
/// alignment, measured instead of guessed. Memory is linear.
fn greedy_fits(a: &[Token], b: &[Token], budget: u64) -> bool {
    let (n, m) = (a.len() as i64, b.len() as i64);
    if n == 0 || m == 0 {
        return true;
    }
    let max = n + m;
    let mut reach = vec![0i64; 2 * max as usize + 2];
    let at = |k: i64| (k + max) as usize;
    let mut steps = 0u64;
    for d in 0..=max {
        let mut k = -d;
        while k <= d {
            steps += 1;
            let mut x = if k == -d || (k != d && reach[at(k - 1)] < reach[at(k + 1)]) {
                reach[at(k + 1)]
            } else {
                reach[at(k - 1)] + 1
            };
            let mut y = x - k;
            while x < n && y < m && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
                steps += 1;
            }
            reach[at(k)] = x;
            if x >= n && y >= m {
                return true;
            }
            if steps > budget {
                return false;
            }
            k += 2;
        }
    }
    true
}

/// 1-based, end-exclusive ranges of the flagged lines, which follow
/// `skipped` lines.
fn ranges(flags: &[bool], skipped: u32) -> Vec<Range<u32>> {
    let mut out: Vec<Range<u32>> = Vec::new();
    for (i, _) in flags.iter().enumerate().filter(|(_, f)| **f) {
        let line = skipped + i as u32 + 1;
        match out.last_mut() {
            Some(last) if last.end == line => last.end = line + 1,
            _ => out.push(line..line + 1),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reports_added_and_changed_lines_only() {
        let old = b"a\nb\nc\nd\n";
        let new = b"a\nB\nc\nd\ne\n";
        assert_eq!(added_lines(old, new), AddedLines::Ranges(vec![2..3, 5..6]));
        assert_eq!(added_lines(new, b"a\nc\n"), AddedLines::Ranges(vec![]));
        assert!(added_lines(b"", b"x").touches(1, 1));
    }

    #[test]
    fn a_large_interleaved_rewrite_keeps_every_new_line() {
        // Two halves interleaved, every fourth line changed: Myers' work is
        // quadratic here, so the budget sends it to the linear fallback.
        let n = 200_000;
        let old: Vec<String> = (0..n)
            .map(|i| format!("  \"k{}\": {},\n", i % 977, i % 13))
            .collect();
        let mut new = Vec::with_capacity(n);
        for i in 0..n / 2 {
            for j in [i, i + n / 2] {
                new.push(match j % 4 {
                    0 => format!("  \"k{}\": \"changed {j}\",\n", j % 977),
                    _ => old[j].clone(),
                });
            }
        }
        let (old, new) = (old.concat(), new.concat());
        let (old_set, new_lines): (std::collections::HashSet<&[u8]>, Vec<&[u8]>) = (
            lines(old.as_bytes()).into_iter().collect(),
            lines(new.as_bytes()),
        );
        let added = added_lines(old.as_bytes(), new.as_bytes());
        for (i, line) in new_lines.iter().enumerate() {
            let number = i as u32 + 1;
            if !old_set.contains(line) {
                assert!(added.touches(number, number), "line {number} is new");
            }
        }
    }

    #[test]
    fn a_change_at_any_byte_is_the_one_line_reported() {
        // Long enough for several 64-byte blocks on both sides of each
        // change, so block boundaries fall everywhere relative to it.
        let old: Vec<u8> = (0..60)
            .flat_map(|i| format!("line {i:02}\n").into_bytes())
            .collect();
        for at in 0..old.len() {
            let mut new = old.clone();
            new[at] = b'#';
            let line = old[..at].iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            let changed_line = line..line + 1;
            assert_eq!(
                added_lines(&old, &new),
                AddedLines::Ranges(vec![changed_line]),
                "byte {at} changed"
            );
        }
    }

    #[test]
    fn utf16_files_are_diffed_by_their_decoded_lines() {
        let utf16 = |text: &str| {
            let mut bytes = vec![0xFF, 0xFE];
            bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
            bytes
        };
        // U+0A0A encodes as 0A 0A in UTF-16: raw bytes would see two line
        // breaks where the text has none.
        let old = utf16("a\n\u{0A0A}\nc\n");
        let new = utf16("a\n\u{0A0A}\nC\n");
        let changed_line = 3..4;
        assert_eq!(
            added_lines(&old, &new),
            AddedLines::Ranges(vec![changed_line])
        );
    }

    /// Lines with their terminators, as the diff compares them.
    fn lines(text: &[u8]) -> Vec<&[u8]> {
        text.split_inclusive(|&b| b == b'\n').collect()
    }

    fn is_subsequence(needle: &[&[u8]], haystack: &[&[u8]]) -> bool {
        let mut rest = haystack.iter();
        needle.iter().all(|n| rest.any(|h| h == n))
    }

    fn small_text() -> impl Strategy<Value = Vec<u8>> {
        text_of(0..12)
    }

    /// Texts long enough to span several 64-byte blocks.
    fn long_text() -> impl Strategy<Value = Vec<u8>> {
        text_of(0..120)
    }

    fn text_of(pieces: Range<usize>) -> impl Strategy<Value = Vec<u8>> {
        const PIECES: [&[u8]; 6] = [b"a\n", b"b\n", b"key\n", b"c", b"\n", b"a\r\n"];
        proptest::collection::vec(proptest::sample::select(&PIECES[..]), pieces)
            .prop_map(|parts| parts.concat())
    }

    proptest! {
        /// Against a naive reference: a line the old text never had is always
        /// new, and the lines called unchanged appear in the old text in order.
        #[test]
        fn added_lines_cover_every_line_that_is_new(old in small_text(), new in small_text()) {
            let AddedLines::Ranges(ranges) = added_lines(&old, &new) else {
                panic!("a diff gives ranges");
            };
            let (old_lines, new_lines) = (lines(&old), lines(&new));
            for pair in ranges.windows(2) {
                prop_assert!(pair[0].end <= pair[1].start, "sorted and disjoint: {:?}", ranges);
            }
            for range in &ranges {
                prop_assert!(1 <= range.start && range.start < range.end);
                prop_assert!(range.end as usize <= new_lines.len() + 1);
            }
            let added = AddedLines::Ranges(ranges.clone());
            let mut unchanged = Vec::new();
            for (i, line) in new_lines.iter().enumerate() {
                let number = i as u32 + 1;
                if !old_lines.contains(line) {
                    prop_assert!(added.touches(number, number), "line {} is new", number);
                }
                if !added.touches(number, number) {
                    unchanged.push(*line);
                }
            }
            prop_assert!(is_subsequence(&unchanged, &old_lines));
            if old == new {
                prop_assert!(ranges.is_empty());
            }
        }

        /// The shared ends leave out as many lines as the most whole lines
        /// the texts share at their start, then at their end (counted line
        /// by line), and each end is whole lines that both texts have there.
        #[test]
        fn the_shared_ends_are_the_shared_whole_lines(
            head in long_text(),
            old_middle in small_text(),
            new_middle in small_text(),
            tail in long_text(),
        ) {
            let old = [&head[..], &old_middle, &tail].concat();
            let new = [&head[..], &new_middle, &tail].concat();
            let (old_lines, new_lines) = (lines(&old), lines(&new));
            let prefix = old_lines.iter().zip(&new_lines).take_while(|(a, b)| a == b).count();
            let suffix = old_lines[prefix..]
                .iter()
                .rev()
                .zip(new_lines[prefix..].iter().rev())
                .take_while(|(a, b)| a == b)
                .count();
            let common = CommonEnds::of(&old, &new);
            let starts = lines(&old[..common.prefix]);
            prop_assert_eq!(&old[..common.prefix], &new[..common.prefix]);
            prop_assert!(common.prefix == 0 || old[common.prefix - 1] == b'\n');
            prop_assert_eq!(common.prefix_lines as usize, starts.len());
            let (old_end, new_end) = (old.len() - common.suffix, new.len() - common.suffix);
            prop_assert!(common.prefix <= old_end && common.prefix <= new_end);
            prop_assert_eq!(&old[old_end..], &new[new_end..]);
            for (text, end) in [(&old, old_end), (&new, new_end)] {
                let starts_line = end == common.prefix || text[end - 1] == b'\n';
                prop_assert!(common.suffix == 0 || starts_line);
            }
            let ends = lines(&old[old_end..]);
            prop_assert_eq!(starts.len() + ends.len(), prefix + suffix);
        }

        /// The linear fallback, forced by a zero budget: it may call more
        /// lines new than the exact diff, and drops only lines whose content
        /// the old text has.
        #[test]
        fn the_fallback_drops_only_lines_the_old_text_has(old in small_text(), new in small_text()) {
            let exact = added_lines(&old, &new);
            let fallback = added_lines_within(&old, &new, |_| 0);
            let (old_lines, new_lines) = (lines(&old), lines(&new));
            for (i, line) in new_lines.iter().enumerate() {
                let number = i as u32 + 1;
                if exact.touches(number, number) && !fallback.touches(number, number) {
                    prop_assert!(old_lines.contains(line), "line {} dropped", number);
                }
                if !old_lines.contains(line) {
                    prop_assert!(fallback.touches(number, number), "line {} is new", number);
                }
            }
            if old == new {
                prop_assert!(fallback == AddedLines::Ranges(Vec::new()));
            }
        }
    }
}
