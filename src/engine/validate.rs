//! Structural checks that confirm a match is a well-formed credential:
//! checksums, decodable JWTs, plausible PEM bodies. A token that fails its
//! own format's check is not reported, which keeps look-alikes quiet.

use base64::Engine as _;
use base64::alphabet;

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::rules::Validator;

/// Padding optional and unused trailing bits tolerated: secrets are cut out
/// of text, so their padding is not always intact.
const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const LENIENT_STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
const LENIENT_URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

pub fn validate(validator: Validator, secret: &[u8]) -> bool {
    match validator {
        Validator::GithubCrc32 | Validator::NpmCrc32 => crc32_token(secret),
        Validator::Jwt => jwt(secret),
        Validator::Pem => pem(secret),
        Validator::Base64Json => base64_json(secret),
        Validator::BasicAuth => basic_auth(secret),
    }
}

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// `prefix_` + 30 random characters + 6 characters of base62(CRC32(random)),
/// the scheme GitHub and npm use so a token can be checked offline.
fn crc32_token(secret: &[u8]) -> bool {
    let Some(underscore) = secret.iter().position(|&b| b == b'_') else {
        return false;
    };
    let body = &secret[underscore + 1..];
    if body.len() != 36 {
        return false;
    }
    let (random, checksum) = body.split_at(30);
    base62_padded(crc32fast::hash(random), 6).as_bytes() == checksum
}

fn base62_padded(mut value: u32, width: usize) -> String {
    let mut digits = Vec::with_capacity(width);
    while value > 0 {
        digits.push(BASE62[(value % 62) as usize]);
        value /= 62;
    }
    while digits.len() < width {
        digits.push(b'0');
    }
    digits.reverse();
    String::from_utf8(digits).expect("base62 digits are ASCII")
}

/// Header and payload are base64url JSON objects; the header names an `alg`.
fn jwt(secret: &[u8]) -> bool {
    let mut parts = secret.split(|&b| b == b'.');
    let (Some(header), Some(payload)) = (parts.next(), parts.next()) else {
        return false;
    };
    let decode_object = |part: &[u8]| -> Option<serde_json::Map<String, serde_json::Value>> {
        let bytes = LENIENT_URL_SAFE.decode(part).ok()?;
        match serde_json::from_slice(&bytes).ok()? {
            serde_json::Value::Object(map) => Some(map),
            _ => None,
        }
    };
    match (decode_object(header), decode_object(payload)) {
        (Some(header), Some(_)) => header.contains_key("alg") || header.contains_key("typ"),
        _ => false,
    }
}

/// The lines between BEGIN and END are base64 long enough to hold a key.
/// Tolerated around the base64, so a key pasted into code or config is
/// still recognised: `Name: value` headers (legacy encrypted keys'
/// Proc-Type/DEK-Info, PGP armour's Version/Comment), blank lines, CRLF,
/// indentation (YAML block scalars), string escapes (`\n`, `\\n`, `\r`),
/// quotes, commas, `+` concatenation and line-continuation backslashes, and
/// PGP armour's `=XXXX` CRC-24 checksum line.
fn pem(secret: &[u8]) -> bool {
    let text = String::from_utf8_lossy(secret);
    let mut body = String::new();
    for line in unescape_line_breaks(&text).lines() {
        let piece = strip_string_syntax(line);
        if piece.is_empty()
            || piece.starts_with("-----")
            || piece.contains(':')
            || is_armor_checksum(piece)
        {
            continue;
        }
        body.push_str(piece);
    }
    if body.len() < 64 {
        return false;
    }
    body.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
        && LENIENT_STANDARD.decode(&body).is_ok()
}

/// The base64 inside a line of a string literal: without indentation,
/// quotes, commas, semicolons, continuation backslashes, and `+` where it
/// joins literals (a `+` touching base64 is part of it).
fn strip_string_syntax(line: &str) -> &str {
    let is_syntax = |c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | ',' | ';' | '\\');
    let mut piece = line.trim_matches(is_syntax);
    loop {
        let joined = piece
            .strip_prefix('+')
            .filter(|rest| rest.starts_with(is_syntax))
            .or_else(|| {
                piece
                    .strip_suffix('+')
                    .filter(|rest| rest.ends_with(is_syntax))
            });
        match joined {
            Some(rest) => piece = rest.trim_matches(is_syntax),
            None => return piece,
        }
    }
}

/// Turns escaped line breaks (`\n`, `\r`, and their doubly escaped forms
/// in JSON-encoded source) into real ones.
fn unescape_line_breaks(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let mut backslashes = 1;
        while chars.peek() == Some(&'\\') {
            chars.next();
            backslashes += 1;
        }
        match chars.peek() {
            Some('n') | Some('r') if backslashes <= 2 => {
                chars.next();
                out.push('\n');
            }
            _ => (0..backslashes).for_each(|_| out.push('\\')),
        }
    }
    out
}

