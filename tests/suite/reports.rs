//! Reports for CI: SARIF for code scanning, and `--report-path`, which
//! writes a report to a file while the terminal still gets the human one.

use crate::util::*;

/// A repository with two secrets, one in a path that needs URI escaping.
fn repo_with_two_secrets() -> TestRepo {
    let repo = TestRepo::new();
    repo.stage(
        "config/my settings.py",
        &format!("DEBUG = True\nAWS_KEY = \"{AWS_KEY_ID}\"\n"),
    );
    repo.stage("deploy.sh", &format!("export T={GITHUB_TOKEN}\n"));
    repo
}

#[test]
fn sarif_has_the_fields_code_scanning_requires_and_no_full_secret() {
    let repo = repo_with_two_secrets();
    let out = repo.leakgate(&["scan", "--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let raw = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(
        !raw.contains(AWS_KEY_ID) && !raw.contains(GITHUB_TOKEN),
        "{raw}"
    );
    let sarif = json(&out);

    assert!(
        sarif["$schema"]
            .as_str()
            .unwrap()
            .contains("sarif-schema-2.1.0")
    );
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "leakgate");
    let rules = driver["rules"].as_array().unwrap();
    assert!(rules.len() >= 2, "the driver lists the rules the scan ran");
    for rule in rules {
        assert!(!rule["id"].as_str().unwrap().is_empty());
        assert!(
            !rule["shortDescription"]["text"]
                .as_str()
                .unwrap()
                .is_empty()
        );
        assert!(!rule["help"]["text"].as_str().unwrap().is_empty());
    }
    let aws_rule = rules
        .iter()
        .find(|r| r["id"] == "aws-access-key-id")
        .unwrap();
    assert!(
        aws_rule["help"]["text"].as_str().unwrap().contains("IAM"),
        "help carries the rule's remediation: {aws_rule}"
    );

    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let message = result["message"]["text"].as_str().unwrap();
        assert!(
            message.contains(result["ruleId"].as_str().unwrap()),
            "{message}"
        );
        assert!(
            result.get("properties").is_none(),
            "no commit for staged findings"
        );
    }

    let aws = &results[0];
    assert_eq!(aws["ruleId"], "aws-access-key-id");
    assert!(aws["message"]["text"].as_str().unwrap().contains("AKIA…"));
    let location = &aws["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "config/my%20settings.py"
    );
    let region = &location["region"];
    assert_eq!(region["startLine"], 2);
    assert_eq!(region["startColumn"], 12);
    assert_eq!(region["endLine"], 2);
    assert_eq!(
        region["endColumn"].as_u64().unwrap(),
        12 + AWS_KEY_ID.len() as u64,
        "endColumn is the column after the secret"
    );

    let fingerprint = aws["partialFingerprints"]["leakgate/v2"].as_str().unwrap();
    assert!(
        fingerprint.len() == 32 && !fingerprint.contains("AKIA"),
        "{fingerprint}"
    );
    assert_eq!(results[1]["ruleId"], "github-pat-classic");
    assert_eq!(
        results[1]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "deploy.sh"
    );
}

#[test]
fn sarif_stays_redacted_even_with_no_redact() {
    let repo = repo_with_two_secrets();
    let out = repo.leakgate(&["scan", "--format", "sarif", "--no-redact"]);
    assert_eq!(out.status.code(), Some(1));
    let all = text(&out);
    assert!(
        !all.contains(AWS_KEY_ID) && !all.contains(GITHUB_TOKEN),
        "{all}"
    );
}

