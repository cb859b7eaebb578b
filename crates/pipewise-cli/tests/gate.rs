//! A gate teams can trust: every user mistake is an error (exit 2, with file, line
//! and a suggestion) or a warning where the run can go on; exit codes; paths relative
//! to one base; SARIF base ids and fingerprints; merge; baselines; colour, quiet,
//! completions and the capability list. One test per mistake.

mod support;

use assert_cmd::Command;
use serde_json::Value;
use std::fs;
use std::path::Path;
use support::repo;
use tempfile::TempDir;

/// A workflow with a high finding (masked test failure, line 10) and an unpinned
/// `actions/checkout@main` (high, line 8).
const CI: &str = "name: CI
on: push
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@main
      - run: npm test || true
";

fn pipewise(dir: &Path) -> Command {
    let mut c = support::pipewise();
    c.current_dir(dir);
    c
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(dir: &Path, args: &[&str]) -> Run {
    let out = pipewise(dir).args(args).output().expect("runs");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn json(r: &Run) -> Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout))
}

fn rules_of(v: &Value) -> Vec<String> {
    v["repositories"][0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().unwrap_or("").to_string())
        .collect()
}

fn warnings_of(v: &Value) -> Vec<String> {
    v["repositories"][0]["warnings"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|w| {
            format!(
                "{}:{}: {}",
                w["file"].as_str().unwrap_or(""),
                w["line"],
                w["message"].as_str().unwrap_or("")
            )
        })
        .collect()
}

const WF: &str = ".github/workflows/ci.yml";

/// A config mistake: the report carries it with file, line and column; exit 2.
fn config_error(config: &str, expect: &str) {
    let r = repo(&[(WF, CI), ("pipewise.toml", config)]);
    let out = run(r.path(), &["audit", ".", "-f", "json"]);
    assert_eq!(out.code, Some(2), "{}", out.stderr);
    let v = json(&out);
    let e = &v["repositories"][0]["errors"][0];
    assert_eq!(e["file"], "pipewise.toml");
    let msg = e["message"].as_str().unwrap_or("");
    assert!(msg.contains(expect), "{msg}");
    // Still audited, with the defaults.
    assert!(rules_of(&v).contains(&"reliability/masked-failure".to_string()));
}

#[test]
fn an_unknown_policy_value_is_an_error_not_a_silent_default() {
    config_error(
        "[options.\"security/unpinned-action\"]\npolicy = \"hash-everything\"\n",
        "`policy` of `security/unpinned-action` must be one of \"hash-all\", \"official-tags\", \"tags\", not `hash-everything`",
    );
    let r = repo(&[
        (WF, CI),
        (
            "pipewise.toml",
            "[options.\"security/unpinned-action\"]\npolicy = \"hash-everything\"\n",
        ),
    ]);
    let out = run(r.path(), &["audit", "."]);
    assert!(
        out.stdout
            .contains("pipewise.toml:2: invalid configuration"),
        "{}",
        out.stdout
    );
}

#[test]
fn an_unknown_option_key_is_an_error_with_a_suggestion() {
    config_error(
        "[options.\"security/unpinned-action\"]\npolcy = \"tags\"\n",
        "unknown option `polcy` for `security/unpinned-action` (it takes: policy); did you mean `policy`?",
    );
}

#[test]
fn options_on_a_rule_that_takes_none_are_an_error() {
    config_error(
        "[options.\"reliability/masked-failure\"]\nstrict = true\n",
        "`reliability/masked-failure` takes no options",
    );
}

#[test]
fn an_unknown_rule_or_key_in_the_config_gets_a_suggestion() {
    config_error(
        "disable = [\"reliability/masked-failur\"]\n",
        "did you mean `reliability/masked-failure`?",
    );
    config_error("disabel = []\n", "unknown key `disabel`");
    config_error(
        "[severity]\n\"security/unpinned-action\" = \"hgh\"\n",
        "did you mean `high`?",
    );
}

#[test]
fn two_config_files_warn_that_the_second_is_not_read() {
    let r = repo(&[
        (WF, CI),
        (
            "pipewise.toml",
            "disable = [\"security/unpinned-action\"]\n",
        ),
        (
            ".github/pipewise.toml",
            "disable = [\"reliability/masked-failure\"]\n",
        ),
    ]);
    let out = run(r.path(), &["audit", ".", "-f", "json"]);
    let v = json(&out);
    assert!(
        warnings_of(&v)
            .iter()
            .any(|w| w
                .starts_with(".github/pipewise.toml:0: not read: `pipewise.toml` is read first")),
        "{:?}",
        warnings_of(&v)
    );
    assert!(rules_of(&v).contains(&"reliability/masked-failure".to_string()));
}

