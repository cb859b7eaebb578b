//! Fixture-driven rule tests. Every rule `group/name` has two mini repositories:
//! `tests/fixtures/<group>/<name>/trigger/` (must produce at least one finding of that
//! rule) and `tests/fixtures/<group>/<name>/benign/` (look-alikes that must produce
//! none). The findings of each are snapshotted with insta, so any change in message,
//! location or severity shows up in review.

use pipewise::audit::audit_path;
use pipewise::config::Config;
use pipewise::rules;
use std::path::{Path, PathBuf};

fn fixture_dir(id: &str, kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(id)
        .join(kind)
}

/// Audits a fixture with every rule enabled and returns this rule's findings as
/// stable one-line records.
fn findings_of(id: &str, dir: &Path) -> Vec<String> {
    let report = audit_path(dir, Some(&Config::default())).expect("fixture audits");
    report
        .findings
        .iter()
        .filter(|f| f.rule == id)
        .map(|f| {
            format!(
                "{}:{}:{}-{}:{} [{}] {}{}",
                f.file,
                f.line,
                f.column,
                f.end_line,
                f.end_column,
                f.severity,
                f.message,
                f.related
                    .iter()
                    .map(|r| format!(" (related {}:{}: {})", r.file, r.line, r.message))
                    .collect::<String>()
            )
        })
        .collect()
}

/// Checks every rule of one group: fixtures exist, triggers fire, benign fixtures stay
/// silent, and the trigger findings match their snapshot.
fn check_group(group: &str) {
    let mut failures = vec![];
    for r in rules::all()
        .into_iter()
        .filter(|r| r.meta().group() == group)
    {
        let id = r.meta().id;
        let trigger = fixture_dir(id, "trigger");
        let benign = fixture_dir(id, "benign");
        if !trigger.is_dir() || !benign.is_dir() {
            failures.push(format!(
                "{id}: needs tests/fixtures/{id}/trigger and /benign"
            ));
            continue;
        }
        let found = findings_of(id, &trigger);
        if found.is_empty() {
            failures.push(format!("{id}: trigger fixture produced no finding"));
        }
        insta::assert_snapshot!(
            format!("{}__trigger", id.replace('/', "__")),
            found.join("\n")
        );
        let found = findings_of(id, &benign);
        if !found.is_empty() {
            failures.push(format!(
                "{id}: benign fixture produced findings:\n  {}",
                found.join("\n  ")
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn reliability_rules() {
    check_group("reliability");
}

#[test]
fn security_rules() {
    check_group("security");
}

#[test]
fn deployment_rules() {
    check_group("deployment");
}

#[test]
fn quality_rules() {
    check_group("quality");
}

#[test]
fn container_rules() {
    check_group("container");
}

#[test]
fn gitlab_rules() {
    check_group("gitlab");
}

#[test]
fn every_rule_is_documented() {
    for r in rules::all() {
        let m = r.meta();
        let (group, name) = m.id.split_once('/').expect("id is group/name");
        assert!(
            [
                "reliability",
                "security",
                "deployment",
                "quality",
                "container",
                "gitlab"
            ]
            .contains(&group),
            "{}",
            m.id
        );
        assert!(
            name.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
            "{}",
            m.id
        );
        assert!(
            m.doc.contains("## Bad") && m.doc.contains("## Good"),
            "{} doc needs Bad and Good examples",
            m.id
        );
        assert!(
            m.doc.contains("## Why it matters"),
            "{} doc needs 'Why it matters'",
            m.id
        );
        assert!(
            !m.fix.snippet.is_empty() && m.fix.effort_minutes > 0,
            "{} needs a fix",
            m.id
        );
        assert!(!m.impact.is_empty() && !m.summary.is_empty(), "{}", m.id);
        // The rule's source file is named after it.
        let file = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/rules")
            .join(group)
            .join(format!("{}.rs", name.replace('-', "_")));
        assert!(file.is_file(), "{} should live in {}", m.id, file.display());
    }
}
