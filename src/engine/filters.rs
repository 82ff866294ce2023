//! False-positive filters: values that are placeholders, templates,
//! published test keys, or (for catch-all rules) not random at all.
//!
//! These run after a rule's regex has matched, on the secret and at most the
//! text before it on its line, so they must be cheap. The filters for every
//! rule must never reject a value a provider would accept; the stricter ones
//! for catch-all rules judge whether a value was drawn at random, since the
//! rule itself only saw a secret-sounding name.
//!
//! Each check returns why it rejects a value ([`super::drop`]), so the
//! engine can say which one fired.

use super::drop::{NotRandom, Placeholder};

/// Words that mark a documented or made-up value, when one of them is a
/// word of the value (split as [`name_words`] splits a key): `your-api-key-here`, `FakeToken`,
/// `sk-xxxxxxxxxxxx`. Inside random characters they are chance: one in a
/// few thousand long keys contains `fake` or `dummy` somewhere.
const PLACEHOLDER_WORDS: &[&str] = &[
    "example",
    "your",
    "yourkey",
    "yourtoken",
    "yoursecret",
    "changeme",
    "placeholder",
    "dummy",
    "redacted",
    "replaceme",
    "insert",
    "fake",
    "notreal",
    "here",
];

/// Placeholder phrases written as several words: `change_me`, `not-a-real`.
const PLACEHOLDER_PHRASES: &[&[&str]] = &[
    &["change", "me"],
    &["replace", "me"],
    &["not", "real"],
    &["not", "a", "real"],
];

/// Runs of masking characters: never part of a generated alphanumeric or
/// base64 value.
const MASKS: &[&str] = &["****", "...."];

/// Templating and interpolation markers: the value is filled in elsewhere.
const TEMPLATE_MARKERS: &[&str] = &["${", "{{", "}}", "%(", "$(", "<%", "#{"];

/// Secrets longer than this (key blocks, certificates' bodies) are judged by
/// their validators, not by the short-value heuristics below, which random
/// base64 of that size can trip by chance.
const LONG_SECRET: usize = 200;

/// How a rule's format bears on the placeholder heuristics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Only the regex vouches for the value.
    Unverified,
    /// A vendor marker or a paired key id makes the value distinctive:
    /// placeholder words inside it are chance, but templating, angle
    /// brackets and filler still mark a stand-in.
    Distinctive,
    /// A checksum, structure or decoding check passed: no heuristic can
    /// veto it.
    Validated,
}

/// What makes `secret` a stand-in for a real value, if anything.
pub fn placeholder(secret: &[u8], format: Format) -> Option<Placeholder> {
    if format == Format::Validated {
        return None;
    }
    // Every marker starts with one of these; most secrets hold none of them.
    let marker_start = |b: &u8| matches!(b, b'$' | b'{' | b'}' | b'%' | b'<' | b'#');
    if secret.iter().any(marker_start)
        && TEMPLATE_MARKERS
            .iter()
            .any(|m| memchr::memmem::find(secret, m.as_bytes()).is_some())
    {
        return Some(Placeholder::TemplateMarker);
    }
    if secret.first() == Some(&b'<') && secret.last() == Some(&b'>') {
        return Some(Placeholder::AngleBrackets);
    }
    if secret.len() > LONG_SECRET {
        return None;
    }
    if format == Format::Unverified
        && let Some(word) = placeholder_word(secret)
    {
        return Some(Placeholder::Word(word));
    }
    is_mostly_filler(secret).then_some(Placeholder::Filler)
}

/// The placeholder word or phrase that is a word of `secret`, or a mask.
fn placeholder_word(secret: &[u8]) -> Option<&'static str> {
    if secret.iter().any(|&b| b == b'*' || b == b'.')
        && let Some(mask) = MASKS
            .iter()
            .find(|m| memchr::memmem::find(secret, m.as_bytes()).is_some())
    {
        return Some(mask);
    }
    // A value's words split like a key's: at punctuation and at case changes.
    let words = name_words(secret);
    for word in &words {
        if word.len() >= 4 && word.iter().all(|&b| b == b'x') {
            return Some("xxxx");
        }
        if let Some(found) = PLACEHOLDER_WORDS
            .iter()
            .find(|w| w.as_bytes() == word.as_slice())
        {
            return Some(found);
        }
    }
    PLACEHOLDER_PHRASES.iter().find_map(|phrase| {
        words
            .windows(phrase.len())
            .any(|run| {
                run.iter()
                    .zip(phrase.iter())
                    .all(|(w, p)| w.as_slice() == p.as_bytes())
            })
            .then_some(phrase[0])
    })
}

