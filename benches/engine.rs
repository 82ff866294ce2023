//! The engine alone, with no git and no disk: how long the rule set takes
//! to load, and how fast the prefilter and the rules go over in-memory text
//! with and without planted secrets. Run with `cargo bench --bench engine`.
//!
//! The text is generated (deterministically) to look like source code and
//! configuration, with the words generic rules key on (`key`, `token`,
//! `secret`, `password`) as common as they are in real code, so the rules
//! that those words trigger do their real amount of work.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use leakgate::engine::prefilter::Prefilter;
use leakgate::engine::{Engine, ScanInput};
use leakgate::path::RepoPath;
use leakgate::rules;

/// Size of the generated text, and of each "file" it is cut into.
const TEXT_BYTES: usize = 4 << 20;
const FILE_BYTES: usize = 16 << 10;

const LINES: &[&str] = &[
    "    value = compute(items[index], offset=3)",
    "    for key, item in mapping.items():",
    "        if key not in seen and item.is_valid():",
    "    api_key = os.environ.get(\"API_KEY\")",
    "    headers = {\"Authorization\": f\"Bearer {token}\"}",
    "    password_hash = hash_password(password, salt)",
    "    logger.debug(\"refreshing token for %s\", user.name)",
    "def parse_config(path: str) -> dict:",
    "    return {k: v for k, v in pairs if v is not None}",
    "# The secret manager rotates credentials every hour.",
    "    let total: u64 = sizes.iter().sum();",
    "    cache_key = f\"{prefix}:{user_id}:{version}\"",
    "timeout_seconds = 30",
    "    self.session_token = None",
    "        raise KeyError(f\"missing key {name!r}\")",
    "",
];

/// Deterministic pseudo-random code-like text.
fn generated_text(bytes: usize) -> Vec<u8> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut text = Vec::with_capacity(bytes + 128);
    while text.len() < bytes {
        let line = LINES[(next() % LINES.len() as u64) as usize];
        text.extend_from_slice(line.as_bytes());
        if next() % 5 == 0 {
            text.extend_from_slice(format!("  # id {}", next() % 100_000).as_bytes());
        }
        text.push(b'\n');
    }
    text
}

/// The same text with every built-in rule's examples planted in it, spread
/// over the files.
fn planted_text(bytes: usize) -> Vec<u8> {
    let mut text = generated_text(bytes);
    let examples: Vec<String> = rules::builtin_rules_with_examples()
        .unwrap()
        .into_iter()
        .filter(|r| r.regex.is_some())
        .flat_map(|r| r.examples.into_iter().map(|e| e.into_inner()))
        .collect();
    let step = text.len() / (examples.len() + 1);
    for (i, example) in examples.iter().enumerate().rev() {
        let at = (i + 1) * step;
        let at = at + text[at..].iter().position(|&b| b == b'\n').unwrap_or(0) + 1;
        let mut line = example.clone().into_bytes();
        line.push(b'\n');
        text.splice(at..at, line);
    }
    text
}

fn scan_all(engine: &Engine, text: &[u8]) -> usize {
    let mut findings = 0;
    for (i, file) in text.chunks(FILE_BYTES).enumerate() {
        let input = ScanInput::whole(RepoPath::new(format!("src/file{i}.py")), file);
        findings += engine.scan(&input).unwrap().findings.len();
    }
    findings
}

fn load(c: &mut Criterion) {
    let mut group = c.benchmark_group("load");
    group.bench_function("parse built-in rules", |b| {
        b.iter(|| black_box(rules::builtin_rules().unwrap()))
    });
    group.bench_function("engine from built-in rules", |b| {
        b.iter(|| black_box(Engine::from_config(None).unwrap()))
    });
    group.finish();
}

fn throughput(c: &mut Criterion) {
    let clean = generated_text(TEXT_BYTES);
    let planted = planted_text(TEXT_BYTES);
    let engine = Engine::from_config(None).unwrap();
    assert_eq!(
        scan_all(&engine, &clean),
        0,
        "the clean text has no findings"
    );
    assert!(
        scan_all(&engine, &planted) > 0,
        "the planted secrets are found"
    );

    let specs = rules::builtin_rules().unwrap();
    let keywords: Vec<&[String]> = specs.iter().map(|s| s.keywords.as_slice()).collect();
    // Every rule counted as reaching far: the whole-file search.
    let reaches_far = vec![true; keywords.len()];
    let prefilter = Prefilter::new(&keywords, &reaches_far).unwrap();

    let mut group = c.benchmark_group("scan 4 MB in 16 KB files");
    group.throughput(Throughput::Bytes(TEXT_BYTES as u64));
    group.bench_function("prefilter only", |b| {
        b.iter(|| {
            for file in clean.chunks(FILE_BYTES) {
                black_box(prefilter.scan(file, None));
            }
        })
    });
    group.bench_function("prefilter and rules, no secrets", |b| {
        b.iter(|| black_box(scan_all(&engine, &clean)))
    });
    group.bench_function("prefilter and rules, planted secrets", |b| {
        b.iter(|| black_box(scan_all(&engine, &planted)))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = load, throughput
}
criterion_main!(benches);
