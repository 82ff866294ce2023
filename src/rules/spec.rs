//! The schema of a rule as written in TOML ([`RuleSpec`]), the remediation
//! templates rules share, and [`ToRust`], which writes a parsed rule back
//! out as the Rust expression that constructs it.
//!
//! This file is compiled twice: into leakgate, and into the build script
//! (`src/rules/build.rs` includes it with `#[path]`), which parses the
//! built-in rules with this very schema and embeds them as generated code.
//! A new rule field is therefore one line here: the parser, the generated
//! code, `Default` and every struct literal built with `..Default::default()`
//! follow from it. It may use only what the build script has: `std`,
//! `serde` and `toml`.

use serde::Deserialize;
use toml::Spanned;

/// Writes a value as a Rust expression that evaluates to an equal value.
/// The build script uses it to turn the parsed built-in rules into code,
/// which starts faster than parsing their TOML on every run.
pub trait ToRust {
    /// Appends the expression to `out`.
    fn to_rust(&self, out: &mut String);
}

impl ToRust for String {
    fn to_rust(&self, out: &mut String) {
        // `{:?}` of a str is a valid Rust string literal.
        out.push_str(&format!("String::from({self:?})"));
    }
}

impl ToRust for bool {
    fn to_rust(&self, out: &mut String) {
        out.push_str(if *self { "true" } else { "false" });
    }
}

impl ToRust for usize {
    fn to_rust(&self, out: &mut String) {
        out.push_str(&format!("{self}usize"));
    }
}

impl ToRust for f64 {
    fn to_rust(&self, out: &mut String) {
        // `{:?}` of an f64 reads back as the same number.
        out.push_str(&format!("{self:?}f64"));
    }
}

impl<T: ToRust> ToRust for Option<T> {
    fn to_rust(&self, out: &mut String) {
        match self {
            None => out.push_str("None"),
            Some(value) => {
                out.push_str("Some(");
                value.to_rust(out);
                out.push(')');
            }
        }
    }
}

impl<T: ToRust> ToRust for Vec<T> {
    fn to_rust(&self, out: &mut String) {
        out.push_str("vec![");
        for item in self {
            item.to_rust(out);
            out.push_str(", ");
        }
        out.push(']');
    }
}

impl<T: ToRust> ToRust for Spanned<T> {
    /// Spans point into the TOML text, which the generated code does not
    /// have; built-in rules report places by their id instead.
    fn to_rust(&self, out: &mut String) {
        out.push_str("Spanned::new(0..0, ");
        self.get_ref().to_rust(out);
        out.push(')');
    }
}

/// Structural checks a rule can ask for, beyond its regex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Validator {
    /// GitHub tokens: the last six characters are the base62 CRC32 of the
    /// random part.
    GithubCrc32,
    /// npm tokens: the same scheme as GitHub's.
    NpmCrc32,
    /// JSON Web Tokens: header and payload decode to JSON objects.
    Jwt,
    /// PEM private keys: the body is plausible base64.
    Pem,
    /// The secret is base64 of a JSON object.
    Base64Json,
    /// HTTP Basic credentials: base64 of printable `user:password`.
    BasicAuth,
}

impl Validator {
    /// The name rules use for it (`github-crc32`).
    pub fn name(self) -> &'static str {
        match self {
            Validator::GithubCrc32 => "github-crc32",
            Validator::NpmCrc32 => "npm-crc32",
            Validator::Jwt => "jwt",
            Validator::Pem => "pem",
            Validator::Base64Json => "base64-json",
            Validator::BasicAuth => "basic-auth",
        }
    }
}

impl ToRust for Validator {
    fn to_rust(&self, out: &mut String) {
        // `{:?}` of a unit variant is its name.
        out.push_str(&format!("Validator::{self:?}"));
    }
}

/// The value of a field in `Default`: the one given, else the type's own.
macro_rules! default_or {
    () => {
        Default::default()
    };
    ($value:expr) => {
        $value
    };
}

