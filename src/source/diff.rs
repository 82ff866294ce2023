//! Which lines of a new blob are added or changed relative to the old one:
//! a line diff, so an untouched or deleted secret never blocks a commit.

use imara_diff::{Algorithm, Diff, InternedInput, sources::byte_lines};

use crate::engine::AddedLines;

pub fn added_lines(old: &[u8], new: &[u8]) -> AddedLines {
    let input = InternedInput::new(byte_lines(old), byte_lines(new));
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

    #[test]
    fn reports_added_and_changed_lines_only() {
        let old = b"a\nb\nc\nd\n";
        let new = b"a\nB\nc\nd\ne\n";
        assert_eq!(added_lines(old, new), AddedLines::Ranges(vec![2..3, 5..6]));
        assert_eq!(added_lines(new, b"a\nc\n"), AddedLines::Ranges(vec![]));
        assert!(added_lines(b"", b"x").touches(1, 1));
    }
}
