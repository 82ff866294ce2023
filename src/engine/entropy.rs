//! Shannon entropy of a candidate secret, the randomness test that separates
//! `password = "hunter2hunter2"` from a generated key.

/// Bits per byte, between 0 and 8.
pub fn shannon_entropy(bytes: &[u8]) -> f64 {
    if bytes.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in bytes {
        counts[b as usize] += 1;
    }
    let len = bytes.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / len;
            -p * p.log2()
        })
        .sum()
}

/// Hex this long is at least 128 bits, the size of generated keys.
const LONG_HEX: usize = 32;

/// The entropy long hex must reach, whatever a rule asks: hex has only 16
/// symbols, so a random 40-character hex token scores about 3.7 bits, below
/// thresholds tuned for base64, while hex that repeats a few characters
/// still falls short of this.
const LONG_HEX_ENTROPY: f64 = 3.2;

/// Does `secret` look random enough for a catch-all rule that asks for
/// `min` bits? Long hex is judged against what random hex reaches, since
/// such a rule cannot know which alphabet the value was drawn from.
pub fn is_random_enough(secret: &[u8], min: f64) -> bool {
    let entropy = shannon_entropy(secret);
    if entropy >= min {
        return true;
    }
    secret.len() >= LONG_HEX
        && secret.iter().all(u8::is_ascii_hexdigit)
        && entropy >= min.min(LONG_HEX_ENTROPY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_text_scores_higher_than_repetitive_text() {
        assert_eq!(shannon_entropy(b""), 0.0);
        assert_eq!(shannon_entropy(b"aaaa"), 0.0);
        assert!((shannon_entropy(b"abcd") - 2.0).abs() < 1e-9);
        assert!(shannon_entropy(b"q8Fz2LmX0pRt7WvN") > shannon_entropy(b"passwordpassword"));
    }

    #[test]
    fn long_hex_is_judged_against_random_hex() {
        let token = b"c43fada4aa948adce551e54df81d03a8375e7d67";
        assert!(shannon_entropy(token) < 3.7);
        assert!(is_random_enough(token, 3.7));
        assert!(!is_random_enough(
            b"abab0101abab0101abab0101abab0101abab",
            3.7
        ));
        assert!(
            !is_random_enough(b"62d91b17309e76c8", 3.7),
            "short hex keeps the rule's bar"
        );
    }
}