/// Declares [`RuleSpec`] once and derives from that one list its fields,
/// its `Default` and its [`ToRust`] code. Fields under `runtime_only` are
/// left out of the generated code (they become their default): examples are
/// read from the TOML when rules are checked, and `verify` when a scan asks
/// for verification, so a commit hook's start-up never pays for them.
macro_rules! rule_spec {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            embedded {
                $( $(#[$field_meta:meta])* pub $field:ident : $type:ty $(= $default:expr)?, )*
            }
            runtime_only {
                $( $(#[$late_meta:meta])* pub $late:ident : $late_type:ty, )*
            }
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $( $(#[$field_meta])* pub $field: $type, )*
            $( $(#[$late_meta])* pub $late: $late_type, )*
        }

        impl Default for $name {
            fn default() -> Self {
                $name {
                    $( $field: default_or!($($default)?), )*
                    $( $late: Default::default(), )*
                }
            }
        }

        impl ToRust for $name {
            fn to_rust(&self, out: &mut String) {
                out.push_str(concat!(stringify!($name), " { "));
                $(
                    out.push_str(concat!(stringify!($field), ": "));
                    self.$field.to_rust(out);
                    out.push_str(", ");
                )*
                $( out.push_str(concat!(stringify!($late), ": Default::default(), ")); )*
                out.push('}');
            }
        }
    };
}

rule_spec! {
    /// One rule as written in TOML: a built-in rule file's `[[rules]]`
    /// entry, or a custom rule in a config.
    #[derive(Debug, Clone, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct RuleSpec {
        embedded {
            /// Unique kebab-case identifier.
            pub id: Spanned<String> = Spanned::new(0..0, String::new()),
            /// What the rule finds, in a few words.
            #[serde(default)]
            pub description: String,
            /// Matches the secret in file content; absent for file-name
            /// rules. Rust `regex` syntax over raw bytes; `(?x)` allows a
            /// readable pattern over several lines.
            pub regex: Option<Spanned<String>>,
            /// The capture group holding the secret (default: the group
            /// named `secret`, else 1, else the whole match).
            pub secret_group: Option<usize>,
            /// Lowercase literals for the prefilter; every match contains one.
            #[serde(default)]
            pub keywords: Vec<String>,
            /// Minimum Shannon entropy (bits per byte) of the secret.
            pub entropy: Option<f64>,
            /// A structural check of the secret's format.
            pub validate: Option<Validator>,
            /// Catch-all rules yield to a specific rule matching the same text.
            #[serde(default)]
            pub generic: bool,
            /// The regex pins a format random text does not produce by
            /// chance (a vendor marker such as OpenAI's `T3BlbkFJ`, a key id
            /// beside its secret): placeholder words inside a match are
            /// chance, not a sign of a made-up value. Templating, angle
            /// brackets and filler still are.
            #[serde(default)]
            pub distinctive: bool,
            /// The rule recognises values that are not secret (test-mode or
            /// publishable keys): its matches are never reported, and they
            /// keep catch-all rules from reporting the same text.
            #[serde(default)]
            pub not_secret: bool,
            /// Limits the rule to matching paths; alone, the path is the finding.
            pub path: Option<Spanned<String>>,
            /// Paths the rule never applies to, even when `path` matches.
            pub path_exclude: Option<Spanned<String>>,
            /// The path examples are tested under (default `example.txt`).
            pub example_path: Option<String>,
            /// What to do about a finding: text, or a shared template
            /// (`{ template = "revoke", how = "in the console" }`, see
            /// [`remediation_text`]).
            #[serde(default, deserialize_with = "remediation")]
            pub remediation: String,
            /// Words that mark a match as not a secret, whatever their case.
            #[serde(default)]
            pub stopwords: Vec<String>,
            /// The vendor's documentation of the credential's format.
            #[serde(default)]
            pub references: Vec<String>,
        }
        runtime_only {
            /// Whole files that must produce a finding of this rule (for a
            /// `not_secret` rule: a match it recognises).
            #[serde(default)]
            pub examples: Vec<Spanned<String>>,
            /// Whole files that must not.
            #[serde(default)]
            pub negative_examples: Vec<Spanned<String>>,
            /// How to ask the vendor whether a found secret is live, as
            /// written; read only when a scan asks for verification.
            pub verify: Option<toml::Table>,
        }
    }
}

impl RuleSpec {
    /// The rule's id.
    pub fn id(&self) -> &str {
        self.id.get_ref()
    }

    /// A file-name rule has a path pattern and nothing to look for inside.
    pub fn is_path_only(&self) -> bool {
        self.regex.is_none() && self.path.is_some()
    }
}

/// A rules file: the built-in ones under `src/rules/builtin/`, or one given
/// to `leakgate rules check`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// The rules, in the order written.
    #[serde(default)]
    pub rules: Vec<RuleSpec>,
}

/// The sentence every "rotate this credential" remediation ends with.
const LOAD_AT_RUNTIME: &str = "Load the replacement from an environment variable or a secret manager instead of committing it.";

/// The names of the remediation templates, for error messages.
pub const REMEDIATION_TEMPLATES: &[&str] = &[
    "revoke",
    "hardcoded-value",
    "private-key",
    "database-url",
    "sensitive-file",
];

/// The text of remediation template `name`. `how` says where or how the
/// credential is invalidated (only `revoke` takes it, and needs it); `note`
/// is a sentence appended to any template.
pub fn remediation_text(
    name: &str,
    how: Option<&str>,
    note: Option<&str>,
) -> Result<String, String> {
    let text = match (name, how) {
        ("revoke", Some(how)) => {
            format!("Remove it from the staged change and invalidate it {how}. {LOAD_AT_RUNTIME}")
        }
        ("revoke", None) => {
            return Err("template \"revoke\" needs `how` (where the credential is invalidated)".into());
        }
        (name, Some(_)) if REMEDIATION_TEMPLATES.contains(&name) => {
            return Err(format!("template {name:?} takes no `how`"));
        }
        ("hardcoded-value", None) => "Remove the value from the change, rotate it at the system that issued it, \
            and read it at runtime from an environment variable or a secret manager. If it is a harmless \
            placeholder, make that obvious (e.g. ${VAR} or <value>)."
            .to_string(),
        ("private-key", None) => "Remove the key from the change and treat it as compromised: replace it \
            wherever it is trusted (authorized_keys, certificates, signing or deploy configuration) and keep \
            key material out of the repository."
            .to_string(),
        ("database-url", None) => "Remove the credentials from the URL, change the database password, and \
            build the connection string at runtime from environment variables or a secret manager."
            .to_string(),
        ("sensitive-file", None) => "Remove the file from the index with `git rm --cached <file>`, add it to \
            .gitignore, and rotate any credentials or keys it contains."
            .to_string(),
        (name, _) => {
            return Err(format!(
                "unknown remediation template {name:?}; the templates are {}",
                REMEDIATION_TEMPLATES.join(", ")
            ));
        }
    };
    Ok(match note {
        Some(note) => format!("{text} {note}"),
        None => text,
    })
}

/// Reads `remediation`: a string as it is, or a table naming a template
/// (`template`, and `how` or `note` as the template takes them).
fn remediation<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    use serde::de::Error;
    let table = match toml::Value::deserialize(deserializer)? {
        toml::Value::String(text) => return Ok(text),
        toml::Value::Table(table) => table,
        other => {
            return Err(D::Error::custom(format!(
                "remediation is a string or a table such as {{ template = \"revoke\", how = \"...\" }}; found {}",
                other.type_str()
            )));
        }
    };
    let text = |key: &str| -> Result<Option<&str>, D::Error> {
        match table.get(key) {
            None => Ok(None),
            Some(toml::Value::String(text)) => Ok(Some(text)),
            Some(_) => Err(D::Error::custom(format!("remediation `{key}` is a string"))),
        }
    };
    if let Some(key) = table
        .keys()
        .find(|k| !["template", "how", "note"].contains(&k.as_str()))
    {
        return Err(D::Error::custom(format!(
            "remediation has an unknown key `{key}`; a template table has `template`, `how` and `note`"
        )));
    }
    let name = text("template")?
        .ok_or_else(|| D::Error::custom("a remediation table needs `template`"))?;
    remediation_text(name, text("how")?, text("note")?).map_err(D::Error::custom)
}
