//! Verification of found credentials (`--verify`): asks each secret's own
//! provider whether it still works, and records `live` (as whom, where the
//! answer says), `invalid`, or `unknown` on the finding.
//!
//! It owns the run: which findings can be verified (their rule has a
//! `verify` table, [`spec`]), one request per distinct secret, bounded
//! concurrency, a timeout per request and one for the whole run, and reading
//! the answer. Sending is [`http`]'s job, AWS signing [`sigv4`]'s.
//!
//! It must never run for a staged scan: commit hooks make no network
//! request, whatever the config says (the caller refuses that, in `app`).
//! Only `unknown` stands for "could not tell": a network failure, a timeout,
//! rate limiting or an answer the rule does not describe is never `invalid`.

pub mod http;
pub mod sigv4;
pub mod spec;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};
use serde::Serialize;

use crate::finding::Finding;
use crate::rules::RuleSpec;
use http::{Client, HostOverrides, Request};
use spec::{RequestKind, VerifySpec};

/// What the provider said of a secret. Ordered as reports list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The provider accepted it: it must be revoked now.
    Live,
    /// The provider answered that it is not valid.
    Invalid,
    /// No usable answer: network failure, timeout, rate limiting, or an
    /// answer the rule does not describe.
    Unknown,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Live => "live",
            Status::Invalid => "invalid",
            Status::Unknown => "unknown",
        }
    }
}

/// The outcome for one finding. `detail` never holds the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub status: Status,
    pub detail: String,
}

impl Verification {
    fn new(status: Status, detail: impl Into<String>) -> Self {
        Verification {
            status,
            detail: detail.into(),
        }
    }
}

/// How a run behaves.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Per request, connecting included.
    pub request_timeout: Duration,
    /// For the whole run: what is not asked by then is `unknown`.
    pub run_timeout: Duration,
    /// Requests in flight at once.
    pub concurrency: usize,
    pub overrides: HostOverrides,
}

/// Defaults: 10 s a request, 120 s a run, 8 at once.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_RUN_TIMEOUT: Duration = Duration::from_secs(120);
const DEFAULT_CONCURRENCY: usize = 8;

impl VerifyOptions {
    /// Defaults, with host overrides from the environment.
    pub fn from_env(request_timeout: Option<Duration>) -> Result<Self> {
        Ok(VerifyOptions {
            request_timeout: request_timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT),
            run_timeout: DEFAULT_RUN_TIMEOUT,
            concurrency: DEFAULT_CONCURRENCY,
            overrides: HostOverrides::from_env().map_err(|err| anyhow!(err))?,
        })
    }
}

/// A rule's checked `verify` table, ready to fill in.
struct Verifier {
    spec: VerifySpec,
    /// The rule's regex, for its named captures.
    captures: Option<regex::bytes::Regex>,
}

/// The verify tables of the rules in use, by rule id.
pub struct Verifiers(BTreeMap<String, Verifier>);

impl Verifiers {
    /// Checks and collects the tables of `specs`; a later spec with the same
    /// id replaces an earlier one (config rules come after built-in ones).
    /// A table that cannot be used is an error naming its rule.
    pub fn new<'a>(specs: impl IntoIterator<Item = &'a RuleSpec>) -> Result<Self> {
        let mut verifiers = BTreeMap::new();
        for rule in specs {
            let Some(table) = &rule.verify else {
                continue;
            };
            let spec: VerifySpec = toml::Value::Table(table.clone())
                .try_into()
                .map_err(|err| anyhow!("rule {}: verify table: {err}", rule.id()))?;
            let captures = match &rule.regex {
                Some(pattern) => {
                    Some(regex::bytes::Regex::new(pattern.get_ref()).map_err(|err| {
                        anyhow!("rule {}: its regex cannot be compiled: {err}", rule.id())
                    })?)
                }
                None => None,
            };
            let known: BTreeSet<String> = captures
                .iter()
                .flat_map(|re| re.capture_names().flatten().map(str::to_string))
                .collect();
            spec.check(&known)
                .map_err(|err| anyhow!("rule {}: verify table: {err}", rule.id()))?;
            verifiers.insert(rule.id().to_string(), Verifier { spec, captures });
        }
        Ok(Verifiers(verifiers))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn rule_ids(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
}

/// One distinct request to make: a rule and the values it fills in.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Job {
    rule_id: String,
    values: BTreeMap<String, String>,
}

