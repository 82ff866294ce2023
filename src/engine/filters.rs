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
    is_mostly_filler(secret)
}

/// How long a run of one repeated character (`000000`) or of consecutive
/// characters (`abcdef`, `654321`) must be to look typed rather than drawn.
const FILLER_RUN: usize = 6;

/// Random characters a secret needs besides its filler runs to still count
/// as real. Structured formats embed runs of zero bytes amid random data
/// (Azure DevOps and other annotated keys encode to `AAAAAA…`), while
/// placeholders are filler with at most a short prefix or tail.
const RANDOM_BESIDE_FILLER: usize = 32;

/// True when runs of repeated or consecutive characters make up the secret,
/// leaving too little else to be a generated value.
fn is_mostly_filler(secret: &[u8]) -> bool {
    let mut filler = vec![false; secret.len()];
    mark_runs(secret, &mut filler, |a, b| a == b);
    mark_runs(secret, &mut filler, |a, b| b == a.wrapping_add(1));
    mark_runs(secret, &mut filler, |a, b| a == b.wrapping_add(1));
    if !filler.contains(&true) {
        return false;
    }
    filler.iter().filter(|&&f| !f).count() < RANDOM_BESIDE_FILLER
}

/// Marks every run of at least `FILLER_RUN` alphanumerics in which each
/// neighbouring pair satisfies `step`.
fn mark_runs(bytes: &[u8], filler: &mut [bool], step: impl Fn(u8, u8) -> bool) {
    let mut start = 0;
    for end in 1..=bytes.len() {
        let continues = end < bytes.len()
            && bytes[end].is_ascii_alphanumeric()
            && bytes[end - 1].is_ascii_alphanumeric()
            && step(bytes[end - 1], bytes[end]);
        if !continues {
            if end - start >= FILLER_RUN {
                filler[start..end].iter_mut().for_each(|f| *f = true);
            }
            start = end;
        }
    }
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
            "sk_live_000000000000000000000000",
            "ABCDEF123456",
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
            // Annotated keys carry zero runs beside 52 random characters.
            "pTw3kLm9QzR2vN8xY4bC7dF1gH6jK5sA0eU3iO9uWqZ2rT7yP1oLJQQJ99BDACAAAAAAAAAAAAAAAAAZDO2Kf9",
        ] {
            assert!(!looks_like_placeholder(s.as_bytes()), "{s}");
        }
    }
}
