//! The `verify` table of a rule: which request asks the provider about a
//! secret and how to read its answer. Rules files hold it as data; this
//! module owns its schema, checks it once per run, and fills a request in
//! for one secret. It sends nothing: that is [`super::http`]'s job.
//!
//! ```toml
//! [rules.verify]
//! url = "https://api.example.com/v1/me"
//! headers = { Authorization = "Bearer ${secret}" }
//! account = ["/login"]
//! [[rules.verify.live]]
//! status = [200]
//! [[rules.verify.invalid]]
//! status = [401]
//! ```
//!
//! `${secret}` is the secret; `${name}` is a named capture of the rule's
//! regex, or the value a `pair` brings from a neighbouring finding. The URL
//! must name its scheme and host literally, so a secret can only ever go to
//! the host the rule names.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

/// Named request kinds whose request needs code, not a template.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequestKind {
    /// A request written out in the table.
    #[default]
    Http,
    /// AWS STS `GetCallerIdentity`, signed with Signature Version 4 from an
    /// access key id (`${access_key_id}`) and the secret access key.
    AwsSts,
}

/// A rule's `verify` table as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifySpec {
    #[serde(default)]
    pub kind: RequestKind,
    /// `GET` unless given.
    pub method: Option<String>,
    /// Scheme and host written literally; placeholders only after the host.
    pub url: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// User and password of an HTTP Basic `Authorization` header.
    pub basic_auth: Option<[String; 2]>,
    pub body: Option<String>,
    /// Answers that mean the provider accepted the secret.
    #[serde(default)]
    pub live: Vec<AnswerSpec>,
    /// Answers that mean the provider rejected it. Rate limiting (429) and
    /// server errors (5xx) never count, whatever is listed here.
    #[serde(default)]
    pub invalid: Vec<AnswerSpec>,
    /// JSON pointers (RFC 6901) into a live answer naming the account;
    /// those found are joined with " / ".
    #[serde(default)]
    pub account: Vec<String>,
    /// A second value the request needs that sits in another finding of the
    /// same file, such as the access key id beside an AWS secret key.
    pub pair: Option<PairSpec>,
}

/// One kind of answer: every condition given must hold.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerSpec {
    /// HTTP status codes; empty means any.
    #[serde(default)]
    pub status: Vec<u16>,
    /// A regex the body must match.
    pub body: Option<String>,
}

/// `pair = { rule = "aws-access-key-id", name = "access_key_id" }`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairSpec {
    /// The rule whose finding in the same file (and commit) gives the value.
    pub rule: String,
    /// The placeholder name it fills.
    pub name: String,
}

/// A request filled in for one secret, before any host override.
#[derive(Clone, PartialEq, Eq)]
pub struct FilledRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

/// `scheme://host[:port]` of a URL template, which must be written literally.
pub fn literal_origin(url: &str) -> Result<&str, String> {
    let scheme_end = url
        .find("://")
        .ok_or_else(|| format!("url {url:?} has no scheme (write https://host/...)"))?;
    let rest = &url[scheme_end + 3..];
    let host_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let origin = &url[..scheme_end + 3 + host_end];
    if origin.contains("${") || host_end == 0 {
        return Err(format!(
            "url {url:?} must name its host literally: placeholders may only follow the host"
        ));
    }
    if origin.contains('@') {
        return Err(format!(
            "url {url:?} must not carry credentials before the host"
        ));
    }
    Ok(origin)
}

/// The placeholder names a template uses.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                names.push(&after[..end]);
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    names
}

/// `template` with each `${name}` replaced by `encode(value)`. Every name
/// was checked when the spec was loaded, so a missing one is a bug.
fn fill(template: &str, values: &BTreeMap<String, String>, encode: fn(&str) -> String) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            out.push_str(&rest[start..]);
            return out;
        };
        let name = &after[..end];
        out.push_str(&encode(values.get(name).map_or("", String::as_str)));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Values go into a URL percent-encoded, except `/`: a captured path (a
/// webhook's) keeps its segments, and nothing can reach the host part,
/// which is literal.
fn url_encode(value: &str) -> String {
    const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'_')
        .remove(b'.')
        .remove(b'~')
        .remove(b'/');
    percent_encoding::utf8_percent_encode(value, KEEP).to_string()
}

/// Header values cannot hold line breaks: a secret with one would add
/// headers of its own.
fn header_value(value: &str) -> String {
    value.replace(['\r', '\n'], "")
}

fn as_is(value: &str) -> String {
    value.to_string()
}