/// How long a run of one repeated character (`000000`) or of consecutive
/// characters (`abcdef`, `654321`) must be to look typed rather than drawn.
const FILLER_RUN: usize = 6;

/// Random characters a secret needs besides its filler runs to still count
/// as real. Structured formats embed runs of zero bytes amid random data
/// (Azure DevOps and other annotated keys encode to `AAAAAA…`), while
/// placeholders are filler with at most a short prefix or tail.
const RANDOM_BESIDE_FILLER: usize = 32;

/// True when runs of repeated or consecutive characters make up the secret,
/// leaving too little else to be a generated value.
fn is_mostly_filler(secret: &[u8]) -> bool {
    if !has_filler_run(secret) {
        return false;
    }
    let mut filler = vec![false; secret.len()];
    mark_runs(secret, &mut filler, |a, b| a == b);
    mark_runs(secret, &mut filler, |a, b| b == a.wrapping_add(1));
    mark_runs(secret, &mut filler, |a, b| a == b.wrapping_add(1));
    if !filler.contains(&true) {
        return false;
    }
    filler.iter().filter(|&&f| !f).count() < RANDOM_BESIDE_FILLER
}

/// Is there any run of `FILLER_RUN` repeated or consecutive alphanumerics?
/// One pass without allocating: almost every real secret has none.
fn has_filler_run(bytes: &[u8]) -> bool {
    let (mut same, mut up, mut down) = (1, 1, 1);
    for pair in bytes.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let alnum = a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric();
        same = if alnum && a == b { same + 1 } else { 1 };
        up = if alnum && b == a.wrapping_add(1) {
            up + 1
        } else {
            1
        };
        down = if alnum && a == b.wrapping_add(1) {
            down + 1
        } else {
            1
        };
        if same >= FILLER_RUN || up >= FILLER_RUN || down >= FILLER_RUN {
            return true;
        }
    }
    false
}

/// Marks every run of at least `FILLER_RUN` alphanumerics in which each
/// neighbouring pair satisfies `step`.
fn mark_runs(bytes: &[u8], filler: &mut [bool], step: impl Fn(u8, u8) -> bool) {
    let mut start = 0;
    for end in 1..=bytes.len() {
        let continues = end < bytes.len()
            && bytes[end].is_ascii_alphanumeric()
            && bytes[end - 1].is_ascii_alphanumeric()
            && step(bytes[end - 1], bytes[end]);
        if !continues {
            if end - start >= FILLER_RUN {
                filler[start..end].iter_mut().for_each(|f| *f = true);
            }
            start = end;
        }
    }
}

/// Values printed in vendors' documentation and SDKs for everyone to copy:
/// the fixed keys of the Azurite storage emulator (`devstoreaccount1`) and
/// of the Cosmos DB emulator, the example
/// API key of the Firebase SDK reference, the key of Google Maps' published
/// samples, the two bot tokens of Telegram's Bot API documentation, the
/// payload of jwt.io's sample token (its signature varies with the secret a
/// reader types in), and the stem of AWS's documented example secret access
/// key (`wJalrXUtnFEMI/K7MDENG/bPxRfiCY…EXAMPLEKEY`, which documentation,
/// AWS's own SigV4 test suite and mocking libraries copy with small
/// variations). None of them guards anything.
const PUBLISHED_SAMPLE_VALUES: &[&str] = &[
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
    "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==",
    "AIzaSyDOCAbC123dEf456GhI789jKl012-MnO",
    "AIzaSyB41DRUbKWJHPxaFjMAwdrzWzbVKartNGg",
    "ABC-DEF1234ghIkl-zyx57W2v1u123ew11",
    "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
    ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lI",
    "wJalrXUtnFEMI/K7MDENG",
];

/// Digests of nothing and of git's empty objects: they turn up in test
/// data, caches and fixtures, and are the same everywhere. The MD5,
/// SHA-1, SHA-256 and SHA-512 of the empty string; git's empty blob and
/// empty tree ids.
const WELL_KNOWN_DIGESTS: &[&str] = &[
    "d41d8cd98f00b204e9800998ecf8427e",
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
    "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391",
    "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
];

