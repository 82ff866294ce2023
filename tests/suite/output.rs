//! What users see: redaction, JSON fields, colour, and `rules`.

use crate::util::*;

#[test]
fn the_full_secret_never_appears_in_the_output_unless_asked() {
    let repo = TestRepo::new();
    repo.install_hook();
    repo.stage("a.py", &format!("T = \"{GITHUB_TOKEN}\"\n"));
    let all = assert_blocked_by_finding(&repo.commit(&[]));
    assert!(!all.contains(GITHUB_TOKEN), "{all}");
    assert!(all.contains("ghp_…"), "{all}");
    let json_out = repo.leakgate(&["scan", "--format", "json"]);
    assert!(!text(&json_out).contains(GITHUB_TOKEN));
    let revealed = repo.leakgate(&["scan", "--no-redact"]);
    assert!(text(&revealed).contains(GITHUB_TOKEN));
}

#[test]
fn json_report_has_every_documented_field() {
    let repo = TestRepo::new();
    repo.stage("dir/é.py", &format!("x = 1\nK = \"é{AWS_KEY_ID}\"\n"));
    let out = repo.leakgate(&["scan", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let report = json(&out);
    assert_eq!(report["version"], 1);
    assert_eq!(report["scanned"]["files"], 1);
    assert!(report["scanned"]["bytes"].as_u64().unwrap() > 20);
    let finding = &report["findings"][0];
    assert_eq!(finding["rule_id"], "aws-access-key-id");
    assert_eq!(finding["path"], "dir/é.py");
    assert_eq!(finding["line"], 2);
    assert_eq!(finding["column"], 7, "columns count characters, not bytes");
    assert_eq!(finding["end_line"], 2);
    assert_eq!(finding["end_column"], 26);
    assert_eq!(finding["secret"], "AKIA…");
    assert_eq!(finding["commit"], serde_json::Value::Null);
    let fingerprint = finding["fingerprint"].as_str().unwrap();
    assert!(!fingerprint.contains("AKIA") && fingerprint.len() >= 16);

    // The fingerprint does not change when the line moves.
    repo.stage(
        "dir/é.py",
        &format!("x = 1\n\n\ny = 2\nK = \"é{AWS_KEY_ID}\"\n"),
    );
    let moved = json(&repo.leakgate(&["scan", "--format", "json"]));
    assert_eq!(moved["findings"][0]["fingerprint"], fingerprint);
    assert_eq!(moved["findings"][0]["line"], 5);
}

#[test]
fn findings_are_sorted_by_path_line_and_column() {
    let repo = TestRepo::new();
    repo.stage("b.txt", &format!("{AWS_KEY_ID}\n"));
    repo.stage(
        "a.txt",
        &format!("x\n{GITHUB_TOKEN} {AWS_KEY_ID}\n{AWS_KEY_ID}\n"),
    );
    let report = json(&repo.leakgate(&["scan", "--format", "json"]));
    let locations: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}:{}:{}",
                f["path"].as_str().unwrap(),
                f["line"],
                f["column"]
            )
        })
        .collect();
    assert_eq!(
        locations,
        ["a.txt:2:1", "a.txt:2:42", "a.txt:3:1", "b.txt:1:1"]
    );
}

#[test]
fn colour_only_when_forced_and_never_with_no_color_on_auto() {
    let repo = TestRepo::new();
    repo.stage("a.txt", &format!("{AWS_KEY_ID}\n"));
    let plain = text(&repo.leakgate(&["scan"]));
    assert!(!plain.contains('\x1b'), "not a terminal: no colour");
    let forced = text(&repo.leakgate(&["scan", "--color", "always"]));
    assert!(forced.contains('\x1b'));
}

#[test]
fn the_human_report_shows_the_line_the_rule_and_the_remediation() {
    let repo = TestRepo::new();
    repo.stage("a.py", &format!("T = \"{GITHUB_TOKEN}\"  # deploy\n"));
    let all = text(&repo.leakgate(&["scan"]));
    assert!(all.contains("a.py:1:6  github-pat-classic"), "{all}");
    assert!(all.contains("T = \"ghp_…\"  # deploy"), "{all}");
    assert!(
        all.contains("fix: Remove it from the staged change and invalidate it"),
        "{all}"
    );
    assert!(
        all.contains("leakgate:allow"),
        "the summary says how to allow a false positive: {all}"
    );
}

#[test]
fn rules_lists_every_rule_and_checks_a_custom_file() {
    let repo = TestRepo::new();
    let list = text(&repo.leakgate(&["rules"]));
    assert!(
        list.contains("aws-access-key-id") && list.contains("github-pat-classic"),
        "{list}"
    );

    let good = repo.home().join("good.toml");
    std::fs::write(
        &good,
        r#"
[[rules]]
id = "acme"
regex = '''\b(acme_[a-z0-9]{16})\b'''
keywords = ["acme_"]
examples = ["t = acme_q8fz2lmx0prt7wvn"]
negative_examples = ["t = acme_short"]
"#,
    )
    .unwrap();
    assert_passed(&repo.leakgate(&["rules", "check", good.to_str().unwrap()]));

    let bad = repo.home().join("bad.toml");
    std::fs::write(
        &bad,
        r#"
[[rules]]
id = "acme"
regex = '''\b(acme_[a-z0-9]{16})\b'''
keywords = ["acme_"]
examples = ["t = acme_short"]
negative_examples = ["t = acme_q8fz2lmx0prt7wvn"]
"#,
    )
    .unwrap();
    let out = repo.leakgate(&["rules", "check", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let all = text(&out).replace(bad.to_str().unwrap(), "bad.toml");
    insta::assert_snapshot!(all, @r"
    FAIL bad.toml:6:13: acme: example 1 is not found (the regex does not match): t = acme_short
    FAIL bad.toml:7:22: acme: negative example 1 is found: t = acme_q8fz2lmx0prt7wvn
    leakgate: error: 2 of the checks in bad.toml failed
    ");
}

#[test]
fn rules_check_without_a_file_checks_the_built_in_rules() {
    let repo = TestRepo::new();
    let out = repo.leakgate(&["rules", "check"]);
    assert_passed(&out);
    let all = text(&out);
    assert!(
        all.starts_with("ok: ")
            && all
                .trim_end()
                .ends_with(" rules in the built-in rules match their examples"),
        "{all}"
    );
}

#[test]
fn rules_lists_the_repository_configs_rules_too() {
    let repo = TestRepo::new();
    repo.write(
        ".leakgate.toml",
        "[extend]\ndisabled_rules = [\"aws-access-key-id\"]\n\n[[rules]]\nid = \"acme-token\"\ndescription = \"ACME token\"\nregex = '''\\b(acme_[a-z0-9]{16})\\b'''\nkeywords = [\"acme_\"]\n",
    );
    let list = text(&repo.leakgate(&["rules"]));
    assert!(list.contains("acme-token"), "{list}");
    assert!(!list.contains("aws-access-key-id "), "{list}");
}

#[test]
fn the_summary_names_the_allowlist_keys_not_a_file_the_repository_lacks() {
    let repo = TestRepo::new();
    repo.stage("k.py", &format!("K = \"{AWS_KEY_ID}\"\n"));
    let all = assert_blocked_by_finding(&repo.leakgate(&["scan"]));
    assert!(!all.contains("config.example.toml"), "{all}");
    for key in ["[allowlist]", "paths", "secrets", "lines", "stopwords"] {
        assert!(all.contains(key), "{key}: {all}");
    }
}
