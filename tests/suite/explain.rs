//! `leakgate explain`: every candidate a rule matched, reported or not, and
//! why each dropped one was dropped.

use crate::util::*;

#[test]
fn explain_lists_each_candidate_with_why_it_was_dropped() {
    let repo = TestRepo::new();
    repo.write(
        "settings.py",
        "STRIPE_SECRET_KEY = \"sk_test_Qm7vRk2LpX9tWc4NzB8yHd3F\"\n\
         API_KEY = \"fake_key_q8Fz2LmX0pRt7WvNc3Yb\"\n\
         GITHUB_TOKEN = \"ghp_u8jzPde0IgxLd6GncfBAepfJBd0Kh8024xXX\"\n\
         AWS_ACCESS_KEY_ID = \"AKIAT2NOBZKC4VZJ23AN\"\n\
         LEGACY_KEY = \"AKIAQYLPMN5HHHFPZAM2\"  # leakgate:allow\n",
    );
    let out = repo.leakgate(&["explain", "settings.py"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    insta::assert_snapshot!(text(&out), @r#"
    settings.py:1:22: generic-high-entropy-assignment sk_t… dropped: the specific rule stripe-test-or-publishable-key matched the same text
    settings.py:1:22: generic-secret-assignment sk_t… dropped: the specific rule stripe-test-or-publishable-key matched the same text
    settings.py:1:22: stripe-test-or-publishable-key sk_t… dropped: a format that is not secret
    settings.py:2:12: generic-api-key-assignment fake… dropped: placeholder: the word "fake"
    settings.py:2:12: generic-high-entropy-assignment fake… dropped: placeholder: the word "fake"
    settings.py:3:17: generic-api-key-assignment ghp_… dropped: the specific rule github-pat-classic matched the same text
    settings.py:3:17: github-pat-classic ghp_… dropped: fails the format check (github-crc32)
    settings.py:4:22: aws-access-key-id AKIA… reported
    settings.py:4:22: generic-high-entropy-assignment AKIA… dropped: entropy 3.68 is below the rule's 4.3
    settings.py:5:15: aws-access-key-id AKIA… dropped: allowed by an inline marker on its line
    settings.py:5:15: generic-high-entropy-assignment AKIA… dropped: entropy 3.65 is below the rule's 4.3
    leakgate: 11 candidate(s) in 1 file(s), 1 reported
    "#);
}

#[test]
fn explain_shows_secrets_in_full_only_with_no_redact() {
    let repo = TestRepo::new();
    repo.write("a.env.txt", "AWS_ACCESS_KEY_ID=AKIAT2NOBZKC4VZJ23AN\n");
    let redacted = text(&repo.leakgate(&["explain", "a.env.txt"]));
    assert!(!redacted.contains("AKIAT2NOBZKC4VZJ23AN"), "{redacted}");
    let full = text(&repo.leakgate(&["explain", "--no-redact", "a.env.txt"]));
    assert!(full.contains("AKIAT2NOBZKC4VZJ23AN"), "{full}");
}
