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

/// Stages each `(path, content)` and scans the index: the rule id and line
/// of every finding, in report order.
fn scan_staged(files: &[(&str, &str)]) -> Vec<(String, u64, String)> {
    let repo = TestRepo::new();
    for (path, content) in files {
        repo.stage(path, content);
    }
    let out = repo.leakgate(&["scan", "--format", "json"]);
    let code = out.status.code();
    assert!(matches!(code, Some(0 | 1)), "scan failed: {}", text(&out));
    findings(&out)
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["rule_id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Asserts that each file gives exactly one finding, of the named rule.
fn assert_each_found_by(cases: &[(&str, &str, &str)]) {
    let files: Vec<(&str, &str)> = cases.iter().map(|(p, c, _)| (*p, *c)).collect();
    let found = scan_staged(&files);
    for (path, _, rule) in cases {
        let hits: Vec<_> = found.iter().filter(|(p, _, _)| p == path).collect();
        assert_eq!(hits.len(), 1, "{path}: {found:?}");
        assert_eq!(hits[0].2, *rule, "{path}: {found:?}");
    }
}

/// Asserts that none of the files gives a finding.
fn assert_none_found(files: &[(&str, &str)]) {
    let found = scan_staged(files);
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn random_keys_and_tokens_with_symbols_under_key_names_are_found() {
    assert_each_found_by(&[
        (
            "app/settings.py",
            "api_key = \"Wd7@Mq*tfc2Lp~u8Xr_4Zn^#cVb9\"\n",
            "generic-api-key-assignment",
        ),
        (
            "app/config.rb",
            "config.auth_token = 'Hz4=Qk9Vt~Lm#R2__Xw8Bp6N'\n",
            "generic-api-key-assignment",
        ),
        (
            "conf/integration.properties",
            "partner.client.secret=Kx3=tR^vZq8Lm2Pw^Nb=7\n",
            "generic-credential-config",
        ),
    ]);
}

#[test]
fn an_auth_token_inside_escaped_json_in_a_secret_string_is_found() {
    assert_each_found_by(&[(
        "infra/secret.json",
        "{\"Name\": \"svc/partner\", \"SecretString\": \"{\\\"AUTH_TOKEN\\\":\\\"Tq8@Zv3kLm9#Px2nB7yD4fH\\\",\\\"user\\\":\\\"svc\\\"}\"}\n",
        "generic-api-key-assignment",
    )]);
}

#[test]
fn key_names_without_api_in_config_files_and_export_lines_are_found() {
    assert_each_found_by(&[
        (
            "deploy/search.yaml",
            "search:\n  azure_search_key: Rb7Kq2Wx9Tm4Vn6Lp3Hc8Jd5Gf1Zs0Ya2Qe7Xu4Io9Up3Ae6Df1Gh\n",
            "generic-credential-config",
        ),
        (
            "deploy/blob.ini",
            "[blob]\nstorage_key = Qw3Zx8Rt1Vm6Kn4Lb9Hc2Jd7Gf5Ps0Ya8Qe2Tu6Io4Up9As1Df7Gh3Xk==\n",
            "generic-credential-config",
        ),
        (
            "deploy/app.properties",
            "blob.storage.key=Mn5Qz8Xt2Rv7Kl4Wp9Hb3Jc6Df1Gs0Ya\n",
            "generic-credential-config",
        ),
        (
            "deploy/env.sh",
            "export AZURE_SEARCH_KEY=Rb7Kq2Wx9Tm4Vn6Lp3Hc8Jd5Gf1Zs0Ya2Qe7Xu4Io9Up3Ae6Df1Gh\n",
            "generic-key-env-assignment",
        ),
    ]);
}

#[test]
fn camel_case_vendor_token_names_are_found() {
    assert_each_found_by(&[
        (
            "src/Deploy.cs",
            "string jfrogToken = \"Vx8Lq3Zr7Wm2Tk9Pn4Bd6Hc1\";\n",
            "generic-api-key-assignment",
        ),
        (
            "src/ci.ts",
            "const githubToken = 'Kp2Xz7Qm4Rw9Lt3Vn8Bd5Hc1';\n",
            "generic-api-key-assignment",
        ),
        (
            "src/notify.js",
            "let slackToken = \"Zq6Wn1Xr8Lm3Tp7Vk2Bd9Hc4\";\n",
            "generic-api-key-assignment",
        ),
    ]);
}

#[test]
fn pagination_tokens_under_camel_case_names_are_not_secrets() {
    assert_none_found(&[(
        "src/list.ts",
        "const nextToken = \"eyJvZmZzZXQiOjQwLCJwYWdlIjozfQ2\";\nreq.pageToken = \"Cg4xNzA5MjM0NTY3ODkwEAI9\";\n",
    )]);
}

#[test]
fn credentials_in_http_headers_are_found() {
    assert_each_found_by(&[
        (
            "docs/search.md",
            "curl -H \"api-key: Hq8Zx2Lm7Wv4Rt9Kp3Nd6Bc1Yf5Gs0Ta\" https://catalog.search.windows.net/indexes\n",
            "http-api-key-header",
        ),
        (
            "api/orders.http",
            "GET https://api.acme.dev/v1/orders\nX-API-Key: Rt9Wv3Ny8Lb6Hc1Jd5Gf0KsZp4Xm7Qk2\n",
            "http-api-key-header",
        ),
    ]);
}

#[test]
fn an_eighty_character_github_refresh_token_is_found() {
    assert_each_found_by(&[(
        "app/token.json",
        "{\"refresh_token\":\"ghr_xcostW77rvGLs2AfaIP7JX4cI7ns9IC6ni9jclsDOzrVLV897jDSkIaYBVi8RClnmlPx9eONotyy\"}\n",
        "github-refresh-token-long",
    )]);
}

#[test]
fn legacy_npm_uuid_tokens_outside_npmrc_are_found() {
    assert_each_found_by(&[
        (
            ".github/workflows/publish.yml",
            "      - run: echo \"//registry.npmjs.org/:_authToken=7c2e9b41-3fd8-4a6c-9e15-b8d03a7f6c24\" > ~/.npmrc\n",
            "npm-legacy-token",
        ),
        (
            "ci/publish.env.sh",
            "NPM_TOKEN=e4a81f07-92bc-4d3e-a5f6-1c7b9d2e8a30\n",
            "npm-legacy-token",
        ),
    ]);
}

#[test]
fn telegram_bot_tokens_without_the_aa_opening_are_found_beside_a_telegram_name() {
    assert_each_found_by(&[(
        "bot/settings.py",
        "TELEGRAM_BOT_TOKEN = \"6042718395:Vb7Kq2Xz9Lm4Wt8Rn3Pd6Hc1Jf5Gs0Yq2Ez\"\n",
        "telegram-bot-token-named",
    )]);
    assert_none_found(&[(
        "bot/README.md",
        "TELEGRAM_BOT_TOKEN=123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11\n",
    )]);
}

#[test]
fn slack_webhook_paths_without_the_host_are_found() {
    assert_each_found_by(&[(
        "ops/notify.env.sh",
        "SLACK_WEBHOOK_PATH=/services/TQ4ZK8N2WX/BL7RM3V9PC/Zp4Xm7Qk2Rt9Wv3Ny8Lb6Hc1\n",
        "slack-webhook-path",
    )]);
}

#[test]
fn an_azure_cache_for_redis_connection_string_is_found() {
    assert_each_found_by(&[(
        "src/appsettings.json",
        "{\"Redis\": \"orders.redis.cache.windows.net:6380,password=Qz7Lm2Xw9Rk4Tv8Pn3Bd6Hc1Jf5Gs0Ya8Qe2Uo4Ip6=,ssl=True,abortConnect=False\"}\n",
        "azure-cache-for-redis-connection-string",
    )]);
}

#[test]
fn a_short_database_password_with_a_real_host_is_found_and_one_for_localhost_is_not() {
    assert_each_found_by(&[(
        "app/.env.production",
        "DATABASE_URL=postgres://billing:q7Xr2m@pg-billing.acme-corp.net:5432/billing\n",
        "database-url-short-password",
    )]);
    assert_none_found(&[(
        "app/dev.py",
        "DATABASE_URL = \"postgres://app:q7Xr2m@localhost:5432/app\"\n",
    )]);
}

#[test]
fn azure_identifiable_service_keys_are_found() {
    assert_each_found_by(&[
        (
            "search.env.sh",
            "SEARCH_ADMIN_KEY=kqYqMlpHaaVE9dNP4JXukS5sjb5iVDFYh2IzT4oVciAzSeCAkXtp\n",
            "azure-search-key",
        ),
        (
            "apim.txt",
            "subscription: r8Kq2Zx7Wm3Vt9Ln4Bp6Hc1Jf5Gs0Ya8Qe2Tu6Io4Up9As1Df7Gh3Xk5Mz2Nw8Lb4Rc7Vt1Yq6PeAPIMx3Kd9Q==\n",
            "azure-identifiable-88-key",
        ),
        (
            "acr.txt",
            "registry password: U+n4n+Baj1ER0INYPs7nkT52ULt9hWJpJwF3w6QxT/+ACRBgCk7I\n",
            "azure-container-registry-key",
        ),
        (
            "functions.txt",
            "x-functions-key: Kd8Lq2Zx7Wm3Rt9Vn4Bp6Hc1Jf5Gs0Ya8Qe2Tu6Io4UpAzFuK3x9Lg==\n",
            "azure-functions-host-key",
        ),
    ]);
}

#[test]
fn the_azurite_and_cosmos_emulator_keys_are_not_secrets() {
    assert_none_found(&[
        (
            "local.settings.env",
            "AZURE_STORAGE_CONNECTION_STRING=DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;\n",
        ),
        (
            "tests/cosmos.py",
            "COSMOS_KEY = \"C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==\"\n",
        ),
    ]);
}

#[test]
fn google_and_firebase_sample_keys_from_public_docs_are_not_secrets() {
    assert_none_found(&[
        (
            "web/firebase.js",
            "const firebaseConfig = { apiKey: \"AIzaSyDOCAbC123dEf456GhI789jKl012-MnO\", authDomain: \"demo.firebaseapp.com\" };\n",
        ),
        (
            "web/map.html",
            "<script src=\"https://maps.googleapis.com/maps/api/js?key=AIzaSyB41DRUbKWJHPxaFjMAwdrzWzbVKartNGg&callback=initMap\"></script>\n",
        ),
    ]);
}

#[test]
fn the_jwt_io_sample_token_is_not_a_secret() {
    assert_none_found(&[(
        "docs/auth.md",
        "token = \"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c\"\n",
    )]);
}

#[test]
fn the_aws_documentation_example_secret_key_and_its_copies_are_not_secrets() {
    assert_none_found(&[
        (
            "tests/mock_sts.py",
            "    \"SecretAccessKey\": \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY\",\n",
        ),
        (
            "docs/credentials.ini",
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
        ),
    ]);
}

#[test]
fn a_sas_string_without_a_signature_is_not_a_secret() {
    assert_none_found(&[(
        "app/blob.py",
        "sas_token = \"sv=2022-11-02&ss=bfqt&srt=sco&sp=rwdlacupiytfx&se=2026-03-01T00:00:00Z&st=2025-01-01T00:00:00Z&spr=https\"\n",
    )]);
}

#[test]
fn digests_of_the_empty_string_are_not_secrets() {
    assert_none_found(&[(
        "tests/fixtures.py",
        "EMPTY_MD5_KEY = \"d41d8cd98f00b204e9800998ecf8427e\"\n\
         api_key = \"da39a3ee5e6b4b0d3255bfef95601890afd80709\"\n\
         secret_key = \"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\"\n",
    )]);
}

#[test]
fn git_object_ids_in_scanner_ignore_and_baseline_files_are_not_secrets() {
    assert_none_found(&[
        (
            ".gitleaksignore",
            "9d4c2e7a1f0b8c3d6e5f4a2b1c0d9e8f7a6b5c4d:config/app.py:generic-api-key:12\n",
        ),
        (
            ".secrets.baseline",
            "{\"results\": {\"app.py\": [{\"type\": \"Secret Keyword\", \"hashed_secret\": \"7c4a8d09ca3762af61e59520943dc26494f8941b\", \"line_number\": 3}]}}\n",
        ),
    ]);
}

#[test]
fn placeholder_user_and_password_in_a_docker_config_are_not_secrets() {
    assert_none_found(&[(
        ".docker/config.json",
        "{\"auths\":{\"registry.acme.dev\":{\"auth\":\"dXNlcjpwYXNz\"}}}\n",
    )]);
}

#[test]
fn placeholders_stay_unreported_under_secret_names() {
    assert_none_found(&[(
        "app/placeholders.py",
        "SHIPPO_TOKEN = \"shippo_live_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"\n\
         api_key = \"abc123def4567890abc123def4567890\"\n\
         auth_token = \"fake-token-9f8e7d6c5b4a3210\"\n",
    )]);
}

#[test]
fn widely_used_services_that_had_no_rule_are_found() {
    assert_each_found_by(&[
        (
            "a/jira.env.sh",
            "JIRA_PAT=NwZWdfRLgxL+Z1bvxbT7WrKL8ozFiA2auK7Z7GtQbU4W\n",
            "atlassian-datacenter-pat",
        ),
        (
            "a/bitbucket.env.sh",
            "BITBUCKET_TOKEN=BBDC-WEOCV81K2LSnAwqRzZHb4gzQt8HQT0PMPSlWW0Sao/dg\n",
            "bitbucket-datacenter-http-token",
        ),
        (
            "a/tableau.env.sh",
            "TABLEAU_PAT_SECRET=PuXJkBGrbwzrzx1vLXEvz4==:OT2pOpuTG3suUNwztrtPYScw9F4ca96Q\n",
            "tableau-pat-secret",
        ),
        (
            "a/smartsheet.env.sh",
            "SMARTSHEET_ACCESS_TOKEN=EgS6r3UyeiI75Qb4Sa9q0nKSYrrm3nqtcMYV4\n",
            "smartsheet-api-token",
        ),
        (
            "a/hubspot.env.sh",
            "HUBSPOT_ACCESS_TOKEN=pat-na1-6b0b9658-d7db-c036-095e-68de96039211\n",
            "hubspot-private-app-token",
        ),
        (
            "a/asana.cs",
            "var client = new AsanaClient(token: \"2/4471920365810726/9302518847612093:7d1e0b94c3a6f25e81d07c4b9a3f6e28\");\n",
            "asana-personal-access-token",
        ),
        (
            "a/octopus.env.sh",
            "OCTOPUS_API_KEY=API-0TX9SMGZZLQ3VII2Y09LXQNR3Y\n",
            "octopus-deploy-api-key",
        ),
        (
            "a/duo.env.sh",
            "DUO_SKEY=L067ek5o46eqKEiPdhAHVyfEVpuAkriRoAlUaQKI\n",
            "duo-secret-key",
        ),
        (
            "a/railway.env.sh",
            "RAILWAY_TOKEN=1c11a795-e1d7-63f5-88b2-65b234421c5b\n",
            "railway-api-token",
        ),
        (
            "a/amplitude.env.sh",
            "AMPLITUDE_SECRET_KEY=75a1ad69534f07c37e255eb8a1c09540\n",
            "amplitude-api-key",
        ),
        (
            "a/travis.env.sh",
            "TRAVIS_API_TOKEN=kllP-2JFtUoqpEwidTCkz1\n",
            "travis-ci-token",
        ),
        (
            "a/couchbase.env.sh",
            "COUCHBASE_URL=couchbases://app:Rk7*Wq2~Lm9xZt4@cb.acme-corp.net\n",
            "couchbase-connection-url",
        ),
        (
            "a/razorpay.env.sh",
            "RAZORPAY_KEY_SECRET=gt5xOLhaDNPpQK1kGbAk8B1M\n",
            "razorpay-key-secret",
        ),
        (
            "a/coinbase.env.sh",
            "COINBASE_API_SECRET=QXmHgX3TAEy5JVdr3Q9LvUd_aM3ZWR8fWgVJeed1yJegpq-YMDE3HoYGlXigBlZu\n",
            "coinbase-api-secret",
        ),
        (
            "a/plaid.env.sh",
            "PLAID_SECRET=35bc4986e10b742c0bac74200567a8\n",
            "plaid-secret",
        ),
        (
            "a/paypal.env.sh",
            "PAYPAL_ACCESS_TOKEN=A21AAJA3O3Kv-2whpsOifIEcipNinfb44ChJxPCk-42peNkyaIj6_rKCGKQ0Y2CCPpbaNB3kXRkW1NnX1xMJimgUjPEIg8yQl\n",
            "paypal-oauth-access-token",
        ),
        (
            "a/appsync.env.sh",
            "APPSYNC_API_KEY=da2-4n6t2q6ql3sjmv6i6ow7eo91ja\n",
            "aws-appsync-api-key",
        ),
        (
            "a/twilio.env.sh",
            "TWILIO_API_SECRET=VuyuZlyFAbFbdGFAM37FxPTMHJuQtTL0\n",
            "twilio-api-key-secret",
        ),
    ]);
}

#[test]
fn keys_in_getenv_fallbacks_typed_constants_and_header_items_are_found() {
    assert_each_found_by(&[
        (
            "scripts/export.py",
            "search_admin_key = os.environ.get(\"SEARCH_ADMIN_KEY\", \"Ym3Dqk9Lo6ZIvlDza8YxT3T7mPNKojZ3sT81Dy\")\n",
            "generic-key-env-assignment",
        ),
        (
            "web/zendesk.ts",
            "export const ZENDESK_API_TOKEN: string = \"Kq7Lm2Xw9Rt4Vz8Pn3Bd6Hc1Jf5Gs0YaQe2Tu6Iw\";\n",
            "zendesk-api-token",
        ),
        (
            "lib/client.rb",
            "req[\"Authorization\"] = \"Bearer Qk7Lm2Xw9Rt4Vz8Pn3Bd6Hc1Jf5Gs0Ya\"\n",
            "http-bearer-token-header",
        ),
    ]);
}
