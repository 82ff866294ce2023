//! A full secret never reaches any output unless `--no-redact` is given:
//! not the human report (even as context around another secret), not JSON,
//! not an error message.

use crate::util::*;

const OTHER_KEY: &str = "AKIAQYLPMN5HHHFPZAM2";

fn assert_no_secret(all: &str) {
    for secret in [AWS_KEY_ID, GITHUB_TOKEN, OTHER_KEY] {
        assert!(!all.contains(secret), "{secret} leaked:\n{all}");
        // Not even most of it.
        assert!(
            !all.contains(&secret[..12]),
            "{secret} mostly leaked:\n{all}"
        );
    }
}

#[test]
fn several_secrets_on_one_line_are_all_redacted_in_each_others_context() {
    let repo = TestRepo::new();
    repo.install_hook();
    repo.stage(
        "a.py",
        &format!("K = [\"{AWS_KEY_ID}\", \"{GITHUB_TOKEN}\", \"{OTHER_KEY}\", \"{AWS_KEY_ID}\"]\n"),
    );
    for args in [
        &["scan"][..],
        &["scan", "--color", "always"],
        &["scan", "--format", "json"],
        &["scan", "--staged", "a.py"],
        &["scan", "a.py"],
    ] {
        let out = repo.leakgate(args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", text(&out));
        assert_no_secret(&text(&out));
    }
    let all = assert_blocked_by_finding(&repo.commit(&[]));
    assert_no_secret(&all);
    assert_eq!(all.matches("a.py:1:").count(), 4, "{all}");

    let revealed = text(&repo.leakgate(&["scan", "--no-redact"]));
    assert!(
        revealed.contains(GITHUB_TOKEN) && revealed.contains(OTHER_KEY),
        "{revealed}"
    );
}

#[test]
fn errors_never_quote_a_staged_secret() {
    // A config error while secrets are staged: the scan stops with exit 2,
    // and what it prints names the config, not the content.
    let repo = TestRepo::new();
    repo.stage("a.py", &format!("K = \"{AWS_KEY_ID}\" # {GITHUB_TOKEN}\n"));
    repo.stage(
        ".leakgate.toml",
        &format!("[allowlist]\nsecrets = ['({OTHER_KEY}']\n"),
    );
    let out = repo.leakgate(&["scan"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let all = text(&out);
    assert!(
        all.contains(".leakgate.toml (staged):2:12: invalid regex"),
        "{all}"
    );
    assert!(
        !all.contains(AWS_KEY_ID) && !all.contains(GITHUB_TOKEN),
        "{all}"
    );

    // An unreadable object whose content holds a secret.
    let repo = TestRepo::new();
    repo.stage("b.py", &format!("K = \"{AWS_KEY_ID}\"\n"));
    let oid = repo.git(&["rev-parse", ":b.py"]).trim().to_string();
    std::fs::remove_file(
        repo.path()
            .join(".git/objects")
            .join(&oid[..2])
            .join(&oid[2..]),
    )
    .unwrap();
    let out = repo.leakgate(&["scan", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2));
    assert_no_secret(&text(&out));
}
