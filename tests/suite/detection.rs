//! What counts as a secret, through a real `git commit`: formats that fail
//! their own checks and values that are not random pass; a committed env
//! file is reported at the secret in it.

use crate::util::*;

fn repo_with_hook() -> TestRepo {
    let repo = TestRepo::new();
    repo.install_hook();
    repo
}

#[test]
fn a_github_token_with_a_broken_checksum_does_not_block_even_under_a_token_name() {
    let repo = repo_with_hook();
    let broken = format!("{}X", &GITHUB_TOKEN[..GITHUB_TOKEN.len() - 1]);
    assert_ne!(broken, GITHUB_TOKEN);
    repo.stage("ci/env.py", &format!("GITHUB_TOKEN = \"{broken}\"\n"));
    assert_passed(&repo.commit(&[]));
}

#[test]
fn constant_names_ids_and_test_mode_keys_do_not_block() {
    let repo = repo_with_hook();
    repo.stage(
        "app/constants.py",
        "FORCE_CHANGE_PASSWORD = \"FORCE_CHANGE_PASSWORD\"\n\
         token_type = 'quoted-string'\n\
         TENANT_ID = \"72f988bf-86f1-41af-91ab-2d7cd011db47\"\n\
         EXPECTED_SHA256 = \"484557880602a759bb4edc1d2524f0d4a83fa802af4581b87d3a3cd6c09a966f\"\n\
         STRIPE_SECRET_KEY = \"sk_test_zRAqyomV3dgFRMvcpRj46mcp\"\n",
    );
    assert_passed(&repo.commit(&[]));
}

#[test]
fn a_random_value_under_a_secret_name_blocks() {
    let repo = repo_with_hook();
    repo.stage(
        "app/settings.py",
        "smtp_password = os.environ.get(\"SMTP_PASSWORD\", \"W8q^EbJ0um+Au15s\")\n",
    );
    let all = assert_blocked_by_finding(&repo.commit(&[]));
    assert!(all.contains("app/settings.py:1:"), "{all}");
    assert!(all.contains("generic-secret-fallback"), "{all}");
}

#[test]
fn an_env_file_with_a_key_is_reported_once_at_the_key() {
    let repo = repo_with_hook();
    repo.stage(
        "app/.env",
        "DEBUG=1\nSTRIPE_KEY=sk_live_xiRGHOY32nfr5pyzPCB9t203\n",
    );
    let out = repo.leakgate(&["scan", "--format", "json"]);
    let found = findings(&out);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0]["rule_id"], "stripe-secret-key");
    assert_eq!(found[0]["line"], 2);
}
