//! Seed-report regression tests. Each repository under `tests/repos/` (rebuilt from
//! one of the five hand-written audit reports in `shared/seeds/`, plus `hardened`) and
//! `examples/demo-repo` carries an `expected.toml`:
//!
//! ```toml
//! max_severity = "low"          # optional: no finding may be above this severity
//!
//! [[finding]]                   # must be among pipewise's findings
//! rule = "reliability/masked-failure"
//! file = ".github/workflows/cd.yml"
//! line = 139
//! report_ref = "HIGH-1"         # the seed report's id for it ("-" = the report missed it)
//! note = "..."
//!
//! [[capability]]                # must be in the report's capability list
//! id = "deploy.db-backup"
//! status = "partial"            # present | partial | missing | not-applicable | unknown
//! report_ref = "HIGH-1"
//! note = "..."
//! ```
//!
//! The human-readable version of each list is the repository's `EXPECTED.md`.
//!
//! Line convention for `[[finding]]` (the line pipewise's finding must start on):
//! - a command inside a `run:` block (or a script file): the line of that command,
//!   not the `run:` line;
//! - a key that is wrong (`permissions: write-all`, `continue-on-error: true`,
//!   `node-version: 18`, `restore-keys:`, `fail-build: false`, ...): that key's line;
//! - an action: its `uses:` line;
//! - a step that runs after something it should precede (a scan after the push): the
//!   step's first line (`- name:`);
//! - a placeholder step: its evidence, i.e. the TODO / "would integrate" comment or
//!   the commented-out command, else the first line of its script;
//! - a missing key: its parent, i.e. the `jobs.<id>:` key line for a job (missing
//!   `timeout-minutes`) and, for the workflow (missing `permissions`, missing
//!   `concurrency`), which has no parent key, its `on:` key: the line that says
//!   what starts it;
//! - a status job that checks only some of its needs: its `needs:` line; a deploy
//!   workflow that deploys on push without tests: its `push:` trigger line;
//! - a Dockerfile: the instruction's line; a missing `USER`/`HEALTHCHECK` on the final
//!   stage's `FROM`; compose: the offending entry's line; dependabot coverage: the
//!   `updates:` line.
//!
//! Many rules are written in parallel with these fixtures, so until they land some
//! expectations are unmet; every failure message lists exactly which ones.

