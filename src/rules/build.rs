//! Build script: embeds the built-in rules (`src/rules/builtin/*.toml`).
//!
//! It parses them with the schema leakgate itself uses (`spec.rs`, included
//! below) and writes two files into `$OUT_DIR`:
//! - `builtin_rules.rs`: Rust code that constructs the rules, without their
//!   examples. Parsing the TOML was the largest part of a small commit's
//!   start-up; constructing the rules directly costs a few thousand
//!   allocations. The code comes from `ToRust`, which `spec.rs` derives
//!   from the same field list as the parser, so a new field needs no change
//!   here.
//! - `builtin_files.rs`: each file's name and text, for the checks that need
//!   the examples (`leakgate rules check`, tests) and for verification.
//! - `builtin_keywords.rs`: the keyword automaton over every built-in
//!   content rule's keywords, as tables (see `keyword_table`).
//! - `builtin_reach.rs`: each content rule's id, regex, keywords and keyword
//!   reach (`src/engine/reach.rs`, included below), in rule order, and
//!   `builtin_reach_by_id.rs`: its rows in the order of their ids. The
//!   analysis of one large generic rule cost more than the rest of a small
//!   commit's scan.
//! - `builtin_file_names.rs`: the `path` of each built-in file-name rule,
//!   and one DFA over all of them as tables (see `file_name_table`).
//!   Building the regex over them at start-up was a fifth of a small
//!   commit's instructions.
//!
//! Files are read in name order and rules in the order written, so the rule
//! order is the same on every build.

use std::path::{Path, PathBuf};

#[path = "spec.rs"]
#[allow(dead_code)] // the build script needs only the parser and `ToRust`
mod spec;

#[path = "../engine/reach.rs"]
#[allow(dead_code)] // the build script needs only `reach_of_rule`
mod reach;

use spec::{RuleFile, ToRust};

const RULES_DIR: &str = "src/rules/builtin";

