//! `leakgate scan PATH...`: files on disk, outside a commit.

use crate::util::*;

#[test]
fn scans_hidden_files_respects_gitignore_and_skips_dot_git() {
    let repo = TestRepo::new();
    repo.write(".gitignore", "ignored/\n");
    repo.write(
        ".npmrc",
        &format!("//registry.example/:_authToken={GITHUB_TOKEN}\n"),
    );
    repo.write("ignored/k.txt", &format!("{AWS_KEY_ID}\n"));
    repo.write("src/ok.py", "x = 1\n");
    std::fs::write(repo.path().join(".git/leak"), AWS_KEY_ID).unwrap();
    let out = repo.leakgate(&["scan", "--format", "json", "."]);
    let report = json(&out);
    let paths: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, [".npmrc"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(report["scanned"]["files"], 3);
}

#[test]
fn scanning_a_single_file_outside_a_repository() {
    let dir = TestRepo::empty_dir();
    dir.write("notes.md", &format!("key: {AWS_KEY_ID}\n"));
    let out = dir.leakgate(&["scan", "notes.md"]);
    let all = assert_blocked_by_finding(&out);
    assert!(all.contains("notes.md:1:6"), "{all}");
    assert!(!all.contains("commit blocked"), "not a commit: {all}");
    let missing = dir.leakgate(&["scan", "nope.txt"]);
    assert_eq!(missing.status.code(), Some(2));
}