/// PGP armour ends its body with `=` and four base64 characters (CRC-24).
fn is_armor_checksum(line: &str) -> bool {
    line.len() == 5
        && line.starts_with('=')
        && line[1..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

/// Passwords that only stand in for one in documentation and sample
/// configs (`user:pass`, `admin:password`): encoded, they still look random.
const STAND_IN_PASSWORDS: &[&str] = &[
    "pass", "password", "passwd", "pwd", "secret", "changeme", "xxx", "xxxx", "****",
];

/// Basic credentials decode to printable `user:password`, both parts
/// present and the password not a stand-in; prose after the word "Basic"
/// decodes to binary noise.
fn basic_auth(secret: &[u8]) -> bool {
    let Ok(decoded) = LENIENT_STANDARD.decode(secret) else {
        return false;
    };
    let Ok(text) = std::str::from_utf8(&decoded) else {
        return false;
    };
    match text.split_once(':') {
        Some((user, password)) => {
            !user.is_empty()
                && !password.is_empty()
                && text.chars().all(|c| !c.is_control())
                && !STAND_IN_PASSWORDS
                    .iter()
                    .any(|p| password.eq_ignore_ascii_case(p))
        }
        None => false,
    }
}

fn base64_json(secret: &[u8]) -> bool {
    let decoded = LENIENT_STANDARD
        .decode(secret)
        .or_else(|_| LENIENT_URL_SAFE.decode(secret));
    decoded.is_ok_and(|bytes| {
        matches!(
            serde_json::from_slice::<serde_json::Value>(&bytes),
            Ok(serde_json::Value::Object(_))
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn github_token(random: &str) -> String {
        format!(
            "ghp_{random}{}",
            base62_padded(crc32fast::hash(random.as_bytes()), 6)
        )
    }

    #[test]
    fn github_checksum_must_hold() {
        let token = github_token("Zk3Qm9TfV2bXw8LpR4sN7yH1cJ6dGa");
        assert!(validate(Validator::GithubCrc32, token.as_bytes()));
        let mut broken = token.into_bytes();
        let last = broken.len() - 1;
        broken[last] = if broken[last] == b'A' { b'B' } else { b'A' };
        assert!(!validate(Validator::GithubCrc32, &broken));
    }

    #[test]
    fn jwt_segments_must_decode_to_json() {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"42"}"#);
        let good = format!("{header}.{payload}.c2lnbmF0dXJl");
        assert!(validate(Validator::Jwt, good.as_bytes()));
        assert!(!validate(Validator::Jwt, b"eyJhbGciOi.notjson.sig"));
    }

    const BODY: &str = "MIIEpAIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\nVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n";

    #[test]
    fn pem_bodies_are_read_through_their_wrappings() {
        let plain = format!("-----BEGIN RSA PRIVATE KEY-----\n{BODY}-----END RSA PRIVATE KEY-----");
        assert!(validate(Validator::Pem, plain.as_bytes()));
        let crlf = plain.replace('\n', "\r\n");
        assert!(validate(Validator::Pem, crlf.as_bytes()), "CRLF");
        let indented = plain.replace('\n', "\n    ");
        assert!(validate(Validator::Pem, indented.as_bytes()), "YAML block");
        let escaped = plain.replace('\n', "\\n");
        assert!(validate(Validator::Pem, escaped.as_bytes()), "JSON string");
        let legacy = plain.replace(
            "KEY-----\nMII",
            "KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,5E8F1A2B3C4D5E6F\n\nMII",
        );
        assert!(
            validate(Validator::Pem, legacy.as_bytes()),
            "legacy encrypted"
        );
        let pgp = format!(
            "-----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\nComment: Build <ci@example.org>\n\n{BODY}=YCD2\n-----END PGP PRIVATE KEY BLOCK-----"
        );
        assert!(validate(Validator::Pem, pgp.as_bytes()), "PGP armour");
    }

    #[test]
    fn pem_bodies_pasted_into_code_are_read() {
        let lines: Vec<&str> = BODY.lines().collect();
        let gradle = format!(
            "-----BEGIN RSA PRIVATE KEY-----\\n\\\n{}\\n\\\n{}\\n\\\n-----END RSA PRIVATE KEY-----",
            lines[0], lines[1]
        );
        assert!(validate(Validator::Pem, gradle.as_bytes()), "{gradle}");
        let notebook = format!(
            "-----BEGIN PRIVATE KEY-----\\\\n{}\\\\n{}\\\\n-----END PRIVATE KEY-----",
            lines[0], lines[1]
        );
        assert!(validate(Validator::Pem, notebook.as_bytes()), "{notebook}");
        let concatenated = format!(
            "-----BEGIN PRIVATE KEY-----\\n\" +\n    \"{}+\\n\" +\n    \"{}\\n\" +\n    \"-----END PRIVATE KEY-----",
            lines[0], lines[1]
        );
        assert!(
            validate(Validator::Pem, concatenated.as_bytes()),
            "{concatenated}"
        );
        let cells = format!(
            "-----BEGIN PGP PRIVATE KEY BLOCK-----\\n\",\n    \"\\n\",\n    \"{}\\n\",\n    \"{}\\n\",\n    \"=YCD2\\n\",\n    \"-----END PGP PRIVATE KEY BLOCK-----",
            lines[0], lines[1]
        );
        assert!(validate(Validator::Pem, cells.as_bytes()), "{cells}");
    }

    #[test]
    fn basic_credentials_decode_to_user_and_password() {
        assert!(validate(
            Validator::BasicAuth,
            b"Z3JhZmFuYTphUVhaN3gzMnJSOVVnYlVmdg=="
        ));
        assert!(!validate(Validator::BasicAuth, b"authentication"));
        assert!(
            !validate(Validator::BasicAuth, b"dXNlcm5hbWU="),
            "no password"
        );
        assert!(
            !validate(Validator::BasicAuth, b"dXNlcjpwYXNz"),
            "user:pass is a stand-in"
        );
    }

    #[test]
    fn pem_bodies_that_are_not_base64_fail() {
        let elided = "-----BEGIN PRIVATE KEY-----\n...\n-----END PRIVATE KEY-----";
        assert!(!validate(Validator::Pem, elided.as_bytes()));
        let prose = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----",
            "paste the key here, then save the file and restart the service ".repeat(2)
        );
        assert!(!validate(Validator::Pem, prose.as_bytes()));
    }
}
