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
    // gitleaks' `generic-api-key` is known through the alias table.
    assert!(!stderr.contains("generic-api-key"), "{stderr}");
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

/// A repository with three secrets committed, and the `.gitleaksignore`
/// gitleaks writes for them (its own rule ids, both entry forms).
fn repo_with_a_gitleaks_ignore() -> TestRepo {
    let repo = TestRepo::new();
    let first = repo.commit_file(
        "deploy/ci.sh",
        &format!("export TOKEN={GITHUB_TOKEN}\nexport KEY={AWS_KEY_ID}\n"),
        "ci",
    );
    repo.commit_file(
        "config/app.yml",
        "db:\n  password: \"Zq8#pL2v!mR4xT9w\"\n",
        "config",
    );
    repo.write(
        ".gitleaksignore",
        &format!(
            "{first}:deploy/ci.sh:github-pat:1\n\
             {first}:deploy/ci.sh:aws-access-token:2\n\
             config/app.yml:generic-api-key:2\n"
        ),
    );
    repo.git(&["add", ".gitleaksignore"]);
    repo.commit_unchecked("ignore");
    repo
}

#[test]
fn a_gitleaksignore_written_by_gitleaks_ignores_the_same_secrets_in_leakgate() {
    let repo = repo_with_a_gitleaks_ignore();
    let all = assert_passed(&repo.leakgate(&["scan", "--history"]));
    assert!(!all.contains("warning"), "{all}");
    // Files on disk: the entries without a commit apply.
    let out = repo.leakgate(&["scan", "--format", "json", "."]);
    let found = findings(&out);
    let rules: Vec<&str> = found
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        ["github-pat-classic", "aws-access-key-id"],
        "{found:?}"
    );

    // A secret gitleaks' entries do not name is still reported.
    repo.commit_file("deploy/more.sh", &format!("KEY={AWS_KEY_ID}\n"), "more");
    let out = repo.leakgate(&["scan", "--history", "--format", "json"]);
    let found = findings(&out);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["path"], "deploy/more.sh");
}

#[test]
fn gitleaksignore_warnings_collapse_into_one_line_and_verbose_lists_each() {
    let repo = TestRepo::new();
    let mut ignore = String::new();
    for line in 1..=30 {
        ignore.push_str(&format!(
            "src/app.js:some-vendor-rule-{}:{line}\n",
            line % 3
        ));
    }
    ignore.push_str("not an entry\nneither is this\n");
    repo.write(".gitleaksignore", &ignore);
    repo.stage("a.txt", "clean\n");
    let out = repo.leakgate(&["scan"]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let warnings: Vec<&str> = stderr.lines().filter(|l| l.contains("warning")).collect();
    assert_eq!(warnings.len(), 2, "{stderr}");
    assert!(
        warnings.iter().any(|w| w.contains("30 ignore entries")),
        "{stderr}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("2 lines are not gitleaks fingerprints")),
        "{stderr}"
    );

    let out = repo.leakgate(&["scan", "--verbose"]);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(
        stderr.lines().filter(|l| l.contains("warning")).count(),
        34,
        "{stderr}"
    );
    assert!(stderr.contains("src/app.js:17"), "{stderr}");
}

#[test]
fn commit_ids_in_gitleaksignore_and_baseline_files_are_not_secrets() {
    let repo = TestRepo::new();
    // A commit id on the line after one naming a Cloudflare rule reads,
    // to a rule that allows a line break, as a token near "cloudflare".
    let ignore = "\
        0b6f1c9f4e1d2a3b4c5d6e7f8091a2b3c4d5e6f7:infra/cloudflare.tf:cloudflare-api-key:3\n\
        9f86d081884c7d659a2feaa0c55ad015a3bf4f1b:infra/main.tf:generic-api-key:9\n";
    repo.stage(".gitleaksignore", ignore);
    repo.stage(
        ".leakgate-baseline.json",
        "{\"version\": 1, \"findings\": [{\"fingerprint\": \"9f86d081884c7d659a2feaa0c55ad015\", \
         \"rule_id\": \"cloudflare-api-token\", \"path\": \"infra/cloudflare.tf\", \
         \"value_hash\": \"0b6f1c9f4e1d2a3b4c5d6e7f8091a2b3\", \"line\": 3}]}\n",
    );
    assert_passed(&repo.leakgate(&["scan"]));
    assert_passed(&repo.leakgate(&["scan", "."]));
    // A real token pasted into such a file is still a finding.
    repo.stage(".gitleaksignore", &format!("{ignore}# {GITHUB_TOKEN}\n"));
    let all = assert_blocked_by_finding(&repo.leakgate(&["scan"]));
    assert!(all.contains(".gitleaksignore:3:"), "{all}");
}

#[test]
fn gitleaks_rule_ids_in_a_gitleaks_config_stand_for_leakgate_rules() {
    let repo = TestRepo::new();
    repo.stage(
        ".gitleaks.toml",
        r#"[extend]
useDefault = true
disabledRules = ["generic-api-key"]

[[rules]]
id = "github-pat"
  [[rules.allowlists]]
  paths = ['''^fixtures/''']

[[allowlists]]
targetRules = ["aws-access-token"]
regexes = ['''AKIAD7RGN7SS555HMTF6''']
"#,
    );
    repo.stage("config/app.yml", "db:\n  password: \"Zq8#pL2v!mR4xT9w\"\n");
    repo.stage("fixtures/token.txt", &format!("{GITHUB_TOKEN}\n"));
    repo.stage("deploy/key.sh", &format!("KEY={AWS_KEY_ID}\n"));
    let all = assert_passed(&repo.leakgate(&["scan"]));
    assert!(!all.contains("warning"), "{all}");
    // The same token outside the allowlisted path is still found.
    repo.stage("src/token.txt", &format!("{GITHUB_TOKEN}\n"));
    let all = assert_blocked_by_finding(&repo.leakgate(&["scan"]));
    assert!(all.contains("src/token.txt:1:1"), "{all}");
}
