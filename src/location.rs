//! Byte offsets to lines and columns, in one place so every report agrees.
//!
//! Lines are 1-based; columns are 1-based and counted in characters (UTF-8
//! scalar values; each byte of an invalid sequence counts as one).

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
}

impl<'a> LineIndex<'a> {
    pub fn new(text: &'a [u8]) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 40 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text).map(|i| i + 1));
        LineIndex { text, starts }
    }

    /// The 0-based index of the line holding `offset`.
    fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    pub fn position(&self, offset: usize) -> Position {
        let line = self.line_of(offset);
        let start = self.starts[line];
        Position {
            line: line as u32 + 1,
            column: char_count(&self.text[start..offset]) as u32 + 1,
        }
    }

    /// The position of the last byte of a non-empty span ending at `end`.
    pub fn end_position(&self, start: usize, end: usize) -> Position {
        self.position(end.max(start + 1) - 1)
    }

    /// The byte range of the line holding `offset`, without its line ending.
    pub fn line_range(&self, offset: usize) -> std::ops::Range<usize> {
        let line = self.line_of(offset);
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

/// Characters in a UTF-8 byte string: every byte that does not continue a
/// multi-byte sequence starts a character.
fn char_count(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b & 0xC0) != 0x80).count()
}

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
