//! One rule as the engine runs it: its spec, its path filter and content
//! regex (each compiled on first use), and the checks on a matched value
//! (`CompiledRule::judge_value`).

use std::sync::OnceLock;

use anyhow::{Result, anyhow};
use regex_automata::meta::Regex as MetaRegex;

use super::drop::DropReason;
use super::matcher::{self, Reach, RuleRegex};
use super::{ScanInput, entropy, filters, validate};
use crate::finding::{Finding, Secret};
use crate::rules::RuleSpec;
use crate::source_text::describe_regex_error;

pub(super) struct CompiledRule {
    pub(super) spec: RuleSpec,
    /// The keyword reach the build script worked out, if this is a built-in
    /// content rule with the regex and keywords it was built with.
    built_reach: Option<Option<Reach>>,
    paths: OnceLock<Result<PathFilter, String>>,
    regex: OnceLock<Result<RuleRegex, String>>,
}

impl CompiledRule {
    /// The rule, its regexes not compiled yet; its build-time reach is
    /// looked up in `reaches` (one lookup for all of an engine's rules).
    pub(super) fn new(spec: RuleSpec, reaches: &mut matcher::BuiltinReaches) -> Self {
        let built_reach = spec
            .regex
            .as_ref()
            .and_then(|pattern| reaches.find(spec.id(), pattern.get_ref(), &spec.keywords));
        CompiledRule {
            spec,
            built_reach,
            paths: OnceLock::new(),
            regex: OnceLock::new(),
        }
    }

    /// Whether the rule's matches may lie more than
    /// [`NEAR_BYTES`](super::prefilter::NEAR_BYTES) past its keyword (or
    /// past the keyword's line), as far as is known without analysing its
    /// regex: a rule the build script did not analyse counts as reaching
    /// far.
    pub(super) fn reaches_far(&self) -> bool {
        match self.built_reach {
            Some(Some(reach)) => [reach.before, reach.after].iter().any(|side| {
                side.bytes
                    .or(side.beyond_line)
                    .is_none_or(|extent| extent > super::prefilter::NEAR_BYTES)
            }),
            Some(None) | None => true,
        }
    }
}

/// A rule's `path` and `path_exclude`, compiled.
struct PathFilter {
    include: Option<MetaRegex>,
    exclude: Option<MetaRegex>,
}

impl PathFilter {
    fn compile(spec: &RuleSpec) -> Result<Self, String> {
        let compile = |pattern: &Option<toml::Spanned<String>>, key: &str| {
            pattern
                .as_ref()
                .map(|p| {
                    // Never quotes the pattern: it may hold a secret.
                    matcher::compile_path(p.get_ref()).map_err(|e| {
                        let problem = describe_regex_error(p.get_ref(), &e);
                        format!("rule {} has an invalid {key} regex: {problem}", spec.id())
                    })
                })
                .transpose()
        };
        Ok(PathFilter {
            include: compile(&spec.path, "path")?,
            exclude: compile(&spec.path_exclude, "path_exclude")?,
        })
    }
}

impl CompiledRule {
    /// A finding of this rule in `input`: what the rule and the blob decide.
    /// Callers fill in where it is.
    pub(super) fn finding_in(&self, input: &ScanInput, secret: &[u8]) -> Finding {
        Finding {
            rule_id: self.spec.id().to_string(),
            description: self.spec.description.clone(),
            remediation: self.spec.remediation.clone(),
            path: input.path.clone(),
            start: Default::default(),
            end: Default::default(),
            secret: Secret::new(secret),
            line: Vec::new(),
            secret_in_line: 0..0,
            commit: input.commit.clone(),
            file_rule: false,
            matched: Secret::new(secret),
            verification: None,
            hidden_in_line: Vec::new(),
        }
    }

