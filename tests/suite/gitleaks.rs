//! Migrating from gitleaks: a `.gitleaks.toml` is read when there is no
//! `.leakgate.toml`, `.gitleaksignore` entries are honoured, and whatever
//! leakgate cannot apply is named in a warning.

use crate::util::*;

/// A team's gitleaks config: one custom rule with its own allowlist, a
/// global allowlist, the defaults extended, and keys leakgate lacks.
const GITLEAKS_CONFIG: &str = r#"
title = "ACME gitleaks config"

[extend]
useDefault = true
disabledRules = ["generic-api-key"]

[[rules]]
id = "acme-internal-token"
description = "ACME internal API token"
regex = '''\b(acme_[a-z0-9]{24})\b'''
secretGroup = 1
entropy = 3.0
keywords = ["acme_"]
tags = ["internal", "acme"]

  [[rules.allowlists]]
  description = "Documented sandbox token lines"
  regexTarget = "line"
  regexes = ['''SANDBOX_TOKEN''']

[allowlist]
description = "Fixtures"
paths = ['''^fixtures/''', '''(^|/)testdata/''']
stopwords = ["sample"]
"#;

const ACME_TOKEN: &str = "acme_q8fz2lmx0prt7wvnk3ybc9hd";

#[test]
fn a_custom_gitleaks_rule_blocks_a_commit_with_its_id() {
    let repo = TestRepo::new();
    repo.install_hook();
    repo.stage(".gitleaks.toml", GITLEAKS_CONFIG);
    repo.stage("src/client.py", &format!("TOKEN = \"{ACME_TOKEN}\"\n"));
    let all = assert_blocked_by_finding(&repo.commit(&[]));
    assert!(
        all.contains("src/client.py:1:10  acme-internal-token"),
        "{all}"
    );
    assert!(!all.contains(ACME_TOKEN), "{all}");
}

#[test]
fn the_gitleaks_allowlists_allow() {
    let repo = TestRepo::new();
    repo.install_hook();
    repo.stage(".gitleaks.toml", GITLEAKS_CONFIG);
    // Global allowlist: path regexes, and a stopword on the secret.
    repo.stage("fixtures/tokens.txt", &format!("{ACME_TOKEN}\n"));
    repo.stage("pkg/testdata/aws.txt", &format!("{AWS_KEY_ID}\n"));
    repo.stage("src/a.py", "T = \"acme_sample0lmx0prt7wvnk3ybc9\"\n");
    // The rule's own allowlist: a regex on the line.
    repo.stage("docs/api.md", &format!("SANDBOX_TOKEN={ACME_TOKEN}\n"));
    assert_passed(&repo.commit(&[]));

    // The same token elsewhere, and a built-in rule (useDefault), still block.
    repo.stage("src/b.py", &format!("T = \"{ACME_TOKEN}\"\n"));
    assert_blocked_by_finding(&repo.commit(&[]));
    repo.stage("src/b.py", &format!("K = \"{AWS_KEY_ID}\"\n"));
    let all = assert_blocked_by_finding(&repo.commit(&[]));
    assert!(all.contains("aws-access-key-id"), "{all}");
}

#[test]
fn unsupported_gitleaks_keys_and_rule_ids_are_named_in_one_warning_each() {
    let repo = TestRepo::new();
    repo.stage(
        ".gitleaks.toml",
        &format!(
            "{GITLEAKS_CONFIG}\n[[rules]]\nid = \"paired\"\nregex = '''pair_[a-z]{{8}}'''\nkeywords = [\"pair_\"]\nskipReport = true\n  [[rules.required]]\n  id = \"acme-internal-token\"\n  withinLines = 2\n"
        ),
    );
    repo.stage("a.txt", "clean\n");
    let out = repo.leakgate(&["scan"]);
    assert_passed(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let unsupported: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("does not support"))
        .collect();
    assert_eq!(unsupported.len(), 1, "{stderr}");
    for key in ["rules[0].tags", "rules[1].skipReport", "rules[1].required"] {
        assert!(unsupported[0].contains(key), "{key} not named: {stderr}");
    }
    assert!(
        stderr.contains("disabledRules names \"generic-api-key\", which is not a leakgate rule"),
        "{stderr}"
    );
    assert!(
        stderr
            .lines()
            .all(|l| l.starts_with("leakgate: warning: .gitleaks.toml (staged): ")),
        "{stderr}"
    );
    // Reports on stdout stay clean.
    let json_out = repo.leakgate(&["scan", "--format", "json"]);
    json(&json_out);
}