/// Verifies every finding whose rule has a verify table, setting its
/// `verification`. Each distinct secret (with its paired values) is asked
/// once; findings of rules without a table are left `None`.
pub fn verify_findings(findings: &mut [Finding], verifiers: &Verifiers, options: &VerifyOptions) {
    let mut jobs: BTreeMap<Job, Vec<usize>> = BTreeMap::new();
    // The findings that gave a pair's value (an access key id) share the
    // outcome of the finding they were paired with.
    let mut partners: Vec<(Job, usize)> = Vec::new();
    let mut unpaired = Vec::new();
    for (index, finding) in findings.iter().enumerate() {
        let Some(verifier) = verifiers.0.get(&finding.rule_id) else {
            continue;
        };
        match job_for(finding, verifier, findings) {
            Ok((job, partner)) => {
                if let Some(partner) = partner {
                    partners.push((job.clone(), partner));
                }
                jobs.entry(job).or_default().push(index);
            }
            Err(missing) => unpaired.push((index, missing)),
        }
    }
    for (index, missing) in unpaired {
        findings[index].verification = Some(Verification::new(Status::Unknown, missing));
    }
    let work: Vec<(Job, Vec<usize>)> = jobs.into_iter().collect();
    let results = run_jobs(&work, verifiers, options);
    for ((_, indices), result) in work.iter().zip(&results) {
        for &index in indices {
            findings[index].verification = Some(result.clone());
        }
    }
    for (job, partner) in partners {
        let at = work.partition_point(|(other, _)| *other < job);
        let result = &results[at];
        let current = &mut findings[partner].verification;
        if current.is_none()
            || result.status < current.as_ref().map_or(Status::Unknown, |v| v.status)
        {
            *current = Some(result.clone());
        }
    }
}

/// The values a finding's request needs: the secret, the rule's named
/// captures in the matched text, and the pair's value from the nearest
/// finding of the paired rule in the same file and commit.
fn job_for(
    finding: &Finding,
    verifier: &Verifier,
    all: &[Finding],
) -> Result<(Job, Option<usize>), String> {
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    let mut values = BTreeMap::from([("secret".to_string(), text(finding.secret.expose()))]);
    if let Some(regex) = &verifier.captures
        && let Some(captures) = regex.captures(finding.matched.expose())
    {
        for name in regex.capture_names().flatten() {
            if let Some(value) = captures.name(name) {
                values.insert(name.to_string(), text(value.as_bytes()));
            }
        }
    }
    let mut partner = None;
    if let Some(pair) = &verifier.spec.pair
        && !values.contains_key(&pair.name)
    {
        let nearest = all
            .iter()
            .enumerate()
            .filter(|(_, other)| {
                other.rule_id == pair.rule
                    && other.path == finding.path
                    && other.commit.as_ref().map(|c| &c.id)
                        == finding.commit.as_ref().map(|c| &c.id)
            })
            .min_by_key(|(_, other)| other.start.line.abs_diff(finding.start.line));
        match nearest {
            Some((at, other)) => {
                values.insert(pair.name.clone(), text(other.secret.expose()));
                partner = Some(at);
            }
            None => {
                return Err(format!(
                    "not checked: no {} ({}) in the same file to pair it with",
                    pair.name, pair.rule
                ));
            }
        }
    }
    Ok((
        Job {
            rule_id: finding.rule_id.clone(),
            values,
        },
        partner,
    ))
}

