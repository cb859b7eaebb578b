//! The CLI picks the report format from `--format` or the `--output` extension, and
//! the plain output ends with the scorecard.

use assert_cmd::Command;
use std::path::PathBuf;

fn seed(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/repos")
        .join(name)
}

fn pipewise() -> Command {
    let mut c = Command::cargo_bin("pipewise").unwrap();
    c.env_remove("SOURCE_DATE_EPOCH");
    c
}

#[test]
fn output_extension_picks_markdown_and_html() {
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("report.md");
    let html = dir.path().join("report.html");
    pipewise()
        .args(["audit", "--fail-on", "none", "--date", "2025-11-01", "-o"])
        .arg(&md)
        .arg(seed("seed-000"))
        .assert()
        .success();
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.starts_with("# CI/CD Pipeline Audit Report\n"));
    assert!(text.contains("**Date**: 2025-11-01"));
    pipewise()
        .args(["audit", "--fail-on", "none", "-o"])
        .arg(&html)
        .arg(seed("seed-000"))
        .env("SOURCE_DATE_EPOCH", "1761955200")
        .assert()
        .success();
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(
        page.contains("2025-11-01"),
        "SOURCE_DATE_EPOCH sets the date"
    );
    // Every capability verdict with its evidence, not only on hover (issue 24).
    assert!(page.contains("id=\"capability-evidence\""));
    assert!(page.contains("<code>deploy.production</code>"));
    assert!(page.contains(".github/workflows/cd.yml:"));
    // --format wins over the extension.
    let out = pipewise()
        .args(["audit", "--fail-on", "none", "--format", "json"])
        .arg(seed("seed-000"))
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let scores = &v["repositories"][0]["scores"];
    assert!(scores["overall"].as_u64().unwrap() <= 100);
    assert_eq!(scores["categories"].as_array().unwrap().len(), 8);
    assert!(scores["workflows"][0]["status"].is_string());
}

#[test]
fn plain_output_starts_with_scorecard_and_repository_table() {
    let out = pipewise()
        .args(["audit", "--fail-on", "none"])
        .arg(seed("seed-000"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("pipewise: "), "summary first");
    let score = text.find("score:").expect("scorecard");
    assert!(
        score < text.find("-->").expect("a finding"),
        "scorecard first"
    );
    let tail = &text[score..];
    assert!(tail.contains("/100 (grade "));
    assert!(tail.contains("top actions:\n  1. "));
    let out = pipewise()
        .args(["audit", "--fail-on", "none"])
        .arg(seed("seed-000"))
        .arg(seed("hardened"))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let table = &text[text.find("repositories by score:").expect("table")..];
    let hardened = table.find("hardened").unwrap();
    let s0 = table.find("seed-000").unwrap();
    assert!(hardened < s0, "sorted by score:\n{table}");
}
