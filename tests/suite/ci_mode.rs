//! `leakgate scan --ci`: the range comes from the CI provider's
//! environment, simulated here against a real bare "origin", real clones
//! (full and shallow, over file://) and real commits. The shipped GitHub
//! Action and GitLab CI template are run the same way.

use std::path::Path;
use std::process::{Command, Output};

use tempfile::TempDir;

use crate::util::*;

const ZERO: &str = "0000000000000000000000000000000000000000";

/// Variables of every CI provider, cleared so the tests' own CI cannot leak in.
const CI_VARIABLES: [&str; 12] = [
    "GITHUB_ACTIONS",
    "GITHUB_EVENT_NAME",
    "GITHUB_EVENT_PATH",
    "GITHUB_OUTPUT",
    "GITLAB_CI",
    "CI_COMMIT_SHA",
    "CI_COMMIT_BEFORE_SHA",
    "CI_COMMIT_BRANCH",
    "CI_COMMIT_REF_NAME",
    "CI_COMMIT_TAG",
    "CI_MERGE_REQUEST_DIFF_BASE_SHA",
    "CI",
];

/// A developer's repository and its bare `origin`. `main` already holds a
/// secret from before leakgate, in `old.py`, which no CI run may report.
struct Project {
    dev: TestRepo,
    origin: TempDir,
}

impl Project {
    fn new() -> Self {
        let dev = TestRepo::new();
        let origin = dev.add_bare_remote();
        dev.commit_file("README.md", "hello\n", "readme");
        dev.commit_file("old.py", &format!("OLD = \"{AWS_KEY_ID}\"\n"), "old leak");
        assert_passed(&dev.push(&["-q", "origin", "main"]));
        Project { dev, origin }
    }

    fn url(&self) -> String {
        format!("file://{}", self.origin.path().display())
    }

    /// Starts branch `feature` at main with a clean commit and one adding
    /// a GitHub token in `new.py`, pushed; returns (main, feature) ids.
    fn leaky_feature(&self) -> (String, String) {
        let main = self.dev.rev_parse("main");
        self.dev.git(&["checkout", "-q", "-b", "feature"]);
        self.dev
            .commit_file("new.py", &format!("T = \"{GITHUB_TOKEN}\"\n"), "leak");
        self.dev.commit_file("clean.txt", "clean\n", "clean");
        assert_passed(&self.dev.push(&["-q", "origin", "feature"]));
        (main, self.dev.rev_parse("feature"))
    }

    /// A CI checkout of `branch`: `git clone ARGS...`, as a runner makes it.
    fn checkout(&self, branch: &str, args: &[&str]) -> TestRepo {
        let ci = TestRepo::empty_dir();
        let mut all = vec!["clone", "-q", "--branch", branch];
        all.extend_from_slice(args);
        let url = self.url();
        all.extend_from_slice(&[url.as_str(), "."]);
        ci.git(&all);
        ci
    }
}

/// `leakgate scan --ci ARGS...` in `ci` with exactly the CI variables given.
fn run_ci(ci: &TestRepo, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = ci.command(leakgate_bin());
    cmd.args(["scan", "--ci"]).args(args);
    for name in CI_VARIABLES {
        cmd.env_remove(name);
    }
    cmd.envs(env.iter().copied());
    cmd.output().unwrap()
}

/// Writes a GitHub event payload and returns the variables naming it.
fn github_event(ci: &TestRepo, name: &str, payload: serde_json::Value) -> Vec<(String, String)> {
    let path = ci.home().join("event.json");
    std::fs::write(&path, payload.to_string()).unwrap();
    vec![
        ("GITHUB_ACTIONS".into(), "true".into()),
        ("GITHUB_EVENT_NAME".into(), name.into()),
        ("GITHUB_EVENT_PATH".into(), path.display().to_string()),
    ]
}

