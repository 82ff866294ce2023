//! `--verify`: asking each secret's provider whether it still works. Every
//! provider here is a local HTTP server on 127.0.0.1 that the test starts
//! and that records what it was sent.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::util::*;

/// One request as the fake provider received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The whole request as text, to check where a secret appears.
    pub fn whole(&self) -> String {
        let headers: String = self
            .headers
            .iter()
            .map(|(n, v)| format!("{n}: {v}\n"))
            .collect();
        format!("{} {}\n{headers}\n{}", self.method, self.target, self.body)
    }
}

/// What the fake provider does with a request.
pub enum Reply {
    /// Status, extra headers, body.
    Answer(u16, Vec<(String, String)>, String),
    /// Keeps the connection open without answering.
    Hang,
}

pub fn answer(status: u16, body: &str) -> Reply {
    Reply::Answer(status, Vec::new(), body.to_string())
}

/// A local HTTP server that records every connection and request.
pub struct FakeProvider {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    connections: Arc<Mutex<usize>>,
}

impl FakeProvider {
    pub fn start(reply: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(Mutex::new(0));
        let reply = Arc::new(reply);
        {
            let requests = requests.clone();
            let connections = connections.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    let Ok(stream) = stream else { continue };
                    *connections.lock().unwrap() += 1;
                    let requests = requests.clone();
                    let reply = reply.clone();
                    std::thread::spawn(move || serve(stream, &requests, &*reply));
                }
            });
        }
        FakeProvider {
            addr,
            requests,
            connections,
        }
    }

    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    pub fn connections(&self) -> usize {
        *self.connections.lock().unwrap()
    }
}