    /// Does the rule apply to a file at this path at all? Path regexes
    /// compile on first use, like content regexes: a content rule's are
    /// needed only once its keyword shows up.
    pub(super) fn applies_to(&self, path: &[u8]) -> Result<bool> {
        if self.spec.path.is_none() && self.spec.path_exclude.is_none() {
            return Ok(true);
        }
        let filter = self
            .paths
            .get_or_init(|| PathFilter::compile(&self.spec))
            .as_ref()
            .map_err(|err| anyhow!("{err}"))?;
        Ok(filter.include.as_ref().is_none_or(|p| p.is_match(path))
            && !filter.exclude.as_ref().is_some_and(|p| p.is_match(path)))
    }

    /// Parses the content regex on first use: most rules never see a
    /// keyword in a typical commit, so most regexes are never parsed, and
    /// fewer still compiled.
    pub(super) fn regex(&self) -> Result<&RuleRegex> {
        let compiled = self.regex.get_or_init(|| {
            let pattern = self.spec.regex.as_ref().expect("content rule has a regex");
            RuleRegex::new(
                pattern.get_ref(),
                &self.spec.keywords,
                self.built_reach,
                self.spec.secret_group,
            )
            // Never quotes the pattern: it may hold a secret.
            .map_err(|err| describe_regex_error(pattern.get_ref(), &err))
        });
        compiled
            .as_ref()
            .map_err(|err| anyhow!("rule {} has an invalid regex: {err}", self.spec.id()))
    }
}

/// What the value checks of a rule say about one of its matches.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// A secret, as far as the value shows.
    Secret,
    /// Not reported, but the match keeps catch-all rules off its text.
    Claims(DropReason),
    /// Not a secret.
    Dropped(DropReason),
}

impl CompiledRule {
    /// The checks on a matched value itself, in order: entropy, the format
    /// check, published samples and well-known digests, a catch-all rule in
    /// a generated file, placeholders, a
    /// catch-all rule's randomness, stopwords, and whether the rule
    /// recognises non-secrets. `before` is the text before the secret on
    /// its line (its key), `path` the file's.
    pub(super) fn judge_value(&self, path: &str, secret: &[u8], before: &[u8]) -> Verdict {
        let spec = &self.spec;
        // A specific rule's threshold fits its format's alphabet; a catch-all
        // rule's cannot, so long hex values get hex's yardstick there.
        if let Some(min) = spec.entropy
            && !(if spec.generic {
                entropy::is_random_enough(secret, min)
            } else {
                entropy::shannon_entropy(secret) >= min
            })
        {
            let entropy = entropy::shannon_entropy(secret);
            return Verdict::Dropped(DropReason::LowEntropy { entropy, min });
        }
        let format = match spec.validate {
            Some(validator) if !validate::validate(validator, secret) => {
                return Verdict::Claims(DropReason::FormatRejected(validator));
            }
            Some(_) => filters::Format::Validated,
            None if spec.distinctive => filters::Format::Distinctive,
            None => filters::Format::Unverified,
        };
        if filters::is_published_non_secret(secret) {
            return Verdict::Dropped(DropReason::Published);
        }
        if spec.generic && filters::is_generated_file(path) {
            return Verdict::Dropped(DropReason::GeneratedFile);
        }
        if let Some(kind) = filters::placeholder(secret, format) {
            return Verdict::Dropped(DropReason::Placeholder(kind));
        }
        if spec.generic
            && let Some(kind) = filters::not_random(secret, before)
        {
            return Verdict::Dropped(DropReason::NotRandom(kind));
        }
        if !spec.stopwords.is_empty() {
            // Stopwords were lowercased when the engine was built.
            let lower = secret.to_ascii_lowercase();
            if let Some(word) = spec
                .stopwords
                .iter()
                .find(|w| memchr::memmem::find(&lower, w.as_bytes()).is_some())
            {
                return Verdict::Dropped(DropReason::Stopword(word.clone()));
            }
        }
        if spec.not_secret {
            return Verdict::Claims(DropReason::NotSecret);
        }
        Verdict::Secret
    }
}
