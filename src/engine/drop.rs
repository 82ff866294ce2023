//! Why a candidate was dropped: one named reason for every place the engine
//! decides that a regex match is not a finding. (The baseline, applied by
//! the scan after the engine, is not among them: `explain` does not read it.) `leakgate explain` prints them, and tests assert which one
//! fired instead of only that nothing was reported.
//!
//! This module only names decisions; the checks that make them live in
//! [`super::filters`], [`super::validate`], [`super::allowlist`] and the
//! engine.

use std::fmt;

use crate::rules::Validator;

/// Why a rule's match did not become a finding.
#[derive(Debug, Clone, PartialEq)]
pub enum DropReason {
    /// The match touches no line the change adds.
    NotOnANewLine,
    /// The secret is less random than the rule's `entropy` asks.
    LowEntropy {
        /// The secret's Shannon entropy, in bits per byte.
        entropy: f64,
        /// The rule's minimum.
        min: f64,
    },
    /// The rule's format check (checksum, JWT, PEM, ...) failed: a look-alike.
    FormatRejected(Validator),
    /// A catch-all rule's match in a generated file (lockfile, bundle).
    GeneratedFile,
    /// The value stands in for a real one.
    Placeholder(Placeholder),
    /// A published sample value or a well-known digest.
    Published,
    /// A catch-all rule's value that was not generated at random.
    NotRandom(NotRandom),
    /// The secret contains one of the rule's stopwords.
    Stopword(String),
    /// The rule recognises a format that is not secret (a test-mode or
    /// publishable key); its match only keeps catch-all rules off the text.
    NotSecret,
    /// An allowlist entry of the config allows it.
    Allowlisted {
        /// The entry's description, if it has one.
        description: String,
    },
    /// Its line carries an inline allow marker.
    InlineMarker,
    /// A specific rule matched overlapping text; this catch-all rule yields.
    SpecificRuleWins {
        /// The specific rule.
        rule: String,
    },
    /// An earlier rule reported the same text.
    SameTextAsRule {
        /// That rule.
        rule: String,
    },
    /// A file-name finding in a file whose content has a finding: that one
    /// says which secret to rotate.
    ContentFindingInFile,
    /// A single finding the config leaves out (`.gitleaksignore`).
    IgnoredByConfig,
}

/// What makes a value a stand-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placeholder {
    /// A templating or interpolation marker: `${`, `{{`, `%(`, ...
    TemplateMarker,
    /// The whole value is in angle brackets: `<API_KEY>`.
    AngleBrackets,
    /// A placeholder word is the value or a delimited part of it.
    Word(&'static str),
    /// Repeated or consecutive characters (`aaaa`, `123456`) make up most of it.
    Filler,
}

/// Why a catch-all rule's value reads as something other than a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotRandom {
    /// `$NAME`: a variable filled in elsewhere.
    VariableReference,
    /// A UUID, not after `Bearer`.
    Uuid,
    /// The key names an identifier (`client_id`, `clientId`).
    IdentifierName,
    /// The key names a pagination cursor or request handle (`nextToken`).
    PagingToken,
    /// A path to a file (`dir/name.ext`).
    FilePath,
    /// An Azure shared access signature without its `sig=`.
    UnsignedSas,
    /// A public key or certificate.
    PublicKey,
    /// A digest, commit id or password hash.
    Digest,
    /// Hex too short to be a generated credential.
    ShortHexId,
    /// Mostly pronounceable words: an identifier or a typed phrase.
    Words,
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DropReason::NotOnANewLine => f.write_str("not on a line the change adds"),
            DropReason::LowEntropy { entropy, min } => {
                write!(f, "entropy {entropy:.2} is below the rule's {min}")
            }
            DropReason::FormatRejected(validator) => {
                write!(f, "fails the format check ({})", validator.name())
            }
            DropReason::GeneratedFile => {
                f.write_str("catch-all rule in a generated file (lockfile, bundle)")
            }
            DropReason::Placeholder(kind) => write!(f, "placeholder: {kind}"),
            DropReason::Published => f.write_str("a published sample or well-known digest"),
            DropReason::NotRandom(kind) => write!(f, "not a generated value: {kind}"),
            DropReason::Stopword(word) => write!(f, "contains the rule's stopword {word:?}"),
            DropReason::NotSecret => f.write_str("a format that is not secret"),
            DropReason::Allowlisted { description } if description.is_empty() => {
                f.write_str("allowed by an allowlist")
            }
            DropReason::Allowlisted { description } => {
                write!(f, "allowed by the allowlist {description:?}")
            }
            DropReason::InlineMarker => f.write_str("allowed by an inline marker on its line"),
            DropReason::SpecificRuleWins { rule } => {
                write!(f, "the specific rule {rule} matched the same text")
            }
            DropReason::SameTextAsRule { rule } => {
                write!(f, "the rule {rule} already matched the same text")
            }
            DropReason::ContentFindingInFile => {
                f.write_str("the file's content has a finding, which says what to rotate")
            }
            DropReason::IgnoredByConfig => f.write_str("ignored by .gitleaksignore"),
        }
    }
}

impl fmt::Display for Placeholder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Placeholder::TemplateMarker => f.write_str("a template marker"),
            Placeholder::AngleBrackets => f.write_str("in angle brackets"),
            Placeholder::Word(word) => write!(f, "the word {word:?}"),
            Placeholder::Filler => f.write_str("repeated or consecutive characters"),
        }
    }
}

impl fmt::Display for NotRandom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NotRandom::VariableReference => "a variable reference",
            NotRandom::Uuid => "a UUID",
            NotRandom::IdentifierName => "its name says it is an identifier",
            NotRandom::PagingToken => "its name says it is a paging token",
            NotRandom::FilePath => "a file path",
            NotRandom::UnsignedSas => "a shared access signature without its signature",
            NotRandom::PublicKey => "public key material",
            NotRandom::Digest => "a digest or commit id",
            NotRandom::ShortHexId => "short hex",
            NotRandom::Words => "it reads as words",
        })
    }
}