use pipewise::audit::audit_path;
use pipewise::config::Config;
use pipewise::finding::Severity;
use pipewise::report::RepoReport;
use pipewise::rules;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Every audited fixture repository, relative to the workspace root.
const REPOS: [&str; 7] = [
    "examples/demo-repo",
    "tests/repos/seed-000",
    "tests/repos/seed-001",
    "tests/repos/seed-002",
    "tests/repos/seed-003",
    "tests/repos/seed-004",
    "tests/repos/hardened",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    max_severity: Option<String>,
    #[serde(default)]
    finding: Vec<ExpectedFinding>,
    #[serde(default)]
    capability: Vec<ExpectedCapability>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedFinding {
    rule: String,
    file: String,
    line: usize,
    report_ref: String,
    note: String,
    /// A finding pipewise does not make yet, with why. The test tolerates its absence
    /// but fails once it is made, so the gap list cannot go stale.
    #[serde(default)]
    known_gap: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedCapability {
    id: String,
    status: String,
    report_ref: String,
    note: String,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn repo_dir(repo: &str) -> PathBuf {
    workspace_root().join(repo)
}

fn expected(repo: &str) -> Expected {
    let path = repo_dir(repo).join("expected.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn audit(repo: &str) -> RepoReport {
    audit_path(&repo_dir(repo), Some(&Config::default()))
        .unwrap_or_else(|e| panic!("{repo}: audit failed: {e}"))
}

/// Expected findings of `repo` that the audit does not report, one line each, with
/// where pipewise reports the same rule in the same file instead (if anywhere).
fn unmet_findings(repo: &str) -> (usize, Vec<String>) {
    let exp = expected(repo);
    let report = audit(repo);
    let mut unmet = vec![];
    for e in &exp.finding {
        let hit = report
            .findings
            .iter()
            .any(|f| f.rule == e.rule && f.file == e.file && f.line == e.line);
        match (&e.known_gap, hit) {
            (None, true) | (Some(_), false) => continue,
            (Some(gap), true) => {
                unmet.push(format!(
                    "  {repo}/{}:{} {} is now reported: remove its known_gap ({gap})",
                    e.file, e.line, e.rule
                ));
                continue;
            }
            (None, false) => {}
        }
        let elsewhere: Vec<String> = report
            .findings
            .iter()
            .filter(|f| f.rule == e.rule && f.file == e.file)
            .map(|f| f.line.to_string())
            .collect();
        let hint = if elsewhere.is_empty() {
            String::new()
        } else {
            format!(" [reported at line(s) {} instead]", elsewhere.join(", "))
        };
        unmet.push(format!(
            "  {repo}/{}:{} {} ({}): {}{hint}",
            e.file, e.line, e.rule, e.report_ref, e.note
        ));
    }
    (exp.finding.len(), unmet)
}

fn check_findings(repo: &str) {
    let (total, unmet) = unmet_findings(repo);
    assert!(
        unmet.is_empty(),
        "{repo}: {} of {total} expected findings not reported:\n{}",
        unmet.len(),
        unmet.join("\n")
    );
}

#[test]
fn demo_repo_findings() {
    check_findings("examples/demo-repo");
}

#[test]
fn seed_000_findings() {
    check_findings("tests/repos/seed-000");
}

#[test]
fn seed_001_findings() {
    check_findings("tests/repos/seed-001");
}

#[test]
fn seed_002_findings() {
    check_findings("tests/repos/seed-002");
}

#[test]
fn seed_003_findings() {
    check_findings("tests/repos/seed-003");
}

#[test]
fn seed_004_findings() {
    check_findings("tests/repos/seed-004");
}

/// Every rule id named in an expectation is registered.
#[test]
fn expected_rules_are_registered() {
    let mut missing = vec![];
    for repo in REPOS {
        for e in expected(repo).finding {
            if rules::by_id(&e.rule).is_none() {
                missing.push(format!("  {} ({repo}/{}:{})", e.rule, e.file, e.line));
            }
        }
    }
    let mut ids: Vec<&str> = missing
        .iter()
        .filter_map(|m| m.split_whitespace().next())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert!(
        missing.is_empty(),
        "{} expectations name {} unregistered rule(s): {}\n{}",
        missing.len(),
        ids.len(),
        ids.join(", "),
        missing.join("\n")
    );
}

/// The expectations themselves point at real, non-blank lines of existing files, so
/// an edit to a fixture that shifts lines fails here first, with the reason.
#[test]
fn expectations_point_at_real_lines() {
    let mut bad = vec![];
    for repo in REPOS {
        let exp = expected(repo);
        for e in &exp.finding {
            let path = repo_dir(repo).join(&e.file);
            match std::fs::read_to_string(&path) {
                Err(err) => bad.push(format!("  {repo}/{}: {err}", e.file)),
                Ok(text) => match text.lines().nth(e.line.wrapping_sub(1)) {
                    Some(l) if !l.trim().is_empty() => {}
                    _ => bad.push(format!(
                        "  {repo}/{}:{}: no such line or blank ({})",
                        e.file, e.line, e.rule
                    )),
                },
            }
        }
        for c in &exp.capability {
            if !matches!(
                c.status.as_str(),
                "present" | "partial" | "missing" | "not-applicable" | "unknown"
            ) {
                bad.push(format!(
                    "  {repo}: capability {} has status {:?}",
                    c.id, c.status
                ));
            }
        }
        if let Some(s) = &exp.max_severity {
            if !Severity::ALL.iter().any(|v| v.as_str() == s) {
                bad.push(format!("  {repo}: max_severity {s:?} is not a severity"));
            }
        }
    }
    assert!(bad.is_empty(), "bad expectations:\n{}", bad.join("\n"));
}

/// The hardened repository (and any other with `max_severity`) has no finding above it.
#[test]
fn hardened_repo_is_clean() {
    let mut over = vec![];
    let mut checked = 0;
    for repo in REPOS {
        let Some(max) = expected(repo).max_severity else {
            continue;
        };
        checked += 1;
        let Some(max) = Severity::ALL.iter().copied().find(|s| s.as_str() == max) else {
            panic!("{repo}: max_severity {max:?} is not a severity");
        };
        for f in audit(repo).findings.iter().filter(|f| f.severity > max) {
            over.push(format!(
                "  {repo}/{}:{} [{}] {}: {}",
                f.file, f.line, f.severity, f.rule, f.message
            ));
        }
    }
    assert!(checked > 0, "no repository declares max_severity");
    assert!(
        over.is_empty(),
        "{} finding(s) above the allowed severity:\n{}",
        over.len(),
        over.join("\n")
    );
}

/// Each expected capability is in the report with the expected status.
#[test]
fn capabilities_match_expectations() {
    let mut unmet = vec![];
    let mut total = 0;
    for repo in REPOS {
        let exp = expected(repo);
        if exp.capability.is_empty() {
            continue;
        }
        let report = audit(repo);
        for c in &exp.capability {
            total += 1;
            let got = report.capabilities.iter().find(|r| r.id == c.id).map(|r| {
                serde_json::to_value(r.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            });
            match got {
                Some(s) if s == c.status => {}
                Some(s) => unmet.push(format!(
                    "  {repo}: {} is {s}, expected {} ({}): {}",
                    c.id, c.status, c.report_ref, c.note
                )),
                None => unmet.push(format!(
                    "  {repo}: {} not in the report, expected {} ({}): {}",
                    c.id, c.status, c.report_ref, c.note
                )),
            }
        }
    }
    assert!(
        unmet.is_empty(),
        "{} of {total} expected capabilities unmet:\n{}",
        unmet.len(),
        unmet.join("\n")
    );
}