#[test]
fn a_clean_scan_is_valid_sarif_with_no_results() {
    let repo = TestRepo::new();
    repo.stage("a.txt", "nothing here\n");
    let out = repo.leakgate(&["scan", "--format", "sarif"]);
    assert_passed(&out);
    let sarif = json(&out);
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 0);
    assert!(
        !sarif["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn report_path_writes_the_report_and_the_terminal_still_gets_the_summary() {
    let repo = repo_with_two_secrets();
    let out = repo.leakgate(&[
        "scan",
        "--format",
        "sarif",
        "--report-path",
        "results/leakgate.sarif",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let terminal = text(&out);
    assert!(
        terminal.contains("config/my settings.py:2:12"),
        "{terminal}"
    );
    assert!(
        terminal.contains("commit blocked: 2 secrets in 2 files"),
        "{terminal}"
    );
    assert!(!terminal.contains("\"$schema\""), "{terminal}");

    let written = std::fs::read_to_string(repo.path().join("results/leakgate.sarif")).unwrap();
    assert!(!written.contains(AWS_KEY_ID));
    let sarif: serde_json::Value = serde_json::from_str(&written).unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 2);

    let out = repo.leakgate(&["scan", "--format", "json", "--report-path", "r.json"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("deploy.sh:1:10"), "{}", text(&out));
    let written = std::fs::read_to_string(repo.path().join("r.json")).unwrap();
    let report: serde_json::Value = serde_json::from_str(&written).unwrap();
    assert_eq!(report["findings"].as_array().unwrap().len(), 2);
}

#[test]
fn report_path_writes_a_report_for_a_clean_scan_too() {
    let repo = TestRepo::new();
    repo.stage("a.txt", "nothing here\n");
    let out = repo.leakgate(&["scan", "--format", "json", "--report-path", "r.json"]);
    let terminal = assert_passed(&out);
    assert!(
        terminal.contains("no secrets in 1 staged file"),
        "{terminal}"
    );
    let written = std::fs::read_to_string(repo.path().join("r.json")).unwrap();
    assert!(written.contains("\"findings\": []"), "{written}");
}

#[test]
fn an_unwritable_report_path_is_an_error() {
    let repo = TestRepo::new();
    repo.stage("a.txt", "nothing here\n");
    repo.write("taken", "a file, not a directory\n");
    let out = repo.leakgate(&["scan", "--report-path", "taken/r.json"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("taken"), "{}", text(&out));
}

/// `partialFingerprints` of each result of a SARIF scan of the staged
/// changes, in report order.
fn sarif_fingerprints(repo: &TestRepo) -> Vec<String> {
    let out = repo.leakgate(&["scan", "--format", "sarif"]);
    json(&out)["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["partialFingerprints"]["leakgate/v2"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn the_same_secret_on_three_lines_and_in_two_files_gets_five_sarif_fingerprints() {
    let repo = TestRepo::new();
    let body = format!("a = \"{AWS_KEY_ID}\"\nb = \"{AWS_KEY_ID}\"\nc = \"{AWS_KEY_ID}\"\n");
    repo.stage("one.py", &body);
    repo.stage("two.py", &body[..body.len() / 3 * 2]);
    let prints = sarif_fingerprints(&repo);
    assert_eq!(prints.len(), 5, "{prints:?}");
    let distinct: std::collections::BTreeSet<&String> = prints.iter().collect();
    assert_eq!(distinct.len(), 5, "{prints:?}");
}

#[test]
fn sarif_fingerprints_stay_the_same_when_unrelated_lines_move() {
    let repo = TestRepo::new();
    let lines = format!("a = \"{AWS_KEY_ID}\"\nb = \"{GITHUB_TOKEN}\"\nc = \"{AWS_KEY_ID}\"\n");
    repo.stage("app.py", &lines);
    let before = sarif_fingerprints(&repo);
    repo.stage(
        "app.py",
        &format!("# a new header\n\nimport os\n{lines}x = 1\n"),
    );
    assert_eq!(sarif_fingerprints(&repo), before);
}

#[test]
fn sarif_names_the_tool_home_and_a_security_severity_per_rule() {
    let repo = repo_with_two_secrets();
    let out = repo.leakgate(&["scan", "--format", "sarif"]);
    let sarif = json(&out);
    let driver = &sarif["runs"][0]["tool"]["driver"];
    assert!(
        driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    for rule in driver["rules"].as_array().unwrap() {
        let severity: f64 = rule["properties"]["security-severity"]
            .as_str()
            .unwrap_or_else(|| panic!("{rule}"))
            .parse()
            .unwrap();
        assert!((0.1..=10.0).contains(&severity), "{rule}");
    }
}