#[test]
fn a_gitleaksignore_entry_suppresses_exactly_that_finding() {
    let repo = TestRepo::new();
    repo.install_hook();
    repo.stage(
        "config/keys.py",
        &format!("# keys\nA = \"{AWS_KEY_ID}\"\nT = \"{GITHUB_TOKEN}\"\n"),
    );
    assert_blocked_by_finding(&repo.commit(&[]));
    repo.stage(
        ".gitleaksignore",
        "# reviewed: test account key\nconfig/keys.py:aws-access-key-id:2\n",
    );
    let all = assert_blocked_by_finding(&repo.commit(&[]));
    assert!(
        !all.lines().any(|l| l.starts_with("config/keys.py:2")),
        "{all}"
    );
    // What the staged ignore list allows is said, not hidden.
    assert!(
        all.contains("the staged .gitleaksignore allows 1 finding(s) that HEAD's config blocks"),
        "{all}"
    );
    assert!(
        all.contains("config/keys.py:3:6  github-pat-classic"),
        "{all}"
    );

    // A commit-form entry applies only to that commit's history findings.
    let sha = "0123456789abcdef0123456789abcdef01234567";
    repo.stage(
        ".gitleaksignore",
        &format!("config/keys.py:aws-access-key-id:2\n{sha}:config/keys.py:github-pat-classic:3\n"),
    );
    assert_blocked_by_finding(&repo.commit(&[]));
    repo.stage(
        ".gitleaksignore",
        "config/keys.py:aws-access-key-id:2\nconfig/keys.py:github-pat-classic:3\n",
    );
    assert_passed(&repo.commit(&[]));
}

#[test]
fn a_leakgate_config_wins_over_a_gitleaks_one() {
    let repo = TestRepo::new();
    repo.stage(".gitleaks.toml", GITLEAKS_CONFIG);
    repo.stage(".leakgate.toml", "[allowlist]\npaths = [\"src/**\"]\n");
    repo.stage("src/client.py", &format!("TOKEN = \"{ACME_TOKEN}\"\n"));
    let out = repo.leakgate(&["scan"]);
    assert_passed(&out);
    assert!(String::from_utf8_lossy(&out.stderr).is_empty());
}

#[test]
fn a_gitleaks_config_with_its_own_rules_and_no_use_default_runs_only_those() {
    let repo = TestRepo::new();
    let own_rules = GITLEAKS_CONFIG.replace("useDefault = true\n", "");
    repo.stage(".gitleaks.toml", &own_rules);
    repo.stage("a.py", &format!("K = \"{AWS_KEY_ID}\"\n"));
    assert_passed(&repo.leakgate(&["scan"]));
    repo.stage("b.py", &format!("T = \"{ACME_TOKEN}\"\n"));
    assert_blocked_by_finding(&repo.leakgate(&["scan"]));
}

#[test]
fn a_gitleaks_file_can_be_named_with_config_and_listed_with_rules() {
    let repo = TestRepo::new();
    let path = repo.home().join(".gitleaks.toml");
    std::fs::write(&path, GITLEAKS_CONFIG).unwrap();
    repo.stage("src/client.py", &format!("TOKEN = \"{ACME_TOKEN}\"\n"));
    let out = repo.leakgate(&["scan", "--config", path.to_str().unwrap()]);
    assert!(assert_blocked_by_finding(&out).contains("acme-internal-token"));
    let out = repo.leakgate(&["rules", "--config", path.to_str().unwrap()]);
    let all = assert_passed(&out);
    assert!(
        all.contains("acme-internal-token") && all.contains("github-pat-classic"),
        "{all}"
    );
}

#[test]
fn a_malformed_gitleaks_config_blocks_with_file_line_and_column() {
    let repo = TestRepo::new();
    repo.stage(
        ".gitleaks.toml",
        "[[rules]]\nid = \"bad\"\nregex = '''(unclosed'''\nkeywords = [\"x\"]\n",
    );
    repo.stage("a.txt", "x\n");
    let out = repo.leakgate(&["scan"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains(".gitleaks.toml (staged):3:9: invalid regex"),
        "{}",
        text(&out)
    );
}
