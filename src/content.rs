//! What a blob's bytes are as text, decided once for every source and the
//! engine: a UTF-16 file with a byte-order mark is decoded to UTF-8, a UTF-8
//! byte-order mark is dropped, and a Git LFS pointer is recognised as a
//! pointer rather than content.
//!
//! Everything else is scanned as the bytes it is: content need not be valid
//! UTF-8. Decoding never fails; what cannot be decoded becomes U+FFFD.
//!
//! Lines and columns are reported in the decoded text. For UTF-16 that is
//! what an editor shows: decoding keeps every line break and every
//! character, so line N and character column C of the decoded text are line
//! N and column C of the file (the byte-order mark is not a column, as it
//! is in no editor). The line diff of a staged change runs on the decoded
//! text too, so "which lines are new" uses the same lines.
//!
//! A UTF-16 file can end in plain ASCII: `echo KEY=... >> file` or
//! PowerShell's `Add-Content` append single bytes to it. Decoded as UTF-16,
//! that text turns into CJK noise and a key in it would be lost. ASCII text
//! in UTF-16 has a NUL byte in every code unit, so a long run of ASCII text
//! bytes without any NUL at the end of the file is such an appended part:
//! it is kept as the bytes it is, after the decoded UTF-16 part. (UTF-16
//! text that merely looks like such a run is made of CJK characters whose
//! bytes happen to be printable; no ASCII key can hide in it, so nothing is
//! lost by reading it as bytes.) The text to scan is this one view, and the
//! line diff reads the same view, so new lines are counted in what is
//! scanned.

use std::borrow::Cow;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
const UTF16_LE_BOM: &[u8] = b"\xFF\xFE";
const UTF16_BE_BOM: &[u8] = b"\xFE\xFF";

/// The text to scan: borrowed unless the blob is UTF-16.
pub fn text_for_scanning(bytes: &[u8]) -> Cow<'_, [u8]> {
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return Cow::Borrowed(rest);
    }
    if let Some(rest) = bytes.strip_prefix(UTF16_LE_BOM) {
        return Cow::Owned(decode_utf16_and_appended_ascii(rest, u16::from_le_bytes));
    }
    if let Some(rest) = bytes.strip_prefix(UTF16_BE_BOM) {
        return Cow::Owned(decode_utf16_and_appended_ascii(rest, u16::from_be_bytes));
    }
    Cow::Borrowed(bytes)
}

/// A run of ASCII text bytes at least this long, with no NUL byte, cannot
/// be ASCII text in UTF-16, and is unlikely to be CJK text by chance: for
/// typical Chinese text about one character in five has two printable
/// bytes, so eight in a row happen about once in 400,000 files. A secret
/// is longer than this.
const APPENDED_ASCII_MIN_LEN: usize = 16;

