//! Sending one verification request, and the rules that keep a secret on
//! its way to its own provider and nowhere else:
//!
//! - HTTPS only; plain HTTP only to a loopback address (tests, local mirrors);
//! - no redirect is followed, to any host (a 3xx is an `unknown` answer);
//! - the host is the one the rule's URL names literally, or the loopback
//!   address an explicit override maps it to ([`OVERRIDE_ENV`]);
//! - a proxy from `HTTPS_PROXY`/`ALL_PROXY`/`HTTP_PROXY` (and `NO_PROXY`) is
//!   used for every host but loopback ones;
//! - a timeout bounds each request.
//!
//! Errors name the host and what failed, never the request: it holds the
//! secret.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use ureq::http::Uri;

/// `host=http://127.0.0.1:PORT[,host=...]`: sends what a rule addresses to
/// `host` to a loopback address instead, for tests and local mirrors.
pub const OVERRIDE_ENV: &str = "LEAKGATE_VERIFY_OVERRIDE";

/// How much of an answer is read: enough for any "who am I" answer.
const MAX_BODY: u64 = 256 * 1024;

/// Hosts mapped to a loopback origin (`http://127.0.0.1:PORT`).
#[derive(Debug, Clone, Default)]
pub struct HostOverrides(BTreeMap<String, String>);

impl HostOverrides {
    /// Parses [`OVERRIDE_ENV`]'s value; every target must be loopback.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut map = BTreeMap::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (host, target) = entry.split_once('=').ok_or_else(|| {
                format!("{OVERRIDE_ENV}: {entry:?} is not host=http://127.0.0.1:PORT")
            })?;
            let uri: Uri = target
                .trim()
                .parse()
                .map_err(|_| format!("{OVERRIDE_ENV}: {target:?} is not a URL"))?;
            if !uri.host().is_some_and(is_loopback) || uri.path().len() > 1 {
                return Err(format!(
                    "{OVERRIDE_ENV}: {target:?} must be a loopback origin such as http://127.0.0.1:8080 \
                     (a secret may go only to its own provider or to this machine)"
                ));
            }
            let origin = format!(
                "{}://{}",
                uri.scheme_str().unwrap_or("http"),
                uri.authority().map(|a| a.as_str()).unwrap_or_default()
            );
            map.insert(host.trim().to_ascii_lowercase(), origin);
        }
        Ok(HostOverrides(map))
    }

    /// From the environment; empty when unset.
    pub fn from_env() -> Result<Self, String> {
        match std::env::var(OVERRIDE_ENV) {
            Ok(text) => Self::parse(&text),
            Err(_) => Ok(HostOverrides::default()),
        }
    }
}

