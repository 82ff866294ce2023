//! The engine on arbitrary bytes: it must never panic, and every finding it
//! reports must lie inside the input, on the line it names, at the column
//! it names. Valid UTF-8 input is also scanned as UTF-16 with a byte-order
//! mark, which must give the same findings at the same places.

#![no_main]

use std::sync::LazyLock;

use leakgate::content::{is_lfs_pointer, text_for_scanning};
use leakgate::engine::{Engine, ScanInput};
use leakgate::finding::Finding;
use leakgate::location::{Position, char_count};
use leakgate::path::RepoPath;
use libfuzzer_sys::fuzz_target;

static ENGINE: LazyLock<Engine> =
    LazyLock::new(|| Engine::from_config(None).expect("the built-in rules load"));

fuzz_target!(|data: &[u8]| {
    let findings = check_scan(data);
    if let Ok(text) = std::str::from_utf8(data)
        && !text.starts_with('\u{FEFF}')
        && !is_lfs_pointer(data)
    {
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let again = check_scan(&utf16);
        assert_eq!(places(&findings), places(&again), "UTF-16 scan differs");
    }
});

fn places(findings: &[Finding]) -> Vec<(String, Position, Position)> {
    findings
        .iter()
        .map(|f| (f.rule_id.clone(), f.start, f.end))
        .collect()
}

/// Scans `data` and checks every finding against the text it came from.
fn check_scan(data: &[u8]) -> Vec<Finding> {
    let input = ScanInput::whole(RepoPath::new("fuzz/input.txt"), data);
    let outcome = ENGINE.scan(&input).expect("built-in rules never fail");
    let text = text_for_scanning(data);
    for finding in &outcome.findings {
        if finding.file_rule {
            continue;
        }
        assert!(outcome.skipped.is_none(), "a skipped blob has findings");
        check_finding(&text, finding);
    }
    outcome.findings
}

fn check_finding(text: &[u8], finding: &Finding) {
    let secret = finding.secret.expose();
    assert!(!secret.is_empty(), "empty secret");
    assert!(finding.start <= finding.end, "end before start");
    assert!(
        !secret.ends_with(b"\r"),
        "a line ending's CR is part of the secret"
    );

    // The reported line exists, and what the finding shows of it is on it.
    let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    let line_index = finding.start.line as usize - 1;
    assert!(
        line_index < lines.len(),
        "line {} past the end",
        finding.start.line
    );
    let line = lines[line_index];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    assert!(
        finding.line.is_empty() || memchr::memmem::find(line, &finding.line).is_some(),
        "the finding's line text is not on line {}",
        finding.start.line
    );
    let in_line = &finding.secret_in_line;
    assert!(
        in_line.start <= in_line.end && in_line.end <= finding.line.len(),
        "secret_in_line {in_line:?} outside a line of {} bytes",
        finding.line.len()
    );
    assert!(
        secret.starts_with(&finding.line[in_line.clone()]),
        "the highlighted part of the line is not the secret"
    );

    // The secret occurs in the text exactly where the finding says.
    let found = memchr::memmem::find_iter(text, secret).any(|at| {
        position(text, at) == finding.start && position(text, at + secret.len() - 1) == finding.end
    });
    assert!(
        found,
        "the secret is not at {}:{}",
        finding.start.line, finding.start.column
    );
}

/// The slow, obviously right position of a byte offset.
fn position(text: &[u8], offset: usize) -> Position {
    let before = &text[..offset];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    Position {
        line: before.iter().filter(|&&b| b == b'\n').count() as u32 + 1,
        column: char_count(&text[line_start..offset]) as u32 + 1,
    }
}