fn serve(stream: TcpStream, requests: &Mutex<Vec<Recorded>>, reply: &dyn Fn(&Recorded) -> Reply) {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut first = String::new();
    if reader.read_line(&mut first).unwrap_or(0) == 0 {
        return;
    }
    let mut parts = first.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let target = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.trim_end().split_once(':') {
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let recorded = Recorded {
        method,
        target,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    requests.lock().unwrap().push(recorded.clone());
    let mut stream = stream;
    match reply(&recorded) {
        Reply::Answer(status, extra, body) => {
            let extra: String = extra.iter().map(|(n, v)| format!("{n}: {v}\r\n")).collect();
            let _ = write!(
                stream,
                "HTTP/1.1 {status} Answer\r\nContent-Type: application/json\r\n{extra}\
                 Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
        Reply::Hang => std::thread::sleep(Duration::from_secs(20)),
    }
}

/// A local port with nothing listening on it.
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

const ACME_TOKEN: &str = "acme_q8fz2lmx0prt7wvnk3jd9s6b";
const OTHER_ACME_TOKEN: &str = "acme_z7yx6wvu5tsr4qpo3nml2kji";

/// A config whose one rule, `acme-token`, verifies at `origin`.
fn acme_config(origin: &str, extra_scan: &str) -> String {
    format!(
        r#"[extend]
use_default = false

[scan]
{extra_scan}

[[rules]]
id = "acme-token"
description = "Acme API token"
regex = '''\b(acme_[a-z0-9]{{24}})\b'''
keywords = ["acme_"]

[rules.verify]
url = "{origin}/v1/whoami"
headers = {{ Authorization = "Bearer ${{secret}}" }}
account = ["/user/name"]
[[rules.verify.live]]
status = [200]
[[rules.verify.invalid]]
status = [401]
"#
    )
}

/// A repository with the acme config and `token` committed in `keys.txt`.
/// Scans name the config with `--config`: only a config the user names can
/// say where secrets are sent.
fn repo_with_acme_token(origin: &str, token: &str) -> TestRepo {
    let repo = TestRepo::new();
    repo.commit_file(".leakgate.toml", &acme_config(origin, ""), "configure");
    repo.commit_file("keys.txt", &format!("ACME_TOKEN={token}\n"), "add a key");
    repo
}

fn verified(out: &Output) -> Vec<serde_json::Value> {
    findings(out)
        .into_iter()
        .map(|f| f["verification"].clone())
        .collect()
}

#[test]
fn a_token_its_provider_accepts_is_live_and_names_the_account() {
    let provider = FakeProvider::start(|_| answer(200, r#"{"user":{"name":"build-bot"}}"#));
    let repo = repo_with_acme_token(&provider.origin(), ACME_TOKEN);
    let out = repo.leakgate(&[
        "scan",
        "--config",
        ".leakgate.toml",
        "--history",
        "--verify",
        "--format",
        "json",
    ]);
    assert_blocked_by_finding(&out);
    let verification = &verified(&out)[0];
    assert_eq!(verification["status"], "live");
    assert_eq!(verification["detail"], "accepted by 127.0.0.1 as build-bot");
}

#[test]
fn a_token_its_provider_rejects_is_invalid() {
    let provider = FakeProvider::start(|_| answer(401, r#"{"error":"bad token"}"#));
    let repo = repo_with_acme_token(&provider.origin(), ACME_TOKEN);
    let out = repo.leakgate(&[
        "scan",
        "--config",
        ".leakgate.toml",
        "--history",
        "--verify",
        "--format",
        "json",
    ]);
    assert_blocked_by_finding(&out);
    let verification = &verified(&out)[0];
    assert_eq!(verification["status"], "invalid");
    assert_eq!(verification["detail"], "rejected by 127.0.0.1 (HTTP 401)");
}

#[test]
fn rate_limiting_server_errors_and_unexpected_answers_are_unknown_never_invalid() {
    for (status, detail) in [
        (429, "rate limited by 127.0.0.1 (HTTP 429)"),
        (503, "127.0.0.1 failed to answer (HTTP 503)"),
        (404, "unexpected answer from 127.0.0.1 (HTTP 404)"),
    ] {
        let provider = FakeProvider::start(move |_| answer(status, "{}"));
        let repo = repo_with_acme_token(&provider.origin(), ACME_TOKEN);
        let out = repo.leakgate(&[
            "scan",
            "--config",
            ".leakgate.toml",
            "--history",
            "--verify",
            "--format",
            "json",
        ]);
        assert_blocked_by_finding(&out);
        let verification = &verified(&out)[0];
        assert_eq!(verification["status"], "unknown", "HTTP {status}");
        assert_eq!(verification["detail"], detail);
    }
}

#[test]
fn a_provider_that_does_not_answer_in_time_is_unknown() {
    let provider = FakeProvider::start(|_| Reply::Hang);
    let repo = repo_with_acme_token(&provider.origin(), ACME_TOKEN);
    let started = std::time::Instant::now();
    let out = repo.leakgate(&[
        "scan",
        "--config",
        ".leakgate.toml",
        "--history",
        "--verify",
        "--verify-timeout",
        "0.5",
        "--format",
        "json",
    ]);
    assert_blocked_by_finding(&out);
    let verification = &verified(&out)[0];
    assert_eq!(verification["status"], "unknown");
    assert_eq!(
        verification["detail"],
        "127.0.0.1 did not answer within 0.5s"
    );
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "the request was cut off"
    );
}

#[test]
fn a_refused_connection_is_unknown() {
    let origin = format!("http://127.0.0.1:{}", closed_port());
    let repo = repo_with_acme_token(&origin, ACME_TOKEN);
    let out = repo.leakgate(&[
        "scan",
        "--config",
        ".leakgate.toml",
        "--history",
        "--verify",
        "--format",
        "json",
    ]);
    assert_blocked_by_finding(&out);
    let verification = &verified(&out)[0];
    assert_eq!(verification["status"], "unknown");
    assert_eq!(verification["detail"], "127.0.0.1 refused the connection");
}

#[test]
fn the_secret_goes_only_where_the_rule_puts_it() {
    let provider = FakeProvider::start(|_| answer(200, "{}"));
    let repo = repo_with_acme_token(&provider.origin(), ACME_TOKEN);
    assert_blocked_by_finding(&repo.leakgate(&[
        "scan",
        "--config",
        ".leakgate.toml",
        "--history",
        "--verify",
    ]));
    let requests = provider.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "GET");
    assert_eq!(request.target, "/v1/whoami");
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {ACME_TOKEN}").as_str())
    );
    assert_eq!(
        request.whole().matches(ACME_TOKEN).count(),
        1,
        "{request:?}"
    );
}

#[test]
fn a_redirect_to_another_host_is_not_followed() {
    let elsewhere = FakeProvider::start(|_| answer(200, "{}"));
    let location = format!("{}/steal", elsewhere.origin());
    let provider = FakeProvider::start(move |_| {
        Reply::Answer(
            302,
            vec![("Location".into(), location.clone())],
            String::new(),
        )
    });
    let repo = repo_with_acme_token(&provider.origin(), ACME_TOKEN);
    let out = repo.leakgate(&[
        "scan",
        "--config",
        ".leakgate.toml",
        "--history",
        "--verify",
        "--format",
        "json",
    ]);
    let verification = &verified(&out)[0];
    assert_eq!(verification["status"], "unknown");
    assert_eq!(
        verification["detail"],
        "127.0.0.1 answered with a redirect (HTTP 302), which is never followed"
    );
    assert_eq!(provider.requests().len(), 1);
    assert_eq!(elsewhere.connections(), 0);
}

#[test]
fn each_distinct_secret_is_asked_once() {
    let provider = FakeProvider::start(|_| answer(200, "{}"));
    let repo = repo_with_acme_token(&provider.origin(), ACME_TOKEN);
    repo.commit_file("copy.txt", &format!("token: {ACME_TOKEN}\n"), "copy");
    repo.commit_file(
        "other.txt",
        &format!("token: {OTHER_ACME_TOKEN}\n"),
        "other",
    );
    let out = repo.leakgate(&[
        "scan",
        "--config",
        ".leakgate.toml",
        "--history",
        "--verify",
        "--format",
        "json",
    ]);
    assert_eq!(findings(&out).len(), 3);
    assert!(verified(&out).iter().all(|v| v["status"] == "live"));
    let mut asked: Vec<String> = provider
        .requests()
        .iter()
        .map(|r| r.header("authorization").unwrap().to_string())
        .collect();
    asked.sort();
    assert_eq!(
        asked,
        [
            format!("Bearer {ACME_TOKEN}"),
            format!("Bearer {OTHER_ACME_TOKEN}")
        ]
    );
}

/// Live for one token, invalid for every other.
fn provider_accepting(token: &'static str) -> FakeProvider {
    FakeProvider::start(move |request| {
        if request.header("authorization") == Some(&format!("Bearer {token}")) {
            answer(200, r#"{"user":{"name":"deploy"}}"#)
        } else {
            answer(401, "{}")
        }
    })
}

#[test]
fn only_verified_reports_live_secrets_and_exits_1_only_if_there_are_any() {
    let provider = provider_accepting(ACME_TOKEN);
    let repo = repo_with_acme_token(&provider.origin(), OTHER_ACME_TOKEN);
    let none_live = repo.leakgate(&[
        "scan",
        "--config",
        ".leakgate.toml",
        "--history",
        "--only-verified",
        "--format",
        "json",
    ]);
    assert_passed(&none_live);
    assert!(findings(&none_live).is_empty());
    repo.commit_file("live.txt", &format!("token: {ACME_TOKEN}\n"), "live");
    let out = repo.leakgate(&[
        "scan",
        "--config",
        ".leakgate.toml",
        "--history",
        "--only-verified",
        "--format",
        "json",
    ]);
    assert_blocked_by_finding(&out);
    let paths: Vec<_> = findings(&out).iter().map(|f| f["path"].clone()).collect();
    assert_eq!(paths, ["live.txt"]);
}

#[test]
fn verify_alone_keeps_the_exit_code_of_a_scan_without_it() {
    let provider = provider_accepting(ACME_TOKEN);
    let repo = repo_with_acme_token(&provider.origin(), OTHER_ACME_TOKEN);
    let out = repo.leakgate(&[
        "scan",
        "--config",
        ".leakgate.toml",
        "--history",
        "--verify",
        "--format",
        "json",
    ]);
    assert_blocked_by_finding(&out);
    assert_eq!(verified(&out)[0]["status"], "invalid");
}

#[test]
fn files_on_disk_are_verified_too() {
    let provider = provider_accepting(ACME_TOKEN);
    let repo = TestRepo::new();
    repo.write(".leakgate.toml", &acme_config(&provider.origin(), ""));
    repo.write("deploy/env", &format!("ACME={ACME_TOKEN}\n"));
    let out = repo.leakgate(&[
        "scan",
        "--config",
        ".leakgate.toml",
        "--verify",
        "--format",
        "json",
        "deploy",
    ]);
    assert_blocked_by_finding(&out);
    assert_eq!(verified(&out)[0]["status"], "live");
}

#[test]
fn without_verify_nothing_is_asked_and_json_has_no_verification() {
    let provider = provider_accepting(ACME_TOKEN);
    let repo = repo_with_acme_token(&provider.origin(), ACME_TOKEN);
    let out = repo.leakgate(&[
        "scan",
        "--config",
        ".leakgate.toml",
        "--history",
        "--format",
        "json",
    ]);
    assert_blocked_by_finding(&out);
    assert!(findings(&out)[0].get("verification").is_none());
    assert_eq!(provider.connections(), 0);
}

#[test]
fn a_commit_never_verifies_even_when_the_config_asks_to() {
    let provider = provider_accepting(ACME_TOKEN);
    let repo = TestRepo::new();
    repo.install_hook();
    repo.write(
        ".leakgate.toml",
        &acme_config(&provider.origin(), "verify = true"),
    );
    repo.git(&["add", ".leakgate.toml"]);
    repo.stage("keys.txt", &format!("ACME_TOKEN={ACME_TOKEN}\n"));
    let all = assert_blocked_by_finding(&repo.commit(&[]));
    assert!(all.contains("acme-token"), "{all}");
    assert!(!all.contains("LIVE"), "{all}");
    assert_eq!(provider.connections(), 0);
}

#[test]
fn verify_on_a_staged_scan_is_refused_without_a_request() {
    let provider = provider_accepting(ACME_TOKEN);
    let repo = TestRepo::new();
    repo.write(".leakgate.toml", &acme_config(&provider.origin(), ""));
    repo.stage("keys.txt", &format!("ACME_TOKEN={ACME_TOKEN}\n"));
    for args in [
        &["scan", "--verify"][..],
        &["scan", "--only-verified", "--staged"],
    ] {
        let all = assert_blocked_by_error(&repo.leakgate(args));
        assert!(
            all.contains("commit hooks never make network requests"),
            "{all}"
        );
    }
    assert_eq!(provider.connections(), 0);
}

#[test]
fn the_config_can_turn_verification_on_for_history_scans() {
    let provider = provider_accepting(ACME_TOKEN);
    let repo = TestRepo::new();
    repo.commit_file(
        ".leakgate.toml",
        &acme_config(&provider.origin(), "verify = true"),
        "configure",
    );
    repo.commit_file("keys.txt", &format!("ACME_TOKEN={ACME_TOKEN}\n"), "add");
    let out = repo.leakgate(&[
        "scan",
        "--config",
        ".leakgate.toml",
        "--history",
        "--format",
        "json",
    ]);
    assert_eq!(verified(&out)[0]["status"], "live");
}

#[test]
fn a_verify_table_that_sends_the_secret_to_a_host_it_does_not_name_is_an_error() {
    let repo = TestRepo::new();
    let config = acme_config("https://${secret}.example.com", "");
    repo.commit_file(".leakgate.toml", &config, "configure");
    repo.commit_file("keys.txt", &format!("ACME_TOKEN={ACME_TOKEN}\n"), "add");
    let all = assert_blocked_by_error(&repo.leakgate(&[
        "scan",
        "--config",
        ".leakgate.toml",
        "--history",
        "--verify",
    ]));
    assert!(all.contains("rule acme-token: verify table"), "{all}");
    assert!(all.contains("must name its host literally"), "{all}");
}

#[test]
fn a_remote_host_over_plain_http_is_never_asked() {
    let repo = repo_with_acme_token("http://verify.example.invalid", ACME_TOKEN);
    let out = repo.leakgate(&[
        "scan",
        "--config",
        ".leakgate.toml",
        "--history",
        "--verify",
        "--format",
        "json",
    ]);
    let verification = &verified(&out)[0];
    assert_eq!(verification["status"], "unknown");
    assert_eq!(
        verification["detail"],
        "not sent to verify.example.invalid: verification uses HTTPS (plain HTTP only to this machine)"
    );
}

#[test]
fn the_history_report_lists_live_secrets_first() {
    let provider = provider_accepting(ACME_TOKEN);
    let repo = repo_with_acme_token(&provider.origin(), OTHER_ACME_TOKEN);
    repo.commit_file("z-live.txt", &format!("token: {ACME_TOKEN}\n"), "live");
    let out = repo.leakgate(&[
        "scan",
        "--config",
        ".leakgate.toml",
        "--history",
        "--verify",
        "--color",
        "never",
    ]);
    let all = assert_blocked_by_finding(&out);
    let mut settings = insta::Settings::clone_current();
    settings.add_filter(r"commit [0-9a-f]{12} by .*", "commit [COMMIT]");
    settings.bind(|| insta::assert_snapshot!(all));
}

/// What one provider test needs: where the secret sits in a committed file,
/// and the host its built-in rule sends it to.
#[test]
fn a_repository_config_cannot_choose_where_secrets_are_sent() {
    let provider = provider_accepting(ACME_TOKEN);
    let repo = repo_with_acme_token(&provider.origin(), ACME_TOKEN);
    let out = repo.leakgate(&["scan", "--history", "--verify", "--format", "json"]);
    let all = assert_blocked_by_finding(&out);
    assert!(
        all.contains("the verify table of rule acme-token in the repository's config is ignored"),
        "{all}"
    );
    assert!(findings(&out)[0].get("verification").is_none());
    assert_eq!(provider.connections(), 0);
}

struct Provider {
    host: &'static str,
    file: &'static str,
}

/// Commits the provider's file, then scans history with `--verify` while
/// its host is mapped to a local server answering `status` and `body`.
/// Returns the scan's JSON findings and what the server received.
fn verify_with(
    provider: &Provider,
    status: u16,
    body: &'static str,
) -> (Vec<serde_json::Value>, Vec<Recorded>) {
    let server = FakeProvider::start(move |_| answer(status, body));
    let repo = TestRepo::new();
    repo.commit_file("deploy/secrets.env", provider.file, "add deploy settings");
    let out = repo
        .command(leakgate_bin())
        .env(
            "LEAKGATE_VERIFY_OVERRIDE",
            format!("{}={}", provider.host, server.origin()),
        )
        .args(["scan", "--history", "--verify", "--format", "json"])
        .output()
        .unwrap();
    assert_blocked_by_finding(&out);
    (findings(&out), server.requests())
}

/// The one request, checked to carry `secret` exactly once, in `header`
/// as `value`.
fn only_request_with_secret_in_header(
    requests: &[Recorded],
    secret: &str,
    header: &str,
    value: &str,
) -> Recorded {
    assert_eq!(requests.len(), 1, "{requests:?}");
    let request = requests[0].clone();
    assert_eq!(request.header(header), Some(value), "{request:?}");
    assert_eq!(request.whole().matches(secret).count(), 1, "{request:?}");
    request
}

fn verification_of<'a>(findings: &'a [serde_json::Value], rule: &str) -> &'a serde_json::Value {
    &findings
        .iter()
        .find(|f| f["rule_id"] == rule)
        .unwrap_or_else(|| panic!("no {rule} finding in {findings:?}"))["verification"]
}

const OPENAI_KEY: &str = "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";

#[test]
fn an_openai_key_is_checked_by_listing_models() {
    let provider = Provider {
        host: "api.openai.com",
        file: "OPENAI_API_KEY=\"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\"\n",
    };
    let (found, requests) = verify_with(&provider, 401, r#"{"error":{"code":"invalid_api_key"}}"#);
    let bearer = format!("Bearer {OPENAI_KEY}");
    let request =
        only_request_with_secret_in_header(&requests, OPENAI_KEY, "authorization", &bearer);
    assert_eq!(
        (request.method.as_str(), request.target.as_str()),
        ("GET", "/v1/models")
    );
    assert_eq!(
        verification_of(&found, "openai-project-key")["status"],
        "invalid"
    );
}

#[test]
fn an_anthropic_key_is_checked_against_its_organization() {
    let key = "sk-ant-api03-9iVb-LeCXFjyMBx5tftZ2vWoCAEXcIdpozUe2CSYknhwtmFIk63q5XF43LyCr7nKiMqE7HzZzR_DtQhE9a1uJ05YYPqcqAA";
    let provider = Provider {
        host: "api.anthropic.com",
        file: "ANTHROPIC_API_KEY=sk-ant-api03-9iVb-LeCXFjyMBx5tftZ2vWoCAEXcIdpozUe2CSYknhwtmFIk63q5XF43LyCr7nKiMqE7HzZzR_DtQhE9a1uJ05YYPqcqAA\n",
    };
    let (found, requests) = verify_with(
        &provider,
        200,
        r#"{"id":"o-1","name":"Acme Research","type":"organization"}"#,
    );
    let request = only_request_with_secret_in_header(&requests, key, "x-api-key", key);
    assert_eq!(request.target, "/v1/organizations/me");
    assert_eq!(request.header("anthropic-version"), Some("2023-06-01"));
    let verification = verification_of(&found, "anthropic-api-key");
    assert_eq!(verification["status"], "live");
    assert_eq!(
        verification["detail"],
        "accepted by api.anthropic.com as Acme Research"
    );
}

#[test]
fn a_hugging_face_token_is_checked_with_whoami() {
    let token = "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";
    let provider = Provider {
        host: "huggingface.co",
        file: "HF_TOKEN=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\n",
    };
    let (found, requests) = verify_with(&provider, 200, r#"{"name":"ml-bot","type":"user"}"#);
    let request = only_request_with_secret_in_header(
        &requests,
        token,
        "authorization",
        &format!("Bearer {token}"),
    );
    assert_eq!(request.target, "/api/whoami-v2");
    assert_eq!(
        verification_of(&found, "huggingface-access-token")["detail"],
        "accepted by huggingface.co as ml-bot"
    );
}

#[test]
fn a_github_token_is_checked_with_the_user_endpoint_and_names_the_login() {
    let provider = Provider {
        host: "api.github.com",
        file: "GITHUB_TOKEN=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\n",
    };
    let token = "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";
    let (found, requests) = verify_with(&provider, 200, r#"{"login":"octo-deployer","id":1}"#);
    let request = only_request_with_secret_in_header(
        &requests,
        token,
        "authorization",
        &format!("Bearer {token}"),
    );
    assert_eq!(
        (request.method.as_str(), request.target.as_str()),
        ("GET", "/user")
    );
    let verification = verification_of(&found, "github-pat-classic");
    assert_eq!(verification["status"], "live");
    assert_eq!(
        verification["detail"],
        "accepted by api.github.com as octo-deployer"
    );
}

#[test]
fn a_github_app_installation_token_is_checked_with_its_repositories() {
    let token = "ghs_JrmyNiEwRne4aNKMTfTVUjeBu1NdIc00Xwq5";
    let provider = Provider {
        host: "api.github.com",
        file: "export GH_TOKEN=\"ghs_JrmyNiEwRne4aNKMTfTVUjeBu1NdIc00Xwq5\"\n",
    };
    let (found, requests) = verify_with(&provider, 401, r#"{"message":"Bad credentials"}"#);
    let request = only_request_with_secret_in_header(
        &requests,
        token,
        "authorization",
        &format!("Bearer {token}"),
    );
    assert_eq!(request.target, "/installation/repositories?per_page=1");
    assert_eq!(
        verification_of(&found, "github-server-to-server-token")["status"],
        "invalid"
    );
}

#[test]
fn a_gitlab_token_is_checked_with_the_user_endpoint() {
    let token = "glpat-YMndTXnzv3CgXWi2TVqt";
    let provider = Provider {
        host: "gitlab.com",
        file: "GITLAB_TOKEN=glpat-YMndTXnzv3CgXWi2TVqt\n",
    };
    let (found, requests) = verify_with(&provider, 403, r#"{"error":"insufficient_scope"}"#);
    let request = only_request_with_secret_in_header(&requests, token, "private-token", token);
    assert_eq!(request.target, "/api/v4/user");
    assert_eq!(verification_of(&found, "gitlab-pat")["status"], "live");
}

#[test]
fn an_npm_token_is_checked_with_whoami() {
    let token = "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";
    let provider = Provider {
        host: "registry.npmjs.org",
        file: "NPM_TOKEN=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\n",
    };
    let (found, requests) = verify_with(&provider, 200, r#"{"username":"release-bot"}"#);
    let request = only_request_with_secret_in_header(
        &requests,
        token,
        "authorization",
        &format!("Bearer {token}"),
    );
    assert_eq!(request.target, "/-/whoami");
    assert_eq!(
        verification_of(&found, "npm-access-token")["detail"],
        "accepted by registry.npmjs.org as release-bot"
    );
}

#[test]
fn a_slack_token_is_checked_with_auth_test_and_a_refusal_in_the_body_is_invalid() {
    let token = "xoxb-952021219719-0548132375914-CCK8s6JLwIB4yZewnqQ5u87k";
    let provider = Provider {
        host: "slack.com",
        file: "SLACK_BOT_TOKEN=xoxb-952021219719-0548132375914-CCK8s6JLwIB4yZewnqQ5u87k\n",
    };
    let (found, requests) = verify_with(&provider, 200, r#"{"ok":false,"error":"invalid_auth"}"#);
    let request = only_request_with_secret_in_header(
        &requests,
        token,
        "authorization",
        &format!("Bearer {token}"),
    );
    assert_eq!(
        (request.method.as_str(), request.target.as_str()),
        ("POST", "/api/auth.test")
    );
    assert_eq!(
        verification_of(&found, "slack-bot-token")["status"],
        "invalid"
    );
    let (found, _) = verify_with(
        &provider,
        200,
        r#"{"ok":true,"team":"Acme","user":"deploybot"}"#,
    );
    assert_eq!(
        verification_of(&found, "slack-bot-token")["detail"],
        "accepted by slack.com as Acme / deploybot"
    );
}

#[test]
fn a_slack_webhook_is_checked_without_posting_a_message() {
    let provider = Provider {
        host: "hooks.slack.com",
        file: "SLACK_WEBHOOK_URL=https://hooks.slack.com/services/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\n",
    };
    let (found, requests) = verify_with(&provider, 400, "no_text");
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.target,
        "/services/T82ZSJPDT/BYUWK77TP6M/Rc3p06JuJQ6rv6dw0Hu7KlYl"
    );
    assert_eq!(
        request.body, r#"{"text":""}"#,
        "an empty message, which Slack refuses to post"
    );
    assert_eq!(
        verification_of(&found, "slack-webhook-url")["status"],
        "live"
    );
}

#[test]
fn a_stripe_key_is_checked_by_reading_its_account() {
    let key = "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";
    let provider = Provider {
        host: "api.stripe.com",
        file: "STRIPE_SECRET_KEY=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\n",
    };
    let (found, requests) = verify_with(
        &provider,
        200,
        r#"{"id":"acct_1Abc","settings":{"dashboard":{"display_name":"Acme Shop"}}}"#,
    );
    let request = only_request_with_secret_in_header(
        &requests,
        key,
        "authorization",
        &format!("Bearer {key}"),
    );
    assert_eq!(request.target, "/v1/account");
    assert_eq!(
        verification_of(&found, "stripe-secret-key")["detail"],
        "accepted by api.stripe.com as Acme Shop / acct_1Abc"
    );
}

#[test]
fn a_sendgrid_key_is_checked_by_listing_its_scopes() {
    let key = "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";
    let provider = Provider {
        host: "api.sendgrid.com",
        file: "SENDGRID_API_KEY=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\n",
    };
    let (found, requests) = verify_with(&provider, 200, r#"{"scopes":["mail.send"]}"#);
    let request = only_request_with_secret_in_header(
        &requests,
        key,
        "authorization",
        &format!("Bearer {key}"),
    );
    assert_eq!(request.target, "/v3/scopes");
    assert_eq!(
        verification_of(&found, "sendgrid-api-key")["status"],
        "live"
    );
}

#[test]
fn a_twilio_auth_token_is_checked_with_its_account_sid() {
    use base64::Engine as _;
    let provider = Provider {
        host: "api.twilio.com",
        file: "sms:\n  account_sid: ACde8a5aaff3273c5ab5ecd96ec9a8a1c4\n  auth_token: 11efcfbe2b14e14007691538967e727f\n",
    };
    let (found, requests) = verify_with(&provider, 200, r#"{"friendly_name":"Acme SMS"}"#);
    let basic = base64::engine::general_purpose::STANDARD
        .encode("ACde8a5aaff3273c5ab5ecd96ec9a8a1c4:11efcfbe2b14e14007691538967e727f");
    let request = only_request_with_secret_in_header(
        &requests,
        &basic,
        "authorization",
        &format!("Basic {basic}"),
    );
    assert_eq!(
        request.target,
        "/2010-04-01/Accounts/ACde8a5aaff3273c5ab5ecd96ec9a8a1c4.json"
    );
    assert!(!request.whole().contains("11efcfbe2b14e14007691538967e727f"));
    assert_eq!(
        verification_of(&found, "twilio-account-sid-and-auth-token")["detail"],
        "accepted by api.twilio.com as Acme SMS"
    );
}

#[test]
fn an_aws_key_pair_is_checked_with_a_signed_get_caller_identity() {
    let provider = Provider {
        host: "sts.amazonaws.com",
        file: "[default]\naws_access_key_id = AKIAT2NOBZKC4VZJ23AN\naws_secret_access_key = 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\n",
    };
    let (found, requests) = verify_with(
        &provider,
        200,
        "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/ci</Arn>\
         <UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>",
    );
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(
        (request.method.as_str(), request.target.as_str()),
        ("POST", "/")
    );
    assert_eq!(request.body, "Action=GetCallerIdentity&Version=2011-06-15");
    let authorization = request.header("authorization").unwrap();
    assert!(
        authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKIAT2NOBZKC4VZJ23AN/")
            && authorization.contains("/us-east-1/sts/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature="),
        "{authorization}"
    );
    assert!(
        !request
            .whole()
            .contains("kagdUCBU20AgdQouD10s2Zd7ZIi37WxfVOwp5DCY"),
        "the secret key signs, it is never sent"
    );
    for rule in ["aws-secret-access-key", "aws-access-key-id"] {
        let verification = verification_of(&found, rule);
        assert_eq!(verification["status"], "live", "{rule}");
        assert_eq!(
            verification["detail"],
            "accepted by sts.amazonaws.com as arn:aws:iam::123456789012:user/ci"
        );
    }
    let (found, _) = verify_with(
        &provider,
        403,
        "<ErrorResponse><Error><Code>InvalidClientTokenId</Code></Error></ErrorResponse>",
    );
    assert_eq!(
        verification_of(&found, "aws-secret-access-key")["status"],
        "invalid"
    );
}

#[test]
fn a_google_api_key_is_checked_in_a_header_not_the_url() {
    let key = "AIzaSy3mZLpf8JjR2idBzsFnsfjFb06B3iZPI3e";
    let provider = Provider {
        host: "generativelanguage.googleapis.com",
        file: "const MAPS_KEY = \"AIzaSy3mZLpf8JjR2idBzsFnsfjFb06B3iZPI3e\";\n",
    };
    let (found, requests) = verify_with(
        &provider,
        403,
        r#"{"error":{"status":"PERMISSION_DENIED","details":[{"reason":"SERVICE_DISABLED"}]}}"#,
    );
    let request = only_request_with_secret_in_header(&requests, key, "x-goog-api-key", key);
    assert_eq!(request.target, "/v1beta/models?pageSize=1");
    assert_eq!(verification_of(&found, "gcp-api-key")["status"], "live");
    let (found, _) = verify_with(
        &provider,
        400,
        r#"{"error":{"details":[{"reason":"API_KEY_INVALID"}]}}"#,
    );
    assert_eq!(verification_of(&found, "gcp-api-key")["status"], "invalid");
}

#[test]
fn sarif_carries_the_verification_and_ranks_live_findings_above_the_rest() {
    let provider = provider_accepting(ACME_TOKEN);
    let repo = repo_with_acme_token(&provider.origin(), OTHER_ACME_TOKEN);
    repo.commit_file("live.txt", &format!("token: {ACME_TOKEN}\n"), "live");
    let out = repo.leakgate(&[
        "scan",
        "--config",
        ".leakgate.toml",
        "--history",
        "--verify",
        "--format",
        "sarif",
    ]);
    assert_blocked_by_finding(&out);
    let sarif = json(&out);
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let by_path = |path: &str| {
        results
            .iter()
            .find(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == path)
            .unwrap()
    };
    let live = by_path("live.txt");
    assert_eq!(live["level"], "error");
    assert_eq!(live["properties"]["verification"]["status"], "live");
    assert_eq!(
        live["properties"]["verification"]["detail"],
        "accepted by 127.0.0.1 as deploy"
    );
    let invalid = by_path("keys.txt");
    assert_eq!(invalid["level"], "note");
    assert_eq!(invalid["properties"]["verification"]["status"], "invalid");
    assert!(invalid["properties"]["commit"].is_string());
}

#[test]
fn a_secret_in_a_commit_message_is_never_verified() {
    let provider = provider_accepting(ACME_TOKEN);
    let repo = TestRepo::new();
    repo.install_hook();
    repo.write(
        ".leakgate.toml",
        &acme_config(&provider.origin(), "verify = true"),
    );
    repo.git(&["add", ".leakgate.toml"]);
    let message = format!("rotate the token {ACME_TOKEN}");
    let all = assert_blocked_by_finding(&repo.try_git(&["commit", "-m", &message]));
    assert!(all.contains("acme-token"), "{all}");
    repo.write("msg.txt", &format!("{message}\n"));
    let refused = repo.leakgate(&[
        "scan",
        "--config",
        ".leakgate.toml",
        "--commit-msg",
        "msg.txt",
        "--verify",
    ]);
    let all = assert_blocked_by_error(&refused);
    assert!(
        all.contains("commit hooks never make network requests"),
        "{all}"
    );
    assert_eq!(provider.connections(), 0);
}

#[test]
fn a_failed_verification_never_prints_the_secret_it_carried() {
    // The webhook's URL is the secret: a failure must name the host only.
    let provider = Provider {
        host: "hooks.slack.com",
        file: "SLACK_WEBHOOK_URL=https://hooks.slack.com/services/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\n",
    };
    let repo = TestRepo::new();
    repo.commit_file("deploy/secrets.env", provider.file, "add deploy settings");
    let out = repo
        .command(leakgate_bin())
        .env(
            "LEAKGATE_VERIFY_OVERRIDE",
            format!("{}=http://127.0.0.1:{}", provider.host, closed_port()),
        )
        .args(["scan", "--history", "--verify", "--color", "never"])
        .output()
        .unwrap();
    let all = assert_blocked_by_finding(&out);
    assert!(
        all.contains("not verified: 127.0.0.1 refused the connection"),
        "{all}"
    );
    assert!(!all.contains("Rc3p06JuJQ6rv6dw0Hu7KlYl"), "{all}");
    assert!(!all.contains("BYUWK77TP6M"), "{all}");
}

#[test]
fn an_override_to_another_machine_is_refused() {
    let repo = repo_with_acme_token("https://api.acme.example", ACME_TOKEN);
    let out = repo
        .command(leakgate_bin())
        .env(
            "LEAKGATE_VERIFY_OVERRIDE",
            "api.acme.example=http://192.0.2.1:80",
        )
        .args([
            "scan",
            "--config",
            ".leakgate.toml",
            "--history",
            "--verify",
        ])
        .output()
        .unwrap();
    let all = assert_blocked_by_error(&out);
    assert!(all.contains("must be a loopback origin"), "{all}");
}