/// The suppression mistakes: each a warning with its line; not honoured; the run
/// goes on (exit 1 for the high findings, not 2).
fn suppression_warning(comment: &str, expect: &str) {
    let wf = CI.replace(
        "      - run: npm test || true\n",
        &format!("      {comment}\n      - run: npm test || true\n"),
    );
    let r = repo(&[(WF, &wf)]);
    let out = run(r.path(), &["audit", ".", "-f", "json"]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
    let v = json(&out);
    let w = warnings_of(&v);
    assert!(
        w.iter()
            .any(|w| w.starts_with(".github/workflows/ci.yml:10: ") && w.contains(expect)),
        "{w:?}"
    );
    assert!(
        rules_of(&v).contains(&"reliability/masked-failure".to_string()),
        "not honoured"
    );
    // Plain output shows the warning too.
    let plain = run(r.path(), &["audit", "."]);
    assert!(
        plain
            .stdout
            .contains("warning: .github/workflows/ci.yml:10:"),
        "{}",
        plain.stdout
    );
}

#[test]
fn a_misspelt_rule_in_a_suppression_is_a_warning_with_a_suggestion() {
    suppression_warning(
        "# pipewise: ignore[reliability/masked-failur] flaky",
        "names an unknown rule, so it suppresses nothing; did you mean `reliability/masked-failure`?",
    );
}

#[test]
fn a_bare_suppression_is_a_warning() {
    suppression_warning("# pipewise: ignore", "name the rules");
}

#[test]
fn a_suppression_without_the_space_is_a_warning() {
    suppression_warning(
        "# pipewise:ignore[reliability/masked-failure]",
        "write `pipewise: ignore[reliability/masked-failure]`",
    );
}

#[test]
fn an_upper_case_suppression_is_a_warning() {
    suppression_warning(
        "# PIPEWISE: IGNORE[reliability/masked-failure]",
        "lower case",
    );
}

#[test]
fn a_suppression_that_suppresses_nothing_is_a_warning() {
    let wf = CI.replace("      - run: npm test || true\n", "      # pipewise: ignore[security/template-injection] no such finding here\n      - run: npm test || true\n");
    let r = repo(&[(WF, &wf)]);
    let v = json(&run(r.path(), &["audit", ".", "-f", "json"]));
    assert!(
        warnings_of(&v)
            .iter()
            .any(|w| w.contains("suppresses nothing")),
        "{:?}",
        warnings_of(&v)
    );
}

#[test]
fn a_valid_suppression_and_a_zizmor_ignore_are_honoured_silently() {
    let wf = CI
        .replace("      - run: npm test || true\n", "      # pipewise: ignore[reliability/masked-failure] flaky suite, #12\n      - run: npm test || true\n")
        .replace("actions/checkout@main", "actions/checkout@main # zizmor: ignore[unpinned-uses] vendored");
    let r = repo(&[(WF, &wf)]);
    let v = json(&run(r.path(), &["audit", ".", "-f", "json"]));
    let rules = rules_of(&v);
    assert!(
        !rules.contains(&"reliability/masked-failure".to_string()),
        "{rules:?}"
    );
    assert!(
        !rules.contains(&"security/unpinned-action".to_string()),
        "{rules:?}"
    );
    assert!(warnings_of(&v).is_empty(), "{:?}", warnings_of(&v));
}

#[test]
fn an_empty_directory_is_nothing_audited_exit_2() {
    let r = repo(&[("README.md", "# hi\n")]);
    let out = run(r.path(), &["audit", "."]);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("nothing audited"), "{}", out.stderr);
    assert!(
        out.stdout.contains("no CI/CD files found"),
        "{}",
        out.stdout
    );
    assert!(
        !out.stdout.contains("grade F"),
        "no score for nothing: {}",
        out.stdout
    );
}

