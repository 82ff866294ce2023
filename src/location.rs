//! Byte offsets to lines and columns, in one place so every report agrees.
//!
//! Lines are 1-based and end at `\n`; a `\r` before it belongs to the line
//! ending, never to the line's text. Columns are 1-based and counted in
//! characters: each UTF-8 scalar value is one, and each byte that is not
//! part of a valid UTF-8 sequence is one (the same unit in which
//! [`crate::path::escape_for_terminal`] shows it). Content is never required
//! to be valid UTF-8.
//!
//! Finding a column costs time proportional to the distance from the start
//! of its line, so on a single 60 MB minified line the index remembers where
//! it last counted and continues from there for later offsets on that line.

use std::cell::Cell;

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// Start offsets of every line of a text, built once per scanned blob and
/// only when a candidate match needs a location.
pub struct LineIndex<'a> {
    text: &'a [u8],
    starts: Vec<usize>,
    /// The last column computed: (byte offset, 1-based column). Only offsets
    /// where a character starts are kept, so counting on from one gives the
    /// same answer as counting from the start of the line.
    checkpoint: Cell<(usize, u32)>,
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a [u8]) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 40 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text).map(|i| i + 1));
        LineIndex {
            text,
            starts,
            checkpoint: Cell::new((0, 1)),
        }
    }

    /// How many lines the text has (a final line without `\n` counts).
    pub fn line_count(&self) -> usize {
        if self.text.last() == Some(&b'\n') {
            self.starts.len() - 1
        } else {
            self.starts.len()
        }
    }

    /// The 0-based index of the line holding `offset`.
    fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// The line and column of the byte at `offset` (which may be the text's
    /// length, the position just past its end).
    pub fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = self.line_of(offset);
        let line_start = self.starts[line];
        let (from, column_at_from) = match self.checkpoint.get() {
            (at, column) if at >= line_start && at <= offset => (at, column),
            _ => (line_start, 1),
        };
        let column = column_at_from + char_count(&self.text[from..offset]) as u32;
        if starts_character(self.text, offset) {
            self.checkpoint.set((offset, column));
        }
        Position {
            line: line as u32 + 1,
            column,
        }
    }

    /// The position of the last byte of a non-empty span ending at `end`.
    pub fn end_position(&self, start: usize, end: usize) -> Position {
        self.position(end.max(start + 1) - 1)
    }

    /// The byte range of the line holding `offset`, without its line ending
    /// (`\n` or `\r\n`).
    pub fn line_range(&self, offset: usize) -> std::ops::Range<usize> {
        let line = self.line_of(offset.min(self.text.len()));
        let start = self.starts[line];
        let mut end = self
            .starts
            .get(line + 1)
            .map_or(self.text.len(), |next| next - 1);
        if end > start && self.text[end - 1] == b'\r' {
            end -= 1;
        }
        start..end
    }
}

impl LineIndex<'_> {
    /// The bytes of 1-based lines `first` up to (not including) `end`, with
    /// their line endings; clipped to the text.
    pub fn byte_range_of_lines(&self, first: u32, end: u32) -> std::ops::Range<usize> {
        let start_of = |line: u32| {
            let i = (line.max(1) - 1) as usize;
            self.starts.get(i).copied().unwrap_or(self.text.len())
        };
        start_of(first)..start_of(end).max(start_of(first))
    }
}

/// True when a character (or an invalid byte) starts at `offset`: the byte
/// there cannot continue a UTF-8 sequence, so counting characters up to it
/// and on from it adds up to counting across it.
fn starts_character(text: &[u8], offset: usize) -> bool {
    text.get(offset).is_none_or(|&b| (b & 0xC0) != 0x80)
}