/// `localhost`, 127.0.0.0/8 or ::1.
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// A request ready to send.
pub struct Request {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

/// What the provider answered.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// Sends verification requests under the safety rules above.
pub struct Client {
    /// Through the environment's proxy, if any.
    proxied: ureq::Agent,
    /// Straight to loopback hosts.
    direct: ureq::Agent,
    overrides: HostOverrides,
}

fn agent(proxy: Option<ureq::Proxy>) -> ureq::Agent {
    ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .proxy(proxy)
        .user_agent(concat!("leakgate/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

impl Client {
    pub fn new(overrides: HostOverrides) -> Self {
        Client {
            proxied: agent(ureq::Proxy::try_from_env()),
            direct: agent(None),
            overrides,
        }
    }

    /// The URL actually used: `url` itself, or with its origin replaced by
    /// the override for its host. Refuses anything but HTTPS to a remote
    /// host.
    pub fn target(&self, url: &str) -> Result<(String, String), String> {
        let uri: Uri = url
            .parse()
            .map_err(|_| "the rule's verify url is not a valid URL".to_string())?;
        let host = uri
            .host()
            .ok_or("the rule's verify url has no host")?
            .to_ascii_lowercase();
        let (final_url, final_host) = match self.overrides.0.get(&host) {
            Some(origin) => {
                let rest = uri.path_and_query().map_or("/", |p| p.as_str());
                let target = format!("{origin}{rest}");
                let host = target
                    .parse::<Uri>()
                    .ok()
                    .and_then(|u| u.host().map(str::to_string))
                    .unwrap_or_default();
                (target, host)
            }
            None => (url.to_string(), host.clone()),
        };
        let final_uri: Uri = final_url
            .parse()
            .map_err(|_| "the overridden verify url is not a valid URL".to_string())?;
        match final_uri.scheme_str() {
            Some("https") => {}
            Some("http") if is_loopback(&final_host) => {}
            _ => {
                return Err(format!(
                    "not sent to {host}: verification uses HTTPS (plain HTTP only to this machine)"
                ));
            }
        }
        Ok((final_url, final_host))
    }

    /// Sends `request` and reads the answer, within `timeout`. Every failure
    /// comes back as text fit for a report: no secret in it.
    pub fn send(&self, request: &Request, timeout: Duration) -> Result<Answer, String> {
        let (url, host) = self.target(&request.url)?;
        let agent = if is_loopback(&host) {
            &self.direct
        } else {
            &self.proxied
        };
        let mut builder = ureq::http::Request::builder()
            .method(request.method.as_str())
            .uri(url.as_str());
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let body = request.body.clone().unwrap_or_default();
        let built = builder
            .body(body)
            .map_err(|_| format!("the request to {host} could not be built"))?;
        let built = agent
            .configure_request(built)
            .timeout_global(Some(timeout))
            .build();
        let mut response = agent
            .run(built)
            .map_err(|err| describe(&err, &host, timeout))?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY)
            .lossy_utf8(true)
            .read_to_string()
            .map_err(|err| describe(&err, &host, timeout))?;
        Ok(Answer { status, body })
    }
}

/// A network failure in words: what happened, with which host.
fn describe(err: &ureq::Error, host: &str, timeout: Duration) -> String {
    match err {
        ureq::Error::Timeout(_) => {
            format!("{host} did not answer within {}s", timeout.as_secs_f32())
        }
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            format!("{host} refused the connection")
        }
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => {
            format!("{host} did not answer within {}s", timeout.as_secs_f32())
        }
        ureq::Error::HostNotFound => format!("{host} could not be resolved"),
        ureq::Error::ConnectionFailed => format!("could not connect to {host}"),
        ureq::Error::BodyExceedsLimit(_) => format!("{host} answered with an over-long body"),
        // These say what went wrong without quoting the request.
        ureq::Error::Io(io) => format!("the request to {host} failed: {io}"),
        ureq::Error::Tls(what) => format!("TLS with {host} failed: {what}"),
        ureq::Error::Rustls(tls) => format!("TLS with {host} failed: {tls}"),
        ureq::Error::ConnectProxyFailed(_) | ureq::Error::InvalidProxyUrl => {
            format!("the proxy would not connect to {host}")
        }
        // Others may quote the URL, which can hold the secret (a webhook's).
        _ => format!("the request to {host} failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_must_point_at_this_machine() {
        assert!(HostOverrides::parse("api.github.com=http://127.0.0.1:9").is_ok());
        assert!(HostOverrides::parse("api.github.com=http://[::1]:9").is_ok());
        assert!(HostOverrides::parse("api.github.com=http://10.0.0.1:9").is_err());
        assert!(HostOverrides::parse("api.github.com=https://evil.example").is_err());
        assert!(HostOverrides::parse("api.github.com").is_err());
    }

    #[test]
    fn plain_http_goes_only_to_loopback() {
        let client = Client::new(HostOverrides::default());
        assert!(client.target("http://api.example.com/x").is_err());
        assert!(client.target("ftp://api.example.com/x").is_err());
        assert!(client.target("https://api.example.com/x").is_ok());
        assert!(client.target("http://127.0.0.1:8/x").is_ok());
        assert!(client.target("http://localhost:8/x").is_ok());
    }

    #[test]
    fn an_override_replaces_only_the_origin_of_its_own_host() {
        let overrides = HostOverrides::parse("api.github.com=http://127.0.0.1:4000").unwrap();
        let client = Client::new(overrides);
        assert_eq!(
            client.target("https://api.github.com/user?a=1").unwrap().0,
            "http://127.0.0.1:4000/user?a=1"
        );
        assert_eq!(
            client.target("https://api.gitlab.com/user").unwrap().0,
            "https://api.gitlab.com/user"
        );
    }
}
