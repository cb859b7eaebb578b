//! `pipewise scaffold` and `pipewise audit --settings` from the command line.

use assert_cmd::Command;
use std::path::Path;

fn fixture(case: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../pipewise/tests/fixtures/capabilities")
        .join(case)
}

#[test]
fn scaffold_prints_writes_and_never_overwrites() {
    let out = Command::cargo_bin("pipewise")
        .unwrap()
        .args(["scaffold", "security.sast"])
        .arg(fixture("bare"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("github/codeql-action/init@") && text.contains("javascript-typescript"));

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Cargo.toml"), "[package]\nname = \"x\"\n").unwrap();
    let write = || {
        Command::cargo_bin("pipewise")
            .unwrap()
            .args(["scaffold", "security.dependency-updates", "--write"])
            .arg(dir.path())
            .output()
            .unwrap()
    };
    assert!(write().status.success());
    let written = std::fs::read_to_string(dir.path().join(".github/dependabot.yml")).unwrap();
    assert!(written.contains("package-ecosystem: cargo"));
    let again = write();
    assert_eq!(again.status.code(), Some(2), "refuses to overwrite");

    let unknown = Command::cargo_bin("pipewise")
        .unwrap()
        .args(["scaffold", "ci.nonsense"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
}

fn approval(args: &[&str]) -> String {
    let out = Command::cargo_bin("pipewise")
        .unwrap()
        .args(["audit", "--format", "json", "--fail-on", "none"])
        .args(args)
        .arg(fixture("complete"))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["repositories"][0]["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "deploy.approval-gate")
        .map(|c| c["status"].as_str().unwrap().to_string())
        .unwrap()
}

#[test]
fn settings_file_decides_the_approval_gate() {
    assert_eq!(approval(&[]), "unknown");
    let settings = fixture("complete.settings.json");
    assert_eq!(
        approval(&["--settings", settings.to_str().unwrap()]),
        "present"
    );
    let bad = Command::cargo_bin("pipewise")
        .unwrap()
        .args(["audit", "--settings", "/nonexistent/settings.json"])
        .arg(fixture("complete"))
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}
