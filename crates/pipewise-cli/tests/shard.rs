//! `--shard I/N` and `pipewise merge`: the shards of a sharded audit, merged, are
//! byte for byte the JSON report of one run over every repository (N = 1, 3, 8), on
//! small fixtures and (an `#[ignore]`d test) on `../shared/corpus`. And the
//! organisation summary (`--format org`, `org-html`) of a merged report.

mod support;

use assert_cmd::Command;
use std::fs;
use std::path::{Path, PathBuf};
use tempfile::TempDir;

fn pipewise() -> Command {
    let mut c = Command::cargo_bin("pipewise").expect("binary");
    c.env("NO_COLOR", "1");
    c
}

fn run(c: &mut Command) -> Vec<u8> {
    let out = c.output().expect("runs");
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The single run and the merged shards for N = 1, 3, 8; `paths` must be sorted
/// (merge sorts repositories by root; a single run keeps the order given).
fn check_shards_merge_to_the_single_run(cwd: &Path, paths: &[PathBuf]) {
    let single = run(pipewise().current_dir(cwd).arg("audit").args(paths).args([
        "-f",
        "json",
        "--fail-on",
        "none",
        "--fail-on-error",
        "false",
        "-q",
    ]));
    let out = TempDir::new().expect("tmp");
    for n in [1, 3, 8] {
        let mut files = vec![];
        let mut sizes = vec![];
        for i in 1..=n {
            let file = out.path().join(format!("shard-{i}-of-{n}.json"));
            run(pipewise()
                .current_dir(cwd)
                .arg("audit")
                .args(paths)
                .args(["--shard", &format!("{i}/{n}"), "-f", "json", "-o"])
                .arg(&file)
                .args(["--fail-on", "none", "--fail-on-error", "false", "-q"]));
            let v: serde_json::Value =
                serde_json::from_slice(&fs::read(&file).expect("shard written")).expect("json");
            sizes.push(v["repositories"].as_array().map_or(0, Vec::len));
            files.push(file);
        }
        assert_eq!(sizes.iter().sum::<usize>(), paths.len(), "{sizes:?}");
        if n > 1 && paths.len() >= 2 * n {
            assert!(sizes.iter().filter(|s| **s > 0).count() > 1, "{sizes:?}");
        }
        let merged = run(pipewise().current_dir(cwd).arg("merge").args(&files).args([
            "--fail-on",
            "none",
            "--fail-on-error",
            "false",
        ]));
        assert!(
            merged == single,
            "N = {n}: merged shards differ from the single run"
        );
    }
}

fn fixture_repos(t: &Path, n: usize) -> Vec<PathBuf> {
    support::fleet(t, n, |i| format!("repo-{i:02}"), true)
        .into_iter()
        .map(PathBuf::from)
        .collect()
}

#[test]
fn sharded_fixtures_merge_to_the_single_run() {
    let t = TempDir::new().expect("tmp");
    let paths = fixture_repos(t.path(), 20);
    check_shards_merge_to_the_single_run(t.path(), &paths);
}

#[test]
fn an_empty_shard_writes_an_empty_report_that_merges() {
    let t = TempDir::new().expect("tmp");
    let paths = fixture_repos(t.path(), 1);
    // One repository, eight shards: seven are empty.
    let mut empty = 0;
    for i in 1..=8 {
        let out = pipewise()
            .current_dir(t.path())
            .arg("audit")
            .args(&paths)
            .args([
                "--shard",
                &format!("{i}/8"),
                "-f",
                "json",
                "--fail-on",
                "none",
            ])
            .output()
            .expect("runs");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        if v["repositories"].as_array().is_some_and(Vec::is_empty) {
            empty += 1;
            assert_eq!(out.status.code(), Some(0));
            assert!(String::from_utf8_lossy(&out.stderr).contains("holds none"));
        }
    }
    assert_eq!(empty, 7);
}

#[test]
fn a_bad_shard_is_a_usage_error() {
    for bad in ["0/3", "4/3", "x"] {
        let out = pipewise()
            .args(["audit", ".", "--shard", bad])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("I/N"),
            "{bad}"
        );
    }
}

