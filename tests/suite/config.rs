//! Allowlisting: inline markers and `.leakgate.toml`, and errors that never
//! fall back to defaults.

use crate::util::*;

#[test]
fn inline_markers_allow_a_finding() {
    let repo = TestRepo::new();
    repo.install_hook();
    repo.stage(
        "fixtures.py",
        &format!(
            "A = \"{AWS_KEY_ID}\"  # leakgate:allow\nB = \"{GITHUB_TOKEN}\"  # gitleaks:allow\n\
             C = \"{AWS_KEY_ID}\"  # pragma: allowlist secret\n"
        ),
    );
    assert_passed(&repo.commit(&[]));
}

#[test]
fn config_allowlists_by_path_secret_line_stopword_and_rule() {
    let repo = TestRepo::new();
    repo.install_hook();
    repo.stage(
        ".leakgate.toml",
        r#"
[allowlist]
paths = ["tests/fixtures/**"]
secrets = ['^AKIAD7RGN7SS555HMTF6$']

[[allowlists]]
rules = ["github-pat-classic"]
lines = ['FIXTURE_TOKEN']
"#,
    );
    repo.stage("tests/fixtures/keys.txt", &format!("{GITHUB_TOKEN}\n"));
    repo.stage(
        "src/a.py",
        &format!("K = \"{AWS_KEY_ID}\"\nFIXTURE_TOKEN = \"{GITHUB_TOKEN}\"\n"),
    );
    assert_passed(&repo.commit(&[]));
    repo.stage("src/b.py", &format!("T = \"{GITHUB_TOKEN}\"\n"));
    assert_blocked_by_finding(&repo.commit(&[]));
}

#[test]
fn the_staged_config_applies_rather_than_the_working_tree_one() {
    let repo = TestRepo::new();
    repo.install_hook();
    repo.stage(".leakgate.toml", "[allowlist]\npaths = [\"fixtures\"]\n");
    repo.write(".leakgate.toml", "");
    repo.stage("fixtures/k.txt", &format!("{AWS_KEY_ID}\n"));
    assert_passed(&repo.commit(&[]));
}

#[test]
fn a_disabled_rule_does_not_report() {
    let repo = TestRepo::new();
    repo.stage(
        ".leakgate.toml",
        "[extend]\ndisabled_rules = [\"aws-access-key-id\"]\n",
    );
    repo.stage("a.txt", &format!("{AWS_KEY_ID}\n"));
    assert_passed(&repo.leakgate(&["scan"]));
}

#[test]
fn a_custom_rule_reports() {
    let repo = TestRepo::new();
    repo.stage(
        ".leakgate.toml",
        r#"
[[rules]]
id = "acme-token"
description = "ACME internal token"
regex = '''\b(acme_[a-z0-9]{16})\b'''
keywords = ["acme_"]
remediation = "Rotate it in the ACME console."
"#,
    );
    repo.stage("a.txt", "t = acme_q8fz2lmx0prt7wvn\n");
    let out = repo.leakgate(&["scan"]);
    let all = assert_blocked_by_finding(&out);
    assert!(
        all.contains("a.txt:1:5") && all.contains("acme-token"),
        "{all}"
    );
}

#[test]
fn a_malformed_config_blocks_the_commit_naming_file_line_and_column() {
    let repo = TestRepo::new();
    repo.install_hook();
    repo.stage(
        ".leakgate.toml",
        "[allowlist]\nsecrets = ['ok',\n  '(unclosed']\n",
    );
    repo.stage("a.txt", "clean\n");
    let out = repo.commit(&[]);
    let all = assert_blocked_by_error(&out);
    assert!(
        all.contains(".leakgate.toml (staged):3:3: invalid regex"),
        "{all}"
    );
    let out = repo.leakgate(&["scan"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn config_typos_are_errors() {
    let repo = TestRepo::new();
    repo.stage(
        ".leakgate.toml",
        "[extend]\ndisabled_rules = [\"aws-acess-key-id\"]\n",
    );
    let out = repo.leakgate(&["scan"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains(".leakgate.toml (staged):2:19: disabled_rules names an unknown rule"),
        "{}",
        text(&out)
    );
    repo.stage(".leakgate.toml", "[allowlsit]\n");
    let out = repo.leakgate(&["scan"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains(":1:2: unknown field `allowlsit`"),
        "{}",
        text(&out)
    );
}

#[test]
fn config_flag_overrides_the_repository_config() {
    let repo = TestRepo::new();
    repo.stage("a.txt", &format!("{AWS_KEY_ID}\n"));
    let other = repo.home().join("other.toml");
    std::fs::write(&other, "[allowlist]\npaths = [\"a.txt\"]\n").unwrap();
    assert_passed(&repo.leakgate(&["scan", "--config", other.to_str().unwrap()]));
}

#[test]
fn the_example_config_is_valid_and_documents_every_key() {
    let repo = TestRepo::new();
    let example = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    repo.stage("a.txt", "clean\n");
    assert_passed(&repo.leakgate(&["scan", "--config", example.to_str().unwrap()]));
    let text = std::fs::read_to_string(example).unwrap();
    for key in [
        "use_default",
        "disabled_rules",
        "[[rules]]",
        "regex",
        "secret_group",
        "keywords",
        "entropy",
        "validate",
        "generic",
        "path",
        "path_exclude",
        "remediation",
        "stopwords",
        "examples",
        "negative_examples",
        "[allowlist]",
        "[[allowlists]]",
        "paths",
        "secrets",
        "lines",
        "path_regexes",
        "matches",
        "commits",
        "condition",
    ] {
        assert!(
            text.contains(key),
            "config.example.toml does not mention {key}"
        );
    }
}

/// File-name rules a config adds, one on a path of its own and one on a
/// built-in rule's path, each block a real commit beside the built-in ones;
/// a disabled built-in file-name rule stops blocking.
#[test]
fn custom_file_name_rules_block_beside_the_built_in_ones_and_built_in_ones_can_be_disabled() {
    let repo = TestRepo::new();
    repo.install_hook();
    repo.stage(
        ".leakgate.toml",
        r#"
[extend]
disabled_rules = ["pkcs12-file"]

[[rules]]
id = "acme-vault-file"
description = "ACME vault export"
path = '''(?:^|/)acme\.vault$'''

[[rules]]
id = "team-dotenv"
description = "A dotenv file, by the team's own rule"
path = '''(?i)(?:^|/)\.env(?:\.[^/]+)?$'''
"#,
    );
    repo.commit_unchecked("config");
    repo.stage("exports/acme.vault", "data\n");
    repo.stage("app/.env", "X=1\n");
    repo.stage("certs/client.p12", "binary\n");
    let out = repo.commit(&[]);
    let all = assert_blocked_by_finding(&out);
    for expected in ["acme-vault-file", "team-dotenv", "dotenv-file"] {
        assert!(all.contains(expected), "{expected} missing:\n{all}");
    }
    assert!(all.contains("exports/acme.vault"), "{all}");
    assert!(
        !all.contains("pkcs12-file"),
        "a disabled rule reported:\n{all}"
    );
    // Without the vault and the dotenv, the disabled rule's file passes.
    repo.git(&["rm", "-q", "--cached", "exports/acme.vault", "app/.env"]);
    assert_passed(&repo.commit(&[]));
}
