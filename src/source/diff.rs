//! Which lines of a new blob are added or changed relative to the old one:
//! a line diff, so an untouched or deleted secret never blocks a commit.
//!
//! Both sides are diffed as the engine will read them ([`text_for_scanning`]:
//! UTF-16 decoded), so line numbers agree with the lines the engine reports.

use imara_diff::{Algorithm, Diff, InternedInput, sources::byte_lines};

use crate::content::text_for_scanning;
use crate::engine::AddedLines;

pub fn added_lines(old: &[u8], new: &[u8]) -> AddedLines {
    let (old, new) = (text_for_scanning(old), text_for_scanning(new));
    let input = InternedInput::new(byte_lines(&old), byte_lines(&new));
    let diff = Diff::compute(Algorithm::Histogram, &input);
    let ranges = diff
        .hunks()
        .filter(|hunk| !hunk.after.is_empty())
        .map(|hunk| hunk.after.start + 1..hunk.after.end + 1)
        .collect();
    AddedLines::Ranges(ranges)
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
        const PIECES: [&[u8]; 6] = [b"a\n", b"b\n", b"key\n", b"c", b"\n", b"a\r\n"];
        proptest::collection::vec(proptest::sample::select(&PIECES[..]), 0..12)
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
    }
}