#[test]
fn organisation_summary_sorts_by_score_and_lists_the_worst_findings() {
    let t = TempDir::new().expect("tmp");
    let paths = fixture_repos(t.path(), 6);
    let report = t.path().join("all.json");
    run(pipewise()
        .current_dir(t.path())
        .arg("audit")
        .args(&paths)
        .args(["-f", "json", "-o"])
        .arg(&report)
        .args(["--fail-on", "none", "--fail-on-error", "false", "-q"]));
    let v: serde_json::Value =
        serde_json::from_slice(&fs::read(&report).expect("read")).expect("json");
    let mut scores: Vec<(u64, String)> = v["repositories"]
        .as_array()
        .expect("repos")
        .iter()
        .map(|r| {
            (
                r["scores"]["overall"].as_u64().expect("score"),
                r["root"].as_str().expect("root").to_string(),
            )
        })
        .collect();
    scores.sort();
    let md = String::from_utf8(run(pipewise()
        .current_dir(t.path())
        .arg("merge")
        .arg(&report)
        .args(["-f", "org", "--fail-on", "none", "--fail-on-error", "false"])))
    .expect("utf8");
    // Rows in score order, lowest first.
    let rows: Vec<&str> = md.lines().filter(|l| l.starts_with("| `repo-")).collect();
    let order: Vec<String> = rows
        .iter()
        .map(|l| l.split('`').nth(1).unwrap_or("").to_string())
        .collect();
    assert_eq!(
        order,
        scores.iter().map(|(_, r)| r.clone()).collect::<Vec<_>>()
    );
    assert!(
        scores.first().map(|s| s.0) < scores.last().map(|s| s.0),
        "{scores:?}"
    );
    // The worst rule: the template injection of the two deploy workflows (repo-00,
    // repo-03), counted per repository.
    let injection = md
        .lines()
        .find(|l| l.starts_with("| `security/template-injection`"))
        .expect("template injection in the worst rules");
    let cells: Vec<&str> = injection.split('|').map(str::trim).collect();
    assert_eq!(cells[2], "critical", "{injection}");
    assert_eq!(cells[3], "2", "{injection}");
    assert!(md.contains("## Worst findings ("));
    assert!(md.contains("`repo-00/.github/workflows/deploy.yml:"));
    // The HTML page: the same rows, escaped, self-contained.
    let html = String::from_utf8(run(pipewise()
        .current_dir(t.path())
        .arg("merge")
        .arg(&report)
        .args([
            "-f",
            "org-html",
            "--fail-on",
            "none",
            "--fail-on-error",
            "false",
        ])))
    .expect("utf8");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.contains("<script src") && !html.contains("http://") && !html.contains("<link"));
    let first = html.find("<code>repo-").expect("rows");
    assert!(html[first..].starts_with(&format!("<code>{}</code>", scores[0].1)));
    assert!(html.contains("security/template-injection"));
}

/// `../shared/corpus`: 80 repositories, N = 1, 3, 8.
#[test]
#[ignore = "reads /work/shared/corpus (or PIPEWISE_SHARED); run with --ignored"]
fn sharded_corpus_merges_to_the_single_run() {
    let shared = std::env::var_os("PIPEWISE_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/shared"));
    let corpus = shared.join("corpus");
    assert!(
        corpus.is_dir(),
        "the shared corpus is absent: set PIPEWISE_SHARED to the directory holding corpus/"
    );
    let mut paths: Vec<PathBuf> = fs::read_dir(&corpus)
        .expect("corpus")
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| PathBuf::from(e.file_name()))
        .collect();
    paths.sort();
    assert!(paths.len() >= 20, "{} repositories", paths.len());
    check_shards_merge_to_the_single_run(&corpus, &paths);
}