fn pairs(vars: &[(String, String)]) -> Vec<(&str, &str)> {
    vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

fn paths(out: &Output) -> Vec<String> {
    findings(out)
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

fn pull_request(base: &str, head: &str) -> serde_json::Value {
    serde_json::json!({"pull_request": {"base": {"sha": base}, "head": {"sha": head}}})
}

#[test]
fn github_pull_request_scans_only_the_pull_requests_commits() {
    let project = Project::new();
    let (main, feature) = project.leaky_feature();
    let ci = project.checkout("feature", &[]);
    let env = github_event(&ci, "pull_request", pull_request(&main, &feature));
    let out = run_ci(&ci, &pairs(&env), &["--format", "json"]);
    assert_blocked_by_finding(&out);
    assert_eq!(paths(&out), ["new.py"]);
    assert_eq!(
        findings(&out)[0]["commit"],
        project.dev.rev_parse("feature~1")
    );
}

#[test]
fn what_a_ci_log_shows_for_a_leaky_pull_request() {
    let project = Project::new();
    let (main, feature) = project.leaky_feature();
    let ci = project.checkout("feature", &[]);
    let env = github_event(&ci, "pull_request", pull_request(&main, &feature));
    let out = run_ci(&ci, &pairs(&env), &["--color", "never"]);
    assert_blocked_by_finding(&out);
    insta::with_settings!({filters => vec![
        (r"\b[0-9a-f]{12,40}\b", "[commit]"),
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)", "[date]"),
    ]}, {
        insta::assert_snapshot!("ci_pull_request_log", text(&out));
    });
}

#[test]
fn github_clean_pull_request_passes() {
    let project = Project::new();
    let main = project.dev.rev_parse("main");
    project.dev.git(&["checkout", "-q", "-b", "feature"]);
    let head = project.dev.commit_file("a.txt", "a\n", "a");
    assert_passed(&project.dev.push(&["-q", "origin", "feature"]));
    let ci = project.checkout("feature", &[]);
    let env = github_event(&ci, "pull_request", pull_request(&main, &head));
    let out = run_ci(&ci, &pairs(&env), &[]);
    let all = assert_passed(&out);
    assert!(all.contains("no secrets in 1 commit(s)"), "{all}");
}

#[test]
fn a_pull_request_cannot_allow_its_own_secret_with_a_config_it_adds() {
    let project = Project::new();
    let main = project.dev.rev_parse("main");
    project.dev.git(&["checkout", "-q", "-b", "feature"]);
    project
        .dev
        .stage(".leakgate.toml", "[allowlist]\npaths = [\"**\"]\n");
    let head = project
        .dev
        .commit_file("new.py", &format!("T = \"{GITHUB_TOKEN}\"\n"), "allow all");
    assert_passed(&project.dev.push(&["-q", "origin", "feature"]));
    let ci = project.checkout("feature", &[]);
    let env = github_event(&ci, "pull_request", pull_request(&main, &head));
    let out = run_ci(&ci, &pairs(&env), &["--format", "json"]);
    assert_blocked_by_finding(&out);
    assert_eq!(paths(&out), ["new.py"]);
}

#[test]
fn github_push_scans_before_to_after() {
    let project = Project::new();
    let before = project.dev.rev_parse("main");
    project
        .dev
        .commit_file("new.py", &format!("T = \"{GITHUB_TOKEN}\"\n"), "leak");
    let after = project.dev.commit_file("b.txt", "b\n", "b");
    assert_passed(&project.dev.push(&["-q", "origin", "main"]));
    let ci = project.checkout("main", &[]);
    let payload = serde_json::json!({"ref": "refs/heads/main", "before": before, "after": after});
    let env = github_event(&ci, "push", payload);
    let out = run_ci(&ci, &pairs(&env), &["--format", "json"]);
    assert_blocked_by_finding(&out);
    assert_eq!(paths(&out), ["new.py"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!(
            "push event: scanning commits {}..{}",
            &before[..12],
            &after[..12]
        )),
        "{stderr}"
    );
}

#[test]
fn github_push_of_a_new_branch_scans_only_commits_on_no_other_branch() {
    let project = Project::new();
    let (_, feature) = project.leaky_feature();
    let ci = project.checkout("feature", &[]);
    let payload = serde_json::json!({"ref": "refs/heads/feature", "before": ZERO, "after": feature, "created": true});
    let env = github_event(&ci, "push", payload);
    let out = run_ci(&ci, &pairs(&env), &["--format", "json"]);
    assert_blocked_by_finding(&out);
    assert_eq!(paths(&out), ["new.py"], "old.py on main is not scanned");
}

#[test]
fn github_push_deleting_a_branch_scans_nothing_and_says_so() {
    let project = Project::new();
    let ci = project.checkout("main", &[]);
    let payload = serde_json::json!({"ref": "refs/heads/gone", "before": project.dev.rev_parse("main"), "after": ZERO, "deleted": true});
    let env = github_event(&ci, "push", payload);
    let out = run_ci(&ci, &pairs(&env), &[]);
    let all = assert_passed(&out);
    assert!(all.contains("a deleted ref: no commits to scan"), "{all}");
}

#[test]
fn a_shallow_github_checkout_is_deepened_to_cover_the_pull_request() {
    let project = Project::new();
    let (main, feature) = project.leaky_feature();
    // actions/checkout's default: one commit, one branch.
    let ci = project.checkout("feature", &["--depth", "1"]);
    let env = github_event(&ci, "pull_request", pull_request(&main, &feature));
    let out = run_ci(&ci, &pairs(&env), &["--format", "json"]);
    assert_blocked_by_finding(&out);
    assert_eq!(paths(&out), ["new.py"]);
}

#[test]
fn a_shallow_checkout_that_cannot_fetch_fails_naming_the_fetch_depth_setting() {
    let project = Project::new();
    let (main, feature) = project.leaky_feature();
    let ci = project.checkout("feature", &["--depth", "1"]);
    ci.git(&[
        "remote",
        "set-url",
        "origin",
        "/nonexistent/leakgate-origin",
    ]);
    let env = github_event(&ci, "pull_request", pull_request(&main, &feature));
    let out = run_ci(&ci, &pairs(&env), &[]);
    let all = assert_blocked_by_error(&out);
    assert!(all.contains("fetch-depth: 0"), "{all}");
    assert!(all.contains("GIT_DEPTH: 0"), "{all}");
}

#[test]
fn gitlab_merge_request_pipeline_scans_from_the_diff_base() {
    let project = Project::new();
    let (main, feature) = project.leaky_feature();
    let ci = project.checkout("feature", &["--depth", "20"]);
    let env = [
        ("GITLAB_CI", "true"),
        ("CI_COMMIT_SHA", feature.as_str()),
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA", main.as_str()),
        ("CI_COMMIT_BEFORE_SHA", ZERO),
    ];
    let out = run_ci(&ci, &env, &["--format", "json"]);
    assert_blocked_by_finding(&out);
    assert_eq!(paths(&out), ["new.py"]);
}

#[test]
fn gitlab_branch_pipeline_scans_before_to_after() {
    let project = Project::new();
    let before = project.dev.rev_parse("main");
    let after = project.dev.commit_file("b.txt", "b\n", "clean");
    assert_passed(&project.dev.push(&["-q", "origin", "main"]));
    let ci = project.checkout("main", &["--depth", "20"]);
    let env = [
        ("GITLAB_CI", "true"),
        ("CI_COMMIT_SHA", after.as_str()),
        ("CI_COMMIT_BEFORE_SHA", before.as_str()),
        ("CI_COMMIT_BRANCH", "main"),
    ];
    let out = run_ci(&ci, &env, &[]);
    let all = assert_passed(&out);
    assert!(all.contains("no secrets in 1 commit(s)"), "{all}");
}

#[test]
fn gitlab_new_branch_pipeline_fetches_the_other_branches_and_scans_only_new_commits() {
    let project = Project::new();
    let (_, feature) = project.leaky_feature();
    // A GitLab runner fetches only the branch it builds.
    let ci = project.checkout("feature", &["--single-branch", "--depth", "20"]);
    let env = [
        ("GITLAB_CI", "true"),
        ("CI_COMMIT_SHA", feature.as_str()),
        ("CI_COMMIT_BEFORE_SHA", ZERO),
        ("CI_COMMIT_BRANCH", "feature"),
    ];
    let out = run_ci(&ci, &env, &["--format", "json"]);
    assert_blocked_by_finding(&out);
    assert_eq!(paths(&out), ["new.py"], "old.py on main is not scanned");
}

#[test]
fn since_commit_scans_from_that_commit_outside_any_ci() {
    let project = Project::new();
    let (main, _) = project.leaky_feature();
    let out = run_ci(
        &project.dev,
        &[],
        &["--since-commit", &main, "--format", "json"],
    );
    assert_blocked_by_finding(&out);
    assert_eq!(paths(&out), ["new.py"]);
}

#[test]
fn no_ci_environment_and_no_since_commit_is_an_error() {
    let project = Project::new();
    let out = run_ci(&project.dev, &[], &[]);
    let all = assert_blocked_by_error(&out);
    assert!(all.contains("--since-commit BASE"), "{all}");
}

#[test]
fn the_gitlab_report_lists_each_finding_with_its_commit_and_rule() {
    let project = Project::new();
    let (main, feature) = project.leaky_feature();
    let ci = project.checkout("feature", &[]);
    let env = [
        ("GITLAB_CI", "true"),
        ("CI_COMMIT_SHA", feature.as_str()),
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA", main.as_str()),
    ];
    let out = run_ci(&ci, &env, &["--format", "gitlab"]);
    assert_blocked_by_finding(&out);
    let report = json(&out);
    assert_eq!(
        report["version"], "14.1.2",
        "the schema version GitLab validates against"
    );
    assert!(
        !out.stdout
            .windows(GITHUB_TOKEN.len())
            .any(|w| w == GITHUB_TOKEN.as_bytes())
    );
    insta::with_settings!({filters => vec![
        (r"\b[0-9a-f]{32,40}\b", "[id]"),
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)?", "[time]"),
        (r#""version": "\d+\.\d+\.\d+[^"]*""#, r#""version": "[version]""#),
    ]}, {
        insta::assert_snapshot!("gitlab_report", serde_json::to_string_pretty(&report).unwrap());
    });
}

/// The `run:` script of the step with `id` in a composite action, or the
/// `script:` lines of a GitLab job, from the shipped YAML.
fn yaml(path: &str) -> yaml_rust2::Yaml {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap();
    yaml_rust2::YamlLoader::load_from_str(&text)
        .unwrap()
        .remove(0)
}

fn bash(ci: &TestRepo, script: &str, env: &[(&str, &str)]) -> Output {
    let mut cmd: Command = ci.command("bash");
    cmd.args(["-e", "-c", script]);
    for name in CI_VARIABLES {
        cmd.env_remove(name);
    }
    cmd.envs(env.iter().copied());
    cmd.output().unwrap()
}

#[test]
fn the_github_action_writes_sarif_and_fails_on_findings() {
    let action = yaml("action.yml");
    let steps = action["runs"]["steps"].as_vec().unwrap();
    let scan = steps
        .iter()
        .find(|s| s["id"].as_str() == Some("scan"))
        .unwrap();
    let script = scan["run"].as_str().unwrap();
    assert!(
        script.contains("leakgate scan --ci --format sarif"),
        "{script}"
    );
    let fail_step = steps
        .iter()
        .find(|s| s["name"].as_str() == Some("Fail on findings"))
        .unwrap();
    assert_eq!(
        fail_step["if"].as_str(),
        Some("${{ steps.scan.outputs.exit-code != '0' }}")
    );

    let project = Project::new();
    let (main, feature) = project.leaky_feature();
    let ci = project.checkout("feature", &["--depth", "1"]);
    let mut env = github_event(&ci, "pull_request", pull_request(&main, &feature));
    let output_file = ci.home().join("github_output");
    env.push(("GITHUB_OUTPUT".into(), output_file.display().to_string()));
    env.push(("LEAKGATE_SARIF".into(), "reports/leakgate.sarif".into()));
    env.push(("LEAKGATE_ARGS".into(), String::new()));
    let out = bash(&ci, script, &pairs(&env));
    // Findings let the step end well, so the upload runs; the last step fails.
    assert_passed(&out);
    assert_eq!(
        std::fs::read_to_string(&output_file).unwrap(),
        "exit-code=1\n"
    );
    let sarif: serde_json::Value =
        serde_json::from_slice(&std::fs::read(ci.path().join("reports/leakgate.sarif")).unwrap())
            .unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "new.py"
    );
}