impl VerifySpec {
    /// Checks the table once: a usable URL, known placeholders, answers that
    /// can be read. `known` are the names the rule can fill (its regex's
    /// named captures); `secret` and the pair's name are always known.
    pub fn check(&self, known: &BTreeSet<String>) -> Result<(), String> {
        let mut names = known.clone();
        names.insert("secret".into());
        if let Some(pair) = &self.pair {
            names.insert(pair.name.clone());
        }
        match self.kind {
            RequestKind::Http => {
                let url = self
                    .url
                    .as_deref()
                    .ok_or("a verify table needs a url (or a kind that builds its own request)")?;
                literal_origin(url)?;
                if self.live.is_empty() {
                    return Err("a verify table needs at least one [[verify.live]] answer".into());
                }
            }
            RequestKind::AwsSts => {
                if !names.contains("access_key_id") {
                    return Err(
                        "kind = \"aws-sts\" needs an access_key_id: a named capture or \
                         pair = { rule = \"...\", name = \"access_key_id\" }"
                            .into(),
                    );
                }
                if let Some(url) = &self.url {
                    literal_origin(url)?;
                }
            }
        }
        let templates = self
            .url
            .iter()
            .chain(self.headers.values())
            .chain(self.basic_auth.iter().flatten())
            .chain(self.body.iter());
        for template in templates {
            if let Some(unknown) = placeholders(template)
                .into_iter()
                .find(|n| !names.contains(*n))
            {
                return Err(format!(
                    "${{{unknown}}} is neither `secret`, a named capture of the rule's regex, nor the pair's name"
                ));
            }
        }
        for answer in self.live.iter().chain(&self.invalid) {
            if let Some(body) = &answer.body {
                regex::Regex::new(body)
                    .map_err(|err| format!("answer body regex {body:?} is invalid: {err}"))?;
            }
        }
        for pointer in &self.account {
            if !pointer.is_empty() && !pointer.starts_with('/') {
                return Err(format!(
                    "account {pointer:?} is not a JSON pointer (write \"/login\")"
                ));
            }
        }
        if let Some(method) = &self.method
            && !matches!(method.as_str(), "GET" | "POST" | "HEAD")
        {
            return Err(format!(
                "method {method:?}: only GET, HEAD and POST are allowed, so verifying cannot change anything"
            ));
        }
        Ok(())
    }

    /// The request for one secret (`Http` kind).
    pub fn fill(&self, values: &BTreeMap<String, String>) -> FilledRequest {
        let mut headers: Vec<(String, String)> = self
            .headers
            .iter()
            .map(|(name, value)| (name.clone(), fill(value, values, header_value)))
            .collect();
        if let Some([user, password]) = &self.basic_auth {
            use base64::Engine as _;
            let pair = format!(
                "{}:{}",
                fill(user, values, as_is),
                fill(password, values, as_is)
            );
            let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
            headers.push(("Authorization".into(), format!("Basic {encoded}")));
        }
        FilledRequest {
            method: self.method.clone().unwrap_or_else(|| "GET".into()),
            url: fill(self.url.as_deref().unwrap_or_default(), values, url_encode),
            headers,
            body: self.body.as_ref().map(|b| fill(b, values, as_is)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> VerifySpec {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn a_url_must_name_its_host_literally() {
        assert_eq!(
            literal_origin("https://api.example.com/x/${secret}"),
            Ok("https://api.example.com")
        );
        assert!(literal_origin("https://${secret}/x").is_err());
        assert!(literal_origin("${secret}").is_err());
        assert!(literal_origin("https://user:${secret}@api.example.com/").is_err());
    }

    #[test]
    fn placeholders_are_filled_and_encoded_for_where_they_go() {
        let spec = spec(
            "url = 'https://api.example.com/v1/${secret}?x=1'\nbody = '{\"k\":\"${secret}\"}'\n\
             headers = { X-Key = '${secret}' }\nbasic_auth = ['${sid}', '${secret}']\n\
             [[live]]\nstatus = [200]\n",
        );
        let values = BTreeMap::from([
            ("secret".to_string(), "a b?c\r\nX: y".to_string()),
            ("sid".to_string(), "AC1".to_string()),
        ]);
        let filled = spec.fill(&values);
        assert_eq!(
            filled.url,
            "https://api.example.com/v1/a%20b%3Fc%0D%0AX%3A%20y?x=1"
        );
        assert_eq!(filled.body.as_deref(), Some("{\"k\":\"a b?c\r\nX: y\"}"));
        assert_eq!(filled.headers[0], ("X-Key".into(), "a b?cX: y".into()));
        assert_eq!(filled.headers[1].0, "Authorization");
        assert_eq!(filled.method, "GET");
    }

    #[test]
    fn unknown_placeholders_and_writing_methods_are_refused() {
        let known = BTreeSet::new();
        let unknown = spec("url = 'https://a.example/${token}'\n[[live]]\nstatus = [200]\n");
        assert!(unknown.check(&known).unwrap_err().contains("${token}"));
        let delete =
            spec("method = 'DELETE'\nurl = 'https://a.example/'\n[[live]]\nstatus = [200]\n");
        assert!(delete.check(&known).unwrap_err().contains("DELETE"));
        let no_live = spec("url = 'https://a.example/'\n");
        assert!(no_live.check(&known).is_err());
        let sts = spec("kind = 'aws-sts'\n");
        assert!(sts.check(&known).unwrap_err().contains("access_key_id"));
    }
}