/// True for sample values published in documentation and for well-known
/// digests. (Formats that are public by design, such as Stripe's test and
/// publishable keys, are rules marked `not_secret`.)
pub fn is_published_non_secret(secret: &[u8]) -> bool {
    PUBLISHED_SAMPLE_VALUES
        .iter()
        .any(|v| memchr::memmem::find(secret, v.as_bytes()).is_some())
        || WELL_KNOWN_DIGESTS
            .iter()
            .any(|d| secret.eq_ignore_ascii_case(d.as_bytes()))
}

/// File names of lockfiles, checksum lists, minified bundles, source maps
/// and scanners' baselines: generated, full of hashes and random identifiers, never edited by
/// hand. Catch-all rules skip them; specific rules still run there.
const GENERATED_FILE_SUFFIXES: &[&str] = &[
    "package-lock.json",
    "npm-shrinkwrap.json",
    "pnpm-lock.yaml",
    "yarn.lock",
    "poetry.lock",
    "Pipfile.lock",
    "uv.lock",
    "Cargo.lock",
    "Gemfile.lock",
    "composer.lock",
    "go.sum",
    "packages.lock.json",
    ".min.js",
    ".min.css",
    ".js.map",
    ".css.map",
    // Scanners' own records of accepted findings: fingerprints, commit ids
    // and hashes of secrets, never the secrets.
    ".gitleaksignore",
    ".leakgate-baseline.json",
    ".secrets.baseline",
];

/// True for a path whose file is generated (see `GENERATED_FILE_SUFFIXES`).
pub fn is_generated_file(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    GENERATED_FILE_SUFFIXES
        .iter()
        .any(|suffix| name.ends_with(suffix))
}

/// Checks for catch-all rules, which matched a secret-sounding name and must
/// now judge whether the value was generated: ids, digests and words are
/// not. `before` is the text on the secret's line before it (the key).
///
/// Specific rules do not get these: their formats are random by
/// construction, and a fixed prefix such as AWS's `ASIA` plus sixteen
/// upper-case characters reads as words too often (about 1 in 250).
pub fn not_random(secret: &[u8], before: &[u8]) -> Option<NotRandom> {
    if is_variable_reference(secret) {
        Some(NotRandom::VariableReference)
    } else if is_uuid(secret) && !follows_bearer(before) {
        Some(NotRandom::Uuid)
    } else if names_an_identifier(before) {
        Some(NotRandom::IdentifierName)
    } else if names_a_paging_token(before) {
        Some(NotRandom::PagingToken)
    } else if is_file_path(secret) {
        Some(NotRandom::FilePath)
    } else if is_unsigned_sas(secret) {
        Some(NotRandom::UnsignedSas)
    } else if is_public_key_material(secret, before) {
        Some(NotRandom::PublicKey)
    } else if is_digest(secret, before) {
        Some(NotRandom::Digest)
    } else if is_short_hex_id(secret) {
        Some(NotRandom::ShortHexId)
    } else if reads_as_words(secret) {
        Some(NotRandom::Words)
    } else {
        None
    }
}

/// `$NAME`: a shell or PHP variable, filled in elsewhere.
fn is_variable_reference(secret: &[u8]) -> bool {
    secret.len() > 1
        && secret[0] == b'$'
        && secret[1..]
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_')
}

/// `Bearer <value>`: whatever the value looks like, it is a credential.
fn follows_bearer(before: &[u8]) -> bool {
    let trimmed = before.trim_ascii_end();
    trimmed.len() != before.len() && trimmed.to_ascii_lowercase().ends_with(b"bearer")
}

/// The key the value is assigned to: the last name before the separator.
fn key_name(before: &[u8]) -> &[u8] {
    let is_name = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-');
    let end = before.iter().rposition(is_name).map_or(0, |i| i + 1);
    let start = before[..end]
        .iter()
        .rposition(|b| !is_name(b))
        .map_or(0, |i| i + 1);
    &before[start..end]
}