/// The UTF-16 part decoded, then the ASCII text appended to it (see the
/// module docs) as it is.
fn decode_utf16_and_appended_ascii(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Vec<u8> {
    let appended = appended_ascii_len(bytes);
    let (utf16, ascii) = bytes.split_at(bytes.len() - appended);
    let mut text = decode_utf16(utf16, unit);
    text.extend_from_slice(ascii);
    text
}

/// How many bytes at the end of `bytes` (the part after a UTF-16 BOM) are
/// ASCII text appended in a single-byte encoding; 0 if none.
fn appended_ascii_len(bytes: &[u8]) -> usize {
    let is_text = |b: &u8| matches!(b, b'\t' | b'\n' | b'\r' | 0x20..=0x7e);
    let mut run = bytes.iter().rev().take_while(|b| is_text(b)).count();
    if run < APPENDED_ASCII_MIN_LEN {
        return 0;
    }
    // The UTF-16 part has whole code units: a run that starts inside one
    // (its printable high byte) gives that byte back.
    if (bytes.len() - run) % 2 == 1 {
        run -= 1;
    }
    run
}

fn decode_utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Vec<u8> {
    let units = bytes.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    let mut text = String::with_capacity(bytes.len() / 2 + 3);
    for c in char::decode_utf16(units) {
        text.push(c.unwrap_or(char::REPLACEMENT_CHARACTER));
    }
    if bytes.len() % 2 == 1 {
        // A file cut in the middle of a code unit.
        text.push(char::REPLACEMENT_CHARACTER);
    }
    text.into_bytes()
}

/// The first line of every Git LFS pointer file.
const LFS_VERSION_LINE: &[u8] = b"version https://git-lfs.github.com/spec/v1";
/// Git LFS writes pointers far smaller than this; anything bigger is a file
/// that merely starts like one.
const LFS_POINTER_MAX_LEN: usize = 1024;

/// True for a Git LFS pointer: the version line, then only the keys the
/// pointer format defines (`oid sha256:<64 hex>`, `size <digits>`,
/// `ext-N-name sha256:<64 hex>`). A file that starts like a pointer but
/// carries anything else is scanned like any other file, so the header
/// cannot be used to hide a secret.
pub fn is_lfs_pointer(bytes: &[u8]) -> bool {
    if bytes.len() > LFS_POINTER_MAX_LEN || !bytes.starts_with(LFS_VERSION_LINE) {
        return false;
    }
    let mut lines = bytes.split(|&b| b == b'\n');
    if lines.next() != Some(LFS_VERSION_LINE) {
        return false;
    }
    let mut has_oid = false;
    for line in lines {
        if line.is_empty() {
            continue;
        }
        let Some(space) = line.iter().position(|&b| b == b' ') else {
            return false;
        };
        let (key, value) = (&line[..space], &line[space + 1..]);
        let ok = match key {
            b"oid" => {
                has_oid = true;
                is_sha256_oid(value)
            }
            b"size" => !value.is_empty() && value.iter().all(u8::is_ascii_digit),
            _ => is_extension_key(key) && is_sha256_oid(value),
        };
        if !ok {
            return false;
        }
    }
    has_oid
}

fn is_sha256_oid(value: &[u8]) -> bool {
    value
        .strip_prefix(b"sha256:")
        .is_some_and(|hex| hex.len() == 64 && hex.iter().all(|b| b"0123456789abcdef".contains(b)))
}

/// `ext-<digit>-<name>`, as the pointer format defines extension keys.
fn is_extension_key(key: &[u8]) -> bool {
    key.strip_prefix(b"ext-").is_some_and(|rest| {
        rest.len() > 2
            && rest[0].is_ascii_digit()
            && rest[1] == b'-'
            && rest[2..]
                .iter()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn utf16le(text: &str) -> Vec<u8> {
        let mut bytes = UTF16_LE_BOM.to_vec();
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        bytes
    }

    #[test]
    fn utf16_with_a_bom_is_decoded_both_byte_orders() {
        let text = "a = 1\r\nkey = \"é€😀\"\n";
        assert_eq!(&*text_for_scanning(&utf16le(text)), text.as_bytes());
        let mut be = UTF16_BE_BOM.to_vec();
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(&*text_for_scanning(&be), text.as_bytes());
    }

    #[test]
    fn ascii_appended_to_utf16_is_kept_as_it_is_both_byte_orders() {
        let appended = "aws_key = AKIAD7RGN7SS555HMTF6\n";
        let mut le = utf16le("a = 1\r\nb = \"é\"\r\n");
        le.extend_from_slice(appended.as_bytes());
        assert_eq!(
            &*text_for_scanning(&le),
            format!("a = 1\r\nb = \"é\"\r\n{appended}").as_bytes()
        );
        let mut be = UTF16_BE_BOM.to_vec();
        be.extend("x\n".encode_utf16().flat_map(u16::to_be_bytes));
        be.extend_from_slice(appended.as_bytes());
        assert_eq!(
            &*text_for_scanning(&be),
            format!("x\n{appended}").as_bytes()
        );
        // Only a BOM, then ASCII: `echo >>` on an empty UTF-16 file.
        let mut bom_only = UTF16_LE_BOM.to_vec();
        bom_only.extend_from_slice(appended.as_bytes());
        assert_eq!(&*text_for_scanning(&bom_only), appended.as_bytes());
    }

    #[test]
    fn a_utf16_file_ending_in_printable_code_units_gives_back_half_units() {
        // "中" is 0x4E2D: bytes 2D 4E in little-endian, both printable. A
        // CJK character with one printable byte (U+7F4A: 4A 7F) before the
        // appended run must stay whole.
        let mut bytes = utf16le("k\n\u{7f4a}");
        bytes.extend_from_slice(b"token = abcdefghijklmnop\n");
        assert_eq!(
            &*text_for_scanning(&bytes),
            "k\n\u{7f4a}token = abcdefghijklmnop\n".as_bytes()
        );
        // A short run is UTF-16, as the file says.
        assert_eq!(&*text_for_scanning(&utf16le("中中中")), "中中中".as_bytes());
    }

    #[test]
    fn broken_utf16_decodes_to_replacement_characters() {
        // An unpaired surrogate and an odd trailing byte.
        let bytes = b"\xFF\xFEa\x00\x00\xD8b\x00z";
        assert_eq!(&*text_for_scanning(bytes), "a\u{FFFD}b\u{FFFD}".as_bytes());
    }

    #[test]
    fn other_text_is_borrowed_as_it_is() {
        assert!(matches!(
            text_for_scanning(b"plain"),
            Cow::Borrowed(b"plain")
        ));
        assert!(matches!(
            text_for_scanning(b"\xEF\xBB\xBFbom"),
            Cow::Borrowed(b"bom")
        ));
        assert!(matches!(
            text_for_scanning(b"\xff\xfe"),
            Cow::Owned(ref v) if v.is_empty()
        ));
    }

    const POINTER: &str = "version https://git-lfs.github.com/spec/v1\n\
        oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n\
        size 12345\n";

    #[test]
    fn lfs_pointers_are_recognised() {
        assert!(is_lfs_pointer(POINTER.as_bytes()));
        let with_ext = POINTER.replace(
            "oid",
            "ext-0-foo sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\noid",
        );
        assert!(is_lfs_pointer(with_ext.as_bytes()));
    }

    #[test]
    fn a_file_that_only_starts_like_a_pointer_is_not_one() {
        let smuggled = format!("{POINTER}aws_key = AKIAD7RGN7SS555HMTF6\n");
        assert!(!is_lfs_pointer(smuggled.as_bytes()));
        let bad_oid = POINTER.replace("sha256:4d7a", "sha256:XXXX");
        assert!(!is_lfs_pointer(bad_oid.as_bytes()));
        let no_oid = "version https://git-lfs.github.com/spec/v1\nsize 1\n";
        assert!(!is_lfs_pointer(no_oid.as_bytes()));
        let long = format!("{POINTER}{}", "\n".repeat(2000));
        assert!(!is_lfs_pointer(long.as_bytes()));
    }

    proptest! {
        #[test]
        fn any_text_survives_a_utf16_round_trip(text in any::<String>()) {
            let encoded = utf16le(&text);
            prop_assert_eq!(&*text_for_scanning(&encoded), text.as_bytes());
        }

        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            let _ = text_for_scanning(&bytes);
            let _ = is_lfs_pointer(&bytes);
        }
    }
}