#[test]
fn the_gitlab_template_writes_both_reports_and_fails_on_findings() {
    let template = yaml("ci/gitlab-leakgate.yml");
    let job = &template["leakgate"];
    assert_eq!(
        job["artifacts"]["reports"]["secret_detection"].as_str(),
        Some("gl-secret-detection-report.json")
    );
    let script: Vec<&str> = job["script"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    let script = script.join("\n");

    let project = Project::new();
    let (main, feature) = project.leaky_feature();
    let ci = project.checkout("feature", &["--single-branch", "--depth", "20"]);
    let env = [
        ("GITLAB_CI", "true"),
        ("CI_COMMIT_SHA", feature.as_str()),
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA", main.as_str()),
        ("LEAKGATE_ARGS", ""),
    ];
    let out = bash(&ci, &script, &env);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let report: serde_json::Value = serde_json::from_slice(
        &std::fs::read(ci.path().join("gl-secret-detection-report.json")).unwrap(),
    )
    .unwrap();
    let vulnerabilities = report["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulnerabilities.len(), 1);
    assert_eq!(vulnerabilities[0]["location"]["file"], "new.py");
    assert_eq!(vulnerabilities[0]["category"], "secret_detection");
    assert!(ci.path().join("leakgate.sarif").is_file());

    // A clean merge request passes the job.
    let clean = project.dev.commit_file("c.txt", "c\n", "c");
    assert_passed(&project.dev.push(&["-q", "origin", "feature"]));
    let ci = project.checkout("feature", &[]);
    let env = [
        ("GITLAB_CI", "true"),
        ("CI_COMMIT_SHA", clean.as_str()),
        ("CI_MERGE_REQUEST_DIFF_BASE_SHA", feature.as_str()),
        ("LEAKGATE_ARGS", ""),
    ];
    assert_passed(&bash(&ci, &script, &env));
}