/// Keys named `…_id`, `…-id`, `…Id` (`private_key_id`, `clientId`) hold
/// identifiers, which are not secret even when they look random.
fn names_an_identifier(before: &[u8]) -> bool {
    let key = key_name(before);
    let Some(stem) = key
        .strip_suffix(b"id")
        .or_else(|| key.strip_suffix(b"Id"))
        .or_else(|| key.strip_suffix(b"ID"))
    else {
        return false;
    };
    match stem.last() {
        None => true,
        Some(b'_' | b'-' | b'.') => true,
        // camelCase: `clientId`, `clientID`, but not `paid`, `Android` or `ANDROID`.
        Some(c) => !key.ends_with(b"id") && (c.is_ascii_lowercase() || c.is_ascii_digit()),
    }
}

/// Words before `token` in the names of tokens that carry no authority:
/// pagination cursors (`nextToken`, `pageToken`, `ContinuationToken`),
/// cancellation handles, request de-duplication ids, and domain
/// verification tokens, which are published in DNS records anyway.
const PAGING_TOKEN_WORDS: &[&[u8]] = &[
    b"next",
    b"page",
    b"continuation",
    b"cancellation",
    b"cancel",
    b"sync",
    b"resume",
    b"idempotency",
    b"pagination",
    b"marker",
    b"verification",
];

/// Keys such as `nextToken` or `page_token` hold cursors, not credentials.
fn names_a_paging_token(before: &[u8]) -> bool {
    let words = name_words(key_name(before));
    match words.as_slice() {
        [.., word, last] => last == b"token" && PAGING_TOKEN_WORDS.contains(&word.as_slice()),
        _ => false,
    }
}

/// `dir/name.ext`: a path to a file, as object keys and upload settings
/// hold. Generated keys have no directory separators followed by a dotted
/// extension of letters.
fn is_file_path(secret: &[u8]) -> bool {
    let Some(slash) = secret.iter().rposition(|&b| b == b'/') else {
        return false;
    };
    let name = &secret[slash + 1..];
    name.iter().rposition(|&b| b == b'.').is_some_and(|dot| {
        let ext = &name[dot + 1..];
        dot > 0 && (1..=5).contains(&ext.len()) && ext.iter().all(u8::is_ascii_alphabetic)
    })
}

/// An Azure shared access signature query (`sv=…&sp=…&se=…`) without its
/// `sig=` parameter grants nothing: the signature is the secret.
fn is_unsigned_sas(secret: &[u8]) -> bool {
    let has = |part: &[u8]| memchr::memmem::find(secret, part).is_some();
    (secret.starts_with(b"sv=") || has(b"&sv=")) && !has(b"sig=")
}

/// Base64 openings of SSH public key blobs (`ssh-rsa`, `ssh-ed25519`,
/// `ecdsa-sha2-…`, `ssh-dss`), as in `authorized_keys` and `known_hosts`.
const SSH_PUBLIC_BLOB_PREFIXES: &[&str] = &[
    "AAAAB3NzaC1",
    "AAAAC3NzaC1",
    "AAAAE2VjZHNh",
    "AAAAB3NzaC1kc3",
];

/// Public keys and certificates are meant to be shared: an SSH public key
/// blob, or a value under a key that names a public key (`public_key`,
/// `jwtPublicKey`) or a certificate (`tls_cert`), unless the key also says
/// private or secret (`cert_key`, `cert_private_key` hold private keys).
fn is_public_key_material(secret: &[u8], before: &[u8]) -> bool {
    if SSH_PUBLIC_BLOB_PREFIXES
        .iter()
        .any(|p| secret.starts_with(p.as_bytes()))
    {
        return true;
    }
    let words = name_words(key_name(before));
    let has = |names: &[&[u8]]| words.iter().any(|w| names.contains(&w.as_slice()));
    let secret_word = has(&[b"private", b"secret", b"password", b"pass", b"passphrase"]);
    let public = has(&[b"public", b"pub", b"pubkey", b"publickey"]);
    let certificate = has(&[b"cert", b"certificate", b"crt"]) && !has(&[b"key"]);
    (public || certificate) && !secret_word
}

