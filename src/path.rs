//! Repository paths as git stores them: `/`-separated bytes that need not be
//! UTF-8. Display escapes anything that could steer a terminal.

use std::fmt;

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RepoPath(Vec<u8>);

impl RepoPath {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        RepoPath(bytes.into())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// For JSON, SARIF and glob matching: invalid UTF-8 becomes U+FFFD.
    pub fn to_string_lossy(&self) -> String {
        String::from_utf8_lossy(&self.0).into_owned()
    }

    /// The last path component.
    pub fn file_name(&self) -> &[u8] {
        match self.0.iter().rposition(|&b| b == b'/') {
            Some(i) => &self.0[i + 1..],
            None => &self.0,
        }
    }
}

impl fmt::Display for RepoPath {
    /// Escaped for a terminal: control characters, escapes and invalid UTF-8
    /// are shown as `\xNN`-style escapes rather than written raw.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&escape_for_terminal(&self.0))
    }
}

impl fmt::Debug for RepoPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.to_string_lossy())
    }
}

/// Text that is safe to print on a terminal: printable characters as they
/// are, everything else (control characters, ESC, DEL, C1 controls, bytes
/// that are not UTF-8) escaped.
pub fn escape_for_terminal(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\\' => out.push_str("\\\\"),
                c if c.is_control() || is_invisible_control(c) => {
                    out.push_str(&format!("\\u{{{:x}}}", c as u32))
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// For messages of several lines (errors, notices) that may quote
/// repository text: control and bidirectional characters are escaped as
/// [`escape_for_terminal`] does, but line breaks are kept and backslashes
/// are left alone, so a path the message already escaped is not escaped
/// twice. Repository text must reach such a message through
/// [`escape_line_for_terminal`] first, or it could break a line of its own.
pub fn escape_lines_for_terminal(text: &str) -> String {
    escape_message(text, true)
}

/// For one line of a message that quotes repository text (a config key, a
/// TOML parser's message about it, a warning): as
/// [`escape_lines_for_terminal`], but a line break is escaped too, so the
/// quoted text cannot start a line that looks like leakgate's own.
pub fn escape_line_for_terminal(text: &str) -> String {
    escape_message(text, false)
}

fn escape_message(text: &str, keep_newlines: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' if keep_newlines => out.push('\n'),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || is_invisible_control(c) => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    out
}

/// Characters that are not control characters to Rust but still change
/// what a reader sees: bidirectional controls (embeddings, overrides,
/// isolates, and the LRM, RLM and ALM marks) make a line read differently
/// from its bytes, and the line and paragraph separators break a line
/// where a terminal, editor or JavaScript viewer shows none (or one).
pub fn is_invisible_control(c: char) -> bool {
    matches!(
        c,
        '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{061c}'
            | '\u{2028}'
            | '\u{2029}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_invalid_bytes() {
        assert_eq!(escape_for_terminal(b"a\x1b[31mb"), "a\\u{1b}[31mb");
        assert_eq!(escape_for_terminal(b"x\xffy"), "x\\xffy");
        assert_eq!(escape_for_terminal("é ok".as_bytes()), "é ok");
        assert_eq!(RepoPath::new("dir/n\nl").to_string(), "dir/n\\nl");
        assert_eq!(RepoPath::new("a/b/c.env").file_name(), b"c.env");
        assert_eq!(
            escape_lines_for_terminal("one \x1b]0;t\x07\ntwo\r a\\u{1b}"),
            "one \\u{1b}]0;t\\u{7}\ntwo\\r a\\u{1b}"
        );
    }

    #[test]
    fn arabic_letter_mark_and_unicode_line_breaks_are_escaped() {
        let text = "a\u{61c}b\u{2028}c\u{2029}d\u{85}e";
        let expected = "a\\u{61c}b\\u{2028}c\\u{2029}d\\u{85}e";
        assert_eq!(escape_for_terminal(text.as_bytes()), expected);
        assert_eq!(escape_lines_for_terminal(text), expected);
    }

    #[test]
    fn one_line_of_a_message_keeps_no_line_break() {
        let key = "x\nleakgate: no secrets in 9 staged file(s)\r";
        assert_eq!(
            escape_line_for_terminal(key),
            "x\\nleakgate: no secrets in 9 staged file(s)\\r"
        );
        assert_eq!(escape_line_for_terminal("a\\nb"), "a\\nb");
    }

    /// What a terminal could act on: C0 and C1 controls, DEL, and the
    /// bidirectional controls that reorder what is displayed.
    fn is_dangerous(c: char) -> bool {
        c.is_control() || is_invisible_control(c)
    }

    proptest::proptest! {
        #[test]
        fn escaping_never_emits_a_control_character(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            let escaped = escape_for_terminal(&bytes);
            proptest::prop_assert!(!escaped.chars().any(is_dangerous), "{:?}", escaped);
            // Nothing is lost: printable ASCII other than `\` passes through.
            if bytes.iter().all(|b| (0x20..0x7f).contains(b) && *b != b'\\') {
                proptest::prop_assert_eq!(escaped.as_bytes(), &bytes[..]);
            }
        }

        #[test]
        fn escaping_text_never_emits_a_control_character(text in proptest::prelude::any::<String>()) {
            proptest::prop_assert!(!escape_for_terminal(text.as_bytes()).chars().any(is_dangerous));
            let lines = escape_lines_for_terminal(&text);
            proptest::prop_assert!(!lines.chars().any(|c| c != '\n' && is_dangerous(c)));
        }
    }
}
