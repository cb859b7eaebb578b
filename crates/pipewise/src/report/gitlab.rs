//! `--format gitlab`: GitLab Code Quality JSON, the report a merge request shows
//! inline (`artifacts: reports: codequality: gl-code-quality-report.json`). An array
//! of issues with `description`, `check_name`, `fingerprint`, `severity` and
//! `location.path`/`lines.begin`. Written through serde_json, so every string is
//! JSON-escaped. File errors are issues too (`check_name: pipewise/file-error`).
//!
//! The fingerprint is stable across commits that move a finding (it hashes the
//! repository, file, rule and message, not the line) and unique within a report (a
//! counter separates repeats).

use super::{Renderer, Report};
use crate::finding::Severity;
use serde_json::{json, Value};
use std::collections::HashMap;

/// The `--format gitlab` renderer.
pub struct Gitlab;

impl Renderer for Gitlab {
    fn shows_inventory(&self) -> bool {
        false
    }
    fn name(&self) -> &'static str {
        "gitlab"
    }
    fn render(&self, report: &Report, _opts: &super::RenderOptions) -> String {
        render(report)
    }
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "blocker",
        Severity::High => "critical",
        Severity::Medium => "major",
        Severity::Low => "minor",
        Severity::Info => "info",
    }
}

/// FNV-1a, 64 bits, from `seed`.
fn fnv(seed: u64, parts: &[&str]) -> u64 {
    let mut h = seed;
    for p in parts {
        for b in p.bytes().chain([0xff]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

pub fn render(report: &Report) -> String {
    let multi = report.repositories.len() > 1;
    // Each issue is pretty-printed as soon as it is built (one level deep, in the
    // top-level array) instead of keeping a `Value` tree of every issue.
    let mut issues: Vec<u8> = vec![];
    let mut push = |issue: Value| {
        issues.extend_from_slice(if issues.is_empty() { b"[\n" } else { b",\n" });
        super::json::nested_pretty(&mut issues, &issue, 1);
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut fingerprint = |parts: &[&str]| {
        let base = format!(
            "{:016x}{:016x}",
            fnv(0xcbf2_9ce4_8422_2325, parts),
            fnv(0x6c62_272e_07bb_0142, parts)
        );
        let n = seen.entry(base.clone()).or_insert(0);
        *n += 1;
        if *n == 1 {
            base
        } else {
            format!("{base}-{n}")
        }
    };
    for repo in &report.repositories {
        let path = |file: &str| {
            if multi {
                format!("{}/{file}", repo.root.trim_end_matches('/'))
            } else {
                file.to_string()
            }
        };
        for f in &repo.findings {
            let p = path(&f.file);
            push(json!({
                "type": "issue",
                "check_name": f.rule,
                "description": format!("{}: {}", f.title, f.message),
                "categories": [f.category],
                "severity": severity(f.severity),
                "fingerprint": fingerprint(&[&repo.root, &f.file, &f.rule, &f.message]),
                "location": {"path": p, "lines": {"begin": f.line.max(1), "end": f.end_line.max(f.line).max(1)}},
            }));
        }
        for e in &repo.errors {
            let p = path(&e.file);
            push(json!({
                "type": "issue",
                "check_name": "pipewise/file-error",
                "description": format!("pipewise could not read this file: {}", e.message),
                "categories": ["Bug Risk"],
                "severity": "major",
                "fingerprint": fingerprint(&[&repo.root, &e.file, "file-error", &e.message]),
                "location": {"path": p, "lines": {"begin": e.line.max(1)}},
            }));
        }
    }
    if issues.is_empty() {
        return "[]\n".into();
    }
    issues.extend_from_slice(b"\n]\n");
    String::from_utf8(issues).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{RepoReport, ReportError};

    #[test]
    fn code_quality_shape_escaping_and_unique_fingerprints() {
        let mut repo = RepoReport {
            root: "r".into(),
            ..Default::default()
        };
        repo.errors.push(ReportError {
            file: ".gitlab-ci.yml".into(),
            line: 3,
            message: "bad \"quote\"\nnewline".into(),
        });
        repo.errors.push(repo.errors[0].clone());
        let out = render(&Report::new(vec![repo]));
        let v: Value = serde_json::from_str(&out).expect("valid JSON");
        let a = v.as_array().expect("array");
        assert_eq!(a.len(), 2);
        assert_eq!(a[0]["location"]["path"], ".gitlab-ci.yml");
        assert_eq!(a[0]["location"]["lines"]["begin"], 3);
        assert_eq!(a[0]["severity"], "major");
        assert!(a[0]["description"]
            .as_str()
            .unwrap_or("")
            .contains("\"quote\"\nnewline"));
        assert_ne!(a[0]["fingerprint"], a[1]["fingerprint"]);
        // Printed issue by issue, the document is still serde_json's pretty printing.
        let mut again = serde_json::to_string_pretty(&v).expect("prints");
        again.push('\n');
        assert_eq!(out, again);
        assert_eq!(render(&Report::new(vec![])), "[]\n");
    }
}
