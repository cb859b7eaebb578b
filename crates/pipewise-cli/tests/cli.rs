//! End-to-end tests of the `pipewise` binary: every output format, exit codes,
//! configuration, suppression comments and bad inputs. Each test builds its own small
//! repository in a temporary directory.

mod support;

use predicates::prelude::*;
use serde_json::Value;
use std::fs;
use std::path::Path;
use support::{pipewise, repo};
use tempfile::TempDir;

const CI: &str = r#"name: CI
on:
  push:
  pull_request:
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    timeout-minutes: 10
    steps:
      - uses: actions/checkout@main
      - name: Run tests
        run: |
          npm ci
          npm test || echo "tests failed"
"#;

const CLEAN: &str = r#"name: Lint
on:
  pull_request:
permissions:
  contents: read
jobs:
  lint:
    runs-on: ubuntu-latest
    timeout-minutes: 5
    steps:
      - run: echo "hello"
"#;

fn json_of(dir: &Path, extra: &[&str]) -> Value {
    let out = pipewise()
        .arg("audit")
        .arg(dir)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .expect("runs");
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON document")
}

fn findings(v: &Value) -> Vec<&Value> {
    v["repositories"][0]["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .collect()
}

fn has(v: &Value, rule: &str, line: u64) -> bool {
    findings(v)
        .iter()
        .any(|f| f["rule"] == rule && f["line"] == line)
}

#[test]
fn plain_output_shows_snippet_location_and_summary() {
    let r = repo(&[(".github/workflows/ci.yml", CI.as_bytes())]);
    pipewise()
        .arg("audit")
        .arg(r.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("high[reliability/masked-failure]"))
        .stdout(predicate::str::contains(".github/workflows/ci.yml:16:11"))
        .stdout(predicate::str::contains(
            "16 |           npm test || echo \"tests failed\"",
        ))
        .stdout(predicate::str::contains("pipewise: "))
        .stdout(predicate::str::contains(" high"))
        // NO_COLOR and a pipe: no escape codes.
        .stdout(predicate::str::contains("\u{1b}[").not());
}

#[test]
fn json_output_follows_the_report_schema() {
    let r = repo(&[(".github/workflows/ci.yml", CI.as_bytes())]);
    let v = json_of(r.path(), &[]);
    assert_eq!(v["schema"], "pipewise/report@2");
    assert_eq!(v["tool"]["name"], "pipewise");
    let repo = &v["repositories"][0];
    for key in [
        "root",
        "stack",
        "files",
        "findings",
        "capabilities",
        "scores",
        "errors",
    ] {
        assert!(repo.get(key).is_some(), "missing key {key}");
    }
    let f = findings(&v)
        .into_iter()
        .find(|f| f["rule"] == "reliability/masked-failure")
        .expect("masked failure found");
    assert_eq!(f["file"], ".github/workflows/ci.yml");
    assert_eq!(
        (&f["line"], &f["column"], &f["end_line"], &f["end_column"]),
        (
            &Value::from(16),
            &Value::from(11),
            &Value::from(16),
            &Value::from(42)
        )
    );
    assert_eq!(f["severity"], "high");
    assert_eq!(f["job"], "test");
    assert_eq!(f["step"], "Run tests");
    // `@2`: the rule's metadata is in the `rules` table, once.
    assert!(f.get("category").is_none() && f.get("references").is_none());
    let rule = &v["rules"]["reliability/masked-failure"];
    assert_eq!(rule["category"], "testing");
    assert!(rule["fix"]["effort_minutes"].as_u64().unwrap_or(0) > 0);
    // `@1` on request: on every finding.
    let v1 = json_of(r.path(), &["--report-schema", "1"]);
    assert_eq!(v1["schema"], "pipewise/report@1");
    assert!(v1.get("rules").is_none());
    let f1 = findings(&v1)
        .into_iter()
        .find(|f| f["rule"] == "reliability/masked-failure")
        .expect("masked failure found");
    assert_eq!(f1["category"], "testing");
    assert!(f1["fix"]["effort_minutes"].as_u64().unwrap_or(0) > 0);
    // Findings are sorted by file, line, column, rule.
    let keys: Vec<(String, u64, u64, String)> = findings(&v)
        .iter()
        .map(|f| {
            (
                f["file"].as_str().unwrap_or("").to_string(),
                f["line"].as_u64().unwrap_or(0),
                f["column"].as_u64().unwrap_or(0),
                f["rule"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}

#[test]
fn json_output_is_deterministic() {
    let r = repo(&[
        (".github/workflows/ci.yml", CI.as_bytes()),
        (".github/workflows/lint.yml", CLEAN.as_bytes()),
    ]);
    let run = || {
        pipewise()
            .arg("audit")
            .arg(r.path())
            .args(["-f", "json"])
            .output()
            .expect("runs")
            .stdout
    };
    assert_eq!(run(), run());
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0() {
    let r = repo(&[
        (".github/workflows/ci.yml", CI.as_bytes()),
        (".github/workflows/bad.yml", b"jobs: [\n"),
    ]);
    let out = pipewise()
        .arg("audit")
        .arg(r.path())
        .args(["--format", "sarif"])
        .output()
        .expect("runs");
    let sarif: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    let mut schema: Value =
        serde_json::from_str(include_str!("data/sarif-schema-2.1.0.json")).expect("schema is JSON");
    hoist_misplaced_any_of(&mut schema);
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "SARIF invalid:\n{}", errors.join("\n"));
    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let masked = rules
        .iter()
        .find(|r| r["id"] == "reliability/masked-failure")
        .expect("rule listed");
    assert!(masked["help"]["markdown"]
        .as_str()
        .unwrap_or("")
        .contains("## Why it matters"));
    let result = run["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["ruleId"] == "reliability/masked-failure")
        .expect("result");
    assert_eq!(result["level"], "error");
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"], 16);
    assert_eq!(region["startColumn"], 11);
    // The bad file is reported as a notification, not dropped.
    let text = serde_json::to_string(&run["invocations"]).unwrap_or_default();
    assert!(text.contains("bad.yml"), "{text}");
}

/// The published schema nests `region`'s `anyOf` inside `properties`, where a draft
/// 2020-12 meta-schema rejects it (an array is not a schema). Its evident intent is a
/// constraint on the object (a region has a start line or an offset), so move every such
/// misplaced `anyOf` up one level, which keeps the check and makes it stricter.
fn hoist_misplaced_any_of(schema: &mut Value) {
    if let Some(defs) = schema["definitions"].as_object_mut() {
        for def in defs.values_mut() {
            let misplaced = def
                .get_mut("properties")
                .and_then(Value::as_object_mut)
                .and_then(|p| p.remove("anyOf"));
            if let (Some(any_of), Some(obj)) = (misplaced, def.as_object_mut()) {
                obj.insert("anyOf".into(), any_of);
            }
        }
    }
}

#[test]
fn github_output_emits_workflow_commands() {
    let r = repo(&[(".github/workflows/ci.yml", CI.as_bytes())]);
    // Paths are relative to the current directory, here the repository.
    pipewise()
        .current_dir(r.path())
        .args(["audit", ".", "-f", "github"])
        .assert()
        .code(1)
        .stdout(predicate::str::is_match(
            r"(?m)^::error file=\.github/workflows/ci\.yml,line=16,col=11,endLine=16,endColumn=42,title=[^:]*\(reliability/masked-failure\)::",
        ).expect("regex"));
}

#[test]
fn output_file_picks_the_format_from_its_extension() {
    let r = repo(&[(".github/workflows/ci.yml", CI.as_bytes())]);
    let out = r.path().join("report.sarif");
    pipewise()
        .arg("audit")
        .arg(r.path())
        .arg("--output")
        .arg(&out)
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty());
    let v: Value = serde_json::from_str(&fs::read_to_string(&out).expect("written")).expect("json");
    assert_eq!(v["version"], "2.1.0");
}

#[test]
fn exit_codes_follow_fail_on() {
    let r = repo(&[(".github/workflows/ci.yml", CI.as_bytes())]);
    let clean = repo(&[(".github/workflows/lint.yml", CLEAN.as_bytes())]);
    pipewise().arg("audit").arg(r.path()).assert().code(1);
    pipewise()
        .arg("audit")
        .arg(r.path())
        .args(["--fail-on", "none"])
        .assert()
        .code(0);
    pipewise()
        .arg("audit")
        .arg(r.path())
        .args(["--fail-on", "critical"])
        .assert()
        .code(0);
    pipewise().arg("audit").arg(clean.path()).assert().code(0);
    pipewise()
        .arg("audit")
        .arg(clean.path())
        .args(["--fail-on", "info"])
        .assert()
        .code(predicate::in_iter([0, 1]));
}

#[test]
fn min_severity_filters_what_is_shown() {
    let r = repo(&[(".github/workflows/ci.yml", CI.as_bytes())]);
    let v = json_of(r.path(), &["--min-severity", "high"]);
    let all = findings(&v);
    assert!(!all.is_empty());
    assert!(all
        .iter()
        .all(|f| f["severity"] == "high" || f["severity"] == "critical"));
}

#[test]
fn usage_errors_exit_2() {
    pipewise()
        .args(["audit", "--format", "yaml", "."])
        .assert()
        .code(2);
    pipewise()
        .args(["audit", "--fail-on", "severe", "."])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--fail-on"));
    pipewise()
        .args(["audit", "/definitely/not/here"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/definitely/not/here"));
    pipewise().args(["rule", "nope/nothing"]).assert().code(2);
}

#[test]
fn a_single_workflow_file_can_be_audited() {
    let r = repo(&[(".github/workflows/ci.yml", CI.as_bytes())]);
    let out = pipewise()
        .arg("audit")
        .arg(r.path().join(".github/workflows/ci.yml"))
        .args(["-f", "json"])
        .output()
        .expect("runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(has(&v, "reliability/masked-failure", 16));
}

#[test]
fn several_repositories_each_get_an_entry() {
    let a = repo(&[(".github/workflows/ci.yml", CI.as_bytes())]);
    let b = repo(&[(".github/workflows/lint.yml", CLEAN.as_bytes())]);
    let list = a.path().join("repos.txt");
    fs::write(&list, format!("# repos\n{}\n", b.path().display())).expect("write");
    let out = pipewise()
        .arg("audit")
        .arg(a.path())
        .arg("--repos-from")
        .arg(&list)
        .args(["-f", "json"])
        .output()
        .expect("runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["repositories"].as_array().map(Vec::len), Some(2));
}

#[test]
fn rule_prints_its_documentation() {
    pipewise()
        .args(["rule", "reliability/masked-failure"])
        .assert()
        .success()
        .stdout(predicate::str::contains("## Why it matters"))
        .stdout(predicate::str::contains("## Bad"))
        .stdout(predicate::str::contains("## Good"))
        .stdout(predicate::str::contains("## Fix"));
}

#[test]
fn config_disables_rules_overrides_severity_and_ignores_paths() {
    let files: &[(&str, &[u8])] = &[
        (".github/workflows/ci.yml", CI.as_bytes()),
        (".github/workflows/vendored/x.yml", CI.as_bytes()),
    ];
    let r = repo(files);
    let before = json_of(r.path(), &[]);
    assert!(has(&before, "security/unpinned-action", 12));
    fs::write(
        r.path().join("pipewise.toml"),
        "disable = [\"security/unpinned-action\"]\nignore = [\".github/workflows/vendored/**\"]\n\n[severity]\n\"reliability/masked-failure\" = \"critical\"\n",
    )
    .expect("write");
    let after = json_of(r.path(), &[]);
    assert!(!has(&after, "security/unpinned-action", 12));
    let masked = findings(&after)
        .into_iter()
        .find(|f| f["rule"] == "reliability/masked-failure")
        .expect("still reported");
    assert_eq!(masked["severity"], "critical");
    assert!(findings(&after)
        .iter()
        .all(|f| !f["file"].as_str().unwrap_or("").contains("vendored")));
}

#[test]
fn a_bad_config_is_a_clear_usage_error() {
    let r = repo(&[
        (".github/workflows/ci.yml", CI.as_bytes()),
        ("pipewise.toml", b"disable = [\"no/such-rule\"]\n"),
    ]);
    // The repository is still audited (with the defaults) and the error is in the
    // report with its file and line; the run exits 2.
    pipewise()
        .current_dir(r.path())
        .args(["audit", "."])
        .assert()
        .code(2)
        .stdout(predicate::str::contains(
            "pipewise.toml:1: invalid configuration, not used (the repository is audited with the defaults): unknown rule `no/such-rule`",
        ))
        .stdout(predicate::str::contains("reliability/masked-failure"))
        .stderr(predicate::str::contains("1 file error"));
}

#[test]
fn inline_comment_suppresses_a_finding() {
    let suppressed = CI.replace(
        "          npm test || echo \"tests failed\"\n",
        "          # pipewise: ignore[reliability/masked-failure] flaky suite, tracked in #12\n          npm test || echo \"tests failed\"\n",
    );
    let r = repo(&[(".github/workflows/ci.yml", suppressed.as_bytes())]);
    let v = json_of(r.path(), &[]);
    assert!(!findings(&v)
        .iter()
        .any(|f| f["rule"] == "reliability/masked-failure"));
    // Other rules on the same file still report.
    assert!(has(&v, "security/unpinned-action", 12));
}

/// Audits a repository holding one good workflow and the given bad file; the bad file
/// must be an `errors` entry mentioning `expect`, and the good one still audited.
fn bad_input_is_reported(bad_path: &str, bad: &[u8], expect: &str, line: Option<u64>) {
    let r = repo(&[(".github/workflows/ci.yml", CI.as_bytes()), (bad_path, bad)]);
    let v = json_of(r.path(), &["--fail-on", "none"]);
    let errors = v["repositories"][0]["errors"].as_array().expect("errors");
    let e = errors
        .iter()
        .find(|e| {
            e["file"] == bad_path
                && e["message"]
                    .as_str()
                    .unwrap_or("")
                    .to_lowercase()
                    .contains(expect)
        })
        .unwrap_or_else(|| panic!("no error mentioning {expect:?} for {bad_path}: {errors:?}"));
    if let Some(l) = line {
        assert_eq!(e["line"], l, "{bad_path}: {e}");
    }
    assert!(
        has(&v, "reliability/masked-failure", 16),
        "the good workflow was not audited next to {bad_path}"
    );
}

#[test]
fn malformed_yaml_is_reported_with_its_line() {
    bad_input_is_reported(
        ".github/workflows/bad.yml",
        b"name: x\non: push\njobs:\n  a: [\n    b: c\n",
        "yaml",
        None,
    );
}

#[test]
fn wrong_types_are_reported() {
    bad_input_is_reported(
        ".github/workflows/bad.yml",
        b"name: x\non: push\njobs: 5\n",
        "jobs",
        Some(3),
    );
    bad_input_is_reported(
        ".github/workflows/bad.yml",
        b"name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: \"x\"\n",
        "steps",
        Some(6),
    );
}

#[test]
fn unknown_keys_are_reported() {
    bad_input_is_reported(
        ".github/workflows/bad.yml",
        b"name: x\non: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    stpes: []\n",
        "stpes",
        Some(6),
    );
}

#[test]
fn duplicate_keys_are_reported() {
    bad_input_is_reported(
        ".github/workflows/bad.yml",
        b"name: x\non: push\nname: y\njobs: {}\n",
        "duplicate",
        Some(3),
    );
}

#[test]
fn non_utf8_and_binary_files_are_reported() {
    bad_input_is_reported(
        ".github/workflows/latin1.yml",
        b"name: caf\xe9\non: push\njobs: {}\n",
        "utf-8",
        Some(1),
    );
    bad_input_is_reported(".github/workflows/nul.yml", b"name: x\n\0\0\0", "nul", None);
}

#[test]
fn empty_files_are_reported() {
    bad_input_is_reported(".github/workflows/empty.yml", b"", "empty", None);
}

#[test]
fn alias_bombs_are_refused() {
    let mut bomb = String::from("a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\n");
    let mut prev = 'a';
    for c in 'b'..='k' {
        bomb.push_str(&format!(
            "{c}: &{c} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
        prev = c;
    }
    bad_input_is_reported(".github/workflows/bomb.yml", bomb.as_bytes(), "alias", None);
}

#[test]
fn oversized_files_are_reported() {
    let mut big = String::from("name: big\non: push\njobs: {}\n");
    while big.len() < 5 * 1024 * 1024 {
        big.push_str("# padding padding padding padding padding padding padding padding\n");
    }
    bad_input_is_reported(".github/workflows/big.yml", big.as_bytes(), "limit", None);
}

#[cfg(unix)]
#[test]
fn symlinks_out_of_the_repository_are_not_followed() {
    let outside = repo(&[("secret.yml", b"name: secret\non: push\njobs: {}\n")]);
    let r = repo(&[(".github/workflows/ci.yml", CI.as_bytes())]);
    std::os::unix::fs::symlink(
        outside.path().join("secret.yml"),
        r.path().join(".github/workflows/link.yml"),
    )
    .expect("symlink");
    let v = json_of(r.path(), &["--fail-on", "none"]);
    let errors = serde_json::to_string(&v["repositories"][0]["errors"]).unwrap_or_default();
    assert!(errors.contains("link.yml"), "{errors}");
    assert!(errors.contains("outside"), "{errors}");
    assert!(has(&v, "reliability/masked-failure", 16));
}

#[test]
fn a_repository_where_nothing_can_be_read_exits_2() {
    let r = repo(&[(".github/workflows/bad.yml", b"\xff\xfe\x00")]);
    pipewise().arg("audit").arg(r.path()).assert().code(2);
}

/// The README's rule table is exactly what `pipewise rules --markdown` prints.
#[test]
fn readme_rule_list_matches_the_registry() {
    let readme = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md at the workspace root");
    let start = "<!-- rules:start -->\n";
    let end = "<!-- rules:end -->";
    let a = readme.find(start).expect("rules:start marker") + start.len();
    let b = readme.find(end).expect("rules:end marker");
    let out = pipewise()
        .args(["rules", "--markdown"])
        .output()
        .expect("runs");
    let table = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(
        &readme[a..b],
        table,
        "README rule list is stale: replace it with `pipewise rules --markdown`"
    );
}

/// The README's table of output formats names every format of the registry, once
/// each and in `--help` order: a new renderer comes with its row.
#[test]
fn readme_lists_every_output_format() {
    let readme = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md at the workspace root");
    let head = "### Output formats (`--format`)\n";
    let at = readme.find(head).expect("the output formats section") + head.len();
    let named: Vec<&str> = readme[at..]
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .filter_map(|row| row.split('|').nth(1))
        .flat_map(|cell| cell.split('`').skip(1).step_by(2))
        .collect();
    let registry: Vec<&str> = pipewise::report::RENDERERS
        .iter()
        .map(|r| r.name())
        .collect();
    assert_eq!(named, registry, "README.md's output formats table");
}

/// `pipewise merge` reads `@2` and `@1` reports alike and writes either: an `@2`
/// report merged into `@1` is the `@1` report of the same audit.
#[test]
fn merge_reads_both_report_schemas() {
    let r = repo(&[(".github/workflows/ci.yml", CI.as_bytes())]);
    let t = TempDir::new().expect("tmp");
    let (v2, v1) = (t.path().join("v2.json"), t.path().join("v1.json"));
    for (file, schema) in [(&v2, "2"), (&v1, "1")] {
        let out = pipewise()
            .current_dir(r.path())
            .args([
                "audit",
                ".",
                "--fail-on",
                "none",
                "--report-schema",
                schema,
                "-o",
            ])
            .arg(file)
            .output()
            .expect("runs");
        assert!(out.status.success(), "{out:?}");
    }
    let merged = |input: &Path, schema: &str| {
        let out = pipewise()
            .arg("merge")
            .arg(input)
            .args(["-f", "json", "--fail-on", "none", "--report-schema", schema])
            .output()
            .expect("runs");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).expect("utf-8")
    };
    let one = fs::read_to_string(&v1).expect("read");
    let two = fs::read_to_string(&v2).expect("read");
    assert!(two.contains("\"schema\": \"pipewise/report@2\"") && two.contains("\"rules\": {"));
    assert_eq!(merged(&v2, "1"), one);
    assert_eq!(merged(&v1, "1"), one);
    assert_eq!(merged(&v1, "2"), two);
    let bad = pipewise()
        .args(["audit", ".", "--report-schema", "3"])
        .current_dir(r.path())
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--report-schema"));
}