#[test]
fn the_only_workflow_not_parsing_exits_2() {
    let r = repo(&[(WF, "on: push\njobs: [\n")]);
    let out = run(r.path(), &["audit", "."]);
    assert_eq!(out.code, Some(2), "{}", out.stdout);
    assert!(
        out.stdout.contains("error: .github/workflows/ci.yml:"),
        "{}",
        out.stdout
    );
    assert!(out.stderr.contains("1 file error"), "{}", out.stderr);
    // Opting out: findings decide the exit code.
    let out = run(r.path(), &["audit", ".", "--fail-on-error", "false"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
}

#[test]
fn a_markdown_file_is_refused() {
    let r = repo(&[(WF, CI), ("README.md", "# hi\n")]);
    let out = run(r.path(), &["audit", "README.md"]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("README.md: not a file pipewise audits"),
        "{}",
        out.stderr
    );
}

#[test]
fn an_impossible_date_is_refused() {
    let r = repo(&[(WF, CI)]);
    let out = run(
        r.path(),
        &["audit", ".", "-f", "markdown", "--date", "2025-02-30"],
    );
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr
            .contains("--date: `2025-02-30` is not a day of that month"),
        "{}",
        out.stderr
    );
}

#[test]
fn min_severity_hides_but_does_not_lower_the_exit_code() {
    let r = repo(&[(WF, CI)]);
    let out = run(
        r.path(),
        &["audit", ".", "--min-severity", "critical", "-f", "json"],
    );
    assert_eq!(out.code, Some(1), "high findings still fail --fail-on high");
    assert!(rules_of(&json(&out)).is_empty());
}

#[test]
fn a_mistyped_severity_gets_a_suggestion() {
    let r = repo(&[(WF, CI)]);
    let out = run(r.path(), &["audit", ".", "--fail-on", "hihg"]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("did you mean `high`?"),
        "{}",
        out.stderr
    );
}

#[test]
fn unknown_rule_and_capability_ids_get_a_suggestion() {
    let r = repo(&[(WF, CI)]);
    let out = run(r.path(), &["rule", "reliability/masked-failur"]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr
            .contains("did you mean `reliability/masked-failure`?"),
        "{}",
        out.stderr
    );
    let out = run(r.path(), &["scaffold", "deploy.rollbak", "."]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("did you mean `deploy.rollback`?"),
        "{}",
        out.stderr
    );
}

#[test]
fn write_errors_exit_2_with_a_message() {
    let r = repo(&[(WF, CI)]);
    for format in ["json", "plain", "sarif"] {
        let full = fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("pipewise"))
            .current_dir(r.path())
            .args(["audit", ".", "-f", format])
            .stdout(full)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{format}: {stderr}");
        assert!(
            stderr.contains("cannot write the report"),
            "{format}: {stderr}"
        );
    }
}

#[test]
fn colour_follows_the_flag_and_the_environment() {
    let r = repo(&[(WF, CI)]);
    let esc = |c: &mut Command| {
        String::from_utf8_lossy(&c.output().expect("runs").stdout).contains('\u{1b}')
    };
    assert!(esc(
        pipewise(r.path()).args(["audit", ".", "--color", "always"])
    ));
    assert!(!esc(
        pipewise(r.path()).args(["audit", ".", "--color", "never"])
    ));
    // Not a terminal: no colour, unless CLICOLOR_FORCE; NO_COLOR wins; TERM=dumb never.
    assert!(!esc(pipewise(r.path())
        .env_remove("NO_COLOR")
        .args(["audit", "."])));
    assert!(esc(pipewise(r.path())
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .args(["audit", "."])));
    assert!(!esc(pipewise(r.path())
        .env("CLICOLOR_FORCE", "1")
        .args(["audit", "."])));
    assert!(!esc(pipewise(r.path())
        .env_remove("NO_COLOR")
        .env("TERM", "dumb")
        .args(["audit", "."])));
}

#[test]
fn quiet_keeps_stderr_to_errors() {
    let wf = CI.replace(
        "      - run: npm test || true\n",
        "      # pipewise: ignore[nope]\n      - run: npm test || true\n",
    );
    let r = repo(&[(WF, &wf)]);
    let loud = run(r.path(), &["audit", ".", "-f", "sarif"]);
    assert!(
        loud.stderr
            .contains("warning: .github/workflows/ci.yml:10:"),
        "{}",
        loud.stderr
    );
    let quiet = run(r.path(), &["audit", ".", "-f", "sarif", "--quiet"]);
    assert_eq!(quiet.stderr, "");
    assert_eq!(quiet.code, Some(1));
}

