//! Many repositories: `audit DIR...`, `--repos-from`, the streamed JSON report, and
//! `pipewise merge` of saved reports (schema checked, deterministic order).

mod support;

use serde_json::Value;
use std::fs;
use std::path::Path;
use support::{pipewise, succeeds};
use tempfile::TempDir;

const WF: &str = "name: CI\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@main\n      - run: npm test || echo failed\n";

fn repo(name: &str, parent: &Path) -> std::path::PathBuf {
    let p = parent.join(name);
    fs::create_dir_all(p.join(".github/workflows")).expect("mkdir");
    fs::write(p.join(".github/workflows/ci.yml"), WF).expect("write");
    p
}

fn audit_json(args: &[&Path], extra: &[&str]) -> Vec<u8> {
    succeeds(
        pipewise()
            .arg("audit")
            .args(args)
            .args(["--format", "json", "--fail-on", "none"])
            .args(extra),
    )
    .stdout
}

fn roots(v: &[u8]) -> Vec<String> {
    let v: Value = serde_json::from_slice(v).expect("json");
    v["repositories"]
        .as_array()
        .expect("repositories")
        .iter()
        .map(|r| r["root"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn repos_from_equals_paths_on_the_command_line() {
    let t = TempDir::new().expect("tmp");
    let a = repo("a", t.path());
    let b = repo("b", t.path());
    let list = t.path().join("list.txt");
    fs::write(
        &list,
        format!("# repos\n{}\n\n{}\n", a.display(), b.display()),
    )
    .expect("write");
    let direct = audit_json(&[&a, &b], &[]);
    let from = pipewise()
        .arg("audit")
        .arg("--repos-from")
        .arg(&list)
        .args(["--format", "json", "--fail-on", "none"])
        .output()
        .expect("runs")
        .stdout;
    assert_eq!(direct, from);
    assert_eq!(roots(&direct).len(), 2);
    // The streamed document is one well-formed JSON document.
    let v: Value = serde_json::from_slice(&direct).expect("json");
    assert_eq!(v["schema"], "pipewise/report@2");
}

#[test]
fn an_unreadable_path_among_many_is_an_error_and_the_rest_is_audited() {
    let t = TempDir::new().expect("tmp");
    let a = repo("a", t.path());
    let out = pipewise()
        .arg("audit")
        .arg(&a)
        .arg(t.path().join("missing"))
        .args(["--format", "json", "--fail-on", "none"])
        .output()
        .expect("runs");
    // The missing path is in the report with its error, and the run exits 2.
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing"));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(roots(&out.stdout).len(), 2);
    let missing = &v["repositories"][1];
    assert!(missing["root"].as_str().unwrap_or("").ends_with("missing"));
    assert!(missing["errors"][0]["message"]
        .as_str()
        .unwrap_or("")
        .contains("No such file"));
}

#[test]
fn merge_combines_reports_in_a_deterministic_order() {
    let t = TempDir::new().expect("tmp");
    let a = repo("a", t.path());
    let b = repo("b", t.path());
    let both = audit_json(&[&a, &b], &[]);
    let ra = t.path().join("a.json");
    let rb = t.path().join("b.json");
    fs::write(&ra, audit_json(&[&a], &[])).expect("write");
    fs::write(&rb, audit_json(&[&b], &[])).expect("write");
    for order in [[&rb, &ra], [&ra, &rb]] {
        let merged = pipewise()
            .args(["merge", "--fail-on", "none"])
            .args(order)
            .output()
            .expect("runs");
        assert_eq!(merged.status.code(), Some(0));
        assert_eq!(
            merged.stdout, both,
            "merge differs from auditing both at once"
        );
    }
    let sarif = pipewise()
        .args(["merge", "-f", "sarif"])
        .arg(&ra)
        .arg(&rb)
        .output()
        .expect("runs");
    let v: Value = serde_json::from_slice(&sarif.stdout).expect("sarif json");
    assert_eq!(v["version"], "2.1.0");
    let plain = pipewise()
        .args(["merge", "-f", "plain"])
        .arg(&ra)
        .arg(&rb)
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&plain.stdout).contains("masked-failure"));
}

#[test]
fn merge_refuses_a_file_that_is_not_a_report() {
    let t = TempDir::new().expect("tmp");
    let bad = t.path().join("bad.json");
    for (content, expect) in [
        ("{\"schema\": \"other@1\"}", "other@1"),
        ("[]", "not a pipewise report"),
        ("not json", "not JSON"),
        (
            "{\"schema\": \"pipewise/report@1\", \"repositories\": 5}",
            "does not follow",
        ),
    ] {
        fs::write(&bad, content).expect("write");
        let out = pipewise().arg("merge").arg(&bad).output().expect("runs");
        assert_eq!(out.status.code(), Some(2), "{content}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("bad.json") && err.contains(expect),
            "{content}: {err}"
        );
        assert!(out.stdout.is_empty());
    }
    let out = pipewise()
        .arg("merge")
        .arg(t.path().join("absent.json"))
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}