/// Runs the jobs on `options.concurrency` threads; what the run's deadline
/// leaves unasked is `unknown`.
fn run_jobs(
    work: &[(Job, Vec<usize>)],
    verifiers: &Verifiers,
    options: &VerifyOptions,
) -> Vec<Verification> {
    if work.is_empty() {
        return Vec::new();
    }
    let client = Client::new(options.overrides.clone());
    let deadline = Instant::now() + options.run_timeout;
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Verification>>> = Mutex::new(vec![None; work.len()]);
    let threads = options.concurrency.clamp(1, work.len());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some((job, _)) = work.get(index) else {
                        break;
                    };
                    let left = deadline.saturating_duration_since(Instant::now());
                    let result = if left.is_zero() {
                        Verification::new(
                            Status::Unknown,
                            format!(
                                "not checked: verification stopped after {}s",
                                options.run_timeout.as_secs()
                            ),
                        )
                    } else {
                        let verifier = &verifiers.0[&job.rule_id];
                        verify_one(
                            &client,
                            verifier,
                            &job.values,
                            options.request_timeout.min(left),
                        )
                    };
                    results.lock().expect("no worker panics holding the lock")[index] =
                        Some(result);
                }
            });
        }
    });
    results
        .into_inner()
        .expect("no worker panicked")
        .into_iter()
        .map(|r| r.expect("every job ran"))
        .collect()
}

/// Asks the provider once and reads its answer.
fn verify_one(
    client: &Client,
    verifier: &Verifier,
    values: &BTreeMap<String, String>,
    timeout: Duration,
) -> Verification {
    let spec = &verifier.spec;
    let request = match spec.kind {
        RequestKind::Http => {
            let filled = spec.fill(values);
            Request {
                method: filled.method,
                url: filled.url,
                headers: filled.headers,
                body: filled.body.map(String::into_bytes),
            }
        }
        RequestKind::AwsSts => match aws_sts_request(client, spec, values) {
            Ok(request) => request,
            Err(err) => return Verification::new(Status::Unknown, err),
        },
    };
    let answer = match client.send(&request, timeout) {
        Ok(answer) => answer,
        Err(err) => return Verification::new(Status::Unknown, err),
    };
    let host = request
        .url
        .parse::<ureq::http::Uri>()
        .ok()
        .and_then(|u| u.host().map(str::to_string))
        .unwrap_or_default();
    match spec.kind {
        RequestKind::Http => read_answer(spec, &answer, &host),
        RequestKind::AwsSts => read_sts_answer(&answer, &host),
    }
}

/// Reads an answer by the rule's table. Rate limiting, server errors and
/// redirects are `unknown` whatever the table lists.
fn read_answer(spec: &VerifySpec, answer: &http::Answer, host: &str) -> Verification {
    if let Some(unknown) = never_conclusive(answer, host) {
        return unknown;
    }
    let matches = |a: &spec::AnswerSpec| {
        (a.status.is_empty() || a.status.contains(&answer.status))
            && a.body
                .as_ref()
                .is_none_or(|b| regex::Regex::new(b).is_ok_and(|re| re.is_match(&answer.body)))
    };
    if spec.live.iter().any(matches) {
        let account = account_of(spec, &answer.body);
        let detail = match account {
            Some(account) => format!("accepted by {host} as {account}"),
            None => format!("accepted by {host}"),
        };
        return Verification::new(Status::Live, detail);
    }
    if spec.invalid.iter().any(matches) {
        return Verification::new(
            Status::Invalid,
            format!("rejected by {host} (HTTP {})", answer.status),
        );
    }
    Verification::new(
        Status::Unknown,
        format!("unexpected answer from {host} (HTTP {})", answer.status),
    )
}

fn never_conclusive(answer: &http::Answer, host: &str) -> Option<Verification> {
    let detail = match answer.status {
        429 => format!("rate limited by {host} (HTTP 429)"),
        300..=399 => format!(
            "{host} answered with a redirect (HTTP {}), which is never followed",
            answer.status
        ),
        500.. => format!("{host} failed to answer (HTTP {})", answer.status),
        _ => return None,
    };
    Some(Verification::new(Status::Unknown, detail))
}

