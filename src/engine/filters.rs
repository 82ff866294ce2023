//! False-positive filters that apply to every content rule: values that are
//! placeholders, templates or references rather than secrets.
//!
//! These run after a rule's regex has matched, on the secret alone, so they
//! must be cheap and must never reject a value a provider would accept.

/// Words that mark a documented or made-up value.
const PLACEHOLDER_WORDS: &[&str] = &[
    "xxxx",
    "example",
    "your_",
    "your-",
    "yourkey",
    "yourtoken",
    "yoursecret",
    "changeme",
    "change_me",
    "change-me",
    "placeholder",
    "dummy",
    "redacted",
    "replace_me",
    "replaceme",
    "insert_",
    "insert-",
    "fake",
    "notreal",
    "not_real",
    "not-a-real",
    "secret_here",
    "key_here",
    "token_here",
    "-here",
    "****",
    "....",
];

/// Templating and interpolation markers: the value is filled in elsewhere.
const TEMPLATE_MARKERS: &[&str] = &["${", "{{", "}}", "%(", "$(", "<%", "#{"];

/// Secrets longer than this (key blocks, certificates' bodies) are judged by
/// their validators, not by the short-value heuristics below, which random
/// base64 of that size can trip by chance.
const LONG_SECRET: usize = 200;

/// True when `secret` looks like a stand-in for a real value.
pub fn looks_like_placeholder(secret: &[u8]) -> bool {
    if TEMPLATE_MARKERS
        .iter()
        .any(|m| memchr::memmem::find(secret, m.as_bytes()).is_some())
    {
        return true;
    }
    if secret.first() == Some(&b'<') && secret.last() == Some(&b'>') {
        return true;
    }
    if secret.len() > LONG_SECRET {
        return false;
    }
    let lower = secret.to_ascii_lowercase();
    if PLACEHOLDER_WORDS
        .iter()
        .any(|w| memchr::memmem::find(&lower, w.as_bytes()).is_some())
    {
        return true;
    }
    has_run(&lower, 6) || has_sequence(&lower, 6)
}

/// A character repeated `len` times in a row (`aaaaaa`, `000000`).
fn has_run(bytes: &[u8], len: usize) -> bool {
    let mut run = 1;
    for pair in bytes.windows(2) {
        if pair[0] == pair[1] && pair[0].is_ascii_alphanumeric() {
            run += 1;
            if run >= len {
                return true;
            }
        } else {
            run = 1;
        }
    }
    false
}

/// `len` consecutive ascending or descending characters (`abcdef`, `123456`).
fn has_sequence(bytes: &[u8], len: usize) -> bool {
    let (mut up, mut down) = (1, 1);
    for pair in bytes.windows(2) {
        let alnum = pair[0].is_ascii_alphanumeric() && pair[1].is_ascii_alphanumeric();
        up = if alnum && pair[1] == pair[0].wrapping_add(1) {
            up + 1
        } else {
            1
        };
        down = if alnum && pair[1].wrapping_add(1) == pair[0] {
            down + 1
        } else {
            1
        };
        if up >= len || down >= len {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_recognised() {
        for p in [
            "sk-xxxxxxxxxxxxxxxxxxxxxxxx",
            "your-api-key-here",
            "<API_KEY>",
            "${OPENAI_API_KEY}",
            "{{ secret }}",
            "AKIAIOSFODNN7EXAMPLE",
            "aaaaaaaaaaaaaaaa",
            "abcdefghijklmnop",
            "%(password)s",
        ] {
            assert!(looks_like_placeholder(p.as_bytes()), "{p}");
        }
    }

    #[test]
    fn random_values_pass() {
        for s in [
            "q8Fz2LmX0pRt7WvNc3Yb",
            "AKIAQYLPMN5HHHFPZAM2",
            "sk-proj-Tq3vR9xLm2",
        ] {
            assert!(!looks_like_placeholder(s.as_bytes()), "{s}");
        }
    }
}