#[test]
fn completions_and_capabilities_are_listed() {
    let r = repo::<&str>(&[]);
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = run(r.path(), &["completions", shell]);
        assert_eq!(out.code, Some(0));
        assert!(out.stdout.contains("write-baseline"), "{shell}");
    }
    let out = run(r.path(), &["completions", "tcsh"]);
    assert_eq!(out.code, Some(2));
    let out = run(r.path(), &["capabilities"]);
    assert_eq!(out.code, Some(0));
    assert!(
        out.stdout.lines().any(|l| l.starts_with("deploy.rollback")
            && l.contains("Rollback")
            && l.contains("rollout undo")),
        "{}",
        out.stdout
    );
    assert_eq!(
        out.stdout.lines().count(),
        pipewise::analysis::capabilities::IDS.len()
    );
}

/// Two repositories under one directory.
fn two_repos() -> TempDir {
    repo(&[
        ("a/.github/workflows/ci.yml", CI),
        ("b/.github/workflows/ci.yml", CI),
    ])
}

#[test]
fn paths_are_the_same_for_one_or_many_repositories() {
    let t = two_repos();
    let one = run(t.path(), &["audit", "a", "-f", "github"]);
    let two = run(t.path(), &["audit", "a", "b", "-f", "github"]);
    assert!(
        one.stdout
            .contains("file=a/.github/workflows/ci.yml,line=10"),
        "{}",
        one.stdout
    );
    for line in one.stdout.lines() {
        assert!(
            two.stdout.contains(line),
            "{line} missing when auditing two"
        );
    }
    assert!(two
        .stdout
        .contains("file=b/.github/workflows/ci.yml,line=10"));
    // Plain and JSON agree.
    let plain = run(t.path(), &["audit", "a"]);
    assert!(
        plain.stdout.contains("--> a/.github/workflows/ci.yml:10:"),
        "{}",
        plain.stdout
    );
    assert_eq!(
        json(&run(t.path(), &["audit", "a", "-f", "json"]))["repositories"][0]["root"],
        "a"
    );
    // --root moves the base.
    let rooted = run(t.path(), &["audit", "a", "-f", "github", "--root", "a"]);
    assert!(
        rooted
            .stdout
            .contains("file=.github/workflows/ci.yml,line=10"),
        "{}",
        rooted.stdout
    );
}