/// The account a live answer names: the table's JSON pointers that hold a
/// string or number, joined. Printable characters only: it comes from afar.
fn account_of(spec: &VerifySpec, body: &str) -> Option<String> {
    if spec.account.is_empty() {
        return None;
    }
    let json: serde_json::Value = serde_json::from_str(body).ok()?;
    let parts: Vec<String> = spec
        .account
        .iter()
        .filter_map(|pointer| match json.pointer(pointer)? {
            serde_json::Value::String(s) if !s.is_empty() => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .map(|s| s.chars().filter(|c| !c.is_control()).take(200).collect())
        .collect();
    (!parts.is_empty()).then(|| parts.join(" / "))
}

const STS_URL: &str = "https://sts.amazonaws.com/";
const STS_BODY: &str = "Action=GetCallerIdentity&Version=2011-06-15";

/// STS `GetCallerIdentity`, signed for the host the request actually goes
/// to (STS itself, or an override's loopback address).
fn aws_sts_request(
    client: &Client,
    spec: &VerifySpec,
    values: &BTreeMap<String, String>,
) -> Result<Request, String> {
    let url = spec.url.as_deref().unwrap_or(STS_URL).to_string();
    let (target, _) = client.target(&url)?;
    let uri: ureq::http::Uri = target.parse().map_err(|_| "invalid STS url".to_string())?;
    let authority = uri.authority().map(|a| a.as_str()).unwrap_or_default();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| "the system clock is before 1970".to_string())?;
    let amz_date = sigv4::amz_date(now.as_secs());
    let content_type = "application/x-www-form-urlencoded; charset=utf-8";
    let key_id = values.get("access_key_id").map_or("", String::as_str);
    let secret = values.get("secret").map_or("", String::as_str);
    let authorization = sigv4::authorization(
        &sigv4::SigningScope {
            access_key_id: key_id,
            secret_access_key: secret,
            region: "us-east-1",
            service: "sts",
            amz_date: &amz_date,
        },
        &sigv4::SignedParts {
            method: "POST",
            path: uri.path(),
            query: "",
            headers: &[
                ("content-type", content_type),
                ("host", authority),
                ("x-amz-date", &amz_date),
            ],
            body: STS_BODY.as_bytes(),
        },
    );
    Ok(Request {
        method: "POST".into(),
        url,
        headers: vec![
            ("Content-Type".into(), content_type.into()),
            ("X-Amz-Date".into(), amz_date),
            ("Authorization".into(), authorization),
        ],
        body: Some(STS_BODY.as_bytes().to_vec()),
    })
}

/// STS answers in XML: `<Arn>` names the caller; an error `<Code>` says why
/// a key was refused.
fn read_sts_answer(answer: &http::Answer, host: &str) -> Verification {
    if let Some(unknown) = never_conclusive(answer, host) {
        return unknown;
    }
    let element = |name: &str| {
        let open = format!("<{name}>");
        let start = answer.body.find(&open)? + open.len();
        let end = answer.body[start..].find(&format!("</{name}>"))?;
        Some(
            answer.body[start..start + end]
                .chars()
                .filter(|c| !c.is_control())
                .take(200)
                .collect::<String>(),
        )
    };
    match (answer.status, element("Code").as_deref()) {
        (200, _) => match element("Arn") {
            Some(arn) => Verification::new(Status::Live, format!("accepted by {host} as {arn}")),
            None => Verification::new(Status::Live, format!("accepted by {host}")),
        },
        (403, Some(code @ ("InvalidClientTokenId" | "SignatureDoesNotMatch"))) => {
            Verification::new(Status::Invalid, format!("rejected by {host} ({code})"))
        }
        (status, code) => Verification::new(
            Status::Unknown,
            format!(
                "unexpected answer from {host} (HTTP {status}{})",
                code.map(|c| format!(", {c}")).unwrap_or_default()
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_verify_table_is_usable_and_covers_the_listed_providers() {
        let builtin = crate::rules::builtin_rules_with_examples().unwrap();
        let verifiers = Verifiers::new(&builtin).unwrap();
        let ids: Vec<&str> = verifiers.rule_ids().collect();
        for id in [
            "openai-api-key",
            "openai-project-key",
            "openai-service-account-key",
            "openai-admin-key",
            "openai-user-key",
            "anthropic-api-key",
            "anthropic-admin-key",
            "huggingface-access-token",
            "huggingface-org-token",
            "github-pat-classic",
            "github-oauth-token",
            "github-user-to-server-token",
            "github-server-to-server-token",
            "github-fine-grained-pat",
            "gitlab-pat",
            "gitlab-pat-routable",
            "npm-access-token",
            "slack-bot-token",
            "slack-user-token",
            "slack-webhook-url",
            "stripe-secret-key",
            "stripe-restricted-key",
            "sendgrid-api-key",
            "twilio-account-sid-and-auth-token",
            "aws-secret-access-key",
            "gcp-api-key",
            "google-ai-studio-api-key",
        ] {
            assert!(ids.contains(&id), "{id} has no verify table");
        }
    }

    /// Rules `acme` verifying at `origin`, and one finding per secret.
    fn acme(origin: &str, secrets: &[String]) -> (Verifiers, Vec<Finding>) {
        let source = crate::config::SourceText::new(
            "t.toml",
            format!(
                "[[rules]]\nid = \"acme\"\nregex = 'acme_[a-z0-9]{{8}}'\nkeywords = [\"acme_\"]\n\
                 [rules.verify]\nurl = '{origin}/me'\nheaders = {{ X-Key = '${{secret}}' }}\n\
                 [[rules.verify.live]]\nstatus = [200]\n"
            ),
        );
        let specs = crate::rules::parse_rules(&source).unwrap();
        let findings = secrets
            .iter()
            .map(|secret| Finding {
                rule_id: "acme".into(),
                description: String::new(),
                remediation: String::new(),
                path: crate::path::RepoPath::new("a.txt"),
                start: Default::default(),
                end: Default::default(),
                secret: crate::finding::Secret::new(secret.as_bytes()),
                line: Vec::new(),
                secret_in_line: 0..0,
                commit: None,
                file_rule: false,
                matched: crate::finding::Secret::new(secret.as_bytes()),
                verification: None,
                hidden_in_line: Vec::new(),
            })
            .collect();
        (Verifiers::new(&specs).unwrap(), findings)
    }

    fn options(concurrency: usize, run_timeout: Duration) -> VerifyOptions {
        VerifyOptions {
            request_timeout: Duration::from_secs(5),
            run_timeout,
            concurrency,
            overrides: HostOverrides::default(),
        }
    }

    #[test]
    fn no_more_requests_than_the_concurrency_are_in_flight_at_once() {
        use std::io::{Read, Write};
        use std::sync::Arc;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let in_flight = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        {
            let (in_flight, most) = (in_flight.clone(), most.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    let mut stream = stream.unwrap();
                    let (in_flight, most) = (in_flight.clone(), most.clone());
                    std::thread::spawn(move || {
                        let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        let mut buf = [0; 4096];
                        let _ = stream.read(&mut buf);
                        std::thread::sleep(Duration::from_millis(100));
                        in_flight.fetch_sub(1, Ordering::SeqCst);
                        let _ = stream.write_all(
                            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}",
                        );
                    });
                }
            });
        }
        let secrets: Vec<String> = (0..12).map(|i| format!("acme_{i:08}")).collect();
        let (verifiers, mut findings) = acme(&origin, &secrets);
        verify_findings(&mut findings, &verifiers, &options(3, DEFAULT_RUN_TIMEOUT));
        assert!(
            findings
                .iter()
                .all(|f| f.verification.as_ref().unwrap().status == Status::Live)
        );
        let most = most.load(Ordering::SeqCst);
        assert!((1..=3).contains(&most), "{most} requests at once");
    }

    #[test]
    fn what_the_run_timeout_leaves_unasked_is_unknown() {
        let (verifiers, mut findings) = acme("http://127.0.0.1:9", &["acme_00000001".into()]);
        verify_findings(&mut findings, &verifiers, &options(1, Duration::ZERO));
        let verification = findings[0].verification.clone().unwrap();
        assert_eq!(verification.status, Status::Unknown);
        assert_eq!(
            verification.detail,
            "not checked: verification stopped after 0s"
        );
    }

    #[test]
    fn a_verify_table_with_an_unknown_key_names_its_rule() {
        let source = crate::config::SourceText::new(
            "t.toml",
            "[[rules]]\nid = \"acme\"\nregex = 'acme_[a-z]{8}'\nkeywords = [\"acme_\"]\n\
             [rules.verify]\nurl = 'https://api.acme.example/me'\nsend_to = 'x'\n",
        );
        let specs = crate::rules::parse_rules(&source).unwrap();
        let err = Verifiers::new(&specs).err().unwrap().to_string();
        assert!(err.contains("rule acme: verify table"), "{err}");
        assert!(err.contains("send_to"), "{err}");
    }
}