/// Characters in a byte string: valid UTF-8 scalar values count one each,
/// and so does every byte of an invalid sequence.
pub fn char_count(bytes: &[u8]) -> usize {
    bytes
        .utf8_chunks()
        .map(|chunk| {
            let valid = chunk.valid().as_bytes();
            // In valid UTF-8 every byte that is not a continuation byte
            // starts a character; counting them avoids decoding.
            valid.iter().filter(|&&b| (b & 0xC0) != 0x80).count() + chunk.invalid().len()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "ab\ncé x\r\nlast".as_bytes();
        let index = LineIndex::new(text);
        assert_eq!(index.position(0), Position { line: 1, column: 1 });
        let x = text.iter().position(|&b| b == b'x').unwrap();
        assert_eq!(index.position(x), Position { line: 2, column: 4 });
        assert_eq!(&text[index.line_range(x)], "cé x".as_bytes());
        let last = text.len() - 1;
        assert_eq!(index.position(last), Position { line: 3, column: 4 });
        assert_eq!(
            &text[index.byte_range_of_lines(2, 3)],
            "cé x\r\n".as_bytes()
        );
        assert_eq!(&text[index.byte_range_of_lines(3, 9)], b"last");
        assert_eq!(index.byte_range_of_lines(7, 9), text.len()..text.len());
        assert_eq!(index.line_count(), 3);
    }

    #[test]
    fn invalid_bytes_count_one_column_each() {
        // A stray continuation byte, a truncated sequence and a lone lead
        // byte: five invalid bytes, then `K` in column 6.
        let text = b"\x80\xe2\x82\xff\xc3K";
        assert_eq!(LineIndex::new(text).position(5).column, 6);
        // The same bytes after valid text.
        let text = "é\u{20ac}\x00".as_bytes();
        assert_eq!(LineIndex::new(text).position(text.len() - 1).column, 3);
    }

    #[test]
    fn crlf_is_not_part_of_the_line() {
        let text = b"key\r\nnext\r\n";
        let index = LineIndex::new(text);
        assert_eq!(&text[index.line_range(0)], b"key");
        assert_eq!(&text[index.line_range(5)], b"next");
        // A file that ends in `\r` without `\n` ends its last line the same way.
        assert_eq!(&b"a\r"[LineIndex::new(b"a\r").line_range(0)], b"a");
    }

    #[test]
    fn later_offsets_on_a_long_line_agree_with_counting_from_its_start() {
        let line = "é€x\u{1F600}".repeat(1000);
        let text = format!("first\n{line}\n");
        let bytes = text.as_bytes();
        let index = LineIndex::new(bytes);
        for offset in (6..bytes.len()).step_by(37) {
            let fresh = LineIndex::new(bytes).position(offset);
            assert_eq!(index.position(offset), fresh, "offset {offset}");
        }
        // Going back to an earlier offset is still right.
        assert_eq!(index.position(6), Position { line: 2, column: 1 });
    }

    /// The reference: decode the line's bytes the slow way.
    fn naive_position(text: &[u8], offset: usize) -> Position {
        let before = &text[..offset];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        let mut column = 1;
        for chunk in text[line_start..offset].utf8_chunks() {
            column += chunk.valid().chars().count() + chunk.invalid().len();
        }
        Position {
            line: line as u32,
            column: column as u32,
        }
    }

    fn texty_bytes() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(
            prop_oneof![
                Just(b'\n'),
                Just(b'\r'),
                Just(0xc3),
                Just(0xa9),
                Just(0xe2),
                Just(0x82),
                Just(0xac),
                Just(0xff),
                b'a'..=b'z',
                any::<u8>(),
            ],
            0..300,
        )
    }

    proptest! {
        #[test]
        fn positions_match_a_naive_count(
            text in texty_bytes(),
            picks in proptest::collection::vec(any::<prop::sample::Index>(), 1..20),
        ) {
            let index = LineIndex::new(&text);
            for pick in picks {
                let offset = pick.index(text.len() + 1);
                // In any order, and also in the middle of a character.
                prop_assert_eq!(index.position(offset), naive_position(&text, offset));
            }
        }

        #[test]
        fn line_ranges_hold_no_line_ending(text in texty_bytes(), pick in any::<prop::sample::Index>()) {
            let index = LineIndex::new(&text);
            let offset = pick.index(text.len() + 1);
            let range = index.line_range(offset);
            prop_assert!(range.start <= range.end && range.end <= text.len());
            let line = &text[range.clone()];
            prop_assert!(!line.contains(&b'\n'));
            prop_assert!(range.start <= offset.min(text.len()));
            prop_assert!(offset <= range.end || offset >= text.len() || text.get(offset) == Some(&b'\n')
                || text.get(offset) == Some(&b'\r'));
            let rest = &text[range.end..];
            prop_assert!(
                rest.is_empty() || rest == b"\r" || rest.starts_with(b"\n") || rest.starts_with(b"\r\n"),
                "the line ends at its line ending"
            );
        }
    }
}