fn main() {
    println!("cargo::rerun-if-changed={RULES_DIR}");
    println!("cargo::rerun-if-changed=src/rules/build.rs");
    println!("cargo::rerun-if-changed=src/rules/spec.rs");
    let manifest = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let mut files: Vec<PathBuf> = std::fs::read_dir(manifest.join(RULES_DIR))
        .unwrap_or_else(|err| panic!("{RULES_DIR} is readable: {err}"))
        .map(|entry| entry.expect("a readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "toml"))
        .collect();
    files.sort();
    let mut rules_code = String::from("vec![\n");
    let mut files_code = String::from("&[\n");
    let mut reaches: Vec<(String, String)> = Vec::new();
    let mut keywords: Vec<String> = Vec::new();
    let mut file_name_patterns: Vec<String> = Vec::new();
    for path in &files {
        println!("cargo::rerun-if-changed={}", path.display());
        let name = format!("{RULES_DIR}/{}", file_name(path));
        let text = std::fs::read_to_string(path).unwrap_or_else(|err| panic!("{name}: {err}"));
        let file: RuleFile = toml::from_str(&text).unwrap_or_else(|err| panic!("{name}: {err}"));
        for rule in file.rules {
            if rule.is_path_only() {
                let pattern = rule.path.as_ref().expect("a path-only rule has a path");
                file_name_patterns.push(pattern.get_ref().clone());
            }
            if let Some(regex) = &rule.regex {
                keywords.extend(rule.keywords.iter().map(|k| k.to_ascii_lowercase()));
                reaches.push((
                    rule.id.get_ref().clone(),
                    reach_code(&rule, regex.get_ref()),
                ));
            }
            rules_code.push_str("    ");
            rule.to_rust(&mut rules_code);
            rules_code.push_str(",\n");
        }
        files_code.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    rules_code.push_str("]\n");
    files_code.push_str("]\n");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("builtin_rules.rs"), rules_code).expect("OUT_DIR is writable");
    std::fs::write(out.join("builtin_files.rs"), files_code).expect("OUT_DIR is writable");
    // In rule order, so an engine built from the built-in rules finds each
    // row where it looks first; the ids' sorted order is written beside.
    let mut reach_code = String::from("[\n");
    for (_, code) in &reaches {
        reach_code.push_str(code);
    }
    reach_code.push_str("]\n");
    std::fs::write(out.join("builtin_reach.rs"), reach_code).expect("OUT_DIR is writable");
    let mut by_id: Vec<usize> = (0..reaches.len()).collect();
    by_id.sort_by(|&a, &b| reaches[a].0.cmp(&reaches[b].0));
    let by_id: Vec<u16> = by_id
        .into_iter()
        .map(|row| u16::try_from(row).expect("fewer than 65,536 rules"))
        .collect();
    std::fs::write(out.join("builtin_reach_by_id.rs"), format!("{by_id:?}\n"))
        .expect("OUT_DIR is writable");
    keywords.retain(|k| !k.is_empty());
    keywords.sort();
    keywords.dedup();
    std::fs::write(out.join("builtin_keywords.rs"), keyword_table(&keywords))
        .expect("OUT_DIR is writable");
    file_name_patterns.sort();
    file_name_patterns.dedup();
    std::fs::write(
        out.join("builtin_file_names.rs"),
        file_name_table(&file_name_patterns),
    )
    .expect("OUT_DIR is writable");
}

/// One DFA over the built-in file-name rules' `path` patterns (pattern `i`
/// is `patterns[i]`), as Rust statics: a transition table over byte
/// classes from the start state for a search from the start of a path, the
/// state each one goes to at the end of the path (where `$` is decided),
/// and the patterns that have matched once a state is reached. The DFA is
/// `regex-automata`'s, built with `MatchKind::All` from the patterns parsed
/// as `matcher::compile_paths` parses them, so a walk over a path meets
/// every pattern the regex that function builds finds in it; a test
/// compares the two. The table is read in place: nothing is built or
/// checked at run time.
///
/// Rows of `STRIDE` columns: `TRANSITIONS[row * STRIDE +
/// CLASSES[byte]]` is the next row, `AT_END[row]` the row after the end of
/// the path; row 0 is the start and `DEAD` the row no match is reached
/// from. `MATCHES[MATCH_STARTS[row]..MATCH_STARTS[row + 1]]` are the
/// patterns a row has matched.
fn file_name_table(patterns: &[String]) -> String {
    use regex_automata::dfa::{Automaton, StartKind, dense};
    use regex_automata::nfa::thompson;
    use regex_automata::util::start;
    use regex_automata::{Anchored, MatchKind, util::syntax};
    let dfa = dense::Builder::new()
        .syntax(syntax::Config::new().utf8(false))
        .thompson(thompson::Config::new().utf8(false))
        .configure(
            dense::Config::new()
                .match_kind(MatchKind::All)
                .start_kind(StartKind::Unanchored),
        )
        .build_many(patterns)
        .unwrap_or_else(|err| panic!("the file-name rules' DFA cannot be built: {err}"));
    let start = dfa
        .start_state(&start::Config::new().anchored(Anchored::No))
        .unwrap_or_else(|err| panic!("the file-name rules' DFA has no start: {err}"));
    // Every state reachable from the start, by byte or by the end.
    let mut order = vec![start];
    let mut index = std::collections::HashMap::from([(start, 0usize)]);
    let mut next: Vec<[usize; 256]> = Vec::new();
    let mut at_end: Vec<usize> = Vec::new();
    let mut number = |state, order: &mut Vec<_>| {
        let len = index.len();
        let row = *index.entry(state).or_insert(len);
        if row == len {
            order.push(state);
        }
        row
    };
    let mut at = 0;
    while at < order.len() {
        let state = order[at];
        assert!(!dfa.is_quit_state(state), "the file-name rules' DFA quits");
        let mut row = [0usize; 256];
        for byte in 0..=255u8 {
            row[byte as usize] = number(dfa.next_state(state, byte), &mut order);
        }
        next.push(row);
        at_end.push(number(dfa.next_eoi_state(state), &mut order));
        at += 1;
    }
    let dead = order.iter().position(|&s| dfa.is_dead_state(s));
    let mut match_starts = vec![0usize];
    let mut matches = Vec::new();
    for &state in &order {
        if dfa.is_match_state(state) {
            for i in 0..dfa.match_len(state) {
                matches.push(dfa.match_pattern(state, i).as_usize());
            }
        }
        match_starts.push(matches.len());
    }
    let (classes, columns) = byte_classes(&next);
    let stride = columns.len();
    let mut transitions: Vec<u16> = Vec::with_capacity(order.len() * stride);
    for state in 0..order.len() {
        for column in &columns {
            transitions.push(u16::try_from(column[state]).expect("under 65,536 states"));
        }
    }
    let at_end: Vec<u16> = at_end
        .iter()
        .map(|&row| u16::try_from(row).expect("under 65,536 states"))
        .collect();
    let mut code = String::new();
    static_array(&mut code, "PATTERNS", "&str", patterns);
    code.push_str(&format!("pub static CLASSES: [u8; 256] = {classes:?};\n"));
    code.push_str(&format!("pub const STRIDE: usize = {stride};\n"));
    code.push_str(&format!(
        "pub const DEAD: usize = {};\n",
        dead.unwrap_or(usize::MAX)
    ));
    static_array(&mut code, "TRANSITIONS", "u16", &transitions);
    static_array(&mut code, "AT_END", "u16", &at_end);
    static_array(&mut code, "MATCH_STARTS", "u16", &match_starts);
    static_array(&mut code, "MATCHES", "u16", &matches);
    code
}

/// Appends `pub static NAME: [TYPE; N] = [...];` for `values`.
fn static_array<T: std::fmt::Debug>(code: &mut String, name: &str, ty: &str, values: &[T]) {
    code.push_str(&format!(
        "pub static {name}: [{ty}; {}] = {values:?};\n",
        values.len()
    ));
}

/// Groups the bytes every state of a table treats alike (`next[state][byte]`
/// is the state it goes to) into classes: each byte's class, and each
/// class's column (the next state for each state).
fn byte_classes(next: &[[usize; 256]]) -> ([u8; 256], Vec<Vec<usize>>) {
    let mut classes = [0u8; 256];
    let mut columns: Vec<Vec<usize>> = Vec::new();
    for byte in 0..256 {
        let column: Vec<usize> = next.iter().map(|row| row[byte]).collect();
        let class = match columns.iter().position(|c| *c == column) {
            Some(class) => class,
            None => {
                columns.push(column);
                columns.len() - 1
            }
        };
        classes[byte] = u8::try_from(class).expect("at most 256 classes");
    }
    (classes, columns)
}

/// The keyword automaton as Rust statics: the Aho-Corasick automaton of the
/// `aho-corasick` crate (ASCII case-insensitive, every overlapping
/// occurrence), with its failure transitions followed ahead of time into a
/// full transition table over byte classes. Building the crate's automaton
/// took a quarter of a small commit's instructions at run time; a table
/// costs nothing to load.
///
/// States are numbered by their row in `TRANSITIONS` (`STRIDE` classes a
/// row), which a transition holds, saving the search a multiplication per
/// byte. Row 0 is the start; rows from `FIRST_MATCH` on are states where
/// keywords end, `MATCHES[MATCH_STARTS[(row - FIRST_MATCH) / STRIDE]..][..]`
/// listing them (indexes into `KEYWORDS`).
fn keyword_table(keywords: &[String]) -> String {
    use aho_corasick::automaton::Automaton;
    use aho_corasick::nfa::noncontiguous;
    use aho_corasick::{Anchored, MatchKind};
    let nfa = noncontiguous::Builder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .build(keywords)
        .unwrap_or_else(|err| panic!("the keyword automaton cannot be built: {err}"));
    // Every state reachable from the start, and its transitions.
    let start = nfa.start_state(Anchored::No).expect("an unanchored start");
    let mut order = vec![start];
    let mut index = std::collections::HashMap::from([(start, 0usize)]);
    let mut next: Vec<[usize; 256]> = Vec::new();
    let mut at = 0;
    while at < order.len() {
        let mut row = [0usize; 256];
        for byte in 0..=255u8 {
            let to = nfa.next_state(Anchored::No, order[at], byte);
            let len = index.len();
            row[byte as usize] = *index.entry(to).or_insert(len);
            if row[byte as usize] == len {
                order.push(to);
            }
        }
        next.push(row);
        at += 1;
    }
    // Match states last, so one comparison per byte tells a match.
    let mut renumbered: Vec<usize> = (0..order.len()).collect();
    renumbered.sort_by_key(|&s| (nfa.is_match(order[s]), s));
    let mut new_id = vec![0usize; order.len()];
    for (new, &old) in renumbered.iter().enumerate() {
        new_id[old] = new;
    }
    assert_eq!(new_id[0], 0, "the start state matches nothing");
    let first_match = renumbered
        .iter()
        .position(|&s| nfa.is_match(order[s]))
        .unwrap_or(order.len());
    // Bytes that every state treats alike share a class.
    let (classes, columns) = byte_classes(&next);
    let stride = columns.len();
    let mut transitions: Vec<u32> = Vec::with_capacity(order.len() * stride);
    for &old in &renumbered {
        for column in &columns {
            let row = new_id[column[old]] * stride;
            transitions.push(u32::try_from(row).expect("a table under 4 GiB"));
        }
    }
    let mut match_starts = vec![0usize];
    let mut matches = Vec::new();
    for &old in &renumbered[first_match..] {
        let sid = order[old];
        for i in 0..nfa.match_len(sid) {
            matches.push(nfa.match_pattern(sid, i).as_usize());
        }
        match_starts.push(matches.len());
    }
    let mut code = String::new();
    // The prefilter searches windows of whole lines for them.
    assert!(
        keywords.iter().all(|k| !k.contains('\n')),
        "a built-in keyword holds a line break"
    );
    static_array(&mut code, "KEYWORDS", "&str", keywords);
    code.push_str(&format!("pub static CLASSES: [u8; 256] = {classes:?};\n"));
    code.push_str(&format!("pub const STRIDE: usize = {stride};\n"));
    code.push_str(&format!(
        "pub const FIRST_MATCH: u32 = {};\n",
        first_match * stride
    ));
    static_array(&mut code, "TRANSITIONS", "u32", &transitions);
    static_array(&mut code, "MATCH_STARTS", "u32", &match_starts);
    static_array(&mut code, "MATCHES", "u16", &matches);
    code
}

/// One row of `builtin_reach.rs`: `(id, regex, keywords, reach),`.
fn reach_code(rule: &spec::RuleSpec, pattern: &str) -> String {
    let id = rule.id.get_ref();
    let reach = reach::reach_of_rule(pattern, &rule.keywords)
        .unwrap_or_else(|err| panic!("rule {id} has an invalid regex: {err}"));
    // `{:?}` of a reach is the Rust that constructs it.
    let reach = format!("{reach:?}");
    format!(
        "    ({id:?}, {pattern:?}, &{:?}, {reach}),\n",
        rule.keywords
    )
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .expect("a file has a name")
        .to_string_lossy()
        .into_owned()
}
