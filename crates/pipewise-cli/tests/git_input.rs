//! The command line over git: `audit --rev` (exit codes, errors, bare mirrors) and
//! `pipewise history` (formats). The library's exactness tests are in
//! `crates/pipewise-git/tests`.

mod support;

use std::path::Path;
use support::{pipewise, succeeds};
use tempfile::TempDir;

fn git(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Two commits: a clean workflow, then a masked failure.
fn repo() -> TempDir {
    let t = TempDir::new().expect("tmp");
    let p = t.path();
    git(p, &["init", "-q", "-b", "main"]);
    std::fs::create_dir_all(p.join(".github/workflows")).expect("mkdir");
    let wf = "name: CI\non: push\npermissions:\n  contents: read\njobs:\n  t:\n    runs-on: ubuntu-latest\n    timeout-minutes: 5\n    steps:\n      - run: make test\n";
    std::fs::write(p.join(".github/workflows/ci.yml"), wf).expect("write");
    git(p, &["add", "-A"]);
    git(p, &["commit", "-q", "-m", "clean"]);
    std::fs::write(
        p.join(".github/workflows/ci.yml"),
        wf.replace("make test", "make test || true"),
    )
    .expect("write");
    git(p, &["commit", "-q", "-am", "masked"]);
    // The work tree differs from both commits: --rev must not read it.
    std::fs::remove_dir_all(p.join(".github")).expect("rm");
    t
}

#[test]
fn audit_rev_reads_commits_not_the_work_tree() {
    let t = repo();
    let run = |rev: &str| {
        let out = pipewise()
            .current_dir(t.path())
            .args(["audit", ".", "--rev", rev, "-f", "concise"])
            .output()
            .expect("runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string(),
        )
    };
    let (code, head) = run("HEAD");
    assert!(head.contains("reliability/masked-failure"), "{head}");
    assert_eq!(code, Some(1));
    let (code, before) = run("HEAD~1");
    assert!(!before.contains("masked-failure"), "{before}");
    assert_eq!(code, Some(0));
    let out = pipewise()
        .current_dir(t.path())
        .args(["audit", ".", "--rev", "nope"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope"));
    // A bare mirror.
    let m = TempDir::new().expect("tmp");
    git(
        m.path(),
        &[
            "clone",
            "-q",
            "--mirror",
            &t.path().display().to_string(),
            "m.git",
        ],
    );
    let out = pipewise()
        .current_dir(m.path())
        .args(["audit", "m.git", "--rev", "main", "-f", "concise"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(".github/workflows/ci.yml:") && text.contains("reliability/masked-failure"),
        "{text}"
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn history_writes_plain_json_and_html() {
    let t = repo();
    let out = succeeds(pipewise().args(["history"]).arg(t.path()));
    let plain = String::from_utf8_lossy(&out.stdout);
    assert!(
        plain.contains("2 changed CI/CD files, 2 audited"),
        "{plain}"
    );
    assert!(
        plain.contains("+ high     reliability/masked-failure")
            || plain.contains("reliability/masked-failure"),
        "{plain}"
    );
    let json = t.path().join("h.json");
    pipewise()
        .args(["history"])
        .arg(t.path())
        .arg("-o")
        .arg(&json)
        .assert()
        .success();
    let v: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("read")).expect("json");
    assert_eq!(v["schema"], "pipewise/history@1");
    assert_eq!(v["points"].as_array().map(Vec::len), Some(2));
    let html = t.path().join("h.html");
    pipewise()
        .args(["history", "--last", "1", "--date", "2026-01-01"])
        .arg(t.path())
        .arg("-o")
        .arg(&html)
        .assert()
        .success();
    let page = std::fs::read_to_string(&html).expect("read");
    assert!(page.starts_with("<!DOCTYPE html>") && page.contains("2026-01-01"));
    let with_runs = |doc: &str| {
        let runs = t.path().join("runs.json");
        std::fs::write(&runs, doc).expect("write");
        let mut c = pipewise();
        c.arg("history").arg(t.path()).arg("--runs").arg(&runs);
        c.output().expect("runs")
    };
    let out = with_runs("{\"workflow_runs\": []}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("run data: 0 finished deploy runs"));
    let out = with_runs("{\"runs\": []}");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("workflow_runs"));
    for bad in [
        &["--every", "0"][..],
        &["--since", "2025-02-30"],
        &["--last", "0"],
    ] {
        let out = pipewise()
            .arg("history")
            .arg(t.path())
            .args(bad)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
    }
}