/// `8-4-4-4-12` hex: request, tenant and resource ids, not credentials.
/// (Providers whose keys are UUIDs have their own rules.)
fn is_uuid(secret: &[u8]) -> bool {
    secret.len() == 36
        && secret.iter().enumerate().all(|(i, &b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Digest notations that name their algorithm (`sha256:…`, SRI's
/// `sha512-…`, go.sum's `h1:…`), and password hashes in crypt(3) or
/// Django/Werkzeug notation (`$2b$12$…`, `pbkdf2_sha256$…`): a hash of a
/// password is not the password.
const DIGEST_PREFIXES: &[&str] = &[
    "sha1:", "sha1-", "sha224:", "sha256:", "sha256-", "sha384:", "sha384-", "sha512:", "sha512-",
    "md5:", "md5-", "h1:", "$1$", "$2a$", "$2b$", "$2y$", "$5$", "$6$", "$argon2", "$scrypt$",
    "pbkdf2_", "pbkdf2:", "scrypt:",
];

/// Words that, in the key before a hex value, say it is a digest, a commit
/// or a content hash rather than a key.
const DIGEST_WORDS: &[&str] = &[
    "sha",
    "md5",
    "hash",
    "digest",
    "checksum",
    "integrity",
    "commit",
    "etag",
    "fingerprint",
    "revision",
    "crc",
    "gpg",
    "pgp",
];

/// How much of the line before the value counts as its key.
const KEY_WINDOW: usize = 80;

/// A hex string under a hash-like name, or a digest in a notation that names
/// its algorithm.
fn is_digest(secret: &[u8], before: &[u8]) -> bool {
    let lower = secret.to_ascii_lowercase();
    if DIGEST_PREFIXES
        .iter()
        .any(|p| lower.starts_with(p.as_bytes()))
    {
        return true;
    }
    if !is_hex(secret) {
        return false;
    }
    // Version pins: `action@<sha>`, `?ref=<sha>`, `rev = "<sha>"`.
    if before.last() == Some(&b'@') {
        return true;
    }
    let name = key_name(before).to_ascii_lowercase();
    if matches!(
        name.as_slice(),
        b"ref" | b"rev" | b"sha" | b"commit" | b"tag" | b"version"
    ) {
        return true;
    }
    let key = &before[before.len().saturating_sub(KEY_WINDOW)..];
    name_words(key).iter().any(|word| is_digest_word(word))
}

/// A word of a key that names a digest: one of `DIGEST_WORDS`, its plural,
/// or followed by digits (`sha256`, `md5`, `crc32`), but not a longer word
/// that starts the same (`shared`, `hashicorp`).
fn is_digest_word(word: &[u8]) -> bool {
    DIGEST_WORDS.iter().any(|w| {
        word.strip_prefix(w.as_bytes()).is_some_and(|rest| {
            matches!(rest, b"" | b"s" | b"es") || rest.iter().all(u8::is_ascii_digit)
        })
    })
}

/// The lower-cased words of a key: split at anything but letters and
/// digits, and where a capital follows a lower-case letter (`commitSha`).
fn name_words(key: &[u8]) -> Vec<Vec<u8>> {
    let mut words: Vec<Vec<u8>> = Vec::new();
    let mut current = Vec::new();
    let mut prev = 0u8;
    for &b in key {
        let camel = prev.is_ascii_lowercase() && b.is_ascii_uppercase();
        if (!b.is_ascii_alphanumeric() || camel) && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        if b.is_ascii_alphanumeric() {
            current.push(b.to_ascii_lowercase());
        }
        prev = b;
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

fn is_hex(bytes: &[u8]) -> bool {
    !bytes.is_empty() && bytes.iter().all(u8::is_ascii_hexdigit)
}

/// Hex shorter than this is an id, a short hash or a colour: generated
/// credentials carry at least 80 bits.
const SHORTEST_HEX_SECRET: usize = 20;

fn is_short_hex_id(secret: &[u8]) -> bool {
    is_hex(secret) && secret.len() < SHORTEST_HEX_SECRET
}

/// The most frequent letter pairs of English (the top 200 in the texts
/// under /usr/share/common-licenses), plus pairs common in code
/// vocabulary (json, sql, db, ws, ok). Random letters hit about 30% of all
/// 676 pairs; words hit these almost always.
const COMMON_BIGRAMS: &str = "th he er on or in re ti an en se co li at is io of ic nt ns te it ed ce \
    ar nd es ri ou de ve to ra di al st le ha ng ib yo ut ec ro me pr hi ot fo ma ct tr no si if \
    ne op so us om bl od ch ta ll as rs wi bu rm ur pa ts ie ge la ac wo ho un fi ca ea ig ny rk \
    ry ov il pl su ly fr pe am iv wa mo ex ee be do gr ab nc py ss ai cu rt na br im pu gh wh by \
    ub ty cl ht ci um el ay mi ia em ms ir mp os po sh uc tw ft vi rc id ad og ag ol oc ow ap et \
    fe pp lu ev lo rr da sp ei ni pi va bi ef ul gi ep qu ud nu yr ga mu ke gn tl sa rd ff ld we \
    pt mb ui av eq eg au xt tt ak ba nv ip sc fy cc du ey ls ob dd ua xe bo fu xc nf mm fa rp \
    js dj ku ql sq db fg ws yn ok ml ue yi ks";

/// `COMMON_BIGRAMS` as one bit per pair: bit `b` of entry `a` is `ab`.
const BIGRAM_TABLE: [u32; 26] = bigram_table(COMMON_BIGRAMS.as_bytes());

const fn bigram_table(text: &[u8]) -> [u32; 26] {
    let mut table = [0u32; 26];
    let mut i = 0;
    while i + 1 < text.len() {
        let (a, b) = (text[i], text[i + 1]);
        if a.is_ascii_lowercase() && b.is_ascii_lowercase() {
            table[(a - b'a') as usize] |= 1 << (b - b'a');
            i += 2;
        } else {
            i += 1;
        }
    }
    table
}

fn is_common_bigram(a: u8, b: u8) -> bool {
    let (a, b) = (a.to_ascii_lowercase(), b.to_ascii_lowercase());
    BIGRAM_TABLE[(a - b'a') as usize] & (1 << (b - b'a')) != 0
}

/// Share of a value (in tenths) that word-like letter runs must cover for
/// the value to read as words: `admin123`, `wrong-Password1`,
/// `FORCE_CHANGE_PASSWORD`, `ContactFlowModuleAliasSummaryList`.
const WORDY_TENTHS: usize = 6;

/// True when most of the value is made of pronounceable words, as in
/// identifiers, phrases and hand-typed passwords; generated values almost
/// never are (about 1 in 1,000 random 12-character strings).
fn reads_as_words(secret: &[u8]) -> bool {
    let wordy: usize = letter_runs(secret)
        .into_iter()
        .filter(|run| is_word_like(run))
        .map(<[u8]>::len)
        .sum();
    wordy * 10 >= secret.len() * WORDY_TENTHS
}

/// A run of at least three letters whose letter pairs are nearly all common
/// ones: at most one uncommon pair in four.
fn is_word_like(run: &[u8]) -> bool {
    if run.len() < 3 {
        return false;
    }
    let uncommon = run
        .windows(2)
        .filter(|pair| !is_common_bigram(pair[0], pair[1]))
        .count();
    uncommon <= (run.len() - 1) / 4
}

/// Maximal runs of letters, split where identifiers start a new word:
/// `lowerUpper` and `UPPERWord` (`HTTPServer` is `HTTP`, `Server`).
fn letter_runs(bytes: &[u8]) -> Vec<&[u8]> {
    let mut runs = Vec::new();
    let mut start: Option<usize> = None;
    for (i, &b) in bytes.iter().enumerate() {
        if !b.is_ascii_alphabetic() {
            if let Some(s) = start.take() {
                runs.push(&bytes[s..i]);
            }
            continue;
        }
        let Some(s) = start else {
            start = Some(i);
            continue;
        };
        let prev = bytes[i - 1];
        let camel = prev.is_ascii_lowercase() && b.is_ascii_uppercase();
        let acronym_end = b.is_ascii_lowercase()
            && prev.is_ascii_uppercase()
            && i >= s + 2
            && bytes[i - 2].is_ascii_uppercase();
        if camel {
            runs.push(&bytes[s..i]);
            start = Some(i);
        } else if acronym_end {
            runs.push(&bytes[s..i - 1]);
            start = Some(i - 1);
        }
    }
    if let Some(s) = start {
        runs.push(&bytes[s..]);
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_recognised() {
        for (p, kind) in [
            ("sk-xxxxxxxxxxxxxxxxxxxxxxxx", Placeholder::Word("xxxx")),
            ("your-api-key-here", Placeholder::Word("your")),
            ("<API_KEY>", Placeholder::AngleBrackets),
            ("${OPENAI_API_KEY}", Placeholder::TemplateMarker),
            ("{{ secret }}", Placeholder::TemplateMarker),
            ("%(password)s", Placeholder::TemplateMarker),
            ("AKIAIOSFODNN7-EXAMPLE", Placeholder::Word("example")),
            (
                "my_fake_token_q8Fz2LmX0pRt7WvNc3Yb",
                Placeholder::Word("fake"),
            ),
            ("FakeToken9q8Fz2LmX0pRt7WvNc3Yb", Placeholder::Word("fake")),
            ("sk_live_change_me_now", Placeholder::Word("change")),
            ("secret-****-value", Placeholder::Word("****")),
            ("aaaaaaaaaaaaaaaa", Placeholder::Filler),
            ("abcdefghijklmnop", Placeholder::Filler),
            ("sk_live_000000000000000000000000", Placeholder::Filler),
            ("ABCDEF123456", Placeholder::Filler),
            (
                "shippo_live_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                Placeholder::Filler,
            ),
            ("abc123def4567890abc123def4567890", Placeholder::Filler),
        ] {
            assert_eq!(
                placeholder(p.as_bytes(), Format::Unverified),
                Some(kind),
                "{p}"
            );
        }
    }

    #[test]
    fn placeholder_words_inside_random_characters_are_chance() {
        for s in [
            "q8Fz2LmX0pRt7WvNc3Yb",
            "AKIAQYLPMN5HHHFPZAM2",
            "sk-proj-Tq3vR9xLm2",
            "q8Fz2fakeLmX0pRt7WvNc3Yb",
            "Q7dummyx9Rt2LmX0pW4vNc3Yb",
            "kq7YOURkeyZm2LmX0pRt7WvNc",
            "zz9xxxxQ2m7LmX0pRt7WvNc3Yb",
            // Annotated keys carry zero runs beside 52 random characters.
            "pTw3kLm9QzR2vN8xY4bC7dF1gH6jK5sA0eU3iO9uWqZ2rT7yP1oLJQQJ99BDACAAAAAAAAAAAAAAAAAZDO2Kf9",
        ] {
            assert_eq!(placeholder(s.as_bytes(), Format::Unverified), None, "{s}");
        }
    }

    #[test]
    fn distinctive_formats_ignore_words_and_validated_ones_every_heuristic() {
        let word = b"sk-proj-q8Fz2-fake-LmX0pRt7WvNc3YbT3BlbkFJ";
        assert_eq!(
            placeholder(word, Format::Unverified),
            Some(Placeholder::Word("fake"))
        );
        assert_eq!(placeholder(word, Format::Distinctive), None);
        let filler = b"AKIAAAAAAAAAAAAAAAAA";
        assert_eq!(
            placeholder(filler, Format::Distinctive),
            Some(Placeholder::Filler)
        );
        assert_eq!(placeholder(filler, Format::Validated), None);
    }

    #[test]
    fn generic_values_that_are_ids_digests_or_words_are_benign() {
        for (value, before) in [
            (
                "fee5173a-3972-428e-ae73-cd4c2a371222",
                "\"alias/aws/secretsmanager\": \"",
            ),
            ("62d91b17309e76c8", "\"AWS::IAM::AccessKey\": \""),
            (
                "3f786850e387550fdab836ed7e6dc881de23001b",
                "EXPECTED_SHA1 = \"",
            ),
            ("a8f5f167f44f4964e6c998dee827110c", "ETAG_MD5="),
            ("a8f5f167f44f4964e6c998dee827110c", "const commitSha = '"),
            ("Zk3Qm9TfV2bXw8LpR4sN7yH1", "\"oauthClientID\": \""),
            (
                "9d8c3e5f2a7b41d6e0c8f3a2b5d7e9f1c4a6b8d0",
                "uses: acme/deploy@",
            ),
            (
                "9d8c3e5f2a7b41d6e0c8f3a2b5d7e9f1c4a6b8d0",
                "source = \"git::https://x/y.git?ref=",
            ),
            (
                "sha512-ZKOHDa05eq1orcYODJeyr2m5eXQeKrfFXDn4eCO9vHQHfD",
                "integrity ",
            ),
            ("FORCE_CHANGE_PASSWORD", "FORCE_CHANGE_PASSWORD = \""),
            (
                "AWS_WEB_IDENTITY_TOKEN_FILE",
                "'web_identity_token_file': '",
            ),
            ("ContactFlowModuleAliasSummaryList", "\"result_key\": \""),
            ("admin123", "password: \""),
            ("wrong-Password1", "\"password\": \""),
            ("AAAAC3NzaC1lZDI1NTE5AAAAIOgYEQ2gk4xx", "deploy_key = \""),
            ("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE", "jwtPublicKey: \""),
            (
                "0566171e1b68bec307bfe5fbb58290c1567768d0",
                "  \"private_key_id\": \"",
            ),
            ("Zk3Qm9TfV2bXw8LpR4sN7yH1", "const authClientId = '"),
            ("uploads/2024/03/report-final.pdf", "object_key: "),
            (
                "ILQMESfEW0p6i6gIJcEWvO65TP5hg6B99hGFZ2lxrIs=",
                "\"VerificationToken\": \"",
            ),
            (
                "sv=2022-11-02&ss=bfqt&srt=sco&sp=rwdlacupiytfx&se=2026-03-01T00:00:00Z&spr=https",
                "(\"sas-token\", \"",
            ),
        ] {
            assert!(
                not_random(value.as_bytes(), before.as_bytes()).is_some(),
                "{value}"
            );
        }
    }

    #[test]
    fn generated_values_are_not_benign() {
        for (value, before) in [
            ("W8q^EbJ0um+Au15s", "SMTP_PASSWORD = \""),
            (
                "c43fada4aa948adce551e54df81d03a8375e7d67",
                "INTERNAL_API_TOKEN=",
            ),
            ("Tr0ub4dor&3x", "password = '"),
            ("kq7dhw2mzp4vx9", "api_key="),
            ("Zk3Qm9TfV2bXw8LpR4sN7yH1", "ANDROID_KEY_PAID = \""),
            (
                "c43fada4aa948adce551e54df81d03a8375e7d67",
                "SHARED_SECRET = \"",
            ),
            (
                "c43fada4aa948adce551e54df81d03a8375e7d67",
                "hashicorp_token: ",
            ),
        ] {
            assert_eq!(
                not_random(value.as_bytes(), before.as_bytes()),
                None,
                "{value}"
            );
        }
    }

    #[test]
    fn published_samples_and_well_known_digests_are_not_secrets() {
        for value in [
            "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
            "AIzaSyDOCAbC123dEf456GhI789jKl012-MnO",
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.c2lnbmF0dXJl",
            "D41D8CD98F00B204E9800998ECF8427E",
            "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        ] {
            assert!(is_published_non_secret(value.as_bytes()), "{value}");
        }
        for value in [
            "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGx==",
            "d41d8cd98f00b204e9800998ecf8427f",
        ] {
            assert!(!is_published_non_secret(value.as_bytes()), "{value}");
        }
    }

    #[test]
    fn pagination_cursors_are_benign_but_vendor_tokens_are_not() {
        let cursor = b"Cg4xNzA5MjM0NTY3ODkwEAI9";
        let paging = Some(NotRandom::PagingToken);
        assert_eq!(not_random(cursor, b"const nextToken = \""), paging);
        assert_eq!(not_random(cursor, b"page_token: "), paging);
        assert_eq!(not_random(cursor, b"const githubToken = \""), None);
        assert_eq!(not_random(cursor, b"token = \""), None);
    }

    #[test]
    fn identifiers_split_into_words() {
        let runs = letter_runs(b"HTTPServer_errorCode2x");
        assert_eq!(runs, vec![&b"HTTP"[..], b"Server", b"error", b"Code", b"x"]);
    }

    #[test]
    fn lockfiles_and_bundles_are_generated() {
        for path in [
            "package-lock.json",
            "web/yarn.lock",
            "go.sum",
            "static/app.min.js",
            ".gitleaksignore",
            ".leakgate-baseline.json",
        ] {
            assert!(is_generated_file(path), "{path}");
        }
        for path in ["src/lock.rs", "config/go.summary", "app.js"] {
            assert!(!is_generated_file(path), "{path}");
        }
    }
}