#[test]
fn sarif_has_base_ids_and_fingerprints() {
    let t = two_repos();
    let v = json(&run(t.path(), &["audit", "a", "-f", "sarif"]));
    let run0 = &v["runs"][0];
    let base = run0["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .expect("base");
    assert!(
        base.starts_with("file:///") && base.ends_with('/'),
        "{base}"
    );
    let canonical = fs::canonicalize(t.path()).expect("canonical");
    assert_eq!(base, format!("file://{}/", canonical.display()));
    let res = &run0["results"][0];
    let loc = &res["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(loc["uriBaseId"], "%SRCROOT%");
    assert!(loc["uri"].as_str().unwrap_or("").starts_with("a/.github/"));
    assert_eq!(
        res["partialFingerprints"]["pipewise/v1"]
            .as_str()
            .map(str::len),
        Some(16)
    );
    // Rule help carries no internal references.
    let text = serde_json::to_string(&run0["tool"]["driver"]["rules"]).expect("rules");
    assert!(!text.contains("seed:"), "internal references in SARIF help");
}

#[test]
fn a_single_file_is_audited_in_its_repository_context() {
    let r = repo(&[
        (WF, CI),
        (".github/dependabot.yml", "version: 2\nupdates:\n  - package-ecosystem: github-actions\n    directory: /\n    schedule:\n      interval: weekly\n"),
    ]);
    let whole = json(&run(r.path(), &["audit", ".", "-f", "json"]));
    assert!(!rules_of(&whole).contains(&"security/dependabot-coverage".to_string()));
    let single = json(&run(r.path(), &["audit", WF, "-f", "json"]));
    let rules = rules_of(&single);
    assert!(
        !rules.contains(&"security/dependabot-coverage".to_string()),
        "{rules:?}"
    );
    assert!(rules.contains(&"reliability/masked-failure".to_string()));
    assert_eq!(single["repositories"][0]["root"], ".");
    // From inside the workflows folder too: the repository is above the base, so
    // its paths are absolute.
    let inner = r.path().join(".github/workflows");
    let out = run(&inner, &["audit", "ci.yml", "-f", "github"]);
    let abs = fs::canonicalize(r.path()).expect("canonical");
    assert!(
        out.stdout.contains(&format!(
            "file={}/.github/workflows/ci.yml,line=10",
            abs.display()
        )),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("dependabot-coverage"));
}

fn saved_report(dir: &Path, which: &str, name: &str) {
    let out = run(dir, &["audit", which, "-f", "json", "-o", name]);
    assert_eq!(out.code, Some(1), "{}", out.stderr);
}

#[test]
fn merge_writes_like_audit_fails_like_audit_and_refuses_duplicates() {
    let t = two_repos();
    saved_report(t.path(), "a", "a.json");
    saved_report(t.path(), "b", "b.json");
    let out = run(
        t.path(),
        &["merge", "a.json", "b.json", "-o", "merged.html"],
    );
    assert_eq!(
        out.code,
        Some(1),
        "high findings fail the merge like the audit: {}",
        out.stderr
    );
    let html = fs::read_to_string(t.path().join("merged.html")).expect("written");
    assert!(
        html.starts_with("<!DOCTYPE html>") || html.starts_with("<!doctype html>"),
        "{}",
        &html[..40.min(html.len())]
    );
    assert_eq!(
        run(
            t.path(),
            &["merge", "a.json", "b.json", "--fail-on", "none"]
        )
        .code,
        Some(0)
    );
    let dup = run(t.path(), &["merge", "a.json", "a.json"]);
    assert_eq!(dup.code, Some(2));
    assert!(
        dup.stderr
            .contains("repository `a` is in both a.json and a.json"),
        "{}",
        dup.stderr
    );
}

#[test]
fn baselines_report_only_new_findings_and_list_stale_entries() {
    // A source file: the repository is read in full before and after `baseline.json`
    // appears (dependabot-coverage judges only such repositories, issue 14).
    let r = repo(&[(WF, CI), ("src/main.rs", "fn main() {}\n")]);
    let out = run(
        r.path(),
        &["audit", ".", "--write-baseline", "baseline.json"],
    );
    assert_eq!(
        out.code,
        Some(0),
        "writing a baseline accepts the findings: {}",
        out.stderr
    );
    let b: Value = serde_json::from_str(
        &fs::read_to_string(r.path().join("baseline.json")).expect("baseline"),
    )
    .expect("json");
    assert_eq!(b["schema"], "pipewise/baseline@1");
    let known = b["findings"].as_array().map(Vec::len).unwrap_or(0);
    assert!(known >= 2);
    // Lines move and unrelated lines change: nothing new.
    let moved = CI
        .replace("name: CI\n", "name: CI build\n# a comment\n\n")
        .replace("runs-on: ubuntu-latest", "runs-on: ubuntu-24.04");
    fs::write(r.path().join(WF), &moved).expect("write");
    let out = run(
        r.path(),
        &["audit", ".", "--baseline", "baseline.json", "-f", "json"],
    );
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        rules_of(&json(&out)).is_empty(),
        "{:?}",
        rules_of(&json(&out))
    );
    assert!(
        out.stderr.contains(&format!(
            "baseline: {known} known finding(s) not shown; 0 baseline entries no longer match"
        )),
        "{}",
        out.stderr
    );
    // A new problem is reported; a fixed one is listed as stale.
    let changed = moved.replace(
        "      - run: npm test || true\n",
        "      - run: npm test\n      - run: curl -s https://x.example/i.sh | bash\n",
    );
    fs::write(r.path().join(WF), &changed).expect("write");
    let out = run(
        r.path(),
        &[
            "audit",
            ".",
            "--baseline",
            "baseline.json",
            "-f",
            "json",
            "--fail-on",
            "medium",
        ],
    );
    assert_eq!(
        rules_of(&json(&out)),
        ["security/remote-script"],
        "{}",
        out.stderr
    );
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr
            .contains("stale: .github/workflows/ci.yml:10: [reliability/masked-failure]"),
        "{}",
        out.stderr
    );
    // A file that is not a baseline.
    fs::write(r.path().join("bad.json"), "{}").expect("write");
    let out = run(r.path(), &["audit", ".", "--baseline", "bad.json"]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("not a pipewise baseline"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_repository_config_that_weakens_the_audit_is_reported_and_can_be_ignored() {
    let r = repo(&[
        (WF, CI),
        ("pipewise.toml", "disable = [\"reliability/masked-failure\"]\n[severity]\n\"security/unpinned-action\" = \"info\"\n"),
    ]);
    let out = run(r.path(), &["audit", ".", "-f", "json"]);
    assert_eq!(
        out.code,
        Some(0),
        "the repository's config switched its gate off"
    );
    let w = warnings_of(&json(&out));
    assert!(
        w.contains(
            &"pipewise.toml:1: this configuration disables `reliability/masked-failure`"
                .to_string()
        ),
        "{w:?}"
    );
    assert!(w.contains(&"pipewise.toml:3: this configuration lowers `security/unpinned-action` from high to info".to_string()), "{w:?}");
    let plain = run(r.path(), &["audit", "."]);
    assert!(
        plain
            .stdout
            .contains("warning: pipewise.toml:1: this configuration disables"),
        "{}",
        plain.stdout
    );
    // For untrusted pull requests: --no-config, or a config from outside the repository.
    let out = run(r.path(), &["audit", ".", "--no-config", "-f", "json"]);
    assert_eq!(out.code, Some(1));
    assert!(rules_of(&json(&out)).contains(&"reliability/masked-failure".to_string()));
    let outside = repo(&[("trusted.toml", "disable = [\"security/unpinned-action\"]\n")]);
    let cfg = outside.path().join("trusted.toml");
    let out = run(
        r.path(),
        &[
            "audit",
            ".",
            "-f",
            "json",
            "--config",
            cfg.to_str().expect("utf-8"),
        ],
    );
    let rules = rules_of(&json(&out));
    assert!(
        rules.contains(&"reliability/masked-failure".to_string())
            && !rules.contains(&"security/unpinned-action".to_string()),
        "{rules:?}"
    );
    assert!(warnings_of(&json(&out)).is_empty());
}

#[cfg(unix)]
#[test]
fn a_config_linked_out_of_the_repository_is_refused_without_quoting_it() {
    let secret = repo(&[("secret.txt", "TOKEN=ghp_supersecret\n")]);
    let r = repo(&[(WF, CI)]);
    std::os::unix::fs::symlink(
        secret.path().join("secret.txt"),
        r.path().join("pipewise.toml"),
    )
    .expect("link");
    let out = run(r.path(), &["audit", ".", "-f", "json"]);
    assert_eq!(out.code, Some(2));
    assert!(!out.stdout.contains("ghp_supersecret") && !out.stderr.contains("ghp_supersecret"));
    let e = &json(&out)["repositories"][0]["errors"][0];
    assert_eq!(e["file"], "pipewise.toml");
    assert!(
        e["message"]
            .as_str()
            .unwrap_or("")
            .contains("points outside the repository"),
        "{e}"
    );
    // A special file as --config is refused too.
    let out = run(r.path(), &["audit", ".", "--config", "/dev/zero"]);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("not a regular file"), "{}", out.stderr);
}

/// A rule page's "Good" example and fix never use an action pinned to a branch
/// (`@master`, `@main`, `@stable`, …), which pipewise itself reports as high.
#[test]
fn good_examples_and_fixes_do_not_use_branch_pinned_actions() {
    // Pinned to a full SHA with a version comment that names a tag at that SHA (per
    // the offline table, for the actions it knows), as pipewise itself asks.
    for r in pipewise::rules::all() {
        let m = r.meta();
        let doc = m.documentation();
        let good = doc.split("## Good").nth(1).unwrap_or("");
        for line in good.lines().filter(|l| l.contains("uses:")) {
            let (reference, comment) = line.split_once('#').unwrap_or((line, ""));
            let reference = reference.trim().trim_start_matches("- ").trim();
            let Some(target) = reference.strip_prefix("uses:").map(str::trim) else {
                continue;
            };
            let Some((name, r)) = target.rsplit_once('@') else {
                continue;
            };
            if target.starts_with("./") || target.starts_with("docker://") || r.starts_with('<') {
                continue;
            }
            assert!(
                r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit()),
                "{}: `{line}` is not pinned to a commit SHA",
                m.id
            );
            let version = comment
                .split([';', ' '])
                .find(|w| !w.is_empty())
                .unwrap_or("");
            assert!(
                version
                    .trim_start_matches('v')
                    .starts_with(|c: char| c.is_ascii_digit()),
                "{}: `{line}` has no version comment",
                m.id
            );
            if pipewise::github::action_shas::is_known_action(name) {
                assert!(
                    pipewise::github::action_shas::tags_for_sha(name, r).contains(&version),
                    "{}: `{line}`: {version} is not a tag at that SHA",
                    m.id
                );
            }
        }
    }
}
